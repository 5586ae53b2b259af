//! wasm32 relaxed-SIMD microkernel: `i32x4.relaxed_dot_i8x16_i7x16_add_s`.
//!
//! The 16-byte halves of a packed record are "4 output rows × 4 k", exactly the lane shape of
//! the relaxed dot: lane j += Σ_t w[j][t] · x[t]. Activations are the i7 operand, stored as
//! `x + 64` in `1..=127` (top bit clear → the same result whether the engine reads them signed
//! or unsigned); `64 · Σ w` per row and block is subtracted at block end. Tile: 4 activation
//! rows × 8 outputs = 8 accumulators; per 4 k two weight loads and one 4-byte splat per row.

use super::{pack_padded, Epilogue, Micro, PackedWeights, KG, NR};
use core::arch::wasm32::*;

pub(super) struct Relaxed;

/// Activation offset that makes the i7 operand non-negative.
const OFFSET: i8 = 64;

impl Micro for Relaxed {
    type X = u8;

    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [u8]) {
        // src was checked to be in -63..=63. Padding is `0 + 64`; the weights there are 0.
        pack_padded(src, block, bp, dst, OFFSET as u8, |v| {
            (v + OFFSET as i16) as u8
        });
    }

    #[inline(always)]
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[u8]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        let panel = w.panel(p);
        let scales = w.panel_scales(p);
        let gb = w.bp / KG;
        debug_assert!(x.iter().all(|r| r.len() == w.kp));
        debug_assert_eq!(panel.len(), w.kp * NR);
        debug_assert_eq!(w.wsum.len(), w.npanels * w.nb * NR);
        let xp: [*const u8; R] = core::array::from_fn(|r| x[r].as_ptr());
        let mut f0 = [f32x4_splat(0.0); R];
        let mut f1 = [f32x4_splat(0.0); R];
        let mut wp = panel.as_ptr();
        for b in 0..w.nb {
            let mut a0 = [i32x4_splat(0); R];
            let mut a1 = [i32x4_splat(0); R];
            let mut xo = b * w.bp;
            for _ in 0..gb {
                let w0 = (wp as *const v128).read_unaligned();
                let w1 = (wp.add(16) as *const v128).read_unaligned();
                for r in 0..R {
                    // Compiles to v128.load32_splat.
                    let xv = u32x4_splat((xp[r].add(xo) as *const u32).read_unaligned());
                    a0[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w0, xv, a0[r]);
                    a1[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w1, xv, a1[r]);
                }
                wp = wp.add(NR * KG);
                xo += KG;
            }
            let ws = w.wsum.as_ptr().add((p * w.nb + b) * NR);
            let c0 = i32x4_shl((ws as *const v128).read_unaligned(), 6);
            let c1 = i32x4_shl((ws.add(4) as *const v128).read_unaligned(), 6);
            if E::SCALED {
                let sp = scales.as_ptr().add(b * NR);
                let s0 = (sp as *const v128).read_unaligned();
                let s1 = (sp.add(4) as *const v128).read_unaligned();
                for r in 0..R {
                    let xb = f32x4_splat(*xs[r].get_unchecked(b));
                    f0[r] = f32x4_add(
                        f0[r],
                        f32x4_mul(f32x4_mul(s0, xb), f32x4_convert_i32x4(i32x4_sub(a0[r], c0))),
                    );
                    f1[r] = f32x4_add(
                        f1[r],
                        f32x4_mul(f32x4_mul(s1, xb), f32x4_convert_i32x4(i32x4_sub(a1[r], c1))),
                    );
                }
            } else {
                let mut s = [[0i32; NR]; R];
                for r in 0..R {
                    (s[r].as_mut_ptr() as *mut v128).write_unaligned(i32x4_sub(a0[r], c0));
                    (s[r].as_mut_ptr().add(4) as *mut v128).write_unaligned(i32x4_sub(a1[r], c1));
                }
                epi.sums::<R, NR>(b, 0, &s);
            }
        }
        if E::SCALED {
            let mut acc = [[0f32; NR]; R];
            for r in 0..R {
                (acc[r].as_mut_ptr() as *mut v128).write_unaligned(f0[r]);
                (acc[r].as_mut_ptr().add(4) as *mut v128).write_unaligned(f1[r]);
            }
            epi.finish::<R>(&acc);
        }
    }
}
