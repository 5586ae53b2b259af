#!/usr/bin/env python3
"""Past one machine: classify a JSONL file with Spark, piping each partition through the CLI.

    /work/venv-spark/bin/python bench/spark_bulk.py --cli target/release/gamjeong \\
        --model model.q8.safetensors [--rows 20000] [--partitions 4] [--threads 1]

Not part of CI (it needs pyspark and Java 17). The recipe (docs/bulk.md "Past one machine"):

    rdd = sc.textFile("rows.jsonl")                    # {"id": …, "text": …} per line
    out = rdd.pipe("gamjeong classify --model M --input - --format jsonl --threads 1")

`RDD.pipe` starts the CLI once per partition and writes the partition's lines to its stdin;
the CLI writes one JSON line per input line, in order, every input field carried through,
so results join back on `id`. The script builds an input from bench/bulk-corpus.txt
(repeated to --rows, each row with its own id), runs Spark in local mode and the CLI once
on the whole file, checks that the joined Spark output equals the single run object for
object, and prints both timings.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help="the gamjeong binary")
    ap.add_argument("--model", required=True, help="model folder or quantized .safetensors")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1, help="--threads of each CLI process")
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from pyspark import SparkConf, SparkContext

    cli = str(Path(args.cli).resolve())
    model = str(Path(args.model).resolve())
    texts = (HERE / "bulk-corpus.txt").read_text(encoding="utf-8").splitlines()
    work = Path(tempfile.mkdtemp(prefix="gamjeong-spark-"))
    rows = work / "rows.jsonl"
    with rows.open("w", encoding="utf-8") as f:
        for i in range(args.rows):
            f.write(json.dumps({"id": i, "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")

    command = [cli, "classify", "--model", model, "--input", "-", "--format", "jsonl",
               "--threads", str(args.threads)]

    # One machine: the CLI on the whole file.
    t = time.perf_counter()
    with rows.open("rb") as f:
        single = subprocess.run(command, stdin=f, capture_output=True, check=True)
    single_s = time.perf_counter() - t
    single_rows = [json.loads(l) for l in single.stdout.decode("utf-8").splitlines()]
    assert len(single_rows) == args.rows, (len(single_rows), args.rows)

    # Spark, local mode: each partition piped through its own CLI process.
    conf = SparkConf().setMaster(args.master).setAppName("gamjeong-bulk")
    conf.set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        t = time.perf_counter()
        lines = sc.textFile(str(rows), minPartitions=args.partitions)
        out = lines.pipe(" ".join(command), env={"RAYON_NUM_THREADS": str(args.threads)})
        by_id = out.map(json.loads).map(lambda o: (o["id"], o))
        joined = lines.map(json.loads).map(lambda o: (o["id"], o)).join(by_id).collect()
        spark_s = time.perf_counter() - t
        partitions = lines.getNumPartitions()
    finally:
        sc.stop()

    assert len(joined) == args.rows, (len(joined), args.rows)
    want = {o["id"]: o for o in single_rows}
    for key, (inp, got) in joined:
        assert inp["text"] == got["text"], key
        assert got == want[key], (key, got, want[key])
    print(json.dumps({
        "rows": args.rows,
        "partitions": partitions,
        "master": args.master,
        "threads_per_process": args.threads,
        "single_run_s": round(single_s, 2),
        "single_rows_per_s": round(args.rows / single_s, 1),
        "spark_s": round(spark_s, 2),
        "spark_rows_per_s": round(args.rows / spark_s, 1),
        "joined_equals_single_run": True,
    }, indent=2))


if __name__ == "__main__":
    sys.exit(main())
