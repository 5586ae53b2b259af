#!/usr/bin/env bash
# gamjeong build / test / serve helper.
#
#   ./build.sh            release wasm32+SIMD128 build -> dist/ (wasm-bindgen --target web,
#                         wasm-opt -O3 from npm binaryen when available, www/* copied in);
#                         installs the rust target / wasm-bindgen-cli / binaryen if missing
#   ./build.sh build      same as above
#   ./build.sh serve      build, then serve dist/ on http://127.0.0.1:8080/ with COOP/COEP
#   ./build.sh test       every test: native `cargo test` (all targets + doctests), then
#                         `cargo test --target wasm32-unknown-unknown` in headless Chromium
#   ./build.sh setup      install the toolchain pieces (idempotent)
#
# Environment knobs:
#   PORT / HOST                     serve address (default 127.0.0.1:8080)
#   WASM_BINDGEN_TEST_TIMEOUT       per-test-binary browser timeout in s (default here: 600)
#   SKIP_NATIVE=1 / SKIP_WASM=1     `test`: skip one half
#   SKIP_WASM_OPT=1                 `build`: do not run wasm-opt
#   BINARYEN_VERSION                npm binaryen version for wasm-opt (default below)
#   NO_HEADLESS=1                   wasm tests: serve the test page for a manual browser
set -euo pipefail

# RUSTFLAGS / CARGO_ENCODED_RUSTFLAGS in the environment REPLACE the
# [target.wasm32-unknown-unknown] rustflags of .cargo/config.toml (+simd128,
# getrandom_backend), so never let them leak in.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

WASM_TARGET=wasm32-unknown-unknown
CRATE=gamjeong
DIST="$ROOT/dist"
PKG="$DIST/pkg"
BINARYEN_VERSION="${BINARYEN_VERSION:-132.0.0}"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$CARGO_BIN:"*) ;; *) [ -d "$CARGO_BIN" ] && PATH="$CARGO_BIN:$PATH" ;; esac
export PATH

if [ -t 1 ]; then B=$'\e[1m'; R=$'\e[31m'; G=$'\e[32m'; Y=$'\e[33m'; N=$'\e[0m'; else B= R= G= Y= N=; fi
log()  { printf '%s==> %s%s\n' "$B" "$*" "$N"; }
warn() { printf '%swarning: %s%s\n' "$Y" "$*" "$N" >&2; }
die()  { printf '%serror: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
now()  { date +%s; }

# wasm-bindgen version pinned by Cargo.lock (the CLI must match it exactly).
lock_wasm_bindgen_version() {
    [ -f Cargo.lock ] || die "Cargo.lock not found in $ROOT"
    local v
    v="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; if ($1 == "version") { gsub(/"/, "", $3); print $3; exit } }' Cargo.lock)"
    [ -n "$v" ] || die "could not find the wasm-bindgen version in Cargo.lock"
    printf '%s\n' "$v"
}

# "wasm-bindgen 0.2.130" -> "0.2.130" ; empty if not installed
installed_version() { have "$1" && "$1" --version 2>/dev/null | awk '{print $2; exit}' || true; }

wasm_opt_bin() {
    local b="$ROOT/node_modules/.bin/wasm-opt"
    [ -x "$b" ] && printf '%s\n' "$b"
    return 0
}

# ---------------------------------------------------------------- setup ----
setup_rust_target() {
    have rustup || die "rustup not found: install the Rust toolchain first (https://rustup.rs)"
    if rustup target list --installed | grep -qx "$WASM_TARGET"; then
        log "rust target $WASM_TARGET: already installed"
    else
        log "rust target $WASM_TARGET: installing"
        rustup target add "$WASM_TARGET"
    fi
}

setup_wasm_bindgen_cli() {
    local want have_wb have_runner
    want="$(lock_wasm_bindgen_version)"
    have_wb="$(installed_version wasm-bindgen)"
    have_runner="$(installed_version wasm-bindgen-test-runner)"
    if [ "$have_wb" = "$want" ] && [ "$have_runner" = "$want" ]; then
        log "wasm-bindgen-cli $want: already installed"
        return
    fi
    log "wasm-bindgen-cli: installing $want (found: ${have_wb:-none}) -- takes a few minutes"
    local t0; t0=$(now)
    # No --locked: the crate's own lock file can pin dependencies that no
    # longer build with the current toolchain.
    cargo install wasm-bindgen-cli --version "$want" --force
    log "wasm-bindgen-cli $want installed in $(( $(now) - t0 ))s"
}

setup_chromium() {
    if have chromium && have chromedriver; then
        log "chromium + chromedriver: already installed ($(chromedriver --version 2>/dev/null | awk '{print $2}'))"
        return
    fi
    if [ "$(id -u)" -ne 0 ] || ! have apt-get; then
        warn "chromium/chromedriver missing and cannot apt-get here (need root + apt):"
        warn "  install Debian's 'chromium' and 'chromium-driver' packages to run the wasm tests"
        return
    fi
    log "chromium + chromium-driver: installing with apt-get"
    local t0; t0=$(now)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o Dpkg::Use-Pty=0 chromium chromium-driver >/dev/null
    log "chromium $(chromedriver --version | awk '{print $2}') installed in $(( $(now) - t0 ))s"
}

setup_binaryen() {
    if [ -n "$(wasm_opt_bin)" ] && [ "$("$ROOT/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -o '[0-9]\+' | head -1)" = "${BINARYEN_VERSION%%.*}" ]; then
        log "binaryen (npm) $BINARYEN_VERSION: already installed"
        return
    fi
    if ! have npm; then
        warn "npm not found: skipping binaryen (release builds will not run wasm-opt)"
        return
    fi
    log "binaryen (npm) $BINARYEN_VERSION: installing into $ROOT/node_modules"
    # --no-save/--no-package-lock: do not create package.json or a lock file.
    # Debian's binaryen (108) is too old for wasm-bindgen's output: never use it.
    npm install --prefix "$ROOT" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "binaryen@$BINARYEN_VERSION" \
        || { warn "npm install binaryen failed: release builds will skip wasm-opt"; return; }
}

cmd_setup() {
    local t0; t0=$(now)
    have cargo || die "cargo not found: install the Rust toolchain first (https://rustup.rs)"
    setup_rust_target
    setup_wasm_bindgen_cli
    setup_chromium
    setup_binaryen
    log "setup done in $(( $(now) - t0 ))s"
}

# ---------------------------------------------------------------- build ----
require_wasm_bindgen() {
    local want got
    want="$(lock_wasm_bindgen_version)"
    got="$(installed_version wasm-bindgen)"
    [ -n "$got" ] || die "wasm-bindgen CLI not found: run ./build.sh setup"
    [ "$got" = "$want" ] || die "wasm-bindgen CLI is $got but Cargo.lock pins $want: run ./build.sh setup"
    rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET" \
        || die "rust target $WASM_TARGET missing: run ./build.sh setup"
}

cmd_build() {
    have cargo || die "cargo not found: install the Rust toolchain first (https://rustup.rs)"
    # What a build needs is installed on demand (no-ops when present).
    setup_rust_target
    setup_wasm_bindgen_cli
    [ "${SKIP_WASM_OPT:-}" = 1 ] || setup_binaryen
    require_wasm_bindgen
    local t0; t0=$(now)
    log "cargo build --release --lib --target $WASM_TARGET (simd128 via .cargo/config.toml)"
    cargo build --release --lib --target "$WASM_TARGET"
    local wasm="$ROOT/target/$WASM_TARGET/release/$CRATE.wasm"
    [ -f "$wasm" ] || die "expected $wasm after the build (is crate-type cdylib?)"

    log "wasm-bindgen --target web -> dist/pkg/"
    rm -rf "$DIST"
    mkdir -p "$PKG"
    wasm-bindgen --target web --out-dir "$PKG" "$wasm"

    local bg="$PKG/${CRATE}_bg.wasm"
    if [ "${SKIP_WASM_OPT:-}" = 1 ]; then
        warn "SKIP_WASM_OPT=1: not running wasm-opt"
    else
        local wo; wo="$(wasm_opt_bin)"
        if [ -n "$wo" ]; then
            log "wasm-opt -O3 ($("$wo" --version))"
            local before; before=$(stat -c %s "$bg")
            # Features Rust enables by default for wasm32 (+simd128 from config.toml).
            "$wo" -O3 \
                --enable-simd --enable-bulk-memory --enable-bulk-memory-opt \
                --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
                --enable-multivalue --enable-reference-types \
                "$bg" -o "$bg.opt"
            mv "$bg.opt" "$bg"
            log "wasm-opt: $before -> $(stat -c %s "$bg") bytes"
        else
            warn "wasm-opt (npm binaryen) not available: shipping the unoptimized wasm"
        fi
    fi

    if [ -d www ] && [ -n "$(ls -A www 2>/dev/null)" ]; then
        log "copying www/* -> dist/"
        cp -R www/. "$DIST/"
    else
        warn "www/ is empty or missing: dist/ has only pkg/"
    fi
    log "build done in $(( $(now) - t0 ))s:"
    (cd "$DIST" && find . -type f -printf '  %10s  %p\n' | sort -k2)
}

cmd_serve() {
    cmd_build
    have python3 || die "python3 not found (needed to serve dist/)"
    local host="${HOST:-127.0.0.1}" port="${PORT:-8080}"
    log "open http://$host:$port/"
    exec python3 "$ROOT/scripts/serve.py" "$DIST" --host "$host" --port "$port"
}

# ----------------------------------------------------------------- test ----
LOGDIR=""
# Sum the "test result:" lines cargo and wasm-bindgen-test-runner print.
count_results() { # logfile -> "passed failed ignored"
    awk '/test result:/ {
            for (i = 1; i <= NF; i++) {
                if ($(i+1) ~ /^passed/) p += $i
                if ($(i+1) ~ /^failed/) f += $i
                if ($(i+1) ~ /^ignored/) s += $i
            }
         } END { printf "%d %d %d\n", p, f, s }' "$1"
}

run_logged() { # name logfile cmd...  -> exit status of cmd, output teed
    local name=$1 logf=$2; shift 2
    log "$name: $*"
    set +e
    "$@" 2>&1 | tee "$logf"
    local st=${PIPESTATUS[0]}
    set -e
    return "$st"
}

cmd_test() {
    have cargo || die "cargo not found"
    local do_native=1 do_wasm=1
    [ "${SKIP_NATIVE:-}" = 1 ] && do_native=0
    [ "${SKIP_WASM:-}" = 1 ] && do_wasm=0

    # Fail fast on missing tools before spending minutes compiling.
    if [ $do_wasm = 1 ]; then
        local want got
        want="$(lock_wasm_bindgen_version)"
        got="$(installed_version wasm-bindgen-test-runner)"
        rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET" \
            || die "rust target $WASM_TARGET missing: run ./build.sh setup"
        [ -n "$got" ] || die "wasm-bindgen-test-runner not found: run ./build.sh setup"
        [ "$got" = "$want" ] || die "wasm-bindgen-test-runner is $got but Cargo.lock pins wasm-bindgen $want: run ./build.sh setup"
        if [ -z "${NO_HEADLESS:-}" ]; then
            export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
            [ -n "$CHROMEDRIVER" ] && [ -x "$CHROMEDRIVER" ] \
                || die "chromedriver not found: run ./build.sh setup (Debian packages chromium + chromium-driver)"
            have chromium || [ -x /usr/bin/chromium ] || die "chromium not found: run ./build.sh setup"
            [ -f "$ROOT/webdriver.json" ] || die "webdriver.json missing in $ROOT (headless Chromium flags)"
        fi
    fi

    LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/gamjeong-test.XXXXXX")"
    local native_st=skipped doc_st=skipped wasm_st=skipped t0 t_native=0 t_wasm=0
    local rc=0

    if [ $do_native = 1 ]; then
        t0=$(now)
        if run_logged "native tests" "$LOGDIR/native.log" cargo test --no-fail-fast --all-targets; then
            native_st=ok; else native_st=FAILED; rc=1; fi
        # --all-targets leaves out doctests; run them separately.
        if run_logged "doc tests" "$LOGDIR/doc.log" cargo test --doc; then
            doc_st=ok; else doc_st=FAILED; rc=1; fi
        t_native=$(( $(now) - t0 ))
    fi

    if [ $do_wasm = 1 ]; then
        t0=$(now)
        # Every test binary runs in the browser, even one that forgot
        # wasm_bindgen_test_configure!(run_in_browser) (default would be node).
        export WASM_BINDGEN_USE_BROWSER=1
        export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
        export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
        # --lib --test '*': the lib unit tests and every tests/*.rs; bins and
        # doctests cannot run on wasm32-unknown-unknown.
        if run_logged "wasm tests (headless Chromium)" "$LOGDIR/wasm.log" \
            cargo test --no-fail-fast --target "$WASM_TARGET" --lib --test '*'; then
            wasm_st=ok; else wasm_st=FAILED; rc=1; fi
        # The relaxed-SIMD variant: its int8 kernel must give the scalar kernel's sums.
        if CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend="wasm_js"' \
            run_logged "wasm relaxed-SIMD kernels (headless Chromium)" "$LOGDIR/wasm-relaxed.log" \
            cargo test --no-fail-fast --target "$WASM_TARGET" --target-dir "$ROOT/target/relaxed" --test wasm_kernels; then
            :; else wasm_st=FAILED; rc=1; fi
        cat "$LOGDIR/wasm-relaxed.log" >> "$LOGDIR/wasm.log"
        t_wasm=$(( $(now) - t0 ))
    fi

    local np nf ns wp wf ws dp df ds
    read -r np nf ns < <( [ -f "$LOGDIR/native.log" ] && count_results "$LOGDIR/native.log" || echo "0 0 0")
    read -r dp df ds < <( [ -f "$LOGDIR/doc.log" ] && count_results "$LOGDIR/doc.log" || echo "0 0 0")
    read -r wp wf ws < <( [ -f "$LOGDIR/wasm.log" ] && count_results "$LOGDIR/wasm.log" || echo "0 0 0")

    echo
    log "test summary (logs in $LOGDIR)"
    local fmt='  %-28s %-8s %5s passed %5s failed %5s ignored  %s\n'
    printf "$fmt" "native (cargo test)" "$native_st" "$np" "$nf" "$ns" "(${t_native}s incl. doctests)"
    printf "$fmt" "native doctests" "$doc_st" "$dp" "$df" "$ds" ""
    printf "$fmt" "wasm32 (headless Chromium)" "$wasm_st" "$wp" "$wf" "$ws" "(${t_wasm}s)"
    if [ "$wasm_st" = ok ] && [ "$wp" -eq 0 ]; then
        warn "the wasm run passed but executed no test"
    fi
    if [ $rc -eq 0 ]; then
        printf '%sALL TESTS PASSED%s\n' "$G" "$N"
    else
        printf '%sSOME TESTS FAILED%s (see output above)\n' "$R" "$N"
    fi
    echo "total: $((np + dp + wp)) passed, $((nf + df + wf)) failed, $((ns + ds + ws)) skipped"
    return $rc
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

case "${1:-build}" in
    build)          cmd_build ;;
    serve)          cmd_serve ;;
    test)           cmd_test ;;
    setup)          cmd_setup ;;
    -h|--help|help) usage ;;
    *)              usage >&2; die "unknown command: $1" ;;
esac
