//! The encoder families gamjeong runs and each one's differences from BERT, as data: where its
//! tensors live and what they are called, how it counts positions, whether it has token
//! types, and its classification head. The one encoder (`model/bert.rs`), the one head type
//! (`model/head.rs`) and the quantizer (`quant/scheme.rs`, through [`Family::matrix`]) read
//! these tables; no family has code of its own. It sits below `io`, `quant` and `model` so
//! that each of them can read it.

use crate::error::{Error, Result};

/// A family of encoders with one tensor layout (`config.json`'s `model_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Bert,
    /// ELECTRA discriminators (KoELECTRA, KcELECTRA).
    Electra,
    /// RoBERTa and XLM-RoBERTa (klue/roberta-*).
    Roberta,
    DistilBert,
}

/// `model_type` → family; several names may share a layout.
const MODEL_TYPES: [(&str, Family); 5] = [
    ("bert", Family::Bert),
    ("electra", Family::Electra),
    ("roberta", Family::Roberta),
    ("xlm-roberta", Family::Roberta),
    ("distilbert", Family::DistilBert),
];

/// `architectures` class names (`{prefix}For…` or `{prefix}Model`) → family, for a config
/// without `model_type`.
const ARCHITECTURES: [(&str, Family); 5] = [
    ("Bert", Family::Bert),
    ("Electra", Family::Electra),
    ("Roberta", Family::Roberta),
    ("XLMRoberta", Family::Roberta),
    ("DistilBert", Family::DistilBert),
];

/// How a family numbers its positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Positions {
    /// `0, 1, 2, …` (BERT, ELECTRA, DistilBERT).
    FromZero,
    /// RoBERTa's (transformers' `create_position_ids_from_input_ids`): `pad_token_id + 1` and
    /// up, counting non-pad tokens only; a pad token's position is `pad_token_id`. The table
    /// then holds `pad_token_id + 1` fewer usable positions.
    AfterPadding,
}

/// The activation between a first-token head's two matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadAct {
    Gelu,
    Tanh,
    Relu,
}

/// Where a family's classification head lives and what it computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadLayout {
    /// `classifier` on the pooler's output (dense + tanh on `[CLS]`, part of the encoder).
    Pooled { classifier: &'static str },
    /// The first token's row → `dense` → `act` → `out`, no pooler.
    FirstToken {
        dense: &'static str,
        act: HeadAct,
        out: &'static str,
    },
}

/// The tensors of one encoder layer, relative to `{layers}.{i}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayerNames {
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attention_out: &'static str,
    pub attention_norm: &'static str,
    pub ffn_in: &'static str,
    pub ffn_out: &'static str,
    pub ffn_norm: &'static str,
}

/// A family's tensor names and the data the encoder and head branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The encoder's scope in a `*For*` checkpoint; a bare `*Model` has it at the root.
    pub prefix: &'static str,
    /// `embeddings.token_type_embeddings` exists (DistilBERT has none).
    pub token_types: bool,
    pub positions: Positions,
    /// The layers' scope inside the encoder, each layer at `{layers}.{i}`.
    pub layers: &'static str,
    pub layer: LayerNames,
    /// Relative to the checkpoint's root.
    pub head: HeadLayout,
}

const BERT_LAYER: LayerNames = LayerNames {
    query: "attention.self.query",
    key: "attention.self.key",
    value: "attention.self.value",
    attention_out: "attention.output.dense",
    attention_norm: "attention.output.LayerNorm",
    ffn_in: "intermediate.dense",
    ffn_out: "output.dense",
    ffn_norm: "output.LayerNorm",
};

const DISTILBERT_LAYER: LayerNames = LayerNames {
    query: "attention.q_lin",
    key: "attention.k_lin",
    value: "attention.v_lin",
    attention_out: "attention.out_lin",
    attention_norm: "sa_layer_norm",
    ffn_in: "ffn.lin1",
    ffn_out: "ffn.lin2",
    ffn_norm: "output_layer_norm",
};

/// The `classifier.dense → act → classifier.out_proj` head of ELECTRA and RoBERTa.
const fn dense_out_proj(act: HeadAct) -> HeadLayout {
    HeadLayout::FirstToken {
        dense: "classifier.dense",
        act,
        out: "classifier.out_proj",
    }
}

const BERT: Layout = Layout {
    prefix: "bert",
    token_types: true,
    positions: Positions::FromZero,
    layers: "encoder.layer",
    layer: BERT_LAYER,
    head: HeadLayout::Pooled {
        classifier: "classifier",
    },
};

const ELECTRA: Layout = Layout {
    prefix: "electra",
    // transformers' ElectraClassificationHead: GELU, where BERT's pooler has tanh.
    head: dense_out_proj(HeadAct::Gelu),
    ..BERT
};

const ROBERTA: Layout = Layout {
    prefix: "roberta",
    positions: Positions::AfterPadding,
    head: dense_out_proj(HeadAct::Tanh),
    ..BERT
};

const DISTILBERT: Layout = Layout {
    prefix: "distilbert",
    token_types: false,
    positions: Positions::FromZero,
    layers: "transformer.layer",
    layer: DISTILBERT_LAYER,
    head: HeadLayout::FirstToken {
        dense: "pre_classifier",
        act: HeadAct::Relu,
        out: "classifier",
    },
};

/// What a 2-D weight is in its family's layout: the quantizer stores and rounds each kind its
/// own way (`quant::scheme::storage_for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matrix {
    WordEmbeddings,
    Query,
    Key,
    Value,
    AttentionOut,
    FfnIn,
    FfnOut,
    /// BERT's pooler, or a first-token head's dense layer (DistilBERT's `pre_classifier`).
    HeadDense,
    /// BERT's `classifier`, on the pooler's output.
    PooledClassifier,
    /// A first-token head's last matrix: ELECTRA's and RoBERTa's `classifier.out_proj`,
    /// DistilBERT's `classifier`.
    HeadOut,
}

/// `base` is `rel` or ends in `.{rel}`: `rel` under some scope.
fn is_scoped(base: &str, rel: &str) -> bool {
    base.strip_suffix(rel)
        .is_some_and(|scope| scope.is_empty() || scope.ends_with('.'))
}

impl Family {
    pub const ALL: [Family; 4] = [
        Family::Bert,
        Family::Electra,
        Family::Roberta,
        Family::DistilBert,
    ];

    /// The family `config.json` names: its `model_type`, else the first of its
    /// `architectures`, else BERT (old BERT configs name neither). Anything else is
    /// `UNSUPPORTED_MODEL`, naming what was found and what runs.
    pub fn from_config(model_type: Option<&str>, architectures: &[String]) -> Result<Self> {
        if let Some(name) = model_type {
            return MODEL_TYPES
                .iter()
                .find(|(t, _)| *t == name)
                .map(|&(_, f)| f)
                .ok_or_else(|| {
                    Error::UnsupportedModel(format!(
                        "config.json's model_type is `{name}`; supported: {}",
                        Self::supported_model_types()
                    ))
                });
        }
        let Some(arch) = architectures.first() else {
            return Ok(Family::Bert);
        };
        ARCHITECTURES
            .iter()
            .find(|(prefix, _)| {
                arch.strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with("For") || rest == "Model")
            })
            .map(|&(_, f)| f)
            .ok_or_else(|| {
                Error::UnsupportedModel(format!(
                    "config.json has no model_type and its architecture is `{arch}`; supported: {}",
                    Self::supported_model_types()
                ))
            })
    }

    /// The `model_type`s this build runs, for messages: `bert, electra, …`.
    pub fn supported_model_types() -> String {
        MODEL_TYPES.map(|(t, _)| t).join(", ")
    }

    /// The family's name as `model_type` spells it (`xlm-roberta` reads as `roberta`).
    pub fn model_type(self) -> &'static str {
        match self {
            Family::Bert => "bert",
            Family::Electra => "electra",
            Family::Roberta => "roberta",
            Family::DistilBert => "distilbert",
        }
    }

    /// The kind of the weight `name` of this family's checkpoint (with or without the
    /// encoder's prefix), or `None` when it is no matrix the table names (biases, norms,
    /// position and token-type embeddings, ELECTRA's `embeddings_project`, …).
    pub(crate) fn matrix(self, name: &str) -> Option<Matrix> {
        let layout = self.layout();
        let base = name.strip_suffix(".weight")?;
        match layout.head {
            HeadLayout::Pooled { classifier } if base == classifier => {
                return Some(Matrix::PooledClassifier)
            }
            HeadLayout::Pooled { .. } if is_scoped(base, "pooler.dense") => {
                return Some(Matrix::HeadDense)
            }
            HeadLayout::FirstToken { dense, .. } if base == dense => {
                return Some(Matrix::HeadDense)
            }
            HeadLayout::FirstToken { out, .. } if base == out => return Some(Matrix::HeadOut),
            _ => {}
        }
        if is_scoped(base, "embeddings.word_embeddings") {
            return Some(Matrix::WordEmbeddings);
        }
        // `…{layers}.{i}.{tensor}`
        let (scope, rest) = base.split_once(layout.layers)?;
        let (index, tensor) = rest.strip_prefix('.')?.split_once('.')?;
        if !(scope.is_empty() || scope.ends_with('.'))
            || index.is_empty()
            || !index.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let l = &layout.layer;
        [
            (l.query, Matrix::Query),
            (l.key, Matrix::Key),
            (l.value, Matrix::Value),
            (l.attention_out, Matrix::AttentionOut),
            (l.ffn_in, Matrix::FfnIn),
            (l.ffn_out, Matrix::FfnOut),
        ]
        .into_iter()
        .find(|&(n, _)| n == tensor)
        .map(|(_, m)| m)
    }

    pub(crate) fn layout(self) -> &'static Layout {
        match self {
            Family::Bert => &BERT,
            Family::Electra => &ELECTRA,
            Family::Roberta => &ROBERTA,
            Family::DistilBert => &DISTILBERT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archs(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn model_type_then_architectures_name_the_family() {
        let cases = [
            (Some("roberta"), &[][..], Family::Roberta),
            (Some("xlm-roberta"), &[], Family::Roberta),
            (
                Some("distilbert"),
                &["BertForSequenceClassification"],
                Family::DistilBert,
            ),
            (
                None,
                &["XLMRobertaForSequenceClassification"],
                Family::Roberta,
            ),
            (None, &["RobertaModel"], Family::Roberta),
            (
                None,
                &["DistilBertForSequenceClassification"],
                Family::DistilBert,
            ),
            (None, &["ElectraForSequenceClassification"], Family::Electra),
            (None, &["BertForSequenceClassification"], Family::Bert),
            (None, &[], Family::Bert),
        ];
        for (model_type, names, want) in cases {
            let got = Family::from_config(model_type, &archs(names)).unwrap();
            assert_eq!(got, want, "{model_type:?} {names:?}");
        }
    }

    #[test]
    fn each_family_names_its_matrices() {
        use Matrix::*;
        let cases = [
            (
                Family::Bert,
                "bert.encoder.layer.11.attention.output.dense.weight",
                Some(AttentionOut),
            ),
            (
                Family::Bert,
                "encoder.layer.0.output.dense.weight",
                Some(FfnOut),
            ),
            (
                Family::Bert,
                "bert.embeddings.word_embeddings.weight",
                Some(WordEmbeddings),
            ),
            (Family::Bert, "bert.pooler.dense.weight", Some(HeadDense)),
            (Family::Bert, "classifier.weight", Some(PooledClassifier)),
            (Family::Bert, "bert.encoder.layer.0.output.dense.bias", None),
            (
                Family::Bert,
                "bert.embeddings.position_embeddings.weight",
                None,
            ),
            (
                Family::Bert,
                "bert.encoder.layerx.0.output.dense.weight",
                None,
            ),
            (Family::Electra, "electra.embeddings_project.weight", None),
            (Family::Electra, "classifier.dense.weight", Some(HeadDense)),
            (Family::Roberta, "classifier.out_proj.weight", Some(HeadOut)),
            (
                Family::Roberta,
                "roberta.encoder.layer.1.attention.self.value.weight",
                Some(Value),
            ),
            (
                Family::DistilBert,
                "distilbert.transformer.layer.0.ffn.lin1.weight",
                Some(FfnIn),
            ),
            (
                Family::DistilBert,
                "distilbert.transformer.layer.5.attention.q_lin.weight",
                Some(Query),
            ),
            (Family::DistilBert, "pre_classifier.weight", Some(HeadDense)),
            // The name BERT's pooled classifier has: here the first-token head's last matrix.
            (Family::DistilBert, "classifier.weight", Some(HeadOut)),
            (
                Family::DistilBert,
                "distilbert.embeddings.word_embeddings.weight",
                Some(WordEmbeddings),
            ),
        ];
        for (family, name, want) in cases {
            assert_eq!(family.matrix(name), want, "{family:?} {name}");
        }
    }

    #[test]
    fn an_unknown_family_is_named_with_the_supported_ones() {
        for (model_type, names, found) in [
            (Some("deberta-v2"), &[][..], "`deberta-v2`"),
            (
                None,
                &["DebertaV2ForSequenceClassification"],
                "`DebertaV2For",
            ),
            (None, &["BertGenerationEncoder"], "`BertGenerationEncoder`"),
        ] {
            let err = Family::from_config(model_type, &archs(names)).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::UnsupportedModel);
            let msg = err.to_string();
            assert!(msg.contains(found) && msg.contains("distilbert"), "{msg}");
        }
    }
}
