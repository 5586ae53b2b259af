#!/usr/bin/env python3
"""Peer models for the ONNX Runtime benchmark, from the random BERT-base of make_bert_base.py.

    /tmp/benchenv/bin/python bench/make_peer.py target/bert-base-random target/bench

Run by hand, never in CI (needs torch, transformers, onnx, onnxruntime; see docs/benchmarks.md).

MODEL_DIR is the output of bench/make_bert_base.py (HF layout, f32 safetensors). OUT_DIR gets:

  model.onnx        ONNX f32: torch.onnx.export, opset 17, dynamo=False, eager attention,
                    inputs input_ids / attention_mask / token_type_ids (int64,
                    dynamic batch and sequence axes), output logits [batch, 60]
  model.int8.onnx   onnxruntime.quantization.quantize_dynamic(weight_type=QInt8),
                    per-tensor weights, dynamic uint8 activations (ORT's defaults)
  ids.json          the benchmark inputs: for each sequence length 8/24/64/128, 8 rows of
                    seeded random token ids ([CLS] … [SEP], no padding), plus torch's f32
                    logits for every row (batch 1 = row 0; batch 8 = all rows)
  peer_check.json   max |Δlogit| of onnxruntime (native, CPU) f32 and int8 against torch

The gamjeong q8/q4 files come from the CLI on the same model.safetensors (README).
"""

import argparse
import json
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import BertForSequenceClassification  # noqa: E402

SEQ_LENS = [8, 24, 64, 128]
ROWS = 8  # batch 8 uses all rows, batch 1 uses row 0
ID_SEED = 20261129
CLS, SEP = 2, 3
# make_bert_base.py's vocab: ids 5..23598 are real pieces, the rest [unusedN] filler.
FIRST_ID, LAST_REAL_ID = 5, 23598


def make_ids():
    rng = random.Random(ID_SEED)
    return {
        str(n): [[CLS] + [rng.randint(FIRST_ID, LAST_REAL_ID) for _ in range(n - 2)] + [SEP] for _ in range(ROWS)]
        for n in SEQ_LENS
    }


def feeds(rows):
    ids = np.array(rows, dtype=np.int64)
    return {
        "input_ids": ids,
        "attention_mask": np.ones_like(ids),
        "token_type_ids": np.zeros_like(ids),
    }


INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def export_onnx(module, example, path, outputs):
    """The peer's ONNX export: torch.onnx.export of `module` called with the int64 tensors
    `example` (input_ids, attention_mask, token_type_ids; dynamic batch and sequence axes),
    TorchScript exporter (dynamo=False), opset 17, constant folding. `outputs`: the output names
    in order, each with its dynamic axes. bench/ort_int8_fidelity.py exports MiniLM with it."""
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS}
    torch.onnx.export(
        module,
        tuple(example),
        str(path),
        input_names=INPUTS,
        output_names=list(outputs),
        dynamic_axes={**axes, **outputs},
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )


@torch.no_grad()
def torch_logits(model, rows):
    f = {k: torch.from_numpy(v) for k, v in feeds(rows).items()}
    return model(**f).logits.numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("out_dir")
    args = ap.parse_args()
    src, out = Path(args.model_dir), Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(os.cpu_count())

    model = BertForSequenceClassification.from_pretrained(
        src, local_files_only=True, attn_implementation="eager").float().eval()

    ids = make_ids()
    ref = {n: torch_logits(model, rows) for n, rows in ids.items()}
    # batch-1 logits of row 0 must match the batch-8 row 0 (no padding anywhere)
    for n, rows in ids.items():
        d = float(np.abs(torch_logits(model, rows[:1])[0] - ref[n][0]).max())
        assert d < 1e-3, (n, d)  # BLAS blocking differs with the batch size

    f32_path, int8_path = out / "model.onnx", out / "model.int8.onnx"
    t0 = time.time()
    ex = feeds(ids["24"][:2])
    export_onnx(model, [torch.from_numpy(ex[k]) for k in INPUTS], f32_path, {"logits": {0: "batch"}})
    print(f"onnx f32 export: {time.time() - t0:.1f} s, {f32_path.stat().st_size:,} B", flush=True)

    from onnxruntime.quantization import QuantType, quantize_dynamic
    t0 = time.time()
    quantize_dynamic(str(f32_path), str(int8_path), weight_type=QuantType.QInt8)
    print(f"onnx int8 quantize_dynamic: {time.time() - t0:.1f} s, {int8_path.stat().st_size:,} B", flush=True)

    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    check = {}
    for name, path in [("ort_f32", f32_path), ("ort_int8", int8_path)]:
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        per_len = {}
        for n, rows in ids.items():
            got = sess.run(["logits"], feeds(rows))[0]
            got1 = sess.run(["logits"], feeds(rows[:1]))[0]
            per_len[n] = {
                "batch8_max_abs": float(np.abs(got - ref[n]).max()),
                "batch1_max_abs": float(np.abs(got1[0] - ref[n][0]).max()),
                "top1_agree_of_8": int((got.argmax(-1) == ref[n].argmax(-1)).sum()),
            }
        check[name] = per_len
        print(name, json.dumps(per_len), flush=True)

    (out / "ids.json").write_text(json.dumps({
        "description": "Benchmark token ids (bench/make_peer.py): per sequence length, 8 rows of seeded "
                       "random ids ([CLS] ... [SEP], no padding, token type 0); torch f32 logits per row "
                       "(eager attention, model.eval(), no_grad).",
        "seed": ID_SEED,
        "ids": ids,
        "torch_logits": {n: [[float(x) for x in row] for row in ref[n]] for n in ids},
    }))
    (out / "peer_check.json").write_text(json.dumps({
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
        "max_abs_vs_torch": check,
    }, indent=1))


if __name__ == "__main__":
    main()
