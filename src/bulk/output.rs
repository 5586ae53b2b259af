//! The output files, written the same way by the CLI and the browser (so a page's download
//! equals the CLI's file byte for byte): CSV (UTF-8 with a BOM, CRLF, RFC 4180 quoting) and
//! JSON Lines. Columns: the input's, then `label`, `score`, `group` (60-emotion models),
//! `low_confidence`, `skipped`, and with all scores one `score_<label>` per class.

use super::record::{json_as_text, Values};
use super::table::Table;
use super::window::Done;
use crate::classifier::ScoreFn;
use crate::labels::LabelInfo;
use std::borrow::Cow;

/// Below this top-1 score a row is marked `low_confidence`: the model itself then puts the
/// odds against its label (for a softmax, the other classes together are likelier).
pub const DEFAULT_LOW_CONFIDENCE: f32 = 0.5;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// The output columns of one run: the input's and the model's.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Input columns as read (the keys of a JSONL file's first object for JSONL).
    input: Vec<String>,
    /// Input columns as written: renamed `input_<name>` where they would clash with ours.
    input_out: Vec<String>,
    labels: Vec<String>,
    groups: Option<Vec<&'static str>>,
    /// Whether `low_confidence` means something (not for a regression head's raw values).
    confidence: bool,
    threshold: f32,
    all_scores: bool,
    ours: Vec<String>,
}

impl Schema {
    pub fn new(
        table: &Table,
        labels: &[LabelInfo],
        score_fn: ScoreFn,
        threshold: f32,
        all_scores: bool,
    ) -> Self {
        let groups: Option<Vec<&'static str>> = labels.iter().map(|l| l.group).collect();
        let groups = groups.filter(|g| !g.is_empty());
        let mut ours: Vec<String> = ["label", "score"].map(str::to_owned).to_vec();
        if groups.is_some() {
            ours.push("group".into());
        }
        ours.extend(["low_confidence", "skipped"].map(str::to_owned));
        if all_scores {
            ours.extend(labels.iter().map(|l| format!("score_{}", l.label)));
        }
        let input_out = table.columns.iter().map(|c| rename(c, &ours)).collect();
        Self {
            input: table.columns.clone(),
            input_out,
            labels: labels.iter().map(|l| l.label.clone()).collect(),
            groups,
            confidence: score_fn != ScoreFn::None,
            threshold,
            all_scores,
            ours,
        }
    }

    /// Output column names, in order.
    pub fn columns(&self) -> Vec<String> {
        self.input_out.iter().chain(&self.ours).cloned().collect()
    }

    /// The CSV file's start: a BOM (so Excel reads UTF-8 Korean) and the header row.
    pub fn csv_header(&self, out: &mut Vec<u8>) -> crate::Result<()> {
        out.extend_from_slice(UTF8_BOM);
        let mut w = csv_writer(out);
        w.write_record(self.columns()).map_err(write_error)?;
        w.flush().map_err(write_error)
    }

    pub fn csv_rows(&self, rows: &[Done], out: &mut Vec<u8>) -> crate::Result<()> {
        let mut w = csv_writer(out);
        for done in rows {
            let input = self.input_cells(done);
            let ours = self.cells(done).map(|c| match c {
                Cell::Null => Cow::Borrowed(""),
                Cell::Text(t) => Cow::Borrowed(t),
                Cell::Number(n) => Cow::Owned(n),
                Cell::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
            });
            let record: Vec<Cow<str>> = input.into_iter().chain(ours).collect();
            w.write_record(record.iter().map(|c| c.as_bytes()))
                .map_err(write_error)?;
        }
        w.flush().map_err(write_error)
    }

    pub fn jsonl_rows(&self, rows: &[Done], out: &mut Vec<u8>) -> crate::Result<()> {
        for done in rows {
            out.push(b'{');
            let mut first = true;
            let mut key = |out: &mut Vec<u8>, k: &str| -> crate::Result<()> {
                if !first {
                    out.push(b',');
                }
                first = false;
                json_string(out, k)?;
                out.push(b':');
                Ok(())
            };
            match &done.row.values {
                Values::Strings(v) => {
                    for (name, value) in self.input_out.iter().zip(v) {
                        key(out, name)?;
                        json_string(out, value)?;
                    }
                }
                Values::Json(fields) => {
                    for (name, raw) in fields {
                        key(out, &rename(name, &self.ours))?;
                        out.extend_from_slice(raw.get().as_bytes());
                    }
                }
            }
            for (name, cell) in self.ours.iter().zip(self.cells(done)) {
                key(out, name)?;
                match cell {
                    Cell::Null => out.extend_from_slice(b"null"),
                    Cell::Text(t) => json_string(out, t)?,
                    Cell::Number(n) => out.extend_from_slice(n.as_bytes()),
                    Cell::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
                }
            }
            out.extend_from_slice(b"}\n");
        }
        Ok(())
    }

    /// A row's input cells, one per input column (JSONL values as in [`json_as_text`]).
    pub fn input_cells<'a>(&self, done: &'a Done) -> Vec<Cow<'a, str>> {
        match &done.row.values {
            Values::Strings(v) => v.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
            Values::Json(fields) => self
                .input
                .iter()
                .map(|key| {
                    let raw = fields.iter().find(|(k, _)| k == key);
                    Cow::Owned(raw.map(|(_, v)| json_as_text(v)).unwrap_or_default())
                })
                .collect(),
        }
    }

    /// A row's result as the output columns give it.
    pub fn result<'a>(&'a self, done: &'a Done) -> RowResult<'a> {
        let top = done.top.filter(|&(i, _)| i < self.labels.len());
        RowResult {
            label: top.map(|(i, _)| self.labels[i].as_str()),
            score: top.map(|(_, s)| s),
            group: self.groups.as_ref().zip(top).map(|(g, (i, _))| g[i]),
            low_confidence: top
                .filter(|_| self.confidence)
                .map(|(_, s)| s < self.threshold),
            skipped: done.row.skip.map(|s| s.as_str()),
            scores: done.scores.as_deref().filter(|_| top.is_some()),
        }
    }

    /// A row's values of our columns, in `ours` order.
    fn cells<'a>(&'a self, done: &'a Done) -> impl Iterator<Item = Cell<'a>> + 'a {
        let r = self.result(done);
        let text = |t: Option<&'a str>| t.map_or(Cell::Null, Cell::Text);
        let group = self.groups.as_ref().map(|_| text(r.group));
        let scores = self.all_scores.then(move || {
            (0..self.labels.len()).map(move |i| {
                r.scores
                    .and_then(|v| v.get(i))
                    .map_or(Cell::Null, |&s| number(s))
            })
        });
        [text(r.label), r.score.map_or(Cell::Null, number)]
            .into_iter()
            .chain(group)
            .chain([
                r.low_confidence.map_or(Cell::Null, Cell::Bool),
                text(r.skipped),
            ])
            .chain(scores.into_iter().flatten())
    }
}

/// A row's result: all `None` for a skipped row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowResult<'a> {
    pub label: Option<&'a str>,
    pub score: Option<f32>,
    /// The label's group, for a 60-emotion model.
    pub group: Option<&'static str>,
    pub low_confidence: Option<bool>,
    pub skipped: Option<&'static str>,
    /// Every class's score in class-index order (with all scores asked for).
    pub scores: Option<&'a [f32]>,
}

enum Cell<'a> {
    Null,
    Text(&'a str),
    Number(String),
    Bool(bool),
}

/// An f32 as the shortest text that reads back to it (the same in CSV and JSON); NaN and
/// infinities have no JSON number: null.
fn number(x: f32) -> Cell<'static> {
    if x.is_finite() {
        // serde_json writes finite floats with ryu and cannot fail on them.
        serde_json::to_string(&x).map_or(Cell::Null, Cell::Number)
    } else {
        Cell::Null
    }
}

/// `name`, or `input_<name>` (repeatedly) while it clashes with one of our columns.
fn rename(name: &str, ours: &[String]) -> String {
    let mut out = name.to_owned();
    while ours.iter().any(|o| *o == out) {
        out.insert_str(0, "input_");
    }
    out
}

fn write_error(e: impl std::fmt::Display) -> crate::Error {
    crate::Error::InvalidInput(format!("cannot write the output: {e}"))
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(out)
}

fn json_string(out: &mut Vec<u8>, s: &str) -> crate::Result<()> {
    serde_json::to_writer(out, s).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_input_columns_that_clash() {
        let ours = vec!["label".to_owned(), "score".to_owned()];
        assert_eq!(rename("label", &ours), "input_label");
        assert_eq!(rename("text", &ours), "text");
    }

    #[test]
    fn numbers_are_shortest_round_trip() {
        for x in [0.1f32, 1e-7, 0.99999994, 0.0] {
            let Cell::Number(s) = number(x) else { panic!() };
            assert_eq!(s.parse::<f32>().unwrap(), x);
        }
        assert!(matches!(number(f32::NAN), Cell::Null));
    }
}
