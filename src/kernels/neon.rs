//! aarch64 microkernels (selected at run time): `sdot` (dotprod) and `smmla` (i8mm).
//!
//! Both multiply int8 by int8, and activations have 15 bits, so each activation is split into
//! two int8 halves, `x = 256·h + l` with `h = (x + 128) >> 8` in `-64..=64` and `l` in
//! `-128..=127`; a block's sum is `256·Σ h·w + Σ l·w`, exact in (wrapping) int32 because the
//! true sum fits (see `MAX_BLOCK`). Two int8 products per multiply-add, but `sdot` does 16 of
//! them per instruction and `smmla` 32 (a widening `smlal` does 4), and the weights need no
//! widening. The scratch row holds, per `span` k, the `span` h bytes then the `span` l bytes.
//!
//! `sdot`: a 16-byte half record (4 output rows × 4 k) against the 4 h (or l) bytes of one
//! activation row broadcast to every lane (`ld1r`) gives 4 rows' partial sums; tile 4 rows ×
//! 8 outputs × {h, l} = 16 accumulators.
//!
//! `smmla`: `C[2×2] += A[2×8] · B[2×8]ᵀ`. Two consecutive records (k 0..3 and 4..7) zipped by
//! 32-bit lanes give each weight row pair's 8 k (`zip1`/`zip2`); two activation rows' 8 h (or
//! l) bytes form A. Blocks are padded to a multiple of 8 k on aarch64 (`BLOCK_ALIGN`), so
//! records come in pairs. The 2 × 2 results are regrouped into rows at block end
//! (`zip1`/`zip2` on 64-bit lanes).
//!
//! The instructions are written with `asm!`: their intrinsics are not stable Rust yet.

use super::{drive, Epilogue, Job, Micro, PackedWeights, KG, NR};
use core::arch::aarch64::*;
use core::arch::asm;

pub(super) struct Dot;
pub(super) struct I8mm;

/// # Safety
/// The CPU must support `dotprod`.
#[target_feature(enable = "neon,dotprod")]
pub(super) unsafe fn drive_dot<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<Dot, E>(job, panels, epi)
}

/// # Safety
/// The CPU must support `i8mm`.
#[target_feature(enable = "neon,i8mm")]
pub(super) unsafe fn drive_i8mm<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<I8mm, E>(job, panels, epi)
}

/// Splits `src` (values in `-16383..=16383`) into h and l bytes, block by block padded to
/// `bp` (zeros), laid out per `span` k as `span` h bytes then `span` l bytes.
fn pack_split(src: &[i16], block: usize, bp: usize, dst: &mut [[i8; 2]], span: usize) {
    debug_assert!(bp.is_multiple_of(span) && dst.len() * 2 == src.len() / block * bp * 2);
    let mut set = |i: usize, v: i8| dst[i / 2][i % 2] = v;
    for (b, s) in src.chunks_exact(block).enumerate() {
        for t in 0..bp {
            let kk = b * bp + t;
            let x = s.get(t).copied().unwrap_or(0);
            let h = (x + 128) >> 8;
            let l = x - (h << 8);
            let at = kk / span * 2 * span + kk % span;
            set(at, h as i8);
            set(at + span, l as i8);
        }
    }
}

#[inline(always)]
unsafe fn sdot(acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t {
    let mut acc = acc;
    asm!("sdot {a:v}.4s, {w:v}.16b, {x:v}.16b",
        a = inout(vreg) acc, w = in(vreg) w, x = in(vreg) x,
        options(pure, nomem, nostack, preserves_flags));
    acc
}

#[inline(always)]
unsafe fn smmla(acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    let mut acc = acc;
    asm!("smmla {c:v}.4s, {a:v}.16b, {b:v}.16b",
        c = inout(vreg) acc, a = in(vreg) a, b = in(vreg) b,
        options(pure, nomem, nostack, preserves_flags));
    acc
}

/// `256·h + l`, wrapping (the true value fits).
#[inline(always)]
unsafe fn join(h: int32x4_t, l: int32x4_t) -> int32x4_t {
    vaddq_s32(vshlq_n_s32::<8>(h), l)
}

/// The shared epilogue of one block: `s[r]` holds row r's 8 sums (two int32x4).
#[inline(always)]
unsafe fn block_end<const R: usize, E: Epilogue>(
    s: [[int32x4_t; 2]; R],
    xs: &[&[f32]; R],
    sc: *const f32,
    b: usize,
    facc: &mut [[float32x4_t; 2]; R],
    epi: &mut E,
) {
    if E::SCALED {
        let sc = [vld1q_f32(sc), vld1q_f32(sc.add(4))];
        for r in 0..R {
            let xb = vdupq_n_f32(*xs[r].get_unchecked(b));
            for h in 0..2 {
                let t = vmulq_f32(sc[h], xb);
                facc[r][h] = vaddq_f32(facc[r][h], vmulq_f32(t, vcvtq_f32_s32(s[r][h])));
            }
        }
    } else {
        let mut out = [[0i32; NR]; R];
        for r in 0..R {
            vst1q_s32(out[r].as_mut_ptr(), s[r][0]);
            vst1q_s32(out[r].as_mut_ptr().add(4), s[r][1]);
        }
        epi.sums::<R, NR>(b, 0, &out);
    }
}

#[inline(always)]
unsafe fn finish<const R: usize, E: Epilogue>(facc: &[[float32x4_t; 2]; R], epi: &mut E) {
    if E::SCALED {
        let mut acc = [[0f32; NR]; R];
        for r in 0..R {
            vst1q_f32(acc[r].as_mut_ptr(), facc[r][0]);
            vst1q_f32(acc[r].as_mut_ptr().add(4), facc[r][1]);
        }
        epi.finish::<R>(&acc);
    }
}

impl Micro for Dot {
    type X = [i8; 2];

    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [[i8; 2]]) {
        pack_split(src, block, bp, dst, KG);
    }

    #[inline]
    #[target_feature(enable = "neon,dotprod")]
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[[i8; 2]]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        let panel = w.panel(p);
        let gb = w.bp / KG;
        debug_assert!(x.iter().all(|r| r.len() == w.kp));
        debug_assert_eq!(panel.len(), w.kp * NR);
        let scales = w.panel_scales(p);
        let xp: [*const i32; R] = core::array::from_fn(|r| x[r].as_ptr() as *const i32);
        let zero = vdupq_n_s32(0);
        let mut facc = [[vdupq_n_f32(0.0); 2]; R];
        let mut wp = panel.as_ptr();
        for b in 0..w.nb {
            // [row][half][h, l]
            let mut acc = [[[zero; 2]; 2]; R];
            // In i32 units: a group of 4 k is 8 bytes (4 h, 4 l).
            let mut xo = b * w.bp / 2;
            for _ in 0..gb {
                let w0 = vld1q_s8(wp);
                let w1 = vld1q_s8(wp.add(16));
                for r in 0..R {
                    let xh = vreinterpretq_s8_s32(vld1q_dup_s32(xp[r].add(xo)));
                    let xl = vreinterpretq_s8_s32(vld1q_dup_s32(xp[r].add(xo + 1)));
                    acc[r][0][0] = sdot(acc[r][0][0], w0, xh);
                    acc[r][0][1] = sdot(acc[r][0][1], w0, xl);
                    acc[r][1][0] = sdot(acc[r][1][0], w1, xh);
                    acc[r][1][1] = sdot(acc[r][1][1], w1, xl);
                }
                wp = wp.add(NR * KG);
                xo += 2;
            }
            let s = core::array::from_fn(|r| {
                let a = &acc[r];
                [join(a[0][0], a[0][1]), join(a[1][0], a[1][1])]
            });
            block_end::<R, E>(s, &xs, scales.as_ptr().add(b * NR), b, &mut facc, epi);
        }
        finish::<R, E>(&facc, epi);
    }
}

impl Micro for I8mm {
    type X = [i8; 2];

    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [[i8; 2]]) {
        pack_split(src, block, bp, dst, 2 * KG);
    }

    #[inline]
    #[target_feature(enable = "neon,i8mm")]
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[[i8; 2]]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        let panel = w.panel(p);
        debug_assert!(w.bp.is_multiple_of(2 * KG));
        let pairs = w.bp / (2 * KG);
        debug_assert!(x.iter().all(|r| r.len() == w.kp));
        debug_assert_eq!(panel.len(), w.kp * NR);
        let scales = w.panel_scales(p);
        let xp: [*const i8; R] = core::array::from_fn(|r| x[r].as_ptr() as *const i8);
        // Row pairs; an odd last row is paired with itself and its twin discarded.
        let pr = |i: usize, r: usize| xp[(2 * i + r).min(R - 1)];
        let zero = vdupq_n_s32(0);
        let mut facc = [[vdupq_n_f32(0.0); 2]; R];
        let mut wp = panel.as_ptr();
        for b in 0..w.nb {
            // [row pair (≤ 2)][weight row pair][h, l]
            let mut acc = [[[zero; 2]; 4]; 2];
            // Bytes: 8 k are 16 bytes (8 h, 8 l).
            let mut xo = b * w.bp * 2;
            for _ in 0..pairs {
                let q = [
                    vreinterpretq_s32_s8(vld1q_s8(wp)),
                    vreinterpretq_s32_s8(vld1q_s8(wp.add(16))),
                    vreinterpretq_s32_s8(vld1q_s8(wp.add(32))),
                    vreinterpretq_s32_s8(vld1q_s8(wp.add(48))),
                ];
                // Weight rows (0,1), (2,3), (4,5), (6,7) × k 0..7.
                let wv = [
                    vreinterpretq_s8_s32(vzip1q_s32(q[0], q[2])),
                    vreinterpretq_s8_s32(vzip2q_s32(q[0], q[2])),
                    vreinterpretq_s8_s32(vzip1q_s32(q[1], q[3])),
                    vreinterpretq_s8_s32(vzip2q_s32(q[1], q[3])),
                ];
                for (i, ai) in acc.iter_mut().enumerate().take(R.div_ceil(2)) {
                    let (r0, r1) = (pr(i, 0), pr(i, 1));
                    let ah = vcombine_s8(vld1_s8(r0.add(xo)), vld1_s8(r1.add(xo)));
                    let al = vcombine_s8(vld1_s8(r0.add(xo + 8)), vld1_s8(r1.add(xo + 8)));
                    for (aw, &wj) in ai.iter_mut().zip(&wv) {
                        aw[0] = smmla(aw[0], ah, wj);
                        aw[1] = smmla(aw[1], al, wj);
                    }
                }
                wp = wp.add(2 * NR * KG);
                xo += 16;
            }
            let s: [[int32x4_t; 2]; R] = core::array::from_fn(|r| {
                let a = &acc[r / 2];
                // a[j] = [[r0 w2j, r0 w2j+1], [r1 w2j, r1 w2j+1]] as 64-bit lanes.
                let v = |j: usize| vreinterpretq_s64_s32(join(a[j][0], a[j][1]));
                let pick = |lo: int64x2_t, hi: int64x2_t| {
                    vreinterpretq_s32_s64(if r % 2 == 0 {
                        vzip1q_s64(lo, hi)
                    } else {
                        vzip2q_s64(lo, hi)
                    })
                };
                [pick(v(0), v(1)), pick(v(2), v(3))]
            });
            block_end::<R, E>(s, &xs, scales.as_ptr().add(b * NR), b, &mut facc, epi);
        }
        finish::<R, E>(&facc, epi);
    }
}
