//! The int8 GEMM kernel checks of tests/kernels.rs in headless Chromium: Simd128 (and
//! RelaxedSimd in a relaxed-simd build) must give bit-identical int32 block sums to Scalar.
//!
//! Normal build (SIMD128):
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test wasm_kernels
//! Relaxed-SIMD build (separate target dir so it does not thrash the main cache):
//!   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend="wasm_js"' \
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --target-dir target/relaxed --test wasm_kernels
//! The quantization accuracy gates that use these kernels are in tests/wasm_quant_accuracy.rs.
#![cfg(target_arch = "wasm32")]

mod common;
mod common_kernels;
use common_kernels::*;
use gamjeong::internals::kernels::{available_kernels, best_kernel, Kernel};
use wasm_bindgen_test::*;

// In a worker, as the product runs the model: never blocks the page chromedriver talks to.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

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
