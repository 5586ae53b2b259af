//! Reading the quantized file's `__metadata__` and checking it before use
//! (format spec: docs/FORMAT.md).

use crate::error::{Error, Result};
use crate::io::safetensors::read_header;
use std::collections::HashMap;

pub const FORMAT: &str = "gamjeong-quant";
/// Major version: readers refuse other majors; a minor bump only adds keys.
pub const FORMAT_VERSION: &str = "2.0";
pub const KEY_SCHEME: &str = "scheme";
pub const KEY_SOURCE_SHA256: &str = "source_sha256";
pub const KEY_PAYLOAD_XXH3: &str = "payload_xxh3";

/// A quantized file's `__metadata__` (docs/FORMAT.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantMetadata {
    pub format: String,
    pub format_version: String,
    /// The tier's name ([`super::Quant::name`]), recorded under the key `scheme`.
    pub quant: String,
    pub source_model: String,
    pub source_revision: String,
    pub source_sha256: String,
    pub payload_xxh3: String,
    pub config_json: String,
    pub tokenizer_json: String,
    pub quantizer: String,
}

impl QuantMetadata {
    /// Parses and checks the metadata of a whole file: format name, major version, and (when
    /// `verify`) the payload checksum, which catches truncation and flipped bytes before any
    /// tensor is used.
    pub fn read(bytes: &[u8], verify: bool) -> Result<Self> {
        let (header, payload_start) = read_header(bytes)?;
        let meta = check_metadata(header.metadata.as_ref())?;
        if verify {
            verify_payload(&meta, xxhash_rust::xxh3::xxh3_64(&bytes[payload_start..]))?;
        }
        Ok(meta)
    }

    pub(crate) fn to_map(&self) -> HashMap<&'static str, &str> {
        HashMap::from([
            ("format", self.format.as_str()),
            ("format_version", &self.format_version),
            (KEY_SCHEME, &self.quant),
            ("source_model", &self.source_model),
            ("source_revision", &self.source_revision),
            (KEY_SOURCE_SHA256, &self.source_sha256),
            (KEY_PAYLOAD_XXH3, &self.payload_xxh3),
            ("config_json", &self.config_json),
            ("tokenizer_json", &self.tokenizer_json),
            ("quantizer", &self.quantizer),
        ])
    }

    fn from_map(map: &HashMap<String, String>) -> Result<Self> {
        let get = |key: &str| {
            map.get(key)
                .cloned()
                .ok_or_else(|| Error::Format(format!("metadata key `{key}` is missing")))
        };
        Ok(Self {
            format: get("format")?,
            format_version: get("format_version")?,
            quant: get(KEY_SCHEME)?,
            source_model: get("source_model")?,
            source_revision: get("source_revision")?,
            source_sha256: get(KEY_SOURCE_SHA256)?,
            payload_xxh3: get(KEY_PAYLOAD_XXH3)?,
            config_json: get("config_json")?,
            tokenizer_json: get("tokenizer_json")?,
            quantizer: get("quantizer")?,
        })
    }
}

/// True when `bytes` starts a safetensors file written by our quantizer.
pub fn is_quantized(bytes: &[u8]) -> bool {
    read_header(bytes)
        .ok()
        .and_then(|(h, _)| h.metadata?.get("format")?.as_str().map(|f| f == FORMAT))
        .unwrap_or(false)
}

/// The tier recorded in a header's `__metadata__`, unchecked.
pub(crate) fn scheme_in(metadata: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
    metadata.get(KEY_SCHEME)?.as_str()
}

/// Parses a header's `__metadata__` and checks the format name and major version.
pub fn check_metadata(
    metadata: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<QuantMetadata> {
    let raw: HashMap<String, String> = metadata
        .cloned()
        .map(|m| serde_json::from_value(serde_json::Value::Object(m)))
        .transpose()
        .map_err(|e| Error::Format(format!("__metadata__ is not a string map: {e}")))?
        .ok_or_else(|| Error::Format("no __metadata__: not a gamjeong quantized file".into()))?;
    match raw.get("format") {
        Some(f) if f == FORMAT => {}
        other => {
            return Err(Error::Format(format!(
                "not a gamjeong quantized file: its format is {}, expected `{FORMAT}` \
                 (an f32 checkpoint needs config.json and tokenizer.json too; see docs/FORMAT.md)",
                other.map_or("not given".into(), |f| format!("`{f}`"))
            )))
        }
    }
    let meta = QuantMetadata::from_map(&raw)?;
    let major = |v: &str| v.split('.').next().unwrap_or("").to_owned();
    if major(&meta.format_version) != major(FORMAT_VERSION) {
        return Err(Error::FormatVersion {
            found: meta.format_version.clone(),
            reads: major(FORMAT_VERSION),
        });
    }
    Ok(meta)
}

/// Compares the payload's xxh3-64 with the one recorded in the metadata.
pub fn verify_payload(meta: &QuantMetadata, payload_xxh3: u64) -> Result<()> {
    let actual = format!("{payload_xxh3:016x}");
    if actual != meta.payload_xxh3 {
        return Err(Error::Format(format!(
            "payload checksum mismatch (file says {}, content is {actual}): the file is corrupted or truncated",
            meta.payload_xxh3
        )));
    }
    Ok(())
}
