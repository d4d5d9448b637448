"""Delta Lake interop: tables lakectl writes read identically by deltalake (delta-rs) and DuckDB at
every version, tables deltalake writes read identically by lakectl, and the shared reference tables
replay to the same files and rows. Expectations come from the reference readers, never hard-coded."""
import datetime
import decimal
import json
import os
import pathlib
import subprocess
import sys
import uuid

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

SCHEMA = {
    "columns": [
        {"name": "id", "type": "long", "nullable": False},
        {"name": "region", "type": "string"},
        {"name": "amount", "type": "decimal(10,2)"},
        {"name": "ts", "type": "timestamp"},
        {"name": "day", "type": "date"},
        {"name": "note", "type": "string"},
        {"name": "score", "type": "double"},
    ]
}

# Partition values that must not escape the table folder or confuse readers.
REGIONS = ["eu", "us west", None, "a/b", "..", "x=y", "100%", "é日本", "q?#&", ""]


def _row(i, region):
    return {
        "id": i,
        "region": region,
        "amount": None if i % 7 == 0 else f"{(i * 37) % 10000 / 100:.2f}",
        "ts": None if i % 5 == 0 else (datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
                                      + datetime.timedelta(seconds=i * 3601, microseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "day": (datetime.date(1969, 12, 1) + datetime.timedelta(days=i * 3)).isoformat(),
        "note": None if i % 4 == 0 else f"note {i} ✓ \"q\", {'x' * (i % 40)}",
        "score": i / 3,
    }


def _write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def _normalize(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _rows(table: pa.Table, columns):
    rows = [tuple(_normalize(r[c]) for c in columns) for r in table.to_pylist()]
    return sorted(rows, key=repr)


def _oracle_rows(rows, columns):
    """Rows as the JSON input gives them, normalized like the readers' output."""
    out = []
    for r in rows:
        vals = []
        for c in columns:
            v = r[c]
            if c == "ts" and v is not None:
                v = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ").isoformat()
            if c == "region" and v == "":
                v = None  # an empty partition value is null (Delta protocol)
            vals.append(v)
        out.append(tuple(vals))
    return sorted(out, key=repr)


def _lakectl_rows(lakectl, tmp_path, table, version, columns):
    out = tmp_path / f"scan-{uuid.uuid4().hex}.parquet"
    lakectl("scan", table, "--version", version, "--format", "parquet", "--output", out, check=True)
    return _rows(pq.read_table(out), columns)


def _deltalake_rows(table, version, columns):
    return _rows(DeltaTable(str(table), version=version).to_pyarrow_table(), columns)


def _duckdb_rows(table, version, columns, partition_columns):
    """DuckDB over exactly the files delta-rs lists, with partition values from the log."""
    dt = DeltaTable(str(table), version=version)
    actions = dt.get_add_actions(flatten=True)
    actions = pa.table(actions) if not isinstance(actions, pa.Table) else actions
    paths = actions.column("path").to_pylist()
    parts = {c: actions.column(f"partition.{c}").to_pylist() for c in partition_columns}
    uris = {pathlib.Path(u).name: u for u in dt.file_uris()}
    con = duckdb.connect()
    rows = []
    for i, p in enumerate(paths):
        uri = uris[pathlib.PurePosixPath(p).name]
        data_cols = [c for c in columns if c not in partition_columns]
        t = con.execute(f"select {', '.join(data_cols)} from read_parquet(?)", [uri]).to_arrow_table()
        for r in t.to_pylist():
            for c in partition_columns:
                r[c] = parts[c][i]
            rows.append(tuple(_normalize(r[c]) for c in columns))
    return sorted(rows, key=repr)


def _history(lakectl, table):
    return json.loads(lakectl("table", "history", table, "--json", check=True).stdout)


def test_lakectl_tables_read_by_deltalake_and_duckdb_at_every_version(lakectl, tmp_path):
    table = tmp_path / "orders"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    columns = [c["name"] for c in SCHEMA["columns"]]
    lakectl("table", "create", table, "--schema", schema, "--partition-by", "region", "--key", "id",
            "--property", "delta.checkpointInterval=5", check=True)

    live = []  # the oracle: rows expected at each version
    expected = {0: []}
    next_id = 1
    version = 0

    def append(rows, *extra):
        nonlocal version
        f = tmp_path / f"batch-{uuid.uuid4().hex}.jsonl"
        _write_jsonl(f, rows)
        lakectl("table", "append", table, f, *extra, check=True)
        version += 1

    for batch in range(4):  # appends across every hostile partition value
        rows = [_row(next_id + k, REGIONS[(next_id + k) % len(REGIONS)]) for k in range(12)]
        next_id += 12
        append(rows)
        live += rows
        expected[version] = list(live)
    # Rewrite one partition (overwrite where region = 'eu').
    rows = [_row(next_id + k, "eu") for k in range(3)]
    next_id += 3
    append(rows, "--mode", "overwrite", "--where", "region=eu")
    live = [r for r in live if r["region"] != "eu"] + rows
    expected[version] = list(live)
    # Rewrite the null partition.
    rows = [_row(next_id + k, None) for k in range(2)]
    next_id += 2
    append(rows, "--mode", "overwrite", "--where", "region=NULL")
    live = [r for r in live if r["region"] not in (None, "")] + rows
    expected[version] = list(live)
    # Explicit checkpoint, then more commits past an automatic one, then a full overwrite.
    lakectl("table", "checkpoint", table, check=True)
    for batch in range(4):
        rows = [_row(next_id + k, REGIONS[k % 3]) for k in range(5)]
        next_id += 5
        append(rows)
        live += rows
        expected[version] = list(live)
    rows = [_row(next_id + k, REGIONS[k % len(REGIONS)]) for k in range(6)]
    next_id += 6
    append(rows, "--mode", "overwrite")
    live = list(rows)
    expected[version] = list(live)
    # Exactly once: the same txn version twice commits once.
    rows = [_row(next_id, "eu")]
    next_id += 1
    append(rows, "--txn-app-id", "loader", "--txn-version", "1")
    live += rows
    expected[version] = list(live)
    f = tmp_path / "again.jsonl"
    _write_jsonl(f, rows)
    out = lakectl("table", "append", table, f, "--txn-app-id", "loader", "--txn-version", "1", check=True)
    assert "skipped" in out.stdout

    log = sorted(p.name for p in (table / "_delta_log").iterdir())
    assert any(n.endswith(".checkpoint.parquet") for n in log), log
    assert "_last_checkpoint" in log

    dt = DeltaTable(str(table))
    assert dt.version() == version
    assert dt.transaction_version("loader") == 1
    for v in range(version + 1):
        want = _oracle_rows(expected[v], columns)
        assert _deltalake_rows(table, v, columns) == want, f"deltalake differs at version {v}"
        assert _lakectl_rows(lakectl, tmp_path, table, v, columns) == want, f"lakectl differs at version {v}"
        if v > 0:
            assert _duckdb_rows(table, v, columns, ["region"]) == want, f"duckdb differs at version {v}"
        # Same live file set.
        files = lakectl("table", "files", table, "--version", v, check=True).stdout.split()
        uris = DeltaTable(str(table), version=v).file_uris()
        assert sorted(str(table / f) for f in files) == sorted(uris)

    # History and version agree.
    ours = _history(lakectl, table)
    theirs = dt.history()
    assert [h["version"] for h in ours] == [h["version"] for h in theirs]
    assert [h["operation"] for h in ours] == [h["operation"] for h in theirs]
    assert [h["timestamp"] for h in ours] == [h["timestamp"] for h in theirs]
    # Statistics are exact: delta-rs' count sums numRecords.
    assert dt.count() == len(live)
    describe = json.loads(lakectl("table", "describe", table, "--json", check=True).stdout)
    assert describe["numRecords"] == len(live)
    assert describe["version"] == version


def test_lakectl_stats_match_pyarrow(lakectl, tmp_path):
    table = tmp_path / "t"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    lakectl("table", "create", table, "--schema", schema, check=True)
    rows = [_row(i, REGIONS[i % 3]) for i in range(1, 60)]
    f = tmp_path / "rows.jsonl"
    _write_jsonl(f, rows)
    lakectl("table", "append", table, f, check=True)
    files = [json.loads(line) for line in lakectl("table", "files", table, "--json", check=True).stdout.splitlines()]
    assert len(files) == 1
    stats = json.loads(files[0]["stats"])
    data = pq.read_table(table / files[0]["path"])
    assert stats["numRecords"] == data.num_rows
    assert files[0]["size"] == (table / files[0]["path"]).stat().st_size
    import pyarrow.compute as pc
    for name in ["id", "amount", "score", "region"]:
        col = data.column(name)
        assert stats["nullCount"][name] == col.null_count
        mm = pc.min_max(col).as_py()
        if name == "amount":
            assert decimal.Decimal(str(stats["minValues"][name])) == mm["min"]
            assert decimal.Decimal(str(stats["maxValues"][name])) == mm["max"]
        else:
            assert stats["minValues"][name] == mm["min"]
            assert stats["maxValues"][name] == mm["max"]
    assert stats["minValues"]["day"] == pc.min_max(data.column("day")).as_py()["min"].isoformat()


def _deltalake_written_table(path):
    """Appends, overwrites, a merge, partitions and a checkpoint, by delta-rs."""
    def batch(start, n, region_of):
        return pa.table({
            "id": pa.array(range(start, start + n), pa.int64()),
            "region": pa.array([region_of(i) for i in range(start, start + n)], pa.string()),
            "amount": pa.array([decimal.Decimal(i) / 4 for i in range(start, start + n)], pa.decimal128(10, 2)),
            "ts": pa.array([datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=i)
                            for i in range(start, start + n)], pa.timestamp("us", tz="UTC")),
            "name": pa.array([None if i % 3 == 0 else f"n{i}" for i in range(start, start + n)], pa.string()),
        })

    regions = lambda i: ["eu", "us", None, "a b"][i % 4]
    write_deltalake(path, batch(0, 20, regions), partition_by=["region"])
    write_deltalake(path, batch(20, 10, regions), mode="append")
    write_deltalake(path, batch(100, 5, lambda i: "eu"), mode="overwrite", predicate="region = 'eu'")
    dt = DeltaTable(path)
    source = batch(25, 10, regions)
    (dt.merge(source, predicate="t.id = s.id", source_alias="s", target_alias="t")
       .when_matched_update_all().when_not_matched_insert_all().execute())
    DeltaTable(path).create_checkpoint()
    write_deltalake(path, batch(200, 7, regions), mode="append")
    dt = DeltaTable(path)
    dt.delete("id % 2 = 0 and region = 'us'")
    write_deltalake(path, batch(300, 4, regions), mode="overwrite")
    return DeltaTable(path).version()


def test_deltalake_tables_read_by_lakectl_at_every_version(lakectl, tmp_path):
    path = str(tmp_path / "dl")
    latest = _deltalake_written_table(path)
    columns = ["id", "region", "amount", "ts", "name"]
    for v in range(latest + 1):
        want = _deltalake_rows(path, v, columns)
        assert _lakectl_rows(lakectl, tmp_path, path, v, columns) == want, f"version {v}"
        files = lakectl("table", "files", path, "--version", v, check=True).stdout.split()
        assert sorted(str(pathlib.Path(path) / f) for f in files) == sorted(DeltaTable(path, version=v).file_uris())
    ours = _history(lakectl, path)
    assert [h["version"] for h in ours] == [h["version"] for h in DeltaTable(path).history()]
    # lakectl can keep writing a delta-rs table, and delta-rs reads the result.
    f = tmp_path / "more.jsonl"
    _write_jsonl(f, [{"id": 999, "region": "eu", "amount": "1.25", "ts": "2024-05-01T00:00:00Z", "name": "x"}])
    lakectl("table", "append", path, f, check=True)
    assert DeltaTable(path).version() == latest + 1
    assert _deltalake_rows(path, latest + 1, columns) == _lakectl_rows(lakectl, tmp_path, path, latest + 1, columns)


def _pyarrow_reference(dt):
    """The rows of the files a DeltaTable lists, read by pyarrow, with partition values from the log."""
    actions = dt.get_add_actions(flatten=True)
    actions = pa.table(actions) if not isinstance(actions, pa.Table) else actions
    part_cols = [c for c in actions.column_names if c.startswith("partition.")]
    uris = {pathlib.Path(u).name: u for u in dt.file_uris()}
    tables = []
    for i, p in enumerate(actions.column("path").to_pylist()):
        t = pq.read_table(uris[pathlib.PurePosixPath(p).name], coerce_int96_timestamp_unit="us")
        for c in part_cols:
            t = t.append_column(c[len("partition."):], pa.array([actions.column(c)[i].as_py()] * t.num_rows))
        tables.append(t)
    return pa.concat_tables(tables, promote_options="permissive")


def _shared_tables(shared_testdata):
    root = shared_testdata / "delta-tables"
    return sorted(p for p in root.iterdir() if (p / "_delta_log").is_dir())


def test_shared_reference_tables_replay_like_deltalake(lakectl, tmp_path, shared_testdata):
    tables = _shared_tables(shared_testdata)
    assert tables
    for table in tables:
        try:
            dt = DeltaTable(str(table))
        except Exception as error:  # deltalake itself cannot open it: nothing to compare against
            print(f"{table.name}: deltalake cannot open it ({error}); skipped", file=sys.stderr)
            continue
        for v in range(dt.version() + 1):
            try:
                ref = DeltaTable(str(table), version=v)
            except Exception:
                continue  # versions delta-rs cannot load (log cleaned before a checkpoint)
            want_files = sorted(ref.file_uris())
            out = lakectl("table", "files", table, "--version", v)
            assert out.returncode == 0, f"{table.name} v{v}: {out.stderr}"
            got = sorted(str(table / f) for f in out.stdout.split("\n") if f)
            assert got == want_files, f"{table.name} v{v}"
            if want_files and all(os.path.exists(f) for f in want_files):
                try:
                    want = ref.to_pyarrow_table()
                except Exception:
                    # delta-rs cannot convert some values (INT96 timestamps in year 9999 overflow its
                    # nanoseconds): read the files it lists with pyarrow instead, in microseconds.
                    want = _pyarrow_reference(ref)
                cols = want.column_names
                scan = tmp_path / f"{table.name}-{v}.parquet"
                res = lakectl("scan", table, "--version", v, "--format", "parquet", "--output", scan)
                assert res.returncode == 0, f"{table.name} v{v}: {res.stderr}"
                assert _rows(pq.read_table(scan), cols) == _rows(want, cols), f"{table.name} v{v} rows"


def test_concurrent_processes_commit_every_version_once(lakectl_bin, tmp_path):
    table = tmp_path / "race"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    subprocess.run([lakectl_bin, "table", "create", table, "--schema", schema, "--partition-by", "region",
                    "--property", "delta.checkpointInterval=4"], check=True)
    procs = []
    writers, commits = 8, 3
    all_rows = []
    for w in range(writers):
        files = []
        for c in range(commits):
            rows = [_row(w * 1000 + c * 10 + k, f"w{w}") for k in range(3)]
            all_rows += rows
            f = tmp_path / f"w{w}-{c}.jsonl"
            _write_jsonl(f, rows)
            files.append(f)
        script = " && ".join(f"'{lakectl_bin}' table append '{table}' '{f}'" for f in files)
        procs.append(subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    # A reader polling meanwhile never sees a partial commit: rows always come in whole batches of 3.
    polls = 0
    while any(p.poll() is None for p in procs):
        out = subprocess.run([lakectl_bin, "table", "describe", table, "--json"], capture_output=True, text=True)
        if out.returncode == 0:
            d = json.loads(out.stdout)
            assert d.get("numRecords", 0) == 3 * d["version"]
            polls += 1
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
    dt = DeltaTable(str(table))
    assert dt.version() == writers * commits
    versions = sorted(h["version"] for h in dt.history())
    assert versions == list(range(writers * commits + 1))
    columns = [c["name"] for c in SCHEMA["columns"]]
    assert _rows(dt.to_pyarrow_table(), columns) == _oracle_rows(all_rows, columns)


def test_lakectl_checkpoints_replace_the_json_for_deltalake(lakectl, tmp_path):
    """With the JSON before a lakectl checkpoint deleted, delta-rs (and lakectl) still load the
    same table from the checkpoint alone: files, txn versions, metadata, protocol, rows."""
    import shutil
    table = tmp_path / "t"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    lakectl("table", "create", table, "--schema", schema, "--partition-by", "region", check=True)
    for i in range(1, 13):
        f = tmp_path / f"b{i}.jsonl"
        _write_jsonl(f, [_row(i, REGIONS[i % len(REGIONS)])])
        lakectl("table", "append", table, f, "--txn-app-id", "app", "--txn-version", i, check=True)
    f = tmp_path / "ow.jsonl"
    _write_jsonl(f, [_row(100, "eu")])
    lakectl("table", "append", table, f, "--mode", "overwrite", "--where", "region=eu", check=True)
    assert (table / "_delta_log" / "00000000000000000010.checkpoint.parquet").exists()
    assert json.loads((table / "_delta_log" / "_last_checkpoint").read_text())["version"] == 10
    pruned = tmp_path / "pruned"
    shutil.copytree(table, pruned)
    for v in range(10):
        (pruned / "_delta_log" / f"{v:020d}.json").unlink()
    columns = [c["name"] for c in SCHEMA["columns"]]
    full, cut = DeltaTable(str(table)), DeltaTable(str(pruned))
    assert cut.version() == full.version()
    assert cut.transaction_version("app") == full.transaction_version("app") == 12
    assert cut.metadata().partition_columns == ["region"]
    for v in range(10, full.version() + 1):
        want = _deltalake_rows(table, v, columns)
        assert _deltalake_rows(pruned, v, columns) == want
        assert _lakectl_rows(lakectl, tmp_path, pruned, v, columns) == want
    # lakectl cannot (and says so) load a version the checkpoint does not cover.
    out = lakectl("scan", pruned, "--version", 3)
    assert out.returncode != 0 and "version" in out.stderr


def test_timestamp_ntz_opt_in(lakectl, tmp_path):
    table = tmp_path / "ntz"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"columns": [{"name": "id", "type": "long"}, {"name": "at", "type": "timestamp_ntz"}]}))
    # Default: stored as UTC timestamp, protocol 1/2.
    lakectl("table", "create", tmp_path / "utc", "--schema", schema, check=True)
    assert DeltaTable(str(tmp_path / "utc")).protocol().min_reader_version == 1
    assert "timestamp_ntz" not in DeltaTable(str(tmp_path / "utc")).schema().to_json()
    lakectl("table", "create", table, "--schema", schema, "--timestamp-ntz", check=True)
    f = tmp_path / "rows.jsonl"
    _write_jsonl(f, [{"id": 1, "at": "2024-03-01T12:34:56.123456"}, {"id": 2, "at": None}])
    lakectl("table", "append", table, f, check=True)
    dt = DeltaTable(str(table))
    p = dt.protocol()
    assert (p.min_reader_version, p.min_writer_version) == (3, 7)
    assert "timestampNtz" in p.reader_features and "timestampNtz" in p.writer_features
    t = dt.to_pyarrow_table()
    assert t.schema.field("at").type == pa.timestamp("us")
    assert _rows(t, ["id", "at"]) == _lakectl_rows(lakectl, tmp_path, table, 1, ["id", "at"])
    assert sorted(r["at"] for r in t.to_pylist() if r["at"]) == [datetime.datetime(2024, 3, 1, 12, 34, 56, 123456)]


def test_time_travel_by_timestamp_and_vacuum(lakectl, tmp_path):
    import time
    table = tmp_path / "tt"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    lakectl("table", "create", table, "--schema", schema, check=True)
    stamps = []
    for i in range(1, 4):
        time.sleep(0.05)
        f = tmp_path / f"b{i}.jsonl"
        _write_jsonl(f, [_row(i, "eu")])
        lakectl("table", "append", table, f, "--mode", "overwrite" if i == 3 else "append", check=True)
        stamps.append(int((table / "_delta_log" / f"{i:020d}.json").stat().st_mtime * 1000))
    columns = [c["name"] for c in SCHEMA["columns"]]
    for v, ms in enumerate(stamps, start=1):
        out = tmp_path / f"at{v}.parquet"
        lakectl("scan", table, "--timestamp", ms, "--format", "parquet", "--output", out, check=True)
        ref = DeltaTable(str(table))
        ref.load_as_version(datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc))
        assert _rows(pq.read_table(out), columns) == _rows(ref.to_pyarrow_table(), columns)
        assert _rows(pq.read_table(out), columns) == _deltalake_rows(table, v, columns)
    # Vacuum: dry run by default; with zero retention and no grace the two removed files go.
    before = sorted(p for p in table.rglob("*.parquet") if "_delta_log" not in p.parts)
    dry = lakectl("table", "vacuum", table, "--retain-hours", 0, "--grace-minutes", 0, check=True)
    assert "would delete 2 files" in dry.stdout
    assert sorted(p for p in table.rglob("*.parquet") if "_delta_log" not in p.parts) == before
    done = lakectl("table", "vacuum", table, "--retain-hours", 0, "--grace-minutes", 0, "--execute", check=True)
    assert "deleted 2 files" in done.stdout
    assert _deltalake_rows(table, 3, columns) == _lakectl_rows(lakectl, tmp_path, table, 3, columns)
    assert len(DeltaTable(str(table)).file_uris()) == 1
    # The default retention (7 days) keeps everything recent.
    assert "would delete 0 files" in lakectl("table", "vacuum", table, check=True).stdout


def test_conflicting_concurrent_overwrites_fail_cleanly(lakectl_bin, tmp_path):
    """Whole-table overwrites racing: each either commits or fails with a conflict error that says
    what to do; the table ends as exactly one winner's rows, and no version is written twice."""
    table = tmp_path / "ow"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    subprocess.run([lakectl_bin, "table", "create", table, "--schema", schema], check=True)
    seed = tmp_path / "seed.jsonl"
    _write_jsonl(seed, [_row(0, "eu")])
    subprocess.run([lakectl_bin, "table", "append", table, seed], check=True)
    procs = []
    for w in range(6):
        f = tmp_path / f"w{w}.jsonl"
        _write_jsonl(f, [_row(w * 100 + k, "eu") for k in range(1, 3)])
        procs.append(subprocess.Popen([lakectl_bin, "table", "append", table, f, "--mode", "overwrite"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    winners = []
    for w, p in enumerate(procs):
        out, err = p.communicate()
        if p.returncode == 0:
            winners.append((int(out.split("version ")[1].split(":")[0]), w))
        else:
            assert err.startswith("lakectl: ") and "conflict" in err.lower() and "help:" in err, err
    assert winners
    dt = DeltaTable(str(table))
    assert dt.version() == 1 + len(winners)
    assert sorted(v for v, _ in winners) == list(range(2, 2 + len(winners)))
    last = max(winners)[1]
    ids = sorted(r["id"] for r in dt.to_pyarrow_table().to_pylist())
    assert ids == [last * 100 + 1, last * 100 + 2]


def test_append_parquet_input(lakectl, tmp_path):
    table = tmp_path / "pq"
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"columns": [{"name": "id", "type": "long", "nullable": False},
                                              {"name": "region", "type": "string"}, {"name": "v", "type": "double"}]}))
    lakectl("table", "create", table, "--schema", schema, "--partition-by", "region", check=True)
    src = pa.table({"v": pa.array([1.5, None, 3.0], pa.float32()), "id": pa.array([1, 2, 3], pa.int32()),
                    "region": ["a", None, "a"]})
    f = tmp_path / "in.parquet"
    pq.write_table(src, f, compression="none")
    lakectl("table", "append", table, f, check=True)
    got = _deltalake_rows(table, 1, ["id", "region", "v"])
    assert got == sorted([(1, "a", 1.5), (2, None, None), (3, "a", 3.0)], key=repr)
    assert _lakectl_rows(lakectl, tmp_path, table, 1, ["id", "region", "v"]) == got
    # A file missing a table column is refused with a clear message.
    pq.write_table(pa.table({"id": pa.array([9], pa.int64())}), tmp_path / "bad.parquet", compression="none")
    out = lakectl("table", "append", table, tmp_path / "bad.parquet")
    assert out.returncode != 0 and "no column region" in out.stderr
