"""Reliability (issue 7.4): soak — ingest and compact in a loop for a bounded time with a reader
checking every new version against the oracle; reports versions/min and the resident memory of
the lakectl processes (peak RSS of each run, first vs last) to catch growth.

LAKECTL_SOAK_SECONDS bounds it (default 120, the issue's CI figure; 600 for the documented long run).
"""
import datetime
import os
import resource
import subprocess
import time

from compact_oracle import Stream, table_rows, write_schema
from reliability_common import TABLE, cdc_name, record

SECONDS = float(os.environ.get("LAKECTL_SOAK_SECONDS", "120"))


def _run_rss(args):
    """Runs a command; returns (CompletedProcess, its peak RSS in MB): VmHWM of /proc/PID/status
    (which exec resets, unlike rusage that also counts the forked Python), polled until exit."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    out, err = proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode, out, err), peak / 1024


def test_soak_ingest_compact_reader(lakectl_bin, tmp_path):
    lake, schema = tmp_path / "lake", tmp_path / "schema.json"
    write_schema(schema, plain=True)
    table = lake / "tables" / "public" / "orders"
    stream = Stream(seed=2026, keys=2000)
    inputs = tmp_path / "in"
    inputs.mkdir()
    versions, rss_ingest, rss_compact, rows_in = 0, [], [], 0
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < SECONDS:
        src = inputs / cdc_name(i)
        stream.clock += datetime.timedelta(seconds=1)
        n = 200
        src.write_text(stream.batch(n, plain=True), encoding="utf-8")
        rows_in += n
        ing, rss = _run_rss([lakectl_bin, "ingest", str(lake), "--format", "dms-csv", "--schema", str(schema),
                             "--table", TABLE, "--max-rows", "100", str(src)])
        assert ing.returncode == 0, ing.stderr
        rss_ingest.append(rss)
        comp, rss = _run_rss([lakectl_bin, "compact", str(lake), "--table", TABLE, "--partition-by", "region",
                              "--target-file-size", str(1 << 16)])
        assert comp.returncode == 0, comp.stderr
        rss_compact.append(rss)
        versions += 1
        assert table_rows(table) == stream.expected(), f"version after round {i}"
        src.unlink()  # inputs are consumed; keep the disk flat
        i += 1
        if i % 10 == 0:
            opt = subprocess.run([lakectl_bin, "compact", str(lake), "--table", TABLE, "--optimize"],
                                 capture_output=True, text=True)
            assert opt.returncode == 0, opt.stderr
            assert table_rows(table) == stream.expected()
    minutes = (time.monotonic() - started) / 60
    assert versions > 0
    # memory: the last runs may not need much more than the first (the table grows; allow 2x + 64 MB)
    first = sum(rss_compact[:3]) / min(3, len(rss_compact))
    last = sum(rss_compact[-3:]) / min(3, len(rss_compact))
    assert last <= first * 2 + 64, f"compact RSS grew from {first:.0f} MB to {last:.0f} MB"
    record("soak", seconds=SECONDS, rounds=versions, versions_per_min=round(versions / minutes, 1), rows=rows_in,
           rss_ingest_mb=[round(rss_ingest[0]), round(rss_ingest[-1])],
           rss_compact_mb=[round(rss_compact[0]), round(rss_compact[-1])],
           pytest_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
