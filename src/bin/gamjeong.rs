//! `gamjeong` command line: classify Korean text with a local model folder.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand};
    use gamjeong::{Classifier, Error};
    use serde::Serialize;
    use std::io::{BufRead, Write};
    use std::path::PathBuf;
    use std::process::ExitCode;

    #[derive(Parser)]
    #[command(name = "gamjeong", version, about = "Korean 60-emotion classifier (BERT, runs locally)")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Classify texts given as arguments, or one per line on stdin when none are given.
        Classify {
            /// Model folder in Hugging Face layout (config.json, tokenizer.json, model.safetensors).
            #[arg(long)]
            model: PathBuf,
            /// Print only the N best emotions (default: 5, or all with --json).
            #[arg(long)]
            top_k: Option<usize>,
            /// Print JSON Lines: {"text","tokens","truncated","logits","scores"} per input.
            #[arg(long)]
            json: bool,
            texts: Vec<String>,
        },
        /// Print encoder outputs (last hidden state, pooled) as JSON Lines; works on any BERT.
        Embed {
            #[arg(long)]
            model: PathBuf,
            texts: Vec<String>,
        },
    }

    #[derive(Serialize)]
    struct Line<'a, T: Serialize> {
        text: &'a str,
        #[serde(flatten)]
        result: T,
    }

    #[derive(Serialize)]
    struct ErrorLine<'a> {
        text: &'a str,
        error: String,
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        let result = match cli.command {
            Command::Classify { model, top_k, json, texts } => {
                load(&model).and_then(|m| run(texts, |text, out| classify(&m, text, top_k, json, out)))
            }
            Command::Embed { model, texts } => load(&model).and_then(|m| {
                run(texts, |text, out| {
                    let line = Line { text, result: m.embed(text)? };
                    writeln!(out, "{}", to_json(&line)).map_err(io_error)
                })
            }),
        };
        match result {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("gamjeong: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn load(path: &std::path::Path) -> Result<Classifier, Error> {
        Classifier::from_dir(path)
    }

    fn classify(
        model: &Classifier,
        text: &str,
        top_k: Option<usize>,
        json: bool,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let mut c = model.classify(text)?;
        if json {
            if let Some(k) = top_k {
                c = c.top_k(k);
            }
            return writeln!(out, "{}", to_json(&Line { text, result: c })).map_err(io_error);
        }
        let c = c.top_k(top_k.unwrap_or(5));
        let note = if c.truncated { ", truncated" } else { "" };
        writeln!(out, "{text}  ({} tokens{note})", c.tokens).map_err(io_error)?;
        for s in &c.scores {
            let gloss = s.gloss.map(|g| format!(" ({g})")).unwrap_or_default();
            let group = s.group.map(|g| format!("  [{g}]")).unwrap_or_default();
            writeln!(out, "  {:6.2}%  {}{gloss}{group}", s.score * 100.0, s.label).map_err(io_error)?;
        }
        Ok(())
    }

    /// Runs `each` on the argument texts, or on every stdin line. A failing text is
    /// reported and the rest still run; returns whether all succeeded.
    fn run(
        texts: Vec<String>,
        mut each: impl FnMut(&str, &mut dyn Write) -> Result<(), Error>,
    ) -> Result<bool, Error> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let mut ok = true;
        let mut handle = |text: &str, out: &mut dyn Write| -> Result<(), Error> {
            match each(text, out) {
                Ok(()) => Ok(()),
                Err(e @ Error::Io { .. }) => Err(e),
                Err(e) => {
                    ok = false;
                    eprintln!("gamjeong: {e}");
                    let line = ErrorLine { text, error: e.to_string() };
                    writeln!(out, "{}", to_json(&line)).map_err(io_error)
                }
            }
        };
        if texts.is_empty() {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let mut buf = Vec::new();
            let mut line_no = 0usize;
            loop {
                buf.clear();
                line_no += 1;
                if input.read_until(b'\n', &mut buf).map_err(io_error)? == 0 {
                    break;
                }
                let raw = buf.strip_suffix(b"\n").unwrap_or(&buf);
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let text = String::from_utf8_lossy(raw);
                if let std::borrow::Cow::Owned(_) = text {
                    eprintln!("gamjeong: stdin line {line_no} is not valid UTF-8; bad bytes replaced by U+FFFD");
                }
                handle(&text, &mut out)?;
            }
        } else {
            for text in &texts {
                handle(text, &mut out)?;
            }
        }
        out.flush().map_err(io_error)?;
        Ok(ok)
    }

    fn to_json<T: Serialize>(value: &T) -> String {
        // Serializing plain structs of strings and numbers cannot fail; NaN becomes null.
        serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    fn io_error(source: std::io::Error) -> Error {
        Error::Io { path: "<stdout/stdin>".into(), source }
    }
}
