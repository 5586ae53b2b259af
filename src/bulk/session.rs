//! One run over one file: bytes in (any chunking), rows out in input order with their
//! labels. The CLI and the browser drive the same `Session`:
//!
//! ```text
//! for chunk in file { session.push(chunk)?; while session.step(&model, n)? > 0 { write(session.drain()) } }
//! session.finish_input()?; while session.step(&model, n)? > 0 { write(session.drain()) }
//! ```

use super::error::{InputError, Result};
use super::output::{Schema, DEFAULT_LOW_CONFIDENCE};
use super::parser::{detect, Parser};
use super::record::{Record, Values};
use super::summary::{Counter, Summary};
use super::table::{Row, Table};
use super::window::{Done, Window};
use super::Format;
use crate::classifier::ScoreFn;
use crate::labels::LabelInfo;
use crate::Classifier;
use std::collections::VecDeque;

/// How to read a file and what to write for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub format: Format,
    /// The file's name, for `Format::Auto` (by its extension).
    pub file_name: Option<String>,
    /// The text column of a CSV, TSV or JSONL file (default: `text`, or the only column).
    pub column: Option<String>,
    /// One `score_<label>` column per class.
    pub all_scores: bool,
    /// Rows whose top score is below this are marked `low_confidence`.
    pub low_confidence: f32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            format: Format::Auto,
            file_name: None,
            column: None,
            all_scores: false,
            low_confidence: DEFAULT_LOW_CONFIDENCE,
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Input bytes pushed so far.
    pub bytes_read: u64,
    /// Rows parsed so far.
    pub rows_read: u64,
    /// Rows finished (classified or skipped) so far, in input order.
    pub rows_done: u64,
    /// Input bytes up to the end of the last finished row.
    pub bytes_done: u64,
    /// `finish_input` has been called.
    pub input_done: bool,
    /// Every row is finished: the output is whole.
    pub complete: bool,
}

pub struct Session {
    options: Options,
    parser: Parser,
    labels: Vec<LabelInfo>,
    score_fn: ScoreFn,
    table: Option<Table>,
    schema: Option<Schema>,
    counter: Option<Counter>,
    records: Vec<Record>,
    incoming: VecDeque<Row>,
    window: Window,
    ready: Vec<Done>,
    progress: Progress,
    /// The error that stopped this run, repeated to any later call.
    failed: Option<String>,
}

impl Session {
    /// A run with `model`'s labels (pass the same model to [`Session::step`]).
    pub fn new(options: Options, model: &Classifier) -> Result<Session> {
        if !model.has_classifier() {
            return Err(crate::Error::NoClassifier.into());
        }
        if !(0.0..=1.0).contains(&options.low_confidence) {
            return Err(InputError::file(format!(
                "the low-confidence threshold must be between 0 and 1 (got {})",
                options.low_confidence
            ))
            .into());
        }
        let parser = Parser::new(options.format, options.file_name.clone());
        let mut session = Session {
            options,
            parser,
            labels: model.labels().to_vec(),
            score_fn: model.score_fn(),
            table: None,
            schema: None,
            counter: None,
            records: Vec::new(),
            incoming: VecDeque::new(),
            window: Window::default(),
            ready: Vec::new(),
            progress: Progress::default(),
            failed: None,
        };
        session.guard(|s| s.accept())?;
        Ok(session)
    }

    /// Reads the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.guard(|s| {
            s.progress.bytes_read += chunk.len() as u64;
            s.parser.push(chunk, &mut s.records)?;
            s.accept()
        })
    }

    /// The file has ended: reads its last row, and fails if it ended inside one.
    pub fn finish_input(&mut self) -> Result<()> {
        self.guard(|s| {
            if s.progress.input_done {
                return Ok(());
            }
            s.parser.finish(&mut s.records)?;
            s.accept()?;
            if s.table.is_none() {
                // An empty CSV or JSONL file: no header, no rows.
                let format = s.parser.format().unwrap_or(Format::Lines);
                s.set_table(Table::empty(format, s.options.column.as_deref()));
            }
            s.progress.input_done = true;
            s.update_complete();
            Ok(())
        })
    }

    /// Classifies up to `max_rows` rows (with every thread `model` has). Returns the rows
    /// finished by this call; 0 when nothing can move until more input is pushed (or, after
    /// `finish_input`, when the run is complete).
    pub fn step(&mut self, model: &Classifier, max_rows: usize) -> Result<usize> {
        self.guard(|s| {
            if model.labels().len() != s.labels.len() {
                return Err(InputError::file(
                    "step() was given another model than the session was made for",
                )
                .into());
            }
            s.fill();
            let last_rows = s.incoming.is_empty() && s.progress.input_done;
            if !s.window.is_sealed() {
                if !(s.window.is_full() || last_rows && s.window.len() > 0) {
                    return Ok(0);
                }
                s.window.seal(model)?;
            }
            let classified = s.window.step(model, max_rows, s.options.all_scores)?;
            let mut finished = classified;
            if s.window.is_done() {
                let done = s.window.take();
                finished = finished.max(done.len());
                if let Some(counter) = s.counter.as_mut() {
                    done.iter().for_each(|d| counter.add(d));
                }
                if let Some(last) = done.last() {
                    s.progress.bytes_done = last.row.end;
                }
                s.progress.rows_done += done.len() as u64;
                s.ready.extend(done);
                s.fill();
            }
            s.update_complete();
            Ok(finished)
        })
    }

    /// The rows finished since the last call, in input order.
    pub fn drain(&mut self) -> Vec<Done> {
        std::mem::take(&mut self.ready)
    }

    /// The file's columns and its text column, once known (for CSV/TSV after the header,
    /// for JSONL after the first object).
    pub fn table(&self) -> Option<&Table> {
        self.table.as_ref()
    }

    /// The output's columns and writers, once the table is known.
    pub fn schema(&self) -> Option<&Schema> {
        self.schema.as_ref()
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Counts over the rows finished so far.
    pub fn summary(&self) -> Summary {
        let mut s = self
            .counter
            .as_ref()
            .map(Counter::snapshot)
            .unwrap_or_default();
        s.chat_lines = self.parser.chat_lines();
        s
    }

    /// Runs `f`, remembering a failure: a stream cannot resume after a bad row.
    fn guard<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if let Some(msg) = &self.failed {
            return Err(InputError::file(format!("this run already stopped: {msg}")).into());
        }
        let r = f(self);
        if let Err(e) = &r {
            self.failed = Some(e.to_string());
        }
        r
    }

    /// Turns parsed records into rows (the first record of a CSV/TSV or JSONL file sets
    /// the table).
    fn accept(&mut self) -> Result<()> {
        if self.table.is_none() {
            if let Some(table) = self.parser.format().and_then(Table::fixed) {
                table.check_fixed(self.options.column.as_deref())?;
                self.set_table(table);
            }
        }
        for record in std::mem::take(&mut self.records) {
            let table = match &self.table {
                Some(t) => t,
                None => {
                    let format = self.parser.format().unwrap_or(Format::Csv);
                    let table = Table::from_first(format, &record, self.options.column.as_deref())?;
                    let header = matches!(record.values, Values::Strings(_));
                    self.set_table(table);
                    if header {
                        continue;
                    }
                    self.table
                        .as_ref()
                        .ok_or_else(|| InputError::file("no table"))?
                }
            };
            let row = table.row(record, self.progress.rows_read)?;
            self.progress.rows_read += 1;
            self.incoming.push_back(row);
        }
        self.fill();
        Ok(())
    }

    fn set_table(&mut self, table: Table) {
        self.schema = Some(Schema::new(
            &table,
            &self.labels,
            self.score_fn,
            self.options.low_confidence,
            self.options.all_scores,
        ));
        self.counter = Some(Counter::new(
            &self.labels,
            self.options.low_confidence,
            table.format == Format::Kakao,
        ));
        self.table = Some(table);
    }

    /// Moves waiting rows into the window while it takes them.
    fn fill(&mut self) {
        while !self.window.is_sealed() && !self.window.is_full() {
            match self.incoming.pop_front() {
                Some(row) => self.window.push(row),
                None => break,
            }
        }
    }

    fn update_complete(&mut self) {
        self.progress.complete =
            self.progress.input_done && self.incoming.is_empty() && self.window.len() == 0;
    }
}

/// What the first bytes of a file show: its format, columns and first rows, and the text
/// column if one can be chosen without asking (for a page's column picker).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub format: Format,
    pub columns: Vec<String>,
    /// The text column that `options.column` names, or that would be chosen without one.
    pub text_column: Option<String>,
    /// Why no text column could be chosen.
    pub column_error: Option<String>,
    /// The first rows' cells, one string per column.
    pub rows: Vec<Vec<String>>,
}

/// Reads the first bytes of a file (`whole`: they are the whole file) and tells what it is.
pub fn inspect(head: &[u8], options: &Options, whole: bool, max_rows: usize) -> Result<Inspection> {
    let format = match options.format {
        Format::Auto => detect(options.file_name.as_deref(), head),
        f => f,
    };
    let mut parser = Parser::new(format, None);
    let mut records = Vec::new();
    parser.push(head, &mut records)?;
    if whole {
        parser.finish(&mut records)?;
    }
    let mut records = records.into_iter();
    let (table, error) = match Table::fixed(format) {
        Some(t) => {
            let error = t.check_fixed(options.column.as_deref()).err();
            (Some(t), error)
        }
        None => match records.as_slice().first() {
            None => (None, None),
            Some(first) => {
                let columns_of = |r: &Record| match &r.values {
                    Values::Strings(v) => v.clone(),
                    Values::Json(f) => f.iter().map(|(k, _)| k.clone()).collect(),
                };
                let columns = columns_of(first);
                let header = matches!(first.values, Values::Strings(_));
                let chosen = Table::from_first(format, first, options.column.as_deref());
                if header {
                    records.next();
                }
                match chosen {
                    Ok(t) => (Some(t), None),
                    Err(e) => (Some(Table::unchosen(format, columns)), Some(e)),
                }
            }
        },
    };
    let columns = table
        .as_ref()
        .map(|t| t.columns.clone())
        .unwrap_or_default();
    let rows = records
        .take(max_rows)
        .map(|r| match r.values {
            Values::Strings(v) => v,
            Values::Json(fields) => columns
                .iter()
                .map(|c| {
                    let raw = fields.iter().find(|(k, _)| k == c);
                    raw.map(|(_, v)| super::record::json_as_text(v))
                        .unwrap_or_default()
                })
                .collect(),
        })
        .collect();
    Ok(Inspection {
        format,
        text_column: table
            .as_ref()
            .filter(|_| error.is_none())
            .map(|t| t.text_column.clone()),
        column_error: error.map(|e| e.message),
        columns,
        rows,
    })
}
