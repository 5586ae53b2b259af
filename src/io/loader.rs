//! Weights from a byte stream, chunk by chunk, as it arrives from a file, the network or the
//! browser cache. Each tensor is kept in its own allocation and moved into the model when the
//! model is built, so memory peaks near one copy of the file instead of two (the file buffer
//! plus the model built from it).

use super::{CheckpointStream, TensorInfo, TensorReader, TensorSink, Weights};
use crate::error::Result;
use serde_json::{Map, Value};
use xxhash_rust::xxh3::Xxh3;

/// A check of a file's `__metadata__`, run as soon as its header is complete.
pub type HeaderCheck = fn(Option<&Map<String, Value>>) -> Result<()>;

/// Collects the tensors of a stream read by `R` (by default a [`CheckpointStream`]: a
/// safetensors file or a PyTorch checkpoint).
pub struct Collect<R = CheckpointStream> {
    reader: R,
    sink: Collector,
}

struct Collector {
    check: Option<HeaderCheck>,
    metadata: Option<Map<String, Value>>,
    tensors: Vec<(TensorInfo, Vec<u8>)>,
    payload_hash: Option<Xxh3>,
}

/// What a stream held.
pub struct Collected<'a> {
    /// The header's `__metadata__` (safetensors only).
    pub metadata: Option<Map<String, Value>>,
    pub weights: Weights<'a>,
    /// The payload's xxh3-64, when asked for ([`Collect::hashing_payload`]).
    pub payload_xxh3: Option<u64>,
}

impl<R: TensorReader + Default> Default for Collect<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: TensorReader + Default> Collect<R> {
    pub fn new() -> Self {
        Self {
            reader: R::default(),
            sink: Collector {
                check: None,
                metadata: None,
                tensors: Vec::new(),
                payload_hash: None,
            },
        }
    }

    /// Runs `check` on the header's metadata as soon as the header is complete, so a wrong
    /// file is refused before its payload arrives.
    pub fn checking_header(mut self, check: HeaderCheck) -> Self {
        self.sink.check = Some(check);
        self
    }

    /// Hashes the payload as it arrives (tensors come contiguous and in payload order).
    pub fn hashing_payload(mut self) -> Self {
        self.sink.payload_hash = Some(Xxh3::new());
        self
    }
}

impl<R: TensorReader> Collect<R> {
    /// Feeds the next bytes of the file, in any chunking.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.sink)
    }

    /// Bytes received so far.
    pub fn received(&self) -> usize {
        self.reader.consumed()
    }

    /// File size, once the format has told it.
    pub fn expected_len(&self) -> Option<usize> {
        self.reader.expected_len()
    }

    /// The header's `__metadata__`, once the header has arrived.
    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.sink.metadata.as_ref()
    }

    /// Errors unless the whole file has arrived.
    pub fn finish<'a>(self) -> Result<Collected<'a>> {
        self.reader.check_complete()?;
        let Collector {
            metadata,
            tensors,
            payload_hash,
            ..
        } = self.sink;
        Ok(Collected {
            metadata,
            weights: Weights::owned(tensors),
            payload_xxh3: payload_hash.map(|h| h.digest()),
        })
    }
}

super::write_via_push!(
    /// `io::copy` a file or a download into the collector; its own errors come back through
    /// [`super::copy_into`].
    @generic [R: TensorReader] Collect<R>
);

impl TensorSink for Collector {
    fn header(
        &mut self,
        metadata: Option<&Map<String, Value>>,
        tensors: &[TensorInfo],
    ) -> Result<Vec<bool>> {
        if let Some(check) = self.check {
            check(metadata)?;
        }
        self.metadata = metadata.cloned();
        Ok(vec![true; tensors.len()])
    }

    fn tensor(&mut self, _index: usize, info: &TensorInfo, data: Vec<u8>) -> Result<()> {
        if let Some(hash) = &mut self.payload_hash {
            hash.update(&data);
        }
        self.tensors.push((info.clone(), data));
        Ok(())
    }
}
