//! `Classifier::explain` natively: transformers ablations (tests/fixtures/tiny-ko/explain.json),
//! offsets, truncation, errors.
#![cfg(not(target_arch = "wasm32"))] // tests/wasm_explain.rs runs the parity check in Chromium

mod common;
use common::*;
use gamjeong::Error;

#[test]
fn f32_scores_match_transformers() {
    let worst = check_explanations(&tiny(), TINY_EXPLAIN, TOLERANCE);
    eprintln!("tiny-ko f32 explain: max |Δscore| = {worst:e}");
    let worst = check_explanations(&tiny_q(), Q_EXPLAIN, TOLERANCE);
    eprintln!("tiny-ko-q f32 explain: max |Δscore| = {worst:e}");
}

#[test]
fn q8_scores_stay_close_to_transformers() {
    let q8 = tiny_q_quantized(gamjeong::Quant::Q8);
    let worst = check_explanations(&q8, Q_EXPLAIN, 0.01);
    eprintln!("tiny-ko-q q8 explain: max |Δscore| = {worst:e}");
}

#[test]
fn batched_rows_equal_one_classify_per_masked_text() {
    check_ablations(&tiny());
}

/// A multi-label model explains its label's own sigmoid probability, the score `classify`
/// shows, not a softmax over the labels.
#[test]
fn a_multi_label_model_explains_the_score_classify_gives() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-ko-multilabel"
    );
    let mut model = gamjeong::Classifier::from_path(dir).unwrap();
    assert_eq!(model.score_fn(), gamjeong::ScoreFn::Sigmoid);
    check_ablations(&model);
    model.set_score_fn(gamjeong::ScoreFn::Softmax);
    check_ablations(&model);
}

/// Each word's score is the label's score for the text minus its score with the word's tokens
/// masked, and both equal what `classify` gives: "[MASK]" in a text is the special token
/// itself, so each masked copy can be written as a text and classified alone.
fn check_ablations(model: &gamjeong::Classifier) {
    let text = "직장에서 부당한 일을 겪어서 너무 화가 나";
    let e = model.explain(text, None).unwrap();
    let full = model.classify(text).unwrap();
    assert_eq!(full.scores[0].index, e.index, "the top label by default");
    assert!((full.scores[0].score - e.prob).abs() <= 1e-6);
    for (k, w) in e.words.iter().enumerate() {
        let masked: Vec<String> = e
            .words
            .iter()
            .enumerate()
            .map(|(j, v)| {
                if j == k {
                    "[MASK]".repeat(v.tokens.len())
                } else {
                    v.text.clone()
                }
            })
            .collect();
        let masked = masked.join(" ");
        let ids = model.encode(&masked).unwrap().ids;
        assert_eq!(ids.iter().filter(|&&t| t == 4).count(), w.tokens.len());
        let p = model.classify(&masked).unwrap();
        let p = p.scores.iter().find(|s| s.index == e.index).unwrap().score;
        let score = w.score.unwrap();
        assert!(
            (e.prob - p - score).abs() <= 1e-6,
            "{}: {score} vs {}",
            w.text,
            e.prob - p
        );
    }
}

#[test]
fn empty_and_whitespace_texts_have_no_words() {
    let model = tiny();
    for text in ["", " ", "\t\n\r ", "\u{3000}\u{a0}"] {
        let e = model.explain(text, None).unwrap();
        assert!(e.words.is_empty(), "{text:?}");
        assert_eq!(e.tokens, 2);
    }
}

#[test]
fn offsets_round_trip() {
    let model = tiny();
    let text = "\t 오늘  😀좋아👍\n韓國語 meeting\r\n\u{1F1F0}\u{1F1F7} 끝 ";
    let e = model.explain(text, None).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(e.words.len(), words.len());
    for (w, want) in e.words.iter().zip(words) {
        assert_eq!(w.text, want);
        assert_eq!(chars[w.start..w.end].iter().collect::<String>(), want);
        assert!(w.score.is_some());
    }
}

#[test]
fn a_megabyte_text_scores_only_the_words_inside_the_token_limit() {
    let model = tiny();
    let sentence = "퇴직금으로 적립한 펀드 수익률이 많이 올랐어.\t오늘 😀 밥이\n맛있었어 ";
    let text = sentence.repeat(1_000_000 / sentence.len() + 1);
    assert!(text.len() >= 1_000_000);
    let e = model.explain(&text, None).unwrap();
    assert!(e.truncated);
    assert_eq!(e.tokens, 512);
    assert_eq!(e.words.len(), text.split_whitespace().count());
    let scored = e.words.iter().take_while(|w| w.score.is_some()).count();
    assert!(e.words[scored..]
        .iter()
        .all(|w| w.score.is_none() && w.tokens.is_empty()));
    // At most 510 tokens for the words, each scored word holding at least one.
    let tokens: usize = e.words[..scored].iter().map(|w| w.tokens.len()).sum();
    assert!(
        tokens <= 510 && scored > 100,
        "{scored} words, {tokens} tokens"
    );
    let last = e.words.last().unwrap();
    assert_eq!(last.end, text.chars().count() - 1);
}

#[test]
fn labels_by_index_and_name_and_bad_labels() {
    let model = tiny();
    let text = "오늘 밥이 너무 맛있었어. 행복해";
    let by_index = model.explain(text, Some(50)).unwrap();
    assert_eq!((by_index.index, by_index.label.as_str()), (50, "기쁨"));
    assert_eq!(model.label_index("기쁨").unwrap(), 50);
    assert_eq!(model.label_index("50").unwrap(), 50);
    assert!(model.label_index("60").is_err());
    assert!(model
        .label_index("없는감정")
        .unwrap_err()
        .to_string()
        .contains("없는감정"));
    let err = model.explain(text, Some(60)).unwrap_err();
    assert!(err.to_string().contains("60 labels"), "{err}");
    let err = tiny_encoder().explain(text, None).unwrap_err();
    assert!(matches!(err, Error::NoClassifier), "{err}");
}

#[test]
fn a_tokenizer_without_mask_is_a_clear_error() {
    let mut json: serde_json::Value = serde_json::from_slice(TINY_TOKENIZER).unwrap();
    let added = json["added_tokens"].as_array_mut().unwrap();
    added.retain(|t| t["content"] != "[MASK]");
    json["model"]["vocab"]
        .as_object_mut()
        .unwrap()
        .remove("[MASK]");
    let tokenizer = serde_json::to_vec(&json).unwrap();
    let model = gamjeong::Classifier::from_bytes(TINY_CONFIG, &tokenizer, TINY_WEIGHTS).unwrap();
    assert!(model.classify("오늘").is_ok());
    let err = model.explain("오늘", None).unwrap_err();
    assert!(matches!(err, Error::NoMaskToken("[MASK]")), "{err}");
    assert!(err.to_string().contains("[MASK]"), "{err}");
}
