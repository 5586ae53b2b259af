//! x86_64 AVX-512 VNNI microkernel (selected at run time): `vpmovsxbw` + `vpdpwssd` on zmm.
//!
//! A whole 32-byte record (8 output rows × 4 k) sign-extends to 32 i16 in one zmm; the
//! activation's 4 i16 are broadcast to every qword, so i32 lane `2j + h` accumulates row j's
//! k pair h: one `vpdpwssd` per record and activation row (AVX2 needs two `vpmaddwd` and two
//! `vpaddd`). Tile: 8 activation rows × 8 outputs (`WIDE`; 4 or fewer for the last rows), two
//! zmm accumulators per row (even and odd records, for two dependency chains). At block end each
//! qword's two lanes are added (`vpsrlq` + `vpaddd`) and narrowed to the 8 sums in order
//! (`vpmovqd`), then converted and scaled as in the 256-bit kernels.

use super::avx2::{block_end, finish};
use super::{drive, pack_padded, Epilogue, Job, Micro, PackedWeights, KG, NR};
use core::arch::asm;
use core::arch::x86_64::*;

pub(super) struct Avx512Vnni;

/// Independent accumulators per activation row, each taking every CHAINS-th record:
/// `vpdpwssd`'s latency would leave the multiplier idle with one chain per row (measured at
/// 24 × 768 × 3072 on one core, 4-row tiles: 1 chain 63, 2 chains 105, 3 or 4 chains 66 GMAC/s,
/// where the accumulators no longer stay in registers; 8-row tiles: 1 chain 76, 2 chains 114).
const CHAINS: usize = 2;

/// # Safety
/// The CPU must support AVX-512 F, BW and VNNI.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn drive_avx512_vnni<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<Avx512Vnni, E>(job, panels, epi)
}

impl Micro for Avx512Vnni {
    type X = i16;
    const WIDE: bool = true;
    const PAIR: bool = true;

    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [i16]) {
        pack_padded(src, block, bp, dst, 0, |v| v);
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
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
            let mut acc = [[_mm512_setzero_si512(); R]; CHAINS];
            let mut xo = b * w.bp;
            let step = |acc: &mut [__m512i; R], wp: *const i8, xo: usize| {
                let wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256(wp as *const __m256i));
                for r in 0..R {
                    let xv = _mm512_set1_epi64((xp[r].add(xo) as *const i64).read_unaligned());
                    acc[r] = dpwssd(acc[r], wv, xv);
                }
            };
            for _ in 0..gb / CHAINS {
                for (c, a) in acc.iter_mut().enumerate() {
                    step(a, wp.add(c * NR * KG), xo + c * KG);
                }
                wp = wp.add(CHAINS * NR * KG);
                xo += CHAINS * KG;
            }
            for a in acc.iter_mut().take(gb % CHAINS) {
                step(a, wp, xo);
                wp = wp.add(NR * KG);
                xo += KG;
            }
            let v = fold_chains(&acc);
            block_end::<R, E>(v, &xs, scales.as_ptr(), b, 0, &mut facc, epi);
        }
        finish::<R, E>(&facc, epi);
    }

    /// Two panels: each broadcast activation feeds both panels' `vpdpwssd`, so a record step
    /// loads 2 weight records and R activations for 2R multiply-adds (`tile`: 1 and R for R).
    /// With 2R ≥ 16 independent accumulators one chain hides the latency; fewer rows take two.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile2<const R: usize, E: Epilogue>(
        x: [&[i16]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        let gb = w.bp / KG;
        debug_assert!(x.iter().all(|r| r.len() == w.kp));
        let scales = [w.panel_scales(p), w.panel_scales(p + 1)];
        let xp: [*const i16; R] = core::array::from_fn(|r| x[r].as_ptr());
        let chains = if R > 4 { 1 } else { 2 };
        let mut facc = [[_mm256_setzero_ps(); R]; 2];
        let mut wp = [w.panel(p).as_ptr(), w.panel(p + 1).as_ptr()];
        for b in 0..w.nb {
            // [chain][panel][row]
            let mut acc = [[[_mm512_setzero_si512(); R]; 2]; 2];
            let mut xo = b * w.bp;
            let step = |acc: &mut [[__m512i; R]; 2], wp: [*const i8; 2], xo: usize| {
                let wv = wp.map(|p| _mm512_cvtepi8_epi16(_mm256_loadu_si256(p as *const __m256i)));
                for r in 0..R {
                    let xv = _mm512_set1_epi64((xp[r].add(xo) as *const i64).read_unaligned());
                    acc[0][r] = dpwssd(acc[0][r], wv[0], xv);
                    acc[1][r] = dpwssd(acc[1][r], wv[1], xv);
                }
            };
            let mut g = 0;
            while g + chains <= gb {
                for (c, a) in acc.iter_mut().enumerate().take(chains) {
                    step(a, wp.map(|p| p.add(c * NR * KG)), xo + c * KG);
                }
                wp = wp.map(|p| p.add(chains * NR * KG));
                xo += chains * KG;
                g += chains;
            }
            if g < gb {
                step(&mut acc[0], wp, xo);
                wp = wp.map(|p| p.add(NR * KG));
            }
            for j in 0..2 {
                let v = fold_chains(&[acc[0][j], acc[1][j]]);
                block_end::<R, E>(v, &xs, scales[j].as_ptr(), b, j * NR, &mut facc[j], epi);
            }
        }
        finish::<R, E>(&facc[0], epi);
        epi.next_panel();
        finish::<R, E>(&facc[1], epi);
    }
}

/// Each row's 8 column sums from its chains' accumulators, whose lanes (2j, 2j + 1) hold
/// column j's two halves of the k range (the layout both zmm kernels accumulate in): the
/// chains added, then each lane pair added and narrowed to its low dword.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn fold_chains<const R: usize, const C: usize>(
    acc: &[[__m512i; R]; C],
) -> [__m256i; R] {
    core::array::from_fn(|r| {
        let mut s = acc[0][r];
        for a in &acc[1..] {
            s = _mm512_add_epi32(s, a[r]);
        }
        _mm512_cvtepi64_epi32(_mm512_add_epi32(s, _mm512_srli_epi64::<32>(s)))
    })
}

/// `vpdpwssd` on zmm, written as `asm!`: LLVM's generic x86-64 tuning would otherwise split
/// part of them back into `vpmaddwd` + `vpaddd` (measured: AVX2 speed).
#[inline]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn dpwssd(acc: __m512i, w: __m512i, x: __m512i) -> __m512i {
    let mut acc = acc;
    asm!("vpdpwssd {a}, {w}, {x}",
        a = inout(zmm_reg) acc, w = in(zmm_reg) w, x = in(zmm_reg) x,
        options(pure, nomem, nostack, preserves_flags));
    acc
}
