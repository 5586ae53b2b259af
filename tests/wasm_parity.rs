//! The native parity checks, run inside headless Chromium on the wasm32+SIMD128 build.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

// In a worker, as the product runs the model: never blocks the page chromedriver talks to.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn token_ids_equal_transformers() {
    check_token_ids(&tiny(), &reference(TINY_REFERENCE));
}

#[wasm_bindgen_test]
fn single_logits_match_transformers() {
    check_single_logits(&tiny(), &reference(TINY_REFERENCE));
}

#[wasm_bindgen_test]
fn batched_logits_match_transformers() {
    check_batch_logits(&tiny(), &reference(TINY_REFERENCE));
}

#[wasm_bindgen_test]
fn bare_encoder_matches_transformers() {
    check_encoder(&tiny_encoder(), &reference(ENCODER_REFERENCE));
}

/// RoBERTa (positions after pad_token_id, klue/roberta's special tokens) and DistilBERT (its
/// own names, from a vocab.txt): token ids, logits one by one and in one padded batch.
#[wasm_bindgen_test]
fn roberta_and_distilbert_match_transformers() {
    common::families::check_roberta_and_distilbert(&|line| {
        web_sys::console::log_1(&line.into());
    });
}

/// The q8 gate's fixtures of ELECTRA, RoBERTa and DistilBERT in wasm: the browser's chunked
/// quantizer writes the native one's bytes, and q8 holds the gate (or misses it) as natively.
/// (Their f32 parity is native's, tests/generic.rs; f32 of these families in wasm is
/// `roberta_and_distilbert_match_transformers` and the page's ELECTRA tests.)
#[wasm_bindgen_test]
fn q8_gate_fixtures_of_every_family() {
    use common::families::*;
    use gamjeong::web::WasmQuantizer;
    use gamjeong::{quantize_bytes, Classifier, ModelSource, Quant};
    let mut wrong = Vec::new();
    for name in Q_FIXTURES {
        let (config, tokenizer, weights, reference) = q_fixture(name);
        let reference = family_reference(reference);
        let mut q = WasmQuantizer::new("q8", name, "test", config, &tokenizer).unwrap();
        for chunk in weights.chunks(65_537) {
            q.push(chunk).unwrap();
        }
        let browser = q.finish().unwrap();
        let source = ModelSource {
            model: name.into(),
            revision: "test".into(),
        };
        let native = quantize_bytes(weights, Quant::Q8, source, config, &tokenizer).unwrap();
        assert!(browser == native, "{name}: the browser's q8 file differs");
        let q8 = Classifier::from_quantized(&browser).unwrap();
        let (worst, agree, n) = against_pipeline(&q8, &reference);
        console_log!("{name} q8: max |Δp| {worst:e}, top-1 {agree}/{n}");
        wrong.extend(unexpected_q8_verdict(name, worst, agree, n));
    }
    assert!(wrong.is_empty(), "in wasm: {wrong:#?}");
}

#[wasm_bindgen_test]
fn js_surface_returns_results_and_readable_errors() {
    use gamjeong::web::WasmClassifier;
    let model = WasmClassifier::new(TINY_CONFIG, TINY_TOKENIZER, TINY_WEIGHTS).unwrap();
    let result = model
        .classify("오늘 밥이 너무 맛있었어. 행복해", Some(3))
        .unwrap();
    let scores = js_sys::Reflect::get(&result, &JsValue::from_str("scores")).unwrap();
    let scores = js_sys::Array::from(&scores);
    assert_eq!(scores.length(), 3);
    let first = scores.get(0);
    let group = js_sys::Reflect::get(&first, &JsValue::from_str("group")).unwrap();
    assert!(group.as_string().is_some());

    let broken = WasmClassifier::new(TINY_CONFIG, b"{ nope", TINY_WEIGHTS);
    let err: JsValue = broken.err().expect("bad tokenizer is an error").into();
    let message = js_sys::Reflect::get(&err, &JsValue::from_str("message")).unwrap();
    assert!(message.as_string().unwrap().contains("tokenizer.json"));
    // The stable code (Error::code) travels with it: JS branches on it, never on the message.
    let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("BAD_MODEL"));

    // The module keeps working after an error.
    assert!(model.classify("다시", None).is_ok());
}

#[wasm_bindgen_test]
fn browser_quantizer_matches_the_native_one_and_loads() {
    use gamjeong::web::{WasmClassifier, WasmQuantizer};
    use gamjeong::{quantize_bytes, ModelSource, Quant};
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    let mut q = WasmQuantizer::new("q8", "fixtures/tiny-ko", "test", TINY_CONFIG, tok).unwrap();
    for chunk in TINY_WEIGHTS.chunks(65_537) {
        q.push(chunk).unwrap();
    }
    let browser = q.finish().unwrap();
    let source = ModelSource {
        model: "fixtures/tiny-ko".into(),
        revision: "test".into(),
    };
    let direct = quantize_bytes(TINY_WEIGHTS, Quant::Q8, source, TINY_CONFIG, tok).unwrap();
    assert!(
        browser == direct,
        "chunked browser quantizer differs from the one-shot quantizer"
    );
    // And the CLI's bytes (the native test pins them to the same digests).
    for scheme in ["q8", "q4"] {
        let mut q = WasmQuantizer::new(scheme, GOLDEN_SOURCE_ID, GOLDEN_REVISION, TINY_CONFIG, tok)
            .unwrap();
        for chunk in TINY_WEIGHTS.chunks(4_099) {
            q.push(chunk).unwrap();
        }
        assert_eq!(
            sha256_hex(&q.finish().unwrap()),
            golden_digest(scheme),
            "the browser's {scheme} conversion differs from the CLI's"
        );
    }
    let model = WasmClassifier::from_quantized(&browser).unwrap();
    assert!(model.classify("행복해", Some(1)).is_ok());
    assert!(
        q.finish().is_err(),
        "finishing twice is an error, not a panic"
    );
}
