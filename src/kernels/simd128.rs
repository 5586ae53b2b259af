//! wasm32 SIMD128 microkernel: `i32x4.dot_i16x8_s` on sign-extended int8.
//!
//! A panel is done in two passes of 4 output rows (one 16-byte half of each record). Per group
//! of 4 k: one weight load (4 rows × 4 k), `extend_low/high` to i16x8 (rows 0–1 / 2–3, 4 k
//! each), and per activation row one 8-byte splat of its 4 i16 values. `dot(w_lo, x)` gives
//! `[r0 k01, r0 k23, r1 k01, r1 k23]`, so each activation row keeps two i32x4 accumulators —
//! 8 for the 4-row tile, plus 4 f32x4 block-scaled accumulators, which fits x64's 16 vector
//! registers. At block end the pairs are folded with two shuffles + one add, converted to f32
//! and scaled.

use super::{pack_padded, Epilogue, Micro, PackedWeights, KG, NR};
use core::arch::wasm32::*;

pub(super) struct Simd128;

impl Micro for Simd128 {
    type X = i16;

    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [i16]) {
        pack_padded(src, block, bp, dst, 0, |v| v);
    }

    #[inline(always)]
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[i16]; R],
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
        debug_assert_eq!(scales.len(), w.nb * NR);
        let xp: [*const i16; R] = core::array::from_fn(|r| x[r].as_ptr());
        let mut acc = [[0f32; NR]; R];
        for h in 0..2 {
            let mut facc = [f32x4_splat(0.0); R];
            let mut wp = panel.as_ptr().add(h * 16);
            for b in 0..w.nb {
                let mut lo = [i32x4_splat(0); R];
                let mut hi = [i32x4_splat(0); R];
                let mut xo = b * w.bp;
                for _ in 0..gb {
                    let wv = (wp as *const v128).read_unaligned();
                    let wl = i16x8_extend_low_i8x16(wv);
                    let wh = i16x8_extend_high_i8x16(wv);
                    for r in 0..R {
                        // Compiles to v128.load64_splat; read_unaligned so no alignment is assumed.
                        let xv = u64x2_splat((xp[r].add(xo) as *const u64).read_unaligned());
                        lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                        hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                    }
                    wp = wp.add(NR * KG);
                    xo += KG;
                }
                let mut s = [[0i32; 4]; R];
                let sc = (scales.as_ptr().add(b * NR + h * 4) as *const v128).read_unaligned();
                for r in 0..R {
                    let even = i32x4_shuffle::<0, 2, 4, 6>(lo[r], hi[r]);
                    let odd = i32x4_shuffle::<1, 3, 5, 7>(lo[r], hi[r]);
                    let sum = i32x4_add(even, odd);
                    if E::SCALED {
                        let t = f32x4_mul(sc, f32x4_splat(*xs[r].get_unchecked(b)));
                        facc[r] = f32x4_add(facc[r], f32x4_mul(t, f32x4_convert_i32x4(sum)));
                    } else {
                        (s[r].as_mut_ptr() as *mut v128).write_unaligned(sum);
                    }
                }
                if !E::SCALED {
                    epi.sums::<R, 4>(b, h * 4, &s);
                }
            }
            for r in 0..R {
                (acc[r].as_mut_ptr().add(h * 4) as *mut v128).write_unaligned(facc[r]);
            }
        }
        if E::SCALED {
            epi.finish::<R>(&acc);
        }
    }
}
