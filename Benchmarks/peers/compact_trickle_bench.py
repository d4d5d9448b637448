#!/usr/bin/env python3
"""Issue 6 benchmark (trickle): 10M rows of an orders table partitioned by month of `created_at`, plus
20,000 changes, 90 % of them on the newest 5 % of keys (updates, inserts of new keys, deletes) and 10 %
uniform over the older keys (updates, deletes), applied as an upsert by

- lakectl compact (the CDC file of the changes, DMS CSV format, compacted into the table; timed);
- deltalake (delta-rs) `merge`: reads the same CSV, keeps the last change per key, merges with
  delete / update-all / insert-all clauses on `t.id = s.id` (and a variant that adds the partition
  column to the predicate, `t.created_at_month = s.created_at_month`, which is what a delta-rs user
  does to let it prune partitions; sound here because the changes carry full rows and no update moves
  a row to another month).

The base table is built ONCE, untimed, by `lakectl compact --partition-by created_at:month` of a DMS
full load (Parquet files), and copied for every engine, so all start from the same files. lakectl's
derived partition column is `created_at_month` (`2024-06`); deltalake's source gets the same column
computed with strftime.

Each timed step runs in its own process; time is wall clock, peak memory is the process's maximum RSS
(os.wait4). Both results are checked equal (row count + an order-independent checksum). Prints a
Markdown table and one JSON line.

    python Benchmarks/peers/compact_trickle_bench.py --lakectl .build-release/release/lakectl \
        [--rows 10000000 --changes 20000] [--dir DIR] [--skip-default]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from compact_common import LAST_CHANGE_PER_KEY, STATUSES, compact_command, dms_schema, timed, write_cdc_file

COLUMNS = ["id", "customer_id", "status", "amount", "note", "created_at", "updated_at"]
SCHEMA = dms_schema([("id", "long"), ("customer_id", "long"), ("status", "string"), ("amount", "double"),
                     ("note", "string"), ("created_at", "timestamp"), ("updated_at", "timestamp")])
START_US = 1_609_459_200_000_000  # 2021-01-01
SPAN_US = int(5 * 365.25 * 86400 * 1_000_000)  # about five years
HOUR_US = 3_600_000_000
LOAD_FILES = 10


def rand_ints(n, bound, seed):
    """n pseudo-random integers in [0, bound), vectorised (pyarrow only; no numpy needed)."""
    return pc.cast(pc.floor(pc.multiply(pc.random(n, initializer=seed), float(bound))), pa.int64())


def base_table(rows):
    """The orders table, vectorised: ids increase with created_at (a little jitter), as in a real shop."""
    ids = pa.array(range(1, rows + 1), pa.int64())
    created = pc.add(pc.add(pc.multiply(pc.subtract(ids, 1), SPAN_US // max(rows, 1)), START_US), rand_ints(rows, HOUR_US, 1))
    updated = pc.add(created, rand_ints(rows, 30 * 24 * HOUR_US, 2))
    customer = pc.add(rand_ints(rows, 999_999, 3), 1)
    status = pa.DictionaryArray.from_arrays(pc.cast(rand_ints(rows, len(STATUSES), 4), pa.int32()),
                                            pa.array(STATUSES)).cast(pa.string())
    amount = pc.divide(pc.cast(rand_ints(rows, 10**7, 5), pa.float64()), 100.0)
    note = pc.binary_join_element_wise("note", pc.cast(pc.add(rand_ints(rows, 2**40, 6), 2**40), pa.string()),
                                       pc.cast(ids, pa.string()), " ")
    ts = pa.timestamp("us")
    return pa.table({"id": ids, "customer_id": customer, "status": status, "amount": amount, "note": note,
                     "created_at": pc.cast(created, ts), "updated_at": pc.cast(updated, ts)})


def fmt_ts(us):
    s, frac = divmod(int(us), 1_000_000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s)) + f".{frac:06d}"


def generate(folder, rows, changes, seed=1):
    rng = random.Random(seed)
    dms = os.path.join(folder, "dms")
    os.makedirs(dms, exist_ok=True)
    table = base_table(rows)
    step = -(-rows // LOAD_FILES)
    for n in range(LOAD_FILES):
        part = table.slice(n * step, step)
        if part.num_rows:
            pq.write_table(part, os.path.join(dms, f"LOAD{n + 1:08X}.parquet"), compression="snappy")
    created = pc.cast(table.column("created_at"), pa.int64()).combine_chunks()
    del table

    # The changes: 90 % on the newest 5 % of keys (20 % of them inserts of new keys, 8 % deletes,
    # the rest updates), 10 % uniform over the older keys (90 % updates, 10 % deletes). Every row
    # carries all columns (as DMS writes them with full supplemental logging); created_at never changes.
    newest = max(1, rows - rows // 20)  # first id of the newest 5 %
    next_key = rows + 1
    last_created = created[rows - 1].as_py() if rows else START_US
    new_created = {}
    lines = []
    for _ in range(changes):
        hot = rng.random() < 0.9
        r = rng.random()
        if hot and r < 0.2:
            key, op = next_key, "I"
            next_key += 1
            new_created[key] = last_created + (key - rows) * 60_000_000
        else:
            key = rng.randrange(newest, next_key) if hot else rng.randrange(1, newest)
            op = "D" if r > (0.92 if hot else 0.9) else "U"
        made = new_created[key] if key > rows else created[key - 1].as_py()
        updated = made + rng.randrange(60 * 24 * HOUR_US)
        lines.append(f"{op},{key},{rng.randrange(1, 1_000_000)},{STATUSES[rng.randrange(6)]},"
                     f"{rng.randrange(10**7) / 100},changed note {rng.getrandbits(62):x} {key},"
                     f"{fmt_ts(made)},{fmt_ts(updated)}\n")
    with open(os.path.join(folder, "changes.csv"), "w") as f:
        f.write("Op," + ",".join(COLUMNS) + "\n")
        f.writelines(lines)
    with open(os.path.join(folder, "schema.json"), "w") as f:
        json.dump(SCHEMA, f)
    return len(lines)


DELTA_MERGE = r"""
import sys, pyarrow as pa, pyarrow.csv as pcsv, pyarrow.compute as pc
from deltalake import DeltaTable
changes, path, variant = sys.argv[1], sys.argv[2], sys.argv[3]
t = pcsv.read_csv(changes, convert_options=pcsv.ConvertOptions(column_types={
    "id": pa.int64(), "customer_id": pa.int64(), "status": pa.string(), "amount": pa.float64(), "note": pa.string(),
    "created_at": pa.timestamp("us"), "updated_at": pa.timestamp("us")}))
for name in ("created_at", "updated_at"):
    t = t.set_column(t.schema.get_field_index(name), name, t.column(name).cast(pa.timestamp("us", "UTC")))
t = t.append_column("created_at_month", pc.strftime(t.column("created_at"), format="%Y-%m"))
""" + LAST_CHANGE_PER_KEY + r"""
predicate = "t.id = s.id"
if variant == "partition":
    predicate += " AND t.created_at_month = s.created_at_month"
dt = DeltaTable(path)
(dt.merge(src, predicate, source_alias="s", target_alias="t", streamed_exec=(variant == "default"))
   .when_matched_delete("s.Op = 'D'")
   .when_matched_update_all("s.Op != 'D'", except_cols=["Op"])
   .when_not_matched_insert_all("s.Op != 'D'", except_cols=["Op"])
   .execute())
"""

CHECKSUM = r"""
import sys, duckdb
from deltalake import DeltaTable
if len(sys.argv) > 2:  # a table with deletion vectors: pyarrow datasets can't apply them; delta-kernel can
    from deltalake import QueryBuilder
    ds = QueryBuilder().register("t", DeltaTable(sys.argv[1])).execute("select * from t").read_all()
else:
    ds = DeltaTable(sys.argv[1]).to_pyarrow_dataset()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.register("t", ds)
n, s, h = con.execute("SELECT count(*), sum(id), sum(hash(id, customer_id, status, amount, note, epoch_us(created_at), "
                      "epoch_us(updated_at), created_at_month) % 1000000007) FROM t").fetchone()
print(f"{n} {s} {h}")
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakectl", required=True)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--changes", type=int, default=20_000)
    ap.add_argument("--dir")
    ap.add_argument("--keep-base", action="store_true", help="keep a copy of the base lake in DIR/lake-base (for profiling)")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--skip-default", action="store_true", help="skip deltalake with streamed_exec (its default)")
    args = ap.parse_args()
    work = args.dir or tempfile.mkdtemp(prefix="compact-trickle-")
    py = sys.executable
    if args.generate_only:
        print(generate(work, args.rows, args.changes))
        return
    t0 = time.perf_counter()
    # Generated in a child process: the engines' peak RSS (inherited across fork + exec on Linux)
    # must not include this process's copy of the 10M-row table.
    written = int(subprocess.run([py, __file__, "--lakectl", args.lakectl, "--rows", str(args.rows), "--changes", str(args.changes),
                                  "--dir", work, "--generate-only"], check=True, capture_output=True, text=True).stdout.split()[-1])
    print(f"generated {args.rows:,} rows + {written:,} changes in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    dms, changes, schema = os.path.join(work, "dms"), os.path.join(work, "changes.csv"), os.path.join(work, "schema.json")

    # The base table, once, untimed: lakectl compact of the full load, partitioned by month.
    lake = os.path.join(work, "lake")
    t0 = time.perf_counter()
    subprocess.run(compact_command(args.lakectl, lake, dms, schema, "--partition-by", "created_at:month"), check=True,
                   stdout=subprocess.DEVNULL)
    table = os.path.join(lake, "tables", "bench", "orders")
    files = sum(len([f for f in fs if f.endswith(".parquet")]) for _, _, fs in os.walk(table))
    print(f"base table built in {time.perf_counter() - t0:.1f} s: {files} files", file=sys.stderr)

    variants = [("partition", "deltalake merge (key + partition predicate)"),
                ("key", "deltalake merge (key predicate)")]
    if not args.skip_default:
        variants.append(("default", "deltalake merge (key predicate, streamed_exec default)"))
    copies = {}
    for variant, _ in variants:
        copies[variant] = os.path.join(work, f"delta-{variant}")
        shutil.rmtree(copies[variant], ignore_errors=True)
        shutil.copytree(table, copies[variant])

    # Merge-on-read: the same base, compacted with --deletion-vectors (files losing few rows get a DV).
    lake_dv = os.path.join(work, "lake-dv")
    shutil.rmtree(lake_dv, ignore_errors=True)
    shutil.copytree(lake, lake_dv)
    table_dv = os.path.join(lake_dv, "tables", "bench", "orders")

    if args.keep_base:
        shutil.rmtree(os.path.join(work, "lake-base"), ignore_errors=True)
        shutil.copytree(lake, os.path.join(work, "lake-base"))
    results = {}
    cdc = os.path.join(dms, "20260101-120000000.csv")
    write_cdc_file(changes, cdc)
    secs, rss, out, cpu = timed(compact_command(args.lakectl, lake, dms, schema, "--json"))
    summary = json.loads(out)
    results["lakectl compact"] = (secs, rss, cpu)
    secs, rss, out, cpu = timed(compact_command(args.lakectl, lake_dv, dms, schema, "--json", "--deletion-vectors"))
    summary_dv = json.loads(out)
    results["lakectl compact --deletion-vectors"] = (secs, rss, cpu)
    for variant, name in variants:
        secs, rss, _, cpu = timed([py, "-c", DELTA_MERGE, changes, copies[variant], variant])
        results[name] = (secs, rss, cpu)

    sums = {"lakectl compact": subprocess.run([py, "-c", CHECKSUM, table], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]}
    sums["lakectl compact --deletion-vectors"] = subprocess.run([py, "-c", CHECKSUM, table_dv, "dv"], check=True, capture_output=True,
                                                                text=True).stdout.strip().splitlines()[-1]
    for variant, name in variants:
        sums[name] = subprocess.run([py, "-c", CHECKSUM, copies[variant]], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    if len(set(sums.values())) != 1:
        raise SystemExit(f"results differ (count, sum(id), hash checksum): {json.dumps(sums, indent=1)}")

    count = sums["lakectl compact"].split()[0]
    print(f"\n{args.rows:,} base rows ({files} files, by month) + {written:,} changes; lakectl: {summary['rowsInserted']} inserted, "
          f"{summary['rowsUpdated']} updated, {summary['rowsDeleted']} deleted; read {summary['filesRead']} files, "
          f"rewrote {summary['filesRemoved']}, added {summary['filesAdded']}; with --deletion-vectors: "
          f"{summary_dv.get('deletionVectors', 0)} files given a DV, rewrote {summary_dv['filesRemoved']}, added {summary_dv['filesAdded']}; "
          f"every engine -> {count} rows, same checksum\n")
    lak, lak_cpu = results["lakectl compact"][0], results["lakectl compact"][2]
    print("| engine | time (s) | CPU (s) | peak RSS (MiB) | lakectl ÷ engine (time) | (CPU) |\n|---|---|---|---|---|---|")
    for name, (secs, rss, cpu) in results.items():
        ratio = "—" if name.startswith("lakectl compact") else f"{lak / secs:.2f}"
        cratio = "—" if name.startswith("lakectl compact") else f"{lak_cpu / cpu:.2f}"
        print(f"| {name} | {secs:.2f} | {cpu:.2f} | {rss / 2**20:.0f} | {ratio} | {cratio} |")
    print(json.dumps({k: {"seconds": v[0], "cpu_seconds": v[2], "peak_rss": v[1]} for k, v in results.items()}
                     | {"lakectl_summary": summary, "lakectl_dv_summary": summary_dv}))


if __name__ == "__main__":
    main()
