//! From records to rows: a file's columns (a CSV header, a JSONL file's first object, the
//! fixed columns of lines and chats), the choice of the text column, and each row's text.

use super::error::InputError;
use super::kakao;
use super::record::{Column, Record, Skip, Values};
use super::Format;

/// A file's columns and which one holds the text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Table {
    pub format: Format,
    /// As in the file: a CSV header, a JSONL file's first object's keys, `["text"]` for
    /// lines, `["date", "time", "speaker", "text"]` for a chat.
    pub columns: Vec<String>,
    /// The text column's name.
    pub text_column: String,
    #[serde(skip)]
    text: Column,
}

/// A record ready to classify.
#[derive(Debug, Clone)]
pub struct Row {
    pub index: u64,
    pub line: u64,
    pub end: u64,
    pub values: Values,
    pub text: String,
    pub skip: Option<Skip>,
}

impl Table {
    /// The table of a format whose columns are fixed, before any record.
    pub fn fixed(format: Format) -> Option<Table> {
        let (columns, text) = match format {
            Format::Lines => (vec!["text".to_owned()], 0),
            Format::Kakao => (
                kakao::COLUMNS.map(str::to_owned).to_vec(),
                kakao::TEXT_COLUMN,
            ),
            _ => return None,
        };
        Some(Table {
            format,
            text_column: columns[text].clone(),
            columns,
            text: Column::Index(text),
        })
    }

    /// The table of a CSV/TSV file from its header record, or of a JSONL file from its first
    /// object; `wanted` is the text column asked for (else one named `text`, or the only one).
    pub fn from_first(
        format: Format,
        first: &Record,
        wanted: Option<&str>,
    ) -> Result<Table, InputError> {
        let columns: Vec<String> = match &first.values {
            Values::Strings(v) => v.clone(),
            Values::Json(fields) => fields.iter().map(|(k, _)| k.clone()).collect(),
        };
        let index = choose(&columns, wanted)
            .map_err(|msg| InputError::at(first.line, msg).with_columns(columns.clone()))?;
        let text = match &first.values {
            Values::Strings(_) => Column::Index(index),
            Values::Json(_) => Column::Key(columns[index].clone()),
        };
        Ok(Table {
            format,
            text_column: columns[index].clone(),
            columns,
            text,
        })
    }

    /// The table of a CSV/TSV or JSONL file that had no record at all.
    pub fn empty(format: Format, wanted: Option<&str>) -> Table {
        let name = wanted.unwrap_or("text").to_owned();
        Table {
            format,
            columns: Vec::new(),
            text: Column::Key(name.clone()),
            text_column: name,
        }
    }

    /// A table whose text column is not chosen yet (for a preview).
    pub fn unchosen(format: Format, columns: Vec<String>) -> Table {
        Table {
            format,
            columns,
            text_column: String::new(),
            text: Column::Key(String::new()),
        }
    }

    /// Checks `wanted` against a fixed table (lines and chats have one text column).
    pub fn check_fixed(&self, wanted: Option<&str>) -> Result<(), InputError> {
        match wanted {
            Some(w) if w.trim() != self.text_column => Err(InputError::file(format!(
                "a {} file's text column is `{}`: it has no column `{w}`",
                self.format.name(),
                self.text_column
            ))
            .with_columns(self.columns.clone())),
            _ => Ok(()),
        }
    }

    /// The row of `record` (the `index`-th row of the output).
    pub fn row(&self, record: Record, index: u64) -> Result<Row, InputError> {
        let text = match &record.values {
            Values::Json(fields) => json_text(fields, &self.text, record.line)?,
            values => values.get(&self.text).unwrap_or_default(),
        };
        let skip = if text.trim().is_empty() {
            Some(Skip::Empty)
        } else if self.format == Format::Kakao && kakao::is_media(&text) {
            Some(Skip::Media)
        } else {
            None
        };
        Ok(Row {
            index,
            line: record.line,
            end: record.end,
            values: record.values,
            text,
            skip,
        })
    }
}

/// A JSONL record's text: a string (or `null`: empty), never silently another type.
fn json_text(
    fields: &[(String, Box<serde_json::value::RawValue>)],
    column: &Column,
    line: u64,
) -> Result<String, InputError> {
    let Column::Key(key) = column else {
        return Ok(String::new());
    };
    let Some((_, raw)) = fields.iter().find(|(k, _)| k == key) else {
        let keys: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
        return Err(InputError::at(
            line,
            format!(
                "no field `{key}` in this object (its fields: {})",
                keys.join(", ")
            ),
        )
        .with_columns(keys));
    };
    match raw.get() {
        "null" => Ok(String::new()),
        s if s.starts_with('"') => {
            serde_json::from_str(s).map_err(|e| InputError::at(line, format!("field `{key}`: {e}")))
        }
        other => Err(InputError::at(
            line,
            format!("field `{key}` is not a string (it is {other})"),
        )),
    }
}

/// The index of the text column among `columns`: `wanted` (exactly, else ignoring case and
/// surrounding spaces), else a column named `text`, else the only column.
fn choose(columns: &[String], wanted: Option<&str>) -> Result<usize, String> {
    let list = || {
        columns
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let loose = |name: &str| {
        let hits: Vec<usize> = (0..columns.len())
            .filter(|&i| columns[i].trim().eq_ignore_ascii_case(name.trim()))
            .collect();
        hits
    };
    match wanted {
        Some(name) => {
            if let Some(i) = columns.iter().position(|c| c == name) {
                return Ok(i);
            }
            match loose(name)[..] {
                [i] => Ok(i),
                [] => Err(format!("no column `{name}`; the columns are {}", list())),
                _ => Err(format!(
                    "more than one column matches `{name}`; the columns are {}",
                    list()
                )),
            }
        }
        None => match (&loose("text")[..], columns.len()) {
            ([i], _) => Ok(*i),
            ([], 1) => Ok(0),
            _ => Err(format!(
                "which column holds the text? Choose one by name (--column NAME); the columns are {}",
                list()
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn column_choice() {
        assert_eq!(choose(&cols(&["id", "Text "]), None), Ok(1));
        assert_eq!(choose(&cols(&["review"]), None), Ok(0));
        assert!(choose(&cols(&["id", "body"]), None)
            .unwrap_err()
            .contains("`id`, `body`"));
        assert_eq!(choose(&cols(&["id", "body"]), Some("body")), Ok(1));
        assert_eq!(choose(&cols(&["id", "Body"]), Some("body")), Ok(1));
        assert!(choose(&cols(&["id"]), Some("body"))
            .unwrap_err()
            .contains("no column `body`"));
        assert!(choose(&cols(&["a", "A"]), Some(" a"))
            .unwrap_err()
            .contains("more than one"));
        assert_eq!(choose(&cols(&["a", "A"]), Some("A")), Ok(1));
    }
}
