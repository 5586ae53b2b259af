//! Why this label: word-level feature ablation. A word's score for label L is
//! `p(L | text) − p(L | text with every token of the word replaced by [MASK])`, every other
//! token and position unchanged (Captum's `FeatureAblation` with a `[MASK]` baseline). The text
//! and its masked copies go through the classifier's batch path together.

use crate::classifier::Classifier;
use crate::error::{Error, Result};
use crate::tokenize::Encoded;
use serde::Serialize;
use std::ops::Range;

/// The mask token the ablation substitutes (BERT vocabularies).
pub const MASK_TOKEN: &str = "[MASK]";

/// The explanation of one label for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub label: String,
    pub index: usize,
    /// The label's score for the text, as `classify` gives it (p(label | text)).
    pub prob: f32,
    /// Tokens fed to the model, `[CLS]` and `[SEP]` included.
    pub tokens: usize,
    pub truncated: bool,
    /// Every word of the text, in order.
    pub words: Vec<WordScore>,
}

/// A maximal run of non-whitespace characters (`char::is_whitespace`) and its effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordScore {
    pub text: String,
    /// Offsets in Unicode scalar values: `text.chars().skip(start).take(end - start)` is the word.
    pub start: usize,
    pub end: usize,
    /// Ids of the model tokens inside the word (empty past the truncation).
    pub tokens: Vec<u32>,
    /// p(label | text) − p(label | word masked); `None` for a word past the truncation. A word
    /// the tokenizer drops entirely (e.g. only control characters) masks nothing: 0.
    pub score: Option<f32>,
}

/// A word's place in the text, in bytes and in chars.
struct Word {
    bytes: Range<usize>,
    chars: Range<usize>,
}

/// Maximal runs of non-whitespace characters, in one pass.
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    let mut chars = 0;
    for (byte, ch) in text.char_indices() {
        match (ch.is_whitespace(), open) {
            (false, None) => open = Some((byte, chars)),
            (true, Some((b, c))) => {
                out.push(Word {
                    bytes: b..byte,
                    chars: c..chars,
                });
                open = None;
            }
            _ => {}
        }
        chars += 1;
    }
    if let Some((b, c)) = open {
        out.push(Word {
            bytes: b..text.len(),
            chars: c..chars,
        });
    }
    out
}

/// For each word, the positions of the tokens whose byte range overlaps it (a token belongs
/// to the first word it overlaps). Tokens come in text order, so this is one merge pass.
fn token_positions(words: &[Word], spans: &[Option<Range<usize>>]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); words.len()];
    for (pos, span) in spans.iter().enumerate() {
        let Some(span) = span else { continue };
        let w = words.partition_point(|w| w.bytes.end <= span.start);
        if w < words.len() && words[w].bytes.start < span.end {
            out[w].push(pos);
        }
    }
    out
}

impl Classifier {
    /// Scores every word of `text` for `label` (`None`: the most probable label). The text is
    /// tokenized once; the text and one copy per word inside the model's token limit (its
    /// tokens → `[MASK]`) are classified in one batch.
    pub fn explain(&self, text: &str, label: Option<usize>) -> Result<Explanation> {
        let n_labels = self.labels().len();
        if n_labels == 0 {
            return Err(Error::NoClassifier);
        }
        if let Some(l) = label.filter(|&l| l >= n_labels) {
            return Err(Error::InvalidInput(format!(
                "label index {l} is out of range: this model has {n_labels} labels"
            )));
        }
        let mask = self
            .encoder()
            .token_id(MASK_TOKEN)
            .ok_or(Error::NoMaskToken(MASK_TOKEN))?;
        let (encoded, spans) = self.encoder().encode_with_spans(text)?;
        let words = words(text);
        let positions = token_positions(&words, &spans);
        // Words past the truncation have no tokens left; they start at or after the end of the
        // last kept token.
        let kept_end = spans.iter().flatten().map(|s| s.end).max().unwrap_or(0);

        let mut rows = vec![encoded.clone()];
        rows.extend(positions.iter().filter(|p| !p.is_empty()).map(|p| {
            let mut ids = encoded.ids.clone();
            for &i in p {
                ids[i] = mask;
            }
            Encoded {
                ids,
                type_ids: encoded.type_ids.clone(),
                truncated: encoded.truncated,
            }
        }));
        // The label's score as `classify` gives it: a softmax, or each label's own sigmoid for
        // a multi-label model (a softmax there would explain a number nobody is shown).
        let score_fn = self.score_fn();
        let probs: Vec<Vec<f32>> = self
            .logits_of(&rows)?
            .iter()
            .map(|l| score_fn.apply(l))
            .collect();
        let base = &probs[0];
        let index = label.unwrap_or_else(|| {
            // Highest probability, lowest index on ties (as `classify` sorts).
            (0..base.len()).fold(0, |best, i| if base[i] > base[best] { i } else { best })
        });
        let mut masked = probs[1..].iter();
        let words = words
            .iter()
            .zip(&positions)
            .map(|(w, p)| {
                let score = if !p.is_empty() {
                    masked.next().map(|m| base[index] - m[index])
                } else if encoded.truncated && w.bytes.start >= kept_end {
                    None
                } else {
                    Some(0.0)
                };
                WordScore {
                    text: text[w.bytes.clone()].to_string(),
                    start: w.chars.start,
                    end: w.chars.end,
                    tokens: p.iter().map(|&i| encoded.ids[i]).collect(),
                    score,
                }
            })
            .collect();
        Ok(Explanation {
            label: self.labels()[index].label.clone(),
            index,
            prob: base[index],
            tokens: encoded.ids.len(),
            truncated: encoded.truncated,
            words,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(&str, Range<usize>)> {
        words(text)
            .into_iter()
            .map(|w| (&text[w.bytes], w.chars))
            .collect()
    }

    #[test]
    fn words_are_runs_of_non_whitespace() {
        assert!(spans("").is_empty());
        assert!(spans(" \t\n\u{3000} ").is_empty());
        assert_eq!(
            spans(" 오늘  😀a\t韓國語\n"),
            vec![("오늘", 1..3), ("😀a", 5..7), ("韓國語", 8..11)]
        );
    }

    #[test]
    fn tokens_go_to_the_word_they_overlap() {
        let w = words("ab  cd e");
        // [CLS], "ab", "c", "d", a token spanning the space before "e" (Metaspace-like), [SEP]
        let s = vec![None, Some(0..2), Some(4..5), Some(5..6), Some(6..8), None];
        assert_eq!(token_positions(&w, &s), vec![vec![1], vec![2, 3], vec![4]]);
    }
}
