from lab import *; from quant import *
for mm in np.arange(6, 12.01, 0.5):
    s = Scheme("x", Keep32(), {"emb": ECSQ(mm), "head": Keep32()})
    r = eval_tinyq(s); r.update(eval_tinyq_extra(s))
    print(f"emb m={mm:4.1f}: rmsdl {r['tinyq_rms_dlogit']:.4f} (1000: {r['tinyq1000_rmsdl']:.4f}) flips {r['tinyq_flips']} agree1000 {r['tinyq1000_agree']:.3f}", flush=True)
