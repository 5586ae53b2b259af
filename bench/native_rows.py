#!/usr/bin/env python3
"""End to end rows/s natively: the gamjeong CLI against onnxruntime int8 over a file of texts.

    PY=/work/venv-bench/bin/python
    $PY bench/native_rows.py texts OUT.txt [N]          # N (default 2000) seeded texts, one per line
    $PY bench/native_rows.py run MODEL_DIR ORT_INT8.onnx GJ_Q8.safetensors TEXTS.txt GJ_CLI \\
        [THREADS] [ROUNDS] [OUT.json]
    $PY bench/native_rows.py bulk MODEL_DIR ORT_INT8.onnx GJ_Q8.safetensors TEXTS.txt GJ_CLI \\
        [THREADS] [ROUNDS] [OUT.json]

Run by hand, never in CI (needs onnxruntime and tokenizers; docs/benchmarks.md "Native").

`texts`: natural sentences of the benchmark model's corpus (bench/make_bert_base.py), 1 to 4
joined per line (about 8 to 90 tokens), deterministic.

`GJ_ARGS` (environment): more flags for the gamjeong CLI, e.g. `--activations 8`.

`run`: both engines classify every line of TEXTS one text at a time (batch 1, what the CLI
does with lines on stdin) on THREADS threads, from a cold process:
  gamjeong   `GJ_CLI classify --model GJ_Q8 --json --threads THREADS < TEXTS > out.jsonl`
  onnxruntime  a fresh Python process: session on ORT_INT8 (intra_op THREADS), the same
             tokenizer.json (HF `tokenizers`, truncation to 512), run, softmax, one JSON line
             per text with all 60 scores, like the CLI's.
`bulk`: the whole-file mode with the same batching on both sides:
  gamjeong   `GJ_CLI classify --model GJ_Q8 --input TEXTS --format lines --output out.jsonl
             --threads THREADS` (windows of 256 rows sorted by token count, steps of 64 rows,
             encoder passes of at most 512 padded tokens: src/bulk/window.rs, src/classifier)
  onnxruntime  the same windows, steps and passes (padded batches with the attention mask),
             the top label and score per row in input order, as JSON Lines.
Both outputs' top labels are compared (both are int8 of the same weights, quantized differently,
so agreement is reported, not required).
Wall time of the whole process (load included) and the time after load are taken; engines
alternate per round; medians over ROUNDS (default 3). Also checks that both wrote one line
per text.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXT_SEED = 20260601


def make_texts(out, n):
    sys.path.insert(0, str(HERE))
    import make_bert_base as mb  # the benchmark model's corpus

    rng = random.Random(TEXT_SEED)
    sents = mb._sentences()
    lines = set()
    while len(lines) < n:
        lines.add(" ".join(rng.choice(sents) for _ in range(rng.randint(1, 4))).replace("\n", " "))
    Path(out).write_text("\n".join(sorted(lines, key=lambda _: rng.random())) + "\n", encoding="utf-8")
    print(f"{out}: {n} texts")


# Both onnxruntime children: the session (THREADS intra-op threads), the tokenizer, the labels.
ORT_SETUP = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
model_dir, onnx, texts, threads, out = sys.argv[1:6]
so = ort.SessionOptions()
so.intra_op_num_threads = int(threads)
so.inter_op_num_threads = 1
s = ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])
tk = Tokenizer.from_file(model_dir + "/tokenizer.json")
tk.enable_truncation(512)
labels = json.load(open(model_dir + "/config.json"))["id2label"]
t1 = time.perf_counter()
"""

ORT_CHILD = ORT_SETUP + r"""
with open(texts, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    for line in f:
        text = line.rstrip("\n")
        ids = np.array([tk.encode(text).ids], dtype=np.int64)
        logits = s.run(["logits"], {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0].astype(np.float64)
        p = np.exp(logits - logits.max()); p /= p.sum()
        order = np.argsort(-p)
        o.write(json.dumps({"text": text, "tokens": int(ids.shape[1]),
                            "scores": [{"index": int(i), "label": labels[str(i)], "score": float(p[i])} for i in order]},
                           ensure_ascii=False) + "\n")
print(json.dumps({"load_s": t1 - t0, "run_s": time.perf_counter() - t1}))
"""

# The bulk mode's batching (src/bulk/window.rs WINDOW_ROWS, classify_file.rs STEP_ROWS,
# src/classifier MAX_BATCH_TOKENS and group_bounds), reproduced for onnxruntime.
ORT_BULK_CHILD = ORT_SETUP + r"""
WINDOW, STEP, MAX_TOKENS = 256, 64, 512

def groups(lens):
    start = 0
    while start < len(lens):
        end, longest = start + 1, lens[start]
        while end < len(lens) and max(longest, lens[end]) * (end + 1 - start) <= MAX_TOKENS:
            longest = max(longest, lens[end]); end += 1
        yield start, end
        start = end

def window(lines, o):
    enc = [tk.encode(t).ids for t in lines]
    order = sorted(range(len(lines)), key=lambda i: (len(enc[i]), i))
    top = [None] * len(lines)
    for st in range(0, len(order), STEP):
        step = order[st:st + STEP]
        for a, b in groups([len(enc[i]) for i in step]):
            rows = step[a:b]
            width = max(len(enc[i]) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                ids[r, :len(enc[i])] = enc[i]; mask[r, :len(enc[i])] = 1
            logits = s.run(["logits"], {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0].astype(np.float64)
            p = np.exp(logits - logits.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)
            for r, i in enumerate(rows):
                k = int(p[r].argmax()); top[i] = (labels[str(k)], float(p[r, k]))
    for t, (label, score) in zip(lines, top):
        o.write(json.dumps({"text": t, "label": label, "score": score}, ensure_ascii=False) + "\n")

with open(texts, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    buf = []
    for line in f:
        buf.append(line.rstrip("\n"))
        if len(buf) == WINDOW:
            window(buf, o); buf = []
    if buf:
        window(buf, o)
print(json.dumps({"load_s": t1 - t0, "run_s": time.perf_counter() - t1}))
"""


def run(model_dir, onnx, q8, texts, cli, threads, rounds, out_json, bulk=False):
    n = sum(1 for _ in open(texts, encoding="utf-8"))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads),
               CANDLE_NUM_THREADS=str(threads))
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    # GJ_ARGS: more CLI flags for gamjeong, e.g. "--activations 8"
    extra = os.environ.get("GJ_ARGS", "").split()

    def gamjeong():
        t = time.perf_counter()
        if bulk:
            subprocess.run([cli, "classify", "--model", q8, "--input", texts, "--format", "lines",
                            "--output", str(tmp / "gj_rows.jsonl"), "--threads", str(threads), *extra],
                           check=True, env=env)
        else:
            with open(texts, "rb") as i, open(tmp / "gj_rows.jsonl", "wb") as o:
                subprocess.run([cli, "classify", "--model", q8, "--json", "--threads", str(threads), *extra],
                               stdin=i, stdout=o, check=True, env=env)
        wall = time.perf_counter() - t
        assert sum(1 for _ in open(tmp / "gj_rows.jsonl", encoding="utf-8")) == n
        return wall, None

    def onnxruntime():
        t = time.perf_counter()
        child = ORT_BULK_CHILD if bulk else ORT_CHILD
        r = subprocess.run([sys.executable, "-c", child, model_dir, onnx, texts, str(threads),
                            str(tmp / "ort_rows.jsonl")], check=True, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t
        assert sum(1 for _ in open(tmp / "ort_rows.jsonl", encoding="utf-8")) == n
        return wall, json.loads(r.stdout.strip().splitlines()[-1])

    engines = {"gamjeong_q8": gamjeong, "ort_int8": onnxruntime}
    walls = {k: [] for k in engines}
    runs = {k: [] for k in engines}
    for i in range(rounds):
        order = list(engines.items())
        if i % 2:
            order.reverse()
        for k, f in order:
            wall, inner = f()
            walls[k].append(wall)
            if inner:
                runs[k].append(inner["run_s"])
            print(f"round {i} {k}: {wall:.2f} s wall, {n / wall:.1f} rows/s", flush=True)
    res = {"texts": n, "threads": threads, "rounds": rounds, "cpu": cpu_model(), "gamjeong_args": extra,
           "mode": "bulk (--input, sorted batches)" if bulk else "one text per pass (stdin)", "engines": {}}
    if bulk:
        gj = [json.loads(l)["label"] for l in open(tmp / "gj_rows.jsonl", encoding="utf-8")]
        ort_ = [json.loads(l)["label"] for l in open(tmp / "ort_rows.jsonl", encoding="utf-8")]
        res["top1_agreement"] = sum(a == b for a, b in zip(gj, ort_)) / n
    for k in engines:
        wall = statistics.median(walls[k])
        res["engines"][k] = {"wall_s": wall, "rows_per_s": n / wall}
        if runs[k]:
            res["engines"][k]["rows_per_s_after_load"] = n / statistics.median(runs[k])
    print(json.dumps(res, indent=1))
    if out_json:
        Path(out_json).write_text(json.dumps(res, indent=1))


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            name = line.split(":", 1)[1].strip()
            flags = next(fl for fl in open("/proc/cpuinfo") if fl.startswith("flags")).split()
            vnni = [f for f in ("avx_vnni", "avx512_vnni") if f in flags]
            return f"{name} ({', '.join(vnni) or 'no VNNI'})"
    return "unknown"


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["texts"]:
        make_texts(a[1], int(a[2]) if len(a) > 2 else 2000)
    elif a[:1] in (["run"], ["bulk"]) and len(a) >= 6:
        run(a[1], a[2], a[3], a[4], a[5], int(a[6]) if len(a) > 6 else 1,
            int(a[7]) if len(a) > 7 else 3, a[8] if len(a) > 8 else None, bulk=a[0] == "bulk")
    else:
        sys.exit(__doc__)
