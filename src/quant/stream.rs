//! The one quantizer: f32 safetensors in, quantized safetensors out, fed as a byte stream
//! (header first, then tensors in file order). It holds one source tensor at a time plus
//! the output, so a browser can convert a checkpoint while it downloads. The CLI feeds it
//! a file, the browser feeds it fetch() chunks; both get identical bytes.

use super::file::{self, Metadata, FORMAT, FORMAT_VERSION};
use super::scheme::{quantize_q4, quantize_q8, storage_for, Scheme, Storage};
use crate::error::{Error, Result};
use half::{bf16, f16};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where the source weights came from, recorded in the output's metadata.
#[derive(Debug, Clone)]
pub struct Source {
    pub model: String,
    pub revision: String,
}

struct Planned {
    name: String,
    dtype: String,
    shape: Vec<usize>,
    start: usize,
    end: usize,
    storage: Storage,
}

enum Phase {
    HeaderLen,
    Header(usize),
    Data,
    Done,
}

pub struct StreamingQuantizer {
    scheme: Scheme,
    source: Source,
    config_json: String,
    tokenizer_json: String,
    phase: Phase,
    pending: Vec<u8>,
    plan: Vec<Planned>,
    next: usize,
    data_pos: usize,
    data_len: usize,
    consumed: usize,
    sha: Sha256,
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
            scheme,
            source,
            config_json: config_json.to_owned(),
            tokenizer_json: tokenizer_json.to_owned(),
            phase: Phase::HeaderLen,
            pending: Vec::new(),
            plan: Vec::new(),
            next: 0,
            data_pos: 0,
            data_len: 0,
            consumed: 0,
            sha: Sha256::new(),
            out: Vec::new(),
            payload_start: 0,
            placeholders: (0, 0),
        })
    }

    /// Total source size, known once the header has arrived.
    pub fn expected_len(&self) -> Option<usize> {
        match self.phase {
            Phase::HeaderLen | Phase::Header(_) => None,
            _ => Some(self.consumed - self.data_pos + self.data_len),
        }
    }

    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// Feeds the next bytes of the source file, in any chunking.
    pub fn push(&mut self, mut chunk: &[u8]) -> Result<()> {
        self.sha.update(chunk);
        while !chunk.is_empty() {
            match self.phase {
                Phase::HeaderLen => {
                    let take = (8 - self.pending.len()).min(chunk.len());
                    self.take(&mut chunk, take);
                    if self.pending.len() == 8 {
                        let mut len = [0u8; 8];
                        len.copy_from_slice(&self.pending);
                        let len = u64::from_le_bytes(len);
                        if len == 0 || len > 100 << 20 {
                            return Err(bad(format!("header length {len} is not plausible")));
                        }
                        self.pending.clear();
                        self.phase = Phase::Header(len as usize);
                    }
                }
                Phase::Header(len) => {
                    let take = (len - self.pending.len()).min(chunk.len());
                    self.take(&mut chunk, take);
                    if self.pending.len() == len {
                        let header = std::mem::take(&mut self.pending);
                        self.plan(&header)?;
                        self.phase = Phase::Data;
                        self.flush_empty()?;
                    }
                }
                Phase::Data => {
                    let end = self.plan[self.next].end;
                    let take = (end - self.data_pos).min(chunk.len());
                    self.take(&mut chunk, take);
                    self.data_pos += take;
                    if self.data_pos == end {
                        self.emit()?;
                        self.flush_empty()?;
                    }
                }
                Phase::Done => {
                    return Err(bad(format!(
                        "the source has bytes after its last tensor (at offset {})",
                        self.consumed
                    )))
                }
            }
        }
        Ok(())
    }

    /// Completes the file; errors if the source stopped early.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        if !matches!(self.phase, Phase::Done) {
            let expected = self
                .expected_len()
                .map(|n| format!(" of {n}"))
                .unwrap_or_default();
            return Err(bad(format!(
                "the source is truncated: got {} bytes{expected}",
                self.consumed
            )));
        }
        let sha = hex(&self.sha.finalize());
        let xxh = format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(&self.out[self.payload_start..])
        );
        let (s, x) = self.placeholders;
        self.out[s..s + sha.len()].copy_from_slice(sha.as_bytes());
        self.out[x..x + xxh.len()].copy_from_slice(xxh.as_bytes());
        Ok(self.out)
    }

    fn take(&mut self, chunk: &mut &[u8], n: usize) {
        if !matches!(self.phase, Phase::Data) || self.plan[self.next].storage != Storage::Drop {
            self.pending.extend_from_slice(&chunk[..n]);
        }
        self.consumed += n;
        *chunk = &chunk[n..];
    }

    /// Emits zero-length tensors at the cursor and marks the end of the stream.
    fn flush_empty(&mut self) -> Result<()> {
        while self.next < self.plan.len() && self.plan[self.next].end == self.data_pos {
            self.emit()?;
        }
        if self.next == self.plan.len() {
            self.phase = Phase::Done;
        }
        Ok(())
    }

    fn plan(&mut self, header: &[u8]) -> Result<()> {
        let header: serde_json::Map<String, Value> =
            serde_json::from_slice(header).map_err(|e| bad(format!("header is not JSON: {e}")))?;
        let mut plan = Vec::new();
        for (name, info) in &header {
            if name == "__metadata__" {
                continue;
            }
            let dtype = info["dtype"]
                .as_str()
                .ok_or_else(|| bad(format!("`{name}` has no dtype")))?;
            let shape: Vec<usize> = serde_json::from_value(info["shape"].clone())
                .map_err(|_| bad(format!("`{name}` has no valid shape")))?;
            let offsets: [usize; 2] = serde_json::from_value(info["data_offsets"].clone())
                .map_err(|_| bad(format!("`{name}` has no valid data_offsets")))?;
            let size = dtype_size(dtype)
                .ok_or_else(|| bad(format!("`{name}` has unknown dtype {dtype}")))?;
            let bytes = shape.iter().try_fold(size, |a, &d| a.checked_mul(d));
            if offsets[0] > offsets[1] || bytes != Some(offsets[1] - offsets[0]) {
                return Err(bad(format!(
                    "`{name}`: data_offsets do not match its shape and dtype"
                )));
            }
            let mut storage = storage_for(self.scheme, name, &shape);
            if storage != Storage::Keep && storage != Storage::Drop && size_float(dtype).is_none() {
                storage = Storage::Keep;
            }
            plan.push(Planned {
                name: name.clone(),
                dtype: dtype.to_owned(),
                shape,
                start: offsets[0],
                end: offsets[1],
                storage,
            });
        }
        plan.sort_by_key(|t| (t.start, t.end));
        let mut pos = 0;
        for t in &plan {
            if t.start != pos {
                return Err(bad(format!(
                    "tensor `{}` does not start where the previous ended",
                    t.name
                )));
            }
            pos = t.end;
        }
        self.data_len = pos;
        self.plan = plan;
        self.write_header()
    }

    /// Writes the output header now (all output sizes follow from the plan), with fixed
    /// width placeholders for the two checksums that are only known at the end.
    fn write_header(&mut self) -> Result<()> {
        let mut entries = serde_json::Map::new();
        let mut offset = 0usize;
        let mut add = |name: String, dtype: &str, shape: Vec<usize>, bytes: usize| {
            entries.insert(
                name,
                json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes]}),
            );
            offset += bytes;
        };
        for t in &self.plan {
            let n = t.shape.first().copied().unwrap_or(0);
            let k = t.shape.get(1).copied().unwrap_or(0);
            match t.storage {
                Storage::Drop => {}
                Storage::Keep => add(t.name.clone(), &t.dtype, t.shape.clone(), t.end - t.start),
                Storage::Q8 => {
                    add(format!("{}.q", t.name), "I8", vec![n, k], n * k);
                    add(format!("{}.scale", t.name), "F32", vec![n, 1], n * 4);
                }
                Storage::Q4 => {
                    let blocks = k / super::scheme::Q4_BLOCK;
                    add(format!("{}.q4", t.name), "U8", vec![n, k / 2], n * k / 2);
                    add(
                        format!("{}.scale", t.name),
                        "F16",
                        vec![n, blocks],
                        n * blocks * 2,
                    );
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
        self.out = Vec::with_capacity(8 + header.len() + payload);
        self.out
            .extend_from_slice(&(header.len() as u64).to_le_bytes());
        self.out.extend_from_slice(&header);
        self.payload_start = self.out.len();
        Ok(())
    }

    /// Converts the tensor now complete in `pending` and appends it to the output.
    fn emit(&mut self) -> Result<()> {
        let t = &self.plan[self.next];
        let raw = std::mem::take(&mut self.pending);
        match t.storage {
            Storage::Drop => {}
            Storage::Keep => self.out.extend_from_slice(&raw),
            Storage::Q8 | Storage::Q4 => {
                let (n, k) = (t.shape[0], t.shape[1]);
                let w = to_f32(&t.dtype, &raw);
                if let Some(bad_at) = w.iter().position(|x| !x.is_finite()) {
                    return Err(bad(format!(
                        "`{}` holds a non-finite value at element {bad_at}",
                        t.name
                    )));
                }
                if t.storage == Storage::Q8 {
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
        self.next += 1;
        Ok(())
    }
}

fn bad(msg: String) -> Error {
    Error::Safetensors(msg)
}

fn dtype_size(dtype: &str) -> Option<usize> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" => 1,
        "I16" | "U16" | "F16" | "BF16" => 2,
        "I32" | "U32" | "F32" => 4,
        "I64" | "U64" | "F64" => 8,
        _ => return None,
    })
}

fn size_float(dtype: &str) -> Option<usize> {
    matches!(dtype, "F32" | "F16" | "BF16")
        .then(|| dtype_size(dtype))
        .flatten()
}

fn to_f32(dtype: &str, raw: &[u8]) -> Vec<f32> {
    match dtype {
        "F16" => raw
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        "BF16" => raw
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
