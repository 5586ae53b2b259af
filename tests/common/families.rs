//! The encoder families besides BERT and ELECTRA (tests/fixtures/make_generic_fixtures.py):
//! tiny-ko-roberta (klue/roberta's special-token layout, tokenizer.json) and
//! tiny-ko-distilbert (a multilingual-cased style vocab.txt only), with the check native and
//! wasm tests hold them to.

use super::{assert_close, max_abs_diff};
use gamjeong::Classifier;
use serde::Deserialize;

pub const ROBERTA_CONFIG: &str = include_str!("../fixtures/tiny-ko-roberta/config.json");
pub const ROBERTA_TOKENIZER: &[u8] = include_bytes!("../fixtures/tiny-ko-roberta/tokenizer.json");
pub const ROBERTA_WEIGHTS: &[u8] = include_bytes!("../fixtures/tiny-ko-roberta/model.safetensors");
pub const ROBERTA_REFERENCE: &str = include_str!("../fixtures/tiny-ko-roberta/reference.json");

pub const DISTILBERT_CONFIG: &str = include_str!("../fixtures/tiny-ko-distilbert/config.json");
pub const DISTILBERT_VOCAB: &str = include_str!("../fixtures/tiny-ko-distilbert/vocab.txt");
pub const DISTILBERT_TOKENIZER_CONFIG: &str =
    include_str!("../fixtures/tiny-ko-distilbert/tokenizer_config.json");
pub const DISTILBERT_WEIGHTS: &[u8] =
    include_bytes!("../fixtures/tiny-ko-distilbert/model.safetensors");
pub const DISTILBERT_REFERENCE: &str =
    include_str!("../fixtures/tiny-ko-distilbert/reference.json");

#[derive(Deserialize)]
pub struct FamilyCase {
    pub text: String,
    pub input_ids: Vec<u32>,
    pub truncated: bool,
    pub logits: Vec<f32>,
    /// transformers' pipeline scores, highest first.
    pub pipeline: Vec<PipelineScore>,
}

#[derive(Deserialize)]
pub struct PipelineScore {
    pub label: String,
    pub score: f32,
}

#[derive(Deserialize)]
pub struct Batched {
    /// transformers' logits of all the cases' texts in one batch padded to the longest.
    pub logits: Vec<Vec<f32>>,
}

#[derive(Deserialize)]
pub struct FamilyReference {
    pub cases: Vec<FamilyCase>,
    pub batched: Batched,
}

pub fn family_reference(json: &str) -> FamilyReference {
    serde_json::from_str(json).expect("fixture reference.json parses")
}

pub fn roberta() -> Classifier {
    Classifier::from_bytes(ROBERTA_CONFIG, ROBERTA_TOKENIZER, ROBERTA_WEIGHTS)
        .expect("tiny-ko-roberta loads")
}

/// From its vocab.txt and tokenizer_config.json, as a repo without tokenizer.json loads.
pub fn distilbert() -> Classifier {
    let tokenizer =
        gamjeong::tokenizer_json_from_vocab(DISTILBERT_VOCAB, Some(DISTILBERT_TOKENIZER_CONFIG))
            .expect("tiny-ko-distilbert's tokenizer builds");
    Classifier::from_bytes(DISTILBERT_CONFIG, tokenizer.as_bytes(), DISTILBERT_WEIGHTS)
        .expect("tiny-ko-distilbert loads")
}

/// Every text: token ids and truncation equal transformers'; logits within TOLERANCE of
/// transformers' one by one, and in one batch padded to the longest, of both transformers'
/// padded batch and the text alone. Returns the largest |Δlogit| against transformers.
pub fn check_family(name: &str, model: &Classifier, reference: &FamilyReference) -> f32 {
    let cases = &reference.cases;
    assert!(cases.len() >= 25, "{name}: {} texts", cases.len());
    assert!(cases.iter().any(|c| c.truncated), "{name}: a text is cut");
    let mut worst = 0f32;
    let mut alone = Vec::with_capacity(cases.len());
    for case in cases {
        let what = format!(
            "{name} {:?}",
            case.text.chars().take(30).collect::<String>()
        );
        let encoded = model.encode(&case.text).unwrap();
        assert_eq!(encoded.ids, case.input_ids, "{what}: token ids");
        assert_eq!(encoded.truncated, case.truncated, "{what}: truncated");
        let got = model.classify(&case.text).unwrap();
        assert_close(&format!("{what}: logits"), &got.logits, &case.logits);
        worst = worst.max(max_abs_diff(&got.logits, &case.logits));
        alone.push(got.logits);
    }
    let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    let batch = model.classify_batch(&texts).unwrap();
    assert_eq!(batch.len(), reference.batched.logits.len());
    for (i, (got, want)) in batch.iter().zip(&reference.batched.logits).enumerate() {
        assert_close(&format!("{name} batch row {i}"), &got.logits, want);
        assert_close(
            &format!("{name} batch row {i} vs alone"),
            &got.logits,
            &alone[i],
        );
        worst = worst.max(max_abs_diff(&got.logits, want));
    }
    worst
}

/// [`check_family`] on tiny-ko-roberta and tiny-ko-distilbert, each figure given to `print`.
pub fn check_roberta_and_distilbert(print: &dyn Fn(String)) {
    for (name, model, reference) in [
        ("tiny-ko-roberta", roberta(), ROBERTA_REFERENCE),
        ("tiny-ko-distilbert", distilbert(), DISTILBERT_REFERENCE),
    ] {
        let worst = check_family(name, &model, &family_reference(reference));
        print(format!(
            "{name}: max |Δlogit| vs transformers (one by one and batched) = {worst:e}"
        ));
    }
}

// --- The q8 gate per family (make_generic_fixtures.py's Q_FAMILIES): well-conditioned fixtures
// made by tiny-ko-q's recipe unchanged, judged against transformers' f32 pipeline on every fixture text,
// natively (tests/generic.rs) and in wasm (tests/wasm_parity.rs). Compiled in: wasm reads no
// files.

pub const Q_FIXTURES: [&str; 3] = [
    "tiny-ko-electra-q",
    "tiny-ko-roberta-q",
    "tiny-ko-distilbert-q",
];

/// Fixtures whose q8 file misses the gate today (docs/models.md, "q8 gate"): ELECTRA on max |Δp|
/// alone (0.0120 > 0.01 on the control-character text; top-1 27/27). The fixtures are tiny-ko-q's
/// recipe unchanged, with no value chosen per family or on these texts; the tests fail when a
/// listed fixture starts to hold the gate or an unlisted one misses, so the list stays true.
pub const Q8_GATE_MISSES: [&str; 1] = ["tiny-ko-electra-q"];

/// The q8 gate: max |Δp| ≤ 0.01 and top-1 agreement ≥ 97 % against transformers' f32.
fn q8_gate_holds(worst: f32, agree: usize, n: usize) -> bool {
    worst <= 0.01 && agree as f64 >= 0.97 * n as f64
}

/// `Some(why)` when `name`'s q8 figures disagree with Q8_GATE_MISSES (it holds the gate but is
/// listed, or misses it and is not).
pub fn unexpected_q8_verdict(name: &str, worst: f32, agree: usize, n: usize) -> Option<String> {
    let listed = Q8_GATE_MISSES.contains(&name);
    (q8_gate_holds(worst, agree, n) == listed).then(|| {
        format!("{name} q8: max |Δp| {worst}, top-1 {agree}/{n} (listed as missing: {listed})")
    })
}

/// A Q_FIXTURES fixture's config.json, tokenizer.json (built from vocab.txt for DistilBERT's,
/// which has none), model.safetensors and reference.json.
pub fn q_fixture(name: &str) -> (&'static str, String, &'static [u8], &'static str) {
    macro_rules! files {
        ($dir:literal) => {
            (
                include_str!(concat!("../fixtures/", $dir, "/config.json")),
                include_bytes!(concat!("../fixtures/", $dir, "/model.safetensors")).as_slice(),
                include_str!(concat!("../fixtures/", $dir, "/reference.json")),
            )
        };
    }
    let ((config, weights, reference), tokenizer) = match name {
        "tiny-ko-electra-q" => (
            files!("tiny-ko-electra-q"),
            include_str!("../fixtures/tiny-ko-electra-q/tokenizer.json").to_string(),
        ),
        "tiny-ko-roberta-q" => (
            files!("tiny-ko-roberta-q"),
            include_str!("../fixtures/tiny-ko-roberta-q/tokenizer.json").to_string(),
        ),
        "tiny-ko-distilbert-q" => (
            files!("tiny-ko-distilbert-q"),
            gamjeong::tokenizer_json_from_vocab(
                include_str!("../fixtures/tiny-ko-distilbert-q/vocab.txt"),
                Some(include_str!(
                    "../fixtures/tiny-ko-distilbert-q/tokenizer_config.json"
                )),
            )
            .expect("tiny-ko-distilbert-q's tokenizer builds"),
        ),
        _ => panic!("{name} is no q8-gate fixture"),
    };
    (config, tokenizer, weights, reference)
}

/// `model` (a quantized fixture) against transformers' f32 pipeline: (max |Δp| over every
/// label of every text, texts whose top-1 label agrees, texts).
pub fn against_pipeline(model: &Classifier, reference: &FamilyReference) -> (f32, usize, usize) {
    let (mut worst, mut agree) = (0f32, 0);
    for case in &reference.cases {
        let got = model.classify(&case.text).unwrap();
        agree += usize::from(got.scores[0].label == case.pipeline[0].label);
        for want in &case.pipeline {
            let ours = got.scores.iter().find(|s| s.label == want.label).unwrap();
            worst = worst.max((ours.score - want.score).abs());
        }
    }
    (worst, agree, reference.cases.len())
}
