"""Random command sequences per type, run on redis-server and rill, replies compared byte for
byte (order-insensitive replies as sorted lists). Each type runs twice: with the default
compact-encoding limits and with tiny ones, so both encodings and the conversions between
them are exercised. Fixed seeds: a failure names the seed and the command."""
import random

import pytest

from test_differential import RawConn, normalise

KEYS = ["k1", "k2", "k3"]
SMALL_LIMITS = {"hash-max-listpack-entries": "4", "set-max-intset-entries": "4",
                "set-max-listpack-entries": "4", "zset-max-listpack-entries": "4"}


def member(rng):
    return rng.choice(["a", "b", "c", "d", "e", "f", "1", "2", "3", "10", "-5", "x" * 70])


def score(rng):
    return rng.choice(["0", "1", "2", "-1", "0.5", "1.1", "3.25", "-inf", "inf", "7"])


def score_bound(rng):
    b = rng.choice(["-inf", "+inf", "0", "1", "2", "0.5", "3", "-1"])
    return ("(" if rng.random() < 0.3 else "") + b


def lex_bound(rng):
    return rng.choice(["-", "+", "[a", "(a", "[c", "(d", "[f", "[b"])


def hash_command(rng):
    k, f = rng.choice(KEYS), member(rng)
    choices = [
        ["HSET", k, f, member(rng)], ["HSET", k, f, member(rng), member(rng), member(rng)],
        ["HSETNX", k, f, member(rng)], ["HGET", k, f], ["HMGET", k, f, member(rng)],
        ["HDEL", k, f, member(rng)], ["HEXISTS", k, f], ["HLEN", k], ["HSTRLEN", k, f],
        ["HINCRBY", k, f, str(rng.randint(-5, 5))], ["HINCRBYFLOAT", k, f, score(rng)],
        ["SORTED", "HGETALL", k], ["SORTED", "HKEYS", k], ["SORTED", "HVALS", k],
        ["SORTED", "HRANDFIELD", k, "100"], ["HRANDFIELD", k, "0"], ["EXISTS", k], ["TYPE", k],
    ]
    return rng.choice(choices)


def set_command(rng):
    k, k2, m = rng.choice(KEYS), rng.choice(KEYS), member(rng)
    choices = [
        ["SADD", k, m], ["SADD", k, m, member(rng), member(rng)], ["SREM", k, m, member(rng)],
        ["SISMEMBER", k, m], ["SMISMEMBER", k, m, member(rng)], ["SCARD", k],
        ["SORTED", "SMEMBERS", k], ["SORTED", "SINTER", k, k2], ["SORTED", "SUNION", k, k2],
        ["SORTED", "SDIFF", k, k2], ["SINTERSTORE", k, k2, rng.choice(KEYS)],
        ["SUNIONSTORE", k, k2, rng.choice(KEYS)], ["SDIFFSTORE", k, k2, rng.choice(KEYS)],
        ["SINTERCARD", "2", k, k2], ["SMOVE", k, k2, m], ["SORTED", "SRANDMEMBER", k, "100"],
        ["SORTED", "SPOP", k, "100"], ["EXISTS", k],
    ]
    return rng.choice(choices)


def zset_command(rng):
    k, k2, m = rng.choice(KEYS), rng.choice(KEYS), member(rng)
    lim = ["LIMIT", str(rng.randint(-1, 3)), str(rng.randint(-1, 4))] if rng.random() < 0.3 else []
    ws = ["WITHSCORES"] if rng.random() < 0.5 else []
    flags = rng.sample(["NX", "XX", "GT", "LT", "CH"], rng.randint(0, 2))
    start, stop = str(rng.randint(-5, 5)), str(rng.randint(-5, 5))
    choices = [
        ["ZADD", k, *flags, score(rng), m], ["ZADD", k, score(rng), m, score(rng), member(rng)],
        ["ZADD", k, "INCR", score(rng), m], ["ZINCRBY", k, score(rng), m], ["ZREM", k, m],
        ["ZSCORE", k, m], ["ZMSCORE", k, m, member(rng)], ["ZRANK", k, m], ["ZREVRANK", k, m],
        ["ZCARD", k], ["ZCOUNT", k, score_bound(rng), score_bound(rng)],
        ["ZRANGE", k, start, stop, *ws], ["ZRANGE", k, start, stop, "REV", *ws],
        ["ZRANGE", k, score_bound(rng), score_bound(rng), "BYSCORE", *lim, *ws],
        ["ZRANGE", k, score_bound(rng), score_bound(rng), "BYSCORE", "REV", *lim, *ws],
        ["ZRANGEBYSCORE", k, score_bound(rng), score_bound(rng), *ws, *lim],
        ["ZREVRANGEBYSCORE", k, score_bound(rng), score_bound(rng), *ws, *lim],
        ["ZREMRANGEBYRANK", k, start, stop],
        ["ZREMRANGEBYSCORE", k, score_bound(rng), score_bound(rng)],
        ["ZPOPMIN", k, str(rng.randint(0, 3))], ["ZPOPMAX", k],
        ["ZRANGESTORE", k2, k, start, stop], ["ZUNIONSTORE", k, "2", k2, rng.choice(KEYS)],
        ["ZINTERSTORE", k, "2", k2, rng.choice(KEYS), "WEIGHTS", "2", "0.5"],
        ["ZUNION", "2", k, k2, "AGGREGATE", rng.choice(["SUM", "MIN", "MAX"]), *ws],
        ["ZDIFF", "2", k, k2, *ws], ["ZINTERCARD", "2", k, k2],
        ["ZRANDMEMBER", k, "100", *ws],
        # Lex ranges are specified for equal scores: a key of its own, all at 0.
        ["ZADD", "lex", "0", m], ["ZREM", "lex", m],
        ["ZRANGEBYLEX", "lex", lex_bound(rng), lex_bound(rng), *lim],
        ["ZREVRANGEBYLEX", "lex", lex_bound(rng), lex_bound(rng)],
        ["ZLEXCOUNT", "lex", lex_bound(rng), lex_bound(rng)],
        ["ZREMRANGEBYLEX", "lex", lex_bound(rng), lex_bound(rng)],
    ]
    return rng.choice(choices)


def run(port, commands, limits):
    conn = RawConn(port)
    try:
        conn.call(["FLUSHALL"])
        for name, value in limits.items():
            conn.call(["CONFIG", "SET", name, value])
        out = []
        for cmd in commands:
            sort = cmd[0] == "SORTED"
            out.append(normalise(conn.call(cmd[1:] if sort else cmd), sort))
        for name in limits:
            conn.call(["CONFIG", "SET", name, "512" if "intset" in name else "128"])
        conn.call(["CONFIG", "SET", "hash-max-listpack-entries", "512"])
        return out
    finally:
        conn.close()


@pytest.mark.parametrize("limits", [{}, SMALL_LIMITS], ids=["default", "small"])
@pytest.mark.parametrize("generator", [hash_command, set_command, zset_command],
                         ids=["hash", "set", "zset"])
def test_random_sequences_match_redis(rill_module, redis_module, generator, limits):
    for seed in range(3):
        rng = random.Random(seed)
        commands = [generator(rng) for _ in range(1500)]
        ours = run(rill_module.port, commands, limits)
        theirs = run(redis_module.port, commands, limits)
        assert len(ours) == len(theirs) == len(commands)
        # The sequences must mostly work, or the comparison would be of error replies.
        errors = sum(isinstance(r, bytes) and r.startswith(b"-") for r in theirs)
        assert errors < len(commands) // 4
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a == b, "seed %d, command %d: %s\n  rill:  %r\n  redis: %r" % (
                seed, i, " ".join(commands[i]), a, b)
