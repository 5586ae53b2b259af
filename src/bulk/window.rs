//! Classifying rows in batches of similar length: rows are gathered into a window of at most
//! [`WINDOW_ROWS`] rows (and [`WINDOW_BYTES`] of text), which is sorted by token count and
//! classified a few rows at a time; the window's rows leave in input order once all are done.
//! Padding is small and memory is bounded by the window, whatever the file's size.

use super::error::{BulkError, InputError, Result};
use super::table::Row;
use crate::Classifier;

pub const WINDOW_ROWS: usize = 256;
pub const WINDOW_BYTES: usize = 4 << 20;

/// A text longer than this many bytes is tokenized from a prefix: see [`model_prefix`].
pub const PREFIX_BYTES: usize = 16 << 10;
/// The longest prefix tried for a text without whitespace.
pub const MAX_PREFIX_BYTES: usize = 1 << 20;

/// A row with its result.
#[derive(Debug, Clone)]
pub struct Done {
    pub row: Row,
    /// `(class index, score)` of the top class; `None` for a skipped row.
    pub top: Option<(usize, f32)>,
    /// Every class's score in class-index order, when asked for.
    pub scores: Option<Vec<f32>>,
}

#[derive(Default)]
pub(crate) struct Window {
    rows: Vec<Row>,
    results: Vec<Option<(usize, f32, Option<Vec<f32>>)>>,
    /// `(row, bytes of its text the model reads)` of the rows to classify, shortest first.
    todo: Vec<(usize, usize)>,
    next: usize,
    sealed: bool,
    bytes: usize,
}

impl Window {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_full(&self) -> bool {
        self.rows.len() >= WINDOW_ROWS || self.bytes >= WINDOW_BYTES
    }

    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    pub fn push(&mut self, row: Row) {
        debug_assert!(!self.sealed);
        self.bytes += row.text.len();
        self.rows.push(row);
        self.results.push(None);
    }

    /// Orders the rows to classify by token count (ties by input order).
    pub fn seal(&mut self, model: &Classifier) -> Result<()> {
        let mut todo = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            if row.skip.is_none() {
                let (len, tokens) =
                    model_prefix(model, &row.text).map_err(|e| at_line(row.line, e))?;
                todo.push((tokens, i, len));
            }
        }
        todo.sort_unstable();
        self.todo = todo.into_iter().map(|(_, i, len)| (i, len)).collect();
        self.sealed = true;
        Ok(())
    }

    /// Classifies up to `max_rows` of the sealed window's rows; returns how many.
    pub fn step(&mut self, model: &Classifier, max_rows: usize, all_scores: bool) -> Result<usize> {
        let batch = &self.todo[self.next..(self.next + max_rows.max(1)).min(self.todo.len())];
        if batch.is_empty() {
            return Ok(0);
        }
        let texts: Vec<&str> = batch
            .iter()
            .map(|&(i, len)| &self.rows[i].text[..len])
            .collect();
        let results = match model.classify_batch(&texts) {
            Ok(r) => r,
            Err(e) => return Err(self.blame(model, batch, e)),
        };
        for (&(i, _), c) in batch.iter().zip(results) {
            let top = c.scores.first().map(|s| (s.index, s.score));
            let scores = all_scores.then(|| {
                let mut v = vec![0.0; c.scores.len()];
                for s in &c.scores {
                    v[s.index] = s.score;
                }
                v
            });
            self.results[i] = top.map(|(index, score)| (index, score, scores));
        }
        self.next += batch.len();
        Ok(batch.len())
    }

    pub fn is_done(&self) -> bool {
        self.sealed && self.next == self.todo.len()
    }

    /// The finished rows in input order; the window is empty again.
    pub fn take(&mut self) -> Vec<Done> {
        let done = std::mem::take(&mut self.rows)
            .into_iter()
            .zip(std::mem::take(&mut self.results))
            .map(|(row, result)| {
                let (top, scores) = match result {
                    Some((index, score, scores)) => (Some((index, score)), scores),
                    None => (None, None),
                };
                Done { row, top, scores }
            })
            .collect();
        *self = Window::default();
        done
    }

    /// A batch failed: the line of the row that fails alone, if one does.
    fn blame(&self, model: &Classifier, batch: &[(usize, usize)], e: crate::Error) -> BulkError {
        for &(i, len) in batch {
            let row = &self.rows[i];
            if let Err(e) = model.classify(&row.text[..len]) {
                return at_line(row.line, e);
            }
        }
        BulkError::Model(e)
    }
}

/// A model error on one row's text as an input error naming its line (a text the tokenizer
/// rejects), or as it is (a model that cannot run).
fn at_line(line: u64, e: crate::Error) -> BulkError {
    match e {
        crate::Error::Tokenize(msg) | crate::Error::InvalidInput(msg) => {
            InputError::at(line, format!("cannot tokenize this text: {msg}")).into()
        }
        e => BulkError::Model(e),
    }
}

/// How many bytes of `text` the model needs, and their token count. The model reads at most
/// its position table's tokens, so a long text is tokenized from a prefix cut before an ASCII
/// space (where every tokenizer family here splits words: WordPiece, byte-level BPE and
/// SentencePiece's metaspace alike, while some Unicode spaces are dropped by BERT's
/// normalizer and would join two words), grown until its tokens overflow the table: the
/// tokens the model reads are then those of the whole text. (Tokenizing a 10 MB line whole
/// would cost memory for millions of tokens to keep 512.) Past [`MAX_PREFIX_BYTES`] without
/// such a cut, the text is cut there, inside a word.
pub(crate) fn model_prefix(model: &Classifier, text: &str) -> crate::Result<(usize, usize)> {
    let mut budget = PREFIX_BYTES;
    loop {
        if text.len() <= budget {
            return Ok((text.len(), model.encode(text)?.ids.len()));
        }
        let end = floor_char_boundary(text, budget);
        if let Some(cut) = text[..end].rfind(' ').filter(|&at| at > 0) {
            let encoded = model.encode(&text[..cut])?;
            if encoded.truncated {
                return Ok((cut, encoded.ids.len()));
            }
        }
        if budget >= MAX_PREFIX_BYTES {
            return Ok((end, model.encode(&text[..end])?.ids.len()));
        }
        budget *= 4;
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
