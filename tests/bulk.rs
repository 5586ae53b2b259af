//! Whole-file classification (`gamjeong::bulk`): every input shape and its traps, hostile
//! files, chunking, order, batching, and rows equal to classifying each text alone.
#![cfg(not(target_arch = "wasm32"))] // native-only; tests/web/bulk.rs (in the wasm_explain binary) runs it in the browser

mod common;
use common::bulk::csv_records;
use common::*;
use gamjeong::bulk::{inspect, BulkError, Done, Format, Options, Session, Skip, Values};
use gamjeong::Classifier;
use std::sync::OnceLock;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bulk");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

/// tiny-ko at q8: a batch row is bit-identical to its text classified alone.
fn q8() -> &'static Classifier {
    static MODEL: OnceLock<Classifier> = OnceLock::new();
    MODEL.get_or_init(|| Classifier::from_quantized(&common::bulk::golden_q8_file()).unwrap())
}

struct Run {
    rows: Vec<Done>,
    csv: Vec<u8>,
    jsonl: Vec<u8>,
    session: Session,
}

/// Pushes `bytes` in chunks of `chunk` bytes, stepping between pushes as the CLI does.
fn run_with(bytes: &[u8], options: Options, chunk: usize, step: usize) -> Result<Run, BulkError> {
    let model = q8();
    let mut session = Session::new(options, model)?;
    let mut rows = Vec::new();
    let drive = |s: &mut Session, rows: &mut Vec<Done>| -> Result<(), BulkError> {
        while s.step(model, step)? > 0 {
            rows.extend(s.drain());
        }
        Ok(())
    };
    for c in bytes.chunks(chunk.max(1)) {
        session.push(c)?;
        drive(&mut session, &mut rows)?;
    }
    session.finish_input()?;
    drive(&mut session, &mut rows)?;
    assert!(session.progress().complete);
    let schema = session.schema().expect("a schema once the input is read");
    let (mut csv, mut jsonl) = (Vec::new(), Vec::new());
    schema.csv_header(&mut csv)?;
    schema.csv_rows(&rows, &mut csv)?;
    schema.jsonl_rows(&rows, &mut jsonl)?;
    Ok(Run {
        rows,
        csv,
        jsonl,
        session,
    })
}

fn run(bytes: &[u8], options: Options) -> Run {
    run_with(bytes, options, 1 << 16, 64).unwrap()
}

fn opts(format: Format) -> Options {
    Options {
        format,
        ..Options::default()
    }
}

fn strings(done: &Done) -> Vec<String> {
    match &done.row.values {
        Values::Strings(v) => v.clone(),
        Values::Json(_) => panic!("expected string cells"),
    }
}

/// Every classified row carries what `classify` gives its text alone, bit for bit.
fn assert_rows_match_classify(rows: &[Done]) {
    for done in rows {
        match done.row.skip {
            Some(_) => assert!(done.top.is_none()),
            None => {
                let c = q8().classify(&done.row.text).unwrap();
                let top = (c.scores[0].index, c.scores[0].score);
                assert_eq!(done.top, Some(top), "line {}", done.row.line);
            }
        }
    }
}

#[test]
fn csv_with_quotes_newlines_crlf_bom_and_a_clashing_column() {
    let r = run(&fixture("reviews.csv"), opts(Format::Csv));
    let records = csv_records(&r.csv);
    assert_eq!(
        records[0],
        [
            "id",
            "input_label",
            "text",
            "label",
            "score",
            "group",
            "low_confidence",
            "skipped"
        ]
    );
    assert_eq!(records.len(), 7, "6 rows and the header");
    assert_eq!(
        records[3][2],
        "처음엔 좋았는데\n일주일 만에 고장났어요 \"최악\"입니다"
    );
    assert_eq!(records[2][1], "neg", "the input's own label column is kept");
    assert_eq!(records[4][7], "empty");
    assert_eq!(records[6][7], "empty", "a blank text is empty");
    assert_eq!(records[4][3], "", "a skipped row has no label");
    let lines: Vec<u64> = r.rows.iter().map(|d| d.row.line).collect();
    assert_eq!(lines, [2, 3, 4, 6, 7, 8], "the line each row starts on");
    assert!(
        r.csv.windows(2).filter(|w| w == b"\r\n").count() >= 7,
        "CRLF"
    );
    assert_rows_match_classify(&r.rows);
    // the JSONL output: same fields, one object per row
    let objects: Vec<serde_json::Value> = std::str::from_utf8(&r.jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 6);
    assert_eq!(objects[1]["input_label"], "neg");
    assert_eq!(objects[3]["skipped"], "empty");
    assert!(objects[3]["label"].is_null());
    let first = &r.rows[0];
    assert_eq!(
        objects[0]["score"].as_f64().unwrap() as f32,
        first.top.unwrap().1
    );
    assert_eq!(records[1][4].parse::<f32>().unwrap(), first.top.unwrap().1);
}

#[test]
fn any_chunking_gives_the_same_bytes() {
    for name in [
        "reviews.csv",
        "reviews.tsv",
        "reviews.jsonl",
        "lines.txt",
        "kakao-pc.txt",
        "kakao-mobile.txt",
    ] {
        let bytes = fixture(name);
        let options = Options {
            file_name: Some(name.into()),
            ..Options::default()
        };
        let whole = run(&bytes, options.clone());
        for (chunk, step) in [(1, 1), (3, 2), (17, 5), (4096, 1000)] {
            let r = run_with(&bytes, options.clone(), chunk, step).unwrap();
            assert_eq!(
                r.csv, whole.csv,
                "{name}: chunks of {chunk}, steps of {step}"
            );
            assert_eq!(r.jsonl, whole.jsonl, "{name}: chunks of {chunk}");
        }
    }
}

#[test]
fn tsv_and_lines() {
    let r = run(&fixture("reviews.tsv"), opts(Format::Tsv));
    assert_eq!(strings(&r.rows[1])[2], "포장이 엉망이라\t화가 나네요");
    assert_eq!(r.rows[3].row.skip, Some(Skip::Empty));
    let r = run(&fixture("lines.txt"), opts(Format::Auto));
    assert_eq!(r.session.table().unwrap().format, Format::Lines);
    let texts: Vec<&str> = r.rows.iter().map(|d| d.row.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "오늘 밥이 너무 맛있었어. 행복해",
            "직장에서 부당한 일을 겪어서 너무 화가 나",
            "",
            "내일 발표가 있는데 너무 떨리고 불안해"
        ],
        "CRLF removed, the blank line kept as a row"
    );
    assert_eq!(r.rows[2].row.skip, Some(Skip::Empty));
    assert_rows_match_classify(&r.rows);
}

#[test]
fn jsonl_keeps_fields_and_values_through() {
    let r = run(&fixture("reviews.jsonl"), opts(Format::Auto));
    assert_eq!(r.rows.len(), 4, "the blank line is not a record");
    let out: Vec<&str> = std::str::from_utf8(&r.jsonl).unwrap().lines().collect();
    assert!(
        out[0].starts_with(r#"{"id":1,"text":"배송이 빨라서 정말 만족스러워요","meta":{"stars": 5, "tags": ["빠름"]},"label":"#),
        "{}",
        out[0]
    );
    assert!(out[1].contains(r#""input_label":"neg""#), "{}", out[1]);
    assert!(out[2].contains(r#""text":null"#) && out[2].contains(r#""skipped":"empty""#));
    assert!(
        out[3].starts_with(r#"{"text":"순서가 다른 객체도 같은 열로 나가요","id":4,"extra":true,"#)
    );
    // CSV columns come from the first object; a later object's own order does not matter
    let records = csv_records(&r.csv);
    assert_eq!(records[0][..3], ["id", "text", "meta"]);
    assert_eq!(
        records[4][..3],
        ["4", "순서가 다른 객체도 같은 열로 나가요", ""]
    );
    assert_eq!(records[1][2], r#"{"stars": 5, "tags": ["빠름"]}"#);
    assert_rows_match_classify(&r.rows);
}

fn chat(name: &str) -> Run {
    let r = run(
        &fixture(name),
        Options {
            file_name: Some(name.into()),
            ..Options::default()
        },
    );
    assert_eq!(
        r.session.table().unwrap().format,
        Format::Kakao,
        "{name} detected"
    );
    r
}

fn cells(r: &Run) -> Vec<[String; 4]> {
    r.rows
        .iter()
        .map(|d| strings(d).try_into().unwrap())
        .collect()
}

fn row(date: &str, time: &str, speaker: &str, text: &str) -> [String; 4] {
    [date, time, speaker, text].map(str::to_owned)
}

#[test]
fn kakao_pc_export_and_its_traps() {
    let r = chat("kakao-pc.txt");
    let got = cells(&r);
    assert_eq!(
        got[0],
        row(
            "2025-03-14",
            "15:15",
            "민지",
            "오늘 회사에서 너무 억울한 일이 있었어"
        )
    );
    assert_eq!(
        got[2],
        row(
            "2025-03-14",
            "15:17",
            "민지",
            "팀장님이 내 보고서를 자기가 쓴 것처럼 발표했어\n진짜 어이가 없어서 말이 안 나오더라\n\n근데 아무도 몰라"
        ),
        "a multi-line message, its blank line kept; the join line after it is not text"
    );
    assert_eq!(
        got[6],
        row(
            "2025-03-14",
            "23:58",
            "[공지] 봇",
            "[공지] 내일 점심은 다 같이 먹어요"
        )
    );
    assert_eq!(
        got[7],
        row(
            "2025-03-15",
            "00:03",
            "민지",
            "고마워 ㅠㅠ 덕분에 기분이 좀 나아졌어"
        ),
        "오전 12시 is 00 h"
    );
    assert_eq!(
        got[9],
        row(
            "2025-03-15",
            "12:07",
            "민지",
            "아까 폰에서 복사한 거:\n2025. 3. 14. 오후 3:15, 민지 : 이 줄은 다른 형식이지만 메시지 본문이야"
        ),
        "a phone-shaped line in a PC export is message text; 오후 12시 is 12 h"
    );
    assert_eq!(got.len(), 11, "{got:?}");
    let skips: Vec<Option<Skip>> = r.rows.iter().map(|d| d.row.skip).collect();
    use Skip::*;
    assert_eq!(
        skips,
        [
            None,
            None,
            None,
            Some(Media),
            Some(Media),
            Some(Media),
            None,
            None,
            Some(Media),
            None,
            Some(Empty)
        ]
    );
    let lines = r.session.summary().chat_lines.unwrap();
    assert_eq!(
        (lines.header, lines.events, lines.unrecognized),
        (2, 3, 0),
        "title, saved-at; join, deletion, leave"
    );
    let header = &csv_records(&r.csv)[0];
    assert_eq!(header[..4], ["date", "time", "speaker", "text"]);
    assert_rows_match_classify(&r.rows);
}

#[test]
fn kakao_phone_exports() {
    let r = chat("kakao-mobile.txt");
    let got = cells(&r);
    assert_eq!(
        got[0],
        row("2025-03-14", "15:15", "민지", "안녕 오늘 너무 행복해")
    );
    assert_eq!(
        got[2],
        row(
            "2025-03-14",
            "15:17",
            "민지",
            "시험 합격했어!!\n진짜 믿기지가 않아"
        ),
        "trailing blank line dropped"
    );
    assert_eq!(got[3][3], "동영상");
    assert_eq!(
        got[4],
        row("2025-03-14", "15:19", "준호", "축하해 : 정말 대단하다"),
        "the speaker ends at the first \" : \""
    );
    assert_eq!(
        got[5],
        row(
            "2025-03-15",
            "00:30",
            "민지",
            "고마워 [오후 3:15] 이건 그냥 본문"
        )
    );
    assert_eq!(got.len(), 6);
    assert_eq!(r.rows[3].row.skip, Some(Skip::Media));
    assert_eq!(r.session.summary().chat_lines.unwrap().events, 1);

    let r = chat("kakao-android.txt");
    assert_eq!(
        cells(&r),
        [
            row("2020-11-02", "01:33", "회원님", "잠이 안 와서 너무 불안해"),
            row("2020-11-02", "01:35", "준호", "무슨 걱정 있어?"),
            row(
                "2020-11-02",
                "12:10",
                "회원님",
                "점심 먹고 나니까 좀 괜찮아졌어"
            ),
        ],
        "timestamp-only date lines are not messages; the leave line is an event"
    );

    let r = chat("kakao-pc-en.txt");
    assert_eq!(
        cells(&r),
        [
            row("2025-03-14", "15:15", "Mina", "오늘 진짜 속상해"),
            row("2025-03-14", "15:16", "John", "Photo"),
            row("2025-03-14", "15:17", "John", "What happened?\nI'm here"),
            row("2025-03-15", "00:05", "Mina", "이제 괜찮아, 고마워"),
        ]
    );
    assert_eq!(r.rows[1].row.skip, Some(Skip::Media));
}

#[test]
fn summary_counts_groups_speakers_and_hours_of_a_one_day_chat() {
    let r = chat("kakao-android.txt");
    let s = r.session.summary();
    assert_eq!((s.rows, s.classified), (3, 3));
    assert_eq!(s.categories.len(), 6, "the six groups");
    assert_eq!(s.category_counts.iter().sum::<u64>(), 3);
    assert_eq!(s.labels.iter().sum::<u64>(), 3);
    let names: Vec<&str> = s.speakers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["회원님", "준호"]);
    assert_eq!(
        s.timeline.unit, "hour",
        "a one-day chat is counted per hour"
    );
    let hours: Vec<&String> = s.timeline.buckets.keys().collect();
    assert_eq!(hours, ["2020-11-02 01", "2020-11-02 12"]);
    let low = r.rows.iter().filter(|d| d.top.unwrap().1 < 0.5).count() as u64;
    assert_eq!(s.low_confidence, low);

    let s = chat("kakao-pc.txt").session.summary();
    assert_eq!(s.timeline.unit, "day");
    assert_eq!(s.timeline.buckets.len(), 2);
    assert_eq!(s.rows, s.classified + s.skipped_empty + s.skipped_media);
}

#[test]
fn order_is_restored_after_length_sorting() {
    // Long and short texts interleaved over several windows, in steps of 3 rows.
    let texts: Vec<String> = (0..600)
        .map(|i| {
            let words = ["오늘", "정말", "행복해", "화가", "나", "불안해"];
            (0..(i * 7919 % 40 + 1))
                .map(|k| words[(i + k) % 6])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let input = texts.join("\n");
    let r = run_with(input.as_bytes(), opts(Format::Lines), 1000, 3).unwrap();
    let got: Vec<&str> = r.rows.iter().map(|d| d.row.text.as_str()).collect();
    assert_eq!(got, texts);
    let index: Vec<u64> = r.rows.iter().map(|d| d.row.index).collect();
    assert_eq!(index, (0..600).collect::<Vec<u64>>());
    assert_rows_match_classify(&r.rows);
}

#[test]
fn memory_is_bounded_by_the_window_not_the_file() {
    // 20,000 rows pushed in 64 KiB chunks: rows held never exceed one window and one chunk.
    let line = "오늘 정말 행복해 화가 나 불안해\n";
    let input = line.repeat(20_000);
    let model = q8();
    let mut s = Session::new(opts(Format::Lines), model).unwrap();
    let most_per_chunk = (64 << 10) / line.len() as u64 + 1;
    let mut worst = 0;
    for c in input.as_bytes().chunks(64 << 10) {
        s.push(c).unwrap();
        while s.step(model, 64).unwrap() > 0 {
            s.drain();
        }
        let p = s.progress();
        worst = worst.max(p.rows_read - p.rows_done);
    }
    assert!(
        worst <= gamjeong::bulk::WINDOW_ROWS as u64 + most_per_chunk,
        "{worst} rows held"
    );
    s.finish_input().unwrap();
    while s.step(model, 64).unwrap() > 0 {}
    assert_eq!(s.progress().rows_done, 20_000);
}

#[test]
fn all_scores_low_confidence_and_its_threshold() {
    let options = Options {
        all_scores: true,
        low_confidence: 0.2,
        ..opts(Format::Lines)
    };
    let r = run(&fixture("lines.txt"), options);
    let records = csv_records(&r.csv);
    assert_eq!(records[0].len(), 1 + 5 + 60);
    assert_eq!(records[0][6], "score_분노");
    for (done, rec) in r.rows.iter().zip(&records[1..]) {
        let Some((index, score)) = done.top else {
            assert!(rec[6..].iter().all(String::is_empty));
            continue;
        };
        let scores: Vec<f32> = rec[6..].iter().map(|s| s.parse().unwrap()).collect();
        assert!((scores.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(scores[index], score);
        assert_eq!(rec[4], if score < 0.2 { "true" } else { "false" });
    }
    let bad = Options {
        low_confidence: 1.5,
        ..Options::default()
    };
    assert!(Session::new(bad, q8()).is_err());
}

#[test]
fn hostile_files() {
    // binary data
    let mut bin: Vec<u8> = "fine\nstill fine\n".into();
    bin.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    let e = run_with(&bin, opts(Format::Auto), 1000, 8).err().unwrap();
    assert_eq!(e.code(), "BAD_INPUT");
    assert!(e.to_string().contains("not a text file"), "{e}");
    assert!(e.line().is_some_and(|l| l >= 3), "{e}");
    // an unterminated quote
    let e = run_with(&fixture("unterminated.csv"), opts(Format::Csv), 7, 8)
        .err()
        .unwrap();
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().contains("never closed"), "{e}");
    // not UTF-8 (CP949 bytes)
    let e = run_with(b"id,text\n1,\xc7\xd1\xb1\xdb\n", opts(Format::Csv), 5, 8)
        .err()
        .unwrap();
    assert_eq!(e.line(), Some(2));
    // a JSONL line that is not JSON
    let e = run_with(
        b"{\"text\":\"a\"}\n{\"text\": oops}\n",
        opts(Format::Jsonl),
        64,
        8,
    )
    .err()
    .unwrap();
    assert_eq!(e.line(), Some(2), "{e}");
    // an xlsx workbook
    let e = run_with(b"PK\x03\x04\x14\x00", opts(Format::Auto), 64, 8)
        .err()
        .unwrap();
    assert!(e.to_string().contains("CSV UTF-8"), "{e}");
    // a chat export with no message
    let e = run_with("그냥 글\n".as_bytes(), opts(Format::Kakao), 64, 8)
        .err()
        .unwrap();
    assert!(e.to_string().contains("no KakaoTalk message"), "{e}");
}

#[test]
fn a_ten_megabyte_line_is_one_row() {
    let sentence = "오늘 정말 너무 행복해서 하루 종일 웃었어 ";
    let mut text = sentence.repeat(10_000_000 / sentence.len() + 1);
    text.truncate(text.trim_end().len());
    assert!(text.len() >= 10_000_000);
    let input = format!("{text}\n짧은 줄\n");
    let r = run_with(input.as_bytes(), opts(Format::Lines), 1 << 16, 64).unwrap();
    assert_eq!(r.rows.len(), 2);
    assert_eq!(
        r.rows[0].row.text.len(),
        text.len(),
        "the row keeps its whole text"
    );
    assert!(r.csv.len() > 10_000_000);
    // the model reads a prefix; its result is the whole text's (checked on 200 kB: tokenizing
    // 10 MB whole is what the prefix avoids)
    let cut = text.as_bytes()[..200_000].iter().rposition(|&b| b == b' ');
    let long = &text[..cut.unwrap()];
    let r2 = run(long.as_bytes(), opts(Format::Lines));
    let whole = q8().classify(long).unwrap();
    assert!(whole.truncated);
    assert_eq!(
        r2.rows[0].top,
        Some((whole.scores[0].index, whole.scores[0].score))
    );
    assert_eq!(
        r.rows[0].top, r2.rows[0].top,
        "same first 512 tokens, same result"
    );
}

#[test]
fn a_long_text_without_spaces_is_read_from_its_first_mebibyte() {
    // One space near the start, then a 1.1 MB word, then more words: the model reads the
    // text cut at its first MiB (docs/bulk.md "Long texts"), whose tokens differ from the
    // whole text's (the cut word's tail and the words after it).
    let word = "가".repeat((1 << 20) / 3 + 100);
    let text = format!("시작 {word}! 오늘 정말 행복해 정말 행복해");
    let r = run(format!("{text}\n").as_bytes(), opts(Format::Lines));
    assert_eq!(r.rows[0].row.text, text, "the row keeps its whole text");
    let mut cut = 1 << 20;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let model = q8();
    assert_ne!(
        model.encode(&text[..cut]).unwrap().ids,
        model.encode(&text).unwrap().ids
    );
    let prefix = model.classify(&text[..cut]).unwrap();
    let whole = model.classify(&text).unwrap();
    assert_ne!(prefix.scores[0].score, whole.scores[0].score);
    assert_eq!(
        r.rows[0].top,
        Some((prefix.scores[0].index, prefix.scores[0].score))
    );
}

#[test]
fn a_thousand_columns() {
    let header: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
    let mut input = header.join(",") + "\n";
    for r in 0..3 {
        let row: Vec<String> = (0..1000)
            .map(|i| {
                if i == 999 {
                    format!("행복한 하루 {r}")
                } else {
                    format!("{i}")
                }
            })
            .collect();
        input += &(row.join(",") + "\n");
    }
    let options = Options {
        column: Some("c999".into()),
        ..opts(Format::Csv)
    };
    let r = run_with(input.as_bytes(), options, 333, 8).unwrap();
    assert_eq!(r.rows.len(), 3);
    assert_eq!(r.rows[2].row.text, "행복한 하루 2");
    let records = csv_records(&r.csv);
    assert_eq!(records[0].len(), 1000 + 5);
    assert_eq!(records[3][500], "500");
}

#[test]
fn column_errors_list_the_columns() {
    let e = run_with(b"id,body\n1,x\n", opts(Format::Csv), 64, 8)
        .err()
        .unwrap();
    let BulkError::Input(input) = &e else {
        panic!("{e}")
    };
    assert_eq!(input.line, Some(1));
    assert_eq!(
        input.columns.as_deref(),
        Some(&["id".to_owned(), "body".to_owned()][..])
    );
    assert!(e.to_string().contains("`id`, `body`"), "{e}");
    let options = Options {
        column: Some("review".into()),
        ..opts(Format::Csv)
    };
    let e = run_with(b"id,body\n1,x\n", options, 64, 8).err().unwrap();
    assert!(e.to_string().contains("no column `review`"), "{e}");
    // JSONL: a later object without the field, or with a number in it
    let e = run_with(
        b"{\"text\":\"a\"}\n{\"body\":\"b\"}\n",
        opts(Format::Jsonl),
        64,
        8,
    )
    .err()
    .unwrap();
    assert_eq!(e.line(), Some(2), "{e}");
    assert!(e.to_string().contains("no field `text`"), "{e}");
    let e = run_with(b"{\"text\":12}\n", opts(Format::Jsonl), 64, 8)
        .err()
        .unwrap();
    assert!(e.to_string().contains("not a string"), "{e}");
    // a record with more fields than the header
    let e = run_with(b"a,text\n1,x\n2,y,z\n", opts(Format::Csv), 64, 8)
        .err()
        .unwrap();
    assert_eq!(e.line(), Some(3));
    // lines have one column
    let options = Options {
        column: Some("body".into()),
        ..opts(Format::Lines)
    };
    assert!(run_with(b"x\n", options, 64, 8).is_err());
}

#[test]
fn a_failed_run_stays_failed() {
    let model = q8();
    let mut s = Session::new(opts(Format::Csv), model).unwrap();
    assert!(s.push(b"id,body\n").is_err());
    let again = s.push(b"1,x\n").unwrap_err();
    assert!(again.to_string().contains("already stopped"), "{again}");
    assert!(s.finish_input().is_err());
}

#[test]
fn empty_files() {
    let r = run(b"", opts(Format::Csv));
    assert!(r.rows.is_empty());
    assert_eq!(
        csv_records(&r.csv),
        [["label", "score", "group", "low_confidence", "skipped"]]
    );
    let r = run(b"", opts(Format::Auto));
    assert!(r.rows.is_empty() && r.jsonl.is_empty());
}

#[test]
fn inspect_shows_columns_and_first_rows() {
    let options = Options {
        file_name: Some("reviews.csv".into()),
        ..Options::default()
    };
    let bytes = fixture("reviews.csv");
    let i = inspect(&bytes[..120], &options, false, 10).unwrap();
    assert_eq!(i.format, Format::Csv);
    assert_eq!(i.columns, ["id", "label", "text"]);
    assert_eq!(i.text_column.as_deref(), Some("text"));
    assert_eq!(i.rows[0], ["1", "pos", "배송이 빨라서 정말 만족스러워요"]);
    assert!(i.rows.len() < 6, "a row cut off by the head is not shown");
    let i = inspect(b"id,body\n1,x\n", &opts(Format::Csv), true, 10).unwrap();
    assert_eq!(i.text_column, None);
    assert!(i.column_error.unwrap().contains("which column"));
    assert_eq!(i.rows, [["1", "x"]]);
    let i = inspect(&fixture("reviews.jsonl"), &opts(Format::Auto), true, 2).unwrap();
    assert_eq!(i.format, Format::Jsonl);
    assert_eq!(i.columns, ["id", "text", "meta"]);
    assert_eq!(i.rows.len(), 2);
    let i = inspect(&fixture("kakao-pc.txt"), &opts(Format::Auto), true, 3).unwrap();
    assert_eq!(
        (i.format, i.text_column.as_deref()),
        (Format::Kakao, Some("text"))
    );
    assert_eq!(i.rows[1], ["2025-03-14", "15:16", "준호", "무슨 일인데?"]);
    assert!(inspect(b"\0\0\0\0binary", &opts(Format::Auto), true, 3).is_err());
}

#[test]
fn the_generic_models_get_no_group_column() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-ko-sentiment"
    );
    let model = Classifier::from_path(dir).unwrap();
    let mut s = Session::new(opts(Format::Lines), &model).unwrap();
    s.push("좋아\n싫어\n".as_bytes()).unwrap();
    s.finish_input().unwrap();
    while s.step(&model, 8).unwrap() > 0 {}
    assert_eq!(
        s.schema().unwrap().columns(),
        ["text", "label", "score", "low_confidence", "skipped"]
    );
    let summary = s.summary();
    assert_eq!(summary.categories, ["부정", "중립", "긍정"]);
}
