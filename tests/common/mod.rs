//! Fixtures and parity checks shared by the native tests and the wasm-bindgen tests, so
//! both targets are held to the same transformers reference by the same code.
#![allow(dead_code)]

use gamjeong::Classifier;
use serde::Deserialize;

pub const TINY_CONFIG: &str = include_str!("../fixtures/tiny-ko/config.json");
pub const TINY_TOKENIZER: &[u8] = include_bytes!("../fixtures/tiny-ko/tokenizer.json");
pub const TINY_WEIGHTS: &[u8] = include_bytes!("../fixtures/tiny-ko/model.safetensors");
pub const TINY_REFERENCE: &str = include_str!("../fixtures/tiny-ko/reference.json");

pub const ENCODER_CONFIG: &str = include_str!("../fixtures/tiny-ko-encoder/config.json");
pub const ENCODER_WEIGHTS: &[u8] = include_bytes!("../fixtures/tiny-ko-encoder/model.safetensors");
pub const ENCODER_REFERENCE: &str = include_str!("../fixtures/tiny-ko-encoder/reference.json");

/// Max |Δ| allowed between our logits / hidden states and transformers'.
pub const TOLERANCE: f32 = 1e-4;

#[derive(Deserialize)]
pub struct Case {
    pub name: String,
    pub text: String,
    pub input_ids: Vec<u32>,
    pub token_type_ids: Vec<u32>,
    #[serde(default)]
    pub truncated: bool,
    #[serde(default)]
    pub logits: Vec<f32>,
    #[serde(default)]
    pub probs: Vec<f32>,
    #[serde(default)]
    pub last_hidden_state: Vec<Vec<f32>>,
    #[serde(default)]
    pub pooler_output: Vec<f32>,
}

#[derive(Deserialize)]
pub struct Batch {
    pub texts: Vec<String>,
    pub attention_mask: Vec<Vec<u32>>,
    #[serde(default)]
    pub logits: Vec<Vec<f32>>,
    #[serde(default)]
    pub last_hidden_state: Vec<Vec<Vec<f32>>>,
    #[serde(default)]
    pub pooler_output: Vec<Vec<f32>>,
}

#[derive(Deserialize)]
pub struct Reference {
    pub cases: Vec<Case>,
    pub batch: Batch,
}

pub fn reference(json: &str) -> Reference {
    serde_json::from_str(json).expect("fixture reference.json parses")
}

pub fn tiny() -> Classifier {
    Classifier::from_bytes(TINY_CONFIG, TINY_TOKENIZER, TINY_WEIGHTS).expect("tiny-ko loads")
}

pub fn tiny_encoder() -> Classifier {
    Classifier::from_bytes(ENCODER_CONFIG, TINY_TOKENIZER, ENCODER_WEIGHTS)
        .expect("tiny-ko-encoder loads")
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn assert_close(what: &str, ours: &[f32], theirs: &[f32]) {
    let d = max_abs_diff(ours, theirs);
    assert!(d <= TOLERANCE, "{what}: max |Δ| = {d:e} > {TOLERANCE:e}");
}

pub fn check_token_ids(model: &Classifier, reference: &Reference) {
    for case in &reference.cases {
        let enc = model.encode(&case.text).unwrap();
        assert_eq!(enc.ids, case.input_ids, "token ids of case {}", case.name);
        assert_eq!(
            enc.type_ids, case.token_type_ids,
            "type ids of case {}",
            case.name
        );
        assert_eq!(
            enc.truncated, case.truncated,
            "truncated flag of case {}",
            case.name
        );
    }
}

/// Every single-text case: logits within tolerance, scores are the softmax, sorted.
pub fn check_single_logits(model: &Classifier, reference: &Reference) -> f32 {
    let mut worst = 0f32;
    for case in &reference.cases {
        let c = model.classify(&case.text).unwrap();
        assert_close(&format!("logits of {}", case.name), &c.logits, &case.logits);
        worst = worst.max(max_abs_diff(&c.logits, &case.logits));
        assert_eq!(
            c.tokens,
            case.input_ids.len(),
            "token count of {}",
            case.name
        );
        assert_eq!(
            c.truncated, case.truncated,
            "truncated flag of {}",
            case.name
        );
        assert_eq!(c.scores.len(), case.logits.len());
        assert!(
            c.scores.windows(2).all(|w| w[0].score >= w[1].score),
            "scores sorted"
        );
        for s in &c.scores {
            let p = case.probs[s.index];
            assert!(
                (s.score - p).abs() <= TOLERANCE,
                "prob {} of {}",
                s.index,
                case.name
            );
        }
        let sum: f32 = c.scores.iter().map(|s| s.score).sum();
        assert!((sum - 1.0).abs() < 1e-4, "probabilities sum to {sum}");
    }
    worst
}

/// The padded batch equals transformers' batch, and each row equals the text alone.
pub fn check_batch_logits(model: &Classifier, reference: &Reference) -> f32 {
    let b = &reference.batch;
    let out = model.classify_batch(&b.texts).unwrap();
    assert_eq!(out.len(), b.texts.len());
    let mut worst = 0f32;
    for (i, (c, expected)) in out.iter().zip(&b.logits).enumerate() {
        assert_close(&format!("batch row {i}"), &c.logits, expected);
        let alone = model.classify(&b.texts[i]).unwrap();
        assert_close(&format!("batch row {i} vs alone"), &c.logits, &alone.logits);
        let real: u32 = b.attention_mask[i].iter().sum();
        assert_eq!(c.tokens as u32, real, "token count of batch row {i}");
        worst = worst.max(max_abs_diff(&c.logits, expected));
    }
    worst
}

/// Encoder-only model: last hidden state and pooler output, single and batched.
pub fn check_encoder(model: &Classifier, reference: &Reference) -> f32 {
    let mut worst = 0f32;
    for case in &reference.cases {
        let e = model.embed(&case.text).unwrap();
        assert_eq!(e.tokens, case.input_ids.len());
        for (row, expected) in e.last_hidden_state.iter().zip(&case.last_hidden_state) {
            assert_close(&format!("hidden state of {}", case.name), row, expected);
            worst = worst.max(max_abs_diff(row, expected));
        }
        if !case.pooler_output.is_empty() {
            assert_close("pooler", e.pooled.as_deref().unwrap(), &case.pooler_output);
        }
    }
    let b = &reference.batch;
    let out = model.embed_batch(&b.texts).unwrap();
    for (i, e) in out.iter().enumerate() {
        for (row, expected) in e.last_hidden_state.iter().zip(&b.last_hidden_state[i]) {
            assert_close(&format!("batch hidden state row {i}"), row, expected);
        }
        assert_eq!(
            e.last_hidden_state.len() as u32,
            b.attention_mask[i].iter().sum::<u32>()
        );
        assert_close(
            "batch pooler",
            e.pooled.as_deref().unwrap(),
            &b.pooler_output[i],
        );
    }
    worst
}
