//! One error type for every public entry point, so a JS caller gets a readable message and a
//! stable code.

use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("config.json is not a valid BERT config: {0}")]
    Config(String),

    #[error("this model is not supported: {0}")]
    UnsupportedModel(String),

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
    Compute(ComputeError),
}

/// Why the model's arithmetic failed: a tensor operation or an int8 kernel refused its
/// arguments. Opaque: its message and its [`std::error::Error::source`] say what failed.
#[derive(Debug)]
pub struct ComputeError(Compute);

#[derive(Debug)]
enum Compute {
    Tensor(candle_core::Error),
    Kernel(crate::kernels::KernelError),
}

impl std::fmt::Display for ComputeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Compute::Tensor(e) => e.fmt(f),
            Compute::Kernel(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ComputeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Compute::Tensor(e) => Some(e),
            Compute::Kernel(e) => Some(e),
        }
    }
}

// Lets `?` convert the engine's errors inside the crate; not part of the API (the types are
// the tensor library's and the kernels', which may change).
#[doc(hidden)]
impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Compute(ComputeError(Compute::Tensor(e)))
    }
}

#[doc(hidden)]
impl From<crate::kernels::KernelError> for Error {
    fn from(e: crate::kernels::KernelError) -> Self {
        Error::Compute(ComputeError(Compute::Kernel(e)))
    }
}

/// Declares [`ErrorCode`] from one list: each variant with its string, so the enum, the
/// list JS receives and the strings cannot drift apart.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// A stable, machine-readable error class: the JS `GamjeongError.code` (gamjeong.d.ts's
        /// `ErrorCode` lists these and the JS runtime's own). Messages may be reworded; codes
        /// are not.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order (the wasm build's `buildInfo().errorCodes`).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    /// A file or folder that does not exist.
    NotFound => "NOT_FOUND",
    /// Any other failure to read or write a file.
    Io => "IO",
    /// The model's files are unreadable or do not fit together.
    BadModel => "BAD_MODEL",
    /// A quantized file from an older major format version.
    FormatOld => "FORMAT_OLD",
    /// A quantized file from a newer major format version.
    FormatNew => "FORMAT_NEW",
    /// A model family or tokenizer this build does not run (the message names what was
    /// found and what is supported).
    UnsupportedModel => "UNSUPPORTED_MODEL",
    /// Classification asked of a model without a classification head.
    NoClassifier => "NO_CLASSIFIER",
    /// `explain` asked of a tokenizer without a mask token.
    NoMaskToken => "NO_MASK_TOKEN",
    /// Text or arguments the model cannot take.
    BadInput => "BAD_INPUT",
    /// The arithmetic failed (a bug or an exhausted resource, not the input's fault).
    Compute => "COMPUTE",
    /// A wasm loader or quantizer used after `finish`.
    Finished => "FINISHED",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `code == "BAD_MODEL"`: the code compared with its string, as JS compares it.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Error {
    /// This error's stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NotFound
            }
            Error::Io { .. } => ErrorCode::Io,
            Error::Config(_)
            | Error::TokenizerLoad(_)
            | Error::Safetensors(_)
            | Error::MissingTensor { .. }
            | Error::ShapeMismatch { .. }
            | Error::UnsupportedDtype { .. }
            | Error::Format(_)
            | Error::Pytorch(_) => ErrorCode::BadModel,
            Error::FormatVersion { found, reads } => {
                let major = |v: &str| v.split('.').next().and_then(|m| m.parse::<u32>().ok());
                match (major(found), major(reads)) {
                    (Some(f), Some(r)) if f > r => ErrorCode::FormatNew,
                    _ => ErrorCode::FormatOld,
                }
            }
            Error::UnsupportedModel(_) => ErrorCode::UnsupportedModel,
            Error::NoClassifier => ErrorCode::NoClassifier,
            Error::NoMaskToken(_) => ErrorCode::NoMaskToken,
            Error::Tokenize(_) | Error::InvalidInput(_) => ErrorCode::BadInput,
            Error::Compute(_) => ErrorCode::Compute,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_distinct_and_in_screaming_snake_case() {
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for name in names {
            assert!(
                name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{name}"
            );
        }
    }
}
