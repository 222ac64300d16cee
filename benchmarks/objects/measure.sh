#!/usr/bin/env bash
# The object measurements shared by run.sh (CloudBox vs the raw disk) and swift-peer.sh (CloudBox vs
# OpenStack Swift), against any Swift v1 account: 4 KiB PUT/s and GET/s with 16 concurrent clients
# (wrk), then one 1 GiB PUT and GET (curl) in MB/s.
# Usage: measure.sh ACCOUNT_URL TOKEN SECONDS WORKDIR   (WORKDIR holds big.bin, 1 GiB, made if missing)
# Prints the wrk summaries, then one line: "RESULT put_rate get_rate put_mbps get_mbps".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
account=$1; export BENCH_TOKEN=$2; seconds=$3; work=$4
curl -fsS -X PUT -H "X-Auth-Token: $BENCH_TOKEN" "$account/bench" -o /dev/null

export BENCH_OBJECTS=1000
python3 - "$account/bench" <<'PY'
import http.client, os, sys, threading, urllib.parse
target = urllib.parse.urlparse(sys.argv[1]); body = b"y" * 4096
def seed(start):
    c = http.client.HTTPConnection(target.hostname, target.port)
    for i in range(start, int(os.environ["BENCH_OBJECTS"]), 16):
        c.request("PUT", f"{target.path}/seed-{i}", body, {"X-Auth-Token": os.environ["BENCH_TOKEN"]})
        r = c.getresponse(); r.read()
        assert r.status == 201, r.status
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

echo "== 1 GiB object"
[ -s "$work/big.bin" ] || head -c 1073741824 /dev/urandom > "$work/big.bin"
cat "$work/big.bin" > /dev/null   # the source is read from page cache
sync
seconds_since() { python3 -c "import sys; print($(date +%s.%N) - $1)"; }
start=$(date +%s.%N)
curl -fsS -X PUT -H "X-Auth-Token: $BENCH_TOKEN" -H 'Content-Type: application/octet-stream' -T "$work/big.bin" "$account/bench/big" -o /dev/null
put_secs=$(seconds_since "$start")
start=$(date +%s.%N)
curl -fsS -H "X-Auth-Token: $BENCH_TOKEN" "$account/bench/big" -o /dev/null
get_secs=$(seconds_since "$start")
mbps() { python3 -c "print(round(1024 / $1, 1))"; }
echo "RESULT $put_rate $get_rate $(mbps "$put_secs") $(mbps "$get_secs")"
