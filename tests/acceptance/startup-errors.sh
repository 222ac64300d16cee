#!/usr/bin/env bash
# Every configuration or host error at start-up is one line on stderr, "cloudbox: what, the
# setting and the fix", with a non-zero exit code and no stack trace; admin verbs never create a
# cloud; help documents every verb and setting; logs go to stderr and command output to stdout.
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/cloudbox-startup-XXXXXX)
holder=""
cleanup_work() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    rm -rf "$work"
    stop_cloudbox
}
trap cleanup_work EXIT

# one_line EXPECTED CMD...: CMD fails, its stderr is exactly one line starting "cloudbox: " that
# contains EXPECTED, and nothing reads like a stack trace.
one_line() {
    local expected=$1; shift
    local status=0
    timeout 60 "$@" >"$work/out" 2>"$work/err" || status=$?
    if [ "$status" -eq 0 ]; then echo "succeeded"; return 1; fi
    if [ "$(grep -vc '^cloudbox: waiting' "$work/err")" -ne 1 ]; then echo "stderr is not one line:"; cat "$work/err"; return 1; fi
    if grep -q '   at \|Unhandled exception' "$work/err"; then cat "$work/err"; return 1; fi
    if ! grep -q '^cloudbox: ' "$work/err" || ! grep -qF -- "$expected" "$work/err"; then echo "stderr lacks '$expected':"; cat "$work/err"; return 1; fi
    echo "exit $status: $(cat "$work/err")"
}

port=$(free_port)
s3port=$(free_port)
serve=("$CLOUDBOX_BIN" serve --listen "http://127.0.0.1:$port" --s3-listen "http://127.0.0.1:$s3port")

check "a bare 'cloudbox' prints the usage on stderr and exits 2" \
    bash -c '"$1" >/dev/null 2>"$2/bare"; [ $? -eq 2 ] && grep -q "usage: cloudbox VERB" "$2/bare"' sh "$CLOUDBOX_BIN" "$work"
check "'cloudbox help serve' documents every setting" \
    bash -c 'out=$("$1" help serve) && for f in --data-dir --listen --public-url --database --database-wait --s3-listen --s3-public-url --region --policy-file --admin-password --log-format CLOUDBOX_NETWORK_DATA_PLANE; do grep -q -- "$f" <<<"$out" || { echo "missing $f"; exit 1; }; done' sh "$CLOUDBOX_BIN"
check "'cloudbox serve --help' is the serve page, not the generic one" \
    bash -c '"$1" serve --help | grep -q "usage: cloudbox serve"' sh "$CLOUDBOX_BIN"
check "'cloudbox help' lists every verb (serve, admin, vmm, version)" \
    bash -c 'out=$("$1" help) && for v in serve admin vmm version; do grep -q "^  $v " <<<"$out" || exit 1; done' sh "$CLOUDBOX_BIN"
check "'cloudbox help vmm' documents the VMM" bash -c '"$1" help vmm | grep -qi "usage"' sh "$CLOUDBOX_BIN"
check "'cloudbox admin vms --help' documents the verb and creates no cloud" \
    bash -c '"$1" admin vms --help --data-dir "$2/nocloud" | grep -q "usage: cloudbox admin vms" && [ ! -e "$2/nocloud" ]' sh "$CLOUDBOX_BIN" "$work"
check "'cloudbox admin openrc --data-dir /typo' fails in one line and creates nothing" \
    bash -c "$(declare -f one_line); work=$work; one_line 'no cloud in $work/typo' '$CLOUDBOX_BIN' admin openrc --data-dir '$work/typo' && [ ! -e '$work/typo' ]"

check "a data dir that is a file: one line naming --data-dir" \
    bash -c "touch '$work/file'; $(declare -f one_line); work=$work; one_line 'set --data-dir' ${serve[*]} --data-dir '$work/file'"
mkdir -p "$work/notmine" && chown 65534:65534 "$work/notmine" && chmod 0700 "$work/notmine"
check "an unwritable data dir (root without CAP_DAC_OVERRIDE): one line naming --data-dir" \
    bash -c "$(declare -f one_line); work=$work; one_line 'set --data-dir' setpriv --bounding-set -dac_override,-dac_read_search,-fowner --inh-caps -dac_override,-dac_read_search,-fowner env CLOUDBOX_NETWORK_DATA_PLANE=off ${serve[*]} --data-dir '$work/notmine/data'"

python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$port" &
holder=$!
sleep 0.3
check "a port in use: one line naming --listen" \
    bash -c "$(declare -f one_line); work=$work; CLOUDBOX_NETWORK_DATA_PLANE=off one_line 'already in use' ${serve[*]} --data-dir '$work/d1'"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=""

check "https:// without a certificate: one line naming --listen" \
    bash -c "$(declare -f one_line); work=$work; one_line '--listen' '$CLOUDBOX_BIN' serve --listen https://127.0.0.1:$port --data-dir '$work/d2'"
check "a malformed PostgreSQL connection string: one line naming --database" \
    bash -c "$(declare -f one_line); work=$work; CLOUDBOX_NETWORK_DATA_PLANE=off one_line 'not a valid PostgreSQL connection string' ${serve[*]} --data-dir '$work/d3' --database 'Hostt=x;Nonsense'"
check "an unreachable PostgreSQL (postgresql:// URL form) is retried for --database-wait, then one line" \
    bash -c "$(declare -f one_line); work=$work; start=\$(date +%s); CLOUDBOX_NETWORK_DATA_PLANE=off one_line 'is unreachable' ${serve[*]} --data-dir '$work/d4' --database postgresql://cloud:secret@127.0.0.1:1/cloud --database-wait 2 && [ \$((\$(date +%s) - start)) -ge 2 ] && ! grep -q secret '$work/err'"
check "the network data plane without CAP_NET_ADMIN: one line with the CLOUDBOX_NETWORK_DATA_PLANE=off hint" \
    bash -c "$(declare -f one_line); work=$work; one_line 'CLOUDBOX_NETWORK_DATA_PLANE=off' setpriv --bounding-set -net_admin --inh-caps -net_admin ${serve[*]} --data-dir '$work/d5'"
check "no /dev/net/tun with the data plane on: one line naming the fix" \
    bash -c "$(declare -f one_line); work=$work; one_line 'modprobe tun' unshare -m sh -c 'mount -t tmpfs none /dev/net && exec \"\$0\" \"\$@\"' ${serve[*]} --data-dir '$work/d6'"

# A running cloud: logs on stderr, admin output on stdout, health and version.
CLOUDBOX_NETWORK_DATA_PLANE=off start_cloudbox
check "'cloudbox admin openrc > openrc.sh' can be sourced (logs go to stderr)" \
    bash -c '"$1" admin openrc --data-dir "$2" >"$3/openrc.sh" 2>"$3/admin.log" && (. "$3/openrc.sh" && [ -n "$OS_AUTH_URL" ] && [ -n "$OS_PASSWORD" ])' sh "$CLOUDBOX_BIN" "$CB_DATA" "$work"
check "/healthz/live answers 200" curl -fs "$CB_URL/healthz/live"
check "/healthz/ready answers 200 with the version" bash -c "curl -fs '$CB_URL/healthz/ready' | grep -q '^version '"
check "/version names the release of Directory.Build.props" \
    bash -c "curl -fs '$CB_URL/version' | grep -q \"cloudbox \$(sed -n 's:.*<Version>\\(.*\\)</Version>.*:\\1:p' '$REPO_ROOT/Directory.Build.props')\""
check "'cloudbox version' prints the same release" \
    bash -c "[ \"\$('$CLOUDBOX_BIN' version | cut -d+ -f1)\" = \"\$(curl -fs '$CB_URL/version' | cut -d+ -f1)\" ]"
check "every response carries X-OpenStack-Request-ID" \
    bash -c "curl -fsi '$CB_URL/healthz' | grep -qi '^x-openstack-request-id: req-' && curl -si '$CB_URL/compute/v2.1/servers' | grep -qi '^x-openstack-request-id: req-'"

kill "$CB_PID"; wait "$CB_PID" 2>/dev/null; CB_PID=""
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO cloudbox_migrations (module, version, name, applied_at) VALUES (?,?,?,?)", ("compute", 9999, "from-the-future", "2030-01-01")); c.commit()' "$CB_DATA/cloudbox.db"
check "a schema newer than the binary: one line, the binary refuses to start" \
    bash -c "$(declare -f one_line); work=$work; CLOUDBOX_NETWORK_DATA_PLANE=off one_line 'newer CloudBox' ${serve[*]} --data-dir '$CB_DATA'"
finish
