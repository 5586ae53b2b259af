"""Weight-level relative MSE (sum err^2 / sum w^2) of quantizers on MiniLM tensors, by kind."""
import sys
from lab import minilm
from quant import *
import numpy as np
m = minilm()
def screen(qz, kinds=("emb","q","v","o","ffn1","ffn2")):
    out = {}
    for kd in kinds:
        num = den = 0
        for name in m.names:
            w = m.src[name]
            if kind(name) != kd or w.ndim != 2: continue
            if kd == "emb": w = w[:4000]
            dq = qz(w)
            num += ((w - dq) ** 2).sum(); den += (w.astype(np.float64) ** 2).sum()
        out[kd] = num / den
    return out
if __name__ == "__main__":
    qs = {
      "b4/32 today": Block(4,32),
      "b4/32 signed": Block(4,32,signed=True),
      "b4/32 signed refit2": Block(4,32,signed=True,refit=2),
      "b4/32 signed fine grid 6..10": Block(4,32,d_lo=6,d_hi=10,d_step=0.05,signed=True,refit=2),
      "b4/16 signed": Block(4,16,signed=True,refit=2),
      "b4/64 signed": Block(4,64,signed=True,refit=2),
      "b5/32 signed": Block(5,32,signed=True,refit=2),
      "b5/64 signed": Block(5,64,signed=True,refit=2),
      "b6/32 signed": Block(6,32,signed=True,refit=2),
      "b3/32 signed": Block(3,32,signed=True,refit=2),
    }
    for k, q in qs.items():
        r = screen(q)
        print(f"{k:32s} " + " ".join(f"{kd} {v*1e3:6.2f}" for kd, v in r.items()), flush=True)
