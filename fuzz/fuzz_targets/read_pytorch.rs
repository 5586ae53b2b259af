//! PyTorch checkpoints (src/io/pytorch/). `data[0] % 4` picks the mode:
//!
//! - 0 **split**: tiny-ko-pt-views (shared and strided storages) fed to the quantizer in
//!   chunks sized by the input must give the one-shot q8 output byte for byte (or, stopped
//!   early, an error from `finish`);
//! - 1 **mutate**: that checkpoint with up to 8 bytes flipped, set, inserted or cut off:
//!   read (f32 tensors and q8) to Ok or a clean Err; an Ok q8 must verify;
//! - 2 **pickle**: `data[1..3]` a storage size, the rest a `data.pkl`, zipped (as torch.save
//!   does: stored, data descriptors) with eight storages `data/0`…`data/7` of that size, so
//!   pickle mutations get past the zip's CRCs to the unpickler and the view gathering;
//! - 3 **raw**: the rest of the input is the weights file.
#![no_main]

use gamjeong::internals::io::CheckpointStream;
use gamjeong::{ModelSource, Quant, QuantMetadata, StreamingQuantizer, quantize_bytes};
use gamjeong::internals::io::{TensorInfo, TensorReader, TensorSink};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CONFIG: &str = include_str!("../../tests/fixtures/tiny-ko/config.json");
const TOKENIZER: &str = include_str!("../../tests/fixtures/tiny-ko/tokenizer.json");
const MODEL: &[u8] = include_bytes!("../../tests/fixtures/tiny-ko-pt-views/pytorch_model.bin");

fn source() -> ModelSource {
    ModelSource {
        model: "tiny-ko-pt".into(),
        revision: "fuzz".into(),
    }
}

fn q8(bytes: &[u8]) -> gamjeong::Result<Vec<u8>> {
    quantize_bytes(bytes, Quant::Q8, source(), CONFIG, TOKENIZER)
}

fn reference() -> &'static [u8] {
    static REF: OnceLock<Vec<u8>> = OnceLock::new();
    REF.get_or_init(|| q8(MODEL).expect("tiny-ko-pt-views quantizes"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => split(rest),
        1 => check(&mutate(rest)),
        2 => check(&pickle_zip(rest)),
        _ => check(rest),
    }
});

/// Every tensor, as the f32 loader collects them; checks each has its declared size.
struct All(Vec<TensorInfo>, usize);

impl TensorSink for All {
    fn header(
        &mut self,
        _: Option<&serde_json::Map<String, serde_json::Value>>,
        t: &[TensorInfo],
    ) -> gamjeong::Result<Vec<bool>> {
        self.0 = t.to_vec();
        Ok(vec![true; t.len()])
    }
    fn tensor(&mut self, i: usize, t: &TensorInfo, d: Vec<u8>) -> gamjeong::Result<()> {
        assert_eq!(
            d.len(),
            t.end - t.start,
            "tensor {} has the wrong size",
            t.name
        );
        assert_eq!(self.0[i].name, t.name);
        self.1 += 1;
        Ok(())
    }
}

fn check(bytes: &[u8]) {
    let mut s = CheckpointStream::new();
    let mut all = All(Vec::new(), 0);
    let read = s.push(bytes, &mut all).and_then(|()| s.check_complete());
    if read.is_ok() {
        assert_eq!(all.1, all.0.len(), "a complete read delivered every tensor");
    }
    if let Ok(out) = q8(bytes) {
        if let Err(e) = QuantMetadata::read(&out, true) {
            panic!("the quantizer wrote a file its reader refuses: {e}");
        }
    }
}

fn split(mut ctl: &[u8]) {
    let mut q = StreamingQuantizer::new(Quant::Q8, source(), CONFIG, TOKENIZER).unwrap();
    let mut pos = 0;
    let mut stopped = false;
    while pos < MODEL.len() {
        let n = match ctl.split_first() {
            None => MODEL.len(),
            Some((&0xff, _)) => {
                stopped = true;
                break;
            }
            Some((&b, r)) => {
                ctl = r;
                if b & 0x80 == 0 {
                    b as usize
                } else {
                    let (&lo, r) = ctl.split_first().unwrap_or((&0, &[]));
                    ctl = r;
                    ((b as usize & 0x7f) << 8 | lo as usize) << 4
                }
            }
        };
        let end = (pos + n).min(MODEL.len());
        q.push(&MODEL[pos..end])
            .expect("valid checkpoint in chunks");
        pos = end;
        assert_eq!(q.consumed(), pos);
    }
    let out = q.finish();
    if stopped && pos < MODEL.len() {
        assert!(out.is_err(), "a truncated checkpoint must not finish");
    } else {
        assert!(
            out.expect("complete") == reference(),
            "chunking changed the output"
        );
    }
}

/// Up to 8 edits of 4 bytes: op (xor, set, insert, truncate), value, 16-bit position
/// scaled over the file (the pickle is in its first 4 KiB: bit 7 of op aims there).
fn mutate(ctl: &[u8]) -> Vec<u8> {
    let mut src = MODEL.to_vec();
    for e in ctl.chunks_exact(4).take(8) {
        if src.is_empty() {
            break;
        }
        let (op, value) = (e[0], e[1]);
        let p = u16::from_le_bytes([e[2], e[3]]) as usize;
        let at = if op & 0x80 != 0 {
            p % src.len().min(4096)
        } else {
            p * src.len() / 65536
        };
        match op & 3 {
            0 => src[at] ^= value.max(1),
            1 => src[at] = value,
            2 => src.insert(at, value),
            _ => src.truncate(at),
        }
    }
    src
}

fn pickle_zip(rest: &[u8]) -> Vec<u8> {
    let (size, pkl) = match rest {
        [a, b, pkl @ ..] => (u16::from_le_bytes([*a, *b]) as usize % 4096, pkl),
        _ => return Vec::new(),
    };
    let storage: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    let mut entries: Vec<(String, &[u8])> = vec![("a/data.pkl".into(), pkl)];
    entries.push(("a/byteorder".into(), b"little"));
    for k in 0..8 {
        entries.push((format!("a/data/{k}"), &storage));
    }
    let mut out = Vec::new();
    for (name, data) in &entries {
        out.extend_from_slice(b"PK\x03\x04\x14\x00\x08\x00");
        out.extend_from_slice(&[0; 18]);
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(b"PK\x07\x08");
        out.extend_from_slice(&crc32(data).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    }
    // A central directory is not read; the end record is.
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 18]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}
