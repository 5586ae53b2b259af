from lab import *; from quant import *
import json
kinds = ["emb","q","k","v","o","ffn1","ffn2"]
res=[]
evaluate(today())
for kd in kinds:
    res.append(evaluate(Scheme(f"only {kd} q4 (rest q8)", Q8Row(), {kd: Block(4,32)})))
res.append(evaluate(Scheme(f"only head q4 (rest q8)", Q8Row(), {"head": Block(4,32)})))
json.dump(res, open("sens2.json","w"), indent=1)
