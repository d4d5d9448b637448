#!/usr/bin/env python3
"""Issue 6 benchmark (bulk): 2M base rows plus 500k changes (20% inserts, 70% updates, 10% deletes,
uniform keys), applied as an upsert by

- lakectl compact (the base table is compacted from a DMS full-load file first, not timed; then the
  CDC file of the changes is compacted, timed);
- deltalake (delta-rs) `merge` (base written with write_deltalake, not timed; the timed part reads the
  same CSV, keeps the last change per key, and merges with delete / update / insert clauses);
- DuckDB (base Parquet written first, not timed; the timed part reads the base and the CSV, keeps the
  last change per key, and writes the upserted table with COPY ... TO parquet).

Each timed step runs in its own process; time is wall clock, peak memory is the process's maximum RSS
(os.wait4). Same data, same run. Prints a Markdown table and one JSON line.

    python Benchmarks/peers/compact_bench.py --lakectl .build-release/release/lakectl [--rows 2000000 --changes 500000]
        [--string-keys]   (keys "order-<n>" in a string column instead of a long)
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from compact_common import LAST_CHANGE_PER_KEY, STATUSES, compact_command, dms_schema, timed, write_cdc_file

COLUMNS = ["id", "customer_id", "status", "amount", "note", "updated_at"]
def schema(string_keys):
    return dms_schema([("id", "string" if string_keys else "long"), ("customer_id", "long"), ("status", "string"),
                       ("amount", "double"), ("note", "string"), ("updated_at", "timestamp")])


def key_text(key, string_keys):
    return f"order-{key}" if string_keys else str(key)


def row(rng, key, string_keys=False):
    return (f"{key_text(key, string_keys)},{rng.randint(1, 100000)},{STATUSES[rng.randrange(6)]},{rng.randint(0, 10**7) / 100},"
            f"note {rng.getrandbits(64):016x} {key},2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 1{rng.randint(0, 9)}:00:00.000000")


def generate(folder, rows, changes, seed=1, string_keys=False):
    rng = random.Random(seed)
    dms = os.path.join(folder, "dms")
    os.makedirs(dms, exist_ok=True)
    with open(os.path.join(dms, "LOAD00000001.csv"), "w") as f:
        for key in range(rows):
            f.write("I," + row(rng, key, string_keys) + "\n")
    next_key = rows
    with open(os.path.join(folder, "changes.csv"), "w") as f:
        f.write("Op," + ",".join(COLUMNS) + "\n")
        for _ in range(changes):
            r = rng.random()
            if r < 0.2:
                f.write("I," + row(rng, next_key, string_keys) + "\n")
                next_key += 1
            elif r < 0.9:
                f.write("U," + row(rng, rng.randrange(next_key), string_keys) + "\n")
            else:
                f.write(f"D,{key_text(rng.randrange(next_key), string_keys)},,,,,\n")
    with open(os.path.join(folder, "schema.json"), "w") as f:
        json.dump(schema(string_keys), f)


DELTA_BASE = r"""
import sys, pyarrow.csv as pc, pyarrow as pa
from deltalake import write_deltalake
names = ["Op", "id", "customer_id", "status", "amount", "note", "updated_at"]
t = pc.read_csv(sys.argv[1], read_options=pc.ReadOptions(column_names=names),
                convert_options=pc.ConvertOptions(column_types={"id": __ID_ARROW__, "updated_at": pa.timestamp("us"), "note": pa.string(), "status": pa.string()}))
t = t.set_column(6, "updated_at", t.column("updated_at").cast(pa.timestamp("us", "UTC")))
write_deltalake(sys.argv[2], t.drop_columns(["Op"]))
"""

DELTA_MERGE = r"""
import sys, pyarrow as pa, pyarrow.csv as pc, pyarrow.compute as pcc
from deltalake import DeltaTable
t = pc.read_csv(sys.argv[1], convert_options=pc.ConvertOptions(column_types={
    "id": __ID_ARROW__, "updated_at": pa.timestamp("us"), "note": pa.string(), "status": pa.string(), "customer_id": pa.int64(), "amount": pa.float64()}))
t = t.set_column(6, "updated_at", t.column("updated_at").cast(pa.timestamp("us", "UTC")))
""" + LAST_CHANGE_PER_KEY + r"""
dt = DeltaTable(sys.argv[2])
(dt.merge(src, "t.id = s.id", source_alias="s", target_alias="t")
   .when_matched_delete("s.Op = 'D'")
   .when_matched_update({c: f"s.{c}" for c in ["customer_id", "status", "amount", "note", "updated_at"]}, "s.Op != 'D'")
   .when_not_matched_insert({c: f"s.{c}" for c in ["id", "customer_id", "status", "amount", "note", "updated_at"]}, "s.Op != 'D'")
   .execute())
print(DeltaTable(sys.argv[2]).count())
"""

DUCK_BASE = r"""
import sys, duckdb
duckdb.sql(f"COPY (SELECT id, customer_id, status, amount, note, updated_at FROM read_csv('{sys.argv[1]}', header=false, names=['Op','id','customer_id','status','amount','note','updated_at'], types={{'updated_at':'TIMESTAMP','amount':'DOUBLE','customer_id':'BIGINT','id':'__ID_DUCK__'}})) TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION zstd)")
"""

DUCK_UPSERT = r"""
import sys, duckdb
con = duckdb.connect()
con.sql(f"CREATE TEMP TABLE c AS SELECT *, row_number() OVER () AS rn FROM read_csv('{sys.argv[1]}', header=true, types={{'updated_at':'TIMESTAMP','amount':'DOUBLE','customer_id':'BIGINT','id':'__ID_DUCK__'}})")
con.sql("CREATE TEMP TABLE last AS SELECT * EXCLUDE (rn) FROM c QUALIFY row_number() OVER (PARTITION BY id ORDER BY rn DESC) = 1")
con.sql(f'''COPY (
  SELECT b.* FROM read_parquet('{sys.argv[2]}') b ANTI JOIN last l ON b.id = l.id
  UNION ALL
  SELECT id, customer_id, status, amount, note, updated_at FROM last WHERE Op <> 'D'
) TO '{sys.argv[3]}' (FORMAT parquet, COMPRESSION zstd)''')
print(con.execute(f"SELECT count(*) FROM read_parquet('{sys.argv[3]}')").fetchall()[0][0])
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakectl", required=True)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--changes", type=int, default=500_000)
    ap.add_argument("--dir")
    ap.add_argument("--string-keys", action="store_true", help='keys "order-<n>" in a string column')
    args = ap.parse_args()
    work = args.dir or tempfile.mkdtemp(prefix="compact-bench-")
    generate(work, args.rows, args.changes, string_keys=args.string_keys)
    arrow_id, duck_id = ("pa.string()", "VARCHAR") if args.string_keys else ("pa.int64()", "BIGINT")

    def script(source):
        return source.replace("__ID_ARROW__", arrow_id).replace("__ID_DUCK__", duck_id)
    dms, changes, schema = os.path.join(work, "dms"), os.path.join(work, "changes.csv"), os.path.join(work, "schema.json")
    py = sys.executable
    results = {}

    # lakectl: base from the full-load file (untimed), then the CDC file (timed).
    lake = os.path.join(work, "lake")
    subprocess.run(compact_command(args.lakectl, lake, dms, schema), check=True, stdout=subprocess.DEVNULL)
    cdc = os.path.join(dms, "20240612-100000000.csv")
    write_cdc_file(changes, cdc)
    secs, rss, out, _ = timed(compact_command(args.lakectl, lake, dms, schema, "--json"))
    results["lakectl compact"] = (secs, rss, json.loads(out))
    os.remove(cdc)

    # deltalake merge.
    dtable = os.path.join(work, "delta")
    subprocess.run([py, "-c", script(DELTA_BASE), os.path.join(dms, "LOAD00000001.csv"), dtable], check=True)
    secs, rss, out, _ = timed([py, "-c", script(DELTA_MERGE), changes, dtable])
    results["deltalake merge"] = (secs, rss, out.strip())

    # DuckDB upsert in SQL + COPY TO parquet.
    base = os.path.join(work, "base.parquet")
    subprocess.run([py, "-c", script(DUCK_BASE), os.path.join(dms, "LOAD00000001.csv"), base], check=True)
    secs, rss, out, _ = timed([py, "-c", script(DUCK_UPSERT), changes, base, os.path.join(work, "duck-out.parquet")])
    results["duckdb upsert + COPY"] = (secs, rss, out.strip())

    lak = results["lakectl compact"][2]
    rows_after = lak["rowsInserted"] - lak["rowsDeleted"] + args.rows
    print(f"\n{args.rows:,} base rows + {args.changes:,} changes; lakectl: {lak['rowsInserted']} inserted, "
          f"{lak['rowsUpdated']} updated, {lak['rowsDeleted']} deleted -> {rows_after} rows; "
          f"deltalake -> {results['deltalake merge'][2]} rows; duckdb -> {results['duckdb upsert + COPY'][2]} rows\n")
    print("| engine | time (s) | peak RSS (MiB) |\n|---|---|---|")
    for name, (secs, rss, _) in results.items():
        print(f"| {name} | {secs:.2f} | {rss / 2**20:.0f} |")
    best_peer = min(results["deltalake merge"][0], results["duckdb upsert + COPY"][0])
    print(f"\nlakectl / faster peer time: {results['lakectl compact'][0] / best_peer:.2f}x")
    print(json.dumps({k: {"seconds": v[0], "peak_rss": v[1]} for k, v in results.items()}))


if __name__ == "__main__":
    main()
