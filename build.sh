#!/usr/bin/env bash
# gamjeong build / test / serve helper. What each step does and why: docs/build.md
#
#   ./build.sh [build]    release wasm builds -> dist/, a static site: pkg/ (SIMD128), pkg-relaxed/
#                         (+ relaxed SIMD), pkg-threads/ and pkg-threads-relaxed/ (+ atomics;
#                         docs/threads.md), www/* and models/; installs missing toolchain pieces
#   ./build.sh serve      build, then serve dist/ on http://127.0.0.1:8080/ with COOP/COEP
#   ./build.sh test       every test: native `cargo test` (all targets + doctests), wasm32 tests
#                         in headless Chromium, browser end-to-end tests (tests/e2e/) on dist/
#   ./build.sh setup      install the toolchain pieces (idempotent)
#   ./build.sh pack       the npm package from dist/: dist/npm/gamjeong-<version>.tgz (docs/npm.md)
#   ./build.sh quantize MODEL [q8,q4]   hub id or local HF folder -> models/NAME/ (docs/build.md)
#   ./build.sh space MODEL [--quant q8|q4] [--out DIR]   a Hugging Face Space in dist/space/ (docs/space.md)
#
# Environment knobs:
#   PORT / HOST                 serve address (default 127.0.0.1:8080)
#   SKIP_NATIVE=1 / SKIP_WASM=1 / SKIP_E2E=1   test: skip a part
#   WASM_BINDGEN_TEST_TIMEOUT   per-test-binary browser timeout in s (default here: 600)
#   NO_HEADLESS=1               wasm tests: serve the test page for a manual browser
#   SKIP_WASM_OPT=1 / SKIP_RELAXED=1   build: no wasm-opt / no relaxed-SIMD builds
#   SKIP_THREADS=1              build, setup: no threads builds (nor their pinned nightly)
#   CARGO_TARGET_DIR            cargo's target dir (default ./target; + relaxed/, threads*/)
#   GAMJEONG_CLI / REVISION     quantize, space: an already built CLI / the hub revision
set -euo pipefail
# These would replace .cargo/config.toml's wasm rustflags (+simd128, getrandom backend).
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

WASM_TARGET=wasm32-unknown-unknown CRATE=gamjeong
DIST="$ROOT/dist" TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
RELAXED_RUSTFLAGS='-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend="wasm_js"'
# The threads builds need a nightly (std rebuilt with atomics), pinned for reproducible builds
# (rustc 1.97.0-nightly e50aa6fba 2026-05-19); its memory is imported, shared, max 1 GiB.
THREADS_TOOLCHAIN="nightly-2026-05-20"
THREADS_MAX_MEMORY=$(( 1 << 30 ))
THREADS_RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+simd128 -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=$THREADS_MAX_MEMORY --cfg getrandom_backend=\"wasm_js\""
# The TLS symbols wasm-bindgen's threads transform patches: exported by the final crate only.
THREADS_LINK_ARGS=(-C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size
    -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base)
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$CARGO_BIN:"*) ;; *) [ -d "$CARGO_BIN" ] && PATH="$CARGO_BIN:$PATH" ;; esac
export PATH

if [ -t 1 ]; then B=$'\e[1m' R=$'\e[31m' G=$'\e[32m' Y=$'\e[33m' N=$'\e[0m'; else B='' R='' G='' Y='' N=''; fi
log()  { printf '%s==> %s%s\n' "$B" "$*" "$N"; }
warn() { printf '%swarning: %s%s\n' "$Y" "$*" "$N" >&2; }
die()  { printf '%serror: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
now()  { date +%s; }
skipped() { local v="SKIP_$1"; [ "${!v:-}" = 1 ]; }     # skipped THREADS: SKIP_THREADS=1 given
# "wasm-bindgen 0.2.130" -> "0.2.130"; empty if not installed
installed_version() { have "$1" && "$1" --version 2>/dev/null | awk '{print $2; exit}' || true; }
# The wasm-bindgen version Cargo.lock pins: the CLI and test runner must match it exactly.
lock_wasm_bindgen_version() {
    grep -A1 -x 'name = "wasm-bindgen"' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p' | grep . \
        || die "could not find the wasm-bindgen version in $ROOT/Cargo.lock"
}
# require_wasm BIN: the wasm target and BIN (wasm-bindgen or its test runner) at Cargo.lock's version.
require_wasm() {
    local want got; want="$(lock_wasm_bindgen_version)"; got="$(installed_version "$1")"
    rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET" || die "rust target $WASM_TARGET missing: run ./build.sh setup"
    [ "$got" = "$want" ] || die "$1 is ${got:-not installed} but Cargo.lock pins wasm-bindgen $want: run ./build.sh setup"
}

# ---------------------------------------------------------------- setup ----
setup_rust() {
    { have cargo && have rustup; } || die "cargo/rustup not found: install the Rust toolchain first (https://rustup.rs)"
    if rustup target list --installed | grep -qx "$WASM_TARGET"; then log "rust target $WASM_TARGET: already installed"
    else log "rust target $WASM_TARGET: installing"; rustup target add "$WASM_TARGET"; fi
    skipped THREADS && return
    local nightly="rust $THREADS_TOOLCHAIN + rust-src (threads build)"
    if rustup component list --installed --toolchain "$THREADS_TOOLCHAIN" 2>/dev/null | grep -q '^rust-src'; then log "$nightly: already installed"
    else log "$nightly: installing"; rustup toolchain install "$THREADS_TOOLCHAIN" --profile minimal --component rust-src; fi
}

setup_wasm_bindgen_cli() {
    local want found t0; want="$(lock_wasm_bindgen_version)"; found="$(installed_version wasm-bindgen)"
    if [ "$found" = "$want" ] && [ "$(installed_version wasm-bindgen-test-runner)" = "$want" ]; then
        log "wasm-bindgen-cli $want: already installed"; return
    fi
    log "wasm-bindgen-cli: installing $want (found: ${found:-none}) -- takes a few minutes"; t0=$(now)
    # No --locked: the crate's own lock file can pin dependencies the current toolchain cannot build.
    cargo install wasm-bindgen-cli --version "$want" --force
    log "wasm-bindgen-cli $want installed in $(( $(now) - t0 ))s"
}

# apt_install WHY PACKAGE...: Debian packages, if root with apt-get (else a warning).
apt_install() {
    local why=$1 t0; shift
    if [ "$(id -u)" -ne 0 ] || ! have apt-get; then warn "$* missing and cannot apt-get here (need root + apt): $why"; return; fi
    log "$*: installing with apt-get ($why)"
    t0=$(now)
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@" >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@" >/dev/null; } || return
    log "$* installed in $(( $(now) - t0 ))s"
}

# npm ci from the committed package-lock.json (binaryen's wasm-opt: Debian's is too old for
# wasm-bindgen's output; playwright-core for tests/e2e), only when the lock file changed.
setup_npm() {
    local stamp="$ROOT/node_modules/.gamjeong-lock.sha256" want
    want="$(sha256sum package-lock.json | awk '{print $1}')" || die "package-lock.json missing in $ROOT"
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$WASM_OPT" ] && [ -d node_modules/playwright-core ]; then
        log "npm packages (binaryen, playwright-core): already installed"; return
    fi
    have npm || { warn "npm not found (Node.js): it installs binaryen (wasm-opt) and playwright-core (e2e tests)"; return 1; }
    log "npm ci (binaryen, playwright-core from package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error || { warn "npm ci failed"; return 1; }
    echo "$want" > "$stamp"
}

cmd_setup() {
    local t0; t0=$(now)
    setup_rust
    setup_wasm_bindgen_cli
    if have chromium && have chromedriver; then log "chromium + chromedriver: already installed ($(chromedriver --version | awk '{print $2}'))"
    else apt_install "the wasm and e2e tests need them" chromium chromium-driver || die "could not install chromium"; fi
    if have fc-list && fc-list | grep -qi 'Noto Sans CJK'; then log "fonts-noto-cjk: already installed"
    else apt_install "else screenshots show boxes for Hangul" fonts-noto-cjk || warn "could not install fonts-noto-cjk"; fi
    setup_npm || die "npm packages could not be installed (need node + npm)"
    log "setup done in $(( $(now) - t0 ))s"
}

# ---------------------------------------------------------------- build ----
# The wasm builds come from the one table, www/runtime/builds.js (docs/build.md): one line per
# build, "VARIANT DIR FEATURES THREADS", read through node.
builds_table() {
    have node || die "node not found: it reads the table of wasm builds (www/runtime/builds.js); install Node.js (./build.sh setup needs it too)"
    node "$ROOT/scripts/builds.mjs" table || die "could not read the table of wasm builds (www/runtime/builds.js)"
}
# The build skipped by SKIP_RELAXED / SKIP_THREADS, if this one is.
build_skipped() { # FEATURES THREADS
    { [ "$2" = 1 ] && skipped THREADS; } || { [[ ",$1," == *,relaxed-simd,* ]] && skipped RELAXED; }
}

# bindgen_variant DIR CARGO_TARGET_DIR [wasm-opt flags]: wasm-bindgen + wasm-opt a built .wasm -> dist/DIR/
bindgen_variant() {
    local out="$DIST/$1" wasm="$2/$WASM_TARGET/release/$CRATE.wasm" bg before; shift 2
    [ -f "$wasm" ] || die "expected $wasm after the build (is crate-type cdylib?)"
    log "wasm-bindgen --target web ${wasm#"$ROOT"/} -> ${out#"$ROOT"/}/"
    mkdir -p "$out"
    wasm-bindgen --target web --out-dir "$out" "$wasm"
    if skipped WASM_OPT; then warn "SKIP_WASM_OPT=1: not running wasm-opt"; return; fi
    [ -x "$WASM_OPT" ] || die "wasm-opt (npm binaryen) not found: run ./build.sh setup (needs npm), or SKIP_WASM_OPT=1 ./build.sh"
    bg="$out/${CRATE}_bg.wasm"; before=$(stat -c %s "$bg")
    # The features Rust enables by default for wasm32, + SIMD128 (+ the variant's own).
    "$WASM_OPT" -O3 --enable-simd --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext \
        --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
        --enable-reference-types "$@" "$bg" -o "$bg.opt"
    mv "$bg.opt" "$bg"
    log "wasm-opt -O3: $before -> $(stat -c %s "$bg") bytes"
}

# The cargo target dir of a row: SIMD128 alone is .cargo/config.toml's own setting (./target, no
# extra flags); every other row gets its own, so that the builds never invalidate each other.
target_dir() { # VARIANT FEATURES THREADS
    if [ "$2" = simd128 ] && [ "$3" = 0 ]; then echo "$TARGET"; else echo "$TARGET/$1"; fi
}

# cargo_variant VARIANT FEATURES THREADS: the release build of one row of the table, its features
# as rustflags; a threads row is built by the pinned nightly with std rebuilt for atomics
# (docs/threads.md).
cargo_variant() {
    local variant=$1 features="+${2//,/,+}" threads=$3 dir flags t; t=$(now)
    dir="$(target_dir "$@")"
    if [ "$threads" = 1 ]; then
        flags="${THREADS_RUSTFLAGS/+simd128/$features}"
        log "cargo +$THREADS_TOOLCHAIN rustc ($variant) -Z build-std --target-dir ${dir#"$ROOT"/}: $flags"
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags" cargo "+$THREADS_TOOLCHAIN" rustc --release --lib \
            --target "$WASM_TARGET" -Z build-std=panic_abort,std --target-dir "$dir" -- "${THREADS_LINK_ARGS[@]}"
    elif [ "$dir" = "$TARGET" ]; then
        log "cargo build --release --lib --target $WASM_TARGET (simd128 via .cargo/config.toml)"
        cargo build --release --lib --target "$WASM_TARGET"
    else
        flags="-C target-feature=$features --cfg getrandom_backend=\"wasm_js\""
        log "cargo build ($variant) --target-dir ${dir#"$ROOT"/}: $flags"
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags" \
            cargo build --release --lib --target "$WASM_TARGET" --target-dir "$dir"
    fi
    log "$variant build: $(( $(now) - t ))s"
}

cmd_build() {
    local t0 table variant dir features threads opt f; t0=$(now)
    setup_rust; setup_wasm_bindgen_cli     # no-ops when installed
    skipped WASM_OPT || setup_npm || die "npm packages could not be installed (binaryen gives wasm-opt): install Node.js + npm, or SKIP_WASM_OPT=1"
    require_wasm wasm-bindgen
    table="$(builds_table)"
    while read -r variant dir features threads; do
        build_skipped "$features" "$threads" || cargo_variant "$variant" "$features" "$threads"
    done <<< "$table"
    rm -rf "$DIST"
    while read -r variant dir features threads; do
        build_skipped "$features" "$threads" && continue
        opt=(); [[ ",$features," == *,relaxed-simd,* ]] && opt+=(--enable-relaxed-simd)
        [ "$threads" = 1 ] && opt+=(--enable-threads)
        bindgen_variant "$dir" "$(target_dir "$variant" "$features" "$threads")" "${opt[@]}"
    done <<< "$table"
    log "copying www/ (and models/ from ./build.sh quantize) -> dist/"
    cp -R www/. "$DIST/"
    if [ -d models ]; then cp -R models "$DIST/models"; fi
    node "$ROOT/scripts/builds.mjs" site-files "$DIST"   # what sw.js pre-caches
    # The marker of a finished build (dist_stale), saying what was built (bench/run.mjs reads it).
    printf '{"commit": "%s", "src_dirty": %s, "wasm_opt": %s, "built": "%s"}\n' \
        "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
        "$([ -n "$(git status --porcelain -- src 2>/dev/null)" ] && echo true || echo false)" \
        "$(skipped WASM_OPT && echo false || echo true)" "$(date -u +%FT%TZ)" > "$DIST/.built"
    log "build done in $(( $(now) - t0 ))s:"
    (cd "$DIST" && find . -type f -printf '  %10s  %p\n' | sort -k2)
    log ".wasm sizes:"
    while read -r variant dir features threads; do
        f="$DIST/$dir/${CRATE}_bg.wasm"
        [ -f "$f" ] || continue
        printf '  %-34s %9s bytes raw  %9s bytes gzip -9\n' "${f#"$DIST"/}" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
    done <<< "$table"
}

# dist/ is missing, incomplete (a build of the table missing; SKIP_THREADS=1 excuses the threads
# builds) or older than the sources it is built from.
dist_stale() {
    local variant dir features threads
    [ -f "$DIST/.built" ] || return 0
    while read -r variant dir features threads; do
        { [ "$threads" = 1 ] && skipped THREADS; } || [ -f "$DIST/$dir/${CRATE}_bg.wasm" ] || return 0
    done <<< "$(builds_table)"
    [ -n "$(find src www Cargo.toml Cargo.lock .cargo -newer "$DIST/.built" -print -quit)" ]
}

cmd_serve() {
    cmd_build
    have node || die "node not found (needed to serve dist/: scripts/serve.mjs)"
    log "open http://${HOST:-127.0.0.1}:${PORT:-8080}/"
    exec node "$ROOT/scripts/serve.mjs" "$DIST" --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
}

# ----------------------------------------------------------------- test ----
# Each runner prints its own results and summary; a step's output is also kept in
# $LOGDIR/STEP.log, and a failed step is added to FAILED.
FAILED=()
run() { # STEP CMD...: exit status of CMD
    log "$1: ${*:2}"; "${@:2}" 2>&1 | tee "$LOGDIR/$1.log"
}

# One wasm test binary in headless Chromium. `--nocapture` makes the runner stream each
# "Invoking test: NAME" line as the test starts, so a runner that stops without a result (a
# timeout, a crash) names the test it was in. A runner that stopped before any test started
# never ran them (browser or chromedriver failed to start): it is retried once. Failed tests are not.
wasm_binary() { # NAME cargo-test-args...
    local step="wasm-$1"; shift
    run "$step" cargo test --target "$WASM_TARGET" "$@" -- --nocapture && return
    if ! grep -q "test result:" "$LOGDIR/$step.log"; then
        if ! grep -q "^Invoking test: " "$LOGDIR/$step.log"; then
            warn "$step: the runner ended before any test started (browser/driver failure): retrying once"
            mv "$LOGDIR/$step.log" "$LOGDIR/$step-runner-failure.log"
            run "$step" cargo test --target "$WASM_TARGET" "$@" -- --nocapture && return
        fi
        running_test "$step"
    fi
    FAILED+=("$step")
}

# running_test STEP: names the test that had started but not finished when STEP's runner stopped.
running_test() {
    local t; t="$(sed -n 's/^Invoking test: //p' "$LOGDIR/$1.log" | tail -n 1)"
    [ -n "$t" ] && ! grep -qF "test $t ... " "$LOGDIR/$1.log" \
        && warn "$1: the runner stopped while test $t was running (log: $LOGDIR/$1.log)"
    return 0
}

# The browser the wasm and e2e tests run in, e.g. "Chromium 148.0.7778.167, ChromeDriver 148.0.7778.167".
browser_versions() {
    local chromium driver
    chromium="$({ chromium --version || /usr/bin/chromium --version; } 2>/dev/null | grep -o '[0-9][0-9.]*[0-9]' | head -n 1)"
    driver="$("${CHROMEDRIVER:-chromedriver}" --version 2>/dev/null | grep -o '[0-9][0-9.]*[0-9]' | head -n 1)"
    echo "Chromium ${chromium:-not found}, ChromeDriver ${driver:-not found}"
}

test_native() {
    run native cargo test --no-fail-fast --all-targets || FAILED+=(native)
    run doctests cargo test --doc || FAILED+=(doctests)    # --all-targets leaves them out
}

test_wasm() {
    # Every binary in the browser (even one without wasm_bindgen_test_configure!(run_in_browser)).
    export WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
    export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
    local tests=() t
    for t in tests/wasm_*.rs; do t="${t#tests/}"; tests+=("${t%.rs}"); done
    # Everything compiled first (a compile error fails the part at once), then one runner per
    # binary, so that a failure names its binary and its log.
    # (Not --lib: the crate's unit tests are native; in wasm its test binary has none to run.)
    run wasm-build cargo test --no-run --target "$WASM_TARGET" "${tests[@]/#/--test=}" || { FAILED+=(wasm-build); return; }
    for t in "${tests[@]}"; do wasm_binary "$t" --test "$t"; done
    # The relaxed-SIMD variant: its int8 kernel must give the scalar kernel's sums, and the
    # quantized models their accuracy with its 7-bit activations.
    for t in wasm_kernels wasm_quant_accuracy; do
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$RELAXED_RUSTFLAGS" \
            wasm_binary "$t-relaxed" --target-dir "$TARGET/relaxed" --test "$t"
    done
    grep -ls "no tests to run" "$LOGDIR"/wasm-wasm_*.log | while read -r t; do warn "${t##*/}: no test ran"; done || true
}

test_e2e() {
    # The e2e tests run on dist/; fixture models and reference outputs come from the CLI.
    if dist_stale; then log "e2e: dist/ is missing or older than the sources: building it"; cmd_build; fi
    run e2e-cli cargo build --bin gamjeong || { FAILED+=(e2e-cli); return; }
    export GAMJEONG_CLI="$TARGET/debug/gamjeong"
    run e2e-fixtures node tests/e2e/prepare.mjs || { FAILED+=(e2e-fixtures); return; }
    run e2e node --test --test-concurrency=1 --test-reporter=spec tests/e2e/ || FAILED+=(e2e)
}

cmd_test() {
    have cargo || die "cargo not found"
    # Missing tools fail at once, before minutes of compiling.
    if ! skipped WASM; then
        require_wasm wasm-bindgen-test-runner
        if [ -z "${NO_HEADLESS:-}" ]; then
            export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
            [ -x "$CHROMEDRIVER" ] || die "chromedriver not found: run ./build.sh setup (Debian packages chromium + chromium-driver)"
            have chromium || [ -x /usr/bin/chromium ] || die "chromium not found: run ./build.sh setup"
            [ -f webdriver.json ] || die "webdriver.json missing in $ROOT (headless Chromium flags)"
        fi
    fi
    if ! skipped E2E; then
        have node || die "node not found (needed for the browser end-to-end tests; SKIP_E2E=1 to skip them)"
        [ -d node_modules/playwright-core ] || die "playwright-core missing: run ./build.sh setup"
        have chromium || [ -x /usr/bin/chromium ] || die "chromium not found: run ./build.sh setup"
    fi
    # Our crate optimized, overflow checks and debug assertions kept (docs/build.md).
    export CARGO_PROFILE_DEV_OPT_LEVEL=1
    LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/gamjeong-test.XXXXXX")"
    local part t0 n summary=() browsers
    browsers="$(browser_versions)"
    log "browser tests run in $browsers"
    for part in native wasm e2e; do
        if skipped "${part^^}"; then summary+=("$part" skipped); continue; fi
        t0=$(now) n=${#FAILED[@]}
        "test_$part"
        if [ ${#FAILED[@]} = "$n" ]; then summary+=("$part" "ok ($(( $(now) - t0 ))s)")
        else summary+=("$part" "FAILED ($(( $(now) - t0 ))s): ${FAILED[*]:$n}"); fi
    done
    echo; log "test summary (each runner's own summary is above; logs in $LOGDIR)"
    printf '  %-7s %s\n' browser "$browsers"
    printf '  %-7s %s\n' "${summary[@]}"
    [ ${#FAILED[@]} = 0 ] && { printf '%sALL TESTS PASSED%s\n' "$G" "$N"; return; }
    printf '%sSOME TESTS FAILED%s, see:\n' "$R" "$N"
    for part in "${FAILED[@]}"; do echo "  $LOGDIR/$part.log"; done
    return 1
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
case "${1:-build}" in
    build)          cmd_build ;;
    serve)          cmd_serve ;;
    test)           cmd_test ;;
    setup)          cmd_setup ;;
    quantize)       shift; . "$ROOT/scripts/quantize.sh"; cmd_quantize "$@" ;;
    space)          shift; . "$ROOT/scripts/quantize.sh"; . "$ROOT/scripts/space.sh" ;;
    pack)           bash "$ROOT/scripts/pack.sh" ;;
    -h|--help|help) usage ;;
    *)              usage >&2; die "unknown command: $1" ;;
esac
