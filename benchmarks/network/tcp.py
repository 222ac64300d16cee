#!/usr/bin/env python3
"""TCP throughput without iperf: `tcp.py sink PORT` reads until EOF; `tcp.py source HOST PORT MIB` sends MIB MiB and prints MiB/s
(timed until the sink has read everything and closed)."""
import socket
import sys
import time

if sys.argv[1] == "sink":
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", int(sys.argv[2])))
    server.listen(1)
    connection, _ = server.accept()
    while connection.recv(1 << 20):
        pass
    connection.close()
else:
    host, port, mib = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    chunk = b"\0" * (1 << 20)
    connection = socket.create_connection((host, port))
    start = time.monotonic()
    for _ in range(mib):
        connection.sendall(chunk)
    connection.shutdown(socket.SHUT_WR)
    connection.recv(1)
    elapsed = time.monotonic() - start
    print(f"{mib / elapsed:.0f} MiB/s")
