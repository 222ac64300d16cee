#!/usr/bin/env python3
"""Runs one VMM command, timestamps the guest's marker lines on its console (stdout), prints key=value results."""
import os, re, resource, subprocess, sys, time

timeout, name, command = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
start = time.monotonic()
process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
results = {"vmm": name}
tail = []
deadline = start + timeout
for raw in process.stdout:
    line = raw.decode(errors="replace").strip()
    tail = (tail + [line])[-5:]
    now = time.monotonic() - start
    if line.startswith("CLOUDBOX-INIT") and "init_s" not in results:
        results["init_s"] = f"{now:.2f}"
    m = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", line)
    if m:
        results["dd_MBps"] = f"{int(m.group(1)) / float(m.group(2)) / 1e6:.1f}"
    if now > deadline:
        process.kill()
        results["error"] = "timeout"
        break
code = process.wait()
results["poweroff_s"] = f"{time.monotonic() - start:.2f}"
results["exit"] = str(code)
results["peak_rss_MiB"] = f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}"
if "init_s" not in results:
    results["last_lines"] = " | ".join(tail).replace(" ", "_")
print(" ".join(f"{k}={v}" for k, v in results.items()))
