from lab import *; from quant import *
for mm in (6, 7, 8, 8.5, 9, 10, 12):
    s = Scheme("x", Keep32(), {"emb": ECSQ(mm, sumfix=0), "head": Keep32()})
    r = eval_tinyq(s); r.update(eval_tinyq_extra(s)); r.update(eval_minilm(s))
    print(f"emb m={mm:4.1f} sumfix0: rmsdl {r['tinyq_rms_dlogit']:.4f} (1000: {r['tinyq1000_rmsdl']:.4f}) flips {r['tinyq_flips']} agree1000 {r['tinyq1000_agree']:.3f}  minilm {r['minilm_mean']:.5f}", flush=True)
