//! Thread counts change no bit: logits and hidden states with 1, 2 and 3 threads, for f32, q8
//! and q4 weights (q8 on 15- and 8-bit activations) and every family (forward passes with spinning threads,
//! kernels::parallel::pass), and the parallel GEMMs against one thread on shapes large enough to
//! split, through rayon alone and through a pass's spinners, one product per region or several
//! (in a pass, panels claimed in guided self-scheduling parts). The forward passes also run the
//! residual add + LayerNorm + quantization over row blocks (512 rows).
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use common::*;
use gamjeong::internals::kernels::parallel::{
    for_panel_ranges, for_panel_ranges_of, pass, MIN_PARALLEL_WORK,
};
use gamjeong::internals::kernels::sgemm::{sgemm, PackedF32};
use gamjeong::internals::kernels::{
    best_kernel, best_kernel_for, qgemm, qgemm_for, qgemm_many, qgemm_with, quantize_for, Kernel,
    PackedWeights, QgemmOut,
};
use gamjeong::Classifier;
use gamjeong::{quantize_bytes, ModelSource, Quant};
use std::sync::Mutex;

/// An element-wise activation for the tests of `QgemmOut::act`.
fn squash(v: &mut [f32]) {
    for x in v {
        *x += x.tanh() * 0.5;
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// Short texts and texts of 300+ tokens: a batch of long texts makes the tiny model's GEMMs
/// large enough (512 rows per pass) to be split over threads, short ones split attention only.
fn texts() -> Vec<String> {
    let long = "오늘 밥이 너무 맛있었어. 행복해. 직장에서 부당한 일을 겪어서 너무 화가 나. ";
    vec![
        "오늘 밥이 너무 맛있었어. 행복해".to_string(),
        long.repeat(12),
        "안녕".to_string(),
        long.repeat(20),
        "직장에서 부당한 일을 겪어서 너무 화가 나".to_string(),
        long.repeat(9),
    ]
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Logits of every text, batched and alone, and the hidden states of the batch.
fn outputs(model: &Classifier) -> Vec<Vec<u32>> {
    let texts = texts();
    let mut out: Vec<Vec<u32>> = model
        .classify_batch(&texts)
        .unwrap()
        .iter()
        .map(|c| bits(&c.logits))
        .collect();
    for t in &texts[..3] {
        out.push(bits(&model.classify(t).unwrap().logits));
    }
    for e in model.embed_batch(&texts).unwrap() {
        out.push(bits(&e.last_hidden_state.concat()));
    }
    out
}

fn check_thread_counts(name: &str, mut model: Classifier) {
    model.set_threads(1).unwrap();
    assert_eq!(model.threads(), 1);
    let one = outputs(&model);
    assert!(
        one.iter().any(|v| v.iter().any(|&b| b != 0)),
        "{name}: all zero"
    );
    for threads in [2, 3] {
        model.set_threads(threads).unwrap();
        assert_eq!(model.threads(), threads);
        let got = outputs(&model);
        assert_eq!(got.len(), one.len());
        for (i, (a, b)) in got.iter().zip(&one).enumerate() {
            assert!(a == b, "{name}: output {i} differs with {threads} threads");
        }
    }
}

fn quantized(scheme: Quant) -> Classifier {
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    let source = ModelSource {
        model: "fixtures/tiny-ko".into(),
        revision: "test".into(),
    };
    let file = quantize_bytes(TINY_WEIGHTS, scheme, source, TINY_CONFIG, tok).unwrap();
    Classifier::from_quantized(&file).unwrap()
}

#[test]
fn f32_results_do_not_depend_on_threads() {
    check_thread_counts("f32", tiny());
}

#[test]
fn q8_results_do_not_depend_on_threads() {
    check_thread_counts("q8", quantized(Quant::Q8));
    // 8-bit activations: the `vpdpbusd` kernels, on the zmm kernel's own weight layout where
    // it runs (`Linear::set_activations`).
    let mut model = quantized(Quant::Q8);
    model.set_activations(gamjeong::Activations::Bits8);
    check_thread_counts("q8 8-bit", model);
}

#[test]
fn q4_results_do_not_depend_on_threads() {
    check_thread_counts("q4", quantized(Quant::Q4));
}

/// The other families on the one encoder -- ELECTRA (embeddings_project, GELU head), RoBERTa (its
/// positions after padding), DistilBERT (no token types) -- f32 and q8: the same bits on 1, 2
/// and 3 threads.
#[test]
fn every_family_gives_the_same_bits_on_any_thread_count() {
    for name in ["tiny-ko-electra", "tiny-ko-roberta", "tiny-ko-distilbert"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        check_thread_counts(name, Classifier::from_dir(&dir).unwrap());
        let tokenizer = gamjeong::internals::tokenize::tokenizer_json_in_dir(&dir).unwrap();
        let file = quantize_bytes(
            &std::fs::read(dir.join("model.safetensors")).unwrap(),
            Quant::Q8,
            ModelSource {
                model: name.into(),
                revision: "test".into(),
            },
            &std::fs::read_to_string(dir.join("config.json")).unwrap(),
            std::str::from_utf8(&tokenizer).unwrap(),
        )
        .unwrap();
        check_thread_counts(
            &format!("{name} q8"),
            Classifier::from_quantized(&file).unwrap(),
        );
    }
}

#[test]
fn zero_threads_is_an_error() {
    let mut model = tiny();
    let err = model.set_threads(0).unwrap_err();
    assert!(err.to_string().contains("at least 1"), "{err}");
}

fn ranges_in(threads: usize, panels: usize, work: usize) -> Vec<std::ops::Range<usize>> {
    let seen = Mutex::new(Vec::new());
    pool(threads).install(|| {
        for_panel_ranges(panels, work, |r| seen.lock().unwrap().push(r));
    });
    let mut seen = seen.into_inner().unwrap();
    seen.sort_by_key(|r| r.start);
    seen
}

#[test]
fn panel_ranges_cover_once_and_split_only_large_work() {
    let big = MIN_PARALLEL_WORK;
    for (threads, panels) in [(2, 96), (3, 96), (3, 5), (4, 2)] {
        let ranges = ranges_in(threads, panels, big);
        assert!(
            ranges.len() > 1,
            "{threads} threads, {panels} panels: not split"
        );
        let mut next = 0;
        for r in &ranges {
            assert_eq!(r.start, next);
            assert!(r.end > r.start);
            next = r.end;
        }
        assert_eq!(next, panels);
    }
    // Several products in one region (attention's query, key and value), in a forward pass
    // (its spinners) and without: every panel of every product once.
    for spin in [false, true] {
        for threads in [1, 2, 3] {
            let parts = [5, 96, 1, 7];
            let seen = Mutex::new(Vec::new());
            let region =
                || for_panel_ranges_of(&parts, big, |i, r| seen.lock().unwrap().push((i, r)));
            pool(threads).install(|| if spin { pass(region) } else { region() });
            let mut covered: Vec<Vec<usize>> = parts.iter().map(|&n| vec![0; n]).collect();
            for (i, r) in seen.into_inner().unwrap() {
                assert!(r.start < r.end && r.end <= parts[i], "{i}: {r:?}");
                r.for_each(|p| covered[i][p] += 1);
            }
            assert!(
                covered.iter().flatten().all(|&c| c == 1),
                "{threads} threads (spin {spin}): {covered:?}"
            );
        }
    }
    // In a pass, the panels are claimed in parts of ⌈left / threads⌉ (guided self-scheduling):
    // the same parts whichever thread claims them, the last ones a single panel.
    let seen = Mutex::new(Vec::new());
    pool(2).install(|| pass(|| for_panel_ranges(96, big, |r| seen.lock().unwrap().push(r))));
    let mut seen = seen.into_inner().unwrap();
    seen.sort_by_key(|r| r.start);
    assert_eq!(
        seen,
        [0..48, 48..72, 72..84, 84..90, 90..93, 93..95, 95..96]
    );
    assert_eq!(ranges_in(1, 96, big * 100), vec![0..96]);
    assert_eq!(ranges_in(3, 96, big - 1), vec![0..96]);
    assert_eq!(ranges_in(3, 1, big * 100), vec![0..1]);
}

/// Deterministic values in -1..1 (xorshift32).
fn values(len: usize, mut s: u32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn parallel_gemms_equal_one_thread() {
    // Tile tails (7, 13 and 1 rows) on BERT-base's feed-forward shapes; 352 × 768 inputs are
    // packed for the kernel over blocks of rows in parallel (a batch's inputs), into 2 panels.
    for (m, n, k) in [
        (7, 3072, 768),
        (13, 768, 3072),
        (1, 3072, 768),
        (352, 16, 768),
    ] {
        assert!(m * n * k >= MIN_PARALLEL_WORK, "shape too small to split");
        let x = values(m * k, 7 + m as u32);
        let w = values(n * k, 11);
        let bias = values(n, 13);
        let packed = PackedF32::new(&w, n, k).unwrap();
        let q: Vec<i8> = w.iter().map(|v| (v * 127.0).round() as i8).collect();
        let block = gamjeong::internals::kernels::q8_block(k);
        let scales = vec![0.01f32; n * (k / block)];
        let qw = PackedWeights::new(q, scales, n, k, block).unwrap();
        // 8-bit activations on the weights laid out for their kernel (record pairs interleaved
        // for the zmm `vpdpbusd` kernel), against the scalar kernel on the shared layout.
        let bits8 = gamjeong::Activations::Bits8;
        let mut qw8 = qw.clone();
        qw8.set_layout_for(best_kernel_for(bits8));
        let run8 = |threads: usize| {
            pool(threads).install(|| {
                let mut xq = vec![0i16; m * k];
                let mut xs = vec![0f32; m * qw.nblocks()];
                quantize_for(&qw, bits8, &x, m, &mut xq, &mut xs).unwrap();
                let (mut y, mut want) = (vec![0f32; m * n], vec![0f32; m * n]);
                qgemm_for(bits8, &xq, &xs, m, &qw8, Some(&bias), &mut y).unwrap();
                qgemm_with(Kernel::Scalar, &xq, &xs, m, &qw, Some(&bias), &mut want).unwrap();
                assert!(
                    bits(&y) == bits(&want),
                    "8-bit {m}x{n}x{k}, {threads} threads, paired {}",
                    qw8.is_paired()
                );
                bits(&y)
            })
        };
        let one8 = run8(1);
        for threads in [2, 3] {
            assert!(
                run8(threads) == one8,
                "8-bit {m}x{n}x{k}: {threads} threads"
            );
        }
        let run = |threads: usize| {
            pool(threads).install(|| {
                let mut yf = vec![0f32; m * n];
                sgemm(&x, m, &packed, &bias, &mut yf).unwrap();
                let mut xq = vec![0i16; m * k];
                let mut xs = vec![0f32; m * qw.nblocks()];
                quantize_for(&qw, gamjeong::Activations::Bits15, &x, m, &mut xq, &mut xs).unwrap();
                let mut yq = vec![0f32; m * n];
                qgemm(&xq, &xs, m, &qw, Some(&bias), &mut yq).unwrap();
                if m != 7 {
                    return (bits(&yf), bits(&yq));
                }
                // The same product twice in one region, inside a forward pass (spinners): one
                // shape is enough (the region code does not depend on it), and debug builds
                // (CI) pay for every product.
                let (mut a, mut b) = (vec![0f32; m * n], vec![0f32; m * n]);
                pass(|| {
                    let mut outs = [
                        QgemmOut {
                            w: &qw,
                            bias: Some(&bias),
                            y: &mut a,
                            act: None,
                        },
                        QgemmOut {
                            w: &qw,
                            bias: None,
                            y: &mut b,
                            act: Some(squash),
                        },
                    ];
                    qgemm_many(best_kernel(), &xq, &xs, m, &mut outs).unwrap();
                });
                assert!(
                    bits(&a) == bits(&yq),
                    "qgemm_many {m}x{n}x{k}, {threads} threads"
                );
                // The second with an activation applied inside its tasks (as GELU is): the bits
                // of the activation applied afterwards.
                qgemm(&xq, &xs, m, &qw, None, &mut yq).unwrap();
                squash(&mut yq);
                assert!(
                    bits(&b) == bits(&yq),
                    "qgemm_many {m}x{n}x{k}, {threads} threads"
                );
                (bits(&yf), bits(&yq))
            })
        };
        let one = run(1);
        assert!(one.1.iter().any(|&b| b != 0));
        for threads in [2, 3] {
            let got = run(threads);
            assert!(
                got.0 == one.0,
                "sgemm {m}x{n}x{k}: {threads} threads differ"
            );
            assert!(
                got.1 == one.1,
                "qgemm {m}x{n}x{k}: {threads} threads differ"
            );
        }
    }
}
