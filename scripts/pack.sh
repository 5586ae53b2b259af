#!/usr/bin/env bash
# ./build.sh pack: the release build in dist/ → the npm package dist/npm/gamjeong-<version>.tgz
# (also copied to dist/npm/gamjeong.tgz, a name that does not change with the version), made by `npm pack` from a
# staging folder holding exactly the package's files and its package.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/dist"
OUT="$DIST/npm"
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

[ -f "$DIST/pkg/gamjeong_bg.wasm" ] || die "dist/ has no release build: run ./build.sh build first"
command -v npm >/dev/null || die "npm not found (Node.js ≥ 20)"
version="$(awk -F'"' '/^version *=/ { print $2; exit }' "$ROOT/Cargo.toml")"
[ -n "$version" ] || die "no version in Cargo.toml"

stage="$(mktemp -d "${TMPDIR:-/tmp}/gamjeong-pack.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
# The JS as the build copied it next to the wasm it was built with, and every wasm build
# (builds.js imports each by a literal path, which bundlers must resolve): the list comes from
# the modules' imports and the table of wasm builds (scripts/builds.mjs).
files="$(node "$ROOT/scripts/builds.mjs" npm-files)" || die "could not list the package's files"
while read -r f; do
    [ -f "$DIST/$f" ] || die "dist/$f is missing (a SKIP_RELAXED or SKIP_THREADS build?): run ./build.sh build"
    mkdir -p "$stage/$(dirname "$f")"
    cp "$DIST/$f" "$stage/$f"
done <<< "$files"
cp "$ROOT/docs/npm.md" "$stage/README.md"
node "$ROOT/scripts/npm-package.mjs" "$version" > "$stage/package.json"

mkdir -p "$OUT"
rm -f "$OUT"/gamjeong-*.tgz
(cd "$stage" && npm pack --silent --pack-destination "$OUT" >/dev/null)
tgz="$OUT/gamjeong-$version.tgz"
[ -f "$tgz" ] || die "npm pack wrote no $tgz"
cp "$tgz" "$OUT/gamjeong.tgz"
printf '%s (%s bytes):\n' "${tgz#$ROOT/}" "$(stat -c %s "$tgz")"
tar -tzvf "$tgz" | awk '{ printf "  %10s  %s\n", $3, $6 }'
