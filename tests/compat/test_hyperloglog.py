"""HyperLogLog against redis-server 7.0, reply for reply (raw RESP) and byte for byte in the
values: PFADD, PFCOUNT, PFMERGE, PFDEBUG, every error, the sparse to dense promotion at
hll-sparse-max-bytes, damaged values, and HLLs moved between the servers with DUMP/RESTORE."""
import random

import pytest
import redis

from conftest import start_redis, start_rill
from test_differential import RawConn, same


@pytest.fixture(scope="module")
def servers():
    rill, ref = start_rill(), start_redis()
    a, b = RawConn(rill.port), RawConn(ref.port)
    try:
        yield rill, ref, a, b
    finally:
        a.close()
        b.close()
        rill.stop()
        ref.stop()


@pytest.fixture
def conns(servers):
    _, _, a, b = servers
    same((a, b), "FLUSHALL")
    same((a, b), "CONFIG", "SET", "hll-sparse-max-bytes", "3000")
    return a, b


FIXED = [
    ["PFADD", "h"], ["GET", "h"], ["PFCOUNT", "h"], ["GET", "h"], ["OBJECT", "ENCODING", "h"],
    ["PFADD", "h", "a", "b", "c"], ["PFADD", "h", "a"], ["PFADD", "h", ""], ["PFCOUNT", "h"],
    ["GET", "h"], ["PFCOUNT", "h"], ["PFDEBUG", "ENCODING", "h"], ["PFDEBUG", "DECODE", "h"],
    ["PFCOUNT", "none"], ["PFCOUNT", "none", "none2"], ["PFCOUNT", "h", "none"],
    ["PFADD", "h2", "c", "d", "e", "f"], ["PFCOUNT", "h", "h2"], ["PFMERGE", "m", "h", "h2"],
    ["GET", "m"], ["PFCOUNT", "m"], ["PFMERGE", "m"], ["PFMERGE", "empty"], ["GET", "empty"],
    ["PFMERGE", "h", "h2", "none"], ["GET", "h"], ["PFDEBUG", "TODENSE", "h2"],
    ["PFDEBUG", "TODENSE", "h2"], ["PFDEBUG", "ENCODING", "h2"], ["PFDEBUG", "DECODE", "h2"],
    ["PFMERGE", "m2", "h", "h2"], ["PFDEBUG", "ENCODING", "m2"], ["GET", "m2"], ["PFCOUNT", "m2"],
    ["PFDEBUG", "GETREG", "h"], ["PFDEBUG", "ENCODING", "h"], ["PFDEBUG", "GETREG", "none"],
    ["PFDEBUG", "BOGUS", "h"], ["PFDEBUG", "ENCODING"], ["PFDEBUG", "ENCODING", "h", "x"],
    ["PFADD"], ["PFCOUNT"], ["PFMERGE"], ["PFSELFTEST", "x"],
    ["SET", "s", "not an hll"], ["PFADD", "s", "a"], ["PFCOUNT", "s"], ["PFCOUNT", "s", "h"],
    ["PFMERGE", "s", "h"], ["PFMERGE", "h", "s"], ["PFDEBUG", "ENCODING", "s"],
    ["SET", "n", "12345678901234567"], ["PFADD", "n", "a"], ["PFCOUNT", "n"],
    ["RPUSH", "l", "a"], ["PFADD", "l", "a"], ["PFCOUNT", "l"], ["PFCOUNT", "h", "l"],
    ["PFMERGE", "l", "h"], ["PFMERGE", "h", "l"], ["PFDEBUG", "ENCODING", "l"],
    # Damaged values: magic, encoding, dense size, extra sparse bytes, a short XZERO.
    ["SET", "bad", "HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"], ["PFCOUNT", "bad"], ["PFADD", "bad", "x"],
    ["SET", "bad", "HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"], ["PFCOUNT", "bad"],
    ["SET", "bad", "HYLL\x00\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"], ["PFCOUNT", "bad"],
    ["SET", "bad", "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff\x00"], ["PFCOUNT", "bad"],
    ["PFADD", "bad", "x"], ["PFCOUNT", "bad", "h"], ["PFMERGE", "m3", "bad"], ["EXISTS", "m3"],
    ["PFDEBUG", "GETREG", "bad"], ["PFDEBUG", "TODENSE", "bad"], ["PFDEBUG", "DECODE", "bad"],
    ["SET", "bad", "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xfe"], ["PFCOUNT", "bad"], ["PFADD", "bad", "x"],
    ["SET", "bad", "HYLL"], ["PFCOUNT", "bad"],
    # A valid cache is trusted as it is; a stale one is recomputed and stored.
    ["SET", "c", "HYLL\x01\0\0\0\x2a\0\0\0\0\0\0\0\x7f\xff"], ["PFCOUNT", "c"],
    ["SET", "c", "HYLL\x01\0\0\0\x2a\0\0\0\0\0\0\x80\x7f\xff"], ["PFCOUNT", "c"], ["GET", "c"],
    ["SET", "t", "x"], ["EXPIRE", "t", "1000"], ["DEL", "t"], ["PFADD", "t", "a"], ["EXPIRE", "t", "1000"],
    ["PFADD", "t", "zz", "yy"], ["TTL", "t"], ["PFMERGE", "t", "h"], ["TTL", "t"],
]


def test_every_form_and_error_answers_as_redis(conns):
    for args in FIXED:
        same(conns, *args)


def test_promotion_to_dense_follows_the_sparse_limit(conns):
    for limit in (0, 30, 200, 3000, 20000):
        same(conns, "CONFIG", "SET", "hll-sparse-max-bytes", limit)
        same(conns, "DEL", "p")
        for i in range(0, 4000, 50):
            same(conns, "PFADD", "p", *["e%d" % j for j in range(i, i + 50)])
            same(conns, "PFDEBUG", "ENCODING", "p")
        same(conns, "GET", "p")
        same(conns, "PFCOUNT", "p")


def test_random_sequences_match_redis_byte_for_byte(conns):
    rng = random.Random(23)
    keys = ["k%d" % i for i in range(5)]
    for step in range(1500):
        k = rng.choice(keys)
        r = rng.random()
        if r < 0.6:
            n = rng.choice([1, 3, 20, 200])
            args = ["PFADD", k] + [rng.randbytes(rng.randint(0, 10)) for _ in range(n)]
        elif r < 0.75:
            args = ["PFCOUNT"] + rng.sample(keys, rng.randint(1, 3))
        elif r < 0.85:
            args = ["PFMERGE", k] + rng.sample(keys, rng.randint(0, 3))
        elif r < 0.9:
            args = ["PFDEBUG", rng.choice(["ENCODING", "DECODE", "TODENSE"]), k]
        elif r < 0.93:
            args = ["CONFIG", "SET", "hll-sparse-max-bytes", rng.choice([100, 1000, 3000])]
        else:
            args = ["GET", k]
        same(conns, *args)
    for k in keys:
        same(conns, "GET", k)


def test_damaged_values_are_detected_not_trusted(conns):
    """Redis's fuzzing test: random bytes written into sparse and dense HLLs; both servers must
    give the same answer (an estimate or INVALIDOBJ), and stay up."""
    rng = random.Random(5)
    for _ in range(300):
        same(conns, "DEL", "f")
        same(conns, "PFADD", "f", *["x%d" % i for i in range(rng.choice([10, 100, 3000]))])
        length = int(same(conns, "STRLEN", "f")[1:-2])
        for _ in range(rng.randint(1, 5)):
            offset = rng.randrange(16, length)
            same(conns, "SETRANGE", "f", offset, bytes([rng.randrange(256)]))
        same(conns, rng.choice(["PFCOUNT", "PFADD"]), "f", "extra")
        same(conns, "PFCOUNT", "f", "none")
        same(conns, "PFMERGE", "g", "f")
        same(conns, "GET", "f")


def test_hlls_move_between_the_servers(servers):
    rill, ref, _, _ = servers
    a, b = redis.Redis(port=rill.port), redis.Redis(port=ref.port)
    a.delete("small", "big")
    b.delete("small", "big")
    b.pfadd("small", *range(100))
    b.pfadd("big", *range(50000))
    for key in ("small", "big"):
        payload = b.dump(key)
        a.restore(key, 0, payload, replace=True)
        assert a.pfcount(key) == b.pfcount(key)
        a.pfadd(key, "one more")
        b.pfadd(key, "one more")
        assert a.get(key) == b.get(key)
        b.restore(key + "-back", 0, a.dump(key), replace=True)
        assert b.get(key + "-back") == a.get(key)


def test_pfcount_caching_touches_watched_keys(servers):
    rill, _, _, _ = servers
    a, w = redis.Redis(port=rill.port), redis.Redis(port=rill.port)
    a.delete("hw")
    a.pfadd("hw", "a", "b")
    with w.pipeline() as p:
        p.watch("hw")
        a.pfcount("hw")  # stores the estimate in the value
        p.multi()
        p.get("hw")
        with pytest.raises(redis.WatchError):
            p.execute()
    with w.pipeline() as p:
        p.watch("hw")
        a.pfcount("hw")  # the cached estimate: nothing changes
        p.multi()
        p.get("hw")
        assert p.execute()[0] == a.get("hw")
