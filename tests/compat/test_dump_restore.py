"""DUMP and RESTORE against redis-server 7.0: payloads move both ways for every type and
encoding, the options and the error replies are Redis's, and damaged payloads (with a correct
checksum, so the value itself is read) are refused without harm."""
import random
import struct

import pytest
import redis

from conftest import start_redis, start_rill
from test_rdb_files import crc64


@pytest.fixture(scope="module")
def pair():
    rill, ref = start_rill(), start_redis("--enable-debug-command", "yes")
    try:
        yield redis.Redis(port=rill.port), redis.Redis(port=ref.port)
    finally:
        rill.stop()
        ref.stop()


def fill(r):
    r.flushall()
    r.set("str", "hello")
    r.set("int", 123456789)
    r.set("bigint", -(2**63))
    r.set("long", "abc" * 1000)
    r.set("bin", bytes(range(256)))
    r.rpush("list", *range(10), "x" * 100)
    r.rpush("biglist", *["e%d" % i for i in range(5000)])
    r.sadd("intset", 1, 2, -3, 2**40)
    r.sadd("set", "a", "b", "c")
    r.sadd("bigset", *range(1000))
    r.zadd("zset", {"a": 1, "b": 2.5, "c": float("-inf")})
    r.zadd("bigzset", {"m%d" % i: i / 3 for i in range(500)})
    r.hset("hash", mapping={"f": "v", "n": 7})
    r.hset("bighash", mapping={"f%d" % i: "v" * (i % 70) for i in range(1000)})


KEYS = ["str", "int", "bigint", "long", "bin", "list", "biglist", "intset", "set", "bigset", "zset",
        "bigzset", "hash", "bighash"]


def value(r, key):
    t = r.type(key).decode()
    if t == "string":
        return t, r.get(key)
    if t == "list":
        return t, r.lrange(key, 0, -1)
    if t == "set":
        return t, sorted(r.smembers(key))
    if t == "zset":
        return t, r.zrange(key, 0, -1, withscores=True)
    return t, sorted(r.hgetall(key).items())


def test_payloads_move_both_ways(pair):
    rill, ref = pair
    fill(rill)
    fill(ref)
    for key in KEYS:
        for src, dst in ((rill, ref), (ref, rill)):
            dst.restore("copy", 0, src.dump(key), replace=True)
            assert value(dst, "copy") == value(src, key), key
            assert dst.object("encoding", "copy") == src.object("encoding", key) or src is rill


def test_plain_quicklist_nodes_restore_in_rill(pair):
    rill, ref = pair
    ref.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    try:
        ref.delete("plain")
        ref.rpush("plain", "a", b"p" * 300, "b")
        rill.restore("plain", 0, ref.dump("plain"), replace=True)
        assert rill.lrange("plain", 0, -1) == [b"a", b"p" * 300, b"b"]
    finally:
        ref.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", str(2**30))


def test_same_replies_for_every_option_and_error(pair):
    rill, ref = pair
    fill(rill)
    fill(ref)
    good = ref.dump("int")
    cases = [
        ["k", 0, b"xx"], ["str", 0, good], ["k", -1, good], ["k", "x", good],
        ["k", 0, good, "idletime", -1], ["k", 0, good, "idletime", "x"], ["k", 0, good, "freq", 256],
        ["k", 0, good, "freq", -1], ["k", 0, good, "foo"], ["k", 0, good, "idletime"],
        ["k", 0, good, "idletime", 1, "freq", 1], ["k", 0, good, "freq", 1, "idletime", 1],
        ["str", 0, b"xx"], ["str", 0, good, "replace"], ["k2", 0, good, "ABSTTL", "REPLACE"],
        ["k3", 0, good[:-1] + bytes([good[-1] ^ 1])], ["k4", 0, bytes([11]) + good[1:]],
        ["k5", 1, good, "absttl"], ["k6", 0, good, "idletime", 1000],
    ]
    for args in cases:
        replies = []
        for r in (rill, ref):
            try:
                replies.append(r.execute_command("RESTORE", *args))
            except redis.ResponseError as e:
                replies.append("error: %s" % e)
        assert replies[0] == replies[1], args
    for key in ("str", "k2", "k5", "k6"):
        assert rill.exists(key) == ref.exists(key), key
    assert rill.object("idletime", "k6") >= 1000
    assert rill.dump("missing") is None and ref.dump("missing") is None


def test_ttls_and_absttl(pair):
    rill, _ = pair
    good = rill.dump("int") or (rill.set("int", 1) and rill.dump("int"))
    rill.delete("t", "a", "gone")
    assert rill.restore("t", 100000, good)
    assert 99000 < rill.pttl("t") <= 100000
    at = int(rill.time()[0]) * 1000 + 50000
    assert rill.restore("a", at, good, absttl=True)
    assert 40000 < rill.pttl("a") <= 50000
    rill.set("gone", "v")
    assert rill.restore("gone", 1, good, replace=True, absttl=True)  # in the past: deleted
    assert not rill.exists("gone")


def test_restore_announces_itself(pair):
    rill, _ = pair
    rill.config_set("notify-keyspace-events", "KEA")
    try:
        payload = rill.dump("int") or (rill.set("int", 1) and rill.dump("int"))
        p = rill.pubsub()
        p.psubscribe("__keyevent@0__:*")
        p.get_message(timeout=2)
        rill.restore("announced", 0, payload, replace=True)
        rill.set("past", "v")
        rill.restore("past", 1, payload, replace=True, absttl=True)
        events = []
        while True:
            m = p.get_message(timeout=1)
            if not m:
                break
            events.append((m["channel"].decode().split(":")[-1], m["data"]))
        assert ("restore", b"announced") in events
        assert ("del", b"past") in events
        p.close()
    finally:
        rill.config_set("notify-keyspace-events", "")


def with_footer(body):
    data = body + struct.pack("<H", 10)
    return data + struct.pack("<Q", crc64(data))


def test_damaged_values_are_refused_and_the_server_goes_on(pair):
    rill, ref = pair
    fill(ref)
    rng = random.Random(7)
    for key in KEYS:
        body = ref.dump(key)[:-10]
        for _ in range(40):
            bad = bytearray(body)
            for _ in range(rng.randint(1, 3)):
                bad[rng.randrange(len(bad))] = rng.randrange(256)
            cut = rng.choice([len(bad), rng.randrange(1, len(bad) + 1)])
            try:
                assert rill.restore("damaged", 0, with_footer(bytes(bad[:cut])), replace=True)
            except redis.ResponseError as e:
                assert str(e) == "Bad data format", key
    assert rill.ping()


def test_scores_keep_their_exact_value_both_ways(pair):
    """Packed sorted sets write each score as text: every double comes back the same."""
    rill, ref = pair
    rng = random.Random(3)
    scores = [0.1, 1e-7, 123456.789, -2.5, 1e20, 3, -0.0, 2**53 + 2, 1 / 3, 5e-324, 1.7976931348623157e308,
              float("inf"), float("-inf")] + [rng.uniform(-1e6, 1e6) for _ in range(50)] + \
             [round(rng.uniform(-1e4, 1e4), rng.randint(0, 6)) for _ in range(50)]
    for r in (rill, ref):
        r.delete("scores")
        for i, sc in enumerate(scores):
            r.zadd("scores", {"m%d" % i: sc})
        r.config_set("zset-max-listpack-entries", 1000)
    try:
        want = ref.execute_command("ZRANGE", "scores", 0, -1, "WITHSCORES")
        for src, dst in ((rill, ref), (ref, rill), (rill, rill)):
            dst.restore("copy", 0, src.dump("scores"), replace=True)
            assert dst.execute_command("ZRANGE", "copy", 0, -1, "WITHSCORES") == want
    finally:
        for r in (rill, ref):
            r.config_set("zset-max-listpack-entries", 128)
