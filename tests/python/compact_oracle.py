"""Helpers for the compact tests: random change streams written as AWS DMS folders, the same
changes applied to SQLite (the oracle), and the Delta table read back with `deltalake`."""
import datetime
import decimal
import json
import random
import sqlite3

import pyarrow as pa

# The table: every Delta type lakectl maps from DMS text, key `id`, partitioned by `region`.
COLUMNS = [
    ("id", "long"), ("region", "string"), ("name", "string"), ("amount", "decimal(12,2)"), ("flag", "boolean"),
    ("score", "double"), ("small", "short"), ("day", "date"), ("at", "timestamp"), ("blob", "binary"), ("f", "float"),
]
DATA = [name for name, _ in COLUMNS]
SCHEMA = {
    "columns": [{"name": "Op", "type": "string"}, {"name": "commit_ts", "type": "string"}]
    + [{"name": n, "type": t, "nullable": n != "id"} for n, t in COLUMNS]
    + [{"name": "change_seq", "type": "string"}, {"name": "before_id", "type": "long"}],
    "key": ["id"], "op": "Op", "timestamp": "commit_ts", "sequence": "change_seq", "before": ["before_id"],
}

UNICODE = ["plain", "Paço, 67", "日本語", "emoji 🎉", 'quote "q"', "new\nline", "", "ñ,ü", "tab\tx", "\u00e9"]
REGIONS = ["eu", "us", "ap", None, "sa/x", "é"]


def random_row(rng, key):
    def maybe(v):
        return None if rng.random() < 0.12 else v
    return {
        "id": key,
        "region": rng.choice(REGIONS),
        "name": maybe(rng.choice(UNICODE) + str(rng.randint(0, 9))),
        "amount": maybe(decimal.Decimal(rng.randint(-10**8, 10**8)) / 100),
        "flag": maybe(rng.random() < 0.5),
        "score": maybe(rng.choice([0.1, -2.5, 1e300, 3.141592653589793, rng.random()])),
        "small": maybe(rng.randint(-32768, 32767)),
        "day": maybe(datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randint(0, 12000))),
        "at": maybe(rng.randint(0, 2 * 10**15)),  # microseconds since the epoch
        "blob": maybe(bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 5)))),
        "f": maybe(rng.choice([0.5, -1.25, 1024.0, 3.0])),
    }


def text(column, value):
    """The DMS CSV text of a value (None -> empty unquoted field)."""
    if value is None:
        return ""
    if column == "flag":
        return "true" if value else "false"
    if column in ("score", "f"):
        return repr(float(value))
    if column == "day":
        return value.isoformat()
    if column == "at":
        return (datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=value)).strftime("%Y-%m-%d %H:%M:%S.%f")
    if column == "blob":
        return value.hex() or '""'  # an empty value is quoted: unquoted empty is NULL
    s = str(value)
    if s == "" or any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


class Stream:
    """A random change stream over a small key space, with the oracle kept in SQLite."""

    def __init__(self, seed, keys=60):
        self.rng = random.Random(seed)
        self.keys = keys
        self.seq = 10**30
        self.db = sqlite3.connect(":memory:")
        cols = ", ".join(f'"{c}"' for c in DATA)
        self.db.execute(f"create table t ({cols}, primary key (id))")
        self.clock = datetime.datetime(2024, 6, 12, 10, 0, 0)

    def live_keys(self):
        return [r[0] for r in self.db.execute("select id from t")]

    def batch(self, n, plain=False):
        """n changes as DMS CSV lines (shuffled in the file; the sequence column orders them),
        applied to the oracle in sequence order. `plain`: Op, timestamp and data columns only, in
        order, without primary-key changes (the DMS-CSV input of `lakectl ingest`)."""
        lines = []
        for _ in range(n):
            live = self.live_keys()
            r = self.rng.random()
            self.seq += self.rng.randint(1, 5)
            self.clock += datetime.timedelta(microseconds=self.rng.randint(0, 3))  # ties on purpose
            ts = self.clock.strftime("%Y-%m-%d %H:%M:%S.%f")
            before = None
            if r < 0.15 and live:                      # delete (key only, as PostgreSQL sends it)
                key = self.rng.choice(live)
                row = {"id": key}
                op = "D"
            elif r < 0.2:                              # delete of an absent key
                key = self.keys + self.rng.randint(1000, 2000)
                row = {"id": key}
                op = "D"
            elif r < 0.27 and live and not plain:                    # primary-key change through the before-image
                before = self.rng.choice(live)
                key = self.rng.randint(0, self.keys * 2)
                row = random_row(self.rng, key)
                op = "U"
            else:                                       # insert or update, present or absent
                key = self.rng.randint(0, self.keys)
                row = random_row(self.rng, key)
                op = self.rng.choice("IU")
            fields = [op, ts] + [text(c, row.get(c)) for c in DATA]
            if not plain:
                fields += [str(self.seq), "" if before is None else str(before)]
            lines.append((self.seq, ",".join(fields)))
            self.apply(op, row, before)
        if not plain:
            self.rng.shuffle(lines)
        return "\n".join(l for _, l in lines) + "\n"

    def apply(self, op, row, before):
        if before is not None and before != row["id"]:
            self.db.execute("delete from t where id = ?", (before,))
        if op == "D":
            self.db.execute("delete from t where id = ?", (row["id"],))
            return
        values = [sql_value(c, row.get(c)) for c in DATA]
        self.db.execute(f"insert or replace into t values ({', '.join('?' * len(DATA))})", values)

    def expected(self):
        rows = self.db.execute(f"select {', '.join(DATA)} from t order by id").fetchall()
        return [tuple(from_sql(c, v) for c, v in zip(DATA, r)) for r in rows]


def sql_value(column, value):
    if value is None:
        return None
    if column == "amount":
        return str(value)
    if column == "day":
        return value.isoformat()
    return value


def from_sql(column, value):
    if value is None:
        return None
    if column == "amount":
        return decimal.Decimal(value).quantize(decimal.Decimal("0.01"))
    if column == "day":
        return datetime.date.fromisoformat(value)
    if column == "flag":
        return bool(value)
    if column == "f":
        return float(value)
    return value


def table_rows(path, version=None):
    """The Delta table's rows, normalised like ``Stream.expected``."""
    from deltalake import DeltaTable
    dt = DeltaTable(str(path), version=version) if version is not None else DeltaTable(str(path))
    return normalise(dt.to_pyarrow_table())


def normalise(t):
    """A table's rows as sorted tuples, like ``Stream.expected``."""
    out = []
    for r in t.to_pylist():
        at = r["at"]
        if at is not None:
            at = (at - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)
        row = dict(r, at=at)
        out.append(tuple(row[c] for c in DATA))
    return sorted(out, key=lambda r: r[0])


def write_schema(path, plain=False):
    schema = dict(SCHEMA, columns=SCHEMA["columns"][:-2], sequence=None, before=[]) if plain else SCHEMA
    path.write_text(json.dumps(schema))
