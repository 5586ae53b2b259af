//! PyTorch checkpoints (`pytorch_model.bin`): parity with transformers reading the same file,
//! the quantizer's output equal to the one from safetensors, streaming in any chunking, and
//! hostile files refused with an error (docs/pytorch.md).
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use common::*;
use gamjeong::Classifier;
use gamjeong::{quantize_bytes, ModelSource, Quant, QuantMetadata, StreamingQuantizer};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn source() -> ModelSource {
    ModelSource {
        model: GOLDEN_SOURCE_ID.into(),
        revision: GOLDEN_REVISION.into(),
    }
}

fn tok() -> &'static str {
    std::str::from_utf8(TINY_TOKENIZER).unwrap()
}

fn quantize(weights: &[u8], scheme: Quant) -> gamjeong::Result<Vec<u8>> {
    quantize_bytes(weights, scheme, source(), TINY_CONFIG, tok())
}

fn load(weights: &[u8]) -> gamjeong::Result<Classifier> {
    Classifier::from_bytes(TINY_CONFIG, TINY_TOKENIZER, weights)
}

#[test]
fn f32_f16_and_views_match_transformers() {
    for (what, weights, reference_json) in [
        ("tiny-ko-pt", PT_WEIGHTS, PT_REFERENCE),
        ("tiny-ko-pt-views", PT_VIEWS_WEIGHTS, PT_VIEWS_REFERENCE),
        ("tiny-ko-pt-f16", PT_F16_WEIGHTS, PT_F16_REFERENCE),
    ] {
        let model = load(weights).unwrap();
        let r = reference(reference_json);
        let single = check_single_logits(&model, &r);
        let batch = check_batch_logits(&model, &r);
        eprintln!("{what}: max |Δlogit| single {single:e}, batch {batch:e}");
    }
}

#[test]
fn folders_and_files_with_only_pytorch_model_bin_load() {
    let r = reference(PT_REFERENCE);
    for path in ["tiny-ko-pt", "tiny-ko-pt/pytorch_model.bin"] {
        let model = Classifier::from_path(format!("{FIXTURES}/{path}")).unwrap();
        check_single_logits(&model, &r);
    }
    let err = Classifier::from_path(format!("{FIXTURES}/pytorch/legacy.bin"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("legacy (pre-1.6)"), "{err}");
    let err = load(&std::fs::read(format!("{FIXTURES}/pytorch/legacy.bin")).unwrap())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("legacy (pre-1.6)"), "{err}");
}

#[test]
fn quantized_from_pytorch_equals_quantized_from_safetensors() {
    for scheme in [Quant::Q8, Quant::Q4] {
        let from_st = quantize(TINY_WEIGHTS, scheme).unwrap();
        let st_sha = QuantMetadata::read(&from_st, true).unwrap().source_sha256;
        assert_eq!(st_sha, sha256_hex(TINY_WEIGHTS));
        for weights in [PT_WEIGHTS, PT_VIEWS_WEIGHTS] {
            let from_pt = quantize(weights, scheme).unwrap();
            assert_eq!(
                QuantMetadata::read(&from_pt, true).unwrap().source_sha256,
                sha256_hex(weights),
                "the recorded source digest is the PyTorch file's"
            );
            assert!(
                with_source_sha(&from_pt, &st_sha) == from_st,
                "{scheme:?} from pytorch_model.bin differs from the safetensors one"
            );
        }
        if scheme == Quant::Q8 {
            assert_eq!(sha256_hex(&from_st), golden_digest("q8"));
        }
    }
}

#[test]
fn any_chunking_gives_the_same_file() {
    let whole = quantize(PT_VIEWS_WEIGHTS, Quant::Q8).unwrap();
    for sizes in [&[1usize][..], &[7, 3, 1000], &[64], &[65536, 13]] {
        let mut q = StreamingQuantizer::new(Quant::Q8, source(), TINY_CONFIG, tok()).unwrap();
        let mut rest = PT_VIEWS_WEIGHTS;
        let mut it = sizes.iter().cycle();
        while !rest.is_empty() {
            let n = (*it.next().unwrap()).min(rest.len());
            q.push(&rest[..n]).unwrap();
            rest = &rest[n..];
            assert_eq!(q.consumed(), PT_VIEWS_WEIGHTS.len() - rest.len());
        }
        assert!(q.finish().unwrap() == whole, "chunks {sizes:?}");
    }
}

#[test]
fn every_truncation_is_an_error() {
    let cuts = (0..PT_WEIGHTS.len())
        .step_by(4999)
        .chain(PT_WEIGHTS.len() - 100..PT_WEIGHTS.len());
    for cut in cuts {
        let src = &PT_WEIGHTS[..cut];
        assert!(quantize(src, Quant::Q8).is_err(), "cut at {cut} quantized");
        assert!(load(src).is_err(), "cut at {cut} loaded");
    }
}

// --- hand-made checkpoints ---

/// A zip of stored entries as torch.save writes them (`descriptor`: sizes and CRC after the
/// data, flag bit 3) or as a seekable writer does (sizes in the local header).
fn zip(entries: &[(&str, &[u8])], descriptor: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let crc = crc32fast::hash(data);
        let offset = out.len() as u32;
        let flags: u16 = if descriptor { 8 } else { 0 };
        let (c, s) = if descriptor {
            (0, 0)
        } else {
            (crc, data.len() as u32)
        };
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&[0; 6]); // method, time, date
        out.extend_from_slice(&c.to_le_bytes());
        out.extend_from_slice(&s.to_le_bytes());
        out.extend_from_slice(&s.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        if descriptor {
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0]);
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&[0; 6]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// The entries of a zip, from its central directory (names and data).
fn unzip(z: &[u8]) -> Vec<(String, Vec<u8>)> {
    let le16 = |at: usize| u16::from_le_bytes([z[at], z[at + 1]]) as usize;
    let le32 = |at: usize| u32::from_le_bytes(z[at..at + 4].try_into().unwrap()) as usize;
    let eocd = z.len() - 22;
    assert_eq!(&z[eocd..eocd + 4], b"PK\x05\x06");
    let (count, mut at) = (le16(eocd + 10), le32(eocd + 16));
    let mut out = Vec::new();
    for _ in 0..count {
        let size = le32(at + 20);
        let (n, x, c) = (le16(at + 28), le16(at + 30), le16(at + 32));
        let local = le32(at + 42);
        let name = String::from_utf8(z[at + 46..at + 46 + n].to_vec()).unwrap();
        let data = local + 30 + le16(local + 26) + le16(local + 28);
        out.push((name, z[data..data + size].to_vec()));
        at += 46 + n + x + c;
    }
    out
}

fn rezip(z: &[u8], descriptor: bool, edit: impl Fn(&str, &mut Vec<u8>)) -> Vec<u8> {
    let mut entries = unzip(z);
    for (name, data) in &mut entries {
        edit(name, data);
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip(&refs, descriptor)
}

#[test]
fn entries_with_sizes_in_their_local_headers_read_the_same() {
    let whole = quantize(PT_WEIGHTS, Quant::Q8).unwrap();
    for descriptor in [false, true] {
        let z = rezip(PT_WEIGHTS, descriptor, |_, _| {});
        let sha = QuantMetadata::read(&whole, true).unwrap().source_sha256;
        assert!(with_source_sha(&quantize(&z, Quant::Q8).unwrap(), &sha) == whole);
    }
}

/// A pickled state dict of `(name, storage type, key, numel, offset, shape, stride)`.
fn state_dict(tensors: &[(&str, &str, &str, u64, u64, &[u64], &[u64])]) -> Vec<u8> {
    let mut p = b"\x80\x02ccollections\nOrderedDict\n)R(".to_vec();
    let s = |p: &mut Vec<u8>, s: &str| {
        p.push(b'X');
        p.extend_from_slice(&(s.len() as u32).to_le_bytes());
        p.extend_from_slice(s.as_bytes());
    };
    let int = |p: &mut Vec<u8>, v: u64| {
        p.extend_from_slice(&[0x8a, 8]);
        p.extend_from_slice(&v.to_le_bytes());
    };
    for (name, ty, key, numel, offset, shape, stride) in tensors {
        s(&mut p, name);
        p.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n((");
        s(&mut p, "storage");
        p.extend_from_slice(format!("ctorch\n{ty}\n").as_bytes());
        s(&mut p, key);
        s(&mut p, "cpu");
        int(&mut p, *numel);
        p.extend_from_slice(b"tQ");
        int(&mut p, *offset);
        for dims in [shape, stride] {
            p.push(b'(');
            for &d in dims.iter() {
                int(&mut p, d);
            }
            p.push(b't');
        }
        p.extend_from_slice(b"\x89ccollections\nOrderedDict\n)RtR");
    }
    p.extend_from_slice(b"u.");
    p
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Reads a checkpoint through the f32 loader's stream: the tensors by name.
fn read_tensors(bytes: &[u8]) -> gamjeong::Result<Vec<(String, Vec<u8>)>> {
    use gamjeong::internals::io::{TensorInfo, TensorReader, TensorSink};
    struct All(Vec<(String, Vec<u8>)>);
    impl TensorSink for All {
        // Every tensor wanted: the default `header`.
        fn tensor(&mut self, _: usize, t: &TensorInfo, d: Vec<u8>) -> gamjeong::Result<()> {
            self.0.push((t.name.clone(), d));
            Ok(())
        }
    }
    let mut s = gamjeong::internals::io::CheckpointStream::new();
    let mut all = All(Vec::new());
    s.push(bytes, &mut all)?;
    s.check_complete()?;
    all.0.sort();
    Ok(all.0)
}

fn err_of(bytes: &[u8]) -> String {
    match read_tensors(bytes) {
        Ok(t) => panic!("read {} tensors from a bad checkpoint", t.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn views_are_gathered_from_shared_storages_in_any_order() {
    // Storage 0: a 2×3 matrix; `t` its transpose, `row` its second row, `col` the middle
    // column (stride 3), `s` a scalar at an offset. Storage 1 arrives first.
    let pkl = state_dict(&[
        ("m", "FloatStorage", "0", 6, 0, &[2, 3], &[3, 1]),
        ("t", "FloatStorage", "0", 6, 0, &[3, 2], &[1, 3]),
        ("row", "FloatStorage", "0", 6, 3, &[3], &[1]),
        ("col", "FloatStorage", "0", 6, 1, &[2], &[3]),
        ("s", "FloatStorage", "0", 6, 5, &[], &[]),
        ("h", "HalfStorage", "1", 2, 0, &[2], &[1]),
    ]);
    let m = f32s(&[0., 1., 2., 3., 4., 5.]);
    let h = [0x00, 0x3c, 0x00, 0xc0]; // f16 1.0, -2.0
    for descriptor in [true, false] {
        let z = zip(
            &[
                ("a/data.pkl", &pkl),
                ("a/byteorder", b"little"),
                ("a/data/1", &h),
                ("a/data/0", &m),
            ],
            descriptor,
        );
        let t = read_tensors(&z).unwrap();
        let get = |n: &str| t.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(get("m"), m);
        assert_eq!(get("t"), f32s(&[0., 3., 1., 4., 2., 5.]));
        assert_eq!(get("row"), f32s(&[3., 4., 5.]));
        assert_eq!(get("col"), f32s(&[1., 4.]));
        assert_eq!(get("s"), f32s(&[5.]));
        assert_eq!(get("h"), h);
    }
}

#[test]
fn hostile_checkpoints_are_refused_with_a_reason() {
    let one = |pkl: &[u8], data: &[u8]| zip(&[("a/data.pkl", pkl), ("a/data/0", data)], true);
    let ok = state_dict(&[("w", "FloatStorage", "0", 2, 0, &[2], &[1])]);
    assert_eq!(read_tensors(&one(&ok, &f32s(&[1., 2.]))).unwrap().len(), 1);

    let cases: Vec<(Vec<u8>, &str)> = vec![
        // Code, not tensors.
        (
            one(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R.", &[]),
            "`os.system`",
        ),
        (one(b"\x80\x02cbuiltins\neval\n.", &[]), "`builtins.eval`"),
        (one(b"\x80\x02}I12\n.", &[]), "opcode 0x49"),
        (one(b"\x80\x02K\x01.", &[]), "an int, not a state dict"),
        (
            one(
                &state_dict(&[("w", "IntStorage", "0", 2, 0, &[2], &[1])]),
                &[0; 8],
            ),
            "`torch.IntStorage` are not supported",
        ),
        // A shape past its storage, a huge claim with no bytes behind it.
        (
            one(
                &state_dict(&[("w", "FloatStorage", "0", 2, 1, &[2], &[1])]),
                &[0; 8],
            ),
            "reads past the end of its storage",
        ),
        (
            one(
                &state_dict(&[("w", "FloatStorage", "0", 1 << 40, 0, &[1 << 40], &[1])]),
                &[0; 8],
            ),
            "truncated",
        ),
        (
            one(
                &state_dict(&[("w", "FloatStorage", "0", 1 << 62, 0, &[1 << 62], &[1])]),
                &[0; 8],
            ),
            "too large",
        ),
        // The storage is missing, damaged, or the wrong size.
        (zip(&[("a/data.pkl", &ok)], true), "no entry data/0"),
        (
            one(&ok, &f32s(&[1.])),
            "its data descriptor says 4 bytes, the data is 8",
        ),
        (
            zip(&[("a/data.pkl", &ok), ("a/data/0", &f32s(&[1.]))], false),
            "holds 4 bytes, but the pickle declares 8",
        ),
        (
            zip(
                &[
                    ("a/data.pkl", &ok),
                    ("a/byteorder", b"big"),
                    ("a/data/0", &[0; 8]),
                ],
                true,
            ),
            "byte order",
        ),
        (
            zip(&[("a/data/0", &[0; 8]), ("a/data.pkl", &ok)], true),
            "not data.pkl",
        ),
        (b"\x80\x02\x8a\x0alegacy".to_vec(), "legacy"),
        (b"PK\x03\x04".to_vec(), "truncated"),
    ];
    for (bytes, expect) in cases {
        let err = err_of(&bytes);
        eprintln!("{err}");
        assert!(err.contains(expect), "expected “{expect}” in: {err}");
    }

    // A flipped byte inside a storage: the CRC catches it.
    let mut z = one(&ok, &f32s(&[1., 2.]));
    let at = z.len() - 22 - 2 * (46 + 10) - 16 - 1;
    z[at] ^= 1;
    assert!(err_of(&z).contains("CRC-32"), "{}", err_of(&z));
    // A compressed entry.
    let mut z = zip(&[("a/data.pkl", &ok)], true);
    z[8] = 8;
    assert!(err_of(&z).contains("compressed"), "{}", err_of(&z));
}
