//! Blocked int8 GEMM for quantized linear layers: `y = x · Wᵀ`, `x` dynamically quantized
//! ([`quantize_for`]), `W` int8 in panels of [`NR`] rows with one f32 scale per (row, K-block)
//! ([`PackedWeights`]), exact int32 sums per K-block, then an f32 epilogue ([`qgemm`]).
//! Every microkernel gives the scalar kernel's int32 sums bit for bit and the epilogue order is
//! shared, so the output does not depend on the kernel. The packed layout and the kernels are
//! described in docs/architecture.md ("int8 GEMM").

pub mod parallel;
mod scalar;
pub mod sgemm;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
mod relaxed;

#[cfg(target_arch = "x86_64")]
mod avx2;

use std::ops::Range;

/// Output rows per weight panel.
pub const NR: usize = 8;
/// K values per packed group (one 32-bit lane of a dot product).
const KG: usize = 4;
/// Activation rows per register tile.
const MR: usize = 4;
/// Largest |activation| a kernel multiplies: ACT_MAX, or 127 after the relaxed +64 offset.
const ACT_BOUND: usize = if RELAXED { 127 } else { ACT_MAX as usize };
/// Largest block for which int32 block sums provably cannot overflow:
/// `block * ACT_BOUND * 128 <= i32::MAX` (|w| <= 128): 1024 with 15-bit activations.
pub const MAX_BLOCK: usize = (i32::MAX as usize) / (ACT_BOUND * 128);
const RELAXED: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));
/// Target size of the per-chunk activation scratch (re-read once per weight panel).
const X_CHUNK_BYTES: usize = 96 * 1024;

/// Largest |value| of a quantized activation: 16383 (15 bits, one scale per row), or 63 in a
/// build with `relaxed-simd` (7 bits, one scale per 32-wide block).
///
/// Weights are int8; activations are i16. The SIMD128 and AVX2 kernels widen weights to i16 and
/// use `i32x4.dot_i16x8_s` / `vpmaddwd` anyway, so 15-bit activations cost nothing there, and
/// with them one scale per row is enough even for rows with outlier channels (tens of times
/// the typical magnitude) — no per-block rescaling in the inner loop. Sums stay exact in int32
/// for K-blocks up to [`MAX_BLOCK`] = 1024 (`1024 * 16383 * 128 < 2^31`).
///
/// The relaxed build's dot product multiplies i8 by i7: `i32x4_relaxed_dot_i8x16_i7x16_add(a,
/// b, c)` is only deterministic when every byte of its "i7" operand `b` has the top bit clear,
/// i.e. is in `0..=127` (engines may read `b` as signed — Arm `sdot` — or unsigned — x86
/// `pmaddubsw`/VNNI); `-64..=63` is *not* enough, a negative byte has its top bit set. So the
/// relaxed kernel feeds the activations as `x + 64` with `x` in `-63..=63` and subtracts
/// `64 * Σw` (precomputed per row and block at packing) to get `Σ x·w` back exactly; the i16
/// intermediate cannot saturate (`|2 · 127 · 128| < 32768`). To make up for 7 bits, that build
/// quantizes activations per 32-wide block ([`quantize_for`]).
///
/// [`qgemm`] and [`block_sums`] reject activations outside `-ACT_MAX..=ACT_MAX` in every build,
/// so all kernels of a build accept the same inputs.
pub const ACT_MAX: i16 = if RELAXED { 63 } else { 16383 };

/// Activation scale granularity of this build: one per row, or one per 32-wide block.
pub const ACT_BLOCK: Option<usize> = if RELAXED { Some(32) } else { None };

/// K-block for int8 weights that have one scale per row: the activation block of this build
/// when it divides `k`, else the largest divisor of `k` within [`MAX_BLOCK`].
pub fn q8_block(k: usize) -> usize {
    if let Some(b) = ACT_BLOCK {
        if k.is_multiple_of(b) {
            return b;
        }
    }
    (1..=k.min(MAX_BLOCK))
        .rev()
        .find(|b| k.is_multiple_of(*b))
        .unwrap_or(1)
}

/// An int8 GEMM microkernel implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Portable reference kernel (plain loops).
    Scalar,
    /// wasm32 SIMD128 (`i32x4.dot_i16x8_s`); only in builds with `simd128`.
    Simd128,
    /// wasm32 relaxed SIMD (`i32x4.relaxed_dot_i8x16_i7x16_add_s`); only in builds with
    /// `relaxed-simd`.
    RelaxedSimd,
    /// x86_64 AVX2 when the CPU has it (checked at run time); otherwise the same as Scalar.
    Native,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Simd128 => "simd128",
            Kernel::RelaxedSimd => "relaxed-simd",
            Kernel::Native => "native",
        }
    }

    /// Whether this kernel can run here (Scalar and Native always can; Native falls back).
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Scalar | Kernel::Native => true,
            Kernel::Simd128 => cfg!(all(target_arch = "wasm32", target_feature = "simd128")),
            Kernel::RelaxedSimd => {
                cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"))
            }
        }
    }
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The kernels that run as distinct code here, best last. `Native` is listed only where it is a
/// real SIMD kernel (x86_64 with AVX2); elsewhere it would just be Scalar again.
pub fn available_kernels() -> Vec<Kernel> {
    let mut v = vec![Kernel::Scalar];
    if has_avx2() {
        v.push(Kernel::Native);
    }
    if Kernel::Simd128.is_available() {
        v.push(Kernel::Simd128);
    }
    if Kernel::RelaxedSimd.is_available() {
        v.push(Kernel::RelaxedSimd);
    }
    v
}

/// The fastest available kernel: RelaxedSimd > Simd128 > Native (AVX2) > Scalar.
pub fn best_kernel() -> Kernel {
    *available_kernels()
        .last()
        .expect("Scalar is always available")
}

/// Int8 weights `[n][k]` with one f32 scale per (row, K-block), packed into NR-row panels.
#[derive(Clone)]
pub struct PackedWeights {
    n: usize,
    k: usize,
    block: usize,
    /// k / block.
    nb: usize,
    /// block rounded up to a multiple of KG.
    bp: usize,
    /// nb * bp: padded K of one panel row.
    kp: usize,
    /// ceil(n / NR).
    npanels: usize,
    /// [panel][kp / KG][NR][KG], zero padded.
    data: Vec<i8>,
    /// [panel][nb][NR], zero for padding rows.
    scales: Vec<f32>,
    /// [panel][nb][NR]: Σ_k w over the block (the relaxed kernel's offset correction).
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    wsum: Vec<i32>,
}

impl std::fmt::Debug for PackedWeights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedWeights")
            .field("n", &self.n)
            .field("k", &self.k)
            .field("block", &self.block)
            .field("bytes", &self.bytes())
            .finish()
    }
}

impl PackedWeights {
    /// `q` is `[n][k]` row-major, `scales[n * (k / block) + b]` scales row `n`, block `b`.
    /// `block` must divide `k` (and be at most [`MAX_BLOCK`]); scales must be finite.
    pub fn new(
        q: Vec<i8>,
        scales: Vec<f32>,
        n: usize,
        k: usize,
        block: usize,
    ) -> Result<Self, String> {
        if n == 0 || k == 0 {
            return Err(format!("weights must be non-empty, got n={n} k={k}"));
        }
        if block == 0 || !k.is_multiple_of(block) {
            return Err(format!("block {block} does not divide k={k}"));
        }
        if block > MAX_BLOCK {
            return Err(format!(
                "block {block} exceeds {MAX_BLOCK} (int32 sums could overflow)"
            ));
        }
        let nk = n.checked_mul(k).ok_or("n * k overflows usize")?;
        if q.len() != nk {
            return Err(format!(
                "weights have {} values, expected n*k = {n}*{k} = {nk}",
                q.len()
            ));
        }
        let nb = k / block;
        if scales.len() != n * nb {
            return Err(format!(
                "got {} scales, expected n*(k/block) = {n}*{nb} = {}",
                scales.len(),
                n * nb
            ));
        }
        if let Some(i) = scales.iter().position(|s| !s.is_finite()) {
            return Err(format!("scale {i} is not finite ({})", scales[i]));
        }
        let bp = block.div_ceil(KG) * KG;
        let kp = nb.checked_mul(bp).ok_or("padded k overflows usize")?;
        let npanels = n.div_ceil(NR);
        let len = npanels
            .checked_mul(NR)
            .and_then(|r| r.checked_mul(kp))
            .ok_or("packed size overflows usize")?;
        let mut data = vec![0i8; len];
        let mut pscales = vec![0f32; npanels * nb * NR];
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        let mut wsum = vec![0i32; npanels * nb * NR];
        for row in 0..n {
            let (p, j) = (row / NR, row % NR);
            let panel = &mut data[p * NR * kp..(p + 1) * NR * kp];
            let src = &q[row * k..(row + 1) * k];
            for b in 0..nb {
                for t in 0..block {
                    let kk = b * bp + t;
                    panel[(kk / KG) * NR * KG + j * KG + kk % KG] = src[b * block + t];
                }
                pscales[(p * nb + b) * NR + j] = scales[row * nb + b];
                #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
                {
                    wsum[(p * nb + b) * NR + j] = src[b * block..(b + 1) * block]
                        .iter()
                        .map(|&v| v as i32)
                        .sum();
                }
            }
        }
        drop(q);
        drop(scales);
        Ok(Self {
            n,
            k,
            block,
            nb,
            bp,
            kp,
            npanels,
            data,
            scales: pscales,
            #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
            wsum,
        })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn k(&self) -> usize {
        self.k
    }

    pub fn block(&self) -> usize {
        self.block
    }

    /// Number of K-blocks, `k / block`.
    pub fn nblocks(&self) -> usize {
        self.nb
    }

    /// Heap + inline bytes held (packed weights incl. padding, scales, offsets).
    pub fn bytes(&self) -> usize {
        #[allow(unused_mut)]
        let mut b = std::mem::size_of::<Self>() + self.data.capacity() + self.scales.capacity() * 4;
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        {
            b += self.wsum.capacity() * 4;
        }
        b
    }

    /// Panel `p`: `kp / KG` records of NR × KG bytes.
    #[inline(always)]
    fn panel(&self, p: usize) -> &[i8] {
        &self.data[p * NR * self.kp..(p + 1) * NR * self.kp]
    }

    /// Scales of panel `p`, all blocks: `[nb][NR]`.
    #[inline(always)]
    fn panel_scales(&self, p: usize) -> &[f32] {
        &self.scales[p * self.nb * NR..(p + 1) * self.nb * NR]
    }
}

/// Symmetric dynamic quantization of `x` `[m][k]` into `q` in `-ACT_MAX..=ACT_MAX`, one scale
/// per row and K-block: `scale[r * (k / block) + b] = max|x[r][block b]| / ACT_MAX` (all-zero
/// blocks get scale 0 and q 0). Use the weights' block ([`PackedWeights::block`]) so that
/// [`qgemm`] can apply each activation scale with the matching weight scale.
///
/// Why per block and not per row: transformer activations have a few outlier channels (tens of
/// times the typical magnitude); with one scale per row they flatten every other channel of the
/// row to a handful of levels. A block scale confines an outlier's cost to its own block.
///
/// Rounding is **round-half-to-even** (same as `f32::round_ties_even`, computed as
/// `(v + 1.5·2²³) − 1.5·2²³`, exact for |v| < 2²², which vectorizes on every target — x86_64's
/// baseline has no `roundps`, where `round_ties_even` is a per-element libm call), so
/// `|q * scale - x| <= scale / 2` up to f32 rounding.
/// Non-finite input is an error. Blocks whose max is so small that `max / ACT_MAX` underflows
/// to 0 are treated as zero blocks.
pub fn quantize_blocks(
    x: &[f32],
    m: usize,
    k: usize,
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), String> {
    let mk = m.checked_mul(k).ok_or("m * k overflows usize")?;
    if x.len() != mk || q.len() != mk {
        return Err(format!(
            "quantize_blocks: x has {} and q {} values, expected m*k = {m}*{k} = {mk}",
            x.len(),
            q.len()
        ));
    }
    if k == 0 {
        if !scale.is_empty() {
            return Err("quantize_blocks: k = 0 has no blocks, scale must be empty".into());
        }
        return Ok(());
    }
    if block == 0 || !k.is_multiple_of(block) {
        return Err(format!(
            "quantize_blocks: block {block} does not divide k={k}"
        ));
    }
    let nb = k / block;
    if scale.len() != m * nb {
        return Err(format!(
            "quantize_blocks: scale has {} values, expected m*(k/block) = {m}*{nb} = {}",
            scale.len(),
            m * nb
        ));
    }
    for (i, ((xb, qb), s)) in x
        .chunks_exact(block)
        .zip(q.chunks_exact_mut(block))
        .zip(scale.iter_mut())
        .enumerate()
    {
        *s = quantize_slice(xb, qb)
            .ok_or_else(|| format!("quantize_blocks: row {} has a non-finite value", i / nb))?;
    }
    Ok(())
}

/// [`quantize_blocks`] with one block per row (`scale` has `m` values).
pub fn quantize_rows(
    x: &[f32],
    m: usize,
    k: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), String> {
    if k == 0 {
        if scale.len() != m {
            return Err(format!(
                "quantize_rows: scale has {} values, expected m = {m}",
                scale.len()
            ));
        }
        scale.fill(0.0);
        return quantize_blocks(x, m, k, 1, q, &mut []);
    }
    quantize_blocks(x, m, k, k, q, scale)
}

/// Quantizes `x` `[m][k]` for a [`qgemm`] with `w`, in this build's granularity
/// ([`ACT_BLOCK`]): `scale` gets `m * w.nblocks()` values (a row's scale repeated per block
/// when there is one per row).
pub fn quantize_for(
    w: &PackedWeights,
    x: &[f32],
    m: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), String> {
    let (k, nb) = (w.k, w.nb);
    if scale.len() != m * nb {
        return Err(format!(
            "quantize_for: scale has {} values, expected m*nblocks = {}",
            scale.len(),
            m * nb
        ));
    }
    if ACT_BLOCK.is_some() {
        return quantize_blocks(x, m, k, w.block, q, scale);
    }
    let mut rows = vec![0f32; m];
    quantize_rows(x, m, k, q, &mut rows)?;
    for (dst, &s) in scale.chunks_exact_mut(nb).zip(&rows) {
        dst.fill(s);
    }
    Ok(())
}

/// Quantizes one block; `None` if it holds a non-finite value.
#[inline(always)]
fn quantize_slice(xr: &[f32], qr: &mut [i16]) -> Option<f32> {
    let amax_q = ACT_MAX as f32;
    // max |x| and a non-finite check, in 8 independent lanes so it vectorizes.
    let mut lanes = [0f32; 8];
    let mut bad = false;
    let chunks = xr.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            let a = v.abs();
            bad |= !a.is_finite(); // NaN or inf
            *l = if a > *l { a } else { *l };
        }
    }
    for (l, &v) in lanes.iter_mut().zip(tail) {
        let a = v.abs();
        bad |= !a.is_finite();
        *l = if a > *l { a } else { *l };
    }
    let amax = lanes.iter().fold(0f32, |m, &l| if l > m { l } else { m });
    if bad {
        return None;
    }
    let s = amax / amax_q;
    if s == 0.0 {
        qr.fill(0);
        return Some(0.0);
    }
    let inv = amax_q / amax;
    if inv.is_finite() {
        for (o, &v) in qr.iter_mut().zip(xr) {
            *o = round_small((v * inv).clamp(-amax_q, amax_q));
        }
    } else {
        for (o, &v) in qr.iter_mut().zip(xr) {
            *o = round_small((v / s).clamp(-amax_q, amax_q));
        }
    }
    Some(s)
}

/// Round half to even of `v` in `-16383.0..=16383.0` to i16. Adding 1.5·2²³ moves `v` into
/// [2²³, 2²⁴), where the f32 spacing is 1, so the (default, ties-to-even) rounding of the add is
/// the rounding we want; subtracting it back is exact.
#[inline(always)]
fn round_small(v: f32) -> i16 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    ((v + MAGIC) - MAGIC) as i32 as i16
}

/// `y[m][n] = Σ_b (w.scale[n][b] * x_scale[m][b]) * Σ_{k in block b} xq[m][k] * wq[n][k]
/// (+ bias[n])` with the best available kernel. `xq` must be in `-ACT_MAX..=ACT_MAX`; `x_scale`
/// has one scale per row and weight K-block (`m * w.nblocks()` values, [`quantize_blocks`]
/// with `w.block()`).
pub fn qgemm(
    xq: &[i16],
    x_scale: &[f32],
    m: usize,
    w: &PackedWeights,
    bias: Option<&[f32]>,
    y: &mut [f32],
) -> Result<(), String> {
    qgemm_with(best_kernel(), xq, x_scale, m, w, bias, y)
}

/// [`qgemm`] with a chosen kernel (for tests and benchmarks). The result does not depend on it.
pub fn qgemm_with(
    kernel: Kernel,
    xq: &[i16],
    x_scale: &[f32],
    m: usize,
    w: &PackedWeights,
    bias: Option<&[f32]>,
    y: &mut [f32],
) -> Result<(), String> {
    check_x(kernel, xq, m, w)?;
    if x_scale.len() != m * w.nb {
        return Err(format!(
            "qgemm: x_scale has {} values, expected m*nblocks = {m}*{} = {}",
            x_scale.len(),
            w.nb,
            m * w.nb
        ));
    }
    if let Some(bias) = bias {
        if bias.len() != w.n {
            return Err(format!(
                "qgemm: bias has {} values, expected n = {}",
                bias.len(),
                w.n
            ));
        }
    }
    let mn = m.checked_mul(w.n).ok_or("m * n overflows usize")?;
    if y.len() != mn {
        return Err(format!(
            "qgemm: y has {} values, expected m*n = {m}*{} = {mn}",
            y.len(),
            w.n
        ));
    }
    if m == 0 {
        return Ok(());
    }
    let y = parallel::SharedOut::new(y);
    let work = mn.saturating_mul(w.k);
    parallel::for_panel_ranges(w.npanels, work, |panels| {
        let mut epi = GemmEpilogue {
            n: w.n,
            bias,
            y,
            m0: 0,
            p: 0,
        };
        run(kernel, xq, x_scale, m, w, panels, &mut epi);
    });
    Ok(())
}

/// For tests: the raw int32 per-block sums `out[(mi * n + ni) * nblocks + b]` by `kernel`.
/// `xq` must be in `-ACT_MAX..=ACT_MAX`; an unavailable kernel is an error.
pub fn block_sums(
    kernel: Kernel,
    xq: &[i16],
    m: usize,
    w: &PackedWeights,
    out: &mut [i32],
) -> Result<(), String> {
    check_x(kernel, xq, m, w)?;
    let len = m
        .checked_mul(w.n)
        .and_then(|v| v.checked_mul(w.nb))
        .ok_or("m * n * nblocks overflows usize")?;
    if out.len() != len {
        return Err(format!(
            "block_sums: out has {} values, expected m*n*nblocks = {len}",
            out.len()
        ));
    }
    if m == 0 {
        return Ok(());
    }
    let mut epi = SumsEpilogue {
        n: w.n,
        nb: w.nb,
        out,
        m0: 0,
        p: 0,
    };
    run(kernel, xq, &[], m, w, 0..w.npanels, &mut epi);
    Ok(())
}

fn check_x(kernel: Kernel, xq: &[i16], m: usize, w: &PackedWeights) -> Result<(), String> {
    if !kernel.is_available() {
        return Err(format!(
            "kernel {} is not available in this build",
            kernel.name()
        ));
    }
    let mk = m.checked_mul(w.k).ok_or("m * k overflows usize")?;
    if xq.len() != mk {
        return Err(format!(
            "xq has {} values, expected m*k = {m}*{} = {mk}",
            xq.len(),
            w.k
        ));
    }
    // Branch-free so it vectorizes.
    let out_of_range = xq
        .iter()
        .fold(false, |acc, &v| acc | (v.unsigned_abs() > ACT_MAX as u16));
    if out_of_range {
        let i = xq
            .iter()
            .position(|&v| v.unsigned_abs() > ACT_MAX as u16)
            .unwrap_or(0);
        return Err(format!(
            "activation {} at index {i} is outside -{ACT_MAX}..={ACT_MAX}",
            xq[i]
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Driver shared by all kernels.

/// Where a tile's results go. The kernel either accumulates `Σ_b scale * sum_b` in f32 itself
/// (`SCALED`, for [`qgemm`]; always as `acc = acc + (w_scale[n][b] * x_scale[m][b]) *
/// (sum as f32)` in block order, no FMA, so every kernel rounds identically) and hands over the tile once, or hands over the
/// raw int32 sums of each block (for [`block_sums`]).
trait Epilogue {
    const SCALED: bool;
    /// A new tile: activation rows `m0..m0 + R`, weight panel `p`.
    fn begin(&mut self, m0: usize, p: usize);
    /// Not SCALED: sums of block `b`, `s[r][c]` for row `m0 + r`, output `p * NR + j0 + c`.
    fn sums<const R: usize, const C: usize>(&mut self, b: usize, j0: usize, s: &[[i32; C]; R]);
    /// SCALED: `acc[r][j] = Σ_b scale * sum` for row `m0 + r`, output `p * NR + j`.
    fn finish<const R: usize>(&mut self, acc: &[[f32; NR]; R]);
}

struct SumsEpilogue<'a> {
    n: usize,
    nb: usize,
    out: &'a mut [i32],
    m0: usize,
    p: usize,
}

impl Epilogue for SumsEpilogue<'_> {
    const SCALED: bool = false;

    #[inline(always)]
    fn begin(&mut self, m0: usize, p: usize) {
        self.m0 = m0;
        self.p = p;
    }

    #[inline(always)]
    fn sums<const R: usize, const C: usize>(&mut self, b: usize, j0: usize, s: &[[i32; C]; R]) {
        let n0 = self.p * NR + j0;
        let cols = C.min(self.n.saturating_sub(n0));
        for (r, sr) in s.iter().enumerate() {
            for (c, &v) in sr.iter().enumerate().take(cols) {
                self.out[((self.m0 + r) * self.n + n0 + c) * self.nb + b] = v;
            }
        }
    }

    #[inline(always)]
    fn finish<const R: usize>(&mut self, _acc: &[[f32; NR]; R]) {}
}

/// Writes only the columns of the panels it is given ([`run`]), so tasks over disjoint panel
/// ranges share `y`.
struct GemmEpilogue<'a> {
    n: usize,
    bias: Option<&'a [f32]>,
    y: parallel::SharedOut<'a>,
    m0: usize,
    p: usize,
}

impl Epilogue for GemmEpilogue<'_> {
    const SCALED: bool = true;

    #[inline(always)]
    fn begin(&mut self, m0: usize, p: usize) {
        self.m0 = m0;
        self.p = p;
    }

    #[inline(always)]
    fn sums<const R: usize, const C: usize>(&mut self, _b: usize, _j0: usize, _s: &[[i32; C]; R]) {}

    #[inline(always)]
    fn finish<const R: usize>(&mut self, acc: &[[f32; NR]; R]) {
        let n = self.n;
        let n0 = self.p * NR;
        let cols = NR.min(n - n0);
        for (r, ar) in acc.iter().enumerate() {
            let mi = self.m0 + r;
            // SAFETY: row mi, columns of panel p: this task's panels only (see the struct).
            let yr = unsafe { self.y.part(mi * n + n0, cols) };
            match self.bias {
                Some(bias) => {
                    for ((y, &a), &bv) in yr.iter_mut().zip(ar).zip(&bias[n0..n0 + cols]) {
                        *y = a + bv;
                    }
                }
                None => yr.copy_from_slice(&ar[..cols]),
            }
        }
    }
}

/// One microkernel: its activation scratch format and its R × NR tile.
trait Micro {
    type X: Copy + Default;
    /// Copies one activation row (`k` values) into its padded scratch row (`kp` values).
    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [Self::X]);
    /// Runs the tile of rows `x[0..R]` (each `kp` long) against panel `p` of `w`; `xs[r]` are
    /// row r's block scales (`nb` values; empty when not `E::SCALED`).
    ///
    /// # Safety
    /// The CPU must support the kernel's instructions; rows must be `w.kp` long.
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[Self::X]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    );
}

/// Copies `src` block by block into `dst` with each block zero-padded to `bp`, mapping values.
#[inline(always)]
fn pack_padded<T: Copy>(
    src: &[i16],
    block: usize,
    bp: usize,
    dst: &mut [T],
    zero: T,
    f: impl Fn(i16) -> T,
) {
    for (s, d) in src.chunks_exact(block).zip(dst.chunks_exact_mut(bp)) {
        for (o, &v) in d.iter_mut().zip(s) {
            *o = f(v);
        }
        for o in &mut d[block..] {
            *o = zero;
        }
    }
}

/// `xs`: the activation block scales (`m * nb`), or empty when not `E::SCALED`. Only weight
/// panels `panels` are computed.
fn run<E: Epilogue>(
    kernel: Kernel,
    xq: &[i16],
    xs: &[f32],
    m: usize,
    w: &PackedWeights,
    panels: Range<usize>,
    epi: &mut E,
) {
    match kernel {
        Kernel::Scalar => drive::<scalar::Scalar, E>(xq, xs, m, w, panels, epi),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kernel::Simd128 => drive::<simd128::Simd128, E>(xq, xs, m, w, panels, epi),
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        Kernel::RelaxedSimd => drive::<relaxed::Relaxed, E>(xq, xs, m, w, panels, epi),
        #[cfg(target_arch = "x86_64")]
        Kernel::Native if has_avx2() => {
            // SAFETY: AVX2 was detected at run time.
            unsafe { avx2::drive_avx2(xq, xs, m, w, panels, epi) }
        }
        Kernel::Native => drive::<scalar::Scalar, E>(xq, xs, m, w, panels, epi),
        // Unavailable kernels were rejected by check_x.
        #[allow(unreachable_patterns)]
        _ => unreachable!("kernel {kernel:?} was checked to be available"),
    }
}

/// Rows per activation chunk: a multiple of MR whose scratch is about X_CHUNK_BYTES.
fn chunk_rows(kp: usize, elem: usize, m: usize) -> usize {
    let rows = (X_CHUNK_BYTES / (kp * elem).max(1)).max(MR) / MR * MR;
    rows.min(m.div_ceil(MR) * MR).max(MR)
}

/// Loops: activation chunks of `mc` rows → weight panels `panels` → 4-row tiles (+ a 1–3 row
/// tail).
///
/// # Safety
/// `K::tile`'s CPU requirements must hold (always true for the cfg-gated wasm kernels and
/// Scalar; the AVX2 caller checks at run time).
#[inline(always)]
fn drive<K: Micro, E: Epilogue>(
    xq: &[i16],
    xs: &[f32],
    m: usize,
    w: &PackedWeights,
    panels: Range<usize>,
    epi: &mut E,
) {
    let (k, kp, block, bp, nb) = (w.k, w.kp, w.block, w.bp, w.nb);
    debug_assert_eq!(xs.len(), if E::SCALED { m * nb } else { 0 });
    let mc = chunk_rows(kp, std::mem::size_of::<K::X>(), m);
    let mut scratch = vec![K::X::default(); mc.min(m) * kp];
    let mut m0 = 0;
    while m0 < m {
        let rows = mc.min(m - m0);
        for r in 0..rows {
            let src = &xq[(m0 + r) * k..(m0 + r + 1) * k];
            K::pack_row(src, block, bp, &mut scratch[r * kp..(r + 1) * kp]);
        }
        let row = |r: usize| &scratch[r * kp..(r + 1) * kp];
        // Block scales of chunk row r (empty slices for raw sums).
        let sc = |r: usize| {
            if E::SCALED {
                &xs[(m0 + r) * nb..(m0 + r + 1) * nb]
            } else {
                &xs[..0]
            }
        };
        for p in panels.clone() {
            let mut r = 0;
            // SAFETY: see the function contract; rows are kp long.
            unsafe {
                while r + MR <= rows {
                    epi.begin(m0 + r, p);
                    K::tile::<4, E>(
                        [row(r), row(r + 1), row(r + 2), row(r + 3)],
                        [sc(r), sc(r + 1), sc(r + 2), sc(r + 3)],
                        w,
                        p,
                        epi,
                    );
                    r += MR;
                }
                match rows - r {
                    1 => {
                        epi.begin(m0 + r, p);
                        K::tile::<1, E>([row(r)], [sc(r)], w, p, epi);
                    }
                    2 => {
                        epi.begin(m0 + r, p);
                        K::tile::<2, E>([row(r), row(r + 1)], [sc(r), sc(r + 1)], w, p, epi);
                    }
                    3 => {
                        epi.begin(m0 + r, p);
                        K::tile::<3, E>(
                            [row(r), row(r + 1), row(r + 2)],
                            [sc(r), sc(r + 1), sc(r + 2)],
                            w,
                            p,
                            epi,
                        );
                    }
                    _ => {}
                }
            }
        }
        m0 += rows;
    }
}
