#!/usr/bin/env bash
# Native latency, one thread count, every engine in one run (run it under /work/brief/bin/quiet
# or on an idle machine; docs/benchmarks.md "Native"):
#   bench/native_run.sh BENCH_DIR THREADS [RUNS] [KERNELS]
# BENCH_DIR holds make_peer.py's ids.json, model.onnx, model.int8.onnx, the gamjeong q8 file
# model.q8.safetensors and the f32 folder bert-base-random/. KERNELS (default: every int8
# kernel this CPU has but scalar) are gamjeong's q8 runs, each `KERNEL` or `KERNEL@BITS` with
# BITS the activation format (default: 8 for the `-u8` kernels, which take nothing else, 15 for
# the others); f32 runs once (F32=0: int8 only). Writes BENCH_DIR/native_peer_tN.json
# (onnxruntime) and native_gj_q8-KERNEL-aBITS_tN.json, native_gj_f32_tN.json; then
# `python bench/native_report.py BENCH_DIR` prints the tables.
set -euo pipefail
dir=$1 n=$2 runs=${3:-10}
py=${PY:-/work/venv-bench/bin/python}
bin=${BENCH_NATIVE:-target/release/examples/bench_native}
shapes=${SHAPES:-24x1,64x8,128x8}
kernels=${4:-$(grep -o 'avx512_vnni\|avx_vnni\|avx2\|asimddp\|i8mm' /proc/cpuinfo | sort -u |
  sed 's/avx512_vnni/avx512-vnni avx512-vnni-u8/;s/avx_vnni/avx-vnni avx-vnni-u8/;s/asimddp/neon-dotprod/;s/i8mm/neon-i8mm/' | tr '\n' ' ')}
export OMP_NUM_THREADS=$n RAYON_NUM_THREADS=$n CANDLE_NUM_THREADS=$n THREADS=$n SHAPES=$shapes
f32=${F32:-1}
engines=ort_int8; [ "$f32" = 1 ] && engines=ort_int8,ort_f32
ENGINES=$engines OUT_NAME=native_peer_t$n.json "$py" bench/native_peer.py "$dir/bert-base-random" "$dir" "$runs" "$n"
for spec in $kernels; do
  k=${spec%@*} bits=${spec#*@}
  if [ "$bits" = "$spec" ]; then case $k in *-u8) bits=8 ;; *) bits=15 ;; esac; fi
  KERNEL=$k ACTIVATIONS=$bits "$bin" "$dir/model.q8.safetensors" "$dir/ids.json" "$runs" \
    "$dir/native_gj_q8-$k-a${bits}_t$n.json"
done
[ "$f32" = 1 ] && "$bin" "$dir/bert-base-random" "$dir/ids.json" "$runs" "$dir/native_gj_f32_t$n.json"
true
