//! A second, independent encoder — candle-transformers' `BertModel` — on the same weights.
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use common::*;

#[test]
fn our_encoder_equals_candle_transformers_bert() {
    let config: Config = serde_json::from_str(TINY_CONFIG).unwrap();
    let vb = VarBuilder::from_buffered_safetensors(TINY_WEIGHTS.to_vec(), DType::F32, &Device::Cpu)
        .unwrap();
    let theirs = BertModel::load(vb.pp("bert"), &config).unwrap();
    let ours = tiny();
    let reference = reference(TINY_REFERENCE);
    for case in reference.cases.iter().take(9) {
        let n = case.input_ids.len();
        let ids = Tensor::from_vec(case.input_ids.clone(), (1, n), &Device::Cpu).unwrap();
        let types = ids.zeros_like().unwrap();
        let hidden: Vec<Vec<f32>> = theirs
            .forward(&ids, &types, None)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .to_vec2()
            .unwrap();
        let mine = ours.embed(&case.text).unwrap().last_hidden_state;
        assert_eq!(mine.len(), hidden.len());
        for (a, b) in mine.iter().zip(&hidden) {
            assert!(max_abs_diff(a, b) <= TOLERANCE, "{}", case.name);
        }
    }
}
