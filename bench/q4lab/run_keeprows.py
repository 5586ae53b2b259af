from lab import *; from quant import *
print("tiny-ko-q special ids: [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4")
for mm in (4, 6, 7, 8, 8.5, 9, 10, 12):
    s = Scheme("x", Keep32(), {"emb": KeepRows(ECSQ(mm), range(5)), "head": Keep32()})
    r = eval_tinyq(s); r.update(eval_tinyq_extra(s))
    print(f"emb m={mm:4.1f} specials f32: rmsdl {r['tinyq_rms_dlogit']:.4f} (1000: {r['tinyq1000_rmsdl']:.4f}) flips {r['tinyq_flips']} agree1000 {r['tinyq1000_agree']:.3f}", flush=True)
