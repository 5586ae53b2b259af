"""Analysis only (not part of any scheme): per-linear input power E[x_k^2] on MiniLM over the
200 random texts, and how it relates to weight column statistics."""
import numpy as np, math
from lab import *
from quant import *
m = minilm()
ids, refs, rows = minilm_extra()
W = m.quantize(lambda n, w, full_shape: w.astype(np.float64))
cfg = m.cfg
# collect inputs of each linear
acc = {}
def rec(name, x):
    a = acc.setdefault(name, [0, 0])
    a[0] = a[0] + (x ** 2).sum(0); a[1] += len(x)
import lab
def fwd(ids):
    h = cfg["hidden_size"]; nh = cfg["num_attention_heads"]; hs = h // nh; eps = cfg["layer_norm_eps"]; s = len(ids)
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.token_type_embeddings.weight"][0] + W["embeddings.position_embeddings.weight"][:s]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    def lin(n, v):
        rec(n, v); return v @ W[n + ".weight"].T + W[n + ".bias"]
    for i in range(cfg["num_hidden_layers"]):
        L = f"encoder.layer.{i}."
        q = lin(L + "attention.self.query", x).reshape(s, nh, hs).transpose(1, 0, 2)
        k = lin(L + "attention.self.key", x).reshape(s, nh, hs).transpose(1, 0, 2)
        v = lin(L + "attention.self.value", x).reshape(s, nh, hs).transpose(1, 0, 2)
        sc = q @ k.transpose(0, 2, 1) / math.sqrt(hs); sc = np.exp(sc - sc.max(-1, keepdims=True)); sc /= sc.sum(-1, keepdims=True)
        ctx = (sc @ v).transpose(1, 0, 2).reshape(s, h)
        a = layer_norm(lin(L + "attention.output.dense", ctx) + x, W[L + "attention.output.LayerNorm.weight"], W[L + "attention.output.LayerNorm.bias"], eps)
        inner = lin(L + "intermediate.dense", a); inner = inner * 0.5 * (1.0 + erf(inner / math.sqrt(2.0)))
        x = layer_norm(lin(L + "output.dense", inner) + a, W[L + "output.LayerNorm.weight"], W[L + "output.LayerNorm.bias"], eps)
    return x
for i in ids[:60]: fwd(i)
np.savez("input_power.npz", **{k: v[0] / v[1] for k, v in acc.items()})
qz = Block(4, 32)
for n, (s2, c) in sorted(acc.items()):
    p = s2 / c
    w = m.src[n + ".weight"]
    err = ((w - qz(w)) ** 2).sum(0)
    colnorm = (w.astype(np.float64) ** 2).sum(0)
    top = np.sort(p)[::-1]
    wfrac = (p * err); order = np.argsort(-wfrac)
    print(f"{n:45s} p max/median {top[0]/np.median(p):8.1f}  top1% share of weighted err {wfrac[order[:max(1,len(p)//100)]].sum()/wfrac.sum():.2f}  "
          f"corr(log p, log colnorm) {np.corrcoef(np.log(p), np.log(colnorm))[0,1]:+.2f}  corr(log p, log colmaxabs) {np.corrcoef(np.log(p), np.log(np.abs(w).max(0)))[0,1]:+.2f}")
