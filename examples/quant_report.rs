//! Accuracy of q8 / q4 against the f32 model on a big checkpoint (a report, not a test).
//!
//!   cargo run --release --example quant_report -- MODEL_DIR [INPUTS.json]
//!
//! Classifiers: top-1 agreement and max |Δprob| over the inputs (a JSON array of texts;
//! default: 200 texts of 4..=128 random vocabulary words). Encoders (no head, e.g.
//! all-MiniLM-L6-v2): cosine of every token's last hidden state, min and mean.

use gamjeong::Classifier;
use gamjeong::{quantize_bytes, ModelSource, Quant};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(
        args.first()
            .ok_or("usage: quant_report MODEL_DIR [INPUTS.json]")?,
    );
    let texts: Vec<String> = match args.get(1) {
        Some(p) => serde_json::from_slice(&std::fs::read(p)?)?,
        None => random_texts(&std::fs::read_to_string(dir.join("tokenizer.json"))?, 200),
    };
    let f32_model = Classifier::from_dir(&dir)?;
    let config = std::fs::read_to_string(dir.join("config.json"))?;
    let tokenizer = std::fs::read_to_string(dir.join("tokenizer.json"))?;
    let weights = std::fs::read(dir.join("model.safetensors"))?;
    let source = ModelSource {
        model: dir.display().to_string(),
        revision: "local".into(),
    };
    println!(
        "model {} ({} inputs, f32 weights {:.1} MB)",
        dir.display(),
        texts.len(),
        weights.len() as f64 / 1e6
    );
    let reference: Vec<_> = texts
        .iter()
        .map(|t| run(&f32_model, t))
        .collect::<Result<_, _>>()?;
    if f32_model.has_classifier() {
        let distinct: std::collections::HashSet<usize> =
            reference.iter().map(|r| top1(&r.0)).collect();
        println!("f32 predicts {} distinct top-1 labels", distinct.len());
    }
    for scheme in [Quant::Q8, Quant::Q4] {
        let t = Instant::now();
        let bytes = quantize_bytes(&weights, scheme, source.clone(), &config, &tokenizer)?;
        let secs = t.elapsed().as_secs_f64();
        let model = Classifier::from_quantized(&bytes)?;
        let (mut agree, mut max_dprob, mut min_cos, mut sum_cos, mut n_cos) =
            (0, 0f32, 1f64, 0f64, 0usize);
        for (text, (probs, hidden)) in texts.iter().zip(&reference) {
            let (q_probs, q_hidden) = run(&model, text)?;
            if !probs.is_empty() {
                agree += usize::from(top1(probs) == top1(&q_probs));
                max_dprob = probs
                    .iter()
                    .zip(&q_probs)
                    .map(|(a, b)| (a - b).abs())
                    .fold(max_dprob, f32::max);
            }
            for (a, b) in hidden.iter().zip(&q_hidden) {
                let c = cosine(a, b);
                min_cos = min_cos.min(c);
                sum_cos += c;
                n_cos += 1;
            }
        }
        print!(
            "{}: {:.1} MB (quantized in {secs:.1} s)",
            scheme.name(),
            bytes.len() as f64 / 1e6
        );
        if f32_model.has_classifier() {
            print!(
                ", top-1 agreement {:.1}%, max |Δprob| {max_dprob:.4}",
                100.0 * agree as f64 / texts.len() as f64
            );
        }
        println!(
            ", hidden cosine min {min_cos:.5} mean {:.5}",
            sum_cos / n_cos.max(1) as f64
        );
    }
    Ok(())
}

type Output = (Vec<f32>, Vec<Vec<f32>>);

fn run(model: &Classifier, text: &str) -> Result<Output, gamjeong::Error> {
    let hidden = model.embed(text)?.last_hidden_state;
    let probs = if model.has_classifier() {
        let c = model.classify(text)?;
        let mut p = vec![0f32; c.logits.len()];
        c.scores.iter().for_each(|s| p[s.index] = s.score);
        p
    } else {
        Vec::new()
    };
    Ok((probs, hidden))
}

fn top1(p: &[f32]) -> usize {
    (0..p.len())
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap_or(0)
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb).max(1e-30)
}

/// Texts of 4..=128 whole words drawn from the tokenizer's vocabulary, deterministically.
fn random_texts(tokenizer_json: &str, count: usize) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(tokenizer_json).unwrap_or_default();
    let mut words: Vec<String> = json["model"]["vocab"]
        .as_object()
        .map(|v| {
            v.keys()
                .filter(|w| !w.starts_with("##") && !w.starts_with('['))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    words.sort();
    if words.is_empty() {
        words.push("text".into());
    }
    let mut s = 0x2545_f491u32;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s as usize
    };
    (0..count)
        .map(|_| {
            (0..4 + next() % 125)
                .map(|_| words[next() % words.len()].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}
