//! Native checks of the int8 GEMM kernels (src/kernels): every kernel this CPU runs (Scalar,
//! and AVX2, AVX-VNNI, AVX-512 VNNI — `vpdpwssd` and `vpdpbusd` — on x86_64 or dotprod and
//! i8mm on aarch64 where the CPU has them) against a naive reference, bit for bit, on 15-bit
//! and on 8-bit activations; the `vpdpbusd` zmm kernel also on its own weight layout (record
//! pairs interleaved, `PackedWeights::set_layout_for`).
//! The same checks run in the browser from tests/wasm_kernels.rs.
//!
//! Benchmark (prints, asserts nothing):
//! `GAMJEONG_KERNEL_BENCH=1 cargo test --release --test kernels bench -- --ignored --nocapture`
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common_kernels;
use common_kernels::*;
use gamjeong::internals::kernels::{
    available_kernels, best_kernel, force_kernel, Kernel, ACT8_MAX,
};

#[test]
fn kernel_list() {
    check_kernel_list();
    let has = |k| available_kernels().contains(&k);
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as cpu;
        assert_eq!(has(Kernel::Avx2), cpu!("avx2"));
        assert_eq!(has(Kernel::AvxVnni), cpu!("avx2") && cpu!("avxvnni"));
        let avx512_vnni = cpu!("avx512f") && cpu!("avx512bw") && cpu!("avx512vnni");
        assert_eq!(has(Kernel::Avx512Vnni), avx512_vnni);
        assert_eq!(has(Kernel::AvxVnniU8), has(Kernel::AvxVnni));
        assert_eq!(has(Kernel::Avx512VnniU8), avx512_vnni);
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as cpu;
        assert_eq!(has(Kernel::NeonDot), cpu!("dotprod"));
        assert_eq!(has(Kernel::NeonI8mm), cpu!("i8mm"));
    }
    for k in [Kernel::Simd128, Kernel::RelaxedSimd] {
        assert!(!has(k), "{k:?} is wasm32 only");
    }
    // Which kernels ran, for the log: `cargo test --test kernels -- --nocapture`.
    println!("kernels here: {:?}", available_kernels());
}

#[test]
fn forced_kernel_is_used_and_unavailable_is_refused() {
    let best = best_kernel();
    for k in Kernel::ALL {
        match force_kernel(Some(k)) {
            Ok(()) => assert_eq!(best_kernel(), k),
            Err(e) => {
                assert!(!k.is_available(), "{k:?}: {e}");
                assert!(e.to_string().contains(k.name()), "{e}");
            }
        }
    }
    force_kernel(None).unwrap();
    assert_eq!(best_kernel(), best);
}

#[test]
fn block_sums_bit_identical() {
    check_block_sums(&available_kernels());
}

#[test]
fn extremes_do_not_overflow() {
    check_extremes(&available_kernels());
}

#[test]
fn qgemm_matches_f64() {
    check_qgemm(&available_kernels());
}

/// 8-bit activations (the `vpdpbusd` kernels' format): every kernel, the 15-bit-capable ones
/// included, gives the reference int32 sums, so the 8-bit results do not depend on the CPU.
#[test]
fn block_sums_bit_identical_8bit() {
    check_block_sums_upto(&available_kernels(), ACT8_MAX);
}

#[test]
fn extremes_do_not_overflow_8bit() {
    check_extremes_upto(&available_kernels(), ACT8_MAX);
}

#[test]
fn qgemm_matches_f64_8bit() {
    check_qgemm_upto(&available_kernels(), ACT8_MAX);
}

#[test]
fn quantize_8bit_error_bound() {
    check_quantize_upto(ACT8_MAX);
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
