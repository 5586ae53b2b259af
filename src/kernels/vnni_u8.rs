//! x86_64 `vpdpbusd` microkernels for 8-bit activations ([`super::Activations::Bits8`]),
//! selected at run time: AVX-VNNI on ymm and AVX-512 VNNI on zmm.
//!
//! `vpdpbusd` multiplies unsigned bytes by signed bytes, 4 per i32 lane: 64 products per zmm
//! instruction, twice `vpdpwssd`'s, and the weights need no widening. The activations
//! (`-127..=127`) are stored as `x + 128` (`1..=255`, padding `128`, where the weights are 0), and
//! `128 · Σw` per row and block (`PackedWeights::wsum`, computed at packing) is subtracted at
//! block end: `Σ (x + 128) · w − 128 · Σ w = Σ x · w`, exact in int32 (no saturating step:
//! `vpdpbusd`, unlike `vpmaddubsw`, adds its four products in 32 bits). So these kernels give the
//! scalar kernel's int32 sums bit for bit on the same 8-bit activations.
//!
//! ymm: a 32-byte record (8 output rows × 4 k) against the activation's 4 bytes broadcast
//! (`vpbroadcastd`): lane j is row j, 8 sums per instruction with no reduction.
//! zmm: two records (8 rows × 8 k) at once, with lane `2j + h` row j's k-half h, and the
//! activation's 8 bytes broadcast to every qword (`vpbroadcastq`, a load-port operation). At
//! block end each qword's two lanes are added and narrowed (`vpmovqd`), as in the 15-bit AVX-512
//! kernel. An odd record at a block's end runs with its upper half zero.
//! The pairs come either from weights laid out for this kernel (`PackedWeights::set_layout_for`,
//! done in place when a layer switches to 8-bit activations: each block's record pairs stored
//! interleaved, a plain load) or from the shared layout, one `vpermd` per load (shared by all
//! rows of the tile). Why the own layout: measured 5–10 % faster alone on Zen 4
//! (docs/benchmarks.md, "The zmm u8 kernel's own weight layout"); not port pressure (a
//! synthetic L1-resident loop runs its `vpermd`s for free), so the cause is not known
//! (load-to-use latency is a guess).

use super::avx2::{block_end, finish};
use super::{drive, pack_padded, Epilogue, Job, Micro, PackedWeights, KG, NR};
use core::arch::asm;
use core::arch::x86_64::*;

pub(super) struct YmmU8;
pub(super) struct ZmmU8;

/// The offset that makes an 8-bit activation unsigned.
const OFFSET: i16 = 128;

/// Independent accumulators per activation row in the zmm kernel, each taking every CHAINS-th
/// record pair, so that `vpdpbusd`'s latency does not leave the unit idle.
const CHAINS: usize = 2;

/// # Safety
/// The CPU must support AVX2 and AVX-VNNI.
#[target_feature(enable = "avx2,avxvnni")]
pub(super) unsafe fn drive_ymm<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<YmmU8, E>(job, panels, epi)
}

/// # Safety
/// The CPU must support AVX-512 F, BW and VNNI.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn drive_zmm<E: Epilogue>(
    job: &Job,
    panels: std::ops::Range<usize>,
    epi: &mut E,
) {
    drive::<ZmmU8, E>(job, panels, epi)
}

/// `x + 128` per value, padding `128` (an activation of 0); `src` was checked to be within
/// `-127..=127`. Inlined into each kernel's driver, so compiled with its features.
#[inline(always)]
fn pack_u8(src: &[i16], block: usize, bp: usize, dst: &mut [u8]) {
    pack_padded(src, block, bp, dst, OFFSET as u8, |v| (v + OFFSET) as u8);
}

/// `128 · Σw` of panel `p`, block `b`, its 8 rows.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn offset_correction(w: &PackedWeights, p: usize, b: usize) -> __m256i {
    debug_assert_eq!(w.wsum.len(), w.npanels * w.nb * NR);
    let ws = w.wsum.as_ptr().add((p * w.nb + b) * NR);
    _mm256_slli_epi32::<7>(_mm256_loadu_si256(ws as *const __m256i))
}

impl Micro for YmmU8 {
    type X = u8;

    #[inline(always)]
    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [u8]) {
        pack_u8(src, block, bp, dst);
    }

    #[inline]
    #[target_feature(enable = "avx2,avxvnni")]
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[u8]; R],
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
        let xp: [*const u8; R] = core::array::from_fn(|r| x[r].as_ptr());
        let mut facc = [_mm256_setzero_ps(); R];
        let mut wp = panel.as_ptr();
        for b in 0..w.nb {
            let mut acc = [_mm256_setzero_si256(); R];
            let mut xo = b * w.bp;
            for _ in 0..gb {
                let wv = _mm256_loadu_si256(wp as *const __m256i);
                for r in 0..R {
                    let xv = _mm256_set1_epi32((xp[r].add(xo) as *const i32).read_unaligned());
                    acc[r] = dpbusd_ymm(acc[r], xv, wv);
                }
                wp = wp.add(NR * KG);
                xo += KG;
            }
            let c = offset_correction(w, p, b);
            let v: [__m256i; R] = core::array::from_fn(|r| _mm256_sub_epi32(acc[r], c));
            block_end::<R, E>(v, &xs, scales.as_ptr(), b, 0, &mut facc, epi);
        }
        finish::<R, E>(&facc, epi);
    }
}

impl Micro for ZmmU8 {
    type X = u8;
    const WIDE: bool = true;
    const PAIR: bool = true;

    #[inline(always)]
    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [u8]) {
        pack_u8(src, block, bp, dst);
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[u8]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        if w.is_paired() {
            zmm_tile::<R, E, true>(x, xs, w, p, epi)
        } else {
            zmm_tile::<R, E, false>(x, xs, w, p, epi)
        }
    }

    /// Two panels, as the 15-bit kernel's `tile2`: each broadcast activation feeds both
    /// panels, one chain with 2R ≥ 16 accumulators, two with fewer rows.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile2<const R: usize, E: Epilogue>(
        x: [&[u8]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        if w.is_paired() {
            zmm_tile2::<R, E, true>(x, xs, w, p, epi)
        } else {
            zmm_tile2::<R, E, false>(x, xs, w, p, epi)
        }
    }
}

/// A record pair (8 rows × 8 k) as `vpdpbusd` takes it: lane `2j + h` is record h's row j.
/// `PAIRED` weights are stored so (`PackedWeights::set_layout_for`); the shared layout is
/// interleaved here, one `vpermd` per load.
#[inline(always)]
unsafe fn load_pair<const PAIRED: bool>(wp: *const i8, interleave: __m512i) -> __m512i {
    let v = _mm512_loadu_si512(wp as *const _);
    if PAIRED {
        v
    } else {
        _mm512_permutexvar_epi32(interleave, v)
    }
}

/// A block's odd last record (8 rows × 4 k) as the lower half of a pair whose upper record is
/// zero; `set_layout_for` leaves it in the shared order on both layouts, so it is interleaved here.
#[inline(always)]
unsafe fn load_last_record(wp: *const i8, interleave: __m512i) -> __m512i {
    _mm512_permutexvar_epi32(
        interleave,
        _mm512_zextsi256_si512(_mm256_loadu_si256(wp as *const __m256i)),
    )
}

/// `ZmmU8::tile` on either weight layout.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn zmm_tile<const R: usize, E: Epilogue, const PAIRED: bool>(
    x: [&[u8]; R],
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
    let xp: [*const u8; R] = core::array::from_fn(|r| x[r].as_ptr());
    // Lane 2j + h of the permuted pair takes lane 8h + j: record h's row j.
    let interleave = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    let mut facc = [_mm256_setzero_ps(); R];
    let mut wp = panel.as_ptr();
    for b in 0..w.nb {
        let mut acc = [[_mm512_setzero_si512(); R]; CHAINS];
        let mut xo = b * w.bp;
        // One record pair (8 k) into every row's accumulator of one chain.
        let step = |acc: &mut [__m512i; R], wp: *const i8, xo: usize| {
            let wv = load_pair::<PAIRED>(wp, interleave);
            for r in 0..R {
                let xv = _mm512_set1_epi64((xp[r].add(xo) as *const i64).read_unaligned());
                acc[r] = dpbusd_zmm(acc[r], xv, wv);
            }
        };
        let pairs = gb / 2;
        for _ in 0..pairs / CHAINS {
            for (c, a) in acc.iter_mut().enumerate() {
                step(a, wp.add(c * 2 * NR * KG), xo + c * 2 * KG);
            }
            wp = wp.add(CHAINS * 2 * NR * KG);
            xo += CHAINS * 2 * KG;
        }
        for a in acc.iter_mut().take(pairs % CHAINS) {
            step(a, wp, xo);
            wp = wp.add(2 * NR * KG);
            xo += 2 * KG;
        }
        if gb % 2 == 1 {
            // The block's last record, alone: the upper record is zero, and the activation's
            // 4 bytes go to every lane (the row may end here, so 8 are not read).
            let wv = load_last_record(wp, interleave);
            for r in 0..R {
                let xv = _mm512_set1_epi32((xp[r].add(xo) as *const i32).read_unaligned());
                acc[0][r] = dpbusd_zmm(acc[0][r], xv, wv);
            }
            wp = wp.add(NR * KG);
        }
        let c = offset_correction(w, p, b);
        let sums = super::avx512::fold_chains(&acc);
        let v: [__m256i; R] = core::array::from_fn(|r| _mm256_sub_epi32(sums[r], c));
        block_end::<R, E>(v, &xs, scales.as_ptr(), b, 0, &mut facc, epi);
    }
    finish::<R, E>(&facc, epi);
}

/// `ZmmU8::tile2` on either weight layout.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn zmm_tile2<const R: usize, E: Epilogue, const PAIRED: bool>(
    x: [&[u8]; R],
    xs: [&[f32]; R],
    w: &PackedWeights,
    p: usize,
    epi: &mut E,
) {
    let gb = w.bp / KG;
    debug_assert!(x.iter().all(|r| r.len() == w.kp));
    let scales = [w.panel_scales(p), w.panel_scales(p + 1)];
    let xp: [*const u8; R] = core::array::from_fn(|r| x[r].as_ptr());
    let interleave = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    let chains = if R > 4 { 1 } else { 2 };
    let mut facc = [[_mm256_setzero_ps(); R]; 2];
    let mut wp = [w.panel(p).as_ptr(), w.panel(p + 1).as_ptr()];
    for b in 0..w.nb {
        // [chain][panel][row]
        let mut acc = [[[_mm512_setzero_si512(); R]; 2]; 2];
        let mut xo = b * w.bp;
        // One record pair (8 k) of both panels into one chain's accumulators.
        let step = |acc: &mut [[__m512i; R]; 2], wp: [*const i8; 2], xo: usize| {
            let wv = wp.map(|p| load_pair::<PAIRED>(p, interleave));
            for r in 0..R {
                let xv = _mm512_set1_epi64((xp[r].add(xo) as *const i64).read_unaligned());
                acc[0][r] = dpbusd_zmm(acc[0][r], xv, wv[0]);
                acc[1][r] = dpbusd_zmm(acc[1][r], xv, wv[1]);
            }
        };
        let pairs = gb / 2;
        let mut g = 0;
        while g + chains <= pairs {
            for (c, a) in acc.iter_mut().enumerate().take(chains) {
                step(a, wp.map(|p| p.add(c * 2 * NR * KG)), xo + c * 2 * KG);
            }
            wp = wp.map(|p| p.add(chains * 2 * NR * KG));
            xo += chains * 2 * KG;
            g += chains;
        }
        if g < pairs {
            step(&mut acc[0], wp, xo);
            wp = wp.map(|p| p.add(2 * NR * KG));
            xo += 2 * KG;
        }
        if gb % 2 == 1 {
            // The block's last record, alone (as in `tile`).
            let wv = wp.map(|p| load_last_record(p, interleave));
            for r in 0..R {
                let xv = _mm512_set1_epi32((xp[r].add(xo) as *const i32).read_unaligned());
                acc[0][0][r] = dpbusd_zmm(acc[0][0][r], xv, wv[0]);
                acc[0][1][r] = dpbusd_zmm(acc[0][1][r], xv, wv[1]);
            }
            wp = wp.map(|p| p.add(NR * KG));
        }
        for j in 0..2 {
            let c = offset_correction(w, p + j, b);
            let sums = super::avx512::fold_chains(&[acc[0][j], acc[1][j]]);
            let v: [__m256i; R] = core::array::from_fn(|r| _mm256_sub_epi32(sums[r], c));
            block_end::<R, E>(v, &xs, scales[j].as_ptr(), b, j * NR, &mut facc[j], epi);
        }
    }
    finish::<R, E>(&facc[0], epi);
    epi.next_panel();
    finish::<R, E>(&facc[1], epi);
}

/// `vpdpbusd` (VEX) as `asm!`, as the 15-bit kernels' `vpdpwssd`: `acc + Σ₄ u8(x) · i8(w)`
/// per i32 lane.
#[inline]
#[target_feature(enable = "avx2,avxvnni")]
unsafe fn dpbusd_ymm(acc: __m256i, x: __m256i, w: __m256i) -> __m256i {
    let mut acc = acc;
    asm!("{{vex}} vpdpbusd {a}, {x}, {w}",
        a = inout(ymm_reg) acc, x = in(ymm_reg) x, w = in(ymm_reg) w,
        options(pure, nomem, nostack, preserves_flags));
    acc
}

/// `vpdpbusd` on zmm.
#[inline]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn dpbusd_zmm(acc: __m512i, x: __m512i, w: __m512i) -> __m512i {
    let mut acc = acc;
    asm!("vpdpbusd {a}, {x}, {w}",
        a = inout(zmm_reg) acc, x = in(zmm_reg) x, w = in(zmm_reg) w,
        options(pure, nomem, nostack, preserves_flags));
    acc
}
