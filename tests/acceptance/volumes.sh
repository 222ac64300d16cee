#!/usr/bin/env bash
# Volumes (Cinder v3) with Debian's stock openstackclient.
. "$(dirname "$0")/lib.sh"
start_cloudbox

wait_status() { # name wanted
    local i
    for i in $(seq 1 100); do
        [ "$(openstack volume show "$1" -f value -c status 2>/dev/null)" = "$2" ] && return 0
        sleep 0.2
    done
    openstack volume show "$1" -f value -c status
    return 1
}
wait_snapshot() {
    local i
    for i in $(seq 1 100); do
        [ "$(openstack volume snapshot show "$1" -f value -c status 2>/dev/null)" = "$2" ] && return 0
        sleep 0.2
    done
    return 1
}

check "volume create --size" openstack volume create --size 1 vol-a
check "the volume becomes available" wait_status vol-a available
check "volume list shows it" bash -c "openstack volume list -f value -c Name | grep -qx vol-a"
check "volume show has size 1" bash -c "[ \"\$(openstack volume show vol-a -f value -c size)\" = 1 ]"
check "volume set --name --property --description" openstack volume set vol-a --name vol-b --property tier=gold --description "moved"
check "volume show reflects set" bash -c "openstack volume show vol-b -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"properties\"][\"tier\"]==\"gold\" and d[\"description\"]==\"moved\" else 1)'"
check "volume set --size extends" openstack volume set vol-b --size 2
check "the extended volume is 2 GiB" bash -c "$(declare -f wait_status); wait_status vol-b available && [ \"\$(openstack volume show vol-b -f value -c size)\" = 2 ]"
refuse "shrinking is refused" "must be greater" openstack volume set vol-b --size 1

check "volume snapshot create" openstack volume snapshot create --volume vol-b snap-1
check "the snapshot becomes available" wait_snapshot snap-1 available
refuse "a volume with snapshots cannot be deleted" "400" openstack volume delete vol-b
check "volume create --snapshot" openstack volume create --snapshot snap-1 vol-from-snap
check "the volume from the snapshot is available with its size" bash -c "$(declare -f wait_status); wait_status vol-from-snap available && [ \"\$(openstack volume show vol-from-snap -f value -c size)\" = 2 ]"
check "volume create --source" openstack volume create --source vol-b --size 3 vol-clone
check "the clone is available" wait_status vol-clone available

work=$(mktemp -d)
head -c 1048576 /dev/urandom >"$work/disk.raw"
openstack image create vol-image --file "$work/disk.raw" --disk-format raw --container-format bare >/dev/null
qemu-img create -q -f qcow2 "$work/disk.qcow2" 1G
openstack image create vol-qcow --file "$work/disk.qcow2" --disk-format qcow2 --container-format bare >/dev/null
check "volume create --image (raw)" openstack volume create --image vol-image --size 1 vol-from-image
check "the image volume is available and bootable" bash -c "$(declare -f wait_status); wait_status vol-from-image available && [ \"\$(openstack volume show vol-from-image -f value -c bootable)\" = true ]"
check "volume create --image (qcow2, converted)" openstack volume create --image vol-qcow --size 1 vol-from-qcow
check "the converted volume is available" wait_status vol-from-qcow available
rm -rf "$work"

check "volume type create" openstack volume type create --property volume_backend_name=local fast
check "volume type list shows it" bash -c "openstack volume type list -f value -c Name | grep -qx fast"
check "volume create --type" openstack volume create --size 1 --type fast vol-fast
check "the typed volume reports its type" bash -c "$(declare -f wait_status); wait_status vol-fast available && [ \"\$(openstack volume show vol-fast -f value -c type)\" = fast ]"

refuse "a size beyond the quota is refused" "413" openstack volume create --size 5000 vol-huge
TOKEN=$(openstack token issue -f value -c id)
PROJECT=$(openstack token issue -f value -c project_id)
check "the quota set counts what the project uses" bash -c "curl -fs -H 'X-Auth-Token: $TOKEN' '$CB_URL/volume/v3/$PROJECT/os-quota-sets/$PROJECT?usage=true' |
    python3 -c 'import json,sys; q=json.load(sys.stdin)[\"quota_set\"]; sys.exit(0 if q[\"volumes\"][\"in_use\"]==6 and q[\"gigabytes\"][\"limit\"]==1000 else 1)'"

check "volume snapshot delete" openstack volume snapshot delete snap-1
check "the snapshot is gone" bash -c "for i in \$(seq 1 50); do openstack volume snapshot show snap-1 >/dev/null 2>&1 || exit 0; sleep 0.2; done; exit 1"
check "volume delete" openstack volume delete vol-b vol-from-snap vol-clone vol-from-image vol-from-qcow vol-fast
check "deleted volumes are gone" bash -c "for i in \$(seq 1 50); do [ -z \"\$(openstack volume list -f value -c Name)\" ] && exit 0; sleep 0.2; done; exit 1"
check "their files are gone" bash -c "[ -z \"\$(ls $CB_DATA/volumes/volumes)\" ]"
finish
