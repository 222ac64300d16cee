#!/bin/sh
# Builds a Debian bookworm cloud guest for CloudBox from Debian's packages only (debootstrap): a raw
# ext4 root disk with cloud-init, openssh-server and the linux-image-cloud-amd64 kernel, plus that
# kernel and its initrd as separate files to register as aki/ari images (CloudBox boots the kernel
# directly; the disk needs no boot loader).
# Output (cached, rebuilt when the script or the package list changes), in the directory printed last:
#   debian-bookworm.raw  vmlinuz  initrd.img  cmdline
# Usage: packaging/guest/build-debian-image.sh [size, default 3G]      (root; needs debootstrap e2fsprogs)
# Mirror: $CLOUDBOX_DEBIAN_MIRROR, else the first deb.debian.org-style URI of this host's apt sources.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
size=${1:-3G}
suite=bookworm
cache=${CLOUDBOX_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudbox/guest}/debian
mirror=${CLOUDBOX_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
# cloud-init's datasources need ifupdown-style networking (its Debian renderer) and a DHCP client;
# qemu-guest-agent is left out: CloudBox's VMM has no guest-agent channel.
# debootstrap lays down a bootable base; the rest comes through apt inside it, which orders the
# configuration of Python packages (cloud-init's) correctly where debootstrap's --include does not.
base=systemd-sysv,udev,dbus,e2fsprogs,ca-certificates
packages="linux-image-cloud-amd64 initramfs-tools cloud-init cloud-guest-utils openssh-server ifupdown isc-dhcp-client sudo less nano"

[ "$(id -u)" = 0 ] || { echo "build-debian-image: run as root (debootstrap and the loop mount need it)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-debian-image: apt-get install debootstrap" >&2; exit 1; }
command -v mkfs.ext4 >/dev/null || { echo "build-debian-image: apt-get install e2fsprogs" >&2; exit 1; }

mkdir -p "$cache"
stamp=$( (echo "$suite $size $base $packages"; sha256sum < "$0") | sha256sum | cut -c1-16)
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp" ] && [ -f "$cache/debian-$suite.raw" ]; then
    echo "$cache"
    exit 0
fi

work=$(mktemp -d "$cache/build-XXXXXX")
mnt=$work/root
cleanup() {
    for fs in dev/pts dev proc sys; do mountpoint -q "$mnt/$fs" 2>/dev/null && umount "$mnt/$fs"; done
    mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The root file system is the whole disk (no partition table): the kernel mounts /dev/vda directly.
truncate -s "$size" "$work/disk.raw"
mkfs.ext4 -q -L cloudimg-rootfs -E lazy_itable_init=0 "$work/disk.raw"
mkdir -p "$mnt"
mount -o loop "$work/disk.raw" "$mnt"

echo "build-debian-image: debootstrap $suite from $mirror (a few minutes)" >&2
debootstrap --variant=minbase --include="$base" "$suite" "$mnt" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
for fs in proc sys dev dev/pts; do mount --bind "/$fs" "$mnt/$fs"; done
# No service may start inside the build chroot.
printf '#!/bin/sh\nexit 101\n' > "$mnt/usr/sbin/policy-rc.d"
chmod 755 "$mnt/usr/sbin/policy-rc.d"
chroot "$mnt" apt-get update -q >"$work/apt.log" 2>&1 &&
    chroot "$mnt" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages >>"$work/apt.log" 2>&1 \
    || { tail -n 30 "$work/apt.log" >&2; exit 1; }
rm -f "$mnt/usr/sbin/policy-rc.d"

cat > "$mnt/etc/fstab" <<'EOF'
LABEL=cloudimg-rootfs / ext4 defaults,discard,errors=remount-ro 0 1
EOF
echo "debian" > "$mnt/etc/hostname"
cat > "$mnt/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
EOF
# Networking is cloud-init's: it writes /etc/network/interfaces.d from network_data.json or DHCP.
cat > "$mnt/etc/network/interfaces" <<'EOF'
source /etc/network/interfaces.d/*
auto lo
iface lo inet loopback
EOF
# Where to look for metadata, in CloudBox's order: the config drive, then 169.254.169.254.
cat > "$mnt/etc/cloud/cloud.cfg.d/90-cloudbox.cfg" <<'EOF'
datasource_list: [ ConfigDrive, OpenStack, None ]
datasource:
  OpenStack:
    max_wait: 30
    timeout: 5
EOF
# The console is the VMM's serial port; no password logins, keys come from metadata.
mkdir -p "$mnt/etc/systemd/system/getty.target.wants"
ln -sf /lib/systemd/system/serial-getty@.service "$mnt/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
sed -i 's/^#\?PasswordAuthentication.*/PasswordAuthentication no/' "$mnt/etc/ssh/sshd_config"
rm -f "$mnt"/etc/ssh/ssh_host_*   # each instance makes its own (cloud-init's ssh module)
# ...and makes them itself when cloud-init found no datasource and stayed off.
mkdir -p "$mnt/etc/systemd/system/ssh.service.d"
cat > "$mnt/etc/systemd/system/ssh.service.d/cloudbox-host-keys.conf" <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
EOF
: > "$mnt/etc/machine-id"         # each instance gets its own on first boot
# The initrd must find a virtio disk on its own: list the modules rather than trusting host detection.
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >> "$mnt/etc/initramfs-tools/modules"
chroot "$mnt" update-initramfs -u -k all >"$work/initramfs.log" 2>&1 || { tail -n 20 "$work/initramfs.log" >&2; exit 1; }
chroot "$mnt" apt-get clean
for fs in dev/pts dev proc sys; do umount "$mnt/$fs"; done

kernel=$(ls "$mnt"/boot/vmlinuz-* | sort -V | tail -n 1)
release=${kernel##*/vmlinuz-}
cp "$kernel" "$work/vmlinuz"
cp "$mnt/boot/initrd.img-$release" "$work/initrd.img"
umount "$mnt"
e2fsck -fy "$work/disk.raw" >/dev/null 2>&1 || true

echo "console=ttyS0 root=LABEL=cloudimg-rootfs rw" > "$work/cmdline"
mv "$work/disk.raw" "$cache/debian-$suite.raw"
mv "$work/vmlinuz" "$work/initrd.img" "$work/cmdline" "$cache/"
echo "$stamp" > "$cache/stamp"
echo "$cache"
