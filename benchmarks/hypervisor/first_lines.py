#!/usr/bin/env python3
"""Runs one VMM command; prints the seconds from process start to the kernel's first console line ("Linux version")
and to "Run /init", as key=value. Stops the VMM at "Run /init" or at the timeout."""
import subprocess, sys, time

timeout, name, command = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
start = time.monotonic()
process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT)
results = {"vmm": name}
deadline = start + timeout
import selectors
sel = selectors.DefaultSelector()
sel.register(process.stdout, selectors.EVENT_READ)
buffer = b""
while time.monotonic() < deadline and "run_init_s" not in results:
    if not sel.select(timeout=1.0):
        if process.poll() is not None: break
        continue
    chunk = process.stdout.read1(65536)
    if not chunk: break
    buffer += chunk
    now = time.monotonic() - start
    text = buffer.decode(errors="replace")
    if "Linux version" in text and "first_line_s" not in results:
        results["first_line_s"] = f"{now:.2f}"
    if "Run /init" in text:
        results["run_init_s"] = f"{now:.2f}"
    buffer = buffer[-4096:]
if "run_init_s" not in results:
    results["stopped_at_s"] = f"{time.monotonic() - start:.2f}"
process.kill()
process.wait()
print(" ".join(f"{k}={v}" for k, v in results.items()), flush=True)
