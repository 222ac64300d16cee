# Shared by the acceptance scripts: start a real `cloudbox serve` on free loopback ports with a
# fresh data directory, run stock clients against it, count what passed.
#
#   . "$(dirname "$0")/lib.sh"
#   start_cloudbox                      # exports CB_URL CB_S3_URL CB_EC2_URL CB_DATA CB_PID, sources admin-openrc.sh
#   restart_cloudbox [SIGNAL]           # ends serve (SIGTERM, or e.g. KILL), starts it again on the same data and ports
#   check "what a user relies on" cmd args...          # passes when cmd exits 0
#   refuse "what must be refused" "HTTP 403" cmd ...   # passes when cmd fails and its output contains the text
#   finish                              # prints "NAME: N passed, N failed" and exits non-zero on failure
#
# The binary comes from CLOUDBOX_BIN (tests/run publishes it to .build/cloudbox/cloudbox).

set -u
ACCEPTANCE_NAME=$(basename "$0" .sh)
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLOUDBOX_BIN=${CLOUDBOX_BIN:-$REPO_ROOT/.build/cloudbox/cloudbox}
ACCEPTANCE_PASSED=0
ACCEPTANCE_FAILED=0
CB_PID=""
CB_DATA=""
CB_SERVE_FLAGS=()

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_cloudbox [extra serve flags...]: starts CloudBox and waits until /healthz answers 200.
start_cloudbox() {
    CB_DATA=$(mktemp -d /tmp/cloudbox-acceptance-XXXXXX)
    local port s3port
    port=$(free_port)
    s3port=$(free_port)
    export CB_URL="http://127.0.0.1:$port"
    export CB_S3_URL="http://127.0.0.1:$s3port"
    export CB_EC2_URL="http://127.0.0.1:$(free_port)"
    export CB_DATA
    CB_SERVE_FLAGS=("$@")
    trap stop_cloudbox EXIT
    launch_cloudbox
}

# restart_cloudbox [SIGNAL]: ends the running serve with SIGNAL (TERM by default; KILL as a crash
# would) and starts it again with the same data directory, ports and flags.
restart_cloudbox() {
    local signal=${1:-TERM}
    if [ -n "$CB_PID" ]; then
        kill -s "$signal" "$CB_PID" 2>/dev/null
        wait "$CB_PID" 2>/dev/null
    fi
    launch_cloudbox
}

# launch_cloudbox: runs serve on CB_DATA, CB_URL and CB_S3_URL (its log appended to serve.log) and waits until it is ready.
launch_cloudbox() {
    CLOUDBOX_ADMIN_PASSWORD=${CLOUDBOX_ADMIN_PASSWORD:-acceptance-admin} \
        "$CLOUDBOX_BIN" serve --data-dir "$CB_DATA" --listen "$CB_URL" --s3-listen "$CB_S3_URL" --ec2-listen "$CB_EC2_URL" "${CB_SERVE_FLAGS[@]}" \
        >>"$CB_DATA/serve.log" 2>&1 &
    CB_PID=$!
    local i
    for i in $(seq 1 300); do
        if curl -fs "$CB_URL/healthz" >/dev/null 2>&1; then
            # shellcheck disable=SC1091
            . "$CB_DATA/admin-openrc.sh"
            return 0
        fi
        if ! kill -0 "$CB_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "cloudbox did not become ready; its log:" >&2
    cat "$CB_DATA/serve.log" >&2
    ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
    finish
}

stop_cloudbox() {
    if [ -n "$CB_PID" ] && kill -0 "$CB_PID" 2>/dev/null; then
        kill "$CB_PID" 2>/dev/null
        wait "$CB_PID" 2>/dev/null
    fi
    if [ -n "$CB_DATA" ] && [ -z "${KEEP_DATA:-}" ]; then rm -rf "$CB_DATA"; fi
}

# check NAME CMD...: passes when CMD exits 0. CMD's output is shown on failure.
check() {
    local name=$1; shift
    local output
    if output=$("$@" 2>&1); then
        echo "ok - $name"
        ACCEPTANCE_PASSED=$((ACCEPTANCE_PASSED + 1))
    else
        echo "not ok - $name"
        echo "$output" | sed 's/^/    /' | tail -20
        ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
    fi
    LAST_OUTPUT=$output
}

# refuse NAME EXPECTED CMD...: passes when CMD fails and its output contains EXPECTED.
refuse() {
    local name=$1 expected=$2; shift 2
    local output
    if output=$("$@" 2>&1); then
        echo "not ok - $name (succeeded, should have been refused)"
        ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
    elif [[ "$output" == *"$expected"* ]]; then
        echo "ok - $name"
        ACCEPTANCE_PASSED=$((ACCEPTANCE_PASSED + 1))
    else
        echo "not ok - $name (refused, but without \"$expected\")"
        echo "$output" | sed 's/^/    /' | tail -20
        ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
    fi
    LAST_OUTPUT=$output
}

# finish: the summary line tests/run reads.
finish() {
    echo "$ACCEPTANCE_NAME: $ACCEPTANCE_PASSED passed, $ACCEPTANCE_FAILED failed"
    [ "$ACCEPTANCE_FAILED" -eq 0 ]
    exit $?
}
