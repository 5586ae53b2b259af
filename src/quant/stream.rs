//! The one quantizer: f32 safetensors in, quantized safetensors out, fed as a byte stream
//! (header first, then tensors in file order). It holds one source tensor at a time plus
//! the output, so a browser can convert a checkpoint while it downloads. The CLI feeds it
//! a file, the browser feeds it fetch() chunks; both get identical bytes.

use super::file::{self, Metadata, FORMAT, FORMAT_VERSION};
use super::scheme::{quantize_q4, quantize_q8, storage_for, Scheme, Storage};
use crate::error::Result;
use crate::tensor_stream::{bad, TensorInfo, TensorSink, TensorStream, MAX_RESERVE};
use half::{bf16, f16};
use safetensors::Dtype;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where the source weights came from, recorded in the output's metadata.
#[derive(Debug, Clone)]
pub struct Source {
    pub model: String,
    pub revision: String,
}

pub struct StreamingQuantizer {
    stream: TensorStream,
    sink: Writer,
    sha: Sha256,
}

/// Everything but the stream splitting: the plan, and the output being written.
struct Writer {
    scheme: Scheme,
    source: Source,
    config_json: String,
    tokenizer_json: String,
    /// Per source tensor (header order): what becomes of it.
    plan: Vec<Storage>,
    out: Vec<u8>,
    payload_start: usize,
    placeholders: (usize, usize),
}

const SHA_PLACEHOLDER: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const XXH_PLACEHOLDER: &str = "0000000000000000";

impl StreamingQuantizer {
    pub fn new(
        scheme: Scheme,
        source: Source,
        config_json: &str,
        tokenizer_json: &str,
    ) -> Result<Self> {
        // Fail before any download if the companion files are unusable.
        crate::config::ModelConfig::from_json(config_json)?;
        crate::tokenize::TextEncoder::from_json(tokenizer_json.as_bytes(), 512, 0)?;
        Ok(Self {
            stream: TensorStream::new(),
            sink: Writer {
                scheme,
                source,
                config_json: config_json.to_owned(),
                tokenizer_json: tokenizer_json.to_owned(),
                plan: Vec::new(),
                out: Vec::new(),
                payload_start: 0,
                placeholders: (0, 0),
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
        let mut w = self.sink;
        let sha = hex(&self.sha.finalize());
        let xxh = format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(&w.out[w.payload_start..])
        );
        let (s, x) = w.placeholders;
        w.out[s..s + sha.len()].copy_from_slice(sha.as_bytes());
        w.out[x..x + xxh.len()].copy_from_slice(xxh.as_bytes());
        Ok(w.out)
    }
}

impl TensorSink for Writer {
    fn header(
        &mut self,
        _metadata: Option<&serde_json::Map<String, Value>>,
        tensors: &[TensorInfo],
    ) -> Result<Vec<bool>> {
        self.plan = tensors
            .iter()
            .map(|t| match storage_for(self.scheme, &t.name, &t.shape) {
                Storage::Q8 | Storage::Q4 if !is_float(t.dtype) => Storage::Keep,
                storage => storage,
            })
            .collect();
        for (&storage, t) in self.plan.iter().zip(tensors) {
            if matches!(storage, Storage::Q8 | Storage::Q4) && t.shape.contains(&0) {
                return Err(bad(format!(
                    "`{}` has shape {:?}: a matrix to quantize cannot be empty",
                    t.name, t.shape
                )));
            }
        }
        self.write_header(tensors)?;
        Ok(self.plan.iter().map(|&p| p != Storage::Drop).collect())
    }

    /// Converts the tensor now complete and appends it to the output.
    fn tensor(&mut self, index: usize, t: &TensorInfo, raw: Vec<u8>) -> Result<()> {
        let storage = self.plan[index];
        match storage {
            Storage::Drop => {}
            Storage::Keep => self.out.extend_from_slice(&raw),
            Storage::Q8 | Storage::Q4 => {
                let (n, k) = (t.shape[0], t.shape[1]);
                let w = to_f32(t.dtype, &raw);
                if let Some(bad_at) = w.iter().position(|x| !x.is_finite()) {
                    return Err(bad(format!(
                        "`{}` holds a non-finite value at element {bad_at}",
                        t.name
                    )));
                }
                if storage == Storage::Q8 {
                    let (q, s) = quantize_q8(&w, n, k);
                    self.out.extend(q.iter().map(|&v| v as u8));
                    self.out.extend(s.iter().flat_map(|v| v.to_le_bytes()));
                } else {
                    let (q, s) = quantize_q4(&w, n, k);
                    self.out.extend_from_slice(&q);
                    self.out.extend(s.iter().flat_map(|v| v.to_le_bytes()));
                }
            }
        }
        Ok(())
    }
}

impl Writer {
    /// Writes the output header now (all output sizes follow from the plan), with fixed
    /// width placeholders for the two checksums that are only known at the end.
    fn write_header(&mut self, tensors: &[TensorInfo]) -> Result<()> {
        let mut entries = serde_json::Map::new();
        let mut offset = 0usize;
        let mut add = |name: String, dtype: Dtype, shape: Vec<usize>, bytes: Option<usize>| {
            // Sizes come from the source header: a claim, checked for overflow.
            let end = bytes
                .and_then(|b| offset.checked_add(b))
                .ok_or_else(|| bad(format!("`{name}` {shape:?} is too large")))?;
            entries.insert(
                name,
                json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, end]}),
            );
            offset = end;
            Ok::<_, crate::Error>(())
        };
        for (&storage, t) in self.plan.iter().zip(tensors) {
            let n = t.shape.first().copied().unwrap_or(0);
            let k = t.shape.get(1).copied().unwrap_or(0);
            match storage {
                Storage::Drop => {}
                Storage::Keep => add(
                    t.name.clone(),
                    t.dtype,
                    t.shape.clone(),
                    Some(t.end - t.start),
                )?,
                Storage::Q8 => {
                    add(
                        format!("{}.q", t.name),
                        Dtype::I8,
                        vec![n, k],
                        n.checked_mul(k),
                    )?;
                    let bytes = n.checked_mul(4);
                    add(format!("{}.scale", t.name), Dtype::F32, vec![n, 1], bytes)?;
                }
                Storage::Q4 => {
                    let blocks = k / super::scheme::Q4_BLOCK;
                    add(
                        format!("{}.q4", t.name),
                        Dtype::U8,
                        vec![n, k / 2],
                        n.checked_mul(k / 2),
                    )?;
                    add(
                        format!("{}.scale", t.name),
                        Dtype::F16,
                        vec![n, blocks],
                        n.checked_mul(blocks * 2),
                    )?;
                }
            }
        }
        let payload = offset;
        let meta = Metadata {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION.into(),
            scheme: self.scheme.name().into(),
            source_model: self.source.model.clone(),
            source_revision: self.source.revision.clone(),
            source_sha256: SHA_PLACEHOLDER.into(),
            payload_xxh3: XXH_PLACEHOLDER.into(),
            config_json: self.config_json.clone(),
            tokenizer_json: self.tokenizer_json.clone(),
            quantizer: concat!("gamjeong ", env!("CARGO_PKG_VERSION")).into(),
        };
        entries.insert(
            "__metadata__".into(),
            serde_json::to_value(meta.to_map()).map_err(|e| bad(e.to_string()))?,
        );
        let mut header = serde_json::to_vec(&entries).map_err(|e| bad(e.to_string()))?;
        while header.len() % 8 != 0 {
            header.push(b' ');
        }
        let find = |key: &str| -> Result<usize> {
            let pat = format!("\"{key}\":\"");
            let at = header.windows(pat.len()).position(|w| w == pat.as_bytes());
            at.map(|p| 8 + p + pat.len())
                .ok_or_else(|| bad(format!("no {key} in header")))
        };
        self.placeholders = (
            find(file::KEY_SOURCE_SHA256)?,
            find(file::KEY_PAYLOAD_XXH3)?,
        );
        // Reserved up front only up to MAX_RESERVE: the sizes are the source header's claim.
        let size = payload.saturating_add(8 + header.len()).min(MAX_RESERVE);
        self.out = Vec::new();
        self.out
            .try_reserve_exact(size)
            .map_err(|_| bad(format!("cannot allocate {size} bytes for the output")))?;
        self.out
            .extend_from_slice(&(header.len() as u64).to_le_bytes());
        self.out.extend_from_slice(&header);
        self.payload_start = self.out.len();
        Ok(())
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
pub fn quantize_bytes(
    source_bytes: &[u8],
    scheme: Scheme,
    source: Source,
    config_json: &str,
    tokenizer_json: &str,
) -> Result<Vec<u8>> {
    let mut q = StreamingQuantizer::new(scheme, source, config_json, tokenizer_json)?;
    q.push(source_bytes)?;
    q.finish()
}
