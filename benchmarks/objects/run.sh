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
"$here/measure.sh" "$account" "$BENCH_TOKEN" "$seconds" "$work" >"$work/measure.out"
cat "$work/measure.out"; measured=$(grep '^RESULT' "$work/measure.out")
read -r _ put_rate get_rate put_mbps get_mbps <<<"$measured"

echo "== raw disk: 4 KiB writes with O_DSYNC (dd, one writer)"
dsync_count=2000
start=$(date +%s.%N)
dd if=/dev/zero of="$work/dsync.bin" bs=4k count=$dsync_count oflag=dsync status=none
dsync_rate=$(python3 -c "import sys; print(round($dsync_count / ($(date +%s.%N) - $start)))")

echo "== raw disk: 1 GiB dd write with fsync, then read"
mbps() { python3 -c "print(round(1024 / $1, 1))"; }
sync
start=$(date +%s.%N)
dd if="$work/big.bin" of="$work/dd.bin" bs=4M conv=fsync status=none
dd_write_secs=$(python3 -c "print($(date +%s.%N) - $start)")
start=$(date +%s.%N)
dd if="$work/dd.bin" of=/dev/null bs=4M status=none
dd_read_secs=$(python3 -c "print($(date +%s.%N) - $start)")
dd_write_mbps=$(mbps "$dd_write_secs"); dd_read_mbps=$(mbps "$dd_read_secs")
# The CPU ceiling of any Swift PUT: the ETag is the MD5 of every byte, and MD5 runs on one core.
md5_mbps=$(python3 -c "import hashlib,sys,time; d=open(sys.argv[1],'rb').read(); t=time.time(); hashlib.md5(d); print(round(1024/(time.time()-t),1))" "$work/big.bin")
ratio() { python3 -c "print(f'{$1 / $2 * 100:.0f}%')"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat <<REPORT

| measure                          | CloudBox Swift | raw disk (dd)        | ratio |
|----------------------------------|----------------|----------------------|-------|
| 4 KiB PUT/s, 16 clients          | $put_rate      | $dsync_rate (4 KiB O_DSYNC writes/s, 1 writer) | $(ratio "$put_rate" "$dsync_rate") |
| 4 KiB GET/s, 16 clients          | $get_rate      | n/a (served from page cache) | |
| 1 GiB PUT MB/s                   | $put_mbps      | $dd_write_mbps (dd conv=fsync) | $(ratio "$put_mbps" "$dd_write_mbps") |
| 1 GiB GET MB/s                   | $get_mbps      | $dd_read_mbps (dd read) | $(ratio "$get_mbps" "$dd_read_mbps") |

MD5 of the 1 GiB on one core (python3 hashlib / OpenSSL), the ceiling of the PUT: $md5_mbps MB/s
REPORT
