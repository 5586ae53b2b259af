//! wasm-bindgen surface. Every export returns a `Result`, so a bad model or bad input becomes
//! a catchable JS `Error` with the crate's message and its stable `code` (`Error::code`),
//! never a wasm trap.

mod bulk;
#[cfg(target_feature = "atomics")]
mod pool;

pub use bulk::{inspect_file, WasmBulk};

use crate::{Classifier, Error, ErrorCode, Quant};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Build facts for the JS wrapper and the page: `{version, formatVersion, kernel, schemes,
/// threads, errorCodes}`. `kernel` is the int8 GEMM kernel this build runs (`simd128` or
/// `relaxed-simd`); `schemes` the quantization tiers it reads and writes (`f32` is always
/// there besides); `threads` is true for the threads build (shared memory,
/// [`pool::PoolBuilder`]); `errorCodes` every `code` an error from this module can carry
/// ([`ErrorCode::ALL`]).
#[wasm_bindgen(js_name = buildInfo)]
pub fn build_info() -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Info {
        version: &'static str,
        format_version: &'static str,
        kernel: &'static str,
        schemes: Vec<&'static str>,
        threads: bool,
        error_codes: &'static [ErrorCode],
    }
    to_js(&Info {
        version: env!("CARGO_PKG_VERSION"),
        format_version: crate::quant::file::FORMAT_VERSION,
        kernel: crate::kernels::best_kernel().name(),
        schemes: Quant::ALL.map(Quant::name).to_vec(),
        threads: cfg!(target_feature = "atomics"),
        error_codes: ErrorCode::ALL,
    })
}

/// Current size of this module's linear memory in bytes (`memory.buffer.byteLength`).
/// Wasm memory only grows, so after loading this is the peak.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// The `tokenizer.json` of a repo that has none, built from its `vocab.txt` and
/// `tokenizer_config.json` (`undefined` when absent) as transformers' `BertTokenizer` builds
/// it. `sentencePiece`: the name of a SentencePiece model file the repo has instead (then the
/// error is `UNSUPPORTED_MODEL`, naming it). `specialTokensMap`: its `special_tokens_map.json`
/// (`undefined` when absent), read as transformers reads it.
#[wasm_bindgen(js_name = tokenizerFromVocab)]
pub fn tokenizer_from_vocab(
    vocab_txt: Option<String>,
    tokenizer_config: Option<String>,
    sentence_piece: Option<String>,
    special_tokens_map: Option<String>,
) -> Result<String, JsValue> {
    match (vocab_txt, sentence_piece) {
        (Some(vocab), _) => crate::tokenize::tokenizer_json_from_vocab_files(
            &vocab,
            tokenizer_config.as_deref(),
            special_tokens_map.as_deref(),
        )
        .map_err(js_err),
        (None, Some(found)) => Err(js_err(crate::tokenize::unsupported_sentencepiece(&found))),
        (None, None) => Err(js_err(Error::TokenizerLoad(
            "the model has neither tokenizer.json nor vocab.txt".into(),
        ))),
    }
}

/// Bytes of each tier's weights (`{f32, q8, q4, q5, q6}`) of the model `configJson`
/// (config.json's text) describes, as the quantizer writes them: f32 and q8 exact, the
/// entropy-coded tiers estimated (docs/models.md, "Download sizes"). A config the engine would
/// not load is its error (`BAD_MODEL`, `UNSUPPORTED_MODEL`).
#[wasm_bindgen(js_name = tierBytes)]
pub fn tier_bytes(config_json: &str) -> Result<JsValue, JsValue> {
    to_js(&crate::quant::tier_bytes(config_json).map_err(js_err)?)
}

/// A JS `Error` carrying `code`, so JS branches on the code and never on message text.
fn js_error(code: ErrorCode, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &"code".into(), &code.as_str().into());
    err.into()
}

fn js_err(e: Error) -> JsValue {
    js_error(e.code(), &e.to_string())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // json_compatible: `None` → null and maps → plain objects, as the CLI's JSON.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| {
            js_error(
                ErrorCode::Compute,
                &format!("cannot convert the result to JS: {e}"),
            )
        })
}

/// Rewrites char offsets (ascending, as `explain` returns them) into UTF-16 offsets in one
/// pass over `text`.
fn to_utf16_offsets(text: &str, words: &mut [crate::WordScore]) {
    let mut chars = text.chars();
    let (mut char_at, mut utf16_at) = (0usize, 0usize);
    let mut advance_to = |target: usize| {
        while char_at < target {
            utf16_at += chars.next().map_or(1, char::len_utf16);
            char_at += 1;
        }
        utf16_at
    };
    for w in words {
        w.start = advance_to(w.start);
        w.end = advance_to(w.end);
    }
}

/// A loaded model. The JS wrapper in `www/` builds the public `Classifier` on top.
#[wasm_bindgen]
pub struct WasmClassifier {
    inner: Classifier,
    /// `f32`, or the tier recorded in the quantized file it was loaded from.
    quant: String,
}

#[wasm_bindgen]
impl WasmClassifier {
    /// Loads a model from the contents of `config.json`, `tokenizer.json` and the weights:
    /// `model.safetensors` or a PyTorch `pytorch_model.bin` (told apart by their first bytes).
    #[wasm_bindgen(constructor)]
    pub fn new(
        config_json: &str,
        tokenizer_json: &[u8],
        safetensors: &[u8],
    ) -> Result<WasmClassifier, JsValue> {
        let inner =
            Classifier::from_bytes(config_json, tokenizer_json, safetensors).map_err(js_err)?;
        Ok(Self {
            inner,
            quant: "f32".into(),
        })
    }

    /// Loads a single quantized `.safetensors` file (docs/FORMAT.md); its checksum is
    /// verified first.
    #[wasm_bindgen(js_name = fromQuantized)]
    pub fn from_quantized(bytes: &[u8]) -> Result<WasmClassifier, JsValue> {
        let mut loader = WasmLoader::new();
        loader.push(bytes)?;
        loader.finish()
    }

    /// The weights' tier: `f32`, or `q8`, `q4`, … (read from the quantized file itself).
    pub fn quant(&self) -> String {
        self.quant.clone()
    }

    /// How scores come from logits, as transformers' pipeline applies them: `"softmax"`,
    /// `"sigmoid"` (config.json's `multi_label_classification`, or a single output: each
    /// label's own probability) or `"identity"` (`regression`).
    #[wasm_bindgen(js_name = scoreFn)]
    pub fn score_fn(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.score_fn())
    }

    /// Overrides how scores come from logits (`"softmax"`, `"sigmoid"` or `"identity"`) for
    /// every later call, as transformers' `function_to_apply`; another name is BAD_INPUT.
    #[wasm_bindgen(js_name = setScoreFn)]
    pub fn set_score_fn(&mut self, name: &str) -> Result<(), JsValue> {
        self.inner.set_score_fn(name.parse().map_err(js_err)?);
        Ok(())
    }

    /// `{tokens, truncated, logits, scores: [{index, label, group, gloss, score}]}`.
    pub fn classify(&self, text: &str, top_k: Option<usize>) -> Result<JsValue, JsValue> {
        let mut c = self.inner.classify(text).map_err(js_err)?;
        if let Some(k) = top_k {
            c = c.top_k(k);
        }
        to_js(&c)
    }

    #[wasm_bindgen(js_name = classifyBatch)]
    pub fn classify_batch(&self, texts: Vec<String>) -> Result<JsValue, JsValue> {
        to_js(&self.inner.classify_batch(&texts).map_err(js_err)?)
    }

    /// `{label, index, prob, tokens, truncated, words: [{text, start, end, tokens, score}]}`
    /// for the label given by index or by name (neither: the top label). Word offsets count
    /// UTF-16 code units, as JS strings do: `text.slice(start, end) === word.text`.
    pub fn explain(
        &self,
        text: &str,
        label_index: Option<usize>,
        label_name: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let label = match (label_index, label_name) {
            (Some(i), _) => Some(i),
            (None, Some(name)) => Some(self.inner.label_index(&name).map_err(js_err)?),
            (None, None) => None,
        };
        let mut e = self.inner.explain(text, label).map_err(js_err)?;
        to_utf16_offsets(text, &mut e.words);
        to_js(&e)
    }

    /// `{tokens, truncated, last_hidden_state, pooled}`; works without a classification head.
    pub fn embed(&self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.inner.embed(text).map_err(js_err)?)
    }

    /// Logits for `batch` rows of equal length packed in `ids` (row-major), flattened
    /// `[batch * labels]`. Skips tokenization: for benchmarks on fixed token ids.
    #[wasm_bindgen(js_name = logitsForIds)]
    pub fn logits_for_ids(&self, ids: &[u32], batch: usize) -> Result<Vec<f32>, JsValue> {
        if batch == 0 || ids.is_empty() || !ids.len().is_multiple_of(batch) {
            return Err(js_error(
                ErrorCode::BadInput,
                "ids.length must be a positive multiple of batch",
            ));
        }
        let rows: Vec<Vec<u32>> = ids.chunks(ids.len() / batch).map(<[u32]>::to_vec).collect();
        let logits = self.inner.logits_for_ids(&rows).map_err(js_err)?;
        Ok(logits.concat())
    }

    /// Token ids as the model sees them.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, JsValue> {
        Ok(self.inner.encode(text).map_err(js_err)?.ids)
    }

    /// `[{label, group, gloss, groupGloss}]` by class index; empty without a classification head.
    pub fn labels(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Label<'a> {
            label: &'a str,
            group: Option<&'static str>,
            gloss: Option<&'static str>,
            group_gloss: Option<&'static str>,
        }
        let labels: Vec<Label> = self
            .inner
            .labels()
            .iter()
            .map(|l| Label {
                label: &l.label,
                group: l.group,
                gloss: l.gloss,
                group_gloss: l.group.and_then(crate::labels::group_gloss),
            })
            .collect();
        to_js(&labels)
    }
}

/// The streaming quantizer for the browser: feed the source weights (`model.safetensors`
/// or `pytorch_model.bin`) as they download, get the same quantized file the CLI writes.
#[wasm_bindgen]
pub struct WasmQuantizer {
    inner: Option<crate::StreamingQuantizer>,
}

#[wasm_bindgen]
impl WasmQuantizer {
    #[wasm_bindgen(constructor)]
    pub fn new(
        quant: &str,
        source_model: &str,
        source_revision: &str,
        config_json: &str,
        tokenizer_json: &str,
    ) -> Result<WasmQuantizer, JsValue> {
        let quant = Quant::parse(quant).ok_or_else(|| {
            let known: Vec<&str> = Quant::ALL.map(Quant::name).to_vec();
            js_error(
                ErrorCode::BadInput,
                &format!("unknown quant `{quant}`: use {}", known.join(", ")),
            )
        })?;
        let source = crate::ModelSource {
            model: source_model.into(),
            revision: source_revision.into(),
        };
        let inner = crate::StreamingQuantizer::new(quant, source, config_json, tokenizer_json)
            .map_err(js_err)?;
        Ok(Self { inner: Some(inner) })
    }

    fn state(&mut self) -> Result<&mut crate::StreamingQuantizer, JsValue> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error(ErrorCode::Finished, "this quantizer has already finished"))
    }

    /// Feeds the next chunk of the source file (any size).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.state()?.push(chunk).map_err(js_err)
    }

    /// Source bytes consumed so far.
    pub fn consumed(&mut self) -> Result<usize, JsValue> {
        Ok(self.state()?.consumed())
    }

    /// Total source size once its header has arrived, else `undefined`.
    #[wasm_bindgen(js_name = expectedLength)]
    pub fn expected_len(&mut self) -> Result<Option<usize>, JsValue> {
        Ok(self.state()?.expected_len())
    }

    /// The finished quantized file; errors if the source stopped early.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        let inner = self
            .inner
            .take()
            .ok_or_else(|| js_error(ErrorCode::Finished, "this quantizer has already finished"))?;
        inner.finish().map_err(js_err)
    }
}

/// Receives a quantized model file chunk by chunk (as it streams from the network or the
/// Cache API) and builds the model from it. Each tensor is moved into the model, so wasm memory
/// peaks near one copy of the file, not two.
#[wasm_bindgen]
pub struct WasmLoader {
    inner: Option<crate::StreamingLoader>,
}

#[wasm_bindgen]
impl WasmLoader {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)] // a JS constructor, not a Rust API
    pub fn new() -> WasmLoader {
        Self {
            inner: Some(crate::StreamingLoader::new()),
        }
    }

    fn state(&mut self) -> Result<&mut crate::StreamingLoader, JsValue> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error(ErrorCode::Finished, "this loader has already finished"))
    }

    /// Appends the next chunk of the file. Errors early on a file that is not a gamjeong
    /// quantized file (or from a newer format version).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        let r = self.state()?.push(chunk).map_err(js_err);
        if r.is_err() {
            // A failed stream cannot be resumed; free what it holds now.
            self.inner = None;
        }
        r
    }

    /// Bytes received so far.
    pub fn received(&mut self) -> Result<usize, JsValue> {
        Ok(self.state()?.received())
    }

    /// File size once its header has arrived, else `undefined`.
    #[wasm_bindgen(js_name = expectedLength)]
    pub fn expected_len(&mut self) -> Result<Option<usize>, JsValue> {
        Ok(self.state()?.expected_len())
    }

    /// Verifies the checksum and builds the classifier; errors on a truncated or corrupted file.
    pub fn finish(&mut self) -> Result<WasmClassifier, JsValue> {
        let inner = self
            .inner
            .take()
            .ok_or_else(|| js_error(ErrorCode::Finished, "this loader has already finished"))?;
        let quant = inner.quant().unwrap_or_default().to_owned();
        Ok(WasmClassifier {
            inner: inner.finish().map_err(js_err)?,
            quant,
        })
    }
}
