//! Inputs that crashed the cargo-fuzz targets (fuzz/README.md), replayed natively: each must
//! now give a clean `Err`. Files are the fuzz inputs byte for byte (`tests/fixtures/fuzz/`,
//! named `<target>-<what>`); a `stream_quantize` input's first byte is the target's mode
//! byte (0x06: raw source, q8), the rest the source file.

use gamjeong::loader::StreamingLoader;
use gamjeong::quant::{quantize_bytes, read_metadata, Scheme, Source};
use gamjeong::Classifier;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/fuzz/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tiny(name: &str) -> String {
    let path = format!("{}/tests/fixtures/tiny-ko/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The quantizer's error on a `stream_quantize` raw-mode input, under both schemes.
fn quantize_err(name: &str) -> [String; 2] {
    let input = fixture(name);
    assert_eq!(input[0], 0x06, "raw-mode q8 input");
    let (config, tokenizer) = (tiny("config.json"), tiny("tokenizer.json"));
    [Scheme::Q8, Scheme::Q4].map(|scheme| {
        let source = Source {
            model: "fuzz".into(),
            revision: "unknown".into(),
        };
        match quantize_bytes(&input[1..], scheme, source, &config, &tokenizer) {
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
    assert!(read_metadata(&input, true).is_err());
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
        assert!(err.contains("cannot be empty") && err.contains("[2, 0]"), "{err}");
    }
}
