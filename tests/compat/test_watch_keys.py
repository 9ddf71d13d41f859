"""Which keys a write counts as changed, against redis-server 7.0: WATCH on each key a command
names, then the command, then EXEC. Keys the key specs say are only read (the sources of
SINTERSTORE, ZUNIONSTORE, BITOP, COPY, PFMERGE, ZRANGESTORE, ...) keep WATCH; the ones written
break it (and client-side caches hear of the same keys)."""
import pytest
import redis

from conftest import start_redis, start_rill

WATCHABLE = {"a", "b", "za", "zb", "s1", "s2", "h1", "l1", "l2", "g", "d", "d2", "d3", "d4", "d5",
             "d6", "d7", "missing"}

CASES = [
    ("SINTERSTORE", "d", "a", "b"), ("SUNIONSTORE", "d", "a", "b"), ("SDIFFSTORE", "d", "a", "b"),
    ("ZUNIONSTORE", "d", 2, "za", "zb"), ("ZINTERSTORE", "d", 2, "za", "zb"),
    ("ZRANGESTORE", "d", "za", 0, -1), ("BITOP", "AND", "d", "s1", "s2"), ("COPY", "s1", "d2"),
    ("PFMERGE", "d3", "h1"), ("LMOVE", "l1", "d4", "LEFT", "RIGHT"), ("RPOPLPUSH", "l1", "d7"),
    ("SORT", "l2", "STORE", "d5"), ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km"),
    ("RENAME", "s1", "d6"), ("SMOVE", "a", "b", "1"), ("SMOVE", "a", "b", "2"),
    ("EVAL", "return redis.call('set', KEYS[1], 'x')", 2, "s1", "s2"), ("GETEX", "s1", "EX", 100),
    ("MSET", "s1", "1", "s2", "2"), ("DEL", "s1", "missing"), ("UNLINK", "missing", "s2"),
    ("BITFIELD", "s1", "SET", "u8", 0, 1), ("SETRANGE", "s1", 0, "y"),
]


def outcome(port, cmd, watched):
    r = redis.Redis(port=port)
    r.flushall()
    r.sadd("a", 1, 2)
    r.sadd("b", 1, 3)
    r.zadd("za", {"m": 1})
    r.zadd("zb", {"m": 2})
    r.mset({"s1": "abc", "s2": "abd", "d": "old"})
    r.pfadd("h1", "x")
    r.rpush("l1", 1, 2)
    r.rpush("l2", 3, 1)
    r.geoadd("g", (0, 0, "p"))
    watcher = redis.Redis(port=port)
    try:
        pipe = watcher.pipeline()
        pipe.watch(watched)
        r.execute_command(*cmd)
        pipe.multi()
        pipe.ping()
        try:
            return pipe.execute()
        except redis.WatchError:
            return "aborted"
    finally:
        watcher.close()
        r.close()


@pytest.fixture(scope="module")
def servers():
    made = [start_rill(), start_redis()]
    yield made
    for s in made:
        s.stop()


@pytest.mark.parametrize("cmd", CASES, ids=lambda c: c[0])
def test_watch_breaks_on_the_keys_redis_counts_as_changed(servers, cmd):
    for watched in [k for k in cmd[1:] if k in WATCHABLE]:
        rill, ref = (outcome(s.port, cmd, watched) for s in servers)
        assert rill == ref, (cmd, watched)
