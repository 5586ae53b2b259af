//! Arbitrary text through the tiny-ko classifier (f32, and its q8 or q4 quantization
//! through the int8 kernels): always Ok, 60 finite probabilities summing to 1; under f32
//! also the same logits, for the text and for a short neighbour, when the two are batched
//! (one of them padded).
#![no_main]

use gamjeong::{ModelSource, Quant, quantize_bytes};
use gamjeong::{Classification, Classifier};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CONFIG: &str = include_str!("../../tests/fixtures/tiny-ko/config.json");
const TOKENIZER: &str = include_str!("../../tests/fixtures/tiny-ko/tokenizer.json");
const MODEL: &[u8] = include_bytes!("../../tests/fixtures/tiny-ko/model.safetensors");

/// f32, q8, q4.
fn models() -> &'static [Classifier; 3] {
    static MODELS: OnceLock<[Classifier; 3]> = OnceLock::new();
    MODELS.get_or_init(|| {
        let quantized = |scheme| {
            let source = ModelSource {
                model: "tiny-ko".into(),
                revision: "fuzz".into(),
            };
            let bytes = quantize_bytes(MODEL, scheme, source, CONFIG, TOKENIZER).unwrap();
            Classifier::from_quantized(&bytes).unwrap()
        };
        [
            Classifier::from_bytes(CONFIG, TOKENIZER.as_bytes(), MODEL).unwrap(),
            quantized(Quant::Q8),
            quantized(Quant::Q4),
        ]
    })
}

fn check(c: &Classification, text: &str) {
    assert_eq!(c.scores.len(), 60, "{text:?}");
    assert_eq!(c.logits.len(), 60, "{text:?}");
    assert!(
        c.logits.iter().all(|l| l.is_finite()),
        "{text:?}: {:?}",
        c.logits
    );
    assert!(c
        .scores
        .iter()
        .all(|s| s.score.is_finite() && s.score >= 0.0));
    let sum: f32 = c.scores.iter().map(|s| s.score).sum();
    assert!(
        (sum - 1.0).abs() <= 1e-3,
        "{text:?}: probabilities sum to {sum}"
    );
    assert!(
        c.tokens >= 2 && c.tokens <= 512,
        "{text:?}: {} tokens",
        c.tokens
    );
    assert!(!c.truncated || c.tokens == 512, "{text:?}");
}

/// A short text to batch with: its logits alone, per model.
const OTHER: &str = "좋아";

fn other_logits() -> &'static [Vec<f32>; 3] {
    static LOGITS: OnceLock<[Vec<f32>; 3]> = OnceLock::new();
    LOGITS.get_or_init(|| {
        let m = models();
        [0, 1, 2].map(|i| m[i].classify(OTHER).unwrap().logits)
    })
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-3,
            "{what}: logits {x} alone, {y} in a batch"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let lossy;
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(_) => {
            lossy = String::from_utf8_lossy(data);
            &lossy
        }
    };
    let models = models();
    // The quantized model alternates between q8 and q4 (each forward pass is costly).
    let quantized = 1 + data.len() % 2;
    for i in [0, quantized] {
        let c = models[i].classify(text).expect("classify");
        check(&c, text);
        if i == 0 {
            // Padding never changes a result: whichever of the two is shorter is padded.
            let batch = models[i]
                .classify_batch(&[text, OTHER])
                .expect("classify_batch");
            assert_eq!(batch.len(), 2);
            check(&batch[0], text);
            assert_close(&c.logits, &batch[0].logits, &format!("{text:?}"));
            assert_close(
                &other_logits()[i],
                &batch[1].logits,
                &format!("{OTHER:?} next to {text:?}"),
            );
        }
    }
});
