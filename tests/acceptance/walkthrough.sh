#!/usr/bin/env bash
# The README's first-VM walkthrough, run line by line exactly as written: the block after the
# "walkthrough: first-vm" marker, in a directory whose ./data is the running cloud's data directory,
# with `cloudbox` on the PATH. Each line is a check; the first that fails ends the walkthrough.
#
# Needs root, debootstrap and a Debian mirror (apt's), `cloudbox vmm` and /dev/kvm; without them
# its checks are counted as skipped, with the reason.
. "$(dirname "$0")/lib.sh"

readme="$REPO_ROOT/README.md"
mapfile -t lines < <(awk '/<!-- walkthrough: first-vm/ { marked = 1; next }
    marked && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' "$readme")
if [ "${#lines[@]}" -eq 0 ]; then
    check "the README has the first-VM walkthrough block" false
    finish
fi

skip_all() {
    local line
    for line in "${lines[@]}"; do skip "README: $line" "$1"; done
    finish
}
[ "$(id -u)" = 0 ] || skip_all "not root: debootstrap needs root"
command -v debootstrap >/dev/null || skip_all "debootstrap is not installed (.ci/run installs it)"
if ! "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel || [ ! -e /dev/kvm ]; then
    skip_all "no cloudbox vmm in this binary or no /dev/kvm: VMs cannot run"
fi

start_cloudbox
work=$(mktemp -d /tmp/cloudbox-walkthrough-XXXXXX)
trap 'openstack server delete --wait vm1 >/dev/null 2>&1; rm -rf "$work"; stop_cloudbox' EXIT
mkdir "$work/bin"
ln -s "$CLOUDBOX_BIN" "$work/bin/cloudbox"
ln -s "$CB_DATA" "$work/data"
# A fresh shell per line, as a reader pasting it would have, except that what a line exports
# (the openrc) stays: the lines run in one bash, each checked as it ends.
cd "$work"
export PATH="$work/bin:$PATH"
failed_line=""
for line in "${lines[@]}"; do
    if [ -n "$failed_line" ]; then
        skip "README: $line" "an earlier line failed: $failed_line"
        continue
    fi
    output=$(timeout 1200 bash -c "$line" 2>&1)
    status=$?
    if [ "$status" -eq 0 ]; then
        echo "ok - README: $line"
        ACCEPTANCE_PASSED=$((ACCEPTANCE_PASSED + 1))
    else
        echo "not ok - README: $line (exit $status)"
        echo "$output" | tail -n 20 | sed 's/^/    /'
        ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
        failed_line=$line
    fi
    # The openrc line sets the environment the later lines use.
    case "$line" in ". "*|"source "*) eval "$line" ;; esac
done
check "the console shows the guest kernel's banner" bash -c "openstack console log show vm1 | grep -q 'Linux version'"
check "the guest image was built from Debian's packages and registered with its command line" \
    bash -c "openstack image show debian-12 -f value -c properties | grep -q 'root=LABEL=cloudimg-rootfs'"
check "a second run keeps what exists and only prints the summary" \
    bash -c "cloudbox admin guest-image --data-dir '$work/data' 2>&1 | grep -q 'exists, kept'"
finish
