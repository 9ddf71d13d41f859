"""maxmemory and the eviction policies: used memory stays at the cap, and each policy picks
the keys it should. Replies of the commands refused under the cap are compared with
redis-server in tests/compat/scripts/maxmemory.txt; scripts with flags are compared here."""
import time

import pytest
import redis

from conftest import start_redis, start_rill
from test_differential import RawConn

VALUE = "v" * 1000
CAP = 8 * 1024 * 1024


@pytest.fixture
def server():
    s = start_rill("--save", "")
    yield s
    s.stop()


def fill_over_cap(r, prefix, n, ex=None):
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("%s%d" % (prefix, i), VALUE, ex=ex)
        if i % 500 == 499:
            p.execute()
    p.execute()


def used(r):
    return r.info("memory")["used_memory"]


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_keep_used_memory_at_the_cap(server, policy):
    r = redis.Redis(port=server.port)
    r.config_set("maxmemory-policy", policy)
    r.config_set("maxmemory", CAP)
    fill_over_cap(r, "k", 30000)  # about 35 MB of data for an 8 MB cap
    assert used(r) <= CAP
    # Read together: a command between the two could evict again (its latency histogram
    # takes memory too).
    keys, stats = r.pipeline(transaction=True).dbsize().info("stats").execute()
    evicted = stats["evicted_keys"]
    assert evicted > 0
    assert keys + evicted == 30000
    assert r.get("k29999") == VALUE.encode()  # the newest key is there


def test_lru_keeps_what_is_read(server):
    r = redis.Redis(port=server.port)
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-samples", 10)
    fill_over_cap(r, "hot", 200)
    fill_over_cap(r, "old", 6000)  # about 7 MB, under the cap still
    # The LRU clock ticks in seconds: the hot keys are read a second after the old keys
    # were written, then new keys push the old ones out.
    time.sleep(1.2)
    for i in range(200):
        r.get("hot%d" % i)
    r.config_set("maxmemory", CAP)
    fill_over_cap(r, "new", 4000)
    assert r.info("stats")["evicted_keys"] > 0
    survivors = sum(r.exists("hot%d" % i) for i in range(200))
    assert survivors >= 180, survivors


def test_lfu_keeps_what_is_read_often(server):
    r = redis.Redis(port=server.port)
    r.config_set("maxmemory-policy", "allkeys-lfu")
    fill_over_cap(r, "hot", 100)
    for _ in range(30):
        for i in range(100):
            r.get("hot%d" % i)
    assert r.object("freq", "hot0") > 5
    r.config_set("maxmemory", CAP)
    fill_over_cap(r, "cold", 30000)
    survivors = sum(r.exists("hot%d" % i) for i in range(100))
    assert survivors >= 90, survivors


def test_volatile_policies_evict_only_keys_with_a_ttl(server):
    r = redis.Redis(port=server.port)
    r.config_set("maxmemory-policy", "volatile-lru")
    fill_over_cap(r, "keep", 3000)  # about 3.5 MB, no TTL
    r.config_set("maxmemory", CAP)
    fill_over_cap(r, "ttl", 20000, ex=3600)
    assert used(r) <= CAP
    assert all(r.exists("keep%d" % i) for i in range(0, 3000, 97))
    # Only keys without a TTL left to take: writes are refused.
    r.config_set("maxmemory-policy", "volatile-random")
    r.execute_command("PERSIST", "ttl19999")
    for k in r.scan_iter("ttl*", count=1000):
        r.persist(k)
    with pytest.raises(redis.ResponseError, match="OOM command not allowed"):
        fill_over_cap(r, "more", 5000)


def test_volatile_ttl_evicts_the_nearest_expiry_first(server):
    r = redis.Redis(port=server.port)
    r.config_set("maxmemory-policy", "volatile-ttl")
    r.config_set("maxmemory-samples", 20)
    fill_over_cap(r, "far", 2000, ex=100000)
    r.config_set("maxmemory", CAP)
    fill_over_cap(r, "near", 20000, ex=1000)
    far = sum(r.exists("far%d" % i) for i in range(2000))
    assert far >= 1900, far


def test_object_idletime_and_freq_follow_the_policy(server):
    r = redis.Redis(port=server.port)
    r.set("k", "v")
    assert r.object("idletime", "k") == 0
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        r.object("freq", "k")
    r.config_set("maxmemory-policy", "allkeys-lfu")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is selected"):
        r.object("idletime", "k")
    # A key made under LFU starts at Redis's LFU_INIT_VAL; its first read, at a counter that
    # low, always counts.
    r.set("new", "v")
    assert r.object("freq", "new") == 5
    r.get("new")
    assert r.object("freq", "new") == 6


SHEBANG_SCRIPTS = [
    ["EVAL", "#!lua\nreturn 1", "0"],
    ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
    ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','q','1')", "0"],
    ["EVAL", "#!lua flags=allow-oom,no-writes\nreturn redis.call('get','q')", "0"],
    ["EVAL_RO", "#!lua\nreturn 1", "0"],
]


def test_scripts_with_flags_under_the_cap_match_redis(server):
    ref = start_redis()
    try:
        for port in (server.port, ref.port):
            RawConn(port).call(["CONFIG", "SET", "maxmemory", "1"])
        for cmd in SHEBANG_SCRIPTS:
            assert RawConn(server.port).call(cmd) == RawConn(ref.port).call(cmd), cmd
    finally:
        ref.stop()


def test_the_keyspace_does_not_grow_into_memory_that_keys_would_pay_for(server):
    """Redis's unit/maxmemory check: at 4096 keys the next table is 64 KB more; with 10 KB
    left under maxmemory the table stays as it is instead of evicting keys for its buckets."""
    r = redis.Redis(port=server.port)
    r.config_set("maxmemory-policy", "allkeys-random")
    pipe = r.pipeline(transaction=False)
    for i in range(4096):
        pipe.set(str(i), "x")
    pipe.execute()
    r.config_set("maxmemory", str(r.info("memory")["used_memory"] + 10 * 1024))
    r.set("k1", "v1")
    r.set("k2", "v2")
    assert r.dbsize() == 4098
    assert r.info("stats")["evicted_keys"] == 0
