//! A weights file of either format as one stream: the first bytes say whether it is a
//! safetensors file or a PyTorch zip checkpoint, and the matching reader drives the same
//! [`TensorSink`]. The quantizer and the f32 loader read sources through it.

use crate::error::{Error, Result};
use crate::pytorch::{self, PytorchStream};
use crate::tensor_stream::{TensorSink, TensorStream};

/// The weights file names tried in a model folder, in order (as transformers does).
pub const WEIGHT_FILES: [&str; 2] = ["model.safetensors", "pytorch_model.bin"];

pub enum CheckpointStream {
    /// Fewer than 4 bytes so far.
    Sniffing(Vec<u8>),
    Safetensors(TensorStream),
    Pytorch(PytorchStream),
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

    pub fn push(&mut self, chunk: &[u8], sink: &mut dyn TensorSink) -> Result<()> {
        if let Self::Sniffing(head) = self {
            let take = (4 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() < 4 {
                return Ok(());
            }
            let head = std::mem::take(head);
            *self = if pytorch::is_zip(&head) || pytorch::is_legacy(&head) {
                Self::Pytorch(PytorchStream::new())
            } else {
                Self::Safetensors(TensorStream::new())
            };
            self.push(&head, sink)?;
            return self.push(&chunk[take..], sink);
        }
        match self {
            Self::Sniffing(_) => Ok(()),
            Self::Safetensors(s) => s.push(chunk, sink),
            Self::Pytorch(s) => s.push(chunk, sink),
        }
    }

    /// Total file size when the format states it up front (safetensors does, a zip does not).
    pub fn expected_len(&self) -> Option<usize> {
        match self {
            Self::Safetensors(s) => s.expected_len(),
            _ => None,
        }
    }

    pub fn consumed(&self) -> usize {
        match self {
            Self::Sniffing(head) => head.len(),
            Self::Safetensors(s) => s.consumed(),
            Self::Pytorch(s) => s.consumed(),
        }
    }

    /// Errors unless the whole file has arrived.
    pub fn check_complete(&self) -> Result<()> {
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
