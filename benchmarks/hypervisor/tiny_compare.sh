#!/bin/sh
# Side by side, cloudbox vmm vs QEMU on the same tiny PVH guest (guest/bench.c): start-up (process start to the
# guest's first console line, and to process exit), VMM memory overhead (RSS minus the RSS of the guest RAM
# mapping), exit round trip (port writes to the UART scratch register, handled in userspace by both), and
# virtio-blk 4 KiB random-read IOPS at queue depth 1 against the same 64 MiB raw file (QEMU: aio=io_uring, both
# through the page cache). The VMMs run alternately, each measurement ROUNDS times (median reported).
#   usage: benchmarks/hypervisor/tiny_compare.sh [path to cloudbox]   (default: dotnet publish of src/CloudBox)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benchmarks/hypervisor"
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cloudbox=${1:-}
if [ -z "$cloudbox" ]; then
    dotnet publish "$root/src/CloudBox" -c Release -o "$work/publish" -nologo -v quiet >/dev/null
    cloudbox="$work/publish/cloudbox"
fi
gcc -m64 -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static -O2 -mno-red-zone -mgeneral-regs-only \
    -fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Werror -Wno-unused-function \
    -T "$here/guest/bench.ld" -Wl,--build-id=none -o "$work/bench.elf" "$here/guest/pvh_start.S" "$here/guest/bench.c"
head -c 64M /dev/urandom > "$work/disk.img"
cat "$work/disk.img" > /dev/null # both VMMs read it through the page cache
memory=128

run_cloudbox() { # mode
    python3 "$here/vmm_bench.py" "$1" 300 "$memory" -- "$cloudbox" vmm --kernel "$work/bench.elf" --cmdline "$1" \
        --memory "$memory" --no-rng --console stdio --disk "$work/disk.img,ro"
}
# microvm: QEMU's fastest start (qboot firmware, no SeaBIOS), with a PCIe host so the same virtio-pci driver works.
# isa-debug-exit on port 0xf4 ends QEMU when the guest powers off (cloudbox ignores that port and takes the ACPI
# sleep register write that follows it).
run_qemu() { # mode
    python3 "$here/vmm_bench.py" "$1" 300 "$memory" -- qemu-system-x86_64 -enable-kvm -cpu host,-arch-capabilities \
        -M microvm,pcie=on -m "$memory" -smp 1 -nodefaults -no-user-config -display none -serial stdio -monitor none \
        -no-reboot -kernel "$work/bench.elf" -append "$1" -device isa-debug-exit,iobase=0xf4,iosize=1 \
        -drive "file=$work/disk.img,if=none,id=d0,format=raw,readonly=on,cache=writeback,aio=io_uring" \
        -device virtio-blk-pci,drive=d0,disable-legacy=on
}

echo "load before: $(uptime)"
for i in $(seq "$rounds"); do
    run_cloudbox quick | sed 's/^/cloudbox quick: /'
    run_qemu quick | sed 's/^/qemu quick: /'
done > "$work/quick.txt"
cat "$work/quick.txt"
for i in $(seq "$rounds"); do
    run_cloudbox bench | sed 's/^/cloudbox bench: /'
    run_qemu bench | sed 's/^/qemu bench: /'
done > "$work/bench.txt"
cat "$work/bench.txt"
echo "load after: $(uptime)"
python3 - "$work/quick.txt" "$work/bench.txt" <<'PY'
import statistics, sys
values = {}
for path in sys.argv[1:]:
    for line in open(path):
        who, rest = line.split(': ', 1)
        key, value = rest.strip().split('=')
        values.setdefault((who.split()[0], key), []).append(float(value))
def show(key, unit, better):
    try:
        c, q = statistics.median(values[('cloudbox', key)]), statistics.median(values[('qemu', key)])
        print(f"{key:14} cloudbox {c:10.2f} {unit:6} qemu {q:10.2f} {unit:6} ratio cloudbox/qemu {c / q:6.2f}  ({better} is better)")
    except (KeyError, ZeroDivisionError):
        print(f"{key:14} n/a")
show('marker_ms', 'ms', 'lower')
show('exit_ms', 'ms', 'lower')
show('overhead_MiB', 'MiB', 'lower')
show('rss_MiB', 'MiB', 'lower')
show('exit_us', 'us', 'lower')
show('iops', 'IOPS', 'higher')
show('spin_ns', 'ns', 'lower')
show('spin_ring3_ns', 'ns', 'lower')
PY
