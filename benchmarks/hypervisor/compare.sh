#!/bin/sh
# Side-by-side, one run each: `cloudbox vmm` vs `qemu-system-x86_64 -enable-kvm` booting the same Debian cloud kernel
# (PVH entry of its vmlinux), the same test initramfs and the same raw disk, with the same kernel command line.
# Reports time from process start to the init marker and to power-off, a 64 MiB O_DIRECT dd read of /dev/vda inside
# the guest, the VMM's peak RSS, and the ratios QEMU/CloudBox (above 1 means CloudBox is faster or smaller).
#   usage: benchmarks/hypervisor/compare.sh [path to cloudbox]   (default: a Release build of src/CloudBox)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
guest=$("$root/packaging/guest/build-initramfs.sh" | tail -n 1)
cloudbox=${1:-}
if [ -z "$cloudbox" ]; then
    dotnet build "$root/src/CloudBox" -c Release -nologo -v quiet >/dev/null
    cloudbox=$(ls "$root"/src/CloudBox/bin/Release/net10.0/linux-x64/cloudbox)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s 128M "$work/disk.img"
# Options that make the stock kernel boot fastest on a nested, software-assisted KVM (see README.md).
cmdline="console=ttyS0 quiet $(cat "$root/packaging/guest/kernel-cmdline")"
cmdline="$cmdline cloudbox.test=dd"
memory=96
timeout=${BENCH_TIMEOUT:-900}

echo "kernel: $guest/vmlinux   initramfs: $guest/initramfs.cpio   memory: $memory MiB   cmdline: $cmdline"
python3 "$root/benchmarks/hypervisor/timed_boot.py" "$timeout" cloudbox \
    "$cloudbox" vmm --kernel "$guest/vmlinux" --initrd "$guest/initramfs.cpio" --cmdline "$cmdline" \
    --memory "$memory" --disk "$work/disk.img" --no-rng > "$work/cloudbox.txt"
cat "$work/cloudbox.txt"
python3 "$root/benchmarks/hypervisor/timed_boot.py" "$timeout" qemu \
    qemu-system-x86_64 -enable-kvm -cpu host,-arch-capabilities -M q35 -m "$memory" -smp 1 -nodefaults -no-user-config \
    -nographic -serial stdio -monitor none -no-reboot \
    -kernel "$guest/vmlinux" -initrd "$guest/initramfs.cpio" -append "$cmdline" \
    -drive "if=none,id=d0,file=$work/disk.img,format=raw,cache=none,aio=threads" -device virtio-blk-pci,drive=d0 > "$work/qemu.txt"
cat "$work/qemu.txt"
python3 - "$work/cloudbox.txt" "$work/qemu.txt" <<'PY'
import sys
def load(path):
    return dict(line.split('=', 1) for line in open(path).read().split() if '=' in line)
c, q = load(sys.argv[1]), load(sys.argv[2])
for key in ('init_s', 'poweroff_s', 'dd_MBps', 'peak_rss_MiB'):
    try:
        cv, qv = float(c[key]), float(q[key])
        ratio = (cv / qv) if key == 'dd_MBps' else (qv / cv)
        print(f"ratio {key}: {ratio:.2f}x  (cloudbox {cv:g}, qemu {qv:g}; >1 = cloudbox better)")
    except (KeyError, ValueError, ZeroDivisionError):
        print(f"ratio {key}: n/a (cloudbox {c.get(key)}, qemu {q.get(key)})")
PY
