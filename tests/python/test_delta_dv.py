"""Deletion vector interop: DVs lakectl writes (`lakectl debug delete-rows`, inline and in files) are
honoured by delta-kernel (deltalake's QueryBuilder), decode identically with the reference roaring
implementation (pyroaring), and DVs built by pyroaring (run containers, several buckets) decode
identically in lakectl (`lakectl debug dv-rows`). Expectations come from the data files themselves
(read with pyarrow) and from pyroaring, never hard-coded."""
import json
import pathlib
import struct
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, QueryBuilder, write_deltalake
from pyroaring import BitMap64

from delta_log_replay import live_adds

MAGIC = 1681511377
Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def z85_decode(text: str, length: int) -> bytes:
    out = bytearray()
    for i in range(0, len(text), 5):
        value = 0
        for c in text[i:i + 5]:
            value = value * 85 + Z85.index(c)
        out += value.to_bytes(4, "big")
    return bytes(out[:length])


def z85_encode(data: bytes) -> str:
    data = data + b"\0" * (-len(data) % 4)
    out = []
    for i in range(0, len(data), 4):
        value = int.from_bytes(data[i:i + 4], "big")
        chunk = []
        for _ in range(5):
            chunk.append(Z85[value % 85])
            value //= 85
        out.append("".join(reversed(chunk)))
    return "".join(out)


def dv_path(table: pathlib.Path, descriptor: dict) -> pathlib.Path:
    encoded = descriptor["pathOrInlineDv"]
    prefix, uuid_text = encoded[:-20], encoded[-20:]
    raw = z85_decode(uuid_text, 16).hex()
    name = f"deletion_vector_{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}.bin"
    return table / prefix / name if prefix else table / name


def dv_content(table: pathlib.Path, descriptor: dict) -> bytes:
    """The DV bytes (magic + bitmap), read independently of lakectl, checking the file framing."""
    size = descriptor["sizeInBytes"]
    if descriptor["storageType"] == "i":
        return z85_decode(descriptor["pathOrInlineDv"], size)
    assert descriptor["storageType"] == "u"
    data = dv_path(table, descriptor).read_bytes()
    assert data[0] == 1
    offset = descriptor.get("offset", 0)
    (stored_size,) = struct.unpack(">I", data[offset:offset + 4])
    assert stored_size == size
    content = data[offset + 4:offset + 4 + size]
    (crc,) = struct.unpack(">I", data[offset + 4 + size:offset + 8 + size])
    assert crc == zlib.crc32(content)
    return content


def reference_rows(content: bytes) -> list[int]:
    (magic,) = struct.unpack("<I", content[:4])
    assert magic == MAGIC
    return list(BitMap64.deserialize(content[4:]))


def make_table(path: pathlib.Path, files: int = 3, rows_per_file: int = 100_000):
    for f in range(files):
        ids = list(range(f * rows_per_file, (f + 1) * rows_per_file))
        write_deltalake(str(path), pa.table({"id": pa.array(ids, pa.int64()), "label": [f"r{i}" for i in ids]}), mode="append")
    return sorted(p.name for p in path.glob("*.parquet"))


def query_ids(path: pathlib.Path) -> list[int]:
    result = QueryBuilder().register("t", DeltaTable(str(path))).execute("select id from t").read_all()
    return sorted(pa.table(result).column("id").to_pylist())


def expected_ids(path: pathlib.Path, deleted: dict) -> list[int]:
    """Row indexes are positions in each data file: drop them from the file's own rows."""
    ids = []
    for parquet in path.glob("*.parquet"):
        rows = pq.read_table(parquet).column("id").to_pylist()
        drop = set(deleted.get(parquet.name, []))
        ids += [v for i, v in enumerate(rows) if i not in drop]
    return sorted(ids)


@pytest.mark.parametrize("placement", ["inline", "file", "auto"])
def test_deleted_rows_disappear_for_delta_kernel(tmp_path, lakectl, placement):
    table = tmp_path / "t"
    files = make_table(table)
    # Two of three files get DVs; the third stays whole. The second DV has a dense block
    # (a bitmap container), the first rows in two 16-bit blocks (array containers).
    deleted = {
        files[0]: [2, 5, 70000],
        files[2]: [0, 99_999] + list(range(10_000, 15_001)),
    }
    specs = {files[0]: "2,5,70000", files[2]: "0,99999,10000-15000"}
    args = []
    for name, spec in specs.items():
        args += ["--file", name, "--rows", spec]
    lakectl("debug", "delete-rows", table, *args, "--placement", placement, check=True)

    adds = live_adds(table)
    assert len(adds) == 3 and adds[files[1]].get("deletionVector") is None
    for name, rows in deleted.items():
        add = adds[name]
        descriptor = add["deletionVector"]
        chosen = placement if placement != "auto" else ("inline" if len(rows) < 10 else "file")
        assert descriptor["storageType"] == ("i" if chosen == "inline" else "u")
        assert descriptor["cardinality"] == len(rows)
        # The DV decodes to exactly these rows with the reference roaring implementation.
        assert reference_rows(dv_content(table, descriptor)) == sorted(rows)
        # numRecords stays the physical row count, as the protocol requires.
        assert json.loads(add["stats"])["numRecords"] == 100_000

    dt = DeltaTable(str(table))
    protocol = dt.protocol()
    # The legacy writer version's features stay listed (writer 2: appendOnly + invariants).
    before = DeltaTable(str(table), version=0).protocol()
    if before.min_writer_version >= 2:
        assert {"appendOnly", "invariants"} <= set(protocol.writer_features)
    assert protocol.min_reader_version == 3 and protocol.min_writer_version == 7
    assert "deletionVectors" in protocol.reader_features and "deletionVectors" in protocol.writer_features
    assert dt.metadata().configuration.get("delta.enableDeletionVectors") == "true"
    ids = query_ids(table)
    assert ids == expected_ids(table, deleted)
    assert len(ids) == 300_000 - sum(len(r) for r in deleted.values())


def test_existing_features_are_preserved(tmp_path, lakectl):
    table = tmp_path / "ntz"
    import datetime
    ts = [datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=i) for i in range(10)]
    write_deltalake(str(table), pa.table({"id": pa.array(range(10), pa.int64()), "ts": pa.array(ts, pa.timestamp("us"))}))
    before = DeltaTable(str(table)).protocol()
    assert "timestampNtz" in (before.reader_features or [])
    name = next(table.glob("*.parquet")).name
    lakectl("debug", "delete-rows", table, "--file", name, "--rows", "3,4", check=True)
    after = DeltaTable(str(table)).protocol()
    assert set(before.reader_features) | {"deletionVectors"} == set(after.reader_features)
    assert set(before.writer_features) | {"deletionVectors"} == set(after.writer_features)
    assert query_ids(table) == expected_ids(table, {name: [3, 4]})


def reference_bitmap() -> BitMap64:
    """Runs, arrays and bitmaps across several 32-bit buckets, including row 2^32+5."""
    bitmap = BitMap64(range(100, 20_000))                       # long run
    bitmap.update(range(70_000, 200_000, 3))                    # bitmap containers
    bitmap.update([1, 7, 65_536 * 9 + 4])                       # arrays
    bitmap.update([2**32 + 5, 2**32 + 6, 5 * 2**32 + 65_535])   # more buckets
    bitmap.update(range(3 * 2**32, 3 * 2**32 + 70_000))        # a run crossing a block boundary
    bitmap.run_optimize()
    return bitmap


def test_lakectl_decodes_reference_dvs(tmp_path, lakectl):
    table = tmp_path / "ref"
    table.mkdir()
    bitmap = reference_bitmap()
    content = struct.pack("<I", MAGIC) + bitmap.serialize()
    expected = list(bitmap)

    inline = {"storageType": "i", "pathOrInlineDv": z85_encode(content), "sizeInBytes": len(content),
              "cardinality": len(expected)}
    out = lakectl("debug", "dv-rows", table, "--descriptor", json.dumps(inline), check=True)
    assert [int(x) for x in out.stdout.split()] == expected

    # A file holding two DVs; the second one is at a non-trivial offset, under a random prefix.
    other = struct.pack("<I", MAGIC) + BitMap64([3, 4, 5]).serialize()
    framed = bytearray([1])
    for part in (other, content):
        framed += struct.pack(">I", len(part)) + part + struct.pack(">I", zlib.crc32(part))
    uuid_bytes = bytes(range(16))
    descriptor = {"storageType": "u", "pathOrInlineDv": "xy" + z85_encode(uuid_bytes), "offset": 1 + 8 + len(other),
                  "sizeInBytes": len(content), "cardinality": len(expected)}
    target = dv_path(table, descriptor)
    assert target.parent.name == "xy"
    target.parent.mkdir()
    target.write_bytes(bytes(framed))
    out = lakectl("debug", "dv-rows", table, "--descriptor", json.dumps(descriptor), check=True)
    assert [int(x) for x in out.stdout.split()] == expected

    # Corruption: a flipped byte fails the CRC-32, a wrong size runs past the file; clean errors naming the DV.
    damaged = bytearray(framed)
    damaged[-10] ^= 0x40
    target.write_bytes(bytes(damaged))
    proc = lakectl("debug", "dv-rows", table, "--descriptor", json.dumps(descriptor))
    assert proc.returncode != 0 and "CRC-32" in proc.stderr and descriptor["pathOrInlineDv"] in proc.stderr
    target.write_bytes(bytes(framed))
    too_big = dict(descriptor, sizeInBytes=len(content) + 1000)
    proc = lakectl("debug", "dv-rows", table, "--descriptor", json.dumps(too_big))
    assert proc.returncode != 0 and proc.stderr.startswith("lakectl:")
