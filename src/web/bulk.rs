//! `WasmBulk`: a whole file classified in the browser, by the same `bulk::Session` as the
//! CLI. JS pushes the file's chunks (from `File.stream()`), calls `step` between them, and
//! takes the finished rows as objects and as CSV/JSONL bytes identical to the CLI's output.
//! docs/js-api.md documents the calls; docs/bulk.md the formats and columns.

use super::{js_error, to_js, WasmClassifier};
use crate::bulk::{self, BulkError, Done, Format, Options, Session};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// A JS `Error` with `code` and, for a malformed file, `line` and `columns`.
fn bulk_err(e: BulkError) -> JsValue {
    let err = js_error(e.code(), &e.to_string());
    if let BulkError::Input(input) = &e {
        if let Some(line) = input.line {
            let _ = js_sys::Reflect::set(&err, &"line".into(), &(line as f64).into());
        }
        if let Some(columns) = &input.columns {
            let list: js_sys::Array = columns.iter().map(|c| JsValue::from_str(c)).collect();
            let _ = js_sys::Reflect::set(&err, &"columns".into(), &list);
        }
    }
    err
}

/// The options object of `new WasmBulk(classifier, options)` and `inspectFile`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct JsOptions {
    /// `auto` (default), `lines`, `csv`, `tsv`, `jsonl` or `kakao`.
    format: Option<String>,
    /// The file's name (`File.name`), for `auto`.
    file_name: Option<String>,
    column: Option<String>,
    all_scores: bool,
    low_confidence: Option<f32>,
    /// What `step` keeps for `takeRows`, `takeCsv`, `takeJsonl` (default: all three).
    outputs: Option<Vec<String>>,
}

struct Outputs {
    rows: bool,
    csv: bool,
    jsonl: bool,
}

fn parse_options(js: JsValue) -> Result<(Options, Outputs), JsValue> {
    let o: JsOptions = if js.is_undefined() || js.is_null() {
        JsOptions::default()
    } else {
        serde_wasm_bindgen::from_value(js)
            .map_err(|e| js_error("BAD_INPUT", &format!("bulk options: {e}")))?
    };
    let format = match o.format.as_deref() {
        None => Format::Auto,
        Some(name) => Format::parse(name).ok_or_else(|| {
            js_error(
                "BAD_INPUT",
                &format!("unknown format `{name}`: use auto, lines, csv, tsv, jsonl or kakao"),
            )
        })?,
    };
    let mut outputs = Outputs {
        rows: true,
        csv: true,
        jsonl: true,
    };
    if let Some(list) = &o.outputs {
        outputs = Outputs {
            rows: false,
            csv: false,
            jsonl: false,
        };
        for name in list {
            match name.as_str() {
                "rows" => outputs.rows = true,
                "csv" => outputs.csv = true,
                "jsonl" => outputs.jsonl = true,
                other => {
                    return Err(js_error(
                        "BAD_INPUT",
                        &format!("unknown output `{other}`: use rows, csv or jsonl"),
                    ))
                }
            }
        }
    }
    let options = Options {
        format,
        file_name: o.file_name,
        column: o.column,
        all_scores: o.all_scores,
        low_confidence: o.low_confidence.unwrap_or(bulk::DEFAULT_LOW_CONFIDENCE),
    };
    Ok((options, outputs))
}

/// One output row for JS: the input cells (one per input column) and the result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsRow<'a> {
    index: u64,
    line: u64,
    cells: Vec<std::borrow::Cow<'a, str>>,
    text: &'a str,
    label: Option<&'a str>,
    score: Option<f32>,
    group: Option<&'static str>,
    low_confidence: Option<bool>,
    skipped: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<&'a [f32]>,
}

/// Classifies a whole file pushed chunk by chunk; see the module doc.
#[wasm_bindgen]
pub struct WasmBulk {
    session: Session,
    outputs: Outputs,
    rows: Vec<Done>,
    csv: Vec<u8>,
    jsonl: Vec<u8>,
    csv_header_done: bool,
}

#[wasm_bindgen]
impl WasmBulk {
    /// `options`: `{format, fileName, column, allScores, lowConfidence, outputs}` (all optional).
    #[wasm_bindgen(constructor)]
    pub fn new(classifier: &WasmClassifier, options: JsValue) -> Result<WasmBulk, JsValue> {
        let (options, outputs) = parse_options(options)?;
        let session = Session::new(options, &classifier.inner).map_err(bulk_err)?;
        Ok(WasmBulk {
            session,
            outputs,
            rows: Vec::new(),
            csv: Vec::new(),
            jsonl: Vec::new(),
            csv_header_done: false,
        })
    }

    /// The next chunk of the file (any size). Errors (code `BAD_INPUT`, with `line`) on a
    /// malformed file; the run cannot continue after an error.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.session.push(chunk).map_err(bulk_err)
    }

    /// The file has ended: reads its last row; errors if it ended inside one.
    #[wasm_bindgen(js_name = finishInput)]
    pub fn finish_input(&mut self) -> Result<(), JsValue> {
        self.session.finish_input().map_err(bulk_err)?;
        self.collect()
    }

    /// Classifies up to `maxRows` rows with `classifier` (the one the run was made with).
    /// Returns the rows finished; 0 when more input is needed, or when the run is complete.
    pub fn step(&mut self, classifier: &WasmClassifier, max_rows: usize) -> Result<usize, JsValue> {
        let n = self
            .session
            .step(&classifier.inner, max_rows)
            .map_err(bulk_err)?;
        self.collect()?;
        Ok(n)
    }

    /// `{format, columns, textColumn}` once known (CSV/TSV: after the header; JSONL: after
    /// the first object), else `null`.
    pub fn table(&self) -> Result<JsValue, JsValue> {
        to_js(&self.session.table())
    }

    /// The output's column names (CSV header and JSONL keys), once the table is known.
    #[wasm_bindgen(js_name = outputColumns)]
    pub fn output_columns(&self) -> Result<JsValue, JsValue> {
        to_js(&self.session.schema().map(|s| s.columns()))
    }

    /// `{bytesRead, rowsRead, rowsDone, bytesDone, inputDone, complete}`.
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&self.session.progress())
    }

    /// Counts over the finished rows: groups, labels, speakers, timeline (docs/bulk.md).
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.session.summary())
    }

    /// The rows finished since the last call, as objects `{index, line, cells, text, label,
    /// score, group, lowConfidence, skipped[, scores]}`.
    #[wasm_bindgen(js_name = takeRows)]
    pub fn take_rows(&mut self) -> Result<JsValue, JsValue> {
        let rows = std::mem::take(&mut self.rows);
        let Some(schema) = self.session.schema() else {
            return to_js(&Vec::<JsRow>::new());
        };
        let out: Vec<JsRow> = rows
            .iter()
            .map(|done| {
                let r = schema.result(done);
                JsRow {
                    index: done.row.index,
                    line: done.row.line,
                    cells: schema.input_cells(done),
                    text: &done.row.text,
                    label: r.label,
                    score: r.score,
                    group: r.group,
                    low_confidence: r.low_confidence,
                    skipped: r.skipped,
                    scores: r.scores,
                }
            })
            .collect();
        to_js(&out)
    }

    /// The CSV bytes written since the last call (the first call's start with the BOM and
    /// the header): concatenated, they are the CLI's `--output OUT.csv`.
    #[wasm_bindgen(js_name = takeCsv)]
    pub fn take_csv(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.csv)
    }

    /// The JSON Lines bytes written since the last call: concatenated, the CLI's output.
    #[wasm_bindgen(js_name = takeJsonl)]
    pub fn take_jsonl(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.jsonl)
    }

    /// Moves finished rows to the outputs asked for.
    fn collect(&mut self) -> Result<(), JsValue> {
        let done = self.session.drain();
        let Some(schema) = self.session.schema() else {
            return Ok(());
        };
        let err = |e: crate::Error| super::js_err(e);
        if self.outputs.csv {
            if !self.csv_header_done {
                schema.csv_header(&mut self.csv).map_err(err)?;
                self.csv_header_done = true;
            }
            schema.csv_rows(&done, &mut self.csv).map_err(err)?;
        }
        if self.outputs.jsonl {
            schema.jsonl_rows(&done, &mut self.jsonl).map_err(err)?;
        }
        if self.outputs.rows {
            self.rows.extend(done);
        }
        Ok(())
    }
}

/// What the first bytes of a file are, for a column picker: `{format, columns, textColumn,
/// columnError, rows}`. `whole`: `head` is the whole file. Options as for `WasmBulk`.
#[wasm_bindgen(js_name = inspectFile)]
pub fn inspect_file(
    head: &[u8],
    options: JsValue,
    whole: bool,
    max_rows: usize,
) -> Result<JsValue, JsValue> {
    let (options, _) = parse_options(options)?;
    to_js(&bulk::inspect(head, &options, whole, max_rows).map_err(bulk_err)?)
}
