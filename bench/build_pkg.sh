#!/usr/bin/env bash
# Builds gamjeong's wasm-bindgen package for the browser benchmark, as ./build.sh does
# (release, wasm32 + SIMD128 from .cargo/config.toml, wasm-bindgen --target web, wasm-opt -O3
# from npm binaryen), into OUT (default target/bench/pkg). PROFILE=1 keeps the function
# names (no wasm-opt) for Chromium's profiler, into target/bench/pkg-names.
set -euo pipefail
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ "${PROFILE:-}" = 1 ]; then OUT="${OUT:-$ROOT/target/bench/pkg-names}"; else OUT="${OUT:-$ROOT/target/bench/pkg}"; fi
cargo build --release --target wasm32-unknown-unknown --lib
rm -rf "$OUT"; mkdir -p "$OUT"
wasm-bindgen --target web --out-dir "$OUT" "$TARGET_DIR/wasm32-unknown-unknown/release/gamjeong.wasm"
WO="$ROOT/bench/node_modules/.bin/wasm-opt"
[ -x "$WO" ] || WO="$ROOT/node_modules/.bin/wasm-opt"
if [ "${PROFILE:-}" != 1 ]; then
  [ -x "$WO" ] || { echo "wasm-opt not found: cd bench && npm install" >&2; exit 1; }
  "$WO" -O3 --enable-simd --enable-bulk-memory --enable-bulk-memory-opt \
    --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-multivalue --enable-reference-types \
    "$OUT/gamjeong_bg.wasm" -o "$OUT/gamjeong_bg.wasm.opt"
  mv "$OUT/gamjeong_bg.wasm.opt" "$OUT/gamjeong_bg.wasm"
fi
printf '{"commit": "%s", "src_dirty": %s, "wasm_opt": %s, "built": "%s"}\n' \
  "$(git rev-parse --short HEAD)" \
  "$([ -n "$(git status --porcelain -- src)" ] && echo true || echo false)" \
  "$([ "${PROFILE:-}" = 1 ] && echo false || echo true)" "$(date -u +%FT%TZ)" > "$OUT/build.json"
ls -l "$OUT"
