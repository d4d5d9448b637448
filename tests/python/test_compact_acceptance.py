"""Acceptance-style tests of `lakectl compact` with data shaped like real systems write it: AWS DMS
folders in their variations (CSV/gzip/Parquet, date folders, headers, BOM, CRLF, mapping rules added
later, before-images, 35-digit change sequences), Delta tables written by `deltalake` (not lakectl),
and key types beyond integers. Every expectation comes from a Python oracle of the documented rule
(docs/MERGE.md, "Resolution per key") applied to the same changes; the table is read with deltalake."""
import datetime
import decimal
import gzip
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

D = decimal.Decimal
UTC = datetime.timezone.utc


# ---------------------------------------------------------------------------------------------------
# The oracle: docs/MERGE.md "Resolution per key", one batch (a compact run) at a time.

class Change:
    """One change row of a DMS file: op (None = full load without Op), the row (dict of data columns),
    optional sequence (int), commit time (microseconds), before-image key (tuple or None)."""

    def __init__(self, op, row, seq=None, ts=None, before=None):
        self.op, self.row, self.seq, self.ts, self.before = op, row, seq, ts, before


def apply_batch(table, files, key):
    """`table` (dict key tuple -> row) after one run over `files` (lists of Change, in DMS file order)."""
    events = []
    for f, changes in enumerate(files):
        for r, c in enumerate(changes):
            k = tuple(c.row[n] for n in key)
            order = ((0, 0) if c.seq is None else (1, c.seq), (0, 0) if c.ts is None else (1, c.ts), f, r)
            if c.op == "U" and c.before is not None and c.before != k:
                events.append((order + (0,), c.before, "D", None))
            events.append((order + (1,), k, c.op or "I", c.row))
    last = {}
    for order, k, op, row in sorted(events, key=lambda e: e[0]):
        last[k] = (op, row)
    for k, (op, row) in last.items():
        if op == "D":
            table.pop(k, None)
        else:
            table[k] = dict(row)
    return table


def table_rows(path, columns, version=None):
    dt = DeltaTable(str(path), version=version)
    t = dt.to_pyarrow_table()
    out = []
    for r in t.to_pylist():
        out.append(tuple(r[c] for c in columns))
    return sorted(out, key=repr)


def oracle_rows(table, columns):
    return sorted((tuple(r.get(c) for c in columns) for r in table.values()), key=repr)


# ---------------------------------------------------------------------------------------------------
# DMS CSV text.

def csv_field(v, kind="string"):
    """The DMS text of a value: NULL is an empty unquoted field; "" is the empty string."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, (datetime.date, D, int)):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    s = str(v)
    if s == "" or any(ch in s for ch in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def ts_text(micros):
    if micros is None:
        return ""
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)).strftime("%Y-%m-%d %H:%M:%S.%f")


def seq_text(seq):
    return "" if seq is None else f"{seq:035d}"


def write(path, lines, *, gz=False, bom=False, crlf=False):
    """Writes records (each ending in \n); with `crlf` only record ends become CRLF (a line break
    inside a quoted value stays as written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(lines, str):
        lines = [lines]
    text = "".join(line[:-1] + "\r\n" if crlf and line.endswith("\n") else line for line in lines)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)


def compact(lakectl, lake, dms, *extra, schema=None, tmp_path=None, check=True):
    args = ["compact", lake, "--table", "s.t", "--from", dms, "--json", *extra]
    if schema is not None:
        sp = (tmp_path or lake.parent) / "schema.json"
        sp.write_text(json.dumps(schema))
        args += ["--schema", sp]
    return lakectl(*args, check=check)


# The "orders" table of the DMS tests: op, commit timestamp, data columns, change sequence, before-image.
ORDER_COLUMNS = [("id", "integer"), ("customer", "varchar(40)"), ("amount", "numeric(10,2)"),
                 ("order_date", "date"), ("updated", "timestamp"), ("paid", "boolean"), ("weight", "double")]
ORDER_DATA = [n for n, _ in ORDER_COLUMNS]
ORDER_SCHEMA = {
    "columns": [{"name": "Op", "type": "string"}, {"name": "transaction_commit_timestamp", "type": "string"}]
    + [{"name": n, "type": t, "nullable": n != "id"} for n, t in ORDER_COLUMNS]
    + [{"name": "AR_H_CHANGE_SEQ", "type": "string"}, {"name": "before_id", "type": "integer"}],
    "key": ["id"], "op": "Op", "timestamp": "transaction_commit_timestamp", "sequence": "AR_H_CHANGE_SEQ",
    "before": ["before_id"],
}
NAMES = ["Vins et alcools Chevalier", "Rua do Paço, 67", 'say "hi"', "line\nbreak", "", "日本語 🎉",
         "trailing space ", "a,b,c", "semi;colon", "crlf\r\ninside"]


class OrderStream:
    """Random order changes in DMS order: a commit clock, a change sequence, PK changes."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.clock = 1_718_000_000_000_000
        self.seq_counter = 0
        self.live = set()

    def row(self, key):
        rng = self.rng

        def maybe(v):
            return None if rng.random() < 0.15 else v
        return {
            "id": key,
            "customer": maybe(rng.choice(NAMES)),
            "amount": maybe(D(rng.randint(-10**9, 10**9)) / 100),
            "order_date": maybe(datetime.date(1996, 7, 4) + datetime.timedelta(days=rng.randint(0, 10000))),
            "updated": maybe(datetime.datetime(2024, 6, 12, 10, 30, 27) + datetime.timedelta(microseconds=rng.randint(0, 10**12))),
            "paid": maybe(rng.random() < 0.5),
            "weight": maybe(rng.choice([32.38, -0.5, 1e10, 0.1])),
        }

    def load(self, n, start=1):
        out = []
        for key in range(start, start + n):
            self.live.add(key)
            out.append(Change(None, self.row(key)))
        return out

    def cdc(self, n, with_seq=True, pk_changes=True):
        rng = self.rng
        out = []
        for _ in range(n):
            self.clock += rng.choice([0, 0, 1, 500_000])  # rows of one transaction share a time
            self.seq_counter += 1
            seq = int(f"{self.clock // 10_000:016d}{self.seq_counter:019d}") if with_seq else None
            key = rng.randint(1, 60)
            dice = rng.random()
            if dice < 0.2:
                op, row, before = "D", {n: None for n in ORDER_DATA}, None
                row["id"] = key
                self.live.discard(key)
            elif dice < 0.3 and pk_changes and key in self.live:
                new = rng.randint(61, 90)
                op, row, before = "U", self.row(new), key
                self.live.discard(key)
                self.live.add(new)
            else:
                op, row, before = rng.choice("IU"), self.row(key), key if rng.random() < 0.5 else None
                self.live.add(key)
            if before is not None and op != "U":
                before = None
            out.append(Change(op, row, seq, self.clock, (before,) if before is not None else None))
        return out


def order_line(c, *, op=True, ts=True, seq=True, before=True):
    fields = []
    if op:
        fields.append(c.op or "")
    if ts:
        fields.append(ts_text(c.ts))
    fields += [csv_field(c.row[n]) for n in ORDER_DATA]
    if seq:
        fields.append(seq_text(c.seq))
    if before:
        fields.append(csv_field(c.before[0]) if c.before else "")
    return ",".join(fields) + "\n"


def order_header(*, op=True, ts=True, seq=True, before=True):
    names = (["Op"] if op else []) + (["transaction_commit_timestamp"] if ts else []) + ORDER_DATA
    names += (["AR_H_CHANGE_SEQ"] if seq else []) + (["before_id"] if before else [])
    return ",".join(names) + "\n"


def order_rows(path):
    return table_rows(path, ORDER_DATA)


def order_oracle(table):
    return oracle_rows(table, ORDER_DATA)


def normalize_orders(rows):
    """deltalake gives timestamps as aware datetimes; the oracle keeps naive UTC."""
    out = []
    for r in rows:
        out.append(tuple(v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v for v in r))
    return sorted(out, key=repr)


# ---------------------------------------------------------------------------------------------------
# 1. DMS folders as real DMS tasks write them.

def test_dms_realistic_folder_in_batches_matches_oracle(lakectl, tmp_path):
    """Headerless LOAD files without Op, then with Op; CDC files with 3- and 4-digit suffixes, in date
    folders, gzip, CRLF, BOM; several runs; the table equals the oracle after each run."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    s = OrderStream(7)
    table = {}
    key = ["id"]
    # Batch 1: full load (two files, the second with IncludeOpForFullLoad's I), plus first CDC files.
    load1, load2 = s.load(20, 1), s.load(20, 21)
    cdc1 = s.cdc(30)
    write(dms / "LOAD00000001.csv", [order_line(c, op=False, ts=False, seq=False, before=False) for c in load1])
    for c in load2:
        c.op = "I"
    write(dms / "LOAD00000002.csv.gz", [order_line(c, seq=False, before=False) for c in load2], gz=True)
    write(dms / "2024/06/12/20240612-103127367.csv", [order_line(c) for c in cdc1])
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    apply_batch(table, [load1, load2, cdc1], key)
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)

    # Batch 2: a 4-digit file between two 3-digit ones (time order, not string order), CRLF, gzip, BOM.
    a, b, c3 = s.cdc(25), s.cdc(25), s.cdc(25)
    write(dms / "2024/06/12/20240612-235959998.csv.gz", [order_line(c) for c in a], gz=True)
    write(dms / "2024/06/12/20240612-2359599990.csv", [order_line(c) for c in b], crlf=True)
    write(dms / "2024/06/13/20240613-000000001.csv", [order_line(c) for c in c3], bom=True)
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    apply_batch(table, [a, b, c3], key)
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)

    # DuckDB reads the table's live files (no deletion vectors here) to the same rows.
    import duckdb
    uris = DeltaTable(str(lake / "tables/s/t")).file_uris()
    got = duckdb.sql(f"select {', '.join(ORDER_DATA)} from read_parquet({uris!r})").fetchall()
    want = order_oracle(table)
    assert sorted(((*r[:4], r[4].replace(tzinfo=None) if r[4] else None, *r[5:]) for r in got), key=repr) == want

    # A rerun commits nothing; earlier versions stay readable and equal to their oracle.
    out = compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    assert '"version"' not in out.stdout
    assert DeltaTable(str(lake / "tables/s/t")).version() == 2  # create, run 1, run 2


def test_dms_headers_bom_crlf_without_schema_file(lakectl, tmp_path):
    """AddColumnName=true files (a header row) with BOM and CRLF, no schema file: string columns."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    s = OrderStream(8)
    load, cdc = s.load(15), s.cdc(40, pk_changes=False)
    hdr_load = ",".join(ORDER_DATA) + "\n"
    write(dms / "LOAD00000001.csv", [hdr_load] + [order_line(c, op=False, ts=False, seq=False, before=False) for c in load],
          bom=True, crlf=True)
    write(dms / "20240612-103127367.csv", [order_header(before=False)] + [order_line(c, before=False) for c in cdc],
          bom=True, crlf=True)
    compact(lakectl, lake, dms, "--key", "id")
    table = apply_batch({}, [load, cdc], ["id"])
    # Without a schema file every column is a string holding the file's text (the commit-timestamp
    # column is data then, since nothing names it; the sequence column is recognised by its name).
    got = table_rows(lake / "tables/s/t", ORDER_DATA)
    want = sorted((tuple(None if r[n] is None else csv_text_value(r[n]) for n in ORDER_DATA)
                   for r in table.values()), key=repr)
    assert got == want


def csv_text_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, float):
        return repr(v)
    return str(v)


def test_dms_mapping_rules_added_later_and_late_file(lakectl, tmp_path):
    """Old headerless files lack the sequence and before-image columns (rules added later); a file that
    arrives late with an older name is applied once, in the run that sees it."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    s = OrderStream(9)
    load = s.load(30)
    old = s.cdc(30, with_seq=False, pk_changes=False)
    new = s.cdc(30)
    write(dms / "LOAD00000001.csv", [order_line(c, op=False, seq=False, before=False) for c in load])
    write(dms / "20240612-100000000.csv", [order_line(c, seq=False, before=False) for c in old])
    write(dms / "20240612-110000000.csv", [order_line(c) for c in new])
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    table = apply_batch({}, [load, old, new], ["id"])
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)
    v1 = order_oracle(table)

    late = s.cdc(20)
    write(dms / "20240612-105959999.csv", [order_line(c) for c in late])
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    apply_batch(table, [late], ["id"])
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    assert DeltaTable(str(lake / "tables/s/t")).version() == 2
    assert normalize_orders(table_rows(lake / "tables/s/t", ORDER_DATA, version=1)) == v1


def test_dms_change_seq_orders_rows_across_files_and_empty_during_full_load(lakectl, tmp_path):
    """$AR_H_CHANGE_SEQ (35 digits, zero padded) decides before file order; empty in the full load."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    schema = dict(ORDER_SCHEMA)
    base = {n: None for n in ORDER_DATA}
    load = [Change("I", dict(base, id=1, customer="load"), None, 1)]
    # File order says f2 last; the sequence says f1's row is the newest.
    f1 = [Change("U", dict(base, id=1, customer="newest"), 20240612103027360000000000000000117, 5)]
    f2 = [Change("U", dict(base, id=1, customer="older"), 20240612103027360000000000000000099, 5),
          Change("U", dict(base, id=2, customer="two"), 20240612103027360000000000000000100, 5)]
    write(dms / "LOAD00000001.csv", [order_line(c) for c in load])
    write(dms / "20240612-103127367.csv", [order_line(c) for c in f1])
    write(dms / "20240612-103227367.csv", [order_line(c) for c in f2])
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    table = apply_batch({}, [load, f1, f2], ["id"])
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)
    assert {r[1] for r in order_rows(lake / "tables/s/t")} == {"newest", "two"}


def _no_commit(lake, version_before):
    log = lake / "tables/s/t/_delta_log"
    if version_before is None:
        assert not log.exists() or not any(log.glob("*.json"))
    else:
        assert DeltaTable(str(lake / "tables/s/t")).version() == version_before


@pytest.mark.parametrize("case", ["unknown_op", "truncated_gzip", "unclosed_quote", "wrong_field_count_with_header",
                                  "bad_value", "bad_parquet_op", "parquet_null_key"])
def test_dms_bad_file_fails_naming_it_and_commits_nothing(lakectl, tmp_path, case):
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    s = OrderStream(10)
    load = s.load(10)
    write(dms / "LOAD00000001.csv", [order_line(c, op=False, ts=False, seq=False, before=False) for c in load])
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    good = s.cdc(10)
    write(dms / "20240612-100000000.csv", [order_line(c) for c in good])
    bad_lines = [order_line(c) for c in s.cdc(6)]
    name = "20240612-110000000.csv"
    if case == "unknown_op":
        bad_lines[3] = "X" + bad_lines[3][1:]
        write(dms / name, bad_lines)
        expect = ["line 4", "X"]
    elif case == "truncated_gzip":
        name += ".gz"
        data = gzip.compress("".join(bad_lines).encode())
        (dms / name).write_bytes(data[: len(data) * 2 // 3])
        expect = []
    elif case == "unclosed_quote":
        bad_lines[2] = bad_lines[2].rstrip("\n") + ',"never closed\n'
        write(dms / name, bad_lines)
        expect = ["line 3"]
    elif case == "wrong_field_count_with_header":
        # A header names the columns; a row with a missing field is malformed, not a new layout.
        bad_lines[2] = bad_lines[2].rstrip("\n").rsplit(",", 1)[0] + "\n"
        write(dms / name, [order_header()] + bad_lines)
        expect = ["line 4", "fields, but the header has"]
    elif case == "bad_value":
        fields = bad_lines[1].rstrip("\n").split(",")
        fields[2] = "12x"  # id
        bad_lines[1] = ",".join(fields) + "\n"
        write(dms / name, bad_lines)
        expect = ["line 2", "12x"]
    elif case == "parquet_null_key":
        name = "20240612-110000000.parquet"
        pq.write_table(pa.table({"Op": ["I", "U"], "id": pa.array([1, None], pa.int32())}), dms / name)
        expect = ["row 2", "'id'"]
    else:
        name = "20240612-110000000.parquet"
        t = pa.table({"Op": ["I", "Q"], "transaction_commit_timestamp": ["2024-06-12 10:00:00.000001"] * 2,
                      "id": pa.array([1, 2], pa.int32())})
        pq.write_table(t, dms / name)
        expect = ["row 2", "Q"]
    out = compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path, check=False)
    assert out.returncode != 0, out.stdout
    assert name in out.stderr, out.stderr
    for e in expect:
        assert e in out.stderr, out.stderr
    assert "Fatal error" not in out.stderr and out.stderr.startswith("lakectl: "), out.stderr
    _no_commit(lake, 1)
    # The good file is not consumed either: after removing the bad one it applies.
    (dms / name).unlink()
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    table = apply_batch(apply_batch({}, [load], ["id"]), [good], ["id"])
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)


# ---------------------------------------------------------------------------------------------------
# DMS Parquet.

def parquet_changes(changes, *, with_op=True, ts_as_string=True):
    cols = {}
    if with_op:
        cols["Op"] = pa.array([c.op for c in changes], pa.string())
    cols["transaction_commit_timestamp"] = pa.array([ts_text(c.ts) or None for c in changes], pa.string())
    cols["id"] = pa.array([c.row["id"] for c in changes], pa.int32())
    cols["customer"] = pa.array([c.row["customer"] for c in changes], pa.string())
    cols["amount"] = pa.array([c.row["amount"] for c in changes], pa.decimal128(10, 2))
    cols["order_date"] = pa.array([c.row["order_date"] for c in changes], pa.date32())
    # DMS types timestamps as TIMESTAMP(MILLIS|MICROS, isAdjustedToUTC=true).
    cols["updated"] = pa.array([c.row["updated"].replace(tzinfo=UTC) if c.row["updated"] else None for c in changes],
                               pa.timestamp("us", tz="UTC"))
    cols["paid"] = pa.array([c.row["paid"] for c in changes], pa.bool_())
    cols["weight"] = pa.array([c.row["weight"] for c in changes], pa.float64())
    cols["AR_H_CHANGE_SEQ"] = pa.array([seq_text(c.seq) or None for c in changes], pa.string())
    cols["before_id"] = pa.array([c.before[0] if c.before else None for c in changes], pa.int32())
    return pa.table(cols)


@pytest.mark.parametrize("with_schema", [True, False])
def test_dms_parquet_files_match_oracle(lakectl, tmp_path, with_schema):
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    dms.mkdir()
    s = OrderStream(11)
    load, cdc1, cdc2 = s.load(25), s.cdc(40), s.cdc(40)
    # Full load without Op (the DMS default), CDC with Op first; uncompressed, as DMS writes.
    lt = parquet_changes(load, with_op=False)
    lt = lt.drop(["AR_H_CHANGE_SEQ", "before_id"])
    pq.write_table(lt, dms / "LOAD00000001.parquet", compression="none")
    # CompressionType=GZIP, EncodingType=plain, ParquetVersion=parquet-1-0 (v1 pages, row groups of 16).
    pq.write_table(parquet_changes(cdc1), dms / "20240612-103127367.parquet", compression="gzip", use_dictionary=False,
                   version="1.0", data_page_version="1.0", row_group_size=16)
    (dms / "2024/06/12").mkdir(parents=True)
    pq.write_table(parquet_changes(cdc2), dms / "2024/06/12/20240612-1032273670.parquet", compression="snappy",
                   data_page_version="2.0")
    extra = ["--key", "id"]
    if with_schema:
        compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    else:
        compact(lakectl, lake, dms, *extra)
    key = ["id"]
    table = {}
    if with_schema:
        apply_batch(table, [load, cdc1, cdc2], key)
    else:
        # Without a schema file nothing names the timestamp and before-image columns: the sequence
        # column still orders (recognised by name); no PK moves.
        for f in (cdc1, cdc2):
            for c in f:
                c.before = None
        apply_batch(table, [load, cdc1, cdc2], key)
    got = normalize_orders(order_rows(lake / "tables/s/t"))
    assert got == order_oracle(table)


# ---------------------------------------------------------------------------------------------------
# 2. Compacting onto Delta tables that lakectl did not create.

BASE_SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string()), ("amount", pa.decimal128(10, 2)),
                         ("day", pa.date32()), ("at", pa.timestamp("us", tz="UTC")), ("flag", pa.bool_()),
                         ("region", pa.string())])
BASE_COLUMNS = BASE_SCHEMA.names
BASE_DMS_SCHEMA = {
    "columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long"}, {"name": "name", "type": "string"},
                {"name": "amount", "type": "decimal(10,2)"}, {"name": "day", "type": "date"},
                {"name": "at", "type": "timestamp"}, {"name": "flag", "type": "boolean"},
                {"name": "region", "type": "string"}],
    "key": ["id"], "op": "Op",
}


def base_row(rng, key):
    def maybe(v):
        return None if rng.random() < 0.15 else v
    return {"id": key, "name": maybe(rng.choice(NAMES)), "amount": maybe(D(rng.randint(-10**7, 10**7)) / 100),
            "day": maybe(datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 2000))),
            "at": maybe(datetime.datetime(2024, 1, 1, tzinfo=UTC) + datetime.timedelta(microseconds=rng.randint(0, 10**13))),
            "flag": maybe(rng.random() < 0.5), "region": rng.choice(["eu", "us", "ap"])}


def base_line(op, row):
    return ",".join([op] + [csv_field(row[c].replace(tzinfo=None) if isinstance(row[c], datetime.datetime) else row[c])
                            for c in BASE_COLUMNS]) + "\n"


def as_arrow(rows):
    return pa.Table.from_pylist(rows, schema=BASE_SCHEMA)


def base_rows(path, version=None):
    return table_rows(path, BASE_COLUMNS, version)


def oracle_base(table):
    return oracle_rows(table, BASE_COLUMNS)


@pytest.mark.parametrize("partitioned", [False, True])
def test_compact_onto_deltalake_table_with_checkpoint(lakectl, tmp_path, partitioned):
    rng = random.Random(21 + partitioned)
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    part = ["region"] if partitioned else None
    table = {}
    # Several deltalake versions: create, appends, a delete, a checkpoint, one more append.
    for batch in range(4):
        rows = [base_row(rng, k) for k in range(batch * 30, batch * 30 + 30)]
        write_deltalake(str(path), as_arrow(rows), mode="append", partition_by=part)
        table.update({(r["id"],): r for r in rows})
    dt = DeltaTable(str(path))
    dt.delete("id >= 10 and id < 15")
    for k in range(10, 15):
        table.pop((k,))
    dt = DeltaTable(str(path))
    dt.create_checkpoint()
    rows = [base_row(rng, k) for k in range(120, 130)]
    write_deltalake(str(path), as_arrow(rows), mode="append", partition_by=part)
    table.update({(r["id"],): r for r in rows})
    before_version = DeltaTable(str(path)).version()
    history = {v: base_rows(path, v) for v in range(before_version + 1)}
    assert base_rows(path) == oracle_base(table)

    # DMS changes: updates (some move between partitions), deletes (key only), inserts, absent deletes.
    changes, lines = [], []
    for _ in range(80):
        k = rng.randint(0, 140)
        dice = rng.random()
        if dice < 0.25:
            row = {c: None for c in BASE_COLUMNS}
            row["id"] = k
            op = "D"
        else:
            row, op = base_row(rng, k), rng.choice("IU")
        changes.append(Change(op, row))
        lines.append(base_line(op, row))
    write(dms / "20240612-100000000.csv", lines)
    compact(lakectl, lake, dms, "--key", "id", schema=BASE_DMS_SCHEMA, tmp_path=tmp_path)
    apply_batch(table, [changes], ["id"])
    assert base_rows(path) == oracle_base(table)
    dt = DeltaTable(str(path))
    assert dt.version() == before_version + 1
    assert dt.metadata().partition_columns == (part or [])
    for v, want in history.items():
        assert base_rows(path, v) == want, f"version {v}"
    # deltalake's own writer still appends after lakectl's commit (lakectl kept the protocol usable).
    rows = [base_row(rng, k) for k in range(200, 203)]
    write_deltalake(str(path), as_arrow(rows), mode="append", partition_by=part)
    table.update({(r["id"],): r for r in rows})
    assert base_rows(path) == oracle_base(table)

    # --optimize bin-packs deltalake's small files without changing a row.
    files_before = len(DeltaTable(str(path)).file_uris())
    out = lakectl("compact", lake, "--table", "s.t", "--optimize", "--json", check=True)
    dt = DeltaTable(str(path))
    assert len(dt.file_uris()) < files_before, out.stdout
    assert base_rows(path) == oracle_base(table)
    last = dt.history(1)[0]
    assert last["operation"] == "OPTIMIZE"


def test_compact_onto_deltalake_table_with_header_files_takes_the_table_types(lakectl, tmp_path):
    """No schema file: header CSV columns the table has take the table's types."""
    rng = random.Random(5)
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    rows = [base_row(rng, k) for k in range(20)]
    write_deltalake(str(path), as_arrow(rows))
    table = {(r["id"],): r for r in rows}
    changes = [Change("U", base_row(rng, k)) for k in (1, 2, 30)] + [Change("D", dict({c: None for c in BASE_COLUMNS}, id=3))]
    write(dms / "20240612-100000000.csv", ["Op," + ",".join(BASE_COLUMNS) + "\n"] + [base_line(c.op, c.row) for c in changes])
    compact(lakectl, lake, dms, "--key", "id")
    apply_batch(table, [changes], ["id"])
    assert base_rows(path) == oracle_base(table)


def _log_commit(path, version, actions):
    log = path / "_delta_log"
    log.mkdir(parents=True, exist_ok=True)
    (log / f"{version:020d}.json").write_text("".join(json.dumps(a) + "\n" for a in actions))


def _upgrade(path, protocol=None, configuration=None, schema_field_metadata=None):
    """Appends a commit with a new protocol and/or metadata (what another engine's ALTER TABLE writes)."""
    dt = DeltaTable(str(path))
    version = dt.version() + 1
    log = path / "_delta_log"
    meta = None
    for v in range(version):
        for line in (log / f"{v:020d}.json").read_text().splitlines():
            a = json.loads(line)
            if "metaData" in a:
                meta = a["metaData"]
    actions = [{"commitInfo": {"timestamp": 1718000000000, "operation": "SET TBLPROPERTIES"}}]
    if protocol:
        actions.append({"protocol": protocol})
    if configuration or schema_field_metadata:
        meta = dict(meta)
        meta["configuration"] = dict(meta.get("configuration") or {}, **(configuration or {}))
        if schema_field_metadata:
            schema = json.loads(meta["schemaString"])
            for f in schema["fields"]:
                f["metadata"] = dict(f.get("metadata") or {}, **schema_field_metadata.get(f["name"], {}))
            meta["schemaString"] = json.dumps(schema)
        actions.append({"metaData": meta})
    _log_commit(path, version, actions)
    return version


REFUSED = {
    "column_mapping": dict(protocol={"minReaderVersion": 2, "minWriterVersion": 5},
                           configuration={"delta.columnMapping.mode": "name", "delta.columnMapping.maxColumnId": "7"}),
    "column_mapping_table_features": dict(protocol={"minReaderVersion": 3, "minWriterVersion": 7,
                                                    "readerFeatures": ["columnMapping"], "writerFeatures": ["columnMapping"]},
                                          configuration={"delta.columnMapping.mode": "id", "delta.columnMapping.maxColumnId": "7"}),
    "unknown_writer_feature": dict(protocol={"minReaderVersion": 1, "minWriterVersion": 7,
                                             "writerFeatures": ["appendOnly", "someFutureFeature"]}),
    "unknown_reader_feature": dict(protocol={"minReaderVersion": 3, "minWriterVersion": 7,
                                             "readerFeatures": ["v2Checkpoint"], "writerFeatures": ["v2Checkpoint"]}),
    "check_constraint": dict(protocol={"minReaderVersion": 1, "minWriterVersion": 3},
                             configuration={"delta.constraints.positive": "amount > 0"}),
    "change_data_feed": dict(protocol={"minReaderVersion": 1, "minWriterVersion": 4},
                             configuration={"delta.enableChangeDataFeed": "true"}),
    "generated_column": dict(protocol={"minReaderVersion": 1, "minWriterVersion": 4},
                             schema_field_metadata={"name": {"delta.generationExpression": "upper(region)"}}),
    "invariants_writer_2": dict(protocol={"minReaderVersion": 1, "minWriterVersion": 2},
                                schema_field_metadata={"amount": {"delta.invariants": "{\"expression\": {\"expression\": \"amount > 0\"}}"}}),
    "identity_column": dict(protocol={"minReaderVersion": 1, "minWriterVersion": 6},
                            schema_field_metadata={"id": {"delta.identity.start": 1, "delta.identity.step": 1,
                                                          "delta.identity.allowExplicitInsert": True}}),
    "append_only": dict(configuration={"delta.appendOnly": "true"}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_tables_lakectl_cannot_write_are_refused_and_nothing_is_committed(lakectl, tmp_path, case):
    rng = random.Random(3)
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    write_deltalake(str(path), as_arrow([base_row(rng, k) for k in range(10)]))
    write_deltalake(str(path), as_arrow([base_row(rng, k) for k in range(10, 20)]), mode="append")  # optimize has work
    version = _upgrade(path, **REFUSED[case])
    write(dms / "20240612-100000000.csv", [base_line("U", base_row(rng, 1)), base_line("D", dict(base_row(rng, 2)))])
    files = sorted(p.name for p in (path / "_delta_log").iterdir())
    for args in (["--from", dms, "--schema", tmp_path / "schema.json"], ["--optimize"]):
        (tmp_path / "schema.json").write_text(json.dumps(BASE_DMS_SCHEMA))
        out = lakectl("compact", lake, "--table", "s.t", "--key", "id", *args)
        if case == "append_only" and args == ["--optimize"]:
            continue  # OPTIMIZE changes no data: allowed on append-only tables
        assert out.returncode != 0, (args, out.stdout)
        assert "lakectl" in out.stderr and ("not" in out.stderr or "cannot" in out.stderr), out.stderr
        assert out.stderr.startswith("lakectl: ") and "Fatal error" not in out.stderr, out.stderr
        assert sorted(p.name for p in (path / "_delta_log").iterdir()) == files
        if not case.startswith("column_mapping"):  # deltalake reads column mapping; the log is checked above
            assert DeltaTable(str(path)).version() == version


# ---------------------------------------------------------------------------------------------------
# 3. Key types: strings (unicode, long shared prefixes beyond statistics truncation), composite keys,
# decimals, dates; nulls in non-key columns of every type.

ALL_TYPES = [("b", pa.bool_(), "boolean"), ("i8", pa.int8(), "byte"), ("i16", pa.int16(), "short"),
             ("i32", pa.int32(), "integer"), ("i64", pa.int64(), "long"), ("f32", pa.float32(), "float"),
             ("f64", pa.float64(), "double"), ("dec", pa.decimal128(18, 4), "decimal(18,4)"), ("s", pa.string(), "string"),
             ("bin", pa.binary(), "binary"), ("d", pa.date32(), "date"), ("ts", pa.timestamp("us", tz="UTC"), "timestamp")]


def all_types_value(rng, name):
    if rng.random() < 0.3:
        return None
    return {
        "b": rng.random() < 0.5, "i8": rng.randint(-128, 127), "i16": rng.randint(-32768, 32767),
        "i32": rng.randint(-2**31, 2**31 - 1), "i64": rng.randint(-2**63, 2**63 - 1), "f32": rng.choice([0.5, -1.25, 3.0]),
        "f64": rng.choice([0.1, -2.5e300, 3.141592653589793]), "dec": D(rng.randint(-10**17, 10**17)) / 10**4,
        "s": rng.choice(NAMES), "bin": bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 4))),
        "d": datetime.date(1900, 1, 1) + datetime.timedelta(days=rng.randint(0, 60000)),
        "ts": datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(microseconds=rng.randint(0, 4 * 10**15)),
    }[name]


def text_of(v):
    if isinstance(v, bytes):
        return csv_field(v.hex())  # hex; empty binary is "" (an empty unquoted field is NULL)
    if isinstance(v, datetime.datetime):
        return csv_field(v.replace(tzinfo=None))
    return csv_field(v)


KEY_CASES = {
    # name: (key fields [(name, arrow type, schema type)], key generator)
    "string_unicode_long_prefix": ([("k", pa.string(), "varchar(200)")],
                                   lambda rng, i: ("customer/ü-日本-" + "0" * 30 + f"{i:05d}" + rng.choice(["", "é", "🎉", ",x"]),)),
    "composite_int_string": ([("tenant", pa.int32(), "int"), ("code", pa.string(), "string")],
                             lambda rng, i: (i % 7 - 3, f"c-{i // 7}" + rng.choice(["", "ß", " "]))),
    "decimal_38_10": ([("k", pa.decimal128(38, 10), "decimal(38,10)")],
                      lambda rng, i: (D(123456789012345678) + D(i) / 10**10 + D(rng.choice([0, 10**9])),)),
    # delta-rs truncates timestamp statistics to milliseconds: keys with microseconds test the widening.
    "timestamp_us": ([("k", pa.timestamp("us", tz="UTC"), "timestamp")],
                     lambda rng, i: (datetime.datetime(2024, 1, 1, tzinfo=UTC) + datetime.timedelta(microseconds=i * 997 + rng.choice([1, 999])),)),
    "date_and_string": ([("day", pa.date32(), "date"), ("k", pa.string(), "string")],
                        lambda rng, i: (datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 40), f"x{i % 3}")),
}


@pytest.mark.parametrize("created_by", ["deltalake", "lakectl"])
@pytest.mark.parametrize("case", sorted(KEY_CASES))
def test_key_types_and_nulls_of_every_type(lakectl, tmp_path, case, created_by):
    key_fields, keygen = KEY_CASES[case]
    rng = random.Random(sum(map(ord, case)) + (created_by == "lakectl"))  # stable across runs
    key = [n for n, _, _ in key_fields]
    schema = pa.schema([(n, t) for n, t, _ in key_fields] + [(n, t) for n, t, _ in ALL_TYPES])
    columns = schema.names
    dms_schema = {"columns": [{"name": "Op", "type": "string"}]
                  + [{"name": n, "type": t, "nullable": True} for n, _, t in key_fields + ALL_TYPES],
                  "key": key, "op": "Op"}
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    keys = sorted({keygen(rng, i) for i in range(300)}, key=repr)

    def row(k):
        r = dict(zip(key, k))
        r.update({n: all_types_value(rng, n) for n, _, _ in ALL_TYPES})
        return r

    def line(op, r):
        return ",".join([op] + [text_of(r[c]) for c in columns]) + "\n"

    table = {}
    if created_by == "deltalake":
        # Many small files, each a key range, so statistics decide which files are read.
        rows = [row(k) for k in keys[:200]]
        for i in range(0, 200, 25):
            write_deltalake(str(path), pa.Table.from_pylist(rows[i:i + 25], schema=schema), mode="append")
        table.update({tuple(r[c] for c in key): r for r in rows})
    else:
        load = [Change(None, row(k)) for k in keys[:200]]
        write(dms / "LOAD00000001.csv", [line("I", c.row) for c in load])
        compact(lakectl, lake, dms, "--target-file-size", "2000", schema=dms_schema, tmp_path=tmp_path)
        apply_batch(table, [load], key)
        # Several files per partition of keys for statistics to prune.
    for batch in range(2):
        changes = []
        for _ in range(60):
            k = rng.choice(keys)
            if rng.random() < 0.25:
                r = {c: None for c in columns}
                r.update(zip(key, k))
                changes.append(Change("D", r))
            else:
                changes.append(Change(rng.choice("IU"), row(k)))
        write(dms / f"20240612-1{batch}0000000.csv", [line(c.op, c.row) for c in changes])
        compact(lakectl, lake, dms, "--target-file-size", "2000", schema=dms_schema, tmp_path=tmp_path)
        apply_batch(table, [changes], key)
        got = table_rows(path, columns)
        want = oracle_rows(table, columns)
        assert len(got) == len(want)
        assert got == want, f"batch {batch}"


def test_dms_parquet_types_differing_from_the_table_convert_by_value(lakectl, tmp_path):
    """DMS Parquet types: money as decimal(38,4), timestamps in ms, smallint as INT32(16): written into a
    deltalake table whose types differ (decimal(10,2), µs, short); values convert, never reinterpret."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    dms.mkdir()
    ts = datetime.datetime(2024, 1, 1, 1, 2, 3, 456789, tzinfo=UTC)
    write_deltalake(str(path), pa.table({
        "id": pa.array([1, 2], pa.int64()), "amt": pa.array([D("1.25"), D("2.50")], pa.decimal128(10, 2)),
        "ts": pa.array([ts, ts], pa.timestamp("us", tz="UTC")), "small": pa.array([1, 2], pa.int16()),
        "day": pa.array([datetime.date(2024, 1, 1)] * 2, pa.date32())}))
    new_ts = datetime.datetime(2024, 6, 1, 1, 2, 3, 456000, tzinfo=UTC)
    pq.write_table(pa.table({
        "Op": ["U", "I"], "id": pa.array([1, 3], pa.int32()),
        "amt": pa.array([D("12.3400"), D("7.1000")], pa.decimal128(38, 4)),
        "ts": pa.array([new_ts, new_ts], pa.timestamp("ms", tz="UTC")), "small": pa.array([5, 6], pa.int32()),
        "day": pa.array([datetime.date(2024, 6, 1), None], pa.date32())}), dms / "20240612-100000000.parquet")
    compact(lakectl, lake, dms, "--key", "id")
    got = table_rows(path, ["id", "amt", "ts", "small", "day"])
    assert got == sorted([(1, D("12.34"), new_ts, 5, datetime.date(2024, 6, 1)), (2, D("2.50"), ts, 2, datetime.date(2024, 1, 1)),
                          (3, D("7.10"), new_ts, 6, None)], key=repr)
    # A value that does not fit the table's scale is refused, not rounded or reinterpreted.
    pq.write_table(pa.table({"Op": ["U"], "id": pa.array([1], pa.int32()), "amt": pa.array([D("1.2345")], pa.decimal128(38, 4))}),
                   dms / "20240612-110000000.parquet")
    out = compact(lakectl, lake, dms, "--key", "id", check=False)
    assert out.returncode != 0 and "20240612-110000000.parquet" in out.stderr and "1.2345" in out.stderr, out.stderr
    assert DeltaTable(str(path)).version() == 1


def test_full_load_without_op_whose_first_column_is_a_one_letter_code(lakectl, tmp_path):
    """A LOAD file without Op whose first column holds U / D / I as data (a status or gender code)."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "code", "type": "varchar(1)"},
                          {"name": "id", "type": "int"}, {"name": "name", "type": "string"}], "key": ["id"], "op": "Op"}
    write(dms / "LOAD00000001.csv", ["U,1,a\n", "M,2,b\n", "D,3,c\n"])
    write(dms / "20240612-100000000.csv", ["U,I,2,b2\n", "D,,1,\n"])
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    assert table_rows(lake / "tables/s/t", ["id", "code", "name"]) == [(2, "I", "b2"), (3, "D", "c")]


def test_not_null_column_of_a_deltalake_table(lakectl, tmp_path):
    """A NOT NULL column (deltalake table): deletes need only the key; an upsert leaving it NULL is
    refused naming the column, key and file, and nothing is committed."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string(), nullable=False),
                        pa.field("x", pa.int32())])
    write_deltalake(str(path), pa.Table.from_pylist([{"id": 1, "name": "a", "x": 1}, {"id": 2, "name": "b", "x": 2}], schema=schema))
    write(dms / "20240612-100000000.csv", ["Op,id,name,x\n", "U,1,a1,\n", "I,3,c,3\n", "D,2,,\n"])
    compact(lakectl, lake, dms, "--key", "id")
    assert table_rows(path, ["id", "name", "x"]) == [(1, "a1", None), (3, "c", 3)]
    write(dms / "20240612-110000000.csv", ["Op,id,name,x\n", "U,3,,4\n"])
    out = compact(lakectl, lake, dms, "--key", "id", check=False)
    assert out.returncode != 0
    assert "'name'" in out.stderr and "NOT NULL" in out.stderr and "20240612-110000000.csv" in out.stderr, out.stderr
    assert DeltaTable(str(path)).version() == 1


@pytest.mark.parametrize("part_type", ["date", "int", "string"])
def test_deltalake_table_partitioned_by_a_key_column(lakectl, tmp_path, part_type):
    """Partitions decided by the key (deltalake wrote them; string values with characters that paths
    escape): a change finds its key's old row in its partition, no duplicates, no loss."""
    rng = random.Random(31)
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    values = {"date": [datetime.date(2024, 1, d) for d in (1, 2, 3)], "int": [-1, 0, 7],
              "string": ["a b/c", "ü=%2F", "x:y"]}[part_type]
    arrow_type = {"date": pa.date32(), "int": pa.int32(), "string": pa.string()}[part_type]
    schema_type = {"date": "date", "int": "int", "string": "string"}[part_type]
    schema = pa.schema([("p", arrow_type), ("id", pa.int64()), ("v", pa.string())])
    table = {}
    for batch in range(3):
        rows = [{"p": rng.choice(values), "id": i, "v": f"v{batch}-{i}"} for i in range(batch * 20, batch * 20 + 20)]
        write_deltalake(str(path), pa.Table.from_pylist(rows, schema=schema), mode="append", partition_by=["p"])
        table.update({(r["p"], r["id"]): r for r in rows})
    changes = []
    for _ in range(40):
        k = rng.choice(sorted(table, key=repr) + [(rng.choice(values), 1000 + rng.randint(0, 5))])
        if rng.random() < 0.3:
            changes.append(Change("D", {"p": k[0], "id": k[1], "v": None}))
        else:
            changes.append(Change(rng.choice("IU"), {"p": k[0], "id": k[1], "v": f"new{rng.randint(0, 99)}"}))
    write(dms / "20240612-100000000.csv", [",".join([c.op, csv_field(c.row["p"]), str(c.row["id"]), csv_field(c.row["v"])]) + "\n"
                                           for c in changes])
    dms_schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "p", "type": schema_type},
                              {"name": "id", "type": "long"}, {"name": "v", "type": "string"}], "key": ["p", "id"], "op": "Op"}
    compact(lakectl, lake, dms, schema=dms_schema, tmp_path=tmp_path)
    apply_batch(table, [changes], ["p", "id"])
    assert table_rows(path, ["p", "id", "v"]) == oracle_rows(table, ["p", "id", "v"])


def test_full_load_rows_apply_before_cdc_even_with_later_transfer_times(lakectl, tmp_path):
    """DMS stamps full-load rows with the time each row was transferred (not a commit time); changes
    committed during the full load are cached and applied after it. So a LOAD row whose timestamp is
    later than a CDC change of its key still comes first (docs/MERGE.md rule 2)."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    schema = dict(ORDER_SCHEMA, sequence=None, before=[],
                  columns=[c for c in ORDER_SCHEMA["columns"] if c["name"] not in ("AR_H_CHANGE_SEQ", "before_id")])
    base = {n: None for n in ORDER_DATA}
    load = [Change("I", dict(base, id=1, customer="loaded"), None, 5_000_000), Change("I", dict(base, id=2, customer="two"), None, 5_000_001)]
    cdc = [Change("U", dict(base, id=1, customer="changed during load"), None, 3_000_000),
           Change("D", dict(base, id=2), None, 4_000_000)]
    write(dms / "LOAD00000001.csv", [order_line(c, seq=False, before=False) for c in load])
    write(dms / "20240612-103127367.csv", [order_line(c, seq=False, before=False) for c in cdc])
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    assert table_rows(lake / "tables/s/t", ["id", "customer"]) == [(1, "changed during load")]


def test_before_image_columns_not_matching_the_key_are_a_clear_error(lakectl, tmp_path):
    """A schema file with two before-image columns for a one-column --key: an error, not a crash."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "int"}, {"name": "v", "type": "string"},
                          {"name": "b1", "type": "int"}, {"name": "b2", "type": "int"}], "op": "Op", "before": ["b1", "b2"]}
    write(dms / "20240612-100000000.csv", ["I,1,a,,\n", "U,2,b,1,\n"])
    out = compact(lakectl, lake, dms, "--key", "id", schema=schema, tmp_path=tmp_path, check=False)
    assert out.returncode == 1 and out.stderr.startswith("lakectl: ") and "before-image" in out.stderr, out.stderr
    assert not (lake / "tables/s/t/_delta_log").exists()


def test_oracle_style_upper_case_headers_and_a_lower_case_key(lakectl, tmp_path):
    """Oracle sources write upper-case column names (AddColumnName=true); Delta names are
    case-insensitive, so `--key employee_id` names EMPLOYEE_ID, on a new table and on a deltalake one."""
    dms = tmp_path / "dms"
    write(dms / "LOAD00000001.csv", ["EMPLOYEE_ID,FIRST_NAME,SALARY\n", "100,Steven,24000.00\n", "101,Neena,17000.00\n"])
    write(dms / "20190118-184518184.csv", ["Op,EMPLOYEE_ID,FIRST_NAME,SALARY\n", "U,101,Neena2,17500.00\n", "D,100,,\n", "I,102,Lex,\n"])
    compact(lakectl, tmp_path / "lake", dms, "--key", "employee_id")
    assert table_rows(tmp_path / "lake/tables/s/t", ["EMPLOYEE_ID", "FIRST_NAME", "SALARY"]) == [
        ("101", "Neena2", "17500.00"), ("102", "Lex", None)]
    path = tmp_path / "lake2/tables/s/t"
    write_deltalake(str(path), pa.table({"employee_id": pa.array([100, 101], pa.int64()), "first_name": ["S", "N"],
                                          "salary": pa.array([D("1.00"), D("2.00")], pa.decimal128(8, 2))}))
    compact(lakectl, tmp_path / "lake2", dms, "--key", "employee_id")
    assert table_rows(path, ["employee_id", "first_name", "salary"]) == [(101, "Neena2", D("17500.00")), (102, "Lex", None)]


def test_dms_large_files_with_every_meta_column_match_oracle(lakectl, tmp_path):
    """Files over the parallel block reader's threshold (256 KiB) with Op, commit timestamp, 35-digit
    sequence and before-image columns (PK moves), gzip and plain; a headerless LOAD without Op."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    s = OrderStream(12)
    s_keys = 3000
    load = s.load(s_keys)
    cdc = []
    for _ in range(2):
        part = []
        for _ in range(40):
            part += s.cdc(100)
        cdc.append(part)
    # Spread keys over the whole load (the stream picks keys 1..90): remap half of the changes.
    for part in cdc:
        for i, c in enumerate(part):
            if i % 2 and c.before is None:
                c.row["id"] += 1000
    # No CR in values: a CR anywhere sends a file to the record-by-record reader instead.
    for c in load + cdc[0] + cdc[1]:
        if c.row["customer"] and "\r" in c.row["customer"]:
            c.row["customer"] = "no CR"
    write(dms / "LOAD00000001.csv", [order_line(c, op=False, ts=False, seq=False, before=False) for c in load])
    write(dms / "2024/06/12/20240612-103127367.csv", [order_line(c) for c in cdc[0]])
    write(dms / "2024/06/12/20240612-113127367.csv.gz", [order_line(c) for c in cdc[1]], gz=True)
    assert (dms / "2024/06/12/20240612-103127367.csv").stat().st_size > 256 << 10
    compact(lakectl, lake, dms, schema=ORDER_SCHEMA, tmp_path=tmp_path)
    table = apply_batch({}, [load] + cdc, ["id"])
    assert normalize_orders(order_rows(lake / "tables/s/t")) == order_oracle(table)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_default_before_image_columns_without_a_schema_file(lakectl, tmp_path, fmt):
    """add-before-image-columns with its default prefix (BI_<key column>): with headers (CSV) or
    Parquet column names and no schema file, a U whose BI_ key differs moves the row; BI_ columns
    never become table columns."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    dms.mkdir()
    header = ["Op", "order_id", "product_id", "qty", "BI_order_id", "BI_product_id"]
    load = [["I", 30004, 1, 11, None, None], ["I", 30004, 2, 12, None, None], ["I", 30005, 1, 5, None, None]]
    cdc = [["U", 30004, 66, 11, 30004, 1], ["I", 30004, 3, 13, None, None], ["U", 30005, 1, 6, 30005, 1],
           ["D", 30004, 2, None, None, None]]
    if fmt == "csv":
        def lines(rows):
            return [",".join(header) + "\n"] + [",".join("" if v is None else str(v) for v in r) + "\n" for r in rows]
        write(dms / "LOAD00000001.csv", lines(load))
        write(dms / "20240705-201037838.csv", lines(cdc))
    else:
        def table(rows):
            cols = list(zip(*rows))
            return pa.table({h: pa.array(list(c), pa.string() if h == "Op" else pa.int32()) for h, c in zip(header, cols)})
        pq.write_table(table(load), dms / "LOAD00000001.parquet")
        pq.write_table(table(cdc), dms / "20240705-201037838.parquet")
    compact(lakectl, lake, dms, "--key", "order_id,product_id")
    dt = DeltaTable(str(lake / "tables/s/t"))
    assert [f.name for f in dt.schema().fields] == ["order_id", "product_id", "qty"]
    got = table_rows(lake / "tables/s/t", ["order_id", "product_id", "qty"])
    conv = (lambda v: str(v)) if fmt == "csv" else (lambda v: v)
    assert got == sorted([(conv(30004), conv(66), conv(11)), (conv(30004), conv(3), conv(13)), (conv(30005), conv(1), conv(6))], key=repr)


# Tables written by Spark (and delta-rs) from ../shared/testdata/delta-tables: copied, then DMS changes
# compacted onto them. Changes per table: (key, header, rows).
SPARK_TABLES = {
    "simple_table": (["id"], "Op,id", ["U,5", "D,7", "I,10", "D,999"]),
    "simple_table_with_checkpoint": (["version"], "Op,version", ["U,0", "D,9", "I,42"]),  # key 0 is in 2 rows
    "delta-0.8.0-partitioned": (["value"], "Op,value,year,month,day",
                                ["U,1,2021,4,5", "D,6,,,", "I,8,2022,1,1", "U,7,2021,12,20"]),
    "delta-0.8.0-special-partition": (["y"], "Op,x,y", ['U,"C C/%",1', "D,,2", "I,A/A,3"]),
    "delta-2.2.0-partitioned-types": (["c3"], "Op,c1,c2,c3", ["U,7,moved,5", "D,,,6", "I,4,new,9"]),
    "delta-0.8.0-null-partition": (["v"], "Op,k,v", ["U,B,2", "I,,3", "U,,1"]),
}


@pytest.mark.parametrize("name", sorted(SPARK_TABLES))
def test_compact_onto_spark_written_tables(lakectl, tmp_path, shared_testdata, name):
    import shutil
    key, header, lines = SPARK_TABLES[name]
    path = tmp_path / "lake/tables/s/t"
    shutil.copytree(shared_testdata / "delta-tables" / name, path)
    dt = DeltaTable(str(path))
    columns = [f.name for f in dt.schema().fields]
    types = {f.name: f.type for f in dt.to_pyarrow_table().schema}
    before_version = dt.version()
    history = {v: table_rows(path, columns, v) for v in range(max(0, before_version - 2), before_version + 1)}
    rows = [dict(r) for r in dt.to_pyarrow_table().to_pylist()]
    # The oracle: each change removes every row of its key (wherever it is) and writes its after-image.
    names = header.split(",")[1:]
    for line in lines:
        fields = next(iter(__import__("csv").reader([line])))
        op, values = fields[0], dict(zip(names, fields[1:]))
        after = {}
        for c in columns:
            v = values.get(c, "")
            after[c] = None if v == "" else (int(v) if pa.types.is_integer(types[c]) else v)
        k = tuple(after[c] for c in key)
        rows = [r for r in rows if tuple(r[c] for c in key) != k]
        if op != "D":
            rows.append(after)
    dms = tmp_path / "dms"
    write(dms / "20240612-100000000.csv", [header + "\n"] + [line + "\n" for line in lines])
    compact(lakectl, tmp_path / "lake", dms, "--key", ",".join(key))
    assert table_rows(path, columns) == sorted((tuple(r[c] for c in columns) for r in rows), key=repr)
    assert DeltaTable(str(path)).version() == before_version + 1
    for v, want in history.items():
        assert table_rows(path, columns, v) == want
    # And --optimize on it keeps every row.
    lakectl("compact", tmp_path / "lake", "--table", "s.t", "--optimize", check=True)
    assert table_rows(path, columns) == sorted((tuple(r[c] for c in columns) for r in rows), key=repr)


@pytest.mark.parametrize("legacy_record", [False, True])
def test_late_file_named_long_before_the_applied_ones_is_applied_once(lakectl, tmp_path, legacy_record):
    """A late file whose name is months older than the applied ones (beyond the 7-day name window) is
    still applied, once: it was modified after them. A consumed file that fell out of the window and
    was dropped from the record is not applied again."""
    import os
    import time
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "int"}, {"name": "v", "type": "string"}],
              "key": ["id"], "op": "Op"}
    # An old file (name and modification time 3 hours back) and a new one, consumed together.
    write(dms / "20231201-000000000.csv", ["I,1,old\n", "I,9,old\n"])
    old_time = time.time() - 3 * 3600
    os.utime(dms / "20231201-000000000.csv", (old_time, old_time))
    write(dms / "20240612-120000000.csv", ["I,2,b\n", "U,9,new\n"])
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    path = lake / "tables/s/t"
    log = [json.loads(line) for line in (path / "_delta_log" / "00000000000000000001.json").read_text().splitlines()]
    record = json.loads(next(a["commitInfo"] for a in log if "commitInfo" in a)["operationParameters"]["lakectl.dms"])
    assert "20231201-000000000.csv" not in record["files"]  # out of both windows: dropped from the record
    if legacy_record:
        # A record written before modification times were kept (no modifiedWatermark).
        commit = path / "_delta_log" / "00000000000000000001.json"
        actions = [json.loads(line) for line in commit.read_text().splitlines()]
        for a in actions:
            if "commitInfo" in a:
                params = a["commitInfo"]["operationParameters"]
                params["lakectl.dms"] = json.dumps({k: v for k, v in json.loads(params["lakectl.dms"]).items()
                                                    if k != "modifiedWatermark"}, sort_keys=True)
        commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    # The late file: named half a year before the newest applied one.
    write(dms / "20240101-000000000.csv", ["U,2,late\n", "D,1,\n", "I,3,late\n"])
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    assert table_rows(path, ["id", "v"]) == [(2, "late"), (3, "late"), (9, "new")]
    out = compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    assert '"version"' not in out.stdout, out.stdout
    assert DeltaTable(str(path)).version() == 2


def test_header_column_missing_from_the_schema_file_is_named(lakectl, tmp_path):
    """A header (it names the key) with a column the schema file lacks: the error names that column."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "int"}, {"name": "v", "type": "string"}],
              "key": ["id"], "op": "Op"}
    write(dms / "20240612-100000000.csv", ["Op,DMS_TIMESTAMP,id,v\n", "I,2024-06-12 10:00:00,1,a\n"])
    out = compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path, check=False)
    assert out.returncode == 1 and "DMS_TIMESTAMP" in out.stderr and "20240612-100000000.csv" in out.stderr, out.stderr
    assert not (lake / "tables/s/t/_delta_log").exists()


# Rows as a real DMS task (Aurora PostgreSQL source, IncludeOpForFullLoad, TimestampColumnName,
# an $AR_H_CHANGE_SEQ add-column rule, pk-only before-images) wrote them (shared/reference/dms-format.md).
NW_ORDERS_SCHEMA = {
    "columns": [{"name": "Op", "type": "string"}, {"name": "transaction_commit_timestamp", "type": "string"},
                {"name": "order_id", "type": "smallint", "nullable": False}, {"name": "customer_id", "type": "varchar(5)"},
                {"name": "employee_id", "type": "smallint"}, {"name": "order_date", "type": "date"},
                {"name": "required_date", "type": "date"}, {"name": "shipped_date", "type": "date"},
                {"name": "ship_via", "type": "smallint"}, {"name": "freight", "type": "real"},
                {"name": "ship_name", "type": "varchar(40)"}, {"name": "ship_address", "type": "varchar(60)"},
                {"name": "ship_city", "type": "varchar(15)"}, {"name": "ship_region", "type": "varchar(15)"},
                {"name": "ship_postal_code", "type": "varchar(10)"}, {"name": "ship_country", "type": "varchar(15)"},
                {"name": "AR_H_CHANGE_SEQ", "type": "string"}, {"name": "before_order_id", "type": "smallint"}],
    "key": ["order_id"], "op": "Op", "timestamp": "transaction_commit_timestamp", "sequence": "AR_H_CHANGE_SEQ",
    "before": ["before_order_id"],
}
NW_LOAD = ('I,2024-06-12 10:28:17.806762,10250,HANAR,4,1996-07-08,1996-08-05,1996-07-12,2,+6.58300018e+01,'
           'Hanari Carnes,"Rua do Paço, 67",Rio de Janeiro,RJ,05454-876,Brazil,\n')  # before the before-image rule
NW_CDC = [
    "I,2024-06-12 10:30:25.104667,19998,VINET,5,1996-07-04,1996-08-01,1996-07-16,3,+3.23800011e+01,Vins et alcools Chevalier,"
    "59 rue de l'Abbaye,Reims,,51100,France,20240612103025100000000000000000061,\n",
    "U,2024-06-12 10:30:25.480979,19998,VINET,5,1996-07-04,1996-08-01,1996-07-17,3,+3.23800011e+01,Vins et alcools Chevalier,"
    "59 rue de l'Abbaye,Reims,,51100,France,20240612103025480000000000000000073,19998\n",
    "D,2024-06-12 10:30:25.854359,19998,,,,,,,,,,,,,,20240612103025850000000000000000085,\n",
    "I,2024-06-12 10:30:26.480361,19999,VINET,5,1996-07-04,1996-08-01,1996-07-16,3,+3.23800011e+01,Vins et alcools Chevalier,"
    "59 rue de l'Abbaye,Reims,,51100,France,20240612103026480000000000000000097,\n",
    "U,2024-06-12 10:30:26.480361,19999,VINET,5,1996-07-04,1996-08-01,1996-07-17,3,+3.23800011e+01,Vins et alcools Chevalier,"
    "59 rue de l'Abbaye,Reims,,51100,France,20240612103026480000000000000000101,19999\n",
    # A primary-key change: 10250 becomes 30010 (the before-image holds the old key).
    "U,2024-06-12 10:30:27.362108,30010,HANAR,4,1996-07-08,1996-08-05,1996-07-12,2,+6.58300018e+01,Hanari Carnes,"
    '"Rua do Paço, 67",Rio de Janeiro,RJ,05454-876,Brazil,20240612103027360000000000000000117,10250\n',
]


def test_rows_as_a_real_dms_task_wrote_them(lakectl, tmp_path):
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    write(dms / "orders/LOAD00000001.csv", [NW_LOAD])
    write(dms / "orders/20240612-103127367.csv", NW_CDC)
    compact(lakectl, lake, dms / "orders", schema=NW_ORDERS_SCHEMA, tmp_path=tmp_path)
    t = DeltaTable(str(lake / "tables/s/t")).to_pyarrow_table()
    assert t.num_rows == 2
    rows = {r["order_id"]: r for r in t.to_pylist()}
    assert sorted(rows) == [19999, 30010]  # 19998 deleted (a key-only D row); 10250 moved to 30010
    assert rows[19999]["shipped_date"] == datetime.date(1996, 7, 17) and rows[19999]["ship_region"] is None
    assert rows[30010]["ship_address"] == "Rua do Paço, 67" and abs(rows[30010]["freight"] - 65.83) < 1e-4
    assert t.schema.field("order_id").type == pa.int16() and t.schema.field("freight").type == pa.float32()


def test_narrower_change_file_types_read_into_a_deltalake_tables_wider_types(lakectl, tmp_path):
    """pyarrow/deltalake write Python ints as long and floats as double; a DMS schema says int,
    numeric(8,2), real: the values read into the table's types (no type change, no refusal). A
    wider change-file type (long into an int column) is still refused."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    write_deltalake(str(path), pa.table({"id": [1, 2], "amt": pa.array([D("1.00"), D("2.00")], pa.decimal128(12, 2)),
                                         "score": [1.0, 2.0], "n": pa.array([1, 2], pa.int32())}))
    write(dms / "20240612-100000000.csv", ["U,1,3.50,1.5,7\n", "I,3,4.25,2.5,8\n"])
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "int"}, {"name": "amt", "type": "numeric(8,2)"},
                          {"name": "score", "type": "real"}, {"name": "n", "type": "smallint"}], "key": ["id"], "op": "Op"}
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    assert table_rows(path, ["id", "amt", "score", "n"]) == [(1, D("3.50"), 1.5, 7), (2, D("2.00"), 2.0, 2), (3, D("4.25"), 2.5, 8)]
    assert [str(f.type) for f in DeltaTable(str(path)).schema().fields] == [
        'PrimitiveType("long")', 'PrimitiveType("decimal(12,2)")', 'PrimitiveType("double")', 'PrimitiveType("integer")']
    write(dms / "20240612-110000000.csv", ["U,1,3.50,1.5,7\n"])
    wider = dict(schema, columns=schema["columns"][:4] + [{"name": "n", "type": "long"}])
    out = compact(lakectl, lake, dms, schema=wider, tmp_path=tmp_path, check=False)
    assert out.returncode == 1 and "'n'" in out.stderr, out.stderr


def test_schema_timestamp_into_a_deltalake_timestamp_ntz_column(lakectl, tmp_path):
    """pyarrow's naive datetimes make a deltalake timestamp_ntz column; a DMS schema saying `timestamp`
    (zone-less text either way) writes into it."""
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    path = lake / "tables/s/t"
    write_deltalake(str(path), pa.table({"id": [1, 2], "at": pa.array([datetime.datetime(2024, 1, 1)] * 2, pa.timestamp("us"))}))
    write(dms / "20240612-100000000.csv", ["U,1,2024-06-12 10:30:27.362108\n"])
    schema = {"columns": [{"name": "Op", "type": "string"}, {"name": "id", "type": "long"}, {"name": "at", "type": "timestamp"}],
              "key": ["id"], "op": "Op"}
    compact(lakectl, lake, dms, schema=schema, tmp_path=tmp_path)
    assert table_rows(path, ["id", "at"]) == [(1, datetime.datetime(2024, 6, 12, 10, 30, 27, 362108)),
                                              (2, datetime.datetime(2024, 1, 1))]


def test_dms_folder_on_s3_with_date_folders_gzip_parquet_and_a_late_file(lakectl, s3_env, s3_prefix, tmp_path):
    """The same DMS variations on the S3 server (listing, modification times, ranged Parquet reads):
    date folders, gzip, Parquet, a late file with a months-older name; the lake on S3 too."""
    import io

    import boto3
    env = {k: v for k, v in s3_env.items() if k.startswith("AWS_")}
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_REGION"])
    bucket = s3_env["bucket"]
    prefix = s3_prefix[len(f"s3://{bucket}/"):]
    folder = f"{prefix}/dms/public/orders"
    s = OrderStream(41)
    load, cdc1, cdc2, late = s.load(20), s.cdc(30), s.cdc(30), s.cdc(20)
    s3.put_object(Bucket=bucket, Key=f"{folder}/LOAD00000001.csv",
                  Body="".join(order_line(c, op=False, ts=False, seq=False, before=False) for c in load).encode())
    s3.put_object(Bucket=bucket, Key=f"{folder}/2024/06/12/20240612-103127367.csv.gz",
                  Body=gzip.compress("".join(order_line(c) for c in cdc1).encode()))
    buffer = io.BytesIO()
    pq.write_table(parquet_changes(cdc2), buffer)
    s3.put_object(Bucket=bucket, Key=f"{folder}/2024/06/12/20240612-1132273670.parquet", Body=buffer.getvalue())
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(ORDER_SCHEMA))
    args = ["compact", f"{s3_prefix}/lake", "--table", "s.t", "--from", f"s3://{bucket}/{folder}", "--schema", schema]
    lakectl(*args, env=env, check=True)
    s3.put_object(Bucket=bucket, Key=f"{folder}/2024/01/01/20240101-000000000.csv",
                  Body="".join(order_line(c) for c in late).encode())
    lakectl(*args, env=env, check=True)
    out = lakectl(*args, "--json", env=env, check=True)
    assert '"version"' not in out.stdout
    options = {"AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"], "AWS_ALLOW_HTTP": "true", "AWS_REGION": env["AWS_REGION"],
               "AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"]}
    dt = DeltaTable(f"{s3_prefix}/lake/tables/s/t", storage_options=options)
    assert dt.version() == 2
    table = apply_batch(apply_batch({}, [load, cdc1, cdc2], ["id"]), [late], ["id"])
    got = sorted((tuple(r[c] for c in ORDER_DATA) for r in dt.to_pyarrow_table().to_pylist()), key=repr)
    assert normalize_orders(got) == order_oracle(table)


def test_dms_parquet_with_the_layout_of_a_real_dms_full_load_file(lakectl, tmp_path):
    """The column layout of a real DMS Parquet full load (PostgreSQL source; shared/reference/dms-format.md):
    `required binary DMS_TIMESTAMP (String)` first, numeric(15,2) as FIXED_LEN_BYTE_ARRAY(7), money as
    decimal(38,4), smallint as INT32 Int(16), real, bytea, TIMESTAMP(MILLIS, UTC), uuid/json as
    strings; PLAIN, uncompressed, one row group. Then a CDC file with Op; no schema file."""
    rng = random.Random(77)
    lake, dms = tmp_path / "lake", tmp_path / "dms"
    dms.mkdir()
    schema = pa.schema([pa.field("DMS_TIMESTAMP", pa.string(), nullable=False), ("id", pa.int64()), ("my_int", pa.int32()),
                        ("my_smallint", pa.int16()), ("my_numeric", pa.decimal128(15, 2)), ("my_real", pa.float32()),
                        ("my_money", pa.decimal128(38, 4)), ("my_varchar", pa.string()), ("my_bytea", pa.binary()),
                        ("my_timestamp", pa.timestamp("ms", tz="UTC")), ("my_uuid", pa.string()), ("my_bool", pa.bool_())])

    def row(i):
        def maybe(v):
            return None if rng.random() < 0.2 else v
        return {"DMS_TIMESTAMP": f"2022-07-26 06:46:18.{616807 + i:06d}", "id": i, "my_int": maybe(rng.randint(-2**31, 2**31 - 1)),
                "my_smallint": maybe(rng.randint(-2**15, 2**15 - 1)), "my_numeric": maybe(D(rng.randint(-10**14, 10**14)) / 100),
                "my_real": maybe(rng.choice([0.5, 0.25, -3.0])), "my_money": maybe(D(rng.randint(-10**15, 10**15)) / 10**4),
                "my_varchar": maybe(rng.choice(["", "tco", "日本"])), "my_bytea": maybe(bytes(rng.randint(0, 255) for _ in range(3))),
                "my_timestamp": maybe(datetime.datetime(2021, 10, 31, tzinfo=UTC) + datetime.timedelta(milliseconds=rng.randint(0, 10**10))),
                "my_uuid": maybe(f"181e9c5d-9b55-4535-8c6e-{i:012d}"), "my_bool": maybe(rng.random() < 0.5)}

    load = [row(i) for i in range(1, 11)]
    pq.write_table(pa.Table.from_pylist(load, schema=schema), dms / "LOAD00000001.parquet", compression="none",
                   use_dictionary=False, version="1.0", data_page_version="1.0")
    changes = [("U", row(1)), ("D", {"id": 2}), ("I", row(100)), ("U", row(3)), ("U", row(3))]
    cdc_schema = pa.schema([("Op", pa.string())] + list(schema))
    cdc_rows = [{**{c: None for c in schema.names}, **r, "Op": op, "DMS_TIMESTAMP": f"2022-07-26 06:47:00.{n:06d}"}
                for n, (op, r) in enumerate(changes)]
    pq.write_table(pa.Table.from_pylist(cdc_rows, schema=cdc_schema), dms / "20220726-064800123.parquet", compression="none")
    compact(lakectl, lake, dms, "--key", "id")
    table = {r["id"]: r for r in load}
    for op, r in changes:
        if op == "D":
            table.pop(r["id"], None)
        else:
            table[r["id"]] = r
    columns = [n for n in schema.names if n != "DMS_TIMESTAMP"]
    assert table_rows(lake / "tables/s/t", columns) == sorted((tuple(r[c] for c in columns) for r in table.values()), key=repr)
    dt = DeltaTable(str(lake / "tables/s/t"))
    types = {f.name: str(f.type) for f in dt.schema().fields}
    assert types["my_numeric"] == 'PrimitiveType("decimal(15,2)")' and types["my_smallint"] == 'PrimitiveType("short")'
    assert types["my_timestamp"] == 'PrimitiveType("timestamp")' and "Op" not in types
