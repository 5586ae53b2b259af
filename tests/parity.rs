//! Native parity with transformers on the committed fixtures.
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use common::*;

#[test]
fn token_ids_equal_transformers() {
    check_token_ids(&tiny(), &reference(TINY_REFERENCE));
}

#[test]
fn single_logits_match_transformers() {
    let worst = check_single_logits(&tiny(), &reference(TINY_REFERENCE));
    eprintln!("tiny-ko single: max |Δlogit| = {worst:e}");
}

#[test]
fn batched_logits_match_transformers_and_ignore_padding() {
    let worst = check_batch_logits(&tiny(), &reference(TINY_REFERENCE));
    eprintln!("tiny-ko batch: max |Δlogit| = {worst:e}");
}

#[test]
fn bare_encoder_matches_transformers() {
    let model = tiny_encoder();
    assert!(!model.has_classifier());
    assert!(model.labels().is_empty());
    let err = model.classify("안녕").unwrap_err();
    assert!(matches!(err, gamjeong::Error::NoClassifier), "{err}");
    let worst = check_encoder(&model, &reference(ENCODER_REFERENCE));
    eprintln!("tiny-ko-encoder: max |Δhidden| = {worst:e}");
}

#[test]
fn classifier_and_encoder_share_the_encoder() {
    // The classifier checkpoint's `bert.*` tensors equal the bare encoder's.
    let a = tiny().embed("오늘 밥이 너무 맛있었어").unwrap();
    let b = tiny_encoder().embed("오늘 밥이 너무 맛있었어").unwrap();
    assert_eq!(a.last_hidden_state, b.last_hidden_state);
}

#[test]
fn emotion_taxonomy_is_attached_to_the_real_labels() {
    let model = tiny();
    let labels = model.labels();
    assert_eq!(labels.len(), 60);
    assert_eq!(labels[50].label, "기쁨");
    assert_eq!(labels[55].group, Some("기쁨"));
    assert_eq!(labels[34].gloss, Some("shocked"));
    let c = model
        .classify("직장에서 부당한 일을 겪어서 너무 화가 나")
        .unwrap()
        .top_k(3);
    assert_eq!(c.scores.len(), 3);
    assert!(c
        .scores
        .iter()
        .all(|s| s.group.is_some() && s.gloss.is_some()));
}

#[test]
fn hangul_stays_syllables() {
    // strip_accents would NFD-decompose 맛 into jamo, which are not in the KLUE vocab.
    let model = tiny();
    let enc = model.encode("맛있었어").unwrap();
    let unk = 1;
    assert!(!enc.ids.contains(&unk), "{:?}", enc.ids);
}

#[test]
fn empty_batch_is_empty() {
    let texts: [&str; 0] = [];
    assert!(tiny().classify_batch(&texts).unwrap().is_empty());
}

#[test]
fn a_batch_larger_than_one_encoder_pass_equals_texts_alone() {
    // 12 reference texts (one of 512 tokens) three times: several encoder passes of at most
    // 512 padded tokens; every row must be its text's own result.
    let (model, reference) = (tiny(), reference(TINY_REFERENCE));
    let texts: Vec<&str> = (0..3)
        .flat_map(|_| reference.cases.iter().map(|c| c.text.as_str()))
        .collect();
    let batch = model.classify_batch(&texts).unwrap();
    let embedded = model.embed_batch(&texts).unwrap();
    assert_eq!((batch.len(), embedded.len()), (texts.len(), texts.len()));
    for (i, text) in texts.iter().enumerate() {
        let alone = model.classify(text).unwrap();
        assert_eq!(batch[i].tokens, alone.tokens, "row {i}");
        assert_close(
            &format!("row {i} vs alone"),
            &batch[i].logits,
            &alone.logits,
        );
        assert_eq!(embedded[i].tokens, alone.tokens, "embedding row {i}");
        let e = model.embed(text).unwrap();
        assert_close(
            &format!("embedding row {i} vs alone"),
            embedded[i].pooled.as_deref().unwrap(),
            e.pooled.as_deref().unwrap(),
        );
    }
    // Quantized, every product is row by row and attention reads each row's real tokens only,
    // so a batch row is bit-identical to its text alone (f32 above: candle's GEMM may sum in
    // another order for another row count).
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    let source = gamjeong::ModelSource {
        model: "tiny-ko".into(),
        revision: "test".into(),
    };
    let q8 = gamjeong::quantize_bytes(TINY_WEIGHTS, gamjeong::Quant::Q8, source, TINY_CONFIG, tok)
        .unwrap();
    let model = gamjeong::Classifier::from_quantized(&q8).unwrap();
    let batch = model.classify_batch(&texts).unwrap();
    for (i, text) in texts.iter().enumerate() {
        assert_eq!(
            batch[i].logits,
            model.classify(text).unwrap().logits,
            "q8 row {i}"
        );
    }
}
