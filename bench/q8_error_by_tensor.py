#!/usr/bin/env python3
"""Where a model's q8 error comes from, tensor by tensor (transformers f32, CPU).

    HF_HUB_OFFLINE=1 /tmp/fxenv/bin/python bench/q8_error_by_tensor.py MODEL_DIR [TEXTS.json] [--old-rule] [--summary]

Rounds the weights the quantizer stores as int8 (src/quant/scheme.rs `storage_for`: the
encoder's matrices, the word embeddings, BERT's pooler and classifier, a first-token head's dense
layer; a first-token head's last matrix stays f32) with the quantizer's q8 rule (one scale per
row, the best of absmax/d for d in 127..127*1.25 by squared error) and reports the max |Δp|
and top-1 agreement against the unrounded model over the texts (default: the `cases` of
MODEL_DIR/reference.json), then, for each int8 tensor, the max |Δp| with only that tensor
rounded and with all but that one rounded. Weight rounding only: the engine's 15-bit
activations are left out (the totals equal `cargo test --test generic` to four digits), and
torch.round breaks ties to even where the quantizer rounds them away from zero (ties are rare).
--old-rule: DistilBERT's `classifier` int8 as well, as the quantizer stored it before the
family table (docs/models.md, "Why the earlier fixtures missed").
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

INT8_SUFFIXES = ("query.weight", "key.weight", "value.weight", "dense.weight", "classifier.weight",
                 "word_embeddings.weight", "q_lin.weight", "k_lin.weight", "v_lin.weight",
                 "out_lin.weight", "lin1.weight", "lin2.weight")


def int8_names(state, model_type, old_rule):
    names = [k for k, v in state.items() if v.dim() == 2 and k.endswith(INT8_SUFFIXES)]
    if model_type == "distilbert" and not old_rule:
        names.remove("classifier.weight")  # the head's last matrix: f32
    return names


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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    old_rule, summary = "--old-rule" in sys.argv, "--summary" in sys.argv
    d = Path(args[0])
    torch.set_num_threads(1)
    tk = AutoTokenizer.from_pretrained(d, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(d, local_files_only=True).float().eval()
    if len(args) > 1:
        texts = json.loads(Path(args[1]).read_text(encoding="utf-8"))
    else:
        texts = [c["text"] for c in json.loads((d / "reference.json").read_text(encoding="utf-8"))["cases"]]

    def probs(state):
        model.load_state_dict(state)
        out = []
        with torch.no_grad():
            for t in texts:
                enc = tk(t, truncation=True, max_length=512, return_tensors="pt")
                enc.pop("token_type_ids", None)  # all 0 for one text; DistilBERT takes none
                out.append(torch.softmax(model(**enc).logits[0], -1))
        return torch.stack(out)

    f32 = {k: v.clone() for k, v in model.state_dict().items()}
    names = int8_names(f32, model.config.model_type, old_rule)
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
