//! CSV and TSV (RFC 4180: quoted fields with delimiters, doubled quotes and line breaks;
//! CRLF or LF) on `csv-core`'s push parser, which takes the input in chunks of any size.

use super::error::InputError;
use super::record::{Record, Values};
use super::text::{utf8, MAX_ROW_BYTES};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Most columns a record may have; past this the file is not a table anyone reads.
const MAX_COLUMNS: usize = 100_000;

pub(crate) struct Delimited {
    delimiter: u8,
    reader: Reader,
    /// The current record's field bytes (`out[..len]`) and field ends (`ends[..nends]`).
    out: Vec<u8>,
    len: usize,
    ends: Vec<usize>,
    nends: usize,
    quotes: QuoteTracker,
    /// Input bytes consumed so far.
    offset: u64,
    /// Fields per record: the header's count.
    width: Option<usize>,
}

impl Delimited {
    pub fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            reader: ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 4096],
            len: 0,
            ends: vec![0; 64],
            nends: 0,
            quotes: QuoteTracker::new(delimiter),
            offset: 0,
            width: None,
        }
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    pub fn push(&mut self, mut input: &[u8], out: &mut Vec<Record>) -> Result<(), InputError> {
        while !input.is_empty() {
            let nin = self.read(input, out)?;
            input = &input[nin..];
        }
        Ok(())
    }

    /// End of input: the last record, or an error if a quoted field never closed.
    pub fn finish(&mut self, out: &mut Vec<Record>) -> Result<(), InputError> {
        if self.quotes.in_quotes() {
            return Err(InputError::at(
                self.quotes.quote_line,
                "a quoted field opens here and is never closed (an unterminated \" quote)",
            ));
        }
        // csv-core wants empty input until it says End (it may first finish a last record);
        // the bound only guards against a loop if it never did.
        for _ in 0..64 {
            let (res, _, nout, nend) = self.reader.read_record(
                &[],
                &mut self.out[self.len..],
                &mut self.ends[self.nends..],
            );
            self.len += nout;
            self.nends += nend;
            match res {
                ReadRecordResult::End => return Ok(()),
                ReadRecordResult::Record => self.record(out)?,
                ReadRecordResult::OutputFull => self.grow_out()?,
                ReadRecordResult::OutputEndsFull => self.grow_ends()?,
                ReadRecordResult::InputEmpty => {}
            }
        }
        Ok(())
    }

    /// One call into csv-core; returns the input bytes it consumed.
    fn read(&mut self, input: &[u8], out: &mut Vec<Record>) -> Result<usize, InputError> {
        let (res, nin, nout, nend) = self.reader.read_record(
            input,
            &mut self.out[self.len..],
            &mut self.ends[self.nends..],
        );
        self.quotes.feed(&input[..nin]);
        self.offset += nin as u64;
        self.len += nout;
        self.nends += nend;
        match res {
            ReadRecordResult::Record => self.record(out)?,
            ReadRecordResult::OutputFull => self.grow_out()?,
            ReadRecordResult::OutputEndsFull => self.grow_ends()?,
            ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
        }
        Ok(nin)
    }

    fn grow_out(&mut self) -> Result<(), InputError> {
        if self.out.len() >= MAX_ROW_BYTES {
            let mut msg = format!(
                "a record longer than {} MiB: not a table of texts",
                MAX_ROW_BYTES >> 20
            );
            if self.quotes.in_quotes() {
                msg += &format!(
                    " (a quoted field opens on line {} and has not closed: an unterminated \" quote?)",
                    self.quotes.quote_line
                );
            }
            return Err(InputError::at(self.quotes.record_line, msg));
        }
        self.out.resize((self.out.len() * 2).min(MAX_ROW_BYTES), 0);
        Ok(())
    }

    fn grow_ends(&mut self) -> Result<(), InputError> {
        if self.ends.len() >= MAX_COLUMNS {
            return Err(InputError::at(
                self.quotes.record_line,
                format!("a record with more than {MAX_COLUMNS} fields"),
            ));
        }
        self.ends.resize((self.ends.len() * 2).min(MAX_COLUMNS), 0);
        Ok(())
    }

    fn record(&mut self, out: &mut Vec<Record>) -> Result<(), InputError> {
        let line = self.quotes.record_line;
        let (len, nends) = (
            std::mem::take(&mut self.len),
            std::mem::take(&mut self.nends),
        );
        let mut fields = Vec::with_capacity(nends);
        let mut start = 0;
        for &end in &self.ends[..nends] {
            fields.push(utf8(&self.out[start..end], line)?.to_owned());
            start = end;
        }
        debug_assert_eq!(start, len);
        match self.width {
            None => self.width = Some(fields.len()),
            Some(w) if w != fields.len() => {
                return Err(InputError::at(
                    line,
                    format!(
                        "{} fields, but the header has {w}: a field with a delimiter or a line \
                         break must be in double quotes",
                        fields.len()
                    ),
                ))
            }
            Some(_) => {}
        }
        out.push(Record {
            line,
            end: self.offset,
            values: Values::Strings(fields),
        });
        Ok(())
    }
}

/// Follows quoting byte by byte beside csv-core, which never fails: at the end of input it
/// closes an open quoted field silently, and it does not say where a record started. RFC 4180
/// quoting only: a field is quoted when it starts with `"`, and `""` inside is one quote.
struct QuoteTracker {
    delimiter: u8,
    state: QuoteState,
    line: u64,
    at_record_start: bool,
    /// First line of the record being read.
    record_line: u64,
    /// Line where the current quoted field opened.
    quote_line: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: the closing quote, or the first of a doubled one.
    QuoteInQuoted,
}

impl QuoteTracker {
    fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            state: QuoteState::FieldStart,
            line: 1,
            at_record_start: true,
            record_line: 1,
            quote_line: 0,
        }
    }

    fn in_quotes(&self) -> bool {
        self.state == QuoteState::Quoted
    }

    fn feed(&mut self, bytes: &[u8]) {
        use QuoteState::*;
        for &b in bytes {
            if self.at_record_start && b != b'\n' && b != b'\r' {
                self.record_line = self.line;
                self.at_record_start = false;
            }
            self.state = match (self.state, b) {
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (FieldStart, b'"') => {
                    self.quote_line = self.line;
                    Quoted
                }
                (_, b'\n') => {
                    self.at_record_start = true;
                    FieldStart
                }
                (_, d) if d == self.delimiter => FieldStart,
                _ => Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]], delimiter: u8) -> Result<Vec<(u64, Vec<String>)>, InputError> {
        let mut p = Delimited::new(delimiter);
        let mut out = Vec::new();
        for c in chunks {
            p.push(c, &mut out)?;
        }
        p.finish(&mut out)?;
        Ok(out
            .into_iter()
            .map(|r| match r.values {
                Values::Strings(v) => (r.line, v),
                Values::Json(_) => unreachable!(),
            })
            .collect())
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rfc4180_quoting_in_any_chunking() {
        let file = "id,text\r\n1,\"a, b\"\r\n2,\"say \"\"hi\"\"\nnext line\"\r\n\r\n3,plain";
        let want = vec![
            (1, strings(&["id", "text"])),
            (2, strings(&["1", "a, b"])),
            (3, strings(&["2", "say \"hi\"\nnext line"])),
            (6, strings(&["3", "plain"])),
        ];
        assert_eq!(parse(&[file.as_bytes()], b',').unwrap(), want);
        // every split point, including inside a doubled quote and between \r and \n
        for at in 0..file.len() {
            let (a, b) = file.as_bytes().split_at(at);
            assert_eq!(parse(&[a, b], b',').unwrap(), want, "split at {at}");
        }
    }

    #[test]
    fn tsv() {
        let got = parse(&[b"a\tb\n1\t\"x\ty\"\n"], b'\t').unwrap();
        assert_eq!(got[1].1, strings(&["1", "x\ty"]));
    }

    #[test]
    fn unterminated_quote_names_its_line() {
        let e = parse(&[b"id,text\n1,ok\n2,\"never closed\n3,x\n"], b',').unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("never closed"), "{e}");
    }

    #[test]
    fn field_count_mismatch_names_its_line() {
        let e = parse(&[b"a,b\n1,2\n3,4,5\n"], b',').unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("3 fields, but the header has 2"), "{e}");
    }

    #[test]
    fn non_utf8_field_names_its_line() {
        let e = parse(&[b"a\n\xb0\xa1\n"], b',').unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
