//! Smoke test for the browser test runner: proves that
//! `cargo test --target wasm32-unknown-unknown` runs in headless Chromium
//! (wasm-bindgen-test-runner + chromedriver + webdriver.json), that SIMD128 is
//! enabled by .cargo/config.toml.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn simd128_is_enabled() {
    #[cfg(target_feature = "simd128")]
    {
        use core::arch::wasm32::*;
        let a = f32x4(1.0, 2.0, 3.0, 4.0);
        let c = f32x4_add(a, f32x4_splat(10.0));
        assert_eq!(f32x4_extract_lane::<0>(c), 11.0);
        assert_eq!(f32x4_extract_lane::<3>(c), 14.0);
    }
    #[cfg(not(target_feature = "simd128"))]
    panic!("simd128 is not enabled: is RUSTFLAGS overriding .cargo/config.toml?");
}

#[wasm_bindgen_test]
fn runs_in_a_browser() {
    let global = js_sys::global();
    let has_window = js_sys::Reflect::has(&global, &"window".into()).unwrap();
    assert!(has_window, "expected a browser window global");
}
