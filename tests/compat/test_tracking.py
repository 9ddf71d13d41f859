"""CLIENT TRACKING over RESP2 against redis-server 7.0, byte for byte (client IDs aside): the
invalidation messages a redirection client gets on __redis__:invalidate for keys read and then
changed, expired, evicted from the table or flushed; BCAST prefixes, NOLOOP, OPTIN/OPTOUT with
CLIENT CACHING, scripts; CLIENT TRACKINGINFO, GETREDIR, CLIENT LIST and INFO; every error."""
import re
import time

import pytest

from conftest import start_redis, start_rill
from test_differential import RawConn


class Side:
    """One server: a subscriber on __redis__:invalidate, a tracking client, a writer."""

    def __init__(self, server):
        self.server = server
        self.sub, self.c, self.w = RawConn(server.port), RawConn(server.port), RawConn(server.port)
        self.sub_id = int(self.sub.call([b"CLIENT", b"ID"])[1:-2])
        self.sub.call([b"SUBSCRIBE", b"__redis__:invalidate"])

    def close(self):
        for conn in (self.sub, self.c, self.w):
            conn.close()


@pytest.fixture
def sides():
    servers = [start_rill(), start_redis()]
    made = [Side(s) for s in servers]
    try:
        yield made
    finally:
        for s in made:
            s.close()
        for s in servers:
            s.stop()


def ids_out(reply):
    return re.sub(rb"(redirect\r\n:|^:|redir=)\d+", rb"\1ID", reply)


def both(sides, who, *args):
    """args on connection `who` of both servers ("REDIR" stands for the subscriber's ID)."""
    replies = []
    for s in sides:
        real = [str(s.sub_id).encode() if a == "REDIR" else str(a).encode() for a in args]
        replies.append(getattr(s, who).call(real))
    assert ids_out(replies[0]) == ids_out(replies[1]), (args, replies)
    return replies[0]


def message(sides):
    """The next invalidation message on both subscribers; equal."""
    got = [s.sub.reply() for s in sides]
    assert got[0] == got[1], got
    return got[0]


def invalidated(*keys):
    body = b"".join(b"$%d\r\n%s\r\n" % (len(k), k) for k in keys)
    return b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*%d\r\n%s" % (len(keys), body)


def test_redirected_invalidations(sides):
    both(sides, "c", "CLIENT", "TRACKING", "on", "REDIRECT", "REDIR")
    both(sides, "c", "CLIENT", "GETREDIR")
    both(sides, "c", "CLIENT", "TRACKINGINFO")
    both(sides, "w", "MSET", "a", "1", "b", "2")
    both(sides, "c", "GET", "a")
    both(sides, "c", "MGET", "a", "b", "missing")
    both(sides, "c", "STRLEN", "b")
    both(sides, "w", "SET", "a", "3")
    assert message(sides) == invalidated(b"a")
    both(sides, "w", "APPEND", "b", "x")
    assert message(sides) == invalidated(b"b")
    both(sides, "w", "SET", "b", "again")  # no longer tracked: nothing
    both(sides, "w", "SET", "missing", "now")
    assert message(sides) == invalidated(b"missing")
    both(sides, "c", "MGET", "absent", "z")
    both(sides, "w", "DEL", "b", "absent")  # neither tracked key changed: no message
    both(sides, "w", "SET", "z", "now")
    assert message(sides) == invalidated(b"z")
    both(sides, "c", "GET", "a")
    both(sides, "c", "HGETALL", "h")
    both(sides, "w", "FLUSHALL")
    assert message(sides) == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"
    for s in sides:
        info = s.w.call([b"INFO"]).decode()
        assert "tracking_clients:1\r\n" in info and "tracking_total_keys:0\r\n" in info
        listing = s.w.call([b"CLIENT", b"LIST"]).decode()
        assert re.search(r"flags=t db=0 .* redir=%d " % s.sub_id, listing)
    # Expiry tells too.
    both(sides, "w", "SET", "e", "1", "PX", "50")
    both(sides, "c", "GET", "e")
    time.sleep(0.2)
    both(sides, "w", "GET", "e")
    assert message(sides) == invalidated(b"e")
    both(sides, "c", "RESET")
    both(sides, "c", "CLIENT", "TRACKINGINFO")


def test_bcast_prefixes_and_noloop(sides):
    both(sides, "c", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:", "REDIRECT", "REDIR")
    both(sides, "c", "CLIENT", "TRACKINGINFO")
    both(sides, "w", "MSET", "user:2", "x", "user:10", "y", "obj:9", "z", "other", "q")
    message(sides)  # obj: first, then user:, keys in name order
    message(sides)
    both(sides, "c", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:x")
    both(sides, "c", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "new:", "NOLOOP", "REDIRECT", "REDIR")
    both(sides, "c", "CLIENT", "TRACKINGINFO")
    both(sides, "c", "SET", "new:mine", "1")  # its own change: not told
    both(sides, "w", "SET", "new:theirs", "1")
    assert message(sides) == invalidated(b"new:theirs")
    both(sides, "c", "CLIENT", "TRACKING", "off")
    for s in sides:
        assert "tracking_total_prefixes:0\r\n" in s.w.call([b"INFO", b"stats"]).decode()


def test_optin_optout_and_caching(sides):
    both(sides, "c", "CLIENT", "CACHING", "yes")
    both(sides, "c", "CLIENT", "TRACKING", "on", "OPTIN", "REDIRECT", "REDIR")
    both(sides, "c", "CLIENT", "CACHING", "no")
    both(sides, "c", "CLIENT", "CACHING", "maybe")
    both(sides, "c", "GET", "not-cached")
    both(sides, "c", "CLIENT", "CACHING", "yes")
    both(sides, "c", "CLIENT", "TRACKINGINFO")
    both(sides, "c", "GET", "cached")
    both(sides, "c", "CLIENT", "TRACKINGINFO")  # the yes lasted one command
    both(sides, "w", "MSET", "not-cached", "1", "cached", "1")
    assert message(sides) == invalidated(b"cached")
    both(sides, "c", "CLIENT", "TRACKING", "on", "OPTOUT")
    both(sides, "c", "CLIENT", "TRACKING", "off")
    both(sides, "c", "CLIENT", "TRACKING", "on", "OPTOUT", "REDIRECT", "REDIR")
    both(sides, "c", "CLIENT", "CACHING", "yes")
    both(sides, "c", "CLIENT", "CACHING", "no")
    both(sides, "c", "GET", "skipped")
    both(sides, "c", "GET", "kept")
    both(sides, "w", "MSET", "skipped", "1", "kept", "1")
    assert message(sides) == invalidated(b"kept")


def test_scripts_track_their_declared_keys(sides):
    both(sides, "c", "CLIENT", "TRACKING", "on", "REDIRECT", "REDIR")
    both(sides, "c", "EVAL", "redis.call('set', 'other', 'v')", 2, "k1", "k2")
    both(sides, "w", "MSET", "k1", "1", "k2", "2")  # the script read nothing
    both(sides, "c", "EVAL", "return redis.call('get', 'other')", 2, "k1", "k2")
    both(sides, "w", "MSET", "k2", "1", "k1", "2")
    assert message(sides) == invalidated(b"k2")
    assert message(sides) == invalidated(b"k1")


def test_errors(sides):
    for args in [["CLIENT", "TRACKING", "on", "PREFIX", "x"],
                 ["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"],
                 ["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"],
                 ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"],
                 ["CLIENT", "TRACKING", "on", "REDIRECT", "99999"],
                 ["CLIENT", "TRACKING", "on", "REDIRECT", "x"],
                 ["CLIENT", "TRACKING", "on", "REDIRECT", "REDIR", "REDIRECT", "REDIR"],
                 ["CLIENT", "TRACKING", "on", "BOGUS"],
                 ["CLIENT", "TRACKING", "maybe"],
                 ["CLIENT", "TRACKING"],
                 ["CLIENT", "CACHING", "yes"],
                 ["CLIENT", "GETREDIR", "x"],
                 ["CLIENT", "TRACKINGINFO", "x"],
                 ["CLIENT", "TRACKING", "on", "OPTIN"],
                 ["CLIENT", "TRACKING", "on", "OPTOUT"],
                 ["CLIENT", "TRACKING", "on", "BCAST"]]:
        both(sides, "c", *args)


def test_broken_redirection_and_table_limit(sides):
    for s in sides:
        s.gone = RawConn(s.server.port)
        gone_id = s.gone.call([b"CLIENT", b"ID"])[1:-2]
        assert s.c.call([b"CLIENT", b"TRACKING", b"on", b"REDIRECT", gone_id]) == b"+OK\r\n"
        s.c.call([b"GET", b"k"])
        s.gone.close()
    time.sleep(0.2)
    both(sides, "w", "SET", "k", "changed")
    both(sides, "c", "CLIENT", "TRACKINGINFO")
    for s in sides:
        assert re.search(r"flags=tR ", s.w.call([b"CLIENT", b"LIST"]).decode())
    both(sides, "c", "CLIENT", "TRACKING", "on", "REDIRECT", "REDIR")
    both(sides, "w", "CONFIG", "SET", "tracking-table-max-keys", 1)
    both(sides, "c", "GET", "only")
    both(sides, "c", "GET", "second")  # over the limit: a random key leaves the table
    for s in sides:
        assert s.sub.reply() in (invalidated(b"only"), invalidated(b"second"))
        assert "tracking_total_keys:1\r\n" in s.w.call([b"INFO", b"stats"]).decode()
    both(sides, "w", "CONFIG", "GET", "tracking-table-max-keys")
