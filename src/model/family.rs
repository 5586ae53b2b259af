//! The encoder families gamjeong runs and each one's differences from BERT, as data: where its
//! tensors live and what they are called, how it counts positions, whether it has token
//! types, and its classification head. The one encoder (`bert.rs`) and the one head type
//! (`head.rs`) read these tables; no family has code of its own.

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
