//! # gamjeong (감정)
//!
//! Korean text → 60 fine-grained emotions with `hun3359/klue-bert-base-sentiment`, a BERT
//! sequence classifier, running natively or in the browser (wasm32 + SIMD128).
//!
//! ```no_run
//! let model = gamjeong::Classifier::from_dir("klue-bert-base-sentiment")?;
//! let result = model.classify("오늘 밥이 너무 맛있었어. 행복해")?.top_k(3);
//! for s in &result.scores {
//!     println!("{} ({:?}) {:.3}", s.label, s.group, s.score);
//! }
//! # Ok::<(), gamjeong::Error>(())
//! ```

pub mod bulk;
pub mod classifier;
pub mod config;
pub mod error;
pub mod explain;
pub mod labels;
pub mod quant;
pub mod tokenize;

pub(crate) mod checkpoint;
pub(crate) mod kernels;
pub(crate) mod loader;
pub(crate) mod model;
pub(crate) mod pytorch;
pub(crate) mod tensor_stream;
pub(crate) mod weights;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use classifier::{Classification, Classifier, EncoderOutput, Score, ScoreFn};
pub use config::ModelConfig;
pub use error::{Error, Result};
pub use explain::{Explanation, WordScore};
pub use labels::{LabelInfo, EMOTIONS, GROUPS};
pub use loader::StreamingLoader;

/// Internals for the kernel and checkpoint tests, fuzzers and benchmarks (`tests/kernels.rs`,
/// `tests/pytorch.rs`, `examples/bench_kernels.rs`); not a stable API.
#[doc(hidden)]
pub mod internals {
    pub mod kernels {
        pub use crate::kernels::*;
    }
    pub mod checkpoint {
        pub use crate::checkpoint::*;
    }
    pub mod tensor_stream {
        pub use crate::tensor_stream::{TensorInfo, TensorSink};
    }
}

// The model is shared between threads (a server, a thread pool): keep it Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
};
