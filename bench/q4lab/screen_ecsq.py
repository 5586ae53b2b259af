"""ECSQ screen on MiniLM: uniform step = tensor rms / m, integer levels; relative MSE and the
empirical entropy of the levels (bits/weight), per kind. Also bert-base-random (iid Gaussian)."""
import numpy as np
from lab import minilm, load_file, BERTBASE_SRC
from quant import kind
m = minilm()
def ent(q):
    _, c = np.unique(q, return_counts=True); p = c / c.sum(); return -(p * np.log2(p)).sum()
for mm in (4, 6, 8, 10):
    row = []
    for kd in ("emb", "q", "k", "v", "o", "ffn1", "ffn2"):
        num = den = bits = cnt = 0; qmax = 0
        for name in m.names:
            w = m.src[name].astype(np.float64)
            if w.ndim != 2 or kind(name) != kd: continue
            d = np.sqrt((w ** 2).mean()) / mm
            q = np.round(w / d); qmax = max(qmax, np.abs(q).max())
            num += ((w - q * d) ** 2).sum(); den += (w ** 2).sum(); bits += ent(q) * w.size; cnt += w.size
        row.append(f"{kd} D={num/den*1e3:5.2f}e-3 H={bits/cnt:4.2f} max|q|={qmax:.0f}")
    print(f"m={mm:3d}: " + " | ".join(row), flush=True)
