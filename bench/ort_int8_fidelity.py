#!/usr/bin/env python3
"""onnxruntime's int8 judged by gamjeong's own q8 gate (issue 28: is the latency comparison of
docs/benchmarks.md "Native" at equal fidelity?).

    HF_HUB_OFFLINE=1 /tmp/fxenv/bin/python bench/ort_int8_fidelity.py \
        "$(bash tests/fixtures/fetch_minilm.sh)" [OUT_DIR] [--gamjeong target/release/gamjeong] [--diag]

Run by hand, never in CI (needs torch, transformers, onnx, onnxruntime). OUT_DIR (default
target/ort-minilm) gets the ONNX files.

What it does:
  - exports all-MiniLM-L6-v2 (real trained weights, the folder fetch_minilm.sh prints) to ONNX with
    bench/make_peer.py's export_onnx, the benchmark model's export: torch.onnx.export, opset 17,
    dynamo=False, do_constant_folding=True, eager attention, int64 inputs input_ids /
    attention_mask / token_type_ids with dynamic batch and sequence axes; the outputs are the last
    hidden state and the pooler output (BertModel, no head) instead of logits;
  - quantizes it with onnxruntime.quantization.quantize_dynamic as make_peer.py does
    (weight_type=QInt8, everything else ORT's default: per-tensor weights, dynamic uint8
    activations, reduce_range=False), and, as extra rows, per_channel=True, reduce_range=True, and
    both;
  - runs every file in onnxruntime (CPUExecutionProvider, default graph optimizations, one
    intra-op thread, as bench/native_peer.py builds its sessions apart from the thread count) on
    the gate sentences' exact token ids from tests/fixtures/minilm/reference.json, one sentence per
    run (batch 1, no padding), and prints the cosine of every token's hidden state against the
    fixture's transformers f32 hidden state, mean and min over all tokens of all sentences,
    computed as tests/minilm.rs computes it (per token, in f64, mean over tokens, not sentences);
  - --gamjeong BIN: gamjeong's own q8 of the same weights (BIN quantize, then BIN embed at
    --activations 15 and 8, one thread) through the same cosine: the 15-bit row must print what
    `cargo test --release --test minilm -- --nocapture` prints for q8;
  - --diag: two attribution rows (choose nothing): the peer's file with ORT's graph fusions off,
    and the peer's settings with only MatMul quantized (embedding tables left f32);
  - --time OUT_DIR THREADS (after a fidelity run; under bench's quiet wrapper): latency of the
    f32, the peer's int8 and the per_channel int8 files on MiniLM at 24 x 1 and 64 x 8;
  - the same on the 12 tuning texts of bench/act8_smooth.py (tokenized by transformers' tokenizer,
    reference: transformers f32 in this environment), reported apart. The gate sentences judge.

The gate (tests/minilm.rs, q8): mean >= 0.999. Nothing here is tuned: the settings are the
benchmark peer's, the extra rows are ORT's two documented knobs, all rows are reported, and the
gate is the test's, fixed before this script existed. The onnxruntime f32 row is a calibration
row (must print ~1.0: it checks the export and the cosine code, not ORT's int8).

onnxruntime's int8 kernels pick their instructions at run time (MLAS: AVX-512 VNNI, AVX-VNNI,
AVX2 vpmaddubsw, ...); u8 x s8 on plain AVX2 can saturate its 16-bit pair sums, which is what
reduce_range exists for. So the int8 rows belong to the CPU they ran on: print it beside them.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from act8_smooth import TUNING_TEXTS  # noqa: E402  (the 12 tuning texts, one list)
from make_peer import INPUTS, export_onnx  # noqa: E402  (the benchmark peer's export)

GATE = 0.999  # tests/minilm.rs: q8's hidden-state cosine mean

# name, quantize_dynamic keyword arguments beyond the peer's weight_type=QInt8
INT8_ROWS = [
    ("ort int8: the benchmark peer's settings (per-tensor, reduce_range=False)", {}),
    ("ort int8, per_channel=True", {"per_channel": True}),
    ("ort int8, reduce_range=True", {"reduce_range": True}),
    ("ort int8, per_channel=True + reduce_range=True", {"per_channel": True, "reduce_range": True}),
]


def cpu_model():
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    fields = {}
    for line in info.splitlines():
        if ":" in line:
            k, v = (s.strip() for s in line.split(":", 1))
            fields.setdefault(k, v)
        elif fields:
            break
    flags = set(fields.get("flags", "").split())
    have = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni") if f in flags]
    return "{} (family {} model {}; {})".format(
        fields.get("model name", "?"), fields.get("cpu family", "?"), fields.get("model", "?"), " ".join(have))


def feeds(ids, types):
    ids = np.array([ids], dtype=np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids),
            "token_type_ids": np.array([types], dtype=np.int64)}


class Outputs(torch.nn.Module):
    """BertModel called by keyword, its two outputs as a tuple: transformers 5's BertModel does not
    trace with positional inputs (forward() got multiple values for 'use_cache')."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        o = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return o.last_hidden_state, o.pooler_output


def export(model, path):
    ex = feeds([101, 2023, 2003, 102], [0, 0, 0, 0])
    export_onnx(Outputs(model).eval(), [torch.from_numpy(ex[k]) for k in INPUTS], path,
                {"last_hidden_state": {0: "batch", 1: "sequence"}, "pooler_output": {0: "batch"}})


def cosine_stats(got, refs):
    """tests/minilm.rs's numbers: every token's cosine in f64, mean and min over all tokens."""
    cs = []
    for g, r in zip(got, refs):
        g, r = np.asarray(g, np.float64), np.asarray(r, np.float64)
        assert g.shape == r.shape, (g.shape, r.shape)
        dot = (g * r).sum(-1)
        cs.append(dot / np.maximum(np.linalg.norm(g, axis=-1) * np.linalg.norm(r, axis=-1), 1e-30))
    c = np.concatenate(cs)
    return float(c.mean()), float(c.min()), len(c)


def engine_rows(binary, model_dir, out, gate_cases, tune_texts, tune_in):
    """gamjeong's own q8 (the CLI's quantize, then embed at 15 and 8 bits) through the same cosine:
    its 15-bit row must print what tests/minilm.rs prints, or this script's cosine is not the gate's."""
    q8 = out / "minilm.q8.safetensors"
    subprocess.run([binary, "quantize", "--model", str(model_dir), "--quant", "q8", "--out", str(q8)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    for bits in (15, 8):
        def embed(texts, bits=bits):
            p = subprocess.run([binary, "--threads", "1", "--activations", str(bits), "embed", "--model", str(q8),
                                *texts], check=True, capture_output=True, text=True)
            return [json.loads(line)["last_hidden_state"] for line in p.stdout.splitlines() if line.strip()]
        gate = embed([c["text"] for c in gate_cases])
        for c, h in zip(gate_cases, gate):
            assert len(h) == len(c["input_ids"]), ("engine tokenized differently", c["name"])
        tune = embed(tune_texts)
        for (ids, _), h in zip(tune_in, tune):
            assert len(h) == len(ids), "engine tokenized a tuning text differently"
        label = f"gamjeong q8, {bits}-bit activations" + (" (default)" if bits == 15 else "")
        rows.append((label, gate, tune, q8.stat().st_size))
    return rows


def time_files(out, threads):
    """--time: latency of the ORT files this script wrote (f32, the peer's int8, per_channel int8) on
    MiniLM, seeded random ids as make_peer.py draws them, 2 warm-ups then RUNS runs per shape, files
    interleaved per round, median of all runs, ms. Run it under bench's quiet wrapper only."""
    import random
    import statistics
    import time

    import onnxruntime as ort
    runs, rounds = 15, 3
    rng = random.Random(20261129)
    shapes = [(24, 1), (64, 8)]
    ids = {s: [[101] + [rng.randint(1000, 29611) for _ in range(s[0] - 2)] + [102] for _ in range(s[1])]
           for s in shapes}
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    names = [("ort f32", "minilm.onnx"), ("ort int8, peer's settings", "minilm.int8.0.onnx"),
             ("ort int8, per_channel=True", "minilm.int8.1.onnx")]
    sess = {n: ort.InferenceSession(str(out / f), so, providers=["CPUExecutionProvider"]) for n, f in names}
    times = {(n, s): [] for n, _ in names for s in shapes}
    for _ in range(rounds):
        for n, _ in names:
            for s in shapes:
                x = np.array(ids[s], dtype=np.int64)
                f = {"input_ids": x, "attention_mask": np.ones_like(x), "token_type_ids": np.zeros_like(x)}
                for _ in range(2):
                    sess[n].run(["last_hidden_state"], f)
                for _ in range(runs):
                    t0 = time.perf_counter()
                    sess[n].run(["last_hidden_state"], f)
                    times[(n, s)].append((time.perf_counter() - t0) * 1e3)
    print(f"CPU: {cpu_model()}; onnxruntime {ort.__version__}; {threads} thread(s); "
          f"median of {runs * rounds} runs ({rounds} interleaved rounds), ms")
    print("| tokens × batch | " + " | ".join(n for n, _ in names) + " | per_channel ÷ peer |")
    print("|---" * (len(names) + 2) + "|")
    for s in shapes:
        med = [statistics.median(times[(n, s)]) for n, _ in names]
        print(f"| {s[0]} × {s[1]} | " + " | ".join(f"{m:.2f}" for m in med) + f" | {med[2] / med[1]:.2f} |")


def main():
    if "--time" in sys.argv:  # --time OUT_DIR THREADS: latency of the files a fidelity run wrote
        i = sys.argv.index("--time")
        return time_files(Path(sys.argv[i + 1]), int(sys.argv[i + 2]))
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = None
    if "--gamjeong" in flags:  # --gamjeong BIN: the value is the next argument
        i = sys.argv.index("--gamjeong")
        binary = sys.argv[i + 1]
        args.remove(binary)
        flags.discard("--gamjeong")
    if not 1 <= len(args) <= 2 or flags - {"--diag"}:
        sys.exit(__doc__)
    model_dir = Path(args[0])
    out = Path(args[1]) if len(args) > 1 else REPO / "target/ort-minilm"
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    cases = json.loads((REPO / "tests/fixtures/minilm/reference.json").read_text(encoding="utf-8"))["cases"]
    assert not set(TUNING_TEXTS) & {c["text"] for c in cases}, "tuning texts overlap the gate's"
    gate_in = [(c["input_ids"], c["token_type_ids"]) for c in cases]
    gate_ref = [c["last_hidden_state"] for c in cases]

    tk = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").float().eval()
    tune_in = []
    for t in TUNING_TEXTS:
        enc = tk(t)
        tune_in.append((enc["input_ids"], enc["token_type_ids"]))

    @torch.no_grad()
    def torch_hidden(ids, types):
        f = {k: torch.from_numpy(v) for k, v in feeds(ids, types).items()}
        return model(**f).last_hidden_state[0].numpy()

    # The fixture is transformers' f32 too: this environment must reproduce it (tests/minilm.rs's
    # tolerance is 1e-3 for the engine; here the same model in the same library).
    for (ids, types), ref in zip(gate_in, gate_ref):
        d = float(np.abs(torch_hidden(ids, types) - np.asarray(ref)).max())
        assert d < 1e-4, ("transformers f32 does not reproduce reference.json", d)
    tune_ref = [torch_hidden(ids, types) for ids, types in tune_in]

    def options(level=None):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        if level is not None:
            so.graph_optimization_level = level
        return so

    f32_path = out / "minilm.onnx"
    export(model, f32_path)
    files = [("ort f32 (calibration)", f32_path, options())]
    for i, (label, kw) in enumerate(INT8_ROWS):
        path = out / f"minilm.int8.{i}.onnx"
        quantize_dynamic(str(f32_path), str(path), weight_type=QuantType.QInt8, **kw)
        files.append((label, path, options()))
    if "--diag" in flags:
        # Attribution only (chooses nothing): the peer's file without ORT's graph fusions, and the
        # peer's settings with the embedding tables (Gather) left in f32, as gamjeong's q8 is not.
        files.append(("diag: peer's file, graph optimizations off", files[1][1],
                      options(ort.GraphOptimizationLevel.ORT_DISABLE_ALL)))
        path = out / "minilm.int8.matmul-only.onnx"
        quantize_dynamic(str(f32_path), str(path), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
        files.append(("diag: peer's settings, MatMul only (embeddings f32)", path, options()))

    print(f"CPU: {cpu_model()}")
    print(f"torch {torch.__version__}, onnxruntime {ort.__version__}, "
          f"onnx {__import__('onnx').__version__}, python {platform.python_version()}")
    head = ("| format | gate sentences: cosine mean | min | passes 0.999 | "
            "tuning texts: cosine mean | min | file MB |")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")

    def row(label, gate, tune, size):
        g_mean, g_min, _ = cosine_stats(gate, gate_ref)
        t_mean, t_min, _ = cosine_stats(tune, tune_ref)
        print(f"| {label} | {g_mean:.5f} | {g_min:.5f} | {'yes' if g_mean >= GATE else 'no'} | "
              f"{t_mean:.5f} | {t_min:.5f} | {size / 1e6:.1f} |", flush=True)

    if binary:
        for r in engine_rows(binary, model_dir, out, cases, TUNING_TEXTS, tune_in):
            row(*r)
    for label, path, so in files:
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

        def run(inputs, sess=sess):
            return [sess.run(["last_hidden_state"], feeds(ids, types))[0][0] for ids, types in inputs]

        row(label, run(gate_in), run(tune_in), path.stat().st_size)
    n_gate, n_tune = sum(len(i) for i, _ in gate_in), sum(len(i) for i, _ in tune_in)
    print(f"(gate sentences: {n_gate} tokens of {len(gate_in)} sentences; tuning texts: {n_tune} tokens of "
          f"{len(tune_in)} texts; one sentence per run, one thread)")


if __name__ == "__main__":
    main()
