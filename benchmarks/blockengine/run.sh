#!/usr/bin/env bash
# The block engine alone against fio's io_uring engine (the limit) on the same file: 4 KiB random reads and writes,
# queue depth 1 and 32, O_DIRECT, registered file and buffers on both sides, a fixed duration each, run alternately
# so background load hits both alike. Prints IOPS, p50/p99 latency and the engine/fio ratios.
# Usage: benchmarks/blockengine/run.sh [file] [seconds] [size]   (ROUNDS=3 alternations, medians; KEEP=1 keeps the file)
set -euo pipefail
cd "$(dirname "$0")/../.."
file=${1:-/var/tmp/cloudbox-blockengine-bench.img}
seconds=${2:-10}
size=${3:-1G}
rounds=${ROUNDS:-3}
command -v fio >/dev/null || { echo "fio is missing: apt-get install -y fio" >&2; exit 1; }

dotnet build -c Release benchmarks/blockengine/BlockEngineBench -nologo -v q >/dev/null
bench=benchmarks/blockengine/BlockEngineBench/bin/Release/net10.0/BlockEngineBench

# Real data in every block: O_DIRECT reads of unwritten extents are answered without touching the disk.
bytes=$(numfmt --from=iec "$size")
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne "$bytes" ]; then
    echo "filling $file ($size)"
    fio --name=fill --filename="$file" --rw=write --bs=1M --size="$size" --direct=1 --ioengine=io_uring \
        --iodepth=8 --output=/dev/null
fi

fio_run() { # rw qd -> "iops p50_us p99_us"
    fio --name=limit --filename="$1" --ioengine=io_uring --direct=1 --rw="$2" --bs=4k --iodepth="$3" \
        --size="$size" --time_based --runtime="$seconds" --ramp_time=1 --norandommap --randrepeat=1 \
        --fixedbufs=1 --registerfiles=1 --lat_percentiles=1 --output-format=json |
    python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
side = job["read"] if job["read"]["io_bytes"] > 0 else job["write"]
p = side["lat_ns"]["percentile"]
print("%.0f %.1f %.1f" % (side["iops"], p["50.000000"] / 1000, p["99.000000"] / 1000))'
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { python3 -c "import sys; print('%.2f' % ($1 / $2))"; }

echo "uptime before: $(uptime)"
echo "rounds per workload: $rounds (medians shown)"
printf '%-10s %3s | %10s %8s %8s | %10s %8s %8s | %9s %8s\n' rw qd engine_iops p50_us p99_us fio_iops p50_us p99_us iops_ratio p99_ratio
for rw in randread randwrite; do
    for qd in 1 32; do
        ei="" e5="" e9="" fi_="" f5="" f9=""
        for _ in $(seq "$rounds"); do
            line=$("$bench" "$file" "$rw" "$qd" "$seconds")
            ei+=" $(field "$line" iops)"; e5+=" $(field "$line" p50_us)"; e9+=" $(field "$line" p99_us)"
            read -r a b c <<<"$(fio_run "$file" "$rw" "$qd")"
            fi_+=" $a"; f5+=" $b"; f9+=" $c"
        done
        eiops=$(echo "$ei" | median); ep50=$(echo "$e5" | median); ep99=$(echo "$e9" | median)
        fiops=$(echo "$fi_" | median); fp50=$(echo "$f5" | median); fp99=$(echo "$f9" | median)
        printf '%-10s %3s | %10s %8s %8s | %10s %8s %8s | %9s %8s\n' "$rw" "$qd" "$eiops" "$ep50" "$ep99" "$fiops" "$fp50" "$fp99" \
            "$(ratio "$eiops" "$fiops")" "$(ratio "$ep99" "$fp99")"
    done
done
echo "uptime after: $(uptime)"
[ "${KEEP:-0}" = 1 ] || rm -f "$file"
