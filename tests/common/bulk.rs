//! Golden outputs of whole-file classification, shared by the CLI test (tests/cli.rs, which
//! wrote them: `GAMJEONG_BLESS=1`) and the browser test (tests/wasm_bulk.rs), so the page's
//! CSV/JSONL downloads are held to the CLI's files. The model is tiny-ko at q8 (the bytes of
//! `golden_digest("q8")`).

/// tiny-ko at q8 with the golden source id and revision: the bytes the CLI's
/// `quantize` writes for `golden_digest("q8")`, the model of the golden files.
pub fn golden_q8_file() -> Vec<u8> {
    let source = gamjeong::ModelSource {
        model: super::GOLDEN_SOURCE_ID.into(),
        revision: super::GOLDEN_REVISION.into(),
    };
    let tok = std::str::from_utf8(super::TINY_TOKENIZER).unwrap();
    gamjeong::quantize_bytes(
        super::TINY_WEIGHTS,
        gamjeong::Quant::Q8,
        source,
        super::TINY_CONFIG,
        tok,
    )
    .unwrap()
}

/// The records of a CSV output (which starts with a UTF-8 BOM), header included.
pub fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .expect("a CSV output starts with a UTF-8 BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Numbers may differ by this between two runs of the native CLI on different machines
/// (kernels chosen at run time are bit-identical; this is slack for none of them).
pub const BULK_TOLERANCE: f64 = 1e-4;
/// Between the wasm build and the native CLI's golden files. The f32 parts left to candle
/// (embeddings, a head's dense layers) may round differently natively (FMA) and in wasm, which
/// can move an activation across a 15-bit rounding boundary (tests/e2e/common.mjs, Q4_TOL):
/// while attention was candle's, the golden model's `classify("무슨 일인데?")` gave 0.24579898
/// in wasm and 0.24591617 natively (1.2e-4); on gamjeong's own attention kernel (no FMA on
/// any path) both give 0.24579898. The wasm rows themselves are held bit for bit to
/// the wasm `classify` of each text (tests/web/bulk.rs), and every non-number cell exactly.
pub const WASM_VS_NATIVE_TOLERANCE: f64 = 5e-4;

pub struct GoldenCase {
    /// The input fixture's name (tests/fixtures/bulk/NAME), also the `file_name` option.
    pub input_name: &'static str,
    pub input: &'static [u8],
    pub all_scores: bool,
    /// tests/fixtures/bulk/expected/NAME.csv and .jsonl
    pub csv: &'static [u8],
    pub jsonl: &'static [u8],
}

macro_rules! golden {
    ($name:literal, $all:expr) => {
        GoldenCase {
            input_name: $name,
            input: include_bytes!(concat!("../fixtures/bulk/", $name)),
            all_scores: $all,
            csv: include_bytes!(concat!("../fixtures/bulk/expected/", $name, ".csv")),
            jsonl: include_bytes!(concat!("../fixtures/bulk/expected/", $name, ".jsonl")),
        }
    };
}

pub const GOLDEN: [GoldenCase; 5] = [
    golden!("reviews.csv", true),
    golden!("reviews.jsonl", false),
    golden!("lines.txt", false),
    golden!("kakao-pc.txt", false),
    golden!("kakao-mobile.txt", true),
];

/// `got` equals `want` as CSV: same records, same cells, numbers within `tol`.
/// Both start with a UTF-8 BOM.
pub fn assert_same_csv(what: &str, got: &[u8], want: &[u8], tol: f64) {
    let (got, want) = (csv_records(got), csv_records(want));
    assert_eq!(got.len(), want.len(), "{what}: record count");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.len(), w.len(), "{what}: record {i} width");
        for (j, (a, b)) in g.iter().zip(w).enumerate() {
            same_cell(&format!("{what}: record {i}, cell {j}"), a, b, tol);
        }
    }
}

fn same_cell(what: &str, a: &str, b: &str, tol: f64) {
    if a == b {
        return;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => assert!((x - y).abs() <= tol, "{what}: {a} vs {b}"),
        _ => panic!("{what}: {a:?} vs {b:?}"),
    }
}

/// `got` equals `want` as JSON Lines: same keys in the same order, same values, numbers
/// within `tol`.
pub fn assert_same_jsonl(what: &str, got: &[u8], want: &[u8], tol: f64) {
    let lines = |b: &[u8]| -> Vec<String> {
        std::str::from_utf8(b)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let (got, want) = (lines(got), lines(want));
    assert_eq!(got.len(), want.len(), "{what}: line count");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if g == w {
            continue;
        }
        // Key order is part of the output: compare the texts with the numbers taken out.
        let (gs, gn) = split_numbers(g);
        let (ws, wn) = split_numbers(w);
        assert_eq!(gs, ws, "{what}: line {i}");
        assert_eq!(gn.len(), wn.len(), "{what}: line {i}");
        for (a, b) in gn.iter().zip(&wn) {
            assert!((a - b).abs() <= tol, "{what}: line {i}: {a} vs {b}");
        }
    }
}

/// A JSON line's text with each number outside strings replaced by `#`, and the numbers.
fn split_numbers(line: &str) -> (String, Vec<f64>) {
    let (mut text, mut numbers) = (String::new(), Vec::new());
    let mut chars = line.char_indices().peekable();
    let mut in_string = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            text.push(c);
            if c == '\\' {
                if let Some((_, e)) = chars.next() {
                    text.push(e);
                }
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            text.push(c);
        } else if c == '-' || c.is_ascii_digit() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_digit() || "+-.eE".contains(d) {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            numbers.push(line[i..end].parse().unwrap());
            text.push('#');
        } else {
            text.push(c);
        }
    }
    (text, numbers)
}
