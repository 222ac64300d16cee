#!/usr/bin/env bash
# Network benchmarks, in one run, inside a throwaway network namespace (the host is not touched):
#   1. ports created per second through the API (data plane on, 8 client threads)
#   2. time from a port create to its tap sitting in the network's bridge
#   3. TCP throughput between two namespaces ("VMs") through CloudBox's bridge with its
#      security-group and anti-spoofing rules, against the same path with those tables removed
#   4. time of a data-plane rebuild from scratch for 1,000 ports
# Needs root, busybox (busybox-static) and a published binary (.build/cloudbox/cloudbox).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CLOUDBOX_BIN:-$ROOT/.build/cloudbox/cloudbox}
NS=cbbench-$RANDOM
DATA=$(mktemp -d /tmp/cloudbox-bench-XXXXXX)
PORT=18${RANDOM: -3}
URL=http://127.0.0.1:$PORT
PASSWORD=bench-admin
in_ns() { ip netns exec "$NS" "$@"; }
PID=""

cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    ip netns del "$NS-a" 2>/dev/null || true
    ip netns del "$NS-b" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    [ -z "${KEEP_DATA:-}" ] && rm -rf "$DATA" || echo "data kept in $DATA"
}
trap cleanup EXIT INT TERM

start() {
    # Not through the in_ns function: $! must be cloudbox itself (ip netns exec execs it), not a subshell.
    CLOUDBOX_ADMIN_PASSWORD=$PASSWORD ip netns exec "$NS" "$BIN" serve --data-dir "$DATA" --listen "$URL" --s3-listen "http://127.0.0.1:$((PORT + 1))" \
        >>"$DATA/serve.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 300); do in_ns curl -fs "$URL/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "cloudbox did not start"; cat "$DATA/serve.log"; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

api() { # api METHOD PATH [BODY] -> body
    in_ns curl -fsS -X "$1" -H "X-Auth-Token: $TOKEN" -H "Content-Type: application/json" ${3:+-d "$3"} "$URL/network/v2.0$2"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

echo "load at start: $(uptime)"
ip netns add "$NS"
in_ns ip link set lo up
start
TOKEN=$(in_ns curl -fsS -D - -o /dev/null -H "Content-Type: application/json" -d \
    "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"},\"password\":\"$PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"}}}}}" \
    "$URL/identity/v3/auth/tokens" | awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r')
PROJECT=$(in_ns curl -fsS -H "X-Auth-Token: $TOKEN" "$URL/identity/v3/auth/projects" | json "['projects'][0]['id']")
api PUT "/quotas/$PROJECT" '{"quota": {"port": -1, "network": -1, "subnet": -1}}' >/dev/null

NET=$(api POST /networks '{"network": {"name": "bench"}}' | json "['network']['id']")
api POST /subnets "{\"subnet\": {\"network_id\": \"$NET\", \"cidr\": \"10.200.0.0/20\", \"ip_version\": 4}}" >/dev/null

echo "== 1. ports created per second (API + data plane on)"
in_ns python3 "$ROOT/benchmarks/network/ports.py" "$URL" "$TOKEN" "$NET" 300 8

echo "== 2. port create -> tap in the bridge"
total=0
for i in 1 2 3 4 5; do
    t0=$(date +%s%N)
    PORT_ID=$(api POST /ports "{\"port\": {\"network_id\": \"$NET\"}}" | json "['port']['id']")
    TAP=tap${PORT_ID:0:11}
    until in_ns ip link show "$TAP" 2>/dev/null | grep -q "master cbr-${NET:0:8}"; do sleep 0.005; done
    t1=$(date +%s%N)
    total=$((total + (t1 - t0) / 1000000))
done
echo "mean over 5: $((total / 5)) ms"

echo "== 3. TCP throughput between two namespaces through the bridge"
vm() { # vm NAME -> plugs a namespace into a new port, prints its address
    local name=$1 port id mac addr
    port=$(api POST /ports "{\"port\": {\"network_id\": \"$NET\"}}")
    id=$(echo "$port" | json "['port']['id']"); mac=$(echo "$port" | json "['port']['mac_address']")
    addr=$(echo "$port" | json "['port']['fixed_ips'][0]['ip_address']")
    ip netns add "$name"
    until in_ns ip link show "tap${id:0:11}" >/dev/null 2>&1; do sleep 0.01; done
    in_ns ip link del "tap${id:0:11}"
    ip link add "tap${id:0:11}" netns "$NS" type veth peer name eth0 netns "$name"
    ip -n "$name" link set eth0 address "$mac"; ip -n "$name" link set eth0 up
    ip -n "$name" addr add "$addr/20" dev eth0
    api PUT "/ports/$id" '{"port": {"description": "plugged"}}' >/dev/null # a change, so the reconciler re-enslaves the veth
    until in_ns ip link show "tap${id:0:11}" 2>/dev/null | grep -q master; do sleep 0.01; done
    echo "$addr"
}
A=$(vm "$NS-a"); B=$(vm "$NS-b")
throughput() {
    ip netns exec "$NS-b" python3 "$ROOT/benchmarks/network/tcp.py" sink 5001 &
    local listener=$!
    sleep 0.5
    ip netns exec "$NS-a" python3 "$ROOT/benchmarks/network/tcp.py" source "$B" 5001 2048
    wait "$listener" 2>/dev/null || true
}
ip netns exec "$NS-a" busybox ping -c 2 -W 1 "$B" >/dev/null || echo "warning: $A cannot ping $B"
echo "  filtered ports: $(in_ns nft list map bridge cloudbox-ports spoof-by-tap | grep -c ': jump');" \
    "rules a packet can walk: forward $(( $(in_ns nft -a list chain inet cloudbox-sg forward | grep -c '# handle') - 1 ))," \
    "bridge prerouting $(( $(in_ns nft -a list chain bridge cloudbox-ports prerouting | grep -c '# handle') - 1 ))"
# Rounds alternate with and without the tables (a port change makes the next pass put them back),
# so a burst of load from elsewhere hits both sides rather than one.
for round in $(seq 1 "${ROUNDS:-3}"); do
    echo "round $round: with CloudBox's rules (anti-spoofing + security groups): $(throughput)"
    in_ns nft delete table inet cloudbox-sg; in_ns nft delete table bridge cloudbox-ports
    echo "round $round: same path, no rules: $(throughput)"
    api PUT "/ports/$PORT_ID" "{\"port\": {\"description\": \"round $round\"}}" >/dev/null
    until in_ns nft list table inet cloudbox-sg >/dev/null 2>&1; do sleep 0.05; done
    sleep 0.5
done

echo "== 4. data-plane rebuild from scratch, 1000 ports"
in_ns python3 "$ROOT/benchmarks/network/ports.py" "$URL" "$TOKEN" "$NET" $((1000 - $(api GET "/ports?network_id=$NET&fields=id" | json "['ports'].__len__()"))) 8 >/dev/null
sleep 1
echo "last passes while ports were being created:"; grep "data plane pass:" "$DATA/serve.log" | tail -3 | sed 's/.*data plane pass:/  /'
# Twice: the first change's pass may still be catching up with the last ports' creation.
for change in 1 2; do
    passes=$(grep -c "data plane pass:" "$DATA/serve.log")
    api PUT "/ports/$PORT_ID" "{\"port\": {\"description\": \"built $change\"}}" >/dev/null
    until [ "$(grep -c "data plane pass:" "$DATA/serve.log")" -gt "$passes" ]; do sleep 0.1; done
    sleep 0.5
done
grep "data plane pass:" "$DATA/serve.log" | tail -1 | sed 's/.*data plane pass:/pass over everything already built, after one port change:/'
stop
# From scratch: a fresh namespace holds none of the kernel objects; the database holds 1000 ports.
ip netns del "$NS-a"; ip netns del "$NS-b"
ip netns del "$NS"; ip netns add "$NS"; in_ns ip link set lo up
: >"$DATA/serve.log"
start
until grep -q "data plane pass" "$DATA/serve.log"; do sleep 0.1; done
grep -m1 "data plane pass" "$DATA/serve.log" | sed 's/.*data plane pass/first pass after start:/'
echo "taps in the bridge: $(in_ns ip -o link show master cbr-${NET:0:8} | grep -c ': tap')"
echo "load at end: $(uptime)"
