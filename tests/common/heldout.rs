//! The held-out quantization gates (issue 17): models that no quantizer parameter was tuned
//! on, made by tests/fixtures/make_heldout.py, each with 200 texts, their token ids and
//! transformers' f32 logits. Shared by tests/quant_accuracy.rs and, in Chromium,
//! tests/wasm_kernels.rs.

use gamjeong::quant::{quantize_bytes, Scheme, Source};
use gamjeong::Classifier;
use serde::Deserialize;

pub struct HeldOut {
    pub name: &'static str,
    config: &'static str,
    tokenizer: &'static str,
    weights: &'static [u8],
    reference: &'static str,
}

macro_rules! held_out {
    ($name:literal) => {
        HeldOut {
            name: $name,
            config: include_str!(concat!("../fixtures/heldout/", $name, "/config.json")),
            tokenizer: include_str!(concat!("../fixtures/heldout/", $name, "/tokenizer.json")),
            weights: include_bytes!(concat!("../fixtures/heldout/", $name, "/model.safetensors")),
            reference: include_str!(concat!("../fixtures/heldout/", $name, "/reference.json")),
        }
    };
}

pub const HELD_OUT: [HeldOut; 4] = [
    held_out!("h128-l8"),
    held_out!("h256-l4"),
    held_out!("h384-l2"),
    held_out!("h768-l2"),
];

pub fn held_out(name: &str) -> &'static HeldOut {
    HELD_OUT
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no held-out model {name}"))
}

#[derive(Deserialize)]
struct Varied {
    texts: Vec<String>,
    input_ids: Vec<Vec<u32>>,
    logits: Vec<Vec<f32>>,
    probs: Vec<Vec<f32>>,
    top1: Vec<usize>,
}

#[derive(Deserialize)]
struct Reference {
    set: String,
    varied: Varied,
}

/// One scheme on one held-out model, against transformers' f32 outputs on all its texts.
#[derive(Debug)]
pub struct HeldOutAccuracy {
    /// Fraction of the texts whose top-1 label equals transformers' f32 top-1.
    pub agreement: f64,
    /// max |Δprob| over the texts and all 60 labels.
    pub max_dprob: f32,
    /// Quantized file size in bytes.
    pub bytes: usize,
}

/// Quantizes `model` with `scheme` (the CLI/browser quantizer), loads the file and compares
/// its probabilities with the reference.
pub fn held_out_accuracy(model: &HeldOut, scheme: Scheme) -> HeldOutAccuracy {
    let reference: Reference = serde_json::from_str(model.reference).expect("reference parses");
    let v = &reference.varied;
    assert_eq!(reference.set, "heldout", "{}: not a held-out model", model.name);
    assert!(v.texts.len() >= 200 && v.texts.len() == v.probs.len());
    let source = Source {
        model: format!("fixtures/heldout/{}", model.name),
        revision: "test".into(),
    };
    let file = quantize_bytes(model.weights, scheme, source, model.config, model.tokenizer)
        .unwrap_or_else(|e| panic!("{}: quantize: {e}", model.name));
    let q = Classifier::from_quantized(&file).unwrap();
    for (text, ids) in v.texts.iter().zip(&v.input_ids) {
        assert_eq!(&q.encode(text).unwrap().ids, ids, "{}: token ids of {text:?}", model.name);
    }
    let got = q.classify_batch(&v.texts).unwrap();
    let (mut agree, mut max_dprob) = (0usize, 0f32);
    for ((c, want), top1) in got.iter().zip(&v.probs).zip(&v.top1) {
        agree += usize::from(c.scores[0].index == *top1);
        for s in &c.scores {
            let d = (s.score - want[s.index]).abs();
            assert!(d.is_finite(), "{}: non-finite probability", model.name);
            max_dprob = max_dprob.max(d);
        }
    }
    HeldOutAccuracy {
        agreement: agree as f64 / v.texts.len() as f64,
        max_dprob,
        bytes: file.len(),
    }
}

/// The unquantized model against the reference (logits within `TOLERANCE`): the held-out
/// figures measure quantization, not a loader difference (the sources store their matrices
/// as F16). Returns the max |Δlogit|.
pub fn check_held_out_f32(name: &str) -> f32 {
    let model = held_out(name);
    let reference: Reference = serde_json::from_str(model.reference).expect("reference parses");
    let f32_model =
        Classifier::from_bytes(model.config, model.tokenizer.as_bytes(), model.weights).unwrap();
    let got = f32_model.classify_batch(&reference.varied.texts).unwrap();
    let mut worst = 0f32;
    for (c, want) in got.iter().zip(&reference.varied.logits) {
        worst = worst.max(super::max_abs_diff(&c.logits, want));
    }
    assert!(worst <= super::TOLERANCE, "held-out {name} f32: max |Δlogit| {worst:e}");
    worst
}

/// Issue 17's gates on one held-out model: q8 top-1 agreement ≥ 99% and max |Δp| ≤ 0.005;
/// q4 ≥ 95% and ≤ 0.02. Every scheme is measured before any gate is asserted.
pub fn check_held_out(name: &str, schemes: &[Scheme], print: &dyn Fn(String)) {
    let model = held_out(name);
    let results: Vec<_> = schemes
        .iter()
        .map(|&scheme| {
            let a = held_out_accuracy(model, scheme);
            print(format!("held-out {name} {}: {a:?}", scheme.name()));
            (scheme, a)
        })
        .collect();
    for (scheme, a) in results {
        let (min_agree, max_dp) = gate(scheme);
        assert!(
            a.agreement >= min_agree && a.max_dprob <= max_dp,
            "held-out {name} {}: {a:?} misses the gate (top-1 ≥ {min_agree}, max |Δp| ≤ {max_dp})",
            scheme.name()
        );
    }
}

/// (minimum top-1 agreement, maximum |Δp|) of `scheme`'s gate.
pub fn gate(scheme: Scheme) -> (f64, f32) {
    match scheme {
        Scheme::Q8 => (0.99, 0.005),
        Scheme::Q4 => (0.95, 0.02),
    }
}
