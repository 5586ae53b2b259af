#!/usr/bin/env bash
# gamjeong build / test / serve helper.
#
#   ./build.sh            release wasm builds -> dist/, a static site ready to copy to any host:
#                         dist/pkg/ (wasm32 SIMD128), dist/pkg-relaxed/ (SIMD128 + relaxed
#                         SIMD), dist/pkg-threads/ (SIMD128 + atomics, shared memory, for
#                         cross-origin isolated pages; docs/threads.md) and
#                         dist/pkg-threads-relaxed/ (the same + relaxed SIMD), each wasm-bindgen
#                         --target web + wasm-opt -O3 (npm binaryen),
#                         www/* copied in (and models/ if ./build.sh quantize made one);
#                         installs the rust target / wasm-bindgen-cli / npm packages if missing
#   ./build.sh build      same as above
#   ./build.sh serve      build, then serve dist/ on http://127.0.0.1:8080/ with COOP/COEP
#   ./build.sh test       every test: native `cargo test` (all targets + doctests),
#                         `cargo test --target wasm32-unknown-unknown` in headless Chromium,
#                         then the browser end-to-end tests (tests/e2e/, Playwright) on dist/
#   ./build.sh setup      install the toolchain pieces (idempotent)
#   ./build.sh pack       the npm package from dist/ (build first): dist/npm/gamjeong-<version>.tgz
#                         (scripts/pack.sh; docs/npm.md)
#   ./build.sh quantize MODEL [q8,q4]
#                         MODEL = hub id (downloaded where the network allows) or a local HF
#                         folder; writes models/NAME/gamjeong/model.{q8,q4}.safetensors (and
#                         config.json + tokenizer.json), copied into dist/models/ by every build:
#                         the site then loads ?model=./models/NAME/ without the hub
#                         (GAMJEONG_CLI=path uses an already built CLI; REVISION=rev for the hub)
#   ./build.sh space MODEL [--quant q8|q4] [--out DIR]   a Hugging Face Space / static site in dist/space/ that loads MODEL (quantized, bundled) by default: docs/space.md
#
# Environment knobs:
#   PORT / HOST                     serve address (default 127.0.0.1:8080)
#   WASM_BINDGEN_TEST_TIMEOUT       per-test-binary browser timeout in s (default here: 600)
#   SKIP_NATIVE=1 / SKIP_WASM=1 / SKIP_E2E=1   `test`: skip a part
#   SKIP_WASM_OPT=1                 `build`: do not run wasm-opt
#   SKIP_RELAXED=1                  `build`: no relaxed-SIMD variant
#   SKIP_THREADS=1                  `build`/`setup`: no threads variant (dist/pkg-threads/, which
#                                   needs the pinned nightly + rust-src; docs/threads.md)
#   CARGO_TARGET_DIR                cargo's target dir (default ./target); the relaxed-SIMD
#                                   build uses $CARGO_TARGET_DIR/relaxed
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
PKG_RELAXED="$DIST/pkg-relaxed"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
RELAXED_RUSTFLAGS='-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend="wasm_js"'
# The threads build (docs/threads.md): std rebuilt with atomics needs a nightly, pinned here so
# that a build is reproducible (rustc 1.97.0-nightly e50aa6fba 2026-05-19).
THREADS_TOOLCHAIN=nightly-2026-05-20
PKG_THREADS="$DIST/pkg-threads"
PKG_THREADS_RELAXED="$DIST/pkg-threads-relaxed"
# Shared memory must be imported (every pool worker instantiates the module on it) and have
# a maximum: 1 GiB holds BERT-base q8 (~1.5x its 114 MB file) or f32 (~450 MB) with thread
# stacks and headroom, without the 4 GiB reservation that iOS Safari refuses.
THREADS_MAX_MEMORY=$(( 1 << 30 ))
THREADS_RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+simd128 -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=$THREADS_MAX_MEMORY --cfg getrandom_backend=\"wasm_js\""
# The TLS entry points wasm-bindgen's threads transform patches (the linker drops them unless
# exported); given to the final crate only (`cargo rustc -- …`), so that std and the
# dependencies do not depend on them.
THREADS_LINK_ARGS=(-C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size
    -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base)
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

setup_threads_toolchain() {
    if rustup component list --installed --toolchain "$THREADS_TOOLCHAIN" 2>/dev/null | grep -q '^rust-src'; then
        log "rust $THREADS_TOOLCHAIN + rust-src (threads build): already installed"
    else
        log "rust $THREADS_TOOLCHAIN + rust-src (threads build): installing"
        rustup toolchain install "$THREADS_TOOLCHAIN" --profile minimal --component rust-src
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

# npm packages from the committed package-lock.json: binaryen (wasm-opt; Debian's 108 is too
# old for wasm-bindgen's output, never use it) and playwright-core (drives the system Chromium
# in tests/e2e). `npm ci` only when the lock file changed since the last install.
setup_npm() {
    [ -f "$ROOT/package-lock.json" ] || die "package-lock.json missing in $ROOT"
    local stamp="$ROOT/node_modules/.gamjeong-lock.sha256" want
    want="$(sha256sum "$ROOT/package-lock.json" | awk '{print $1}')"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -n "$(wasm_opt_bin)" ] \
        && [ -d "$ROOT/node_modules/playwright-core" ]; then
        log "npm packages (binaryen, playwright-core): already installed"
        return
    fi
    have npm || { warn "npm not found (Node.js): it installs binaryen (wasm-opt) and playwright-core (browser end-to-end tests)"; return 1; }
    log "npm ci (binaryen, playwright-core from package-lock.json)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) \
        || { warn "npm ci failed"; return 1; }
    printf '%s\n' "$want" > "$stamp"
}

# Hangul in the e2e screenshots needs a CJK font (Debian fonts-noto-cjk).
setup_fonts() {
    if have fc-list && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
        log "fonts-noto-cjk: already installed"
        return
    fi
    if [ "$(id -u)" -ne 0 ] || ! have apt-get; then
        warn "no CJK font and cannot apt-get here: screenshots will show boxes instead of Hangul"
        return
    fi
    log "fonts-noto-cjk: installing with apt-get (for Hangul in screenshots)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq -o Dpkg::Use-Pty=0 fonts-noto-cjk >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq -o Dpkg::Use-Pty=0 fonts-noto-cjk >/dev/null; } \
        || warn "could not install fonts-noto-cjk"
}

cmd_setup() {
    local t0; t0=$(now)
    have cargo || die "cargo not found: install the Rust toolchain first (https://rustup.rs)"
    setup_rust_target
    [ "${SKIP_THREADS:-}" = 1 ] || setup_threads_toolchain
    setup_wasm_bindgen_cli
    setup_chromium
    setup_fonts
    setup_npm || die "npm packages could not be installed (need node + npm)"
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

# wasm-bindgen + wasm-opt one built .wasm into an output folder.
bindgen_variant() { # name wasm outdir extra-wasm-opt-flags...
    local name=$1 wasm=$2 out=$3; shift 3
    [ -f "$wasm" ] || die "expected $wasm after the build (is crate-type cdylib?)"
    log "$name: wasm-bindgen --target web -> ${out#$ROOT/}/"
    mkdir -p "$out"
    wasm-bindgen --target web --out-dir "$out" "$wasm"
    local bg="$out/${CRATE}_bg.wasm"
    if [ "${SKIP_WASM_OPT:-}" = 1 ]; then
        warn "SKIP_WASM_OPT=1: not running wasm-opt"
        return
    fi
    local wo; wo="$(wasm_opt_bin)"
    [ -n "$wo" ] || die "wasm-opt (npm binaryen) not found: run ./build.sh setup (needs npm), or SKIP_WASM_OPT=1 ./build.sh to ship the unoptimized wasm (Debian's binaryen breaks wasm-bindgen output, so it is not used)"

    local before; before=$(stat -c %s "$bg")
    # Features Rust enables by default for wasm32, plus +simd128 (and relaxed-simd).
    "$wo" -O3 \
        --enable-simd --enable-bulk-memory --enable-bulk-memory-opt \
        --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
        --enable-multivalue --enable-reference-types "$@" \
        "$bg" -o "$bg.opt"
    mv "$bg.opt" "$bg"
    log "$name: wasm-opt -O3 $before -> $(stat -c %s "$bg") bytes"
}

# "raw  gzip" sizes of the shipped .wasm files, for the README table.
report_sizes() {
    local f
    for f in "$PKG/${CRATE}_bg.wasm" "$PKG_RELAXED/${CRATE}_bg.wasm" "$PKG_THREADS/${CRATE}_bg.wasm" "$PKG_THREADS_RELAXED/${CRATE}_bg.wasm"; do
        [ -f "$f" ] || continue
        printf '  %-34s %9s bytes raw  %9s bytes gzip -9\n' "${f#$DIST/}" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
    done
}

cmd_build() {
    have cargo || die "cargo not found: install the Rust toolchain first (https://rustup.rs)"
    # What a build needs is installed on demand (no-ops when present).
    setup_rust_target
    [ "${SKIP_THREADS:-}" = 1 ] || setup_threads_toolchain
    setup_wasm_bindgen_cli
    [ "${SKIP_WASM_OPT:-}" = 1 ] || setup_npm || die "npm packages could not be installed (binaryen gives wasm-opt): install Node.js + npm, or run with SKIP_WASM_OPT=1"
    require_wasm_bindgen
    local t0; t0=$(now)
    log "cargo build --release --lib --target $WASM_TARGET (simd128 via .cargo/config.toml)"
    cargo build --release --lib --target "$WASM_TARGET"
    if [ "${SKIP_RELAXED:-}" != 1 ]; then
        # Only this build gets the relaxed flags (the env var replaces config.toml's rustflags,
        # hence the getrandom cfg again), in its own target dir so the two never thrash.
        log "cargo build --release --lib --target $WASM_TARGET --target-dir ${TARGET#$ROOT/}/relaxed (+simd128,+relaxed-simd)"
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$RELAXED_RUSTFLAGS" \
            cargo build --release --lib --target "$WASM_TARGET" --target-dir "$TARGET/relaxed"
    fi
    if [ "${SKIP_THREADS:-}" != 1 ]; then
        # Two release builds on the pinned nightly, std included (-Z build-std), each in its own
        # target dir: SIMD128, and SIMD128 + relaxed SIMD; see docs/threads.md.
        local tt dir features
        for dir in threads threads-relaxed; do
            tt=$(now)
            features=+atomics,+bulk-memory,+simd128
            [ "$dir" = threads ] || features+=,+relaxed-simd
            log "cargo +$THREADS_TOOLCHAIN build --release --lib --target $WASM_TARGET -Z build-std=panic_abort,std --target-dir ${TARGET#$ROOT/}/$dir ($features, shared memory, max $THREADS_MAX_MEMORY B)"
            CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${THREADS_RUSTFLAGS/+atomics,+bulk-memory,+simd128/$features}" \
                cargo "+$THREADS_TOOLCHAIN" rustc --release --lib --target "$WASM_TARGET" \
                -Z build-std=panic_abort,std --target-dir "$TARGET/$dir" -- "${THREADS_LINK_ARGS[@]}"
            log "$dir build: $(( $(now) - tt ))s"
        done
    fi

    rm -rf "$DIST"
    mkdir -p "$DIST"
    bindgen_variant simd128 "$TARGET/$WASM_TARGET/release/$CRATE.wasm" "$PKG"
    if [ "${SKIP_RELAXED:-}" != 1 ]; then
        bindgen_variant relaxed-simd "$TARGET/relaxed/$WASM_TARGET/release/$CRATE.wasm" "$PKG_RELAXED" --enable-relaxed-simd
    fi
    if [ "${SKIP_THREADS:-}" != 1 ]; then
        bindgen_variant threads "$TARGET/threads/$WASM_TARGET/release/$CRATE.wasm" "$PKG_THREADS" --enable-threads
        bindgen_variant threads-relaxed "$TARGET/threads-relaxed/$WASM_TARGET/release/$CRATE.wasm" "$PKG_THREADS_RELAXED" --enable-threads --enable-relaxed-simd
    fi

    if [ -d www ] && [ -n "$(ls -A www 2>/dev/null)" ]; then
        log "copying www/* -> dist/"
        cp -R www/. "$DIST/"
    else
        warn "www/ is empty or missing: dist/ has only the wasm packages"
    fi
    if [ -d "$ROOT/models" ]; then
        log "copying models/ (from ./build.sh quantize) -> dist/models/"
        cp -R "$ROOT/models" "$DIST/models"
    fi
    touch "$DIST/.built"
    log "build done in $(( $(now) - t0 ))s:"
    (cd "$DIST" && find . -type f -printf '  %10s  %p\n' | sort -k2)
    log ".wasm sizes:"
    report_sizes
}

# dist/ is missing or older than the sources it is built from.
dist_stale() {
    [ ! -f "$DIST/.built" ] || [ ! -f "$PKG_RELAXED/${CRATE}_bg.wasm" ] \
        || { [ "${SKIP_THREADS:-}" != 1 ] && [ ! -f "$PKG_THREADS_RELAXED/${CRATE}_bg.wasm" ]; } \
        || [ -n "$(find src www Cargo.toml Cargo.lock .cargo -newer "$DIST/.built" -print -quit)" ]
}

# quantize_model MODEL SCHEMES PARENT: a hub id or a local HF folder -> PARENT/NAME/ with
# config.json, tokenizer.json and gamjeong/model.SCHEME.safetensors; sets MODEL_NAME.
quantize_model() {
    local model=$1 schemes=$2 parent=$3
    have cargo || die "cargo not found"
    local src name revision="${REVISION:-main}" source_id
    if [ -d "$model" ]; then
        src="$(cd "$model" && pwd)"
        name="$(basename "$src")"
        source_id="$name"
        revision="${REVISION:-unknown}"
    else
        [[ "$model" =~ ^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$ ]] \
            || die "$model is neither a folder nor a hub id (owner/name)"
        have curl || die "curl not found (needed to download $model)"
        name="${model//\//--}"
        source_id="$model"
        src="$TARGET/hub/$name@$revision"
        mkdir -p "$src"
        local f code
        for f in config.json tokenizer.json; do
            if [ -s "$src/$f" ]; then log "$f: already downloaded"; continue; fi
            log "downloading https://huggingface.co/$model/resolve/$revision/$f"
            curl -fL --retry 3 -o "$src/$f.part" "https://huggingface.co/$model/resolve/$revision/$f" \
                || die "could not download $f of $model (no network to huggingface.co here?); pass a local folder instead"
            mv "$src/$f.part" "$src/$f"
        done
        # The weights as transformers looks for them: model.safetensors, else pytorch_model.bin.
        if [ -s "$src/model.safetensors" ] || [ -s "$src/pytorch_model.bin" ]; then
            log "weights: already downloaded"
        else
            for f in model.safetensors pytorch_model.bin; do
                log "downloading https://huggingface.co/$model/resolve/$revision/$f"
                code="$(curl -sSL --retry 3 -w '%{http_code}' -o "$src/$f.part" "https://huggingface.co/$model/resolve/$revision/$f")" || code=000
                if [ "$code" = 200 ]; then mv "$src/$f.part" "$src/$f"; break; fi
                rm -f "$src/$f.part"
                case "$code" in
                    404|401|410) [ "$f" = model.safetensors ] && log "model.safetensors: HTTP $code (absent); trying pytorch_model.bin" ;;
                    *) die "could not download $f of $model (HTTP $code; no network to huggingface.co here?); pass a local folder instead" ;;
                esac
            done
            [ -s "$src/model.safetensors" ] || [ -s "$src/pytorch_model.bin" ] \
                || die "$model has neither model.safetensors nor pytorch_model.bin at $revision"
        fi
    fi
    local cli="${GAMJEONG_CLI:-}" out="$parent/$name"
    if [ -z "$cli" ]; then
        log "cargo build --release --bin gamjeong"
        cargo build --release --bin gamjeong
        cli="$TARGET/release/gamjeong"
    fi
    [ -x "$cli" ] || die "gamjeong CLI not found at $cli"
    mkdir -p "$out/gamjeong"
    cp "$src/config.json" "$src/tokenizer.json" "$out/"
    local scheme
    for scheme in ${schemes//,/ }; do
        "$cli" quantize --model "$src" --scheme "$scheme" --source-id "$source_id" --revision "$revision" \
            --out "$out/gamjeong/model.$scheme.safetensors"
        log "wrote ${out#$ROOT/}/gamjeong/model.$scheme.safetensors ($(stat -c %s "$out/gamjeong/model.$scheme.safetensors") bytes)"
    done
    MODEL_NAME=$name
}

# ./build.sh quantize MODEL [q8,q4]: a hub id or a local HF folder -> models/NAME/gamjeong/.
cmd_quantize() {
    local model="${1:-}" schemes="${2:-q8,q4}" name out
    [ -n "$model" ] || die "usage: ./build.sh quantize MODEL [q8,q4]   (MODEL: hub id or local folder)"
    quantize_model "$model" "$schemes" "$ROOT/models"
    name=$MODEL_NAME out="$ROOT/models/$MODEL_NAME"
    if [ -d "$DIST" ]; then
        mkdir -p "$DIST/models" && cp -R "$out" "$DIST/models/"
        log "copied into dist/models/$name/: open /?model=./models/$name/"
    else
        log "run ./build.sh to put it into dist/models/$name/ (then /?model=./models/$name/)"
    fi
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
FAILED_LOGS=()
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

# One wasm test binary in headless Chromium, logged to $LOGDIR/wasm-NAME.log. A run that ends
# without a "test result:" line never reported its tests (the browser or chromedriver failed to
# start or crashed): it is retried once, and says so. A test failure is never retried.
run_wasm_binary() { # name cargo-test-args...
    local name=$1; shift
    local logf="$LOGDIR/wasm-$name.log" attempt
    for attempt in 1 2; do
        if run_logged "wasm $name (headless Chromium)" "$logf" \
            cargo test --target "$WASM_TARGET" "$@"; then
            return 0
        fi
        grep -q "test result:" "$logf" && break
        warn "wasm $name: the runner ended without a test result (attempt $attempt): browser/driver failure"
        cp "$logf" "$LOGDIR/runner-failure-$name-$attempt.txt"
    done
    FAILED_LOGS+=("$logf")
    return 1
}

cmd_test() {
    have cargo || die "cargo not found"
    local do_native=1 do_wasm=1 do_e2e=1
    [ "${SKIP_NATIVE:-}" = 1 ] && do_native=0
    [ "${SKIP_WASM:-}" = 1 ] && do_wasm=0
    [ "${SKIP_E2E:-}" = 1 ] && do_e2e=0
    if [ $do_e2e = 1 ]; then
        have node || die "node not found (needed for the browser end-to-end tests; SKIP_E2E=1 to skip them)"
        [ -d "$ROOT/node_modules/playwright-core" ] || die "playwright-core missing: run ./build.sh setup"
        [ -x /usr/bin/chromium ] || have chromium || die "chromium not found: run ./build.sh setup"
    fi

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

    # Our crate optimized (dependencies already are, Cargo.toml), overflow checks and debug
    # assertions still on: unoptimized, the quantization gates on the held-out models take many
    # minutes, and in the browser chromedriver gives up on a renderer busy for 30 s.
    export CARGO_PROFILE_DEV_OPT_LEVEL=1
    LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/gamjeong-test.XXXXXX")"
    local native_st=skipped doc_st=skipped wasm_st=skipped e2e_st=skipped t0 t_native=0 t_wasm=0 t_e2e=0
    local rc=0

    if [ $do_native = 1 ]; then
        t0=$(now)
        if run_logged "native tests" "$LOGDIR/native.log" cargo test --no-fail-fast --all-targets; then
            native_st=ok; else native_st=FAILED; rc=1; FAILED_LOGS+=("$LOGDIR/native.log"); fi
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
        # The lib unit tests and every tests/wasm_*.rs, one runner per binary so a failure names
        # its binary and its log (bins and doctests cannot run on wasm32-unknown-unknown).
        # Compile everything first: a compile error fails the phase at once.
        local wasm_tests=() t
        for t in "$ROOT"/tests/wasm_*.rs; do wasm_tests+=("$(basename "$t" .rs)"); done
        wasm_st=ok
        if run_logged "wasm tests: compile" "$LOGDIR/wasm-build.log" \
            cargo test --no-run --target "$WASM_TARGET" --lib "${wasm_tests[@]/#/--test=}"; then
            run_wasm_binary "lib" --lib || wasm_st=FAILED
            for t in "${wasm_tests[@]}"; do
                run_wasm_binary "$t" --test "$t" || wasm_st=FAILED
            done
        else
            wasm_st=FAILED; FAILED_LOGS+=("$LOGDIR/wasm-build.log")
        fi
        # The relaxed-SIMD variant: its int8 kernel must give the scalar kernel's sums.
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$RELAXED_RUSTFLAGS" \
            run_wasm_binary "wasm_kernels-relaxed" --target-dir "$TARGET/relaxed" --test wasm_kernels \
            || wasm_st=FAILED
        [ "$wasm_st" = FAILED ] && rc=1
        cat "$LOGDIR"/wasm-*.log > "$LOGDIR/wasm.log"
        t_wasm=$(( $(now) - t0 ))
    fi

    if [ $do_e2e = 1 ]; then
        t0=$(now)
        # The e2e tests run on dist/: rebuild it when a source is newer than the last build.
        if dist_stale; then
            log "e2e: dist/ is missing or older than the sources: building it"
            cmd_build
        fi
        # Fixture models and reference outputs come from the CLI (dev profile, as cargo test built it).
        if cargo build --bin gamjeong \
            && GAMJEONG_CLI="$TARGET/debug/gamjeong" run_logged "e2e fixtures" "$LOGDIR/e2e-prepare.log" node tests/e2e/prepare.mjs \
            && GAMJEONG_CLI="$TARGET/debug/gamjeong" run_logged "browser end-to-end tests (Playwright, headless Chromium)" "$LOGDIR/e2e.log" \
                node --test --test-concurrency=1 --test-reporter=spec tests/e2e/; then
            e2e_st=ok; else e2e_st=FAILED; rc=1; FAILED_LOGS+=("$LOGDIR/e2e.log"); fi
        t_e2e=$(( $(now) - t0 ))
    fi

    local np nf ns wp wf ws dp df ds
    read -r np nf ns < <( [ -f "$LOGDIR/native.log" ] && count_results "$LOGDIR/native.log" || echo "0 0 0")
    read -r dp df ds < <( [ -f "$LOGDIR/doc.log" ] && count_results "$LOGDIR/doc.log" || echo "0 0 0")
    read -r wp wf ws < <( [ -f "$LOGDIR/wasm.log" ] && count_results "$LOGDIR/wasm.log" || echo "0 0 0")
    local ep=0 ef=0 es=0
    if [ -f "$LOGDIR/e2e.log" ]; then
        # node --test's summary: "ℹ pass N", "ℹ fail N", "ℹ skipped N"
        ep=$(awk '$2 == "pass" { n = $3 } END { print n + 0 }' "$LOGDIR/e2e.log")
        ef=$(awk '$2 == "fail" { n = $3 } END { print n + 0 }' "$LOGDIR/e2e.log")
        es=$(awk '$2 == "skipped" { n = $3 } END { print n + 0 }' "$LOGDIR/e2e.log")
    fi

    echo
    log "test summary (logs in $LOGDIR)"
    local fmt='  %-28s %-8s %5s passed %5s failed %5s ignored  %s\n'
    printf "$fmt" "native (cargo test)" "$native_st" "$np" "$nf" "$ns" "(${t_native}s incl. doctests)"
    printf "$fmt" "native doctests" "$doc_st" "$dp" "$df" "$ds" ""
    printf "$fmt" "wasm32 (headless Chromium)" "$wasm_st" "$wp" "$wf" "$ws" "(${t_wasm}s)"
    printf "$fmt" "browser e2e (Playwright)" "$e2e_st" "$ep" "$ef" "$es" "(${t_e2e}s; artifacts in target/e2e/)"
    if [ "$wasm_st" = ok ] && [ "$wp" -eq 0 ]; then
        warn "the wasm run passed but executed no test"
    fi
    local f
    for f in "${FAILED_LOGS[@]}"; do
        printf '%s--- last 60 lines of %s ---%s\n' "$R" "$f" "$N"
        tail -n 60 "$f"
    done
    if [ $rc -eq 0 ]; then
        printf '%sALL TESTS PASSED%s\n' "$G" "$N"
    else
        printf '%sSOME TESTS FAILED%s (see output above)\n' "$R" "$N"
    fi
    if [ "$e2e_st" = ok ] && [ "$ep" -eq 0 ]; then
        warn "the e2e run passed but executed no test"
    fi
    echo "total: $((np + dp + wp + ep)) passed, $((nf + df + wf + ef)) failed, $((ns + ds + ws + es)) skipped"
    return $rc
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

case "${1:-build}" in
    build)          cmd_build ;;
    serve)          cmd_serve ;;
    test)           cmd_test ;;
    setup)          cmd_setup ;;
    quantize)       shift; cmd_quantize "$@" ;;
    space)          shift; . "$ROOT/scripts/space.sh" ;;
    pack)           bash "$ROOT/scripts/pack.sh" ;;
    -h|--help|help) usage ;;
    *)              usage >&2; die "unknown command: $1" ;;
esac
