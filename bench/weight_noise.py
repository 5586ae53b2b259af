#!/usr/bin/env python3
"""How fragile is a model's top-1 under tiny weight noise? (transformers f32, CPU)

    /tmp/benchenv/bin/python bench/weight_noise.py MODEL_DIR TEXTS.json [N] [EPS ...]

Multiplies every 2-D weight except the position/token-type embeddings by
(1 + eps * N(0, 1)) (seed 0) and reports top-1 agreement with the unperturbed model over
the first N texts (default 100) of TEXTS.json (a JSON array of strings). q8's rounding
error is about 1% of a weight's typical size, q4's a few percent: a model whose labels
change under 0.1% noise cannot tell a good quantizer from a bad one. Default EPS: 0.001 0.01.
"""

import json
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    model_dir, texts_path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    eps_list = [float(e) for e in sys.argv[4:]] or [0.001, 0.01]
    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(model_dir)
    texts = json.load(open(texts_path, encoding="utf-8"))[:n]
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()

    def top1():
        with torch.no_grad():
            return [int(model(**tok(t, return_tensors="pt")).logits.argmax()) for t in texts]

    reference = top1()
    original = {k: v.clone() for k, v in model.state_dict().items()}
    print(f"{model_dir}: {len(set(reference))} distinct top-1 labels over {len(texts)} texts")
    for eps in eps_list:
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for name, p in model.named_parameters():
                if p.dim() == 2 and "position" not in name and "token_type" not in name:
                    p.copy_(original[name] * (1 + eps * torch.randn(p.shape, generator=g)))
        agree = sum(a == b for a, b in zip(reference, top1()))
        print(f"relative weight noise {eps}: top-1 agreement {agree}/{len(texts)}", flush=True)
        model.load_state_dict(original)
    return 0


if __name__ == "__main__":
    sys.exit(main())
