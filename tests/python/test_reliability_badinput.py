"""Reliability (issue 7.5): bad input — the corpus in Tests/Fixtures/bad-input/, the shared
bad_data Parquet files, gigantic fields, hostile partition values, keys and table names.

Each case must end with a clear error (a non-zero exit — never a signal — and a `lakectl:` line on
stderr) or a safe encoding (the hostile value round-trips through deltalake), within a time limit,
and nothing may be written outside the lake root (the sandbox around the lake is compared before
and after, and absolute hostile targets are checked not to exist).
"""
import json
import os
import pathlib
import uuid

import pytest

from reliability_common import TABLE, one_line_error, record

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = REPO / "Tests" / "Fixtures" / "bad-input"
COUNT = {"cases": 0, "clean_errors": 0, "accepted": 0}


def snapshot(root, skip):
    out = set()
    for dirpath, _dirs, files in os.walk(root):
        if pathlib.Path(dirpath).is_relative_to(skip):
            continue
        for name in files:
            out.add(os.path.join(dirpath, name))
        out.add(dirpath)
    return out


@pytest.fixture
def sandbox(tmp_path):
    """tmp_path/watched/sandbox/lake is the lake; anything new under watched/ outside the lake is a failure
    (`../` and `../../` from the lake land there). Test inputs live directly in tmp_path."""
    watched = tmp_path / "watched"
    lake = watched / "sandbox" / "lake"
    lake.parent.mkdir(parents=True)
    before = snapshot(watched, lake)

    def check():
        after = snapshot(watched, lake)
        assert after - before == set(), f"written outside the lake root: {sorted(after - before)[:5]}"
    yield lake, check
    check()


def expect_clean(proc, *, must_fail=True, names=()):
    """A clean outcome: no signal, and when it failed, one `lakectl:`/`Error:` line."""
    COUNT["cases"] += 1
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {proc.stderr[-2000:]}"
    assert "Fatal error" not in proc.stderr and "Stack dump" not in proc.stderr, proc.stderr[-2000:]
    if proc.returncode == 0:
        assert not must_fail, f"accepted bad input: {proc.stdout[-500:]} {proc.stderr[-500:]}"
        COUNT["accepted"] += 1
        return
    COUNT["clean_errors"] += 1
    lines = one_line_error(proc.stderr)
    assert lines, f"no error line: {proc.stderr[-2000:]}"
    if names:
        assert any(any(n in l for n in names) for l in lines), f"the error names neither of {names}: {lines}"


def plain_schema(path):
    path.write_text(json.dumps({"columns": [
        {"name": "Op", "type": "string"}, {"name": "ts", "type": "string"},
        {"name": "id", "type": "long", "nullable": False}, {"name": "region", "type": "string"},
        {"name": "name", "type": "string"}], "key": ["id"], "op": "Op", "timestamp": "ts"}))
    return path


DBZ = sorted(p.name for p in CORPUS.glob("*.json"))
CSV = sorted(p.name for p in CORPUS.glob("*.csv"))
PQ = sorted(p.name for p in CORPUS.glob("*.parquet"))


@pytest.mark.parametrize("name", DBZ)
def test_debezium_corpus(lakectl, sandbox, name):
    lake, _ = sandbox
    proc = lakectl("ingest", lake, "--key", "id", CORPUS / name, timeout=60)
    expect_clean(proc, must_fail=name != "empty.json", names=(name, "line"))


def test_debezium_deep_nesting_and_gigantic_field(lakectl, sandbox, tmp_path):
    lake, _ = sandbox
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000 + "\n")
    expect_clean(lakectl("ingest", lake, "--key", "id", deep, timeout=60), names=("deep.json", "line"))
    huge = tmp_path / "huge.json"
    big = "x" * (24 << 20)
    huge.write_text(json.dumps({"before": None, "after": {"id": 1, "region": "eu", "name": big}, "op": "c",
                                "source": {"schema": "public", "table": "orders", "lsn": 1}}) + "\n")
    proc = lakectl("ingest", lake, "--key", "id", huge, timeout=120)
    expect_clean(proc, must_fail=False)
    if proc.returncode == 0:  # accepted: the value must land whole
        import pyarrow.parquet as pq
        files = [p for p in (lake / "changes").rglob("*.parquet")]
        assert files and pq.read_table(files[0]).column("name").to_pylist() == [big]


@pytest.mark.parametrize("name", CSV)
def test_dms_csv_corpus(lakectl, sandbox, tmp_path, name):
    lake, _ = sandbox
    proc = lakectl("ingest", lake, "--format", "dms-csv", "--schema", plain_schema(tmp_path / "s.json"),
                   "--table", TABLE, CORPUS / name, timeout=60)
    # NUL in a string value is legal data in CSV and may be kept; everything else must fail.
    expect_clean(proc, must_fail=name != "csv-nul.csv", names=(name, "line", "row"))


def _parquet_inputs():
    shared = REPO.parent / "shared" / "testdata" / "parquet" / "bad_data"
    return [CORPUS / p for p in PQ] + sorted(shared.glob("*.parquet"))


@pytest.mark.parametrize("path", _parquet_inputs(), ids=lambda p: p.name)
def test_parquet_corpus(lakectl, sandbox, tmp_path, path):
    lake, _ = sandbox
    for cmd in (["parquet", "meta", path], ["parquet", "cat", path]):
        proc = lakectl(*cmd, timeout=60)
        expect_clean(proc, must_fail=False)
        if proc.returncode != 0:
            assert path.name in proc.stderr or "parquet" in proc.stderr.lower(), proc.stderr
    # as DMS input of compact: a clear error, nothing committed
    dms = tmp_path / "dms"
    dms.mkdir()
    (dms / "20240612-100000123.parquet").write_bytes(path.read_bytes())
    proc = lakectl("compact", lake, "--table", TABLE, "--from", dms, "--key", "id", timeout=60)
    expect_clean(proc, must_fail=False)
    if proc.returncode != 0:
        assert not (lake / "tables" / "public" / "orders" / "_delta_log").exists() or not list(
            (lake / "tables" / "public" / "orders" / "_delta_log").glob("*.json"))


HOSTILE_VALUES = ["../../escape", "../", "/abs/" + uuid.uuid4().hex, "a=b", "100%", "%2F..%2F", "x/y/z",
                  "new\nline", "tab\there", "é ü 日本", " ", ".", "..", "v" * 10_000, "", "C:\\win"]


def _csv_field(v):
    return '"' + v.replace('"', '""') + '"'


def test_hostile_partition_values_round_trip(lakectl, sandbox, tmp_path):
    """Values that look like paths become safely encoded partition folders inside the table, and
    read back unchanged by deltalake."""
    lake, _ = sandbox
    schema = plain_schema(tmp_path / "s.json")
    dms = tmp_path / "dms"
    dms.mkdir()
    rows = [f"I,2024-06-12 10:00:00.{i:06d},{i},{_csv_field(v)},n{i}" for i, v in enumerate(HOSTILE_VALUES)]
    (dms / "20240612-100000123.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = lakectl("compact", lake, "--table", TABLE, "--from", dms, "--schema", schema, "--partition-by", "region",
                   timeout=120)
    expect_clean(proc, must_fail=False)
    table = lake / "tables" / "public" / "orders"
    if proc.returncode == 0:
        from deltalake import DeltaTable
        got = {r["id"]: r["region"] for r in DeltaTable(str(table)).to_pyarrow_table().to_pylist()}
        # an empty unquoted/quoted partition value may legitimately read back as null (Hive convention)
        for i, v in enumerate(HOSTILE_VALUES):
            assert got[i] == v or (v == "" and got[i] in ("", None)), f"{v!r} read back as {got[i]!r}"
        for path in table.rglob("*"):
            assert path.resolve().is_relative_to(table.resolve())
    assert not pathlib.Path(HOSTILE_VALUES[2]).exists()


@pytest.mark.parametrize("key", ["/etc/lakectl-escape", "a//b", "./x", "k" * 10_000, "new\nline.txt", "a/./b",
                                 "%2e%2e/x", "x/.lakectl-tmp-y"])
def test_hostile_object_keys(lakectl, sandbox, tmp_path, key):
    """Local paths: `..` in a path the user types is an ordinary path (like cp), so the dot-dot keys
    are checked on S3 below, where a key is not a path."""
    lake, _ = sandbox
    src = tmp_path / "f.txt"
    src.write_text("payload")
    proc = lakectl("fs", "upload", src, f"{lake}/{key}", timeout=30)
    expect_clean(proc, must_fail=False)
    if proc.returncode == 0:
        hits = [p for p in lake.rglob("*") if p.is_file()]
        assert hits and all(p.resolve().is_relative_to(lake.resolve()) for p in hits)
    for cmd in (["fs", "cat", f"{lake}/{key}"], ["fs", "ls", f"{lake}/{key}"], ["fs", "rm", f"{lake}/{key}"]):
        expect_clean(lakectl(*cmd, timeout=30), must_fail=False)
    assert src.read_text() == "payload"


@pytest.mark.parametrize("table", ["../etc.passwd", "a/b.c", "..", "...", "public.", ".orders", "a.b.c",
                                   "pub lic.ord\nerz", "/abs.x", "x" * 5000 + ".y", "%2e%2e.x", "a\\..\\b.c"])
def test_hostile_table_names(lakectl, sandbox, tmp_path, table):
    lake, _ = sandbox
    src = tmp_path / "in.csv"
    src.write_text("I,2024-06-12 10:00:00.000000,1,eu,x\n")
    ing = lakectl("ingest", lake, "--format", "dms-csv", "--schema", plain_schema(tmp_path / "s.json"),
                  "--table", table, src, timeout=60)
    expect_clean(ing, must_fail=False)
    comp = lakectl("compact", lake, "--table", table, "--key", "id", timeout=60)
    expect_clean(comp, must_fail=False)
    for path in lake.rglob("*") if lake.exists() else []:
        assert path.resolve().is_relative_to(lake.resolve()), path



@pytest.mark.parametrize("key", ["../escape.txt", "a/../../escape.txt", "./x", "a/./b", "k" * 2000])
def test_hostile_s3_keys_stay_under_the_prefix(lakectl, s3_env, s3_prefix, tmp_path, key):
    from reliability_common import lakectl_env, s3_client
    s3 = s3_client(s3_env)
    bucket = s3_env["bucket"]
    src = tmp_path / "f.txt"
    src.write_text("payload")
    env = lakectl_env(s3_env, s3_env["AWS_ENDPOINT_URL"])
    before = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    proc = lakectl("fs", "upload", src, f"{s3_prefix}/lake/{key}", "--timeout", "10", env=env, timeout=60)
    expect_clean(proc, must_fail=False)
    after = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    prefix = s3_prefix.split(f"s3://{bucket}/", 1)[1] + "/lake/"
    assert all(k.startswith(prefix) for k in after - before), sorted(after - before)
    if ".." in key.split("/") or "." in key.split("/"):
        assert proc.returncode != 0, "a dot segment became an S3 key"


def test_zz_record_counts():
    record("bad-input", **COUNT)
