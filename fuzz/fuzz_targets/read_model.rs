//! Arbitrary bytes as a model file: the quantized-file readers (metadata, whole-buffer and
//! chunked streaming load) and the f32 safetensors loader must return Ok or Err, never
//! panic, abort or allocate what the header merely claims.
//!
//! The payload checksum stops almost every mutation at the door, so each input is also
//! tried once more with its `payload_xxh3` patched to the true value: that lets mutated
//! headers, configs, tokenizers and tensors reach the model builder (and one forward pass).
#![no_main]

use gamjeong::StreamingLoader;
use gamjeong::{Classifier, QuantMetadata};
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = include_str!("../../tests/fixtures/tiny-ko/config.json");
const TOKENIZER: &[u8] = include_bytes!("../../tests/fixtures/tiny-ko/tokenizer.json");

fuzz_target!(|data: &[u8]| {
    let _ = gamjeong::is_quantized(data);
    let _ = QuantMetadata::read(data, false);
    let _ = QuantMetadata::read(data, true);
    load_quantized(data);
    if let Some(fixed) = with_true_checksum(data) {
        load_quantized(&fixed);
    }
    // The same bytes as an f32 checkpoint next to the tiny model's config and tokenizer.
    if let Ok(model) = Classifier::from_bytes(CONFIG, TOKENIZER, data) {
        exercise(&model);
    }
});

/// `Classifier::from_quantized` (one push) and a `StreamingLoader` fed small chunks must
/// agree, error message included.
fn load_quantized(data: &[u8]) {
    let whole = Classifier::from_quantized(data);
    let mut loader = StreamingLoader::new();
    let mut rest = data;
    let mut seed = data.len() as u32 | 1;
    let chunked = loop {
        if rest.is_empty() {
            break loader.finish();
        }
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed as usize % 4096 + 1).min(rest.len());
        if let Err(e) = loader.push(&rest[..n]) {
            break Err(e);
        }
        assert!(loader.received() <= data.len());
        rest = &rest[n..];
    };
    match (&whole, &chunked) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!(
            "whole and chunked loads disagree: {:?} vs {:?}",
            whole.as_ref().err().map(|e| e.to_string()),
            chunked.as_ref().err().map(|e| e.to_string())
        ),
    }
    if let Ok(model) = whole {
        exercise(&model);
    }
}

/// A loaded model classifies (or refuses) a short text and an empty one without panicking.
fn exercise(model: &Classifier) {
    for text in ["오늘 밥이 너무 맛있었어. 행복해", ""] {
        let _ = model.classify(text);
        let _ = model.embed(text);
    }
}

/// The input with the 16 hex digits after `"payload_xxh3":"` in its header replaced by the
/// XXH3-64 of its payload, or `None` if there is no such field or it already matches.
fn with_true_checksum(data: &[u8]) -> Option<Vec<u8>> {
    let len = u64::from_le_bytes(data.get(..8)?.try_into().ok()?);
    let start = 8usize.checked_add(usize::try_from(len).ok()?)?;
    let header = data.get(8..start)?;
    let key = b"\"payload_xxh3\":\"";
    let at = 8 + header.windows(key.len()).position(|w| w == key)? + key.len();
    if at + 16 > start {
        return None;
    }
    let hex = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&data[start..]));
    if &data[at..at + 16] == hex.as_bytes() {
        return None;
    }
    let mut fixed = data.to_vec();
    fixed[at..at + 16].copy_from_slice(hex.as_bytes());
    Some(fixed)
}
