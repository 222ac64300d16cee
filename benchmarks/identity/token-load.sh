#!/usr/bin/env bash
# Load on the two token calls every client makes, against a published `cloudbox serve`:
#   POST /identity/v3/auth/tokens  (password method: PBKDF2-SHA512, deliberately slow; and token method)
#   GET  /identity/v3/auth/tokens  (validation, what every service does per request)
# Usage: benchmarks/identity/token-load.sh [seconds]   (needs wrk; builds .build/cloudbox if absent)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
bin=${CLOUDBOX_BIN:-.build/cloudbox/cloudbox}
[ -x "$bin" ] || dotnet publish src/CloudBox -c Release -o .build/cloudbox -nologo -v quiet
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }

data=$(mktemp -d /tmp/cloudbox-bench-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
s3port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
CLOUDBOX_ADMIN_PASSWORD=bench-secret "$bin" serve --data-dir "$data" --listen "$url" --s3-listen "http://127.0.0.1:$s3port" >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -fs "$url/healthz" >/dev/null; do sleep 0.1; done

password_body='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"bench-secret"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}'
token=$(curl -fsi -H 'Content-Type: application/json' -d "$password_body" "$url/identity/v3/auth/tokens" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
token_body="{\"auth\":{\"identity\":{\"methods\":[\"token\"],\"token\":{\"id\":\"$token\"}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"}}}}}"

lua=$(mktemp /tmp/cloudbox-bench-XXXXXX.lua)
post_lua() {
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$1" >"$lua"
}
report() { # name, wrk output
    local rps p99
    rps=$(echo "$2" | awk '/Requests\/sec/{print $2}')
    p99=$(echo "$2" | awk '$1=="99%"{print $2}')
    errors=$(echo "$2" | awk '/Non-2xx/{print $NF}')
    printf '%-45s %10s req/s  p99 %8s  non-2xx %s\n' "$1" "$rps" "$p99" "${errors:-0}"
}

post_lua "$password_body"
report "POST auth/tokens (password, 4 conns)" "$(wrk -t2 -c4 -d"${duration}s" --latency -s "$lua" "$url/identity/v3/auth/tokens")"
post_lua "$token_body"
report "POST auth/tokens (token, 32 conns)" "$(wrk -t2 -c32 -d"${duration}s" --latency -s "$lua" "$url/identity/v3/auth/tokens")"
printf 'wrk.headers["X-Auth-Token"] = "%s"\nwrk.headers["X-Subject-Token"] = "%s"\n' "$token" "$token" >"$lua"
report "GET auth/tokens (validate, 32 conns)" "$(wrk -t2 -c32 -d"${duration}s" --latency -s "$lua" "$url/identity/v3/auth/tokens")"
report "GET auth/tokens?nocatalog (32 conns)" "$(wrk -t2 -c32 -d"${duration}s" --latency -s "$lua" "$url/identity/v3/auth/tokens?nocatalog")"
rm -f "$lua"
