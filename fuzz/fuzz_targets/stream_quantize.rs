//! The streaming quantizer. `data[0]`: bit 0 picks q4 over q8, bits 1-2 the mode:
//!
//! - 0, 1 **split**: the tiny-ko f32 checkpoint fed in chunks whose sizes come from the
//!   rest of the input must give the one-shot output byte for byte (or, when the input
//!   stops the stream early, a clean "truncated" error from `finish`);
//! - 2 **mutate**: the checkpoint with a few bytes flipped, overwritten, inserted or cut off
//!   (picked by the input) must quantize to Ok or a clean Err; an Ok output must carry a
//!   payload checksum that verifies, and load (or be refused) without a panic;
//! - 3 **raw**: the rest of the input is the source file itself.
#![no_main]

use gamjeong::{ModelSource, Quant, QuantMetadata, StreamingQuantizer, quantize_bytes};
use gamjeong::Classifier;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CONFIG: &str = include_str!("../../tests/fixtures/tiny-ko/config.json");
const TOKENIZER: &str = include_str!("../../tests/fixtures/tiny-ko/tokenizer.json");
const MODEL: &[u8] = include_bytes!("../../tests/fixtures/tiny-ko/model.safetensors");

fn source() -> ModelSource {
    ModelSource {
        model: "tiny-ko".into(),
        revision: "fuzz".into(),
    }
}

fn quantize(bytes: &[u8], scheme: Quant) -> gamjeong::Result<Vec<u8>> {
    quantize_bytes(bytes, scheme, source(), CONFIG, TOKENIZER)
}

/// One-shot outputs of the unmodified checkpoint, q8 and q4.
fn reference(scheme: Quant) -> &'static [u8] {
    static REF: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    let r = REF.get_or_init(|| {
        [Quant::Q8, Quant::Q4].map(|s| quantize(MODEL, s).expect("tiny-ko quantizes"))
    });
    &r[(scheme == Quant::Q4) as usize]
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let scheme = if flags & 1 == 0 {
        Quant::Q8
    } else {
        Quant::Q4
    };
    match (flags >> 1) & 3 {
        0 | 1 => split(scheme, rest),
        2 => mutate(scheme, rest),
        _ => check_quantized(scheme, rest),
    }
});

/// Chunk sizes from control bytes: top two bits 00 → 0..=63 bytes, 01 → up to 16 KiB
/// (one more byte), 10 → up to 4 MiB (two more bytes), 11 → everything left, or, when the
/// low six bits are all set, stop early.
fn split(scheme: Quant, mut ctl: &[u8]) {
    let mut q = StreamingQuantizer::new(scheme, source(), CONFIG, TOKENIZER).unwrap();
    let mut pos = 0;
    let next = |ctl: &mut &[u8]| -> usize {
        let (&b, rest) = ctl.split_first().unwrap_or((&0, &[]));
        *ctl = rest;
        b as usize
    };
    let mut stopped = false;
    while pos < MODEL.len() {
        let n = if ctl.is_empty() {
            MODEL.len()
        } else {
            let b = next(&mut ctl);
            let low = b & 0x3f;
            match b >> 6 {
                0 => low,
                1 => low << 8 | next(&mut ctl),
                2 => low << 16 | next(&mut ctl) << 8 | next(&mut ctl),
                _ if low == 0x3f => {
                    stopped = true;
                    break;
                }
                _ => MODEL.len(),
            }
        };
        let end = (pos + n).min(MODEL.len());
        q.push(&MODEL[pos..end]).expect("valid source in chunks");
        pos = end;
        assert_eq!(q.consumed(), pos);
        if pos >= 8 + header_len(MODEL) {
            assert_eq!(q.expected_len(), Some(MODEL.len()));
        }
    }
    let out = q.finish();
    if stopped && pos < MODEL.len() {
        let e = out.expect_err("a truncated source must not finish");
        assert!(e.to_string().contains("truncated"), "{e}");
    } else {
        assert!(
            out.expect("complete source") == reference(scheme),
            "chunking changed the output"
        );
    }
}

/// Up to 8 edits of 5 bytes: op (bits 0-1: xor, set, insert, truncate; bit 2: aim at the
/// header), value, 24-bit position.
fn mutate(scheme: Quant, ctl: &[u8]) {
    let mut src = MODEL.to_vec();
    for e in ctl.chunks_exact(5).take(8) {
        let (op, value) = (e[0], e[1]);
        let region = if op & 4 != 0 {
            (8 + header_len(&src)).min(src.len())
        } else {
            src.len()
        };
        if region == 0 {
            break;
        }
        let at = (e[2] as usize | (e[3] as usize) << 8 | (e[4] as usize) << 16) % region;
        match op & 3 {
            0 => src[at] ^= value.max(1),
            1 => src[at] = value,
            2 => src.insert(at, value),
            _ => src.truncate(at),
        }
    }
    check_quantized(scheme, &src);
}

fn header_len(src: &[u8]) -> usize {
    src.get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap()).min(1 << 20) as usize)
        .unwrap_or(0)
}

fn check_quantized(scheme: Quant, src: &[u8]) {
    if let Ok(out) = quantize(src, scheme) {
        if let Err(e) = QuantMetadata::read(&out, true) {
            panic!("the quantizer wrote a file its reader refuses: {e}");
        }
        if let Ok(model) = Classifier::from_quantized(&out) {
            let _ = model.classify("오늘 밥이 너무 맛있었어. 행복해");
        }
    }
}
