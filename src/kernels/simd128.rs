//! wasm32 SIMD128 microkernel: `i32x4.dot_i16x8_s` on sign-extended int8.
//!
//! Per K-block and panel half (4 output rows), for each group of 4 k: one 16-byte weight load
//! (4 rows × 4 k), `extend_low/high` to i16x8 (rows 0–1 / rows 2–3, 4 k each), and per
//! activation row one `v128.load64_splat` of its 4 i16 values. `dot(w_lo, x)` gives
//! `[r0 k01, r0 k23, r1 k01, r1 k23]`, so each (activation row, half) keeps two i32x4
//! accumulators — 8 for a 4-row tile, leaving registers for the operands (x64 has 16).
//! At block end the pairs are folded with two shuffles + one add.

use super::{pack_padded, Epilogue, Micro, PackedWeights, KG, NR};
use core::arch::wasm32::*;

pub(super) struct Simd128;

impl Micro for Simd128 {
    type X = i16;

    fn pack_row(src: &[i8], block: usize, bp: usize, dst: &mut [i16]) {
        pack_padded(src, block, bp, dst, 0, |v| v as i16);
    }

    #[inline(always)]
    unsafe fn tile<const R: usize, E: Epilogue>(x: [&[i16]; R], w: &PackedWeights, p: usize, epi: &mut E) {
        let panel = w.panel(p);
        let gb = w.bp / KG;
        debug_assert!(x.iter().all(|r| r.len() == w.kp));
        debug_assert_eq!(panel.len(), w.kp * NR);
        let xp: [*const i16; R] = core::array::from_fn(|r| x[r].as_ptr());
        for b in 0..w.nb {
            let mut s = [[0i32; NR]; R];
            for h in 0..2 {
                let mut lo = [i32x4_splat(0); R];
                let mut hi = [i32x4_splat(0); R];
                let mut wp = panel.as_ptr().add(b * gb * NR * KG + h * 16);
                let mut xo = b * w.bp;
                for _ in 0..gb {
                    let wv = v128_load(wp as *const v128);
                    let wl = i16x8_extend_low_i8x16(wv);
                    let wh = i16x8_extend_high_i8x16(wv);
                    for r in 0..R {
                        let xv = v128_load64_splat(xp[r].add(xo) as *const u64);
                        lo[r] = i32x4_add(lo[r], i32x4_dot_i16x8(wl, xv));
                        hi[r] = i32x4_add(hi[r], i32x4_dot_i16x8(wh, xv));
                    }
                    wp = wp.add(NR * KG);
                    xo += KG;
                }
                for r in 0..R {
                    let even = i32x4_shuffle::<0, 2, 4, 6>(lo[r], hi[r]);
                    let odd = i32x4_shuffle::<1, 3, 5, 7>(lo[r], hi[r]);
                    v128_store(s[r].as_mut_ptr().add(h * 4) as *mut v128, i32x4_add(even, odd));
                }
            }
            epi.block::<R>(b, &s);
        }
    }
}
