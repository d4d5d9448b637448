"""Schema evolution in `lakectl compact` (docs/MERGE.md, "Schema evolution"): change files that carry a
column the table lacks add it (nullable) in the same commit as the data; old rows read null; a type
change is refused with nothing committed. Expectations come from a small oracle that applies the
DMS change rows in file order, read back with deltalake/pyarrow and with `lakectl scan`."""
import json

import pyarrow as pa
import pytest
from deltalake import DeltaTable

V1 = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "integer", "nullable": False},
                  {"name": "name", "type": "string"}], "key": ["id"], "op": "Op"}
V2 = {**V1, "columns": V1["columns"] + [{"name": "score", "type": "long"}]}


def write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def compact(lakectl, tmp_path, schema, extra=(), check=True):
    args = ["compact", tmp_path / "lake", "--table", "s.t", "--from", tmp_path / "dms", *extra]
    if schema is not None:
        (tmp_path / "schema.json").write_text(json.dumps(schema))
        args += ["--schema", tmp_path / "schema.json"]
    return lakectl(*args, check=check)


def oracle(files, columns, types):
    """The DMS rule for one key per row: file order, then row order; the last change wins. Each
    file is (header or None, text); a headerless row's fields are the leading `columns`."""
    state = {}
    for header, text in files:
        for line in text.splitlines():
            fields = line.split(",")
            names = header if header else columns[: len(fields)]
            row = dict(zip(names, fields))
            op = row.pop("Op")
            key = types["id"](row["id"])
            if op == "D":
                state.pop(key, None)
                continue
            state[key] = {c: (types[c](row[c]) if row.get(c, "") != "" else None) for c in columns[1:]}
    return sorted(tuple(v[c] for c in columns[1:]) for v in state.values())


def table_rows(tmp_path, columns, version=None):
    t = DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t"), version=version).to_pyarrow_table()
    assert t.column_names == columns
    return sorted(tuple(r[c] for c in columns) for r in t.to_pylist())


def scan_rows(lakectl, tmp_path, columns):
    out = lakectl("scan", tmp_path / "lake" / "tables" / "s" / "t", check=True).stdout
    return sorted(tuple(json.loads(line).get(c) for c in columns) for line in out.splitlines() if line.strip())


def test_headerless_files_with_a_new_column_in_the_schema_file(lakectl, tmp_path):
    dms = tmp_path / "dms"
    typed = {"id": int, "name": str, "score": int}
    first = {"LOAD00000001.csv": "I,1,one\nI,2,two\n"}
    write(dms, first)
    compact(lakectl, tmp_path, V1)
    # A file of a far key range, so its table file is not rewritten by the next round.
    second = {"20240612-090000000.csv": "I,1000,far\n"}
    write(dms, second)
    compact(lakectl, tmp_path, V1)
    old_version = DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t")).version()
    old_files = [(None, t) for t in [*first.values(), *second.values()]]
    old = oracle(old_files, ["Op", "id", "name"], typed)

    # A mapping rule adds `score`: headerless files with it, and a file with a header.
    third = {"20240612-100000000.csv": "U,1,one-b,10\nI,3,three,30\n",
             "20240612-110000000.csv": "Op,id,name,score\nU,2,two-b,\nI,4,four,40\n"}
    write(dms, third)
    compact(lakectl, tmp_path, V2)
    all_files = old_files + [(None, third["20240612-100000000.csv"]),
                             (["Op", "id", "name", "score"], "U,2,two-b,\nI,4,four,40\n")]
    expected = oracle(all_files, ["Op", "id", "name", "score"], typed)
    assert table_rows(tmp_path, ["id", "name", "score"]) == expected
    assert scan_rows(lakectl, tmp_path, ["id", "name", "score"]) == expected
    dt = DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t"))
    assert dt.version() == old_version + 1, "the new column commits with the data, in one version"
    assert dt.to_pyarrow_table().schema.field("score").type == pa.int64()
    assert [(f.name, f.nullable) for f in dt.schema().fields][-1] == ("score", True)
    assert dt.metadata().configuration.get("lakectl.primaryKey") == "id"
    # Time travel: the old version keeps the old schema and rows.
    assert table_rows(tmp_path, ["id", "name"], version=old_version) == old
    # The untouched old file (id 1000) lacks the column and reads null.
    assert (1000, "far", None) in expected

    # A later file without the column (the mapping rule dropped again): the table keeps it, null.
    fourth = {"20240612-120000000.csv": "U,1000,far-b\n"}
    write(dms, fourth)
    compact(lakectl, tmp_path, V1)
    expected = oracle(all_files + [(None, fourth["20240612-120000000.csv"])], ["Op", "id", "name", "score"], typed)
    assert table_rows(tmp_path, ["id", "name", "score"]) == expected


def test_header_without_schema_file_adds_string_columns(lakectl, tmp_path):
    dms = tmp_path / "dms"
    write(dms, {"LOAD00000001.csv": "Op,id,name\nI,1,x\nI,2,y\n"})
    compact(lakectl, tmp_path, None, extra=["--key", "id"])
    write(dms, {"20240612-100000000.csv": "Op,id,name,city\nU,2,y2,Paris\n",
                "20240612-110000000.csv": "Op,id,City2\nI,3,z\n"})
    compact(lakectl, tmp_path, None, extra=["--key", "id"])
    columns = ["id", "name", "city", "City2"]
    expected = oracle([(["Op", "id", "name"], "I,1,x\nI,2,y\n"), (["Op", "id", "name", "city"], "U,2,y2,Paris\n"),
                       (["Op", "id", "City2"], "I,3,z\n")], ["Op", *columns], {c: str for c in columns})
    assert table_rows(tmp_path, columns) == expected


def test_type_change_is_refused_and_nothing_is_committed(lakectl, tmp_path):
    write(tmp_path / "dms", {"LOAD00000001.csv": "I,1,one\n"})
    compact(lakectl, tmp_path, V2)
    before = DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t"))
    version, rows = before.version(), before.to_pyarrow_table().to_pylist()
    write(tmp_path / "dms", {"20240612-100000000.csv": "I,2,two,2.5\n"})
    changed = {**V2, "columns": V1["columns"] + [{"name": "score", "type": "double"}]}
    proc = compact(lakectl, tmp_path, changed, check=False)
    assert proc.returncode != 0
    assert "score" in proc.stderr and "long" in proc.stderr and "double" in proc.stderr, proc.stderr
    after = DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t"))
    assert after.version() == version and after.to_pyarrow_table().to_pylist() == rows
    # Declared with the table's type, the same folder then applies (the refused round left no trace).
    (tmp_path / "dms" / "20240612-100000000.csv").write_text("I,2,two,25\n")
    compact(lakectl, tmp_path, V2)
    assert table_rows(tmp_path, ["id", "name", "score"]) == [(1, "one", None), (2, "two", 25)]


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_lakectl_ingest_adding_a_column_evolves_the_table(lakectl, tmp_path, file_format):
    """`lakectl ingest` evolves its change files (a new nullable column); compact follows, in one
    round spanning change files with and without the column."""
    lake = tmp_path / "lake"

    # `ingest --format dms-csv` needs a commit-timestamp column; the oracle sees the rows without it.
    def with_ts(schema):
        return {**schema, "timestamp": "ts",
                "columns": schema["columns"][:1] + [{"name": "ts", "type": "string"}] + schema["columns"][1:]}

    def ingest(schema, text, name):
        stamped = "".join(f"{op},2024-06-12 10:00:0{n}.000000,{rest}\n"
                          for n, (op, rest) in enumerate(line.split(",", 1) for line in text.splitlines()))
        (tmp_path / f"{name}.json").write_text(json.dumps(with_ts(schema)))
        (tmp_path / f"{name}.csv").write_text(stamped)
        lakectl("ingest", lake, "--format", "dms-csv", "--table", "s.t", "--schema", tmp_path / f"{name}.json",
                "--file-format", file_format, "--compression", "none", tmp_path / f"{name}.csv", check=True)

    def compact_lake():
        lakectl("compact", lake, "--table", "s.t", check=True)

    ingest(V1, "I,1,one\nI,2,two\n", "a")
    compact_lake()
    old_version = DeltaTable(str(lake / "tables" / "s" / "t")).version()
    ingest(V1, "U,2,two-b\n", "b")
    ingest(V2, "I,3,three,30\nU,1,one-b,10\n", "c")
    compact_lake()
    typed = {"id": int, "name": str, "score": int}
    expected = oracle([(None, "I,1,one\nI,2,two\n"), (None, "U,2,two-b\n"), (None, "I,3,three,30\nU,1,one-b,10\n")],
                      ["Op", "id", "name", "score"], typed)
    assert table_rows(tmp_path, ["id", "name", "score"]) == expected
    assert table_rows(tmp_path, ["id", "name"], version=old_version) == oracle(
        [(None, "I,1,one\nI,2,two\n")], ["Op", "id", "name"], typed)
