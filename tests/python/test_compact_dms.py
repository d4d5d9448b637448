"""Hand-written AWS DMS folders, one per rule of issue 6 items 1-2, compacted with lakectl and read
back with deltalake. Each expected table follows from the rule the test names (docs/MERGE.md)."""
import datetime
import decimal
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

SCHEMA = {
    "columns": [{"name": "Op", "type": "string"}, {"name": "ts", "type": "string"},
                {"name": "id", "type": "integer", "nullable": False}, {"name": "name", "type": "varchar(20)"},
                {"name": "price", "type": "numeric(8,2)"}, {"name": "seq", "type": "string"},
                {"name": "before_id", "type": "int"}],
    "key": ["id"], "op": "Op", "timestamp": "ts", "sequence": "seq", "before": ["before_id"],
}


def run(lakectl, tmp_path, files, schema=SCHEMA, extra=(), table="s.t"):
    dms = tmp_path / "dms"
    for name, content in files.items():
        path = dms / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    args = ["compact", tmp_path / "lake", "--table", table, "--from", dms, *extra]
    if schema is not None:
        (tmp_path / "schema.json").write_text(json.dumps(schema))
        args += ["--schema", tmp_path / "schema.json"]
    return lakectl(*args, check=True)


def rows(tmp_path, table="s/t"):
    t = DeltaTable(str(tmp_path / "lake" / "tables" / table)).to_pyarrow_table()
    return sorted((tuple(r.values()) for r in t.to_pylist()), key=lambda r: r[0])


D = decimal.Decimal


def test_load_files_in_hex_order_then_cdc_by_name_time(lakectl, tmp_path):
    # LOAD0000000A is the 10th file: it must apply after LOAD00000009 (string order agrees here, but
    # LOAD00000010 = 16 comes after LOAD0000000F = 15). CDC: 11:34:01.4000 (4 digits) is after
    # 11:34:01.123 (3 digits) though "…1234000" < "…123" as strings is false the other way round.
    files = {
        "LOAD00000009.csv": "I,,1,nine,1.00,,\n",
        "LOAD0000000A.csv": "I,,1,ten,1.00,,\n",
        "LOAD0000000F.csv": "I,,2,fifteen,1.00,,\n",
        "LOAD00000010.csv": "I,,2,sixteen,1.00,,\n",
        "20141029-1134014000.csv": "U,,1,cdc-late,2.00,,\n",
        "20141029-113401123.csv": "U,,1,cdc-early,2.00,,\n",
    }
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(1, "cdc-late", D("2.00")), (2, "sixteen", D("1.00"))]


def test_full_load_without_op_column_and_null_vs_empty(lakectl, tmp_path):
    # LOAD files without Op (DMS default); an empty unquoted field is NULL, "" is the empty string.
    files = {"LOAD00000001.csv": ',1,,3.50,,\n,2,"",,,\n,3,"a,""b""",1.25,,\n'}
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(1, None, D("3.50")), (2, "", None), (3, 'a,"b"', D("1.25"))]


def test_delete_with_key_only_absent_delete_update_of_absent_insert_of_present(lakectl, tmp_path):
    files = {
        "LOAD00000001.csv": "I,,1,one,1.00,,\nI,,2,two,2.00,,\n",
        "20240612-100000000.csv": "D,,1,,,,\nD,,99,,,,\nU,,3,three,3.00,,\nI,,2,two-again,2.50,,\n",
    }
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(2, "two-again", D("2.50")), (3, "three", D("3.00"))]


def test_sequence_column_orders_before_file_and_row_order(lakectl, tmp_path):
    files = {"20240612-100000000.csv":
             "U,2024-06-12 10:00:00.000000,1,newest,1.00,20240612100000000000000000000000003,\n"
             "U,2024-06-12 10:00:00.000000,1,oldest,1.00,20240612100000000000000000000000001,\n"
             "U,2024-06-12 10:00:00.000000,1,middle,1.00,20240612100000000000000000000000002,\n"}
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(1, "newest", D("1.00"))]


def test_commit_timestamp_orders_when_there_is_no_sequence(lakectl, tmp_path):
    schema = dict(SCHEMA, columns=SCHEMA["columns"][:5], sequence=None, before=[])
    files = {"20240612-100000000.csv":
             "U,2024-06-12 10:00:02.000000,1,later,1.00\n"
             "U,2024-06-12 10:00:01.000000,1,earlier,1.00\n"
             "I,2024-06-12 10:00:05.000000,2,ins,1.00\n"
             "D,2024-06-12 10:00:05.000000,2,,\n"}  # equal times: row order decides (the D wins)
    run(lakectl, tmp_path, files, schema=schema)
    assert rows(tmp_path) == [(1, "later", D("1.00"))]


def test_before_image_key_change_moves_the_row(lakectl, tmp_path):
    files = {
        "LOAD00000001.csv": "I,,1,one,1.00,,\n",
        "20240612-100000000.csv": "U,,10,one-renumbered,1.00,,1\nU,,10,same-key,1.50,,10\n",
    }
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(10, "same-key", D("1.50"))]


def test_column_count_changes_when_a_mapping_rule_is_added_later(lakectl, tmp_path):
    # Early files lack the sequence and before-image columns (rules added later).
    files = {
        "LOAD00000001.csv": ",1,one,1.00\n,2,two,2.00\n",             # no Op, no seq, no before
        "20240612-100000000.csv": "U,,1,one-b,1.00\n",                # no seq, no before
        "20240612-110000000.csv": "U,,2,two-b,2.00,20240612110000000000000000000000001,\n",  # no before
        "20240612-120000000.csv": "U,,1,one-c,1.00,20240612120000000000000000000000001,\n",  # all columns
    }
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(1, "one-c", D("1.00")), (2, "two-b", D("2.00"))]


def test_headers_date_folders_and_gzip(lakectl, tmp_path):
    header = "Op,ts,id,name,price,seq,before_id\n"
    files = {
        "LOAD00000001.csv": "id,name,price\n1,one,1.00\n2,two,2.00\n",   # header without Op
        "2024/06/12/20240612-100000000.csv": header + "U,,1,one-b,1.10,,\n",
        "2024/06/13/20240613-000000000.csv.gz": gzip.compress((header + "D,,2,,,,\n").encode()),
    }
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == [(1, "one-b", D("1.10"))]


def test_header_without_schema_file_gives_string_columns(lakectl, tmp_path):
    files = {"LOAD00000001.csv": "Op,id,name\nI,1,x\nI,2,y\n", "20240612-100000000.csv": "Op,id,name\nD,2,\n"}
    run(lakectl, tmp_path, files, schema=None, extra=["--key", "id"])
    assert rows(tmp_path) == [("1", "x")]


def test_parquet_dms_files(lakectl, tmp_path):
    load = pa.table({"id": pa.array([1, 2], pa.int32()), "name": ["one", "two"],
                     "price": pa.array([D("1.00"), D("2.00")], pa.decimal128(8, 2))})
    cdc = pa.table({"Op": ["U", "D"], "ts": ["2024-06-12 10:00:00.000001", "2024-06-12 10:00:00.000002"],
                    "id": pa.array([1, 2], pa.int32()), "name": ["one-b", None],
                    "price": pa.array([D("1.50"), None], pa.decimal128(8, 2))})
    dms = tmp_path / "dms"
    dms.mkdir()
    # DMS writes Parquet uncompressed by default.
    pq.write_table(load, dms / "LOAD00000001.parquet", compression="none")
    pq.write_table(cdc, dms / "20240612-100000000.parquet", compression="none")
    run(lakectl, tmp_path, {})
    assert rows(tmp_path) == [(1, "one-b", D("1.50"))]


def test_rerun_skips_consumed_files_and_applies_late_older_file_once(lakectl, tmp_path):
    run(lakectl, tmp_path, {"20240612-120000000.csv": "I,,1,a,1.00,,\n"})
    out = run(lakectl, tmp_path, {})
    assert "up to date" in out.stdout
    # Late: an older name than the one applied. Its I of key 2 applies once; rerunning changes nothing.
    run(lakectl, tmp_path, {"20240612-110000000.csv": "I,,2,late,2.00,,\n"})
    run(lakectl, tmp_path, {})
    assert rows(tmp_path) == [(1, "a", D("1.00")), (2, "late", D("2.00"))]
    assert DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t")).version() == 2


def test_partition_by_month_moves_rows_between_partitions(lakectl, tmp_path):
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long"},
                          {"name": "created", "type": "timestamp"}], "key": ["id"], "op": "Op"}
    files = {"LOAD00000001.csv": "I,1,2024-01-15 10:00:00\nI,2,2024-02-01 00:00:00\n",
             "20240612-100000000.csv": "U,1,2024-03-01 00:00:00\n"}
    run(lakectl, tmp_path, files, schema=schema, extra=["--partition-by", "created:month"])
    dt = DeltaTable(str(tmp_path / "lake" / "tables" / "s" / "t"))
    got = sorted((r["id"], r["created_month"]) for r in dt.to_pyarrow_table().to_pylist())
    assert got == [(1, "2024-03"), (2, "2024-02")]
    parts = sorted(a["partition.created_month"] for a in pa.table(dt.get_add_actions(flatten=True)).to_pylist())
    assert parts == ["2024-02", "2024-03"]


def test_explain_dry_run_and_json(lakectl, tmp_path):
    files = {"20240612-100000000.csv": "I,,1,a,1.00,,\nU,,1,b,1.00,,\nD,,1,,,,\n"}
    out = run(lakectl, tmp_path, files, extra=["--dry-run"])
    assert "dry run" in out.stdout and not (tmp_path / "lake" / "tables").exists()
    out = run(lakectl, tmp_path, {}, extra=["--explain", "1", "--json"])
    summary = json.loads(out.stdout)
    assert summary["rowsInserted"] == 0 and summary["changeRows"] == 3
    assert summary["explain"][-2].strip().startswith("3. D") and "deleted" in summary["explain"][-1]


def test_bad_input_is_a_clear_error(lakectl, tmp_path):
    dms = tmp_path / "dms"
    dms.mkdir()
    (dms / "20240612-100000000.csv").write_text("X,,1,a,1.00,,\n")
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    out = lakectl("compact", tmp_path / "lake", "--table", "s.t", "--from", dms, "--schema", tmp_path / "schema.json")
    assert out.returncode != 0
    assert "20240612-100000000.csv" in out.stderr and "line 1" in out.stderr and "unknown op" in out.stderr


def test_large_files_read_in_parallel_blocks_keep_every_rule(lakectl, tmp_path):
    # Files over the block reader's threshold (256 KiB): split into blocks parsed on all cores. Quoted
    # line breaks and doubled quotes land across block splits; NULL (empty unquoted) vs "" survive.
    def name(i):
        return [None, "", 'q"\n' + str(i), "a,b", "n" + str(i)][i % 5]

    def field(v):
        if v is None:
            return ""
        return '"' + v.replace('"', '""') + '"' if (v == "" or any(c in v for c in ',"\n')) else v

    n = 30000
    load = "".join(f",{i},{field(name(i))},{i % 1000}.{i % 100:02d},,\n" for i in range(n))
    expected = {i: (i, name(i), D(f"{i % 1000}.{i % 100:02d}")) for i in range(n)}
    cdc = []
    for k in range(20000):
        i = (k * 7919) % (n + 5000)
        if k % 10 == 0:
            cdc.append(f"D,,{i},,,,\n")
            expected.pop(i, None)
        else:
            v = name(k + 1)
            cdc.append(f"{'U' if i in expected else 'I'},,{i},{field(v)},,,\n")
            expected[i] = (i, v, None)
    files = {"LOAD00000001.csv": load, "20240612-100000000.csv": "".join(cdc)}
    assert all(len(t) > 300_000 for t in files.values())
    run(lakectl, tmp_path, files)
    assert rows(tmp_path) == sorted(expected.values())
