#!/usr/bin/env bash
# Images (Glance v2) with Debian's stock openstackclient.
. "$(dirname "$0")/lib.sh"
start_cloudbox

work=$(mktemp -d)
trap 'rm -rf "$work"; stop_cloudbox' EXIT
head -c 3145728 /dev/urandom >"$work/disk.raw"
qemu-img create -q -f qcow2 "$work/disk.qcow2" 1G
head -c 1048576 /dev/urandom >"$work/vmlinuz"
head -c 524288 /dev/urandom >"$work/initrd"

check "image create --file (raw)" openstack image create raw-img --file "$work/disk.raw" --disk-format raw --container-format bare
check "raw image is active with size and checksum" bash -c "
    [ \"\$(openstack image show raw-img -f value -c status)\" = active ] &&
    [ \"\$(openstack image show raw-img -f value -c size)\" = 3145728 ] &&
    [ \"\$(openstack image show raw-img -f value -c checksum)\" = \"$(md5sum <"$work/disk.raw" | cut -d' ' -f1)\" ]"
check "image create --file (qcow2)" openstack image create qcow-img --file "$work/disk.qcow2" --disk-format qcow2 --container-format bare
check "qcow2 virtual_size is read from the header" bash -c \
    "openstack image show qcow-img -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"virtual_size\"]==1073741824 else 1)'"
check "image create aki" openstack image create kernel-img --file "$work/vmlinuz" --disk-format aki --container-format aki
check "image create ari" openstack image create ramdisk-img --file "$work/initrd" --disk-format ari --container-format ari
KERNEL=$(openstack image show kernel-img -f value -c id)
RAMDISK=$(openstack image show ramdisk-img -f value -c id)
check "image create ami with kernel_id/ramdisk_id/os_command_line" openstack image create ami-img --file "$work/disk.raw" \
    --disk-format ami --container-format ami --property kernel_id="$KERNEL" --property ramdisk_id="$RAMDISK" \
    --property os_command_line="console=ttyS0"
check "properties are kept" bash -c "openstack image show ami-img -f value -c properties | grep -q $KERNEL"
check "image list shows them" bash -c "[ \$(openstack image list -f value -c Name | grep -c -- -img) -eq 5 ]"
check "image save returns the same bytes" bash -c "openstack image save raw-img --file $work/saved && cmp $work/disk.raw $work/saved"
check "image set --name --property --tag" openstack image set raw-img --name raw-renamed --property hw_disk_bus=virtio --tag gold
check "image show reflects set" bash -c "openstack image show raw-renamed -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); p=d[\"properties\"]; sys.exit(0 if p[\"hw_disk_bus\"]==\"virtio\" and \"gold\" in d[\"tags\"] else 1)'"
check "image set --protected" openstack image set raw-renamed --protected
refuse "a protected image cannot be deleted" "403" openstack image delete raw-renamed
check "image set --unprotected" openstack image set raw-renamed --unprotected
check "image set --public by admin" openstack image set qcow-img --public
check "image list --public" bash -c "openstack image list --public -f value -c Name | grep -qx qcow-img"

refuse "a qcow2 uploaded as raw is refused" "qcow2" openstack image create disguised --file "$work/disk.qcow2" --disk-format raw --container-format bare

# A member of another project: sees public images, not the admin project's private ones.
openstack project create other >/dev/null
openstack user create bob --project other --password bob-pass >/dev/null
openstack role add --project other --user bob member
as_bob() { env OS_USERNAME=bob OS_PASSWORD=bob-pass OS_PROJECT_NAME=other "$@"; }
check "another project sees the public image" bash -c "$(declare -f as_bob); as_bob openstack image list -f value -c Name | grep -qx qcow-img"
check "another project does not see private images" bash -c "$(declare -f as_bob); ! as_bob openstack image list -f value -c Name | grep -qx ami-img"
refuse "another project's private image is not found" "No Image found" as_bob openstack image show ami-img
refuse "a member cannot publish an image" "403" as_bob openstack image create pub --public --disk-format raw --container-format bare

check "image delete" openstack image delete raw-renamed ami-img
check "deleted images are gone" bash -c "! openstack image list -f value -c Name | grep -qx raw-renamed"
finish
