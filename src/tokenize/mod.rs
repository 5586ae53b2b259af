//! The model's own `tokenizer.json` (for KLUE: WordPiece, no lower-casing, no accent
//! stripping), with truncation pinned to the model's position table; for a repo without one,
//! the `tokenizer.json` BERT's WordPiece makes from `vocab.txt` ([`wordpiece`]).

mod wordpiece;

pub use wordpiece::{tokenizer_json_from_vocab, tokenizer_json_from_vocab_files};

use crate::error::{Error, Result};
use std::ops::Range;
use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

/// Token ids of one text, ready for the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// True when the text had more tokens than the model accepts and was cut.
    pub truncated: bool,
}

pub struct TextEncoder {
    tokenizer: Tokenizer,
    pad_id: u32,
}

impl TextEncoder {
    /// `max_len` counts the special tokens too (`[CLS] … [SEP]`), like transformers'
    /// `max_length`, and is lowered to the file's own truncation length when it has one
    /// (the `model_max_length` of a tokenizer built from `vocab.txt`); `fallback_pad_id` is
    /// used when the tokenizer has no `[PAD]`.
    pub fn from_json(json: &[u8], max_len: usize, fallback_pad_id: u32) -> Result<Self> {
        let mut tokenizer =
            Tokenizer::from_bytes(json).map_err(|e| Error::TokenizerLoad(e.to_string()))?;
        let max_len = tokenizer
            .get_truncation()
            .map_or(max_len, |t| t.max_length.min(max_len));
        // Padding is ours to do per batch; the file's own settings would pad single texts.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| Error::TokenizerLoad(e.to_string()))?;
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(fallback_pad_id);
        Ok(Self { tokenizer, pad_id })
    }

    pub fn encode(&self, text: &str) -> Result<Encoded> {
        Ok(encoded(&self.tokenize(text)?))
    }

    /// [`encode`](Self::encode) plus each token's byte range in `text` (`None` for the
    /// special tokens `[CLS]`, `[SEP]`): tokenizers 0.23's `encode` reports byte offsets
    /// into the original text (`encode_char_offsets` would count chars).
    pub fn encode_with_spans(&self, text: &str) -> Result<(Encoded, Vec<Option<Range<usize>>>)> {
        let encoding = self.tokenize(text)?;
        let spans = encoding
            .get_offsets()
            .iter()
            .zip(encoding.get_special_tokens_mask())
            .map(|(&(start, end), &special)| (special == 0 && start < end).then_some(start..end))
            .collect();
        Ok((encoded(&encoding), spans))
    }

    fn tokenize(&self, text: &str) -> Result<Encoding> {
        self.tokenizer
            .encode(text, true)
            .map_err(|e| Error::Tokenize(e.to_string()))
    }

    /// Id of `token` in the vocabulary (added tokens included).
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.tokenizer.token_to_id(token)
    }

    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// Ids of the special tokens (`added_tokens` with `special: true`), ascending.
    pub fn special_token_ids(&self) -> Vec<usize> {
        let mut ids: Vec<usize> = self
            .tokenizer
            .get_added_tokens_decoder()
            .into_iter()
            .filter(|(_, t)| t.special)
            .map(|(id, _)| id as usize)
            .collect();
        ids.sort_unstable();
        ids
    }
}

fn encoded(encoding: &Encoding) -> Encoded {
    Encoded {
        ids: encoding.get_ids().to_vec(),
        type_ids: encoding.get_type_ids().to_vec(),
        truncated: !encoding.get_overflowing().is_empty(),
    }
}

/// A model folder's tokenizer as `tokenizer.json` bytes: its `tokenizer.json`, else the one
/// built from `vocab.txt` (+ `tokenizer_config.json`, `special_tokens_map.json`). A SentencePiece-only folder, or one
/// with neither, is an error naming what it holds.
#[cfg(not(target_arch = "wasm32"))]
pub fn tokenizer_json_in_dir(dir: &std::path::Path) -> Result<Vec<u8>> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|source| Error::Io { path, source })
    };
    let json = dir.join("tokenizer.json");
    if json.is_file() {
        return read("tokenizer.json");
    }
    if dir.join("vocab.txt").is_file() {
        let text = |name: &str| {
            String::from_utf8(read(name)?)
                .map_err(|_| Error::TokenizerLoad(format!("{name} is not UTF-8")))
        };
        let optional = |name: &str| match dir.join(name).is_file() {
            true => text(name).map(Some),
            false => Ok(None),
        };
        let config = optional("tokenizer_config.json")?;
        let map = optional("special_tokens_map.json")?;
        return tokenizer_json_from_vocab_files(
            &text("vocab.txt")?,
            config.as_deref(),
            map.as_deref(),
        )
        .map(String::into_bytes);
    }
    // The files of a SentencePiece tokenizer, read only through a tokenizer.json.
    let sentencepiece = ["spiece.model", "sentencepiece.bpe.model"];
    if let Some(found) = sentencepiece.iter().find(|f| dir.join(f).is_file()) {
        return Err(unsupported_sentencepiece(found));
    }
    read("tokenizer.json")
}

/// A repo whose tokenizer is only a SentencePiece model (`found`).
pub fn unsupported_sentencepiece(found: &str) -> Error {
    Error::UnsupportedModel(format!(
        "the tokenizer is a SentencePiece model ({found}) without a tokenizer.json; supported \
         tokenizers: a tokenizer.json, or a WordPiece vocab.txt (with tokenizer_config.json)"
    ))
}
