//! The network: one encoder for every family (the families' differences are data, `crate::family`)
//! and an optional sequence-classification head.

pub(crate) mod activation;
mod attention;
pub(crate) mod bert;
mod buf;
pub(crate) mod head;
pub(crate) mod linear;
pub(crate) mod norm;

pub use crate::family::Family;
pub(crate) use crate::family::Positions;
pub use bert::{encoder_prefix, sigmoid, softmax, BatchInput, Bert, BertOutput, Rows};
pub use head::Head;
