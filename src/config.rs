//! `config.json` in Hugging Face layout: the family, the encoder's shape, its activation, and
//! the labels.

use crate::error::{Error, Result};
use crate::model::{Family, Positions};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A model's `config.json`, checked. Its fields are read through methods, so the layout of
/// what it holds can grow (other encoder families) without breaking callers.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub(crate) family: Family,
    pub(crate) encoder: EncoderConfig,
    id2label: Option<Vec<String>>,
    problem_type: Option<String>,
    json: String,
}

/// The encoder's shape as `config.json` states it (the fields BERT's config requires, as
/// transformers writes them; unknown keys are ignored). DistilBERT's own keys are renamed to
/// these first ([`DISTILBERT_KEYS`]).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EncoderConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: HiddenAct,
    pub max_position_embeddings: usize,
    /// 0 for a family without token types (DistilBERT).
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
    pub pad_token_id: usize,
    /// ELECTRA's embedding width (projected to `hidden_size` by `embeddings_project` when it
    /// differs); BERT's is `hidden_size`.
    #[serde(default)]
    pub embedding_size: Option<usize>,
    // Required by BERT's config and so checked for presence, though inference ignores them.
    #[allow(dead_code)]
    hidden_dropout_prob: f64,
    #[allow(dead_code)]
    initializer_range: f64,
    #[serde(default)]
    #[allow(dead_code)]
    position_embedding_type: PositionEmbeddingType,
}

/// The feed-forward activation (`hidden_act`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum HiddenAct {
    /// GELU with the exact erf.
    Gelu,
    /// GELU's tanh approximation.
    GeluApproximate,
    Relu,
}

/// Position embeddings: learned absolute positions are the only kind read.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum PositionEmbeddingType {
    #[default]
    Absolute,
}

/// DistilBERT's `config.json` keys and BERT's names for them.
const DISTILBERT_KEYS: [(&str, &str); 6] = [
    ("dim", "hidden_size"),
    ("n_layers", "num_hidden_layers"),
    ("n_heads", "num_attention_heads"),
    ("hidden_dim", "intermediate_size"),
    ("activation", "hidden_act"),
    ("dropout", "hidden_dropout_prob"),
];

/// DistilBERT's config in BERT's keys: renamed, plus what transformers' DistilBERT fixes in
/// code (LayerNorm eps 1e-12, no token types) or defaults (`pad_token_id` 0, GELU).
fn distilbert_as_bert(json: &str) -> Result<serde_json::Value> {
    let mut value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::Config(e.to_string()))?;
    let map = value
        .as_object_mut()
        .ok_or_else(|| Error::Config("config.json is not a JSON object".into()))?;
    for (theirs, bert) in DISTILBERT_KEYS {
        if let Some(v) = map.remove(theirs) {
            map.insert(bert.to_owned(), v);
        }
    }
    map.insert("layer_norm_eps".into(), 1e-12.into());
    map.insert("type_vocab_size".into(), 0.into());
    let defaults: [(&str, serde_json::Value); 4] = [
        ("pad_token_id", 0.into()),
        ("hidden_act", "gelu".into()),
        ("hidden_dropout_prob", 0.1.into()),
        ("initializer_range", 0.02.into()),
    ];
    for (key, v) in defaults {
        map.entry(key).or_insert(v);
    }
    Ok(value)
}

/// A message naming a BERT key, with DistilBERT's name for it.
fn with_distilbert_key(msg: String) -> String {
    match DISTILBERT_KEYS
        .iter()
        .find(|(_, bert)| msg.contains(&format!("`{bert}`")))
    {
        Some((theirs, _)) => format!("{msg} (DistilBERT's `{theirs}`)"),
        None => msg,
    }
}

#[derive(Deserialize)]
struct Labels {
    #[serde(default)]
    model_type: Option<String>,
    #[serde(default)]
    architectures: Option<Vec<String>>,
    #[serde(default)]
    id2label: Option<BTreeMap<String, String>>,
    #[serde(default)]
    problem_type: Option<String>,
}

impl ModelConfig {
    pub fn from_json(json: &str) -> Result<Self> {
        // The family first: another family's config may lack BERT's fields, and "missing
        // field" would hide the real reason.
        let labels: Labels =
            serde_json::from_str(json).map_err(|e| Error::Config(e.to_string()))?;
        let family = Family::from_config(
            labels.model_type.as_deref(),
            labels.architectures.as_deref().unwrap_or_default(),
        )?;
        let encoder: EncoderConfig = match family {
            Family::DistilBert => serde_json::from_value(distilbert_as_bert(json)?)
                .map_err(|e| Error::Config(with_distilbert_key(e.to_string()))),
            _ => serde_json::from_str(json).map_err(|e| Error::Config(e.to_string())),
        }?;
        let id2label = labels.id2label.map(id2label_vec).transpose()?;
        let config = Self {
            family,
            encoder,
            id2label,
            problem_type: labels.problem_type,
            json: json.to_owned(),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        let c = &self.encoder;
        let positive = [
            ("vocab_size", c.vocab_size),
            ("hidden_size", c.hidden_size),
            ("num_attention_heads", c.num_attention_heads),
            ("intermediate_size", c.intermediate_size),
            ("max_position_embeddings", c.max_position_embeddings),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(Error::Config(format!("`{name}` must be positive")));
        }
        if self.family.layout().token_types && c.type_vocab_size == 0 {
            return Err(Error::Config("`type_vocab_size` must be positive".into()));
        }
        if !c.hidden_size.is_multiple_of(c.num_attention_heads) {
            return Err(Error::Config(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                c.hidden_size, c.num_attention_heads
            )));
        }
        if self.max_tokens() < 2 {
            return Err(Error::Config(format!(
                "max_position_embeddings {} must leave room for [CLS] and [SEP]{}",
                c.max_position_embeddings,
                match self.positions() {
                    Positions::AfterPadding => " after pad_token_id + 1",
                    Positions::FromZero => "",
                }
            )));
        }
        Ok(())
    }

    /// The encoder family (`model_type`, else `architectures`).
    pub(crate) fn family(&self) -> Family {
        self.family
    }

    pub(crate) fn positions(&self) -> Positions {
        self.family.layout().positions
    }

    /// Class names by index, when config.json has an `id2label` map.
    pub fn id2label(&self) -> Option<&[String]> {
        self.id2label.as_deref()
    }

    /// transformers' `problem_type`: `multi_label_classification`,
    /// `single_label_classification` or `regression`; it decides how logits become scores
    /// (see [`crate::ScoreFn`]).
    pub fn problem_type(&self) -> Option<&str> {
        self.problem_type.as_deref()
    }

    /// The original `config.json` text, kept so it can be embedded in derived files.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Width of the hidden states (and of an embedding).
    pub fn hidden_size(&self) -> usize {
        self.encoder.hidden_size
    }

    pub fn num_hidden_layers(&self) -> usize {
        self.encoder.num_hidden_layers
    }

    pub fn vocab_size(&self) -> usize {
        self.encoder.vocab_size
    }

    /// The size of the position table (`max_position_embeddings`).
    pub fn max_position_embeddings(&self) -> usize {
        self.encoder.max_position_embeddings
    }

    /// The longest input in tokens, `[CLS]` and `[SEP]` included: the position table, less
    /// the `pad_token_id + 1` positions RoBERTa's numbering skips (514 → 512 for klue/roberta).
    pub fn max_tokens(&self) -> usize {
        let c = &self.encoder;
        match self.positions() {
            Positions::FromZero => c.max_position_embeddings,
            Positions::AfterPadding => c.max_position_embeddings.saturating_sub(c.pad_token_id + 1),
        }
    }

    pub(crate) fn head_size(&self) -> usize {
        self.encoder.hidden_size / self.encoder.num_attention_heads
    }
}

/// `{"0": "분노", "1": ...}` → `["분노", ...]`; the keys must be exactly `0..n`.
fn id2label_vec(map: BTreeMap<String, String>) -> Result<Vec<String>> {
    let n = map.len();
    let mut labels = vec![None; n];
    for (key, label) in map {
        let index: usize = key
            .parse()
            .map_err(|_| Error::Config(format!("id2label key `{key}` is not an integer")))?;
        let slot = labels
            .get_mut(index)
            .ok_or_else(|| Error::Config(format!("id2label key {index} is outside 0..{n}")))?;
        *slot = Some(label);
    }
    // Keys are unique map keys all below len, so every slot is filled.
    Ok(labels.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#""vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "max_position_embeddings": 16, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0"#;

    #[test]
    fn parses_labels_in_index_order() {
        let json = format!(
            r#"{{{BASE}, "id2label": {{"1": "b", "0": "a", "10": "k", "2": "c", "3": "d", "4": "e", "5": "f", "6": "g", "7": "h", "8": "i", "9": "j"}}}}"#
        );
        let c = ModelConfig::from_json(&json).unwrap();
        let labels = c.id2label().unwrap();
        assert_eq!(labels[0], "a");
        assert_eq!(labels[10], "k");
        assert_eq!(labels.len(), 11);
    }

    #[test]
    fn rejects_gaps_in_id2label() {
        let json = format!(r#"{{{BASE}, "id2label": {{"0": "a", "2": "c"}}}}"#);
        let err = ModelConfig::from_json(&json).unwrap_err().to_string();
        assert!(err.contains("id2label key 2"), "{err}");
    }

    #[test]
    fn rejects_bad_json_and_bad_shapes() {
        let err = ModelConfig::from_json("{ not json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.json"), "{err}");
        let json = format!("{{{BASE}}}")
            .replace(r#""num_attention_heads": 2"#, r#""num_attention_heads": 3"#);
        let err = ModelConfig::from_json(&json).unwrap_err().to_string();
        assert!(err.contains("not a multiple"), "{err}");
        let err = ModelConfig::from_json(r#"{"hidden_size": 8}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field"), "{err}");
    }

    #[test]
    fn names_an_unsupported_family() {
        let json = format!("{{{BASE}, \"model_type\": \"t5\"}}");
        let err = ModelConfig::from_json(&json).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnsupportedModel);
        let msg = err.to_string();
        assert!(msg.contains("`t5`") && msg.contains("bert"), "{msg}");
        // Checked before BERT's fields, which another family may not have.
        let err = ModelConfig::from_json(r#"{"model_type": "funnel", "d_model": 8}"#).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnsupportedModel);
    }

    #[test]
    fn roberta_positions_leave_pad_token_id_plus_one_rows_unused() {
        let json = format!("{{{BASE}, \"model_type\": \"roberta\"}}")
            .replace(r#""type_vocab_size": 2"#, r#""type_vocab_size": 1"#)
            .replace(r#""pad_token_id": 0"#, r#""pad_token_id": 1"#);
        let c = ModelConfig::from_json(&json).unwrap();
        assert_eq!(c.family(), Family::Roberta);
        assert_eq!((c.max_position_embeddings(), c.max_tokens()), (16, 14));
        let tight = json.replace(
            r#""max_position_embeddings": 16"#,
            r#""max_position_embeddings": 3"#,
        );
        let err = ModelConfig::from_json(&tight).unwrap_err().to_string();
        assert!(err.contains("after pad_token_id + 1"), "{err}");
    }

    #[test]
    fn distilbert_keys_are_read_as_berts() {
        let json = r#"{"model_type": "distilbert", "vocab_size": 10, "dim": 8, "n_layers": 3,
            "n_heads": 2, "hidden_dim": 16, "activation": "relu", "dropout": 0.1,
            "max_position_embeddings": 16, "initializer_range": 0.02}"#;
        let c = ModelConfig::from_json(json).unwrap();
        assert_eq!(c.family(), Family::DistilBert);
        let e = &c.encoder;
        let shape = (e.hidden_size, e.num_hidden_layers, e.num_attention_heads);
        assert_eq!(shape, (8, 3, 2));
        assert_eq!((e.intermediate_size, e.hidden_act), (16, HiddenAct::Relu));
        assert_eq!(
            (e.type_vocab_size, e.pad_token_id, e.layer_norm_eps),
            (0, 0, 1e-12)
        );
        assert_eq!(c.max_tokens(), 16);
        // Its shape keys are required like BERT's, under its own names.
        let err = ModelConfig::from_json(&json.replace(r#""n_heads": 2,"#, ""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`n_heads`"), "{err}");
    }
}
