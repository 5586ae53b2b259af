from lab import *; from quant import *
import json
FIRST = range(128)   # tensor-only rule: the first 128 rows (all BERT-family special tokens)
def KR(inner): return KeepRows(inner, FIRST, label=inner.label + " +rows<128 f32")
res = []
for s in [
    Scheme("today q4 + emb rows<128 f32", Block(4, 32), {"emb": KR(Block(4, 32))}),
    Scheme("b4/32 signed 2L8 + emb rows<128 f32", Block(4, 32, signed=True, refit=2, scale_fmt=("two", 8, 0)),
           {"emb": KR(Block(4, 32, signed=True, refit=2, scale_fmt=("two", 8, 0)))}),
    PosF16("ecsq emb5 q4 k4 v12 o9 f1 9 f2 6.5 + rows<128 f32 + pos f16", None,
           dict(emb=KR(ECSQ(5)), q=ECSQ(4), k=ECSQ(4), v=ECSQ(12), o=ECSQ(9), ffn1=ECSQ(9), ffn2=ECSQ(6.5))),
    PosF16("ecsq emb6 q4 k4 v12 o9 f1 9 f2 6 + rows<128 f32 + pos f16", None,
           dict(emb=KR(ECSQ(6)), q=ECSQ(4), k=ECSQ(4), v=ECSQ(12), o=ECSQ(9), ffn1=ECSQ(9), ffn2=ECSQ(6))),
]:
    r = evaluate(s); evaluate_extra(s, r); res.append(r)
json.dump(res, open("keeprows2.json", "w"), indent=1)
