from lab import *; from quant import *
import json
def B(bits, block=32): return Block(bits, block, signed=True, refit=2, scale_fmt=("two", 8, 0), label=f"b{bits}/{block}/2L8")
res = []
for label, rules in {
  "fixed: b4 emb(+rows<128 f32)/q/k/ffn2, b5 o/ffn1, b6 v; 2L8 scales; pos f16": dict(emb=KeepRows(B(4), range(128)), q=B(4), k=B(4), ffn2=B(4), o=B(5), ffn1=B(5), v=B(6)),
  "fixed: b4 emb(+rows<128 f32)/q/k, b5 o/ffn1/ffn2, b6 v; 2L8 scales; pos f16": dict(emb=KeepRows(B(4), range(128)), q=B(4), k=B(4), ffn2=B(5), o=B(5), ffn1=B(5), v=B(6)),
}.items():
    s = PosF16(label, None, rules)
    r = evaluate(s); evaluate_extra(s, r); res.append(r)
json.dump(res, open("fixed2.json", "w"), indent=1)
