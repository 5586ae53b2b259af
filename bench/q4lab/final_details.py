"""X1 details: size with ideal / 14-bit-frequency rANS / Huffman coding, per-kind bits per weight,
outlier-block statistics; plus the best fixed-length mixed scheme for the table."""
from lab import *; from quant import *
import json
from safetensors import safe_open
X1 = dict(emb=6, q=4, k=4, v=12, o=9, ffn1=9, ffn2=6)

def rans14_bits(q):
    q = np.asarray(q).ravel().astype(np.int64)
    c = np.bincount(q - q.min()); c = c[c > 0]
    p = c / c.sum()
    f = np.maximum(1, np.round(p * (1 << 14)))
    f = f / f.sum()
    return float(-(c * np.log2(f)).sum()) + 64  # + final state flush

class ECSQr(ECSQ):
    def bits(self, w):
        q, e, d = self.levels(w)
        return rans14_bits(q) + rans14_bits(e) + 32 + 16 * (len(np.unique(q)) + 8)

def scheme(cls, pos16=True):
    rules = {k: cls(v) for k, v in X1.items()}
    rules["emb"] = KeepRows(rules["emb"], range(128), label="emb")
    return (PosF16 if pos16 else Scheme)("X1", None, rules)

out = {}
for label, s in [("ideal entropy", scheme(ECSQ)), ("rANS 14-bit freqs", scheme(ECSQr)),
                 ("Huffman", scheme(lambda m: ECSQ(m, coder="huffman"))),
                 ("ideal entropy, position emb f32", scheme(ECSQ, pos16=False)),
                 ("rANS 14-bit, position emb f32", scheme(ECSQr, pos16=False))]:
    out[label] = size_bertbase_data(s) / 1e6
    print(f"X1 size at BERT-base (bert-base-random weights), {label}: {out[label]:.3f} MB", flush=True)
sm, bpw = size_bertbase_minilm(scheme(ECSQr))
print(f"X1 size from trained-MiniLM statistics (rANS 14-bit): {sm/1e6:.3f} MB; bits/weight by kind:", {k: round(v, 3) for k, v in bpw.items()})
# outlier blocks (e > 0) and level range on MiniLM
m = minilm()
for name in m.names:
    w = m.src[name]
    if w.ndim == 2 and quantized(name, w.shape) and kind(name) in X1 and ("layer.0." in name or "layer.5." in name or kind(name) == "emb"):
        q, e, d = ECSQ(X1[kind(name)]).levels(w)
        print(f"  {name:50s} m={X1[kind(name)]:4.1f} blocks with e>0: {(e>0).mean()*100:.3f}%  max e {e.max()}  max|q| {np.abs(q).max():.0f}")
json.dump(out, open("final_sizes.json", "w"), indent=1)
