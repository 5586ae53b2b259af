//! Portable reference microkernel: plain loops over the packed panel, int32 accumulation.

use super::{pack_padded, Epilogue, Micro, PackedWeights, KG, NR};

pub(super) struct Scalar;

impl Micro for Scalar {
    type X = i16;

    fn pack_row(src: &[i16], block: usize, bp: usize, dst: &mut [i16]) {
        pack_padded(src, block, bp, dst, 0, |v| v);
    }

    unsafe fn tile<const R: usize, E: Epilogue>(
        x: [&[i16]; R],
        xs: [&[f32]; R],
        w: &PackedWeights,
        p: usize,
        epi: &mut E,
    ) {
        let panel = w.panel(p);
        let scales = w.panel_scales(p);
        let mut acc = [[0f32; NR]; R];
        for b in 0..w.nb {
            let mut s = [[0i32; NR]; R];
            for kk in (b * w.bp..(b + 1) * w.bp).step_by(KG) {
                // One record: rows 0..NR × k kk..kk+KG, row-major.
                let rec: &[i8; NR * KG] = panel[kk * NR..(kk + KG) * NR].try_into().unwrap();
                for (sr, xr) in s.iter_mut().zip(x.iter()) {
                    let xk: &[i16; KG] = xr[kk..kk + KG].try_into().unwrap();
                    for (j, out) in sr.iter_mut().enumerate() {
                        for t in 0..KG {
                            *out += xk[t] as i32 * rec[j * KG + t] as i32;
                        }
                    }
                }
            }
            if E::SCALED {
                let sc = &scales[b * NR..(b + 1) * NR];
                for ((ar, sr), xr) in acc.iter_mut().zip(&s).zip(&xs) {
                    let xb = xr[b];
                    for j in 0..NR {
                        ar[j] += (sc[j] * xb) * sr[j] as f32;
                    }
                }
            } else {
                epi.sums::<R, NR>(b, 0, &s);
            }
        }
        if E::SCALED {
            epi.finish::<R>(&acc);
        }
    }
}
