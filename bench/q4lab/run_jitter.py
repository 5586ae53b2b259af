"""Realization noise: the same allocation with every m scaled by (1+eps) gives other rounding
patterns at ~the same size; min / mean of the metrics over eps show the margin."""
from lab import *; from quant import *
import json, sys
FIRST = range(128)
def make(ms, eps, label):
    rules = {k: ECSQ(v * (1 + eps)) for k, v in ms.items()}
    rules["emb"] = KeepRows(rules["emb"], FIRST, label="emb")
    return PosF16(f"{label} eps={eps:+.3f}", None, rules)
cands = {
 "X1": dict(emb=6, q=4, k=4, v=12, o=9, ffn1=9, ffn2=6),
 "X2": dict(emb=5, q=4, k=4, v=13, o=9, ffn1=10, ffn2=6.5),
}
out = {}
for label, ms in cands.items():
    rs = []
    for eps in (-0.01, -0.005, 0.0, 0.005, 0.01):
        s = make(ms, eps, label)
        r = evaluate(s); evaluate_extra(s, r); rs.append(r)
    out[label] = rs
    keys = ["minilm_mean", "minilm_min", "minilm200_mean", "tinyq_agree", "tinyq1000_agree", "tinyq_dprob", "size_mb"]
    print(label, ms)
    for k in keys:
        v = np.array([r[k] for r in rs]); print(f"   {k:16s} min {v.min():.4f} mean {v.mean():.4f} max {v.max():.4f}")
json.dump(out, open("jitter.json", "w"), indent=1)
