//! The one streaming parser: bytes in chunks of any size → records, for every format.
//! With `Format::Auto` it holds the first [`SNIFF_BYTES`] to decide the format.

use super::delimited::Delimited;
use super::error::InputError;
use super::kakao::{self, ChatLines, Kakao};
use super::record::{Record, Values};
use super::text::{ByteGate, Line, LineSplitter};
use super::Format;

/// Bytes read before an automatic format choice (or the whole file, if shorter).
pub const SNIFF_BYTES: usize = 64 << 10;

pub(crate) struct Parser {
    gate: ByteGate,
    file_name: Option<String>,
    state: State,
}

enum State {
    Sniffing(Vec<u8>),
    Lines(LineSplitter, LineFormat),
    Delimited(Delimited),
}

enum LineFormat {
    Lines,
    Jsonl,
    Kakao(Kakao),
}

impl Parser {
    pub fn new(format: Format, file_name: Option<String>) -> Self {
        let state = match format {
            Format::Auto => State::Sniffing(Vec::new()),
            f => State::start(f),
        };
        Self {
            gate: ByteGate::default(),
            file_name,
            state,
        }
    }

    /// The format being read (`None` while still sniffing).
    pub fn format(&self) -> Option<Format> {
        match &self.state {
            State::Sniffing(_) => None,
            State::Lines(_, LineFormat::Lines) => Some(Format::Lines),
            State::Lines(_, LineFormat::Jsonl) => Some(Format::Jsonl),
            State::Lines(_, LineFormat::Kakao(_)) => Some(Format::Kakao),
            State::Delimited(d) => Some(if d.delimiter() == b'\t' {
                Format::Tsv
            } else {
                Format::Csv
            }),
        }
    }

    /// For a chat: its lines that were not messages.
    pub fn chat_lines(&self) -> Option<ChatLines> {
        match &self.state {
            State::Lines(_, LineFormat::Kakao(k)) => Some(k.lines),
            _ => None,
        }
    }

    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<Record>) -> Result<(), InputError> {
        let (state, name) = (&mut self.state, self.file_name.as_deref());
        self.gate
            .push(chunk, &mut |bytes| state.feed(bytes, name, false, out))
    }

    /// End of input: flushes the last record and checks the file ended cleanly.
    pub fn finish(&mut self, out: &mut Vec<Record>) -> Result<(), InputError> {
        let (state, name) = (&mut self.state, self.file_name.as_deref());
        self.gate
            .finish(&mut |bytes| state.feed(bytes, name, false, out))?;
        state.feed(&[], name, true, out)?;
        match state {
            State::Sniffing(_) => Ok(()), // unreachable: `feed` with `end` decides
            State::Delimited(d) => d.finish(out),
            State::Lines(lines, format) => {
                lines.finish(&mut |line| format.line(&line, out))?;
                match format {
                    LineFormat::Kakao(k) => k.finish(out),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl State {
    fn start(format: Format) -> Self {
        match format {
            Format::Csv => State::Delimited(Delimited::new(b',')),
            Format::Tsv => State::Delimited(Delimited::new(b'\t')),
            Format::Jsonl => State::Lines(LineSplitter::default(), LineFormat::Jsonl),
            Format::Kakao => {
                State::Lines(LineSplitter::default(), LineFormat::Kakao(Kakao::default()))
            }
            Format::Lines | Format::Auto => {
                State::Lines(LineSplitter::default(), LineFormat::Lines)
            }
        }
    }

    /// `end`: no more bytes will come (decides a format still being sniffed).
    fn feed(
        &mut self,
        bytes: &[u8],
        name: Option<&str>,
        end: bool,
        out: &mut Vec<Record>,
    ) -> Result<(), InputError> {
        if let State::Sniffing(head) = self {
            head.extend_from_slice(bytes);
            if head.len() < SNIFF_BYTES && !end {
                return Ok(());
            }
            let head = std::mem::take(head);
            *self = State::start(detect(name, &head));
            return self.feed(&head, name, end, out);
        }
        match self {
            State::Sniffing(_) => Ok(()),
            State::Delimited(d) => d.push(bytes, out),
            State::Lines(lines, format) => lines.push(bytes, &mut |line| format.line(&line, out)),
        }
    }
}

impl LineFormat {
    fn line(&mut self, line: &Line, out: &mut Vec<Record>) -> Result<(), InputError> {
        match self {
            LineFormat::Lines => {
                out.push(Record {
                    line: line.number,
                    end: line.end,
                    values: Values::Strings(vec![line.text.to_owned()]),
                });
                Ok(())
            }
            LineFormat::Jsonl => {
                out.extend(super::jsonl::parse_line(line)?);
                Ok(())
            }
            LineFormat::Kakao(k) => k.line(line, out),
        }
    }
}

/// The format of a file named `name` whose first bytes are `head`: by extension for
/// CSV, TSV and JSONL; otherwise by content (a KakaoTalk export, JSON Lines, or plain lines).
pub fn detect(name: Option<&str>, head: &[u8]) -> Format {
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => return Format::Csv,
        Some("tsv" | "tab") => return Format::Tsv,
        Some("jsonl" | "ndjson" | "json") => return Format::Jsonl,
        _ => {}
    }
    let text = String::from_utf8_lossy(head);
    if kakao::sniff(&text) {
        return Format::Kakao;
    }
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first_line = Line {
        number: 1,
        text: first,
        end: 0,
    };
    // A first line cut off by the sniffing limit cannot parse; a '{' then is enough.
    let cut = text.len() >= SNIFF_BYTES && text.lines().count() <= 1;
    if first.trim_start().starts_with('{') && (cut || super::jsonl::parse_line(&first_line).is_ok())
    {
        return Format::Jsonl;
    }
    Format::Lines
}
