#!/usr/bin/env bash
# Time from `POST /servers` to the server ACTIVE (its `cloudbox vmm` process started and answering on its
# control socket) and to the guest kernel's first console line ("Linux version", read through
# os-getConsoleOutput; `earlyprintk` prints it as the kernel starts), for N servers created one after another, against a real `cloudbox serve` on SQLite
# with the packaging/guest test guest (kernel and initramfs as aki/ari images).
#   benchmarks/compute/boot-time.sh [N]      (needs /dev/kvm and a published binary: CLOUDBOX_BIN or .build/cloudbox/cloudbox)
# The guest's init marker is not measured: on hosts without VMX/SVM (KVM on PVM) guest user space cannot run
# (benchmarks/hypervisor/README.md), so the kernel's banner is the last marker every host reaches.
set -euo pipefail
N=${1:-5}
. "$(dirname "$0")/../../tests/acceptance/lib.sh"
guest=$("$REPO_ROOT/packaging/guest/build-initramfs.sh" | tail -n 1)
start_cloudbox
TOKEN=$(openstack token issue -f value -c id)
api() { curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$@"; }
upload() { # name disk_format file [extra JSON fields] -> image id
    local id
    id=$(api -X POST -d "{\"name\": \"$1\", \"disk_format\": \"$2\", \"container_format\": \"${2/raw/bare}\"${4:+, $4}}" \
        "$CB_URL/image/v2/images" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -sf -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' --data-binary @"$3" \
        "$CB_URL/image/v2/images/$id/file" >/dev/null
    echo "$id"
}
truncate -s 64M "$CB_DATA/root.raw"
kernel=$(upload bench-kernel aki "$guest/vmlinux")
ramdisk=$(upload bench-ramdisk ari "$guest/initramfs.cpio")
cmdline="console=ttyS0 $(cat "$REPO_ROOT/packaging/guest/kernel-cmdline") earlyprintk=ttyS0 cloudbox.test=wait"
image=$(upload bench-disk raw "$CB_DATA/root.raw" "\"kernel_id\": \"$kernel\", \"ramdisk_id\": \"$ramdisk\", \"os_command_line\": \"$cmdline\"")

now_ms() { date +%s%3N; }
id=""
# VMs outlive serve by design: delete the one being measured if the run is cut short.
trap '[ -n "$id" ] && api -X DELETE "$CB_URL/compute/v2.1/servers/$id" >/dev/null 2>&1; sleep 1; stop_cloudbox' EXIT
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$N"); do
    t0=$(now_ms)
    post_seconds=$(api -o "$CB_DATA/post.json" -w '%{time_total}' -X POST -H 'OpenStack-API-Version: compute 2.37' \
        -d "{\"server\": {\"name\": \"boot-$i\", \"imageRef\": \"$image\", \"flavorRef\": \"1\", \"networks\": \"none\"}}" \
        "$CB_URL/compute/v2.1/servers")
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["server"]["id"])' "$CB_DATA/post.json")
    # Polled with curl and grep alone (no JSON parser to start per poll): a few ms of resolution.
    until api "$CB_URL/compute/v2.1/servers/$id" | grep -q '"status":"ACTIVE"'; do
        sleep 0.005
    done
    t_active=$(now_ms)
    until api -X POST -d '{"os-getConsoleOutput": {}}' "$CB_URL/compute/v2.1/servers/$id/action" | grep -q 'Linux version'; do
        sleep 0.01
    done
    t_banner=$(now_ms)
    echo "server $i: POST answered in $(python3 -c "print(round($post_seconds * 1000))") ms, ACTIVE (vmm running) $((t_active - t0)) ms, guest kernel banner $((t_banner - t0)) ms"
    api -X DELETE "$CB_URL/compute/v2.1/servers/$id" >/dev/null
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
