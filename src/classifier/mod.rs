//! The public pipeline: text → tokens → BERT → labelled scores. Loading is in [`load`].

mod load;

pub use load::StreamingLoader;

use crate::config::ModelConfig;
use crate::error::{Error, Result};
use crate::kernels::Activations;
use crate::labels::LabelInfo;
use crate::model::{sigmoid, softmax, BatchInput, Bert, BertOutput, Head, Rows};
use crate::tokenize::{Encoded, TextEncoder};

use serde::Serialize;

/// Padded tokens per encoder pass of a batch (see `Classifier::forward_groups`): 512 keeps
/// the GEMMs as efficient as one pass (M = 512 rows) and the activations of a batch of 8 long
/// texts from growing wasm memory past 1.5x a q8 BERT-base file.
const MAX_BATCH_TOKENS: usize = 512;

/// How logits become scores: what transformers' text-classification pipeline applies by
/// default (`function_to_apply`), decided by the config's `problem_type` and label count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreFn {
    /// One label per text: probabilities that sum to 1.
    Softmax,
    /// `multi_label_classification` (or a single output): each label's own probability.
    Sigmoid,
    /// `regression`: the raw logits, unchanged (transformers' `function_to_apply="none"`).
    Identity,
}

impl ScoreFn {
    pub fn for_model(problem_type: Option<&str>, num_labels: usize) -> Self {
        match problem_type {
            Some("regression") => ScoreFn::Identity,
            Some("multi_label_classification") => ScoreFn::Sigmoid,
            _ if num_labels == 1 => ScoreFn::Sigmoid,
            _ => ScoreFn::Softmax,
        }
    }

    /// The names `set_score_fn`, the CLI's `--score-fn` and the JS `scoreFn` option take.
    pub const NAMES: [&'static str; 3] = ["softmax", "sigmoid", "identity"];

    pub fn apply(self, logits: &[f32]) -> Vec<f32> {
        match self {
            ScoreFn::Softmax => softmax(logits),
            ScoreFn::Sigmoid => sigmoid(logits),
            ScoreFn::Identity => logits.to_vec(),
        }
    }
}

impl std::str::FromStr for ScoreFn {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "softmax" => Ok(ScoreFn::Softmax),
            "sigmoid" => Ok(ScoreFn::Sigmoid),
            "identity" => Ok(ScoreFn::Identity),
            _ => Err(Error::InvalidInput(format!(
                "unknown score function {name:?}: expected one of {}",
                ScoreFn::NAMES.join(", ")
            ))),
        }
    }
}

/// One class's score (a probability unless the model is a regression head).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub index: usize,
    pub label: String,
    /// Emotion group (e.g. "기쁨") for the 60-emotion model, else `null`.
    pub group: Option<&'static str>,
    /// English gloss for the 60-emotion model, else `null`.
    pub gloss: Option<&'static str>,
    pub score: f32,
}

/// The result for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// Tokens fed to the model, `[CLS]` and `[SEP]` included.
    pub tokens: usize,
    pub truncated: bool,
    /// Raw logits in class-index order.
    pub logits: Vec<f32>,
    /// Every class (or the top k), highest score first.
    pub scores: Vec<Score>,
}

impl Classification {
    /// Keeps only the `k` best scores.
    pub fn top_k(mut self, k: usize) -> Self {
        self.scores.truncate(k);
        self
    }
}

/// Encoder outputs for one text (any BERT, with or without a classification head).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncoderOutput {
    pub tokens: usize,
    pub truncated: bool,
    /// `[tokens][hidden]`
    pub last_hidden_state: Vec<Vec<f32>>,
    /// Pooler output (dense + tanh on `[CLS]`), when the checkpoint has a pooler.
    pub pooled: Option<Vec<f32>>,
}

/// A loaded model: tokenizer, encoder and, for `BertForSequenceClassification`, its head.
///
/// ```
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny-ko");
/// // A Hugging Face folder (config.json, tokenizer.json, model.safetensors) or a quantized file.
/// let model = gamjeong::Classifier::from_path(dir)?;
/// let result = model.classify("오늘 밥이 너무 맛있었어. 행복해")?.top_k(3);
/// assert_eq!(result.scores.len(), 3);
/// assert!(result.scores[0].score >= result.scores[1].score);
/// # Ok::<(), gamjeong::Error>(())
/// ```
pub struct Classifier {
    config: ModelConfig,
    encoder: TextEncoder,
    bert: Bert,
    head: Option<Head>,
    labels: Vec<LabelInfo>,
    /// The classifier's own thread pool ([`Classifier::set_threads`]); `None` runs on the
    /// current rayon pool (natively rayon's global pool, one thread per core unless
    /// `RAYON_NUM_THREADS` says otherwise; in wasm the pool `initThreadPool` started, or
    /// the calling thread in the single-threaded build).
    pool: Option<rayon::ThreadPool>,
    score_fn: ScoreFn,
    activations: Activations,
}

impl Classifier {
    /// Runs inference on its own pool of `threads` threads (1: on the calling thread only).
    /// Results are bit-identical for every thread count: work is split over output columns,
    /// sequences and heads, never inside a sum.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn set_threads(&mut self, threads: usize) -> Result<()> {
        if threads == 0 {
            return Err(Error::InvalidInput("threads must be at least 1".into()));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("gamjeong-{i}"))
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot start {threads} threads: {e}")))?;
        self.pool = Some(pool);
        Ok(())
    }

    /// How the int8 layers of a quantized model quantize their inputs (f32 models ignore it):
    /// [`Activations::Bits15`], the default and the browser's SIMD128 format (a native run
    /// gives the page's scores), or [`Activations::Bits8`], what `vpdpbusd` (AVX-VNNI,
    /// AVX-512 VNNI) multiplies: faster where the CPU has it, less faithful
    /// (docs/quantization.md, "Activation formats"). Results depend on this choice, never on
    /// the CPU. The relaxed-SIMD wasm build keeps its own 7-bit blocks whatever is set.
    pub fn set_activations(&mut self, activations: Activations) {
        self.activations = activations;
        let head = self.head.iter_mut().flat_map(Head::linears_mut);
        for linear in self.bert.linears_mut().chain(head) {
            linear.set_activations(activations);
        }
    }

    /// The activation format of the int8 layers ([`Classifier::set_activations`]).
    pub fn activations(&self) -> Activations {
        self.activations
    }

    /// Threads inference runs on.
    pub fn threads(&self) -> usize {
        match &self.pool {
            Some(pool) => pool.current_num_threads(),
            None => rayon::current_num_threads(),
        }
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Class metadata by index; empty for a model without a classification head.
    pub fn labels(&self) -> &[LabelInfo] {
        &self.labels
    }

    /// How this model's logits become scores: the config's (`problem_type`, label count)
    /// unless [`Classifier::set_score_fn`] said otherwise.
    pub fn score_fn(&self) -> ScoreFn {
        self.score_fn
    }

    /// Overrides how logits become scores, for every later `classify`, `explain` and file
    /// run, as transformers' `function_to_apply` does: for a model trained multi-label whose
    /// config.json lacks `problem_type` (its authors pass `function_to_apply="sigmoid"`), or
    /// to read raw logits (`Identity`). The logits themselves do not change.
    pub fn set_score_fn(&mut self, score_fn: ScoreFn) {
        self.score_fn = score_fn;
    }

    pub fn has_classifier(&self) -> bool {
        self.head.is_some()
    }

    /// Token ids exactly as the model sees them.
    pub fn encode(&self, text: &str) -> Result<Encoded> {
        self.encoder.encode(text)
    }

    pub fn classify(&self, text: &str) -> Result<Classification> {
        let mut out = self.classify_batch(&[text])?;
        out.pop()
            .ok_or_else(|| Error::InvalidInput("empty batch".into()))
    }

    /// Classifies texts together; padding never changes a text's result.
    pub fn classify_batch<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Classification>> {
        let head = self.head.as_ref().ok_or(Error::NoClassifier)?;
        let encoded = self.encode_all(texts)?;
        if encoded.is_empty() {
            return Ok(Vec::new());
        }
        let logits = self.logits(head, &encoded)?;
        Ok(encoded
            .iter()
            .zip(logits)
            .map(|(enc, logits)| self.scored(enc, logits))
            .collect())
    }

    /// The encoder on consecutive groups of at most [`MAX_BATCH_TOKENS`] padded tokens (a
    /// longer single text is a group of its own): the activations of a large batch would grow
    /// wasm memory, which never shrinks, by tens of MB, and a text's result does not depend on
    /// its batch.
    fn forward_groups(
        &self,
        encoded: &[Encoded],
        rows: Rows,
        mut each: impl FnMut(&[Encoded], BertOutput) -> Result<()> + Send,
    ) -> Result<()> {
        let lens: Vec<usize> = encoded.iter().map(|e| e.ids.len()).collect();
        let work = || {
            for range in group_bounds(&lens, MAX_BATCH_TOKENS) {
                let group = &encoded[range];
                each(group, self.bert.forward(&self.batch_input(group)?, rows)?)?;
            }
            Ok(())
        };
        // One pass: the pool's other threads spin on its regions (kernels::parallel::pass).
        use crate::kernels::parallel::pass;
        match &self.pool {
            Some(pool) => pool.install(|| pass(work)),
            None => pass(work),
        }
    }

    fn logits(&self, head: &Head, encoded: &[Encoded]) -> Result<Vec<Vec<f32>>> {
        let mut logits = Vec::with_capacity(encoded.len());
        // Every head reads the first token's row only (BERT's through the pooler).
        self.forward_groups(encoded, Rows::First, |_, out| {
            logits.extend(head.forward(&out)?.to_vec2::<f32>()?);
            Ok(())
        })?;
        Ok(logits)
    }

    /// Logits for already-tokenized inputs (`[CLS] … [SEP]` included, token type 0),
    /// padded as in `classify_batch`. For benchmarks on fixed token ids.
    pub fn logits_for_ids(&self, batch: &[Vec<u32>]) -> Result<Vec<Vec<f32>>> {
        let encoded: Vec<Encoded> = batch
            .iter()
            .map(|ids| Encoded {
                ids: ids.clone(),
                type_ids: vec![0; ids.len()],
                truncated: false,
            })
            .collect();
        self.logits_of(&encoded)
    }

    /// Logits of already-encoded rows through the batch path (≤512-padded-token passes).
    pub(crate) fn logits_of(&self, encoded: &[Encoded]) -> Result<Vec<Vec<f32>>> {
        let head = self.head.as_ref().ok_or(Error::NoClassifier)?;
        if encoded.is_empty() {
            return Ok(Vec::new());
        }
        self.logits(head, encoded)
    }

    pub(crate) fn encoder(&self) -> &TextEncoder {
        &self.encoder
    }

    /// A class index from its label (`"기쁨"`) or its index as text (`"50"`).
    pub fn label_index(&self, label_or_index: &str) -> Result<usize> {
        let n = self.labels.len();
        if n == 0 {
            return Err(Error::NoClassifier);
        }
        let found = match label_or_index.trim().parse::<usize>() {
            Ok(i) => (i < n).then_some(i),
            Err(_) => self.labels.iter().position(|l| l.label == label_or_index),
        };
        found.ok_or_else(|| {
            Error::InvalidInput(format!(
                "no label `{label_or_index}`: give a label of this model or an index 0..{n}"
            ))
        })
    }

    pub fn embed(&self, text: &str) -> Result<EncoderOutput> {
        let mut out = self.embed_batch(&[text])?;
        out.pop()
            .ok_or_else(|| Error::InvalidInput("empty batch".into()))
    }

    pub fn embed_batch<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<EncoderOutput>> {
        let encoded = self.encode_all(texts)?;
        if encoded.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(encoded.len());
        self.forward_groups(&encoded, Rows::All, |group, bert| {
            let hidden: Vec<Vec<Vec<f32>>> = bert.hidden.to_vec3()?;
            let pooled: Option<Vec<Vec<f32>>> = bert.pooled.map(|p| p.to_vec2()).transpose()?;
            out.extend(
                group
                    .iter()
                    .zip(hidden)
                    .enumerate()
                    .map(|(i, (enc, mut rows))| {
                        rows.truncate(enc.ids.len());
                        EncoderOutput {
                            tokens: enc.ids.len(),
                            truncated: enc.truncated,
                            last_hidden_state: rows,
                            pooled: pooled.as_ref().map(|p| p[i].clone()),
                        }
                    }),
            );
            Ok(())
        })?;
        Ok(out)
    }

    fn encode_all<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Encoded>> {
        texts.iter().map(|t| self.encode(t.as_ref())).collect()
    }

    /// Pads to the longest text; attention then reads each row's real tokens only.
    fn batch_input(&self, encoded: &[Encoded]) -> Result<BatchInput> {
        let lengths: Vec<usize> = encoded.iter().map(|e| e.ids.len()).collect();
        let seq = lengths.iter().copied().max().unwrap_or(0);
        let n = encoded.len();
        let (mut ids, mut types) = (Vec::with_capacity(n * seq), Vec::with_capacity(n * seq));
        for e in encoded {
            let pad = seq - e.ids.len();
            ids.extend(
                e.ids
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(self.encoder.pad_id(), pad)),
            );
            types.extend(
                e.type_ids
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(0, pad)),
            );
        }
        let b = &self.config.encoder;
        if let Some(bad) = ids.iter().find(|&&id| id as usize >= b.vocab_size) {
            return Err(Error::Tokenize(format!(
                "token id {bad} is outside vocab_size {}",
                b.vocab_size
            )));
        }
        // A family without token types (type_vocab_size 0) never reads them.
        let types_read = b.type_vocab_size > 0;
        if let Some(bad) = types
            .iter()
            .find(|&&t| types_read && t as usize >= b.type_vocab_size)
        {
            return Err(Error::Tokenize(format!(
                "token type {bad} is outside type_vocab_size {}",
                b.type_vocab_size
            )));
        }
        let padded = lengths.iter().any(|&l| l < seq);
        BatchInput::new(
            ids,
            types,
            (n, seq),
            padded.then_some(lengths),
            self.config.family,
            b.pad_token_id as u32,
        )
    }

    fn scored(&self, enc: &Encoded, logits: Vec<f32>) -> Classification {
        let probs = self.score_fn.apply(&logits);
        let mut scores: Vec<Score> = probs
            .iter()
            .zip(&self.labels)
            .enumerate()
            .map(|(index, (&score, info))| Score {
                index,
                label: info.label.clone(),
                group: info.group,
                gloss: info.gloss,
                score,
            })
            .collect();
        scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        Classification {
            tokens: enc.ids.len(),
            truncated: enc.truncated,
            logits,
            scores,
        }
    }
}

/// Consecutive ranges of texts whose padded size (`count × longest`) stays within `max`
/// tokens; a text longer than `max` on its own is a range of one. Never empty ranges.
fn group_bounds(lens: &[usize], max: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < lens.len() {
        let mut end = start + 1;
        let mut longest = lens[start];
        while end < lens.len() {
            let l = longest.max(lens[end]);
            if l * (end + 1 - start) > max {
                break;
            }
            longest = l;
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group_bounds;
    use super::{Classifier, Rows};

    const CONFIG: &str = include_str!("../../tests/fixtures/tiny-ko/config.json");
    const TOKENIZER: &[u8] = include_bytes!("../../tests/fixtures/tiny-ko/tokenizer.json");
    const WEIGHTS: &[u8] = include_bytes!("../../tests/fixtures/tiny-ko/model.safetensors");

    /// Max |Δ| between the pooled `[CLS]` rows of `Rows::First` and `Rows::All`, on a padded
    /// batch of short and long texts.
    fn first_row_matches_all_rows(model: &Classifier) -> f32 {
        let texts = [
            "오늘 밥이 너무 맛있었어. 행복해".to_string(),
            "직장에서 부당한 일을 겪어서 너무 화가 나. ".repeat(6),
            "안녕".to_string(),
        ];
        let encoded = model.encode_all(&texts).unwrap();
        let input = model.batch_input(&encoded).unwrap();
        let pooled = |rows| -> Vec<Vec<f32>> {
            let out = model.bert.forward(&input, rows).unwrap();
            out.pooled.unwrap().to_vec2().unwrap()
        };
        let (first, all) = (pooled(Rows::First), pooled(Rows::All));
        let mut worst = 0f32;
        assert_eq!(first.len(), texts.len());
        for (a, b) in first.iter().flatten().zip(all.iter().flatten()) {
            worst = worst.max((a - b).abs());
        }
        worst
    }

    #[test]
    fn the_cls_only_last_layer_computes_the_same_cls_row() {
        // Not bit for bit: the attention products run on candle's matmul, whose `gemm` takes
        // another path (another summation order) for one query row than for many. Measured on
        // this batch: f32 1.4e-6 (the 86-token row; the short rows are equal); q8 equal; q4
        // 5.5e-4, one 15-bit activation level of the long row flipped by that rounding.
        let f32_model = Classifier::from_bytes(CONFIG, TOKENIZER, WEIGHTS).unwrap();
        let d = first_row_matches_all_rows(&f32_model);
        eprintln!("f32: max |Δ| between the CLS-only and the full last layer: {d:e}");
        assert!(d < 1e-5, "f32: max |Δ| {d}");
        let tok = std::str::from_utf8(TOKENIZER).unwrap();
        for quant in [crate::Quant::Q8, crate::Quant::Q4] {
            let source = crate::ModelSource {
                model: "fixtures/tiny-ko".into(),
                revision: "test".into(),
            };
            let file = crate::quantize_bytes(WEIGHTS, quant, source, CONFIG, tok).unwrap();
            let model = Classifier::from_quantized(&file).unwrap();
            let d = first_row_matches_all_rows(&model);
            eprintln!("{quant:?}: max |Δ| between the CLS-only and the full last layer: {d:e}");
            assert!(d < 2e-3, "{quant:?}: max |Δ| {d}");
        }
    }

    #[test]
    fn groups_stay_within_the_token_budget() {
        assert!(group_bounds(&[], 512).is_empty());
        assert_eq!(group_bounds(&[128; 4], 512), vec![0..4]);
        assert_eq!(group_bounds(&[128; 5], 512), vec![0..4, 4..5]);
        // 3 × 171 = 513: one token over.
        assert_eq!(group_bounds(&[171, 10, 10], 512), vec![0..2, 2..3]);
        assert_eq!(group_bounds(&[10, 10, 171], 512), vec![0..2, 2..3]);
        assert_eq!(
            group_bounds(&[512, 1, 600, 3], 512),
            vec![0..1, 1..2, 2..3, 3..4]
        );
    }
}
