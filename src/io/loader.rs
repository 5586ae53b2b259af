//! Loads a quantized model file (docs/FORMAT.md) from a byte stream, chunk by chunk, as it
//! arrives from the network or the browser cache. Each tensor is kept in its own allocation and
//! moved into the model when the model is built, so memory peaks near one copy of the file
//! instead of two (the file buffer plus the model built from it).

use crate::error::Result;
use crate::quant::file::{check_metadata, verify_payload, Metadata};
use crate::tensor_stream::{bad, TensorInfo, TensorSink, TensorStream};
use crate::weights::Weights;
use crate::Classifier;
use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

pub struct StreamingLoader {
    stream: TensorStream,
    sink: Collector,
}

struct Collector {
    metadata: Option<Metadata>,
    tensors: Vec<(TensorInfo, Vec<u8>)>,
    payload_hash: Xxh3,
}

impl Default for StreamingLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamingLoader {
    pub fn new() -> Self {
        Self {
            stream: TensorStream::new(),
            sink: Collector {
                metadata: None,
                tensors: Vec::new(),
                payload_hash: Xxh3::new(),
            },
        }
    }

    /// Feeds the next bytes of the file. A file that is not a gamjeong quantized file (or has
    /// a newer major format version) is rejected as soon as its header is complete.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.stream.push(chunk, &mut self.sink)
    }

    /// Bytes received so far.
    pub fn received(&self) -> usize {
        self.stream.consumed()
    }

    /// The file's quantization scheme (`q8`, `q4`), once the header has arrived.
    pub fn scheme(&self) -> Option<&str> {
        self.sink.metadata.as_ref().map(|m| m.scheme.as_str())
    }

    /// File size, once the header has arrived.
    pub fn expected_len(&self) -> Option<usize> {
        self.stream.expected_len()
    }

    /// Checks that the file is complete and its payload checksum matches, then builds the
    /// classifier from the received tensors.
    pub fn finish(self) -> Result<Classifier> {
        self.stream.check_complete()?;
        let Collector {
            metadata,
            tensors,
            payload_hash,
        } = self.sink;
        let meta = metadata.ok_or_else(|| bad("no header received".into()))?;
        verify_payload(&meta, payload_hash.digest())?;
        let config = crate::ModelConfig::from_json(&meta.config_json)?;
        Classifier::from_parts(
            config,
            meta.tokenizer_json.as_bytes(),
            &Weights::owned(tensors),
        )
    }
}

crate::error::write_via_push!(
    /// `io::copy` a file or a download into the loader; its own errors come back through
    /// [`crate::error::copy_into`].
    StreamingLoader
);

impl TensorSink for Collector {
    fn header(
        &mut self,
        metadata: Option<&serde_json::Map<String, Value>>,
        tensors: &[TensorInfo],
    ) -> Result<Vec<bool>> {
        self.metadata = Some(check_metadata(metadata)?);
        Ok(vec![true; tensors.len()])
    }

    fn tensor(&mut self, _index: usize, info: &TensorInfo, data: Vec<u8>) -> Result<()> {
        // Tensors arrive contiguous and in payload order, so this hashes the payload.
        self.payload_hash.update(&data);
        self.tensors.push((info.clone(), data));
        Ok(())
    }
}
