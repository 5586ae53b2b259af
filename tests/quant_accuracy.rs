//! Quantized models against the f32 transformers reference: tiny-ko-q (a fixture the q4 step
//! sizes were tuned on) and the held-out models no parameter was tuned on (issue 17; figures
//! and the accuracy-vs-size curve in docs/quantization.md).
#![cfg(not(target_arch = "wasm32"))] // tests/wasm_quant_accuracy.rs runs the same checks in the browser

mod common;
use common::heldout::{check_held_out, check_held_out_f32, check_held_out_with, Gate, HELD_OUT};
use gamjeong::Activations;
use gamjeong::Quant::{Q4, Q6, Q8};

#[test]
fn quantized_models_agree_with_f32() {
    common::check_quant_accuracy(&|line| println!("{line}"));
}

#[test]
fn held_out_f32_matches_transformers() {
    for m in &HELD_OUT {
        println!(
            "held-out {} f32: max |Δlogit| {:e}",
            m.name,
            check_held_out_f32(m.name)
        );
    }
}

/// q6 meets its target on every held-out model; q4 and q8 miss theirs there (how far:
/// `cargo run --release --example quant_curve`) and are held to regression floors.
const CHECKS: [(gamjeong::Quant, Gate); 3] = [
    (Q6, Gate::Target),
    (Q4, Gate::RegressionFloor),
    (Q8, Gate::RegressionFloor),
];

#[test]
fn held_out_h128_l8_q6_meets_target_q4_q8_above_regression_floor() {
    check_held_out("h128-l8", &CHECKS, &|line| println!("{line}"));
}

#[test]
fn held_out_h256_l4_q6_meets_target_q4_q8_above_regression_floor() {
    check_held_out("h256-l4", &CHECKS, &|line| println!("{line}"));
}

#[test]
fn held_out_h384_l2_q6_meets_target_q4_q8_above_regression_floor() {
    check_held_out("h384-l2", &CHECKS, &|line| println!("{line}"));
}

#[test]
fn held_out_h768_l2_q6_meets_target_q4_q8_above_regression_floor() {
    check_held_out("h768-l2", &CHECKS, &|line| println!("{line}"));
}

/// The tests above run the default 15-bit activations; q8 with the opt-in 8-bit ones (the
/// `vpdpbusd` kernels' format) is held to the same q8 floor. Its figures (`--nocapture`) are
/// docs/quantization.md's "Activation formats".
#[test]
fn held_out_q8_with_8_bit_activations() {
    for m in &HELD_OUT {
        let checks = [(Q8, Gate::RegressionFloor)];
        let acts = Some(Activations::Bits8);
        check_held_out_with(m.name, acts, &checks, &|line| println!("{line}"));
    }
}
