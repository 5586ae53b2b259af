//! PyTorch checkpoints in headless Chromium (wasm32+SIMD128): f32 parity with transformers
//! and the browser's streaming conversion equal to the CLI's file from safetensors.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use gamjeong::web::{WasmClassifier, WasmQuantizer};
use gamjeong::Classifier;
use wasm_bindgen_test::*;

// In a worker, as the product runs the model: never blocks the page chromedriver talks to.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn f32_f16_and_views_match_transformers() {
    for (weights, reference_json) in [
        (PT_WEIGHTS, PT_REFERENCE),
        (PT_VIEWS_WEIGHTS, PT_VIEWS_REFERENCE),
        (PT_F16_WEIGHTS, PT_F16_REFERENCE),
    ] {
        let model = Classifier::from_bytes(TINY_CONFIG, TINY_TOKENIZER, weights).unwrap();
        let r = reference(reference_json);
        check_single_logits(&model, &r);
        check_batch_logits(&model, &r);
    }
    // The JS surface takes either format.
    let model = WasmClassifier::new(TINY_CONFIG, TINY_TOKENIZER, PT_WEIGHTS).unwrap();
    assert!(model.classify("행복해", Some(1)).is_ok());
}

#[wasm_bindgen_test]
fn browser_conversion_of_pytorch_model_bin_is_the_cli_file() {
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    let st_sha = sha256_hex(TINY_WEIGHTS);
    for scheme in ["q8", "q4"] {
        for (weights, chunk) in [(PT_WEIGHTS, 4_099), (PT_VIEWS_WEIGHTS, 65_537)] {
            let mut q =
                WasmQuantizer::new(scheme, GOLDEN_SOURCE_ID, GOLDEN_REVISION, TINY_CONFIG, tok)
                    .unwrap();
            for c in weights.chunks(chunk) {
                q.push(c).unwrap();
            }
            let out = q.finish().unwrap();
            assert_eq!(
                sha256_hex(&with_source_sha(&out, &st_sha)),
                golden_digest(scheme),
                "{scheme} from pytorch_model.bin differs from the CLI's file from safetensors"
            );
            assert!(WasmClassifier::from_quantized(&out).is_ok());
        }
    }
    let mut q =
        WasmQuantizer::new("q8", GOLDEN_SOURCE_ID, GOLDEN_REVISION, TINY_CONFIG, tok).unwrap();
    let err = q
        .push(b"\x80\x02\x8a\x0a legacy")
        .err()
        .expect("legacy is refused");
    let msg = wasm_bindgen::JsValue::from(err);
    let msg = js_sys::Reflect::get(&msg, &"message".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert!(msg.contains("legacy (pre-1.6)"), "{msg}");
}
