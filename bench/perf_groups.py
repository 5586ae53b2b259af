#!/usr/bin/env python3
"""Self time of a `perf record` profile of bench_native, grouped as docs/benchmarks.md's
"Where the time goes" tables (percent of all samples).

    python3 bench/perf_groups.py PERF.DATA...   (runs `perf report`; prints one column per file)
"""

import re
import subprocess
import sys

# First match wins; patterns on the symbol name.
GROUPS = [
    ("int8 GEMM (microkernel + driver + epilogue)",
     r"drive_|kernels::avx2::finish|kernels::avx512::|kernels::vnni_u8|qgemm|pack_x|kernels::scalar"),
    ("activation quantization", r"quantize"),
    ("GELU", r"gelu"),
    ("attention (candle's f32 matmul + softmax, or model::attention)",
     r"gemm_f32|gemm_common|expf|attention::|attend|softmax|bridge_producer_consumer|vec_sum|Map1::map"),
    ("memset / memmove / malloc / free / page faults",
     r"__mem|malloc|_int_|cfree|free@|unlink_chunk|page|fault|clear_page|mm_|folio|rmqueue|memcg|pte"),
    ("LayerNorm + residual add (model::norm, its row tasks)", r"for_panel_ranges|norm::"),
    ("model load (once per process)",
     r"Linear::load|xxh|safetensors|_copy_to_iter|BTreeMap|read|StreamingLoader"),
]


def groups(path):
    out = subprocess.run(["perf", "report", "-i", path, "--no-children", "--sort", "symbol",
                          "--stdio"], capture_output=True, text=True, check=True).stdout
    got = {name: 0.0 for name, _ in GROUPS}
    got["other"] = 0.0
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[[.k]\]\s+(.*?)\s*(-\s+-)?\s*$", line)
        if not m:
            continue
        pct, sym = float(m.group(1)), m.group(2)
        for name, pat in GROUPS:
            if re.search(pat, sym):
                got[name] += pct
                break
        else:
            got["other"] += pct
    return got


def main(paths):
    cols = [groups(p) for p in paths]
    print("| part | " + " | ".join(paths) + " |")
    print("|---|" + "---|" * len(paths))
    for name in cols[0]:
        print(f"| {name} | " + " | ".join(f"{c[name]:.1f} %" for c in cols) + " |")


if __name__ == "__main__":
    main(sys.argv[1:] or sys.exit(__doc__))
