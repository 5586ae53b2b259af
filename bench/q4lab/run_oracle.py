"""Analysis only: how much would per-input-column weighting help if we KNEW the input power
(oracle, from 60 of the random MiniLM texts)? Upper bound for any data-free column heuristic."""
from lab import *; from quant import *
import numpy as np
P = dict(np.load("input_power.npz"))
class Oracle(ColNorm):
    def __init__(self, inner, alpha): 
        super().__init__(inner); self.alpha = alpha; self.label = f"oracle{alpha}"
    def __call__(self, w, name):
        p = P[name[:-len(".weight")]]
        c = p ** (-self.alpha / 2); c = f16(c / np.exp(np.log(c).mean()))
        return self.inner((w / c).astype(np.float32)) * c
class S(Scheme):
    def __call__(self, name, w, full_shape):
        q = self.pick(name, full_shape)
        return q(w, name) if isinstance(q, Oracle) else q(w)
B = Block(4, 32, signed=True, refit=2)
import lab
for a in (0.25, 0.5, 1.0):
    s = S(f"ORACLE colscale p^-{a}/2 (not emb)", Oracle(B, a), {"emb": B}); r = eval_minilm(s); print(s.label, r["minilm_mean"], r["minilm_min"], eval_minilm_extra(s))
