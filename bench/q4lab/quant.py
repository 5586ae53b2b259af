"""Quantizers (dequantize-in-float64 simulations) and schemes (name rules -> quantizer).

Every quantizer sees one tensor [n, k] (f32) alone and returns its dequantized float64 values;
`nbytes(shape)` is its storage at that shape (payload + scales + tables)."""
import numpy as np

from lab import is_head


def round_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def f16(x):
    return np.asarray(x, dtype=np.float32).astype(np.float16).astype(np.float64)


# ----------------------------------------------------------------------------- quantizers
class Q8Row:
    """Rust q8: per-row int8, f32 scale absmax/d, d in 127..127*1.25 (9 candidates), least SSE."""
    label = "q8row"

    def __init__(self, search=True):
        self.search = search
        self.label = "q8row" if search else "q8row-plain"

    def __call__(self, w):
        w = w.astype(np.float64)
        amax = np.abs(w).max(1, keepdims=True)
        best_e = np.full((w.shape[0], 1), np.inf)
        best = np.zeros_like(w)
        steps = range(9) if self.search else range(1)
        for st in steps:
            d = 127.0 * (1 + 0.25 * st / 8)
            s = amax / d
            safe = np.where(s == 0, 1, s)
            dq = np.clip(round_away(w / safe), -127, 127) * s
            e = ((w - dq) ** 2).sum(1, keepdims=True)
            upd = e < best_e
            best_e = np.where(upd, e, best_e)
            best = np.where(upd, dq, best)
        return best

    def nbytes(self, shape):
        n, k = shape
        return n * k + 4 * n


class Block:
    """Symmetric integer levels lo..hi (lo = -2^(b-1), hi = 2^(b-1)-1) per `block` inputs of a row.

    scale candidates: sgn * absmax / d, d on a grid from d_lo to d_hi (step d_step), sgn in
    {+1} (today) or {+1,-1} (`signed`: the largest-|w| element may land on lo = -8);
    least squared error wins. `refit`: then rounds of least-squares rescale s = <w,q>/<q,q>
    and requantize (Lloyd), keeping any improvement. Scale stored as `scale_fmt`:
    'f16', 'f32', or ('two', sub_bits, super) = sub-scale integer codes of sub_bits bits
    (signed if `signed`) times an f16 super-scale per `super` inputs.
    `codebook`: optional integer level table (e.g. NF4 * 127 rounded), levels = codebook values;
    then lo/hi are its min/max and rounding is to the nearest table entry.
    `err_weight`: 'mse' (default)."""

    def __init__(self, bits=4, block=32, d_lo=None, d_hi=None, d_step=None, signed=False,
                 refit=0, scale_fmt="f16", codebook=None, label=None):
        self.bits, self.block = bits, block
        self.codebook = None if codebook is None else np.sort(np.asarray(codebook, dtype=np.float64))
        if self.codebook is not None:
            self.lo, self.hi = self.codebook[0], self.codebook[-1]
        else:
            self.lo, self.hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        hi = self.hi
        self.d_lo = hi if d_lo is None else d_lo
        self.d_hi = hi * 9 / 7 if d_hi is None else d_hi
        self.d_step = (self.d_hi - self.d_lo) / 16 if d_step is None else d_step
        self.signed, self.refit, self.scale_fmt = signed, refit, scale_fmt
        self.label = label or f"b{bits}/{block}{'s' if signed else ''}{'r' if refit else ''}"

    # -- level assignment
    def _q(self, x):
        """x = w / s -> nearest level."""
        if self.codebook is None:
            return np.clip(round_away(x), self.lo, self.hi)
        cb = self.codebook
        mids = (cb[1:] + cb[:-1]) / 2
        return cb[np.searchsorted(mids, x)]

    def _store_scale(self, s):
        if self.scale_fmt == "f16":
            return f16(s)
        return s  # f32, or two-level (rounded to codes after the search)

    def _search(self, b):
        """b: [N, B] blocks -> best scale [N, 1] (already stored-format rounded) and dequant."""
        amax = np.abs(b).max(1, keepdims=True)
        # sign of the largest-|w| element, for the signed candidates
        idx = np.abs(b).argmax(1)
        big = b[np.arange(len(b)), idx][:, None]
        sg = np.where(big < 0, 1.0, -1.0)  # s<0 when big>0 so big/s = -d lands on lo
        best_e = np.full((len(b), 1), np.inf)
        best_s = np.zeros((len(b), 1))
        ds = np.arange(self.d_lo, self.d_hi + 1e-9, self.d_step)
        cands = [(d, 1.0) for d in ds]
        if self.signed:
            dmax = -self.lo * (self.d_hi / self.hi)
            for d in np.arange(-self.lo, dmax + 1e-9, self.d_step):
                cands.append((d, -1.0))
        for d, sgn in cands:
            s = amax / d
            if sgn < 0:
                s = s * sg
            s = self._store_scale(s)
            safe = np.where(s == 0, 1, s)
            dq = self._q(b / safe) * s
            e = ((b - dq) ** 2).sum(1, keepdims=True)
            upd = e < best_e
            best_e = np.where(upd, e, best_e)
            best_s = np.where(upd, s, best_s)
        for _ in range(self.refit):
            safe = np.where(best_s == 0, 1, best_s)
            q = self._q(b / safe)
            qq = (q * q).sum(1, keepdims=True)
            s = self._store_scale(np.where(qq > 0, (b * q).sum(1, keepdims=True) / np.where(qq > 0, qq, 1), 0))
            safe = np.where(s == 0, 1, s)
            dq = self._q(b / safe) * s
            e = ((b - dq) ** 2).sum(1, keepdims=True)
            upd = e < best_e
            best_e = np.where(upd, e, best_e)
            best_s = np.where(upd, s, best_s)
        return best_s

    def __call__(self, w):
        n, k = w.shape
        B = self.block
        b = w.astype(np.float64).reshape(-1, B)
        s = self._search(b)
        if isinstance(self.scale_fmt, tuple):
            s = self._two_level(s.reshape(n, k // B), n, k, b.reshape(n, k // B, B))
        safe = np.where(s == 0, 1, s)
        return (self._q(b / safe) * s).reshape(n, k)

    def _two_level(self, s, n, k, blocks):
        _, sub_bits, sup = self.scale_fmt
        sup = sup or k  # 0: one super-scale per row
        per = sup // self.block
        nb = k // self.block
        assert nb % per == 0, (k, self.block, sup)
        g = s.reshape(n, nb // per, per)
        if self.signed:
            cmax = 2 ** (sub_bits - 1) - 1
            D = f16(np.abs(g).max(2, keepdims=True) / cmax)
        else:
            cmax = 2 ** sub_bits - 1
            D = f16(np.abs(g).max(2, keepdims=True) / cmax)
        safe = np.where(D == 0, 1, D)
        c0 = round_away(g / safe)
        lo = -cmax if self.signed else 0
        bb = blocks.reshape(n, nb // per, per, self.block)
        best_e = np.full(c0.shape, np.inf)
        best = np.zeros(c0.shape)
        for dc in (-1, 0, 1):  # best code near the searched scale, at the stored super-scale
            c = np.clip(c0 + dc, lo, cmax)
            sc = (c * D)[..., None]
            sf = np.where(sc == 0, 1, sc)
            e = ((bb - self._q(bb / sf) * sc) ** 2).sum(-1)
            upd = e < best_e
            best_e = np.where(upd, e, best_e)
            best = np.where(upd, c * D, best)
        return best.reshape(-1, 1)

    def nbytes(self, shape):
        n, k = shape
        nbits = n * k * self.bits
        nblk = n * k // self.block
        if self.scale_fmt == "f16":
            nbits += 16 * nblk
        elif self.scale_fmt == "f32":
            nbits += 32 * nblk
        else:
            _, sub_bits, sup = self.scale_fmt
            nbits += sub_bits * nblk + 16 * (n * k // (sup or k))
        extra = 0 if self.codebook is None else len(self.codebook)
        return int(np.ceil(nbits / 8)) + extra


class Keep32:
    label = "f32"

    def __call__(self, w):
        return w.astype(np.float64)

    def nbytes(self, shape):
        return 4 * shape[0] * shape[1]


# ----------------------------------------------------------------------------- schemes
def kind(name):
    if is_head(name):
        return "head"
    if name.endswith("word_embeddings.weight"):
        return "emb"
    for s in ("query", "key", "value"):
        if name.endswith(f"attention.self.{s}.weight"):
            return s[0]
    if name.endswith("attention.output.dense.weight"):
        return "o"
    if name.endswith("intermediate.dense.weight"):
        return "ffn1"
    if name.endswith("output.dense.weight"):
        return "ffn2"
    return "other"


class Scheme:
    """`rules`: dict kind -> quantizer (kinds: head, emb, q, k, v, o, ffn1, ffn2); missing kinds
    use `default`. A quantizer whose block does not divide k falls back to Q8Row."""

    def __init__(self, label, default, rules=None):
        self.label = label
        self.default = default
        self.rules = rules or {}
        self.rules.setdefault("head", Q8Row())

    def pick(self, name, shape):
        qz = self.rules.get(kind(name), self.default)
        blk = getattr(qz, "block", 1)
        sup = qz.scale_fmt[2] if isinstance(getattr(qz, "scale_fmt", None), tuple) else blk
        if shape[1] % blk or shape[1] % (sup or shape[1]):
            if kind(name) != "head":
                print(f"WARNING: {name} {shape} falls back to q8 under {qz.label}")
            return Q8Row()
        return qz

    def row_local(self, name):
        return not isinstance(self.rules.get(kind(name), self.default), KeepRows)

    def __call__(self, name, w, full_shape):
        return self.pick(name, full_shape)(w)

    def nbytes(self, name, shape):
        return self.pick(name, shape).nbytes(shape)


def today():
    return Scheme("today q4 (b4/32 f16, d 7..9)", Block(4, 32))


class ColNorm:
    """Per-input-column factor c_k = f16(rms of column k)^beta (a k-vector per tensor): the inner
    quantizer sees w / c, dequant = inner * c. At inference c is folded into the activation
    quantization (x_k * c_k before rounding), so the kernel still sees int levels x block scale."""

    def __init__(self, inner, beta=1.0, stat="rms"):
        self.inner, self.beta, self.stat = inner, beta, stat
        self.block = inner.block
        self.scale_fmt = getattr(inner, "scale_fmt", None)
        self.label = f"colnorm{beta}({inner.label})"

    def factors(self, w):
        w = w.astype(np.float64)
        if self.stat == "rms":
            c = np.sqrt((w ** 2).mean(0))
        elif self.stat == "maxabs":
            c = np.abs(w).max(0)
        c = np.where(c > 0, c, c[c > 0].mean() if (c > 0).any() else 1.0)
        c = c ** self.beta
        return f16(c / np.exp(np.log(c).mean()))

    def __call__(self, w):
        c = self.factors(w)
        return self.inner((w / c).astype(np.float32)) * c

    def nbytes(self, shape):
        return self.inner.nbytes(shape) + 2 * shape[1]


# ----------------------------------------------------------------------------- entropy-coded
def entropy_bits(q):
    """Ideal (rANS-like) code length of the integer array q under its own histogram, in bits."""
    q = np.asarray(q).ravel().astype(np.int64)
    c = np.bincount(q - q.min())
    c = c[c > 0]
    p = c / c.sum()
    return float(-(c * np.log2(p)).sum())


def huffman_bits(q):
    """Length in bits of q under a Huffman code built from its own histogram."""
    import heapq
    q = np.asarray(q).ravel().astype(np.int64)
    c = np.bincount(q - q.min())
    c = [int(x) for x in c if x > 0]
    if len(c) == 1:
        return float(len(q))
    h = [(x, i) for i, x in enumerate(c)]
    heapq.heapify(h)
    total = 0
    nxt = len(c)
    while len(h) > 1:
        a, _ = heapq.heappop(h)
        b, _ = heapq.heappop(h)
        total += a + b  # each merge adds one bit to every symbol below it
        heapq.heappush(h, (a + b, nxt))
        nxt += 1
    return float(total)


class ECSQ:
    """Entropy-coded uniform scalar quantization.

    One step per tensor, delta = f32(rms(w) / m). Blocks of `block` inputs of a row whose
    max|w| / delta would exceed 127 use delta * 2^e (smallest e >= 0 that fits: the rare
    outlier blocks), so every level is an int8 and the runtime form is exactly today's q4
    runtime form: int8 weights x one f32 scale per row and 32-block (scale = delta * 2^e).
    File: the int8 levels entropy-coded with a per-tensor static table (rANS; `coder`='huffman'
    for a Huffman code instead), the per-block exponents entropy-coded the same way, delta f32,
    the frequency table (2 bytes per used symbol).
    `deadzone` > 0: rate-distortion rounding, |w|/d in (k-0.5, k-0.5+deadzone) rounds toward 0."""

    def __init__(self, m, block=32, coder="rans", deadzone=0.0, sumfix=None, label=None):
        """`sumfix`: 0 = keep every column sum (sum over rows) of the error within half a step
        (error-feedback rounding: the fewest roundings flipped, those nearest to .5); 1 = the
        same for every row sum (sum over the inputs k)."""
        self.m, self.block, self.coder, self.deadzone, self.sumfix = m, block, coder, deadzone, sumfix
        self.label = label or f"ecsq m={m}" + ("" if sumfix is None else f" sumfix{sumfix}")
        self.scale_fmt = None
        self._cache = {}

    def levels(self, w):
        w = w.astype(np.float64)
        n, k = w.shape
        B = self.block
        d = float(np.float32(np.sqrt((w ** 2).mean()) / self.m))
        if d == 0:
            return np.zeros(w.shape), np.zeros((n, k // B)), d
        b = w.reshape(n, k // B, B)
        amax = np.abs(b).max(-1)
        e = np.maximum(0, np.ceil(np.log2(np.maximum(amax / d / 127.49, 1e-30)))).astype(np.int64)
        step = d * np.exp2(e)[..., None]
        x = b / step
        if self.deadzone:
            q = np.sign(x) * np.floor(np.abs(x) + 0.5 - self.deadzone)
            q = np.where(np.abs(x) < 0.5, 0, q)
        else:
            q = round_away(x)
        q = np.clip(q, -127, 127)
        if self.sumfix is not None:
            q = sum_preserving(x.reshape(n, k), q.reshape(n, k), np.broadcast_to(step, b.shape).reshape(n, k),
                               self.sumfix).reshape(n, k // B, B)
        return q, e, d

    def __call__(self, w):
        q, e, d = self.levels(w)
        n, k = w.shape
        return (q * (d * np.exp2(e))[..., None]).reshape(n, k)

    def bits(self, w):
        q, e, d = self.levels(w)
        f = huffman_bits if self.coder == "huffman" else entropy_bits
        nsym = len(np.unique(q))
        return f(q) + f(e) + 32 + 16 * (nsym + 8)

    def nbytes_of(self, w):
        return int(np.ceil(self.bits(w) / 8))

    def nbytes(self, shape):
        raise NotImplementedError("data-dependent: use nbytes_of")


class PosF16(Scheme):
    """Scheme + position embeddings stored as f16 (everything else kept stays f32)."""

    def keep(self, name, w):
        if name.endswith("position_embeddings.weight"):
            return w.astype(np.float16).astype(np.float64)
        return w.astype(np.float64)

    def keep_nbytes(self, name, shape):
        n = int(np.prod(shape))
        return 2 * n if name.endswith("position_embeddings.weight") else 4 * n


def sum_preserving(x, q, step, axis):
    """Flip the fewest roundings (those whose fractional error is nearest 1/2) so that along
    `axis` the summed dequantization error sum(step * (x - q)) is within half a step."""
    if axis == 0:
        return sum_preserving(x.T, q.T, step.T, 1).T
    x, q, step = x.copy(), q.copy(), step.copy()
    e = x - q  # in steps, within [-0.5, 0.5] except where clamped
    R = (e * step).sum(1)  # residual per row, in weight units
    s0 = np.median(step, axis=1)
    cnt = np.round(R / s0).astype(np.int64)  # flips needed (positive: raise some q by 1)
    # raising q costs where e is most positive; lowering where e most negative
    order_up = np.argsort(-e, axis=1)
    order_dn = np.argsort(e, axis=1)
    n, k = x.shape
    ranks = np.arange(k)[None, :]
    up = ranks < np.clip(cnt, 0, k)[:, None]
    dn = ranks < np.clip(-cnt, 0, k)[:, None]
    rows = np.arange(n)[:, None]
    dq = np.zeros_like(q)
    dq[rows, order_up] += up
    dq[rows, order_dn] -= dn
    return np.clip(q + dq, -127, 127)


class KeepRows:
    """Wrap an embedding quantizer: rows `rows` (e.g. the special tokens [CLS], [SEP]...) are
    stored f32 (4*k bytes each + a 4-byte index); all other rows go through `inner`."""

    def __init__(self, inner, rows, label=None):
        self.inner, self.rows = inner, np.asarray(rows)
        self.block = getattr(inner, "block", 1)
        self.scale_fmt = getattr(inner, "scale_fmt", None)
        self.label = label or f"{inner.label} +f32 rows {list(self.rows)}"
        if hasattr(inner, "nbytes_of"):
            self.nbytes_of = lambda w: inner.nbytes_of(w) + len(self.rows) * (4 * w.shape[1] + 4)
            self.bits = lambda w: inner.bits(w) + len(self.rows) * (32 * w.shape[1] + 32)

    def __call__(self, w):
        # full tensor expected (row-local callers pass a row subset: rows are then global ids,
        # so the caller must not subset; see Scheme.row_local)
        out = self.inner(w)
        out[self.rows] = w[self.rows]
        return out

    def nbytes(self, shape):
        return self.inner.nbytes(shape) + len(self.rows) * (4 * shape[1] + 4)
