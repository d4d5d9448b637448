"""lakectl compact (issue 6): DMS folders compacted into Delta tables, checked against SQLite."""
import os
import random
import signal
import subprocess
import time

import pytest

from compact_oracle import DATA, Stream, normalise, random_row, table_rows, text, write_schema

TABLE = "public.orders"


def table_path(lake):
    return lake / "tables" / "public" / "orders"


def compact(lakectl, lake, dms, schema, *extra):
    return lakectl("compact", lake, "--table", TABLE, "--from", dms, "--schema", schema, "--partition-by", "region",
                   "--json", *extra, check=True)


def cdc_name(i):
    # 3- and 4-digit fractions alternate: names must be compared as times, not strings.
    return f"20240612-10{i // 60:02d}{i % 60:02d}{'123' if i % 2 else '1230'}.csv"


def test_oracle_every_version(lakectl, tmp_path):
    """Random batches (inserts, updates, deletes, absent-key deletes, key changes, several changes
    per key within and across batches, nulls and unicode in every type), compacted after each; the
    table at every version equals SQLite after the same batches."""
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=7)
    expected_by_version = {}
    for i in range(8):
        folder = dms / "2024" / "06" / "12" if i % 2 else dms
        folder.mkdir(parents=True, exist_ok=True)
        (folder / cdc_name(i)).write_text(stream.batch(random.Random(i).randint(1, 120)), encoding="utf-8")
        out = compact(lakectl, lake, dms, schema)
        version = int(__import__("json").loads(out.stdout)["version"])
        expected_by_version[version] = stream.expected()
    for version, expected in expected_by_version.items():
        assert table_rows(table_path(lake), version) == expected, f"version {version}"
    # A rerun finds nothing new and commits nothing.
    out = compact(lakectl, lake, dms, schema)
    assert '"version"' not in out.stdout


def test_late_file_with_older_name_applies_once(lakectl, tmp_path):
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=11)
    (dms / "20240612-120000000.csv").write_text(stream.batch(40), encoding="utf-8")
    compact(lakectl, lake, dms, schema)
    # A file that lands after the run, named earlier than the one already applied.
    (dms / "20240612-110000000.csv").write_text(stream.batch(40), encoding="utf-8")
    compact(lakectl, lake, dms, schema)
    compact(lakectl, lake, dms, schema)
    assert table_rows(table_path(lake)) == stream.expected()


def test_kill_9_then_rerun_is_exactly_once(lakectl, lakectl_bin, tmp_path):
    """kill -9 of compact at 20 random moments (a new batch lands before each), then a rerun: the
    table equals the oracle, no duplicate, no lost row."""
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=3, keys=200)
    rng = random.Random(5)
    args = [lakectl_bin, "compact", str(lake), "--table", TABLE, "--from", str(dms), "--schema", str(schema),
            "--partition-by", "region"]
    for i in range(20):
        (dms / cdc_name(i)).write_text(stream.batch(rng.randint(20, 150)), encoding="utf-8")
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    compact(lakectl, lake, dms, schema)
    rows = table_rows(table_path(lake))
    assert len({r[0] for r in rows}) == len(rows), "duplicate keys"
    assert rows == stream.expected()


def test_two_compactors_at_once(lakectl_bin, lakectl, tmp_path):
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=21, keys=150)
    args = [lakectl_bin, "compact", str(lake), "--table", TABLE, "--from", str(dms), "--schema", str(schema),
            "--partition-by", "region"]
    for round_ in range(3):
        for j in range(3):
            (dms / cdc_name(round_ * 3 + j)).write_text(stream.batch(80), encoding="utf-8")
        procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    compact(lakectl, lake, dms, schema)
    rows = table_rows(table_path(lake))
    assert len({r[0] for r in rows}) == len(rows), "duplicate keys"
    assert rows == stream.expected()


def test_oracle_through_lakectl_ingest(lakectl, tmp_path):
    """The same random streams fed through `lakectl ingest --format dms-csv` (change files + change
    log), compacted after each batch: the table equals SQLite at every version."""
    lake, schema = tmp_path / "lake", tmp_path / "schema.json"
    write_schema(schema, plain=True)
    stream = Stream(seed=13)
    expected_by_version = {}
    for i in range(5):
        batch = tmp_path / f"batch{i}.csv"
        batch.write_text(stream.batch(random.Random(100 + i).randint(1, 100), plain=True), encoding="utf-8")
        lakectl("ingest", lake, "--format", "dms-csv", "--table", TABLE, "--schema", schema, "--key", "id",
                *(["--file-format", "csv"] if i % 2 else []), batch, check=True)
        out = lakectl("compact", lake, "--table", TABLE, "--partition-by", "region", "--json", check=True)
        expected_by_version[int(__import__("json").loads(out.stdout)["version"])] = stream.expected()
    for version, expected in expected_by_version.items():
        assert table_rows(table_path(lake), version) == expected, f"version {version}"


def test_ingest_csv_change_files_keep_empty_binary(lakectl, tmp_path):
    lake, schema = tmp_path / "lake", tmp_path / "schema.json"
    schema.write_text('{"columns": [{"name": "Op", "type": "string"}, {"name": "ts", "type": "string"}, '
                      '{"name": "id", "type": "long"}, {"name": "b", "type": "binary"}], "key": ["id"], '
                      '"op": "Op", "timestamp": "ts"}')
    batch = tmp_path / "b.csv"
    batch.write_text('I,2024-06-12 10:00:00.000000,1,""\n')
    lakectl("ingest", lake, "--format", "dms-csv", "--table", TABLE, "--schema", schema, "--compression", "none",
            "--file-format", "csv", batch, check=True)
    lakectl("compact", lake, "--table", TABLE, check=True)
    from deltalake import DeltaTable
    assert DeltaTable(str(table_path(lake))).to_pyarrow_table().to_pylist() == [{"id": 1, "b": b""}]


def test_memory_budget_splits_a_backlog_into_rounds(lakectl, tmp_path):
    """A backlog larger than the budget is applied in several commits (one file each here) that end
    equal to the oracle."""
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=17)
    for i in range(4):
        (dms / cdc_name(i)).write_text(stream.batch(60), encoding="utf-8")
    out = compact(lakectl, lake, dms, schema, "--memory-budget", "1K")
    summary = __import__("json").loads(out.stdout)
    assert summary["rounds"] == 4 and summary["sourceFiles"] == 4
    assert table_rows(table_path(lake)) == stream.expected()


def test_dms_folder_and_lake_on_s3(lakectl, s3_env, s3_prefix, tmp_path):
    """The DMS folder and the lake both on the test S3 server; deltalake reads the table from S3."""
    import boto3
    env = {k: v for k, v in s3_env.items() if k.startswith("AWS_")}
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_REGION"])
    bucket = s3_env["bucket"]
    prefix = s3_prefix[len(f"s3://{bucket}/"):]
    schema = tmp_path / "schema.json"
    write_schema(schema)
    stream = Stream(seed=31)
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/dms/public/orders/{cdc_name(i)}", Body=stream.batch(50).encode())
        lakectl("compact", f"{s3_prefix}/lake", "--table", TABLE, "--from", f"{s3_prefix}/dms/public/orders",
                "--schema", schema, "--partition-by", "region", env=env, check=True)
    from deltalake import DeltaTable
    options = {"AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"], "AWS_ALLOW_HTTP": "true", "AWS_REGION": env["AWS_REGION"],
               "AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"]}
    dt = DeltaTable(f"{s3_prefix}/lake/tables/public/orders", storage_options=options)
    assert dt.version() == 3
    assert normalise(dt.to_pyarrow_table()) == stream.expected()


def test_optimize_bin_packs_small_files_without_changing_rows(lakectl, tmp_path):
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=41)
    # Appends of new keys only: no existing file is rewritten, so every run adds small files.
    for i in range(6):
        lines = []
        for key in range(i * 100, i * 100 + 50):
            row = random_row(stream.rng, key)
            stream.apply("I", row, None)
            lines.append(",".join(["I", ""] + [text(c, row.get(c)) for c in DATA] + [str(key), ""]))
        (dms / cdc_name(i)).write_text("\n".join(lines) + "\n", encoding="utf-8")
        compact(lakectl, lake, dms, schema)
    from deltalake import DeltaTable
    before = DeltaTable(str(table_path(lake)))
    files_before = len(before.file_uris())
    out = lakectl("compact", lake, "--table", TABLE, "--optimize", "--json", check=True)
    summary = __import__("json").loads(out.stdout)
    after = DeltaTable(str(table_path(lake)))
    assert summary["filesRemoved"] > summary["filesAdded"] >= 1
    assert len(after.file_uris()) < files_before
    assert table_rows(table_path(lake)) == stream.expected()
    assert after.history(1)[0]["operation"] == "OPTIMIZE"
    log = (table_path(lake) / "_delta_log" / f"{after.version():020d}.json").read_text()
    actions = [__import__("json").loads(l) for l in log.splitlines()]
    assert all(a[k]["dataChange"] is False for a in actions for k in ("add", "remove") if k in a)


def test_every_runs_periodically_until_sigterm(lakectl_bin, tmp_path):
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=51)
    proc = subprocess.Popen([lakectl_bin, "compact", str(lake), "--table", TABLE, "--from", str(dms), "--schema", str(schema),
                             "--every", "200ms", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for i in range(2):
            (dms / cdc_name(i)).write_text(stream.batch(30), encoding="utf-8")
            deadline = time.time() + 30
            while time.time() < deadline:
                log = table_path(lake) / "_delta_log" / f"{i + 1:020d}.json"
                if log.exists():
                    break
                time.sleep(0.1)
            assert log.exists(), f"batch {i} was not compacted by the periodic run"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert table_rows(table_path(lake)) == stream.expected()
