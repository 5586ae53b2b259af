//! Quantized weights: the tiers and their arithmetic, the streaming quantizer, how a
//! quantized matrix is stored and read back, and the file's metadata. Spec: docs/FORMAT.md.
//! Reads files through `crate::io`; the model reads quantized matrices through [`stored`].

pub(crate) mod file;
mod rans;
pub(crate) mod scheme;
mod sizes;
pub(crate) mod stored;
pub(crate) mod stream;

pub use file::{is_quantized, QuantMetadata};
pub use scheme::Quant;
pub use sizes::{tier_bytes, TierBytes};
pub use stream::{quantize_bytes, ModelSource, StreamingQuantizer};

/// xorshift32 from `seed` (the first value is one step on): deterministic test inputs of the
/// quantization modules.
#[cfg(test)]
fn xorshift(seed: u32) -> impl Iterator<Item = u32> {
    let step = |mut s: u32| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    std::iter::successors(Some(step(seed)), move |&s| Some(step(s)))
}
