#!/usr/bin/env bash
# Peak memory of `gamjeong classify --input` over 10,000 and 100,000 rows: it must stay flat.
#
#   bench/bulk_memory.sh CLI MODEL [ROWS...]      (default ROWS: 10000 100000)
#
# Rows are bench/bulk-corpus.txt repeated, as a CSV with an id column; the output goes to a
# CSV file. Peak RSS is GNU time's %M (KiB). Not run in CI (minutes with a BERT-base model).
set -euo pipefail
cli=$(realpath "$1"); model=$(realpath "$2"); shift 2
rows=("${@:-10000 100000}"); [ $# -gt 0 ] || rows=(10000 100000)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); flags: $(grep -o -w -E 'avx512_vnni|avx_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for n in "${rows[@]}"; do
  python3 - "$here/bulk-corpus.txt" "$work/rows-$n.csv" "$n" <<'EOF'
import csv, sys
texts = open(sys.argv[1], encoding="utf-8").read().splitlines()
n = int(sys.argv[3])
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "text"])
    for i in range(n):
        w.writerow([i, texts[i % len(texts)]])
EOF
  size=$(stat -c %s "$work/rows-$n.csv")
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$cli" classify --model "$model" --input "$work/rows-$n.csv" \
      --output "$work/out-$n.csv" 2>"$work/err" >/dev/null
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  out=$(($(wc -l < "$work/out-$n.csv")))
  printf 'rows %7d  input %6.1f MB  peak RSS %7.1f MB  %6.1f s  %7.1f rows/s  output lines %d\n' \
    "$n" "$(echo "$size / 1000000" | bc -l)" "$(echo "$(cat "$work/rss") / 1024" | bc -l)" "$secs" \
    "$(echo "$n / $secs" | bc -l)" "$out"
done
