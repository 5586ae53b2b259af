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

pub mod classifier;
pub mod config;
pub mod error;
pub mod kernels;
pub mod labels;
pub mod loader;
pub mod model;
pub mod quant;
pub mod tensor_stream;
pub mod tokenize;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use classifier::{Classification, Classifier, Embedding, Score, ScoreFn};
pub use config::ModelConfig;
pub use error::{Error, Result};
pub use labels::{LabelInfo, EMOTIONS, GROUPS};
