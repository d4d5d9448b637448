"""Delta tables on the test S3 server (SeaweedFS): lakectl commits from 8 processes at once, and
deltalake reads the result; a lakectl table on S3 reads identically in deltalake."""
import json
import subprocess

import pytest
from deltalake import DeltaTable

from test_delta import SCHEMA, _oracle_rows, _row, _rows, _write_jsonl


def _storage_options(s3_env):
    return {"AWS_ENDPOINT_URL": s3_env["AWS_ENDPOINT_URL"], "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": s3_env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": s3_env["AWS_SECRET_ACCESS_KEY"],
            "AWS_REGION": s3_env["AWS_REGION"]}


def test_concurrent_processes_on_s3(lakectl_bin, tmp_path, s3_env, s3_prefix):
    env = {**__import__("os").environ, **{k: v for k, v in s3_env.items() if k != "bucket"}}
    table = f"{s3_prefix}/race"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    subprocess.run([lakectl_bin, "table", "create", table, "--schema", schema, "--partition-by", "region",
                    "--property", "delta.checkpointInterval=5"], check=True, env=env)
    writers, commits = 8, 2
    procs, all_rows = [], []
    for w in range(writers):
        files = []
        for c in range(commits):
            rows = [_row(w * 1000 + c * 10 + k, f"w{w}") for k in range(2)]
            all_rows += rows
            f = tmp_path / f"w{w}-{c}.jsonl"
            _write_jsonl(f, rows)
            files.append(f)
        script = " && ".join(f"'{lakectl_bin}' table append '{table}' '{f}'" for f in files)
        procs.append(subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env))
    while any(p.poll() is None for p in procs):
        out = subprocess.run([lakectl_bin, "table", "describe", table, "--json"], capture_output=True, text=True, env=env)
        if out.returncode == 0:
            d = json.loads(out.stdout)
            assert d.get("numRecords", 0) == 2 * d["version"]
    for p in procs:
        _, err = p.communicate()
        assert p.returncode == 0, err
    dt = DeltaTable(table, storage_options=_storage_options(s3_env))
    assert dt.version() == writers * commits
    assert sorted(h["version"] for h in dt.history()) == list(range(writers * commits + 1))
    columns = [c["name"] for c in SCHEMA["columns"]]
    assert _rows(dt.to_pyarrow_table(), columns) == _oracle_rows(all_rows, columns)
    scan = tmp_path / "scan.parquet"
    subprocess.run([lakectl_bin, "scan", table, "--format", "parquet", "--output", scan], check=True, env=env)
    import pyarrow.parquet as pq
    assert _rows(pq.read_table(scan), columns) == _oracle_rows(all_rows, columns)
