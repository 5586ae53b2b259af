//! Shared int8 GEMM kernel checks, run natively (tests/kernels.rs) and in headless Chromium
//! (tests/wasm_kernels.rs). Every check is a plain function so both harnesses call the same code.
#![allow(dead_code)]

use gamjeong::internals::kernels::sgemm::{
    sgemm, sgemm_kernels, sgemm_with, PackedF32, SgemmKernel,
};
use gamjeong::internals::kernels::{
    self, available_kernels, best_kernel, best_kernel_for, block_sums, qgemm, qgemm_with,
    quantize_blocks, quantize_blocks_to, quantize_rows, quantize_rows_to, Activations, Kernel,
    PackedWeights, ACT_MAX,
};

/// xorshift64* — tiny deterministic PRNG, no crates.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }
    /// Uniform in [-1, 1).
    pub fn f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    pub fn i8s(&mut self, len: usize, lo: i8, hi: i8) -> Vec<i8> {
        (0..len)
            .map(|_| self.range(lo as i64, hi as i64) as i8)
            .collect()
    }
    pub fn i16s(&mut self, len: usize, lo: i16, hi: i16) -> Vec<i16> {
        (0..len)
            .map(|_| self.range(lo as i64, hi as i64) as i16)
            .collect()
    }
}

pub const KS: [usize; 10] = [1, 15, 16, 17, 31, 32, 48, 64, 100, 768];

/// Blocks to test for a given k: k itself, 32 and 16 if they divide, the smallest divisor > 1,
/// and 1 for small k.
pub fn blocks_for(k: usize) -> Vec<usize> {
    let mut v = vec![k];
    for b in [32, 16] {
        if k.is_multiple_of(b) {
            v.push(b);
        }
    }
    if let Some(d) = (2..k).find(|&d| k.is_multiple_of(d)) {
        v.push(d);
    }
    if k <= 17 {
        v.push(1);
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// (m, n) pairs covering every m in 1..=13 and every n in 1..=37 (ragged tiles and panels).
pub fn shapes(rng: &mut Rng) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for m in 1..=13 {
        v.push((m, rng.range(1, 37) as usize));
    }
    for n in 1..=37 {
        v.push((rng.range(1, 13) as usize, n));
    }
    v.push((13, 37));
    v.push((4, 8));
    v
}

/// Naive int32 block sums straight from the unpacked int8 matrices.
pub fn reference_sums(x: &[i16], m: usize, q: &[i8], n: usize, k: usize, block: usize) -> Vec<i32> {
    let nb = k / block;
    let mut out = vec![0; m * n * nb];
    for mi in 0..m {
        for ni in 0..n {
            for b in 0..nb {
                let mut s = 0i32;
                for t in b * block..(b + 1) * block {
                    s += x[mi * k + t] as i32 * q[ni * k + t] as i32;
                }
                out[(mi * n + ni) * nb + b] = s;
            }
        }
    }
    out
}

fn packed(q: &[i8], n: usize, k: usize, block: usize, rng: &mut Rng) -> PackedWeights {
    let scales = (0..n * (k / block))
        .map(|_| 0.001 + rng.f32().abs() * 0.01)
        .collect();
    PackedWeights::new(q.to_vec(), scales, n, k, block).unwrap()
}

/// The kernels of `kernels` that take activations up to |`max`|.
fn taking(kernels: &[Kernel], max: i16) -> Vec<Kernel> {
    kernels
        .iter()
        .copied()
        .filter(|k| k.act_max() >= max)
        .collect()
}

/// Every kernel in `kernels` gives exactly the reference int32 block sums on random shapes with
/// ragged m, n, k and blocks. Weights use the full i8 range (incl. -128), activations ±ACT_MAX.
pub fn check_block_sums(kernels: &[Kernel]) {
    check_block_sums_upto(kernels, ACT_MAX);
}

/// [`check_block_sums`] with activations in `-max..=max`, on the kernels of `kernels` that take
/// them (all of them for 8-bit activations, `ACT8_MAX`).
pub fn check_block_sums_upto(kernels: &[Kernel], max: i16) {
    let kernels = taking(kernels, max);
    assert!(kernels.contains(&Kernel::Scalar));
    let mut rng = Rng::new(0x5EED ^ max as u64);
    let mut cases = 0;
    for &k in &KS {
        for block in blocks_for(k) {
            for (m, n) in shapes(&mut rng) {
                let x = rng.i16s(m * k, -max, max);
                let q = rng.i8s(n * k, i8::MIN, i8::MAX);
                let w = packed(&q, n, k, block, &mut rng);
                assert_eq!(
                    (w.n(), w.k(), w.block(), w.nblocks()),
                    (n, k, block, k / block)
                );
                let want = reference_sums(&x, m, &q, n, k, block);
                // The pairing kernels on both layouts: the shared one (`w`) and their own, which
                // every other kernel refuses.
                let mut paired = w.clone();
                if let Some(&pk) = kernels.iter().find(|k| k.pairs_records()) {
                    paired.set_layout_for(pk);
                    assert!(paired.is_paired());
                    let mut got = vec![0; want.len()];
                    assert!(block_sums(Kernel::Scalar, &x, m, &paired, &mut got).is_err());
                }
                let runs = kernels.iter().map(|&k| (k, &w)).chain(
                    kernels
                        .iter()
                        .filter(|k| k.pairs_records())
                        .map(|&k| (k, &paired)),
                );
                for (kernel, w) in runs {
                    let mut got = vec![i32::MIN; want.len()];
                    block_sums(kernel, &x, m, w, &mut got).unwrap();
                    if got != want {
                        let i = got.iter().zip(&want).position(|(a, b)| a != b).unwrap();
                        panic!(
                            "{kernel:?} paired={} m={m} n={n} k={k} block={block}: sum {i} is {} not {}",
                            w.is_paired(), got[i], want[i]
                        );
                    }
                }
                cases += 1;
            }
        }
    }
    assert!(cases > 1000, "only {cases} cases");
}

/// Largest magnitudes: |x| = ACT_MAX against w = -128 / 127 over the largest block
/// ([`kernels::MAX_BLOCK`]) and over 4096 in small blocks, and alternating signs: no
/// saturation or wrap anywhere.
pub fn check_extremes(kernels: &[Kernel]) {
    check_extremes_upto(kernels, ACT_MAX);
}

/// [`check_extremes`] at |x| = `max`, on the kernels of `kernels` that take it.
pub fn check_extremes_upto(kernels: &[Kernel], max: i16) {
    let kernels = taking(kernels, max);
    let (m, n) = (5, 11);
    let big = kernels::MAX_BLOCK.min(4096) / 4 * 4;
    for &(k, block) in &[(big, big), (4096, 32), (768, 768), (100, 100)] {
        for pattern in 0..4 {
            let x: Vec<i16> = (0..m * k)
                .map(|i| match pattern {
                    0 => max,
                    1 => -max,
                    2 if i % 2 == 0 => max,
                    2 => -max,
                    _ => {
                        if (i / 3) % 2 == 0 {
                            max
                        } else {
                            -max
                        }
                    }
                })
                .collect();
            let q: Vec<i8> = (0..n * k)
                .map(|i| if (i + pattern) % 5 == 0 { 127 } else { -128 })
                .collect();
            let w = PackedWeights::new(q.clone(), vec![1.0; n * (k / block)], n, k, block).unwrap();
            let want = reference_sums(&x, m, &q, n, k, block);
            for &kernel in &kernels {
                // On the kernel's own layout too, where it has one (record pairs interleaved for
                // the zmm u8 kernel); every other kernel's own layout is `w`.
                let own = kernel.pairs_records().then(|| {
                    let mut own = w.clone();
                    own.set_layout_for(kernel);
                    own
                });
                for w in std::iter::once(&w).chain(own.as_ref()) {
                    let mut got = vec![0; want.len()];
                    block_sums(kernel, &x, m, w, &mut got).unwrap();
                    assert_eq!(
                        got,
                        want,
                        "{kernel:?} k={k} block={block} pattern={pattern} paired={}",
                        w.is_paired()
                    );
                }
            }
        }
    }
}

/// qgemm (every kernel) against an f64 evaluation of the same formula; all kernels agree
/// bit for bit since their int32 sums do and the f32 epilogue is shared.
pub fn check_qgemm(kernels: &[Kernel]) {
    check_qgemm_upto(kernels, ACT_MAX);
}

/// [`check_qgemm`] on activations quantized into `-max..=max`, on the kernels that take them.
pub fn check_qgemm_upto(kernels: &[Kernel], max: i16) {
    let kernels = taking(kernels, max);
    let mut rng = Rng::new(42);
    for &(m, n, k, block) in &[
        (1, 1, 1, 1),
        (3, 5, 15, 5),
        (7, 37, 100, 25),
        (13, 19, 768, 768),
        (9, 33, 768, 32),
        (24, 40, 64, 16),
        (5, 8, 48, 48),
    ] {
        let nb = k / block;
        // Per-column magnitudes that vary a lot, so block scales differ within a row.
        let x: Vec<f32> = (0..m * k)
            .map(|i| rng.f32() * 3.0 * (1 + (i % k) % 9) as f32)
            .collect();
        let mut xq = vec![0i16; m * k];
        let mut xs = vec![0f32; m * nb];
        quantize_blocks_to(max, &x, m, k, block, &mut xq, &mut xs).unwrap();
        assert!(xq.iter().all(|v| v.abs() <= max) && xq.iter().any(|v| v.abs() == max));
        let q = rng.i8s(n * k, -127, 127);
        let scales: Vec<f32> = (0..n * nb).map(|_| rng.f32().abs() * 0.02 + 1e-4).collect();
        let bias: Vec<f32> = (0..n).map(|_| rng.f32()).collect();
        let w = PackedWeights::new(q.clone(), scales.clone(), n, k, block).unwrap();
        assert!(w.bytes() >= n * k);

        let sums = reference_sums(&xq, m, &q, n, k, block);
        let mut first: Option<Vec<f32>> = None;
        for &kernel in &kernels {
            for with_bias in [false, true] {
                let mut y = vec![f32::NAN; m * n];
                let b = with_bias.then_some(&bias[..]);
                qgemm_with(kernel, &xq, &xs, m, &w, b, &mut y).unwrap();
                for mi in 0..m {
                    for ni in 0..n {
                        let (mut want, mut mag) = (0f64, 0f64);
                        for bi in 0..nb {
                            let t = scales[ni * nb + bi] as f64
                                * xs[mi * nb + bi] as f64
                                * sums[(mi * n + ni) * nb + bi] as f64;
                            want += t;
                            mag += t.abs();
                        }
                        if with_bias {
                            want += bias[ni] as f64;
                            mag += (bias[ni] as f64).abs();
                        }
                        let got = y[mi * n + ni] as f64;
                        assert!(
                            (got - want).abs() <= 1e-5 * mag + 1e-30,
                            "{kernel:?} m={m} n={n} k={k} block={block} y[{mi}][{ni}] = {got}, want {want}"
                        );
                    }
                }
                if with_bias {
                    match &first {
                        None => first = Some(y),
                        Some(f) => assert!(
                            f.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()),
                            "{kernel:?} qgemm differs from {:?}",
                            kernels[0]
                        ),
                    }
                }
            }
        }
        // The default entry points equal the explicit best kernel.
        let mut y1 = vec![0f32; m * n];
        let mut y2 = vec![0f32; m * n];
        if max == ACT_MAX {
            qgemm(&xq, &xs, m, &w, Some(&bias), &mut y1).unwrap();
            qgemm_with(best_kernel(), &xq, &xs, m, &w, Some(&bias), &mut y2).unwrap();
            assert_eq!(y1, y2);
        }
        for acts in Activations::ALL.into_iter().filter(|a| a.max() == max) {
            kernels::qgemm_for(acts, &xq, &xs, m, &w, Some(&bias), &mut y1).unwrap();
            qgemm_with(best_kernel_for(acts), &xq, &xs, m, &w, Some(&bias), &mut y2).unwrap();
            assert_eq!(y1, y2);
        }
    }
}

/// The row quantizer into `-max..=max`: range, scale, error bound, zero rows, ties-to-even;
/// and `quantize_for` in the format of that `max` gives the same values (not in relaxed-SIMD
/// builds, whose format is fixed).
pub fn check_quantize_upto(max: i16) {
    let mut rng = Rng::new(7 ^ max as u64);
    let (m, k) = (9, 301);
    let mut x: Vec<f32> = (0..m * k)
        .map(|i| rng.f32() * (1 + i % 7) as f32 * 10.0)
        .collect();
    x[3 * k..4 * k].fill(0.0); // zero row
    x[5 * k..6 * k].iter_mut().for_each(|v| *v *= 1e-30); // tiny but normal scale
    let mut q = vec![0i16; m * k];
    let mut s = vec![-1f32; m];
    quantize_rows_to(max, &x, m, k, &mut q, &mut s).unwrap();
    for r in 0..m {
        let row = &x[r * k..(r + 1) * k];
        let amax = row.iter().fold(0f32, |a, v| a.max(v.abs()));
        assert_eq!(s[r], amax / max as f32, "row {r} scale");
        let mut hit_max = amax == 0.0;
        for (i, (&v, &qv)) in row.iter().zip(&q[r * k..(r + 1) * k]).enumerate() {
            assert!((-max..=max).contains(&qv), "q out of range");
            let err = (qv as f32 * s[r] - v).abs();
            assert!(
                err <= s[r] * 0.5 * (1.0 + 1e-5) + v.abs() * 1e-6,
                "row {r} [{i}]: {v} -> {qv} * {} (err {err})",
                s[r]
            );
            hit_max |= qv.unsigned_abs() == max as u16;
        }
        assert!(hit_max, "row {r}: the largest value must map to ±max");
    }
    assert_eq!(s[3], 0.0);
    assert!(q[3 * k..4 * k].iter().all(|&v| v == 0));

    // Ties go to even: with max = max the scale is exactly 1.
    let a = max as f32;
    let x = [a, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5];
    let mut q = [0i16; 8];
    let mut s = [0f32];
    quantize_rows_to(max, &x, 1, 8, &mut q, &mut s).unwrap();
    assert_eq!(s[0], 1.0);
    assert_eq!(q, [max, 0, 2, 2, 0, -2, -2, 4]);

    // Every quarter step in -max..=max (ties included) rounds like round_ties_even.
    let a = max as f32;
    let steps = 8 * max as usize;
    let mut x: Vec<f32> = (0..=steps).map(|i| -a + i as f32 * 0.25).collect();
    x.push(a); // the row max, so the scale is exactly 1
    let mut q = vec![0i16; x.len()];
    let mut s = [0f32];
    quantize_rows_to(max, &x, 1, x.len(), &mut q, &mut s).unwrap();
    assert_eq!(s[0], 1.0);
    for (&v, &qv) in x.iter().zip(&q) {
        assert_eq!(qv as f32, v.round_ties_even(), "{v}");
    }

    if kernels::ACT_BLOCK.is_none() {
        for acts in Activations::ALL.into_iter().filter(|a| a.max() == max) {
            let (m, k) = (5, 768);
            let x: Vec<f32> = (0..m * k)
                .map(|i| rng.f32() * (1 + i % 13) as f32)
                .collect();
            let (mut q1, mut s1) = (vec![0i16; m * k], vec![0f32; m]);
            quantize_rows_to(max, &x, m, k, &mut q1, &mut s1).unwrap();
            let w = PackedWeights::new(vec![1; 2 * k], vec![1.0; 2 * 3], 2, k, 256).unwrap();
            let (mut q2, mut s2) = (vec![0i16; m * k], vec![0f32; m * 3]);
            kernels::quantize_for(&w, acts, &x, m, &mut q2, &mut s2).unwrap();
            assert_eq!(q1, q2, "{acts:?}");
            let repeated: Vec<f32> = s1.iter().flat_map(|&v| [v; 3]).collect();
            assert_eq!(repeated, s2, "{acts:?}");
        }
    }
    assert!(quantize_rows_to(0, &[1.0], 1, 1, &mut [0], &mut [0.0]).is_err());
    assert!(quantize_rows_to(ACT_MAX + 1, &[1.0], 1, 1, &mut [0], &mut [0.0]).is_err());
}

/// quantize_rows: range, scale, error bound (|q·s − x| ≤ s/2 + eps), zero rows, ties-to-even.
pub fn check_quantize() {
    check_quantize_upto(ACT_MAX);
    let mut rng = Rng::new(7);
    // Degenerate sizes.
    quantize_rows(&[], 0, 5, &mut [], &mut []).unwrap();
    let mut s = [7f32; 2];
    quantize_rows(&[], 2, 0, &mut [], &mut s).unwrap();
    assert_eq!(s, [0.0, 0.0]);

    // Blocks: each block is quantized on its own (same as a row of its own), an outlier in
    // one block does not coarsen the others, and bad block sizes are errors.
    let (m, k, block) = (3, 96, 32);
    let mut x: Vec<f32> = (0..m * k).map(|_| rng.f32()).collect();
    x[k + 40] = 500.0; // row 1, block 1
    let mut q = vec![0i16; m * k];
    let mut s = vec![0f32; m * 3];
    quantize_blocks(&x, m, k, block, &mut q, &mut s).unwrap();
    for (i, (xb, qb)) in x.chunks(block).zip(q.chunks(block)).enumerate() {
        let (mut q1, mut s1) = (vec![0i16; block], [0f32]);
        quantize_rows(xb, 1, block, &mut q1, &mut s1).unwrap();
        assert_eq!((qb, s[i]), (&q1[..], s1[0]), "block {i}");
    }
    assert!(
        s[4] > 100.0 * s[3] && s[4] > 100.0 * s[5],
        "outlier stays in its block"
    );
    assert!(
        quantize_blocks(&x, m, k, 0, &mut q, &mut s).is_err(),
        "block 0"
    );
    assert!(
        quantize_blocks(&x, m, k, 40, &mut q, &mut s).is_err(),
        "block must divide k"
    );
    assert!(
        quantize_blocks(&x, m, k, 32, &mut q, &mut s[..8]).is_err(),
        "short scale"
    );
}

/// Bad sizes and values are errors, not panics.
pub fn check_errors() {
    let ok = |n, k, b| PackedWeights::new(vec![1; n * k], vec![1.0; n * (k / b)], n, k, b);
    assert!(ok(3, 8, 4).is_ok());
    assert!(
        PackedWeights::new(vec![1; 24], vec![1.0; 6], 3, 8, 0).is_err(),
        "block 0"
    );
    assert!(
        PackedWeights::new(vec![1; 24], vec![1.0; 6], 3, 8, 3).is_err(),
        "block must divide k"
    );
    assert!(
        PackedWeights::new(vec![1; 24], vec![1.0; 3], 3, 8, 16).is_err(),
        "block > k"
    );
    assert!(
        PackedWeights::new(vec![1; 23], vec![1.0; 6], 3, 8, 4).is_err(),
        "short q"
    );
    assert!(
        PackedWeights::new(vec![1; 24], vec![1.0; 5], 3, 8, 4).is_err(),
        "short scales"
    );
    assert!(
        PackedWeights::new(vec![], vec![], 0, 8, 4).is_err(),
        "n = 0"
    );
    assert!(
        PackedWeights::new(vec![], vec![], 3, 0, 1).is_err(),
        "k = 0"
    );
    assert!(
        PackedWeights::new(vec![1; 24], vec![f32::NAN; 6], 3, 8, 4).is_err(),
        "NaN scale"
    );
    assert!(
        PackedWeights::new(vec![1; 8], vec![1.0; 1], usize::MAX / 4, 8, 8).is_err(),
        "huge n"
    );
    let big = kernels::MAX_BLOCK + 1;
    assert!(
        PackedWeights::new(vec![0; big], vec![1.0], 1, big, big).is_err(),
        "block too large"
    );

    let w = ok(3, 8, 4).unwrap();
    // Two rows, two K-blocks each: four activation scales.
    let (m, x, xs, bias) = (2, vec![1i16; 16], vec![1f32; 4], vec![0f32; 3]);
    let mut y = vec![0f32; 6];
    assert!(qgemm(&x, &xs, m, &w, Some(&bias), &mut y).is_ok());
    assert!(
        qgemm(&x[..15], &xs, m, &w, None, &mut y).is_err(),
        "short x"
    );
    assert!(
        qgemm(&x, &xs[..2], m, &w, None, &mut y).is_err(),
        "one scale per row is not enough for two blocks"
    );
    assert!(
        qgemm(&x, &xs, m, &w, Some(&bias[..2]), &mut y).is_err(),
        "short bias"
    );
    assert!(qgemm(&x, &xs, m, &w, None, &mut y[..5]).is_err(), "short y");
    assert!(
        qgemm(&x, &xs, m, &w, None, &mut [0f32; 7]).is_err(),
        "long y"
    );
    assert!(qgemm(&[], &[], 0, &w, None, &mut []).is_ok(), "m = 0");
    for bad in [i16::MIN, -ACT_MAX - 1] {
        let mut xb = x.clone();
        xb[5] = bad;
        for kernel in available_kernels() {
            assert!(
                qgemm_with(kernel, &xb, &xs, m, &w, None, &mut y).is_err(),
                "{kernel:?}: activation {bad}"
            );
            assert!(
                block_sums(kernel, &xb, m, &w, &mut [0; 12]).is_err(),
                "{kernel:?}: activation {bad}"
            );
        }
    }

    // Kernels that take 8-bit activations only refuse anything wider, and so do the others
    // past ACT_MAX.
    for kernel in available_kernels() {
        let mut xb = x.clone();
        xb[3] = kernel.act_max() + 1;
        let err = block_sums(kernel, &xb, m, &w, &mut [0; 12]).unwrap_err();
        assert!(err.to_string().contains("outside"), "{kernel:?}: {err}");
        xb[3] = -kernel.act_max();
        assert!(
            block_sums(kernel, &xb, m, &w, &mut [0; 12]).is_ok(),
            "{kernel:?}"
        );
    }

    let mut out = vec![0i32; 2 * 3 * 2];
    assert!(block_sums(Kernel::Scalar, &x, m, &w, &mut out).is_ok());
    assert!(
        block_sums(Kernel::Scalar, &x, m, &w, &mut out[..11]).is_err(),
        "short out"
    );
    assert!(
        block_sums(Kernel::Scalar, &x[..8], m, &w, &mut out).is_err(),
        "short x"
    );
    // Every kernel runs exactly where it is available, and is refused with an error elsewhere.
    for kernel in Kernel::ALL {
        assert_eq!(
            block_sums(kernel, &x, m, &w, &mut out).is_ok(),
            kernel.is_available(),
            "{kernel:?}"
        );
    }

    let mut q = vec![0i16; 6];
    let mut s = vec![0f32; 2];
    assert!(quantize_rows(&[1.0; 6], 2, 3, &mut q, &mut s).is_ok());
    assert!(
        quantize_rows(&[1.0; 5], 2, 3, &mut q, &mut s).is_err(),
        "short x"
    );
    assert!(
        quantize_rows(&[1.0; 6], 2, 3, &mut q[..5], &mut s).is_err(),
        "short q"
    );
    assert!(
        quantize_rows(&[1.0; 6], 2, 3, &mut q, &mut s[..1]).is_err(),
        "short scale"
    );
    assert!(
        quantize_rows(&[1.0, f32::NAN, 0.0, 1.0, 1.0, 1.0], 2, 3, &mut q, &mut s).is_err(),
        "NaN"
    );
    assert!(
        quantize_rows(
            &[1.0, 2.0, 3.0, f32::INFINITY, 1.0, 1.0],
            2,
            3,
            &mut q,
            &mut s
        )
        .is_err(),
        "inf"
    );
}

/// The kernel list is sane: Scalar first, best last, every listed kernel available.
pub fn check_kernel_list() {
    let ks = available_kernels();
    assert_eq!(ks[0], Kernel::Scalar);
    // The best kernel for a format is the last available one that takes it.
    for acts in Activations::ALL {
        let best = ks.iter().copied().rfind(|k| k.accepts(acts));
        assert_eq!(best, Some(best_kernel_for(acts)), "{acts:?}");
    }
    assert_eq!(best_kernel(), best_kernel_for(Activations::Bits15));
    assert_eq!(Activations::from_bits(8), Some(Activations::Bits8));
    assert_eq!(Activations::from_bits(15), Some(Activations::Bits15));
    assert_eq!(Activations::from_bits(16), None);
    assert!(ks.iter().all(|k| k.is_available()));
    assert!(Kernel::Scalar.is_available());
    for k in Kernel::ALL {
        assert_eq!(ks.contains(&k), k.is_available(), "{k:?}");
        assert_eq!(Kernel::from_name(k.name()), Some(k));
    }
    assert_eq!(Kernel::from_name("native"), None);
}

/// The f32 GEMM: every kernel gives the same bits, within f32 rounding of an f64 reference, on
/// ragged shapes (m across the 4-row tile, n across the 8-row panel, k across the 256 chunk);
/// bad sizes are errors.
pub fn check_sgemm() {
    let mut rng = Rng::new(99);
    let mut cases = 0;
    for k in [1, 3, 8, 255, 256, 257, 600] {
        for (m, n) in shapes(&mut rng).into_iter().step_by(3) {
            let x: Vec<f32> = (0..m * k).map(|_| rng.f32()).collect();
            let w: Vec<f32> = (0..n * k).map(|_| rng.f32()).collect();
            let bias: Vec<f32> = (0..n).map(|_| rng.f32()).collect();
            let packed = PackedF32::new(&w, n, k).unwrap();
            let mut outs = Vec::new();
            for kernel in sgemm_kernels() {
                let mut y = vec![f32::NAN; m * n];
                sgemm_with(kernel, &x, m, &packed, &bias, &mut y).unwrap();
                outs.push((kernel, y));
            }
            let mut best = vec![0f32; m * n];
            sgemm(&x, m, &packed, &bias, &mut best).unwrap();
            for mi in 0..m {
                for ni in 0..n {
                    let want: f64 = bias[ni] as f64
                        + (0..k)
                            .map(|t| x[mi * k + t] as f64 * w[ni * k + t] as f64)
                            .sum::<f64>();
                    let got = outs[0].1[mi * n + ni] as f64;
                    assert!(
                        (got - want).abs() <= 1e-5 * (k as f64).sqrt() + 1e-6,
                        "sgemm m={m} n={n} k={k} [{mi}][{ni}]: {got} vs {want}"
                    );
                }
            }
            for (kernel, y) in &outs[1..] {
                assert!(
                    y.iter()
                        .zip(&outs[0].1)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{kernel:?} differs from Scalar at m={m} n={n} k={k}"
                );
            }
            assert_eq!(best, outs.last().unwrap().1);
            cases += 1;
        }
    }
    assert!(cases > 50);
    let packed = PackedF32::new(&[1.0; 6], 2, 3).unwrap();
    let mut y = vec![0f32; 2];
    assert!(
        sgemm(&[1.0; 2], 1, &packed, &[0.0; 2], &mut y).is_err(),
        "short x"
    );
    assert!(
        sgemm(&[1.0; 3], 1, &packed, &[0.0; 1], &mut y).is_err(),
        "short bias"
    );
    assert!(
        sgemm(&[1.0; 3], 1, &packed, &[0.0; 2], &mut [0.0; 3]).is_err(),
        "long y"
    );
    assert!(PackedF32::new(&[1.0; 5], 2, 3).is_err());
    assert!(PackedF32::new(&[], 0, 3).is_err());
    if !sgemm_kernels().contains(&SgemmKernel::Simd128) {
        assert!(sgemm_with(
            SgemmKernel::Simd128,
            &[1.0; 3],
            1,
            &packed,
            &[0.0; 2],
            &mut y
        )
        .is_err());
    }
}
