#!/usr/bin/env bash
# CloudBox vs OpenStack Swift's Python proxy on the same machine and disk (one run each, Swift first):
# 4 KiB PUT/s and GET/s with 16 concurrent clients and one 1 GiB PUT and GET (measure.sh), as ratios.
# Swift is a one-node all-in-one set up from scratch under $BENCH_DIR (default /var/tmp): rings with one
# replica, one device directory on the same disk (mount_check = false), tempauth with memcached, the
# usual proxy pipeline; every server with `workers = auto` (one per core). Nothing outside the work dir
# is written; /etc/swift/swift.conf of the package is used as installed.
# Needs: apt-get install swift swift-proxy swift-object swift-container swift-account memcached wrk curl
# Usage: benchmarks/objects/swift-peer.sh [seconds-per-small-test]
# The CloudBox binary is .build/cloudbox/cloudbox (dotnet publish src/CloudBox -c Release -o .build/cloudbox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${CLOUDBOX_BIN:-$root/.build/cloudbox/cloudbox}
seconds=${1:-10}
for tool in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (see the Needs line above)" >&2; exit 1; }
done
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/swift-peer-XXXXXX")
pids=()
stop() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done; pids=(); }
trap 'stop; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { setsid "$@" >>"$work/servers.log" 2>&1 </dev/null & pids+=($!); }
wait_for() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; cat "$work/servers.log" >&2; exit 1; }

# --- OpenStack Swift, all in one ---
etc=$work/etc; devices=$work/srv/node
mkdir -p "$etc" "$devices/d1"
user=$(id -un)
memcache_port=$(free_port); account_port=$(free_port); container_port=$(free_port); object_port=$(free_port); proxy_port=$(free_port)
for kind in account container object; do
    port_var=${kind}_port
    cat >"$etc/$kind-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${!port_var}
devices = $devices
mount_check = false
swift_dir = $etc
user = $user
workers = auto
log_level = WARNING

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind
CONF
    swift-ring-builder "$etc/$kind.builder" create 10 1 1 >/dev/null
    swift-ring-builder "$etc/$kind.builder" add "r1z1-127.0.0.1:${!port_var}/d1" 100 >/dev/null
    swift-ring-builder "$etc/$kind.builder" rebalance >/dev/null
done
cat >"$etc/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $proxy_port
swift_dir = $etc
user = $user
workers = auto
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck cache listing_formats tempauth copy dlo slo proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_bench_bench = bench .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcache_port

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:dlo]
use = egg:swift#dlo

[filter:slo]
use = egg:swift#slo
CONF
start memcached -u "$user" -l 127.0.0.1 -p "$memcache_port" -U 0
start swift-account-server "$etc/account-server.conf"
start swift-container-server "$etc/container-server.conf"
start swift-object-server "$etc/object-server.conf"
start swift-proxy-server "$etc/proxy-server.conf"
wait_for "http://127.0.0.1:$proxy_port/healthcheck"
sleep 2 # the storage servers start their workers too
curl -fsS -D "$work/swift.headers" -o /dev/null -H 'X-Auth-User: bench:bench' -H 'X-Auth-Key: bench' "http://127.0.0.1:$proxy_port/auth/v1.0"
swift_token=$(grep -i '^x-auth-token:' "$work/swift.headers" | cut -d' ' -f2 | tr -d '\r')
swift_account=$(grep -i '^x-storage-url:' "$work/swift.headers" | cut -d' ' -f2 | tr -d '\r')
echo "### OpenStack Swift $(dpkg-query -W -f='${Version}' swift 2>/dev/null || true) at $swift_account (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$here/measure.sh" "$swift_account" "$swift_token" "$seconds" "$work" >"$work/swift.out"
cat "$work/swift.out"; swift_result=$(grep '^RESULT' "$work/swift.out")
stop
rm -rf "$devices"

# --- CloudBox ---
port=$(free_port); s3port=$(free_port); url="http://127.0.0.1:$port"
CLOUDBOX_ADMIN_PASSWORD=bench start "$binary" serve --data-dir "$work/data" --listen "$url" --s3-listen "http://127.0.0.1:$s3port"
wait_for "$url/healthz"
auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"bench"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}'
curl -fsS -D "$work/token.headers" -o "$work/token.json" -H 'Content-Type: application/json' -d "$auth" "$url/identity/v3/auth/tokens"
token=$(grep -i '^x-subject-token:' "$work/token.headers" | cut -d' ' -f2 | tr -d '\r')
project=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"]["project"]["id"])' "$work/token.json")
echo "### CloudBox at $url/object-store/v1/AUTH_$project (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$here/measure.sh" "$url/object-store/v1/AUTH_$project" "$token" "$seconds" "$work" >"$work/cloudbox.out"
cat "$work/cloudbox.out"; cloudbox_result=$(grep '^RESULT' "$work/cloudbox.out")
stop

read -r _ s_put s_get s_bput s_bget <<<"$swift_result"
read -r _ c_put c_get c_bput c_bget <<<"$cloudbox_result"
times() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
cat <<REPORT

| measure                  | CloudBox | OpenStack Swift (Python proxy) | CloudBox / Swift |
|--------------------------|----------|--------------------------------|------------------|
| 4 KiB PUT/s, 16 clients  | $c_put | $s_put | $(times "$c_put" "$s_put") |
| 4 KiB GET/s, 16 clients  | $c_get | $s_get | $(times "$c_get" "$s_get") |
| 1 GiB PUT MB/s           | $c_bput | $s_bput | $(times "$c_bput" "$s_bput") |
| 1 GiB GET MB/s           | $c_bget | $s_bget | $(times "$c_bget" "$s_bget") |
REPORT
