"""MIGRATE from rill and from redis-server 7.0, to rill and to redis-server: the same sequence of
calls gives the same replies and leaves the same keys on both sides (moved, copied, replaced,
with their TTLs, in the target database), errors included."""
import pytest
import redis

from conftest import free_port, start_redis, start_rill


@pytest.fixture(scope="module")
def servers():
    started = [start_rill(), start_redis(), start_rill(), start_redis(),
               start_redis("--requirepass", "secret")]
    try:
        yield started
    finally:
        for s in started:
            s.stop()


def call(r, *args):
    try:
        return r.execute_command(*args)
    except redis.ResponseError as e:
        return "error: %s" % e


def scenario(src, dst, dst_port, locked, locked_port):
    """The calls, and what each leaves behind, as one list to compare."""
    for r in (src, dst, locked):
        r.flushall()
    src.set("k1", "v1")
    src.set("k2", "v2", ex=100)
    src.rpush("l", 1, 2, 3)
    src.hset("h", mapping={"f": "v"})
    out = []
    m = ["MIGRATE", "127.0.0.1", dst_port]
    out.append(call(src, *m, "k1", 0, 1000))
    out.append((src.exists("k1"), dst.get("k1")))
    out.append(call(src, *m, "", 3, 1000, "KEYS", "k2", "l", "missing"))
    d3 = redis.Redis(port=dst.connection_pool.connection_kwargs["port"], db=3)
    out.append((src.exists("k2", "l"), 99000 < d3.pttl("k2") <= 100000, d3.lrange("l", 0, -1)))
    out.append(call(src, *m, "missing", 0, 1000))
    src.set("k1", "again")
    out.append(call(src, *m, "k1", 0, 1000))  # BUSYKEY on the target
    out.append(src.get("k1"))
    out.append(call(src, *m, "k1", 0, 1000, "COPY", "REPLACE"))
    out.append((src.get("k1"), dst.get("k1")))
    out.append(call(src, "MIGRATE", "127.0.0.1", free_port(), "k1", 0, 1000))
    out.append(call(src, *m, "k1", 0, 1000, "KEYS", "k1"))
    out.append(call(src, *m, "k1", 0, 1000, "bogus"))
    out.append(call(src, *m, "k1", 0, 1000, "auth"))
    out.append(call(src, *m, "k1", "x", 1000))
    out.append(call(src, *m, "k1", 0, "x"))
    out.append(call(src, *m, "h", 0, 0, "COPY"))  # timeout 0 means 1000 ms
    lk = ["MIGRATE", "127.0.0.1", locked_port, "k1", 0, 1000]
    out.append(call(src, *lk, "COPY"))
    out.append(call(src, *lk, "COPY", "AUTH", "wrong"))
    out.append(call(src, *lk, "COPY", "AUTH", "secret"))
    out.append(call(src, *lk, "REPLACE", "AUTH2", "default", "secret"))
    out.append((locked.get("k1"), src.exists("k1")))
    return out


@pytest.mark.parametrize("target", ["rill", "redis"])
def test_same_replies_and_effects_as_redis(servers, target):
    rill_src, redis_src, rill_dst, redis_dst, locked = servers
    dst = rill_dst if target == "rill" else redis_dst
    dst_r = redis.Redis(port=dst.port)
    locked_r = redis.Redis(port=locked.port, password="secret")
    got = scenario(redis.Redis(port=rill_src.port), dst_r, dst.port, locked_r, locked.port)
    want = scenario(redis.Redis(port=redis_src.port), dst_r, dst.port, locked_r, locked.port)
    assert got == want


def test_a_cached_connection_the_target_closed_is_replaced(servers):
    rill_src = redis.Redis(port=servers[0].port)
    target = start_rill()
    try:
        t = redis.Redis(port=target.port)
        rill_src.set("a", 1)
        assert rill_src.migrate("127.0.0.1", target.port, "a", 0, 1000)
        t.client_kill_filter(_type="normal", skipme=True)  # drops the cached connection
        rill_src.set("b", 2)
        assert rill_src.migrate("127.0.0.1", target.port, "b", 0, 1000)
        assert t.mget("a", "b") == [b"1", b"2"]
    finally:
        target.stop()


def test_passwords_are_redacted_in_the_slowlog(servers):
    rill_src = redis.Redis(port=servers[0].port)
    rill_src.config_set("slowlog-log-slower-than", 0)
    try:
        rill_src.slowlog_reset()
        rill_src.set("k", "v")
        call(rill_src, "MIGRATE", "127.0.0.1", servers[4].port, "k", 0, 1000, "COPY",
             "AUTH2", "default", "secret")
        entry = [e for e in rill_src.slowlog_get() if e["command"].startswith(b"MIGRATE")][0]
        assert b"secret" not in entry["command"] and b"(redacted)" in entry["command"]
    finally:
        rill_src.config_set("slowlog-log-slower-than", 10000)


def test_command_getkeys_finds_the_keys_redis_finds(servers):
    rill_r, redis_r = redis.Redis(port=servers[0].port), redis.Redis(port=servers[1].port)
    forms = [["h", 1, "", 0, 5, "KEYS", "a", "b"], ["h", 1, "k", 0, 5], ["h", 1, "k", 0, 5, "KEYS", "a"],
             ["h", 1, "", 0, 5, "AUTH", "keys", "KEYS", "z"], ["h", 1, "", 0, 5, "AUTH2", "u", "keys", "KEYS", "y"]]
    for r in (rill_r, redis_r):  # redis-py would parse the reply as COMMAND's
        r.set_response_callback("COMMAND", lambda response, **options: response)
    for form in forms:
        assert call(rill_r, "COMMAND", "GETKEYS", "MIGRATE", *form) == \
            call(redis_r, "COMMAND", "GETKEYS", "MIGRATE", *form), form
