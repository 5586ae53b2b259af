//! What each tier of a model costs to download, from its `config.json` alone: the tensors a
//! checkpoint of its family holds (named by the family table, shaped by the config) run through
//! the quantizer's own [`storage_for`]. The page's model picker shows these before anything is
//! fetched.

use serde::Serialize;

use super::scheme::{storage_for, Quant, Storage, Q4_BLOCK};
use crate::config::ModelConfig;
use crate::error::{Error, Result};
use crate::family::{HeadLayout, Layout};

/// Bytes of tensor data per tier (the safetensors header, the tokenizer and config a quantized
/// file carries — under 1 MB — not counted). `f32` and `q8` are exact; the entropy-coded tiers
/// (`q4`, `q5`, `q6`) depend on the weights and are estimated at q4's average of
/// 4.8 bits per weight, one bit more per halving of the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierBytes {
    pub f32: u64,
    pub q8: u64,
    pub q4: u64,
    pub q5: u64,
    pub q6: u64,
}

/// q4's average bits per entropy-coded weight (levels and block exponents), docs/FORMAT.md.
const Q4_BITS: f64 = 4.8;

/// The tensors of a `*ForSequenceClassification` checkpoint of `config`'s family with
/// `labels` outputs, as (name, shape, how many): the names the family table gives, so that
/// [`storage_for`] classifies them as it does a real file's. The layers are one entry each, counted
/// `num_hidden_layers` times: their storage does not depend on the layer's number, and a config
/// naming a huge count costs nothing to size.
fn tensors(config: &ModelConfig, labels: usize) -> Vec<(String, Vec<usize>, u64)> {
    let c = &config.encoder;
    let layout: &Layout = config.family.layout();
    let (h, i) = (c.hidden_size, c.intermediate_size);
    let e = c.embedding_size.unwrap_or(h);
    let p = layout.prefix;
    let mut t: Vec<(String, Vec<usize>, u64)> = Vec::new();
    // A dense layer (`[rows, cols]` weight, `[rows]` bias) or a LayerNorm (`cols` = None), `n` times.
    let mut add = |name: String, rows: usize, cols: Option<usize>, n: u64| {
        let weight = match cols {
            Some(cols) => vec![rows, cols],
            None => vec![rows],
        };
        t.push((format!("{name}.weight"), weight, n));
        t.push((format!("{name}.bias"), vec![rows], n));
    };
    add(format!("{p}.embeddings.LayerNorm"), e, None, 1);
    if e != h {
        add(format!("{p}.embeddings_project"), h, Some(e), 1);
    }
    let (n, layers) = (&layout.layer, c.num_hidden_layers as u64);
    let at = |rel: &str| format!("{p}.{}.0.{rel}", layout.layers);
    for m in [n.query, n.key, n.value, n.attention_out] {
        add(at(m), h, Some(h), layers);
    }
    add(at(n.ffn_in), i, Some(h), layers);
    add(at(n.ffn_out), h, Some(i), layers);
    add(at(n.attention_norm), h, None, layers);
    add(at(n.ffn_norm), h, None, layers);
    match layout.head {
        HeadLayout::Pooled { classifier } => {
            add(format!("{p}.pooler.dense"), h, Some(h), 1);
            add(classifier.to_owned(), labels, Some(h), 1);
        }
        HeadLayout::FirstToken { dense, out, .. } => {
            add(dense.to_owned(), h, Some(h), 1);
            add(out.to_owned(), labels, Some(h), 1);
        }
    }
    let mut table = |name: &str, rows: usize| {
        t.push((format!("{p}.embeddings.{name}.weight"), vec![rows, e], 1));
    };
    table("word_embeddings", c.vocab_size);
    table("position_embeddings", c.max_position_embeddings);
    if layout.token_types {
        table("token_type_embeddings", c.type_vocab_size);
    }
    t
}

/// The bytes of each tier for the model `config_json` describes (`config.json`'s text; the
/// label count from `id2label`, else `num_labels`). A config the engine would not load is the
/// error loading it gives (`CONFIG`, `UNSUPPORTED_MODEL`).
pub fn tier_bytes(config_json: &str) -> Result<TierBytes> {
    let config = ModelConfig::from_json(config_json)?;
    let labels = match config.id2label() {
        Some(l) => l.len(),
        None => num_labels(config_json)?,
    };
    let list = tensors(&config, labels);
    let bytes = |quant: Option<Quant>| -> u64 {
        // Saturating: a config naming absurd sizes gets an absurd size, never an overflow.
        list.iter()
            .map(|(name, shape, count)| {
                let w = shape.iter().fold(1u64, |a, &d| a.saturating_mul(d as u64));
                let one = match quant.map(|q| (q, storage_for(q, config.family, name, shape))) {
                    None | Some((_, Storage::Keep)) => w.saturating_mul(4),
                    Some((_, Storage::F16)) => w.saturating_mul(2),
                    Some((_, Storage::Drop)) => 0,
                    Some((_, Storage::Q8)) => w.saturating_add(4 * shape[0] as u64),
                    Some((quant, Storage::Q4)) => {
                        debug_assert!(shape[1].is_multiple_of(Q4_BLOCK));
                        let bits = Q4_BITS + quant.step_refinement().log2() as f64;
                        (w as f64 * bits / 8.0).ceil() as u64
                    }
                };
                one.saturating_mul(*count)
            })
            .fold(0u64, u64::saturating_add)
    };
    Ok(TierBytes {
        f32: bytes(None),
        q8: bytes(Some(Quant::Q8)),
        q4: bytes(Some(Quant::Q4)),
        q5: bytes(Some(Quant::Q5)),
        q6: bytes(Some(Quant::Q6)),
    })
}

fn num_labels(config_json: &str) -> Result<usize> {
    let v: serde_json::Value =
        serde_json::from_str(config_json).map_err(|e| Error::Config(e.to_string()))?;
    v.get("num_labels")
        .and_then(|n| n.as_u64())
        .filter(|&n| n > 0)
        .map(|n| n as usize)
        .ok_or_else(|| {
            Error::Config("config.json names no labels: neither `id2label` nor `num_labels`".into())
        })
}
