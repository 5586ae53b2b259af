//! A weights file of either format as one stream: the first bytes say whether it is a
//! safetensors file or a PyTorch checkpoint ([`Format::sniff`]), and the matching reader
//! drives the same [`TensorSink`]. The quantizer and the f32 loader read sources through it.
//! Also which file of a model folder holds the weights.

use super::{Format, PytorchStream, SafetensorsStream, TensorReader, TensorSink};
use crate::error::{Error, Result};

/// The weights file names tried in a model folder, in order (as transformers does).
pub const WEIGHT_FILES: [&str; 2] = ["model.safetensors", "pytorch_model.bin"];

pub enum CheckpointStream {
    /// Fewer than [`Format::SNIFF_LEN`] bytes so far.
    Sniffing(Vec<u8>),
    Safetensors(SafetensorsStream),
    // Boxed: the zip reader's state is several times the safetensors reader's.
    Pytorch(Box<PytorchStream>),
}

impl Default for CheckpointStream {
    fn default() -> Self {
        Self::new()
    }
}

impl CheckpointStream {
    pub fn new() -> Self {
        Self::Sniffing(Vec::new())
    }

    /// The file's format, once its first bytes have arrived.
    pub fn format(&self) -> Option<Format> {
        match self {
            Self::Sniffing(_) => None,
            Self::Safetensors(_) => Some(Format::Safetensors),
            Self::Pytorch(_) => Some(Format::PytorchZip),
        }
    }
}

impl TensorReader for CheckpointStream {
    fn push(&mut self, chunk: &[u8], sink: &mut dyn TensorSink) -> Result<()> {
        let head = match self {
            Self::Sniffing(head) => head,
            Self::Safetensors(s) => return s.push(chunk, sink),
            Self::Pytorch(s) => return s.push(chunk, sink),
        };
        let take = (Format::SNIFF_LEN - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..take]);
        if head.len() < Format::SNIFF_LEN {
            return Ok(());
        }
        let head = std::mem::take(head);
        // A legacy checkpoint goes to the PyTorch reader too, which refuses it by name.
        *self = if Format::sniff(&head).is_pytorch() {
            Self::Pytorch(Box::default())
        } else {
            Self::Safetensors(SafetensorsStream::new())
        };
        self.push(&head, sink)?;
        self.push(&chunk[take..], sink)
    }

    fn expected_len(&self) -> Option<usize> {
        match self {
            Self::Sniffing(_) => None,
            Self::Safetensors(s) => s.expected_len(),
            Self::Pytorch(s) => s.expected_len(),
        }
    }

    fn consumed(&self) -> usize {
        match self {
            Self::Sniffing(head) => head.len(),
            Self::Safetensors(s) => s.consumed(),
            Self::Pytorch(s) => s.consumed(),
        }
    }

    fn check_complete(&self) -> Result<()> {
        match self {
            Self::Sniffing(head) => Err(Error::Safetensors(format!(
                "the file is truncated: got {} bytes",
                head.len()
            ))),
            Self::Safetensors(s) => s.check_complete(),
            Self::Pytorch(s) => s.check_complete(),
        }
    }
}

/// The weights file of a model folder: the first of [`WEIGHT_FILES`] present.
#[cfg(not(target_arch = "wasm32"))]
pub fn weights_file(dir: &std::path::Path) -> Result<std::path::PathBuf> {
    WEIGHT_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| Error::Io {
            path: dir.into(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "no weights in the folder (tried {})",
                    WEIGHT_FILES.join(", then ")
                ),
            ),
        })
}
