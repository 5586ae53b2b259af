//! Inputs that crashed the cargo-fuzz targets (fuzz/README.md), replayed natively: each must
//! now give a clean `Err`. Files are the fuzz inputs byte for byte (`tests/fixtures/fuzz/`,
//! named `<target>-<what>`); a `stream_quantize` input's first byte is the target's mode
//! byte (0x06: raw source, q8), the rest the source file.

use gamjeong::Classifier;
use gamjeong::StreamingLoader;
use gamjeong::{quantize_bytes, ModelSource, Quant, QuantMetadata};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/fuzz/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tiny(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/tiny-ko/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The quantizer's error on a `stream_quantize` raw-mode input, under both schemes. The fuzz
/// inputs name their matrix `x.query.weight`, which the quantizer took for a query matrix
/// when it matched names by suffix; it now reads each family's names (`Family::matrix`), so
/// the tensor is renamed to BERT's query of layer 0 to reach the same code.
fn quantize_err(name: &str) -> [String; 2] {
    let raw = fixture(name);
    assert_eq!(raw[0], 0x06, "raw-mode q8 input");
    let input = as_bert_query(&raw[1..]);
    let (config, tokenizer) = (tiny("config.json"), tiny("tokenizer.json"));
    [Quant::Q8, Quant::Q4].map(|scheme| {
        let source = ModelSource {
            model: "fuzz".into(),
            revision: "unknown".into(),
        };
        match quantize_bytes(&input, scheme, source, &config, &tokenizer) {
            Ok(_) => panic!("{name}: {scheme:?} quantized a malformed source"),
            Err(e) => e.to_string(),
        }
    })
}

/// A 404-byte quantized file whose one tensor claims 1 TiB (`[2^20, 2^20]` I8, offsets to
/// match) followed by one payload byte: the loader reserved the claimed size when that
/// byte arrived (allocation abort), before it could find the file truncated.
#[test]
fn loader_does_not_allocate_what_the_header_claims() {
    let input = fixture("read_model-tensor-claims-1tib");
    let err = Classifier::from_quantized(&input).err().expect("Err");
    assert!(err.to_string().contains("truncated"), "{err}");
    let mut loader = StreamingLoader::new();
    for byte in input.chunks(1) {
        loader.push(byte).unwrap();
    }
    assert_eq!(loader.expected_len(), Some(input.len() - 1 + (1 << 40)));
    let chunked = loader.finish().err().expect("Err");
    assert_eq!(chunked.to_string(), err.to_string());
    assert!(QuantMetadata::read(&input, true).is_err());
}

/// A source header claiming a 4 TiB f32 `*.query.weight` with no bytes after it: the
/// quantizer reserved the whole 1 TiB q8 output as soon as the header was parsed.
#[test]
fn quantizer_does_not_allocate_what_the_header_claims() {
    for err in quantize_err("stream_quantize-matrix-claims-4tib") {
        assert!(err.contains("truncated"), "{err}");
    }
}

/// An F16 `[2^62, 1]` matrix: its q8 scale bytes (`n * 4`) overflow usize (a panic with
/// debug assertions, a wrapped size in the output header without).
#[test]
fn quantizer_output_size_overflow_is_an_error() {
    for err in quantize_err("stream_quantize-output-size-overflows") {
        assert!(err.contains("too large"), "{err}");
    }
}

/// A `[2, 0]` matrix to quantize: q8 panicked in `chunks_exact(0)`.
#[test]
fn quantizer_rejects_an_empty_matrix() {
    for err in quantize_err("stream_quantize-empty-matrix") {
        assert!(
            err.contains("cannot be empty") && err.contains("[2, 0]"),
            "{err}"
        );
    }
}

/// A safetensors source whose header's `x.query.weight` is renamed
/// `bert.encoder.layer.0.attention.self.query.weight` (header rewritten; payload unchanged).
fn as_bert_query(source: &[u8]) -> Vec<u8> {
    let len = u64::from_le_bytes(source[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&source[8..8 + len]).unwrap();
    assert!(header.contains("\"x.query.weight\""), "{header}");
    let header = header.replace(
        "\"x.query.weight\"",
        "\"bert.encoder.layer.0.attention.self.query.weight\"",
    );
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&source[8 + len..]);
    out
}

/// `bytes` with the first occurrence of `from` replaced by `to` (same length: header
/// offsets and payload checksum stay valid).
fn renamed(mut bytes: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("no {from}"));
    bytes[at..at + from.len()].copy_from_slice(to.as_bytes());
    bytes
}

/// read_model (input with its payload checksum patched): the q4 tiny-ko file with
/// `bert.embeddings.word_embeddings.weight.q4e` renamed to `bert.embedsgdin.…`. The
/// missing-tensor hint cut the name after its last `embeddings.`, so it matched any
/// `*.weight` and named whichever came first in HashMap order: an unrelated tensor, and a
/// different one on each load of the same file (the whole and chunked loads disagreed).
/// Rebuilt here from the fixture: the fuzz input is 255 KB.
#[test]
fn missing_tensor_hint_is_specific_and_stable() {
    let (config, tokenizer) = (tiny("config.json"), tiny("tokenizer.json"));
    let model = std::fs::read(format!(
        "{}/tests/fixtures/tiny-ko/model.safetensors",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let source = ModelSource {
        model: "tiny-ko".into(),
        revision: "unknown".into(),
    };
    let q4 = quantize_bytes(&model, Quant::Q4, source, &config, &tokenizer).unwrap();
    let bytes = renamed(
        q4,
        "bert.embeddings.word_embeddings.weight.q4e",
        "bert.embedsgdin.word_embeddings.weight.q4e",
    );
    let errs: Vec<String> = (0..8)
        .map(|_| {
            Classifier::from_quantized(&bytes)
                .err()
                .expect("Err")
                .to_string()
        })
        .collect();
    assert!(
        errs[0].contains("no tensor named `bert.embeddings.word_embeddings.weight`")
            && !errs[0].contains("found `"),
        "{}",
        errs[0]
    );
    assert!(errs.iter().all(|e| *e == errs[0]), "{errs:#?}");

    // The hint still finds the same tensor under another prefix.
    let bytes = renamed(
        model,
        "bert.embeddings.word_embeddings.weight",
        "mert.embeddings.word_embeddings.weight",
    );
    for _ in 0..8 {
        let err = Classifier::from_bytes(&config, tokenizer.as_bytes(), &bytes)
            .err()
            .expect("Err")
            .to_string();
        assert!(
            err.contains("found `mert.embeddings.word_embeddings.weight`"),
            "{err}"
        );
    }
}
