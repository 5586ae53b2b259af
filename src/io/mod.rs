//! The input layer: a weights file of any accepted format, as bytes in memory or as a stream
//! of chunks, becomes named tensors. It knows file formats, not models: what a tensor's name
//! means is the business of `quant` (stored forms) and `model` (architectures).
//!
//! - [`Format::sniff`] tells the formats apart from a file's first bytes, the one place that
//!   does; [`WeightsFile::open`] opens a file and sniffs it once.
//! - [`SafetensorsStream`] and [`PytorchStream`] read their format chunk by chunk into a
//!   [`TensorSink`]; [`CheckpointStream`] picks one of them by sniffing.
//! - [`Weights`] holds named tensors (views into a file buffer, or owned by a
//!   [`Collect`]) with shape and dtype checks that name what failed.

pub mod checkpoint;
pub mod loader;
pub mod pytorch;
pub mod safetensors;
pub mod weights;

#[cfg(not(target_arch = "wasm32"))]
pub use checkpoint::weights_file;
pub use checkpoint::{CheckpointStream, WEIGHT_FILES};
pub use loader::Collect;
pub use pytorch::PytorchStream;
pub use safetensors::SafetensorsStream;
pub use weights::{Scope, Weights};

use crate::error::{Error, Result};
use ::safetensors::Dtype; // the crate, not this layer's `safetensors` module
use serde_json::Value;

/// One tensor of a file's table, as a safetensors header lists it: for a PyTorch checkpoint,
/// the table of the safetensors file a conversion would write.
#[derive(Debug, Clone)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    /// Byte range inside the payload.
    pub start: usize,
    pub end: usize,
}

/// What a reader does with the tensors of a stream.
pub trait TensorSink {
    /// The parsed header: `__metadata__` (if any) and the tensors sorted by offset. Returns,
    /// per tensor, whether its bytes are wanted (unwanted ones are skipped, never buffered).
    /// By default every tensor is wanted.
    fn header(
        &mut self,
        metadata: Option<&serde_json::Map<String, Value>>,
        tensors: &[TensorInfo],
    ) -> Result<Vec<bool>> {
        let _ = metadata;
        Ok(vec![true; tensors.len()])
    }

    /// Tensor `index` is complete; `data` is empty for unwanted tensors.
    fn tensor(&mut self, index: usize, info: &TensorInfo, data: Vec<u8>) -> Result<()>;
}

/// A reader of one file format, fed in chunks of any size.
pub trait TensorReader {
    /// Feeds the next bytes of the file.
    fn push(&mut self, chunk: &[u8], sink: &mut dyn TensorSink) -> Result<()>;
    /// Bytes received so far.
    fn consumed(&self) -> usize;
    /// Total file size, when the format states it up front (safetensors does, a zip does not).
    fn expected_len(&self) -> Option<usize> {
        None
    }
    /// Errors unless the whole file has arrived.
    fn check_complete(&self) -> Result<()>;
}

/// The most a reader allocates ahead of the bytes on a header's claim alone (one tensor's
/// buffer, the quantizer's output). Above the largest tensor of a BERT-large f32
/// checkpoint (word embeddings, 119 MiB), so real files still get one exact allocation.
pub(crate) const MAX_RESERVE: usize = 128 << 20;

/// A weights file's format, as its first bytes tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A safetensors file (a gamjeong quantized file is one too: its header says so).
    Safetensors,
    /// A PyTorch checkpoint in the zip format `torch.save` has written since PyTorch 1.6.
    PytorchZip,
    /// PyTorch's legacy (pre-1.6) format, a bare pickle stream: recognized to be refused
    /// with a message that says how to convert it.
    PytorchLegacy,
}

impl Format {
    /// The bytes [`Format::sniff`] reads.
    pub const SNIFF_LEN: usize = 4;

    /// The format of a file starting with `head` (its first [`Format::SNIFF_LEN`] bytes, or
    /// all of a shorter file). Anything that is not a PyTorch checkpoint is read as
    /// safetensors, whose reader then says what is wrong with it.
    pub fn sniff(head: &[u8]) -> Self {
        if pytorch::is_zip(head) {
            Format::PytorchZip
        } else if pytorch::is_legacy(head) {
            Format::PytorchLegacy
        } else {
            Format::Safetensors
        }
    }

    /// A PyTorch checkpoint of either generation.
    pub fn is_pytorch(self) -> bool {
        matches!(self, Format::PytorchZip | Format::PytorchLegacy)
    }
}

/// A weights file on disk, opened and sniffed: its first bytes are read once, to learn its
/// [`Format`], and handed on with the rest.
#[cfg(not(target_arch = "wasm32"))]
pub struct WeightsFile {
    pub path: std::path::PathBuf,
    pub format: Format,
    head: Vec<u8>,
    file: std::fs::File,
}

#[cfg(not(target_arch = "wasm32"))]
impl WeightsFile {
    /// Opens `path` and reads its format. PyTorch's legacy format is refused here, before
    /// anything else is read.
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.into(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut head = vec![0u8; Format::SNIFF_LEN];
        let n = std::io::Read::read(&mut file, &mut head).map_err(io)?;
        head.truncate(n);
        let format = Format::sniff(&head);
        if format == Format::PytorchLegacy {
            return Err(pytorch::legacy_error());
        }
        Ok(Self {
            path: path.into(),
            format,
            head,
            file,
        })
    }

    /// The whole file in memory.
    pub fn read_all(self) -> Result<Vec<u8>> {
        let mut bytes = self.head;
        std::io::Read::read_to_end(&mut &self.file, &mut bytes).map_err(|source| Error::Io {
            path: self.path,
            source,
        })?;
        Ok(bytes)
    }

    /// Streams the file into `sink` (a loader or the quantizer), keeping the sink's own error
    /// when it rejects the bytes.
    pub fn stream_into(self, sink: &mut impl std::io::Write) -> Result<()> {
        let reader = std::io::Read::chain(&self.head[..], self.file);
        copy_into(&self.path, reader, sink)
    }
}

/// Streams `reader` (read from `path`) into a sink such as [`Collect`] or the streaming
/// quantizer, keeping the sink's own error when it rejects the bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn copy_into(
    path: &std::path::Path,
    mut reader: impl std::io::Read,
    sink: &mut impl std::io::Write,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.into(),
        source,
    };
    std::io::copy(&mut reader, sink).map(drop).map_err(|e| {
        if !e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return io(e); // a read error: keep it whole (OS error code and all)
        }
        let kind = e.kind();
        match e.into_inner().map(|inner| inner.downcast::<Error>()) {
            Some(Ok(ours)) => *ours,
            Some(Err(other)) => io(std::io::Error::new(kind, other)),
            None => io(kind.into()),
        }
    })
}

/// A sink's rejection as an `io::Error`, recoverable by [`copy_into`].
pub(crate) fn into_io(e: Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// `impl std::io::Write` for a sink with `push(&mut self, &[u8]) -> Result<()>`, so `io::copy`
/// can feed it; [`copy_into`] gets the sink's own error back. A generic sink is written
/// `@generic [R: Bound] Sink<R>`.
macro_rules! write_via_push {
    (@body) => {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.push(buf).map_err($crate::io::into_io)?;
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    };
    ($(#[$doc:meta])* @generic [$g:ident: $bound:path] $sink:ty) => {
        $(#[$doc])*
        impl<$g: $bound> std::io::Write for $sink {
            $crate::io::write_via_push!(@body);
        }
    };
    ($(#[$doc:meta])* $sink:ty) => {
        $(#[$doc])*
        impl std::io::Write for $sink {
            $crate::io::write_via_push!(@body);
        }
    };
}
pub(crate) use write_via_push;
