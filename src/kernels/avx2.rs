//! x86_64 256-bit microkernels (selected at run time): AVX2 `vpmovsxbw` + `vpmaddwd` +
//! `vpaddd`, and AVX-VNNI, where `vpdpwssd` fuses the multiply-add and the accumulation.
//!
//! A 16-byte half record (4 output rows × 4 k) sign-extends to 16 i16; the activation's 4 i16
//! are broadcast (`vpbroadcastq`), and the i16 dot gives `[r0 k01, r0 k23, r1 k01, r1 k23 |
//! r2 …, r3 …]`. Tile: 4 activation rows × 8 outputs = 8 ymm accumulators. At block end
//! `vphaddd` of the two halves + one `vpermq` yields the 8 sums in order, which are converted
//! and scaled into 4 f32 ymm accumulators. The two kernels differ only in the dot step, so one
//! macro writes both (each compiled with its own target features).

use super::{drive, pack_padded, Epilogue, Job, Micro, PackedWeights, KG, NR};
use core::arch::x86_64::*;

pub(super) struct Avx2;
pub(super) struct AvxVnni;

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn drive_avx2<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<Avx2, E>(job, panels, epi)
}

/// # Safety
/// The CPU must support AVX2 and AVX-VNNI.
#[target_feature(enable = "avx2,avxvnni")]
pub(super) unsafe fn drive_avx_vnni<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<AvxVnni, E>(job, panels, epi)
}

/// `impl Micro` for a 256-bit kernel: `$dot(acc, w, x)` is `acc + i16-pair dot(w, x)` per
/// i32 lane, compiled with `$features`.
macro_rules! ymm_kernel {
    ($kernel:ty, $features:literal, $dot:ident) => {
        impl Micro for $kernel {
            type X = i16;

            fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [i16]) {
                pack_padded(src, block, bp, dst, 0, |v| v);
            }

            #[inline]
            #[target_feature(enable = $features)]
            unsafe fn tile<const R: usize, E: Epilogue>(
                x: [&[i16]; R],
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
                let xp: [*const i16; R] = core::array::from_fn(|r| x[r].as_ptr());
                let mut facc = [_mm256_setzero_ps(); R];
                let mut wp = panel.as_ptr();
                for b in 0..w.nb {
                    let mut a0 = [_mm256_setzero_si256(); R];
                    let mut a1 = [_mm256_setzero_si256(); R];
                    let mut xo = b * w.bp;
                    for _ in 0..gb {
                        let w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(wp as *const __m128i));
                        let w1 =
                            _mm256_cvtepi8_epi16(_mm_loadu_si128(wp.add(16) as *const __m128i));
                        for r in 0..R {
                            let xv =
                                _mm256_set1_epi64x((xp[r].add(xo) as *const i64).read_unaligned());
                            a0[r] = $dot(a0[r], w0, xv);
                            a1[r] = $dot(a1[r], w1, xv);
                        }
                        wp = wp.add(NR * KG);
                        xo += KG;
                    }
                    let v: [__m256i; R] = core::array::from_fn(|r| {
                        // [n0, n1, n4, n5 | n2, n3, n6, n7] -> [n0 .. n7]
                        let h = _mm256_hadd_epi32(a0[r], a1[r]);
                        _mm256_permute4x64_epi64::<0b11_01_10_00>(h)
                    });
                    block_end::<R, E>(v, &xs, scales.as_ptr(), b, 0, &mut facc, epi);
                }
                finish::<R, E>(&facc, epi);
            }
        }
    };
}

ymm_kernel!(Avx2, "avx2", madd_add);
ymm_kernel!(AvxVnni, "avx2,avxvnni", dpwssd);

#[inline]
#[target_feature(enable = "avx2")]
unsafe fn madd_add(acc: __m256i, w: __m256i, x: __m256i) -> __m256i {
    _mm256_add_epi32(acc, _mm256_madd_epi16(w, x))
}

/// `vpdpwssd` (VEX) as `asm!`: LLVM's generic x86-64 tuning splits some back into
/// `vpmaddwd` + `vpaddd`.
#[inline]
#[target_feature(enable = "avx2,avxvnni")]
unsafe fn dpwssd(acc: __m256i, w: __m256i, x: __m256i) -> __m256i {
    let mut acc = acc;
    core::arch::asm!("{{vex}} vpdpwssd {a}, {w}, {x}",
        a = inout(ymm_reg) acc, w = in(ymm_reg) w, x = in(ymm_reg) x,
        options(pure, nomem, nostack, preserves_flags));
    acc
}

/// The end of block `b`, with row r's 8 sums in `v[r]`: scaled into `facc[r]` (`E::SCALED`,
/// the shared epilogue order) or handed over raw as the tile panel's columns `j0..j0 + NR`
/// (`j0` = NR: the second panel of a pair tile). Also the 512-bit kernels'.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn block_end<const R: usize, E: Epilogue>(
    v: [__m256i; R],
    xs: &[&[f32]; R],
    scales: *const f32,
    b: usize,
    j0: usize,
    facc: &mut [__m256; R],
    epi: &mut E,
) {
    if E::SCALED {
        let sc = _mm256_loadu_ps(scales.add(b * NR));
        for r in 0..R {
            let t = _mm256_mul_ps(sc, _mm256_set1_ps(*xs[r].get_unchecked(b)));
            facc[r] = _mm256_add_ps(facc[r], _mm256_mul_ps(t, _mm256_cvtepi32_ps(v[r])));
        }
    } else {
        let mut s = [[0i32; NR]; R];
        for r in 0..R {
            _mm256_storeu_si256(s[r].as_mut_ptr() as *mut __m256i, v[r]);
        }
        epi.sums::<R, NR>(b, j0, &s);
    }
}

/// Hands the tile's f32 results to the epilogue (`E::SCALED` only).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn finish<const R: usize, E: Epilogue>(facc: &[__m256; R], epi: &mut E) {
    if E::SCALED {
        let mut acc = [[0f32; NR]; R];
        for r in 0..R {
            _mm256_storeu_ps(acc[r].as_mut_ptr(), facc[r]);
        }
        epi.finish::<R>(&acc);
    }
}
