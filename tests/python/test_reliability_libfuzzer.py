"""Reliability (issue 7.6): a short libFuzzer run of each in-process harness (Tests/Fuzz/) built
against the package's modules with -sanitize=fuzzer,address (scripts/fuzz.sh). Any crash, ASan
report, leak or timeout fails. LAKECTL_LIBFUZZER_SECONDS per harness (default 5; 0 skips, e.g.
on a toolchain without libFuzzer)."""
import os
import pathlib
import re
import subprocess

import pytest

from reliability_common import record

ROOT = pathlib.Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("LAKECTL_LIBFUZZER_SECONDS", "5"))


@pytest.mark.skipif(SECONDS == 0, reason="LAKECTL_LIBFUZZER_SECONDS=0")
def test_libfuzzer_harnesses_short_run():
    build = subprocess.run([str(ROOT / "scripts" / "fuzz.sh"), "build"], capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    for target in ("parquet", "csv", "delta", "debezium"):
        proc = subprocess.run([str(ROOT / "scripts" / "fuzz.sh"), target, f"-max_total_time={SECONDS}",
                               "-print_final_stats=1"], capture_output=True, text=True, timeout=SECONDS * 4 + 120)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-4000:]
        runs = re.search(r"stat::number_of_executed_units:\s+(\d+)", out)
        assert runs and int(runs.group(1)) > 0, out[-2000:]
        record("fuzz-libfuzzer", target=target, runs=int(runs.group(1)), seconds=SECONDS)
