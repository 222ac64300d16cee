#!/usr/bin/env bash
# `GET /servers/detail` and `GET /servers` latency of two `cloudbox` binaries side by side, on the
# same 1,000-server SQLite database, with their requests interleaved (A, B, A, B...) so that both
# see the same load on a shared machine. The database is filled once through A's API (see
# server-list.sh), then copied, and each binary serves its own copy.
#   benchmarks/compute/server-list-ab.sh BEFORE_BIN AFTER_BIN [N] [REQUESTS]
set -euo pipefail
BEFORE=$1
AFTER=$2
N=${3:-1000}
REQUESTS=${4:-200}
export CLOUDBOX_BIN=$BEFORE
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
for i in $(seq 1 "$N"); do
    printf '{"server": {"name": "s%d", "imageRef": "%s", "flavorRef": "bench", "networks": "none"}}' "$i" "$I"
    echo
done | xargs -d '\n' -P 8 -I{} curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d '{}' "$CB_URL/compute/v2.1/servers"
while [ "$(api "$CB_URL/compute/v2.1/servers?status=BUILD" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')" != 0 ]; do sleep 2; done
echo "filled: $N servers"

# The same database for B: stop A, copy its data directory, start both.
kill "$CB_PID"; wait "$CB_PID" 2>/dev/null || true
B_DATA=$(mktemp -d /tmp/cloudbox-ab-XXXXXX)
cp -a "$CB_DATA/." "$B_DATA/"
B_URL="http://127.0.0.1:$(free_port)"
CLOUDBOX_ADMIN_PASSWORD=acceptance-admin "$AFTER" serve --data-dir "$B_DATA" --listen "$B_URL" --s3-listen "http://127.0.0.1:$(free_port)" >>"$B_DATA/serve.log" 2>&1 &
B_PID=$!
trap 'kill $B_PID 2>/dev/null; wait $B_PID 2>/dev/null; rm -rf "$B_DATA"; stop_cloudbox' EXIT
launch_cloudbox
for i in $(seq 1 300); do curl -fs "$B_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # user + system CPU time of a process, in clock ticks

measure() {   # PATH: REQUESTS interleaved requests to A and B, then each one's percentiles and CPU time per request
    local path=$1 a b cpu_a cpu_b hz
    a=$(mktemp); b=$(mktemp); hz=$(getconf CLK_TCK)
    for i in $(seq 1 20); do api "$CB_URL$path" >/dev/null; api "$B_URL$path" >/dev/null; done   # warm up
    cpu_a=$(cpu_ticks "$CB_PID"); cpu_b=$(cpu_ticks "$B_PID")
    for i in $(seq 1 "$REQUESTS"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $TOKEN" "$CB_URL$path" >>"$a"
        curl -s -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $TOKEN" "$B_URL$path" >>"$b"
    done
    cpu_a=$(( $(cpu_ticks "$CB_PID") - cpu_a )); cpu_b=$(( $(cpu_ticks "$B_PID") - cpu_b ))
    # CPU time the serve process spent per request: what the request costs, whatever else shares the machine.
    echo "$path CPU per request: before $(echo "scale=1; $cpu_a * 1000 / $hz / $REQUESTS" | bc) ms, after $(echo "scale=1; $cpu_b * 1000 / $hz / $REQUESTS" | bc) ms"
    for pair in "before:$a" "after:$b"; do
        sort -n "${pair#*:}" | awk -v n="$REQUESTS" -v who="${pair%%:*}" -v p="$path" '{ t[NR] = $1 * 1000 } END {
            printf "%-6s GET %-30s %d servers: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)\n",
                who, p, '"$N"', t[int(n*0.5)], t[int(n*0.9)], t[int(n*0.99)], t[n], n }'
    done
    rm -f "$a" "$b"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure /compute/v2.1/servers/detail
measure /compute/v2.1/servers
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "servers in B's list: $(api "$B_URL/compute/v2.1/servers" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')"
