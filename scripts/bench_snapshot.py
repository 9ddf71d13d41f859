#!/usr/bin/python3
"""Snapshot benchmark, rill and redis-server side by side on the same data (`make bench-snapshot`).

With KEYS (default 1,000,000) string keys (`SET key:N <16 bytes>`) loaded into each server:
  1. SAVE wall time (the SAVE command's round trip), ROUNDS alternating rounds, medians;
  2. start-up load time: from starting the process on the saved file to answering DBSIZE with
     every key (wall), and the time each server logs for the load itself ("DB loaded from
     disk"), ROUNDS alternating restarts, medians;
  3. PING latency during BGSAVE: one client sends PING after PING for the whole BGSAVE (the
     fork included) and reports p50, p99 and max.
Ratios are rill/redis: lower is better for times. Servers run on free loopback ports in a
temporary directory and are stopped by PID.
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
RILL = os.path.join(ROOT, BUILD, "rill-server")
KEYS = int(os.environ.get("KEYS", "1000000"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))


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

    def stop(self):
        try:
            self.r.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        self.proc.wait(timeout=60)


def fill(server):
    lines = []
    for i in range(KEYS):
        k = b"key:%d" % i
        v = b"%016d" % i
        lines.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n" % (len(k), k, v))
    data = b"".join(lines)
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=data,
                         capture_output=True, check=True)
    assert server.r.dbsize() == KEYS, out.stdout


def timed_save(server):
    start = time.perf_counter()
    server.r.save()
    return time.perf_counter() - start


def ping_latencies_during_bgsave(server):
    """Latency of every PING sent while a BGSAVE runs (from just before it is asked for)."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    watcher = redis.Redis(port=server.port)
    lat = []
    server.r.bgsave()
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
            if watcher.info("persistence")["rdb_bgsave_in_progress"] == 0:
                break
    sock.close()
    lat.sort()
    return lat


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def main():
    work = tempfile.mkdtemp(prefix="rill-bench-snap-")
    dirs = {k: os.path.join(work, k) for k in ("rill", "redis")}
    for d in dirs.values():
        os.mkdir(d)
    try:
        servers = {k: Server(k, dirs[k]) for k in dirs}
        for s in servers.values():
            s.wait_loaded(0)
            fill(s)
        saves = {k: [] for k in dirs}
        for _ in range(ROUNDS):
            for k, s in servers.items():
                saves[k].append(timed_save(s))
        sizes = {k: os.path.getsize(os.path.join(dirs[k], "dump.rdb")) for k in dirs}

        pings = {k: ping_latencies_during_bgsave(s) for k, s in servers.items()}
        for s in servers.values():
            s.stop()

        wall = {k: [] for k in dirs}
        logged = {k: [] for k in dirs}
        for _ in range(ROUNDS):
            for k in dirs:
                s = Server(k, dirs[k])
                wall[k].append(s.wait_loaded(KEYS))
                logged[k].append(s.logged_load_seconds())
                s.stop()

        med = lambda xs: statistics.median(xs)
        print("snapshot benchmark: %d string keys, %d rounds, medians (ratio rill/redis, lower is better)"
              % (KEYS, ROUNDS))
        print("file size: rill %.1f MB, redis %.1f MB" % (sizes["rill"] / 1e6, sizes["redis"] / 1e6))
        for name, data in (("SAVE", saves), ("load (start to all keys served)", wall),
                           ("load (as each server logs it)", logged)):
            a, b = med(data["rill"]), med(data["redis"])
            print("%-32s rill %.3f s, redis %.3f s, ratio %.2f" % (name, a, b, a / b))
        for k in dirs:
            lat = pings[k]
            print("PING during BGSAVE, %-5s: %d pings, p50 %.3f ms, p99 %.3f ms, max %.3f ms"
                  % (k, len(lat), pct(lat, 0.5) * 1e3, pct(lat, 0.99) * 1e3, lat[-1] * 1e3))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
