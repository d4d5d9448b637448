#!/usr/bin/env python3
"""Ingest benchmark (issue 5): 1 million Debezium JSON events with schema envelopes of an
orders-like PostgreSQL table, landed as Parquet (zstd) change files.

  lakectl ingest LAKE events.json            (release build)
  peer: pyarrow.json.read_json(events.json) + flatten the payload + pq.write_table(zstd)

Both run in this process's run, on the same file, each under /usr/bin/time -v for peak memory.
Usage: ingest_bench.py [--events N] [--lakectl PATH] [--workdir DIR] [--keep]
Prints a Markdown table and a JSON line with the numbers.
"""
import argparse
import base64
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def field(name, type_, optional=True, logical=None, params=None):
    f = {"type": type_, "optional": optional, "field": name}
    if logical:
        f["name"] = logical
        f["version"] = 1
    if params:
        f["parameters"] = params
    return f


ROW = [
    field("id", "int64", False),
    field("customer_id", "int32"),
    field("status", "string"),
    field("amount", "bytes", logical="org.apache.kafka.connect.data.Decimal",
          params={"scale": "2", "connect.decimal.precision": "12"}),
    field("quantity", "int32"),
    field("created_at", "int64", logical="io.debezium.time.MicroTimestamp"),
    field("updated_at", "string", logical="io.debezium.time.ZonedTimestamp"),
    field("note", "string"),
]
SOURCE = [field("version", "string", False), field("connector", "string", False), field("name", "string", False),
          field("ts_ms", "int64", False), field("snapshot", "string"), field("db", "string", False),
          field("sequence", "string"), field("schema", "string", False), field("table", "string", False),
          field("txId", "int64"), field("lsn", "int64"), field("xmin", "int64")]
SCHEMA = {"type": "struct", "optional": False, "name": "pg.public.orders.Envelope", "version": 1, "fields": [
    {"type": "struct", "fields": ROW, "optional": True, "name": "pg.public.orders.Value", "field": "before"},
    {"type": "struct", "fields": ROW, "optional": True, "name": "pg.public.orders.Value", "field": "after"},
    {"type": "struct", "fields": SOURCE, "optional": False, "name": "io.debezium.connector.postgresql.Source", "field": "source"},
    field("op", "string", False), field("ts_ms", "int64"),
    {"type": "struct", "optional": True, "name": "event.block", "version": 1, "field": "transaction", "fields": [
        field("id", "string", False), field("total_order", "int64", False), field("data_collection_order", "int64", False)]},
]}
STATUSES = ["new", "paid", "shipped", "delivered", "cancelled", "refunded"]


def dec(unscaled):
    n = max(1, (unscaled.bit_length() + 8) // 8)
    return base64.b64encode(unscaled.to_bytes(n, "big", signed=True)).decode()


def generate(path: pathlib.Path, n: int, seed=7):
    rng = random.Random(seed)
    schema = json.dumps(SCHEMA, separators=(",", ":"))
    lsn = 24_023_128
    commit = lsn - 1
    ts = 1_718_188_227_000
    live = []
    with open(path, "w") as out:
        for i in range(n):
            if live and rng.random() < 0.7:
                key = live[rng.randrange(len(live))]
                op = "u" if rng.random() < 0.9 else "d"
            else:
                key = i + 1
                op = "c"
                live.append(key)
            lsn += rng.randrange(40, 400)
            if rng.random() < 0.25:
                commit = lsn - 1
                ts += 1
            micros = 1_700_000_000_000_000 + rng.randrange(10**13)
            row = {"id": key, "customer_id": rng.randrange(1, 200_000), "status": STATUSES[rng.randrange(6)],
                   "amount": dec(rng.randrange(1, 10**8)), "quantity": rng.randrange(1, 20), "created_at": micros,
                   "updated_at": "2024-06-12T10:%02d:%02d.%06dZ" % (rng.randrange(60), rng.randrange(60), rng.randrange(10**6)),
                   "note": None if rng.random() < 0.5 else "gift wrap, leave at door #%d" % rng.randrange(1000)}
            source = {"version": "2.7.3.Final", "connector": "postgresql", "name": "pg", "ts_ms": ts, "snapshot": "false",
                      "db": "shop", "sequence": "[\"%d\",\"%d\"]" % (commit, lsn), "schema": "public", "table": "orders",
                      "txId": 1000 + i // 4, "lsn": lsn, "xmin": None}
            payload = {"before": row if op == "d" else None, "after": None if op == "d" else row, "source": source,
                       "op": op, "ts_ms": ts + 3, "transaction": None}
            out.write('{"schema":' + schema + ',"payload":' + json.dumps(payload, separators=(",", ":")) + "}\n")


PEER = r'''
import sys, pyarrow as pa, pyarrow.json as pj, pyarrow.parquet as pq, pyarrow.compute as pc
src, dst = sys.argv[1], sys.argv[2]
t = pj.read_json(src, read_options=pj.ReadOptions(block_size=16 << 20))
p = t.column("payload").combine_chunks()
op = p.field("op")
after, before = p.field("after"), p.field("before")
is_delete = pc.equal(op, "d")
cols = {"Op": pc.replace_substring_regex(pc.replace_substring_regex(op, "^[cr]$", "I"), "^([ud])$", r"\1").cast(pa.string()),
        "_commit_ts": pc.multiply(p.field("source").field("ts_ms"), 1000).cast(pa.timestamp("us", tz="UTC")),
        "_seq": p.field("source").field("lsn")}
for name in ["id", "customer_id", "status", "amount", "quantity", "created_at", "updated_at", "note"]:
    cols[name] = pc.if_else(is_delete, before.field(name), after.field(name))
pq.write_table(pa.table(cols), dst, compression=sys.argv[3])
print(len(t))
'''


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak RSS MiB, stdout)."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return seconds, rss_kb / 1024, proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--lakectl", default=str(ROOT / ".build-release" / "release" / "lakectl"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--compression", default="zstd", choices=["zstd", "none"],
                    help="Parquet compression for both tools")
    args = ap.parse_args()
    work = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="ingest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    events = work / f"events-{args.events}.json"
    if not events.exists():
        t0 = time.monotonic()
        generate(events, args.events)
        print(f"generated {args.events:,} events ({events.stat().st_size / 2**20:,.0f} MiB) in {time.monotonic() - t0:.0f} s",
              file=sys.stderr)
    size = events.stat().st_size
    # Warm the page cache for both.
    with open(events, "rb") as f:
        while f.read(64 << 20):
            pass

    lake = work / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    l_sec, l_rss, out = timed([args.lakectl, "ingest", str(lake), str(events), "--json", "--compression", args.compression])
    summary = json.loads(out)
    assert summary["events_read"] == args.events, summary

    peer_out = work / "peer.parquet"
    p_sec, p_rss, out = timed([sys.executable, "-c", PEER, str(events), str(peer_out), args.compression])
    assert int(out.strip()) == args.events

    l_rate, p_rate = args.events / l_sec, args.events / p_sec
    print(f"| tool | time (s) | events/s | MB/s of JSON | peak RSS (MiB) |")
    print(f"|---|---:|---:|---:|---:|")
    print(f"| lakectl ingest | {l_sec:.2f} | {l_rate:,.0f} | {size / l_sec / 1e6:,.0f} | {l_rss:,.0f} |")
    print(f"| pyarrow read_json + write_table | {p_sec:.2f} | {p_rate:,.0f} | {size / p_sec / 1e6:,.0f} | {p_rss:,.0f} |")
    print(f"\nParquet compression: {args.compression}")
    print(f"ratio (lakectl events/s ÷ peer events/s): {l_rate / p_rate:.2f}x; input {size / 1e6:,.0f} MB, "
          f"{summary['batches']} change files")
    print(json.dumps({"events": args.events, "input_bytes": size, "lakectl_seconds": l_sec, "lakectl_rss_mib": l_rss,
                      "peer_seconds": p_sec, "peer_rss_mib": p_rss, "ratio": l_rate / p_rate, "batches": summary["batches"]}))
    if not args.keep:
        shutil.rmtree(lake, ignore_errors=True)
        peer_out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
