"""Tables with deletion vectors (DVs), read and written by lakectl: rows deleted with
`lakectl debug delete-rows` disappear from `lakectl scan`, `lakectl compact` of later changes
(updates of kept keys in a DV'd file, re-inserts of DV-deleted keys) and `--optimize` keep the table
equal to the SQLite oracle, checkpoints carry the DVs (delta-kernel reads them), and vacuum keeps the
DV files live files need. Expectations: the oracle (with the DV-deleted keys, read from the data
files with pyarrow, removed) and deltalake's QueryBuilder (delta-kernel honours DVs)."""
import json
import pathlib
import shutil
import urllib.parse

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, QueryBuilder

from compact_oracle import DATA, Stream, normalise, random_row, text, write_schema
from delta_log_replay import live_adds

TABLE = "public.orders"


def table_path(lake):
    return lake / "tables" / "public" / "orders"


def compact(lakectl, lake, dms, schema, *extra):
    out = lakectl("compact", lake, "--table", TABLE, "--from", dms, "--schema", schema, "--partition-by", "region",
                  "--json", *extra, check=True)
    return json.loads(out.stdout) if out.stdout.strip() else {}


def log_actions(table, version):
    return [json.loads(l) for l in (table / "_delta_log" / f"{version:020d}.json").read_text().splitlines()]


def oracle_rows(path):
    """The table read by delta-kernel (honours DVs)."""
    result = QueryBuilder().register("t", DeltaTable(str(path))).execute("select * from t").read_all()
    return normalise(pa.table(result))


def scan_rows(lakectl, path, tmp_path):
    out = tmp_path / "scan.parquet"
    lakectl("scan", path, "--format", "parquet", "--output", out, check=True)
    return normalise(pq.read_table(out))


def file_ids(table, add):
    return pq.read_table(table / urllib.parse.unquote(add["path"])).column("id").to_pylist()


def change_line(stream, op, row):
    stream.seq += 1
    stream.clock += __import__("datetime").timedelta(microseconds=1)
    stream.apply(op, row, None)
    return ",".join([op, stream.clock.strftime("%Y-%m-%d %H:%M:%S.%f")] + [text(c, row.get(c)) for c in DATA] + [str(stream.seq), ""])


def check_all(lakectl, table, stream, tmp_path):
    expected = stream.expected()
    assert oracle_rows(table) == expected
    assert scan_rows(lakectl, table, tmp_path) == expected
    described = json.loads(lakectl("table", "describe", table, "--json", check=True).stdout)
    assert described["numRecords"] == len(expected)


def test_compact_optimize_checkpoint_vacuum_with_deletion_vectors(lakectl, tmp_path):
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=23, keys=400)
    (dms / "20240612-100000000.csv").write_text(stream.batch(700), encoding="utf-8")
    compact(lakectl, lake, dms, schema)
    table = table_path(lake)

    # Two files of plain partitions get DVs (in DV files): first, a middle and the last row of A; two rows of B.
    adds = live_adds(table)
    plain = sorted((a for a in adds.values() if a["partitionValues"]["region"] in ("eu", "us", "ap")),
                   key=lambda a: -json.loads(a["stats"])["numRecords"])
    file_a, file_b = plain[0], plain[1]
    ids_a, ids_b = file_ids(table, file_a), file_ids(table, file_b)
    assert len(ids_a) > 10 and len(ids_b) > 10
    rows_a, rows_b = [0, 2, len(ids_a) - 1], [1, 3]
    lakectl("debug", "delete-rows", table, "--file", file_a["path"], "--rows", ",".join(map(str, rows_a)),
            "--file", file_b["path"], "--rows", ",".join(map(str, rows_b)), "--placement", "file", check=True)
    for ids, rows in ((ids_a, rows_a), (ids_b, rows_b)):
        for r in rows:
            stream.db.execute("delete from t where id = ?", (ids[r],))
    assert all(a.get("deletionVector") for p, a in live_adds(table).items() if p in (file_a["path"], file_b["path"]))
    check_all(lakectl, table, stream, tmp_path)

    # Changes to A: a kept key updated, kept keys deleted, a DV-deleted key re-inserted. The table now
    # has DVs enabled, so compact would give A a DV for a few changes: delete a quarter of its rows
    # (above CopyOnWrite.deletionVectorMaxFraction) so that it is rewritten.
    region_a = file_a["partitionValues"]["region"]
    updated = dict(random_row(stream.rng, ids_a[1]), region=region_a)
    reinserted = dict(random_row(stream.rng, ids_a[0]), region=region_a)
    lines = [change_line(stream, "U", updated), change_line(stream, "I", reinserted)]
    lines += [change_line(stream, "D", {"id": k}) for k in ids_a[3:3 + len(ids_a) // 4]]
    (dms / "20240612-110000000.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = compact(lakectl, lake, dms, schema)
    check_all(lakectl, table, stream, tmp_path)
    live = live_adds(table)
    assert file_a["path"] not in live                           # rewritten without its DV'd rows
    assert live[file_b["path"]].get("deletionVector")            # untouched: kept with its DV
    removes = [a["remove"] for a in log_actions(table, summary["version"]) if "remove" in a]
    assert any(r["path"] == file_a["path"] and r.get("deletionVector") for r in removes)

    # A checkpoint carries B's DV; delta-kernel and lakectl read the table from it alone.
    lakectl("table", "checkpoint", table, check=True)
    checkpoint = sorted((table / "_delta_log").glob("*.checkpoint.parquet"))[-1]
    entries = [a for a in pq.read_table(checkpoint).column("add").to_pylist() if a]
    dv_b = next(a["deletionVector"] for a in entries if a["path"] == file_b["path"])
    assert dv_b and dv_b["cardinality"] == len(rows_b) and dv_b["storageType"] == "u"
    copy = tmp_path / "from_checkpoint"
    shutil.copytree(table, copy)
    version = int(checkpoint.name.split(".")[0])
    for log in (copy / "_delta_log").glob("*.json"):
        if int(log.name.split(".")[0]) <= version:
            log.unlink()
    check_all(lakectl, copy, stream, tmp_path)

    # Vacuum without retention: A's old DV file goes, B's (live) stays; the table still reads right.
    lakectl("table", "vacuum", table, "--retain-hours", "0", "--grace-minutes", "0", "--execute", check=True)
    dv_files = sorted(p.name for p in table.rglob("deletion_vector_*.bin"))
    assert len(dv_files) == 1
    check_all(lakectl, table, stream, tmp_path)

    # More small files in B's partition, then --optimize bin-packs them, dropping B's DV'd rows.
    region_b = file_b["partitionValues"]["region"]
    for i in range(2):
        lines = [change_line(stream, "I", dict(random_row(stream.rng, 10_000 + 10 * i + k), region=region_b)) for k in range(5)]
        (dms / f"20240612-12{i}000000.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        compact(lakectl, lake, dms, schema)
    check_all(lakectl, table, stream, tmp_path)
    out = json.loads(lakectl("compact", lake, "--table", TABLE, "--optimize", "--json", check=True).stdout)
    assert out["filesRemoved"] > out["filesAdded"] >= 1
    assert file_b["path"] not in live_adds(table)
    removes = [a["remove"] for a in log_actions(table, out["version"]) if "remove" in a]
    assert any(r["path"] == file_b["path"] and r.get("deletionVector") for r in removes)
    check_all(lakectl, table, stream, tmp_path)


def test_compact_deletion_vectors_flag_rounds_match_oracle(lakectl, tmp_path):
    """`compact --deletion-vectors`: rounds of random changes (trickle and heavy) keep every version
    equal to the oracle (delta-kernel and `lakectl scan`); few changed rows of a file give it a DV
    (unioned in later rounds), many rewrite it; the upgrade commits with the first round."""
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=41, keys=1200)
    (dms / "20240612-100000000.csv").write_text(stream.batch(2400), encoding="utf-8")
    first = compact(lakectl, lake, dms, schema, "--deletion-vectors")
    table = table_path(lake)
    versions = {first["version"]: stream.expected()}
    protocol = next(a["protocol"] for a in log_actions(table, first["version"]) if "protocol" in a)
    assert protocol["minReaderVersion"] == 3 and "deletionVectors" in protocol["readerFeatures"]
    metadata = next(a["metaData"] for a in log_actions(table, first["version"]) if "metaData" in a)
    assert metadata["configuration"]["delta.enableDeletionVectors"] == "true"
    check_all(lakectl, table, stream, tmp_path)

    dv_rounds = unioned = 0
    for i, n in enumerate([8, 12, 6, 10, 900, 8]):
        (dms / f"20240612-11{i:02d}00000.csv").write_text(stream.batch(n), encoding="utf-8")
        before = {p: a.get("deletionVector") for p, a in live_adds(table).items()}
        summary = compact(lakectl, lake, dms, schema, "--deletion-vectors")
        versions[summary["version"]] = stream.expected()
        check_all(lakectl, table, stream, tmp_path)
        adds = live_adds(table)
        for path, add in adds.items():
            if add.get("deletionVector") and path in before and add["deletionVector"] != before[path]:
                assert json.loads(add["stats"])["tightBounds"] is False
                unioned += before[path] is not None
        dv_rounds += summary.get("deletionVectors", 0) > 0
        if n == 900:  # a heavy round rewrites every touched file, dropping its DV
            assert summary["deletionVectors"] == 0
            assert not any(a.get("deletionVector") for p, a in adds.items() if p in before and before[p])
    assert dv_rounds >= 4 and unioned >= 1

    for version, expected in versions.items():
        result = QueryBuilder().register("t", DeltaTable(str(table), version=version)).execute("select * from t").read_all()
        assert normalise(pa.table(result)) == expected, f"version {version}"
        out = tmp_path / f"scan{version}.parquet"
        lakectl("scan", table, "--version", str(version), "--format", "parquet", "--output", out, check=True)
        assert normalise(pq.read_table(out)) == expected, f"lakectl scan --version {version}"


def test_compact_default_writes_no_deletion_vectors(lakectl, tmp_path):
    lake, dms, schema = tmp_path / "lake", tmp_path / "dms", tmp_path / "schema.json"
    dms.mkdir()
    write_schema(schema)
    stream = Stream(seed=43, keys=600)
    (dms / "20240612-100000000.csv").write_text(stream.batch(1200), encoding="utf-8")
    compact(lakectl, lake, dms, schema)
    table = table_path(lake)
    protocol = DeltaTable(str(table)).protocol()
    for i in range(3):
        (dms / f"20240612-11{i:02d}00000.csv").write_text(stream.batch(8), encoding="utf-8")
        summary = compact(lakectl, lake, dms, schema)
        assert summary.get("deletionVectors", 0) == 0
        check_all(lakectl, table, stream, tmp_path)
    assert DeltaTable(str(table)).protocol() == protocol
    assert not any(a.get("deletionVector") for a in live_adds(table).values())
    assert "delta.enableDeletionVectors" not in DeltaTable(str(table)).metadata().configuration
