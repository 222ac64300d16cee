#!/usr/bin/env bash
# Supervision with Debian's stock openstackclient: a VM outlives `serve` killed with SIGKILL, the
# restarted serve reattaches to it (still ACTIVE, the very same VMM process) and drives it; a VMM
# that dies on its own makes its server SHUTOFF within the power-state sync interval.
#
# Needs `cloudbox vmm` in the binary, /dev/kvm and the packaging/guest test guest (or
# CLOUDBOX_GUEST_KERNEL/INITRD); without them its checks are counted as skipped, with the reason.
. "$(dirname "$0")/lib.sh"
# The VMMs here are confined (the default; checked below): a restarted serve must reattach to confined VMMs too.
# The sync runs every 60 s by default; the last check waits for one.
export CLOUDBOX_POWER_SYNC_INTERVAL=${CLOUDBOX_POWER_SYNC_INTERVAL:-2}
start_cloudbox
export OS_COMPUTE_API_VERSION=2.37

work=$(mktemp -d)

# is_vmm PID ID: PID is a live process whose command line names server ID's instance directory.
is_vmm() {
    [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q "instances/$2/"
}

# end_vms: no VM of this run outlives it, whatever failed (each found by its recorded pid, checked).
end_vms() {
    local pidfile pid id
    for pidfile in "$CB_DATA"/compute/instances/*/vmm.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        id=$(basename "$(dirname "$pidfile")")
        if is_vmm "$pid" "$id"; then kill -9 "$pid"; fi
    done
}
trap 'end_vms; rm -rf "$work"; stop_cloudbox' EXIT

# start_time PID: the process's start time in clock ticks since boot; a pid reused by a new process has another.
start_time() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }

# wait_status NAME STATUS SECONDS
wait_status() {
    local i
    for i in $(seq 1 $(($3 * 5))); do
        [ "$(openstack server show "$1" -f value -c status 2>/dev/null)" = "$2" ] && return 0
        sleep 0.2
    done
    return 1
}

# skip_all WHY: every check below is counted as skipped (keep SURVIVAL_CHECKS equal to their number).
SURVIVAL_CHECKS=27
skip_all() {
    local i
    for i in $(seq 1 $SURVIVAL_CHECKS); do skip "supervision check $i of $SURVIVAL_CHECKS" "$1"; done
}

if ! "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel || [ ! -e /dev/kvm ]; then
    skip_all "no cloudbox vmm in this binary or no /dev/kvm: VMs cannot run"
    finish
fi
if ! guest_kernel; then
    skip_all "no guest kernel: packaging/guest/build-initramfs.sh failed and CLOUDBOX_GUEST_KERNEL is unset"
    finish
fi
register_guest surv "$work"

# --- serve killed with SIGKILL while the server runs ----------------------------------------
check "server create --nic none --wait" openstack server create surv-vm --image surv-disk --flavor m1.tiny --nic none --wait
ID=$(openstack server show surv-vm -f value -c id)
VMM_PID=$(cat "$CB_DATA/compute/instances/$ID/vmm.pid" 2>/dev/null)
VMM_STARTED=$(start_time "$VMM_PID")
check "the server's VMM runs (pid $VMM_PID)" is_vmm "$VMM_PID" "$ID"
check "the VMM is confined: no capability, seccomp filter mode, no_new_privs, not root" bash -c \
    "grep -q '^CapEff:[[:space:]]*0*\$' /proc/$VMM_PID/status && grep -q '^Seccomp:[[:space:]]*2\$' /proc/$VMM_PID/status &&
     grep -q '^NoNewPrivs:[[:space:]]*1\$' /proc/$VMM_PID/status && ! grep -q '^Uid:[[:space:]]*0[[:space:]]' /proc/$VMM_PID/status"
check "the VMM has a mount namespace of its own" bash -c "[ \"\$(readlink /proc/$VMM_PID/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
SERVE_PID=$CB_PID
check "serve is killed with SIGKILL" kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
check "serve is gone, its VMM runs on" bash -c "$(declare -f is_vmm); ! kill -0 $SERVE_PID 2>/dev/null && is_vmm '$VMM_PID' '$ID'"
restart_cloudbox
check "serve starts again on the same data directory" kill -0 "$CB_PID"
# On failure it prints what the server, its VMM and serve said, for the log of a run that cannot be repeated.
check "server show: still ACTIVE after the restart" bash -c \
    "[ \"\$(openstack server show surv-vm -f value -c status)\" = ACTIVE ] && exit 0
     openstack server show surv-vm -f value -c status -c fault; tail -n 20 '$CB_DATA/compute/instances/$ID/vmm.log'
     grep -E 'warn|fail' '$CB_DATA/serve.log' | tail -n 20; exit 1"
sleep "$CLOUDBOX_POWER_SYNC_INTERVAL"
check "still ACTIVE and Running after a power-state sync" bash -c \
    "openstack server show surv-vm -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"status\"]==\"ACTIVE\" and d[\"OS-EXT-STS:power_state\"] in (1, \"Running\") else 1)'"
check "the very same VMM process still runs (never restarted)" bash -c \
    "$(declare -f is_vmm start_time); is_vmm '$VMM_PID' '$ID' && [ \"\$(start_time $VMM_PID)\" = '$VMM_STARTED' ]"
check "the serve log says it reattached" grep -q "Reattached to 1 running VMs" "$CB_DATA/serve.log"
check "cloudbox admin vms lists the VM, its supervision and its VMM pid" bash -c \
    "\"$CLOUDBOX_BIN\" admin vms --data-dir '$CB_DATA' --listen '$CB_URL' --s3-listen '$CB_S3_URL' | grep '^$ID' | grep -E '(detached|systemd \\(cloudbox-vm-$ID\\.service\\)) +$VMM_PID +running'"
check "server stop works through the reattached control socket" bash -c "$(declare -f wait_status); openstack server stop surv-vm && wait_status surv-vm SHUTOFF 30"
check "the stopped server's VMM process is gone" bash -c "$(declare -f is_vmm); ! is_vmm '$VMM_PID' '$ID'"

# --- the VMM stops answering ------------------------------------------------------------------
check "server start" bash -c "$(declare -f wait_status); openstack server start surv-vm && wait_status surv-vm ACTIVE 30"
VMM_PID=$(cat "$CB_DATA/compute/instances/$ID/vmm.pid" 2>/dev/null)
check "the VMM is frozen with SIGSTOP (it no longer answers)" kill -STOP "$VMM_PID"
sleep $((CLOUDBOX_POWER_SYNC_INTERVAL * 2 + 6))
check "a VMM that does not answer is unknown to the sync, not off: still ACTIVE" \
    test "$(openstack server show surv-vm -f value -c status)" = ACTIVE
check "server stop ends a VMM that does not answer" bash -c "$(declare -f wait_status); openstack server stop surv-vm && wait_status surv-vm SHUTOFF 30"
check "the frozen VMM process is gone" bash -c "$(declare -f is_vmm); ! is_vmm '$VMM_PID' '$ID'"

# --- the VMM dies on its own -----------------------------------------------------------------
check "server start again" bash -c "$(declare -f wait_status); openstack server start surv-vm && wait_status surv-vm ACTIVE 30"
VMM_PID=$(cat "$CB_DATA/compute/instances/$ID/vmm.pid" 2>/dev/null)
check "the restarted server runs a new VMM (pid $VMM_PID)" is_vmm "$VMM_PID" "$ID"
check "the VMM is killed with SIGKILL" kill -9 "$VMM_PID"
check "SHUTOFF within the sync interval (${CLOUDBOX_POWER_SYNC_INTERVAL} s, and a margin)" bash -c \
    "$(declare -f wait_status); wait_status surv-vm SHUTOFF $((CLOUDBOX_POWER_SYNC_INTERVAL * 2 + 5))"
check "power state Shutdown" bash -c \
    "openstack server show surv-vm -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"OS-EXT-STS:power_state\"] in (4, \"Shutdown\") else 1)'"
check "server event list shows the sync's stop as the newest action" bash -c \
    "[ \"\$(openstack server event list surv-vm -f value -c Action | head -1)\" = stop ]"
check "server delete --wait" openstack server delete --wait surv-vm
check "no VMM of the server is left" bash -c "$(declare -f is_vmm); ! is_vmm '$VMM_PID' '$ID' && [ ! -d '$CB_DATA/compute/instances/$ID' ]"

finish
