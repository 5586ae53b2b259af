//! KakaoTalk chat exports ("대화 내보내기" → text file) into messages: `date` (YYYY-MM-DD),
//! `time` (HH:MM, 24 h), `speaker`, `text`. PC and phone shapes, Korean and English, are
//! told apart by the first message (see `shapes`); a line that starts no message continues
//! the previous one; header lines and events (joins, leaves, deletions) are counted, not rows.

mod shapes;

use super::error::InputError;
use super::record::{Record, Values};
use super::text::{Line, MAX_ROW_BYTES};
use shapes::{classify, is_system_text, Date, Family, LineKind, Time};

/// The columns of a chat's rows.
pub const COLUMNS: [&str; 4] = ["date", "time", "speaker", "text"];
/// Index of `text` in [`COLUMNS`].
pub const TEXT_COLUMN: usize = 3;

/// Lines of a chat export that are not messages, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChatLines {
    /// Title and "saved on" lines.
    pub header: u64,
    /// Joins, leaves, invitations, removals, deleted or hidden messages.
    pub events: u64,
    /// Non-blank lines before the first message that are none of the above.
    pub unrecognized: u64,
}

#[derive(Default)]
pub(crate) struct Kakao {
    family: Option<Family>,
    /// The last PC date line's date.
    date: Option<Date>,
    current: Option<Message>,
    messages: u64,
    pub lines: ChatLines,
}

struct Message {
    line: u64,
    end: u64,
    date: Option<Date>,
    time: Time,
    speaker: String,
    text: String,
    /// Blank lines seen since the last text line: kept only if more text follows.
    blanks: usize,
}

impl Kakao {
    pub fn line(&mut self, line: &Line, out: &mut Vec<Record>) -> Result<(), InputError> {
        match classify(line.text) {
            LineKind::Date { family, date } if self.accepts(family) => {
                self.flush(out);
                if family == Family::Pc {
                    self.date = Some(date);
                }
            }
            LineKind::Message {
                family,
                date,
                time,
                speaker,
                text,
            } if self.accepts(family) => {
                self.flush(out);
                self.family = Some(family);
                self.current = Some(Message {
                    line: line.number,
                    end: line.end,
                    date: date.or(self.date),
                    time,
                    speaker: speaker.to_owned(),
                    text: text.to_owned(),
                    blanks: 0,
                });
            }
            LineKind::System => {
                self.flush(out);
                self.lines.events += 1;
            }
            LineKind::Title | LineKind::SavedAt if self.messages == 0 && self.current.is_none() => {
                self.lines.header += 1;
            }
            _ => self.continuation(line)?,
        }
        Ok(())
    }

    /// End of input: the last message; an error if there was none at all.
    pub fn finish(&mut self, out: &mut Vec<Record>) -> Result<(), InputError> {
        self.flush(out);
        if self.messages == 0 && self.lines.events == 0 {
            return Err(InputError::file(
                "no KakaoTalk message found: expected an export from 대화 내보내기 → 텍스트 \
                 (lines like `[민지] [오후 3:15] 메시지` or `2025. 3. 14. 오후 3:15, 민지 : 메시지`)",
            ));
        }
        Ok(())
    }

    /// Once a file's first message has shown its family, lines of the other family's
    /// shapes are message text.
    fn accepts(&self, family: Family) -> bool {
        self.family.is_none_or(|f| f == family)
    }

    fn continuation(&mut self, line: &Line) -> Result<(), InputError> {
        let blank = line.text.trim().is_empty();
        let Some(m) = self.current.as_mut() else {
            if !blank {
                self.lines.unrecognized += 1;
            }
            return Ok(());
        };
        if blank {
            m.blanks += 1;
            return Ok(());
        }
        if m.text.len() + m.blanks + 1 + line.text.len() > MAX_ROW_BYTES {
            return Err(InputError::at(
                m.line,
                format!(
                    "a message longer than {} MiB: not a chat export",
                    MAX_ROW_BYTES >> 20
                ),
            ));
        }
        for _ in 0..=m.blanks {
            m.text.push('\n');
        }
        m.text.push_str(line.text);
        m.blanks = 0;
        m.end = line.end;
        Ok(())
    }

    fn flush(&mut self, out: &mut Vec<Record>) {
        let Some(m) = self.current.take() else {
            return;
        };
        if is_system_text(&m.text) && !m.text.contains('\n') {
            self.lines.events += 1;
            return;
        }
        self.messages += 1;
        out.push(Record {
            line: m.line,
            end: m.end,
            values: Values::Strings(vec![
                m.date.map(|d| d.to_string()).unwrap_or_default(),
                m.time.to_string(),
                m.speaker,
                m.text,
            ]),
        });
    }
}

/// Whether the first lines of a file (`head`, lossily decoded) look like a KakaoTalk export:
/// its title or "saved on" line in the first three lines, or a first non-blank line that is a
/// date line or a message with another message among the first lines.
pub fn sniff(head: &str) -> bool {
    let mut lines = head.lines().filter(|l| !l.trim().is_empty());
    let first: Vec<&str> = lines.by_ref().take(3).collect();
    if first
        .iter()
        .any(|l| matches!(classify(l), LineKind::Title | LineKind::SavedAt))
    {
        return true;
    }
    let Some(start) = first.first() else {
        return false;
    };
    let starts_chat = matches!(
        classify(start),
        LineKind::Date { .. } | LineKind::Message { .. }
    );
    starts_chat
        && first
            .iter()
            .copied()
            .chain(lines.take(20))
            .filter(|l| matches!(classify(l), LineKind::Message { .. }))
            .count()
            >= 1
}

/// KakaoTalk's placeholders for what is not text: photos, videos, emoticons, files, voice
/// messages (as the Korean and English apps write them).
pub fn is_media(text: &str) -> bool {
    let t = text.trim();
    matches!(
        t,
        "사진" | "동영상" | "이모티콘" | "음성메시지" | "Photo" | "Video" | "Emoticon"
    ) || t
        .strip_prefix("사진 ")
        .and_then(|n| n.strip_suffix('장'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        || t.starts_with("파일: ")
        || t.starts_with("File: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn parse(text: &str) -> Result<(Vec<Vec<String>>, ChatLines), InputError> {
        let mut k = Kakao::default();
        let mut out = Vec::new();
        for (i, l) in text.split('\n').enumerate() {
            let line = Line {
                number: i as u64 + 1,
                text: l,
                end: 0,
            };
            k.line(&line, &mut out)?;
        }
        k.finish(&mut out)?;
        let rows = out
            .into_iter()
            .map(|r| match r.values {
                Values::Strings(v) => v,
                Values::Json(_) => unreachable!(),
            })
            .collect();
        Ok((rows, k.lines))
    }

    fn row(v: [&str; 4]) -> Vec<String> {
        v.map(str::to_owned).to_vec()
    }

    #[test]
    fn pc_export_with_multiline_messages_and_events() {
        let (rows, lines) = parse(
            "김민지 님과 카카오톡 대화\n저장한 날짜 : 2025-03-15 10:44:52\n\n\
             --------------- 2025년 3월 14일 금요일 ---------------\n\
             [민지] [오후 3:15] 첫 줄\n\n\n둘째 줄\n\n\
             준호님이 들어왔습니다.\n\
             [준호] [오후 11:59] 사진 3장\n\
             --------------- 2025년 3월 15일 토요일 ---------------\n\
             [민지] [오전 12:01] 삭제된 메시지입니다.\n\
             [민지] [오전 12:02] 2025. 3. 14. 오후 3:15, 이건 : 인용\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                row(["2025-03-14", "15:15", "민지", "첫 줄\n\n\n둘째 줄"]),
                row(["2025-03-14", "23:59", "준호", "사진 3장"]),
                row([
                    "2025-03-15",
                    "00:02",
                    "민지",
                    "2025. 3. 14. 오후 3:15, 이건 : 인용"
                ]),
            ]
        );
        assert_eq!(
            lines,
            ChatLines {
                header: 2,
                events: 2,
                unrecognized: 0
            }
        );
    }

    #[test]
    fn mobile_export() {
        let (rows, lines) = parse(
            "민지 님과 카카오톡 대화\n저장한 날짜 : 2025. 3. 15. 오전 10:50\n\n\n\
             2025년 3월 14일 금요일\n\
             2025. 3. 14. 오후 3:15: 민지님이 들어왔습니다.\n\
             2025. 3. 14. 오후 3:15, 민지 : 안녕\n반가워\n\n\
             2025. 3. 14. 오후 3:16, 준호 : 이모티콘\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                row(["2025-03-14", "15:15", "민지", "안녕\n반가워"]),
                row(["2025-03-14", "15:16", "준호", "이모티콘"]),
            ]
        );
        assert_eq!(lines.events, 1);
    }

    #[test]
    fn english_pc_export() {
        let (rows, _) = parse(
            "KakaoTalk Chats with John\nDate Saved : March 15, 2025, 1:08 PM\n\n\
             --------------- Friday, March 14, 2025 ---------------\n\
             [John] [2:30 PM] Hello\n[Mina] [12:01 AM] Photo\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                row(["2025-03-14", "14:30", "John", "Hello"]),
                row(["2025-03-14", "00:01", "Mina", "Photo"])
            ]
        );
    }

    #[test]
    fn not_a_chat() {
        assert!(parse("그냥 텍스트\n두 번째 줄\n").is_err());
        assert!(!sniff("그냥 텍스트\n두 번째 줄\n"));
        assert!(sniff("\u{feff}김민지 님과 카카오톡 대화\n"));
        assert!(sniff(
            "--------------- 2025년 3월 14일 금요일 ---------------\n[민지] [오후 3:15] 안녕\n"
        ));
        assert!(!sniff("[참고] 이건 메모\n[민지] [오후 3:15] 안녕\n"));
    }

    #[test]
    fn media_placeholders() {
        for m in [
            "사진",
            "사진 12장",
            "동영상",
            "이모티콘",
            "파일: 보고서.pdf",
            "Photo",
        ] {
            assert!(is_media(m), "{m}");
        }
        for t in ["사진 좋다", "사진 장", "동영상 봤어?", "파일:없음"] {
            assert!(!is_media(t), "{t}");
        }
    }
}
