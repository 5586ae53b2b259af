//! Native scaling of the classifier with its thread count, on fixed token ids.
//!
//!   cargo run --release --example bench_threads -- MODEL IDS.json [RUNS] [THREADS,...] [OUT.json]
//!
//! MODEL: a Hugging Face folder (f32) or a quantized file. IDS.json: `bench/make_peer.py`'s
//! `ids.json`. One classifier per thread count (default 1,2), all loaded up front; for each
//! case (24 tokens × batch 1, 64 tokens × batch 8) 2 warm-up runs each, then RUNS rounds
//! (default 20) that time every thread count once, in alternation, so that load from other
//! processes hits all counts alike. Prints the median and min per count, the speed-up over
//! the first count, and checks that every count gives the same logits bit for bit.

use gamjeong::Classifier;
use serde_json::Value;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_threads MODEL IDS.json [RUNS] [THREADS,...] [OUT.json]";
    let model_path = args.first().ok_or(usage)?;
    let ids: Value = serde_json::from_slice(&std::fs::read(args.get(1).ok_or(usage)?)?)?;
    let runs: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let counts: Vec<usize> = match args.get(3) {
        Some(s) => s.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => vec![1, 2],
    };
    let models = counts
        .iter()
        .map(|&t| {
            let mut m = Classifier::from_path(model_path)?;
            m.set_threads(t)?;
            Ok(m)
        })
        .collect::<Result<Vec<_>, gamjeong::Error>>()?;
    let mut results = Vec::new();
    for (seq, batch) in [("24", 1usize), ("64", 8)] {
        let rows: Vec<Vec<u32>> = serde_json::from_value(ids["ids"][seq].clone())?;
        let input = &rows[..batch];
        let first = models[0].logits_for_ids(input)?;
        for (m, t) in models.iter().zip(&counts) {
            let got = m.logits_for_ids(input)?;
            let same = got
                .iter()
                .flatten()
                .zip(first.iter().flatten())
                .all(|(a, b)| a.to_bits() == b.to_bits());
            if !same {
                return Err(
                    format!("{t} threads: logits differ from {} thread(s)", counts[0]).into(),
                );
            }
            m.logits_for_ids(input)?;
        }
        let mut ms = vec![Vec::with_capacity(runs); models.len()];
        for _ in 0..runs {
            for (i, m) in models.iter().enumerate() {
                let t = Instant::now();
                m.logits_for_ids(input)?;
                ms[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let base = median(ms[0].clone());
        for (t, v) in counts.iter().zip(ms) {
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let med = median(v);
            println!(
                "seq {seq:>3} batch {batch}: {t} thread(s) median {med:8.2} ms  min {min:8.2} ms  {:.3}× the {}-thread time",
                med / base,
                counts[0]
            );
            results.push(serde_json::json!({
                "seq": seq.parse::<usize>()?, "batch": batch, "threads": t,
                "median_ms": med, "min_ms": min, "runs": runs,
            }));
        }
    }
    if let Some(out) = args.get(4) {
        let json = serde_json::json!({"model": model_path, "results": results});
        std::fs::write(out, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}
