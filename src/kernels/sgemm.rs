//! f32 GEMM for unquantized linear layers in wasm: `y = x · Wᵀ + bias` with `W` packed once at
//! load, since candle re-packs it every call (docs/architecture.md, "f32 in wasm"). Scalar and
//! SIMD128 add in the same order (k ascending, no FMA), so they agree bit for bit.

use super::error::{check_len, KernelError};
use super::parallel::{for_panel_ranges, SharedOut};
use super::NR;

/// Whether the model runs f32 linears on this kernel (wasm32 with SIMD128) or on
/// candle's matmul (everywhere else).
pub const PACKED_F32: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// K values per chunk: an 8-row panel chunk is 8 KiB, kept in L1 while every row tile reuses
/// it; partial sums wait in `y` between chunks.
const KC: usize = 256;
/// Activation rows per register tile.
const MR: usize = 4;

/// `W` `[n][k]` in panels of [`NR`] rows, k-major: `panel[kk * NR + j] = W[n0 + j][kk]`, rows
/// past `n` zero.
pub struct PackedF32 {
    n: usize,
    k: usize,
    panels: Vec<f32>,
}

impl PackedF32 {
    /// Packs row-major `w` of `n` rows × `k` columns.
    pub fn new(w: &[f32], n: usize, k: usize) -> Result<Self, KernelError> {
        const OP: &str = "sgemm";
        check_len(OP, "w", w.len(), "n*k", &[n, k])?;
        if n == 0 || k == 0 {
            return Err(KernelError::Empty { op: OP, n, k });
        }
        let np = n.div_ceil(NR);
        let mut panels = vec![0f32; np * k * NR];
        for (row, src) in w.chunks_exact(k).enumerate() {
            let panel = &mut panels[(row / NR) * k * NR..][..k * NR];
            for (kk, &v) in src.iter().enumerate() {
                panel[kk * NR + row % NR] = v;
            }
        }
        Ok(Self { n, k, panels })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn k(&self) -> usize {
        self.k
    }

    fn panel(&self, p: usize) -> &[f32] {
        &self.panels[p * self.k * NR..][..self.k * NR]
    }
}

/// The kernels, for tests: [`sgemm`] uses the best one built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SgemmKernel {
    Scalar,
    Simd128,
}

impl SgemmKernel {
    /// Lower-case name, as in error messages.
    pub fn name(self) -> &'static str {
        match self {
            SgemmKernel::Scalar => "scalar",
            SgemmKernel::Simd128 => "simd128",
        }
    }

    /// Whether this build has the kernel.
    pub fn is_available(self) -> bool {
        match self {
            SgemmKernel::Scalar => true,
            SgemmKernel::Simd128 => PACKED_F32,
        }
    }
}

/// The best kernel of this build (the one [`sgemm`] runs).
const BEST: SgemmKernel = if PACKED_F32 {
    SgemmKernel::Simd128
} else {
    SgemmKernel::Scalar
};

pub fn sgemm_kernels() -> Vec<SgemmKernel> {
    [SgemmKernel::Scalar, SgemmKernel::Simd128]
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

/// `y[m][n] = x[m][k] · Wᵀ + bias` with the best kernel of this build.
pub fn sgemm(
    x: &[f32],
    m: usize,
    w: &PackedF32,
    bias: &[f32],
    y: &mut [f32],
) -> Result<(), KernelError> {
    sgemm_with(BEST, x, m, w, bias, y)
}

/// [`sgemm`] with a chosen kernel; every kernel gives the same bits.
pub fn sgemm_with(
    kernel: SgemmKernel,
    x: &[f32],
    m: usize,
    w: &PackedF32,
    bias: &[f32],
    y: &mut [f32],
) -> Result<(), KernelError> {
    const OP: &str = "sgemm";
    let (n, k) = (w.n, w.k);
    check_len(OP, "x", x.len(), "m*k", &[m, k])?;
    check_len(OP, "bias", bias.len(), "n", &[n])?;
    check_len(OP, "y", y.len(), "m*n", &[m, n])?;
    if !kernel.is_available() {
        let kernel = kernel.name();
        return Err(KernelError::Unavailable { op: OP, kernel });
    }
    for row in y.chunks_exact_mut(n) {
        row.copy_from_slice(bias);
    }
    let y = SharedOut::new(y);
    let work = m.saturating_mul(n).saturating_mul(k);
    // Tasks own disjoint panels (output columns); each output still adds its K chunks in
    // ascending order, so the split changes no bit.
    for_panel_ranges(n.div_ceil(NR), work, |panels| {
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            for p in panels.clone() {
                let panel = &w.panel(p)[k0 * NR..(k0 + kc) * NR];
                let n0 = p * NR;
                let cols = NR.min(n - n0);
                let mut m0 = 0;
                while m0 < m {
                    let rows = MR.min(m - m0);
                    let xs = &x[m0 * k + k0..];
                    let acc = match (kernel, rows) {
                        (SgemmKernel::Scalar, _) => scalar_tile(xs, k, rows, kc, panel),
                        (SgemmKernel::Simd128, 4) => simd_tile::<4>(xs, k, kc, panel),
                        (SgemmKernel::Simd128, 3) => simd_tile::<3>(xs, k, kc, panel),
                        (SgemmKernel::Simd128, 2) => simd_tile::<2>(xs, k, kc, panel),
                        (SgemmKernel::Simd128, _) => simd_tile::<1>(xs, k, kc, panel),
                    };
                    for (r, a) in acc.iter().enumerate().take(rows) {
                        // SAFETY: row m0 + r, columns of panel p, which only this task owns.
                        let yr = unsafe { y.part((m0 + r) * n + n0, cols) };
                        for (yv, &av) in yr.iter_mut().zip(a) {
                            *yv += av;
                        }
                    }
                    m0 += rows;
                }
            }
        }
    });
    Ok(())
}

/// `x[r][0..kc] · panel` for `rows` rows (row stride `ldx`); rows past `rows` are zero.
fn scalar_tile(x: &[f32], ldx: usize, rows: usize, kc: usize, panel: &[f32]) -> [[f32; NR]; MR] {
    let mut out = [[0f32; NR]; MR];
    for (r, acc) in out.iter_mut().enumerate().take(rows) {
        for (kk, w) in panel.chunks_exact(NR).take(kc).enumerate() {
            let xv = x[r * ldx + kk];
            for j in 0..NR {
                acc[j] += xv * w[j];
            }
        }
    }
    out
}

/// `x[r][0..kc] · panel` for `R` rows (row stride `ldx`); rows past `R` are zero.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn simd_tile<const R: usize>(x: &[f32], ldx: usize, kc: usize, panel: &[f32]) -> [[f32; NR]; MR] {
    use core::arch::wasm32::*;
    assert!(R <= MR && panel.len() >= kc * NR && x.len() >= (R - 1) * ldx + kc);
    let mut lo = [f32x4_splat(0.0); R];
    let mut hi = [f32x4_splat(0.0); R];
    let wp = panel.as_ptr();
    let xp = x.as_ptr();
    // SAFETY: the asserts above bound every read: k < kc, r < R.
    unsafe {
        for kk in 0..kc {
            let w0 = (wp.add(kk * NR) as *const v128).read_unaligned();
            let w1 = (wp.add(kk * NR + 4) as *const v128).read_unaligned();
            for r in 0..R {
                let xv = f32x4_splat(*xp.add(r * ldx + kk));
                lo[r] = f32x4_add(lo[r], f32x4_mul(xv, w0));
                hi[r] = f32x4_add(hi[r], f32x4_mul(xv, w1));
            }
        }
    }
    let mut out = [[0f32; NR]; MR];
    for r in 0..R {
        // SAFETY: a row of out holds 8 f32 = two v128.
        unsafe {
            (out[r].as_mut_ptr() as *mut v128).write_unaligned(lo[r]);
            (out[r].as_mut_ptr().add(4) as *mut v128).write_unaligned(hi[r]);
        }
    }
    out
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn simd_tile<const R: usize>(_: &[f32], _: usize, _: usize, _: &[f32]) -> [[f32; NR]; MR] {
    unreachable!("sgemm_with rejects kernels this build lacks")
}
