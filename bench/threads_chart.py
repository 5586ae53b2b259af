#!/usr/bin/env python3
"""results-threads.json -> bench/threads.png: q8 latency at 1 and 2 threads, gamjeong vs ONNX Runtime Web.

    /tmp/benchenv/bin/python bench/threads_chart.py bench/results-threads.json
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

res = json.loads(Path(sys.argv[1]).read_text())


def lat(set_, engine, seq, batch):
    for r in res["warm"][set_]["results"]:
        if r["engine"] == engine and r["seq"] == seq and r["batch"] == batch:
            return r["median_ms"]
    return None


BARS = [  # label, set, engine
    ("ORT-web int8, 1 thread", "int8-t1", "ort-int8"),
    ("ORT-web int8, 2 threads", "int8-t2", "ort-int8-t2"),
    ("gamjeong q8 SIMD128, 1 thread", "int8-t2", "gj-q8-t1"),
    ("gamjeong q8 SIMD128, 2 threads", "int8-t2", "gj-q8-t2"),
    ("gamjeong q8 relaxed SIMD, 1 thread", "int8-t2", "gj-q8-relaxed"),
    ("gamjeong q8 relaxed SIMD, 2 threads", "int8-t2", "gj-q8-t2r"),
]
SHAPES = [(24, 1), (64, 1), (24, 8), (64, 8)]
COLORS = ["#bbbbbb", "#777777", "#9ecae1", "#3182bd", "#fdae6b", "#e6550d"]

fig, axes = plt.subplots(1, len(SHAPES), figsize=(12, 3.6))
for ax, (seq, batch) in zip(axes, SHAPES):
    base = lat("int8-t1", "ort-int8", seq, batch)
    vals = [lat(s, e, seq, batch) for _, s, e in BARS]
    ax.bar(range(len(BARS)), [v / base for v in vals], color=COLORS)
    for i, v in enumerate(vals):
        ax.text(i, v / base + 0.02, f"{v:.0f}", ha="center", fontsize=7)
    ax.set_title(f"{seq} tokens × {batch}", fontsize=9)
    ax.set_xticks([])
    ax.set_ylim(0, 1.25)
axes[0].set_ylabel("time ÷ ORT-web int8 on 1 thread (ms on bars)", fontsize=8)
fig.legend([plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS], [b[0] for b in BARS],
           loc="lower center", ncol=3, fontsize=8, frameon=False)
cpu = res["machine"]["cpu_model"]
fig.suptitle(f"BERT-base shape, headless Chromium, {cpu} ({res['machine']['cpus']} vCPUs), median of "
             f"{res['config']['rounds']}; lower is faster", fontsize=9)
fig.tight_layout(rect=(0, 0.12, 1, 0.95))
out = Path(sys.argv[1]).with_name("threads.png")
fig.savefig(out, dpi=110)
print(f"wrote {out}")
