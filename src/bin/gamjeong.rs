//! `gamjeong` command line: classify Korean text with a local model folder.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
#[path = "gamjeong/classify_file.rs"]
mod classify_file;

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand};
    use gamjeong::internals::io::{
        weights_file, CheckpointStream, Format, TensorInfo, TensorReader, TensorSink, WeightsFile,
        WEIGHT_FILES,
    };
    use gamjeong::{Classifier, Error, ModelSource, Quant, QuantMetadata, StreamingQuantizer};
    use serde::Serialize;
    use std::io::{BufRead, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    #[derive(Parser)]
    #[command(
        name = "gamjeong",
        version,
        about = "Korean 60-emotion classifier (BERT, runs locally)"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
        /// Threads for inference (default: the machine's cores). Results are bit-identical
        /// for every thread count.
        #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// Bits per activation in the int8 layers of a quantized model: 8 (the `vpdpbusd`
        /// format, fast on CPUs with AVX-VNNI or AVX-512 VNNI) or 15 (the browser's format:
        /// the page's scores within 1e-4). Default: 15 (8 bits' fidelity: docs/quantization.md).
        /// Results depend on it, never on the CPU.
        #[arg(long, global = true, value_parser = activation_bits)]
        activations: Option<gamjeong::Activations>,
        /// How scores come from logits, overriding config.json's `problem_type`: softmax,
        /// sigmoid (each label's own probability, for a multi-label model whose config does
        /// not say so) or identity (the raw logits). As transformers' `function_to_apply`.
        #[arg(long, global = true, value_parser = score_fn)]
        score_fn: Option<gamjeong::ScoreFn>,
    }

    /// The arguments of `classify` on texts, which the file options (`--format`, `--column`,
    /// …) conflict with: `requires = "input"` alone would let them pass silently with TEXTS,
    /// since clap excuses a required `--input` that conflicts with an argument present.
    const ONE_TEXT_ARGS: [&str; 3] = ["texts", "json", "top_k"];

    #[derive(Subcommand)]
    enum Command {
        /// Classify texts given as arguments, or one per line on stdin when none are given;
        /// or a whole file with --input (docs/bulk.md).
        Classify {
            /// Model folder in Hugging Face layout (config.json, tokenizer.json, and
            /// model.safetensors or pytorch_model.bin), a quantized .safetensors file, or a
            /// pytorch_model.bin with config.json and tokenizer.json next to it.
            #[arg(long)]
            model: PathBuf,
            /// Print only the N best emotions (default: 5, or all with --json).
            #[arg(long, conflicts_with = "input")]
            top_k: Option<usize>,
            /// Print JSON Lines: {"text","tokens","truncated","logits","scores"} per input.
            #[arg(long, conflicts_with = "input")]
            json: bool,
            #[arg(conflicts_with = "input")]
            texts: Vec<String>,
            /// Classify a whole file (`-`: stdin): text lines, CSV, TSV, JSONL or a KakaoTalk
            /// chat export. One output row per input row, in input order.
            #[arg(long, value_name = "FILE")]
            input: Option<PathBuf>,
            /// The input's format (auto: CSV, TSV and JSONL by extension, else KakaoTalk,
            /// JSONL or lines by content).
            #[arg(long, requires = "input", conflicts_with_all = ONE_TEXT_ARGS, default_value = "auto",
                  value_parser = ["auto", "lines", "csv", "tsv", "jsonl", "kakao"])]
            format: String,
            /// The text column of a CSV/TSV file or field of a JSONL file (default: `text`,
            /// or the only column).
            #[arg(long, requires = "input", conflicts_with_all = ONE_TEXT_ARGS)]
            column: Option<String>,
            /// Write a .csv (UTF-8 with BOM) or .jsonl file instead of JSON Lines on stdout.
            #[arg(long, requires = "input", conflicts_with_all = ONE_TEXT_ARGS, value_name = "OUT")]
            output: Option<PathBuf>,
            /// Add one score_<label> column per class.
            #[arg(long, requires = "input", conflicts_with_all = ONE_TEXT_ARGS)]
            all_scores: bool,
            /// Mark rows whose top score is below this as low_confidence.
            #[arg(long, requires = "input", conflicts_with_all = ONE_TEXT_ARGS, default_value_t = gamjeong::bulk::DEFAULT_LOW_CONFIDENCE)]
            low_confidence: f32,
        },
        /// Score each word of the texts for a label: p(label | text) − p(label | word masked).
        Explain {
            #[arg(long)]
            model: PathBuf,
            /// The label to explain, by name or index (default: each text's top label).
            #[arg(long)]
            label: Option<String>,
            /// Print JSON Lines: {"text","label","index","prob","tokens","truncated","words"}
            /// per input; word offsets count Unicode scalar values.
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
        /// Write a single-file quantized model (docs/FORMAT.md) from a Hugging Face folder.
        Quantize {
            /// Model folder with config.json, tokenizer.json and f32/f16 weights
            /// (model.safetensors, else pytorch_model.bin), or the weights file itself.
            #[arg(long)]
            model: PathBuf,
            /// The tier: q8 (int8, per-row scales), q4 (the ≤ 70 MB tier: entropy-coded, ~4.8
            /// bits per weight), q5 or q6 (q4's storage with finer steps). `--scheme` is an
            /// alias.
            #[arg(long, alias = "scheme", value_parser = quant_tier)]
            quant: Quant,
            #[arg(long)]
            out: PathBuf,
            /// Source model id recorded in the metadata (default: the folder name).
            #[arg(long)]
            source_id: Option<String>,
            /// Source revision recorded in the metadata.
            #[arg(long, default_value = "unknown")]
            revision: String,
        },
        /// Show a quantized file's metadata, tensors and sizes, and verify its checksum; or
        /// list the tensors of a model folder's (or file's) model.safetensors or
        /// pytorch_model.bin, checking the file reads through.
        Inspect { file: PathBuf },
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
        let threads = cli.threads.map(usize::from).unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        // candle runs element-wise tensor ops on a pool of its own, sized from this variable
        // when it first runs (the tensor ops are per element: any size gives the same bits).
        std::env::set_var("CANDLE_NUM_THREADS", threads.to_string());
        // `None` keeps the model's default.
        let (activations, score_fn) = (cli.activations, cli.score_fn);
        let load = |path: &Path| load(path, threads, activations, score_fn);
        let result = match cli.command {
            Command::Classify {
                model,
                input: Some(input),
                format,
                column,
                output,
                all_scores,
                low_confidence,
                ..
            } => load(&model).and_then(|m| {
                let args = crate::classify_file::FileArgs {
                    input,
                    format,
                    column,
                    output,
                    all_scores,
                    low_confidence,
                };
                crate::classify_file::run(&m, args).map(|()| true)
            }),
            Command::Classify {
                model,
                top_k,
                json,
                texts,
                ..
            } => load(&model)
                .and_then(|m| run(texts, |text, out| classify(&m, text, top_k, json, out))),
            Command::Explain {
                model,
                label,
                json,
                texts,
            } => load(&model).and_then(|m| {
                let label = label.map(|l| m.label_index(&l)).transpose()?;
                run(texts, |text, out| explain(&m, text, label, json, out))
            }),
            Command::Embed { model, texts } => load(&model).and_then(|m| {
                run(texts, |text, out| {
                    let line = Line {
                        text,
                        result: m.embed(text)?,
                    };
                    writeln!(out, "{}", to_json(&line)).map_err(io_error)
                })
            }),
            Command::Quantize {
                model,
                quant,
                out,
                source_id,
                revision,
            } => quantize(&model, quant, &out, source_id, revision).map(|()| true),
            Command::Inspect { file } => inspect(&file),
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

    fn read(path: &Path) -> Result<Vec<u8>, Error> {
        std::fs::read(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }

    /// `--quant`'s value: a tier's name, the error listing them all.
    fn score_fn(name: &str) -> Result<gamjeong::ScoreFn, String> {
        name.parse().map_err(|e: Error| e.to_string())
    }

    fn activation_bits(bits: &str) -> Result<gamjeong::Activations, String> {
        let all = gamjeong::Activations::ALL;
        bits.parse()
            .ok()
            .and_then(gamjeong::Activations::from_bits)
            .ok_or_else(|| {
                let known: Vec<String> = all.map(|a| a.bits().to_string()).to_vec();
                format!(
                    "`{bits}` is not an activation format (known: {})",
                    known.join(", ")
                )
            })
    }

    fn quant_tier(name: &str) -> Result<Quant, String> {
        Quant::parse(name).ok_or_else(|| {
            let known: Vec<&str> = Quant::ALL.map(Quant::name).to_vec();
            format!("unknown tier `{name}` (known: {})", known.join(", "))
        })
    }

    fn quantize(
        dir: &Path,
        quant: Quant,
        out: &Path,
        source_id: Option<String>,
        revision: String,
    ) -> Result<(), Error> {
        let path = weights_path(dir)?;
        let dir = if dir.is_file() {
            dir.parent().unwrap_or(Path::new("."))
        } else {
            dir
        };
        let text = |name: &str| {
            String::from_utf8(read(&dir.join(name))?)
                .map_err(|_| Error::InvalidInput(format!("{name} is not UTF-8")))
        };
        let model = source_id.unwrap_or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default()
        });
        let mut q = StreamingQuantizer::new(
            quant,
            ModelSource { model, revision },
            &text("config.json")?,
            &tokenizer_json(dir)?,
        )?;
        // Fed in chunks like a download, so the CLI exercises the browser's code path.
        WeightsFile::open(&path)?.stream_into(&mut q)?;
        let bytes = q.finish()?;
        std::fs::write(out, &bytes).map_err(|source| Error::Io {
            path: out.into(),
            source,
        })?;
        let src = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "gamjeong: wrote {} ({:.1} MB, {:.2}x smaller than {:.1} MB)",
            out.display(),
            bytes.len() as f64 / 1e6,
            src as f64 / bytes.len() as f64,
            src as f64 / 1e6
        );
        Ok(())
    }

    /// The weights file a folder (or the file itself) names, saying which was picked and why.
    fn weights_path(model: &Path) -> Result<PathBuf, Error> {
        if model.is_file() {
            return Ok(model.into());
        }
        let path = weights_file(model)?;
        if !path.ends_with(WEIGHT_FILES[0]) {
            eprintln!(
                "gamjeong: reading {} (the folder has no {})",
                path.display(),
                WEIGHT_FILES[0]
            );
        }
        Ok(path)
    }

    fn inspect(path: &Path) -> Result<bool, Error> {
        let path = &weights_path(path)?;
        let bytes = read(path)?;
        if !gamjeong::is_quantized(&bytes) {
            return list_weights(path, &bytes);
        }
        let meta = QuantMetadata::read(&bytes, false)?;
        let checksum = QuantMetadata::read(&bytes, true);
        println!("file            {} ({} bytes)", path.display(), bytes.len());
        println!("format          {} {}", meta.format, meta.format_version);
        println!("quant           {}", meta.quant);
        println!(
            "source          {} @ {}",
            meta.source_model, meta.source_revision
        );
        println!("source sha256   {}", meta.source_sha256);
        println!(
            "payload xxh3    {} ({})",
            meta.payload_xxh3,
            if checksum.is_ok() {
                "verified"
            } else {
                "MISMATCH"
            }
        );
        println!("config.json     {} bytes", meta.config_json.len());
        println!("tokenizer.json  {} bytes", meta.tokenizer_json.len());
        println!("quantizer       {}", meta.quantizer);
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| Error::Safetensors(e.to_string()))?;
        let mut tensors = st.tensors();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        let mut by_dtype = std::collections::BTreeMap::<String, usize>::new();
        println!(
            "\n{:<64} {:>5} {:>14} {:>12}",
            "tensor", "dtype", "shape", "bytes"
        );
        for (name, view) in &tensors {
            let dtype = format!("{:?}", view.dtype());
            println!(
                "{name:<64} {dtype:>5} {:>14} {:>12}",
                format!("{:?}", view.shape()),
                view.data().len()
            );
            *by_dtype.entry(dtype).or_default() += view.data().len();
        }
        println!();
        for (dtype, n) in by_dtype {
            println!("{dtype:>5} total {:>10.2} MB", n as f64 / 1e6);
        }
        if let Err(e) = checksum {
            eprintln!("gamjeong: {e}");
            return Ok(false);
        }
        Ok(true)
    }

    /// Lists a source weights file's tensors (safetensors or PyTorch), reading it through the
    /// stream the quantizer uses: a damaged file fails here as it would there.
    fn list_weights(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
        struct List(Vec<TensorInfo>);
        impl TensorSink for List {
            fn header(
                &mut self,
                _: Option<&serde_json::Map<String, serde_json::Value>>,
                tensors: &[TensorInfo],
            ) -> Result<Vec<bool>, Error> {
                self.0 = tensors.to_vec();
                Ok(vec![false; tensors.len()])
            }
            fn tensor(&mut self, _: usize, _: &TensorInfo, _: Vec<u8>) -> Result<(), Error> {
                Ok(())
            }
        }
        let mut stream = CheckpointStream::new();
        let mut list = List(Vec::new());
        stream.push(bytes, &mut list)?;
        stream.check_complete()?;
        let format = match stream.format() {
            Some(Format::PytorchZip) => "PyTorch zip checkpoint",
            _ => "safetensors",
        };
        println!("file            {} ({} bytes)", path.display(), bytes.len());
        println!("format          {format} (source weights, not a gamjeong quantized file)");
        println!(
            "\n{:<64} {:>5} {:>14} {:>12}",
            "tensor", "dtype", "shape", "bytes"
        );
        for t in &list.0 {
            println!(
                "{:<64} {:>5} {:>14} {:>12}",
                t.name,
                format!("{:?}", t.dtype),
                format!("{:?}", t.shape),
                t.end - t.start
            );
        }
        Ok(true)
    }

    fn load(
        path: &std::path::Path,
        threads: usize,
        activations: Option<gamjeong::Activations>,
        score_fn: Option<gamjeong::ScoreFn>,
    ) -> Result<Classifier, Error> {
        let mut model = Classifier::from_path(path)?;
        model.set_threads(threads)?;
        if let Some(activations) = activations {
            model.set_activations(activations);
        }
        if let Some(score_fn) = score_fn {
            model.set_score_fn(score_fn);
        }
        Ok(model)
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
            writeln!(out, "  {:6.2}%  {}{gloss}{group}", s.score * 100.0, s.label)
                .map_err(io_error)?;
        }
        Ok(())
    }

    fn explain(
        model: &Classifier,
        text: &str,
        label: Option<usize>,
        json: bool,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let e = model.explain(text, label)?;
        if json {
            return writeln!(out, "{}", to_json(&Line { text, result: e })).map_err(io_error);
        }
        let note = if e.truncated { ", truncated" } else { "" };
        writeln!(
            out,
            "{}  {:.2}%  ({} tokens{note})",
            e.label,
            e.prob * 100.0,
            e.tokens
        )
        .map_err(io_error)?;
        // Each word followed by its score in percentage points: how much p(label) drops when
        // the word is masked.
        let mut line: Vec<String> = e
            .words
            .iter()
            .filter_map(|w| Some(format!("{}[{:+.1}]", w.text, w.score? * 100.0)))
            .collect();
        let past = e.words.iter().filter(|w| w.score.is_none()).count();
        if past > 0 {
            line.push(format!(
                "… ({past} more words past the truncation, not scored)"
            ));
        }
        writeln!(out, "  {}", line.join(" ")).map_err(io_error)
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
                    let line = ErrorLine {
                        text,
                        error: e.to_string(),
                    };
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

    /// The folder's `tokenizer.json`, or the one built from its `vocab.txt`.
    fn tokenizer_json(dir: &Path) -> Result<String, Error> {
        let bytes = gamjeong::internals::tokenize::tokenizer_json_in_dir(dir)?;
        String::from_utf8(bytes)
            .map_err(|_| Error::InvalidInput("tokenizer.json is not UTF-8".into()))
    }

    fn io_error(source: std::io::Error) -> Error {
        Error::Io {
            path: "<stdout/stdin>".into(),
            source,
        }
    }
}
