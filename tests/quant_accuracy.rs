//! Quantized models against the f32 transformers reference (tiny-ko-q fixture).
#![cfg(not(target_arch = "wasm32"))] // tests/wasm_kernels.rs runs the same check in the browser

mod common;

#[test]
fn quantized_models_agree_with_f32() {
    common::check_quant_accuracy(&|line| println!("{line}"));
}
