//! Building a [`Classifier`]: from a model folder's files (in memory or on disk), from a
//! quantized file, or from a quantized file arriving as a stream ([`StreamingLoader`]). The
//! bytes are read by `crate::io`; this module decides what they make.

use super::{Classifier, ScoreFn};
use crate::config::ModelConfig;
use crate::error::{Error, Result};
use crate::io::{Collect, SafetensorsStream, Weights};
use crate::kernels::Activations;
use crate::labels::label_infos;
use crate::model::{encoder_prefix, Bert, Head};
use crate::quant::file::{check_metadata, scheme_in, verify_payload};
use crate::tokenize::TextEncoder;

impl Classifier {
    /// Loads a model from the three files of a Hugging Face model folder, as bytes. The
    /// weights are `model.safetensors` or a PyTorch `pytorch_model.bin` (told apart by
    /// their first bytes).
    pub fn from_bytes(config_json: &str, tokenizer_json: &[u8], weights: &[u8]) -> Result<Self> {
        let config = ModelConfig::from_json(config_json)?;
        let weights = Weights::load(weights)?;
        Self::from_parts(config, tokenizer_json, &weights)
    }

    /// Loads a single quantized `.safetensors` file (docs/FORMAT.md): config and tokenizer
    /// come from its metadata, and its payload checksum is verified first.
    pub fn from_quantized(bytes: &[u8]) -> Result<Self> {
        let mut loader = StreamingLoader::new();
        loader.push(bytes)?;
        loader.finish()
    }

    /// A model folder in Hugging Face layout (weights: `model.safetensors`, else
    /// `pytorch_model.bin`), a single quantized `.safetensors` file, or a `pytorch_model.bin`
    /// with `config.json` and `tokenizer.json` next to it.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        if !path.exists() {
            let source = std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file or folder (expected a Hugging Face model folder or a quantized .safetensors file)",
            );
            return Err(Error::Io {
                path: path.into(),
                source,
            });
        }
        if path.is_dir() {
            return Self::from_dir(path);
        }
        let file = crate::io::WeightsFile::open(path)?;
        if file.format.is_pytorch() {
            // A pytorch_model.bin: config.json and tokenizer.json are next to it.
            let dir = path.parent().unwrap_or(std::path::Path::new("."));
            return Self::from_folder_files(dir, Some(file));
        }
        // Streamed: the file is never held whole next to the model.
        let mut loader = StreamingLoader::new();
        file.stream_into(&mut loader)?;
        loader.finish()
    }

    /// Loads `config.json`, the tokenizer (`tokenizer.json`, else `vocab.txt` with
    /// `tokenizer_config.json`) and the weights from a folder: `model.safetensors`, else
    /// `pytorch_model.bin` (the order transformers tries them in).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: impl AsRef<std::path::Path>) -> Result<Self> {
        let dir = dir.as_ref();
        Self::from_folder_files(dir, None)
    }

    /// `weights`: the weights file, else the folder's ([`crate::io::weights_file`]).
    #[cfg(not(target_arch = "wasm32"))]
    fn from_folder_files(
        dir: &std::path::Path,
        weights: Option<crate::io::WeightsFile>,
    ) -> Result<Self> {
        let read = |path: std::path::PathBuf| {
            std::fs::read(&path).map_err(|source| Error::Io { path, source })
        };
        let config = read(dir.join("config.json"))?;
        let config = String::from_utf8(config)
            .map_err(|_| Error::Config("config.json is not UTF-8".into()))?;
        let tokenizer = crate::tokenize::tokenizer_json_in_dir(dir)?;
        let file = match weights {
            Some(file) => file,
            None => crate::io::WeightsFile::open(&crate::io::weights_file(dir)?)?,
        };
        if !file.format.is_pytorch() {
            return Self::from_bytes(&config, &tokenizer, &file.read_all()?);
        }
        // A PyTorch checkpoint is streamed into separately held tensors: the file is never
        // whole in memory next to them.
        let mut c = Collect::<crate::io::CheckpointStream>::new();
        file.stream_into(&mut c)?;
        let weights = c.finish()?.weights;
        Self::from_parts(ModelConfig::from_json(&config)?, &tokenizer, &weights)
    }

    pub(crate) fn from_parts(
        config: ModelConfig,
        tokenizer_json: &[u8],
        weights: &Weights,
    ) -> Result<Self> {
        let b = &config.encoder;
        let encoder =
            TextEncoder::from_json(tokenizer_json, config.max_tokens(), b.pad_token_id as u32)?;
        if encoder.vocab_size() > b.vocab_size {
            return Err(Error::Config(format!(
                "tokenizer.json has {} tokens but the model's vocab_size is {}",
                encoder.vocab_size(),
                b.vocab_size
            )));
        }
        let family = config.family();
        let root = weights.scope(encoder_prefix(weights, family)?);
        let bert = Bert::load(&root, &config)?;
        let head = Head::load(
            &weights.scope(""),
            family.layout().head,
            b.hidden_size,
            config.id2label().map(<[String]>::len),
            (!bert.has_pooler()).then(|| root.pp("pooler.dense").name("weight")),
        )?;
        // Without id2label transformers names the classes LABEL_0, LABEL_1, …
        let names: Vec<String> = match (&head, config.id2label()) {
            (None, _) => Vec::new(),
            (Some(_), Some(names)) => names.to_vec(),
            (Some(h), None) => (0..h.out_dim()).map(|i| format!("LABEL_{i}")).collect(),
        };
        let labels = label_infos(&names);
        let score_fn = ScoreFn::for_model(config.problem_type(), labels.len());
        Ok(Self {
            config,
            encoder,
            bert,
            head,
            labels,
            pool: None,
            score_fn,
            // What every loaded Linear starts with.
            activations: Activations::default(),
        })
    }
}

/// Loads a quantized model file (docs/FORMAT.md) from a byte stream, chunk by chunk, as it
/// arrives from the network or the browser cache. Each tensor is kept in its own allocation
/// and moved into the model when the model is built, so memory peaks near one copy of the
/// file instead of two (the file buffer plus the model built from it).
pub struct StreamingLoader {
    inner: Collect<SafetensorsStream>,
}

impl Default for StreamingLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamingLoader {
    pub fn new() -> Self {
        Self {
            inner: Collect::new()
                .checking_header(|metadata| check_metadata(metadata).map(drop))
                .hashing_payload(),
        }
    }

    /// Feeds the next bytes of the file. A file that is not a gamjeong quantized file (or has
    /// a newer major format version) is rejected as soon as its header is complete.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.inner.push(chunk)
    }

    /// Bytes received so far.
    pub fn received(&self) -> usize {
        self.inner.received()
    }

    /// The file's tier (`q8`, `q4`, …), once the header has arrived.
    pub fn quant(&self) -> Option<&str> {
        self.inner.metadata().and_then(scheme_in)
    }

    /// File size, once the header has arrived.
    pub fn expected_len(&self) -> Option<usize> {
        self.inner.expected_len()
    }

    /// Checks that the file is complete and its payload checksum matches, then builds the
    /// classifier from the received tensors.
    pub fn finish(self) -> Result<Classifier> {
        let file = self.inner.finish()?;
        let meta = check_metadata(file.metadata.as_ref())?;
        verify_payload(&meta, file.payload_xxh3.unwrap_or_default())?;
        let config = ModelConfig::from_json(&meta.config_json)?;
        Classifier::from_parts(config, meta.tokenizer_json.as_bytes(), &file.weights)
    }
}

crate::io::write_via_push!(
    /// `io::copy` a file or a download into the loader; its own errors come back through
    /// `crate::io::copy_into`.
    StreamingLoader
);
