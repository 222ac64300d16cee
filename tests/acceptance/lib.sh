# Shared by the acceptance scripts: start a real `cloudbox serve` on free loopback ports with a
# fresh data directory, run stock clients against it, count what passed.
#
#   . "$(dirname "$0")/lib.sh"
#   start_cloudbox                      # exports CB_URL CB_S3_URL CB_EC2_URL CB_DATA CB_PID, sources admin-openrc.sh
#   restart_cloudbox [SIGNAL]           # ends serve (SIGTERM, or e.g. KILL), starts it again on the same data and ports
#   check "what a user relies on" cmd args...          # passes when cmd exits 0
#   refuse "what must be refused" "HTTP 403" cmd ...   # passes when cmd fails and its output contains the text
#                                       # (a bare status such as "400" must appear as the status, not anywhere)
#   gone "what must be gone" cmd ...    # passes when cmd fails saying the thing does not exist (404)
#   skip "what was not checked" "why"   # counts a check that cannot run here, loudly
#   finish                              # prints "NAME: N passed, N failed, N skipped" and exits non-zero on failure
#
# The binary comes from CLOUDBOX_BIN (tests/run publishes it to .build/cloudbox/cloudbox).

set -u
ACCEPTANCE_NAME=$(basename "$0" .sh)
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLOUDBOX_BIN=${CLOUDBOX_BIN:-$REPO_ROOT/.build/cloudbox/cloudbox}
ACCEPTANCE_PASSED=0
ACCEPTANCE_FAILED=0
ACCEPTANCE_SKIPPED=0
CB_PID=""
CB_DATA=""
CB_SERVE_FLAGS=()

# free_port: a free loopback port below Linux's ephemeral range (32768-60999), so no outgoing
# connection can take it between this check and serve's bind (as tests/CloudBox.Testing/TestPorts.cs).
free_port() {
    python3 -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
'
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
    # VMMs outlive serve by design; a script that stops early must not leave its VMs running under the next one.
    if [ -n "$CB_DATA" ] && [ -z "${KEEP_DATA:-}" ]; then
        pkill -KILL -f "cloudbox vmm .*$CB_DATA/" 2>/dev/null
        rm -rf "$CB_DATA"
    fi
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

# says_status OUTPUT CODE: OUTPUT reports HTTP status CODE as the stock clients print it
# ("(HTTP 400)" from the service clients, "400: Client Error" / "HttpException: 400" from openstacksdk,
# "returned error: 400" from curl -f, "400 Bad Request" from swiftclient and s3cmd).
says_status() {
    [[ "$1" =~ (HTTP[[:space:]]$2([^0-9]|$))|((^|[^0-9])$2:[[:space:]])|(Exception:[[:space:]]$2([^0-9]|$))|(error:[[:space:]]$2([^0-9]|$))|((^|[^0-9.])$2[[:space:]][A-Z][a-z]) ]]
}

# refuse NAME EXPECTED CMD...: passes when CMD fails and its output contains EXPECTED; a bare
# three-digit EXPECTED must be the reported HTTP status, not any "400" in the output.
refuse() {
    local name=$1 expected=$2; shift 2
    local output matched=""
    if output=$("$@" 2>&1); then
        echo "not ok - $name (succeeded, should have been refused)"
        ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
        LAST_OUTPUT=$output
        return
    fi
    if [[ "$expected" =~ ^[0-9]{3}$ ]]; then
        says_status "$output" "$expected" && matched=1
    elif [[ "$output" == *"$expected"* ]]; then
        matched=1
    fi
    if [ -n "$matched" ]; then
        echo "ok - $name"
        ACCEPTANCE_PASSED=$((ACCEPTANCE_PASSED + 1))
    else
        echo "not ok - $name (refused, but without \"$expected\")"
        echo "$output" | sed 's/^/    /' | tail -20
        ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
    fi
    LAST_OUTPUT=$output
}

# is_not_found OUTPUT: OUTPUT says the thing asked for does not exist, as the stock clients say it
# (and not an auth error, a refused connection or a crash of the server).
is_not_found() {
    says_status "$1" 404 || [[ "$1" =~ No[[:space:]].*[[:space:]]with[[:space:]]a[[:space:]]name[[:space:]]or[[:space:]]ID[[:space:]]of ]] \
        || [[ "$1" == *"could not be found"* ]] || [[ "$1" == *"Not Found"* ]] || [[ "$1" =~ No[[:space:]][A-Za-z]+[[:space:]]found[[:space:]]for ]]
}

# gone NAME CMD...: passes when CMD fails because what it names does not exist, retried for up to
# 10 s while it still exists (deletes finish in the background); any other failure fails.
gone() {
    local name=$1; shift
    local output i
    for i in $(seq 1 50); do
        if output=$("$@" 2>&1); then
            sleep 0.2
            continue
        fi
        if is_not_found "$output"; then
            echo "ok - $name"
            ACCEPTANCE_PASSED=$((ACCEPTANCE_PASSED + 1))
        else
            echo "not ok - $name (failed, but not with \"not found\")"
            echo "$output" | sed 's/^/    /' | tail -20
            ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
        fi
        LAST_OUTPUT=$output
        return
    done
    echo "not ok - $name (still there after 10 s)"
    ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
}

# guest_kernel: sets CLOUDBOX_GUEST_KERNEL, _INITRD and _CMDLINE to the packaging/guest test guest (the cloud
# kernel's uncompressed vmlinux and a busybox initramfs) unless they are set; false when there is none.
guest_kernel() {
    local guest_dir
    if [ -z "${CLOUDBOX_GUEST_KERNEL:-}" ] && guest_dir=$("$REPO_ROOT/packaging/guest/build-initramfs.sh" 2>/dev/null | tail -n 1) \
        && [ -f "$guest_dir/vmlinux" ] && [ -f "$guest_dir/initramfs.cpio" ]; then
        CLOUDBOX_GUEST_KERNEL=$guest_dir/vmlinux
        CLOUDBOX_GUEST_INITRD=$guest_dir/initramfs.cpio
    fi
    CLOUDBOX_GUEST_CMDLINE=${CLOUDBOX_GUEST_CMDLINE:-console=ttyS0 $(cat "$REPO_ROOT/packaging/guest/kernel-cmdline")}
    [ -n "${CLOUDBOX_GUEST_KERNEL:-}" ] && [ -n "${CLOUDBOX_GUEST_INITRD:-}" ]
}

# register_guest PREFIX DIR: uploads the test guest as PREFIX-kernel (aki), PREFIX-ramdisk (ari) and PREFIX-disk
# (a 16 MiB raw disk naming both, with the guest's command line); needs guest_kernel first.
register_guest() {
    local prefix=$1 dir=$2
    truncate -s 16M "$dir/$prefix-root.raw"
    openstack image create "$prefix-kernel" --file "$CLOUDBOX_GUEST_KERNEL" --disk-format aki --container-format aki >/dev/null
    openstack image create "$prefix-ramdisk" --file "$CLOUDBOX_GUEST_INITRD" --disk-format ari --container-format ari >/dev/null
    openstack image create "$prefix-disk" --file "$dir/$prefix-root.raw" --disk-format raw --container-format bare \
        --property kernel_id="$(openstack image show "$prefix-kernel" -f value -c id)" \
        --property ramdisk_id="$(openstack image show "$prefix-ramdisk" -f value -c id)" \
        --property os_command_line="$CLOUDBOX_GUEST_CMDLINE" >/dev/null
}

# skip NAME WHY: a check that cannot run on this machine, counted and said.
skip() {
    echo "skip - $1 ($2)"
    ACCEPTANCE_SKIPPED=$((ACCEPTANCE_SKIPPED + 1))
}

# finish: the summary line tests/run reads.
finish() {
    echo "$ACCEPTANCE_NAME: $ACCEPTANCE_PASSED passed, $ACCEPTANCE_FAILED failed, $ACCEPTANCE_SKIPPED skipped"
    [ "$ACCEPTANCE_FAILED" -eq 0 ]
    exit $?
}
