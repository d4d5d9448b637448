"""Reliability (issue 7.3): concurrency — two ingest writers on one table (same input), two
compactors, a compactor beside a vacuum, and a reader polling throughout. No lost or duplicated
row, every read is a committed state of the oracle (SQLite after some whole input file), every
loser exits 0 (it found the work done) or with a clear one-line error.

LAKECTL_CONCURRENCY_ROUNDS (default 12) rounds of that, on a local lake.
"""
import json
import subprocess
import threading
import time

import pyarrow.parquet as pq

from compact_oracle import Stream, table_rows, write_schema
from reliability_common import TABLE, cdc_name, env_int, one_line_error, record

ROUNDS = env_int("LAKECTL_CONCURRENCY_ROUNDS", 12)


def test_two_writers_two_compactors_vacuum_and_reader(lakectl_bin, tmp_path):
    lake, schema = tmp_path / "lake", tmp_path / "schema.json"
    write_schema(schema, plain=True)
    table = lake / "tables" / "public" / "orders"
    stream = Stream(seed=77, keys=100)
    states = [[]]                       # the oracle after each whole input file
    stop = threading.Event()
    reads, bad_reads, read_errors = [0], [], []
    losers = []

    def reader():
        while not stop.is_set():
            if not (table / "_delta_log").exists():
                time.sleep(0.05)
                continue
            try:
                rows = table_rows(table)
            except Exception as e:  # a vacuumed file between listing and reading: retried, counted
                read_errors.append(repr(e)[:200])
                continue
            reads[0] += 1
            if rows not in states:
                bad_reads.append(len(rows))
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        _rounds(lakectl_bin, lake, schema, table, stream, states, losers, outcomes := {"ok": 0, "clean_error": 0})
    finally:
        stop.set()
        t.join(timeout=30)
    _check(lake, reads, bad_reads, read_errors, losers, outcomes)


def _rounds(lakectl_bin, lake, schema, table, stream, states, losers, outcomes):
    inputs = lake.parent / "in"
    inputs.mkdir()
    for r in range(ROUNDS):
        src = inputs / cdc_name(r)
        import datetime
        stream.clock += datetime.timedelta(seconds=1)
        src.write_text(stream.batch(30 + 5 * r, plain=True), encoding="utf-8")
        states.append(stream.expected())
        ingest = [lakectl_bin, "ingest", str(lake), "--format", "dms-csv", "--schema", str(schema), "--table", TABLE,
                  "--max-rows", "100000", str(src)]
        compact = [lakectl_bin, "compact", str(lake), "--table", TABLE, "--partition-by", "region"]
        # retention 0 but a 3 s grace period: files of a compaction still in flight are never deleted
        # (with --grace-minutes 0 vacuum may delete them before their commit lands: that is what the
        # grace period is for, and this test showed it)
        vacuum = [lakectl_bin, "table", "vacuum", str(table), "--retain-hours", "0", "--grace-minutes", "0.05", "--execute"]
        procs = [subprocess.Popen(a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for a in (ingest, ingest)]
        time.sleep(0.05 * (r % 3))
        procs += [subprocess.Popen(a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for a in ([compact, compact] + ([vacuum] if r > 0 else []))]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode >= 0, f"killed by a signal: {err}"
            if p.returncode == 0:
                outcomes["ok"] += 1
            else:
                assert one_line_error(err), err
                outcomes["clean_error"] += 1
                losers.append(err.strip().splitlines()[-1][:200])
        # settle: the work a loser left is done by a rerun
        for a in (ingest, compact):
            done = subprocess.run(a, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
        assert table_rows(table) == stream.expected(), f"round {r}"


def _check(lake, reads, bad_reads, read_errors, losers, outcomes):
    # exactly once in the change log
    seqs, rows = [], 0
    for p in sorted((lake / "changes" / "public" / "orders" / "_changelog").glob("*.json")):
        for f in json.loads(p.read_text())["files"]:
            tb = pq.read_table(lake / f["path"])
            rows += tb.num_rows
            seqs += tb.column("_seq").to_pylist()
    assert len(seqs) == len(set(seqs)), "a change committed twice"
    assert rows == sum(30 + 5 * r for r in range(ROUNDS))
    assert not bad_reads, f"{len(bad_reads)} reads saw a state that is no committed oracle state"
    assert reads[0] > 0
    record("concurrency", rounds=ROUNDS, processes=sum(outcomes.values()), reads=reads[0],
           reads_retried_after_vacuum=len(read_errors), **outcomes, loser_messages=sorted(set(losers))[:5])
