from lab import *; from quant import *
import json, sys
def B(bits, block=32, two=True, sub=8, sup=0):
    return Block(bits, block, signed=True, refit=2, scale_fmt=("two", sub, sup) if two else "f16",
                 label=f"b{bits}/{block}{'/2L'+str(sub) if two else ''}")
res = []
cfgs = {
 "all b4/32 2L8": (B(4), {}),
 "all b4/16 2L8": (B(4,16), {}),
 "all b5/32 2L8": (B(5), {}),
 "all b5/64 2L8": (B(5,64), {}),
 "emb b5/32, q/k b4/32, rest b5/64 (2L8)": (B(5,64), {"emb": B(5), "q": B(4), "k": B(4)}),
 "emb b6/64, q/k b4/32, rest b5/64 (2L8)": (B(5,64), {"emb": B(6,64), "q": B(4), "k": B(4)}),
 "emb b5/32, q/k/o/ffn2 b4/32, v/ffn1 b5/32 (2L8)": (B(4), {"emb": B(5), "v": B(5), "ffn1": B(5)}),
}
for label, (d, rules) in cfgs.items():
    r = evaluate(Scheme(label, d, dict(rules)))
    res.append(r)
json.dump(res, open("fixed.json", "w"), indent=1)
