#!/usr/bin/env python3
"""Table of bench/native_ab.sh's results (markdown on stdout).

    python3 bench/native_ab_report.py BENCH_DIR/ab_tN

Per binary, kernel and shape: the median over rounds of each process's median. "after ÷ before"
divides AFTER's by the median of both BEFORE series; "spread" is |before1 ÷ before2 − 1|, the
run's own noise. The criterion (written before the first run): a change counts as a speed-up
where after ÷ before < 1 − spread, a slow-down where > 1 + spread, else no difference.
"""

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def main(d):
    d = Path(d)
    med = defaultdict(list)  # (which, kernel-bits, shape) -> per-round medians
    for f in sorted(d.glob("*-r*.json")):
        which, rest = f.stem.split("-", 1)
        kb = rest.rsplit("-r", 1)[0]
        for r in json.loads(f.read_text())["results"]:
            med[(which, kb, f"{r['seq']}x{r['batch']}")].append(r["median_ms"])
    peer = json.loads((d / "peer.json").read_text())
    print(f"\n{peer['threads']} thread(s), {peer['cpu']}, onnxruntime {peer['onnxruntime']}, "
          f"rounds {len(med[next(iter(med))])}\n")
    print("| kernel | tokens × batch | onnxruntime int8 | before | after | after ÷ before | spread "
          "(before ÷ before) | verdict | after ÷ ORT |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kb, shape in sorted({(k, s) for (_, k, s) in med}):
        b1, b2, a = (med[(w, kb, shape)] for w in ("before1", "before2", "after"))
        mb, ma = statistics.median(b1 + b2), statistics.median(a)
        spread = abs(statistics.median(b1) / statistics.median(b2) - 1)
        ratio = ma / mb
        verdict = "faster" if ratio < 1 - spread else "slower" if ratio > 1 + spread else "no difference"
        o = peer["results"]["ort_int8"][shape]["median_ms"] if isinstance(
            peer["results"]["ort_int8"][shape], dict) else peer["results"]["ort_int8"][shape]
        print(f"| {kb} | {shape.replace('x', ' × ')} | {o:.1f} | {mb:.1f} | {ma:.1f} | {ratio:.3f} | "
              f"{spread:.3f} | {verdict} | {ma / o:.2f}× |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__))
