#!/usr/bin/python3
"""Snapshot benchmark, rill and redis-server side by side on the same data (`make bench-snapshot`).

Two datasets, each loaded into both servers: KEYS (default 1,000,000) string keys
(`SET key:N <16 bytes>`), and a types mix of MIX (default 100,000) keys of each type: strings,
lists, sets, sorted sets and hashes of 10 small elements (the compact encodings). For each:
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
import shutil
import statistics
import subprocess
import tempfile
import time

import redis

from bench_servers import Server, fill, pct, ping_latencies

KEYS = int(os.environ.get("KEYS", "1000000"))
MIX = int(os.environ.get("MIX", "100000"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def command(*words):
    words = [w if isinstance(w, bytes) else str(w).encode() for w in words]
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)


def fill_mix(server, n):
    """n keys of each type; collections of 10 elements: integers, short words, scores."""
    parts = []
    for i in range(n):
        parts.append(command("SET", "s:%d" % i, "%016d" % i))
        parts.append(command("RPUSH", "l:%d" % i, *["item-%d" % j for j in range(10)]))
        parts.append(command("SADD", "set:%d" % i, *[i * 10 + j for j in range(10)]))
        zargs = []
        for j in range(10):
            zargs += [j * 1.5, "member-%d" % j]
        parts.append(command("ZADD", "z:%d" % i, *zargs))
        hargs = []
        for j in range(10):
            hargs += ["field-%d" % j, "value-%d" % (i + j)]
        parts.append(command("HSET", "h:%d" % i, *hargs))
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=b"".join(parts),
                         capture_output=True, check=True)
    assert server.r.dbsize() >= 5 * n, out.stdout


def timed_save(server):
    start = time.perf_counter()
    server.r.save()
    return time.perf_counter() - start


def ping_latencies_during_bgsave(server):
    """Latency of every PING sent while a BGSAVE runs (from just before it is asked for)."""
    watcher = redis.Redis(port=server.port)
    server.r.bgsave()
    return ping_latencies(server, lambda: watcher.info("persistence")["rdb_bgsave_in_progress"] == 0)


def run(title, fill_both, nkeys):
    work = tempfile.mkdtemp(prefix="rill-bench-snap-")
    dirs = {k: os.path.join(work, k) for k in ("rill", "redis")}
    for d in dirs.values():
        os.mkdir(d)
    try:
        servers = {k: Server(k, dirs[k]) for k in dirs}
        for s in servers.values():
            s.wait_loaded(0)
            fill_both(s)
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
                wall[k].append(s.wait_loaded(nkeys))
                logged[k].append(s.logged_load_seconds())
                s.stop()

        med = lambda xs: statistics.median(xs)
        print("snapshot benchmark, %s: %d rounds, medians (ratio rill/redis, lower is better)"
              % (title, ROUNDS))
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


def main():
    run("%d string keys" % KEYS, lambda s: fill(s, KEYS), KEYS)
    print()
    run("types mix, %d keys of each type" % MIX, lambda s: fill_mix(s, MIX), 5 * MIX)


if __name__ == "__main__":
    main()
