//! The one quantizer: f32 weights in (safetensors or a PyTorch checkpoint, read by
//! `crate::io::CheckpointStream`), quantized safetensors out, fed as a byte stream
//! (header first, then tensors in file order). It holds one source tensor at a time plus
//! the output, so a browser can convert a checkpoint while it downloads. The CLI feeds it
//! a file, the browser feeds it fetch() chunks; both get identical bytes.

use super::file::{QuantMetadata, FORMAT, FORMAT_VERSION};
use super::scheme::{
    encode_q4, q4_step_divisor, quantize_q4, quantize_q8, storage_for, Quant, Storage,
};
use super::stored::{part, Q4_EXPONENTS, Q4_LEVELS, Q4_STEP, Q8_LEVELS, Q8_SCALES};
use crate::error::Result;
use crate::io::safetensors::{bad, header_bytes};
use crate::io::{CheckpointStream, TensorInfo, TensorReader, TensorSink, MAX_RESERVE};
use half::{bf16, f16};
use safetensors::Dtype;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Where the source weights came from (a hub id or a folder name, and a revision), recorded
/// in the quantized file's metadata.
#[derive(Debug, Clone)]
pub struct ModelSource {
    pub model: String,
    pub revision: String,
}

pub struct StreamingQuantizer {
    stream: CheckpointStream,
    sink: Writer,
    sha: Sha256,
}

/// Everything but the stream splitting: the plan, and the output being written.
struct Writer {
    quant: Quant,
    source: ModelSource,
    config_json: String,
    tokenizer_json: String,
    /// The checkpoint's family (from config.json): which tensor is which kind of matrix.
    family: crate::family::Family,
    /// Word-embedding rows quantized finely under q4: the tokenizer's special tokens. Every
    /// input holds [CLS] and [SEP], so their rows' rounding error is shared by all inputs.
    special_ids: Vec<usize>,
    /// Per source tensor (header order): what becomes of it.
    plan: Vec<Storage>,
    /// Output tensors so far, in payload order.
    entries: Vec<Entry>,
    /// The source tensor being converted (its index in the source header).
    current: usize,
    /// The payload; the header goes in front of it at the end, when q4's entropy-coded
    /// sizes and the checksums are known.
    out: Vec<u8>,
}

/// One output tensor: its table entry and the source tensor it was made from.
struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    len: usize,
    source: usize,
}

impl StreamingQuantizer {
    pub fn new(
        quant: Quant,
        source: ModelSource,
        config_json: &str,
        tokenizer_json: &str,
    ) -> Result<Self> {
        // Fail before any download if the companion files are unusable.
        let config = crate::config::ModelConfig::from_json(config_json)?;
        let encoder = crate::tokenize::TextEncoder::from_json(tokenizer_json.as_bytes(), 512, 0)?;
        Ok(Self {
            stream: CheckpointStream::new(),
            sink: Writer {
                quant,
                source,
                config_json: config_json.to_owned(),
                tokenizer_json: tokenizer_json.to_owned(),
                family: config.family,
                special_ids: encoder.special_token_ids(),
                plan: Vec::new(),
                entries: Vec::new(),
                current: 0,
                out: Vec::new(),
            },
            sha: Sha256::new(),
        })
    }

    /// Total source size, known once the header has arrived.
    pub fn expected_len(&self) -> Option<usize> {
        self.stream.expected_len()
    }

    pub fn consumed(&self) -> usize {
        self.stream.consumed()
    }

    /// Feeds the next bytes of the source file, in any chunking.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.sha.update(chunk);
        self.stream.push(chunk, &mut self.sink)
    }

    /// Completes the file; errors if the source stopped early.
    pub fn finish(self) -> Result<Vec<u8>> {
        self.stream.check_complete()?;
        let sha = hex(&self.sha.finalize());
        self.sink.finish(sha)
    }
}

crate::io::write_via_push!(
    /// `io::copy` the f32 checkpoint into the quantizer (see `crate::io::copy_into`).
    StreamingQuantizer
);

impl TensorSink for Writer {
    fn header(
        &mut self,
        _metadata: Option<&serde_json::Map<String, Value>>,
        tensors: &[TensorInfo],
    ) -> Result<Vec<bool>> {
        self.plan = tensors
            .iter()
            .map(
                |t| match storage_for(self.quant, self.family, &t.name, &t.shape) {
                    Storage::Q8 | Storage::Q4 | Storage::F16 if !is_float(t.dtype) => Storage::Keep,
                    Storage::F16 if t.dtype == Dtype::F16 => Storage::Keep,
                    storage => storage,
                },
            )
            .collect();
        for (&storage, t) in self.plan.iter().zip(tensors) {
            if matches!(storage, Storage::Q8 | Storage::Q4) && t.shape.contains(&0) {
                return Err(bad(format!(
                    "`{}` has shape {:?}: a matrix to quantize cannot be empty",
                    t.name, t.shape
                )));
            }
        }
        // Room for the whole output, so the payload is never moved to grow: exact for kept
        // and q8 tensors, 6 bits per weight for q4 (it codes 4–5.6), plus the header. The
        // sizes are the source header's claim: capped at MAX_RESERVE, overflow checked.
        let mut size = 4096 + 2 * (self.tokenizer_json.len() + self.config_json.len());
        for (&storage, t) in self.plan.iter().zip(tensors) {
            let elems = t.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            let bytes = match storage {
                Storage::Drop => Some(0),
                Storage::Keep | Storage::F16 => Some(t.end - t.start),
                Storage::Q8 => elems.and_then(|e| e.checked_add(t.shape[0].checked_mul(4)?)),
                Storage::Q4 => elems.map(|e| e / 4 * 3 + e / 32 + 2048),
            };
            size = bytes
                .and_then(|b| size.checked_add(b)?.checked_add(256))
                .ok_or_else(|| bad(format!("`{}` {:?} is too large", t.name, t.shape)))?;
        }
        let size = size.min(MAX_RESERVE);
        self.out
            .try_reserve_exact(size)
            .map_err(|_| bad(format!("cannot allocate {size} bytes for the output")))?;
        Ok(self.plan.iter().map(|&p| p != Storage::Drop).collect())
    }

    /// Converts the tensor now complete and appends it to the output.
    fn tensor(&mut self, index: usize, t: &TensorInfo, raw: Vec<u8>) -> Result<()> {
        self.current = index;
        let storage = self.plan[index];
        if storage == Storage::Keep {
            return self.push(t.name.clone(), t.dtype, t.shape.clone(), &raw);
        }
        if storage == Storage::Drop {
            return Ok(());
        }
        if storage == Storage::F16 {
            let w = to_f32(t.dtype, &raw);
            // Kept as it is if F16 cannot hold it (NaN fails the test too).
            if !w.iter().all(|x| x.abs() <= f16::MAX.to_f32()) {
                return self.push(t.name.clone(), t.dtype, t.shape.clone(), &raw);
            }
            let half: Vec<u8> = w
                .iter()
                .flat_map(|&x| f16::from_f32(x).to_le_bytes())
                .collect();
            return self.push(t.name.clone(), Dtype::F16, t.shape.clone(), &half);
        }
        let (n, k) = (t.shape[0], t.shape[1]);
        let w = to_f32(t.dtype, &raw);
        drop(raw);
        if let Some(bad_at) = w.iter().position(|x| !x.is_finite()) {
            return Err(bad(format!(
                "`{}` holds a non-finite value at element {bad_at}",
                t.name
            )));
        }
        if storage == Storage::Q8 {
            let (q, s) = quantize_q8(&w, n, k);
            let q: Vec<u8> = q.iter().map(|&v| v as u8).collect();
            self.push(part(&t.name, Q8_LEVELS), Dtype::I8, vec![n, k], &q)?;
            let s: Vec<u8> = s.iter().flat_map(|v| v.to_le_bytes()).collect();
            self.push(part(&t.name, Q8_SCALES), Dtype::F32, vec![n, 1], &s)?;
        } else {
            let fine: &[usize] = if t.name.ends_with("word_embeddings.weight") {
                &self.special_ids
            } else {
                &[]
            };
            let q = quantize_q4(
                &w,
                n,
                k,
                q4_step_divisor(self.quant, self.family, &t.name),
                fine,
            );
            drop(w);
            let (levels, exps) = encode_q4(&q).map_err(|e| bad(format!("`{}`: {e}", t.name)))?;
            self.push(
                part(&t.name, Q4_LEVELS),
                Dtype::U8,
                vec![levels.len()],
                &levels,
            )?;
            self.push(
                part(&t.name, Q4_EXPONENTS),
                Dtype::U8,
                vec![exps.len()],
                &exps,
            )?;
            let step = q.step.to_le_bytes();
            self.push(part(&t.name, Q4_STEP), Dtype::F32, vec![1], &step)?;
        }
        Ok(())
    }
}

impl Writer {
    fn push(&mut self, name: String, dtype: Dtype, shape: Vec<usize>, bytes: &[u8]) -> Result<()> {
        if self.out.capacity() - self.out.len() < bytes.len() {
            // Past the estimate: grow by a step, not by doubling a 100 MB buffer.
            let more = bytes.len().max(8 << 20);
            self.out
                .try_reserve_exact(more)
                .map_err(|_| bad(format!("cannot allocate {more} more bytes for the output")))?;
        }
        self.out.extend_from_slice(bytes);
        self.entries.push(Entry {
            name,
            dtype,
            shape,
            len: bytes.len(),
            source: self.current,
        });
        Ok(())
    }

    /// Puts the payload in source-header order. A safetensors source arrives in that order
    /// (nothing to do); a PyTorch checkpoint's storages arrive in state-dict order, so its
    /// output is rearranged once, through one more payload-sized buffer, into the bytes the
    /// same weights give from safetensors.
    fn order_payload(&mut self) -> Result<()> {
        if self.entries.windows(2).all(|w| w[0].source <= w[1].source) {
            return Ok(());
        }
        let mut starts = Vec::with_capacity(self.entries.len());
        let mut at = 0usize;
        for e in &self.entries {
            starts.push(at);
            at += e.len;
        }
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.sort_by_key(|&i| self.entries[i].source); // stable: a tensor's parts stay in order
        let room = self.out.len()
            + 4096
            + 2 * (self.tokenizer_json.len() + self.config_json.len())
            + 256 * self.entries.len();
        let mut out = Vec::new();
        out.try_reserve_exact(room)
            .map_err(|_| bad(format!("cannot allocate {room} bytes for the output")))?;
        for &i in &order {
            out.extend_from_slice(&self.out[starts[i]..starts[i] + self.entries[i].len]);
        }
        let mut entries = std::mem::take(&mut self.entries);
        let mut taken: Vec<Option<Entry>> = entries.drain(..).map(Some).collect();
        self.entries = order.iter().filter_map(|&i| taken[i].take()).collect();
        self.out = out;
        Ok(())
    }

    /// Puts the header (tensor table, metadata with both checksums) in front of the
    /// payload, moving the payload within its own allocation when there is room.
    fn finish(mut self, source_sha256: String) -> Result<Vec<u8>> {
        self.order_payload()?;
        let payload_xxh3 = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&self.out));
        let meta = QuantMetadata {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION.into(),
            quant: self.quant.name().into(),
            source_model: self.source.model.clone(),
            source_revision: self.source.revision.clone(),
            source_sha256,
            payload_xxh3,
            config_json: self.config_json.clone(),
            tokenizer_json: self.tokenizer_json.clone(),
            quantizer: concat!("gamjeong ", env!("CARGO_PKG_VERSION")).into(),
        };
        let table: Vec<_> = std::mem::take(&mut self.entries)
            .into_iter()
            .map(|e| (e.name, e.dtype, e.shape, e.len))
            .collect();
        let header = header_bytes(&table, &meta.to_map())?;
        let front = header.len();
        let mut out = self.out;
        out.try_reserve_exact(front)
            .map_err(|_| bad(format!("cannot allocate {front} more bytes for the header")))?;
        let payload = out.len();
        out.resize(payload + front, 0);
        out.copy_within(0..payload, front);
        out[..front].copy_from_slice(&header);
        Ok(out)
    }
}

fn is_float(dtype: Dtype) -> bool {
    matches!(dtype, Dtype::F32 | Dtype::F16 | Dtype::BF16)
}

fn to_f32(dtype: Dtype, raw: &[u8]) -> Vec<f32> {
    match dtype {
        Dtype::F16 => raw
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => raw
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        _ => raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Quantizes a whole in-memory source (the CLI path) through the same streaming code.
///
/// ```
/// use gamjeong::{quantize_bytes, ModelSource, Quant, QuantMetadata};
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny-ko");
/// let read = |f: &str| std::fs::read(format!("{dir}/{f}")).unwrap();
/// let source = ModelSource { model: "tiny-ko".into(), revision: "unknown".into() };
/// let config = String::from_utf8(read("config.json")).unwrap();
/// let tokenizer = String::from_utf8(read("tokenizer.json")).unwrap();
/// let q8 = quantize_bytes(&read("model.safetensors"), Quant::Q8, source, &config, &tokenizer)?;
/// assert_eq!(QuantMetadata::read(&q8, true)?.quant, "q8");
/// let model = gamjeong::Classifier::from_quantized(&q8)?;
/// # Ok::<(), gamjeong::Error>(())
/// ```
pub fn quantize_bytes(
    source_bytes: &[u8],
    quant: Quant,
    source: ModelSource,
    config_json: &str,
    tokenizer_json: &str,
) -> Result<Vec<u8>> {
    let mut q = StreamingQuantizer::new(quant, source, config_json, tokenizer_json)?;
    q.push(source_bytes)?;
    q.finish()
}
