import json
from lab import evaluate
from quant import *
res = []
res.append(evaluate(Scheme("f32 (sim sanity)", Keep32(), {"head": Keep32()})))
res.append(evaluate(Scheme("q8 (per-row int8, search)", Q8Row())))
res.append(evaluate(today()))
res.append(evaluate(Scheme("q4 plain absmax/7 (fixture sim)", Block(4, 32, d_lo=7, d_hi=7, d_step=1), {"head": Q8Row(search=False)})))
json.dump(res, open("baseline.json", "w"), indent=1)
