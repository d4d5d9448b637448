"""Reliability (issue 7.1): the whole pipeline through a fault-injecting S3 proxy.

lakectl talks to SeaweedFS through tests/python/faultproxy.py, which forwards requests unchanged
(signatures stay valid) except for a seeded ~10% that get 500, 503 SlowDown, a reset, a stall, a
truncated body or a delay. The tables must end equal to SQLite given the same changes (the oracle),
at every version. With 100% faults every command must fail with a clear error within its deadline
and commit nothing.
"""
import datetime
import json
import os
import subprocess
import time
import urllib.parse

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from compact_oracle import Stream, normalise, write_schema
from faultproxy import FaultProxy
from reliability_common import (TABLE, OutputLog, cdc_name, env_int, lakectl_env, one_line_error, record,
                                s3_client, s3_table_rows)

RATE = float(os.environ.get("LAKECTL_FAULT_RATE", "0.1"))
SEED = env_int("LAKECTL_FAULT_SEED", 20261125)
BATCHES = env_int("LAKECTL_FAULT_BATCHES", 5)


def _key(s3_env, url):
    return url.split(f"s3://{s3_env['bucket']}/", 1)[1]


def _list(s3, bucket, prefix):
    out, token = [], None
    while True:
        kw = {"Bucket": bucket, "Prefix": prefix}
        if token:
            kw["ContinuationToken"] = token
        page = s3.list_objects_v2(**kw)
        out += [o["Key"] for o in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return out
        token = page["NextContinuationToken"]


def test_compact_checkpoint_vacuum_scan_through_10pct_faults(lakectl, s3_env, s3_prefix, tmp_path):
    """DMS files land on S3; compact, checkpoint, vacuum and scan run through the faulty proxy.
    Every version equals the oracle, read by deltalake straight from SeaweedFS."""
    s3 = s3_client(s3_env)
    bucket = s3_env["bucket"]
    schema = tmp_path / "schema.json"
    write_schema(schema)
    stream = Stream(seed=SEED, keys=150)
    dms_url, table_url = f"{s3_prefix}/dms/public/orders", f"{s3_prefix}/tables/public/orders"
    out = OutputLog()
    expected = {}
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=RATE, seed=SEED, stall_seconds=2.0) as proxy:
        env = lakectl_env(s3_env, proxy.url)
        for i in range(BATCHES):
            s3.put_object(Bucket=bucket, Key=f"{_key(s3_env, dms_url)}/{cdc_name(i)}",
                          Body=stream.batch(80 + 20 * i).encode())
            run = out.add(lakectl("compact", s3_prefix, "--table", TABLE, "--from", dms_url, "--schema", schema,
                                  "--partition-by", "region", "--json", "--timeout", "60", env=env))
            assert run.returncode == 0, f"batch {i}: {run.stderr}"
            expected[int(json.loads(run.stdout)["version"])] = stream.expected()
        # A rerun through faults finds nothing new and commits nothing.
        again = out.add(lakectl("compact", s3_prefix, "--table", TABLE, "--from", dms_url, "--schema", schema,
                                "--json", "--timeout", "60", env=env))
        assert again.returncode == 0, again.stderr
        assert '"version"' not in again.stdout
        for version, rows in expected.items():
            assert s3_table_rows(s3_env, table_url, version) == rows, f"version {version}"
        ck = out.add(lakectl("table", "checkpoint", table_url, env=env))
        assert ck.returncode == 0, ck.stderr
        vac = out.add(lakectl("table", "vacuum", table_url, "--retain-hours", "0", "--grace-minutes", "0",
                              "--execute", env=env))
        assert vac.returncode == 0, vac.stderr
        scan_out = tmp_path / "scan.parquet"
        scan = out.add(lakectl("scan", table_url, "--format", "parquet", "--output", scan_out, env=env))
        assert scan.returncode == 0, scan.stderr
        counts = dict(proxy.counts)
        requests = len(proxy.log)
    final = stream.expected()
    assert normalise(pq.read_table(scan_out)) == final
    assert s3_table_rows(s3_env, table_url) == final
    # Every file the latest version references is still there after vacuum, and complete.
    from deltalake import DeltaTable
    from reliability_common import storage_options
    dt = DeltaTable(table_url, storage_options=storage_options(s3_env))
    paths = pa.table(dt.get_add_actions(flatten=True)).column("path").to_pylist() if hasattr(dt, "get_add_actions") else []
    assert paths
    for f in paths:
        f = urllib.parse.unquote(f)
        assert s3.head_object(Bucket=bucket, Key=f"{_key(s3_env, table_url)}/{f}")["ContentLength"] > 0
    out.assert_no_secret(s3_env["AWS_SECRET_ACCESS_KEY"])
    injected = sum(v for k, v in counts.items() if k != "forwarded")
    assert injected > 0 and requests > 0
    record("faults-compact", requests=requests, injected=injected, counts=counts, versions=len(expected), rate=RATE)


def test_ingest_and_compact_through_10pct_faults(lakectl, s3_env, s3_prefix, tmp_path):
    """lakectl ingest (DMS CSV input) onto an s3:// lake and lakectl compact of its change files,
    both through the faulty proxy; every input change committed exactly once (oracle at every version)."""
    schema = tmp_path / "schema.json"
    write_schema(schema, plain=True)
    stream = Stream(seed=SEED + 1, keys=150)
    table_url = f"{s3_prefix}/tables/public/orders"
    out = OutputLog()
    expected = {}
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=RATE, seed=SEED + 1, stall_seconds=2.0) as proxy:
        env = lakectl_env(s3_env, proxy.url)
        for i in range(BATCHES):
            src = tmp_path / "in" / "public" / "orders" / cdc_name(i)
            src.parent.mkdir(parents=True, exist_ok=True)
            # no commit time shared across files: that is a separate known ingest bug (see test_reliability_crash)
            stream.clock += datetime.timedelta(seconds=1)
            src.write_text(stream.batch(60 + 20 * i, plain=True), encoding="utf-8")
            ing = out.add(lakectl("ingest", s3_prefix, "--format", "dms-csv", "--schema", schema, "--table", TABLE,
                                  "--max-rows", "40", src, env=env))
            assert ing.returncode == 0, f"ingest {i}: {ing.stderr}"
            # the same input again lands nothing (exactly once through faults)
            rep = out.add(lakectl("ingest", s3_prefix, "--format", "dms-csv", "--schema", schema, "--table", TABLE,
                                  "--json", src, env=env))
            assert rep.returncode == 0, rep.stderr
            assert json.loads(rep.stdout)["rows_committed"] == 0
            run = out.add(lakectl("compact", s3_prefix, "--table", TABLE, "--partition-by", "region", "--json",
                                  "--timeout", "60", env=env))
            assert run.returncode == 0, f"compact {i}: {run.stderr}"
            expected[int(json.loads(run.stdout)["version"])] = stream.expected()
        counts = dict(proxy.counts)
        requests = len(proxy.log)
    for version, rows in expected.items():
        assert s3_table_rows(s3_env, table_url, version) == rows, f"version {version}"
    out.assert_no_secret(s3_env["AWS_SECRET_ACCESS_KEY"])
    record("faults-ingest", requests=requests, injected=sum(v for k, v in counts.items() if k != "forwarded"),
           counts=counts, versions=len(expected), rate=RATE)


@pytest.mark.parametrize("faults", [("500", "503"), ("reset",), ("stall",), ("500", "503", "reset", "stall")])
def test_100pct_faults_fail_clearly_within_deadline_and_commit_nothing(lakectl, s3_env, s3_prefix, tmp_path, faults):
    s3 = s3_client(s3_env)
    bucket = s3_env["bucket"]
    schema = tmp_path / "schema.json"
    write_schema(schema)
    stream = Stream(seed=5)
    dms_url = f"{s3_prefix}/dms/public/orders"
    s3.put_object(Bucket=bucket, Key=f"{_key(s3_env, dms_url)}/{cdc_name(0)}", Body=stream.batch(50).encode())
    # a first version without faults, so "nothing partial" is checked against an existing table
    env0 = lakectl_env(s3_env, s3_env["AWS_ENDPOINT_URL"])
    first = lakectl("compact", s3_prefix, "--table", TABLE, "--from", dms_url, "--schema", schema, env=env0)
    assert first.returncode == 0, first.stderr
    before_rows = stream.expected()
    s3.put_object(Bucket=bucket, Key=f"{_key(s3_env, dms_url)}/{cdc_name(1)}", Body=stream.batch(50).encode())
    before = sorted(_list(s3, bucket, f"{_key(s3_env, s3_prefix)}/tables/public/orders/_delta_log/"))
    deadline = 4.0
    with FaultProxy(s3_env["AWS_ENDPOINT_URL"], rate=1.0, seed=7, faults=faults, stall_seconds=60) as proxy:
        env = lakectl_env(s3_env, proxy.url)
        started = time.monotonic()
        run = lakectl("compact", s3_prefix, "--table", TABLE, "--from", dms_url, "--schema", schema,
                      "--timeout", str(deadline), env=env, timeout=120)
        elapsed = time.monotonic() - started
        src = tmp_path / "in.csv"
        write_schema(tmp_path / "plain.json", plain=True)
        src.write_text(stream.batch(10, plain=True), encoding="utf-8")
        t0 = time.monotonic()
        ing = lakectl("ingest", s3_prefix, "--format", "dms-csv", "--schema", tmp_path / "plain.json", "--table",
                      TABLE, "--timeout", str(deadline), src, env=env, timeout=120)
        ing_elapsed = time.monotonic() - t0
        injected = proxy.injected
    for proc, took in ((run, elapsed), (ing, ing_elapsed)):
        assert proc.returncode not in (0,) and proc.returncode > 0, proc.stderr  # an error exit, not a signal
        lines = one_line_error(proc.stderr)
        assert lines, proc.stderr
        assert s3_env["AWS_SECRET_ACCESS_KEY"] not in proc.stderr + proc.stdout
        # the deadline holds per request; a command makes a few requests in sequence before giving up
        assert took < deadline * 4 + 10, f"took {took:.1f}s with --timeout {deadline}"
    after = sorted(_list(s3, bucket, f"{_key(s3_env, s3_prefix)}/tables/public/orders/_delta_log/"))
    assert after == before, "a commit landed through 100% faults"
    assert not _list(s3, bucket, f"{_key(s3_env, s3_prefix)}/changes/public/orders/_changelog/")
    assert s3_table_rows(s3_env, f"{s3_prefix}/tables/public/orders") == before_rows
    record("faults-100pct", faults=list(faults), injected=injected, compact_seconds=round(elapsed, 1),
           ingest_seconds=round(ing_elapsed, 1), deadline=deadline)
