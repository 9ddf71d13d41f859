"""What the Python benchmarks share: rill-server and redis-server started side by side on free
loopback ports, on a data directory, stopped by PID; filling them with string keys."""
import os
import re
import socket
import subprocess
import sys
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RILL = os.path.join(ROOT, os.environ.get("BUILD", "build"), "rill-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, kind, datadir):
        self.kind, self.datadir = kind, datadir
        self.logpath = os.path.join(datadir, "server.log")
        self.port = free_port()
        binary = RILL if kind == "rill" else "redis-server"
        argv = [binary, "--port", str(self.port), "--save", "", "--dir", datadir, "--logfile", self.logpath]
        if kind == "redis":
            argv += ["--appendonly", "no"]
        if os.path.exists(self.logpath):
            os.unlink(self.logpath)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.r = redis.Redis(port=self.port, socket_timeout=120)

    def wait_loaded(self, keys):
        """Seconds from the start of the process to a DBSIZE that counts every key."""
        while True:
            if self.proc.poll() is not None:
                sys.exit("%s exited during start-up; see %s" % (self.kind, self.logpath))
            try:
                if self.r.dbsize() >= keys:
                    return time.perf_counter() - self.started
            except (redis.ConnectionError, redis.BusyLoadingError):
                pass
            time.sleep(0.002)

    def logged_load_seconds(self):
        with open(self.logpath) as f:
            found = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
        return float(found[-1]) if found else float("nan")

    def rss_bytes(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) * 1024

    def stop(self):
        try:
            self.r.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        self.proc.wait(timeout=60)


def fill(server, keys, extra=b""):
    """SET key:N <16 bytes> [extra] for N < keys, through redis-cli --pipe."""
    words = extra.split()
    head = b"*%d\r\n$3\r\nSET\r\n" % (3 + len(words))
    tail = b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)
    parts = []
    for i in range(keys):
        k = b"key:%d" % i
        parts.append(b"%s$%d\r\n%s\r\n$16\r\n%016d\r\n%s" % (head, len(k), k, i, tail))
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=b"".join(parts),
                         capture_output=True, check=True)
    assert server.r.dbsize() >= keys, out.stdout


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def ping_latencies(server, done):
    """Sends PING after PING on one connection until done() (asked every 50 ms) is true;
    returns the sorted latencies in seconds."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    lat = []
    next_check = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        sock.sendall(b"PING\r\n")
        got = b""
        while not got.endswith(b"\r\n"):
            got += sock.recv(64)
        lat.append(time.perf_counter() - t0)
        if t0 >= next_check:
            next_check = t0 + 0.05
            if done():
                break
    sock.close()
    lat.sort()
    return lat
