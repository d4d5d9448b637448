"""lakectl ingest (issue 5): Debezium/DMS change events -> committed change files, read back by
pyarrow and DuckDB; replay, kill -9, timer flush, spool, bad input, quarantine, S3."""
import datetime as dt
import decimal
import json
import os
import pathlib
import random
import signal
import sqlite3
import subprocess
import sys
import time

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import debezium_events as dbz  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "debezium"


# ---------------------------------------------------------------- helpers

def changelog(lake: pathlib.Path, schema: str, table: str):
    folder = lake / "changes" / schema / table / "_changelog"
    if not folder.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def committed_table(lake: pathlib.Path, schema: str, table: str) -> pa.Table:
    """The committed change rows of a table, in change-log order (readers ignore unlisted files)."""
    tables = []
    for entry in changelog(lake, schema, table):
        for f in entry["files"]:
            path = lake / f["path"]
            if f["format"] == "parquet":
                tables.append(pq.read_table(path))
            else:
                tables.append(pacsv.read_csv(path))
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="permissive")


def write_lines(path: pathlib.Path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def as_expected_value(col, v):
    """What pyarrow returns for a generator value."""
    if v is None:
        return None
    if col == "anynum":
        return v.quantize(decimal.Decimal(1).scaleb(-18), context=decimal.Context(prec=60))
    if col in ("ts3", "ts6", "tsn", "dt3", "dt6"):
        return v  # naive (timestamp_ntz)
    return v


def check_rows(table: pa.Table, expected, columns):
    rows = table.to_pylist()
    assert len(rows) == len(expected)
    for got, (op, row, commit_us) in zip(rows, expected):
        assert got["Op"] == op
        assert got["_commit_ts"] == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=commit_us)
        for c in columns:
            want = as_expected_value(c, row.get(c))
            have = got[c]
            if isinstance(want, float) and c in ("real4", "ratio"):
                assert have == pytest.approx(want), c
            else:
                assert have == want, (c, have, want)
    seqs = table.column("_seq").to_pylist()
    assert seqs == sorted(seqs), "_seq must increase in input order"
    assert len(set(seqs)) == len(seqs)


# ---------------------------------------------------------------- types

def test_postgres_every_type_reads_back_in_pyarrow_and_duckdb(lakectl, tmp_path):
    lines, expected = dbz.pg_stream(300, seed=11)
    src = write_lines(tmp_path / "pg.json", lines)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--max-rows", "120", "--key", "id", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["rows_committed"] == 300 and summary["batches"] == 3
    t = committed_table(lake, "public", "orders")
    schema = t.schema
    assert schema.field("id").type == pa.int32()
    assert schema.field("small").type == pa.int16()
    assert schema.field("big").type == pa.int64()
    assert schema.field("real4").type == pa.float32()
    assert schema.field("dbl").type == pa.float64()
    assert schema.field("flag").type == pa.bool_()
    assert schema.field("name").type == pa.string()
    assert schema.field("data").type == pa.binary()
    assert schema.field("day").type == pa.date32()
    assert schema.field("ts6").type == pa.timestamp("us")
    assert schema.field("tstz").type == pa.timestamp("us", tz="UTC")
    assert schema.field("price").type == pa.decimal128(10, 2)
    assert schema.field("anynum").type == pa.decimal128(38, 18)
    assert [f.name for f in schema][:3] == ["Op", "_commit_ts", "_seq"]
    check_rows(t, expected, [c for c, _ in dbz.pg_columns()])
    # DuckDB reads the same files.
    files = [str(lake / f["path"]) for e in changelog(lake, "public", "orders") for f in e["files"]]
    con = duckdb.connect()
    n, total = con.execute("select count(*), sum(price) from read_parquet(?)", [files]).fetchone()
    assert n == 300
    assert total == sum((r["price"] for _, r, _ in expected if r.get("price") is not None), decimal.Decimal(0))
    entry = changelog(lake, "public", "orders")[-1]
    assert entry["schema"]["key"] == ["id"]
    assert entry["lastSeq"] == t.column("_seq")[-1].as_py()


def test_mysql_connector_events(lakectl, tmp_path):
    lines, expected = dbz.mysql_stream(200)
    src = write_lines(tmp_path / "my.json", lines)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--max-rows", "64")
    assert run.returncode == 0, run.stderr
    t = committed_table(lake, "inventory", "customers")  # db.table for MySQL
    assert t.schema.field("tiny").type == pa.int8()
    assert t.schema.field("dt3").type == pa.timestamp("us")
    assert t.schema.field("updated").type == pa.timestamp("us", tz="UTC")
    assert t.schema.field("balance").type == pa.decimal128(18, 4)
    check_rows(t, expected, ["id", "tiny", "qty", "first_name", "born", "dt3", "dt6", "updated", "balance", "ratio", "active"])
    # binlog file number, position, row: the _seq of consecutive rows in one binlog event differ by row.
    seqs = t.column("_seq").to_pylist()
    assert all(len(s) == 42 for s in seqs)


def test_published_debezium_examples(lakectl, tmp_path):
    """The bundled example stream: Debezium documentation events (PostgreSQL and MySQL tutorials)."""
    src = EXAMPLES / "inventory.json"
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--compression", "none")
    assert run.returncode == 0, run.stderr
    expected = {}
    for line in src.read_text().splitlines():
        if not line.strip():
            continue
        p = json.loads(line)["payload"]
        s = p["source"]
        key = (s.get("schema") or s["db"], s["table"])
        img = p["after"] if p["op"] != "d" else p["before"]
        expected.setdefault(key, []).append(({"c": "I", "r": "I", "u": "U", "d": "D"}[p["op"]], img))
    for (schema, table), rows in expected.items():
        got = committed_table(lake, schema, table).to_pylist()
        assert [(r["Op"], {k: r[k] for k in img}) for r, (_, img) in zip(got, rows)] == rows


# ---------------------------------------------------------------- exactly once

def test_replay_lands_every_change_once(lakectl, tmp_path):
    lines, expected = dbz.pg_stream(500, seed=3)
    src = write_lines(tmp_path / "in.json", lines)
    lake = tmp_path / "lake"
    first = lakectl("ingest", lake, src, "--max-rows", "100", "--json")
    assert first.returncode == 0, first.stderr
    second = lakectl("ingest", lake, src, "--max-rows", "100", "--json")
    assert second.returncode == 0, second.stderr
    s2 = json.loads(second.stdout)
    assert s2["rows_committed"] == 0 and s2["events_skipped"] == 500
    t = committed_table(lake, "public", "orders")
    assert t.num_rows == 500
    check_rows(t, expected, ["id", "name", "price"])


def test_kill_9_at_random_moments_then_restart(lakectl_bin, tmp_path):
    rng = random.Random(99)
    a, ea = dbz.pg_stream(6000, seed=5, table="orders")
    b, eb = dbz.pg_stream(3000, seed=6, table="items", start_lsn=24023128 + 7)
    # Interleave two tables in one stream, keeping each table's order.
    lines = []
    ia = ib = 0
    while ia < len(a) or ib < len(b):
        if ib >= len(b) or (ia < len(a) and rng.random() < 0.66):
            lines.append(a[ia]); ia += 1
        else:
            lines.append(b[ib]); ib += 1
    src = write_lines(tmp_path / "in.json", lines)
    lake = tmp_path / "lake"
    args = [lakectl_bin, "ingest", str(lake), str(src), "--max-rows", "250", "--compression", "none"]
    started = time.monotonic()
    kills = 0
    for _ in range(20):
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, 0.25))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = subprocess.run(args + ["--json"], capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert kills >= 10, "the writer finished too fast for the kills to land mid-run"
    assert time.monotonic() - started < 60
    for table, expected in (("orders", ea), ("items", eb)):
        t = committed_table(lake, "public", table)
        assert t.num_rows == len(expected), table
        check_rows(t, expected, ["id", "small", "name", "price", "tstz"])


def test_two_writers_one_table_loser_stops(lakectl_bin, tmp_path):
    lines, _ = dbz.pg_stream(4000, seed=8)
    src = write_lines(tmp_path / "in.json", lines)
    lake = tmp_path / "lake"
    args = [lakectl_bin, "ingest", str(lake), str(src), "--max-rows", "50", "--compression", "none"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    numbers = [e["number"] for e in changelog(lake, "public", "orders")]
    assert numbers == list(range(len(numbers)))
    # Both may finish (one started after the other had committed everything); a writer that
    # stopped did so because it lost a commit race.
    for out, err, code in results:
        if code != 0:
            assert "another writer committed change-log entry" in err
    # Whatever happened, a rerun completes the table exactly once.
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    t = committed_table(lake, "public", "orders")
    seqs = t.column("_seq").to_pylist()
    assert len(seqs) == len(set(seqs))


# ---------------------------------------------------------------- timer, spool

def _wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_timer_flush_commits_a_quiet_stream(lakectl_bin, tmp_path):
    lines, expected = dbz.pg_stream(3, seed=4)
    lake = tmp_path / "lake"
    proc = subprocess.Popen([lakectl_bin, "ingest", str(lake), "--max-age", "1s", "--compression", "none",
                             "--spool", str(tmp_path / "spool.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(("\n".join(lines) + "\n").encode())
        proc.stdin.flush()
        sent = time.monotonic()
        assert _wait_for(lambda: len(changelog(lake, "public", "orders")) == 1, 2.0), "no commit within max-age + 1 s"
        assert time.monotonic() - sent <= 2.0
        t = committed_table(lake, "public", "orders")
        check_rows(t, expected, ["id", "name"])
        assert proc.poll() is None, "the writer must keep running while the stream is open"
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_spool_survives_kill_9_of_a_piped_writer(lakectl_bin, tmp_path):
    lines, expected = dbz.pg_stream(40, seed=12)
    lake = tmp_path / "lake"
    spool = tmp_path / "spool.db"
    args = [lakectl_bin, "ingest", str(lake), "--max-age", "1h", "--compression", "none", "--spool", str(spool)]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    data = ("\n".join(lines) + "\n").encode()
    proc.stdin.write(data)
    proc.stdin.flush()

    def spooled():
        # Everything sent has been received (spooled) by the writer.
        try:
            with sqlite3.connect(f"file:{spool}?mode=ro", uri=True) as db:
                return db.execute("select coalesce(sum(length(bytes)),0) from blocks").fetchone()[0] == len(data)
        except sqlite3.Error:
            return False

    assert _wait_for(spooled, 10)
    proc.kill()  # SIGKILL: nothing was committed (max-age 1 h), the spool holds the input
    proc.wait()
    assert changelog(lake, "public", "orders") == []
    # The upstream is gone; a restart with an empty pipe commits what the spool holds.
    rerun = subprocess.run(args + ["--json"], input=b"", capture_output=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    t = committed_table(lake, "public", "orders")
    check_rows(t, expected, ["id", "name", "price"])
    with sqlite3.connect(spool) as db:
        assert db.execute("select count(*) from blocks").fetchone()[0] == 0


def test_sigterm_flushes_and_exits(lakectl_bin, tmp_path):
    lines, expected = dbz.pg_stream(5, seed=13)
    lake = tmp_path / "lake"
    proc = subprocess.Popen([lakectl_bin, "ingest", str(lake), "--max-age", "1h", "--compression", "none",
                             "--spool", str(tmp_path / "s.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc.stdin.write(("\n".join(lines) + "\n").encode())
    proc.stdin.flush()
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr.read()
    check_rows(committed_table(lake, "public", "orders"), expected, ["id", "name"])


# ---------------------------------------------------------------- bad input

BAD_CASES = {
    "malformed": ('{"payload": {"op": "c", "after": {"id": 1', "malformed JSON"),
    "unknown_op": (None, "unknown op"),
    "missing_key": (None, "missing key column id"),
    "type_mismatch": (None, "type mismatch in column small"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_names_file_and_line(lakectl, tmp_path, case):
    lines, _ = dbz.pg_stream(9, seed=21)
    bad, message = BAD_CASES[case]
    if bad is None:
        ev = json.loads(lines[5])
        if case == "unknown_op":
            ev["payload"]["op"] = "x"
        elif case == "missing_key":
            img = ev["payload"]["after"] or ev["payload"]["before"]
            img["id"] = None
        else:
            img = ev["payload"]["after"] or ev["payload"]["before"]
            img["small"] = "not a number"
        bad = json.dumps(ev)
    lines = lines[:5] + [bad] + lines[5:]
    src = write_lines(tmp_path / "bad.json", lines)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--max-rows", "2", "--key", "id")
    assert run.returncode != 0
    assert f"{src}:6:" in run.stderr and message in run.stderr, run.stderr
    assert run.stderr.startswith("lakectl: ") and run.stderr.count("\n") == 1
    # Batches before the bad line (rows 1-2, 3-4) are committed, nothing after.
    t = committed_table(lake, "public", "orders")
    assert t.num_rows == 4


def test_quarantine_sets_bad_events_aside(lakectl, tmp_path):
    lines, expected = dbz.pg_stream(10, seed=22)
    lines = lines[:3] + ["{oops", '{"payload": {"op": "q", "source": {"schema": "public", "table": "orders"}}}'] + lines[3:]
    src = write_lines(tmp_path / "q.json", lines)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--on-error", "quarantine", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["quarantined"] == 2
    records = [json.loads(l) for l in (lake / summary["quarantine_file"]).read_text().splitlines()]
    assert [r["line"] for r in records] == [4, 5]
    assert records[0]["event"] == "{oops"
    check_rows(committed_table(lake, "public", "orders"), expected, ["id", "name"])


# ---------------------------------------------------------------- schema changes, formats

def test_schema_change_new_column_and_widening_goes_to_next_file(lakectl, tmp_path):
    lines, _ = dbz.pg_stream(6, seed=31)
    evs = [json.loads(l) for l in lines]
    later = json.loads(lines[-1])
    fields = later["schema"]["fields"]
    for f in fields[:2]:
        for col in f["fields"]:
            if col["field"] == "small":
                col["type"] = "int32"  # int16 -> int32
        f["fields"].append({"type": "string", "optional": True, "field": "note"})
    later["payload"]["source"]["lsn"] += 1000
    later["payload"]["source"]["sequence"] = json.dumps(["99999999999", str(later["payload"]["source"]["lsn"])])
    img = later["payload"]["after"] or later["payload"]["before"]
    img["note"] = "added"
    img["small"] = 100000
    src = write_lines(tmp_path / "s.json", [json.dumps(e) for e in evs] + [json.dumps(later)])
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--compression", "none")
    assert run.returncode == 0, run.stderr
    log = changelog(lake, "public", "orders")
    assert len(log) == 2
    cols = {c["name"]: c["type"] for c in log[1]["schema"]["columns"]}
    assert cols["small"] == "integer" and cols["note"] == "string"
    assert {c["name"]: c["type"] for c in log[0]["schema"]["columns"]}["small"] == "short"
    t = pq.read_table(lake / log[1]["files"][0]["path"])
    assert t.column("small").to_pylist() == [100000] and t.column("note").to_pylist() == ["added"]
    # Incompatible: a string where an integer was.
    bad = json.loads(json.dumps(later))
    for f in bad["schema"]["fields"][:2]:
        for col in f["fields"]:
            if col["field"] == "small":
                col["type"] = "string"
    bad["payload"]["source"]["lsn"] += 10
    bad["payload"]["source"]["sequence"] = json.dumps(["99999999999", str(bad["payload"]["source"]["lsn"])])
    (bad["payload"]["after"] or bad["payload"]["before"])["small"] = "x"
    src2 = write_lines(tmp_path / "s2.json", [json.dumps(bad)])
    run = lakectl("ingest", lake, src2)
    assert run.returncode != 0 and "column small" in run.stderr


def test_csv_output_and_date_folders_read_by_duckdb(lakectl, tmp_path):
    lines, expected = dbz.pg_stream(50, seed=41)
    src = write_lines(tmp_path / "c.json", lines)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--file-format", "csv", "--compression", "none", "--date-folders")
    assert run.returncode == 0, run.stderr
    entry = changelog(lake, "public", "orders")[0]
    path = entry["files"][0]["path"]
    parts = path.split("/")
    assert parts[:3] == ["changes", "public", "orders"] and len(parts) == 7
    assert parts[3:6] == ["2024", "06", "12"]
    name = parts[-1]
    assert name.endswith(".csv") and len(name.split("-")[0]) == 8 and len(name.split("-")[1]) == 9
    con = duckdb.connect()
    # DMS dialect: NULL is an empty unquoted field, an empty string is "".
    rows = con.execute("select Op, id, name from read_csv(?, header=true, all_varchar=true, allow_quoted_nulls=false)",
                       [str(lake / path)]).fetchall()
    assert len(rows) == 50
    for (op, id_, name_), (eop, row, _) in zip(rows, expected):
        assert op == eop and int(id_) == row["id"]
        assert name_ == row["name"]


def test_dms_csv_input_with_header_and_schema_file(lakectl, tmp_path):
    folder = tmp_path / "dms" / "sales" / "orders"
    folder.mkdir(parents=True)
    (folder / "20240612-103125108.csv").write_text(
        "Op,ts,id,customer,amount,shipped,price\n"
        "I,2024-06-12 10:30:25.104667,19998,VINET,+3.23800011e+01,1996-07-16,8300.00\n"
        'U,2024-06-12 10:30:25.480979,19998,"Rua do Paço, 67",32.38,,-1.5\n'
        "D,2024-06-12 10:30:25.854359,19998,,,,\n")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"columns": [
        {"name": "Op", "type": "string"}, {"name": "ts", "type": "string"},
        {"name": "id", "type": "long", "nullable": False}, {"name": "customer", "type": "varchar(40)"},
        {"name": "amount", "type": "real"}, {"name": "shipped", "type": "date"}, {"name": "price", "type": "numeric(10,2)"}],
        "key": ["id"], "op": "Op", "timestamp": "ts"}))
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, "--format", "dms-csv", "--schema", schema, folder / "20240612-103125108.csv",
                  "--compression", "none")
    assert run.returncode == 0, run.stderr
    t = committed_table(lake, "sales", "orders")
    assert t.column("Op").to_pylist() == ["I", "U", "D"]
    assert t.column("amount").to_pylist() == [pytest.approx(32.3800011), pytest.approx(32.38), None]
    assert t.column("price").to_pylist() == [decimal.Decimal("8300.00"), decimal.Decimal("-1.50"), None]
    assert t.column("customer").to_pylist() == ["VINET", "Rua do Paço, 67", None]
    assert t.column("shipped").to_pylist() == [dt.date(1996, 7, 16), None, None]
    assert changelog(lake, "sales", "orders")[0]["schema"]["key"] == ["id"]


# ---------------------------------------------------------------- S3

def test_ingest_into_seaweedfs(lakectl, s3_env, s3_prefix, tmp_path):
    import boto3
    lines, expected = dbz.pg_stream(120, seed=51)
    src = write_lines(tmp_path / "s3.json", lines)
    env = {k: v for k, v in s3_env.items() if k != "bucket"}
    run = lakectl("ingest", s3_prefix, src, "--max-rows", "50", env=env)
    assert run.returncode == 0, run.stderr
    again = lakectl("ingest", s3_prefix, src, "--max-rows", "50", "--json", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["rows_committed"] == 0
    s3 = boto3.client("s3", endpoint_url=s3_env["AWS_ENDPOINT_URL"], aws_access_key_id=s3_env["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=s3_env["AWS_SECRET_ACCESS_KEY"], region_name=s3_env["AWS_REGION"])
    bucket = s3_env["bucket"]
    prefix = s3_prefix.split(f"s3://{bucket}/", 1)[1] + "/changes/public/orders/_changelog/"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"])
    assert len(keys) == 3
    local = tmp_path / "mirror"
    for k in keys:
        entry = json.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read())
        for f in entry["files"]:
            key = s3_prefix.split(f"s3://{bucket}/", 1)[1] + "/" + f["path"]
            dest = local / f["path"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        (local / "changes/public/orders/_changelog").mkdir(parents=True, exist_ok=True)
        (local / "changes/public/orders/_changelog" / k.rsplit("/", 1)[1]).write_text(json.dumps(entry))
    check_rows(committed_table(local, "public", "orders"), expected, ["id", "name", "price"])


@pytest.mark.parametrize("compression,ext", [("gzip", ".csv.gz"), ("zstd", ".csv.zst")])
def test_compressed_csv_change_files(lakectl, tmp_path, compression, ext):
    lines, expected = dbz.pg_stream(30, seed=61)
    src = write_lines(tmp_path / "z.json", lines)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--file-format", "csv", "--compression", compression)
    assert run.returncode == 0, run.stderr
    entry = changelog(lake, "public", "orders")[0]
    f = entry["files"][0]
    assert f["path"].endswith(ext) and f["compression"] == compression and f["format"] == "csv"
    con = duckdb.connect()
    rows = con.execute("select Op, id from read_csv(?, header=true, compression=?)",
                       [str(lake / f["path"]), compression]).fetchall()
    assert rows == [(op, row["id"]) for op, row, _ in expected]


def test_dms_parquet_input(lakectl, tmp_path):
    folder = tmp_path / "dms" / "sales" / "orders"
    folder.mkdir(parents=True)
    ts = ["2024-06-12 10:30:25.104667", "2024-06-12 10:30:25.480979", "2024-06-12 10:30:25.854359"]
    t = pa.table({"Op": ["I", "U", "D"], "ts": ts, "id": pa.array([7, 7, 7], pa.int64()),
                  "name": ["a", "b", None],
                  "amount": pa.array([decimal.Decimal("1.50"), decimal.Decimal("2.25"), None], pa.decimal128(10, 2))})
    pq.write_table(t, folder / "20240612-103127367.parquet", row_group_size=2)
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, "--format", "dms-parquet", "--key", "id", folder / "20240612-103127367.parquet")
    assert run.returncode == 0, run.stderr
    got = committed_table(lake, "sales", "orders")
    for c in ["Op", "id", "name", "amount"]:
        assert got.column(c).to_pylist() == t.column(c).to_pylist()
    assert [v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in got.column("_commit_ts").to_pylist()] == ts
    again = lakectl("ingest", lake, "--format", "dms-parquet", folder / "20240612-103127367.parquet", "--json")
    assert json.loads(again.stdout)["rows_committed"] == 0
    # A bad op names the file and row.
    bad = t.set_column(0, "Op", pa.array(["I", "X", "D"]))
    pq.write_table(bad, folder / "bad.parquet")
    run = lakectl("ingest", tmp_path / "lake2", "--format", "dms-parquet", "--table", "sales.orders", folder / "bad.parquet")
    assert run.returncode != 0 and f"{folder / 'bad.parquet'}:2: unknown op" in run.stderr


def test_schemaless_events_and_table_override(lakectl, tmp_path):
    """Debezium with schemas.enable=false: bare payloads; types inferred, table from --table."""
    events = [
        {"before": None, "after": {"id": 1, "qty": 3, "price": 9.5, "ok": True, "note": "héllo"},
         "source": {"db": "shop", "table": "t1", "lsn": 100, "ts_ms": 1718188227000}, "op": "c", "ts_ms": 1},
        {"before": {"id": 1, "qty": 3, "price": 9.5, "ok": True, "note": "héllo"},
         "after": {"id": 1, "qty": 4, "price": 10.25, "ok": False, "note": None},
         "source": {"db": "shop", "table": "t1", "lsn": 180, "ts_ms": 1718188228000}, "op": "u", "ts_ms": 2},
    ]
    src = write_lines(tmp_path / "bare.json", [json.dumps(e) for e in events])
    lake = tmp_path / "lake"
    run = lakectl("ingest", lake, src, "--table", "analytics.items")
    assert run.returncode == 0, run.stderr
    t = committed_table(lake, "analytics", "items")
    assert t.schema.field("id").type == pa.int64() and t.schema.field("price").type == pa.float64()
    assert t.schema.field("ok").type == pa.bool_()
    assert t.column("qty").to_pylist() == [3, 4]
    assert t.column("note").to_pylist() == ["héllo", None]
    assert t.column("Op").to_pylist() == ["I", "U"]
    assert not (lake / "changes" / "shop").exists()


def test_dms_csv_change_sequence_orders_rows(lakectl, tmp_path):
    """$AR_H_CHANGE_SEQ (35 digits) positions rows; full-load rows (empty sequence) come first."""
    folder = tmp_path / "dms" / "public" / "orders"
    folder.mkdir(parents=True)
    ts = "2024-06-12 10:30:26.480361"
    (folder / "20240612-103126480.csv").write_text(
        f"I,2024-06-12 10:28:17.806762,10250,HANAR,\n"
        f"I,{ts},19999,VINET,20240612103026480000000000000000097\n"
        f"U,{ts},19999,VINET2,20240612103026480000000000000000101\n"
        f"D,{ts},19999,,20240612103026480000000000000000105\n")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"columns": [
        {"name": "Op", "type": "string"}, {"name": "ts", "type": "string"}, {"name": "id", "type": "long"},
        {"name": "customer", "type": "string"}, {"name": "seq", "type": "string"}],
        "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq"}))
    lake = tmp_path / "lake"
    args = ["ingest", lake, "--format", "dms-csv", "--schema", schema, folder / "20240612-103126480.csv", "--json"]
    run = lakectl(*args)
    assert run.returncode == 0, run.stderr
    t = committed_table(lake, "public", "orders")
    seqs = t.column("_seq").to_pylist()
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert seqs[1] == "%016x-%016x-00000000" % (2024061210302648, 97)
    assert t.column("Op").to_pylist() == ["I", "I", "U", "D"]
    assert "seq" not in t.column_names
    assert json.loads(lakectl(*args).stdout)["rows_committed"] == 0
