//! The `gamjeong` binary: JSON Lines round trip against the library and the reference.
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/wasm_*.rs run in the browser

mod common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny-ko");

fn gamjeong(args: &[&str], stdin: &str) -> (bool, String, String) {
    let out = gamjeong_bytes(args, stdin.as_bytes());
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn gamjeong_bytes(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gamjeong"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn json_lines_match_library_and_reference() {
    let reference = reference(TINY_REFERENCE);
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
    let stdin: String = texts
        .iter()
        .filter(|t| !t.contains('\n'))
        .map(|t| format!("{t}\n"))
        .collect();
    let (ok, stdout, stderr) = gamjeong(&["classify", "--model", MODEL, "--json"], &stdin);
    assert!(ok, "{stderr}");
    let lines = json_lines(&stdout);
    let model = tiny();
    let cases: Vec<_> = reference
        .cases
        .iter()
        .filter(|c| !c.text.contains('\n'))
        .collect();
    assert_eq!(lines.len(), cases.len(), "one JSON line per input line");
    for (line, case) in lines.iter().zip(cases) {
        assert_eq!(line["text"], case.text.as_str());
        assert_eq!(line["tokens"], case.input_ids.len());
        assert_eq!(line["truncated"], case.truncated);
        let logits = floats(&line["logits"]);
        assert!(
            max_abs_diff(&logits, &case.logits) <= TOLERANCE,
            "{}",
            case.name
        );
        let lib = model.classify(&case.text).unwrap();
        let scores = line["scores"].as_array().unwrap();
        assert_eq!(scores.len(), 60);
        for (s, expected) in scores.iter().zip(&lib.scores) {
            assert_eq!(s["index"], expected.index);
            assert_eq!(s["label"], expected.label.as_str());
            assert_eq!(s["group"], expected.group.unwrap());
            assert_eq!(s["score"].as_f64().unwrap() as f32, expected.score);
        }
    }
}

#[test]
fn arguments_top_k_and_human_output() {
    let (ok, stdout, _) = gamjeong(
        &[
            "classify", "--model", MODEL, "--json", "--top-k", "3", "하나", "둘",
        ],
        "",
    );
    assert!(ok);
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["text"], "둘");
    assert_eq!(lines[0]["scores"].as_array().unwrap().len(), 3);
    assert_eq!(lines[0]["logits"].as_array().unwrap().len(), 60);

    let (ok, stdout, _) = gamjeong(
        &["classify", "--model", MODEL, "--top-k", "2", "행복해"],
        "",
    );
    assert!(ok);
    let top = tiny().classify("행복해").unwrap();
    assert!(
        stdout.contains(&top.scores[0].label) && stdout.contains("%"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
}

#[test]
fn invalid_utf8_on_stdin_is_replaced_not_dropped() {
    let out = gamjeong_bytes(
        &["classify", "--model", MODEL, "--json"],
        b"ok\n\xff\xfe bad\r\n\nlast",
    );
    assert!(out.status.success());
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    let texts: Vec<_> = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["ok", "\u{fffd}\u{fffd} bad", "", "last"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2 is not valid UTF-8"));
}

#[test]
fn bad_model_path_fails_with_message() {
    let (ok, _, stderr) = gamjeong(&["classify", "--model", "/nonexistent", "x"], "");
    assert!(!ok);
    assert!(
        stderr.contains("/nonexistent: no such file or folder"),
        "{stderr}"
    );
}

#[test]
fn classify_on_encoder_only_model_says_to_embed() {
    let encoder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-ko-encoder"
    );
    let (ok, stdout, stderr) = gamjeong(&["classify", "--model", encoder, "--json", "x"], "");
    assert!(!ok);
    assert!(stderr.contains("use `embed`"), "{stderr}");
    assert!(json_lines(&stdout)[0]["error"]
        .as_str()
        .unwrap()
        .contains("classification head"));
    let (ok, stdout, _) = gamjeong(&["embed", "--model", encoder, "안녕"], "");
    assert!(ok);
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["pooled"].as_array().unwrap().len(), 64);
}

#[test]
fn quantize_refuses_an_unknown_tier_naming_the_known_ones() {
    let out = std::env::temp_dir().join(format!("gamjeong-q3-{}", std::process::id()));
    let (ok, _, err) = gamjeong(
        &[
            "quantize",
            "--model",
            MODEL,
            "--quant",
            "q3",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok && !out.exists());
    assert!(err.contains("q8, q4, q5, q6"), "{err}");
}

#[test]
fn quantize_matches_golden_digests() {
    let dir = std::env::temp_dir().join(format!("gamjeong-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut lines = Vec::new();
    // `--scheme` is `--quant`'s alias: both flags must give the golden bytes.
    for (flag, scheme) in [("--quant", "q8"), ("--scheme", "q4")] {
        let out = dir.join(format!("tiny-ko.{scheme}.safetensors"));
        let (ok, _, err) = gamjeong(
            &[
                "quantize",
                "--model",
                MODEL,
                flag,
                scheme,
                "--out",
                out.to_str().unwrap(),
                "--source-id",
                GOLDEN_SOURCE_ID,
                "--revision",
                GOLDEN_REVISION,
            ],
            "",
        );
        assert!(ok, "quantize {scheme}: {err}");
        let digest = sha256_hex(&std::fs::read(&out).unwrap());
        lines.push(format!("{scheme} {digest}\n"));
        if std::env::var_os("GAMJEONG_BLESS").is_none() {
            assert_eq!(
                digest,
                golden_digest(scheme),
                "the CLI's {scheme} bytes changed: if deliberate, regenerate \
                 tests/fixtures/tiny-ko/quantized.sha256 (see tests/common/mod.rs)"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    if std::env::var_os("GAMJEONG_BLESS").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tiny-ko/quantized.sha256"
        );
        std::fs::write(path, lines.concat()).unwrap();
    }
}

#[test]
fn explain_json_lines_match_the_reference_ablations() {
    // Every one-line fixture text on stdin, for its top label; offsets in Unicode scalar values.
    let reference = explain_reference(TINY_EXPLAIN);
    let cases: Vec<_> = reference
        .cases
        .iter()
        .filter(|c| !c.text.contains(['\n', '\r']))
        .collect();
    let stdin: String = cases.iter().map(|c| format!("{}\n", c.text)).collect();
    let (ok, stdout, stderr) = gamjeong(&["explain", "--model", MODEL, "--json"], &stdin);
    assert!(ok, "{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), cases.len());
    for (line, case) in lines.iter().zip(&cases) {
        let want = &case.explanations[0];
        assert_eq!(line["text"], case.text.as_str());
        assert_eq!(line["index"], want.index);
        let words = line["words"].as_array().unwrap();
        assert_eq!(words.len(), want.words.len(), "{}", case.name);
        let chars: Vec<char> = case.text.chars().collect();
        for (w, r) in words.iter().zip(&want.words) {
            let (start, end) = (w["start"].as_u64().unwrap(), w["end"].as_u64().unwrap());
            let text: String = chars[start as usize..end as usize].iter().collect();
            assert_eq!(w["text"], text.as_str());
            assert_eq!(text, r.text);
            match (w["score"].as_f64(), r.score) {
                (Some(a), Some(b)) => assert!((a as f32 - b).abs() <= TOLERANCE, "{}", case.name),
                (a, b) => assert_eq!(a.map(|a| a as f32), b, "{}", case.name),
            }
        }
    }
    // A label by name; an unknown one is an error before any text runs.
    let (ok, stdout, _) = gamjeong(
        &["explain", "--model", MODEL, "--label", "기쁨", "오늘 좋아"],
        "",
    );
    assert!(ok);
    assert!(stdout.starts_with("기쁨 "), "{stdout}");
    assert!(
        stdout.contains("오늘[") && stdout.contains("좋아["),
        "{stdout}"
    );
    let (ok, _, stderr) = gamjeong(
        &["explain", "--model", MODEL, "--label", "없음", "오늘"],
        "",
    );
    assert!(!ok && stderr.contains("없음"), "{stderr}");
}

/// tiny-ko at q8 by the CLI (the golden digest's bytes), for the whole-file tests.
fn q8_model_file() -> &'static str {
    static FILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("gamjeong-bulk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("tiny-ko.q8.safetensors");
        let (ok, _, err) = gamjeong(
            &[
                "quantize",
                "--model",
                MODEL,
                "--scheme",
                "q8",
                "--out",
                out.to_str().unwrap(),
                "--source-id",
                GOLDEN_SOURCE_ID,
                "--revision",
                GOLDEN_REVISION,
            ],
            "",
        );
        assert!(ok, "{err}");
        assert_eq!(
            sha256_hex(&std::fs::read(&out).unwrap()),
            golden_digest("q8")
        );
        out.to_str().unwrap().to_owned()
    })
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gamjeong-bulk-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const BULK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bulk");

/// `--activations`: a model runs 15 bits by default, and the flag picks the format the
/// library's `set_activations` does.
#[test]
fn activations_flag_matches_the_library() {
    let file = q8_model_file();
    let mut model = gamjeong::Classifier::from_path(file).unwrap();
    assert_eq!(model.activations(), gamjeong::Activations::Bits15);
    let text = "오늘 정말 행복해";
    let logits = |args: &[&str]| {
        let mut all = vec!["classify", "--model", file, "--json", "--threads", "1"];
        all.extend(args);
        let (ok, stdout, stderr) = gamjeong(&all, &format!("{text}\n"));
        assert!(ok, "{stderr}");
        floats(&json_lines(&stdout)[0]["logits"])
    };
    let by_default = logits(&[]);
    assert_eq!(by_default, model.classify(text).unwrap().logits);
    assert_eq!(logits(&["--activations", "15"]), by_default);
    model.set_activations(gamjeong::Activations::Bits8);
    let bits8 = logits(&["--activations", "8"]);
    assert_eq!(bits8, model.classify(text).unwrap().logits);
    assert_ne!(bits8, by_default, "the two formats round differently");
    let (ok, _, stderr) = gamjeong(
        &["classify", "--model", file, "--activations", "7", "x"],
        "",
    );
    assert!(!ok && stderr.contains("--activations"), "{stderr}");
    assert!(
        stderr.contains("known: 15, 8"),
        "names the formats: {stderr}"
    );
}

/// `--score-fn` picks the scores the library's `set_score_fn` gives, in the text mode and in
/// the file mode, and names the known functions on a bad one.
#[test]
fn score_fn_flag_matches_the_library() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-ko-multilabel"
    );
    let mut model = gamjeong::Classifier::from_path(dir).unwrap();
    model.set_score_fn(gamjeong::ScoreFn::Softmax);
    let text = "오늘 정말 행복해";
    let want = model.classify(text).unwrap();
    let (ok, stdout, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            dir,
            "--json",
            "--score-fn",
            "softmax",
        ],
        &format!("{text}\n"),
    );
    assert!(ok, "{stderr}");
    let got = &json_lines(&stdout)[0]["scores"][0];
    assert_eq!(got["index"], want.scores[0].index);
    assert_eq!(got["score"].as_f64().unwrap() as f32, want.scores[0].score);
    let (ok, stdout, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            dir,
            "--input",
            "-",
            "--format",
            "lines",
            "--score-fn",
            "softmax",
        ],
        &format!("{text}\n"),
    );
    assert!(ok, "{stderr}");
    let row = &json_lines(&stdout)[0];
    assert_eq!(row["label"], want.scores[0].label.as_str(), "{row}");
    assert_eq!(row["score"].as_f64().unwrap() as f32, want.scores[0].score);
    let (ok, _, stderr) = gamjeong(&["classify", "--model", dir, "--score-fn", "relu", "x"], "");
    assert!(
        !ok && stderr.contains("softmax, sigmoid, identity"),
        "{stderr}"
    );
}

#[test]
fn classify_file_writes_the_golden_csv_and_jsonl() {
    // GAMJEONG_BLESS=1 rewrites tests/fixtures/bulk/expected/ (the browser test reads them too).
    let bless = std::env::var_os("GAMJEONG_BLESS").is_some();
    for case in common::bulk::GOLDEN {
        let input = format!("{BULK}/{}", case.input_name);
        for (ext, want) in [("csv", case.csv), ("jsonl", case.jsonl)] {
            let out = temp_path(&format!("{}.{ext}", case.input_name));
            // The browser's activation format: tests/web/bulk.rs holds the page to these files.
            let mut args = vec![
                "classify",
                "--model",
                q8_model_file(),
                "--input",
                &input,
                "--output",
                out.to_str().unwrap(),
                "--activations",
                "15",
            ];
            if case.all_scores {
                args.push("--all-scores");
            }
            let (ok, stdout, stderr) = gamjeong(&args, "");
            assert!(ok, "{}: {stderr}", case.input_name);
            assert!(stdout.is_empty());
            assert!(stderr.contains("rows ->"), "a summary line: {stderr}");
            let got = std::fs::read(&out).unwrap();
            let mut part = out.clone().into_os_string();
            part.push(".part");
            assert!(
                !std::path::Path::new(&part).exists(),
                "the .part file was renamed"
            );
            let what = format!("{} -> .{ext}", case.input_name);
            if bless {
                let path = format!("{BULK}/expected/{}.{ext}", case.input_name);
                std::fs::write(path, &got).unwrap();
            } else if ext == "csv" {
                common::bulk::assert_same_csv(&what, &got, want, common::bulk::BULK_TOLERANCE);
            } else {
                common::bulk::assert_same_jsonl(&what, &got, want, common::bulk::BULK_TOLERANCE);
            }
        }
    }
}

#[test]
fn classify_file_streams_json_lines_on_stdout_and_stdin() {
    // JSONL in, JSONL out, in order, ids carried through: the unit a Spark job pipes through.
    let input: String = (0..50)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"text\":\"오늘 정말 {} 행복해\"}}\n",
                "너무 ".repeat(i % 7)
            )
        })
        .collect();
    let (ok, stdout, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            q8_model_file(),
            "--input",
            "-",
            "--format",
            "jsonl",
        ],
        &input,
    );
    assert!(ok, "{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 50);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["id"], i);
        assert!(l["label"].is_string() && l["score"].is_f64());
    }
    // The default output is JSON Lines on stdout; --format auto reads a .txt chat by content.
    let (ok, stdout, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            q8_model_file(),
            "--input",
            &format!("{BULK}/kakao-android.txt"),
        ],
        "",
    );
    assert!(ok, "{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines[0]["speaker"], "회원님");
    assert_eq!(lines[0]["time"], "01:33");
    assert!(
        stderr.contains("not messages: 2 header lines, 1 events"),
        "{stderr}"
    );
}

#[test]
fn classify_file_errors_name_the_line_and_leave_no_complete_looking_file() {
    let out = temp_path("missing-column.csv");
    let input = temp_path("no-text-column.csv");
    std::fs::write(&input, "id,body\n1,좋아\n").unwrap();
    let (ok, _, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            q8_model_file(),
            "--input",
            input.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok);
    assert!(
        stderr.contains("line 1") && stderr.contains("`id`, `body`"),
        "{stderr}"
    );
    assert!(!out.exists(), "no output file for a failed run");
    // --output naming the input would replace it: refused, the input untouched
    std::fs::write(&input, "id,text\n1,좋아\n").unwrap();
    let (ok, _, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            q8_model_file(),
            "--input",
            input.to_str().unwrap(),
            "--output",
            input.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok && stderr.contains("that is the input file"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        "id,text\n1,좋아\n"
    );
    let (ok, _, stderr) = gamjeong(
        &[
            "classify",
            "--model",
            q8_model_file(),
            "--input",
            &format!("{BULK}/unterminated.csv"),
        ],
        "",
    );
    assert!(!ok);
    assert!(stderr.contains("unterminated.csv: line 3"), "{stderr}");
    // --input excludes texts; the file options need --input; outputs are .csv or .jsonl
    let (ok, _, stderr) = gamjeong(&["classify", "--model", MODEL, "--input", "-", "hi"], "");
    assert!(!ok && stderr.contains("cannot be used with"), "{stderr}");
    let (ok, _, stderr) = gamjeong(&["classify", "--model", MODEL, "--column", "x"], "");
    assert!(!ok && stderr.contains("--input"), "{stderr}");
    // with texts (or --json, --top-k) a file option is refused, not silently ignored
    for file_option in [
        &["--column", "x"][..],
        &["--all-scores"],
        &["--format", "csv"],
    ] {
        for text_args in [&["hi"][..], &["--json"], &["--top-k", "3"]] {
            let mut args = vec!["classify", "--model", MODEL];
            args.extend(file_option);
            args.extend(text_args);
            let (ok, _, stderr) = gamjeong(&args, "");
            assert!(
                !ok && stderr.contains("cannot be used with"),
                "{args:?}: {stderr}"
            );
        }
    }
    let (ok, _, stderr) = gamjeong(
        &[
            "classify", "--model", MODEL, "--input", "-", "--output", "out.xlsx",
        ],
        "",
    );
    assert!(!ok && stderr.contains(".csv or a .jsonl"), "{stderr}");
}

/// A folder with vocab.txt and no tokenizer.json (make_vocab_fixtures.py): `classify` gives
/// transformers' BertTokenizer token counts and logits, and `quantize` writes a file that
/// tokenizes the same way.
#[test]
fn a_vocab_txt_folder_classifies_and_quantizes() {
    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        input_ids: Vec<u32>,
        logits: Vec<f32>,
    }
    #[derive(serde::Deserialize)]
    struct Reference {
        cases: Vec<Case>,
    }
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-ko-vocab-lower"
    );
    let reference: Reference =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/reference.json")).unwrap())
            .unwrap();
    let cases: Vec<&Case> = reference
        .cases
        .iter()
        .filter(|c| !c.text.contains(['\n', '\r']) && !c.text.is_empty())
        .collect();
    let stdin: String = cases.iter().map(|c| format!("{}\n", c.text)).collect();
    let out = temp_path("tiny-ko-vocab-lower.q8.safetensors");
    let (ok, _, err) = gamjeong(
        &[
            "quantize",
            "--model",
            dir,
            "--quant",
            "q8",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    for model in [dir, out.to_str().unwrap()] {
        let (ok, stdout, stderr) = gamjeong(&["classify", "--model", model, "--json"], &stdin);
        assert!(ok, "{stderr}");
        let lines = json_lines(&stdout);
        assert_eq!(lines.len(), cases.len());
        for (line, case) in lines.iter().zip(&cases) {
            assert_eq!(
                line["tokens"],
                case.input_ids.len(),
                "{model} {:?}",
                case.text
            );
            if model == dir {
                let logits = floats(&line["logits"]);
                assert!(
                    max_abs_diff(&logits, &case.logits) <= TOLERANCE,
                    "{:?}",
                    case.text
                );
            }
        }
    }
}

/// RoBERTa and DistilBERT folders (make_generic_fixtures.py): `classify` gives transformers'
/// token counts and logits, and `quantize --quant q8` writes a file that loads and keeps
/// transformers' top label on every text.
#[test]
fn roberta_and_distilbert_folders_classify_and_quantize() {
    for (name, reference) in [
        ("tiny-ko-roberta", families::ROBERTA_REFERENCE),
        ("tiny-ko-distilbert", families::DISTILBERT_REFERENCE),
    ] {
        let dir = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let reference = families::family_reference(reference);
        let cases: Vec<&families::FamilyCase> = reference
            .cases
            .iter()
            .filter(|c| !c.text.contains(['\n', '\r']) && !c.text.is_empty())
            .collect();
        let stdin: String = cases.iter().map(|c| format!("{}\n", c.text)).collect();
        let out = temp_path(&format!("{name}.q8.safetensors"));
        let args = ["quantize", "--model", &dir, "--quant", "q8", "--out"];
        let (ok, _, err) = gamjeong(&[&args[..], &[out.to_str().unwrap()]].concat(), "");
        assert!(ok, "{err}");
        let argmax = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
        let (mut worst, mut worst_q8) = (0f32, 0f32);
        for model in [dir.as_str(), out.to_str().unwrap()] {
            let (ok, stdout, stderr) = gamjeong(&["classify", "--model", model, "--json"], &stdin);
            assert!(ok, "{stderr}");
            let lines = json_lines(&stdout);
            assert_eq!(lines.len(), cases.len());
            for (line, case) in lines.iter().zip(&cases) {
                let what = format!("{name} {model} {:?}", case.text);
                assert_eq!(line["tokens"], case.input_ids.len(), "{what}");
                let logits = floats(&line["logits"]);
                let d = max_abs_diff(&logits, &case.logits);
                if model == dir {
                    assert!(d <= TOLERANCE, "{what}: |Δlogit| {d}");
                    worst = worst.max(d);
                } else {
                    assert_eq!(argmax(&logits), argmax(&case.logits), "{what}: q8 top-1");
                    worst_q8 = worst_q8.max(d);
                }
            }
        }
        println!("{name}: CLI f32 max |Δlogit| {worst:e}; q8 max |Δlogit| {worst_q8:e}");
        std::fs::remove_file(&out).unwrap();
    }
}
