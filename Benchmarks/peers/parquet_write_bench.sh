#!/bin/bash
# Issue 3 Parquet write benchmark: lakectl (release) vs pyarrow on the same generated orders table.
# Usage: Benchmarks/peers/parquet_write_bench.sh [ROWS] [RUNS] [CODEC]   (defaults 2000000 3 zstd)
# Prints one JSON line per run (write wall/CPU seconds, bytes) plus peak RSS from /usr/bin/time -v.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROWS=${1:-2000000}; RUNS=${2:-3}; CODEC=${3:-zstd}
PY=${PYTHON:-/tmp/venvtest/bin/python}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
swift build -c release --scratch-path "$ROOT/.build-release" --product lakectl --package-path "$ROOT" >/dev/null
BIN="$ROOT/.build-release/release/lakectl"
for i in $(seq "$RUNS"); do
  /usr/bin/time -v "$BIN" debug gen-orders --rows "$ROWS" --out "$OUT/lakectl.parquet" --compression "$CODEC" 2>"$OUT/t1"
  grep -o 'Maximum resident set size (kbytes): [0-9]*' "$OUT/t1" | sed 's/^/  lakectl /'
  /usr/bin/time -v "$PY" "$ROOT/Benchmarks/peers/parquet_write_bench.py" --rows "$ROWS" --out "$OUT/pyarrow.parquet" --compression "$CODEC" 2>"$OUT/t2"
  grep -o 'Maximum resident set size (kbytes): [0-9]*' "$OUT/t2" | sed 's/^/  pyarrow /'
done
"$PY" "$ROOT/Benchmarks/peers/parquet_write_bench.py" --rows "$ROWS" --compare "$OUT/lakectl.parquet"
