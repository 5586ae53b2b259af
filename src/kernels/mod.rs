//! Blocked int8 GEMM for quantized linear layers: `y = x · Wᵀ`, `x` dynamically quantized
//! ([`quantize_for`]), `W` int8 in panels of [`NR`] rows with one f32 scale per (row, K-block)
//! ([`PackedWeights`]), exact int32 sums per K-block, then an f32 epilogue ([`qgemm`]).
//! Every microkernel gives the scalar kernel's int32 sums bit for bit and the epilogue order is
//! shared, so the output does not depend on the kernel. The packed layout and the kernels are
//! described in docs/architecture.md ("int8 GEMM").

mod error;
pub mod parallel;
mod reuse;
pub(crate) use reuse::Reuse;
mod scalar;
pub mod sgemm;

pub use error::KernelError;
use error::{check_len, mul};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
mod relaxed;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod vnni_u8;

#[cfg(target_arch = "aarch64")]
mod neon;

use std::ops::Range;

/// Output rows per weight panel.
pub const NR: usize = 8;
/// K values per packed group (one 32-bit lane of a dot product).
const KG: usize = 4;
/// Each K-block is zero-padded to a multiple of this: KG, or 2·KG on aarch64, where `smmla`
/// takes 8 k (two records) at a time.
const BLOCK_ALIGN: usize = if cfg!(target_arch = "aarch64") {
    2 * KG
} else {
    KG
};
/// Activation rows per register tile.
const MR: usize = 4;
/// Largest |activation| a kernel multiplies: ACT_MAX, or 127 after the relaxed +64 offset.
const ACT_BOUND: usize = if RELAXED { 127 } else { ACT_MAX as usize };
/// Largest block for which int32 block sums provably cannot overflow:
/// `block * ACT_BOUND * 128 <= i32::MAX` (|w| <= 128): 1024 with 15-bit activations.
pub const MAX_BLOCK: usize = (i32::MAX as usize) / (ACT_BOUND * 128);
const RELAXED: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));
/// Whether [`PackedWeights`] keeps per-block weight sums (builds with an unsigned-activation
/// kernel).
const WSUM: bool = RELAXED || cfg!(target_arch = "x86_64");
/// Target size of a chunk of packed activation rows (re-read once per weight panel).
const X_CHUNK_BYTES: usize = 96 * 1024;

/// Largest |value| of a quantized activation: 16383 (15 bits, one scale per row), or 63 with
/// `relaxed-simd` (7 bits per 32-wide block; why: docs/architecture.md, "int8 GEMM"). [`qgemm`]
/// and [`block_sums`] reject anything outside `-ACT_MAX..=ACT_MAX`, whatever the kernel (and
/// outside `-127..=127` for the kernels that take 8-bit activations only, [`Kernel::act_max`]).
pub const ACT_MAX: i16 = if RELAXED { 63 } else { 16383 };

/// Largest |value| of an 8-bit activation ([`Activations::Bits8`]): symmetric, so that
/// `x + 128` is a u8 for `vpdpbusd`.
pub const ACT8_MAX: i16 = 127;

/// How [`quantize_for`] quantizes activations (one scale per row in both). The int8 layers'
/// results depend on this choice and on nothing else: every kernel that accepts a format
/// computes the same int32 sums for it. In `relaxed-simd` builds neither applies: those use
/// their 7-bit 32-wide blocks ([`ACT_BLOCK`]) whatever is asked.
///
/// The default is 15 bits, in every layer a model loads and in what `Classifier::activations`
/// reports: 8 bits pass q8's held-out gates but not its gate on real trained weights
/// (docs/quantization.md, "Activation formats").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Activations {
    /// 15 bits (`-16383..=16383`): as good as f32 activations in practice; the SIMD128
    /// build's format, so a native run with it reproduces the browser's scores.
    #[default]
    Bits15,
    /// 8 bits (`-127..=127`): what `vpdpbusd` (AVX-VNNI, AVX-512 VNNI) multiplies 64 at a
    /// time, twice the 15-bit kernels' products per instruction, at some fidelity cost
    /// (docs/quantization.md).
    Bits8,
}

impl Activations {
    /// Every format.
    pub const ALL: [Activations; 2] = [Activations::Bits15, Activations::Bits8];

    /// The bits of a value: 15 or 8 (the `--activations` value of the CLI).
    pub fn bits(self) -> u32 {
        match self {
            Activations::Bits15 => 15,
            Activations::Bits8 => 8,
        }
    }

    /// The format of `bits` (15 or 8).
    pub fn from_bits(bits: u32) -> Option<Activations> {
        Activations::ALL.into_iter().find(|a| a.bits() == bits)
    }

    /// Largest |value| [`quantize_for`] writes in this format (this build's [`ACT_MAX`] in
    /// `relaxed-simd` builds).
    pub fn max(self) -> i16 {
        match self {
            _ if RELAXED => ACT_MAX,
            Activations::Bits15 => ACT_MAX,
            Activations::Bits8 => ACT8_MAX,
        }
    }
}

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

/// An int8 GEMM microkernel: which instructions compute the int32 block sums. Every kernel
/// gives the same sums bit for bit; `available_kernels` says which run here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Portable reference kernel (plain loops).
    Scalar,
    /// wasm32 SIMD128 (`i32x4.dot_i16x8_s`); only in builds with `simd128`.
    Simd128,
    /// wasm32 relaxed SIMD (`i32x4.relaxed_dot_i8x16_i7x16_add_s`); only in builds with
    /// `relaxed-simd`.
    RelaxedSimd,
    /// x86_64 AVX2 (`vpmaddwd`), when the CPU has it (checked at run time).
    Avx2,
    /// x86_64 AVX-VNNI, 256-bit (`vpdpwssd` on ymm), when the CPU has it.
    AvxVnni,
    /// x86_64 AVX-512 VNNI, 512-bit (`vpdpwssd` on zmm), when the CPU has it.
    Avx512Vnni,
    /// x86_64 AVX-VNNI, 256-bit `vpdpbusd` (u8 × i8) on 8-bit activations only.
    AvxVnniU8,
    /// x86_64 AVX-512 VNNI, 512-bit `vpdpbusd` (u8 × i8) on 8-bit activations only.
    Avx512VnniU8,
    /// aarch64 dot product (`sdot`), when the CPU has `dotprod`.
    NeonDot,
    /// aarch64 int8 matrix multiply (`smmla`), when the CPU has `i8mm`.
    NeonI8mm,
}

impl Kernel {
    /// Every kernel, in order of preference (best last) where several are available.
    pub const ALL: [Kernel; 10] = [
        Kernel::Scalar,
        Kernel::Avx2,
        Kernel::AvxVnni,
        Kernel::Avx512Vnni,
        Kernel::AvxVnniU8,
        Kernel::Avx512VnniU8,
        Kernel::NeonDot,
        Kernel::NeonI8mm,
        Kernel::Simd128,
        Kernel::RelaxedSimd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Simd128 => "simd128",
            Kernel::RelaxedSimd => "relaxed-simd",
            Kernel::Avx2 => "avx2",
            Kernel::AvxVnni => "avx-vnni",
            Kernel::Avx512Vnni => "avx512-vnni",
            Kernel::AvxVnniU8 => "avx-vnni-u8",
            Kernel::Avx512VnniU8 => "avx512-vnni-u8",
            Kernel::NeonDot => "neon-dotprod",
            Kernel::NeonI8mm => "neon-i8mm",
        }
    }

    /// The kernel called `name` ([`Kernel::name`]), available here or not.
    pub fn from_name(name: &str) -> Option<Kernel> {
        Kernel::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether this kernel can run here: built in, and (natively) the CPU has its
    /// instructions, detected at run time.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            Kernel::Simd128 => cfg!(all(target_arch = "wasm32", target_feature = "simd128")),
            Kernel::RelaxedSimd => {
                cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"))
            }
            Kernel::Avx2
            | Kernel::AvxVnni
            | Kernel::Avx512Vnni
            | Kernel::AvxVnniU8
            | Kernel::Avx512VnniU8 => x86_has(self),
            Kernel::NeonDot | Kernel::NeonI8mm => arm_has(self),
        }
    }

    /// Largest |activation| this kernel multiplies exactly: [`ACT8_MAX`] for the `vpdpbusd`
    /// kernels, [`ACT_MAX`] for every other.
    pub fn act_max(self) -> i16 {
        match self {
            Kernel::AvxVnniU8 | Kernel::Avx512VnniU8 => ACT8_MAX,
            _ => ACT_MAX,
        }
    }

    /// Whether this kernel reads weights with each block's record pairs interleaved
    /// ([`PackedWeights::set_layout_for`]) instead of the layout every other kernel reads.
    pub fn pairs_records(self) -> bool {
        matches!(self, Kernel::Avx512VnniU8)
    }

    /// Whether this kernel takes activations quantized as `acts`.
    pub fn accepts(self, acts: Activations) -> bool {
        acts.max() <= self.act_max()
    }
}

#[cfg(target_arch = "x86_64")]
fn x86_has(kernel: Kernel) -> bool {
    use std::is_x86_feature_detected as has;
    match kernel {
        Kernel::Avx2 => has!("avx2"),
        Kernel::AvxVnni | Kernel::AvxVnniU8 => has!("avx2") && has!("avxvnni"),
        Kernel::Avx512Vnni | Kernel::Avx512VnniU8 => {
            has!("avx512f") && has!("avx512bw") && has!("avx512vnni")
        }
        _ => false,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn x86_has(_: Kernel) -> bool {
    false
}

#[cfg(target_arch = "aarch64")]
fn arm_has(kernel: Kernel) -> bool {
    use std::arch::is_aarch64_feature_detected as has;
    match kernel {
        Kernel::NeonDot => has!("dotprod"),
        Kernel::NeonI8mm => has!("i8mm"),
        _ => false,
    }
}

#[cfg(not(target_arch = "aarch64"))]
fn arm_has(_: Kernel) -> bool {
    false
}

/// The kernels that run here, best last.
pub fn available_kernels() -> Vec<Kernel> {
    Kernel::ALL
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

/// `Kernel::ALL` index + 1 of the kernel [`force_kernel`] chose; 0: none.
static FORCED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The kernel [`qgemm`] runs on 15-bit activations: [`best_kernel_for`]`(Bits15)`.
pub fn best_kernel() -> Kernel {
    best_kernel_for(Activations::Bits15)
}

/// The kernel [`qgemm_for`] runs on activations quantized as `acts`: the one [`force_kernel`]
/// chose (an error at the call if it does not accept them), else the best available that does.
pub fn best_kernel_for(acts: Activations) -> Kernel {
    match FORCED.load(std::sync::atomic::Ordering::Relaxed) {
        0 => available_kernels()
            .into_iter()
            .rfind(|k| k.accepts(acts))
            .unwrap_or(Kernel::Scalar),
        i => Kernel::ALL[i - 1],
    }
}

/// Makes [`qgemm`] run `kernel` (process-wide; `None` goes back to the best available), for
/// benchmarks and tests that compare kernels end to end. Results do not depend on it; but
/// weights already laid out for another kernel ([`PackedWeights::set_layout_for`], done by
/// `Classifier::set_activations`) are refused by this one ([`KernelError::Layout`]), so force
/// the kernel before setting the activation format.
pub fn force_kernel(kernel: Option<Kernel>) -> Result<(), KernelError> {
    let index = match kernel {
        None => 0,
        Some(k) if !k.is_available() => {
            let (op, kernel) = ("force_kernel", k.name());
            return Err(KernelError::Unavailable { op, kernel });
        }
        Some(k) => 1 + Kernel::ALL.iter().position(|&a| a == k).unwrap_or(0),
    };
    FORCED.store(index, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Int8 weights `[n][k]` with one f32 scale per (row, K-block), packed into NR-row panels.
#[derive(Clone)]
pub struct PackedWeights {
    n: usize,
    k: usize,
    block: usize,
    /// k / block.
    nb: usize,
    /// block rounded up to a multiple of BLOCK_ALIGN.
    bp: usize,
    /// nb * bp: padded K of one panel row.
    kp: usize,
    /// ceil(n / NR).
    npanels: usize,
    /// [panel][kp / KG][NR][KG], zero padded; with `paired`, each block's record pairs
    /// `[2][NR][KG]` are stored as `[NR][2][KG]` (an odd last record stays as it is).
    data: Vec<i8>,
    /// Record pairs interleaved, the layout of [`Kernel::pairs_records`] kernels.
    paired: bool,
    /// [panel][nb][NR], zero for padding rows.
    scales: Vec<f32>,
    /// [panel][nb][NR]: Σ_k w over the block, the offset correction of the kernels that take
    /// unsigned activations (relaxed SIMD, `vpdpbusd`); empty in builds without them.
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
    ) -> Result<Self, KernelError> {
        const OP: &str = "pack";
        if n == 0 || k == 0 {
            return Err(KernelError::Empty { op: OP, n, k });
        }
        if block == 0 || !k.is_multiple_of(block) {
            return Err(KernelError::BlockDivide { op: OP, block, k });
        }
        if block > MAX_BLOCK {
            return Err(KernelError::BlockTooLarge {
                block,
                max: MAX_BLOCK,
            });
        }
        check_len(OP, "q", q.len(), "n*k", &[n, k])?;
        let nb = k / block;
        check_len(OP, "scales", scales.len(), "n*(k/block)", &[n, nb])?;
        if let Some(index) = scales.iter().position(|s| !s.is_finite()) {
            let value = scales[index];
            return Err(KernelError::NonFiniteScale { index, value });
        }
        let bp = block.div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN;
        let kp = mul(OP, "padded k", nb, bp)?;
        let npanels = n.div_ceil(NR);
        let len = mul(OP, "packed size", mul(OP, "packed size", npanels, NR)?, kp)?;
        let mut data = vec![0i8; len];
        let mut pscales = vec![0f32; npanels * nb * NR];
        let mut wsum = vec![0i32; if WSUM { npanels * nb * NR } else { 0 }];
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
                if WSUM {
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
            paired: false,
            scales: pscales,
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

    /// What the packed activations depend on: `(k, block, bp, kp)`.
    fn layout(&self) -> (usize, usize, usize, usize) {
        (self.k, self.block, self.bp, self.kp)
    }

    /// Re-arranges the weights in place (no second copy) into the layout `kernel` reads: record
    /// pairs interleaved for [`Kernel::pairs_records`], the shared layout otherwise. Why: the
    /// `vpdpbusd` zmm kernel would otherwise interleave every pair it loads (`vpermd`), once
    /// per 8 or 16 `vpdpbusd` (docs/benchmarks.md, "Native"). Calling [`qgemm_with`] with a
    /// kernel that does not read the paired layout is an error ([`KernelError::Layout`]); the
    /// pairing kernel reads both layouts.
    pub fn set_layout_for(&mut self, kernel: Kernel) {
        if kernel.pairs_records() == self.paired {
            return;
        }
        let gb = self.bp / KG;
        let rec = NR * KG;
        let mut tmp = [0i8; 2 * NR * KG];
        for panel in self.data.chunks_exact_mut(NR * self.kp) {
            for block in panel.chunks_exact_mut(gb * rec) {
                for pair in block.chunks_exact_mut(2 * rec).take(gb / 2) {
                    for j in 0..NR {
                        for h in 0..2 {
                            let (shared, inter) = (h * rec + j * KG, (2 * j + h) * KG);
                            let (from, to) = if self.paired {
                                (inter, shared)
                            } else {
                                (shared, inter)
                            };
                            tmp[to..to + KG].copy_from_slice(&pair[from..from + KG]);
                        }
                    }
                    pair.copy_from_slice(&tmp);
                }
            }
        }
        self.paired = kernel.pairs_records();
    }

    /// Whether the records are interleaved in pairs ([`Self::set_layout_for`]).
    pub fn is_paired(&self) -> bool {
        self.paired
    }

    /// Heap + inline bytes held (packed weights incl. padding, scales, offsets).
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.data.capacity()
            + (self.scales.capacity() + self.wsum.capacity()) * 4
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
/// Rounds half to even, so `|q * scale - x| <= scale / 2` up to f32 rounding. Non-finite input
/// is an error; a block whose `max / ACT_MAX` underflows to 0 counts as a zero block.
pub fn quantize_blocks(
    x: &[f32],
    m: usize,
    k: usize,
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), KernelError> {
    quantize_blocks_to(ACT_MAX, x, m, k, block, q, scale)
}

/// [`quantize_blocks`] into `-max..=max` (`1..=ACT_MAX`).
pub fn quantize_blocks_to(
    max: i16,
    x: &[f32],
    m: usize,
    k: usize,
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "quantize_blocks";
    check_len(OP, "x", x.len(), "m*k", &[m, k])?;
    check_len(OP, "q", q.len(), "m*k", &[m, k])?;
    if !(1..=ACT_MAX).contains(&max) {
        return Err(KernelError::ActivationRange {
            op: OP,
            value: max,
            index: 0,
            max: ACT_MAX,
        });
    }
    if k == 0 {
        // k = 0 has no blocks.
        return check_len(OP, "scale", scale.len(), "m*(k/block)", &[m, 0]);
    }
    if block == 0 || !k.is_multiple_of(block) {
        return Err(KernelError::BlockDivide { op: OP, block, k });
    }
    let nb = k / block;
    check_len(OP, "scale", scale.len(), "m*(k/block)", &[m, nb])?;
    quantize_chunks(max as f32, x, block, q, scale).map_err(|i| KernelError::NonFiniteInput {
        op: OP,
        row: i / nb,
    })
}

/// [`quantize_slice`] on each `block` of `x` into `q` and `scale`; `Err(i)`: block `i` holds a
/// non-finite value. Natively on x86_64 the same code is compiled for AVX-512 and AVX2 too and
/// chosen at run time: the same operations in the same order (no FMA is introduced, maxima
/// are exact in any order), so the same bits as the baseline build's 4 lanes.
fn quantize_chunks(
    amax_q: f32,
    x: &[f32],
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512bw") {
            // SAFETY: the CPU has AVX-512 F and BW (checked just above).
            return unsafe { quantize_chunks_avx512(amax_q, x, block, q, scale) };
        }
        if has!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { quantize_chunks_avx2(amax_q, x, block, q, scale) };
        }
    }
    quantize_chunks_lanes(amax_q, x, block, q, scale)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantize_chunks_avx512(
    amax_q: f32,
    x: &[f32],
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), usize> {
    quantize_chunks_lanes(amax_q, x, block, q, scale)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_chunks_avx2(
    amax_q: f32,
    x: &[f32],
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), usize> {
    quantize_chunks_lanes(amax_q, x, block, q, scale)
}

#[inline(always)]
fn quantize_chunks_lanes(
    amax_q: f32,
    x: &[f32],
    block: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), usize> {
    for (i, ((xb, qb), s)) in x
        .chunks_exact(block)
        .zip(q.chunks_exact_mut(block))
        .zip(scale.iter_mut())
        .enumerate()
    {
        *s = quantize_slice(amax_q, xb, qb).ok_or(i)?;
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
) -> Result<(), KernelError> {
    quantize_rows_to(ACT_MAX, x, m, k, q, scale)
}

/// [`quantize_rows`] into `-max..=max` (`1..=ACT_MAX`).
pub fn quantize_rows_to(
    max: i16,
    x: &[f32],
    m: usize,
    k: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), KernelError> {
    if k == 0 {
        check_len("quantize_rows", "scale", scale.len(), "m", &[m])?;
        scale.fill(0.0);
        return quantize_blocks_to(max, x, m, k, 1, q, &mut []);
    }
    quantize_blocks_to(max, x, m, k, k, q, scale)
}

/// Quantizes `x` `[m][k]` for a [`qgemm_for`] with `w`, as `acts` says (in `relaxed-simd`
/// builds: 7 bits per [`ACT_BLOCK`]): `scale` gets `m * w.nblocks()` values (a row's scale
/// repeated per block when there is one per row).
pub fn quantize_for(
    w: &PackedWeights,
    acts: Activations,
    x: &[f32],
    m: usize,
    q: &mut [i16],
    scale: &mut [f32],
) -> Result<(), KernelError> {
    let (k, nb) = (w.k, w.nb);
    check_len("quantize_for", "scale", scale.len(), "m*nblocks", &[m, nb])?;
    if ACT_BLOCK.is_some() {
        return quantize_blocks(x, m, k, w.block, q, scale);
    }
    // One scale per row into the first m slots, then each repeated over its row's blocks, last
    // row first so that no scale is overwritten before it is read.
    let rows = scale.get_mut(..m).ok_or(KernelError::BlockDivide {
        op: "quantize_for",
        block: w.block,
        k,
    })?;
    quantize_rows_to(acts.max(), x, m, k, q, rows)?;
    for r in (0..m).rev() {
        let s = scale[r];
        scale[r * nb..(r + 1) * nb].fill(s);
    }
    Ok(())
}

/// Quantizes one block; `None` if it holds a non-finite value.
#[inline(always)]
fn quantize_slice(amax_q: f32, xr: &[f32], qr: &mut [i16]) -> Option<f32> {
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

/// `v.round_ties_even()` for `v` in `-16383.0..=16383.0`, but vectorizable (x86_64's baseline
/// has no `roundps`): adding 1.5·2²³ lands where the f32 spacing is 1, so the add rounds for us,
/// and the sum's bits are then `MAGIC`'s bits plus the rounded value (same exponent for any
/// |value| < 2²²), so an integer subtraction reads it: no float → int conversion (Rust's
/// saturating `as` cost ~10% of a native forward pass).
#[inline(always)]
fn round_small(v: f32) -> i16 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    (v + MAGIC).to_bits().wrapping_sub(MAGIC.to_bits()) as i16
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
) -> Result<(), KernelError> {
    qgemm_with(best_kernel(), xq, x_scale, m, w, bias, y)
}

/// [`qgemm`] on activations quantized as `acts` ([`quantize_for`]), with the best kernel for
/// them ([`best_kernel_for`]).
pub fn qgemm_for(
    acts: Activations,
    xq: &[i16],
    x_scale: &[f32],
    m: usize,
    w: &PackedWeights,
    bias: Option<&[f32]>,
    y: &mut [f32],
) -> Result<(), KernelError> {
    qgemm_with(best_kernel_for(acts), xq, x_scale, m, w, bias, y)
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
) -> Result<(), KernelError> {
    let out = QgemmOut {
        w,
        bias,
        y,
        act: None,
    };
    qgemm_many(kernel, xq, x_scale, m, &mut [out])
}

/// One product of [`qgemm_many`]: its weights, bias and `[m][w.n()]` output, and an
/// element-wise function (GELU) applied to the output where it was just computed.
pub struct QgemmOut<'a> {
    pub w: &'a PackedWeights,
    pub bias: Option<&'a [f32]>,
    pub y: &'a mut [f32],
    /// Applied by each task to the columns it computed (element-wise, so the same bits as on
    /// the whole output afterwards, without a serial pass over it).
    pub act: Option<fn(&mut [f32])>,
}

/// [`qgemm_with`] for each of `outs` on the same input (attention's query, key and value), as
/// one parallel region: each output is computed exactly as by its own call.
pub fn qgemm_many(
    kernel: Kernel,
    xq: &[i16],
    x_scale: &[f32],
    m: usize,
    outs: &mut [QgemmOut],
) -> Result<(), KernelError> {
    const OP: &str = "qgemm";
    let mut work = 0usize;
    for QgemmOut { w, bias, y, .. } in outs.iter() {
        check_x(OP, kernel, xq, m, w)?;
        check_len(OP, "x_scale", x_scale.len(), "m*nblocks", &[m, w.nb])?;
        if let Some(bias) = bias {
            check_len(OP, "bias", bias.len(), "n", &[w.n])?;
        }
        let mn = mul(OP, "m * n", m, w.n)?;
        check_len(OP, "y", y.len(), "m*n", &[m, w.n])?;
        work = work.saturating_add(mn.saturating_mul(w.k));
    }
    if m == 0 {
        return Ok(());
    }
    type Part<'a> = (
        &'a PackedWeights,
        Option<&'a [f32]>,
        parallel::SharedOut<'a>,
        Option<fn(&mut [f32])>,
    );
    let parts: Vec<Part> = outs
        .iter_mut()
        .map(|o| (o.w, o.bias, parallel::SharedOut::new(o.y), o.act))
        .collect();
    // The activations in the kernel's scratch format, once for every task of the region (and
    // for every product with the same K layout: Q, K and V share one), into this thread's
    // buffer (`m · kp` u16 slots per layout hold any kernel's format).
    let mut buf = PACKED.take();
    let mut at = Vec::with_capacity(parts.len());
    let mut len = 0;
    for (i, (w, ..)) in parts.iter().enumerate() {
        if i == 0 || parts[i - 1].0.layout() != w.layout() {
            len += m * w.kp;
        }
        at.push(len - m * w.kp..len);
    }
    if buf.len() < len {
        buf.resize(len, 0);
    }
    for (i, (w, ..)) in parts.iter().enumerate() {
        if i == 0 || at[i - 1] != at[i] {
            pack_x(kernel, xq, m, w, &mut buf[at[i].clone()]);
        }
    }
    let packed = &buf[..len];
    let panels: Vec<usize> = parts.iter().map(|(w, ..)| w.npanels).collect();
    parallel::for_panel_ranges_of(&panels, work, |i, panels| {
        let (w, bias, y, act) = parts[i];
        let mut epi = GemmEpilogue {
            n: w.n,
            bias,
            y,
            m0: 0,
            p: 0,
        };
        let job = Job {
            xp: &packed[at[i].clone()],
            xs: x_scale,
            m,
            w,
        };
        run(kernel, &job, panels.clone(), &mut epi);
        if let Some(act) = act {
            let (c0, c1) = (panels.start * NR, (panels.end * NR).min(w.n));
            for mi in 0..m {
                // SAFETY: this task's columns (its panels) of row mi, as the epilogue wrote.
                act(unsafe { y.part(mi * w.n + c0, c1 - c0) });
            }
        }
    });
    PACKED.give(buf);
    Ok(())
}

/// The packed activations of [`qgemm_many`]'s regions, kept from one product to the next: grown
/// to the largest input, never allocated nor zero-filled again (packing writes every value).
/// Taken out while in use: a product started meanwhile (another pass, rayon work stealing)
/// gets another.
static PACKED: Reuse<Vec<u16>> = Reuse::new(Vec::capacity, 1);

/// For tests: the raw int32 per-block sums `out[(mi * n + ni) * nblocks + b]` by `kernel`.
/// `xq` must be in `-ACT_MAX..=ACT_MAX`; an unavailable kernel is an error.
pub fn block_sums(
    kernel: Kernel,
    xq: &[i16],
    m: usize,
    w: &PackedWeights,
    out: &mut [i32],
) -> Result<(), KernelError> {
    const OP: &str = "block_sums";
    check_x(OP, kernel, xq, m, w)?;
    check_len(OP, "out", out.len(), "m*n*nblocks", &[m, w.n, w.nb])?;
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
    let mut xp = vec![0u16; m * w.kp];
    pack_x(kernel, xq, m, w, &mut xp);
    let job = Job {
        xp: &xp,
        xs: &[],
        m,
        w,
    };
    run(kernel, &job, 0..w.npanels, &mut epi);
    Ok(())
}

fn check_x(
    op: &'static str,
    kernel: Kernel,
    xq: &[i16],
    m: usize,
    w: &PackedWeights,
) -> Result<(), KernelError> {
    if !kernel.is_available() {
        let kernel = kernel.name();
        return Err(KernelError::Unavailable { op, kernel });
    }
    if w.paired && !kernel.pairs_records() {
        let kernel = kernel.name();
        return Err(KernelError::Layout { op, kernel });
    }
    check_len(op, "xq", xq.len(), "m*k", &[m, w.k])?;
    let max = kernel.act_max();
    // Branch-free so it vectorizes.
    let out_of_range = xq
        .iter()
        .fold(false, |acc, &v| acc | (v.unsigned_abs() > max as u16));
    if out_of_range {
        let index = xq
            .iter()
            .position(|&v| v.unsigned_abs() > max as u16)
            .unwrap_or(0);
        return Err(KernelError::ActivationRange {
            op,
            value: xq[index],
            index,
            max,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Driver shared by all kernels.

/// Where a tile's results go: `SCALED` ([`qgemm`]) gets the f32 tile once, summed as
/// `acc + (w_scale * x_scale) * (sum as f32)` in block order without FMA, so every kernel rounds
/// identically; otherwise ([`block_sums`]) the raw int32 sums of each block.
trait Epilogue {
    const SCALED: bool;
    /// A new tile: activation rows `m0..m0 + R`, weight panel `p`.
    fn begin(&mut self, m0: usize, p: usize);
    /// The same rows, the next weight panel (the second panel of a [`Micro::tile2`]).
    fn next_panel(&mut self);
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
    fn next_panel(&mut self) {
        self.p += 1;
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
    fn next_panel(&mut self) {
        self.p += 1;
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
    /// Plain integers (every bit pattern valid, all-zero included) aligned to at most 2 bytes:
    /// packed activations live in a `Vec<u16>` shared by every kernel ([`pack_x`]).
    type X: Copy + Default;
    /// Whether to run tiles of 2 · MR rows where there are that many (kernels with the
    /// registers for it: it halves the weight loads and conversions per multiply-add).
    const WIDE: bool = false;
    /// Whether to run two weight panels per tile where there are two ([`Micro::tile2`]: each
    /// activation load then feeds twice the multiply-adds).
    const PAIR: bool = false;
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

    /// [`Micro::tile`] on panels `p` and `p + 1`, the results of `p` first, then
    /// [`Epilogue::next_panel`] and those of `p + 1` (each panel's sums as by `tile`).
    ///
    /// # Safety
    /// As [`Micro::tile`]; panel `p + 1` must exist.
    #[inline(always)]
    unsafe fn tile2<const R: usize, E: Epilogue>(
        x: [&[Self::X]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        Self::tile::<R, E>(x, xs, w, p, epi);
        epi.next_panel();
        Self::tile::<R, E>(x, xs, w, p + 1, epi);
    }
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

/// The operands of one kernel run, checked by the caller.
struct Job<'a> {
    /// `[m][kp]` activations in the kernel's scratch format ([`pack_x`]).
    xp: &'a [u16],
    /// The activation block scales (`m * nb`), or empty when not `E::SCALED`.
    xs: &'a [f32],
    m: usize,
    w: &'a PackedWeights,
}

/// Runs `job` on weight panels `panels` only.
fn run<E: Epilogue>(kernel: Kernel, job: &Job, panels: Range<usize>, epi: &mut E) {
    // The SIMD kernels' CPU features were checked by check_x (Kernel::is_available).
    match kernel {
        Kernel::Scalar => drive::<scalar::Scalar, E>(job, panels, epi),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kernel::Simd128 => drive::<simd128::Simd128, E>(job, panels, epi),
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        Kernel::RelaxedSimd => drive::<relaxed::Relaxed, E>(job, panels, epi),
        // SAFETY (x86_64, aarch64): the kernel is available, so the CPU has its features.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { avx2::drive_avx2(job, panels, epi) },
        #[cfg(target_arch = "x86_64")]
        Kernel::AvxVnni => unsafe { avx2::drive_avx_vnni(job, panels, epi) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512Vnni => unsafe { avx512::drive_avx512_vnni(job, panels, epi) },
        #[cfg(target_arch = "x86_64")]
        Kernel::AvxVnniU8 => unsafe { vnni_u8::drive_ymm(job, panels, epi) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512VnniU8 => unsafe { vnni_u8::drive_zmm(job, panels, epi) },
        #[cfg(target_arch = "aarch64")]
        Kernel::NeonDot => unsafe { neon::drive_dot(job, panels, epi) },
        #[cfg(target_arch = "aarch64")]
        Kernel::NeonI8mm => unsafe { neon::drive_i8mm(job, panels, epi) },
        #[allow(unreachable_patterns)]
        _ => unreachable!("kernel {kernel:?} was checked to be available"),
    }
}

/// Inputs (values) from which [`pack_x`] packs blocks of rows in parallel: a batch's inputs
/// (0.4–1.6 M values); a 24-token input packs in microseconds, less than a region costs.
const PARALLEL_PACK: usize = 1 << 18;

/// `xq` (`[m][w.k]`, checked) packed for `kernel` into its scratch format, `[m][w.kp]` of
/// `Micro::X`, into `buf` (at least `m · kp` values; every value of `[m][w.kp]` is written).
/// Once per region: each task used to pack the rows it reads, so a region of 8 tasks packed
/// its input 8 times.
fn pack_x(kernel: Kernel, xq: &[i16], m: usize, w: &PackedWeights, buf: &mut [u16]) {
    match kernel {
        Kernel::Scalar => pack_all::<scalar::Scalar>(xq, m, w, buf),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kernel::Simd128 => pack_all::<simd128::Simd128>(xq, m, w, buf),
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        Kernel::RelaxedSimd => pack_all::<relaxed::Relaxed>(xq, m, w, buf),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => pack_all::<avx2::Avx2>(xq, m, w, buf),
        #[cfg(target_arch = "x86_64")]
        Kernel::AvxVnni => pack_all::<avx2::AvxVnni>(xq, m, w, buf),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512Vnni => pack_all::<avx512::Avx512Vnni>(xq, m, w, buf),
        #[cfg(target_arch = "x86_64")]
        Kernel::AvxVnniU8 => pack_all::<vnni_u8::YmmU8>(xq, m, w, buf),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512VnniU8 => pack_all::<vnni_u8::ZmmU8>(xq, m, w, buf),
        #[cfg(target_arch = "aarch64")]
        Kernel::NeonDot => pack_all::<neon::Dot>(xq, m, w, buf),
        #[cfg(target_arch = "aarch64")]
        Kernel::NeonI8mm => pack_all::<neon::I8mm>(xq, m, w, buf),
        #[allow(unreachable_patterns)]
        _ => unreachable!("kernel {kernel:?} was checked to be available"),
    }
}

/// `K::X` elements of `[m][w.kp]` as a view of `buf` (sized by [`pack_all`]).
fn x_view<'a, K: Micro>(buf: &'a [u16], m: usize, w: &PackedWeights) -> &'a [K::X] {
    let elems = m * w.kp;
    assert!(
        std::mem::align_of::<K::X>() <= 2 && buf.len() * 2 >= elems * std::mem::size_of::<K::X>(),
        "packed activations: buffer too small"
    );
    // SAFETY: in bounds and aligned (checked above); K::X is plain integers (Micro::X).
    unsafe { std::slice::from_raw_parts(buf.as_ptr().cast(), elems) }
}

fn pack_all<K: Micro>(xq: &[i16], m: usize, w: &PackedWeights, buf: &mut [u16]) {
    let (k, kp, block, bp) = (w.k, w.kp, w.block, w.bp);
    let size = std::mem::size_of::<K::X>();
    assert!(std::mem::align_of::<K::X>() <= 2 && size <= 2 && kp % 2 == 0);
    // Row r starts at byte r · kp · size: even, so at u16 r · kp · size / 2.
    let row_u16 = kp * size / 2;
    let out = parallel::SharedOut::new(&mut buf[..m * row_u16]);
    let work = if m * k >= PARALLEL_PACK {
        m * k * 16
    } else {
        0
    };
    parallel::for_panel_ranges(m, work, |rows| {
        let n = rows.end - rows.start;
        // SAFETY: rows `rows` of the buffer: this task's only.
        let part = unsafe { out.part(rows.start * row_u16, n * row_u16) };
        // SAFETY: a u16 buffer viewed as n · kp plain integers of at most 2 bytes and align 2.
        let x: &mut [K::X] =
            unsafe { std::slice::from_raw_parts_mut(part.as_mut_ptr().cast(), n * kp) };
        for (src, dst) in xq[rows.start * k..rows.end * k]
            .chunks_exact(k)
            .zip(x.chunks_exact_mut(kp))
        {
            K::pack_row(src, block, bp, dst);
        }
    });
}

/// Rows per activation chunk: a multiple of MR whose scratch is about X_CHUNK_BYTES.
fn chunk_rows(kp: usize, elem: usize, m: usize) -> usize {
    let rows = (X_CHUNK_BYTES / (kp * elem).max(1)).max(MR) / MR * MR;
    rows.min(m.div_ceil(MR) * MR).max(MR)
}

/// Loops: activation chunks of `mc` rows → weight panels `panels` (two at a time for
/// `K::PAIR`) → 8-row (`K::WIDE`) and 4-row tiles (+ a 1–3 row tail).
///
/// # Safety
/// `K::tile`'s CPU requirements must hold (always true for the cfg-gated wasm kernels and
/// Scalar; the callers of the x86_64 and aarch64 kernels check at run time).
#[inline(always)]
fn drive<K: Micro, E: Epilogue>(job: &Job, panels: Range<usize>, epi: &mut E) {
    let Job { xp, xs, m, w } = *job;
    let (kp, nb) = (w.kp, w.nb);
    debug_assert_eq!(xs.len(), if E::SCALED { m * nb } else { 0 });
    let x = x_view::<K>(xp, m, w);
    let mc = chunk_rows(kp, std::mem::size_of::<K::X>(), m);
    let mut m0 = 0;
    while m0 < m {
        let rows = mc.min(m - m0);
        let row = |r: usize| &x[(m0 + r) * kp..(m0 + r + 1) * kp];
        // Block scales of chunk row r (empty slices for raw sums).
        let sc = |r: usize| {
            if E::SCALED {
                &xs[(m0 + r) * nb..(m0 + r + 1) * nb]
            } else {
                &xs[..0]
            }
        };
        let mut p = panels.start;
        while p < panels.end {
            let pair = K::PAIR && p + 1 < panels.end;
            let mut r = 0;
            // SAFETY: see the function contract; rows are kp long; panel p + 1 exists if pair.
            unsafe {
                while K::WIDE && r + 2 * MR <= rows {
                    tile_rows::<K, E, 8>(pair, m0, r, &row, &sc, w, p, epi);
                    r += 2 * MR;
                }
                while r + MR <= rows {
                    tile_rows::<K, E, 4>(pair, m0, r, &row, &sc, w, p, epi);
                    r += MR;
                }
                match rows - r {
                    1 => tile_rows::<K, E, 1>(pair, m0, r, &row, &sc, w, p, epi),
                    2 => tile_rows::<K, E, 2>(pair, m0, r, &row, &sc, w, p, epi),
                    3 => tile_rows::<K, E, 3>(pair, m0, r, &row, &sc, w, p, epi),
                    _ => {}
                }
            }
            p += 1 + pair as usize;
        }
        m0 += rows;
    }
}

/// One tile of chunk rows `r..r + R` (chunk starting at activation row `m0`) against panel `p`,
/// or panels `p` and `p + 1` when `pair`.
///
/// # Safety
/// As [`Micro::tile`]; panel `p + 1` must exist when `pair`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn tile_rows<'a, K: Micro, E: Epilogue, const R: usize>(
    pair: bool,
    m0: usize,
    r: usize,
    row: &impl Fn(usize) -> &'a [K::X],
    sc: &impl Fn(usize) -> &'a [f32],
    w: &PackedWeights,
    p: usize,
    epi: &mut E,
) where
    K::X: 'a,
{
    epi.begin(m0 + r, p);
    let x = core::array::from_fn(|i| row(r + i));
    let s = core::array::from_fn(|i| sc(r + i));
    if pair {
        K::tile2::<R, E>(x, s, w, p, epi)
    } else {
        K::tile::<R, E>(x, s, w, p, epi)
    }
}

#[cfg(test)]
mod tests {
    /// The paired layout and back give the packed bytes again, and the paired layout is really
    /// another order (a no-op re-arrangement would pass the kernel tests on a kernel that still
    /// interleaves): odd record counts per block, one and several blocks, ragged panels.
    #[test]
    fn paired_layout_round_trips() {
        use super::{Kernel, PackedWeights};
        for (n, k, block) in [
            (9, 36, 12),
            (16, 64, 32),
            (8, 20, 20),
            (3, 8, 1),
            (17, 96, 96),
        ] {
            let q: Vec<i8> = (0..n * k).map(|i| (i * 37 % 251) as i8).collect();
            let scales = vec![0.5; n * (k / block)];
            let shared = PackedWeights::new(q, scales, n, k, block).unwrap();
            let mut w = shared.clone();
            w.set_layout_for(Kernel::Avx512VnniU8);
            assert!(w.is_paired());
            let pairs = shared.bp / super::KG / 2;
            assert_eq!(w.data != shared.data, pairs > 0, "{n}x{k}/{block}");
            w.set_layout_for(Kernel::Avx512VnniU8);
            assert!(w.is_paired(), "idempotent");
            w.set_layout_for(Kernel::Scalar);
            assert!(!w.is_paired());
            assert!(w.data == shared.data, "{n}x{k}/{block}: not restored");
        }
    }

    /// The quantization picked at run time (AVX-512 or AVX2 where the CPU has them) gives the
    /// baseline build's bits: scales and values, ties, zero and tiny blocks, both formats.
    #[test]
    fn quantize_is_the_same_bits_on_every_path() {
        let (block, blocks) = (96, 40);
        let mut x: Vec<f32> = (0..block * blocks)
            .map(|i| {
                let t = (i as f32 * 0.618_034).fract() - 0.5;
                t * 10f32.powi((i / block) as i32 % 9 - 4)
            })
            .collect();
        x[2 * block..3 * block].fill(0.0);
        x[4 * block..5 * block].iter_mut().for_each(|v| *v *= 1e-38);
        for (j, v) in x[6 * block..7 * block].iter_mut().enumerate() {
            *v = j as f32 * 0.5 - 24.0; // ties when the scale is 1
        }
        x[6 * block] = 127.0;
        for max in [super::ACT8_MAX, super::ACT_MAX] {
            let mut got = (vec![0i16; x.len()], vec![0f32; blocks]);
            let mut want = got.clone();
            super::quantize_chunks(max as f32, &x, block, &mut got.0, &mut got.1).unwrap();
            super::quantize_chunks_lanes(max as f32, &x, block, &mut want.0, &mut want.1).unwrap();
            assert_eq!(got.0, want.0, "values, max {max}");
            let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got.1), bits(&want.1), "scales, max {max}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // The AVX2 path too where AVX-512 took the call above.
                let mut avx2 = (vec![0i16; x.len()], vec![0f32; blocks]);
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe {
                    super::quantize_chunks_avx2(max as f32, &x, block, &mut avx2.0, &mut avx2.1)
                }
                .unwrap();
                assert_eq!(
                    (avx2.0, bits(&avx2.1)),
                    (want.0, bits(&want.1)),
                    "AVX2, max {max}"
                );
            }
        }
        x[5 * block + 7] = f32::NAN;
        let (mut q, mut s) = (vec![0i16; x.len()], vec![0f32; blocks]);
        assert_eq!(
            super::quantize_chunks(127.0, &x, block, &mut q, &mut s),
            Err(5)
        );
    }
}
