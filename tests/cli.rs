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
