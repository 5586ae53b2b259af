//! The text layer under every format: a byte gate that refuses what is not UTF-8 text
//! (binary data, UTF-16, spreadsheets) and strips a BOM, and a line splitter that works on
//! chunks of any size with bounded memory.

use super::error::InputError;

/// Longest row (a line, a CSV record, a chat message) the parser holds: a longer one is far
/// more likely a broken file (an unterminated quote, no line breaks at all) than a text.
pub const MAX_ROW_BYTES: usize = 16 << 20;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Checks bytes as they arrive: the first ones for a byte-order mark or a known binary
/// signature, all of them for NUL bytes (text never has them; binary files nearly always do).
#[derive(Default)]
pub(crate) struct ByteGate {
    /// The first bytes, held until there are enough to recognize a BOM or a signature.
    head: Vec<u8>,
    started: bool,
    /// Lines seen so far, for naming the line of a NUL byte.
    line: u64,
}

const HEAD_BYTES: usize = 4;

impl ByteGate {
    /// Passes on the text bytes of `chunk` (a BOM removed) to `out`.
    pub fn push(
        &mut self,
        chunk: &[u8],
        out: &mut dyn FnMut(&[u8]) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        if self.started {
            self.check(chunk)?;
            return out(chunk);
        }
        self.head.extend_from_slice(chunk);
        if self.head.len() >= HEAD_BYTES {
            self.start(out)?;
        }
        Ok(())
    }

    /// End of input: passes on what is still held back.
    pub fn finish(
        &mut self,
        out: &mut dyn FnMut(&[u8]) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        if !self.started {
            self.start(out)?;
        }
        Ok(())
    }

    fn start(
        &mut self,
        out: &mut dyn FnMut(&[u8]) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        self.started = true;
        let head = std::mem::take(&mut self.head);
        if let Some(what) = binary_signature(&head) {
            return Err(InputError::file(what));
        }
        let text = head.strip_prefix(UTF8_BOM).unwrap_or(&head);
        self.check(text)?;
        out(text)
    }

    fn check(&mut self, bytes: &[u8]) -> Result<(), InputError> {
        match bytes.iter().position(|&b| b == 0) {
            Some(at) => {
                let line = self.line + 1 + count_newlines(&bytes[..at]);
                Err(InputError::at(
                    line,
                    "binary data (a NUL byte): this is not a text file; give a UTF-8 text, CSV, TSV, JSONL or KakaoTalk export",
                ))
            }
            None => {
                self.line += count_newlines(bytes);
                Ok(())
            }
        }
    }
}

/// What a file that starts with `head` is, when it is a known kind that is not UTF-8 text.
fn binary_signature(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return Some(
            "this file is UTF-16 text (Windows \"Unicode\"): save it as UTF-8 and try again",
        );
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some("this is a zip file (an Excel .xlsx workbook?): save the sheet as \"CSV UTF-8\" and try again");
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0") {
        return Some("this is an Office binary file (an Excel .xls workbook?): save the sheet as \"CSV UTF-8\" and try again");
    }
    if head.starts_with(b"%PDF") {
        return Some("this is a PDF file, not text");
    }
    None
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// One line of input, its terminator (`\n` or `\r\n`) removed.
pub(crate) struct Line<'a> {
    /// 1-based.
    pub number: u64,
    pub text: &'a str,
    /// Input bytes consumed through the end of this line (after the BOM).
    pub end: u64,
}

/// Splits a byte stream into UTF-8 lines. A line that spans chunks is held (up to
/// [`MAX_ROW_BYTES`]); complete lines are handed out straight from the chunk.
#[derive(Default)]
pub(crate) struct LineSplitter {
    partial: Vec<u8>,
    /// Number of the next line.
    next: u64,
    /// Bytes consumed before `partial`.
    offset: u64,
}

impl LineSplitter {
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        each: &mut dyn FnMut(Line) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            let (line, rest) = (&bytes[..nl], &bytes[nl + 1..]);
            if self.partial.is_empty() {
                self.emit(line, nl + 1, each)?;
            } else {
                let mut held = std::mem::take(&mut self.partial);
                self.check_len(held.len() + line.len())?;
                held.extend_from_slice(line);
                let consumed = held.len() + 1;
                self.emit(&held, consumed, each)?;
                held.clear();
                self.partial = held; // keep the allocation
            }
            bytes = rest;
        }
        self.check_len(self.partial.len() + bytes.len())?;
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    /// End of input: the last line, if the file does not end with a newline.
    pub fn finish(
        &mut self,
        each: &mut dyn FnMut(Line) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let held = std::mem::take(&mut self.partial);
        self.emit(&held, held.len(), each)
    }

    fn check_len(&self, len: usize) -> Result<(), InputError> {
        if len > MAX_ROW_BYTES {
            return Err(InputError::at(
                self.next + 1,
                format!(
                    "a line longer than {} MiB: not a file of text rows",
                    MAX_ROW_BYTES >> 20
                ),
            ));
        }
        Ok(())
    }

    fn emit(
        &mut self,
        raw: &[u8],
        consumed: usize,
        each: &mut dyn FnMut(Line) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        self.next += 1;
        self.offset += consumed as u64;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = utf8(raw, self.next)?;
        each(Line {
            number: self.next,
            text,
            end: self.offset,
        })
    }
}

/// `raw` as UTF-8, or an error naming `line` and the likely cause.
pub(crate) fn utf8(raw: &[u8], line: u64) -> Result<&str, InputError> {
    std::str::from_utf8(raw).map_err(|e| {
        InputError::at(
            line,
            format!(
                "not UTF-8 text (at byte {} of the line): the file may be in CP949/EUC-KR, as Excel \
                 saves \"CSV\" on Korean Windows; save it as \"CSV UTF-8\" (or UTF-8 text) and try again",
                e.valid_up_to() + 1
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&[u8]]) -> Result<Vec<(u64, String, u64)>, InputError> {
        let mut gate = ByteGate::default();
        let mut split = LineSplitter::default();
        let mut out = Vec::new();
        let mut each = |l: Line| {
            out.push((l.number, l.text.to_owned(), l.end));
            Ok(())
        };
        for c in chunks {
            gate.push(c, &mut |b| split.push(b, &mut each))?;
        }
        gate.finish(&mut |b| split.push(b, &mut each))?;
        split.finish(&mut each)?;
        Ok(out)
    }

    #[test]
    fn lines_across_chunks_with_bom_and_crlf() {
        let got =
            lines_of(&[b"\xef\xbb", b"\xbfa\r", b"\nb\n", b"", b"\xec\x95", b"\x88"]).unwrap();
        assert_eq!(
            got,
            vec![
                (1, "a".to_owned(), 3),
                (2, "b".to_owned(), 5),
                (3, "안".to_owned(), 8)
            ]
        );
    }

    #[test]
    fn binary_and_utf16_and_bad_utf8_are_refused_with_the_line() {
        let e = lines_of(&[b"ok\nok\nx\0y\n"]).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(lines_of(&[b"\xff\xfea\0"])
            .unwrap_err()
            .message
            .contains("UTF-16"));
        assert!(lines_of(&[b"PK\x03\x04rest"])
            .unwrap_err()
            .message
            .contains("xlsx"));
        let e = lines_of(&[b"fine\n\xc7\xd1\xb1\xdb\n"]).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("CP949"), "{e}");
    }

    #[test]
    fn short_files_and_empty_files() {
        assert_eq!(lines_of(&[b""]).unwrap(), vec![]);
        assert_eq!(lines_of(&[b"a"]).unwrap(), vec![(1, "a".to_owned(), 1)]);
        assert_eq!(lines_of(&[b"\xef\xbb\xbf"]).unwrap(), vec![]);
    }
}
