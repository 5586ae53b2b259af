//! Quantized weights: the schemes, the streaming quantizer and the file metadata.
//! Spec: docs/FORMAT.md.

pub mod file;
mod rans;
pub mod scheme;
pub mod stream;

pub use file::{is_quantized, read_metadata, Metadata};
pub use scheme::Scheme;
pub use stream::{quantize_bytes, Source, StreamingQuantizer};
