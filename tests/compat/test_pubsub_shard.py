"""Sharded pub/sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS/SHARDNUMSUB) against
redis-server 7.0 on one shard, byte for byte: confirmations and their counts, smessage
delivery, the separation from plain channels and patterns, subscribed mode, and INFO and
CLIENT LIST figures."""
import pytest

from conftest import start_redis, start_rill
from test_differential import RawConn


@pytest.fixture
def pair():
    """For each of rill and redis-server: a subscriber and a second connection."""
    servers = [start_rill(), start_redis()]
    conns = [(RawConn(s.port), RawConn(s.port)) for s in servers]
    try:
        yield conns
    finally:
        for sub, other in conns:
            sub.close()
            other.close()
        for s in servers:
            s.stop()


def both(pair, who, *args):
    """Sends args on connection `who` (0 subscriber, 1 other) of both servers; equal replies."""
    args = [str(a).encode() for a in args]
    replies = [conns[who].call(args) for conns in pair]
    assert replies[0] == replies[1], (args, replies)
    return replies[0]


def both_unordered(pair, who, *args):
    """As both(), for a listing whose order is the hash table's (seeded differently)."""
    args = [str(a).encode() for a in args]
    replies = [conns[who].call(args).split(b"\r\n") for conns in pair]
    assert replies[0][0] == replies[1][0] and sorted(replies[0]) == sorted(replies[1]), (args, replies)


def read_both(pair, who=0):
    """The next reply waiting on connection `who` of both servers; equal."""
    replies = [conns[who].reply() for conns in pair]
    assert replies[0] == replies[1], replies
    return replies[0]


def test_subscribe_publish_unsubscribe(pair):
    both(pair, 0, "SSUBSCRIBE", "a", "b", "a")
    read_both(pair)  # b
    read_both(pair)  # a again: still 2
    both(pair, 0, "SUBSCRIBE", "a")  # plain channels count apart
    both(pair, 0, "PSUBSCRIBE", "*")
    assert both(pair, 1, "SPUBLISH", "a", "shard hello") == b":1\r\n"
    assert read_both(pair) == b"*3\r\n$8\r\nsmessage\r\n$1\r\na\r\n$11\r\nshard hello\r\n"
    both(pair, 1, "PUBLISH", "a", "plain")  # the channel and the pattern, not the shard channel
    read_both(pair)
    read_both(pair)
    both(pair, 1, "SPUBLISH", "nobody", "x")
    both_unordered(pair, 1, "PUBSUB", "SHARDCHANNELS")
    both(pair, 1, "PUBSUB", "SHARDCHANNELS", "a*")
    both(pair, 1, "PUBSUB", "SHARDCHANNELS", "a", "b")
    both(pair, 1, "PUBSUB", "SHARDNUMSUB", "a", "b", "c")
    both(pair, 1, "PUBSUB", "SHARDNUMSUB")
    both_unordered(pair, 1, "PUBSUB", "CHANNELS")
    both(pair, 1, "PUBSUB", "NUMSUB", "a")
    both(pair, 0, "SET", "k", "v")  # refused in subscribed mode
    both(pair, 0, "SUNSUBSCRIBE", "a", "zz")
    read_both(pair)
    both(pair, 0, "UNSUBSCRIBE")
    both(pair, 0, "PUNSUBSCRIBE")
    both(pair, 0, "SET", "k", "v")  # b is still a shard subscription
    both(pair, 0, "SUNSUBSCRIBE")
    both(pair, 0, "SUNSUBSCRIBE")
    both(pair, 0, "SET", "k", "v")
    both(pair, 1, "PUBSUB", "SHARDCHANNELS")


def test_transactions_info_and_client_list(pair):
    both(pair, 1, "MULTI")
    both(pair, 1, "SSUBSCRIBE", "x")
    both(pair, 1, "SPUBLISH", "x", "y")
    both(pair, 1, "EXEC")
    both(pair, 1, "SPUBLISH")
    both(pair, 0, "SSUBSCRIBE", "s1", "s2")
    read_both(pair)
    for (sub, other) in pair:
        info = other.call([b"INFO", b"stats"]).decode()
        assert "pubsubshard_channels:2\r\n" in info
        listing = other.call([b"CLIENT", b"LIST"]).decode()
        assert " sub=0 psub=0 ssub=2 " in listing
    both(pair, 0, "RESET")
    both(pair, 1, "PUBSUB", "SHARDNUMSUB", "s1")
    both(pair, 1, "COMMAND", "INFO", "SSUBSCRIBE", "SUNSUBSCRIBE", "SPUBLISH")
