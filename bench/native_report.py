#!/usr/bin/env python3
"""Tables of bench/native_run.sh's results (markdown on stdout).

    python3 bench/native_report.py BENCH_DIR
"""

import json
import sys
from pathlib import Path


def main(d):
    d = Path(d)
    for peer in sorted(d.glob("native_peer_t*.json")):
        n = json.loads(peer.read_text())
        t = n["threads"]
        gj = {}
        for f in sorted(d.glob(f"native_gj_*_t{t}.json")):
            what = f.name[len("native_gj_"):-len(f"_t{t}.json")]
            gj[what] = {f"{r['seq']}x{r['batch']}": r["median_ms"] for r in json.loads(f.read_text())["results"]}
        shapes = list(n["results"]["ort_int8"])
        order = ["scalar", "avx2", "avx-vnni", "avx512-vnni", "avx-vnni-u8", "avx512-vnni-u8",
                 "neon-dotprod", "neon-i8mm"]

        def rank(what):
            # q8-KERNEL-aBITS (older runs: q8-KERNEL, 15 bits): 15-bit runs first, then by kernel.
            kernel, _, bits = what[3:].rpartition("-a")
            kernel, bits = (kernel, int(bits)) if bits.isdigit() else (what[3:], 15)
            return (-bits, order.index(kernel) if kernel in order else len(order))

        q8 = sorted((k for k in gj if k.startswith("q8-")), key=rank)
        print(f"\n{t} thread(s), {n['cpu']}, onnxruntime {n['onnxruntime']}, median of {n['runs']} (ms), "
              f"load averages {n.get('load')}\n")
        has_f32 = "ort_f32" in n["results"]
        head = ["tokens × batch", "onnxruntime int8"] + [f"gamjeong {k}" for k in q8] + \
               ["best q8 ÷ ORT int8"] + \
               (["onnxruntime f32", "gamjeong f32", "f32 ÷ ORT f32"] if has_f32 else [])
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for s in shapes:
            o8, of = n["results"]["ort_int8"][s], n["results"].get("ort_f32", {}).get(s, float("nan"))
            g = [gj[k].get(s) for k in q8]
            best = min(v for v in g if v is not None)
            f32 = gj.get("f32", {}).get(s)
            row = [s.replace("x", " × "), f"{o8:.1f}"] + [f"{v:.1f}" for v in g] + \
                  [f"**{best / o8:.2f}×**"] + \
                  ([f"{of:.1f}", f"{f32:.1f}" if f32 else "–", f"{f32 / of:.2f}×" if f32 else "–"]
                   if has_f32 else [])
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__))
