//! The sequence-classification heads, as data on the one encoder: BERT's reads the pooler's
//! output (tanh on `[CLS]`), ELECTRA's the first token's hidden state through
//! `dense → gelu → out_proj` (transformers' `ElectraClassificationHead`, no pooler).

use super::activation::gelu_erf;
use super::bert::BertOutput;
use super::linear::Linear;
use crate::error::{Error, Result};
use crate::io::Scope;
use candle_core::{IndexOp, Tensor};

pub enum Head {
    /// `classifier` on the pooled `[CLS]` row (`BertForSequenceClassification`).
    Pooled(Linear),
    /// `classifier.dense` → GELU → `classifier.out_proj` on the first token's row.
    FirstToken { dense: Linear, out_proj: Linear },
}

impl Head {
    /// The head under `scope` (`classifier`), or `None` for a bare encoder. `labels`: the
    /// class count when config.json names them (else the stored rows); `pooler`: the
    /// pooler tensors' name when the encoder has none (a BERT head needs it).
    pub fn load(
        scope: &Scope,
        hidden: usize,
        labels: Option<usize>,
        pooler: Option<String>,
    ) -> Result<Option<Self>> {
        // A bias is f32 under every scheme, so it tells which head is present.
        let rows = |s: &Scope| {
            s.shape("bias")
                .map(|shape| shape.first().copied().unwrap_or(0))
        };
        if let Some(n) = rows(scope) {
            if let Some(name) = pooler {
                return Err(Error::MissingTensor {
                    name,
                    hint: " (a classification head needs the pooler)".into(),
                });
            }
            return Ok(Some(Head::Pooled(Linear::load(
                scope,
                hidden,
                labels.unwrap_or(n),
            )?)));
        }
        let out = scope.pp("out_proj");
        match rows(&out) {
            None => Ok(None),
            Some(n) => Ok(Some(Head::FirstToken {
                dense: Linear::load(&scope.pp("dense"), hidden, hidden)?,
                out_proj: Linear::load(&out, hidden, labels.unwrap_or(n))?,
            })),
        }
    }

    pub fn out_dim(&self) -> usize {
        match self {
            Head::Pooled(l) => l.out_dim(),
            Head::FirstToken { out_proj, .. } => out_proj.out_dim(),
        }
    }

    /// The head's dense layers.
    pub fn linears_mut(&mut self) -> Vec<&mut Linear> {
        match self {
            Head::Pooled(classifier) => vec![classifier],
            Head::FirstToken { dense, out_proj } => vec![dense, out_proj],
        }
    }

    /// `[batch, labels]` logits from the encoder's output (its first rows suffice).
    pub fn forward(&self, out: &BertOutput) -> Result<Tensor> {
        match self {
            Head::Pooled(classifier) => {
                let pooled = out.pooled.as_ref().ok_or(Error::NoClassifier)?;
                classifier.forward(pooled)
            }
            Head::FirstToken { dense, out_proj } => {
                let first = out.hidden.i((.., 0))?.contiguous()?;
                out_proj.forward(&dense.forward_then(&first, Some(gelu_erf))?)
            }
        }
    }
}
