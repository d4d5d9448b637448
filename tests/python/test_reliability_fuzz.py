"""Reliability (issue 7.6): a seeded mutation fuzzer through the CLI for the Parquet reader, the
DMS CSV reader, the Debezium decoder and the Delta log parser (the in-process libFuzzer harnesses
are in Tests/Fuzz/, see docs/RELIABILITY.md).

Seeds: valid inputs generated here plus Tests/Fixtures/bad-input/. Mutations: bit flips, byte
sets to boundary values, truncation, duplication/splicing of ranges, insertion of long runs.
Every run must end without a signal, within its time limit, and a failure must be a clear
`lakectl:` line. LAKECTL_FUZZ_SECONDS (default 8) bounds each target; LAKECTL_FUZZ_SEED the schedule.
"""
import io
import json
import os
import pathlib
import random
import shutil
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reliability_common import TABLE, env_int, one_line_error, record

SECONDS = float(os.environ.get("LAKECTL_FUZZ_SECONDS", "8"))
SEED = env_int("LAKECTL_FUZZ_SEED", 1)
CORPUS = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "bad-input"
CRASHES = pathlib.Path(os.environ.get("LAKECTL_FUZZ_CRASH_DIR", "/tmp/lakectl-fuzz-crashes"))


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3, 8])):
        kind = rng.randrange(6)
        n = len(data)
        if kind == 0 and n:
            i = rng.randrange(n)
            data[i] ^= 1 << rng.randrange(8)
        elif kind == 1 and n:
            data[rng.randrange(n)] = rng.choice([0, 0xFF, 0x7F, 0x80, 0x22, 0x2C, 0x0A, 0x5C, 0x7B, 0x7D])
        elif kind == 2 and n:
            del data[rng.randrange(n):]
        elif kind == 3 and n:
            a = rng.randrange(n)
            b = min(n, a + rng.randint(1, 64))
            data[rng.randrange(n):rng.randrange(n)] = data[a:b]
        elif kind == 4:
            data[rng.randrange(n + 1):rng.randrange(n + 1)] = bytes([rng.randrange(256)]) * rng.choice([1, 8, 300, 70_000])
        elif kind == 5 and n >= 8:  # a 4-byte little-endian length somewhere set to a huge value
            i = rng.randrange(n - 4)
            data[i:i + 4] = rng.choice([0x7FFFFFFF, 0xFFFFFFFF, 0x10000000, 0]).to_bytes(4, "little")
    return bytes(data)


def parquet_seed():
    t = pa.table({"Op": ["I", "U", "D"], "ts": ["2024-06-12 10:00:00.000000"] * 3, "id": [1, 2, 3],
                  "region": ["eu", None, "us"], "name": ["a", "bé", None], "amount": pa.array([1.5, None, -2.0])})
    out = []
    for kw in ({}, {"compression": "zstd"}, {"use_dictionary": False, "compression": "snappy"}, {"data_page_version": "2.0"}):
        buf = io.BytesIO()
        pq.write_table(t, buf, **kw)
        out.append(buf.getvalue())
    return out


def debezium_seed():
    ev = {"schema": {"type": "struct", "fields": [
        {"field": "after", "type": "struct", "fields": [{"field": "id", "type": "int64"}, {"field": "name", "type": "string"},
                                                       {"field": "price", "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal",
                                                        "parameters": {"scale": "2"}}]}]},
          "payload": {"before": None, "after": {"id": 1, "name": "x", "price": "AeI="}, "op": "c",
                      "source": {"schema": "public", "table": "orders", "lsn": 100, "ts_ms": 1}, "ts_ms": 1}}
    plain = {"before": None, "after": {"id": 2, "name": "y"}, "op": "u", "source": {"schema": "public", "table": "orders", "lsn": 101}}
    return [(json.dumps(ev) + "\n" + json.dumps(plain) + "\n").encode()] + [p.read_bytes() for p in CORPUS.glob("dbz-*.json")]


def csv_seed():
    return [b'I,2024-06-12 10:00:00.000001,1,eu,"a, ""b"""\nU,2024-06-12 10:00:00.000002,1,,x\nD,2024-06-12 10:00:00.000003,1,,\n'] + \
        [p.read_bytes() for p in CORPUS.glob("csv-*.csv")]


SCHEMA = {"columns": [{"name": "Op", "type": "string"}, {"name": "ts", "type": "string"},
                      {"name": "id", "type": "long", "nullable": False}, {"name": "region", "type": "string"},
                      {"name": "name", "type": "string"}], "key": ["id"], "op": "Op", "timestamp": "ts"}


def run_target(name, seeds, command, tmp_path):
    rng = random.Random(f"{SEED}-{name}")
    runs = failures = 0
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(seeds))
        work = tmp_path / f"w{runs % 2}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        args = command(work, data)
        try:
            proc = subprocess.run(args, capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            CRASHES.mkdir(parents=True, exist_ok=True)
            (CRASHES / f"{name}-hang-{runs}").write_bytes(data)
            pytest.fail(f"{name}: hang (input saved in {CRASHES})")
        runs += 1
        err = proc.stderr.decode("utf-8", "replace")
        if proc.returncode < 0 or "Fatal error" in err or (proc.returncode != 0 and not one_line_error(err)):
            CRASHES.mkdir(parents=True, exist_ok=True)
            (CRASHES / f"{name}-crash-{runs}").write_bytes(data)
            pytest.fail(f"{name}: exit {proc.returncode}: {err[-1500:]} (input saved in {CRASHES})")
        failures += proc.returncode != 0
    record("fuzz-cli", target=name, runs=runs, clean_errors=failures, seconds=SECONDS)
    assert runs > 0


def test_fuzz_parquet_reader(lakectl_bin, tmp_path):
    seeds = parquet_seed() + [p.read_bytes() for p in CORPUS.glob("*.parquet") if p.stat().st_size]

    def cmd(work, data):
        (work / "f.parquet").write_bytes(data)
        return [lakectl_bin, "parquet", "cat", str(work / "f.parquet")]
    run_target("parquet", seeds, cmd, tmp_path)


def test_fuzz_debezium_decoder(lakectl_bin, tmp_path):
    def cmd(work, data):
        (work / "in.json").write_bytes(data)
        return [lakectl_bin, "ingest", str(work / "lake"), "--key", "id", "--max-rows", "2", str(work / "in.json")]
    run_target("debezium", debezium_seed(), cmd, tmp_path)


def test_fuzz_dms_csv_reader(lakectl_bin, tmp_path):
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))

    def cmd(work, data):
        (work / "in.csv").write_bytes(data)
        return [lakectl_bin, "ingest", str(work / "lake"), "--format", "dms-csv", "--schema", str(tmp_path / "schema.json"),
                "--table", TABLE, str(work / "in.csv")]
    run_target("dms-csv", csv_seed(), cmd, tmp_path)


def test_fuzz_delta_log_parser(lakectl_bin, tmp_path):
    """A valid two-commit table is built once; each run mutates its second commit file."""
    base = tmp_path / "base"
    from deltalake import write_deltalake
    write_deltalake(str(base), pa.table({"id": [1, 2], "region": ["eu", "us"]}), partition_by=["region"])
    write_deltalake(str(base), pa.table({"id": [3], "region": ["eu"]}), mode="append")
    commit = (base / "_delta_log" / "00000000000000000001.json").read_bytes()
    first = (base / "_delta_log" / "00000000000000000000.json").read_bytes()

    def cmd(work, data):
        table = work / "t"
        shutil.copytree(base, table)
        target = "00000000000000000001.json" if random.Random(len(data)).random() < 0.7 else "00000000000000000000.json"
        (table / "_delta_log" / target).write_bytes(data)
        return [lakectl_bin, "scan", str(table)]
    run_target("delta-log", [commit, first], cmd, tmp_path)
