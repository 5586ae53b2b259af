from lab import *; from quant import *
import json
kinds = ["emb","q","k","v","o","ffn1","ffn2"]
res=[]
for kd in kinds:
    s = Scheme(f"only {kd} q4 (rest q8)", Q8Row(), {kd: Block(4,32)})
    res.append(evaluate(s))
for kd in kinds:
    s = Scheme(f"all q4 but {kd} q8", Block(4,32), {kd: Q8Row()})
    res.append(evaluate(s))
json.dump(res, open("sens.json","w"), indent=1)
