//! `gamjeong classify --input FILE`: a whole file through `gamjeong::bulk::Session`, rows
//! out in input order as JSON Lines on stdout or a CSV/JSONL file, with a progress bar on
//! stderr when stderr is a terminal.

use gamjeong::bulk::{Done, Format, Options, Progress, Session};
use gamjeong::{Classifier, Error};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// Input bytes read per push.
const CHUNK_BYTES: usize = 64 << 10;
/// Rows per classification step (the classifier splits them into passes of ≤ 512 tokens).
const STEP_ROWS: usize = 64;

pub struct FileArgs {
    pub input: PathBuf,
    pub format: String,
    pub column: Option<String>,
    pub output: Option<PathBuf>,
    pub all_scores: bool,
    pub low_confidence: f32,
}

/// Runs a file through `model`; the error names the file (and the line, for a bad row).
pub fn run(model: &Classifier, args: FileArgs) -> Result<(), Error> {
    let stdin = args.input.as_os_str() == "-";
    let name = if stdin {
        "<stdin>".to_owned()
    } else {
        args.input.display().to_string()
    };
    let named = |e: gamjeong::bulk::BulkError| -> Error {
        match e {
            gamjeong::bulk::BulkError::Input(e) => Error::InvalidInput(format!("{name}: {e}")),
            gamjeong::bulk::BulkError::Model(e) => e,
        }
    };
    let format = Format::parse(&args.format)
        .ok_or_else(|| Error::InvalidInput(format!("unknown format `{}`", args.format)))?;
    let options = Options {
        format,
        file_name: (!stdin).then(|| name.clone()),
        column: args.column,
        all_scores: args.all_scores,
        low_confidence: args.low_confidence,
    };
    if let (false, Some(output)) = (stdin, &args.output) {
        if same_file(&args.input, output) {
            return Err(Error::InvalidInput(format!(
                "--output {}: that is the input file; name another file",
                output.display()
            )));
        }
    }
    let mut session = Session::new(options, model).map_err(named)?;
    let (mut reader, size): (Box<dyn Read>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let file = File::open(&args.input).map_err(|source| Error::Io {
            path: args.input.clone(),
            source,
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let mut sink = Sink::create(args.output.as_deref())?;
    let bar = Bar::new(size);
    let result = (|| {
        let mut buf = vec![0; CHUNK_BYTES];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(Error::Io {
                        path: args.input.clone(),
                        source,
                    })
                }
            };
            session.push(&buf[..n]).map_err(named)?;
            drive(&mut session, model, &mut sink, &bar).map_err(named)?;
        }
        session.finish_input().map_err(named)?;
        drive(&mut session, model, &mut sink, &bar).map_err(named)
    })();
    bar.finish();
    if let Err(e) = result {
        sink.abandon();
        return Err(e);
    }
    sink.finish(&session)?;
    report(&session, &name, args.output.as_deref());
    Ok(())
}

/// Whether `a` and `b` name one existing file (the output would replace the input when its
/// `.part` is renamed at the end).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Classifies what can be classified now and writes the rows that are finished.
fn drive(
    session: &mut Session,
    model: &Classifier,
    sink: &mut Sink,
    bar: &Bar,
) -> Result<(), gamjeong::bulk::BulkError> {
    while session.step(model, STEP_ROWS)? > 0 {
        let rows = session.drain();
        sink.write(session, &rows)?;
        bar.update(session.progress());
    }
    Ok(())
}

fn report(session: &Session, input: &str, output: Option<&Path>) {
    let s = session.summary();
    let to = output.map_or("stdout".to_owned(), |p| p.display().to_string());
    let mut line = format!(
        "gamjeong: {input}: {} rows -> {to} ({} classified, {} empty, {} media; {} below the \
         low-confidence threshold)",
        s.rows, s.classified, s.skipped_empty, s.skipped_media, s.low_confidence
    );
    if let Some(c) = s.chat_lines {
        line += &format!(
            "; not messages: {} header lines, {} events (joins, leaves, deletions), {} unrecognized lines before the first message",
            c.header, c.events, c.unrecognized
        );
    }
    eprintln!("{line}");
}

/// Where rows go: JSON Lines on stdout, or a CSV/JSONL file written as `NAME.part` and
/// renamed when the run is complete, so a failed run never leaves a file that looks whole.
struct Sink {
    out: Box<dyn Write>,
    csv: bool,
    header_done: bool,
    file: Option<(PathBuf, PathBuf)>,
    buf: Vec<u8>,
    rows: u64,
}

impl Sink {
    fn create(path: Option<&Path>) -> Result<Sink, Error> {
        let Some(path) = path else {
            return Ok(Sink {
                out: Box::new(BufWriter::new(std::io::stdout().lock())),
                csv: false,
                header_done: true,
                file: None,
                buf: Vec::new(),
                rows: 0,
            });
        };
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let csv = match ext.as_deref() {
            Some("csv") => true,
            Some("jsonl" | "ndjson" | "json") => false,
            _ => {
                return Err(Error::InvalidInput(format!(
                    "--output {}: name a .csv or a .jsonl file",
                    path.display()
                )))
            }
        };
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(|source| Error::Io {
            path: part.clone(),
            source,
        })?;
        Ok(Sink {
            out: Box::new(BufWriter::new(file)),
            csv,
            header_done: !csv,
            file: Some((part, path.to_path_buf())),
            buf: Vec::new(),
            rows: 0,
        })
    }

    fn write(&mut self, session: &Session, rows: &[Done]) -> Result<(), Error> {
        let Some(schema) = session.schema() else {
            return Ok(());
        };
        self.buf.clear();
        if !self.header_done {
            schema.csv_header(&mut self.buf)?;
            self.header_done = true;
        }
        if self.csv {
            schema.csv_rows(rows, &mut self.buf)?;
        } else {
            schema.jsonl_rows(rows, &mut self.buf)?;
        }
        self.rows += rows.len() as u64;
        self.out.write_all(&self.buf).map_err(|e| self.io(e))
    }

    /// A failed run: keeps the rows written so far in `NAME.part` (and says so), or
    /// removes it if there are none.
    fn abandon(mut self) {
        let _ = self.out.flush();
        drop(self.out);
        let Some((part, _)) = &self.file else { return };
        if self.rows == 0 {
            let _ = std::fs::remove_file(part);
        } else {
            eprintln!(
                "gamjeong: the {} rows before the error are in {} (incomplete)",
                self.rows,
                part.display()
            );
        }
    }

    /// Flushes, and renames `NAME.part` to `NAME`.
    fn finish(mut self, session: &Session) -> Result<(), Error> {
        self.write(session, &[])?; // the header of a file without rows
        self.out.flush().map_err(|e| self.io(e))?;
        drop(self.out);
        if let Some((part, path)) = &self.file {
            std::fs::rename(part, path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    fn io(&self, source: std::io::Error) -> Error {
        let path = self
            .file
            .as_ref()
            .map_or_else(|| PathBuf::from("<stdout>"), |(part, _)| part.clone());
        Error::Io { path, source }
    }
}

/// Rows done, rows/s and, for a file of known size, the share read and the ETA; drawn only
/// when stderr is a terminal.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(size: Option<u64>) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let (bar, template) = match size {
            Some(len) => (
                indicatif::ProgressBar::new(len),
                "{msg} [{bar:30}] {percent}% ETA {eta}",
            ),
            None => (indicatif::ProgressBar::new_spinner(), "{spinner} {msg}"),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(Some(bar))
    }

    fn update(&self, p: Progress) {
        let Some(bar) = &self.0 else { return };
        let secs = bar.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!(
            "{} rows, {:.1} rows/s",
            p.rows_done,
            p.rows_done as f64 / secs
        ));
        bar.set_position(p.bytes_done);
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
