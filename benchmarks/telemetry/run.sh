#!/usr/bin/env bash
# Telemetry benchmark (one run) against a published serve on SQLite:
#   batch ingestion: measures/s acknowledged by POST /metric/v1/batch/metrics/measures, and measures/s
#                    until the backlog is aggregated (the archive policy 'high', three granularities, 8 methods)
#   reads: p50/p99 of GET measures for one metric holding a day of 10 s measures (8,640 points), and of
#          POST /metric/v1/aggregates (mean over the metric of 1,000 resources)
#   bytes stored per measure (aggregates + unaggregated tails) from the database file
# Usage: benchmarks/telemetry/run.sh [metrics] [measures-per-metric]   (needs curl, python3)
# The binary is .build/cloudbox/cloudbox (dotnet publish src/CloudBox -c Release -o .build/cloudbox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${CLOUDBOX_BIN:-$root/.build/cloudbox/cloudbox}
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cloudbox-bench-XXXXXX")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
url="http://127.0.0.1:$port"
CLOUDBOX_ADMIN_PASSWORD=bench "$binary" serve --data-dir "$work/data" --listen "$url" --s3-listen "http://127.0.0.1:$(free_port)" \
    --ec2-listen "http://127.0.0.1:$(free_port)" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"bench"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}'
token=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -d "$auth" "$url/identity/v3/auth/tokens" | grep -i '^x-subject-token:' | cut -d' ' -f2 | tr -d '\r')
python3 "$here/measure.py" "$url" "$token" "$work/data" "$pid" "${1:-100}" "${2:-10000}"
