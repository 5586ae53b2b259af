//! The sequence-classification heads, as data on the one encoder (the family's
//! [`HeadLayout`]): BERT's reads the pooler's output (tanh on `[CLS]`); the others read the
//! first token's hidden state through two matrices with an activation between them —
//! ELECTRA's `dense → gelu → out_proj` (transformers' `ElectraClassificationHead`), RoBERTa's
//! `dense → tanh → out_proj` (`RobertaClassificationHead`), DistilBERT's
//! `pre_classifier → relu → classifier`.

use super::activation::{gelu_erf, relu, tanh};
use super::bert::BertOutput;
use super::linear::Linear;
use crate::error::{Error, Result};
use crate::family::{HeadAct, HeadLayout};
use crate::io::Scope;
use candle_core::{IndexOp, Tensor};

pub enum Head {
    /// `classifier` on the pooled `[CLS]` row (`BertForSequenceClassification`).
    Pooled(Linear),
    /// `dense` → `act` → `out` on the first token's row.
    FirstToken {
        dense: Linear,
        act: fn(&mut [f32]),
        out: Linear,
    },
}

impl Head {
    /// The head `layout` places under `root` (the checkpoint's root), or `None` for a bare
    /// encoder. `labels`: the class count when config.json names them (else the stored
    /// rows); `pooler`: the pooler tensors' name when the encoder has none (a BERT head
    /// needs it).
    pub(crate) fn load(
        root: &Scope,
        layout: HeadLayout,
        hidden: usize,
        labels: Option<usize>,
        pooler: Option<String>,
    ) -> Result<Option<Self>> {
        // A bias is f32 under every scheme, so it tells whether the head is present.
        let rows = |s: &Scope| {
            s.shape("bias")
                .map(|shape| shape.first().copied().unwrap_or(0))
        };
        match layout {
            HeadLayout::Pooled { classifier } => {
                let scope = root.pp(classifier);
                let Some(n) = rows(&scope) else {
                    return Ok(None);
                };
                if let Some(name) = pooler {
                    return Err(Error::MissingTensor {
                        name,
                        hint: " (a classification head needs the pooler)".into(),
                    });
                }
                Ok(Some(Head::Pooled(Linear::load(
                    &scope,
                    hidden,
                    labels.unwrap_or(n),
                )?)))
            }
            HeadLayout::FirstToken { dense, act, out } => {
                let out = root.pp(out);
                let Some(n) = rows(&out) else {
                    return Ok(None);
                };
                Ok(Some(Head::FirstToken {
                    dense: Linear::load(&root.pp(dense), hidden, hidden)?,
                    act: match act {
                        HeadAct::Gelu => gelu_erf,
                        HeadAct::Tanh => tanh,
                        HeadAct::Relu => relu,
                    },
                    out: Linear::load(&out, hidden, labels.unwrap_or(n))?,
                }))
            }
        }
    }

    pub fn out_dim(&self) -> usize {
        match self {
            Head::Pooled(l) => l.out_dim(),
            Head::FirstToken { out, .. } => out.out_dim(),
        }
    }

    /// The head's dense layers.
    pub fn linears_mut(&mut self) -> Vec<&mut Linear> {
        match self {
            Head::Pooled(classifier) => vec![classifier],
            Head::FirstToken { dense, out, .. } => vec![dense, out],
        }
    }

    /// `[batch, labels]` logits from the encoder's output (its first rows suffice).
    pub fn forward(&self, out: &BertOutput) -> Result<Tensor> {
        match self {
            Head::Pooled(classifier) => {
                let pooled = out.pooled.as_ref().ok_or(Error::NoClassifier)?;
                classifier.forward(pooled)
            }
            Head::FirstToken {
                dense,
                act,
                out: proj,
            } => {
                let first = out.hidden.i((.., 0))?.contiguous()?;
                proj.forward(&dense.forward_then(&first, Some(*act))?)
            }
        }
    }
}
