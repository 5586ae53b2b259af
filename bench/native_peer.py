#!/usr/bin/env python3
"""Native peers: PyTorch f32 and onnxruntime (CPU) f32 / int8 on the benchmark ids.

    /tmp/benchenv/bin/python bench/native_peer.py target/bert-base-random target/bench [RUNS] [THREADS]

Reads OUT_DIR/ids.json, OUT_DIR/model.onnx, OUT_DIR/model.int8.onnx (bench/make_peer.py);
writes OUT_DIR/native_peer.json (THREADS 1, the default) or native_peer_tN.json: every engine
on THREADS intra-op threads. Per sequence length 8/24/64/128 and batch 1/8: 2 warm-up
runs, then RUNS (default 20) timed runs; median and min in ms. Engines alternate per run.

ENGINES=ort_int8,ort_f32 (default: also torch_f32) and SHAPES=24x1,64x8,128x8 (default: all)
narrow the run; OUT_NAME names the output file. The CPU model and its VNNI flags are recorded.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
THREADS = int(sys.argv[4]) if len(sys.argv) > 4 else 1
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from transformers import BertForSequenceClassification  # noqa: E402


def main():
    model_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(THREADS)
    torch.set_num_interop_threads(1)
    ids = json.loads((out / "ids.json").read_text())
    model = BertForSequenceClassification.from_pretrained(
        model_dir, local_files_only=True, attn_implementation="eager").float().eval()
    so = ort.SessionOptions()
    so.intra_op_num_threads = THREADS
    so.inter_op_num_threads = 1
    sessions = {
        "ort_f32": ort.InferenceSession(str(out / "model.onnx"), so, providers=["CPUExecutionProvider"]),
        "ort_int8": ort.InferenceSession(str(out / "model.int8.onnx"), so, providers=["CPUExecutionProvider"]),
    }

    def feeds(rows):
        a = np.array(rows, dtype=np.int64)
        return {"input_ids": a, "attention_mask": np.ones_like(a), "token_type_ids": np.zeros_like(a)}

    def run_torch(f):
        with torch.inference_mode():
            return model(**{k: torch.from_numpy(v) for k, v in f.items()}).logits

    engines = {"torch_f32": run_torch}
    for k, s in sessions.items():
        engines[k] = (lambda s: lambda f: s.run(["logits"], f))(s)
    if os.environ.get("ENGINES"):
        engines = {k: engines[k] for k in os.environ["ENGINES"].split(",")}
    shapes = os.environ.get("SHAPES")

    results = {k: {} for k in engines}
    load = os.getloadavg()
    for seq in ["8", "24", "64", "128"]:
        for batch in (1, 8):
            if shapes and f"{seq}x{batch}" not in shapes.split(","):
                continue
            f = feeds(ids["ids"][seq][:batch])
            times = {k: [] for k in engines}
            for run in engines.values():
                run(f)
                run(f)
            for i in range(runs):
                order = list(engines.items())
                if i % 2:
                    order.reverse()
                for k, run in order:
                    t0 = time.perf_counter()
                    run(f)
                    times[k].append((time.perf_counter() - t0) * 1e3)
            for k, t in times.items():
                results[k][f"{seq}x{batch}"] = statistics.median(t)
            print(f"seq {seq:>3} batch {batch}: " +
                  "  ".join(f"{k} {statistics.median(t):8.2f} ms" for k, t in times.items()), flush=True)
    name = "native_peer.json" if THREADS == 1 else f"native_peer_t{THREADS}.json"
    name = os.environ.get("OUT_NAME", name)
    (out / name).write_text(json.dumps({
        "torch": torch.__version__, "onnxruntime": ort.__version__, "runs": runs, "threads": THREADS,
        "cpu": cpu_model(),
        "load": [round(x, 2) for x in load] + [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }, indent=1))


def cpu_model():
    name, flags = "unknown", []
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("flags"):
            flags = line.split()
    vnni = [f for f in ("avx2", "avx_vnni", "avx512_vnni") if f in flags]
    return f"{name} ({', '.join(vnni)})"


if __name__ == "__main__":
    main()
