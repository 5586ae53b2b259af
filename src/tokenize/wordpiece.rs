//! The tokenizer of a repo without `tokenizer.json`: BERT's WordPiece built from `vocab.txt`
//! and `tokenizer_config.json`, as transformers' `BertTokenizer` builds it (the `tokenizers`
//! crate's own normalizer, pre-tokenizer, model and post-processor). The result is written
//! as a `tokenizer.json`, so everything downstream (the quantized file's metadata, the
//! browser's loader) takes one kind of tokenizer.

use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer, TruncationParams};

/// `tokenizer_config.json`'s fields that shape a BERT tokenizer, with `BertTokenizer`'s
/// defaults (lower-casing on when the file does not say).
#[derive(Deserialize)]
struct BertTokenizerConfig {
    #[serde(default = "yes")]
    do_lower_case: bool,
    #[serde(default)]
    strip_accents: Option<bool>,
    #[serde(default = "yes")]
    tokenize_chinese_chars: bool,
    #[serde(default)]
    unk_token: Option<Value>,
    #[serde(default)]
    sep_token: Option<Value>,
    #[serde(default)]
    pad_token: Option<Value>,
    #[serde(default)]
    cls_token: Option<Value>,
    #[serde(default)]
    mask_token: Option<Value>,
    #[serde(default)]
    model_max_length: Option<f64>,
    /// transformers ≥ 4.34 lists every added token here, keyed by id; without it (older
    /// files) transformers reads `special_tokens_map.json` instead.
    #[serde(default)]
    added_tokens_decoder: Option<BTreeMap<String, AddedTokenEntry>>,
}

impl BertTokenizerConfig {
    /// `special_tokens_map.json` over this config, as transformers 5 reads it: only when the
    /// config has no `added_tokens_decoder`, and then each special token the map names
    /// replaces the config's (a string or `{"content": …}`, like the config's own).
    fn with_special_tokens_map(mut self, map: &str) -> Result<Self> {
        if self.added_tokens_decoder.is_some() {
            return Ok(self);
        }
        let mut map: BTreeMap<String, Value> =
            serde_json::from_str(map).map_err(|e| bad(format!("special_tokens_map.json: {e}")))?;
        for (key, slot) in [
            ("unk_token", &mut self.unk_token),
            ("sep_token", &mut self.sep_token),
            ("pad_token", &mut self.pad_token),
            ("cls_token", &mut self.cls_token),
            ("mask_token", &mut self.mask_token),
        ] {
            if let Some(value) = map.remove(key) {
                *slot = Some(value);
            }
        }
        Ok(self)
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct AddedTokenEntry {
    content: String,
    #[serde(default)]
    lstrip: bool,
    #[serde(default)]
    rstrip: bool,
    #[serde(default)]
    single_word: bool,
    #[serde(default = "yes")]
    normalized: bool,
    #[serde(default)]
    special: bool,
}

/// A special token is a string or, in older files, `{"content": "[CLS]", …}`.
fn token_name(value: &Option<Value>, default: &str) -> Result<String> {
    match value {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Object(o)) => match o.get("content") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(bad(format!("a special token without `content`: {value:?}"))),
        },
        Some(other) => Err(bad(format!(
            "a special token that is not a string: {other}"
        ))),
    }
}

fn bad(message: String) -> Error {
    Error::TokenizerLoad(format!("vocab.txt / tokenizer_config.json: {message}"))
}

/// `vocab.txt` as transformers' `load_vocab` reads it: a token per line (Python's universal
/// newlines: `\n`, `\r\n` or `\r`), the line number its id, a repeated token keeping its
/// last line.
fn read_vocab(vocab_txt: &str) -> ahash::AHashMap<String, u32> {
    let text = vocab_txt.replace("\r\n", "\n").replace('\r', "\n");
    if text.is_empty() {
        return ahash::AHashMap::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(&text);
    body.split('\n')
        .enumerate()
        .map(|(i, token)| (token.to_owned(), i as u32))
        .collect()
}

/// The `tokenizer.json` transformers' `BertTokenizer` builds from `vocab.txt` and
/// `tokenizer_config.json` (`None`: the file is absent, every setting its default).
/// Truncation is set to `model_max_length` when the config states a real one.
pub fn tokenizer_json_from_vocab(
    vocab_txt: &str,
    tokenizer_config: Option<&str>,
) -> Result<String> {
    tokenizer_json_from_vocab_files(vocab_txt, tokenizer_config, None)
}

/// [`tokenizer_json_from_vocab`] with the repo's `special_tokens_map.json` too (when it has
/// one), which names the special tokens of older repos whose `tokenizer_config.json` has no
/// `added_tokens_decoder`.
pub fn tokenizer_json_from_vocab_files(
    vocab_txt: &str,
    tokenizer_config: Option<&str>,
    special_tokens_map: Option<&str>,
) -> Result<String> {
    let mut config: BertTokenizerConfig = serde_json::from_str(tokenizer_config.unwrap_or("{}"))
        .map_err(|e| bad(format!("tokenizer_config.json: {e}")))?;
    if let Some(map) = special_tokens_map {
        config = config.with_special_tokens_map(map)?;
    }
    let vocab = read_vocab(vocab_txt);
    if vocab.is_empty() {
        return Err(bad("vocab.txt is empty".into()));
    }
    let unk = token_name(&config.unk_token, "[UNK]")?;
    let sep = token_name(&config.sep_token, "[SEP]")?;
    let pad = token_name(&config.pad_token, "[PAD]")?;
    let cls = token_name(&config.cls_token, "[CLS]")?;
    let mask = token_name(&config.mask_token, "[MASK]")?;

    let model = WordPiece::builder()
        .vocab(vocab)
        .unk_token(unk.clone())
        .continuing_subword_prefix("##".into())
        .max_input_chars_per_word(100)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let mut tokenizer = Tokenizer::new(model);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(
            true,
            config.tokenize_chinese_chars,
            config.strip_accents,
            config.do_lower_case,
        )))
        .map_err(|e| bad(e.to_string()))?;
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    tokenizer.with_decoder(Some(WordPieceDecoder::default()));

    // The added tokens the config lists (in id order), then the five special tokens, as
    // transformers adds them; each keeps its vocab.txt id when it has one.
    let mut listed: Vec<(u32, AddedTokenEntry)> = config
        .added_tokens_decoder
        .unwrap_or_default()
        .into_iter()
        .map(|(id, t)| {
            id.parse::<u32>()
                .map(|id| (id, t))
                .map_err(|_| bad(format!("added_tokens_decoder key `{id}` is not an id")))
        })
        .collect::<Result<_>>()?;
    listed.sort_by_key(|(id, _)| *id);
    for (id, t) in listed {
        let token = AddedToken::from(t.content.clone(), t.special)
            .lstrip(t.lstrip)
            .rstrip(t.rstrip)
            .single_word(t.single_word)
            .normalized(t.normalized);
        tokenizer
            .add_tokens(vec![token])
            .map_err(|e| bad(e.to_string()))?;
        let got = tokenizer.token_to_id(&t.content);
        if got != Some(id) {
            return Err(bad(format!(
                "added token `{}` is listed with id {id} but vocab.txt gives it {got:?}",
                t.content
            )));
        }
    }
    let specials = [&pad, &unk, &cls, &sep, &mask]
        .into_iter()
        .map(|t| AddedToken::from(t.as_str(), true));
    tokenizer
        .add_special_tokens(specials)
        .map_err(|e| bad(e.to_string()))?;

    let id_of = |t: &str| {
        tokenizer
            .token_to_id(t)
            .ok_or_else(|| bad(format!("`{t}` has no id")))
    };
    let processor = TemplateProcessing::builder()
        .try_single(format!("{cls}:0 $A:0 {sep}:0"))
        .and_then(|b| b.try_pair(format!("{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1")))
        .map_err(|e| bad(e.to_string()))?
        .special_tokens(vec![
            (cls.clone(), id_of(&cls)?),
            (sep.clone(), id_of(&sep)?),
        ])
        .build()
        .map_err(|e| bad(e.to_string()))?;
    tokenizer.with_post_processor(Some(processor));

    // transformers writes 1e30 ("no limit") when a checkpoint states none.
    if let Some(max) = config
        .model_max_length
        .filter(|m| (2.0..1e9).contains(m))
        .map(|m| m as usize)
    {
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max,
                ..Default::default()
            }))
            .map_err(|e| bad(e.to_string()))?;
    }
    tokenizer.to_string(false).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{read_vocab, tokenizer_json_from_vocab_files};

    #[test]
    fn special_tokens_map_counts_only_without_added_tokens_decoder() {
        let vocab = "<pad>\n<unk>\n<s>\n</s>\n<mask>\n[CLS]\n[SEP]\n[PAD]\n[UNK]\n[MASK]\na\n";
        let map = r#"{"cls_token": "<s>", "sep_token": {"content": "</s>"}, "pad_token": "<pad>",
            "unk_token": "<unk>", "mask_token": "<mask>", "bos_token": "<s>"}"#;
        let cls_of = |config: Option<&str>| {
            let json = tokenizer_json_from_vocab_files(vocab, config, Some(map)).unwrap();
            let t = tokenizers::Tokenizer::from_bytes(json.as_bytes()).unwrap();
            t.encode("a", true).unwrap().get_ids().to_vec()
        };
        assert_eq!(cls_of(None), [2, 10, 3]);
        // The map replaces what tokenizer_config.json says…
        assert_eq!(cls_of(Some(r#"{"cls_token": "[CLS]"}"#)), [2, 10, 3]);
        // …unless it lists its added tokens (transformers ≥ 4.34): then the map is not read.
        let listed = r#"{"cls_token": "[CLS]", "sep_token": "[SEP]", "added_tokens_decoder": {}}"#;
        assert_eq!(cls_of(Some(listed)), [5, 10, 6]);
        let err = tokenizer_json_from_vocab_files(vocab, None, Some("[1]")).unwrap_err();
        assert!(err.to_string().contains("special_tokens_map.json"), "{err}");
    }

    #[test]
    fn vocab_lines_as_python_reads_them() {
        let v = read_vocab("[PAD]\r\na\rb\nb\n\n##c");
        assert_eq!(v["[PAD]"], 0);
        assert_eq!(v["a"], 1);
        // A repeated token keeps its last line; an empty line is a token too.
        assert_eq!(v["b"], 3);
        assert_eq!(v[""], 4);
        assert_eq!(v["##c"], 5);
        assert_eq!(read_vocab("x\n").len(), 1);
    }
}
