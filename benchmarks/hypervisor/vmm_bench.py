#!/usr/bin/env python3
"""Runs one VMM command on the benchmark guest and prints key=value metrics (see README.md).

usage: vmm_bench.py MODE TIMEOUT_S GUEST_MEMORY_MIB -- COMMAND...
  MODE quick: time from process start to the guest's first console line and to process exit.
  MODE bench: exit round trip, virtio-blk 4 KiB random-read IOPS, the time of one iteration of an empty loop in
              ring 0 and in ring 3, and at DONE the VMM's RSS and the RSS of the guest RAM mapping (from
              /proc/PID/smaps), then one byte on stdin lets the guest power off.
  MODE blk:   the guest's disk suite (its command line must say "blk"): for each "BLK rw=.. qd=.." line, IOPS and
              p50/p99/max latency in microseconds. The guest measures in TSC cycles; the TSC rate comes from the
              host-side arrival times of its TSC-BEGIN and TSC-END lines (seconds apart, so within a fraction of a
              percent) and is printed as tsc_MHz to compare with /proc/cpuinfo.
"""
import os, subprocess, sys, time

mode, timeout, memory_mib = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
command = sys.argv[sys.argv.index('--') + 1:]


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def guest_ram_rss_kib(pid):
    """Rss of the mapping that holds guest RAM: the one sized like it (QEMU may add a little alignment)."""
    best, size, rss = 0, None, 0
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            if line.startswith('Size:'):
                size = int(line.split()[1])
            elif line.startswith('Rss:') and size is not None:
                rss = int(line.split()[1])
                if memory_mib * 1024 <= size <= memory_mib * 1024 + 8192:
                    best = max(best, rss)
    return best


start = time.monotonic()
process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
stamps, metrics, tsc, blk = {}, {}, {}, []
deadline = start + timeout
for raw in iter(process.stdout.readline, b''):
    now = time.monotonic() - start
    line = raw.decode(errors='replace').strip()
    for marker in ('CLOUDBOX-BENCH-START', 'EXITS-BEGIN', 'EXITS-END', 'BLK-BEGIN', 'BLK-END', 'SPIN-BEGIN', 'SPIN-END', 'SPIN3-BEGIN', 'SPIN3-END', 'DONE', 'BLK none'):
        if line.startswith(marker) and marker not in stamps:
            stamps[marker] = now
    if line.startswith('EXITS-END n='):
        metrics['exits'] = int(line.split('=')[1])
    if line.startswith('SPIN-END n='):
        metrics['spins'] = int(line.split('=')[1])
    if line.startswith('SPIN3-END n='):
        metrics['spins3'] = int(line.split('=')[1])
    if line.startswith('TSC-BEGIN tsc=') or line.startswith('TSC-END tsc='):
        tsc[line.split()[0]] = (now, int(line.split('=')[1]))
    if line.startswith('BLK rw='):
        blk.append(dict(part.split('=') for part in line.split()[1:]))
    if line.startswith('BLK-END'):
        fields = dict(part.split('=') for part in line.split()[1:])
        metrics['reads'], metrics['read_failures'] = int(fields['reads']), int(fields['failures'])
    if line == 'DONE':
        metrics['rss_MiB'] = rss_kib(process.pid) / 1024
        metrics['guest_ram_rss_MiB'] = guest_ram_rss_kib(process.pid) / 1024
        process.stdin.write(b'\n')
        process.stdin.flush()
    if time.monotonic() > deadline:
        process.kill()
        break
code = process.wait()
end = time.monotonic() - start

print(f'exit_code={code}')
if mode == 'blk':
    if 'TSC-BEGIN' in tsc and 'TSC-END' in tsc:
        hz = (tsc['TSC-END'][1] - tsc['TSC-BEGIN'][1]) / (tsc['TSC-END'][0] - tsc['TSC-BEGIN'][0])
        print(f'tsc_MHz={hz / 1e6:.1f}')
        for run in blk:
            name = f"{run['rw']}_qd{run['qd']}"
            print(f"{name}_iops={int(run['n']) * hz / int(run['cycles']):.0f}")
            for key in ('p50', 'p99', 'max'):
                print(f"{name}_{key}_us={int(run[key]) * 1e6 / hz:.1f}")
            print(f"{name}_failures={run['failures']}")
            # notify writes the driver made, and used-ring polls that found completions, per request
            print(f"{name}_kicks_per_req={int(run['kicks']) / int(run['n']):.3f}")
            print(f"{name}_reqs_per_batch={int(run['n']) / int(run['batches']):.2f}")
elif mode == 'quick':
    print(f"marker_ms={stamps.get('CLOUDBOX-BENCH-START', float('nan')) * 1000:.1f}")
    print(f'exit_ms={end * 1000:.1f}')
else:
    if 'EXITS-END' in stamps:
        print(f"exit_us={(stamps['EXITS-END'] - stamps['EXITS-BEGIN']) * 1e6 / metrics['exits']:.2f}")
    if 'BLK-END' in stamps:
        print(f"iops={metrics['reads'] / (stamps['BLK-END'] - stamps['BLK-BEGIN']):.0f}")
        print(f"read_failures={metrics['read_failures']}")
    if 'SPIN-END' in stamps:
        print(f"spin_ns={(stamps['SPIN-END'] - stamps['SPIN-BEGIN']) * 1e9 / metrics['spins']:.1f}")
    if 'SPIN3-END' in stamps:
        print(f"spin_ring3_ns={(stamps['SPIN3-END'] - stamps['SPIN3-BEGIN']) * 1e9 / metrics['spins3']:.1f}")
    if 'rss_MiB' in metrics:
        print(f"rss_MiB={metrics['rss_MiB']:.1f}")
        print(f"guest_ram_rss_MiB={metrics['guest_ram_rss_MiB']:.1f}")
        print(f"overhead_MiB={metrics['rss_MiB'] - metrics['guest_ram_rss_MiB']:.1f}")
