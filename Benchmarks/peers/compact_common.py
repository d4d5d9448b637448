"""What the compact benchmarks (compact_bench.py, compact_trickle_bench.py) share: the DMS schema
file, the timed child process, the lakectl compact command and the last-change-per-key step of the
deltalake merge scripts."""
import os
import subprocess
import time

STATUSES = ["new", "paid", "shipped", "delivered", "cancelled", "returned"]
TABLE = "bench.orders"

# Python source for the deltalake merge scripts: `t` (the changes, in file order) -> `src`, the last
# change of every key.
LAST_CHANGE_PER_KEY = r"""
# Last change per key (row order): delta-rs merge needs one source row per key.
t = t.append_column("_row", pa.array(range(t.num_rows)))
last = t.group_by("id").aggregate([("_row", "max")]).column("_row_max")
src = t.take(last).drop_columns(["_row"])
"""


def dms_schema(columns):
    """lakectl's schema file for DMS changes: an `Op` column, then `columns` ((name, type) pairs),
    keyed by a non-null `id`."""
    fields = [{"name": "Op", "type": "string"}]
    for name, kind in columns:
        fields.append({"name": name, "type": kind, "nullable": False} if name == "id" else {"name": name, "type": kind})
    return {"columns": fields, "key": ["id"], "op": "Op"}


def compact_command(lakectl, lake, dms, schema, *extra):
    """`lakectl compact` of the benchmark table from the DMS folder."""
    return [lakectl, "compact", lake, "--table", TABLE, "--from", dms, "--schema", schema, *extra]


def write_cdc_file(changes_csv, path):
    """The changes (a CSV with a header line) as a DMS CDC file (no header)."""
    with open(changes_csv) as src, open(path, "w") as dst:
        next(src)
        dst.writelines(src)


def timed(cmd, env=None):
    """Runs `cmd` in its own process: (wall seconds, peak RSS bytes, stdout, CPU seconds). CPU seconds
    too: on a shared machine wall time includes waiting for a core.

    The setup's files (generated data, base tables) are flushed to disk first, so no engine's run
    pays for writing back another step's data (an fsync in the timed step would wait for it)."""
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[:3]} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss * 1024, out, usage.ru_utime + usage.ru_stime
