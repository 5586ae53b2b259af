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

/// The tests above run each tier's default activation format natively: 8 bits for q8, 15
/// for the others. q8 with 15 bits (the browser's format, an option natively) is held to
/// the same q8 floor.
#[test]
fn held_out_q8_with_15_bit_activations() {
    for m in &HELD_OUT {
        let checks = [(Q8, Gate::RegressionFloor)];
        let acts = Some(Activations::Bits15);
        check_held_out_with(m.name, acts, &checks, &|line| println!("{line}"));
    }
}

/// Natively a q8 file starts with 8-bit activations, the entropy-coded tiers with 15.
#[test]
fn each_tier_starts_with_its_activation_format() {
    let tokenizer = std::str::from_utf8(common::TINY_TOKENIZER).unwrap();
    for (quant, want) in [(Q8, Activations::Bits8), (Q6, Activations::Bits15)] {
        let source = gamjeong::ModelSource {
            model: "tiny-ko".into(),
            revision: "test".into(),
        };
        let file = gamjeong::quantize_bytes(
            common::TINY_WEIGHTS,
            quant,
            source,
            common::TINY_CONFIG,
            tokenizer,
        )
        .unwrap();
        let model = gamjeong::Classifier::from_quantized(&file).unwrap();
        assert_eq!(model.activations(), want, "{}", quant.name());
    }
}
