#!/usr/bin/env bash
# Slow, opt-in end-to-end check that a real Debian cloud guest accepts what CloudBox gives it:
# builds the Debian image (packaging/guest/build-debian-image.sh), registers it with openstackclient,
# creates a server with --config-drive, --user-data and a key pair, then boots that server's own root
# disk and config drive in QEMU under software emulation (TCG), because on this kind of host the
# Debian kernel crawls under KVM. Passes when cloud-init reads CloudBox's config drive: the host name,
# the key and the user data all take effect.
#   CLOUDBOX_BIN=.build/cloudbox/cloudbox tests/guest/debian-cloud-init.sh      (root; ~10 minutes)
# Needs: debootstrap e2fsprogs qemu-system-x86 python3-openstackclient (and network access to the
# Debian mirror for the first image build).
set -u
. "$(dirname "$0")/../acceptance/lib.sh"
export OS_COMPUTE_API_VERSION=2.37   # --nic none needs 2.37

image_dir=$("$REPO_ROOT/packaging/guest/build-debian-image.sh") || { echo "the Debian image did not build"; exit 1; }
CLOUDBOX_NETWORK_DATA_PLANE=off start_cloudbox
work=$(mktemp -d)
trap 'pkill -f "cloudbox-guest-check-$$" 2>/dev/null; rm -rf "$work"; stop_cloudbox' EXIT

kernel=$(openstack image create -f value -c id --disk-format aki --container-format aki --file "$image_dir/vmlinuz" debian-kernel)
initrd=$(openstack image create -f value -c id --disk-format ari --container-format ari --file "$image_dir/initrd.img" debian-initrd)
check "the Debian root disk registers as an image with kernel_id, ramdisk_id and os_command_line" \
    openstack image create --disk-format raw --container-format bare --file "$image_dir/debian-bookworm.raw" \
    --property kernel_id="$kernel" --property ramdisk_id="$initrd" --property os_command_line="$(cat "$image_dir/cmdline")" debian-12
ssh-keygen -q -t ed25519 -N '' -C guest-check -f "$work/key"
openstack keypair create --public-key "$work/key.pub" guest-key >/dev/null
printf '#cloud-config\nruncmd:\n  - [ sh, -c, "echo CLOUDBOX-USERDATA-RAN $(hostname) > /dev/ttyS0" ]\n' > "$work/user-data"
openstack flavor create guest.small --ram 1024 --disk 4 --vcpus 1 >/dev/null
check "server create --config-drive true --user-data --key-name" openstack server create debian-vm --image debian-12 \
    --flavor guest.small --nic none --config-drive true --user-data "$work/user-data" --key-name guest-key --wait
server=$(openstack server show debian-vm -f value -c id)
instance="$CB_DATA/compute/instances/$server"
check "server stop" openstack server stop debian-vm
for _ in $(seq 1 120); do [ "$(openstack server show debian-vm -f value -c status)" = SHUTOFF ] && break; sleep 2; done

# The server's own files: its copy-on-write root disk and the config drive CloudBox wrote for it.
timeout 900 qemu-system-x86_64 -name "cloudbox-guest-check-$$" -machine q35,accel=tcg -cpu max -m 1024 -smp 1 \
    -nographic -no-reboot -kernel "$instance/kernel" -initrd "$instance/initrd" -append "$(cat "$image_dir/cmdline")" \
    -drive "file=$instance/disk.raw,if=virtio,format=raw,snapshot=on" \
    -drive "file=$instance/config-2.iso,if=virtio,format=raw,readonly=on" -nic none >"$work/console.log" 2>&1 &
for _ in $(seq 1 450); do grep -aqs "Cloud-init .* finished" "$work/console.log" && break; sleep 2; done
pkill -f "cloudbox-guest-check-$$"

check "cloud-init found CloudBox's config drive" grep -aq "Datasource DataSourceConfigDrive" "$work/console.log"
check "the guest took the server's name as its host name" grep -aq "CLOUDBOX-USERDATA-RAN debian-vm" "$work/console.log"
check "the key pair was installed for the default user" grep -aq "guest-check" "$work/console.log"
[ "$ACCEPTANCE_FAILED" -eq 0 ] || tail -n 40 "$work/console.log"
finish
