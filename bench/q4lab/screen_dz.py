"""Deadzone (RDO-like) rounding vs plain rounding for ECSQ on MiniLM ffn1 tensors: (bits, D) curves."""
import numpy as np
from lab import minilm
from quant import ECSQ, kind
m = minilm()
W = [m.src[n] for n in m.names if m.src[n].ndim == 2 and kind(n) == "ffn1"]
def point(q):
    bits = sum(q.bits(w) for w in W); cnt = sum(w.size for w in W)
    num = sum(((w - q(w)) ** 2).sum() for w in W); den = sum((w.astype(np.float64) ** 2).sum() for w in W)
    return bits / cnt, num / den
for dz in (0.0, 0.05, 0.1, 0.15, 0.2):
    pts = [point(ECSQ(mm, deadzone=dz)) for mm in (5, 6, 7, 8, 9, 10)]
    # bits needed at D = 1/(12*64) (m=8 plain) by log-interpolation
    b = np.array([p[0] for p in pts]); d = np.log(np.array([p[1] for p in pts]))
    target = np.log(1 / (12 * 64))
    bt = np.interp(target, d[::-1], b[::-1])
    print(f"deadzone {dz}: " + " ".join(f"({x:.3f},{y*1e3:.3f}e-3)" for x, y in pts) + f"  -> bits at D=1.30e-3: {bt:.3f}")
