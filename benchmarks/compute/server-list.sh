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
TOKEN=$(openstack token issue -f value -c id)
PROJECT=$(openstack token issue -f value -c project_id)
api() { curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$@"; }
api -X PUT -d '{"quota_set": {"instances": -1, "cores": -1, "ram": -1}}' "$CB_URL/compute/v2.1/os-quota-sets/$PROJECT" >/dev/null
api -X POST -d '{"flavor": {"name": "bench", "ram": 64, "vcpus": 1, "disk": 0, "id": "bench"}}' "$CB_URL/compute/v2.1/flavors" >/dev/null
head -c 65536 /dev/urandom >"$CB_DATA/k"; truncate -s 1M "$CB_DATA/d"
K=$(openstack image create bk --file "$CB_DATA/k" --disk-format aki --container-format aki -f value -c id)
I=$(openstack image create bd --file "$CB_DATA/d" --disk-format raw --container-format bare --property kernel_id="$K" -f value -c id)
start=$(date +%s.%N)
for i in $(seq 1 "$N"); do
    printf '{"server": {"name": "s%d", "imageRef": "%s", "flavorRef": "bench", "networks": "none"}}' "$i" "$I"
    echo
done | xargs -d '\n' -P 8 -I{} curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d '{}' "$CB_URL/compute/v2.1/servers"
echo "created $N servers in $(echo "$(date +%s.%N) - $start" | bc) s"
# Let the build worker finish (every build ends, ERROR without a VMM) so it does not share the CPU with the measurement.
while [ "$(api "$CB_URL/compute/v2.1/servers?status=BUILD" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')" != 0 ]; do sleep 2; done
echo "all builds settled after $(echo "$(date +%s.%N) - $start" | bc) s"
for i in $(seq 1 20); do api "$CB_URL/compute/v2.1/servers/detail" >/dev/null; done   # warm up
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
echo "servers in the list: $(api "$CB_URL/compute/v2.1/servers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')"
