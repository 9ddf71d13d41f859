#!/usr/bin/python3
"""Active expiry benchmark, rill and redis-server side by side (`make bench-expiry`).

Each server gets KEYS (default 1,000,000) `SET key:N <16 bytes> PXAT <T>` keys that all expire
in the same second T, and nobody reads them afterwards. From T on, one client sends PING after
PING while another watches DBSIZE (which counts keys not reclaimed yet) every 50 ms. Reported:
seconds from T until every key is reclaimed, PING latency meanwhile (p50, p99, max), and
used_memory (INFO) and RSS loaded vs after. Servers run on free loopback ports and are stopped
by PID.
"""
import os
import shutil
import tempfile
import time

from bench_servers import Server, fill, pct, ping_latencies

KEYS = int(os.environ.get("KEYS", "1000000"))


def run(kind, workdir):
    datadir = os.path.join(workdir, kind)
    os.mkdir(datadir)
    s = Server(kind, datadir)
    s.wait_loaded(0)
    # Time to load the keys, plus margin, before they all expire.
    deadline_ms = int(time.time() * 1000) + 4000 + KEYS * 4 // 1000
    fill(s, KEYS, b"PXAT %d" % deadline_ms)
    loaded_used = s.r.info("memory")["used_memory"]
    loaded_rss = s.rss_bytes()
    while time.time() * 1000 < deadline_ms:
        time.sleep(0.01)
    start = time.perf_counter()
    lat = ping_latencies(s, lambda: s.r.dbsize() == 0)
    seconds = time.perf_counter() - start
    after_used = s.r.info("memory")["used_memory"]
    after_rss = s.rss_bytes()
    s.stop()
    return seconds, lat, (loaded_used, after_used, loaded_rss, after_rss)


def main():
    workdir = tempfile.mkdtemp(prefix="rill-bench-expiry-")
    try:
        print("active expiry: %d keys expiring in the same second, never read again" % KEYS)
        for kind in ("rill", "redis"):
            seconds, lat, (lu, au, lr, ar) = run(kind, workdir)
            print("%-5s: all reclaimed after %.2f s; PING p50 %.3f ms, p99 %.3f ms, max %.3f ms "
                  "(%d pings); used_memory %.1f -> %.1f MB, RSS %.1f -> %.1f MB"
                  % (kind, seconds, pct(lat, 0.5) * 1e3, pct(lat, 0.99) * 1e3, lat[-1] * 1e3,
                     len(lat), lu / 1e6, au / 1e6, lr / 1e6, ar / 1e6))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
