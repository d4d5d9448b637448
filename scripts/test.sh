#!/usr/bin/env bash
# Runs every test of lakectl on a fresh Debian machine with the Swift toolchain:
#   installs the system packages and the pinned Python venv (scripts/setup.sh), builds,
#   starts a SeaweedFS S3 server on 127.0.0.1 (signatures checked), runs `swift test` and the
#   Python interop tests (pyarrow, DuckDB, deltalake, boto3), stops the server on every exit
#   path, and exits non-zero when anything fails.
# Options via environment: LAKECTL_VENV (venv folder, default .venv), PYTEST_ARGS, SWIFT_TEST_ARGS.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

VENV=$(scripts/setup.sh | tail -n 1) || { echo "test: setup failed" >&2; exit 1; }
export LAKECTL_VENV="$VENV"
export LAKECTL_PYTHON="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"

SCRATCH="$ROOT/.test-scratch"
mkdir -p "$SCRATCH"
S3DIR=$(mktemp -d "$SCRATCH/s3.XXXXXX")

cleanup() {
  scripts/s3-server.sh stop "$S3DIR" >/dev/null 2>&1 || true
  rm -rf "$S3DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build"
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' ; build_status=${PIPESTATUS[0]}
if [ "$build_status" != 0 ]; then echo "test: build failed" >&2; exit 1; fi
export LAKECTL_BIN="$ROOT/.build/debug/lakectl"

echo "== start SeaweedFS"
if ! scripts/s3-server.sh start "$S3DIR"; then echo "test: could not start SeaweedFS" >&2; exit 1; fi
# shellcheck disable=SC1091
source "$S3DIR/env"

failed=()
# Suites that check timing (retry deadlines, timeouts, parallel transfers) run on their own, so
# CPU-heavy suites running beside them cannot starve the cooperative thread pool they wait on.
TIMED_SUITES='S3RetryTests|S3StoreFailureTests'
echo "== swift test"
# shellcheck disable=SC2086
swift test --skip-build --skip "$TIMED_SUITES" ${SWIFT_TEST_ARGS:-} || failed+=("swift test")
echo "== swift test (timing-sensitive suites, alone)"
# shellcheck disable=SC2086
swift test --skip-build --filter "$TIMED_SUITES" ${SWIFT_TEST_ARGS:-} || failed+=("swift test ($TIMED_SUITES)")

echo "== python interop tests"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pytest tests/python -q -p no:cacheprovider ${PYTEST_ARGS:-}
status=$?
if [ "$status" != 0 ]; then failed+=("pytest (exit $status)"); fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "test: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test: all passed"
