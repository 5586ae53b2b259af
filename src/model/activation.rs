//! Activations applied in place on a linear layer's output buffer (fused into its epilogue).
//! Own erf: candle's scalar one was ~15% of a forward pass (docs/architecture.md, "GELU").

/// `x * 0.5 * (1 + erf(x / √2))`, the exact (erf) GELU of BERT's `hidden_act: "gelu"`.
/// Natively on x86_64 with AVX-512 (AVX2) the same code runs 16 (8) lanes wide instead of
/// baseline SSE2's 4: the same operations in the same order (Rust never fuses a multiply and an
/// add into an FMA on its own), so the same bits on every CPU.
pub fn gelu_erf(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512 F (checked just above).
            return unsafe { gelu_erf_avx512(xs) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { gelu_erf_avx2(xs) };
        }
    }
    gelu_erf_lanes(xs);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gelu_erf_avx512(xs: &mut [f32]) {
    gelu_erf_lanes(xs);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_erf_avx2(xs: &mut [f32]) {
    gelu_erf_lanes(xs);
}

#[inline(always)]
fn gelu_erf_lanes(xs: &mut [f32]) {
    for x in xs {
        *x = *x * 0.5 * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// The tanh approximation (`"gelu_new"` / `"gelu_pytorch_tanh"`).
pub fn gelu_tanh(xs: &mut [f32]) {
    const C: f32 = 0.797_884_6; // sqrt(2 / pi)
    for x in xs {
        let v = *x;
        *x = 0.5 * v * (1.0 + (C * (v + 0.044715 * v * v * v)).tanh());
    }
}

pub fn relu(xs: &mut [f32]) {
    for x in xs {
        *x = x.max(0.0);
    }
}

/// `tanh` in place (RoBERTa's classification head).
pub fn tanh(xs: &mut [f32]) {
    for x in xs {
        *x = x.tanh();
    }
}

/// erf for f32: `x · p(x²) / q(x²)` on x clamped to [-4, 4] (beyond, erf is ±1 in f32), with
/// the minimax coefficients used by Eigen and XLA; max abs error ~1e-7.
#[inline(always)]
#[allow(clippy::excessive_precision)]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_258_013_06e-10 + 2.770_681_424_959_02e-8;
    p = x2 * p + -2.101_024_020_825_08e-6;
    p = x2 * p + -5.692_506_394_623_46e-5;
    p = x2 * p + -7.349_906_303_268_55e-4;
    p = x2 * p + -2.954_599_808_540_25e-3;
    p = x2 * p + -1.609_603_332_624_15e-2;
    p *= x;
    let mut q = x2 * -1.456_607_184_649_96e-5 + -2.133_740_552_789_05e-4;
    q = x2 * q + -1.682_826_974_382_03e-3;
    q = x2 * q + -7.373_329_167_204_68e-3;
    q = x2 * q + -1.426_473_905_141_89e-2;
    p / q
}

#[cfg(test)]
mod tests {
    #[test]
    fn gelu_erf_is_the_same_bits_on_every_path() {
        let xs: Vec<f32> = (-5000..5000).map(|i| i as f32 * 1.37e-3).collect();
        let (mut wide, mut base) = (xs.clone(), xs.clone());
        super::gelu_erf(&mut wide);
        super::gelu_erf_lanes(&mut base);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&wide), bits(&base));
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // The AVX2 path too where AVX-512 took the call above.
            let mut avx2 = xs;
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { super::gelu_erf_avx2(&mut avx2) };
            assert_eq!(bits(&avx2), bits(&base));
        }
    }

    #[test]
    fn erf_matches_f64_reference() {
        // std has no erf: an f64 Taylor series, accurate for |x| <= 3.
        fn erf64(x: f64) -> f64 {
            let mut sum = 0f64;
            let mut term = x;
            let mut n = 0f64;
            while term.abs() > 1e-17 * sum.abs().max(1e-300) || n < 5.0 {
                sum += term / (2.0 * n + 1.0);
                n += 1.0;
                term *= -x * x / n;
                if n > 400.0 {
                    break;
                }
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        }
        let mut worst = 0f64;
        for i in -3000..=3000 {
            let x = i as f64 / 1000.0;
            let d = (super::erf(x as f32) as f64 - erf64(x)).abs();
            worst = worst.max(d);
        }
        assert!(worst < 5e-7, "max |erf error| {worst}");
        assert_eq!(super::erf(10.0), 1.0);
        assert_eq!(super::erf(-10.0), -1.0);
        assert_eq!(super::erf(0.0), 0.0);
    }
}
