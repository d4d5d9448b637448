"""lakectl compact's streaming rewrite (issue 6): files of several row groups are rewritten row group by
row group; the result, the row counts and the per-file statistics must be exactly right."""
import json
import random

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

SCHEMA = {
    "columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long", "nullable": False},
                {"name": "name", "type": "string"}, {"name": "amount", "type": "double"},
                {"name": "note", "type": "string"}],
    "key": ["id"], "op": "Op",
}
NAMES = ["alpha", "beta", "Paço", "日本語", "", "zeta", "emoji 🎉"]


def row(rng, key):
    name = None if rng.random() < 0.1 else rng.choice(NAMES) + str(rng.randint(0, 99))
    amount = None if rng.random() < 0.1 else rng.randint(-10**7, 10**7) / 100
    # Notes longer than Delta's 32-character statistics prefix: min truncated, max omitted.
    note = None if rng.random() < 0.05 else f"note {rng.getrandbits(64):016x} {key} " + "x" * rng.randint(0, 30)
    return {"id": key, "name": name, "amount": amount, "note": note}


def csv_line(op, r):
    def field(v):
        if v is None:
            return ""
        if isinstance(v, str):
            return '"' + v.replace('"', '""') + '"'
        return repr(v)
    return ",".join([op] + [field(r[c]) for c in ("id", "name", "amount", "note")]) + "\n"


def table(lake):
    return DeltaTable(str(lake / "tables" / "s" / "t"))


def rows_of(lake):
    t = pa.table(table(lake).to_pyarrow_table())
    return sorted(t.to_pylist(), key=lambda r: r["id"])


def compact(lakectl, lake, dms, schema, *extra):
    out = lakectl("compact", lake, "--table", "s.t", "--from", dms, "--schema", schema, "--json", *extra, check=True)
    return json.loads(out.stdout)


def check_file_stats(lake):
    """Every live file's add-action statistics equal those computed from the file by pyarrow."""
    dt = table(lake)
    adds = pa.table(dt.get_add_actions(flatten=False)).to_pylist()
    log_stats = {}
    for entry in sorted((lake / "tables" / "s" / "t" / "_delta_log").glob("*.json")):
        for line in entry.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                log_stats[action["add"]["path"]] = json.loads(action["add"]["stats"])
    multi = 0
    for add in adds:
        path = lake / "tables" / "s" / "t" / add["path"]
        f = pq.ParquetFile(path)
        multi += f.metadata.num_row_groups > 1
        data = f.read()
        stats = log_stats[add["path"]]
        assert stats["numRecords"] == data.num_rows
        for column in ("id", "name", "amount", "note"):
            values = data.column(column)
            assert stats["nullCount"][column] == values.null_count, (add["path"], column)
            if values.null_count == len(values):
                assert column not in stats["minValues"]
                continue
            lo, hi = (v.as_py() for v in pc.min_max(values).values())
            if column == "note":
                assert stats["minValues"][column] == lo[:32]
                assert column not in stats["maxValues"] or (len(hi) <= 32 and stats["maxValues"][column] == hi)
            else:
                assert stats["minValues"][column] == lo, (add["path"], column)
                assert stats["maxValues"][column] == hi, (add["path"], column)
    return multi


@pytest.mark.parametrize("budget,target", [("128M", "1500000"), ("8M", "8000000")])
def test_rewrite_of_multi_row_group_files(lakectl, tmp_path, budget, target):
    """A table whose files have several row groups (a small budget makes small row groups) gets deletes
    spanning row-group boundaries, a whole row group deleted, updates and inserts; the table equals the
    oracle, every file's statistics and row count are exact, and untouched rows survive. The small budget
    also uploads files in parts (multipart) and runs the rewrite under a tight memory gate."""
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    schema.write_text(json.dumps(SCHEMA))
    rng = random.Random(42)
    n = 60_000
    expected = {}
    with open(dms / "LOAD00000001.csv", "w", encoding="utf-8") as f:
        for key in range(n):
            r = row(rng, key)
            expected[key] = r
            f.write(csv_line("I", r))
    base = compact(lakectl, lake, dms, schema, "--memory-budget", budget, "--target-file-size", target)
    assert base["rowsInserted"] == n
    assert check_file_stats(lake) > 0, "the base table should have files of several row groups"

    with open(dms / "20240612-100000000.csv", "w", encoding="utf-8") as f:
        # A run of deletes across row-group (and file) boundaries, and the first 12,000 keys entirely.
        for key in list(range(9_000, 16_000)) + list(range(0, 12_000)) + list(range(19_000, 23_000)):
            f.write(csv_line("D", {"id": key, "name": None, "amount": None, "note": None}))
            expected.pop(key, None)
        for _ in range(3_000):  # updates, several per key sometimes
            key = rng.randrange(n)
            r = row(rng, key)
            f.write(csv_line("U", r))
            expected[key] = r
        for key in range(n, n + 2_500):  # inserts
            r = row(rng, key)
            f.write(csv_line("I", r))
            expected[key] = r
        f.write(csv_line("D", {"id": 10**9, "name": None, "amount": None, "note": None}))  # absent key
    summary = compact(lakectl, lake, dms, schema, "--memory-budget", budget, "--target-file-size", target)
    assert summary["filesRemoved"] >= 1
    want = sorted(expected.values(), key=lambda r: r["id"])
    assert rows_of(lake) == want
    check_file_stats(lake)
    # The counts reported match what changed.
    assert summary["rowsInserted"] == 2_500



def test_each_touched_partition_gets_one_file(lakectl, tmp_path):
    """Partitions whose files have several row groups, rewritten by parallel tasks: the rows of a
    partition (kept rows and after-images) end in one new file while it stays under the target size,
    not one per task; the table equals the oracle."""
    regions = ["eu", "us", "ap", "sa", "af", "oc"]
    schema_doc = {
        "columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long", "nullable": False},
                    {"name": "region", "type": "string"}, {"name": "note", "type": "string"}],
        "key": ["id"], "op": "Op",
    }
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    schema.write_text(json.dumps(schema_doc))
    rng = random.Random(7)
    region_of = {}
    expected = {}

    def line(op, key, region, note):
        return f'{op},{key},{region},"{note}"\n'

    with open(dms / "LOAD00000001.csv", "w") as f:
        for key in range(90_000):
            region_of[key] = regions[key % len(regions)]
            note = f"n{rng.getrandbits(64):016x}" * 4
            expected[key] = (region_of[key], note)
            f.write(line("I", key, region_of[key], note))
    args = ("--memory-budget", "8M", "--partition-by", "region")
    compact(lakectl, lake, dms, schema, *args)
    groups = [pq.ParquetFile(lake / "tables" / "s" / "t" / p).metadata.num_row_groups for p in table(lake).file_uris()]
    assert min(groups) >= 2, f"base files should have several row groups, got {groups}"

    with open(dms / "20240612-100000000.csv", "w") as f:
        for _ in range(3_000):  # updates in place, spread over every partition and row group
            key = rng.randrange(90_000)
            note = f"u{rng.getrandbits(64):016x}"
            expected[key] = (region_of[key], note)
            f.write(line("U", key, region_of[key], note))
        for key in range(90_000, 90_600):  # inserts
            region_of[key] = regions[key % len(regions)]
            expected[key] = (region_of[key], "new")
            f.write(line("I", key, region_of[key], "new"))
    summary = compact(lakectl, lake, dms, schema, *args)
    assert summary["filesRemoved"] == len(regions)
    per_partition = {}
    for add in pa.table(table(lake).get_add_actions(flatten=True)).to_pylist():
        per_partition[add["partition.region"]] = per_partition.get(add["partition.region"], 0) + 1
    assert per_partition == {r: 1 for r in regions}, per_partition
    got = pa.table(table(lake).to_pyarrow_table()).to_pylist()
    assert {r["id"]: (r["region"], r["note"]) for r in got} == expected
    assert len(got) == len(expected)
