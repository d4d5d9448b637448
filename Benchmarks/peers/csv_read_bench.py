#!/usr/bin/env python3
"""Issue 3 benchmark: read 500,000 AWS DMS change rows from CSV with lakectl and with pyarrow's CSV
reader (same schema, same file, same run), each in its own process under `/usr/bin/time -v`.

    python Benchmarks/peers/csv_read_bench.py --lakectl .build-release/release/lakectl \
        [--rows 500000] [--repeat 3] [--threads 1] [--markdown]

The file: DMS change rows (no header, NULL = empty unquoted field): Op, commit timestamp string
`yyyy-MM-dd HH:mm:ss.SSSSSS`, then orders-like columns (int64 id, int64 customer id, a 6-value status,
a decimal(12,2) amount, a ~30-byte note that is sometimes quoted with a comma inside, a timestamp, a
date), deterministic (seeded). lakectl runs `lakectl debug csv-read-bench FILE --schema S` (read into
column batches, nothing written) with its default threads and again with `--threads 1`; pyarrow runs
`pyarrow.csv.read_csv` with the same column types (--threads of them). lakectl's times are the best of
--repeat processes (timed inside the process); pyarrow's the best of --repeat reads in one process.
Peak RSS is the processes' maximum.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

SCHEMA = {
    "columns": [
        {"name": "Op", "type": "string"},
        {"name": "commit_ts", "type": "timestamp_ntz"},
        {"name": "id", "type": "long", "nullable": False},
        {"name": "customer_id", "type": "long"},
        {"name": "status", "type": "string"},
        {"name": "amount", "type": "decimal(12,2)"},
        {"name": "note", "type": "string"},
        {"name": "ts", "type": "timestamp_ntz"},
        {"name": "day", "type": "date"},
    ],
    "key": ["id"], "op": "Op", "timestamp": "commit_ts",
}

PYARROW_READ = r"""
import sys, time
import pyarrow as pa, pyarrow.csv as pacsv
threads = int(sys.argv[3])
if threads == 1:
    pa.set_cpu_count(1); pa.set_io_thread_count(1)
types = {"Op": pa.string(), "commit_ts": pa.timestamp("us"), "id": pa.int64(), "customer_id": pa.int64(),
         "status": pa.string(), "amount": pa.decimal128(12, 2), "note": pa.string(), "ts": pa.timestamp("us"),
         "day": pa.date32()}
read = pacsv.ReadOptions(column_names=list(types), use_threads=threads != 1, block_size=1 << 20)
convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False, null_values=[""])
best = float("inf")
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    table = pacsv.read_csv(sys.argv[1], read_options=read, convert_options=convert)
    best = min(best, time.perf_counter() - t)
print(f"rows={table.num_rows} seconds={best:.4f}")
"""


def generate(path, rows):
    rng = random.Random(20240612)
    statuses = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
    base_us = 1_718_188_225_000_000  # 2024-06-12 10:30:25
    import datetime as dt
    epoch = dt.datetime(1970, 1, 1)
    with open(path, "w", newline="") as f:
        for i in range(rows):
            op = "I" if i % 10 < 2 else ("U" if i % 10 < 9 else "D")
            commit = epoch + dt.timedelta(microseconds=base_us + i * 997)
            key = rng.randrange(1, 2_000_001)
            if op == "D":
                f.write(f"D,{commit:%Y-%m-%d %H:%M:%S.%f},{key},,,,,,\n")
                continue
            note = f"order {key:010d} note {rng.randrange(10**8):08d}"
            if i % 7 == 0:
                note = f'"{note}, rush"'
            amount = f"{rng.randrange(10**7) / 100:.2f}"
            ts = epoch + dt.timedelta(microseconds=1_704_067_200_000_000 + i * 1_000_000 + rng.randrange(10**6))
            day = (dt.date(2024, 1, 1) + dt.timedelta(days=i // 20_000)).isoformat()
            cust = "" if i % 50 == 0 else str(rng.randrange(1, 100_001))
            f.write(f"{op},{commit:%Y-%m-%d %H:%M:%S.%f},{key},{cust},{statuses[rng.randrange(6)]},{amount},{note},"
                    f"{ts:%Y-%m-%d %H:%M:%S.%f},{day}\n")


def timed(cmd):
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return proc.stdout, int(peak.group(1)) * 1024 if peak else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lakectl", required=True)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="pyarrow threads (1 = single-threaded like lakectl)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "changes.csv")
        schema = os.path.join(tmp, "schema.json")
        generate(data, args.rows)
        with open(schema, "w") as f:
            json.dump(SCHEMA, f)
        size = os.path.getsize(data)
        # lakectl: best of --repeat runs (one process each; the time is measured inside the process),
        # with its default threads and with one, alternating.
        lk_best, lk_peak, lk1_best, lk1_peak = float("inf"), 0, float("inf"), 0
        for _ in range(args.repeat):
            for extra in ([], ["--threads", "1"]):
                out, peak = timed([args.lakectl, "debug", "csv-read-bench", data, "--schema", schema, *extra])
                result = json.loads(out.strip().splitlines()[-1])
                assert result["rows"] == args.rows, result
                if extra:
                    lk1_best, lk1_peak = min(lk1_best, result["seconds"]), max(lk1_peak, peak or 0)
                else:
                    lk_best, lk_peak = min(lk_best, result["seconds"]), max(lk_peak, peak or 0)
        out, pa_peak = timed([sys.executable, "-c", PYARROW_READ, data, str(args.repeat), str(args.threads)])
        m = re.search(r"rows=(\d+) seconds=([\d.]+)", out)
        assert m and int(m.group(1)) == args.rows, out
        pa_best = float(m.group(2))
        report = {"rows": args.rows, "file_bytes": size, "lakectl_seconds": round(lk_best, 4), "lakectl_peak_bytes": lk_peak,
                  "lakectl_1_thread_seconds": round(lk1_best, 4), "lakectl_1_thread_peak_bytes": lk1_peak,
                  "pyarrow_seconds": pa_best, "pyarrow_peak_bytes": pa_peak, "pyarrow_threads": args.threads,
                  "time_ratio": round(lk_best / pa_best, 3), "time_ratio_1_thread": round(lk1_best / pa_best, 3)}
        print(json.dumps(report))
        if args.markdown:
            mb = lambda b: f"{b / 2**20:.0f} MiB"
            print("| engine | read time | peak memory | ratio (lakectl ÷ pyarrow) |")
            print("|---|---|---|---|")
            print(f"| lakectl `debug csv-read-bench` (default threads) | {lk_best:.3f} s | {mb(lk_peak)} | {report['time_ratio']} |")
            print(f"| lakectl `debug csv-read-bench --threads 1` | {lk1_best:.3f} s | {mb(lk1_peak)} | {report['time_ratio_1_thread']} |")
            print(f"| pyarrow.csv.read_csv ({args.threads} thread{'s' if args.threads != 1 else ''}) | {pa_best:.3f} s | {mb(pa_peak)} | 1.0 |")


if __name__ == "__main__":
    main()
