//! One attention head of one sequence, softmax(q kᵀ · scale) v, on the rows of q, k and v
//! where the projections wrote them. Replaces candle's per-head ops (the head's copies out of
//! q, k and v, two matmuls, a softmax region and a copy of the context), which were the largest
//! cost outside the int8 GEMM natively (docs/benchmarks.md, "Where the time goes").
//!
//! Every value is computed by the same operations in the same order on every path: each dot
//! product is a chain of `acc += a · b` from 0 in ascending index (Rust never fuses a multiply
//! and an add into an FMA on its own), whether its column sits in a vector tile or in the
//! scalar tail, and the x86_64 AVX-512 / AVX2 copies are the same code compiled wider. So the
//! result does not depend on the CPU, the tile a value falls in, or the thread count.

/// Columns of a tile (one AVX-512 register of f32) and rows sharing each loaded column block.
const W: usize = 16;
const R: usize = 4;

/// Reusable per-task buffers: the head's keys transposed, its scores, its context.
#[derive(Default)]
pub(super) struct HeadScratch {
    kt: Vec<f32>,
    scores: Vec<f32>,
    pub ctx: Vec<f32>,
}

/// Where one head's operands lie: `rows` rows of `dim` values, `stride` apart, from `at`.
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub data: &'a [f32],
    pub at: usize,
    pub stride: usize,
    pub rows: usize,
}

impl Rows<'_> {
    /// Whether every row `dim` values wide lies inside `data`.
    fn fits(&self, dim: usize) -> bool {
        match self.rows {
            0 => true,
            n => (n - 1)
                .checked_mul(self.stride)
                .and_then(|v| v.checked_add(self.at))
                .and_then(|v| v.checked_add(dim))
                .is_some_and(|end| end <= self.data.len()),
        }
    }
}

/// The context of one head into `s.ctx` (`q.rows × dim`, row-major): `q` has the query rows,
/// `k` and `v` the key and value rows (as many each), all `dim` wide. `false` (nothing
/// computed) when a row lies outside its slice.
pub(super) fn head(q: Rows, k: Rows, v: Rows, dim: usize, scale: f32, s: &mut HeadScratch) -> bool {
    if !(q.fits(dim) && k.fits(dim) && v.fits(dim) && k.rows == v.rows) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512 F (checked just above).
            unsafe { head_avx512(q, k, v, dim, scale, s) };
            return true;
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { head_avx2(q, k, v, dim, scale, s) };
            return true;
        }
    }
    head_lanes(q, k, v, dim, scale, s);
    true
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn head_avx512(q: Rows, k: Rows, v: Rows, dim: usize, scale: f32, s: &mut HeadScratch) {
    head_lanes(q, k, v, dim, scale, s);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn head_avx2(q: Rows, k: Rows, v: Rows, dim: usize, scale: f32, s: &mut HeadScratch) {
    head_lanes(q, k, v, dim, scale, s);
}

#[inline(always)]
fn head_lanes(q: Rows, k: Rows, v: Rows, dim: usize, scale: f32, s: &mut HeadScratch) {
    let (m, n) = (q.rows, k.rows);
    // kᵀ `[dim][np]`, so that the scores' columns (keys) are contiguous; padded with zero
    // keys to whole tiles (`np`), whose scores are computed and never read: a short text's
    // keys then all run in tiles, not in the one-by-one tail.
    let np = n.div_ceil(W) * W;
    s.kt.clear();
    s.kt.resize(dim * np, 0.0);
    for (d, col) in s.kt.chunks_exact_mut(np.max(1)).enumerate() {
        for (j, x) in col[..n].iter_mut().enumerate() {
            *x = k.data[k.at + j * k.stride + d];
        }
    }
    s.scores.resize(m * np, 0.0);
    let kt = Rows {
        data: &s.kt,
        at: 0,
        stride: np,
        rows: dim,
    };
    product(q, kt, dim, np, &mut s.scores);
    // candle's `softmax_last_dim` on candle's `scores * scale`, with [`exp`] for libm's.
    for row in s.scores.chunks_exact_mut(np.max(1)) {
        let row = &mut row[..n];
        let mut max = f32::MIN;
        for x in row.iter_mut() {
            *x *= scale;
            max = max.max(*x);
        }
        for x in row.iter_mut() {
            *x = exp(*x - max);
        }
        let sum: f32 = row.iter().fold(0.0, |s, &x| s + x);
        for x in row.iter_mut() {
            *x /= sum;
        }
    }
    let probs = Rows {
        data: &s.scores,
        at: 0,
        stride: np,
        rows: m,
    };
    s.ctx.resize(m * dim, 0.0);
    product(probs, v, n, dim, &mut s.ctx);
}

/// e^x for x ≤ 0 (softmax's `x − max`), Cephes' `expf` (relative error ~1e-7, as libm's) in
/// operations without branches or calls, so a row's exponentials run as vectors: libm's scalar
/// `expf` call per score was ~2 % of a native forward pass. Below −87.3 (e^x < 1.3e-38, nothing
/// to a sum of at least 1) it returns e^−87.3.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2²³: adding it rounds to an integer
    let x = x.clamp(-87.3, 0.0);
    let t = x * std::f32::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    // x − n·ln 2 in two parts (Cephes' C1 + C2), so r keeps its low bits.
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5; // Cephes: 5.0000001201e-1, the same f32
    let y = p * r * r + r + 1.0;
    // 2ⁿ from n's bits: t's mantissa holds n + 1.5 · 2²³ (|n| ≤ 126).
    let n = t.to_bits().wrapping_sub(MAGIC.to_bits()) as i32;
    y * f32::from_bits(((n + 127) as u32) << 23)
}

/// `c[i][j] = Σ_t a[i][t] · b[t][j]` (`a`: `a.rows × kd`, `b`: `kd` rows of at least `n`;
/// `c` row-major `a.rows × n`), each sum from 0 in ascending `t`.
#[inline(always)]
fn product(a: Rows, b: Rows, kd: usize, n: usize, c: &mut [f32]) {
    let mut i = 0;
    while i + R <= a.rows {
        rows::<R>(a, b, i, kd, n, c);
        i += R;
    }
    while i < a.rows {
        rows::<1>(a, b, i, kd, n, c);
        i += 1;
    }
}

/// Rows `i0..i0 + RR` of [`product`]: tiles of `RR × W` kept in registers over the whole sum,
/// then the last `n % W` columns one by one in the same order.
#[inline(always)]
fn rows<const RR: usize>(a: Rows, b: Rows, i0: usize, kd: usize, n: usize, c: &mut [f32]) {
    let arow = |r: usize| &a.data[a.at + (i0 + r) * a.stride..][..kd];
    let ar: [&[f32]; RR] = std::array::from_fn(arow);
    let brow = |t: usize| &b.data[b.at + t * b.stride..][..n];
    let mut j = 0;
    while j + W <= n {
        let mut acc = [[0f32; W]; RR];
        // `t` indexes a column of every row of `a` and a row of `b`.
        #[allow(clippy::needless_range_loop)]
        for t in 0..kd {
            // Loads (and their bounds checks) first: the arithmetic below has no branch, so
            // the accumulators stay in registers.
            let bt: [f32; W] = brow(t)[j..j + W].try_into().expect("W columns");
            let xs: [f32; RR] = std::array::from_fn(|r| ar[r][t]);
            for (acc, x) in acc.iter_mut().zip(xs) {
                for (a, bv) in acc.iter_mut().zip(bt) {
                    *a += x * bv;
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            c[(i0 + r) * n + j..][..W].copy_from_slice(acc);
        }
        j += W;
    }
    for jj in j..n {
        for (r, ar) in ar.iter().enumerate() {
            let mut acc = 0f32;
            for (t, &x) in ar.iter().enumerate() {
                acc += x * b.data[b.at + t * b.stride + jj];
            }
            c[(i0 + r) * n + jj] = acc;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, mut s: u32) -> Vec<f32> {
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn strided(data: &[f32], rows: usize, dim: usize) -> Rows<'_> {
        Rows {
            data,
            at: dim,
            stride: 3 * dim,
            rows,
        }
    }

    /// f64 reference of one head on contiguous `[rows][dim]` operands.
    fn reference(q: &[f32], k: &[f32], v: &[f32], m: usize, n: usize, dim: usize) -> Vec<f64> {
        let scale = 1.0 / (dim as f64).sqrt();
        let mut out = vec![0f64; m * dim];
        for i in 0..m {
            let sc: Vec<f64> = (0..n)
                .map(|j| {
                    (0..dim)
                        .map(|d| q[i * dim + d] as f64 * k[j * dim + d] as f64)
                        .sum::<f64>()
                        * scale
                })
                .collect();
            let max = sc.iter().cloned().fold(f64::MIN, f64::max);
            let e: Vec<f64> = sc.iter().map(|x| (x - max).exp()).collect();
            let sum: f64 = e.iter().sum();
            for j in 0..n {
                for d in 0..dim {
                    out[i * dim + d] += e[j] / sum * v[j * dim + d] as f64;
                }
            }
        }
        out
    }

    /// Within f32 rounding of f64, and the same bits on the wide paths as on baseline code, for
    /// shapes with and without row and column tails.
    #[test]
    fn head_matches_f64_and_is_the_same_bits_on_every_path() {
        for (m, n, dim) in [
            (1, 1, 8),
            (24, 24, 64),
            (5, 37, 32),
            (1, 64, 64),
            (7, 19, 20),
        ] {
            let (q, k, v) = (
                values(m * dim * 3, 1),
                values(n * dim * 3, 2),
                values(n * dim * 3, 3),
            );
            // Rows `3 · dim` apart from offset `dim`, as a head's columns in a hidden state.
            let at = |data, rows| strided(data, rows, dim);
            let scale = 1.0 / (dim as f32).sqrt();
            let mut s = HeadScratch::default();
            assert!(head(at(&q, m), at(&k, n), at(&v, n), dim, scale, &mut s));
            let mut base = HeadScratch::default();
            head_lanes(at(&q, m), at(&k, n), at(&v, n), dim, scale, &mut base);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&s.ctx), bits(&base.ctx), "{m} x {n} x {dim}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let mut avx2 = HeadScratch::default();
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe { head_avx2(at(&q, m), at(&k, n), at(&v, n), dim, scale, &mut avx2) };
                assert_eq!(bits(&avx2.ctx), bits(&base.ctx), "{m} x {n} x {dim}, AVX2");
            }
            let pick = |x: &[f32], rows: usize| -> Vec<f32> {
                (0..rows)
                    .flat_map(|r| x[dim + r * 3 * dim..][..dim].to_vec())
                    .collect()
            };
            let want = reference(&pick(&q, m), &pick(&k, n), &pick(&v, n), m, n, dim);
            for (g, w) in s.ctx.iter().zip(&want) {
                assert!(
                    (*g as f64 - w).abs() < 1e-5,
                    "{m} x {n} x {dim}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn exp_is_within_f32_rounding_of_f64() {
        for i in 0..=100_000 {
            let x = -87.0 * i as f32 / 100_000.0;
            let (got, want) = (exp(x) as f64, (x as f64).exp());
            assert!((got - want).abs() <= 3e-7 * want, "e^{x}: {got} vs {want}");
        }
        assert!(exp(-1000.0) < 1.3e-38 && exp(-1000.0) > 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn rows_outside_their_slice_compute_nothing() {
        let x = values(64, 4);
        let r = |rows| Rows {
            data: &x,
            at: 8,
            stride: 16,
            rows,
        };
        let mut s = HeadScratch::default();
        assert!(!head(r(4), r(4), r(4), 16, 0.25, &mut s));
        assert!(head(r(3), r(3), r(3), 16, 0.25, &mut s));
    }
}
