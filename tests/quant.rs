//! Quantized files: streaming equivalence, integrity checks, and accuracy against f32.
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use common::*;
use gamjeong::Classifier;
use gamjeong::{quantize_bytes, ModelSource, Quant, QuantMetadata, StreamingQuantizer};

fn source() -> ModelSource {
    ModelSource {
        model: "fixtures/tiny-ko".into(),
        revision: "test".into(),
    }
}

fn quantized(scheme: Quant) -> Vec<u8> {
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    quantize_bytes(TINY_WEIGHTS, scheme, source(), TINY_CONFIG, tok).unwrap()
}

fn streamed(scheme: Quant, chunk_sizes: &[usize]) -> Vec<u8> {
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    let mut q = StreamingQuantizer::new(scheme, source(), TINY_CONFIG, tok).unwrap();
    let mut rest = TINY_WEIGHTS;
    let mut sizes = chunk_sizes.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).min(rest.len());
        q.push(&rest[..n]).unwrap();
        rest = &rest[n..];
    }
    q.finish().unwrap()
}

#[test]
fn any_chunking_gives_the_same_file() {
    for scheme in [Quant::Q8, Quant::Q4] {
        let whole = quantized(scheme);
        for sizes in [&[1usize][..], &[7, 3, 1000], &[8], &[4096], &[65536, 13]] {
            assert!(
                streamed(scheme, sizes) == whole,
                "{scheme:?} chunks {sizes:?}"
            );
        }
    }
}

#[test]
fn metadata_carries_everything_needed() {
    use sha2::Digest;
    let bytes = quantized(Quant::Q8);
    let meta = QuantMetadata::read(&bytes, true).unwrap();
    assert_eq!(meta.format, "gamjeong-quant");
    assert_eq!(meta.quant, "q8");
    assert_eq!(meta.config_json, TINY_CONFIG);
    assert_eq!(meta.tokenizer_json.as_bytes(), TINY_TOKENIZER);
    let sha: String = sha2::Sha256::digest(TINY_WEIGHTS)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(meta.source_sha256, sha);
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let q = st
        .tensor("bert.encoder.layer.0.attention.self.query.weight.q")
        .unwrap();
    assert_eq!(
        (q.dtype(), q.shape()),
        (safetensors::Dtype::I8, &[64usize, 64][..])
    );
    assert!(st
        .tensor("bert.encoder.layer.0.attention.self.query.weight")
        .is_err());
    assert!(st
        .tensor("bert.embeddings.position_embeddings.weight")
        .is_ok());
}

#[test]
fn corruption_and_truncation_are_detected() {
    let bytes = quantized(Quant::Q8);
    Classifier::from_quantized(&bytes).unwrap();
    let mut flipped = bytes.clone();
    let at = flipped.len() - 1000;
    flipped[at] ^= 0x10;
    let err = Classifier::from_quantized(&flipped)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    for cut in [0, 5, 200, bytes.len() / 2, bytes.len() - 1] {
        let err = Classifier::from_quantized(&bytes[..cut])
            .err()
            .expect("truncated file rejected");
        let err = err.to_string();
        assert!(
            err.contains("truncated") || err.contains("checksum") || err.contains("shorter"),
            "cut {cut}: {err}"
        );
    }
    let mut newer = bytes.clone();
    let key = b"\"format_version\":\"2.0\"";
    let at = newer.windows(key.len()).position(|w| w == key).unwrap();
    newer[at + key.len() - 4] = b'3';
    let err = Classifier::from_quantized(&newer).err().unwrap();
    assert_eq!(err.code(), "FORMAT_NEW");
    assert!(err.to_string().contains("format version 3.0"), "{err}");
    let mut older = newer;
    older[at + key.len() - 4] = b'1';
    let err = Classifier::from_quantized(&older).err().unwrap();
    assert_eq!(err.code(), "FORMAT_OLD");
    assert!(err.to_string().contains("format version 1.0"), "{err}");
}

#[test]
fn the_quantizer_rejects_broken_sources() {
    let tok = std::str::from_utf8(TINY_TOKENIZER).unwrap();
    let mut q = StreamingQuantizer::new(Quant::Q8, source(), TINY_CONFIG, tok).unwrap();
    q.push(&TINY_WEIGHTS[..TINY_WEIGHTS.len() - 10]).unwrap();
    assert!(q.finish().err().unwrap().to_string().contains("truncated"));
    let mut q = StreamingQuantizer::new(Quant::Q8, source(), TINY_CONFIG, tok).unwrap();
    let mut longer = TINY_WEIGHTS.to_vec();
    longer.push(0);
    assert!(q
        .push(&longer)
        .err()
        .unwrap()
        .to_string()
        .contains("after its last tensor"));
    let mut q = StreamingQuantizer::new(Quant::Q8, source(), TINY_CONFIG, tok).unwrap();
    assert!(q.push(&[0xff; 64]).is_err());
    assert!(StreamingQuantizer::new(Quant::Q8, source(), "{}", tok).is_err());
}

#[test]
fn streaming_loader_any_chunking_equals_whole_file() {
    use gamjeong::StreamingLoader;
    let file = quantized(Quant::Q8);
    let whole = Classifier::from_quantized(&file).unwrap();
    let want = whole.classify("오늘 너무 행복해").unwrap();
    for size in [1usize, 7, 4096, file.len()] {
        let mut loader = StreamingLoader::new();
        for chunk in file.chunks(size) {
            loader.push(chunk).unwrap();
        }
        assert_eq!(loader.received(), file.len());
        assert_eq!(loader.expected_len(), Some(file.len()));
        let got = loader
            .finish()
            .unwrap()
            .classify("오늘 너무 행복해")
            .unwrap();
        assert_eq!(got.logits, want.logits, "chunk size {size}");
    }
}

#[test]
fn streaming_loader_rejects_bad_streams() {
    use gamjeong::StreamingLoader;
    let file = quantized(Quant::Q4);
    // Truncated: an error at finish, naming the sizes.
    let mut loader = StreamingLoader::new();
    loader.push(&file[..file.len() - 10]).unwrap();
    let err = loader.finish().err().unwrap().to_string();
    assert!(err.contains("truncated"), "{err}");
    // A flipped payload byte: the checksum catches it.
    let mut bad = file.clone();
    let at = bad.len() - 100;
    bad[at] ^= 0x20;
    let mut loader = StreamingLoader::new();
    loader.push(&bad).unwrap();
    let err = loader.finish().err().unwrap().to_string();
    assert!(err.contains("checksum"), "{err}");
    // An f32 checkpoint is refused as soon as its header is in.
    let mut loader = StreamingLoader::new();
    let err = loader.push(TINY_WEIGHTS).err().unwrap().to_string();
    assert!(err.contains("not a gamjeong quantized file"), "{err}");
    // Trailing garbage.
    let mut loader = StreamingLoader::new();
    let mut long = file.clone();
    long.extend_from_slice(b"junk");
    assert!(loader.push(&long).is_err());
}

/// Bytes of tensor data in a safetensors file: all of it after the header.
fn data_bytes(file: &[u8]) -> u64 {
    let header = u64::from_le_bytes(file[..8].try_into().unwrap());
    file.len() as u64 - 8 - header
}

#[test]
fn tier_bytes_are_the_quantizers_for_every_family() {
    // f32 and q8 exact against the real files; the entropy-coded tiers within 5 %.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for name in [
        "tiny-ko",
        "tiny-ko-electra", // embedding 16 < hidden 32: embeddings_project
        "tiny-ko-roberta-q",
        "tiny-ko-distilbert-q", // dim/n_layers/hidden_dim, no token types
    ] {
        let path = std::path::Path::new(dir).join(name);
        let read = |f: &str| std::fs::read(path.join(f)).unwrap();
        let config = String::from_utf8(read("config.json")).unwrap();
        let tokenizer = gamjeong::internals::tokenize::tokenizer_json_in_dir(&path).unwrap();
        let tokenizer = std::str::from_utf8(&tokenizer).unwrap();
        let weights = read("model.safetensors");
        let got = gamjeong::tier_bytes(&config).unwrap();
        assert_eq!(got.f32, data_bytes(&weights), "{name}: f32");
        for (scheme, want) in [
            (Quant::Q8, got.q8),
            (Quant::Q4, got.q4),
            (Quant::Q5, got.q5),
            (Quant::Q6, got.q6),
        ] {
            let file = quantize_bytes(&weights, scheme, source(), &config, tokenizer).unwrap();
            let real = data_bytes(&file);
            if scheme == Quant::Q8 {
                assert_eq!(want, real, "{name}: q8");
            } else {
                let off = (want as f64 - real as f64).abs() / real as f64;
                assert!(
                    off <= 0.05,
                    "{name} {scheme:?}: estimated {want}, file {real}"
                );
            }
        }
    }
}

#[test]
fn tier_bytes_refuses_bad_configs_with_a_code() {
    let code = |json: &str| gamjeong::tier_bytes(json).unwrap_err().code();
    assert_eq!(code("not json"), gamjeong::ErrorCode::BadModel);
    assert_eq!(
        code(r#"{"model_type": "xlnet"}"#),
        gamjeong::ErrorCode::UnsupportedModel
    );
    // A config the engine loads but with no label count.
    let no_labels = TINY_CONFIG.replace("\"id2label\"", "\"x_id2label\"");
    assert_eq!(code(&no_labels), gamjeong::ErrorCode::BadModel);
    // Absurd sizes are sized (saturating), at once, not looped over nor overflowed: each layer
    // counts as many times as the config says.
    let two = gamjeong::tier_bytes(TINY_CONFIG).unwrap();
    let layers = |n: &str| {
        TINY_CONFIG.replace(
            "\"num_hidden_layers\": 2",
            &format!("\"num_hidden_layers\": {n}"),
        )
    };
    let four = gamjeong::tier_bytes(&layers("4")).unwrap();
    assert!(four.f32 > two.f32 && four.q8 > two.q8);
    let huge = gamjeong::tier_bytes(&layers("18446744073709551615")).unwrap();
    assert_eq!(huge.f32, u64::MAX);
}
