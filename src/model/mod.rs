//! The network: a BERT encoder and an optional sequence-classification head.

pub(crate) mod activation;
pub(crate) mod bert;
pub(crate) mod head;
pub(crate) mod linear;

pub use bert::{encoder_prefix, sigmoid, softmax, BatchInput, Bert, BertOutput, Rows};
pub use head::Head;
