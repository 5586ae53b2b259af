//! Portable reference microkernel: plain loops over the packed panel, int32 accumulation.

use super::{pack_padded, Epilogue, Micro, PackedWeights, KG, NR};

pub(super) struct Scalar;

impl Micro for Scalar {
    type X = i8;

    fn pack_row(src: &[i8], block: usize, bp: usize, dst: &mut [i8]) {
        pack_padded(src, block, bp, dst, 0, |v| v);
    }

    unsafe fn tile<const R: usize, E: Epilogue>(x: [&[i8]; R], w: &PackedWeights, p: usize, epi: &mut E) {
        let panel = w.panel(p);
        for b in 0..w.nb {
            let mut s = [[0i32; NR]; R];
            for kk in b * w.bp..(b + 1) * w.bp {
                // Record kk / KG holds rows 0..NR × KG consecutive k, row-major.
                let rec = &panel[(kk / KG) * NR * KG..(kk / KG + 1) * NR * KG];
                for (sr, xr) in s.iter_mut().zip(x.iter()) {
                    let xv = xr[kk] as i32;
                    for (j, acc) in sr.iter_mut().enumerate() {
                        *acc += xv * rec[j * KG + kk % KG] as i32;
                    }
                }
            }
            epi.block::<R>(b, &s);
        }
    }
}
