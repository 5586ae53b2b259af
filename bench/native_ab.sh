#!/usr/bin/env bash
# Native A/B of two bench_native binaries in one run (run it under /work/brief/bin/quiet or on an
# idle machine; docs/benchmarks.md "Native"):
#   bench/native_ab.sh BENCH_DIR THREADS BEFORE AFTER [ROUNDS] [RUNS] [KERNELS]
# Each round runs BEFORE, AFTER, BEFORE again (every KERNEL[@BITS] as in native_run.sh, each a
# fresh process timing RUNS runs per shape after 2 warm-ups), so the host's drift hits both
# binaries alike and the two BEFORE series measure the run's own spread; then onnxruntime int8
# once in the same run. Writes BENCH_DIR/ab_tN/*.json; `python bench/native_ab_report.py
# BENCH_DIR/ab_tN` gives the medians over rounds, AFTER ÷ BEFORE and the BEFORE-vs-BEFORE spread.
set -euo pipefail
dir=$1 n=$2 before=$3 after=$4 rounds=${5:-10} runs=${6:-5} kernels=${7:-"avx512-vnni@15 avx512-vnni-u8@8"}
py=${PY:-/work/venv-bench/bin/python}
tag=${TAG:-ab} # TAG=NAME: results in BENCH_DIR/NAME_tN instead
out=$dir/${tag}_t$n
mkdir -p "$out"
export OMP_NUM_THREADS=$n RAYON_NUM_THREADS=$n CANDLE_NUM_THREADS=$n THREADS=$n
export SHAPES=${SHAPES:-24x1,64x8}
for r in $(seq 1 "$rounds"); do
  for which in before1 after before2; do
    case $which in after) bin=$after ;; *) bin=$before ;; esac
    for spec in $kernels; do
      k=${spec%@*} bits=${spec#*@}
      KERNEL=$k ACTIVATIONS=$bits "$bin" "$dir/model.q8.safetensors" "$dir/ids.json" "$runs" \
        "$out/$which-$k-a$bits-r$r.json" > /dev/null
    done
  done
done
ENGINES=ort_int8 OUT_NAME=${tag}_t$n/peer.json "$py" bench/native_peer.py "$dir/bert-base-random" "$dir" \
  "$((rounds * runs))" "$n"
