from lab import *; from quant import *
import json, sys
def E(m): return ECSQ(m)
cfgs = {
 "A: emb8 q4 k4 v13 o9 f1 8 f2 6": dict(emb=8, q=4, k=4, v=13, o=9, ffn1=8, ffn2=6),
 "B: emb8 q4 k4 v12 o8 f1 8 f2 6": dict(emb=8, q=4, k=4, v=12, o=8, ffn1=8, ffn2=6),
 "C: emb10 q4 k4 v13 o10 f1 8 f2 6": dict(emb=10, q=4, k=4, v=13, o=10, ffn1=8, ffn2=6),
 "D: emb8 q4 k4 v12 o8 f1 9 f2 6": dict(emb=8, q=4, k=4, v=12, o=8, ffn1=9, ffn2=6),
}
res = []
for label, ms in cfgs.items():
    s = Scheme("ecsq " + label, None, {k: E(v) for k, v in ms.items()})
    r = evaluate(s); evaluate_extra(s, r); res.append(r)
json.dump(res, open("alloc_runs.json", "w"), indent=1)
