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
//! PROFILE=1 adds the thread profile of each shape's timed runs (`kernels::parallel`'s
//! counters: regions per pass, the delay before another thread joins a region, spinning);
//! SPIN=0 turns the spinning of a forward pass off (rayon alone, the baseline).
//! SHAPES=24x1,64x8 limits the (tokens × batch) shapes (default: 8, 24, 64, 128 × 1 and 8),
//! e.g. for a profiler.
//!
//! MODEL: a Hugging Face folder (f32) or a quantized file. IDS.json: `bench/make_peer.py`'s
//! `ids.json` (per sequence length 8 rows of ids + torch's f32 logits). For each length,
//! batch 1 (row 0) and batch 8 (all rows): 2 warm-up runs, then RUNS timed runs (default
//! 20); prints the median and min, and max |Δlogit| against torch.

use gamjeong::internals::kernels::parallel::{set_profiling, set_spinning, take_profile};
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
    let profile = std::env::var("PROFILE").is_ok_and(|v| v == "1");
    set_spinning(std::env::var("SPIN").map_or(true, |v| v != "0"));
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
            set_profiling(profile);
            take_profile();
            let mut ms: Vec<f64> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    model
                        .logits_for_ids(input)
                        .map(|_| t.elapsed().as_secs_f64() * 1e3)
                })
                .collect::<Result<_, _>>()?;
            set_profiling(false);
            let prof = take_profile();
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
            if profile {
                println!("  {}", profile_line(&prof));
            }
            results.push(serde_json::json!({
                "seq": seq.parse::<usize>()?, "batch": batch, "median_ms": median,
                "min_ms": ms[0], "runs": runs, "max_abs_vs_torch": max_abs,
                "profile": profile.then_some(prof),
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

/// Per pass: regions (spun / through rayon), tasks on other threads, the mean delay before
/// another thread joins a region, the owner's wait for the last tasks, the spinners' life.
fn profile_line(p: &gamjeong::internals::kernels::parallel::ThreadProfile) -> String {
    let passes = p.passes.max(1) as f64;
    let per = |x: u64| x as f64 / passes;
    let mean_us = |ns: u64, n: u64| {
        if n == 0 {
            0.0
        } else {
            ns as f64 / n as f64 / 1e3
        }
    };
    format!(
        "per pass: {:.1} regions spun + {:.1} via rayon, {:.0}/{:.0} tasks on other threads; \
         join delay {:.1} µs spun ({:.1} joins), {:.1} µs rayon ({:.1} joins); region time {:.2} ms, \
         owner's wait {:.2} ms; pass {:.2} ms; spinners {:.2}/pass living {:.2} ms, {:.2} timeouts",
        per(p.regions_spun),
        per(p.regions_rayon),
        per(p.tasks_others),
        per(p.tasks),
        mean_us(p.join_spun_ns, p.joins_spun),
        per(p.joins_spun),
        mean_us(p.join_rayon_ns, p.joins_rayon),
        per(p.joins_rayon),
        per(p.region_ns) / 1e6,
        per(p.wait_ns) / 1e6,
        per(p.pass_ns) / 1e6,
        per(p.spinners),
        per(p.spinner_ns) / 1e6,
        per(p.spin_timeouts),
    )
}
