#!/bin/sh
# The stock Debian bzImage (/boot/vmlinuz-*, LZ4 payload) three ways, to the kernel's first console line and to
# "Run /init": cloudbox vmm decompressing the payload itself and entering it through PVH (the default), cloudbox vmm
# with --boot-protocol linux (the kernel's own decompressor, emulated here), and QEMU -kernel with the bzImage.
#   usage: benchmarks/hypervisor/bzimage_compare.sh [path to cloudbox]   (TIMEOUT=seconds per run, default 1800)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
cloudbox=${1:-}
if [ -z "$cloudbox" ]; then
    dotnet build "$root/src/CloudBox" -c Release -nologo -v quiet >/dev/null
    cloudbox=$(ls "$root"/src/CloudBox/bin/Release/net10.0/linux-x64/cloudbox)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initramfs"
printf '#!/bin/sh\n' > "$work/initramfs/init"; chmod +x "$work/initramfs/init"
(cd "$work/initramfs" && echo init | cpio -o -H newc --quiet) > "$work/initrd"
cmdline="console=ttyS0 $(cat "$root/packaging/guest/kernel-cmdline")"
timeout=${TIMEOUT:-1800}
echo "kernel: $kernel   cmdline: $cmdline"
python3 "$root/benchmarks/hypervisor/first_lines.py" "$timeout" cloudbox-pvh \
    "$cloudbox" vmm --kernel "$kernel" --initrd "$work/initrd" --cmdline "$cmdline" --memory 128 --no-rng
python3 "$root/benchmarks/hypervisor/first_lines.py" "$timeout" cloudbox-linux-protocol \
    "$cloudbox" vmm --kernel "$kernel" --initrd "$work/initrd" --cmdline "$cmdline" --memory 128 --no-rng --boot-protocol linux
python3 "$root/benchmarks/hypervisor/first_lines.py" "$timeout" qemu-microvm \
    qemu-system-x86_64 -M microvm -enable-kvm -cpu host,-arch-capabilities -m 128 -smp 1 -nodefaults -no-user-config \
    -nographic -serial stdio -monitor none -no-reboot -kernel "$kernel" -initrd "$work/initrd" -append "$cmdline"
