"""Keyspace notifications, compared with redis-server: the same commands must publish the same
messages, in the same order, on __keyspace@<db>__ and __keyevent@<db>__ channels."""
import time

import pytest

from conftest import start_rill
from test_differential import RawConn

# Every command that Redis 7.0 announces, with the edge cases that change what it announces
# (an emptied value is deleted, a STORE with an empty result deletes, RENAME adds a new key).
COMMANDS = [
    # strings and generic
    ["SET", "s", "1"], ["SET", "s", "2", "EX", "100"], ["SET", "s", "3", "KEEPTTL"],
    ["SETNX", "s", "x"], ["SETNX", "s2", "x"], ["SETEX", "s3", "100", "v"],
    ["PSETEX", "s4", "100000", "v"], ["GETSET", "s", "4"], ["MSET", "m1", "a", "m2", "b"],
    ["MSETNX", "m1", "a", "m3", "c"], ["MSETNX", "m4", "a", "m5", "c"],
    ["INCR", "n"], ["INCRBY", "n", "5"], ["DECR", "n"], ["DECRBY", "n", "2"],
    ["INCRBYFLOAT", "f", "1.5"], ["APPEND", "a", "x"], ["APPEND", "a", "y"],
    ["SETRANGE", "r", "2", "abc"], ["SETRANGE", "r", "0", ""], ["SETRANGE", "absent", "0", ""],
    ["GETEX", "s", "EX", "50"], ["GETEX", "s", "PERSIST"], ["GETEX", "s", "PERSIST"],
    ["GETEX", "m2", "PXAT", "1"], ["GETDEL", "m1"], ["GETDEL", "m1"],
    ["EXPIRE", "s2", "100"], ["PEXPIRE", "s2", "100000", "NX"], ["PERSIST", "s2"],
    ["PERSIST", "s2"], ["EXPIREAT", "s3", "1"], ["PEXPIREAT", "nosuch", "1"],
    ["DEL", "s4", "nosuch", "a"], ["UNLINK", "n", "f"],
    ["SET", "src", "v"], ["SET", "dst", "old"], ["RENAME", "src", "dst"],
    ["RENAMENX", "dst", "dst2"], ["RENAMENX", "dst2", "m3"], ["RENAME", "m3", "m3"],
    ["COPY", "m3", "copy"], ["COPY", "m3", "copy"], ["COPY", "m3", "copy", "REPLACE"],
    ["COPY", "m3", "copy", "DB", "1"], ["MOVE", "copy", "1"], ["MOVE", "r", "2"],
    # lists
    ["LPUSH", "l", "a", "b"], ["RPUSH", "l", "c"], ["LPUSHX", "l", "d"], ["RPUSHX", "nol", "d"],
    ["LINSERT", "l", "BEFORE", "c", "x"], ["LINSERT", "l", "BEFORE", "zz", "x"],
    ["LSET", "l", "0", "y"], ["LREM", "l", "0", "x"], ["LREM", "l", "0", "nothere"],
    ["LTRIM", "l", "0", "1"], ["LPOP", "l"], ["RPOP", "l", "5"], ["RPUSH", "l", "1", "2", "3"],
    ["LMOVE", "l", "l2", "LEFT", "RIGHT"], ["RPOPLPUSH", "l", "l"], ["LMOVE", "l", "l2",
                                                                         "RIGHT", "LEFT"],
    ["LMOVE", "l", "l2", "LEFT", "LEFT"], ["LMPOP", "2", "nol", "l2", "RIGHT", "COUNT", "2"],
    ["RPUSH", "bl", "1"], ["BLPOP", "bl", "0"], ["RPUSH", "bl", "1", "2"], ["BRPOP", "bl", "0"],
    ["BLMOVE", "bl", "bl2", "LEFT", "LEFT", "0"], ["BLMPOP", "0", "1", "bl2", "LEFT"],
    ["LPOP", "l", "0"],
    # sets
    ["SADD", "set", "a", "b", "c"], ["SADD", "set", "a"], ["SREM", "set", "a", "zz"],
    ["SREM", "set", "zz"], ["SMOVE", "set", "set2", "b"], ["SMOVE", "set", "set2", "zz"],
    ["SMOVE", "set", "set2", "c"], ["SADD", "set3", "1", "2", "3"], ["SPOP", "set3"],
    ["SPOP", "set3", "0"], ["SPOP", "set3", "1"], ["SPOP", "set3", "5"],
    ["SADD", "x1", "a", "b"], ["SADD", "x2", "b", "c"],
    ["SINTERSTORE", "xs", "x1", "x2"], ["SUNIONSTORE", "xs", "x1", "x2"],
    ["SDIFFSTORE", "xs", "x1", "x2"], ["SINTERSTORE", "xs", "x1", "nosuch"],
    ["SINTERSTORE", "xs", "x1", "nosuch"],
    # hashes
    ["HSET", "h", "f", "1", "g", "2"], ["HMSET", "h", "f", "3"], ["HSETNX", "h", "f", "9"],
    ["HSETNX", "h", "new", "9"], ["HINCRBY", "h", "f", "2"], ["HINCRBYFLOAT", "h", "g", "0.5"],
    ["HDEL", "h", "zz"], ["HDEL", "h", "f", "g"], ["HDEL", "h", "new"],
    # sorted sets
    ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"], ["ZADD", "z", "1", "a"],
    ["ZADD", "z", "XX", "5", "a"], ["ZADD", "nz", "XX", "1", "a"], ["ZINCRBY", "z", "1", "b"],
    ["ZADD", "z", "INCR", "1", "c"], ["ZREM", "z", "zz"], ["ZREM", "z", "d"],
    ["ZADD", "z", "7", "e", "8", "f", "9", "g"],
    ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZREMRANGEBYSCORE", "z", "100", "200"],
    ["ZREMRANGEBYSCORE", "z", "0", "4"], ["ZADD", "lz", "0", "a", "0", "b"],
    ["ZREMRANGEBYLEX", "lz", "-", "+"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "0"],
    ["ZPOPMAX", "z", "2"], ["ZADD", "z", "1", "a", "2", "b"], ["BZPOPMIN", "z", "0"],
    ["BZPOPMAX", "z", "0"], ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
    ["ZMPOP", "1", "z", "MIN", "COUNT", "2"], ["BZMPOP", "0", "1", "z", "MAX"],
    ["ZADD", "za", "1", "a", "2", "b"], ["ZADD", "zb", "1", "b"],
    ["ZUNIONSTORE", "zs", "2", "za", "zb"], ["ZINTERSTORE", "zs", "2", "za", "zb"],
    ["ZDIFFSTORE", "zs", "2", "za", "zb"], ["ZDIFFSTORE", "zs", "2", "za", "za"],
    ["ZRANGESTORE", "zr", "za", "0", "-1"], ["ZRANGESTORE", "zr", "za", "5", "6"],
    ["ZRANGESTORE", "zr", "nosuch", "0", "-1"],
    # reads: only "keymiss" (class m) announces them
    ["GET", "nosuch"], ["GET", "za"], ["EXISTS", "nosuch"], ["TYPE", "nosuch"], ["TTL", "nosuch"],
    ["LRANGE", "nosuch", "0", "-1"], ["HGET", "nosuch", "f"], ["ZSCORE", "nosuch", "a"],
    ["SMEMBERS", "nosuch"], ["MGET", "nosuch", "za"], ["TOUCH", "nosuch"],
    ["OBJECT", "ENCODING", "nosuch"],
    # a transaction and a script announce what their commands do
    ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["EXEC"],
    ["EVAL", "redis.call('set', KEYS[1], 'x'); redis.call('del', KEYS[1])", "1", "ev"],
    ["SELECT", "3"], ["SET", "in3", "x"], ["FLUSHDB"], ["SELECT", "0"], ["FLUSHALL"],
]


def notifications(server, events, commands):
    """The messages a PSUBSCRIBE to every keyspace channel sees while commands run."""
    sub, conn = RawConn(server.port), RawConn(server.port)
    try:
        assert conn.call(["CONFIG", "SET", "notify-keyspace-events", events]) == b"+OK\r\n"
        sub.call(["PSUBSCRIBE", "__key*__:*"])
        sub.call(["SUBSCRIBE", "end-of-test"])
        for args in commands:
            conn.call(args)
        conn.call(["PUBLISH", "end-of-test", "."])
        seen = []
        while True:
            message = sub.reply()
            if b"end-of-test" in message:
                return seen
            seen.append(message)
    finally:
        sub.close()
        conn.close()


@pytest.mark.parametrize("events", ["KEA", "AKEmn", "Kl", "E$gx", "Eshz", "Km", "En", "g", "A"])
def test_commands_announce_what_redis_announces(rill_and_redis, events):
    rill, redis = rill_and_redis
    got, want = notifications(rill, events, COMMANDS), notifications(redis, events, COMMANDS)
    assert got == want
    if events in ("KEA", "Kl", "E$gx"):
        assert want, "the command list announces nothing: the comparison proves nothing"


def test_expired_keys_are_announced_lazily_and_actively(rill_and_redis):
    rill, redis = rill_and_redis

    def run(server):
        conn = RawConn(server.port)
        try:
            conn.call(["SET", "lazy", "v", "PX", "1"])
            conn.call(["SET", "active", "v", "PX", "1"])
            time.sleep(0.01)
            # Either path deletes "lazy" before this command runs: the messages come in the
            # same order.
            conn.call(["EXISTS", "lazy"])
            deadline = time.time() + 10
            while conn.call(["DBSIZE"]) != b":0\r\n" and time.time() < deadline:
                time.sleep(0.01)
        finally:
            conn.close()

    def expiries(server):
        sub = RawConn(server.port)
        try:
            sub.call(["CONFIG", "SET", "notify-keyspace-events", "Ex"])
            sub.call(["SUBSCRIBE", "__keyevent@0__:expired"])
            run(server)
            return sorted(sub.reply() for _ in range(2))
        finally:
            sub.close()

    assert expiries(rill) == expiries(redis)


def test_config_get_shows_the_classes_as_redis_does(rill_and_redis):
    for value in ["KEA", "AKE", "gKE", "Kg$lshzxetdn", "AKEmn", "An", "mn", "m", "", "EK$"]:
        shown = []
        for server in rill_and_redis:
            conn = RawConn(server.port)
            try:
                conn.call(["CONFIG", "SET", "notify-keyspace-events", value])
                shown.append(conn.call(["CONFIG", "GET", "notify-keyspace-events"]))
            finally:
                conn.close()
        assert shown[0] == shown[1], value
    for server in rill_and_redis:
        conn = RawConn(server.port)
        try:
            assert conn.call(["CONFIG", "SET", "notify-keyspace-events", "KEX"]).startswith(
                b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events')"
                b" - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
            conn.call(["CONFIG", "SET", "notify-keyspace-events", ""])
        finally:
            conn.close()


def test_an_evicted_key_is_announced():
    server = start_rill("--maxmemory-policy", "allkeys-random")
    try:
        sub, conn = RawConn(server.port), RawConn(server.port)
        conn.call(["CONFIG", "SET", "notify-keyspace-events", "Ee"])
        sub.call(["SUBSCRIBE", "__keyevent@0__:evicted"])
        for i in range(200):
            conn.call(["SET", "key:%d" % i, "x" * 1000])
        conn.call(["CONFIG", "SET", "maxmemory", "1"])
        conn.call(["SET", "one-more", "x"])
        message = sub.reply()
        assert message.startswith(b"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n")
        assert b"key:" in message or b"one-more" in message
        sub.close()
        conn.close()
    finally:
        server.stop()
