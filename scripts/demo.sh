#!/usr/bin/env bash
# The README's main command: the whole pipeline on the local-folder default, with the bundled
# example change data. Ingests the Debezium stream (examples/debezium/) with `lakectl ingest`,
# compacts it and the AWS DMS folder (examples/dms/) into Delta tables with `lakectl compact`,
# prints the tables, and shows how to query them from DuckDB.
#
#   scripts/demo.sh [LAKE_DIR]      (default: ./demo-lake, recreated on each run)
set -euo pipefail
cd "$(dirname "$0")/.."
lake="${1:-./demo-lake}"
bin="${LAKECTL:-.build/debug/lakectl}"
if [ ! -x "$bin" ]; then
  scripts/setup.sh --system-only   # the C libraries' Debian packages, if missing
  echo "== building lakectl (swift build --product lakectl)"
  swift build --product lakectl >/dev/null
fi
# Only ever remove a folder this script created.
if [ -e "$lake" ]; then
  if [ -f "$lake/.lakectl-demo" ]; then rm -rf "$lake"; else echo "demo: $lake exists and is not a demo lake; pass another folder" >&2; exit 1; fi
fi
mkdir -p "$lake" && touch "$lake/.lakectl-demo"

if [ -f examples/debezium/inventory.json ]; then
  echo "== lakectl ingest $lake examples/debezium/inventory.json --key id"
  "$bin" ingest "$lake" examples/debezium/inventory.json --key id
  echo "== lakectl compact $lake --all   (every table with change files)"
  "$bin" compact "$lake" --all
fi

echo "== lakectl compact $lake --table sales.orders --from examples/dms/sales/orders --schema examples/dms/orders.schema.json --partition-by order_date:year"
"$bin" compact "$lake" --table sales.orders --from examples/dms/sales/orders \
  --schema examples/dms/orders.schema.json --partition-by order_date:year

for table in "$lake"/tables/*/*/; do
  name="$(basename "$(dirname "$table")").$(basename "$table")"
  echo
  echo "== $name  (lakectl scan ${table%/} --format csv)"
  "$bin" scan "${table%/}" --format csv
done

echo
echo "Query them from DuckDB:"
echo "  duckdb -c \"INSTALL delta; LOAD delta; SELECT * FROM delta_scan('$(cd "$lake" && pwd)/tables/sales/orders')\""
