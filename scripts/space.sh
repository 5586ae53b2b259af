# ./build.sh space MODEL [--quant q8|q4|q5|q6] [--out DIR]   (sourced by build.sh: uses its helpers)
#
# A deployable static site (a Hugging Face Space as it is) whose page loads MODEL, quantized
# and bundled, by default: the built site (the wasm builds and www/), models/NAME/ (made by
# quantize_model of scripts/quantize.sh, as ./build.sh quantize), site.json (the page's default model),
# README.md with the Space front matter, .gitattributes for Git LFS, the license files.
# MODEL: a hub id (downloaded where the network allows) or a local HF folder. DIR: dist/space.
# SPACE_SITE=DIR takes an already built site from DIR instead of (re)building dist/.
space_main() {
    local model="" quant=q8 out="$DIST/space" site="${SPACE_SITE:-}"
    while [ $# -gt 0 ]; do
        case "$1" in
            --quant|--scheme) quant="${2:-}"; shift 2 ;;   # --scheme: the CLI's old name, an alias
            --out)   out="${2:-}"; shift 2 ;;
            -*)      die "unknown option $1 (usage: ./build.sh space MODEL [--quant q8|q4|q5|q6] [--out DIR])" ;;
            *)       [ -z "$model" ] || die "one MODEL only"; model=$1; shift ;;
        esac
    done
    [ -n "$model" ] || die "usage: ./build.sh space MODEL [--quant q8|q4|q5|q6] [--out DIR]   (MODEL: hub id or local folder)"
    # The tiers of `gamjeong quantize --quant` (Quant::ALL), checked before the site is built.
    case "$quant" in q8|q4|q5|q6) ;; *) die "--quant must be q8, q4, q5 or q6 (got: $quant)" ;; esac
    have python3 || die "python3 not found (writes site.json and README.md)"
    if [ -z "$site" ]; then
        if dist_stale; then log "space: dist/ is missing or older than the sources: building it"; cmd_build; fi
        site=$DIST
    fi
    [ -f "$site/pkg/${CRATE}_bg.wasm" ] || die "$site has no built site (pkg/${CRATE}_bg.wasm)"
    out="$(mkdir -p "$out" && cd "$out" && pwd)"
    # Emptied first: only a previous build (site.json) or a clone of the Space (.git, kept) may have files.
    if [ -n "$(ls -A "$out")" ] && [ ! -f "$out/site.json" ] && [ ! -d "$out/.git" ]; then
        die "$out is not empty and holds neither a previous build (site.json) nor a clone of a Space (.git)"
    fi

    log "space: the site -> ${out#$ROOT/}/"
    find "$out" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +   # a clone of the Space keeps its .git
    local f variant dir rest
    while read -r variant dir rest; do if [ -d "$site/$dir" ]; then cp -R "$site/$dir" "$out/"; fi; done <<< "$(builds_table)"
    for f in www/* site-files.json; do cp -R "$site/$(basename "$f")" "$out/"; done
    cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$out/"

    quantize_model "$model" "$quant" "$out/models"
    local file="models/$MODEL_NAME/gamjeong/model.$quant.safetensors" hub=""
    [ -d "$model" ] || hub=$model
    local bytes; bytes=$(stat -c %s "$out/$file")

    python3 - "$out" "$file" "$quant" "$bytes" "$MODEL_NAME" "$hub" "$ROOT/scripts/space-README.md" <<'PY'
import json, sys
out, file, quant, size, name, hub, template = sys.argv[1:]
label = hub or name
site = {"model": file, "quant": quant, "label": label, "bytes": int(size)}
if hub:
    site["link"] = f"https://huggingface.co/{hub}"
with open(f"{out}/site.json", "w") as f:
    json.dump(site, f, ensure_ascii=False, indent=2)
    f.write("\n")
readme = open(template, encoding="utf-8").read()
for k, v in {"MODELS": f"models:\n- {hub}\n" if hub else "", "LABEL": label, "FILE": file,
             "SIZE": f"{int(size) / 1e6:.1f} MB", "QUANT": quant}.items():
    readme = readme.replace("{{%s}}" % k, v)
open(f"{out}/README.md", "w", encoding="utf-8").write(readme)
PY
    printf '%s\n' '*.safetensors filter=lfs diff=lfs merge=lfs -text' '*.wasm filter=lfs diff=lfs merge=lfs -text' \
        > "$out/.gitattributes"

    log "space ready in ${out#$ROOT/}/ (default model: $file, $bytes bytes):"
    (cd "$out" && find . -path ./.git -prune -o -type f -printf '  %10s  %p\n' | sort -k2)
    log "serve it: node scripts/serve.mjs ${out#$ROOT/}; deploy: docs/space.md"
}
space_main "$@"
