//! BERT encoder as in transformers' `modeling_bert.py`, written once for every weight
//! storage (all matrix products go through [`Linear`]) and every family: ELECTRA, RoBERTa and
//! DistilBERT are BERT with the differences `crate::family` lists as data.

use super::attention;
use super::buf::Buf;
use super::linear::{EmbeddingTable, Linear, Prequantized};
use super::norm::{LayerNorm, Normed};
use crate::config::{HiddenAct, ModelConfig};
use crate::error::{Error, Result};
use crate::family::{Family, LayerNames, Positions};
use crate::io::{Scope, Weights};
use crate::kernels::parallel::{self, SharedOut};
use candle_core::{IndexOp, Module, Tensor};

/// Token ids of a batch: `[batch, seq]` each, rows padded at the end.
pub struct BatchInput {
    pub ids: Tensor,
    pub type_ids: Tensor,
    /// Position ids by the family's numbering: `[1, seq]` (the same for every row) or, for
    /// RoBERTa's, `[batch, seq]`.
    pub positions: Tensor,
    /// Real tokens per row (the rest is padding); `None` when no row is padded.
    pub lengths: Option<Vec<usize>>,
}

impl BatchInput {
    /// `ids` and `type_ids` row-major `[batch, seq]`; positions numbered by `family` (with
    /// `pad`, the config's `pad_token_id`), computed here once from the ids in hand.
    pub(crate) fn new(
        ids: Vec<u32>,
        type_ids: Vec<u32>,
        (batch, seq): (usize, usize),
        lengths: Option<Vec<usize>>,
        family: Family,
        pad: u32,
    ) -> Result<Self> {
        let dev = candle_core::Device::Cpu;
        let positions = match family.layout().positions {
            Positions::FromZero => Tensor::arange(0u32, seq as u32, &dev)?.unsqueeze(0)?,
            Positions::AfterPadding => {
                Tensor::from_vec(positions_after_padding(&ids, seq, pad), (batch, seq), &dev)?
            }
        };
        Ok(Self {
            ids: Tensor::from_vec(ids, (batch, seq), &dev)?,
            type_ids: Tensor::from_vec(type_ids, (batch, seq), &dev)?,
            positions,
            lengths,
        })
    }
}

/// Which rows of the last hidden state [`Bert::forward`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// Every token (embeddings).
    All,
    /// The first token (`[CLS]`) only, all a classifier head reads: the last layer then runs
    /// its query, attention output and feed-forward on one row per text instead of `seq`,
    /// while keys and values still cover every token.
    First,
}

pub struct BertOutput {
    /// `[batch, seq, hidden]`, or `[batch, 1, hidden]` for [`Rows::First`].
    pub hidden: Tensor,
    /// `[batch, hidden]`, when the checkpoint has a pooler.
    pub pooled: Option<Tensor>,
}

struct Embeddings {
    word: EmbeddingTable,
    position: EmbeddingTable,
    /// `None` for a family without token types (DistilBERT).
    token_type: Option<EmbeddingTable>,
    norm: LayerNorm,
}

impl Embeddings {
    /// `dim`: the embedding width (`hidden_size`, or ELECTRA's `embedding_size`).
    fn load(s: &Scope, c: &ModelConfig, dim: usize) -> Result<Self> {
        let b = &c.encoder;
        let layout = c.family.layout();
        // In the checkpoint's order, so a wrong width is reported on the word embeddings.
        let word = EmbeddingTable::load(&s.pp("word_embeddings"), b.vocab_size, dim)?;
        let position =
            EmbeddingTable::load(&s.pp("position_embeddings"), b.max_position_embeddings, dim)?;
        let token_type = match layout.token_types {
            true => Some(EmbeddingTable::load(
                &s.pp("token_type_embeddings"),
                b.type_vocab_size,
                dim,
            )?),
            false => None,
        };
        Ok(Self {
            word,
            position,
            token_type,
            norm: LayerNorm::load(&s.pp("LayerNorm"), dim, b.layer_norm_eps)?,
        })
    }

    /// Token types are read only by a family that has them. The output is quantized for
    /// `next` where it is int8.
    fn forward(&self, input: &BatchInput, next: Option<&Linear>) -> Result<Normed> {
        let mut x = self.word.forward(&input.ids)?;
        if let Some(types) = &self.token_type {
            x = (x + types.forward(&input.type_ids)?)?;
        }
        let x = x.broadcast_add(&self.position.forward(&input.positions)?)?;
        self.norm.forward(&x, next)
    }
}

/// RoBERTa's position ids of `ids` (rows of `seq`), as transformers'
/// `create_position_ids_from_input_ids` computes them: `pad + 1, pad + 2, …` over the tokens
/// that are not `pad`, and `pad` for those that are, so a text's positions do not depend on the
/// padding of its batch.
fn positions_after_padding(ids: &[u32], seq: usize, pad: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(ids.len());
    for row in ids.chunks(seq.max(1)) {
        let mut last = pad;
        out.extend(row.iter().map(|&id| match id == pad {
            true => pad,
            false => {
                last += 1;
                last
            }
        }));
    }
    out
}

struct SelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    norm: LayerNorm,
    heads: usize,
    head_size: usize,
}

impl SelfAttention {
    /// `s`: the layer's scope (the names inside it are `n`'s).
    fn load(s: &Scope, c: &ModelConfig, n: &LayerNames) -> Result<Self> {
        let h = c.encoder.hidden_size;
        Ok(Self {
            query: Linear::load(&s.pp(n.query), h, h)?,
            key: Linear::load(&s.pp(n.key), h, h)?,
            value: Linear::load(&s.pp(n.value), h, h)?,
            output: Linear::load(&s.pp(n.attention_out), h, h)?,
            norm: LayerNorm::load(&s.pp(n.attention_norm), h, c.encoder.layer_norm_eps)?,
            heads: c.encoder.num_attention_heads,
            head_size: c.head_size(),
        })
    }

    /// `x` `[b, s, h]` (`pre`: quantized for the query, key and value) → `[b, s, h]`, or
    /// `[b, 1, h]` (the first token's row) with `Rows::First`: keys and values still come from
    /// every token. The output is quantized for `next` where it is int8.
    fn forward(
        &self,
        x: &[f32],
        (b, s, h): (usize, usize, usize),
        pre: Option<&Prequantized>,
        lengths: Option<&[usize]>,
        rows: Rows,
        next: Option<&Linear>,
    ) -> Result<Normed> {
        // The first token's rows, copied out for `Rows::First` (one per sequence).
        let firsts = match rows {
            Rows::All => None,
            Rows::First if s == 0 => {
                return Err(
                    candle_core::Error::Msg("no first token in empty sequences".into()).into(),
                )
            }
            Rows::First => {
                let mut f = Buf::take(b * h);
                for (dst, src) in f.chunks_exact_mut(h).zip(x.chunks_exact(s * h)) {
                    dst.copy_from_slice(&src[..h]);
                }
                Some(f)
            }
        };
        let queries: &[f32] = firsts.as_deref().unwrap_or(x);
        let sq = queries.len() / (b * h).max(1);
        // The products that read the same input quantize it once (or not at all: `pre`).
        let pre = pre.and_then(Prequantized::all);
        let (q, k, v) = match rows {
            Rows::All => {
                let qkv = [&self.query, &self.key, &self.value];
                let [q, k, v] = Linear::forward_shared(qkv, x, b * s, pre)?;
                (q, k, v)
            }
            Rows::First => {
                let [k, v] = Linear::forward_shared([&self.key, &self.value], x, b * s, pre)?;
                (self.query.run(queries, b, None, None)?, k, v)
            }
        };
        let context = self.attend([&q, &k, &v], (b, sq, s, h), lengths);
        // Back to the pool before the next product takes its output.
        drop((q, k, v));
        let context = context?;
        // The residual add, the LayerNorm and the next layer's quantization: one pass per row.
        let y = self.output.run(&context, b * sq, None, None)?;
        drop(context);
        self.norm.forward_residual(y, queries, next)
    }

    /// softmax(q kᵀ / √d) v for every sequence of the batch: q `[b, sq, hidden]`, k and v
    /// `[b, s, hidden]` (row-major values), out `[b, sq, hidden]`. One parallel region whose tasks are (sequence,
    /// group of heads) pairs: each task reads its heads' columns of q, k and v in place
    /// (`attention::head`, one head at a time) and writes its context
    /// into its own columns of the output, so nothing runs between the projections and the
    /// output product but the region, and no region is nested in another (a batch used to
    /// start one per sequence, through rayon). One sequence is computed on its real tokens
    /// only: a padded row then computes exactly what the text alone computes (transformers
    /// masks padded keys instead, which gives the same values up to summation order); its
    /// padding positions are 0 (no real token reads them). Each (sequence, head) is computed
    /// by the same operations whatever the grouping, so the thread count changes no bit.
    fn attend(
        &self,
        [qs, ks, vs]: [&[f32]; 3],
        (b, sq, s, h): (usize, usize, usize, usize),
        lengths: Option<&[usize]>,
    ) -> Result<Buf> {
        let hs = self.head_size;
        // At least one task per thread when the batch has fewer sequences than threads.
        let threads = rayon::current_num_threads().max(1);
        let per_group = self
            .heads
            .div_ceil(threads.div_ceil(b.max(1)).min(self.heads))
            .clamp(1, self.heads);
        let groups = self.heads.div_ceil(per_group);
        // Every value is written below: the context of the real rows, zeros in the padding.
        let mut out = Buf::take(b * sq * h);
        let shared = SharedOut::new(&mut out);
        let scale = (1.0 / (hs as f64).sqrt()) as f32;
        // q, k and v where the projections wrote them: each head reads its columns in place.
        let done = parallel::map(b * groups, |t| -> Result<()> {
            let (i, h0) = (t / groups, (t % groups) * per_group);
            let n = per_group.min(self.heads - h0);
            let len = lengths.map_or(s, |l| l[i]).min(s);
            let qlen = len.min(sq);
            if h0 == 0 && qlen < sq {
                // SAFETY: the padding rows of sequence i: only its first task writes them.
                let pad = unsafe { shared.part((i * sq + qlen) * h, (sq - qlen) * h) };
                pad.fill(0.0);
            }
            if qlen == 0 {
                return Ok(());
            }
            // One head's scores at a time (a 512-token head: 1 MiB).
            let mut scratch = attention::HeadScratch::default();
            for hd in h0..h0 + n {
                let rows = |data, first: usize, rows| attention::Rows {
                    data,
                    at: first * h + hd * hs,
                    stride: h,
                    rows,
                };
                let (qr, kr, vr) = (
                    rows(qs, i * sq, qlen),
                    rows(ks, i * s, len),
                    rows(vs, i * s, len),
                );
                if !attention::head(qr, kr, vr, hs, scale, &mut scratch) {
                    return Err(candle_core::Error::Msg(format!(
                        "attention: q, k, v of {}, {}, {} values do not hold {b} sequences of {h}",
                        qs.len(),
                        ks.len(),
                        vs.len()
                    ))
                    .into());
                }
                for (r, src) in scratch.ctx.chunks_exact(hs).enumerate() {
                    // SAFETY: row r of sequence i, columns of head hd: this task's only.
                    let dst = unsafe { shared.part((i * sq + r) * h + hd * hs, hs) };
                    dst.copy_from_slice(src);
                }
            }
            Ok(())
        });
        done.into_iter().collect::<Result<()>>()?;
        Ok(out)
    }
}

/// Tokens per feed-forward chunk: large enough that the GEMMs stay efficient, small enough
/// that a batch of long texts does not grow wasm memory by tens of MB.
const FFN_ROWS: usize = 256;

struct Layer {
    attention: SelfAttention,
    intermediate: Linear,
    output: Linear,
    norm: LayerNorm,
    act: HiddenAct,
}

impl Layer {
    fn load(s: &Scope, c: &ModelConfig) -> Result<Self> {
        let b = &c.encoder;
        let n = &c.family.layout().layer;
        Ok(Self {
            attention: SelfAttention::load(s, c, n)?,
            intermediate: Linear::load(&s.pp(n.ffn_in), b.hidden_size, b.intermediate_size)?,
            output: Linear::load(&s.pp(n.ffn_out), b.intermediate_size, b.hidden_size)?,
            norm: LayerNorm::load(&s.pp(n.ffn_norm), b.hidden_size, b.layer_norm_eps)?,
            act: b.hidden_act,
        })
    }

    /// `x` `[b, s, h]` (`pre`: quantized for its query, key and value) → the layer's output,
    /// quantized for `next` where it is int8.
    fn forward(
        &self,
        x: &[f32],
        dims: (usize, usize, usize),
        pre: Option<Prequantized>,
        lengths: Option<&[usize]>,
        rows: Rows,
        next: Option<&Linear>,
    ) -> Result<Normed> {
        let attended = self.attention.forward(
            x,
            dims,
            pre.as_ref(),
            lengths,
            rows,
            Some(&self.intermediate),
        );
        if let Some(p) = pre {
            p.give_back();
        }
        let Normed {
            hidden: attended,
            quantized,
        } = attended?;
        let out = self.feed_forward(&attended, dims.2, quantized.as_ref());
        if let Some(q) = quantized {
            q.give_back();
        }
        self.norm.forward_residual(out?, &attended, next)
    }

    /// The feed-forward block on `x` (rows of `h`; `quantized`: the same rows quantized for
    /// `intermediate`), before its residual add, in chunks of FFN_ROWS tokens: its
    /// `[tokens, intermediate]` activations are 4x the hidden state's, the largest buffers of a
    /// long batch. Rows are independent (per-row activation scales), so chunking changes no
    /// result; each chunk's output goes straight to its rows of the whole output.
    fn feed_forward(&self, x: &[f32], h: usize, quantized: Option<&Prequantized>) -> Result<Buf> {
        use super::activation::{gelu_erf, gelu_tanh, relu};
        let act: fn(&mut [f32]) = match self.act {
            HiddenAct::Gelu => gelu_erf,
            HiddenAct::GeluApproximate => gelu_tanh,
            HiddenAct::Relu => relu,
        };
        let rows = x.len() / h.max(1);
        let mut out = Buf::take(rows * h);
        for r in (0..rows).step_by(FFN_ROWS) {
            let n = FFN_ROWS.min(rows - r);
            let pre = quantized.and_then(|q| q.rows(r, n));
            let xs = &x[r * h..(r + n) * h];
            let inner = self.intermediate.run(xs, n, Some(act), pre)?;
            let ys = &mut out[r * h..(r + n) * h];
            self.output.run_into(&inner, n, None, None, ys)?;
        }
        Ok(out)
    }
}

pub struct Bert {
    embeddings: Embeddings,
    /// ELECTRA's `embeddings_project` (`embedding_size` → `hidden_size`), when they differ.
    project: Option<Linear>,
    layers: Vec<Layer>,
    pooler: Option<Linear>,
}

/// Where the encoder's tensors live: under the family's prefix (`bert.`, `electra.`,
/// `roberta.`, `distilbert.`) in an HF `*For*` checkpoint, at the root in a bare `*Model`.
pub fn encoder_prefix(weights: &Weights, family: Family) -> Result<&'static str> {
    // LayerNorm is stored as-is under every scheme, so it marks the prefix reliably.
    const PROBE: &str = "embeddings.LayerNorm.weight";
    let prefix = family.layout().prefix;
    if weights.contains(&format!("{prefix}.{PROBE}")) {
        return Ok(prefix);
    }
    if weights.contains(PROBE) {
        return Ok("");
    }
    // Another family's weights under a config of this one: say so.
    let other = Family::ALL
        .iter()
        .map(|f| f.layout().prefix)
        .find(|p| weights.contains(&format!("{p}.{PROBE}")));
    let hint = match other {
        Some(p) => format!(
            " (the weights are under `{p}.`, but config.json's model_type reads as `{}`)",
            family.model_type()
        ),
        None => format!(
            " (nor `{PROBE}` at the root: is this a {} checkpoint?)",
            family.model_type()
        ),
    };
    Err(Error::MissingTensor {
        name: format!("{prefix}.{PROBE}"),
        hint,
    })
}

impl Bert {
    pub fn load(s: &Scope, c: &ModelConfig) -> Result<Self> {
        let hidden = c.encoder.hidden_size;
        let dim = c.encoder.embedding_size.unwrap_or(hidden);
        let embeddings = Embeddings::load(&s.pp("embeddings"), c, dim)?;
        // transformers creates the projection only when the widths differ.
        let project = match dim != hidden {
            true => Some(Linear::load(&s.pp("embeddings_project"), dim, hidden)?),
            false => None,
        };
        let layers_scope = s.pp(c.family.layout().layers);
        let layers = (0..c.encoder.num_hidden_layers)
            .map(|i| Layer::load(&layers_scope.pp(i), c))
            .collect::<Result<Vec<_>>>()?;
        let pooler_scope = s.pp("pooler.dense");
        let pooler = if pooler_scope.contains("bias") {
            Some(Linear::load(
                &pooler_scope,
                c.encoder.hidden_size,
                c.encoder.hidden_size,
            )?)
        } else {
            None
        };
        Ok(Self {
            embeddings,
            project,
            layers,
            pooler,
        })
    }

    pub fn has_pooler(&self) -> bool {
        self.pooler.is_some()
    }

    /// Every dense layer of the encoder (to set how the int8 ones quantize their inputs).
    pub fn linears_mut(&mut self) -> impl Iterator<Item = &mut Linear> {
        let layers = self.layers.iter_mut().flat_map(|l| {
            let a = &mut l.attention;
            [
                &mut a.query,
                &mut a.key,
                &mut a.value,
                &mut a.output,
                &mut l.intermediate,
                &mut l.output,
            ]
        });
        self.project
            .iter_mut()
            .chain(layers)
            .chain(&mut self.pooler)
    }

    /// `rows` says which rows of the last hidden state the caller reads; every layer but the
    /// last needs all of them, whatever it is.
    pub fn forward(&self, input: &BatchInput, rows: Rows) -> Result<BertOutput> {
        // Each LayerNorm quantizes its output for the int8 layer that reads it next.
        let query = |i: usize| self.layers.get(i).map(|l| &l.attention.query);
        let first = self.project.as_ref().or(query(0));
        let (b, s) = input.ids.dims2()?;
        let Normed {
            hidden: mut x,
            quantized: mut pre,
        } = self.embeddings.forward(input, first)?;
        if let Some(project) = &self.project {
            x = project.run(&x, b * s, None, pre.as_ref().and_then(Prequantized::all))?;
            if let Some(p) = pre.take() {
                p.give_back();
            }
        }
        let h = x.len() / (b * s).max(1);
        let last = self.layers.len().saturating_sub(1);
        let mut sq = s;
        for (i, layer) in self.layers.iter().enumerate() {
            let (rows, next) = match i == last {
                true => (rows, None),
                false => (Rows::All, query(i + 1)),
            };
            let lengths = input.lengths.as_deref();
            let out = layer.forward(&x, (b, s, h), pre.take(), lengths, rows, next)?;
            (x, pre) = (out.hidden, out.quantized);
            sq = x.len() / (b * h).max(1);
        }
        if let Some(p) = pre {
            p.give_back();
        }
        // A copy, so that the buffer stays in the pool for the next pass.
        let x = Tensor::from_slice(&x, (b, sq, h), &candle_core::Device::Cpu)?;
        let pooled = match &self.pooler {
            Some(dense) => Some(dense.forward(&x.i((.., 0))?.contiguous()?)?.tanh()?),
            None => None,
        };
        Ok(BertOutput { hidden: x, pooled })
    }
}

/// Independent per-label probabilities (multi-label classifiers), in f64 as softmax.
pub fn sigmoid(logits: &[f32]) -> Vec<f32> {
    logits
        .iter()
        .map(|&l| (1.0 / (1.0 + (-(l as f64)).exp())) as f32)
        .collect()
}

/// Softmax over the last dimension, in f64 so tiny probabilities keep their digits.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.iter().map(|&l| (l as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| (e / sum) as f32).collect()
}
