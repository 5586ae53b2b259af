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

mod common_kernels;
use common_kernels::*;
use gamjeong::kernels::{available_kernels, best_kernel, Kernel};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn simd_kernels_are_built() {
    check_kernel_list();
    assert!(cfg!(target_feature = "simd128"), "built without +simd128");
    assert!(available_kernels().contains(&Kernel::Simd128));
    let relaxed = cfg!(target_feature = "relaxed-simd");
    assert_eq!(available_kernels().contains(&Kernel::RelaxedSimd), relaxed);
    assert_eq!(best_kernel(), if relaxed { Kernel::RelaxedSimd } else { Kernel::Simd128 });
    assert_eq!(gamjeong::kernels::ACT_MAX, if relaxed { 63 } else { 127 });
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
fn bad_sizes_are_errors() {
    check_errors();
}

#[wasm_bindgen_test]
fn bench() {
    if option_env!("GAMJEONG_KERNEL_BENCH").is_none() {
        return;
    }
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now_fn: js_sys::Function = js_sys::Reflect::get(&perf, &"now".into()).unwrap().into();
    let now = move || now_fn.call0(&perf).unwrap().as_f64().unwrap();
    common_kernels::bench(&now, &|s| web_sys::console::log_1(&s.into()));
}
