//! Classifying a whole file, privately: text lines, CSV/TSV, JSON Lines and KakaoTalk chat
//! exports, read as a stream of chunks with bounded memory, classified in length-sorted
//! batches, written back as CSV or JSONL with one output row per input row, in input order.
//! The CLI (`gamjeong classify --input`) and the browser (`WasmBulk`) run this same code.
//! User guide: docs/bulk.md.
//!
//! ```
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny-ko");
//! use gamjeong::bulk::{Format, Options, Session};
//! let model = gamjeong::Classifier::from_path(dir)?;
//! let options = Options { format: Format::Csv, ..Options::default() };
//! let mut session = Session::new(options, &model)?;
//! session.push("id,text\n1,오늘 밥이 너무 맛있었어\n2,\n".as_bytes())?;
//! session.finish_input()?;
//! while session.step(&model, 32)? > 0 {}
//! let rows = session.drain();
//! assert_eq!(rows.len(), 2);
//! assert!(rows[0].top.is_some() && rows[1].top.is_none()); // row 2 is empty: skipped
//! let mut csv = Vec::new();
//! let schema = session.schema().unwrap();
//! schema.csv_header(&mut csv)?;
//! schema.csv_rows(&rows, &mut csv)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod delimited;
mod error;
mod jsonl;
mod kakao;
mod output;
mod parser;
mod record;
mod session;
mod summary;
mod table;
mod text;
mod window;

pub use error::{BulkError, InputError};
pub use kakao::ChatLines;
pub use output::{RowResult, Schema, DEFAULT_LOW_CONFIDENCE};
pub use parser::{detect, SNIFF_BYTES};
pub use record::{Skip, Values};
pub use session::{inspect, Inspection, Options, Progress, Session};
pub use summary::{Speaker, Summary, Timeline};
pub use table::{Row, Table};
pub use text::MAX_ROW_BYTES;
pub use window::{Done, WINDOW_ROWS};

/// An input file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// CSV, TSV and JSONL by the file name's extension; otherwise a KakaoTalk export, JSON
    /// Lines or text lines, by the first bytes.
    Auto,
    /// One text per line.
    Lines,
    Csv,
    Tsv,
    Jsonl,
    /// A KakaoTalk chat export (PC or phone, Korean or English).
    Kakao,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Auto,
        Format::Lines,
        Format::Csv,
        Format::Tsv,
        Format::Jsonl,
        Format::Kakao,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Lines => "lines",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
            Format::Kakao => "kakao",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}
