//! The int8 GEMM kernel checks of tests/kernels.rs in headless Chromium: Simd128 (and
//! RelaxedSimd in a relaxed-simd build) must give bit-identical int32 block sums to Scalar.
//!
//! Normal build (SIMD128):
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test wasm_kernels
//! Relaxed-SIMD build (separate target dir so it does not thrash the main cache):
//!   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend="wasm_js"' \
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --target-dir target/relaxed --test wasm_kernels
//! Benchmark (prints to the console, asserts nothing): add `--release` and set
//! `GAMJEONG_KERNEL_BENCH=1` at build time.
#![cfg(target_arch = "wasm32")]

mod common;
mod common_kernels;
use common_kernels::*;
use gamjeong::internals::kernels::{available_kernels, best_kernel, Kernel};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
#[allow(clippy::assertions_on_constants)]
fn simd_kernels_are_built() {
    check_kernel_list();
    assert!(cfg!(target_feature = "simd128"), "built without +simd128");
    assert!(available_kernels().contains(&Kernel::Simd128));
    let relaxed = cfg!(target_feature = "relaxed-simd");
    assert_eq!(available_kernels().contains(&Kernel::RelaxedSimd), relaxed);
    assert_eq!(
        best_kernel(),
        if relaxed {
            Kernel::RelaxedSimd
        } else {
            Kernel::Simd128
        }
    );
    assert_eq!(
        gamjeong::internals::kernels::ACT_MAX,
        if relaxed { 63 } else { 16383 }
    );
}

#[wasm_bindgen_test]
fn block_sums_bit_identical() {
    check_block_sums(&available_kernels());
}

#[wasm_bindgen_test]
fn extremes_do_not_overflow() {
    check_extremes(&available_kernels());
}

#[wasm_bindgen_test]
fn qgemm_matches_f64() {
    check_qgemm(&available_kernels());
}

#[wasm_bindgen_test]
fn quantize_rows_error_bound() {
    check_quantize();
}

#[wasm_bindgen_test]
fn sgemm_matches_f64_and_kernels_agree() {
    check_sgemm();
}

#[wasm_bindgen_test]
fn bad_sizes_are_errors() {
    check_errors();
}

/// What this engine does with an i7 operand whose top bit is set (informational), and that the
/// top-bit-clear range the relaxed kernel relies on (`x + 64` in 0..=127) is exact.
#[cfg(target_feature = "relaxed-simd")]
#[wasm_bindgen_test]
fn relaxed_dot_i7_operand() {
    use core::arch::wasm32::*;
    let dot = |a: i8, b: i8| {
        i32x4_extract_lane::<0>(i32x4_relaxed_dot_i8x16_i7x16_add(
            i8x16_splat(a),
            i8x16_splat(b),
            i32x4_splat(0),
        ))
    };
    // Top bit clear: exact everywhere (4 products per lane).
    assert_eq!(dot(-128, 127), -4 * 128 * 127);
    assert_eq!(dot(127, 127), 4 * 127 * 127);
    assert_eq!(dot(-7, 0), 0);
    // Top bit set: signed (Arm sdot) or unsigned (x86 pmaddubsw / VNNI) — engine-defined.
    let neg = dot(1, -1);
    let how = match neg {
        -4 => "signed",
        1020 => "unsigned",
        _ => "other",
    };
    web_sys::console::log_1(
        &format!("relaxed dot with i7 operand -1 gives {neg} per lane: read as {how}").into(),
    );
}

/// The quantization accuracy gates of tests/quant_accuracy.rs with this build's kernels (in the
/// relaxed-SIMD build, 7-bit activations).
#[wasm_bindgen_test]
fn quantized_models_agree_with_f32() {
    common::check_quant_accuracy(&|line| web_sys::console::log_1(&line.into()));
}

/// The held-out checks of tests/quant_accuracy.rs (issue 17), one test per model and scheme
/// so that none keeps the page busy long enough for chromedriver to lose the renderer.
mod held_out {
    use super::common::heldout::{check_held_out, Gate};
    use gamjeong::Quant::{self, Q4, Q6, Q8};
    use wasm_bindgen_test::*;

    fn check(name: &str, scheme: Quant, gate: Gate) {
        // The relaxed-SIMD build's 7-bit activations add their own error, not measured
        // against issue 17's gate: held to the floors there (docs/quantization.md).
        let gate = if cfg!(target_feature = "relaxed-simd") {
            Gate::Floor
        } else {
            gate
        };
        check_held_out(name, &[(scheme, gate)], &|line| {
            web_sys::console::log_1(&line.into())
        });
    }

    #[wasm_bindgen_test]
    fn h128_l8_q6() {
        check("h128-l8", Q6, Gate::Issue17);
    }
    #[wasm_bindgen_test]
    fn h128_l8_q4_q8_floors() {
        check("h128-l8", Q4, Gate::Floor);
        check("h128-l8", Q8, Gate::Floor);
    }
    #[wasm_bindgen_test]
    fn h256_l4_q6() {
        check("h256-l4", Q6, Gate::Issue17);
    }
    #[wasm_bindgen_test]
    fn h256_l4_q4_q8_floors() {
        check("h256-l4", Q4, Gate::Floor);
        check("h256-l4", Q8, Gate::Floor);
    }
    #[wasm_bindgen_test]
    fn h384_l2_q6() {
        check("h384-l2", Q6, Gate::Issue17);
    }
    #[wasm_bindgen_test]
    fn h384_l2_q4_q8_floors() {
        check("h384-l2", Q4, Gate::Floor);
        check("h384-l2", Q8, Gate::Floor);
    }
    #[wasm_bindgen_test]
    fn h768_l2_q6() {
        check("h768-l2", Q6, Gate::Issue17);
    }
    #[wasm_bindgen_test]
    fn h768_l2_q4() {
        check("h768-l2", Q4, Gate::Floor);
    }
    #[wasm_bindgen_test]
    fn h768_l2_q8() {
        check("h768-l2", Q8, Gate::Floor);
    }
}
