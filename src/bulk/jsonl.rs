//! JSON Lines: one object per line, its fields kept in file order with their values as
//! written (so an output row carries them through unchanged).

use super::error::InputError;
use super::record::{Record, Values};
use super::text::Line;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// The record of one line; `None` for a blank line (not a record in JSON Lines).
pub(crate) fn parse_line(line: &Line) -> Result<Option<Record>, InputError> {
    let text = line.text.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return Ok(None);
    }
    let fields = parse_object(text).map_err(|msg| InputError::at(line.number, msg))?;
    Ok(Some(Record {
        line: line.number,
        end: line.end,
        values: Values::Json(fields),
    }))
}

fn parse_object(text: &str) -> Result<Vec<(String, Box<RawValue>)>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let fields = de
        .deserialize_any(ObjectVisitor)
        .and_then(|fields| de.end().map(|()| fields))
        .map_err(|e| {
            // serde_json counts lines and columns within this one line: keep the column only.
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            format!("not a JSON object (column {}: {message})", e.column())
        })?;
    Ok(fields)
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Vec<(String, Box<RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (one per line)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
            fields.push((key, value));
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line<'_> {
        Line {
            number: 7,
            text,
            end: 0,
        }
    }

    #[test]
    fn keeps_field_order_and_raw_values() {
        let r = parse_line(&line(r#"{"z":1, "text":"안녕 \"너\"", "n":{"b":2,"a":1}}"#))
            .unwrap()
            .unwrap();
        let Values::Json(fields) = r.values else {
            panic!()
        };
        let keys: Vec<_> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "text", "n"]);
        assert_eq!(fields[2].1.get(), r#"{"b":2,"a":1}"#);
    }

    #[test]
    fn blank_lines_are_not_records_and_bad_lines_name_their_line() {
        assert!(parse_line(&line("  \t")).unwrap().is_none());
        let e = parse_line(&line(r#"{"text": "a",}"#)).unwrap_err();
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("column"), "{e}");
        let e = parse_line(&line("[1, 2]")).unwrap_err();
        assert!(e.message.contains("JSON object"), "{e}");
        assert!(parse_line(&line(r#"{"a":1} {"b":2}"#)).is_err());
    }
}
