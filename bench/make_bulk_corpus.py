#!/usr/bin/env python3
"""Write the bulk benchmark corpus: 2,000 Korean chat-style messages, one per line.

    python3 bench/make_bulk_corpus.py [--out bench/bulk-corpus.txt] [--tokenizer TOKENIZER_JSON]

Provenance: generated, not collected. Every message is composed by this script from the
hand-written fragments below (situations, feelings, reactions, chat endings such as ㅋㅋ
and ㅠㅠ), chosen by a seeded random generator, so the corpus is the project's own text
(MIT OR Apache-2.0, like the code) and rebuilds byte for byte. No network, no dataset.

Lengths: the benchmark wants chat-message lengths of 5-60 tokens. Message i is built to a
target of 5 + (i * 55) // 2000 tokens (a flat spread over 5..60, shuffled), counting
~1.7 KLUE WordPiece tokens per word for Korean chat text. With --tokenizer (a
tokenizer.json, e.g. the benchmark model's; needs the `tokenizers` package) each message
is instead grown or cut until its token count, [CLS] and [SEP] included, is the target.
The script prints the length distribution it wrote.
"""

import argparse
import random
import statistics
from pathlib import Path

SEED = 20250314
COUNT = 2000
MIN_TOKENS, MAX_TOKENS = 5, 60
TOKENS_PER_WORD = 1.7

OPENERS = ["아", "헐", "와", "야", "음", "아니", "진짜", "근데", "그래서", "혹시", "오늘", "방금",
           "어제", "요즘", "솔직히", "있잖아", "대박", "에휴", "하", "흠"]
SUBJECTS = ["나", "우리 팀장님", "엄마", "동생", "친구가", "옆자리 동료가", "우리 강아지", "남자친구가",
            "여자친구가", "교수님이", "택배 기사님이", "사장님이", "룸메이트가", "우리 반 애들이",
            "회사 사람들이", "할머니가", "아빠가", "선배가", "후배가", "집주인이"]
SITUATIONS = [
    "시험에 합격했어", "면접에서 떨어졌어", "보고서를 또 다시 쓰라고 했어", "생일 선물을 줬어",
    "약속을 또 까먹었어", "월급이 들어왔어", "지갑을 잃어버렸어", "드디어 이사를 했어",
    "내 말을 하나도 안 들어줘", "갑자기 아프다고 연락이 왔어", "여행 가자고 했어",
    "야근을 세 시간이나 했어", "칭찬을 받았어", "비밀을 다른 사람한테 말했어",
    "다이어트를 포기했어", "발표를 망쳤어", "새 프로젝트를 맡게 됐어", "집에 혼자 남았어",
    "오랜만에 연락이 왔어", "계약이 취소됐어", "고양이를 입양했어", "버스를 놓쳤어",
    "점심을 사줬어", "내 실수를 덮어줬어", "이유도 없이 화를 냈어", "결혼한다고 했어",
]
FEELINGS = [
    "너무 행복해", "진짜 화가 나", "좀 불안해", "마음이 너무 아파", "완전 당황했어", "기분이 최고야",
    "어이가 없어", "눈물이 나", "걱정돼 죽겠어", "너무 억울해", "설레서 잠이 안 와", "짜증나 미치겠어",
    "허탈해", "고마워서 울컥했어", "창피해서 숨고 싶어", "외로워", "든든해", "후회돼", "초조해",
    "마음이 편해졌어", "배신감 느껴", "한심한 것 같아", "신나", "속상해", "막막해", "안심이 돼",
]
REACTIONS = [
    "어떻게 해야 할지 모르겠어", "너라면 어떻게 할 것 같아?", "내일 만나서 얘기하자", "다시는 안 그럴 거야",
    "그래도 잘 될 거라고 믿어", "이번 주말에 맛있는 거 먹자", "그냥 다 그만두고 싶어", "너무 고마워 정말",
    "이제야 좀 살 것 같아", "아무한테도 말하지 마", "계속 생각나서 일이 손에 안 잡혀", "내가 뭘 잘못한 걸까",
    "진짜 믿을 수가 없어", "빨리 퇴근하고 싶다", "오늘은 일찍 잘게", "나중에 전화할게",
]
DETAILS = [
    "아침부터", "회의 시간에", "다들 보는 앞에서", "퇴근하기 직전에", "주말 내내", "일주일 동안",
    "카톡으로", "전화로", "밥 먹다가", "지하철에서", "한밤중에", "갑자기", "아무 말도 없이", "또",
    "결국", "겨우", "생각보다 빨리", "몇 번이나",
]
ENDINGS = ["", "", "", "ㅋㅋ", "ㅋㅋㅋㅋ", "ㅠㅠ", "ㅠㅠㅠ", "ㅎㅎ", "!!", "...", "?", "ㄷㄷ", "😭", "😂", "🙏"]


def clause(rng):
    parts = []
    if rng.random() < 0.4:
        parts.append(rng.choice(OPENERS))
    parts.append(rng.choice(SUBJECTS))
    if rng.random() < 0.6:
        parts.append(rng.choice(DETAILS))
    parts.append(rng.choice(SITUATIONS))
    if rng.random() < 0.7:
        parts.append(rng.choice(FEELINGS))
    if rng.random() < 0.35:
        parts.append(rng.choice(REACTIONS))
    end = rng.choice(ENDINGS)
    text = " ".join(parts)
    return text + (end if end in ("?", "!!", "...") else (" " + end if end else ""))


def build(rng, fits):
    """Clauses until `fits(text)` says the text reached its target, then trimmed to it."""
    text = clause(rng)
    while fits(text) < 0:
        text += " " + clause(rng)
    words = text.split(" ")
    while len(words) > 1 and fits(" ".join(words)) > 0:
        words.pop()
    return " ".join(words)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "bulk-corpus.txt"))
    ap.add_argument("--tokenizer", help="tokenizer.json to measure tokens with (needs `tokenizers`)")
    args = ap.parse_args()
    rng = random.Random(SEED)
    count_tokens = None
    if args.tokenizer:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(args.tokenizer)
        tok.no_truncation()
        tok.no_padding()
        count_tokens = lambda t: len(tok.encode(t).ids)  # noqa: E731
    targets = [MIN_TOKENS + (i * (MAX_TOKENS - MIN_TOKENS + 1)) // COUNT for i in range(COUNT)]
    rng.shuffle(targets)
    texts, measured = [], []
    for target in targets:
        if count_tokens:
            fits = lambda t, n=target: count_tokens(t) - n  # noqa: E731
        else:
            words = max(1, round((target - 2) / TOKENS_PER_WORD))
            fits = lambda t, w=words: len(t.split(" ")) - w  # noqa: E731
        text = build(rng, fits)
        texts.append(text)
        measured.append(count_tokens(text) if count_tokens else len(text.split(" ")))
    Path(args.out).write_text("\n".join(texts) + "\n", encoding="utf-8")
    unit = "tokens ([CLS]/[SEP] included)" if count_tokens else "words"
    print(f"wrote {len(texts)} messages to {args.out}: {unit} min {min(measured)}, "
          f"median {statistics.median(measured)}, mean {statistics.mean(measured):.1f}, max {max(measured)}; "
          f"{len(set(texts))} distinct")


if __name__ == "__main__":
    main()
