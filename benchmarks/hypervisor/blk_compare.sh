#!/bin/sh
# Issue 6 (b): 4 KiB random read and write through virtio-blk from a guest, queue depth 1 and 32, cloudbox vmm
# against QEMU's virtio-blk with aio=io_uring on the same file, and fio's io_uring engine on that file as the limit.
# The guest is the tiny PVH guest (guest/bench.c, "blk" mode): its driver runs in ring 3, polls the used ring, keeps
# 1 or 32 requests in flight (one notify per batch) and times every request with the TSC.
#
# Like with like: cloudbox's virtio-blk reads and writes through the page cache (its block engine opens the image
# without O_DIRECT), so the main comparison is QEMU cache=writeback and fio --direct=0, with the page cache warmed
# before every run (a 1 GiB file fits in this machine's memory). DIRECT=1 adds QEMU cache=none and fio --direct=1
# (the disk itself) for reference. Runs alternate: cloudbox, QEMU, fio, ROUNDS times; medians are reported.
#   usage: benchmarks/hypervisor/blk_compare.sh [path to cloudbox]   (default: dotnet publish of src/CloudBox)
# NOFLUSH=1: the guest's driver does not accept VIRTIO_BLK_F_FLUSH, so both VMMs serve it write-through (every write
# durable on completion; QEMU flushes after each write, cloudbox writes with RWF_DSYNC); fio then writes with
# --fdatasync=1 (one fdatasync per write) as its like.
#   env: ROUNDS=1 FILE=/var/tmp/cloudbox-hv-blk.img SIZE=1G N1=10000 N32=50000 FIO_SECONDS=5 DIRECT=0 NOFLUSH=0 KEEP=0
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benchmarks/hypervisor"
rounds=${ROUNDS:-1}
file=${FILE:-/var/tmp/cloudbox-hv-blk.img}
size=${SIZE:-1G}
n1=${N1:-10000}
n32=${N32:-50000}
seconds=${FIO_SECONDS:-5}
direct=${DIRECT:-0}
noflush=${NOFLUSH:-0}
command -v fio >/dev/null || { echo "fio is missing: apt-get install -y fio" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"; [ "${KEEP:-0}" = 1 ] || rm -f "$file"' EXIT
cloudbox=${1:-}
if [ -z "$cloudbox" ]; then
    dotnet publish "$root/src/CloudBox" -c Release -o "$work/publish" -nologo -v quiet >/dev/null
    cloudbox="$work/publish/cloudbox"
fi
gcc -m64 -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static -O2 -mno-red-zone -mgeneral-regs-only \
    -fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Werror -Wno-unused-function \
    -T "$here/guest/bench.ld" -Wl,--build-id=none -o "$work/bench.elf" "$here/guest/pvh_start.S" "$here/guest/bench.c"
# Real data in every block (reads of holes never reach a disk).
bytes=$(numfmt --from=iec "$size")
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne "$bytes" ]; then
    fio --name=fill --filename="$file" --rw=write --bs=1M --size="$size" --direct=1 --ioengine=io_uring \
        --iodepth=8 --output=/dev/null
fi
memory=128
cmdline="blk n1=$n1 n32=$n32"
fio_sync=""
if [ "$noflush" = 1 ]; then cmdline="$cmdline noflush"; fio_sync="--fdatasync=1"; fi
warm() { cat "$file" > /dev/null; }

run_cloudbox() {
    warm
    python3 "$here/vmm_bench.py" blk 600 "$memory" -- "$cloudbox" vmm --kernel "$work/bench.elf" --cmdline "$cmdline" \
        --memory "$memory" --no-rng --console stdio --disk "$file"
}
run_qemu() { # cache mode
    warm
    python3 "$here/vmm_bench.py" blk 600 "$memory" -- qemu-system-x86_64 -enable-kvm -cpu host,-arch-capabilities \
        -M microvm,pcie=on -m "$memory" -smp 1 -nodefaults -no-user-config -display none -serial stdio -monitor none \
        -no-reboot -kernel "$work/bench.elf" -append "$cmdline" -device isa-debug-exit,iobase=0xf4,iosize=1 \
        -drive "file=$file,if=none,id=d0,format=raw,cache=$1,aio=io_uring" \
        -device virtio-blk-pci,drive=d0,disable-legacy=on
}
run_fio() { # direct: prints the same key=value lines as vmm_bench.py
    warm
    for rw in randread randwrite; do
        for qd in 1 32; do
            fio --name=limit --filename="$file" --ioengine=io_uring --direct="$1" --rw="$rw" --bs=4k --iodepth="$qd" \
                --size="$size" --time_based --runtime="$seconds" --ramp_time=1 --norandommap --randrepeat=1 \
                --fixedbufs=1 --registerfiles=1 --invalidate=0 --lat_percentiles=1 $fio_sync --output-format=json |
            python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
side = job["read"] if job["read"]["io_bytes"] > 0 else job["write"]
p = side["lat_ns"]["percentile"]
name = sys.argv[1]
print("%s_iops=%.0f" % (name, side["iops"]))
print("%s_p50_us=%.1f" % (name, p["50.000000"] / 1000))
print("%s_p99_us=%.1f" % (name, p["99.000000"] / 1000))' "${rw}_qd$qd"
        done
    done
}

tag() { sed "s/^/$1: /"; }
{
    for i in $(seq "$rounds"); do
        echo "load: $(cat /proc/loadavg)" | tag cloudbox
        run_cloudbox | tag cloudbox
        echo "load: $(cat /proc/loadavg)" | tag qemu
        run_qemu writeback | tag qemu
        echo "load: $(cat /proc/loadavg)" | tag fio
        run_fio 0 | tag fio
        if [ "$direct" = 1 ]; then
            echo "load: $(cat /proc/loadavg)" | tag qemu-none
            run_qemu none | tag qemu-none
            echo "load: $(cat /proc/loadavg)" | tag fio-direct
            run_fio 1 | tag fio-direct
        fi
    done
    echo "load: $(cat /proc/loadavg)" | tag end
} > "$work/results.txt"
cat "$work/results.txt"
python3 - "$work/results.txt" <<'PY'
import statistics, sys
values, loads = {}, {}
for line in open(sys.argv[1]):
    who, rest = line.rstrip('\n').split(': ', 1)
    if rest.startswith('load: '):
        loads.setdefault(who, []).append(rest.split()[1])
        continue
    key, value = rest.split('=')
    try:
        values.setdefault((who, key), []).append(float(value))
    except ValueError:
        pass
def get(who, key):
    v = values.get((who, key))
    return statistics.median(v) if v else float('nan')
def ratio(a, b):
    return f"{a / b:.2f}" if b == b and b and a == a else "n/a"
peers = [p for p in ('qemu', 'fio', 'qemu-none', 'fio-direct') if any(k[0] == p for k in values)]
print()
print('load average (1 min) at the start of each run: ' + ', '.join(f"{w} {' '.join(l)}" for w, l in loads.items()))
print('| workload | cloudbox IOPS | p50 µs | p99 µs | ' + ' | '.join(f'{p} IOPS | {p} p99 µs' for p in peers)
      + ' | IOPS cloudbox/QEMU | IOPS cloudbox/fio | p99 cloudbox/QEMU |')
print('|' + '---|' * (4 + 2 * len(peers) + 3))
for rw in ('randread', 'randwrite'):
    for qd in (1, 32):
        name = f'{rw}_qd{qd}'
        c = get('cloudbox', f'{name}_iops')
        row = [f'{rw} QD{qd}', f'{c:.0f}', f"{get('cloudbox', name + '_p50_us'):.1f}", f"{get('cloudbox', name + '_p99_us'):.1f}"]
        for p in peers:
            row += [f"{get(p, name + '_iops'):.0f}", f"{get(p, name + '_p99_us'):.1f}"]
        row += [ratio(c, get('qemu', name + '_iops')), ratio(c, get('fio', name + '_iops')),
                ratio(get('cloudbox', name + '_p99_us'), get('qemu', name + '_p99_us'))]
        print('| ' + ' | '.join(row) + ' |')
PY
