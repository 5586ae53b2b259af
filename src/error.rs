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

    #[error(
        "config.json has no usable id2label, but the weights hold a classification head \
         ({rows} outputs): add an id2label map with {rows} entries"
    )]
    MissingLabels { rows: usize },

    #[error("tokenizer.json could not be loaded: {0}")]
    TokenizerLoad(String),

    #[error("tokenization failed: {0}")]
    Tokenize(String),

    #[error("the weights are not a valid safetensors file: {0}")]
    Safetensors(String),

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

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("model computation failed: {0}")]
    Compute(#[from] candle_core::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
