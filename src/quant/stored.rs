//! How a matrix `X` is stored in a file, for the quantizer that writes it and the model that
//! reads it: f32 as `X`; q8 as `X.q` (int8) + `X.scale` (one f32 per row); the entropy-coded
//! tiers as `X.q4e` (rANS-coded levels) + `X.q4x` (coded block exponents) + `X.step`
//! (docs/FORMAT.md). The model asks for a matrix by its base name and gets it in one of the
//! in-memory forms of [`StoredMatrix`], whatever the file holds.

use super::scheme::{decode_q4, Q4_BLOCK};
use crate::error::{Error, Result};
use crate::io::Scope;
use candle_core::Tensor;
use safetensors::Dtype;
use std::borrow::Cow;

/// The suffixes of a quantized matrix's tensors.
pub(crate) const Q8_LEVELS: &str = "q";
pub(crate) const Q8_SCALES: &str = "scale";
pub(crate) const Q4_LEVELS: &str = "q4e";
pub(crate) const Q4_EXPONENTS: &str = "q4x";
pub(crate) const Q4_STEP: &str = "step";

/// The name of part `suffix` of matrix `base` (`encoder.layer.0.output.dense.weight.q`).
pub(crate) fn part(base: &str, suffix: &str) -> String {
    format!("{base}.{suffix}")
}

/// A `[rows][cols]` matrix in memory, as the model's layers take it.
pub(crate) enum StoredMatrix {
    F32(Tensor),
    /// q8: int8 with one f32 scale per row.
    RowScaled {
        q: Vec<i8>,
        scales: Vec<f32>,
    },
    /// The entropy-coded tiers, decoded: int8 with one f32 scale per `block` inputs of a row.
    BlockScaled {
        q: Vec<i8>,
        scales: Vec<f32>,
        block: usize,
    },
}

/// Reads matrix `leaf` of `scope` (`[rows][cols]`) in whichever form the file stores it.
pub(crate) fn read_matrix(
    scope: &Scope,
    leaf: &str,
    rows: usize,
    cols: usize,
) -> Result<StoredMatrix> {
    let q8 = part(leaf, Q8_LEVELS);
    let q4 = part(leaf, Q4_LEVELS);
    if scope.contains(&q8) {
        let q = bytes_to_i8(scope.take(&q8, Dtype::I8, &[rows, cols])?);
        let scales = scope.get_vec(&part(leaf, Q8_SCALES), &[rows, 1])?;
        Ok(StoredMatrix::RowScaled { q, scales })
    } else if scope.contains(&q4) {
        let coded = |name: &str| -> Result<Cow<'_, [u8]>> {
            match scope.shape(name).as_deref() {
                Some(&[len]) => scope.take(name, Dtype::U8, &[len]),
                Some(other) => Err(Error::Format(format!(
                    "`{}` has shape {other:?}, a q4 stream is 1-D",
                    scope.name(name)
                ))),
                None => scope.take(name, Dtype::U8, &[0]), // reports the missing tensor
            }
        };
        let step = scope.get_vec(&part(leaf, Q4_STEP), &[1])?[0];
        let exps = part(leaf, Q4_EXPONENTS);
        let (q, scales) =
            decode_q4(&coded(&q4)?, &coded(&exps)?, step, rows, cols).map_err(|e| match e {
                Error::Format(m) => Error::Format(format!("`{}`: {m}", scope.name(leaf))),
                e => e,
            })?;
        Ok(StoredMatrix::BlockScaled {
            q,
            scales,
            block: Q4_BLOCK,
        })
    } else {
        Ok(StoredMatrix::F32(scope.get(leaf, &[rows, cols])?))
    }
}

/// int8 payload bytes as `i8`, reusing an owned buffer instead of copying it.
fn bytes_to_i8(bytes: Cow<'_, [u8]>) -> Vec<i8> {
    match bytes {
        Cow::Borrowed(b) => b.iter().map(|&v| v as i8).collect(),
        Cow::Owned(v) => {
            let mut v = std::mem::ManuallyDrop::new(v);
            // SAFETY: u8 and i8 have the same size and alignment, and every bit pattern is
            // valid for both; the allocation is handed over whole (ptr, len, capacity).
            unsafe { Vec::from_raw_parts(v.as_mut_ptr() as *mut i8, v.len(), v.capacity()) }
        }
    }
}
