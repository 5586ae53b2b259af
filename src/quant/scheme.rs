//! The quantization tiers ([`Quant`]: q8, q4, q5, q6) and the per-tensor arithmetic shared by
//! the quantizer (CLI and browser) and the loader. Symmetric, round-half-away-from-zero
//! (`f32::round`).

use crate::error::{Error, Result};
use crate::family::{Family, Matrix};

/// K-block of the q4 scheme: one exponent per 32 consecutive inputs of a row.
pub const Q4_BLOCK: usize = 32;
const Q8_MAX: f32 = 127.0;

/// A quantization tier: how a model's weights are stored in a quantized file. Its name
/// (`q8`, …) is what the CLI's `--quant`, the JS `quant` option and `./build.sh space --quant`
/// take, and what the file records (under the metadata key `scheme`, docs/FORMAT.md).
/// Unquantized weights (`f32`) are no tier: they are the source the tiers are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    /// int8 weights, one f32 scale per output row.
    Q8,
    /// The ≤ 70 MB tier: uniform levels with one step per tensor (finer for the more
    /// sensitive kinds) and a power-of-two exponent per row and 32-input block, entropy
    /// coded: 4.05–5.6 bits per weight, 4.8 on average. The pooler and classifier stay q8.
    Q4,
    /// q4's storage with every step halved: one more bit per weight, half the error.
    Q5,
    /// q4's storage with every step quartered.
    Q6,
}

impl Quant {
    /// Every tier, in the order the CLI and the web page list them.
    pub const ALL: [Quant; 4] = [Quant::Q8, Quant::Q4, Quant::Q5, Quant::Q6];

    pub fn name(self) -> &'static str {
        match self {
            Quant::Q8 => "q8",
            Quant::Q4 => "q4",
            Quant::Q5 => "q5",
            Quant::Q6 => "q6",
        }
    }

    /// The tier named `s` (`q8`, `q4`, `q5`, `q6`).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.name() == s)
    }

    /// Whether matrices are stored in q4's entropy-coded form (q4, q5, q6).
    pub fn is_entropy_coded(self) -> bool {
        self != Quant::Q8
    }

    /// Step refinement of the entropy-coded tiers over q4's [`q4_step_divisor`]: each halving
    /// of the step costs about one bit per weight and halves the rounding error.
    pub(crate) fn step_refinement(self) -> f32 {
        match self {
            Quant::Q8 | Quant::Q4 => 1.0,
            Quant::Q5 => 2.0,
            Quant::Q6 => 4.0,
        }
    }
}

/// How one source tensor is stored in a quantized file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Copied unchanged (biases, LayerNorm, position and token-type embeddings).
    Keep,
    Q8,
    Q4,
    /// Rounded to F16: q4's position embeddings (0.8 MB saved at the BERT-base shape, an
    /// error far below q4's).
    F16,
    /// Not needed for inference (pre-training heads, `position_ids` buffers).
    Drop,
}

/// The storage of tensor `name` with `shape` under `quant`, in a checkpoint of `family`. Only
/// the 2-D matrices the family's table names (`Family::matrix`) are quantized: the encoder's,
/// the word embeddings, BERT's pooler and classifier, a first-token head's dense layer. A
/// first-token head's last matrix (ELECTRA's and RoBERTa's `out_proj`, DistilBERT's
/// `classifier`) stays f32, as does ELECTRA's `embeddings_project`.
pub fn storage_for(quant: Quant, family: Family, name: &str, shape: &[usize]) -> Storage {
    if name.starts_with("cls.") || name.ends_with("position_ids") {
        return Storage::Drop;
    }
    if quant.is_entropy_coded() && shape.len() == 2 && name.ends_with("position_embeddings.weight")
    {
        return Storage::F16;
    }
    let kind = match family.matrix(name) {
        Some(kind) if shape.len() == 2 => kind,
        _ => return Storage::Keep,
    };
    match kind {
        // labels × hidden weights that decide the label directly: int8's error there moved
        // the fixtures' probabilities by up to 0.014 (docs/models.md, "q8 gate"), for 0.1 %
        // of a BERT-base file.
        Matrix::HeadOut => Storage::Keep,
        // Small heads decide the label directly, so 4-bit error there is not worth its bytes.
        Matrix::HeadDense | Matrix::PooledClassifier => Storage::Q8,
        _ if quant.is_entropy_coded() && shape[1].is_multiple_of(Q4_BLOCK) => Storage::Q4,
        _ => Storage::Q8,
    }
}

/// `[n][k]` f32 → int8 `[n][k]` with a per-row scale. The scale is the one, among
/// `absmax / d` for `d` from 127 up to 127·1.25, with the least squared error of the row: rows
/// with a few large weights lose a little on those by clipping and gain resolution on all
/// others.
pub fn quantize_q8(w: &[f32], n: usize, k: usize) -> (Vec<i8>, Vec<f32>) {
    let mut q = vec![0i8; n * k];
    let mut scales = vec![0f32; n];
    for (row, (qr, s)) in w
        .chunks_exact(k)
        .zip(q.chunks_exact_mut(k).zip(&mut scales))
    {
        let absmax = row.iter().fold(0f32, |m, x| m.max(x.abs()));
        let mut best = (f32::INFINITY, 0f32);
        for step in 0..=Q8_SEARCH_STEPS {
            let d = Q8_MAX * (1.0 + 0.25 * step as f32 / Q8_SEARCH_STEPS as f32);
            let scale = absmax / d;
            let err = quantize_block_q8(row, scale, qr);
            if err < best.0 {
                best = (err, scale);
            }
        }
        *s = best.1;
        quantize_block_q8(row, best.1, qr);
    }
    (q, scales)
}

/// Scale candidates of [`quantize_q8`] beyond `absmax / 127`.
const Q8_SEARCH_STEPS: usize = 8;

fn quantize_block_q8(row: &[f32], scale: f32, q: &mut [i8]) -> f32 {
    quantize_at(row, scale, -Q8_MAX, Q8_MAX, q)
}

/// Quantizes `block` at `scale` into `q` (rounding half away from zero, clamped to
/// `lo..=hi`); returns the squared error.
fn quantize_at(block: &[f32], scale: f32, lo: f32, hi: f32, q: &mut [i8]) -> f32 {
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    let mut err = 0.0;
    for (x, y) in block.iter().zip(q.iter_mut()) {
        *y = (x * inv).round().clamp(lo, hi) as i8;
        let e = x - *y as f32 * scale;
        err += e * e;
    }
    err
}

/// A q4 matrix before entropy coding: int8 levels, one exponent per row and 32-input
/// block, one step per tensor. Element `[r, c]` is `levels[r·k + c] · step · 2^exps[r·k/32 + c/32]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Q4Matrix {
    pub levels: Vec<i8>,
    pub exps: Vec<i8>,
    pub step: f32,
}

/// Divisor `m` of the step `Δ = rms(W) / m` of tensor `name` (of a `family` checkpoint) under
/// an entropy-coded `quant`: q4's by matrix kind (`q4_kind_divisor`) times the tier's refinement.
pub fn q4_step_divisor(quant: Quant, family: Family, name: &str) -> f32 {
    q4_kind_divisor(family.matrix(name)) * quant.step_refinement()
}

/// Divisor `m` of the q4 step `Δ = rms(W) / m`, by matrix kind: the finer, the more bits
/// the entropy coder spends. Ranked by measured sensitivity (value and the FFN input
/// matter most, query/key least); tuned on all-MiniLM-L6-v2 and tiny-ko-q (docs/architecture.md, "Why q4 is entropy-coded").
fn q4_kind_divisor(kind: Option<Matrix>) -> f32 {
    match kind {
        Some(Matrix::Query | Matrix::Key) => 4.0,
        Some(Matrix::Value) => 12.0,
        Some(Matrix::FfnOut | Matrix::WordEmbeddings) => 6.0,
        _ => 9.0,
    }
}

/// Exponent range of q4 blocks: wide enough for any finite tensor (a block's max is at most
/// `m·sqrt(n·k)` steps, < 2^30), narrow enough that every block scale is a normal f32.
const Q4_EXP_MIN: i32 = -64;
const Q4_EXP_MAX: i32 = 63;
/// A block's exponent is the smallest with `max|w| ≤ 127.49 · Δ · 2^e`: levels stay in
/// ±127 without clipping.
const Q4_FIT: f32 = 127.49;

/// `step · 2^e`, exact (a multiplication by a power of two).
pub fn q4_block_scale(step: f32, e: i8) -> f32 {
    let e = (e as i32).clamp(Q4_EXP_MIN, Q4_EXP_MAX);
    step * f32::from_bits(((127 + e) as u32) << 23)
}

/// `[n][k]` f32 → q4 levels: one uniform step per tensor, `Δ = f32(rms(W) / m)`; each
/// row's 32-blocks take the smallest exponent `e ≥ 0` that fits their largest weight
/// (outlier blocks are rare), and `q = round(w / (Δ·2^e))` (half away from zero).
/// `fine_rows` (the special tokens' embedding rows, shared by every input) start from the
/// lowest exponent instead, which gives them int8 precision.
pub fn quantize_q4(w: &[f32], n: usize, k: usize, m: f32, fine_rows: &[usize]) -> Q4Matrix {
    let sum_sq: f64 = w.iter().map(|&x| x as f64 * x as f64).sum();
    let rms = (sum_sq / w.len().max(1) as f64).sqrt();
    let step = (rms / m as f64) as f32;
    let blocks = k / Q4_BLOCK;
    let mut out = Q4Matrix {
        levels: vec![0; n * k],
        exps: vec![0; n * blocks],
        step,
    };
    if !(step > 0.0 && step.is_normal()) {
        out.step = 0.0; // an all-zero (or denormal) tensor: every level 0
        return out;
    }
    for (b, (block, q)) in w
        .chunks_exact(Q4_BLOCK)
        .zip(out.levels.chunks_exact_mut(Q4_BLOCK))
        .enumerate()
    {
        let absmax = block.iter().fold(0f32, |a, x| a.max(x.abs()));
        let mut e = if fine_rows.contains(&(b / blocks)) {
            Q4_EXP_MIN
        } else {
            0
        };
        while e < Q4_EXP_MAX && absmax > Q4_FIT * q4_block_scale(step, e as i8) {
            e += 1;
        }
        out.exps[b] = e as i8;
        quantize_at(block, q4_block_scale(step, e as i8), -Q8_MAX, Q8_MAX, q);
    }
    out
}

/// Signed values as coder symbols, offset by 128 so values around 0 form one contiguous
/// range (the frequency table covers only that range).
fn to_symbol(v: i8) -> u8 {
    (v as u8) ^ 0x80
}

fn from_symbol(s: u8) -> i8 {
    (s ^ 0x80) as i8
}

/// The q4 file form: entropy-coded levels and exponents (see `quant::rans`).
pub fn encode_q4(m: &Q4Matrix) -> Result<(Vec<u8>, Vec<u8>)> {
    let as_bytes = |v: &[i8]| v.iter().map(|&x| to_symbol(x)).collect::<Vec<u8>>();
    Ok((
        super::rans::encode(&as_bytes(&m.levels))?,
        super::rans::encode(&as_bytes(&m.exps))?,
    ))
}

/// Decodes a q4 matrix `[n][k]` into the kernels' form: int8 levels and one f32 scale per
/// row and 32-block.
pub fn decode_q4(
    levels: &[u8],
    exps: &[u8],
    step: f32,
    n: usize,
    k: usize,
) -> Result<(Vec<i8>, Vec<f32>)> {
    if !k.is_multiple_of(Q4_BLOCK) {
        return Err(Error::Format(format!(
            "a q4 matrix needs a multiple of {Q4_BLOCK} columns, not {k}"
        )));
    }
    if !(step.is_finite() && step >= 0.0) {
        return Err(Error::Format(format!(
            "q4 step {step} is not a finite scale"
        )));
    }
    let mut q = vec![0i8; n * k];
    super::rans::decode(levels, &mut q, from_symbol)?;
    let mut scales = vec![0f32; n * (k / Q4_BLOCK)];
    super::rans::decode(exps, &mut scales, |s| q4_block_scale(step, from_symbol(s)))?;
    Ok((q, scales))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        crate::quant::xorshift(seed)
            .take(n)
            .map(|s| (s as f32 / u32::MAX as f32 - 0.5) * 0.2)
            .collect()
    }

    #[test]
    fn q8_error_is_at_most_half_a_step() {
        let (n, k) = (7, 96);
        let w = pseudo_random(n * k, 1);
        let (q, s) = quantize_q8(&w, n, k);
        for (i, x) in w.iter().enumerate() {
            let back = q[i] as f32 * s[i / k];
            assert!(
                (back - x).abs() <= s[i / k] * 0.5 + 1e-7,
                "{i}: {x} vs {back}"
            );
        }
        assert!(q.iter().any(|&v| v.abs() == 127), "full range used");
    }

    #[test]
    fn q4_round_trips_through_the_entropy_coder_within_half_a_step() {
        let (n, k) = (6, 128);
        let mut w = pseudo_random(n * k, 2);
        w[3 * k + 40] = 2.5; // an outlier block in row 3
        let m = q4_step_divisor(
            Quant::Q4,
            Family::Bert,
            "bert.encoder.layer.0.attention.self.value.weight",
        );
        let q = quantize_q4(&w, n, k, m, &[1]);
        let (levels, exps) = encode_q4(&q).unwrap();
        let (back_q, scales) = decode_q4(&levels, &exps, q.step, n, k).unwrap();
        assert_eq!(back_q, q.levels);
        let blocks = k / Q4_BLOCK;
        for (b, &e) in q.exps.iter().enumerate() {
            assert_eq!(scales[b], q4_block_scale(q.step, e));
            let (row, col) = (b / blocks, (b % blocks) * Q4_BLOCK);
            match (row, col) {
                (1, _) => assert!(e <= -2, "a fine row gets int8 precision: {e}"),
                (3, 32) => assert!(e > 0, "the outlier block widens its step: {e}"),
                _ => assert_eq!(e, 0, "block {b}"),
            }
        }
        let rms = (w.iter().map(|x| x * x).sum::<f32>() / w.len() as f32).sqrt();
        assert!((q.step - rms / m).abs() <= 1e-6 * q.step);
        for (i, x) in w.iter().enumerate() {
            let s = scales[i / Q4_BLOCK];
            assert!((back_q[i] as f32 * s - x).abs() <= s * 0.5 + 1e-7, "{i}");
        }
        // Coded size follows the step: about 4 bits for the coarse kinds, plus a table of at
        // most 256 frequencies.
        let coarse = quantize_q4(&w, n, k, 4.0, &[]);
        let bytes = encode_q4(&coarse).unwrap().0.len();
        assert!(bytes < n * k / 2 + 2 * 256 + 16, "{bytes} bytes");
        let err = |m: &Q4Matrix| -> f32 {
            let (q, s) = decode_q4(
                &encode_q4(m).unwrap().0,
                &encode_q4(m).unwrap().1,
                m.step,
                n,
                k,
            )
            .unwrap();
            w.iter()
                .enumerate()
                .map(|(i, x)| (x - q[i] as f32 * s[i / Q4_BLOCK]).powi(2))
                .sum()
        };
        assert!(err(&q) < err(&coarse) / 4.0, "a finer kind has less error");
    }

    #[test]
    fn q4_decode_rejects_bad_input() {
        let (n, k) = (2, 64);
        let q = quantize_q4(&pseudo_random(n * k, 5), n, k, 6.0, &[]);
        let (levels, exps) = encode_q4(&q).unwrap();
        assert!(decode_q4(&levels, &exps, q.step, n, k).is_ok());
        assert!(decode_q4(&levels, &exps, q.step, n + 1, k).is_err());
        assert!(decode_q4(&exps, &levels, q.step, n, k).is_err());
        assert!(decode_q4(&levels, &exps, f32::NAN, n, k).is_err());
        assert!(decode_q4(&levels, &exps, q.step, n, 48).is_err());
        assert!(decode_q4(&levels[..levels.len() - 1], &exps, q.step, n, k).is_err());
    }

    #[test]
    fn zero_rows_stay_zero() {
        let (q, s) = quantize_q8(&[0.0; 8], 2, 4);
        assert!(q.iter().all(|&v| v == 0) && s == [0.0, 0.0]);
        let q = quantize_q4(&[0.0; 64], 2, 32, 6.0, &[0]);
        let (levels, exps) = encode_q4(&q).unwrap();
        let (q, s) = decode_q4(&levels, &exps, q.step, 2, 32).unwrap();
        assert!(q.iter().all(|&v| v == 0) && s.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn storage_rules() {
        use Storage::*;
        let m = [768, 768];
        let bert =
            |quant, name: &str, shape: &[usize]| storage_for(quant, Family::Bert, name, shape);
        let query = "bert.encoder.layer.0.attention.self.query.weight";
        assert_eq!(bert(Quant::Q8, query, &m), Q8);
        assert_eq!(bert(Quant::Q4, query, &m), Q4);
        assert_eq!(bert(Quant::Q4, "bert.pooler.dense.weight", &m), Q8);
        for tier in [Quant::Q5, Quant::Q6] {
            let value = "bert.encoder.layer.0.attention.self.value.weight";
            assert_eq!(bert(tier, value, &m), Q4);
            assert_eq!(bert(tier, "classifier.weight", &[60, 768]), Q8);
            assert_eq!(
                bert(tier, "bert.embeddings.position_embeddings.weight", &m),
                F16
            );
            assert!(
                q4_step_divisor(tier, Family::Bert, value)
                    > q4_step_divisor(Quant::Q4, Family::Bert, value)
            );
            assert_eq!(Quant::parse(tier.name()), Some(tier));
        }
        assert_eq!(bert(Quant::Q4, "classifier.weight", &[60, 768]), Q8);
        assert_eq!(
            bert(
                Quant::Q4,
                "embeddings.word_embeddings.weight",
                &[30522, 384]
            ),
            Q4
        );
        // Rows not a multiple of q4's block stay int8; names the table does not know stay f32.
        assert_eq!(
            bert(
                Quant::Q4,
                "bert.encoder.layer.0.output.dense.weight",
                &[10, 40]
            ),
            Q8
        );
        assert_eq!(bert(Quant::Q8, "x.dense.weight", &m), Keep);
        assert_eq!(
            bert(Quant::Q8, "bert.embeddings.position_embeddings.weight", &m),
            Keep
        );
        assert_eq!(
            bert(Quant::Q4, "bert.embeddings.position_embeddings.weight", &m),
            F16
        );
        assert_eq!(
            bert(Quant::Q8, "bert.encoder.layer.0.output.dense.bias", &[768]),
            Keep
        );
        assert_eq!(
            bert(Quant::Q8, "bert.embeddings.LayerNorm.weight", &[768]),
            Keep
        );
        assert_eq!(bert(Quant::Q8, "embeddings.position_ids", &[1, 512]), Drop);
        assert_eq!(bert(Quant::Q8, "cls.predictions.decoder.weight", &m), Drop);
        // DistilBERT's names for BERT's matrices, with BERT's q4 step per kind.
        for (theirs, ours) in [
            ("attention.q_lin", "attention.self.query"),
            ("attention.v_lin", "attention.self.value"),
            ("attention.out_lin", "attention.output.dense"),
            ("ffn.lin1", "intermediate.dense"),
            ("ffn.lin2", "output.dense"),
        ] {
            let theirs = format!("distilbert.transformer.layer.0.{theirs}.weight");
            let ours = format!("bert.encoder.layer.0.{ours}.weight");
            for tier in Quant::ALL {
                assert_eq!(
                    storage_for(tier, Family::DistilBert, &theirs, &m),
                    bert(tier, &ours, &m)
                );
                assert_eq!(
                    q4_step_divisor(tier, Family::DistilBert, &theirs),
                    q4_step_divisor(tier, Family::Bert, &ours)
                );
            }
        }
        // The first-token heads: the dense layer int8 in every tier, the last matrix f32 --
        // DistilBERT's `classifier` too, though BERT's matrix of that name is int8.
        for tier in Quant::ALL {
            for (family, dense, out) in [
                (Family::Electra, "classifier.dense", "classifier.out_proj"),
                (Family::Roberta, "classifier.dense", "classifier.out_proj"),
                (Family::DistilBert, "pre_classifier", "classifier"),
            ] {
                let dense = format!("{dense}.weight");
                let out = format!("{out}.weight");
                assert_eq!(storage_for(tier, family, &dense, &m), Q8, "{family:?}");
                assert_eq!(
                    storage_for(tier, family, &out, &[3, 768]),
                    Keep,
                    "{family:?}"
                );
            }
        }
        assert_eq!(
            storage_for(
                Quant::Q4,
                Family::DistilBert,
                "distilbert.transformer.layer.0.sa_layer_norm.weight",
                &[768]
            ),
            Keep
        );
        assert_eq!(
            storage_for(
                Quant::Q8,
                Family::Electra,
                "electra.embeddings_project.weight",
                &[256, 128]
            ),
            Keep
        );
    }
}
