//! wasm32 relaxed-SIMD microkernel: `i32x4.relaxed_dot_i8x16_i7x16_add_s`.
//!
//! The 16-byte halves of a packed record are "4 output rows × 4 k", exactly the lane shape of
//! the relaxed dot: lane j += Σ_t w[j][t] · x[t]. Activations are the i7 operand, stored as
//! `x + 64` in `1..=127` (top bit clear → same result whether the engine reads them signed or
//! unsigned); `64 · Σ w` per row and block is subtracted at block end. Tile: 4 activation rows ×
//! 8 outputs = 8 accumulators, two weight loads and one `load32_splat` per row per 4 k.

use super::{pack_padded, Epilogue, Micro, PackedWeights, KG, NR};
use core::arch::wasm32::*;

pub(super) struct Relaxed;

/// Activation offset that makes the i7 operand non-negative.
const OFFSET: i8 = 64;

impl Micro for Relaxed {
    type X = u8;

    fn pack_row(src: &[i8], block: usize, bp: usize, dst: &mut [u8]) {
        // src was checked to be in -63..=63. Padding is `0 + 64`; the weights there are 0.
        pack_padded(src, block, bp, dst, OFFSET as u8, |v| (v + OFFSET) as u8);
    }

    #[inline(always)]
    unsafe fn tile<const R: usize, E: Epilogue>(x: [&[u8]; R], w: &PackedWeights, p: usize, epi: &mut E) {
        let panel = w.panel(p);
        let gb = w.bp / KG;
        debug_assert!(x.iter().all(|r| r.len() == w.kp));
        debug_assert_eq!(panel.len(), w.kp * NR);
        let xp: [*const u8; R] = core::array::from_fn(|r| x[r].as_ptr());
        for b in 0..w.nb {
            let mut a0 = [i32x4_splat(0); R];
            let mut a1 = [i32x4_splat(0); R];
            let mut wp = panel.as_ptr().add(b * gb * NR * KG);
            let mut xo = b * w.bp;
            for _ in 0..gb {
                let w0 = v128_load(wp as *const v128);
                let w1 = v128_load(wp.add(16) as *const v128);
                for r in 0..R {
                    let xv = v128_load32_splat(xp[r].add(xo) as *const u32);
                    a0[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w0, xv, a0[r]);
                    a1[r] = i32x4_relaxed_dot_i8x16_i7x16_add(w1, xv, a1[r]);
                }
                wp = wp.add(NR * KG);
                xo += KG;
            }
            let ws = w.wsum.as_ptr().add((p * w.nb + b) * NR);
            let c0 = i32x4_shl(v128_load(ws as *const v128), 6);
            let c1 = i32x4_shl(v128_load(ws.add(4) as *const v128), 6);
            let mut s = [[0i32; NR]; R];
            for r in 0..R {
                v128_store(s[r].as_mut_ptr() as *mut v128, i32x4_sub(a0[r], c0));
                v128_store(s[r].as_mut_ptr().add(4) as *mut v128, i32x4_sub(a1[r], c1));
            }
            epi.block::<R>(b, &s);
        }
    }
}
