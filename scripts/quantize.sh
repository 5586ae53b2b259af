# ./build.sh quantize MODEL [q8,q4]   (sourced by build.sh, also for `space`: uses its helpers)
#
# MODEL: a hub id (downloaded where the network allows, at REVISION, default main) or a local HF
# folder. The list: any tiers of `gamjeong quantize --quant` (q8, q4, q5, q6), comma-separated.
# GAMJEONG_CLI=path uses an already built CLI instead of `cargo build --release`.

# hub_download MODEL REVISION DIR: config.json, the tokenizer (tokenizer.json, else vocab.txt and
# tokenizer_config.json) and the weights as transformers looks for them (model.safetensors, else pytorch_model.bin) into DIR; kept once downloaded.
hub_download() {
    local model=$1 revision=$2 dir=$3 f code
    have curl || die "curl not found (needed to download $model)"
    local url="https://huggingface.co/$model/resolve/$revision" offline="no network to huggingface.co here?); pass a local folder instead"
    mkdir -p "$dir"
    if [ ! -s "$dir/config.json" ]; then
        log "downloading $url/config.json"
        curl -fL --retry 3 -o "$dir/config.json.part" "$url/config.json" || die "could not download config.json of $model ($offline"
        mv "$dir/config.json.part" "$dir/config.json"
    fi
    # The tokenizer as transformers looks for it: tokenizer.json, else vocab.txt (+ its config).
    if [ -s "$dir/tokenizer.json" ] || [ -s "$dir/vocab.txt" ]; then log "tokenizer: already downloaded"
    else
        for f in tokenizer.json vocab.txt tokenizer_config.json; do
            log "downloading $url/$f"
            code="$(curl -sSL --retry 3 -w '%{http_code}' -o "$dir/$f.part" "$url/$f")" || code=000
            if [ "$code" = 200 ]; then mv "$dir/$f.part" "$dir/$f"; [ "$f" = tokenizer.json ] && break; continue; fi
            rm -f "$dir/$f.part"
            case "$code" in
                404|401|410) log "$f: HTTP $code (absent)" ;;
                *) die "could not download $f of $model (HTTP $code; $offline" ;;
            esac
        done
        [ -s "$dir/tokenizer.json" ] || [ -s "$dir/vocab.txt" ] || die "$model has neither tokenizer.json nor vocab.txt at $revision"
    fi
    if [ -s "$dir/model.safetensors" ] || [ -s "$dir/pytorch_model.bin" ]; then log "weights: already downloaded"; return; fi
    for f in model.safetensors pytorch_model.bin; do
        log "downloading $url/$f"
        code="$(curl -sSL --retry 3 -w '%{http_code}' -o "$dir/$f.part" "$url/$f")" || code=000
        if [ "$code" = 200 ]; then mv "$dir/$f.part" "$dir/$f"; return; fi
        rm -f "$dir/$f.part"
        case "$code" in
            404|401|410) [ "$f" = pytorch_model.bin ] || log "model.safetensors: HTTP $code (absent); trying pytorch_model.bin" ;;
            *) die "could not download $f of $model (HTTP $code; $offline" ;;
        esac
    done
    die "$model has neither model.safetensors nor pytorch_model.bin at $revision"
}

# quantize_model MODEL QUANTS PARENT: -> PARENT/NAME/ with config.json, the tokenizer files and
# gamjeong/model.QUANT.safetensors for each comma-separated QUANT; sets MODEL_NAME.
quantize_model() {
    local model=$1 quants=$2 parent=$3 src name source_id revision
    have cargo || die "cargo not found"
    if [ -d "$model" ]; then
        src="$(cd "$model" && pwd)"
        name="$(basename "$src")" source_id="$(basename "$src")" revision="${REVISION:-unknown}"
    else
        [[ "$model" =~ ^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$ ]] || die "$model is neither a folder nor a hub id (owner/name)"
        name="${model//\//--}" source_id=$model revision="${REVISION:-main}"
        src="$TARGET/hub/$name@$revision"
        hub_download "$model" "$revision" "$src"
    fi
    local cli="${GAMJEONG_CLI:-}" out="$parent/$name" quant
    if [ -z "$cli" ]; then
        log "cargo build --release --bin gamjeong"
        cargo build --release --bin gamjeong
        cli="$TARGET/release/gamjeong"
    fi
    [ -x "$cli" ] || die "gamjeong CLI not found at $cli"
    mkdir -p "$out/gamjeong"
    cp "$src/config.json" "$out/"
    for f in tokenizer.json vocab.txt tokenizer_config.json; do [ ! -f "$src/$f" ] || cp "$src/$f" "$out/"; done
    for quant in ${quants//,/ }; do
        "$cli" quantize --model "$src" --quant "$quant" --source-id "$source_id" --revision "$revision" \
            --out "$out/gamjeong/model.$quant.safetensors"
        log "wrote ${out#"$ROOT"/}/gamjeong/model.$quant.safetensors ($(stat -c %s "$out/gamjeong/model.$quant.safetensors") bytes)"
    done
    MODEL_NAME=$name
}

cmd_quantize() {
    local model="${1:-}" quants="${2:-q8,q4}"
    [ -n "$model" ] || die "usage: ./build.sh quantize MODEL [q8,q4]   (MODEL: hub id or local folder)"
    quantize_model "$model" "$quants" "$ROOT/models"
    if [ -d "$DIST" ]; then
        mkdir -p "$DIST/models" && cp -R "$ROOT/models/$MODEL_NAME" "$DIST/models/"
        log "copied into dist/models/$MODEL_NAME/: open /?model=./models/$MODEL_NAME/"
    else
        log "run ./build.sh to put it into dist/models/$MODEL_NAME/ (then /?model=./models/$MODEL_NAME/)"
    fi
}
