"""Reliability (issue 7.2): crash matrix — `kill -9` at seeded random points of ingest, compact,
table checkpoint and table vacuum, each followed by a rerun; after every point the Delta table equals
SQLite given the same input (the oracle), every change-log entry lists complete files, every change
is committed exactly once, and no staging file (`.lakectl-tmp-*`) is ever listed.

LAKECTL_CRASH_POINTS (default 50) sets the points per command; LAKECTL_CRASH_SEED the schedule.
"""
import datetime
import json
import os
import random
import signal
import subprocess
import time

import pyarrow.parquet as pq
import pytest

from compact_oracle import Stream, table_rows, write_schema
from reliability_common import TABLE, cdc_name, env_int, record

POINTS = env_int("LAKECTL_CRASH_POINTS", 50)
SEED = env_int("LAKECTL_CRASH_SEED", 424242)


def _timed(args):
    t0 = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    return proc, time.monotonic() - t0


def _kill_at(args, delay):
    """Starts the command and kills it with SIGKILL after `delay` seconds (if still running).
    Returns True when the kill landed before the command finished."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def _check_lake_listing(lakectl_bin, lake):
    """What lakectl lists is complete: no staging file, every change file and log entry parses."""
    ls = subprocess.run([lakectl_bin, "fs", "ls", "-r", "--json", str(lake)], capture_output=True, text=True,
                        timeout=60)
    assert ls.returncode == 0, ls.stderr
    keys = [json.loads(l)["key"] for l in ls.stdout.splitlines() if l.strip()]
    assert not [k for k in keys if ".lakectl-tmp-" in k], "a staging file was listed"
    for root, _dirs, files in os.walk(lake):
        for name in files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, lake)
            if ".lakectl-tmp-" in name:
                continue  # an orphan staging file of a killed write: invisible, left for cleanup
            if rel.endswith(".json"):
                json.loads(open(path, encoding="utf-8").read() or "null") if "_delta_log" not in rel else \
                    [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
            elif rel.endswith(".parquet") and "_delta_log" not in rel:
                pq.read_metadata(path)  # a complete footer
    return keys


def _committed_seqs(lake):
    """Every committed change row's (_seq) across the change log: duplicates mean a double commit."""
    folder = lake / "changes" / "public" / "orders" / "_changelog"
    seqs, rows = [], 0
    for p in sorted(folder.glob("*.json")) if folder.exists() else []:
        entry = json.loads(p.read_text())
        for f in entry["files"]:
            assert f["format"] == "parquet"
            t = pq.read_table(lake / f["path"])
            rows += t.num_rows
            seqs += [str(s) for s in t.column("_seq").to_pylist()]
    return rows, seqs


def test_crash_matrix_ingest_compact_checkpoint_vacuum(lakectl_bin, tmp_path):
    rng = random.Random(SEED)
    lake, schema, inputs = tmp_path / "lake", tmp_path / "schema.json", tmp_path / "in" / "public" / "orders"
    inputs.mkdir(parents=True)
    write_schema(schema, plain=True)
    stream = Stream(seed=SEED, keys=120)
    table = lake / "tables" / "public" / "orders"
    ingest = lambda f: [lakectl_bin, "ingest", str(lake), "--format", "dms-csv", "--schema", str(schema),  # noqa: E731
                        "--table", TABLE, "--max-rows", "7", "--spool", str(tmp_path / "spool.db"), str(f)]
    compact = [lakectl_bin, "compact", str(lake), "--table", TABLE, "--partition-by", "region",
               "--target-file-size", "4096"]
    checkpoint = [lakectl_bin, "table", "checkpoint", str(table)]
    vacuum = [lakectl_bin, "table", "vacuum", str(table), "--retain-hours", "0", "--grace-minutes", "0", "--execute"]
    killed = {"ingest": 0, "compact": 0, "checkpoint": 0, "vacuum": 0}
    tried = dict.fromkeys(killed, 0)
    durations = {}
    total_rows = 0
    started = time.monotonic()
    for point in range(POINTS):
        src = inputs / cdc_name(point)
        n = rng.randint(5, 40)
        # A new file starts after the previous one's last commit time: equal times across files are
        # a separate, known ingest bug (test_dms_csv_equal_commit_time_across_files below).
        stream.clock += datetime.timedelta(seconds=1)
        src.write_text(stream.batch(n, plain=True), encoding="utf-8")
        total_rows += n
        steps = [("ingest", ingest(src)), ("compact", compact)]
        if point > 0:
            steps += [("checkpoint", checkpoint), ("vacuum", vacuum)]
        for name, args in steps:
            # Learn how long an uninterrupted run takes, then kill within 1.2x of that.
            span = durations.get(name, 0.3)
            tried[name] += 1
            if _kill_at(args, rng.uniform(0.0, span * 1.2)):
                killed[name] += 1
            _check_lake_listing(lakectl_bin, lake)
            proc, took = _timed(args)
            assert proc.returncode == 0, f"point {point}: rerun of {name} failed: {proc.stderr}"
            durations[name] = max(durations.get(name, 0.0) * 0.7 + took * 0.3, 0.05)
        rows, seqs = _committed_seqs(lake)
        assert rows == total_rows, f"point {point}: {rows} change rows committed for {total_rows} input rows"
        assert len(set(seqs)) == len(seqs), f"point {point}: a change committed twice"
        assert table_rows(table) == stream.expected(), f"point {point}: table differs from the oracle"
    elapsed = time.monotonic() - started
    assert sum(killed.values()) >= POINTS // 2, f"few kills landed mid-run: {killed}"
    record("crash", points=POINTS, tried=tried, killed_mid_run=killed, rows=total_rows, seconds=round(elapsed, 1))


def test_local_store_write_killed_never_visible(lakectl_bin, tmp_path):
    """`fs upload` of a 16 MB file (multipart, 1 MB parts) killed at random moments: the object is either absent or complete,
    and no staging file is listed."""
    rng = random.Random(SEED + 1)
    payload = tmp_path / "big.bin"
    data = os.urandom(1 << 20) * 16
    payload.write_bytes(data)
    lake = tmp_path / "lake"
    lake.mkdir()
    outcomes = {"absent": 0, "complete": 0, "killed": 0}
    t0 = time.monotonic()
    first = subprocess.run([lakectl_bin, "fs", "upload", str(payload), f"{lake}/objects/first.bin"], capture_output=True,
                           text=True)
    assert first.returncode == 0, first.stderr
    span = time.monotonic() - t0
    for i in range(env_int("LAKECTL_CRASH_CP_POINTS", 12)):
        dest = f"{lake}/objects/o{i}.bin"
        if _kill_at([lakectl_bin, "fs", "upload", str(payload), dest, "--multipart-threshold", str(4 << 20),
                     "--part-size", str(1 << 20)], rng.uniform(0.0, span * 2.5)):
            outcomes["killed"] += 1
        keys = _check_lake_listing(lakectl_bin, lake)
        key = f"objects/o{i}.bin"
        listed = [k for k in keys if k == key or k.endswith("/" + key)]  # local listings name keys from /
        if listed:
            assert os.path.getsize(lake / key) == len(data)
            assert (lake / key).read_bytes() == data
            outcomes["complete"] += 1
        else:
            outcomes["absent"] += 1
    assert outcomes["killed"] >= 1, outcomes
    record("crash-local-store", **outcomes)


def test_dms_csv_equal_commit_time_across_files(lakectl_bin, tmp_path):
    schema = tmp_path / "schema.json"
    write_schema(schema, plain=True)
    lake = tmp_path / "lake"
    stream = Stream(seed=1, keys=10)
    files = []
    for i in range(2):
        f = tmp_path / cdc_name(i)
        text = stream.batch(3, plain=True)
        files.append(f)
        f.write_text(text, encoding="utf-8")
    # make the second file's first row share the first file's last commit time
    last_ts = files[0].read_text().strip().splitlines()[-1].split(",")[1]
    lines = files[1].read_text().splitlines()
    lines[0] = ",".join([lines[0].split(",")[0], last_ts] + lines[0].split(",")[2:])
    files[1].write_text("\n".join(lines) + "\n")
    for f in files:
        proc = subprocess.run([lakectl_bin, "ingest", str(lake), "--format", "dms-csv", "--schema", str(schema),
                               "--table", TABLE, str(f)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    rows, _ = _committed_seqs(lake)
    assert rows == 6
    # replaying both files lands nothing twice
    for f in files:
        proc = subprocess.run([lakectl_bin, "ingest", str(lake), "--format", "dms-csv", "--schema", str(schema),
                               "--table", TABLE, str(f)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    rows, _ = _committed_seqs(lake)
    assert rows == 6
