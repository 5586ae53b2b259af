//! Malformed models are rejected with an error that names the problem, never a panic.
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use common::*;
use gamjeong::Classifier;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

/// The tiny fixture's tensors, rewritten through `edit` (which may drop or replace any).
fn edited_weights(
    edit: impl Fn(&str, TensorView<'_>) -> Option<(Dtype, Vec<usize>, Vec<u8>)>,
) -> Vec<u8> {
    let st = SafeTensors::deserialize(TINY_WEIGHTS).unwrap();
    let owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = st
        .tensors()
        .into_iter()
        .filter_map(|(name, view)| edit(&name, view).map(|(d, s, b)| (name, d, s, b)))
        .collect();
    let views = owned
        .iter()
        .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()));
    safetensors::serialize(views, None).unwrap()
}

fn keep(_: &str, v: TensorView<'_>) -> Option<(Dtype, Vec<usize>, Vec<u8>)> {
    Some((v.dtype(), v.shape().to_vec(), v.data().to_vec()))
}

fn load_err(config: &str, tokenizer: &[u8], weights: &[u8]) -> String {
    match Classifier::from_bytes(config, tokenizer, weights) {
        Ok(_) => panic!("malformed model loaded without error"),
        Err(e) => {
            // The stable code JS callers branch on (GamjeongError.code).
            assert_eq!(e.code(), "BAD_MODEL", "{e}");
            e.to_string()
        }
    }
}

#[test]
fn untouched_rewrite_still_loads() {
    // Guards the helpers below: only the edit makes a model fail.
    let bytes = edited_weights(keep);
    Classifier::from_bytes(TINY_CONFIG, TINY_TOKENIZER, &bytes).unwrap();
}

#[test]
fn truncated_safetensors() {
    for cut in [0, 7, 100, TINY_WEIGHTS.len() / 2, TINY_WEIGHTS.len() - 1] {
        let err = load_err(TINY_CONFIG, TINY_TOKENIZER, &TINY_WEIGHTS[..cut]);
        assert!(
            err.contains("not a valid safetensors file"),
            "cut {cut}: {err}"
        );
    }
}

#[test]
fn missing_tensor_is_named() {
    let gone = "bert.encoder.layer.1.output.dense.bias";
    let bytes = edited_weights(|n, v| if n == gone { None } else { keep(n, v) });
    let err = load_err(TINY_CONFIG, TINY_TOKENIZER, &bytes);
    assert!(err.contains(gone), "{err}");
}

#[test]
fn wrong_shape_is_named_with_both_shapes() {
    let name = "bert.encoder.layer.0.attention.self.query.weight";
    let bytes = edited_weights(|n, v| {
        if n == name {
            Some((Dtype::F32, vec![64, 32], v.data()[..64 * 32 * 4].to_vec()))
        } else {
            keep(n, v)
        }
    });
    let err = load_err(TINY_CONFIG, TINY_TOKENIZER, &bytes);
    assert!(
        err.contains(name) && err.contains("[64, 32]") && err.contains("[64, 64]"),
        "{err}"
    );
}

#[test]
fn wrong_dtype_is_named() {
    let name = "bert.pooler.dense.bias";
    let bytes = edited_weights(|n, v| {
        if n == name {
            Some((Dtype::I32, v.shape().to_vec(), v.data().to_vec()))
        } else {
            keep(n, v)
        }
    });
    let err = load_err(TINY_CONFIG, TINY_TOKENIZER, &bytes);
    assert!(err.contains(name) && err.contains("I32"), "{err}");
}

#[test]
fn not_a_bert_checkpoint() {
    let bytes = edited_weights(|n, v| {
        keep(&n.replace("bert.", "roberta."), v).filter(|_| !n.starts_with("bert."))
    });
    let err = load_err(TINY_CONFIG, TINY_TOKENIZER, &bytes);
    assert!(err.contains("bert.embeddings.LayerNorm.weight"), "{err}");
}

fn config_with(edit: impl Fn(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(TINY_CONFIG).unwrap();
    edit(&mut v);
    v.to_string()
}

#[test]
fn config_without_labels_names_them_as_transformers_does() {
    let config = config_with(|v| {
        v.as_object_mut().unwrap().remove("id2label");
    });
    let c = Classifier::from_bytes(&config, TINY_TOKENIZER, TINY_WEIGHTS).unwrap();
    let labels: Vec<&str> = c.labels().iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels.len(), 60);
    assert_eq!((labels[0], labels[59]), ("LABEL_0", "LABEL_59"));
    // Not the 60-emotion model any more: no taxonomy.
    assert!(c
        .labels()
        .iter()
        .all(|l| l.group.is_none() && l.gloss.is_none()));
}

#[test]
fn label_count_disagrees_with_head() {
    let config = config_with(|v| {
        v["id2label"] = serde_json::json!({"0": "neg", "1": "pos"});
    });
    let err = load_err(&config, TINY_TOKENIZER, TINY_WEIGHTS);
    assert!(
        err.contains("classifier.weight") && err.contains("[2, 64]"),
        "{err}"
    );
}

#[test]
fn config_shape_disagrees_with_weights() {
    let config = config_with(|v| v["hidden_size"] = 128.into());
    let err = load_err(&config, TINY_TOKENIZER, TINY_WEIGHTS);
    assert!(
        err.contains("bert.embeddings.word_embeddings.weight") && err.contains("[950, 128]"),
        "{err}"
    );
}

#[test]
fn invalid_config_json() {
    let err = load_err("{\"vocab_size\": ", TINY_TOKENIZER, TINY_WEIGHTS);
    assert!(err.starts_with("config.json"), "{err}");
}

#[test]
fn invalid_tokenizer_json() {
    for bad in [&b"{ nope"[..], b"", b"{}", &[0xff, 0xfe, 0x00]] {
        let err = load_err(TINY_CONFIG, bad, TINY_WEIGHTS);
        assert!(
            err.starts_with("tokenizer.json could not be loaded"),
            "{err}"
        );
    }
}

#[test]
fn tokenizer_larger_than_the_embedding_table() {
    let config = config_with(|v| v["vocab_size"] = 100.into());
    let err = load_err(&config, TINY_TOKENIZER, TINY_WEIGHTS);
    assert!(err.contains("vocab_size is 100"), "{err}");
}

#[test]
fn missing_folder_names_the_file() {
    let err = Classifier::from_dir("/nonexistent/model")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("/nonexistent/model/config.json"), "{err}");
}
