//! Timings of the int8 and f32 GEMM kernels on BERT-base's shapes against candle's f32 matmul
//! and candle's Q8_0 `QMatMul`: min (median) ms per call. A benchmark, not a test.
//!
//!   cargo run --release --example bench_kernels
//!
//! (In the browser, `bench/profile.mjs` gives the wasm kernels' share of a forward pass.)

#[path = "../tests/common_kernels/mod.rs"]
mod common_kernels;

use common_kernels::Rng;
use gamjeong::internals::kernels::sgemm::{sgemm_kernels, sgemm_with, PackedF32};
use gamjeong::internals::kernels::{
    self, available_kernels, qgemm, qgemm_with, quantize_blocks, quantize_blocks_to, Kernel,
    PackedWeights, ACT8_MAX, ACT_MAX,
};

fn main() {
    let t0 = std::time::Instant::now();
    bench(&|| t0.elapsed().as_secs_f64() * 1e3, &|s| println!("{s}"));
}

/// (min, median) per-call time in ms of `f` over `samples` batches of calls, each batch long
/// enough (>= 2 ms) for a coarse clock (`now` in ms; browsers coarsen performance.now()).
/// On a busy machine the min is the better estimate.
fn time_ms(now: &dyn Fn() -> f64, samples: usize, mut f: impl FnMut()) -> (f64, f64) {
    f(); // warm up
    let mut reps = 1usize;
    loop {
        let t = now();
        for _ in 0..reps {
            f();
        }
        if now() - t >= 2.0 || reps >= 1 << 14 {
            break;
        }
        reps *= 2;
    }
    let mut v: Vec<f64> = (0..samples)
        .map(|_| {
            let t = now();
            for _ in 0..reps {
                f();
            }
            (now() - t) / reps as f64
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[0], v[v.len() / 2])
}

fn fmt_ms((min, med): (f64, f64)) -> String {
    format!("{min:.3} ({med:.3})")
}

/// Prints min (median) timings of every kernel's qgemm against candle's f32 matmul (the model's
/// `x.matmul(&w.t())`) and candle's Q8_0 QMatMul on the model's shapes. Not a test: no timing
/// is asserted.
fn bench(now: &dyn Fn() -> f64, print: &dyn Fn(String)) {
    use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
    use candle_core::{Device, Module, Tensor};
    let mut rng = Rng::new(1);
    let samples = 41;
    print(format!(
        "kernels: {:?}, ACT_MAX {ACT_MAX}",
        available_kernels()
    ));
    for &(m, k, n) in &[
        (24, 768, 768),
        (24, 768, 3072),
        (24, 3072, 768),
        (128, 768, 768),
    ] {
        let xf: Vec<f32> = (0..m * k).map(|_| rng.f32()).collect();
        let wf: Vec<f32> = (0..n * k).map(|_| rng.f32() * 0.05).collect();
        let xt = Tensor::from_vec(xf.clone(), (m, k), &Device::Cpu).unwrap();
        let wt = Tensor::from_vec(wf.clone(), (n, k), &Device::Cpu).unwrap();
        let f32_ms = time_ms(now, samples, || {
            std::hint::black_box(xt.matmul(&wt.t().unwrap()).unwrap());
        });
        let qmm = QMatMul::from_qtensor(QTensor::quantize(&wt, GgmlDType::Q8_0).unwrap()).unwrap();
        let q80_ms = time_ms(now, 9, || {
            std::hint::black_box(qmm.forward(&xt).unwrap());
        });
        let packed = PackedF32::new(&wf, n, k).unwrap();
        let bias = vec![0f32; n];
        let mut ys = vec![0f32; m * n];
        let mut line = format!(
            "m={m:<3} k={k:<4} n={n:<4} | candle f32 {} | candle Q8_0 {}",
            fmt_ms(f32_ms),
            fmt_ms(q80_ms)
        );
        for kernel in sgemm_kernels() {
            let ms = time_ms(now, samples, || {
                sgemm_with(kernel, &xf, m, &packed, &bias, &mut ys).unwrap();
            });
            line += &format!(" | sgemm {kernel:?} {}", fmt_ms(ms));
        }
        let mut xq = vec![0i16; m * k];
        let mut y = vec![0f32; m * n];
        // The q8 layers' block (one weight scale per row, split where int32 sums need it) and q4's.
        for block in [kernels::q8_block(k), 32] {
            let mut xs = vec![0f32; m * (k / block)];
            let ms = time_ms(now, samples, || {
                quantize_blocks(&xf, m, k, block, &mut xq, &mut xs).unwrap()
            });
            line += &format!(" | quantize/b{block} {}", fmt_ms(ms));
            let q = rng.i8s(n * k, -127, 127);
            let w = PackedWeights::new(q, vec![0.01; n * (k / block)], n, k, block).unwrap();
            for kernel in available_kernels() {
                if kernel.act_max() < ACT_MAX {
                    continue;
                }
                let n_samples = if kernel == Kernel::Scalar { 3 } else { samples };
                let ms = time_ms(now, n_samples, || {
                    qgemm_with(kernel, &xq, &xs, m, &w, None, &mut y).unwrap();
                });
                line += &format!(" | {}/b{block} {}", kernel.name(), fmt_ms(ms));
            }
            // 8-bit activations, on the kernels made for them.
            let mut xq8 = vec![0i16; m * k];
            quantize_blocks_to(ACT8_MAX, &xf, m, k, block, &mut xq8, &mut xs).unwrap();
            for kernel in available_kernels() {
                if kernel.act_max() != ACT8_MAX {
                    continue;
                }
                let ms = time_ms(now, samples, || {
                    qgemm_with(kernel, &xq8, &xs, m, &w, None, &mut y).unwrap();
                });
                line += &format!(" | {}/b{block} {}", kernel.name(), fmt_ms(ms));
                if kernel.pairs_records() {
                    // The same kernel on its own layout (record pairs interleaved at packing).
                    let mut wp = w.clone();
                    wp.set_layout_for(kernel);
                    let ms = time_ms(now, samples, || {
                        qgemm_with(kernel, &xq8, &xs, m, &wp, None, &mut y).unwrap();
                    });
                    line += &format!(" | {}-paired/b{block} {}", kernel.name(), fmt_ms(ms));
                }
            }
            let ms = time_ms(now, samples, || {
                quantize_blocks(&xf, m, k, block, &mut xq, &mut xs).unwrap();
                qgemm(&xq, &xs, m, &w, None, &mut y).unwrap();
            });
            line += &format!(" | quantize+best/b{block} {}", fmt_ms(ms));
        }
        print(line);
    }
    print("times in ms: min (median)".into());
}
