//! The line shapes of KakaoTalk's "대화 내보내기" text files (docs/bulk.md lists them with
//! their sources). Each line is recognized by its complete shape only, since message text
//! itself may start with a bracket, a date or a time.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A 24-hour clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// Which app and language wrote the file; one file has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// PC (Windows) app: `--------------- 2025년 3월 14일 금요일 ---------------` lines and
    /// `[민지] [오후 3:15] 메시지` (or `[John] [3:15 PM] Hello` in English).
    Pc,
    /// Phone apps: `2025. 3. 14. 오후 3:15, 민지 : 메시지` or `2025년 3월 14일 오후 3:15, 민지 :
    /// 메시지` (or `March 14, 2025, 3:15 PM, John : Hello` in English).
    Mobile,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind<'a> {
    /// A day starts (PC separator lines; phone date lines, with or without a time).
    Date { family: Family, date: Date },
    Message {
        family: Family,
        /// Phone lines carry their date; PC lines take the last date line's.
        date: Option<Date>,
        time: Time,
        speaker: &'a str,
        text: &'a str,
    },
    /// Someone joined, left, was invited or removed; a message was deleted or hidden.
    System,
    /// `… 님과 카카오톡 대화`, `KakaoTalk Chats with …`
    Title,
    /// `저장한 날짜 : …`, `Date Saved : …`
    SavedAt,
    /// Anything else: the continuation of a multi-line message.
    Other,
}

/// Lines KakaoTalk writes for events, not messages (as whole lines on PC, after the
/// timestamp on phones), and message texts that stand for a deleted message.
const SYSTEM_ENDINGS: [&str; 13] = [
    "님이 들어왔습니다.",
    "님이 나갔습니다.",
    "님을 초대했습니다.",
    "님을 초대하였습니다.",
    "님을 내보냈습니다.",
    "메시지가 삭제되었습니다.",
    "삭제된 메시지입니다.",
    "채팅방 관리자가 메시지를 가렸습니다.",
    "운영정책을 위반한 메시지로 신고 접수 시 카카오톡 이용에 제한이 있을 수 있습니다.",
    "joined this chatroom.",
    "left this chatroom.",
    "This message was deleted.",
    "Deleted message.",
];

/// Whether a message text (or a whole line) is one of KakaoTalk's event lines.
pub fn is_system_text(text: &str) -> bool {
    let text = text.trim_end();
    SYSTEM_ENDINGS.iter().any(|e| text.ends_with(e))
}

pub fn classify(line: &str) -> LineKind<'_> {
    let first = line.as_bytes().first().copied().unwrap_or(b' ');
    let kind = match first {
        b'-' => pc_date_line(line),
        b'[' => pc_message(line),
        b'0'..=b'9' => mobile_line(line, Cursor::korean_date),
        b'A'..=b'Z' => mobile_line(line, Cursor::english_date).or_else(|| english_header(line)),
        _ => None,
    };
    if let Some(kind) = kind {
        return kind;
    }
    if line.ends_with("카카오톡 대화") {
        LineKind::Title
    } else if line.starts_with("저장한 날짜 :") {
        LineKind::SavedAt
    } else if is_system_text(line) {
        LineKind::System
    } else {
        LineKind::Other
    }
}

/// `--------------- 2025년 3월 14일 금요일 ---------------` or
/// `--------------- Friday, March 14, 2025 ---------------`
fn pc_date_line(line: &str) -> Option<LineKind<'_>> {
    let inner = line.trim_end().strip_prefix("---")?.trim_start_matches('-');
    let inner = inner.strip_suffix("---")?.trim_end_matches('-').trim();
    let mut c = Cursor(inner);
    let date = if c.0.starts_with(|ch: char| ch.is_ascii_digit()) {
        let date = c.korean_date()?;
        c.space()?;
        c.korean_weekday()?;
        date
    } else {
        c.english_weekday()?;
        c.lit(",")?;
        c.space()?;
        c.english_date()?
    };
    c.end()?;
    Some(LineKind::Date {
        family: Family::Pc,
        date,
    })
}

/// `[민지] [오후 3:15] 메시지` or `[John] [3:15 PM] Hello`. The speaker ends at the first
/// `] [` followed by a time, so a name may hold brackets.
fn pc_message(line: &str) -> Option<LineKind<'_>> {
    let body = line.strip_prefix('[')?;
    let mut from = 0;
    while let Some(at) = body[from..].find("] [") {
        let at = from + at;
        let mut c = Cursor(&body[at + 3..]);
        if let Some(time) = c
            .korean_time()
            .or_else(|| Cursor(&body[at + 3..]).english_time_then(&mut c))
        {
            if c.lit("]").is_some() {
                let text = c.0.strip_prefix(' ').unwrap_or(c.0);
                return Some(LineKind::Message {
                    family: Family::Pc,
                    date: None,
                    time,
                    speaker: &body[..at],
                    text,
                });
            }
        }
        from = at + 1;
    }
    None
}

/// Phone lines: a date, then a weekday (a date line), a time alone (an older Android date
/// line), or a time and `, speaker : text` (a message) or `, event` / `: event` (an event).
fn mobile_line<'a>(
    line: &'a str,
    date_of: fn(&mut Cursor<'a>) -> Option<Date>,
) -> Option<LineKind<'a>> {
    let mut c = Cursor(line.trim_end_matches('\r'));
    let date = date_of(&mut c)?;
    let date_line = LineKind::Date {
        family: Family::Mobile,
        date,
    };
    let english = !line.starts_with(|ch: char| ch.is_ascii_digit());
    if english {
        let _ = c.lit(",");
    }
    c.space()?;
    let time = if english {
        let start = c.0;
        Cursor(start).english_time_then(&mut c)
    } else {
        if c.korean_weekday().is_some() && c.0.trim().is_empty() {
            return Some(date_line);
        }
        c.korean_time()
    }?;
    if c.0.trim().is_empty() {
        return Some(date_line);
    }
    if c.0.starts_with(':') {
        return Some(LineKind::System);
    }
    let body = c.0.strip_prefix(',')?.trim_start();
    let (speaker, text) = match body.split_once(" : ") {
        Some(split) => split,
        None => match body.strip_suffix(" :") {
            Some(speaker) => (speaker, ""),
            None => return Some(LineKind::System),
        },
    };
    if speaker.is_empty() {
        return Some(LineKind::System);
    }
    Some(LineKind::Message {
        family: Family::Mobile,
        date: Some(date),
        time,
        speaker,
        text,
    })
}

fn english_header(line: &str) -> Option<LineKind<'static>> {
    if line.starts_with("KakaoTalk Chats with ") {
        Some(LineKind::Title)
    } else if line.starts_with("Date Saved :") {
        Some(LineKind::SavedAt)
    } else {
        None
    }
}

/// A tiny parser over the rest of a line. A method that fails may have consumed part of
/// the line: callers give up on the cursor then.
struct Cursor<'a>(&'a str);

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl<'a> Cursor<'a> {
    fn lit(&mut self, s: &str) -> Option<()> {
        self.0 = self.0.strip_prefix(s)?;
        Some(())
    }

    /// One or more spaces.
    fn space(&mut self) -> Option<()> {
        let rest = self.0.trim_start_matches(' ');
        (rest.len() < self.0.len()).then(|| self.0 = rest)
    }

    fn end(&self) -> Option<()> {
        self.0.is_empty().then_some(())
    }

    fn number(&mut self, max_digits: usize, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
        let digits = self.0.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > max_digits {
            return None;
        }
        let n: u32 = self.0[..digits].parse().ok()?;
        range.contains(&n).then(|| {
            self.0 = &self.0[digits..];
            n
        })
    }

    fn date(year: u32, month: u32, day: u32) -> Option<Date> {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day > days {
            return None;
        }
        Some(Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    /// `2025년 3월 14일` or `2025. 3. 14.`
    fn korean_date(&mut self) -> Option<Date> {
        let year = self.number(4, 1900..=9999)?;
        if self.lit("년").is_some() {
            self.space()?;
            let month = self.number(2, 1..=12)?;
            self.lit("월")?;
            self.space()?;
            let day = self.number(2, 1..=31)?;
            self.lit("일")?;
            Self::date(year, month, day)
        } else {
            self.lit(".")?;
            self.space()?;
            let month = self.number(2, 1..=12)?;
            self.lit(".")?;
            self.space()?;
            let day = self.number(2, 1..=31)?;
            self.lit(".")?;
            Self::date(year, month, day)
        }
    }

    /// `March 14, 2025`
    fn english_date(&mut self) -> Option<Date> {
        let month = MONTHS.iter().position(|m| self.0.starts_with(m))?;
        let mut c = Cursor(&self.0[MONTHS[month].len()..]);
        c.space()?;
        let day = c.number(2, 1..=31)?;
        c.lit(",")?;
        c.space()?;
        let year = c.number(4, 1900..=9999)?;
        self.0 = c.0;
        Self::date(year, month as u32 + 1, day)
    }

    /// `금요일`
    fn korean_weekday(&mut self) -> Option<()> {
        let mut chars = self.0.chars();
        if !"월화수목금토일".contains(chars.next()?) {
            return None;
        }
        self.0 = chars.as_str().strip_prefix("요일")?;
        Some(())
    }

    fn english_weekday(&mut self) -> Option<()> {
        let day = WEEKDAYS.iter().find(|d| self.0.starts_with(*d))?;
        self.0 = &self.0[day.len()..];
        Some(())
    }

    /// `오후 3:15` → 15:15 (`오전 12:05` is 00:05, `오후 12:30` is 12:30).
    fn korean_time(&mut self) -> Option<Time> {
        let mut c = Cursor(self.0);
        let pm = if c.lit("오전").is_some() {
            false
        } else {
            c.lit("오후")?;
            true
        };
        c.space()?;
        let time = c.clock(pm)?;
        self.0 = c.0;
        Some(time)
    }

    /// `3:15 PM`, parsed from `self`; on success `rest` is left after it.
    fn english_time_then(mut self, rest: &mut Cursor<'a>) -> Option<Time> {
        let (h, m) = self.hour_minute()?;
        self.space()?;
        let pm = if self.lit("AM").is_some() {
            false
        } else {
            self.lit("PM")?;
            true
        };
        let time = twelve_hour(h, m, pm)?;
        rest.0 = self.0;
        Some(time)
    }

    fn clock(&mut self, pm: bool) -> Option<Time> {
        let (h, m) = self.hour_minute()?;
        twelve_hour(h, m, pm)
    }

    fn hour_minute(&mut self) -> Option<(u32, u32)> {
        let h = self.number(2, 1..=12)?;
        self.lit(":")?;
        let digits = self.0.bytes().take_while(u8::is_ascii_digit).count();
        if digits != 2 {
            return None;
        }
        let m = self.number(2, 0..=59)?;
        Some((h, m))
    }
}

fn twelve_hour(hour: u32, minute: u32, pm: bool) -> Option<Time> {
    Some(Time {
        hour: (hour % 12 + if pm { 12 } else { 0 }) as u8,
        minute: minute as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: u16, m: u8, d: u8) -> Date {
        Date {
            year: y,
            month: m,
            day: d,
        }
    }

    fn msg(line: &str) -> (Family, Option<String>, String, String, String) {
        match classify(line) {
            LineKind::Message {
                family,
                date,
                time,
                speaker,
                text,
            } => (
                family,
                date.map(|d| d.to_string()),
                time.to_string(),
                speaker.to_owned(),
                text.to_owned(),
            ),
            other => panic!("{line:?}: {other:?}"),
        }
    }

    #[test]
    fn pc_lines() {
        assert_eq!(
            classify("--------------- 2025년 3월 14일 금요일 ---------------"),
            LineKind::Date {
                family: Family::Pc,
                date: date(2025, 3, 14)
            }
        );
        assert_eq!(
            classify("--------------- Friday, March 14, 2025 ---------------"),
            LineKind::Date {
                family: Family::Pc,
                date: date(2025, 3, 14)
            }
        );
        let m = msg("[민지] [오후 3:15] 메시지");
        assert_eq!(
            m,
            (
                Family::Pc,
                None,
                "15:15".into(),
                "민지".into(),
                "메시지".into()
            )
        );
        assert_eq!(msg("[John] [2:30 PM] Hello").2, "14:30");
        assert_eq!(msg("[John] [12:05 AM] Hi").2, "00:05");
        assert_eq!(msg("[민지] [오전 12:05] a").2, "00:05");
        assert_eq!(msg("[민지] [오후 12:30] a").2, "12:30");
        // a bracket in the name, a bracketed message, an empty message
        assert_eq!(msg("[[공지] 봇] [오전 9:00] [중요] 내용").3, "[공지] 봇");
        assert_eq!(msg("[[공지] 봇] [오전 9:00] [중요] 내용").4, "[중요] 내용");
        assert_eq!(msg("[민지] [오후 3:15]").4, "");
        assert_eq!(classify("[민지] [오후 13:15] x"), LineKind::Other);
        assert_eq!(classify("[참고] 이건 그냥 메시지 본문"), LineKind::Other);
    }

    #[test]
    fn mobile_lines() {
        let m = msg("2025. 3. 14. 오후 3:15, 민지 : 메시지: 끝");
        assert_eq!(
            m,
            (
                Family::Mobile,
                Some("2025-03-14".into()),
                "15:15".into(),
                "민지".into(),
                "메시지: 끝".into()
            )
        );
        assert_eq!(
            msg("2016년 2월 5일 오전 1:33, 회원님 : 공부하기").2,
            "01:33"
        );
        assert_eq!(msg("February 10, 2016, 2:33 AM, you : Photo").3, "you");
        for date_line in [
            "2025년 3월 14일 금요일",
            "2025. 3. 14. 금요일",
            "2016년 2월 5일 오전 1:33",
            "February 10, 2016, 2:33 AM",
        ] {
            assert!(
                matches!(
                    classify(date_line),
                    LineKind::Date {
                        family: Family::Mobile,
                        ..
                    }
                ),
                "{date_line}"
            );
        }
        assert_eq!(
            classify("2025. 3. 14. 오후 3:15: 민지님이 들어왔습니다."),
            LineKind::System
        );
        assert_eq!(
            classify("2016년 3월 18일 오후 7:54, 민지님이 나갔습니다."),
            LineKind::System
        );
        assert_eq!(
            classify("2025. 13. 14. 오후 3:15, 민지 : x"),
            LineKind::Other
        );
        assert_eq!(classify("2025년에는 꼭 여행 가자"), LineKind::Other);
    }

    #[test]
    fn headers_and_events() {
        assert_eq!(classify("김민지 님과 카카오톡 대화"), LineKind::Title);
        assert_eq!(classify("KakaoTalk Chats with John"), LineKind::Title);
        assert_eq!(
            classify("저장한 날짜 : 2025-03-15 10:44:52"),
            LineKind::SavedAt
        );
        assert_eq!(
            classify("Date Saved : March 15, 2025, 1:08 PM"),
            LineKind::SavedAt
        );
        assert_eq!(classify("민지님이 나갔습니다."), LineKind::System);
        assert_eq!(classify("메시지가 삭제되었습니다."), LineKind::System);
        assert_eq!(classify("그냥 이어지는 줄"), LineKind::Other);
    }
}
