//! The 60-emotion taxonomy of `hun3359/klue-bert-base-sentiment` (AIHub 감성대화말뭉치):
//! six groups of ten labels, each group's first label being the group itself.
//! This is the crate's only label table; the runtime, CLI and web page all read it.

/// One of the six emotion groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub label: &'static str,
    pub gloss: &'static str,
}

pub const GROUPS: [Group; 6] = [
    Group {
        label: "분노",
        gloss: "anger",
    },
    Group {
        label: "슬픔",
        gloss: "sadness",
    },
    Group {
        label: "불안",
        gloss: "anxiety",
    },
    Group {
        label: "상처",
        gloss: "hurt",
    },
    Group {
        label: "당황",
        gloss: "embarrassment",
    },
    Group {
        label: "기쁨",
        gloss: "joy",
    },
];

/// Labels per group, in `id2label` order: label `i` belongs to group `i / GROUP_SIZE`.
pub const GROUP_SIZE: usize = 10;

/// `(Korean label exactly as in id2label, English gloss)`, indexed by class id.
pub const EMOTIONS: [(&str, &str); 60] = [
    ("분노", "anger"),
    ("툴툴대는", "grumpy"),
    ("좌절한", "frustrated"),
    ("짜증내는", "irritated"),
    ("방어적인", "defensive"),
    ("악의적인", "spiteful"),
    ("안달하는", "fretful"),
    ("구역질 나는", "disgusted"),
    ("노여워하는", "indignant"),
    ("성가신", "annoyed"),
    ("슬픔", "sadness"),
    ("실망한", "disappointed"),
    ("비통한", "grief-stricken"),
    ("후회되는", "regretful"),
    ("우울한", "depressed"),
    ("마비된", "numb"),
    ("염세적인", "pessimistic"),
    ("눈물이 나는", "tearful"),
    ("낙담한", "discouraged"),
    ("환멸을 느끼는", "disillusioned"),
    ("불안", "anxiety"),
    ("두려운", "afraid"),
    ("스트레스 받는", "stressed"),
    ("취약한", "vulnerable"),
    ("혼란스러운", "confused"),
    ("당혹스러운", "perplexed"),
    ("회의적인", "skeptical"),
    ("걱정스러운", "worried"),
    ("조심스러운", "cautious"),
    ("초조한", "nervous"),
    ("상처", "hurt"),
    ("질투하는", "jealous"),
    ("배신당한", "betrayed"),
    ("고립된", "isolated"),
    ("충격 받은", "shocked"),
    ("가난한 불우한", "deprived"),
    ("희생된", "victimized"),
    ("억울한", "wronged"),
    ("괴로워하는", "distressed"),
    ("버려진", "abandoned"),
    ("당황", "embarrassment"),
    ("고립된(당황한)", "isolated (flustered)"),
    ("남의 시선을 의식하는", "self-conscious"),
    ("외로운", "lonely"),
    ("열등감", "inferior"),
    ("죄책감의", "guilty"),
    ("부끄러운", "ashamed"),
    ("혐오스러운", "repulsed"),
    ("한심한", "pathetic"),
    ("혼란스러운(당황한)", "confused (flustered)"),
    ("기쁨", "joy"),
    ("감사하는", "grateful"),
    ("신뢰하는", "trusting"),
    ("편안한", "comfortable"),
    ("만족스러운", "satisfied"),
    ("흥분", "excited"),
    ("느긋", "relaxed"),
    ("안도", "relieved"),
    ("신이 난", "elated"),
    ("자신하는", "confident"),
];

/// The English gloss of a group label (`"기쁨"` → `"joy"`).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // read by the wasm surface's labels()
pub fn group_gloss(group: &str) -> Option<&'static str> {
    GROUPS.iter().find(|g| g.label == group).map(|g| g.gloss)
}

/// What the crate knows about one output class of a loaded model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelInfo {
    pub label: String,
    /// Group label (e.g. "기쁨"); `None` for models outside the 60-emotion taxonomy.
    pub group: Option<&'static str>,
    /// English gloss; `None` for models outside the 60-emotion taxonomy.
    pub gloss: Option<&'static str>,
}

/// Label metadata for a model's `id2label`. The taxonomy is attached only when the
/// labels are exactly the 60 emotions in order, so a generic model gets no groups.
pub fn label_infos(id2label: &[String]) -> Vec<LabelInfo> {
    let is_emotion_model = id2label.len() == EMOTIONS.len()
        && id2label
            .iter()
            .zip(EMOTIONS.iter())
            .all(|(a, (b, _))| a == b);
    id2label
        .iter()
        .enumerate()
        .map(|(i, label)| LabelInfo {
            label: label.clone(),
            group: is_emotion_model.then(|| GROUPS[i / GROUP_SIZE].label),
            gloss: is_emotion_model.then(|| EMOTIONS[i].1),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_group_starts_with_its_own_label() {
        for (g, group) in GROUPS.iter().enumerate() {
            assert_eq!(EMOTIONS[g * GROUP_SIZE].0, group.label);
        }
    }

    #[test]
    fn group_glosses() {
        for group in GROUPS {
            assert_eq!(group_gloss(group.label), Some(group.gloss));
        }
        assert_eq!(group_gloss("기쁨"), Some("joy"));
        assert_eq!(group_gloss("LABEL_0"), None);
    }

    #[test]
    fn labels_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (label, _) in EMOTIONS {
            assert!(seen.insert(label), "duplicate label {label}");
        }
    }

    #[test]
    fn generic_labels_get_no_groups() {
        let infos = label_infos(&["LABEL_0".into(), "LABEL_1".into()]);
        assert!(infos.iter().all(|i| i.group.is_none() && i.gloss.is_none()));
        let mut shuffled: Vec<String> = EMOTIONS.iter().map(|(l, _)| l.to_string()).collect();
        shuffled.swap(0, 1);
        assert!(label_infos(&shuffled).iter().all(|i| i.group.is_none()));
    }

    #[test]
    fn emotion_labels_get_groups() {
        let labels: Vec<String> = EMOTIONS.iter().map(|(l, _)| l.to_string()).collect();
        let infos = label_infos(&labels);
        assert_eq!(infos[0].group, Some("분노"));
        assert_eq!(infos[37].group, Some("상처"));
        assert_eq!(infos[59].group, Some("기쁨"));
        assert_eq!(infos[59].gloss, Some("confident"));
    }
}
