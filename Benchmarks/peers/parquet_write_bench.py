#!/usr/bin/env python3
"""Issue 3 benchmark peer: write the orders table with pyarrow, one thread.

Generates exactly the data `lakectl debug gen-orders` generates (same splitmix64 formulas, see
Sources/LakectlCommands/DebugGenOrders.swift), times only `pq.write_table`, and prints JSON.

    python parquet_write_bench.py --rows 2000000 --out /tmp/orders_pyarrow.parquet [--compression zstd]
    python parquet_write_bench.py --compare /tmp/orders_lakectl.parquet --rows 2000000   # checks equal data

Run both under `/usr/bin/time -v` for peak memory; Benchmarks/peers/parquet_write_bench.sh does all of it.
"""
import argparse
import json
import os
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
U64 = pa.uint64()


def u64(v):
    return pa.scalar(v, U64)


def mix(x):
    """splitmix64 with wrapping uint64 arithmetic (pc.add/multiply are unchecked)."""
    z = pc.add(x, u64(0x9E3779B97F4A7C15))
    z = pc.multiply(pc.bit_wise_xor(z, pc.shift_right(z, u64(30))), u64(0xBF58476D1CE4E5B9))
    z = pc.multiply(pc.bit_wise_xor(z, pc.shift_right(z, u64(27))), u64(0x94D049BB133111EB))
    return pc.bit_wise_xor(z, pc.shift_right(z, u64(31)))


def modulo(x, m):
    # x - (x // m) * m, in uint64
    return pc.subtract(x, pc.multiply(pc.divide(x, u64(m)), u64(m)))


def orders(rows: int) -> pa.Table:
    i = pa.array(range(rows), U64)
    k = pc.multiply(i, u64(8))
    ident = pa.array(range(1, rows + 1), pa.int64())
    customer = pc.add(modulo(mix(pc.add(k, u64(1))), 100_000).cast(pa.int64()), 1)
    status_idx = modulo(mix(pc.add(k, u64(2))), 6).cast(pa.int32())
    status = pa.DictionaryArray.from_arrays(status_idx, pa.array(STATUSES)).cast(pa.string())
    amount = pc.divide(modulo(mix(pc.add(k, u64(3))), 1_000_000).cast(pa.float64()), 100.0)
    note_num = modulo(mix(pc.add(k, u64(4))), 100_000_000).to_pylist()
    note = pa.array([f"order {a:010d} note {b:08d}" for a, b in zip(range(rows), note_num)], pa.string())
    base = 1_704_067_200_000_000
    micros = modulo(mix(pc.add(k, u64(5))), 1_000_000).cast(pa.int64())
    ts = pc.add(pc.add(pa.array(range(rows), pa.int64()), 0), 0)
    ts = pc.add(pc.add(pc.multiply(ts, 1_000_000), base), micros)
    day = pa.array([19_723 + r // 20_000 for r in range(rows)], pa.int32())
    return pa.table({
        "id": ident,
        "customer_id": customer,
        "status": status,
        "amount": amount,
        "note": note,
        "ts": ts.cast(pa.timestamp("us", tz="UTC")),
        "day": day.cast(pa.date32()),
    })


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--out")
    ap.add_argument("--compression", default="zstd")
    ap.add_argument("--compare", help="a lakectl-written file to check against the generated data")
    args = ap.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    table = orders(args.rows)
    if args.compare:
        other = pq.read_table(args.compare)
        assert other.schema.equals(table.schema), (other.schema, table.schema)
        assert other.equals(table), "lakectl's file differs from the generated data"
        print(json.dumps({"compare": "equal", "rows": args.rows}))
        return
    comp = None if args.compression == "none" else args.compression
    cpu_start = time.process_time()
    start = time.perf_counter()
    pq.write_table(table, args.out, compression=comp)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({"rows": args.rows, "write_seconds": seconds, "write_cpu_seconds": cpu,
                      "bytes": os.path.getsize(args.out)}))


if __name__ == "__main__":
    main()
