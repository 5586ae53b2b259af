//! One error type for every public entry point, so a JS caller gets a readable message.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("config.json is not a valid BERT config: {0}")]
    Config(String),

    #[error("tokenizer.json could not be loaded: {0}")]
    TokenizerLoad(String),

    #[error("tokenization failed: {0}")]
    Tokenize(String),

    #[error("the weights are not a valid safetensors file: {0}")]
    Safetensors(String),

    #[error("the weights are not a readable PyTorch checkpoint: {0}")]
    Pytorch(String),

    #[error("the weights have no tensor named `{name}`{hint}")]
    MissingTensor { name: String, hint: String },

    #[error("tensor `{name}` has shape {found:?}, but config.json implies {expected:?}")]
    ShapeMismatch {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },

    #[error("tensor `{name}` has dtype {dtype}; expected F32, F16 or BF16")]
    UnsupportedDtype { name: String, dtype: String },

    #[error("this model has no classification head (a bare BertModel): use `embed` instead")]
    NoClassifier,

    #[error("this model's tokenizer has no `{0}` token, which `explain` needs to mask words")]
    NoMaskToken(&'static str),

    #[error("quantized model file: {0}")]
    Format(String),

    #[error(
        "quantized model file: format version {found} is not readable by this build (reads \
         {reads}.x): quantize the f32 model again with this version (`gamjeong quantize`)"
    )]
    FormatVersion { found: String, reads: String },

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),

    #[error("model computation failed: {0}")]
    Kernel(#[from] crate::kernels::KernelError),
}

impl Error {
    /// A stable, machine-readable code (the JS `GamjeongError.code`; gamjeong.d.ts lists them).
    /// Messages may be reworded; codes are not.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "NOT_FOUND"
            }
            Error::Io { .. } => "IO",
            Error::Config(_)
            | Error::TokenizerLoad(_)
            | Error::Safetensors(_)
            | Error::MissingTensor { .. }
            | Error::ShapeMismatch { .. }
            | Error::UnsupportedDtype { .. }
            | Error::Format(_)
            | Error::Pytorch(_) => "BAD_MODEL",
            Error::FormatVersion { found, reads } => {
                let major = |v: &str| v.split('.').next().and_then(|m| m.parse::<u32>().ok());
                match (major(found), major(reads)) {
                    (Some(f), Some(r)) if f > r => "FORMAT_NEW",
                    _ => "FORMAT_OLD",
                }
            }
            Error::NoClassifier => "NO_CLASSIFIER",
            Error::NoMaskToken(_) => "NO_MASK_TOKEN",
            Error::Tokenize(_) | Error::InvalidInput(_) => "BAD_INPUT",
            Error::Compute(_) | Error::Kernel(_) => "COMPUTE",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Streams `reader` (read from `path`) into a sink such as [`crate::StreamingLoader`] or
/// [`crate::quant::StreamingQuantizer`], keeping the sink's own error when it rejects the bytes.
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
/// can feed it; `copy_into` gets the sink's own error back.
macro_rules! write_via_push {
    ($(#[$doc:meta])* $sink:ty) => {
        $(#[$doc])*
        impl std::io::Write for $sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.push(buf).map_err($crate::error::into_io)?;
                Ok(buf.len())
            }

            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
    };
}
pub(crate) use write_via_push;
