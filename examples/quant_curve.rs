//! The accuracy-vs-size table of docs/quantization.md (a report, not a gate; the gates are in
//! tests/quant_accuracy.rs): every scheme on the tuning and held-out models, whether it meets
//! its accuracy target on each held-out model (q4 and q8 do not: the tests hold them to
//! regression floors), and the file size at the BERT-base shape when GAMJEONG_BERT_BASE names
//! a folder made by `bench/make_bert_base.py`. Writes target/quant_curve.json
//! (docs/quant-curve.png is drawn from it by tests/fixtures/plot_quant_curve.py).
//!
//!   GAMJEONG_BERT_BASE=target/bert-base-random cargo run --release --example quant_curve

#[path = "../tests/common/mod.rs"]
mod common;
use common::heldout::{fixture_accuracy, held_out_accuracy, meets, Gate, ModelFiles, HELD_OUT};
use gamjeong::quant::{quantize_bytes, Scheme, Source};
use serde_json::json;
use std::path::Path;

const SCHEMES: [Scheme; 4] = [Scheme::Q4, Scheme::Q5, Scheme::Q6, Scheme::Q8];

fn tuning_models() -> Vec<(String, [String; 3], Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tuning");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let read = |f: &str| std::fs::read_to_string(dir.join(&name).join(f)).unwrap();
            let texts = [
                read("config.json"),
                read("tokenizer.json"),
                read("reference.json"),
            ];
            let weights = std::fs::read(dir.join(&name).join("model.safetensors")).unwrap();
            (name, texts, weights)
        })
        .collect()
}

fn bert_base_bytes(scheme: Scheme) -> Option<usize> {
    let dir = std::path::PathBuf::from(std::env::var("GAMJEONG_BERT_BASE").ok()?);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let source = Source {
        model: "bert-base-shape".into(),
        revision: "local".into(),
    };
    let file = quantize_bytes(
        &weights,
        scheme,
        source,
        &read("config.json"),
        &read("tokenizer.json"),
    )
    .unwrap();
    Some(file.len())
}

fn main() {
    let tuning = tuning_models();
    let mut rows = Vec::new();
    for scheme in SCHEMES {
        let mut row = json!({"scheme": scheme.name(), "bert_base_bytes": bert_base_bytes(scheme)});
        for (name, [config, tokenizer, reference], weights) in &tuning {
            let files = ModelFiles {
                name,
                config,
                tokenizer,
                weights,
                reference,
            };
            let a = fixture_accuracy(&files, "tuning", scheme);
            println!("{} tuning/{name}: {a:?}", scheme.name());
            row["tuning"][name] = json!({"agreement": a.agreement, "max_dprob": a.max_dprob});
        }
        for m in &HELD_OUT {
            let a = held_out_accuracy(m, scheme);
            let target = meets(&a, scheme, Gate::Target);
            let verdict = if target { "meets" } else { "misses" };
            println!(
                "{} heldout/{}: {a:?} ({verdict} its target)",
                scheme.name(),
                m.name
            );
            row["heldout"][m.name] =
                json!({"agreement": a.agreement, "max_dprob": a.max_dprob, "meets_target": target});
        }
        println!(
            "{}: BERT-base {:?} bytes",
            scheme.name(),
            row["bert_base_bytes"]
        );
        rows.push(row);
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/quant_curve.json");
    std::fs::write(&out, serde_json::to_string_pretty(&rows).unwrap()).unwrap();
    println!("wrote {}", out.display());
}
