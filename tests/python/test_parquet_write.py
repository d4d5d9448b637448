"""lakectl's Parquet writer against pyarrow and DuckDB.

Random schemas and data are generated here, written as JSON Lines, converted by
`lakectl convert` with every codec, page version and dictionary setting, and read back by
pyarrow and DuckDB: values and types must be identical to the generated data, and the column
statistics must equal what pyarrow computes when it writes the same data itself.
"""
import base64
import datetime as dt
import decimal
import json
import math
import random
import zlib

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

decimal.getcontext().prec = 80

DELTA_TYPES = ["boolean", "byte", "short", "integer", "long", "float", "double", "string", "binary", "date",
               "timestamp", "timestamp_ntz", "decimal(38,10)", "decimal(38,0)", "decimal(9,2)", "decimal(18,18)",
               "decimal(20,5)", "decimal(1,0)"]
EPOCH = dt.datetime(1970, 1, 1)
UTC = dt.timezone.utc


def arrow_type(t):
    simple = {"boolean": pa.bool_(), "byte": pa.int8(), "short": pa.int16(), "integer": pa.int32(), "long": pa.int64(),
              "float": pa.float32(), "double": pa.float64(), "string": pa.string(), "binary": pa.binary(),
              "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"), "timestamp_ntz": pa.timestamp("us")}
    if t in simple:
        return simple[t]
    p, s = map(int, t[len("decimal("):-1].split(","))
    return pa.decimal128(p, s)


def duckdb_type(t):
    simple = {"boolean": "BOOLEAN", "byte": "TINYINT", "short": "SMALLINT", "integer": "INTEGER", "long": "BIGINT",
              "float": "FLOAT", "double": "DOUBLE", "string": "VARCHAR", "binary": "BLOB", "date": "DATE",
              "timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_ntz": "TIMESTAMP"}
    if t in simple:
        return simple[t]
    p, s = map(int, t[len("decimal("):-1].split(","))
    return f"DECIMAL({p},{s})"


def random_value(t, rng):
    """A Python value of Delta type t (the value pyarrow should read back)."""
    if t == "boolean":
        return rng.random() < 0.5
    if t in ("byte", "short", "integer", "long"):
        bits = {"byte": 8, "short": 16, "integer": 32, "long": 64}[t]
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return rng.choice([lo, hi, 0, -1, 1, rng.randint(lo, hi), rng.randint(-100, 100), rng.randint(-100, 100)])
    if t in ("float", "double"):
        special = [math.nan, math.inf, -math.inf, -0.0, 0.0]
        if t == "float":
            v = rng.choice(special + [3.4028234663852886e38, 1.401298464324817e-45, rng.uniform(-1e6, 1e6)])
            return float(pa.scalar(v, pa.float32()).as_py())  # representable in float32
        return rng.choice(special + [1.7976931348623157e308, 5e-324, rng.uniform(-1e12, 1e12), rng.random()])
    if t == "string":
        choices = ["", "a", "ünïcødé ✓ 日本語 🎉", "x" * rng.randint(1, 200), "é" * rng.randint(30, 40), "\u0000nul", "line\nbreak",
                   "".join(rng.choice("abcdefgh") for _ in range(rng.randint(0, 12))), "\U0010ffff" * 20, "zz" * 40]
        return rng.choice(choices)
    if t == "binary":
        return rng.choice([b"", b"\x00", b"\xff" * 70, bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))])
    if t == "date":
        return rng.choice([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1969, 12, 31), dt.date(1970, 1, 1),
                           dt.date(1900, 2, 28), dt.date(2000, 2, 29)]
                          + [dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(-200_000, 200_000))])
    if t in ("timestamp", "timestamp_ntz"):
        micros = rng.choice([0, -1, 1, rng.randint(-62_135_596_800_000_000, 253_402_300_799_999_999),
                             rng.randint(-10**12, 10**12), -62_135_596_800_000_000, 253_402_300_799_999_999])
        v = EPOCH + dt.timedelta(microseconds=micros)
        return v.replace(tzinfo=UTC) if t == "timestamp" else v
    p, s = map(int, t[len("decimal("):-1].split(","))
    limit = 10**p - 1
    unscaled = rng.choice([limit, -limit, 0, 1, -1, rng.randint(-limit, limit), rng.randint(-min(1000, limit), min(1000, limit))])
    return decimal.Decimal(unscaled).scaleb(-s)


def json_value(t, v):
    if v is None:
        return None
    if t in ("float", "double"):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if t == "binary":
        return base64.b64encode(v).decode()
    if t == "date":
        return v.isoformat()
    if t in ("timestamp", "timestamp_ntz"):
        text = v.replace(tzinfo=None).isoformat(timespec="microseconds")
        # Dates before year 1000 need 4 digits in ISO 8601; isoformat already pads.
        return text + ("Z" if t == "timestamp" else "")
    if t.startswith("decimal"):
        return format(v, "f")
    return v


def random_table(rng, rows, types=None):
    types = types or [rng.choice(DELTA_TYPES) for _ in range(rng.randint(1, 10))]
    columns = []
    for i, t in enumerate(types):
        nullable = rng.random() < 0.7
        mode = rng.choice(["none", "some", "most", "all"]) if nullable else "none"
        null_p = {"none": 0.0, "some": 0.1, "most": 0.9, "all": 1.0}[mode]
        low_card = rng.random() < 0.5
        pool = [random_value(t, rng) for _ in range(rng.randint(1, 8))]
        values = []
        for _ in range(rows):
            if rng.random() < null_p:
                values.append(None)
            else:
                values.append(rng.choice(pool) if low_card else random_value(t, rng))
        columns.append({"name": f"c{i}_{t.split('(')[0]}", "type": t, "nullable": nullable, "values": values})
    return columns


def write_inputs(tmp_path, columns, rows):
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps({"columns": [{"name": c["name"], "type": c["type"], "nullable": c["nullable"]} for c in columns]}))
    data_path = tmp_path / "data.jsonl"
    with open(data_path, "w", encoding="utf-8") as f:
        for r in range(rows):
            obj = {}
            for c in columns:
                v = c["values"][r]
                if v is None and random.random() < 0.5:
                    continue  # a missing key is a null too
                obj[c["name"]] = json_value(c["type"], v)
            f.write(json.dumps(obj, ensure_ascii=random.random() < 0.5) + "\n")
    return schema_path, data_path


def expected_table(columns):
    fields = [pa.field(c["name"], arrow_type(c["type"]), nullable=c["nullable"]) for c in columns]
    return pa.table({c["name"]: pa.array(c["values"], arrow_type(c["type"])) for c in columns}, schema=pa.schema(fields))


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b and (a.tzinfo is None) == (b.tzinfo is None)
    return type(a) is type(b) and a == b if not isinstance(a, bool) else a is b


def assert_rows_equal(got, want, names, who):
    assert len(got) == len(want), f"{who}: {len(got)} rows, expected {len(want)}"
    for r, (g, w) in enumerate(zip(got, want)):
        for name, x, y in zip(names, g, w):
            assert same(x, y), f"{who}: row {r} column {name}: got {x!r}, expected {y!r}"


def check_with_pyarrow(path, columns):
    expected = expected_table(columns)
    table = pq.read_table(path)
    assert table.schema.equals(expected.schema), f"schema\n{table.schema}\nexpected\n{expected.schema}"
    names = [c["name"] for c in columns]
    got = list(zip(*[table.column(n).to_pylist() for n in names])) if names else []
    want = list(zip(*[c["values"] for c in columns]))
    assert_rows_equal(got, want, names, "pyarrow")


def check_with_duckdb(path, columns):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = con.sql(f"SELECT * FROM read_parquet('{path}')")
    assert [str(t) for t in rel.types] == [duckdb_type(c["type"]) for c in columns]
    names = [c["name"] for c in columns]
    got = rel.fetchall()
    want = []
    for row in zip(*[c["values"] for c in columns]):
        out = []
        for c, v in zip(columns, row):
            if isinstance(v, dt.datetime) and v.tzinfo is not None:
                v = v  # DuckDB returns aware datetimes in the session zone (UTC)
            out.append(v)
        want.append(tuple(out))
    for r, (g, w) in enumerate(zip(got, want)):
        for name, x, y in zip(names, g, w):
            if isinstance(x, dt.datetime) and x.tzinfo is not None:
                x = x.astimezone(UTC)
            assert (x == y or same(x, y)) and type(x) is type(y), f"duckdb: row {r} column {name}: got {x!r}, expected {y!r}"
    assert len(got) == len(want)


def stats_of(path):
    md = pq.ParquetFile(path).metadata
    out = []
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        out.append([rg.column(j).statistics for j in range(rg.num_columns)])
    return md, out


def check_statistics(path, columns, row_group_rows, tmp_path):
    """Statistics equal what pyarrow computes for the same data (min/max, null count)."""
    ref = tmp_path / "reference.parquet"
    pq.write_table(expected_table(columns), ref, row_group_size=row_group_rows)
    ours_md, ours = stats_of(path)
    ref_md, theirs = stats_of(ref)
    assert ours_md.created_by.startswith("lakectl version ")
    assert ours_md.num_row_groups == ref_md.num_row_groups
    for g, (row_ours, row_theirs) in enumerate(zip(ours, theirs)):
        for j, (a, b) in enumerate(zip(row_ours, row_theirs)):
            where = f"row group {g} column {columns[j]['name']}"
            assert a is not None and a.has_null_count, f"{where}: no statistics"
            assert a.null_count == b.null_count, f"{where}: null_count {a.null_count} != {b.null_count}"
            assert a.has_min_max == b.has_min_max, f"{where}: has_min_max {a.has_min_max} != {b.has_min_max}"
            if not a.has_min_max:
                continue
            t = columns[j]["type"]
            if t in ("string", "binary") and (len(b.min_raw) > 64 or len(b.max_raw) > 64):
                # lakectl truncates long values to 64 bytes (marked inexact); pyarrow keeps them whole.
                assert b.min_raw.startswith(a.min_raw) and len(a.min_raw) <= 64, f"{where}: min {a.min_raw!r} vs {b.min_raw!r}"
                # A max of all 0xFF bytes has no shorter upper bound: then it stays exact.
                assert a.max_raw == b.max_raw or (a.max_raw > b.max_raw and len(a.max_raw) <= 64), \
                    f"{where}: max {a.max_raw!r} vs {b.max_raw!r}"
                if len(b.min_raw) <= 64:
                    assert a.min == b.min
                if len(b.max_raw) <= 64:
                    assert a.max == b.max
                if t == "string":
                    a.max_raw.decode("utf-8")  # still valid UTF-8
                continue
            assert same(a.min, b.min) or a.min == b.min, f"{where}: min {a.min!r} != pyarrow {b.min!r}"
            assert same(a.max, b.max) or a.max == b.max, f"{where}: max {a.max!r} != pyarrow {b.max!r}"


CODECS = ["zstd", "snappy", "gzip", "none"]


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("page_version", [1, 2])
@pytest.mark.parametrize("dictionary", [True, False])
def test_random_tables_read_back_by_pyarrow_and_duckdb(lakectl, tmp_path, codec, page_version, dictionary):
    seed = zlib.crc32(f"{codec}-{page_version}-{dictionary}".encode())
    rng = random.Random(seed)
    random.seed(seed)
    rows = rng.choice([1, 7, 300, 2500])
    types = DELTA_TYPES if (page_version == 1 and dictionary) else None
    columns = random_table(rng, rows, types)
    schema, data = write_inputs(tmp_path, columns, rows)
    out = tmp_path / "out.parquet"
    row_group_rows = max(1, rows // 3)
    args = ["convert", data, out, "--schema", schema, "--compression", codec, "--page-version", page_version,
            "--row-group-rows", row_group_rows]
    if not dictionary:
        args.append("--no-dictionary")
    proc = lakectl(*args)
    assert proc.returncode == 0, proc.stderr
    check_with_pyarrow(out, columns)
    check_with_duckdb(out, columns)
    check_statistics(out, columns, row_group_rows, tmp_path)
    md = pq.ParquetFile(out).metadata
    expected_codec = {"zstd": "ZSTD", "snappy": "SNAPPY", "gzip": "GZIP", "none": "UNCOMPRESSED"}[codec]
    for g in range(md.num_row_groups):
        for j in range(md.num_columns):
            col = md.row_group(g).column(j)
            assert col.compression == expected_codec
            if not dictionary:
                assert "RLE_DICTIONARY" not in col.encodings
            if columns[j]["type"] == "boolean":
                assert "RLE_DICTIONARY" not in col.encodings


@pytest.mark.parametrize("seed", range(6))
def test_more_random_tables(lakectl, tmp_path, seed):
    rng = random.Random(1000 + seed)
    random.seed(seed)
    rows = rng.randint(0, 3000)
    columns = random_table(rng, rows)
    schema, data = write_inputs(tmp_path, columns, rows)
    out = tmp_path / "out.parquet"
    proc = lakectl("convert", data, out, "--schema", schema, "--compression", rng.choice(CODECS),
                   "--page-version", rng.choice([1, 2]))
    assert proc.returncode == 0, proc.stderr
    check_with_pyarrow(out, columns)
    check_with_duckdb(out, columns)
    if rows:
        check_statistics(out, columns, 1 << 20, tmp_path)


def test_dictionary_fallback_and_many_pages(lakectl, tmp_path):
    """45,000 distinct 40-byte strings overflow the 1 MiB dictionary (fallback to PLAIN mid-chunk)
    and span several 20,000-row pages; a low-cardinality column stays dictionary-encoded."""
    rows = 45_000
    columns = [
        {"name": "s", "type": "string", "nullable": True,
         "values": [None if i % 97 == 0 else f"{i:08d}-{'x' * 31}" for i in range(rows)]},
        {"name": "k", "type": "long", "nullable": False, "values": [i % 5 for i in range(rows)]},
        {"name": "u", "type": "long", "nullable": True, "values": [i * 7919 for i in range(rows)]},
    ]
    schema, data = write_inputs(tmp_path, columns, rows)
    out = tmp_path / "out.parquet"
    proc = lakectl("convert", data, out, "--schema", schema)
    assert proc.returncode == 0, proc.stderr
    check_with_pyarrow(out, columns)
    check_with_duckdb(out, columns)
    check_statistics(out, columns, 1 << 20, tmp_path)
    md = pq.ParquetFile(out).metadata.row_group(0)
    assert set(md.column(0).encodings) >= {"PLAIN", "RLE_DICTIONARY"}
    assert "RLE_DICTIONARY" in md.column(1).encodings
    # Offsets: the dictionary page comes first, data pages after it, sizes add up to the file layout.
    for j in range(3):
        col = md.column(j)
        if col.has_dictionary_page:
            assert col.dictionary_page_offset < col.data_page_offset
        assert col.total_compressed_size > 0
    assert md.column(0).file_offset == 0 or md.column(0).file_offset >= 4


def test_layout_offsets_are_exact(lakectl, tmp_path):
    """Chunks are contiguous: each starts where the previous ends, the first at byte 4, and the
    footer follows the last chunk."""
    rng = random.Random(7)
    rows = 5000
    columns = random_table(rng, rows, ["long", "string", "double", "boolean", "date"])
    schema, data = write_inputs(tmp_path, columns, rows)
    out = tmp_path / "out.parquet"
    assert lakectl("convert", data, out, "--schema", schema, "--row-group-rows", 1200).returncode == 0
    md = pq.ParquetFile(out).metadata
    size = out.stat().st_size
    position = 4
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        total = 0
        for j in range(rg.num_columns):
            col = rg.column(j)
            start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
            assert start == position, f"rg {g} col {j} starts at {start}, expected {position}"
            position += col.total_compressed_size
            total += col.total_uncompressed_size
        assert rg.total_byte_size == total
    footer_len = int.from_bytes(out.read_bytes()[-8:-4], "little")
    assert position + footer_len + 8 == size


def test_convert_reports_bad_input(lakectl, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"columns": [{"name": "a", "type": "long", "nullable": False}]}))
    data = tmp_path / "data.jsonl"
    data.write_text('{"a": 1}\n{"a": "x"}\n')
    proc = lakectl("convert", data, tmp_path / "o.parquet", "--schema", schema)
    assert proc.returncode != 0
    assert proc.stderr.startswith("lakectl: ") and "data.jsonl:2" in proc.stderr and "column a" in proc.stderr
    assert not (tmp_path / "o.parquet").exists()
    data.write_text('{"a": 1}\n{"b": 2}\n')
    proc = lakectl("convert", data, tmp_path / "o.parquet", "--schema", schema)
    assert proc.returncode != 0 and "data.jsonl:2" in proc.stderr and "not nullable" in proc.stderr
    data.write_text('{"a": 1\n')
    proc = lakectl("convert", data, tmp_path / "o.parquet", "--schema", schema)
    assert proc.returncode != 0 and "invalid JSON" in proc.stderr
