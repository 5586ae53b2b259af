#!/usr/bin/env python3
"""Table of bench/native_ab.sh's results (markdown on stdout).

    python3 bench/native_ab_report.py BENCH_DIR/ab_tN [BENCH_DIR/ab2_tN ...]

Several directories (runs of the same two binaries at the same thread count, e.g. `TAG=ab2`)
are pooled: their rounds count as one series, and onnxruntime's figure is the median of the
runs' medians. Why: a run must stay short (a quiet machine for < 10 min), and ~30 rounds are
needed to resolve ~5 %.

Per binary, kernel and shape: the median over rounds of each process's median. "after ÷ before"
divides AFTER's by the median of both BEFORE series; "spread" is |before1 ÷ before2 − 1|, the
run's own noise. The criterion (written before the first run): a change counts as a speed-up
where after ÷ before < 1 − spread, a slow-down where > 1 + spread, else no difference.

That criterion is not calibrated: run on one binary twice it called three cells of four
"slower" by 4–8 % (docs/benchmarks.md, "The native A/B on two identical binaries"), because a
process's median moves 10–15 % within a round. So the table also gives the paired figure: per
round, AFTER ÷ the mean of that round's two BEFOREs; the median of those ratios and the
distribution-free interval of that median from their order statistics (the narrowest with
coverage ≥ 95 %, its coverage printed; with 8 rounds it is the whole range, 99.2 %). "paired
verdict" says faster or slower only when the interval excludes 1: at most a 5 % chance of a
false verdict per cell when the rounds are independent, whatever the noise's shape.
"""

import json
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def median_interval(x, coverage=0.95):
    """The interval (x_(k+1), x_(n−k)) of the sorted values around their median with the largest k
    whose coverage 1 − 2·P(Binomial(n, ½) ≤ k) is still ≥ `coverage`; None below 6 values."""
    n, xs, best = len(x), sorted(x), None
    for k in range(n // 2):
        cov = 1 - 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n
        if cov >= coverage:
            best = (xs[k], xs[n - 1 - k], cov)
    return best


def ort_ms(peer, shape):
    o = peer["results"]["ort_int8"][shape]
    return o["median_ms"] if isinstance(o, dict) else o


def main(dirs):
    med = defaultdict(dict)  # (which, kernel-bits, shape) -> {(run, round): that process's median}
    peers = []
    for i, d in enumerate(map(Path, dirs)):
        for f in sorted(d.glob("*-r*.json")):
            which, rest = f.stem.split("-", 1)
            kb, rnd = rest.rsplit("-r", 1)
            for r in json.loads(f.read_text())["results"]:
                med[(which, kb, f"{r['seq']}x{r['batch']}")][(i, int(rnd))] = r["median_ms"]
        peers.append(json.loads((d / "peer.json").read_text()))
    peer = peers[0]
    if len({(p["threads"], p["cpu"]) for p in peers}) > 1:
        sys.exit("the runs differ in threads or CPU: not pooled")
    print(f"\n{peer['threads']} thread(s), {peer['cpu']}, onnxruntime {peer['onnxruntime']}, "
          f"runs {len(peers)}, rounds {len(med[next(iter(med))])}\n")
    print("| kernel | tokens × batch | onnxruntime int8 | before | after | after ÷ before | spread "
          "(before ÷ before) | verdict | after ÷ ORT | paired ratio (interval, coverage) | paired verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kb, shape in sorted({(k, s) for (_, k, s) in med}):
        r1, r2, ra = (med[(w, kb, shape)] for w in ("before1", "before2", "after"))
        b1, b2, a = list(r1.values()), list(r2.values()), list(ra.values())
        paired = [ra[r] / ((r1[r] + r2[r]) / 2) for r in sorted(ra) if r in r1 and r in r2]
        iv = median_interval(paired)
        if iv is None:
            pcell, pverdict = f"{statistics.median(paired):.3f} (too few rounds)", "–"
        else:
            pcell = f"{statistics.median(paired):.3f} ({iv[0]:.3f}–{iv[1]:.3f}, {iv[2]:.3f})"
            pverdict = "faster" if iv[1] < 1 else "slower" if iv[0] > 1 else "no difference"
        mb, ma = statistics.median(b1 + b2), statistics.median(a)
        spread = abs(statistics.median(b1) / statistics.median(b2) - 1)
        ratio = ma / mb
        verdict = "faster" if ratio < 1 - spread else "slower" if ratio > 1 + spread else "no difference"
        o = statistics.median(ort_ms(p, shape) for p in peers)
        print(f"| {kb} | {shape.replace('x', ' × ')} | {o:.1f} | {mb:.1f} | {ma:.1f} | {ratio:.3f} | "
              f"{spread:.3f} | {verdict} | {ma / o:.2f}× | {pcell} | {pverdict} |")


if __name__ == "__main__":
    main(sys.argv[1:] if len(sys.argv) > 1 else sys.exit(__doc__))
