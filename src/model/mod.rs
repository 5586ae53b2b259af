//! The network: a BERT encoder and an optional sequence-classification head.

pub mod activation;
pub mod bert;
pub mod linear;

pub use bert::{sigmoid, softmax, BatchInput, Bert, BertOutput, Rows};
pub use linear::Linear;
