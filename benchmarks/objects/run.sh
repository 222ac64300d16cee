#!/usr/bin/env bash
# Side-by-side object storage benchmark (one run): CloudBox Swift API vs the raw disk it writes to.
#   small objects: 4 KiB PUT/s and GET/s with 16 concurrent clients (wrk), vs 4 KiB O_DSYNC writes/s (dd)
#   large objects: one 1 GiB PUT and GET in MB/s (curl), vs dd write with fsync / dd read of the same file
# Usage: benchmarks/objects/run.sh [seconds-per-small-test]   (needs wrk, curl, python3, dd)
# The binary is .build/cloudbox/cloudbox (dotnet publish src/CloudBox -c Release -o .build/cloudbox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${CLOUDBOX_BIN:-$root/.build/cloudbox/cloudbox}
seconds=${1:-10}
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cloudbox-bench-XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
s3port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
CLOUDBOX_ADMIN_PASSWORD=bench "$binary" serve --data-dir "$work/data" --listen "$url" --s3-listen "http://127.0.0.1:$s3port" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"bench"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}'
curl -fsS -D "$work/token.headers" -o "$work/token.json" -H 'Content-Type: application/json' -d "$auth" "$url/identity/v3/auth/tokens"
export BENCH_TOKEN=$(grep -i '^x-subject-token:' "$work/token.headers" | cut -d' ' -f2 | tr -d '\r')
project=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$work/token.json")
account="$url/object-store/v1/AUTH_$project"
curl -fsS -X PUT -H "X-Auth-Token: $BENCH_TOKEN" "$account/bench" >/dev/null

export BENCH_OBJECTS=1000
python3 - "$account/bench" <<'PY'
import http.client, os, sys, threading, urllib.parse
target = urllib.parse.urlparse(sys.argv[1]); body = b"y" * 4096
def seed(start):
    c = http.client.HTTPConnection(target.hostname, target.port)
    for i in range(start, int(os.environ["BENCH_OBJECTS"]), 16):
        c.request("PUT", f"{target.path}/seed-{i}", body, {"X-Auth-Token": os.environ["BENCH_TOKEN"]})
        assert c.getresponse().read() is not None
threads = [threading.Thread(target=seed, args=(s,)) for s in range(16)]
[t.start() for t in threads]; [t.join() for t in threads]
PY

rate() { grep 'Requests/sec' | awk '{printf "%.0f", $2}'; }
echo "== 4 KiB PUT, 16 connections, ${seconds}s"
put_out=$(wrk -t4 -c16 -d"${seconds}s" -s "$here/put.lua" "$account/bench")
echo "$put_out" | grep -E 'Requests/sec|Latency|Non-2xx' || true
put_rate=$(echo "$put_out" | rate)
echo "== 4 KiB GET, 16 connections, ${seconds}s"
get_out=$(wrk -t4 -c16 -d"${seconds}s" -s "$here/get.lua" "$account/bench")
echo "$get_out" | grep -E 'Requests/sec|Latency|Non-2xx' || true
get_rate=$(echo "$get_out" | rate)

echo "== raw disk: 4 KiB writes with O_DSYNC (dd, one writer)"
dsync_count=2000
start=$(date +%s.%N)
dd if=/dev/zero of="$work/dsync.bin" bs=4k count=$dsync_count oflag=dsync status=none
dsync_rate=$(python3 -c "import sys; print(round($dsync_count / ($(date +%s.%N) - $start)))")

echo "== 1 GiB object"
head -c 1073741824 /dev/urandom > "$work/big.bin"
cat "$work/big.bin" > /dev/null   # the source is read from page cache by both sides
mbps() { python3 -c "print(round(1024 / $1, 1))"; }
start=$(date +%s.%N)
curl -fsS -X PUT -H "X-Auth-Token: $BENCH_TOKEN" -H 'Content-Type: application/octet-stream' -T "$work/big.bin" "$account/bench/big" -o /dev/null
put_secs=$(python3 -c "print($(date +%s.%N) - $start)")
start=$(date +%s.%N)
curl -fsS -H "X-Auth-Token: $BENCH_TOKEN" "$account/bench/big" -o /dev/null
get_secs=$(python3 -c "print($(date +%s.%N) - $start)")
start=$(date +%s.%N)
dd if="$work/big.bin" of="$work/dd.bin" bs=4M conv=fsync status=none
dd_write_secs=$(python3 -c "print($(date +%s.%N) - $start)")
start=$(date +%s.%N)
dd if="$work/dd.bin" of=/dev/null bs=4M status=none
dd_read_secs=$(python3 -c "print($(date +%s.%N) - $start)")

put_mbps=$(mbps "$put_secs"); get_mbps=$(mbps "$get_secs")
dd_write_mbps=$(mbps "$dd_write_secs"); dd_read_mbps=$(mbps "$dd_read_secs")
ratio() { python3 -c "print(f'{$1 / $2 * 100:.0f}%')"; }
cat <<REPORT

| measure                          | CloudBox Swift | raw disk (dd)        | ratio |
|----------------------------------|----------------|----------------------|-------|
| 4 KiB PUT/s, 16 clients          | $put_rate      | $dsync_rate (4 KiB O_DSYNC writes/s, 1 writer) | $(ratio "$put_rate" "$dsync_rate") |
| 4 KiB GET/s, 16 clients          | $get_rate      | n/a (served from page cache) | |
| 1 GiB PUT MB/s                   | $put_mbps      | $dd_write_mbps (dd conv=fsync) | $(ratio "$put_mbps" "$dd_write_mbps") |
| 1 GiB GET MB/s                   | $get_mbps      | $dd_read_mbps (dd read) | $(ratio "$get_mbps" "$dd_read_mbps") |
REPORT
