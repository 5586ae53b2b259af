#!/usr/bin/env python3
"""onnxruntime's int8 judged by gamjeong's own q8 gate (issue 28: is the latency comparison of
docs/benchmarks.md "Native" at equal fidelity?).

    HF_HUB_OFFLINE=1 /tmp/fxenv/bin/python bench/ort_int8_fidelity.py \
        "$(bash tests/fixtures/fetch_minilm.sh)" [OUT_DIR]

Run by hand, never in CI (needs torch, transformers, onnx, onnxruntime). OUT_DIR (default
target/ort-minilm) gets the ONNX files.

What it does:
  - exports all-MiniLM-L6-v2 (real trained weights, the folder fetch_minilm.sh prints) to ONNX as
    bench/make_peer.py exports the benchmark model: torch.onnx.export, opset 17, dynamo=False,
    do_constant_folding=True, eager attention, int64 inputs input_ids / attention_mask /
    token_type_ids with dynamic batch and sequence axes; the output is the last hidden state
    (BertModel, no head) instead of logits;
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

GATE = 0.999  # tests/minilm.rs: q8's hidden-state cosine mean
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]

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
    torch.onnx.export(
        Outputs(model).eval(),
        tuple(torch.from_numpy(ex[k]) for k in INPUTS),
        str(path),
        input_names=INPUTS,
        output_names=["last_hidden_state", "pooler_output"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"},
            "pooler_output": {0: "batch"},
        },
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )


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


def main():
    args = sys.argv[1:]
    if not 1 <= len(args) <= 2:
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

    f32_path = out / "minilm.onnx"
    export(model, f32_path)
    files = [("ort f32 (calibration)", f32_path)]
    for i, (label, kw) in enumerate(INT8_ROWS):
        path = out / f"minilm.int8.{i}.onnx"
        quantize_dynamic(str(f32_path), str(path), weight_type=QuantType.QInt8, **kw)
        files.append((label, path))

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    print(f"CPU: {cpu_model()}")
    print(f"torch {torch.__version__}, onnxruntime {ort.__version__}, "
          f"onnx {__import__('onnx').__version__}, python {platform.python_version()}")
    head = ("| format | gate sentences: cosine mean | min | passes 0.999 | "
            "tuning texts: cosine mean | min | file MB |")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for label, path in files:
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

        def run(inputs, sess=sess):
            return [sess.run(["last_hidden_state"], feeds(ids, types))[0][0] for ids, types in inputs]

        g_mean, g_min, g_n = cosine_stats(run(gate_in), gate_ref)
        t_mean, t_min, t_n = cosine_stats(run(tune_in), tune_ref)
        print(f"| {label} | {g_mean:.5f} | {g_min:.5f} | {'yes' if g_mean >= GATE else 'no'} | "
              f"{t_mean:.5f} | {t_min:.5f} | {path.stat().st_size / 1e6:.1f} |", flush=True)
    print(f"(gate sentences: {g_n} tokens of {len(gate_in)} sentences; tuning texts: {t_n} tokens of "
          f"{len(tune_in)} texts; one sentence per run, one intra-op thread)")


if __name__ == "__main__":
    main()
