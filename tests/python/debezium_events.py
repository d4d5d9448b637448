"""Debezium change events shaped as the PostgreSQL and MySQL connectors emit them (JSON converter
with schemas enabled), plus the expected column values, for lakectl ingest's interop tests.

Every event carries the full {"schema", "payload"} envelope. Types follow Debezium's default
mappings: PostgreSQL int2/int4/int8/float4/float8/bool/text/bytea/date/timestamp(6)/timestamp(3)/
timestamptz/numeric(p,s)/numeric; MySQL TINYINT(int8 here)/INT/BIGINT/DATETIME(3)/DATETIME(6)/
TIMESTAMP/DECIMAL. Values round-trip: each event also yields the row as Python values.
"""
import base64
import datetime as dt
import decimal
import json
import random

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1)


def _dec_bytes(unscaled: int) -> str:
    n = max(1, (unscaled.bit_length() + 8) // 8)
    return base64.b64encode(unscaled.to_bytes(n, "big", signed=True)).decode()


def _field(name, type_, optional=True, logical=None, params=None, fields=None):
    f = {"type": type_, "optional": optional, "field": name}
    if logical:
        f["name"] = logical
        f["version"] = 1
    if params:
        f["parameters"] = params
    if fields:
        f["fields"] = fields
    return f


# (column, connect field schema, python value generator, encoder to JSON, pyarrow type name)
def pg_columns():
    return [
        ("id", _field("id", "int32", optional=False)),
        ("small", _field("small", "int16")),
        ("big", _field("big", "int64")),
        ("real4", _field("real4", "float")),
        ("dbl", _field("dbl", "double")),
        ("flag", _field("flag", "boolean")),
        ("name", _field("name", "string")),
        ("data", _field("data", "bytes")),
        ("day", _field("day", "int32", logical="io.debezium.time.Date")),
        ("ts6", _field("ts6", "int64", logical="io.debezium.time.MicroTimestamp")),
        ("ts3", _field("ts3", "int64", logical="io.debezium.time.Timestamp")),
        ("tsn", _field("tsn", "int64", logical="io.debezium.time.NanoTimestamp")),
        ("tstz", _field("tstz", "string", logical="io.debezium.time.ZonedTimestamp")),
        ("price", _field("price", "bytes", logical="org.apache.kafka.connect.data.Decimal",
                         params={"scale": "2", "connect.decimal.precision": "10"})),
        ("anynum", _field("anynum", "struct", logical="io.debezium.data.VariableScaleDecimal",
                          fields=[_field("scale", "int32", optional=False), _field("value", "bytes", optional=False)])),
    ]


def random_row(rng: random.Random, key: int, nulls=True):
    def maybe(v):
        return None if nulls and rng.random() < 0.1 else v
    micros = rng.randrange(0, 4_000_000_000_000_000)
    return {
        "id": key,
        "small": maybe(rng.randrange(-32768, 32768)),
        "big": maybe(rng.randrange(-2**63, 2**63)),
        "real4": maybe(float(rng.choice([0.5, -1.25, 3.0, 1024.75]))),
        "dbl": maybe(rng.uniform(-1e9, 1e9)),
        "flag": maybe(rng.random() < 0.5),
        "name": maybe(rng.choice(["", "plain", "comma, \"quote\"", "línea\nnueva", "日本語", "emoji 😀", "tab\tx"])),
        "data": maybe(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))),
        "day": maybe(dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(-20000, 40000))),
        "ts6": maybe(EPOCH + dt.timedelta(microseconds=micros)),
        "ts3": maybe(EPOCH + dt.timedelta(milliseconds=micros // 1000)),
        "tsn": maybe(EPOCH + dt.timedelta(microseconds=micros)),
        "tstz": maybe(dt.datetime(2024, 6, 12, 10, 30, 27, rng.randrange(1_000_000), tzinfo=UTC)
                      + dt.timedelta(minutes=rng.randrange(-10000, 10000))),
        "price": maybe(decimal.Decimal(rng.randrange(-10**9, 10**9)).scaleb(-2)),
        "anynum": maybe(decimal.Decimal(rng.randrange(-10**12, 10**12)).scaleb(-rng.randrange(0, 7))),
    }


def encode_row(row):
    """Python values -> Debezium JSON values."""
    if row is None:
        return None
    out = {}
    for k, v in row.items():
        if v is None:
            out[k] = None
        elif k == "data":
            out[k] = base64.b64encode(v).decode()
        elif k == "day":
            out[k] = (v - dt.date(1970, 1, 1)).days
        elif k == "ts6":
            out[k] = (v - EPOCH) // dt.timedelta(microseconds=1)
        elif k == "ts3":
            out[k] = (v - EPOCH) // dt.timedelta(milliseconds=1)
        elif k == "tsn":
            out[k] = ((v - EPOCH) // dt.timedelta(microseconds=1)) * 1000
        elif k == "tstz":
            # PostgreSQL's connector writes UTC with a Z; use an offset on some to test parsing.
            if v.microsecond % 2:
                out[k] = v.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
            else:
                out[k] = v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif k == "price":
            out[k] = _dec_bytes(int(v.scaleb(2)))
        elif k == "anynum":
            scale = -v.as_tuple().exponent
            out[k] = {"scale": scale, "value": _dec_bytes(int(v.scaleb(scale)))}
        else:
            out[k] = v
    return out


def envelope_schema(columns, name):
    row = [c[1] for c in columns]
    return {
        "type": "struct", "optional": False, "name": f"{name}.Envelope", "version": 1,
        "fields": [
            {"type": "struct", "fields": row, "optional": True, "name": f"{name}.Value", "field": "before"},
            {"type": "struct", "fields": row, "optional": True, "name": f"{name}.Value", "field": "after"},
            {"type": "struct", "optional": False, "name": "io.debezium.connector.source", "field": "source", "fields": [
                _field("version", "string", False), _field("connector", "string", False), _field("name", "string", False),
                _field("ts_ms", "int64", False), _field("db", "string", False), _field("table", "string", True)]},
            _field("op", "string", False), _field("ts_ms", "int64"),
        ],
    }


def pg_stream(n, seed=1, table="orders", schema="public", keys=50, start_lsn=24023128):
    """n PostgreSQL events (a snapshot 'r' of the first keys, then c/u/d); returns (lines, expected)
    where expected is a list of (op letter, row dict) in input order."""
    rng = random.Random(seed)
    columns = pg_columns()
    env = envelope_schema(columns, f"pg.{schema}.{table}")
    live = {}
    lines, expected = [], []
    lsn = start_lsn
    commit = start_lsn - 100
    ts = 1_718_188_227_000
    for i in range(n):
        key = rng.randrange(keys)
        snapshot = i < min(10, n // 4)
        if snapshot:
            op = "r"
        elif key in live:
            op = rng.choice(["u", "u", "d"])
        else:
            op = "c"
        row = random_row(rng, key)
        lsn += rng.randrange(8, 200)
        if not snapshot and rng.random() < 0.3:
            commit = lsn - 1
            ts += rng.randrange(1, 5)
        before = live.get(key) if op in ("u", "d") else None
        after = None if op == "d" else row
        if op == "d":
            live.pop(key, None)
            # Default REPLICA IDENTITY: only the key in the before image.
            before = {c: (key if c == "id" else None) for c, _ in columns}
        else:
            live[key] = row
        source = {"version": "2.7.3.Final", "connector": "postgresql", "name": "pg", "ts_ms": ts,
                  "ts_us": ts * 1000, "snapshot": "true" if snapshot else "false", "db": "shop",
                  "sequence": json.dumps([None if snapshot else str(commit), str(lsn if not snapshot else start_lsn)]),
                  "schema": schema, "table": table, "txId": 700 + i, "lsn": lsn if not snapshot else start_lsn, "xmin": None}
        payload = {"before": encode_row(before), "after": encode_row(after), "source": source, "op": op,
                   "ts_ms": ts + 5, "transaction": None}
        lines.append(json.dumps({"schema": env, "payload": payload}, separators=(",", ":"), ensure_ascii=False))
        expected.append(({"r": "I", "c": "I", "u": "U", "d": "D"}[op], after if after is not None else before, ts * 1000))
    return lines, expected


def mysql_stream(n, seed=2, db="inventory", table="customers"):
    """MySQL connector events: table db.table, binlog file/pos/row positions."""
    rng = random.Random(seed)
    columns = [
        ("id", _field("id", "int32", optional=False)),
        ("tiny", _field("tiny", "int8")),
        ("qty", _field("qty", "int64")),
        ("first_name", _field("first_name", "string")),
        ("born", _field("born", "int32", logical="io.debezium.time.Date")),
        ("dt3", _field("dt3", "int64", logical="io.debezium.time.Timestamp")),
        ("dt6", _field("dt6", "int64", logical="io.debezium.time.MicroTimestamp")),
        ("updated", _field("updated", "string", logical="io.debezium.time.ZonedTimestamp")),
        ("balance", _field("balance", "bytes", logical="org.apache.kafka.connect.data.Decimal",
                           params={"scale": "4", "connect.decimal.precision": "18"})),
        ("ratio", _field("ratio", "float")),
        ("active", _field("active", "boolean")),
    ]
    env = envelope_schema(columns, f"mysql.{db}.{table}")
    lines, expected = [], []
    live = set()
    file_no, pos = 3, 154
    ts = 1_718_188_227_000
    row_in_event = 0
    for i in range(n):
        key = rng.randrange(40)
        op = "d" if key in live and rng.random() < 0.3 else ("u" if key in live else "c")
        micros = rng.randrange(0, 2_000_000_000_000_000)
        row = {
            "id": key, "tiny": rng.randrange(-128, 128), "qty": rng.randrange(-2**40, 2**40),
            "first_name": rng.choice(["Anne", "Sally", "Zoë", None, "O'Brien, \"Jr\""]),
            "born": dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(30000)),
            "dt3": EPOCH + dt.timedelta(milliseconds=micros // 1000),
            "dt6": EPOCH + dt.timedelta(microseconds=micros),
            "updated": dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=rng.randrange(10**7)),
            "balance": decimal.Decimal(rng.randrange(-10**12, 10**12)).scaleb(-4),
            "ratio": rng.choice([0.25, None, -8.5]),
            "active": rng.random() < 0.5,
        }
        if rng.random() < 0.7:
            pos += rng.randrange(100, 900)
            row_in_event = 0
        else:
            row_in_event += 1
        if rng.random() < 0.02:
            file_no += 1
            pos = 4
            row_in_event = 0
        ts += rng.randrange(0, 3)
        enc = {
            "id": row["id"], "tiny": row["tiny"], "qty": row["qty"], "first_name": row["first_name"],
            "born": (row["born"] - dt.date(1970, 1, 1)).days,
            "dt3": (row["dt3"] - EPOCH) // dt.timedelta(milliseconds=1),
            "dt6": (row["dt6"] - EPOCH) // dt.timedelta(microseconds=1),
            "updated": row["updated"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "balance": _dec_bytes(int(row["balance"].scaleb(4))),
            "ratio": row["ratio"], "active": row["active"],
        }
        source = {"version": "2.7.3.Final", "connector": "mysql", "name": "mysql", "ts_ms": ts, "snapshot": "false",
                  "db": db, "sequence": None, "table": table, "server_id": 223344, "gtid": None,
                  "file": f"mysql-bin.{file_no:06d}", "pos": pos, "row": row_in_event, "thread": 7, "query": None}
        payload = {"before": enc if op == "d" else None, "after": None if op == "d" else enc, "source": source,
                   "op": op, "ts_ms": ts + 3, "transaction": None}
        if op == "d":
            live.discard(key)
        else:
            live.add(key)
        lines.append(json.dumps({"schema": env, "payload": payload}, separators=(",", ":"), ensure_ascii=False))
        expected.append(({"c": "I", "u": "U", "d": "D"}[op], row, ts * 1000))
    return lines, expected
