#!/usr/bin/env python3
"""Issue 3 benchmark: read every column of the 2M-row orders file with lakectl and with pyarrow
(`pq.read_table`), in the same run, each in its own process under `/usr/bin/time -v` for peak memory.

    python Benchmarks/peers/parquet_read_bench.py --lakectl .build-release/release/lakectl \
        [--file orders.parquet] [--rows 2000000] [--compression zstd] [--repeat 3]

Without --file two files of the same orders table are benchmarked: one written by pyarrow (from
parquet_write_bench.py in this folder) and one written by `lakectl debug gen-orders` (zstd by
default). Prints one JSON object per file and a Markdown table row per engine.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

PYARROW_READ = r"""
import sys, time
import pyarrow as pa, pyarrow.parquet as pq
threads = int(sys.argv[3])
if threads == 1:
    pa.set_cpu_count(1); pa.set_io_thread_count(1)
best = float("inf")
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    table = pq.read_table(sys.argv[1], use_threads=threads != 1)
    best = min(best, time.perf_counter() - t)
print(f"rows={table.num_rows} seconds={best:.4f}")
"""


def orders_table(rows):
    """The orders table of parquet_write_bench.py (same folder) when present, else an equivalent:
    int64 id, int64 customer id, a 6-value status string, a double amount, a ~30-byte note, a UTC
    microsecond timestamp and a date."""
    sys.path.insert(0, HERE)
    try:
        import parquet_write_bench
        return parquet_write_bench.orders(rows)
    except ImportError:
        import random
        import pyarrow as pa
        rng = random.Random(42)
        statuses = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
        return pa.table({
            "id": pa.array(range(1, rows + 1), pa.int64()),
            "customer_id": pa.array([rng.randrange(1, 100_001) for _ in range(rows)], pa.int64()),
            "status": pa.array([statuses[rng.randrange(6)] for _ in range(rows)], pa.string()),
            "amount": pa.array([rng.randrange(1_000_000) / 100 for _ in range(rows)], pa.float64()),
            "note": pa.array([f"order {i:010d} note {rng.randrange(10**8):08d}" for i in range(rows)], pa.string()),
            "ts": pa.array([1_704_067_200_000_000 + i * 1_000_000 + rng.randrange(10**6) for i in range(rows)],
                           pa.timestamp("us", tz="UTC")),
            "day": pa.array([19_723 + i // 20_000 for i in range(rows)], pa.int32()).cast(pa.date32()),
        })


def timed(cmd):
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    seconds = float(re.search(r"seconds=([0-9.]+)", proc.stdout).group(1))
    rows = int(re.search(r"rows=(\d+)", proc.stdout).group(1))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": round(rss_kb / 1024, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakectl", required=True)
    ap.add_argument("--file")
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--compression", default="zstd")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = [args.file] if args.file else []
    if not files:
        import pyarrow.parquet as pq
        tmp = tempfile.gettempdir()
        by_pyarrow = os.path.join(tmp, f"orders_{args.rows}_{args.compression}_pyarrow.parquet")
        if not os.path.exists(by_pyarrow):
            pq.write_table(orders_table(args.rows), by_pyarrow, compression=args.compression)
        files.append(by_pyarrow)
        by_lakectl = os.path.join(tmp, f"orders_{args.rows}_{args.compression}_lakectl.parquet")
        gen = subprocess.run([args.lakectl, "debug", "gen-orders", "--rows", str(args.rows), "--out", by_lakectl,
                              "--compression", args.compression], capture_output=True, text=True)
        if gen.returncode == 0:
            files.append(by_lakectl)
        else:
            print(f"(lakectl debug gen-orders unavailable: {gen.stderr.strip()})", file=sys.stderr)
    for path in files:
        bench(args, path)


def bench(args, path):
    results = {
        "file": path,
        "size_mb": round(os.path.getsize(path) / 2**20, 1),
        "lakectl": timed([args.lakectl, "parquet", "read-bench", path, "--repeat", str(args.repeat)]),
        "pyarrow_default_threads": timed([sys.executable, "-c", PYARROW_READ, path, str(args.repeat), "0"]),
        "pyarrow_1_thread": timed([sys.executable, "-c", PYARROW_READ, path, str(args.repeat), "1"]),
    }
    results["ratio_vs_pyarrow_default"] = round(results["lakectl"]["seconds"] / results["pyarrow_default_threads"]["seconds"], 2)
    results["ratio_vs_pyarrow_1_thread"] = round(results["lakectl"]["seconds"] / results["pyarrow_1_thread"]["seconds"], 2)
    print(json.dumps(results, indent=2))
    for name in ("lakectl", "pyarrow_default_threads", "pyarrow_1_thread"):
        r = results[name]
        print(f"| {os.path.basename(path)} | {name} | {r['rows']} | {r['seconds']:.3f} s | {r['peak_rss_mb']} MB |")


if __name__ == "__main__":
    main()
