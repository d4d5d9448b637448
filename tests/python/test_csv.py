"""CSV interop: lakectl's CSV (AWS DMS dialect) against pyarrow's and DuckDB's CSV readers and writers.

Directions:
- lakectl writes CSV (from JSON Lines via `lakectl convert`): pyarrow.csv and DuckDB read_csv read the
  same values the source table holds.
- pyarrow and DuckDB write CSV: `lakectl convert x.csv y.parquet` reads it, and the Parquet file holds the
  same values (read back with pyarrow).
- gzip (several members) and zstd files from Python's codecs; lakectl's compressed output read by Python.
Expectations are always the source pyarrow table, never hard-coded results.
"""
import datetime as dt
import decimal
import gzip
import json
import math

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

duckdb = pytest.importorskip("duckdb")

SCHEMA_JSON = {
    "columns": [
        {"name": "Op", "type": "string"},
        {"name": "ts", "type": "timestamp_ntz"},
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "qty", "type": "int"},
        {"name": "note", "type": "varchar(200)"},
        {"name": "amount", "type": "numeric(12,2)"},
        {"name": "ratio", "type": "double"},
        {"name": "day", "type": "date"},
        {"name": "flag", "type": "boolean"},
    ],
    "key": ["id"],
    "op": "Op",
    "timestamp": "ts",
}

ARROW_SCHEMA = pa.schema([
    pa.field("Op", pa.string()),
    pa.field("ts", pa.timestamp("us")),
    pa.field("id", pa.int64(), nullable=False),
    pa.field("qty", pa.int32()),
    pa.field("note", pa.string()),
    pa.field("amount", pa.decimal128(12, 2)),
    pa.field("ratio", pa.float64()),
    pa.field("day", pa.date32()),
    pa.field("flag", pa.bool_()),
])

DUCK_COLUMNS = {"Op": "VARCHAR", "ts": "TIMESTAMP", "id": "BIGINT", "qty": "INTEGER", "note": "VARCHAR",
                "amount": "DECIMAL(12,2)", "ratio": "DOUBLE", "day": "DATE", "flag": "BOOLEAN"}

NOTES = ["plain", "", None, "a,b", 'say "hi"', "multi\nline", "cr\r\nlf", "ü日本🙂", '"', ",", " spaced ", "NULL", "tab\there"]


def source_rows(n=300):
    """Deterministic tricky rows (no randomness: reruns see the same data)."""
    rows = []
    base = dt.datetime(2024, 6, 12, 10, 30, 25, 104667)
    for i in range(n):
        rows.append({
            "Op": "IUD"[i % 3],
            "ts": None if i % 17 == 5 else base + dt.timedelta(microseconds=i * 1_234_567) - dt.timedelta(days=20000 * (i % 2)),
            "id": i * 7919 - 10**12 if i % 5 else -(2**63) + i,
            "qty": None if i % 11 == 3 else (i * 37 % 2001) - 1000,
            "note": NOTES[i % len(NOTES)],
            "amount": None if i % 13 == 0 else decimal.Decimal(i * 1234567 - 9 * 10**8).scaleb(-2),
            "ratio": [0.1, -0.0, 1e300, -2.5e-308, None, 3.0, math.inf, -math.inf][i % 8] if i % 19 else i / 7,
            "day": None if i % 23 == 1 else dt.date(1969, 12, 31) + dt.timedelta(days=(i * 97) % 40000 - 20000),
            "flag": None if i % 7 == 6 else bool(i % 2),
        })
    return rows


def source_table():
    return pa.Table.from_pylist(source_rows(), schema=ARROW_SCHEMA)


def to_jsonl(rows):
    def enc(v):
        if isinstance(v, dt.datetime):
            return v.isoformat(timespec="microseconds")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, decimal.Decimal):
            return str(v)
        if isinstance(v, float) and math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    return "".join(json.dumps({k: enc(v) for k, v in r.items()}) + "\n" for r in rows)


def assert_same(actual: pa.Table, expected: pa.Table):
    actual = actual.select(expected.column_names)
    assert actual.num_rows == expected.num_rows
    for name in expected.column_names:
        a = actual.column(name).cast(expected.schema.field(name).type).to_pylist()
        e = expected.column(name).to_pylist()
        for row, (x, y) in enumerate(zip(a, e)):
            if isinstance(y, float) and isinstance(x, float):
                assert (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y)), (name, row, x, y)
            else:
                assert x == y, (name, row, x, y)


@pytest.fixture
def schema_file(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA_JSON))
    return path


def pyarrow_read(path, header):
    read = pacsv.ReadOptions(column_names=None if header else ARROW_SCHEMA.names, autogenerate_column_names=False)
    convert = pacsv.ConvertOptions(column_types=ARROW_SCHEMA, strings_can_be_null=True, quoted_strings_can_be_null=False,
                                   null_values=[""])
    return pacsv.read_csv(str(path), read_options=read, convert_options=convert)


def duckdb_read(path, header):
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_csv('{path}', header={str(header).lower()}, columns={DUCK_COLUMNS!r}, "
                  f"nullstr='', allow_quoted_nulls=false, quote='\"', escape='\"', delim=',', new_line='\\n')")
    result = rel.arrow()
    return result.read_all() if hasattr(result, "read_all") else result


@pytest.mark.parametrize("ext", [".csv", ".csv.gz", ".csv.zst"])
@pytest.mark.parametrize("header", [False, True])
def test_lakectl_csv_reads_identically_in_pyarrow_and_duckdb(lakectl, tmp_path, schema_file, ext, header):
    src = tmp_path / "rows.jsonl"
    src.write_text(to_jsonl(source_rows()))
    out = tmp_path / ("out" + ext)
    args = ["convert", src, out, "--schema", schema_file] + (["--header"] if header else [])
    proc = lakectl(*args)
    assert proc.returncode == 0, proc.stderr
    expected = source_table()
    raw = out.read_bytes()
    if ext == ".csv.gz":
        assert raw[:2] == b"\x1f\x8b"
        plain = gzip.decompress(raw)
    elif ext == ".csv.zst":
        assert raw[:4] == b"\x28\xb5\x2f\xfd"
        plain = pa.input_stream(pa.py_buffer(raw), compression="zstd").read()
    else:
        plain = raw
    # DMS dialect: NULL is an empty unquoted field, the empty string is "".
    assert b'""' in plain
    assert_same(pyarrow_read(out, header), expected)
    plain_path = tmp_path / "plain.csv"
    plain_path.write_bytes(plain)
    assert_same(duckdb_read(plain_path, header), expected)


def test_csv_written_by_pyarrow_reads_identically(lakectl, tmp_path, schema_file):
    table = source_table()
    path = tmp_path / "pa.csv"
    pacsv.write_csv(table, str(path), write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
    out = tmp_path / "pa.parquet"
    proc = lakectl("convert", path, out, "--schema", schema_file, "--header")
    assert proc.returncode == 0, proc.stderr
    assert_same(pq.read_table(out), pyarrow_read(path, header=True))
    assert_same(pq.read_table(out), table)


def test_csv_written_by_duckdb_reads_identically(lakectl, tmp_path, schema_file):
    table = source_table()
    con = duckdb.connect()
    con.register("src", table)
    path = tmp_path / "duck.csv"
    con.execute(f"COPY (SELECT * FROM src) TO '{path}' (HEADER false, DELIMITER ',')")
    out = tmp_path / "duck.parquet"
    proc = lakectl("convert", path, out, "--schema", schema_file)
    assert proc.returncode == 0, proc.stderr
    assert_same(pq.read_table(out), duckdb_read(path, header=False))
    assert_same(pq.read_table(out), table)


def test_python_gzip_members_and_zstd_and_bom(lakectl, tmp_path, schema_file):
    table = source_table()
    path = tmp_path / "pa.csv"
    pacsv.write_csv(table, str(path), write_options=pacsv.WriteOptions(include_header=False))
    data = path.read_bytes()
    half = len(data) // 2  # member boundaries need not align with rows
    gz = tmp_path / "two.csv.gz"
    gz.write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    zst = tmp_path / "one.csv.zst"
    with pa.output_stream(str(zst), compression="zstd") as f:
        f.write(b"\xef\xbb\xbf" + data)  # UTF-8 BOM first
    for src in (gz, zst):
        out = tmp_path / (src.name + ".parquet")
        proc = lakectl("convert", src, out, "--schema", schema_file)
        assert proc.returncode == 0, proc.stderr
        assert_same(pq.read_table(out), table)


def test_malformed_rows_report_file_line_and_column(lakectl, tmp_path, schema_file):
    path = tmp_path / "bad.csv"
    path.write_text('I,2024-06-12 10:30:25,1,2,"a\nb",1.00,0.5,2024-01-01,true\n'
                    'U,2024-06-12 10:30:25,2,notanumber,x,1.00,0.5,2024-01-01,false\n')
    proc = lakectl("convert", path, tmp_path / "o.parquet", "--schema", schema_file)
    assert proc.returncode != 0
    assert f"{path}:3: column 4" in proc.stderr and "'notanumber'" in proc.stderr, proc.stderr
    assert not (tmp_path / "o.parquet").exists()
    bad = tmp_path / "bad_rows.txt"
    proc = lakectl("convert", path, tmp_path / "o.parquet", "--schema", schema_file, "--bad-rows", bad)
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(tmp_path / "o.parquet").column("id").to_pylist() == [1]
    assert f"{path}:3:" in bad.read_text()
    unterminated = tmp_path / "open.csv"
    unterminated.write_text('I,2024-06-12 10:30:25,1,2,"never closed,1.00,0.5,2024-01-01,true\n')
    proc = lakectl("convert", unterminated, tmp_path / "p.parquet", "--schema", schema_file)
    assert proc.returncode != 0 and "unterminated quote" in proc.stderr and ":1: column 5" in proc.stderr, proc.stderr
