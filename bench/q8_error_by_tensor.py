#!/usr/bin/env python3
"""Where a model's q8 error comes from, tensor by tensor (transformers f32, CPU).

    HF_HUB_OFFLINE=1 /tmp/fxenv/bin/python bench/q8_error_by_tensor.py MODEL_DIR [TEXTS.json] [--rule RULE] [--summary]
    HF_HUB_OFFLINE=1 /tmp/fxenv/bin/python bench/q8_error_by_tensor.py --rules RULE,RULE.. [--tuning-texts | --texts T.json] MODEL_DIR..

Rounds the weights the quantizer stores as int8 under q8 (src/quant/scheme.rs `storage_for`: the
encoder's matrices, the word embeddings, BERT's pooler and classifier, a first-token head's dense
layer; a first-token head's last matrix stays f32 -- rule `head-int8` below; `--rule` simulates
another) with the quantizer's q8 rounding (one scale per
row, the best of absmax/d for d in 127..127*1.25 by squared error) and reports the max |Δp|
and top-1 agreement against the unrounded model over the texts (default: the `cases` of
MODEL_DIR/reference.json), then, for each int8 tensor, the max |Δp| with only that tensor
rounded and with all but that one rounded. Weight rounding only: the engine's 15-bit
activations are left out (the totals equal `cargo test --test generic` to four digits), and
torch.round breaks ties to even where the quantizer rounds them away from zero (ties are rare).
--rule old: the head's dense layer and DistilBERT's `classifier` int8 as well, as the quantizer
stored them before the family table (docs/models.md, "Why the earlier fixtures missed");
--rule head: every matrix after the encoder f32, the rule examined for q8 and not kept
(docs/models.md, "q8 gate").

--rules compares storage rules (RULES below) on several models: per model and rule, max |Δp|,
the mean over texts of each text's max |Δp|, and top-1 agreement, nothing per tensor.
--tuning-texts: the 600 texts of the tuning set (tests/fixtures/tuning/*/reference.json
`varied`), disjoint from the q8 gate's 27 and from the held-out models' texts; the way a rule
was chosen for the quantizer (docs/models.md, "q8 gate").
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

REPO = Path(__file__).resolve().parent.parent

INT8_SUFFIXES = ("query.weight", "key.weight", "value.weight", "dense.weight", "classifier.weight",
                 "word_embeddings.weight", "q_lin.weight", "k_lin.weight", "v_lin.weight",
                 "out_lin.weight", "lin1.weight", "lin2.weight")


# A head's matrices on the first token: BERT's pooler dense, ELECTRA's and RoBERTa's
# classifier.dense, DistilBERT's pre_classifier (the family table's `HeadDense`).
HEAD_DENSE = ("bert.pooler.dense.weight", "pooler.dense.weight", "classifier.dense.weight",
              "pre_classifier.weight")

# q8 storage rules, by the int8 matrices each leaves f32 beyond the encoder's f32 tensors:
#   old         as head-int8, with DistilBERT's `classifier` int8 too (before the family table)
#   head-int8   a first-token head's last matrix f32 (ELECTRA/RoBERTa out_proj, DistilBERT
#               classifier); BERT's pooler and classifier and every head's dense matrix int8
#               (the quantizer's q8 rule)
#   head-dense  + every head's dense matrix f32 (HEAD_DENSE)
#   head        + BERT's classifier f32: every matrix after the encoder f32, in every family
#               (examined, not kept: docs/models.md, "q8 gate")
RULES = ("old", "head-int8", "head-dense", "head")


def int8_names(state, model_type, rule):
    names = [k for k, v in state.items() if v.dim() == 2 and k.endswith(INT8_SUFFIXES)]
    if model_type == "distilbert" and rule != "old":
        names.remove("classifier.weight")  # the head's last matrix: f32
    if rule in ("head-dense", "head"):
        names = [k for k in names if k not in HEAD_DENSE]
    if rule == "head" and model_type == "bert":
        names.remove("classifier.weight")
    return names


def tuning_texts():
    texts = []
    for ref in sorted((REPO / "tests/fixtures/tuning").glob("*/reference.json")):
        texts += json.loads(ref.read_text(encoding="utf-8"))["varied"]["texts"]
    gate = json.loads((REPO / "tests/fixtures/tiny-ko-electra-q/reference.json").read_text(encoding="utf-8"))
    assert not set(texts) & {c["text"] for c in gate["cases"]}, "tuning texts overlap the gate's"
    return texts


def load(d):
    tk = AutoTokenizer.from_pretrained(d, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(d, local_files_only=True).float().eval()
    return tk, model


def probs_fn(tk, model, texts):
    def probs(state):
        model.load_state_dict(state)
        out = []
        with torch.no_grad():
            for t in texts:
                enc = tk(t, truncation=True, max_length=512, return_tensors="pt")
                enc.pop("token_type_ids", None)  # all 0 for one text; DistilBERT takes none
                out.append(torch.softmax(model(**enc).logits[0], -1))
        return torch.stack(out)
    return probs


def compare_rules(dirs, rules, texts):
    print(f"{len(texts)} texts; per rule: max |dp| / mean over texts of max |dp| / top-1 agreement")
    print("| model | " + " | ".join(rules) + " |")
    print("|---" * (len(rules) + 1) + "|")
    for d in dirs:
        tk, model = load(d)
        probs = probs_fn(tk, model, texts)
        f32 = {k: v.clone() for k, v in model.state_dict().items()}
        p0 = probs(f32)
        cells = []
        for rule in rules:
            names = int8_names(f32, model.config.model_type, rule)
            p = probs({k: (q8(v) if k in names else v) for k, v in f32.items()})
            dp = (p - p0).abs().max(1).values
            agree = int((p.argmax(1) == p0.argmax(1)).sum())
            cells.append(f"{float(dp.max()):.4f} / {float(dp.mean()):.5f} / {agree}")
        print(f"| {d.parent.name}/{d.name} ({model.config.model_type}) | " + " | ".join(cells) + " |",
              flush=True)


def q8(w):
    w = w.double()
    absmax = w.abs().max(1, keepdim=True).values
    best_err, best = None, None
    for step in range(9):
        scale = (absmax / (127.0 * (1 + 0.25 * step / 8))).float().double()
        inv = torch.where(scale > 0, 1 / scale, torch.zeros_like(scale))
        back = torch.clamp(torch.round(w * inv), -127, 127) * scale
        err = ((w - back) ** 2).sum(1, keepdim=True)
        if best_err is None:
            best_err, best = err, back
        else:
            better = err < best_err
            best_err, best = torch.where(better, err, best_err), torch.where(better, back, best)
    return best.float()


def main():
    argv = sys.argv[1:]
    torch.set_num_threads(1)
    if "--rules" in argv:
        i = argv.index("--rules")
        rules = argv[i + 1].split(",")
        assert set(rules) <= set(RULES), rules
        rest = argv[:i] + argv[i + 2:]
        texts = None
        if "--texts" in rest:
            j = rest.index("--texts")
            texts = json.loads(Path(rest[j + 1]).read_text(encoding="utf-8"))
            rest = rest[:j] + rest[j + 2:]
        if "--tuning-texts" in rest:
            rest.remove("--tuning-texts")
            texts = tuning_texts()
        assert texts, "--texts T.json or --tuning-texts"
        compare_rules([Path(a) for a in rest], rules, texts)
        return
    rule = "head-int8"
    if "--rule" in argv:
        rule = argv[argv.index("--rule") + 1]
        argv = [a for a in argv if a not in ("--rule", rule)]
        assert rule in RULES, rule
    args = [a for a in argv if not a.startswith("--")]
    summary = "--summary" in argv
    d = Path(args[0])
    tk, model = load(d)
    if len(args) > 1:
        texts = json.loads(Path(args[1]).read_text(encoding="utf-8"))
    else:
        texts = [c["text"] for c in json.loads((d / "reference.json").read_text(encoding="utf-8"))["cases"]]
    probs = probs_fn(tk, model, texts)

    f32 = {k: v.clone() for k, v in model.state_dict().items()}
    names = int8_names(f32, model.config.model_type, rule)
    rounded = {k: (q8(v) if k in names else v) for k, v in f32.items()}
    p0 = probs(f32)
    p = probs(rounded)
    dp = (p - p0).abs().max(1).values
    agree = int((p.argmax(1) == p0.argmax(1)).sum())
    worst = int(dp.argmax())
    print(f"{d.name}: q8 max |dp| {float(dp.max()):.4f} (text {worst}: {texts[worst][:30]!r}), "
          f"top-1 {agree}/{len(texts)}")
    if summary:
        return
    for k in names:
        alone = float((probs({**f32, k: rounded[k]}) - p0).abs().max())
        all_but = float((probs({**rounded, k: f32[k]}) - p0).abs().max())
        rel = float((rounded[k] - f32[k]).norm() / f32[k].norm())
        print(f"  {k:60s} {str(tuple(f32[k].shape)):12s} rel err {rel:.2e}  "
              f"alone {alone:.4f}  all but this {all_but:.4f}")


if __name__ == "__main__":
    main()
