#!/usr/bin/env python3
"""A black-holed API for tests: listens on 127.0.0.1:0, takes every
connection, logs the request line of each request it reads ("GET /api/sip"
per line, flushed at once) and never answers.

    blackhole.py PORT_FILE LOG_FILE [MAX_SECONDS]

Writes its port to PORT_FILE once it listens; exits after MAX_SECONDS
(default 120) so a test that forgets it cannot leave it behind.
"""
import socket
import sys
import threading
import time


def serve(conn, log, lock):
    buf = b""
    conn.settimeout(1.0)
    while True:
        try:
            data = conn.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\r\n\r\n" in buf:
            head, buf = buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            path = parts[1].split("?", 1)[0] if len(parts) > 1 else "?"
            with lock:
                log.write("%s %s\n" % (parts[0], path))
                log.flush()
            # a body (if any) is read and ignored with the next recv


def main():
    port_file, log_file = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.5)
    log = open(log_file, "a")
    lock = threading.Lock()
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    import os
    os.rename(port_file + ".tmp", port_file)
    end = time.monotonic() + limit
    held = []
    while time.monotonic() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        held.append(conn)
        threading.Thread(target=serve, args=(conn, log, lock),
                         daemon=True).start()


if __name__ == "__main__":
    main()
