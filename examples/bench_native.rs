//! Native latency of the classifier on fixed token ids (the browser benchmark's inputs).
//!
//!   RAYON_NUM_THREADS=1 cargo run --release --example bench_native -- MODEL IDS.json [RUNS] [OUT.json]
//!
//! THREADS=N runs the classifier on its own pool of N threads (`Classifier::set_threads`, as
//! the CLI's `--threads`); set RAYON_NUM_THREADS to the same N so that candle's f32 matmuls
//! (which use rayon's global pool) run on as many. KERNEL=NAME runs that int8 kernel
//! (`avx2`, `avx-vnni`, `avx512-vnni`, `avx512-vnni-u8`, `scalar`, …) instead of the best one
//! here. ACTIVATIONS=15|8 sets the int8 layers' activation bits (`--activations` of the CLI;
//! default: the library's).
//! SHAPES=24x1,64x8 limits the (tokens × batch) shapes (default: 8, 24, 64, 128 × 1 and 8),
//! e.g. for a profiler.
//!
//! MODEL: a Hugging Face folder (f32) or a quantized file. IDS.json: `bench/make_peer.py`'s
//! `ids.json` (per sequence length 8 rows of ids + torch's f32 logits). For each length,
//! batch 1 (row 0) and batch 8 (all rows): 2 warm-up runs, then RUNS timed runs (default
//! 20); prints the median and min, and max |Δlogit| against torch.

use gamjeong::internals::kernels::{best_kernel_for, force_kernel, Kernel};
use gamjeong::{Activations, Classifier};
use serde_json::Value;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_native MODEL IDS.json [RUNS] [OUT.json]";
    let model_path = args.first().ok_or(usage)?;
    let ids: Value = serde_json::from_slice(&std::fs::read(args.get(1).ok_or(usage)?)?)?;
    let runs: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(20);
    if let Ok(name) = std::env::var("KERNEL") {
        let kernel = Kernel::from_name(&name).ok_or(format!("unknown KERNEL {name}"))?;
        force_kernel(Some(kernel))?;
    }
    let shapes = std::env::var("SHAPES").ok();
    let wanted = |seq: &str, batch: usize| {
        shapes
            .as_deref()
            .is_none_or(|s| s.split(',').any(|x| x == format!("{seq}x{batch}")))
    };
    let t = Instant::now();
    let mut model = Classifier::from_path(model_path)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    if let Ok(n) = std::env::var("THREADS") {
        model.set_threads(n.parse()?)?;
    }
    if let Ok(bits) = std::env::var("ACTIVATIONS") {
        let acts = Activations::from_bits(bits.parse()?).ok_or("ACTIVATIONS is 15 or 8")?;
        model.set_activations(acts);
    }
    let acts = model.activations();
    let kernel = best_kernel_for(acts).name();
    println!(
        "{model_path}: loaded in {load_ms:.0} ms, {} threads, int8 kernel {kernel}, {}-bit activations",
        model.threads(),
        acts.bits()
    );
    let mut results = Vec::new();
    for seq in ["8", "24", "64", "128"] {
        let rows: Vec<Vec<u32>> = serde_json::from_value(ids["ids"][seq].clone())?;
        let reference: Vec<Vec<f32>> = serde_json::from_value(ids["torch_logits"][seq].clone())?;
        for batch in [1usize, 8] {
            if !wanted(seq, batch) {
                continue;
            }
            let input = &rows[..batch];
            let mut max_abs = 0f32;
            for (got, want) in model.logits_for_ids(input)?.iter().zip(&reference) {
                for (a, b) in got.iter().zip(want) {
                    max_abs = max_abs.max((a - b).abs());
                }
            }
            for _ in 0..2 {
                model.logits_for_ids(input)?;
            }
            let mut ms: Vec<f64> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    model
                        .logits_for_ids(input)
                        .map(|_| t.elapsed().as_secs_f64() * 1e3)
                })
                .collect::<Result<_, _>>()?;
            ms.sort_by(f64::total_cmp);
            let median = if runs % 2 == 1 {
                ms[runs / 2]
            } else {
                (ms[runs / 2 - 1] + ms[runs / 2]) / 2.0
            };
            println!(
                "seq {seq:>3} batch {batch}: median {median:8.2} ms  min {:8.2} ms  max|Δlogit| vs torch {max_abs:.2e}",
                ms[0]
            );
            results.push(serde_json::json!({
                "seq": seq.parse::<usize>()?, "batch": batch, "median_ms": median,
                "min_ms": ms[0], "runs": runs, "max_abs_vs_torch": max_abs,
            }));
        }
    }
    if let Some(out) = args.get(3) {
        let json = serde_json::json!({
            "model": model_path, "load_ms": load_ms, "threads": model.threads(),
            "kernel": kernel, "activations": acts.bits(), "results": results,
        });
        std::fs::write(out, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}
