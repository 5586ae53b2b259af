//! Native checks of the int8 GEMM kernels (src/kernels): every available kernel (Scalar, and
//! AVX2 as `Native` when the CPU has it) against a naive reference, bit for bit.
//! The same checks run in the browser from tests/wasm_kernels.rs.
//!
//! Benchmark (prints, asserts nothing):
//! `GAMJEONG_KERNEL_BENCH=1 cargo test --release --test kernels bench -- --ignored --nocapture`
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common_kernels;
use common_kernels::*;
use gamjeong::internals::kernels::{available_kernels, Kernel};

#[test]
fn kernel_list() {
    check_kernel_list();
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        available_kernels().contains(&Kernel::Native),
        std::is_x86_feature_detected!("avx2")
    );
}

#[test]
fn block_sums_bit_identical() {
    check_block_sums(&available_kernels());
}

#[test]
fn native_fallback_matches_too() {
    // Native is accepted everywhere (AVX2 or the Scalar fallback).
    check_extremes(&[Kernel::Native]);
}

#[test]
fn extremes_do_not_overflow() {
    check_extremes(&available_kernels());
}

#[test]
fn qgemm_matches_f64() {
    check_qgemm(&available_kernels());
}

#[test]
fn quantize_rows_error_bound() {
    check_quantize();
}

#[test]
fn sgemm_matches_f64_and_kernels_agree() {
    check_sgemm();
}

#[test]
fn bad_sizes_are_errors() {
    check_errors();
}
