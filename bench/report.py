#!/usr/bin/env python3
"""results.json (bench/run.mjs) -> results.md (Markdown tables) + latency.png (chart).

    /tmp/benchenv/bin/python bench/report.py bench/results.json [--merge-native target/bench]

Needs matplotlib for the chart only (the tables are written without it).
"""

import json
import statistics
import sys
from pathlib import Path

NAMES = {
    "ort-f32": "ORT-web f32",
    "gj-f32": "gamjeong f32",
    "ort-int8": "ORT-web int8",
    "gj-q8": "gamjeong q8",
    "gj-q4": "gamjeong q4",
}
ORDER = list(NAMES)
STYLE = {
    "ort-f32": dict(color="tab:blue", ls="--", marker="o"),
    "gj-f32": dict(color="tab:orange", ls="--", marker="s"),
    "ort-int8": dict(color="tab:blue", ls="-", marker="o"),
    "gj-q8": dict(color="tab:orange", ls="-", marker="s"),
    "gj-q4": dict(color="tab:red", ls="-", marker="^"),
}
TARGETS = {"q8_vs_ort_int8": 0.75, "f32_vs_ort_f32": 1.0, "cold_ms": 1000, "mem_vs_file": 1.5}


def warm_rows(res):
    rows = []
    for s in res.get("warm", {}).values():
        rows += s["results"]
    return rows


def lat(rows, engine, seq, batch):
    for r in rows:
        if r["engine"] == engine and r["seq"] == seq and r["batch"] == batch:
            return r
    return None


def fmt_ms(x):
    return "—" if x is None else (f"{x:.1f}" if x < 100 else f"{x:.0f}")


def mb(b):
    return "—" if b is None else f"{b / 1e6:.1f} MB"


def ratio(a, b):
    return None if a is None or b is None else a / b


def main():
    args = sys.argv[1:]
    merge = None
    if "--merge-native" in args:
        i = args.index("--merge-native")
        merge = Path(args[i + 1])
        del args[i:i + 2]
    path = Path(args[0] if args else Path(__file__).with_name("results.json"))
    res = json.loads(path.read_text())
    if merge:
        # native results measured after the browser run (native_peer.py, bench_native)
        def rd(name):
            f = merge / name
            return json.loads(f.read_text()) if f.exists() else None
        res["native"] = {"torch_ort": rd("native_peer.json"),
                         "gamjeong": {v: rd(f"native_gj_{v}.json") for v in ("f32", "q8", "q4")}}
        path.write_text(json.dumps(res, indent=1))
    rows = warm_rows(res)
    engines = [e for e in ORDER if any(r["engine"] == e for r in rows)]
    seqs = sorted({r["seq"] for r in rows})
    batches = sorted({r["batch"] for r in rows})
    out = []
    v = res["versions"]
    m = res["machine"]
    loads = [s.get("load_before") for s in res.get("warm", {}).values()]
    out.append(f"Run {res['date'][:16].replace('T', ' ')} UTC · headless Chromium {v.get('chromium', '?')} · "
               f"onnxruntime-web {v['onnxruntime-web']} (wasm, 1 thread, SIMD) · gamjeong {(v.get('gamjeong_pkg') or {}).get('commit') or v.get('gamjeong_commit')} "
               f"· {m['cpus']} cores ({m.get('cpu_model')}) · load average at start {m['load_at_start'][0]}, "
               f"before each set {[l[0] for l in loads if l]}, at end {m.get('load_at_end', ['?'])[0]}")
    dates = {k: s["date"][:16].replace("T", " ") for k, s in res.get("warm", {}).items() if s.get("date")}
    if dates:
        out.append("")
        out.append("Warm sets run at (UTC): " + ", ".join(f"{k} {d}" for k, d in dates.items())
                   + " (a set not re-run keeps its previous results).")
    out.append("")
    cfg = res["config"]
    out.append(f"### Warm latency, median of {cfg['rounds']} alternating runs (ms), one thread")
    out.append("")
    out.append(f"Same random BERT-base (110.7 M parameters, 60 labels) and identical token ids for every engine; "
               f"{cfg['warmup']} warm-up runs per engine and shape discarded. Batch 8 = 8 different rows of the same length.")
    out.append("")
    head = ["seq", "batch"] + [NAMES[e] for e in engines]
    has = lambda e: e in engines  # noqa: E731
    if has("gj-q8") and has("ort-int8"):
        head.append("q8 / ORT int8")
    if has("gj-q4") and has("ort-int8"):
        head.append("q4 / ORT int8")
    if has("gj-f32") and has("ort-f32"):
        head.append("f32 / ORT f32")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for b in batches:
        for s in seqs:
            cells = [str(s), str(b)]
            med = {e: (lat(rows, e, s, b) or {}).get("median_ms") for e in engines}
            cells += [fmt_ms(med[e]) for e in engines]
            for a, c in [("gj-q8", "ort-int8"), ("gj-q4", "ort-int8"), ("gj-f32", "ort-f32")]:
                if has(a) and has(c):
                    r = ratio(med[a], med[c])
                    cells.append("—" if r is None else f"{r:.2f}×")
            out.append("| " + " | ".join(cells) + " |")
    out.append("")

    # ---- targets ----
    out.append("### Targets (issue 6)")
    out.append("")
    out.append("| target | measured | met? |")
    out.append("|---|---|---|")
    for what, ours, peer, limit in (("q8", "gj-q8", "ort-int8", 0.75), ("f32", "gj-f32", "ort-f32", 1.0)):
        a = (lat(rows, ours, 24, 1) or {}).get("median_ms")
        b = (lat(rows, peer, 24, 1) or {}).get("median_ms")
        if a and b:
            r = a / b
            verdict = "yes" if r <= limit else f"no: needs {a - limit * b:.1f} ms less ({1 - limit / r:.0%} faster)"
            out.append(f"| {what}, 24 tokens, batch 1 ≤ {limit:.2f}× {NAMES.get(peer, peer)} | "
                       f"{a:.1f} / {b:.1f} ms = **{r:.2f}×** | {verdict} |")
    cold = cold_summary(res)
    for e in ("gj-q8", "gj-q4"):
        if e in cold:
            c = cold[e]["first_result_ms"]
            out.append(f"| cold start ≤ 1.0 s ({NAMES[e]}, weights in the Cache API) | {c:.0f} ms | "
                       f"{'yes' if c <= 1000 else f'no: {c - 1000:.0f} ms over'} |")
    mems = mem_summary(res)
    for e in ("gj-q8", "gj-q4"):
        if e in mems and mems[e]["peak"]:
            r = mems[e]["peak"] / mems[e]["file"]
            out.append(f"| peak wasm memory ≤ 1.5× quantized file ({NAMES[e]}, after the warm runs) | "
                       f"{mb(mems[e]['peak'])} / {mb(mems[e]['file'])} = **{r:.2f}×** | "
                       f"{'yes' if r <= 1.5 else 'no'} |")
        if e in cold and cold[e].get("wasm_memory"):
            r = cold[e]["wasm_memory"] / mems[e]["file"]
            out.append(f"| same, right after the first result (cold start, 24 tokens) | "
                       f"{mb(cold[e]['wasm_memory'])} = **{r:.2f}×** | {'yes' if r <= 1.5 else 'no'} |")
    out.append("")

    # ---- cold start ----
    if cold:
        n = max(len(c["reps"]) for c in cold.values())
        out.append(f"### Cold start (median of {n} fresh browsers), ms since navigation start")
        out.append("")
        out.append("Weights already in the Cache API (put there by a previous visit); engine JS/wasm in the HTTP cache. "
                   "`first result` = navigation start → one 24-token classification done (the ids.json fetch is subtracted).")
        out.append("")
        out.append("| engine | first result | page → script | import + instantiate wasm | Cache API read | "
                   "session / classifier create | first run | wasm memory after |")
        out.append("|---|---|---|---|---|---|---|---|")
        for e in ORDER:
            if e in cold:
                c = cold[e]
                out.append(f"| {NAMES[e]} | **{c['first_result_ms']:.0f}** | {c['script_start_ms']:.0f} | "
                           f"{c['import_and_instantiate_ms']:.0f} | {c['cache_read_ms']:.0f} | "
                           f"{c['session_create_ms']:.0f} | {c['first_run_ms']:.0f} | {mb(c.get('wasm_memory'))} |")
        out.append("")

    # ---- sizes + memory ----
    out.append("### Sizes and memory")
    out.append("")
    out.append("| engine | weights file | warm load (bytes in memory → ready) | peak wasm memory | ÷ weights file |")
    out.append("|---|---|---|---|---|")
    for e in ORDER:
        if e in mems:
            mm = mems[e]
            out.append(f"| {NAMES[e]} | {mb(mm['file'])} | {fmt_ms(mm['load_ms'])} ms | {mb(mm['peak'])} | "
                       f"{'—' if not mm['peak'] else format(mm['peak'] / mm['file'], '.2f') + '×'} |")
    out.append("")
    code = res["sizes"]["code"]
    out.append("| code file | raw | gzip -9 | brotli 11 |")
    out.append("|---|---|---|---|")
    for k, s in code.items():
        if s:
            out.append(f"| `{k}` | {s['bytes'] / 1e6:.2f} MB | {s['gzip9'] / 1e6:.2f} MB | {s['brotli'] / 1e6:.2f} MB |")
    out.append("")

    # ---- correctness ----
    out.append("### Agreement with PyTorch f32 on the benchmark ids (max |Δlogit| over all shapes; top-1 agreement)")
    out.append("")
    out.append("| engine | max \\|Δlogit\\| | top-1 agree |")
    out.append("|---|---|---|")
    for e in engines:
        rs = [r for r in rows if r["engine"] == e]
        d = max(r["max_abs_vs_torch"] for r in rs)
        agree = sum(r["top1_agree"] for r in rs)
        total = sum(r["batch"] for r in rs)
        out.append(f"| {NAMES[e]} | {d:.2e} | {agree}/{total} |")
    pc = res.get("peer_check")
    if pc:
        d = {k: max(max(x["batch8_max_abs"], x["batch1_max_abs"]) for x in v.values())
             for k, v in pc["max_abs_vs_torch"].items()}
        out.append(f"| native onnxruntime {pc['onnxruntime']} f32 / int8 (make_peer.py) | "
                   f"{d.get('ort_f32', 0):.2e} / {d.get('ort_int8', 0):.2e} | |")
    out.append("")

    # ---- native ----
    nat = res.get("native") or {}
    tp = nat.get("torch_ort")
    gj = {k: v for k, v in (nat.get("gamjeong") or {}).items() if v}
    if tp or gj:
        out.append("### Native, one thread (median ms)")
        out.append("")
        cols = []
        if tp:
            cols += [(f"PyTorch {tp['torch']} f32", tp["results"]["torch_f32"]),
                     (f"onnxruntime {tp['onnxruntime']} f32", tp["results"]["ort_f32"]),
                     ("onnxruntime int8", tp["results"]["ort_int8"])]
        for k in ("f32", "q8", "q4"):
            if k in gj:
                cols.append((f"gamjeong {k}", {f"{r['seq']}x{r['batch']}": r["median_ms"] for r in gj[k]["results"]}))
        out.append("| seq | batch | " + " | ".join(c[0] for c in cols) + " |")
        out.append("|---|---|" + "---|" * len(cols))
        for b in (1, 8):
            for s in (8, 24, 64, 128):
                cells = [fmt_ms(c[1].get(f"{s}x{b}")) for c in cols]
                out.append(f"| {s} | {b} | " + " | ".join(cells) + " |")
        out.append("")
        if tp:
            out.append(f"Native machine load while measuring: {tp.get('load')}.")
            out.append("")

    md = path.with_suffix(".md")
    md.write_text("\n".join(out) + "\n")
    print(f"wrote {md}")
    png = path.with_name("latency.png") if path.stem == "results" else path.with_suffix(".png")
    if len(seqs) > 1:
        chart(rows, engines, seqs, batches, png, res)


def cold_summary(res):
    by = {}
    for c in res.get("cold", []):
        by.setdefault(c["engine"], []).append(c)
    out = {}
    for e, cs in by.items():
        keys = [k for k in cs[0] if k.endswith("_ms") or k == "wasm_memory"]
        out[e] = {k: statistics.median(c[k] for c in cs) for k in keys if cs[0][k] is not None}
        out[e]["reps"] = cs
    return out


def mem_summary(res):
    out = {}
    weights = res["sizes"]["weights"]
    for s in res.get("warm", {}).values():
        for e, peak in s["wasm_memory_peak"].items():
            out[e] = {"peak": peak, "file": (weights.get(e) or {}).get("bytes"),
                      "load_ms": s["load"][e]["ms"]}
    return out


def chart(rows, engines, seqs, batches, png, res):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no chart")
        return
    fig, axes = plt.subplots(1, len(batches), figsize=(6 * len(batches), 4.5), squeeze=False)
    for ax, b in zip(axes[0], batches):
        for e in engines:
            xs, ys = [], []
            for s in seqs:
                r = lat(rows, e, s, b)
                if r:
                    xs.append(s)
                    ys.append(r["median_ms"])
            ax.plot(xs, ys, label=NAMES[e], **STYLE[e])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(seqs, [str(s) for s in seqs])
        ax.set_xlabel("sequence length (tokens)")
        ax.set_ylabel("median latency (ms)")
        ax.set_title(f"batch {b}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"BERT-base, one thread, headless Chromium {res['versions'].get('chromium', '')}: "
                 f"gamjeong vs onnxruntime-web {res['versions']['onnxruntime-web']}")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
