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

# os-volume_upload_image: a volume becomes an image (raw by default, qcow2 converted by qemu-img).
check "image create --volume (raw)" openstack image create --volume vol-from-image vol-uploaded
check "the uploaded image is active, raw, with the volume's size" bash -c "[ \"\$(openstack image show vol-uploaded -f value -c status)\" = active ] &&
    [ \"\$(openstack image show vol-uploaded -f value -c disk_format)\" = raw ] && [ \"\$(openstack image show vol-uploaded -f value -c size)\" = 1073741824 ]"
check "the uploaded image holds the volume's data" bash -c "openstack image save --file $CB_DATA/uploaded.raw vol-uploaded &&
    cmp $CB_DATA/uploaded.raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-from-image -f value -c id).raw && rm -f $CB_DATA/uploaded.raw"
check "the volume is available again after the upload" wait_status vol-from-image available
check "image create --volume --disk-format qcow2" openstack image create --volume vol-from-image --disk-format qcow2 vol-uploaded-qcow
check "the qcow2 image is active and qcow2" bash -c "[ \"\$(openstack image show vol-uploaded-qcow -f value -c disk_format)\" = qcow2 ] &&
    [ \"\$(openstack image show vol-uploaded-qcow -f value -c status)\" = active ]"
refuse "a disk format other than raw or qcow2 is refused" "raw or qcow2" openstack image create --volume vol-from-image --disk-format vmdk vol-uploaded-vmdk
openstack image delete vol-uploaded vol-uploaded-qcow >/dev/null 2>&1

# Volume image metadata: recorded from the image, then set and unset by the owner.
image_meta() { openstack volume show vol-from-image -f json | python3 -c "import json,sys; print(json.load(sys.stdin).get('volume_image_metadata', {}).get('$1', ''))"; }
check "a volume from an image records the image's metadata" bash -c "$(declare -f image_meta); [ \"\$(image_meta image_name)\" = vol-image ]"
check "volume set --image-property" openstack volume set --image-property hw_disk_bus=scsi vol-from-image
check "the image property shows in volume_image_metadata" bash -c "$(declare -f image_meta); [ \"\$(image_meta hw_disk_bus)\" = scsi ]"
check "volume unset --image-property" openstack volume unset --image-property hw_disk_bus vol-from-image
check "the image property is gone" bash -c "$(declare -f image_meta); [ -z \"\$(image_meta hw_disk_bus)\" ] && [ \"\$(image_meta image_name)\" = vol-image ]"
refuse "unsetting a key the volume does not have is refused" "404" openstack volume unset --image-property no_such_key vol-from-image

check "volume type create" openstack volume type create --property volume_backend_name=local fast
check "volume type list shows it" bash -c "openstack volume type list -f value -c Name | grep -qx fast"
check "volume create --type" openstack volume create --size 1 --type fast vol-fast
check "the typed volume reports its type" bash -c "$(declare -f wait_status); wait_status vol-fast available && [ \"\$(openstack volume show vol-fast -f value -c type)\" = fast ]"

refuse "a size beyond the quota is refused" "413" openstack volume create --size 5000 vol-huge
TOKEN=$(openstack token issue -f value -c id)
PROJECT=$(openstack token issue -f value -c project_id)
check "the quota set counts what the project uses" bash -c "curl -fs -H 'X-Auth-Token: $TOKEN' '$CB_URL/volume/v3/$PROJECT/os-quota-sets/$PROJECT?usage=true' |
    python3 -c 'import json,sys; q=json.load(sys.stdin)[\"quota_set\"]; sys.exit(0 if q[\"volumes\"][\"in_use\"]==6 and q[\"gigabytes\"][\"limit\"]==1000 else 1)'"

wait_backup() {
    local i
    for i in $(seq 1 100); do
        [ "$(openstack volume backup show "$1" -f value -c status 2>/dev/null)" = "$2" ] && return 0
        sleep 0.2
    done
    return 1
}
head -c 65536 /dev/urandom | dd of="$CB_DATA/volumes/volumes/$(openstack volume show vol-b -f value -c id).raw" bs=65536 seek=16384 conv=notrunc status=none
check "volume backup create" openstack volume backup create --name bk-1 vol-b
check "the backup becomes available" wait_backup bk-1 available
check "volume backup list shows it" bash -c "openstack volume backup list -f value -c Name | grep -qx bk-1"
# openstackclient 6.0 sends the restore and then fails to print the answer ("cannot unpack non-iterable
# VolumeBackupsRestore object"); the restore itself is checked by the two checks after this one.
check "volume backup restore into a new volume" bash -c "out=\$(openstack volume backup restore bk-1 vol-restored 2>&1) || echo \"\$out\" | grep -q 'non-iterable VolumeBackupsRestore'"
check "the restored volume is available with the backup's size" bash -c "$(declare -f wait_status); wait_status vol-restored available && [ \"\$(openstack volume show vol-restored -f value -c size)\" = 2 ]"
check "the restored volume holds the backed-up data" bash -c "cmp $CB_DATA/volumes/volumes/\$(openstack volume show vol-b -f value -c id).raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-restored -f value -c id).raw"
# With the object store running, backups are chunked objects in the owner's account, as Cinder's Swift driver keeps them.
check "the backup is in the object store (swift list volumebackups)" bash -c "swift list volumebackups | grep -q '_backup_$(openstack volume backup show bk-1 -f value -c id)_metadata\$'"
check "the backup reports its container" bash -c "[ \"\$(openstack volume backup show bk-1 -f value -c container)\" = volumebackups ]"
head -c 65536 /dev/urandom | dd of="$CB_DATA/volumes/volumes/$(openstack volume show vol-b -f value -c id).raw" bs=65536 seek=100 conv=notrunc status=none
check "volume backup create --incremental" openstack volume backup create --incremental --name bk-2 vol-b
check "the incremental backup becomes available" wait_backup bk-2 available
check "it is incremental and its base has a dependent" bash -c "[ \"\$(openstack volume backup show bk-2 -f value -c is_incremental)\" = True ] &&
    [ \"\$(openstack volume backup show bk-1 -f value -c has_dependent_backups)\" = True ]"
check "it stored only the changed chunk" bash -c "[ \"\$(openstack volume backup show bk-2 -f value -c object_count)\" = 1 ]"
refuse "a backup with incremental backups cannot be deleted" "400" openstack volume backup delete bk-1
check "the incremental backup restores the whole volume" bash -c "
    out=\$(openstack volume backup restore bk-2 vol-restored-2 2>&1) || echo \"\$out\" | grep -q 'non-iterable VolumeBackupsRestore'
    $(declare -f wait_status); wait_status vol-restored-2 available &&
    cmp $CB_DATA/volumes/volumes/\$(openstack volume show vol-b -f value -c id).raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-restored-2 -f value -c id).raw"
check "quota set --backups" openstack quota set --backups 2 --backup-gigabytes 100 admin
refuse "a backup beyond the backups quota is refused" "413" openstack volume backup create vol-b
check "the backup quota counts both backups" bash -c "curl -fs -H 'X-Auth-Token: $TOKEN' '$CB_URL/volume/v3/$PROJECT/os-quota-sets/$PROJECT?usage=true' |
    python3 -c 'import json,sys; q=json.load(sys.stdin)[\"quota_set\"]; sys.exit(0 if q[\"backups\"][\"in_use\"]==2 and q[\"backups\"][\"limit\"]==2 else 1)'"
openstack quota set --backups 10 --backup-gigabytes 1000 --volumes 30 --snapshots 30 admin
# A backup of a snapshot holds the snapshot's data, whatever the live volume holds now.
head -c 65536 /dev/urandom | dd of="$CB_DATA/volumes/volumes/$(openstack volume show vol-b -f value -c id).raw" bs=65536 seek=200 conv=notrunc status=none
check "volume backup create --snapshot" openstack volume backup create --snapshot snap-1 --name bk-snap vol-b
check "the snapshot's backup becomes available and names the snapshot" bash -c "$(declare -f wait_backup); wait_backup bk-snap available &&
    [ \"\$(openstack volume backup show bk-snap -f value -c snapshot_id)\" = \"\$(openstack volume snapshot show snap-1 -f value -c id)\" ]"
check "the snapshot is available again" wait_snapshot snap-1 available
check "the snapshot's backup restores the snapshot's data, not the live volume's" bash -c "
    out=\$(openstack volume backup restore bk-snap vol-restored-snap 2>&1) || echo \"\$out\" | grep -q 'non-iterable VolumeBackupsRestore'
    $(declare -f wait_status); wait_status vol-restored-snap available &&
    cmp $CB_DATA/volumes/snapshots/\$(openstack volume snapshot show snap-1 -f value -c id).raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-restored-snap -f value -c id).raw &&
    ! cmp -s $CB_DATA/volumes/volumes/\$(openstack volume show vol-b -f value -c id).raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-restored-snap -f value -c id).raw"
# 3.47: a new volume from a backup (openstackclient 6.0 has no option for it; the cinder client has).
check "cinder create --backup-id (3.47)" cinder --os-volume-api-version 3.47 create --backup-id "$(openstack volume backup show bk-1 -f value -c id)" --name vol-from-backup 3
check "the volume from the backup is available, 3 GiB, with the backup's data" bash -c "$(declare -f wait_status); wait_status vol-from-backup available &&
    [ \"\$(openstack volume show vol-from-backup -f value -c size)\" = 3 ] &&
    cmp -n 2147483648 $CB_DATA/volumes/volumes/\$(openstack volume show vol-restored -f value -c id).raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-from-backup -f value -c id).raw"
check "cinder list --with-count (3.45) counts the volumes" bash -c "cinder --os-volume-api-version 3.45 list --with-count | grep -q \"in total: \$(openstack volume list -f value -c ID | wc -l)\""
check "volume backup delete (the incremental one, then its base)" bash -c "openstack volume backup delete bk-2 bk-snap &&
    for i in \$(seq 1 50); do openstack volume backup show bk-2 >/dev/null 2>&1 || break; sleep 0.2; done && openstack volume backup delete bk-1"
gone "the backup is gone" openstack volume backup show bk-1
check "its objects are gone" bash -c "! swift list volumebackups | grep -q _backup_"

# --- volume transfers to another project ------------------------------------------------------
openstack project create xfer-project >/dev/null
openstack user create --password xfer-pw xfer-user >/dev/null
openstack role add --project xfer-project --user xfer-user member
as_recipient() { OS_USERNAME=xfer-user OS_PASSWORD=xfer-pw OS_PROJECT_NAME=xfer-project "$@"; }
check "volume create (to give away)" openstack volume create --size 1 vol-gift
check "the volume to give away is available" wait_status vol-gift available
check "volume transfer request create" bash -c "openstack volume transfer request create --name gift vol-gift -f json >$CB_DATA/transfer.json"
XFER_ID=$(python3 -c "import json; print(json.load(open('$CB_DATA/transfer.json'))['id'])" 2>/dev/null)
XFER_KEY=$(python3 -c "import json; print(json.load(open('$CB_DATA/transfer.json'))['auth_key'])" 2>/dev/null)
check "the volume awaits the transfer" bash -c "[ \"\$(openstack volume show vol-gift -f value -c status)\" = awaiting-transfer ]"
check "volume transfer request list shows it" bash -c "openstack volume transfer request list -f value -c Name | grep -qx gift"
check "volume transfer request show" bash -c "[ \"\$(openstack volume transfer request show gift -f value -c volume_id)\" = \"\$(openstack volume show vol-gift -f value -c id)\" ]"
refuse "accepting with a wrong key is refused" "400" as_recipient openstack volume transfer request accept --auth-key wrong-key "$XFER_ID"
check "volume transfer request accept (by the other project)" as_recipient openstack volume transfer request accept --auth-key "$XFER_KEY" "$XFER_ID"
check "the volume is now the other project's" bash -c "$(declare -f as_recipient); [ \"\$(as_recipient openstack volume show vol-gift -f value -c status)\" = available ] &&
    [ \"\$(openstack volume show vol-gift -f value -c os-vol-tenant-attr:tenant_id)\" = \"\$(openstack project show xfer-project -f value -c id)\" ]"
check "volume delete (by its new owner)" as_recipient openstack volume delete vol-gift
check "volume create (offered, then taken back)" openstack volume create --size 1 vol-kept
check "the volume to keep is available" wait_status vol-kept available
check "volume transfer request delete gives the volume back" bash -c "openstack volume transfer request create --name keep vol-kept >/dev/null &&
    openstack volume transfer request delete keep && [ \"\$(openstack volume show vol-kept -f value -c status)\" = available ]"

# --- retype and the admin actions -------------------------------------------------------------
check "volume create (to retype)" openstack volume create --size 1 vol-retype
check "the volume to retype is available" wait_status vol-retype available
check "volume set --type retypes the volume" openstack volume set --type fast --retype-policy on-demand vol-retype
check "the volume reports its new type and is available" bash -c "[ \"\$(openstack volume show vol-retype -f value -c type)\" = fast ] &&
    [ \"\$(openstack volume show vol-retype -f value -c status)\" = available ]"
refuse "retyping to the same type is refused" "different" openstack volume set --type fast vol-retype
# Revert to snapshot (3.40): openstackclient 6.0 has no command for it; the cinder client has.
head -c 65536 /dev/urandom | dd of="$CB_DATA/volumes/volumes/$(openstack volume show vol-retype -f value -c id).raw" bs=65536 seek=10 conv=notrunc status=none
check "volume snapshot create (to revert to)" openstack volume snapshot create --volume vol-retype snap-revert
check "the snapshot to revert to is available" wait_snapshot snap-revert available
head -c 65536 /dev/urandom | dd of="$CB_DATA/volumes/volumes/$(openstack volume show vol-retype -f value -c id).raw" bs=65536 seek=10 conv=notrunc status=none
check "cinder revert-to-snapshot" cinder --os-volume-api-version 3.40 revert-to-snapshot snap-revert
check "the reverted volume is available and holds the snapshot's data" bash -c "$(declare -f wait_status); wait_status vol-retype available &&
    cmp $CB_DATA/volumes/snapshots/\$(openstack volume snapshot show snap-revert -f value -c id).raw $CB_DATA/volumes/volumes/\$(openstack volume show vol-retype -f value -c id).raw"
check "reverting below microversion 3.40 answers 404" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Auth-Token: $TOKEN' -H 'OpenStack-API-Version: volume 3.39' \
    -H 'Content-Type: application/json' -d '{\"revert\": {\"snapshot_id\": \"'\$(openstack volume snapshot show snap-revert -f value -c id)'\"}}' \
    '$CB_URL/volume/v3/$PROJECT/volumes/'\$(openstack volume show vol-retype -f value -c id)'/action')\" = 404 ]"
check "volume snapshot delete (the one reverted to)" bash -c "openstack volume snapshot delete snap-revert &&
    for i in \$(seq 1 50); do openstack volume snapshot show snap-revert >/dev/null 2>&1 || exit 0; sleep 0.2; done; exit 1"
check "volume snapshot create (for the admin actions)" openstack volume snapshot create --volume vol-retype snap-admin
check "the snapshot for the admin actions is available" wait_snapshot snap-admin available
check "volume snapshot set --state error (admin)" openstack volume snapshot set --state error snap-admin
check "the snapshot is in error" bash -c "[ \"\$(openstack volume snapshot show snap-admin -f value -c status)\" = error ]"
check "volume snapshot set --state error_deleting (admin)" openstack volume snapshot set --state error_deleting snap-admin
check "volume snapshot delete --force" openstack volume snapshot delete --force snap-admin
gone "the force-deleted snapshot is gone" openstack volume snapshot show snap-admin
check "volume backup create (for the admin actions)" openstack volume backup create --name bk-admin vol-retype
check "the backup for the admin actions is available" wait_backup bk-admin available
check "volume backup set --state error (admin)" openstack volume backup set --state error bk-admin
check "the backup is in error" bash -c "[ \"\$(openstack volume backup show bk-admin -f value -c status)\" = error ]"
check "volume backup delete --force" openstack volume backup delete --force bk-admin
gone "the force-deleted backup is gone" openstack volume backup show bk-admin
check "volume set --state attaching (a stuck volume)" openstack volume set --state attaching vol-retype
refuse "a plain delete of a volume stuck attaching is refused" "400" openstack volume delete vol-retype
check "volume delete --force" openstack volume delete --force vol-retype
gone "the force-deleted volume is gone" openstack volume show vol-retype
check "volume create (by a member)" as_recipient openstack volume create --size 1 vol-member
check "the member's volume is available" bash -c "$(declare -f as_recipient wait_status); as_recipient wait_status vol-member available"
refuse "a member may not force-delete (403)" "403" as_recipient openstack volume delete --force vol-member
refuse "a member may not reset a status (403)" "403" as_recipient openstack volume set --state error vol-member
check "the member deletes its volume" as_recipient openstack volume delete vol-member

# --- multiattach ------------------------------------------------------------------------------
check "volume type create --property multiattach='<is> True'" openstack volume type create --property multiattach="<is> True" multi
check "volume create --type multi makes a multiattach volume" bash -c "openstack volume create --size 1 --type multi vol-multi >/dev/null &&
    $(declare -f wait_status); wait_status vol-multi available && [ \"\$(openstack volume show vol-multi -f value -c multiattach)\" = True ]"
attach_to() { # volume-name: a v3 attachment (3.27) to a new server id, as Nova makes one per server; prints the HTTP status
    curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Auth-Token: $TOKEN" -H 'OpenStack-API-Version: volume 3.27' -H 'Content-Type: application/json' \
        -d "{\"attachment\": {\"volume_uuid\": \"$(openstack volume show "$1" -f value -c id)\", \"instance_uuid\": \"$(cat /proc/sys/kernel/random/uuid)\"}}" \
        "$CB_URL/volume/v3/$PROJECT/attachments"
}
export TOKEN PROJECT
check "a multiattach volume is attached to two servers" bash -c "$(declare -f attach_to); [ \"\$(attach_to vol-multi)\" = 200 ] && [ \"\$(attach_to vol-multi)\" = 200 ]"
check "a plain volume is attached to one server, and a second is refused (400)" bash -c "$(declare -f attach_to); [ \"\$(attach_to vol-kept)\" = 200 ] && [ \"\$(attach_to vol-kept)\" = 400 ]"
check "the attachments are let go" bash -c "curl -fs -H 'X-Auth-Token: $TOKEN' -H 'OpenStack-API-Version: volume 3.27' '$CB_URL/volume/v3/$PROJECT/attachments' |
    python3 -c 'import json,sys; [print(a[\"id\"]) for a in json.load(sys.stdin)[\"attachments\"]]' |
    while read -r id; do curl -fs -o /dev/null -X DELETE -H 'X-Auth-Token: $TOKEN' -H 'OpenStack-API-Version: volume 3.27' '$CB_URL/volume/v3/$PROJECT/attachments/'\$id || exit 1; done"
check "volume snapshot delete" openstack volume snapshot delete snap-1
gone "the snapshot is gone" openstack volume snapshot show snap-1
check "volume delete" openstack volume delete vol-b vol-from-snap vol-clone vol-from-image vol-from-qcow vol-fast vol-restored vol-restored-2 vol-restored-snap vol-from-backup vol-kept vol-multi
check "deleted volumes are gone" bash -c "for i in \$(seq 1 50); do [ -z \"\$(openstack volume list -f value -c Name)\" ] && exit 0; sleep 0.2; done; exit 1"
check "their files are gone" bash -c "[ -z \"\$(ls $CB_DATA/volumes/volumes)\" ]"

# --- volumes on servers: boot from volume, server add/remove volume -------------------------
# --nic none needs compute 2.37 (novaclient refuses it below); the cloud declares 2.37 as its maximum.
export OS_COMPUTE_API_VERSION=2.37
work=$(mktemp -d)
guest_cmdline="console=ttyS0 $(cat "$REPO_ROOT/packaging/guest/kernel-cmdline")"
guest_dir=$("$REPO_ROOT/packaging/guest/build-initramfs.sh" 2>/dev/null | tail -n 1)
if "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel && [ -n "$guest_dir" ] && [ -f "$guest_dir/vmlinux" ] && [ -e /dev/kvm ]; then
    echo "# cloudbox vmm and the test guest are here: servers boot from and attach volumes for real"
    openstack image create att-kernel --file "$guest_dir/vmlinux" --disk-format aki --container-format aki >/dev/null
    openstack image create att-ramdisk --file "$guest_dir/initramfs.cpio" --disk-format ari --container-format ari >/dev/null
    KERNEL=$(openstack image show att-kernel -f value -c id)
    RAMDISK=$(openstack image show att-ramdisk -f value -c id)
    truncate -s 1M "$work/root.raw"
    # The test guest's blk test writes GUEST-WROTE-THIS at 4 KiB of /dev/vda; the wait test stays up until powered off.
    openstack image create att-writer --file "$work/root.raw" --disk-format raw --container-format bare \
        --property kernel_id="$KERNEL" --property ramdisk_id="$RAMDISK" --property os_command_line="$guest_cmdline cloudbox.test=blk" >/dev/null
    openstack image create att-waiter --file "$work/root.raw" --disk-format raw --container-format bare \
        --property kernel_id="$KERNEL" --property ramdisk_id="$RAMDISK" --property os_command_line="$guest_cmdline cloudbox.test=wait" >/dev/null

    check "volume create --image makes a bootable volume" openstack volume create --image att-writer --size 1 att-data
    check "the bootable volume is available" wait_status att-data available
    DATA_ID=$(openstack volume show att-data -f value -c id)
    check "server create --volume boots from the volume" openstack server create att-a --volume att-data --flavor m1.tiny --nic none --wait
    check "the boot volume is in-use" bash -c "[ \"\$(openstack volume show att-data -f value -c status)\" = in-use ]"
    refuse "an attached volume cannot be deleted" "400" openstack volume delete att-data
    # The guest's own checks need its kernel to reach init, which the Debian kernel does not do on
    # KVM-on-PVM hosts (it runs in KVM's emulator there): opt in where it does, as the VMM tests do.
    guest_runs=${CLOUDBOX_DEBIAN_GUEST:-}
    if [ "$guest_runs" = 1 ]; then
        check "the guest sees the volume id as its disk serial" bash -c "for i in \$(seq 300); do openstack console log show att-a | grep -q \"CLOUDBOX-BLK-SERIAL ${DATA_ID:0:20}\" && exit 0; sleep 2; done; exit 1"
        check "the guest wrote to its volume" bash -c "for i in \$(seq 300); do openstack console log show att-a | grep -q CLOUDBOX-BLK-WRITTEN && exit 0; sleep 2; done; exit 1"
    else
        why="set CLOUDBOX_DEBIAN_GUEST=1 where the guest kernel reaches init"
        skip "the guest sees the volume id as its disk serial" "$why"
        skip "the guest wrote to its volume" "$why"
    fi
    check "server delete lets go of the volume" bash -c "openstack server delete --wait att-a && $(declare -f wait_status); wait_status att-data available"

    check "server create --image --boot-from-volume" openstack server create att-b --image att-waiter --boot-from-volume 1 --flavor m1.tiny --nic none --wait
    check "the new root volume is in-use and holds the image's metadata" bash -c "
        root=\$(openstack server show att-b -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"volumes_attached\"][0][\"id\"])') &&
        [ \"\$(openstack volume show \$root -f value -c status)\" = in-use ] && openstack volume show \$root -f json | grep -q att-waiter"
    check "server add volume (the running server)" openstack server add volume att-b att-data
    check "volume show: in-use, attached to the server" bash -c "openstack volume show att-data -f json | python3 -c '
import json,sys; d=json.load(sys.stdin); a=d[\"attachments\"]
sys.exit(0 if d[\"status\"]==\"in-use\" and len(a)==1 and a[0][\"device\"].startswith(\"/dev/vd\") else 1)'"
    check "server show lists both volumes" bash -c "openstack server show att-b -f json | python3 -c 'import json,sys; sys.exit(0 if len(json.load(sys.stdin)[\"volumes_attached\"])==2 else 1)'"
    check "the attach is an instance action" bash -c "openstack server event list att-b -f value -c Action | grep -qx attach_volume"
    refuse "attaching an in-use volume is refused" "400" openstack server add volume att-b att-data
    check "server remove volume" openstack server remove volume att-b att-data
    check "the volume is available again" wait_status att-data available
    if [ "$guest_runs" = 1 ]; then
        check "what the guest wrote is on the volume after detach and attach to another server" bash -c "
            dd if=$CB_DATA/volumes/volumes/$DATA_ID.raw bs=4096 skip=1 count=1 2>/dev/null | grep -aq GUEST-WROTE-THIS"
    fi
    check "server delete (boot volume not deleted on termination)" openstack server delete --wait att-b
    check "volume delete" bash -c "openstack volume delete att-data && openstack volume list -f value -c ID | xargs -r openstack volume delete"
else
    echo "# cloudbox vmm, /dev/kvm or the test guest is missing: only the API refusals around servers are checked"
    check "volume create" openstack volume create --size 1 att-data
    check "the volume is available" wait_status att-data available
    refuse "server create --volume with a volume that is not bootable is refused" "not bootable" \
        openstack server create att-x --volume att-data --flavor m1.tiny --nic none
    check "volume delete" openstack volume delete att-data
fi

# --- what a guest sees, through the stock client: the volume probe ------------------------------
# tests/CloudBox.Compute.Tests/Guests/volume_probe.c, a tiny PVH kernel (a Linux guest cannot run user space on
# KVM-on-PVM hosts): it prints the serial of each disk plugged into it, writes "write=TEXT" or reads ("read") its
# first sector, and releases it on eject. Built with the flags of tests/CloudBox.Compute.Tests/PvhGuest.cs.
guest_src=$REPO_ROOT/tests/CloudBox.Hypervisor.Tests/Guests
pvh=$REPO_ROOT/benchmarks/hypervisor/guest
if "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel && [ -e /dev/kvm ] && command -v gcc >/dev/null &&
    gcc -m64 -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static -O2 -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
        -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Werror -Wno-unused-function -Wl,--build-id=none -I "$guest_src" \
        -T "$pvh/bench.ld" -o "$work/probe.elf" "$pvh/pvh_start.S" "$REPO_ROOT/tests/CloudBox.Compute.Tests/Guests/volume_probe.c"; then
    text=acceptance-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
    truncate -s 1M "$work/probe-root.raw"
    openstack image create probe-kernel --file "$work/probe.elf" --disk-format aki --container-format aki >/dev/null
    PROBE=$(openstack image show probe-kernel -f value -c id)
    openstack image create probe-writer --file "$work/probe-root.raw" --disk-format raw --container-format bare \
        --property kernel_id="$PROBE" --property os_command_line="write=$text" >/dev/null
    openstack image create probe-reader --file "$work/probe-root.raw" --disk-format raw --container-format bare \
        --property kernel_id="$PROBE" --property os_command_line="read" >/dev/null
    console_has() { # server line: waits for an exact line on the server's console
        local i
        for i in $(seq 1 100); do
            openstack console log show "$1" 2>/dev/null | grep -qxF "$2" && return 0
            sleep 0.3
        done
        openstack console log show "$1"
        return 1
    }
    openstack volume create --size 1 probe-data >/dev/null
    check "a volume for the probe" wait_status probe-data available
    PROBE_SERIAL="serial $(openstack volume show probe-data -f value -c id | cut -c1-20)"
    check "server create: the probe guest runs" bash -c "openstack server create probe-a --image probe-writer --flavor m1.tiny --nic none --wait >/dev/null &&
        $(declare -f console_has); console_has probe-a ready"
    check "server add volume: the running guest gets the disk, no reboot, and sees the volume id as its serial" bash -c "
        openstack server add volume probe-a probe-data && $(declare -f console_has); console_has probe-a '$PROBE_SERIAL'"
    check "the guest wrote to the volume" console_has probe-a "wrote $text"
    check "server remove volume: the guest releases the disk and the volume is available" bash -c "openstack server remove volume probe-a probe-data &&
        $(declare -f wait_status console_has); wait_status probe-data available && console_has probe-a ejected"
    check "what the guest wrote is at the start of the volume's file" bash -c "
        [ \"\$(head -c ${#text} $CB_DATA/volumes/volumes/\$(openstack volume show probe-data -f value -c id).raw)\" = $text ]"
    check "another server the volume is then attached to reads what the first guest wrote" bash -c "
        openstack server create probe-b --image probe-reader --flavor m1.tiny --nic none --wait >/dev/null && $(declare -f console_has) &&
        console_has probe-b ready && openstack server add volume probe-b probe-data && console_has probe-b 'read $text'"
    check "the probe servers and the volume are deleted" bash -c "openstack server delete --wait probe-a probe-b &&
        $(declare -f wait_status); wait_status probe-data available && openstack volume delete probe-data"
else
    echo "# cloudbox vmm, /dev/kvm or gcc is missing: what a guest sees of its volumes is not checked"
fi
rm -rf "$work"
finish
