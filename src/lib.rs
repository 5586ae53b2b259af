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
//!
//! The API is what this page lists: the modules are private, and what is re-exported here is
//! the promise (docs/architecture.md draws the modules behind it).

// The layers, in the order the bytes pass through them: `io` reads files into named tensors,
// `quant` knows how quantized tensors are stored, `model` runs the encoder on the `kernels`;
// `classifier` puts a tokenizer, a model and the labels together; `bulk` feeds it whole files.
pub mod bulk;
mod classifier;
mod config;
mod error;
mod explain;
mod family;
mod io;
mod kernels;
mod labels;
mod model;
mod quant;
mod tokenize;

/// The wasm-bindgen surface the JS wrapper in `www/` calls (wasm32 builds only).
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use classifier::{Classification, Classifier, EncoderOutput, Score, ScoreFn, StreamingLoader};
pub use config::ModelConfig;
pub use error::{ComputeError, Error, ErrorCode, Result};
pub use explain::{Explanation, WordScore};
pub use kernels::Activations;
pub use labels::{Group, LabelInfo, EMOTIONS, GROUPS};
pub use quant::{
    is_quantized, quantize_bytes, tier_bytes, ModelSource, Quant, QuantMetadata,
    StreamingQuantizer, TierBytes,
};
pub use tokenize::{tokenizer_json_from_vocab, tokenizer_json_from_vocab_files, Encoded};

/// Internals for the crate's own CLI, tests, fuzzers and benchmarks (`src/bin/gamjeong.rs`,
/// `tests/kernels.rs`, `tests/pytorch.rs`, `examples/bench_kernels.rs`); not a stable API.
#[doc(hidden)]
pub mod internals {
    pub mod kernels {
        pub use crate::kernels::*;
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub mod tokenize {
        pub use crate::tokenize::tokenizer_json_in_dir;
    }
    pub mod io {
        #[cfg(not(target_arch = "wasm32"))]
        pub use crate::io::{copy_into, weights_file, WeightsFile};
        pub use crate::io::{
            CheckpointStream, Format, TensorInfo, TensorReader, TensorSink, WEIGHT_FILES,
        };
    }
}

// The model is shared between threads (a server, a thread pool): keep it Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
};
