from lab import *; from quant import *
import json, sys
cfgs = {
 "B+P: emb8 q4 k4 v12 o8 f1 8 f2 6": dict(emb=8, q=4, k=4, v=12, o=8, ffn1=8, ffn2=6),
 "E+P: emb9 q4 k4 v12 o9 f1 8 f2 6": dict(emb=9, q=4, k=4, v=12, o=9, ffn1=8, ffn2=6),
 "F+P: emb9 q3.5 k3.5 v12 o9 f1 8.5 f2 6": dict(emb=9, q=3.5, k=3.5, v=12, o=9, ffn1=8.5, ffn2=6),
 "G+P: emb10 q3.5 k3.5 v12 o10 f1 8 f2 6": dict(emb=10, q=3.5, k=3.5, v=12, o=10, ffn1=8, ffn2=6),
}
res = []
for label, ms in cfgs.items():
    s = PosF16("ecsq " + label, None, {k: ECSQ(v) for k, v in ms.items()})
    r = evaluate(s); evaluate_extra(s, r)
    sh = PosF16("h", None, {k: ECSQ(v, coder="huffman") for k, v in ms.items()})
    r["size_mb_huffman"] = size_bertbase_data(sh) / 1e6
    r["m"] = ms
    print(f"   size with Huffman codes: {r['size_mb_huffman']:.2f} MB", flush=True)
    res.append(r)
json.dump(res, open("alloc_runs2.json", "w"), indent=1)
