"""Per-kind sensitivity under ECSQ m=4 (D = 1/192 of the tensor's mean square), rest f32."""
from lab import *; from quant import *
import json
res = []
for kd in ["emb","q","k","v","o","ffn1","ffn2","head"]:
    s = Scheme(f"only {kd} ecsq m=4 (rest f32)", Keep32(), {kd: ECSQ(4), **({} if kd == "head" else {"head": Keep32()})})
    r = {"scheme": s.label, "kind": kd}
    r.update(eval_minilm(s)); r.update(eval_minilm_extra(s)); r.update(eval_tinyq(s)); r.update(eval_tinyq_extra(s))
    print(f"{kd:5s} minilm 1-cos {1-r['minilm_mean']:.5f} (200: {1-r['minilm200_mean']:.5f})  tinyq rmsdl^2 {r['tinyq_rms_dlogit']**2:.5f} (1000: {r['tinyq1000_rmsdl']**2:.5f}) flips {r['tinyq_flips']} agree1000 {r['tinyq1000_agree']:.3f}", flush=True)
    res.append(r)
json.dump(res, open("sens_ecsq.json", "w"), indent=1)
