#!/usr/bin/env bash
# `GET /servers/detail` latency with N servers in the database (default 1000), measured with curl
# against a real `cloudbox serve` on SQLite. Servers are created through the API; without the VMM in
# the binary their builds end in ERROR, which changes nothing for listing.
#   benchmarks/compute/server-list.sh [N] [REQUESTS]
set -euo pipefail
N=${1:-1000}
REQUESTS=${2:-200}
. "$(dirname "$0")/../../tests/acceptance/lib.sh"
start_cloudbox
. "$(dirname "$0")/../lib/servers.sh"
create_servers "$N"
for i in $(seq 1 20); do bench_api "$CB_URL/compute/v2.1/servers/detail" >/dev/null; done   # warm up
for i in $(seq 1 "$REQUESTS"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $TOKEN" "$CB_URL/compute/v2.1/servers/detail"
done | sort -n | awk -v n="$REQUESTS" '{ t[NR] = $1 * 1000 } END {
    printf "GET /servers/detail with %d servers: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)\n",
        '"$N"', t[int(n*0.5)], t[int(n*0.9)], t[int(n*0.99)], t[n], n }'
for i in $(seq 1 "$REQUESTS"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $TOKEN" "$CB_URL/compute/v2.1/servers"
done | sort -n | awk -v n="$REQUESTS" '{ t[NR] = $1 * 1000 } END {
    printf "GET /servers        with %d servers: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)\n",
        '"$N"', t[int(n*0.5)], t[int(n*0.9)], t[int(n*0.99)], t[n], n }'
echo "servers in the list: $(bench_api "$CB_URL/compute/v2.1/servers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')"
