from lab import *; from quant import *
import json, time
res = []
for m in (6, 7, 8):
    t = time.time()
    res.append(evaluate(Scheme(f"ecsq m={m} all", ECSQ(m))))
    print(time.time() - t)
json.dump(res, open("ecsq.json", "w"), indent=1)
