"""Streams beside redis-server 7.0: random command sequences compared byte for byte (explicit
IDs, so both servers make the same ones; two node sizes, so trimming by whole nodes and
XINFO's node counts are compared too), DUMP payloads both ways, and the blocking reads:
XREAD with $, XREADGROUP served first-blocked first, timeouts, and the errors of a stream
that goes away while a consumer waits."""
import random
import threading
import time

import pytest
import redis

from test_differential import RawConn

KEYS = ["s1", "s2"]
NODE_SIZES = {"default": {}, "small": {"stream-node-max-entries": "3"}}


def stream_id(rng, base):
    """Mostly near base (which grows through a sequence), so most XADDs are accepted."""
    ms = max(0, base + rng.randint(-4, 2))
    form = rng.random()
    if form < 0.6:
        return "%d-%d" % (ms, rng.randint(0, 3))
    if form < 0.8:
        return str(ms)
    if form < 0.9:
        return "%d-*" % ms
    return rng.choice(["0-0", "abc", "1-x", "-", "+", "18446744073709551615-18446744073709551615"])


def bound(rng, base):
    ms = max(0, base + rng.randint(-30, 3))
    b = rng.choice(["-", "+", str(ms), "%d-%d" % (ms, rng.randint(0, 3))])
    if b not in "-+" and rng.random() < 0.3:
        b = "(" + b
    return b


def trim_args(rng, base):
    if rng.random() < 0.5:
        return []
    how = rng.choice(["", "~", "="])
    if rng.random() < 0.5:
        args = ["MAXLEN"] + ([how] if how else []) + [str(rng.randint(0, 12))]
    else:
        args = ["MINID"] + ([how] if how else []) + ["%d" % max(0, base - rng.randint(0, 40))]
    if how == "~" and rng.random() < 0.3:
        args += ["LIMIT", str(rng.randint(0, 5))]
    return args


def fields(rng):
    n = rng.choice([1, 1, 2, 3])
    names = rng.sample(["a", "b", "c", "1", "name"], n)
    return [x for f in names for x in (f, rng.choice(["v", "1", "-7", "x" * 40, ""]))]


def stream_command(rng, base):
    k, k2 = rng.choice(KEYS), rng.choice(KEYS)
    g, c = rng.choice(["g1", "g2"]), rng.choice(["alice", "bob", "carol"])
    ids = [stream_id(rng, base) for _ in range(rng.randint(1, 3))]
    count = ["COUNT", str(rng.randint(0, 4))] if rng.random() < 0.5 else []
    choices = [
        ["XADD", k, *trim_args(rng, base), stream_id(rng, base), *fields(rng)],
        ["XADD", k, "NOMKSTREAM", stream_id(rng, base), *fields(rng)],
        ["XRANGE", k, bound(rng, base), bound(rng, base), *count],
        ["XREVRANGE", k, bound(rng, base), bound(rng, base), *count],
        ["XLEN", k], ["XDEL", k, *ids],
        ["XTRIM", k, *(trim_args(rng, base) or ["MAXLEN", "5"])],
        ["XGROUP", "CREATE", k, g, rng.choice(["0", "$", stream_id(rng, base)]),
         *(["MKSTREAM"] if rng.random() < 0.5 else [])],
        ["XGROUP", "SETID", k, g, rng.choice(["0", "$", stream_id(rng, base)])],
        ["XGROUP", "CREATE", k, g, rng.choice(["0", "$"]), "ENTRIESREAD", str(rng.randint(-2, 20))],
        ["XGROUP", "SETID", k, g, stream_id(rng, base), "ENTRIESREAD", str(rng.randint(-1, 9))],
        ["XGROUP", "DESTROY", k, g], ["XGROUP", "CREATECONSUMER", k, g, c],
        ["XGROUP", "DELCONSUMER", k, g, c],
        ["XREADGROUP", "GROUP", g, c, *count, *(["NOACK"] if rng.random() < 0.2 else []),
         "STREAMS", k, rng.choice([">", ">", "0", stream_id(rng, base)])],
        ["XREAD", *count, "STREAMS", k, k2, stream_id(rng, base), rng.choice(["0", "$"])],
        ["XACK", k, g, *ids], ["XPENDING", k, g],
        ["XCLAIM", k, g, c, "0", *ids, *(["JUSTID"] if rng.random() < 0.5 else []),
         *(["FORCE"] if rng.random() < 0.3 else [])],
        ["XAUTOCLAIM", k, g, c, "0", rng.choice(["0", "0-0", "(5-0", "10"]), *count,
         *(["JUSTID"] if rng.random() < 0.5 else [])],
        ["XINFO", "STREAM", k], ["XINFO", "GROUPS", k],
        ["XSETID", k, stream_id(rng, base)],
        ["TYPE", k], ["OBJECT", "ENCODING", k], ["EXISTS", k],
        ["SET", "str", "x"], ["XADD", "str", "1-1", "a", "b"], ["XRANGE", "str", "-", "+"],
    ]
    return rng.choice(choices)


def run(port, commands, settings):
    conn = RawConn(port)
    try:
        conn.call(["FLUSHALL"])
        for name, value in settings.items():
            conn.call(["CONFIG", "SET", name, value])
        return [conn.call(cmd) for cmd in commands]
    finally:
        conn.call(["CONFIG", "SET", "stream-node-max-entries", "100"])
        conn.close()


@pytest.mark.parametrize("nodes", sorted(NODE_SIZES))
def test_random_stream_sequences_match_redis(rill_module, redis_module, nodes):
    for seed in range(4):
        rng = random.Random(seed)
        commands = [stream_command(rng, i // 8) for i in range(1500)]
        ours = run(rill_module.port, commands, NODE_SIZES[nodes])
        theirs = run(redis_module.port, commands, NODE_SIZES[nodes])
        errors = sum(r.startswith(b"-") for r in theirs)
        assert errors < len(commands) // 2  # error paths are compared too, not only those
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a == b, "seed %d, command %d: %s\n  rill:  %r\n  redis: %r" % (
                seed, i, " ".join(commands[i]), a, b)


def build_stream(r):
    r.delete("x")
    for i in range(1, 400):
        r.xadd("x", {"f": i, "g": "v" * (i % 5)} if i % 3 else {"h": "z"}, id="%d-%d" % (i, i % 4))
    r.xdel("x", "7-3", "300-0")
    r.xgroup_create("x", "idle", id="$")
    r.execute_command("XGROUP", "CREATECONSUMER", "x", "idle", "nobody")


def test_dump_payloads_are_the_same_bytes_and_restore_both_ways(rill_module, redis_module):
    ours = redis.Redis(port=rill_module.port)
    theirs = redis.Redis(port=redis_module.port)
    for r in (ours, theirs):
        build_stream(r)
    payload = theirs.dump("x")
    # Consumers carry their seen time: compare the payloads without groups.
    for r in (ours, theirs):
        r.xgroup_destroy("x", "idle")
    assert ours.dump("x") == theirs.dump("x")
    ours.restore("from-redis", 0, payload, replace=True)
    theirs.restore("from-rill", 0, ours.dump("x"), replace=True)
    assert ours.xrange("from-redis") == theirs.xrange("x")
    assert theirs.xrange("from-rill") == ours.xrange("x")
    assert [g["name"] for g in ours.xinfo_groups("from-redis")] == [b"idle"]
    assert ours.xinfo_consumers("from-redis", "idle")[0]["name"] == b"nobody"
    for r in (ours, theirs):
        with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum"):
            r.restore("bad", 0, payload[:-1] + bytes([payload[-1] ^ 1]))


def reader(port, args, out):
    r = redis.Redis(port=port, socket_timeout=20)
    try:
        out.append(r.execute_command(*args))
    except redis.ResponseError as e:
        out.append(e)


def start_reader(port, *args):
    out = []
    t = threading.Thread(target=reader, args=(port, args, out))
    t.start()
    return t, out


def wait_blocked(r, n):
    deadline = time.time() + 10
    while int(r.info("clients")["blocked_clients"]) < n:
        assert time.time() < deadline, "clients did not block"
        time.sleep(0.01)


@pytest.fixture
def r(rill_module):
    c = redis.Redis(port=rill_module.port, socket_timeout=20)
    c.flushall()
    yield c
    c.flushall()


def test_xread_block_with_dollar_gets_only_new_entries(r, rill_module):
    r.xadd("q", {"old": 1}, id="1-0")
    t, out = start_reader(rill_module.port, "XREAD", "BLOCK", "0", "STREAMS", "q", "other", "$", "$")
    wait_blocked(r, 1)
    r.xadd("other", {"x": 1}, id="5-0")
    t.join(10)
    assert out == [[[b"other", [(b"5-0", {b"x": b"1"})]]]] or out == [
        [[b"other", [[b"5-0", [b"x", b"1"]]]]]]


def test_xreadgroup_waiters_are_served_in_blocking_order(r, rill_module):
    r.xgroup_create("jobs", "workers", id="$", mkstream=True)
    first, a = start_reader(rill_module.port, "XREADGROUP", "GROUP", "workers", "w1", "BLOCK",
                            "0", "STREAMS", "jobs", ">")
    wait_blocked(r, 1)
    second, b = start_reader(rill_module.port, "XREADGROUP", "GROUP", "workers", "w2", "BLOCK",
                             "0", "STREAMS", "jobs", ">")
    wait_blocked(r, 2)
    r.xadd("jobs", {"n": 1}, id="1-0")
    first.join(10)
    assert a[0][0][1][0][0] == b"1-0"
    assert not b
    r.xadd("jobs", {"n": 2}, id="2-0")
    second.join(10)
    assert b[0][0][1][0][0] == b"2-0"
    pending = r.xpending("jobs", "workers")
    assert pending["pending"] == 2
    assert sorted(c["name"] for c in pending["consumers"]) == [b"w1", b"w2"]


def test_block_timeout_replies_nil(r, rill_module):
    conn = RawConn(rill_module.port)
    start = time.time()
    assert conn.call(["XREAD", "BLOCK", "100", "STREAMS", "none", "$"]) == b"*-1\r\n"
    assert time.time() - start >= 0.09
    conn.close()


@pytest.mark.parametrize("how", ["del", "set", "flushall", "destroy"])
def test_xreadgroup_waiter_hears_its_stream_go(r, rill_module, how):
    r.xgroup_create("gone", "g", id="$", mkstream=True)
    t, out = start_reader(rill_module.port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0",
                          "STREAMS", "gone", ">")
    wait_blocked(r, 1)
    if how == "del":
        r.delete("gone")
    elif how == "set":
        r.set("gone", "string now")
    elif how == "flushall":
        r.flushall()
    else:
        r.xgroup_destroy("gone", "g")
    t.join(10)
    want = "no longer exists"
    assert isinstance(out[0], redis.ResponseError) and want in str(out[0])
    if how == "destroy":
        assert str(out[0]).startswith("NOGROUP the consumer group")


def test_blocked_xread_counts_as_one_call(r, rill_module):
    r.config_resetstat()
    t, out = start_reader(rill_module.port, "XREAD", "BLOCK", "0", "STREAMS", "c", "$")
    wait_blocked(r, 1)
    r.xadd("c", {"a": 1})
    t.join(10)
    assert r.info("commandstats")["cmdstat_xread"]["calls"] == 1


def test_xread_block_in_a_script_is_refused(r):
    with pytest.raises(redis.ResponseError, match="not allowed with BLOCK option from scripts"):
        r.eval("return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', 'k', '$')", 0)
    r.xadd("k", {"a": 1}, id="1-0")
    assert r.eval("return redis.call('XLEN', 'k')", 0) == 1


def test_streams_follow_the_keyspace(r):
    r.xadd("s", {"a": 1}, id="1-0")
    r.xgroup_create("s", "g", id="0")
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    assert r.scan(0, _type="stream")[1] == [b"s"]
    assert r.copy("s", "t")
    r.xreadgroup("g", "c", {"t": ">"})
    assert r.xpending("s", "g")["pending"] == 0  # the copy has its own groups
    assert r.xpending("t", "g")["pending"] == 1
    r.rename("t", "u")
    assert r.xrange("u") == r.xrange("s")
    r.pexpire("u", 50)
    deadline = time.time() + 5
    while r.exists("u"):
        assert time.time() < deadline
        time.sleep(0.02)
    assert r.memory_usage("s") > 0


def test_extreme_times_and_counters_stay_in_range(r, rill_module):
    """Client numbers that would overflow a subtraction or a counter (UBSan-clean here)."""
    conn = RawConn(rill_module.port)
    conn.call(["XADD", "t", "1-0", "a", "1"])
    conn.call(["XGROUP", "CREATE", "t", "g", "0", "ENTRIESREAD", str(2**63 - 1)])
    conn.call(["XREADGROUP", "GROUP", "g", "c", "STREAMS", "t", ">"])
    for opt in (["IDLE", str(-2**63)], ["IDLE", str(2**63 - 1)], ["TIME", str(-2**63)],
                ["TIME", str(2**63 - 1)]):
        reply = conn.call(["XCLAIM", "t", "g", "c", "0", "1-0", *opt, "JUSTID"])
        assert reply == b"*1\r\n$3\r\n1-0\r\n"
        idle = r.xpending_range("t", "g", "-", "+", 10)[0]["time_since_delivered"]
        assert 0 <= idle < 60000
    reply = conn.call(["XAUTOCLAIM", "t", "g", "d", str(2**62), "0"])
    assert reply.startswith(b"*3\r\n$3\r\n0-0\r\n")
    assert r.xinfo_groups("t")[0]["entries-read"] == 2**63 - 1
    conn.close()
