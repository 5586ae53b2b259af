//! Counts over a run's output rows, for the summary a user reads first: the groups' shares,
//! the top labels, and for a chat each speaker's emotions and their course over time.

use super::record::{Skip, Values};
use super::window::Done;
use crate::labels::{LabelInfo, GROUPS};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub rows: u64,
    pub classified: u64,
    pub skipped_empty: u64,
    pub skipped_media: u64,
    /// Classified rows whose top score is below the threshold.
    pub low_confidence: u64,
    /// Top-1 counts by class index.
    pub labels: Vec<u64>,
    /// What the per-speaker and timeline counts are of: the six groups of the 60-emotion
    /// taxonomy, else the model's labels.
    pub categories: Vec<String>,
    /// Top-1 counts by category.
    pub category_counts: Vec<u64>,
    /// Chats: per speaker (in order of first message).
    pub speakers: Vec<Speaker>,
    /// Chats: category counts per speaker per day (`"2025-03-14"`), or per hour
    /// (`"2025-03-14 15"`) when the whole chat is one day.
    pub timeline: Timeline,
    /// Chats: the lines that were not messages.
    pub chat_lines: Option<super::kakao::ChatLines>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Speaker {
    pub name: String,
    pub rows: u64,
    pub classified: u64,
    pub low_confidence: u64,
    /// Top-1 counts by class index.
    pub labels: Vec<u64>,
    pub category_counts: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    /// `"day"` or `"hour"` (empty until a dated message arrives).
    pub unit: &'static str,
    /// bucket → speaker → category counts.
    pub buckets: BTreeMap<String, BTreeMap<String, Vec<u64>>>,
}

pub(crate) struct Counter {
    summary: Summary,
    /// Category of each class index.
    category_of: Vec<usize>,
    threshold: f32,
    chat: bool,
    /// Per hour, kept while the chat is one day.
    hours: BTreeMap<String, BTreeMap<String, Vec<u64>>>,
}

impl Counter {
    pub fn new(labels: &[LabelInfo], threshold: f32, chat: bool) -> Self {
        let grouped = !labels.is_empty() && labels.iter().all(|l| l.group.is_some());
        let (categories, category_of): (Vec<String>, Vec<usize>) = if grouped {
            let of = labels
                .iter()
                .map(|l| {
                    GROUPS
                        .iter()
                        .position(|g| Some(g.label) == l.group)
                        .unwrap_or(0)
                })
                .collect();
            (GROUPS.iter().map(|g| g.label.to_owned()).collect(), of)
        } else {
            (
                labels.iter().map(|l| l.label.clone()).collect(),
                (0..labels.len()).collect(),
            )
        };
        Self {
            summary: Summary {
                labels: vec![0; labels.len()],
                category_counts: vec![0; categories.len()],
                categories,
                ..Summary::default()
            },
            category_of,
            threshold,
            chat,
            hours: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, done: &Done) {
        let s = &mut self.summary;
        s.rows += 1;
        match done.row.skip {
            Some(Skip::Empty) => s.skipped_empty += 1,
            Some(Skip::Media) => s.skipped_media += 1,
            None => {}
        }
        let top = done.top.filter(|&(i, _)| i < self.category_of.len());
        let low = top.is_some_and(|(_, score)| score < self.threshold);
        if let Some((index, _)) = top {
            s.classified += 1;
            s.labels[index] += 1;
            s.category_counts[self.category_of[index]] += 1;
            s.low_confidence += u64::from(low);
        }
        if !self.chat {
            return;
        }
        let Values::Strings(v) = &done.row.values else {
            return;
        };
        let [date, time, speaker, _] = &v[..] else {
            return;
        };
        let n_labels = s.labels.len();
        let n_categories = s.categories.len();
        let at = match s.speakers.iter().position(|p| &p.name == speaker) {
            Some(at) => at,
            None => {
                s.speakers.push(Speaker {
                    name: speaker.clone(),
                    labels: vec![0; n_labels],
                    category_counts: vec![0; n_categories],
                    ..Speaker::default()
                });
                s.speakers.len() - 1
            }
        };
        let p = &mut s.speakers[at];
        p.rows += 1;
        let Some((index, _)) = top else {
            return;
        };
        let category = self.category_of[index];
        p.classified += 1;
        p.low_confidence += u64::from(low);
        p.labels[index] += 1;
        p.category_counts[category] += 1;
        if date.is_empty() {
            return;
        }
        let count = |buckets: &mut BTreeMap<String, BTreeMap<String, Vec<u64>>>, key: String| {
            buckets
                .entry(key)
                .or_default()
                .entry(speaker.clone())
                .or_insert_with(|| vec![0; n_categories])[category] += 1;
        };
        count(&mut s.timeline.buckets, date.clone());
        let one_day = s.timeline.buckets.len() == 1;
        if one_day {
            count(
                &mut self.hours,
                format!("{date} {}", time.get(..2).unwrap_or("")),
            );
            s.timeline.unit = "hour";
        } else if !self.hours.is_empty() || s.timeline.unit == "hour" {
            self.hours.clear();
            s.timeline.unit = "day";
        }
    }

    /// The summary as it stands, with the hourly timeline for a one-day chat.
    pub fn snapshot(&self) -> Summary {
        let mut s = self.summary.clone();
        if s.timeline.unit == "hour" {
            s.timeline.buckets = self.hours.clone();
        }
        s
    }
}
