//! Quantized weights: the schemes, the streaming quantizer and the file metadata.
//! Spec: docs/FORMAT.md.

pub mod file;
mod rans;
pub mod scheme;
pub mod stream;

pub use file::{is_quantized, read_metadata, Metadata};
pub use scheme::Scheme;
pub use stream::{quantize_bytes, Source, StreamingQuantizer};

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
