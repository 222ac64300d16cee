#!/usr/bin/env python3
"""Creates ports through the Neutron API from several threads; prints ports per second.

usage: ports.py URL TOKEN NETWORK_ID COUNT [THREADS]
"""
import json
import sys
import threading
import time
import urllib.request

url, token, network, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 8
failures = []
lock = threading.Lock()
remaining = [count]


def worker():
    while True:
        with lock:
            if remaining[0] == 0:
                return
            remaining[0] -= 1
        body = json.dumps({"port": {"network_id": network}}).encode()
        request = urllib.request.Request(url + "/network/v2.0/ports", data=body, method="POST",
                                         headers={"X-Auth-Token": token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
        except Exception as error:  # noqa: BLE001 - counted and reported
            failures.append(str(error))


start = time.monotonic()
pool = [threading.Thread(target=worker) for _ in range(threads)]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
elapsed = time.monotonic() - start
print(f"{count - len(failures)} ports in {elapsed:.2f} s: {(count - len(failures)) / elapsed:.0f} ports/s ({len(failures)} failed)")
