#!/usr/bin/python3
"""Cache workload under a memory cap, rill and redis-server side by side (`make bench-eviction`).

Each server gets maxmemory MAXMEMORY (default 100mb) and maxmemory-policy POLICY (default
allkeys-lru). The same seeded stream of OPS (default 600,000) requests for KEYSPACE (default
1,000,000) keys, Zipf-distributed (exponent ZIPF_S, default 1.0), runs cache-aside: GET, and on
a miss SET the key to a VALUE_BYTES (default 1,000) value. Reported: the hit rate over the
second half of the stream (the first half warms the cache up), used_memory against the cap
at the end, evicted_keys, and the difference of the hit rates in points.
"""
import bisect
import itertools
import os
import random
import shutil
import tempfile

from bench_servers import Server

MAXMEMORY = os.environ.get("MAXMEMORY", "100mb")
POLICY = os.environ.get("POLICY", "allkeys-lru")
OPS = int(os.environ.get("OPS", "600000"))
KEYSPACE = int(os.environ.get("KEYSPACE", "1000000"))
ZIPF_S = float(os.environ.get("ZIPF_S", "1.0"))
VALUE = b"x" * int(os.environ.get("VALUE_BYTES", "1000"))
BATCH = 200


def request_stream():
    """The key ranks to request, the same for both servers."""
    cum = list(itertools.accumulate(1.0 / (rank ** ZIPF_S) for rank in range(1, KEYSPACE + 1)))
    rng = random.Random(42)
    total = cum[-1]
    # Ranks are shuffled over the key names so that popular keys are not neighbours.
    names = list(range(KEYSPACE))
    rng.shuffle(names)
    return [names[bisect.bisect_left(cum, rng.random() * total)] for _ in range(OPS)]


def run(kind, workdir, stream):
    datadir = os.path.join(workdir, kind)
    os.mkdir(datadir)
    s = Server(kind, datadir)
    s.wait_loaded(0)
    s.r.config_set("maxmemory", MAXMEMORY)
    s.r.config_set("maxmemory-policy", POLICY)
    hits = measured = 0
    half = len(stream) // 2
    for start in range(0, len(stream), BATCH):
        keys = [b"key:%d" % k for k in stream[start:start + BATCH]]
        p = s.r.pipeline(transaction=False)
        for k in keys:
            p.get(k)
        values = p.execute()
        p = s.r.pipeline(transaction=False)
        for i, (k, v) in enumerate(zip(keys, values)):
            if start + i >= half:
                measured += 1
                hits += v is not None
            if v is None:
                p.set(k, VALUE)
        p.execute()
    used = s.r.info("memory")["used_memory"]
    cap = s.r.info("memory")["maxmemory"]
    evicted = s.r.info("stats")["evicted_keys"]
    keys = s.r.dbsize()
    s.stop()
    return hits / measured, used, cap, evicted, keys


def main():
    stream = request_stream()
    workdir = tempfile.mkdtemp(prefix="rill-bench-eviction-")
    try:
        print("cache workload: %d requests, Zipf s=%.2f over %d keys, %d-byte values, "
              "maxmemory %s, %s" % (OPS, ZIPF_S, KEYSPACE, len(VALUE), MAXMEMORY, POLICY))
        rates = {}
        for kind in ("rill", "redis"):
            rate, used, cap, evicted, keys = run(kind, workdir, stream)
            rates[kind] = rate
            print("%-5s: hit rate %.2f%% (second half), used_memory %.1f MB of %.1f MB, "
                  "%d keys, %d evicted" % (kind, rate * 100, used / 1e6, cap / 1e6, keys, evicted))
        print("hit rate difference rill - redis: %+.2f points" % ((rates["rill"] - rates["redis"]) * 100))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
