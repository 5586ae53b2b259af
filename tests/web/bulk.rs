//! `WasmBulk` in headless Chromium, end to end: the fixture files pushed in chunks, rows
//! classified in steps, and the CSV/JSONL bytes it gives held to the CLI's golden files
//! (tests/fixtures/bulk/expected/, written by tests/cli.rs); its errors as JS errors.
//! A module of the wasm_explain test binary: one wasm link and one browser start less.

use crate::common::bulk::{assert_same_csv, assert_same_jsonl, golden_q8_file, GOLDEN};
use crate::common::*;
use gamjeong::web::{inspect_file, WasmBulk, WasmClassifier};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

/// tiny-ko at q8, the bytes the CLI quantized for the golden files.
fn q8_file() -> Vec<u8> {
    let file = golden_q8_file();
    assert_eq!(sha256_hex(&file), golden_digest("q8"));
    file
}

fn js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

/// Runs `input` through a `WasmBulk` as the page will: chunks, then steps of `step` rows.
fn run(
    model: &WasmClassifier,
    input: &[u8],
    options: JsValue,
    chunk: usize,
    step: usize,
) -> Result<(Vec<u8>, Vec<u8>, Vec<JsValue>), JsValue> {
    let mut bulk = WasmBulk::new(model, options)?;
    let (mut csv, mut jsonl, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let mut take = |bulk: &mut WasmBulk| -> Result<(), JsValue> {
        csv.extend(bulk.take_csv());
        jsonl.extend(bulk.take_jsonl());
        rows.extend(js_sys::Array::from(&bulk.take_rows()?).iter());
        Ok(())
    };
    for c in input.chunks(chunk) {
        bulk.push(c)?;
        while bulk.step(model, step)? > 0 {
            take(&mut bulk)?;
        }
    }
    bulk.finish_input()?;
    while bulk.step(model, step)? > 0 {}
    take(&mut bulk)?;
    let progress = bulk.progress()?;
    assert_eq!(get(&progress, "complete").as_bool(), Some(true));
    Ok((csv, jsonl, rows))
}

#[wasm_bindgen_test]
fn downloads_equal_the_cli_files() {
    let model = WasmClassifier::from_quantized(&q8_file()).unwrap();
    let native = gamjeong::Classifier::from_quantized(&q8_file()).unwrap();
    for case in GOLDEN {
        let options = js(&serde_json::json!({
            "fileName": case.input_name,
            "allScores": case.all_scores,
        }));
        for (chunk, step) in [(1 << 16, 64), (7, 3)] {
            let (csv, jsonl, rows) = run(&model, case.input, options.clone(), chunk, step).unwrap();
            let what = format!("{} (chunks of {chunk})", case.input_name);
            assert_same_csv(&what, &csv, case.csv);
            assert_same_jsonl(&what, &jsonl, case.jsonl);
            // The row objects: in order, with what `classify` gives each text alone here.
            for (i, row) in rows.iter().enumerate() {
                assert_eq!(get(&row, "index").as_f64(), Some(i as f64));
                let text = get(&row, "text").as_string().unwrap();
                match get(&row, "label").as_string() {
                    None => assert!(get(&row, "skipped").is_string(), "{what}: row {i}"),
                    Some(label) => {
                        let c = native.classify(&text).unwrap();
                        assert_eq!(label, c.scores[0].label, "{what}: row {i}");
                        assert_eq!(get(&row, "score").as_f64(), Some(c.scores[0].score as f64));
                    }
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn malformed_files_are_js_errors_with_code_and_line() {
    let model = WasmClassifier::from_quantized(&q8_file()).unwrap();
    let csv = js(&serde_json::json!({ "format": "csv" }));
    let err = run(&model, b"id,text\n1,ok\n2,\"open\n3,x\n", csv.clone(), 5, 4).unwrap_err();
    assert_eq!(get(&err, "code").as_string().unwrap(), "BAD_INPUT");
    assert_eq!(get(&err, "line").as_f64(), Some(3.0));
    let err = run(&model, b"id,body\n1,x\n", csv, 64, 4).unwrap_err();
    let columns: Vec<String> = js_sys::Array::from(&get(&err, "columns"))
        .iter()
        .map(|c| c.as_string().unwrap())
        .collect();
    assert_eq!(columns, ["id", "body"]);
    let err = run(&model, b"ok\n\0\x01\x02", JsValue::UNDEFINED, 64, 4).unwrap_err();
    assert_eq!(get(&err, "line").as_f64(), Some(2.0));
    let bad = js(&serde_json::json!({ "format": "xlsx" }));
    assert!(WasmBulk::new(&model, bad).is_err());
    let unknown = js(&serde_json::json!({ "colum": "text" }));
    assert!(
        WasmBulk::new(&model, unknown).is_err(),
        "a misspelled option is an error"
    );
}

#[wasm_bindgen_test]
fn inspect_offers_the_columns_for_a_picker() {
    let options = js(&serde_json::json!({ "fileName": "survey.csv" }));
    let info = inspect_file(
        "id,answer,memo\n1,좋았어요,x\n2,별로".as_bytes(),
        options,
        false,
        5,
    )
    .unwrap();
    assert_eq!(get(&info, "format").as_string().unwrap(), "csv");
    assert!(get(&info, "textColumn").is_null());
    assert!(get(&info, "columnError")
        .as_string()
        .unwrap()
        .contains("`answer`"));
    let rows = js_sys::Array::from(&get(&info, "rows"));
    assert_eq!(rows.length(), 1, "the cut-off last row is not shown");
}
