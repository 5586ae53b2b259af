//! What the format parsers produce: records with their fields and where they were in the file.

use serde_json::value::RawValue;

/// One record's fields.
#[derive(Debug, Clone)]
pub enum Values {
    /// Lines, CSV/TSV, KakaoTalk: one string per column, in the columns' order.
    Strings(Vec<String>),
    /// JSONL: the object's fields in file order, each value as its JSON text.
    Json(Vec<(String, Box<RawValue>)>),
}

impl Values {
    /// The value of `column` as text: a JSON string unquoted, `null` as empty, any other JSON
    /// value as its JSON text; `None` when the record has no such field.
    pub fn get(&self, column: &Column) -> Option<String> {
        match (self, column) {
            (Values::Strings(v), Column::Index(i)) => v.get(*i).cloned(),
            (Values::Json(fields), Column::Key(key)) => fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, raw)| json_as_text(raw)),
            _ => None,
        }
    }
}

/// Where a record keeps a column: by position (tabular formats) or by key (JSONL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Index(usize),
    Key(String),
}

/// A JSON value as a cell: strings unquoted, `null` empty, anything else as written.
pub(crate) fn json_as_text(raw: &RawValue) -> String {
    let text = raw.get();
    if text == "null" {
        return String::new();
    }
    if text.starts_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(text) {
            return s;
        }
    }
    text.to_owned()
}

/// A record as read, before the text column is chosen.
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Input bytes consumed through the end of the record.
    pub end: u64,
    pub values: Values,
}

/// Why a row was not classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Skip {
    /// The text is blank.
    Empty,
    /// A KakaoTalk placeholder for a photo, video, emoticon, file or voice message.
    Media,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Empty => "empty",
            Skip::Media => "media",
        }
    }
}
