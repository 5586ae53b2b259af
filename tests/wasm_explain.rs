//! `explain` inside headless Chromium: the transformers ablations of
//! tests/fixtures/tiny-ko/explain.json, and the JS surface's UTF-16 offsets. Whole-file
//! classification (`WasmBulk`) runs in this binary too (tests/web/bulk.rs), sharing its
//! link and its browser start.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

// In a worker, as the product runs the model: never blocks the page chromedriver talks to.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[path = "web/bulk.rs"]
mod web_bulk;

#[wasm_bindgen_test]
fn f32_scores_match_transformers() {
    check_explanations(&tiny(), TINY_EXPLAIN, TOLERANCE);
    check_explanations(&tiny_q(), Q_EXPLAIN, TOLERANCE);
}

#[wasm_bindgen_test]
fn q8_scores_stay_close_to_transformers() {
    let q8 = tiny_q_quantized(gamjeong::quant::Scheme::Q8);
    check_explanations(&q8, Q_EXPLAIN, 0.01);
}

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

#[wasm_bindgen_test]
fn js_offsets_are_utf16_and_slice_back_to_the_words() {
    use gamjeong::web::WasmClassifier;
    let model = WasmClassifier::new(TINY_CONFIG, TINY_TOKENIZER, TINY_WEIGHTS).unwrap();
    let text = " 😀오늘  \u{1F1F0}\u{1F1F7}韓國語\t좋아👍\n끝 ";
    let native = tiny().explain(text, Some(50)).unwrap();
    let result = model.explain(text, None, Some("기쁨".into())).unwrap();
    assert_eq!(get(&result, "index").as_f64(), Some(50.0));
    let js_text = js_sys::JsString::from(text);
    let words = js_sys::Array::from(&get(&result, "words"));
    assert_eq!(words.length() as usize, native.words.len());
    for (i, want) in native.words.iter().enumerate() {
        let w = words.get(i as u32);
        let (start, end) = (
            get(&w, "start").as_f64().unwrap() as u32,
            get(&w, "end").as_f64().unwrap() as u32,
        );
        let sliced: String = js_text.slice(start, end).into();
        assert_eq!(sliced, want.text);
        assert_eq!(get(&w, "text").as_string().unwrap(), want.text);
        assert_eq!(get(&w, "score").as_f64().map(|s| s as f32), want.score);
    }
    let err: JsValue = model
        .explain(text, None, Some("없는감정".into()))
        .err()
        .unwrap()
        .into();
    assert!(get(&err, "message")
        .as_string()
        .unwrap()
        .contains("없는감정"));
}
