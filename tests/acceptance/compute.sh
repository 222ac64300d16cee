#!/usr/bin/env bash
# Compute (Nova v2.1) with Debian's stock openstackclient.
#
# The boot path needs `cloudbox vmm` (the hypervisor) in the same binary. When it is there, the
# server boots the host's own kernel and initrd (registered as aki/ari images) and must become
# ACTIVE with the kernel's messages in its console log. When it is not, the server must end in
# ERROR with a fault that names the VMM; the script says which of the two it checked.
. "$(dirname "$0")/lib.sh"
# Servers' ports are checked through the API; the kernel data plane (bridges, taps) has tests of
# its own in throwaway namespaces, so it stays off here and the script can run beside anything else.
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
# --nic none needs 2.37 (novaclient refuses it below); the cloud declares 2.37 as its maximum.
export OS_COMPUTE_API_VERSION=2.37

work=$(mktemp -d)
trap 'rm -rf "$work"; stop_cloudbox' EXIT

# --- flavors, key pairs, limits, hosts -------------------------------------------------------
check "flavor list shows the default flavors" bash -c "openstack flavor list -f value -c Name | grep -qx m1.tiny"
check "flavor create with a property" openstack flavor create acc.small --ram 256 --disk 1 --vcpus 1 --property hw:cpu_policy=shared
check "flavor show has ram and the property" bash -c "openstack flavor show acc.small -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); p=d[\"properties\"]; sys.exit(0 if d[\"ram\"]==256 and \"hw:cpu_policy\" in str(p) else 1)'"
check "private flavor create" openstack flavor create acc.private --ram 128 --disk 1 --vcpus 1 --private
check "flavor delete" openstack flavor delete acc.private

check "keypair create generates an RSA private key" bash -c "openstack keypair create acc-gen >$work/acc-gen.pem && grep -q 'PRIVATE KEY' $work/acc-gen.pem"
check "the generated private key matches the stored public key" bash -c "
    chmod 600 $work/acc-gen.pem &&
    [ \"\$(ssh-keygen -y -f $work/acc-gen.pem | cut -d' ' -f2)\" = \"\$(openstack keypair show acc-gen --public-key | cut -d' ' -f2)\" ]"
ssh-keygen -q -t ed25519 -N '' -f "$work/imported" >/dev/null
check "keypair create --public-key (import)" openstack keypair create --public-key "$work/imported.pub" acc-imported
check "imported key fingerprint is the MD5 one ssh-keygen computes" bash -c "
    [ \"\$(openstack keypair show acc-imported -f value -c fingerprint)\" = \"\$(ssh-keygen -l -E md5 -f $work/imported.pub | cut -d' ' -f2 | sed 's/^MD5://')\" ]"
check "keypair list" bash -c "[ \$(openstack keypair list -f value -c Name | grep -c '^acc-') -eq 2 ]"

check "limits show --absolute" bash -c "openstack limits show --absolute -f value | grep -q maxTotalInstances"
check "availability zone list" bash -c "openstack availability zone list --compute -f value -c 'Zone Name' | grep -qx nova"
check "hypervisor list" bash -c "openstack hypervisor list -f value | grep -q up"
check "compute service list" bash -c "openstack compute service list -f value -c Binary | grep -qx nova-compute"

# --- a bootable image set: the host's kernel and initrd as aki/ari, an empty raw root disk ----
# CLOUDBOX_GUEST_KERNEL/INITRD/CMDLINE choose another guest (an uncompressed vmlinux boots much faster on PVM hosts).
# By default the test guest from packaging/guest: the cloud kernel's uncompressed vmlinux (PVH entry, no
# decompressor to crawl through KVM's emulator on PVM hosts) and the busybox initramfs.
# The options are those benchmarks/hypervisor/README.md found fastest on PVM hosts, without "quiet" (the check reads the banner).
guest_cmdline="console=ttyS0 $(cat "$REPO_ROOT/packaging/guest/kernel-cmdline")"
if [ -z "${CLOUDBOX_GUEST_KERNEL:-}" ] && guest_dir=$("$REPO_ROOT/packaging/guest/build-initramfs.sh" 2>/dev/null | tail -n 1) \
    && [ -f "$guest_dir/vmlinux" ] && [ -f "$guest_dir/initramfs.cpio" ]; then
    CLOUDBOX_GUEST_KERNEL=$guest_dir/vmlinux
    CLOUDBOX_GUEST_INITRD=$guest_dir/initramfs.cpio
    CLOUDBOX_GUEST_CMDLINE=${CLOUDBOX_GUEST_CMDLINE:-$guest_cmdline}
fi
kernel_file=${CLOUDBOX_GUEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
initrd_file=${CLOUDBOX_GUEST_INITRD:-$(ls /boot/initrd.img-* 2>/dev/null | head -1)}
if [ -z "$kernel_file" ]; then
    head -c 1048576 /dev/urandom >"$work/vmlinuz"; kernel_file=$work/vmlinuz
    head -c 65536 /dev/urandom >"$work/initrd"; initrd_file=$work/initrd
fi
truncate -s 64M "$work/root.raw"
openstack image create acc-kernel --file "$kernel_file" --disk-format aki --container-format aki >/dev/null
openstack image create acc-ramdisk --file "$initrd_file" --disk-format ari --container-format ari >/dev/null
KERNEL=$(openstack image show acc-kernel -f value -c id)
RAMDISK=$(openstack image show acc-ramdisk -f value -c id)
check "bootable image create (kernel_id, ramdisk_id, os_command_line)" openstack image create acc-disk --file "$work/root.raw" \
    --disk-format raw --container-format bare --public --property kernel_id="$KERNEL" --property ramdisk_id="$RAMDISK" \
    --property os_command_line="${CLOUDBOX_GUEST_CMDLINE:-console=ttyS0 panic=-1}"

# --- servers ------------------------------------------------------------------------------
if "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel; then
    echo "# cloudbox vmm is present: servers must boot"
    check "server create --wait --nic none --config-drive true --user-data" openstack server create acc-vm --image acc-disk \
        --flavor m1.tiny --nic none --config-drive true --user-data /etc/hostname --key-name acc-gen --wait
    check "server is ACTIVE and running" bash -c "[ \"\$(openstack server show acc-vm -f value -c status)\" = ACTIVE ]"
    check "console log show has the guest kernel's messages" bash -c "for i in \$(seq 100); do openstack console log show acc-vm | grep -q 'Linux version' && exit 0; sleep 2; done; exit 1"
    check "server stop" bash -c "openstack server stop acc-vm && for i in \$(seq 50); do [ \"\$(openstack server show acc-vm -f value -c status)\" = SHUTOFF ] && exit 0; sleep 0.2; done; exit 1"
    check "server start" bash -c "openstack server start acc-vm && for i in \$(seq 50); do [ \"\$(openstack server show acc-vm -f value -c status)\" = ACTIVE ] && exit 0; sleep 0.2; done; exit 1"
    check "server pause / unpause" bash -c "openstack server pause acc-vm && [ \"\$(openstack server show acc-vm -f value -c status)\" = PAUSED ] && openstack server unpause acc-vm"
    check "server reboot --hard" openstack server reboot --hard --wait acc-vm
    check "base image unchanged by the guest" bash -c "openstack image save acc-disk --file $work/saved.raw && cmp $work/root.raw $work/saved.raw"
else
    echo "# cloudbox vmm is NOT in this binary: the build must end in ERROR with a fault naming the VMM"
    # openstackclient 6.0 exits 0 after "Error creating server" (a bare SystemExit), so read its output.
    check "server create --wait ends in ERROR without a hypervisor" bash -c "openstack server create acc-vm --image acc-disk \
        --flavor m1.tiny --nic none --config-drive true --user-data /etc/hostname --key-name acc-gen --wait 2>&1 | grep -q 'Error creating server'"
    check "the server is in ERROR" test "$(openstack server show acc-vm -f value -c status)" = ERROR
    check "the server's fault names the VMM" bash -c "openstack server show acc-vm -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if \"VMM\" in d[\"fault\"][\"message\"] else 1)'"
    check "the root disk and config drive were made before the VMM start" bash -c "
        id=\$(openstack server show acc-vm -f value -c id); d=$CB_DATA/compute/instances/\$id;
        [ -f \$d/disk.raw ] && [ -f \$d/kernel ] && [ -f \$d/initrd ] && [ -f \$d/config-2.iso ] && file \$d/config-2.iso | grep -q config-2"
fi
check "server list" bash -c "openstack server list -f value -c Name | grep -qx acc-vm"
check "server show has Nova's fields" bash -c "openstack server show acc-vm -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(k in d for k in (\"id\",\"status\",\"flavor\",\"image\",\"OS-EXT-STS:vm_state\",\"hostId\")) else 1)'"
check "server set --property and --name" bash -c "openstack server set acc-vm --property role=test && openstack server show acc-vm -f value -c properties | grep -q role"
check "server event list" bash -c "openstack server event list acc-vm -f value -c Action | grep -qx create"

# --- servers on networks -------------------------------------------------------------------
check "network create" openstack network create acc-net
check "subnet create" openstack subnet create acc-sub --network acc-net --subnet-range 10.70.0.0/24
if "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel; then
    check "security group create for the server" openstack security group create acc-web
    check "server create --network --security-group --wait" openstack server create acc-netvm --image acc-disk --flavor m1.tiny --network acc-net \
        --security-group acc-web --wait
    check "server show lists the requested security group" bash -c "openstack server show acc-netvm -f json -c security_groups |
        python3 -c 'import json,sys; sys.exit(0 if [g[\"name\"] for g in json.load(sys.stdin)[\"security_groups\"]] == [\"acc-web\"] else 1)'"
    check "the server's port is in that group alone" bash -c "openstack port show \$(openstack port list --server acc-netvm -f value -c ID) -f json -c security_group_ids |
        python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[\"security_group_ids\"] == [\"'\$(openstack security group show acc-web -f value -c id)'\"] else 1)'"
    check "server add security group / remove security group" bash -c "openstack server add security group acc-netvm default &&
        openstack server remove security group acc-netvm acc-web &&
        openstack port show \$(openstack port list --server acc-netvm -f value -c ID) -f value -c security_group_ids | grep -q \"\$(openstack security group show default -f value -c id)\" &&
        ! openstack server show acc-netvm -f value -c security_groups | grep -q acc-web"
    refuse "removing a group the server is not in is refused with 400" "HTTP 400" openstack server remove security group acc-netvm acc-web
    check "server show has the address on the network" bash -c "openstack server show acc-netvm -f json -c addresses | grep -q 'acc-net' &&
        openstack server show acc-netvm -f json -c addresses | grep -q '10\.70\.0\.'"
    check "port list --server shows the server's port" bash -c "[ \$(openstack port list --server acc-netvm -f value -c ID | wc -l) -eq 1 ]"
    check "the port belongs to the server" bash -c "openstack port list --server acc-netvm -f json --long | grep -q 'compute:nova'"
    # NIC hot-plug: an interface attached to the ACTIVE server goes into its running VMM, and comes out on detach.
    netvm_id=$(openstack server show acc-netvm -f value -c id)
    check "server add network on an ACTIVE server" openstack server add network acc-netvm acc-net
    check "the server has two ports" bash -c "[ \$(openstack port list --server acc-netvm -f value -c ID | wc -l) -eq 2 ]"
    check "the running VMM has both NICs" bash -c "curl -s --unix-socket $CB_DATA/compute/instances/$netvm_id/api.sock http://vmm/vm |
        python3 -c 'import json,sys; sys.exit(0 if len(json.load(sys.stdin)[\"nets\"])==2 else 1)'"
    check "server remove port on an ACTIVE server" bash -c "openstack server remove port acc-netvm \
        \$(openstack port list --server acc-netvm -f value -c ID | tail -n 1)"
    check "the port is gone and the VMM has one NIC" bash -c "[ \$(openstack port list --server acc-netvm -f value -c ID | wc -l) -eq 1 ] &&
        curl -s --unix-socket $CB_DATA/compute/instances/$netvm_id/api.sock http://vmm/vm |
        python3 -c 'import json,sys; sys.exit(0 if len(json.load(sys.stdin)[\"nets\"])==1 else 1)'"
    check "server delete frees the port and its address" bash -c "openstack server delete --wait acc-netvm &&
        [ -z \"\$(openstack port list --network acc-net --device-owner compute:nova -f value -c ID)\" ]"
else
    check "server create --network ends in ERROR without a hypervisor" bash -c "openstack server create acc-netvm --image acc-disk \
        --flavor m1.tiny --network acc-net --wait 2>&1 | grep -q 'Error creating server'"
    check "the failed build gave its port back" bash -c "[ -z \"\$(openstack port list --network acc-net --device-owner compute:nova -f value -c ID)\" ]"
    check "server delete of the failed server" openstack server delete --wait acc-netvm
fi
refuse "an unknown network name is refused by the client's lookup" "No Network found" openstack server create x --image acc-disk --flavor m1.tiny --network no-such-net

# --- refusals -----------------------------------------------------------------------------
TOKEN=$(openstack token issue -f value -c id)
create_code() {
    curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -X POST \
        -d "{\"server\": {\"name\": \"x\", \"imageRef\": \"$1\", \"flavorRef\": \"$2\", \"networks\": \"none\"}}" \
        "$CB_URL/compute/v2.1/servers"
}
IMAGE=$(openstack image show acc-disk -f value -c id)
check "unknown flavor is refused with 400 (raw API)" test "$(create_code "$IMAGE" no-such-flavor)" = 400
check "unknown image is refused with 400 (raw API)" test "$(create_code 8d1c5f4e-0000-4000-8000-000000000000 1)" = 400
check "unknown network is refused with 400 (raw API)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" \
    -H 'Content-Type: application/json' -X POST -d "{\"server\": {\"name\": \"x\", \"imageRef\": \"$IMAGE\", \"flavorRef\": \"1\",
    \"networks\": [{\"uuid\": \"8d1c5f4e-0000-4000-8000-000000000001\"}]}}" "$CB_URL/compute/v2.1/servers")" = 400
refuse "unknown flavor by name is refused by the client's lookup" "No flavor" openstack server create x --image acc-disk --flavor no-such-flavor --nic none
# Through the API: the client would upload its (non-terminal) stdin as the image data.
curl -s -o /dev/null -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -X POST \
    -d '{"name": "acc-queued", "disk_format": "raw", "container_format": "bare"}' "$CB_URL/image/v2/images"
refuse "an image not yet active is refused with 409" "HTTP 409" openstack server create x --image acc-queued --flavor m1.tiny --nic none

# --- server groups ----------------------------------------------------------------------------
# On this one-host cloud anti-affinity takes one member; the next fails to schedule as in Nova.
# With or without the VMM, a member is placed on the host (or not) before its VM starts.
settled() {   # NAME: waits for the build to end and prints the status
    local i s
    for i in $(seq 100); do s=$(openstack server show "$1" -f value -c status); [ "$s" != BUILD ] && break; sleep 0.3; done
    echo "$s"
}
fault_of() { openstack server show "$1" -f json | python3 -c 'import json,sys; print((json.load(sys.stdin).get("fault") or {}).get("message", ""))'; }
host_of() { openstack server show "$1" -f value -c OS-EXT-SRV-ATTR:host; }
check "server group create --policy anti-affinity" openstack server group create --policy anti-affinity acc-anti
check "server group list shows the group and its policy" bash -c "openstack server group list -f value -c Name -c Policies | grep '^acc-anti ' | grep -q anti-affinity"
check "server group show" bash -c "openstack server group show acc-anti -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if \"anti-affinity\" in str(d[\"policies\"]) else 1)'"
ANTI=$(openstack server group show acc-anti -f value -c id)
check "server create --hint group= (first anti-affinity member)" openstack server create acc-g1 --image acc-disk --flavor m1.tiny --nic none --hint group="$ANTI"
settled acc-g1 >/dev/null
check "the first member is placed on the host" bash -c "[ -n \"\$(openstack server show acc-g1 -f value -c OS-EXT-SRV-ATTR:host)\" ]"
check "server create --hint group= (second anti-affinity member)" openstack server create acc-g2 --image acc-disk --flavor m1.tiny --nic none --hint group="$ANTI"
check "the second member goes to ERROR: no valid host" bash -c "[ \"$(settled acc-g2)\" = ERROR ] && [ \"$(fault_of acc-g2)\" = 'No valid host was found. There are not enough hosts available.' ]"
G1=$(openstack server show acc-g1 -f value -c id)
G2=$(openstack server show acc-g2 -f value -c id)
check "the group lists both members" bash -c "openstack server group show acc-anti -f json | grep -q $G1 && openstack server group show acc-anti -f json | grep -q $G2"
check "server delete takes the server out of its group" bash -c "openstack server delete --wait acc-g1 && ! openstack server group show acc-anti -f json | grep -q $G1"
check "server group create --policy soft-anti-affinity" openstack server group create --policy soft-anti-affinity acc-soft
SOFT=$(openstack server group show acc-soft -f value -c id)
check "soft-anti-affinity: two members are both placed on the host" bash -c "
    openstack server create acc-s1 --image acc-disk --flavor m1.tiny --nic none --hint group=$SOFT >/dev/null &&
    openstack server create acc-s2 --image acc-disk --flavor m1.tiny --nic none --hint group=$SOFT >/dev/null"
settled acc-s1 >/dev/null; settled acc-s2 >/dev/null
check "the second soft-anti-affinity member got the host" bash -c "[ -n \"$(host_of acc-s2)\" ] && ! echo \"$(fault_of acc-s2)\" | grep -q 'No valid host'"
refuse "a group hint naming no group is refused with 400" "HTTP 400" openstack server create acc-g3 --image acc-disk --flavor m1.tiny --nic none --hint group=8d1c5f4e-0000-4000-8000-000000000000
check "server group delete" bash -c "openstack server delete --wait acc-g2 acc-s1 acc-s2 && openstack server group delete acc-anti acc-soft &&
    [ -z \"\$(openstack server group list -f value -c Name)\" ]"

openstack project create other >/dev/null
openstack user create bob --project other --password bob-pass >/dev/null
openstack role add --project other --user bob member
as_bob() { env OS_USERNAME=bob OS_PASSWORD=bob-pass OS_PROJECT_NAME=other "$@"; }
check "quota set --instances 1 for a project" openstack quota set --instances 1 other
check "the project's first server is accepted" as_bob openstack server create bob-1 --image acc-disk --flavor m1.tiny --nic none
refuse "a server over the instance quota is refused with 403" "HTTP 403" as_bob openstack server create bob-2 --image acc-disk --flavor m1.tiny --nic none
VM_ID=$(openstack server show acc-vm -f value -c id)
refuse "another project's server is not found" "No server" as_bob openstack server show "$VM_ID"
BOB_TOKEN=$(as_bob openstack token issue -f value -c id)
check "another project's server is 404 on the API" test "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $BOB_TOKEN" "$CB_URL/compute/v2.1/servers/$VM_ID")" = 404

check "server delete --wait" openstack server delete --wait acc-vm
as_bob openstack server delete --wait bob-1 >/dev/null 2>&1
check "deleted server is gone" bash -c "! openstack server list -f value -c Name | grep -qx acc-vm"
finish
