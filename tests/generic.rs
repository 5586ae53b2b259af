//! Any BERT sequence classifier, not only the 60-emotion one: parity with transformers'
//! `pipeline("text-classification", top_k=None)` on the fixtures of make_generic_fixtures.py
//! (softmax for a single-label model, sigmoid per label for `multi_label_classification`).
#![cfg(not(target_arch = "wasm32"))]

use gamjeong::{Classifier, ScoreFn};
use serde::Deserialize;
use std::path::PathBuf;

const TOLERANCE: f32 = 1e-4;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    input_ids: Vec<u32>,
    truncated: bool,
    logits: Vec<f32>,
    pipeline: Vec<LabelScore>,
}

#[derive(Deserialize)]
struct LabelScore {
    label: String,
    score: f32,
}

fn fixture(name: &str) -> (Classifier, Reference) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let reference = std::fs::read_to_string(dir.join("reference.json")).unwrap();
    (
        Classifier::from_dir(&dir).unwrap(),
        serde_json::from_str(&reference).unwrap(),
    )
}

/// Every text: same tokens, logits within TOLERANCE, and the pipeline's list (label, score,
/// order) reproduced. Two labels whose reference scores are within TOLERANCE may swap places.
fn check_against_pipeline(name: &str, want_fn: ScoreFn) {
    let (model, reference) = fixture(name);
    assert_eq!(model.score_fn(), want_fn);
    assert!(model
        .labels()
        .iter()
        .all(|l| l.group.is_none() && l.gloss.is_none()));
    assert!(reference.cases.len() >= 10);
    let mut worst = 0f32;
    for case in &reference.cases {
        let got = model.classify(&case.text).unwrap();
        assert_eq!(
            model.encode(&case.text).unwrap().ids,
            case.input_ids,
            "{:?}",
            case.text
        );
        assert_eq!(got.truncated, case.truncated);
        for (a, b) in got.logits.iter().zip(&case.logits) {
            worst = worst.max((a - b).abs());
        }
        assert_eq!(got.scores.len(), case.pipeline.len());
        for (i, want) in case.pipeline.iter().enumerate() {
            let ours = got.scores.iter().find(|s| s.label == want.label).unwrap();
            worst = worst.max((ours.score - want.score).abs());
            let at_rank = &got.scores[i];
            assert!(
                at_rank.label == want.label || (at_rank.score - want.score).abs() <= TOLERANCE,
                "{name} {:?}: rank {i} is {} ({}), transformers has {} ({})",
                case.text,
                at_rank.label,
                at_rank.score,
                want.label,
                want.score
            );
        }
    }
    assert!(worst <= TOLERANCE, "{name}: max |Δ| {worst}");
    println!("{name}: max |Δ| logits and scores vs transformers = {worst:e}");
}

#[test]
fn single_label_model_matches_the_transformers_pipeline() {
    check_against_pipeline("tiny-ko-sentiment", ScoreFn::Softmax);
}

#[test]
fn multi_label_model_matches_the_transformers_pipeline() {
    check_against_pipeline("tiny-ko-multilabel", ScoreFn::Sigmoid);
}

#[test]
fn labels_come_from_id2label_in_index_order() {
    let (model, _) = fixture("tiny-ko-sentiment");
    let labels: Vec<&str> = model.labels().iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["부정", "중립", "긍정"]);
}

#[test]
fn score_fn_follows_problem_type_as_transformers_does() {
    assert_eq!(ScoreFn::for_model(None, 3), ScoreFn::Softmax);
    assert_eq!(
        ScoreFn::for_model(Some("single_label_classification"), 3),
        ScoreFn::Softmax
    );
    assert_eq!(
        ScoreFn::for_model(Some("multi_label_classification"), 3),
        ScoreFn::Sigmoid
    );
    assert_eq!(ScoreFn::for_model(None, 1), ScoreFn::Sigmoid);
    assert_eq!(ScoreFn::for_model(Some("regression"), 1), ScoreFn::Identity);
}
