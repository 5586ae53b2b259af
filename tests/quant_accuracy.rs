//! Quantized models against the f32 transformers reference: tiny-ko-q (a fixture the q4 step
//! sizes were tuned on) and the held-out models no parameter was tuned on (issue 17).
#![cfg(not(target_arch = "wasm32"))] // tests/wasm_kernels.rs runs the same checks in the browser

mod common;
use common::heldout::{check_held_out, check_held_out_f32, HELD_OUT};
use gamjeong::quant::Scheme::{Q4, Q8};

#[test]
fn quantized_models_agree_with_f32() {
    common::check_quant_accuracy(&|line| println!("{line}"));
}

#[test]
fn held_out_f32_matches_transformers() {
    for m in &HELD_OUT {
        println!("held-out {} f32: max |Δlogit| {:e}", m.name, check_held_out_f32(m.name));
    }
}

#[test]
fn held_out_h128_l8() {
    check_held_out("h128-l8", &[Q8, Q4], &|line| println!("{line}"));
}

#[test]
fn held_out_h256_l4() {
    check_held_out("h256-l4", &[Q8, Q4], &|line| println!("{line}"));
}

#[test]
fn held_out_h384_l2() {
    check_held_out("h384-l2", &[Q8, Q4], &|line| println!("{line}"));
}

#[test]
fn held_out_h768_l2() {
    check_held_out("h768-l2", &[Q8, Q4], &|line| println!("{line}"));
}
