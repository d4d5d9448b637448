#!/usr/bin/env bash
# libFuzzer harnesses (Tests/Fuzz/) for the Parquet reader, the CSV reader, the Debezium JSON
# scanner / change-log decoder and the Delta log parser, built against the package's modules.
#
#   scripts/fuzz.sh build                 build the modules instrumented (-sanitize=fuzzer,address)
#                                         into .build/fuzz and link the four harnesses
#   scripts/fuzz.sh run [SECONDS]         run each harness SECONDS (default 10) on its seed corpus
#   scripts/fuzz.sh parquet|csv|delta|debezium [libFuzzer args...]   run one, e.g. -max_total_time=3600
#
# Crashes are written to .build/fuzz/artifacts/<target>/ (reproduce: .build/fuzz/bin/<target> FILE).
# Seeds: Tests/Fixtures/bad-input/, ../shared/testdata/parquet/ (when present), and the working corpus
# .build/fuzz/corpus/<target>/ that libFuzzer grows.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=.build/fuzz
SAN=(-sanitize=fuzzer,address)

modules_for() {  # the package modules a harness links
  case "$1" in
    parquet) echo "LakeObjectStore LakeColumnar LakeCodecs LakeParquet" ;;
    csv) echo "LakeObjectStore LakeColumnar LakeCodecs LakeCSV" ;;
    delta) echo "LakeObjectStore LakeColumnar LakeCodecs LakeParquet DeltaLog" ;;
    debezium) echo "LakeObjectStore LakeColumnar LakeCodecs LakeParquet LakeCSV LakeCDC" ;;
  esac
}
source_for() { case "$1" in parquet) echo FuzzParquet ;; csv) echo FuzzCSV ;; delta) echo FuzzDeltaLog ;; debezium) echo FuzzDebezium ;; esac; }
TARGETS=(parquet csv delta debezium)

build() {
  # Instrument every module (Swift with -sanitize=fuzzer,address; C shims with fuzzer-no-link):
  # library targets only, so libFuzzer's main() never meets lakectl's.
  for t in DeltaLog LakeCDC; do
    swift build --build-path "$B" -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address --target "$t" \
      2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
  done
  mkdir -p "$B/bin"
  local cinc=()
  for c in Sources/C*/; do cinc+=(-I "$c"); done
  for t in "${TARGETS[@]}"; do
    local objs=()
    for m in $(modules_for "$t"); do objs+=("$B"/debug/"$m".build/*.o); done
    swiftc "${SAN[@]}" -parse-as-library -g -I "$B/debug/Modules" "${cinc[@]}" \
      "Tests/Fuzz/$(source_for "$t").swift" "${objs[@]}" -lzstd -lz -lsnappy -o "$B/bin/$t" 2>&1 \
      | { grep -v "Cannot export local symbol" || true; }
    echo "fuzz: built $B/bin/$t"
  done
}

seeds() {
  local t=$1 dir="$B/corpus/$1"
  mkdir -p "$dir" "$B/artifacts/$t"
  case "$t" in
    parquet) cp -n Tests/Fixtures/bad-input/*.parquet "$dir"/ 2>/dev/null || true
             [ -d ../shared/testdata/parquet ] && find ../shared/testdata/parquet -name '*.parquet' -size -256k \
               -exec cp -n {} "$dir"/ \; 2>/dev/null || true ;;
    csv) cp -n Tests/Fixtures/bad-input/*.csv "$dir"/ 2>/dev/null || true
         printf 'I,2024-06-12 10:00:00.000001,1,12.50,"a, ""b""",true\nD,2024-06-12 10:00:00.000002,1,,,\n' > "$dir/seed.csv" ;;
    delta) [ -d ../shared/testdata/delta-tables ] && find ../shared/testdata/delta-tables -path '*_delta_log/*.json' -size -64k \
             | head -50 | while read -r f; do cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-12).json"; done || true
           printf '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}\n{"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}\n' > "$dir/seed.json" ;;
    debezium) cp -n Tests/Fixtures/bad-input/*.json "$dir"/ 2>/dev/null || true
              [ -f examples/debezium/inventory.json ] && cp -n examples/debezium/inventory.json "$dir"/ || true ;;
  esac
  echo "$dir"
}

run_one() {
  local t=$1; shift
  [ -x "$B/bin/$t" ] || build
  local dir; dir=$(seeds "$t")
  "$B/bin/$t" "$dir" -artifact_prefix="$B/artifacts/$t/" -rss_limit_mb=4096 -timeout=20 -max_len=1048576 "$@"
}

case "${1:-run}" in
  build) build ;;
  run)
    secs=${2:-10}
    [ -x "$B/bin/parquet" ] || build
    for t in "${TARGETS[@]}"; do
      echo "== fuzz $t (${secs}s)"
      run_one "$t" -max_total_time="$secs" -print_final_stats=1 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done' || true
      if ls "$B/artifacts/$t"/crash-* "$B/artifacts/$t"/leak-* "$B/artifacts/$t"/timeout-* >/dev/null 2>&1; then
        echo "fuzz: $t found a failure: $(ls "$B/artifacts/$t")" >&2; exit 1
      fi
    done ;;
  parquet|csv|delta|debezium) t=$1; shift; run_one "$t" "$@" ;;
  *) echo "usage: scripts/fuzz.sh build | run [SECONDS] | parquet|csv|delta|debezium [libFuzzer args]" >&2; exit 2 ;;
esac
