//! A safetensors file as a byte stream: header first, then each tensor's bytes in file order,
//! handed out tensor by tensor as soon as they are complete. The quantizer and the streaming
//! model loader both read through it, so a browser never holds a whole file it is receiving.
//! Also the header's parser and writer for whole files in memory.

use super::{TensorInfo, TensorReader, TensorSink, MAX_RESERVE};
use crate::error::{Error, Result};
use safetensors::Dtype;
use serde_json::Value;

enum Phase {
    HeaderLen,
    Header(usize),
    Data,
    Done,
}

/// Splits a safetensors byte stream (any chunking) into header and tensors.
pub struct SafetensorsStream {
    phase: Phase,
    pending: Vec<u8>,
    tensors: Vec<TensorInfo>,
    wanted: Vec<bool>,
    next: usize,
    data_pos: usize,
    data_len: usize,
    consumed: usize,
}

impl Default for SafetensorsStream {
    fn default() -> Self {
        Self::new()
    }
}

impl SafetensorsStream {
    pub fn new() -> Self {
        Self {
            phase: Phase::HeaderLen,
            pending: Vec::new(),
            tensors: Vec::new(),
            wanted: Vec::new(),
            next: 0,
            data_pos: 0,
            data_len: 0,
            consumed: 0,
        }
    }

    /// True once the last tensor is complete.
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }
}

impl TensorReader for SafetensorsStream {
    /// Known once the header has arrived.
    fn expected_len(&self) -> Option<usize> {
        match self.phase {
            Phase::HeaderLen | Phase::Header(_) => None,
            _ => Some(self.consumed - self.data_pos + self.data_len),
        }
    }

    fn consumed(&self) -> usize {
        self.consumed
    }

    fn check_complete(&self) -> Result<()> {
        if self.is_done() {
            return Ok(());
        }
        let expected = self
            .expected_len()
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        Err(bad(format!(
            "the file is truncated: got {} bytes{expected}",
            self.consumed
        )))
    }

    fn push(&mut self, mut chunk: &[u8], sink: &mut dyn TensorSink) -> Result<()> {
        while !chunk.is_empty() {
            match self.phase {
                Phase::HeaderLen => {
                    let take = (8 - self.pending.len()).min(chunk.len());
                    self.take(&mut chunk, take)?;
                    if self.pending.len() == 8 {
                        let mut len = [0u8; 8];
                        len.copy_from_slice(&self.pending);
                        let len = header_len(len)?;
                        self.pending.clear();
                        self.phase = Phase::Header(len);
                    }
                }
                Phase::Header(len) => {
                    let take = (len - self.pending.len()).min(chunk.len());
                    self.take(&mut chunk, take)?;
                    if self.pending.len() == len {
                        let header = parse_header(&std::mem::take(&mut self.pending))?;
                        self.data_len = header.data_len;
                        self.tensors = header.tensors;
                        self.wanted = sink.header(header.metadata.as_ref(), &self.tensors)?;
                        if self.wanted.len() != self.tensors.len() {
                            return Err(bad("tensor sink answered for the wrong tensors".into()));
                        }
                        self.phase = Phase::Data;
                        self.flush_empty(sink)?;
                    }
                }
                Phase::Data => {
                    let end = self.tensors[self.next].end;
                    let take = (end - self.data_pos).min(chunk.len());
                    self.take(&mut chunk, take)?;
                    self.data_pos += take;
                    if self.data_pos == end {
                        self.emit(sink)?;
                        self.flush_empty(sink)?;
                    }
                }
                Phase::Done => {
                    return Err(bad(format!(
                        "the file has bytes after its last tensor (at offset {})",
                        self.consumed
                    )))
                }
            }
        }
        Ok(())
    }
}

impl SafetensorsStream {
    fn take(&mut self, chunk: &mut &[u8], n: usize) -> Result<()> {
        if !matches!(self.phase, Phase::Data) || self.wanted[self.next] {
            if self.pending.is_empty() && matches!(self.phase, Phase::Data) {
                // One allocation for the whole tensor, but never more than MAX_RESERVE on
                // the header's word alone: past that it grows as the bytes really arrive.
                let t = &self.tensors[self.next];
                let size = (t.end - t.start).min(MAX_RESERVE);
                self.pending.try_reserve_exact(size).map_err(|_| {
                    bad(format!(
                        "cannot allocate {size} bytes for tensor `{}`",
                        t.name
                    ))
                })?;
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
        self.consumed += n;
        *chunk = &chunk[n..];
        Ok(())
    }

    fn emit(&mut self, sink: &mut dyn TensorSink) -> Result<()> {
        let data = std::mem::take(&mut self.pending);
        let i = self.next;
        self.next += 1;
        sink.tensor(i, &self.tensors[i], data)
    }

    /// Emits zero-length tensors at the cursor and marks the end of the stream.
    fn flush_empty(&mut self, sink: &mut dyn TensorSink) -> Result<()> {
        while self.next < self.tensors.len() && self.tensors[self.next].end == self.data_pos {
            self.emit(sink)?;
        }
        if self.next == self.tensors.len() {
            self.phase = Phase::Done;
        }
        Ok(())
    }
}

/// A parsed safetensors header.
pub(crate) struct Header {
    pub metadata: Option<serde_json::Map<String, Value>>,
    /// Sorted by offset; contiguous from 0 (checked).
    pub tensors: Vec<TensorInfo>,
    /// Payload size: the end of the last tensor.
    pub data_len: usize,
}

/// The header length of the file's first 8 bytes, if plausible.
fn header_len(first8: [u8; 8]) -> Result<usize> {
    let len = u64::from_le_bytes(first8);
    if len == 0 || len > 100 << 20 {
        return Err(bad(format!("header length {len} is not plausible")));
    }
    Ok(len as usize)
}

/// The header at the start of an in-memory file, and where the payload starts.
pub(crate) fn read_header(bytes: &[u8]) -> Result<(Header, usize)> {
    let first8: [u8; 8] = bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad(format!("the file is truncated: got {} bytes", bytes.len())))?;
    let len = header_len(first8)?;
    let json = bytes.get(8..8 + len).ok_or_else(|| {
        bad(format!(
            "the file is truncated inside its {len}-byte header"
        ))
    })?;
    Ok((parse_header(json)?, 8 + len))
}

/// A whole safetensors file in memory: its header and its payload (exactly `data_len` bytes).
pub(crate) fn parse_file(bytes: &[u8]) -> Result<(Header, &[u8])> {
    let (header, start) = read_header(bytes)?;
    let payload = &bytes[start..];
    if payload.len() < header.data_len {
        return Err(bad(format!(
            "the file is truncated: got {} bytes of {}",
            bytes.len(),
            start + header.data_len
        )));
    }
    if payload.len() > header.data_len {
        return Err(bad(format!(
            "the file has bytes after its last tensor (at offset {})",
            start + header.data_len
        )));
    }
    Ok((header, payload))
}

/// Parses and checks the JSON header: dtypes, shapes against byte ranges, contiguity.
pub(crate) fn parse_header(header: &[u8]) -> Result<Header> {
    let header: serde_json::Map<String, Value> =
        serde_json::from_slice(header).map_err(|e| bad(format!("header is not JSON: {e}")))?;
    let mut tensors = Vec::new();
    let mut metadata = None;
    for (name, info) in &header {
        if name == "__metadata__" {
            metadata = info.as_object().cloned();
            continue;
        }
        let dtype: Dtype = serde_json::from_value(info["dtype"].clone())
            .map_err(|_| bad(format!("`{name}` has unknown dtype {}", info["dtype"])))?;
        let shape: Vec<usize> = serde_json::from_value(info["shape"].clone())
            .map_err(|_| bad(format!("`{name}` has no valid shape")))?;
        let offsets: [usize; 2] = serde_json::from_value(info["data_offsets"].clone())
            .map_err(|_| bad(format!("`{name}` has no valid data_offsets")))?;
        // Whole-byte element types only (no packed 4/6-bit floats).
        if !dtype.bitsize().is_multiple_of(8) {
            return Err(bad(format!("`{name}` has unsupported dtype {dtype}")));
        }
        let bytes = shape
            .iter()
            .try_fold(dtype.bitsize() / 8, |a, &d| a.checked_mul(d));
        if offsets[0] > offsets[1] || bytes != Some(offsets[1] - offsets[0]) {
            return Err(bad(format!(
                "`{name}`: data_offsets do not match its shape and dtype"
            )));
        }
        tensors.push(TensorInfo {
            name: name.clone(),
            dtype,
            shape,
            start: offsets[0],
            end: offsets[1],
        });
    }
    tensors.sort_by_key(|t| (t.start, t.end));
    let mut pos = 0;
    for t in &tensors {
        if t.start != pos {
            return Err(bad(format!(
                "tensor `{}` does not start where the previous ended",
                t.name
            )));
        }
        pos = t.end;
    }
    Ok(Header {
        metadata,
        tensors,
        data_len: pos,
    })
}

/// The bytes in front of a payload whose tensors (name, dtype, shape, byte length) lie back to
/// back in this order: length prefix, JSON header (keys sorted), space padding to 8 bytes.
pub(crate) fn header_bytes(
    tensors: &[(String, Dtype, Vec<usize>, usize)],
    metadata: &std::collections::HashMap<&str, &str>,
) -> Result<Vec<u8>> {
    let mut table = serde_json::Map::new();
    let mut offset = 0usize;
    for (name, dtype, shape, len) in tensors {
        table.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    table.insert(
        "__metadata__".into(),
        serde_json::to_value(metadata).map_err(|e| bad(e.to_string()))?,
    );
    let mut json = serde_json::to_vec(&table).map_err(|e| bad(e.to_string()))?;
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    Ok(out)
}

pub(crate) fn bad(msg: String) -> Error {
    Error::Safetensors(msg)
}
