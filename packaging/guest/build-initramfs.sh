#!/bin/sh
# Builds the CloudBox test guest from Debian packages only: the kernel of linux-image-cloud-amd64 (bzImage and
# the vmlinux inside it) and a busybox-static initramfs holding that kernel's virtio modules and a test /init.
# Output (cached, rebuilt when an input changes): $CACHE/{vmlinuz,vmlinux,initramfs.cpio}, the directory printed last.
#   needs: busybox-static linux-image-cloud-amd64 cpio lz4 kmod python3
set -eu

here=$(cd "$(dirname "$0")" && pwd)
kernel=${CLOUDBOX_GUEST_KERNEL:-$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)}
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "build-initramfs: no readable /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)" >&2; exit 1; }
release=${kernel#/boot/vmlinuz-}
busybox=/bin/busybox
[ -x "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q static || busybox=$(command -v busybox)
cache=${CLOUDBOX_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudbox/guest}
mkdir -p "$cache"

modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_blk virtio_net virtio-rng button evdev"
# The stamp names every input: a new kernel, busybox, init or this script rebuilds.
stamp=$( (echo "$release $modules"; sha256sum "$kernel" "$busybox" "$here/init.sh" "$0") | sha256sum | cut -c1-16)
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp" ] && [ -f "$cache/initramfs.cpio" ]; then
    echo "$cache"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"

: > "$root/lib/modules/load-order"
for name in $modules; do
    file=$(modinfo -k "$release" -F filename "$name" 2>/dev/null) || { echo "build-initramfs: module $name not found for $release" >&2; exit 1; }
    base=$(basename "$file"); base=${base%.xz}; base=${base%.zst}; base=${base%.ko}
    case "$file" in
    *.ko.xz) xz -dc "$file" > "$root/lib/modules/$base.ko" ;;
    *.ko.zst) zstd -qdc "$file" > "$root/lib/modules/$base.ko" ;;
    *) cp "$file" "$root/lib/modules/$base.ko" ;;
    esac
    echo "$base" >> "$root/lib/modules/load-order"
done

# Uncompressed on purpose: where the guest kernel runs in KVM's instruction emulator (PVM hosts), inflating a gzip
# archive costs the guest minutes; copying a few MiB costs nothing.
(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) > "$work/initramfs.cpio"
cp "$kernel" "$work/vmlinuz"
# The vmlinux for PVH boot is the bzImage payload (LZ4, legacy frame, followed by a 4-byte size we drop).
python3 - "$kernel" "$work/vmlinux.lz4" <<'PY' && lz4 -dqf "$work/vmlinux.lz4" "$work/vmlinux" 2>/dev/null || rm -f "$work/vmlinux"
import sys
data = open(sys.argv[1], 'rb').read()
setup = (data[0x1f1] or 4) + 1
offset = int.from_bytes(data[0x248:0x24c], 'little') + setup * 512
length = int.from_bytes(data[0x24c:0x250], 'little')
open(sys.argv[2], 'wb').write(data[offset:offset + length - 4])
PY
mv "$work/initramfs.cpio" "$work/vmlinuz" "$cache/"
[ -f "$work/vmlinux" ] && mv "$work/vmlinux" "$cache/"
echo "$stamp" > "$cache/stamp"
echo "$cache"
