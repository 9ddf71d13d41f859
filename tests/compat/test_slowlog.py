"""SLOWLOG, compared with redis-server: what each command leaves in the slow log (arguments
trimmed and secrets redacted as Redis keeps them, EXEC and scripts' commands left out, a
blocked command logged once served), and the SLOWLOG subcommands' replies."""
import socket
import time

import pytest

from test_differential import RawConn


def parse(data, pos=0):
    """One RESP2 reply from data at pos: (value, next position)."""
    end = data.index(b"\r\n", pos)
    kind, line = data[pos:pos + 1], data[pos + 1:end]
    pos = end + 2
    if kind == b"*":
        items = []
        for _ in range(max(int(line), 0)):
            item, pos = parse(data, pos)
            items.append(item)
        return items, pos
    if kind == b"$":
        n = int(line)
        return (None, pos) if n < 0 else (data[pos:pos + n], pos + n + 2)
    return kind + line, pos


def slowlog(conn):
    """The entries' arguments, client names and whether a script ran them, newest first (ids,
    times, durations and addresses differ between two servers)."""
    entries, _ = parse(conn.call(["SLOWLOG", "GET", "-1"]))
    return [(e[3], e[5], e[4] if e[4] == b"?:0" else b"addr") for e in entries]


COMMANDS = [
    ["SET", "k", "v"],
    ["SADD", "set"] + [str(i) for i in range(3, 34)],
    ["SADD", "set", "foo", "A" * 129],
    ["AUTH", "nopass"],
    ["AUTH", "user", "pass"],
    ["AUTH", "a", "b", "c"],
    ["HELLO", "2", "AUTH", "default", "wrong"],
    ["CONFIG", "SET", "masterauth", "secret", "maxmemory-samples", "5"],
    ["CONFIG", "SET", "masteruser", "someone"],
    ["CLIENT", "SETNAME", "foobar"],
    ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"],
    ["EVAL", "redis.call('set', KEYS[1], 'x') return redis.call('get', KEYS[1])", "1", "ev"],
    ["GETSET", "a", "5"],
    ["SPOP", "set", "100"],
]


def run(server):
    conn = RawConn(server.port)
    try:
        conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "0"])
        conn.call(["CONFIG", "SET", "slowlog-max-len", "128"])
        conn.call(["SLOWLOG", "RESET"])
        for args in COMMANDS:
            conn.call(args)
        # A blocked BLPOP is logged once, when it is served.
        waiter = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        waiter.sendall(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
        deadline = time.time() + 10
        while b"blocked_clients:1" not in conn.call(["INFO", "clients"]):
            assert time.time() < deadline
            time.sleep(0.01)
        conn.call(["RPUSH", "l", "x"])
        assert waiter.recv(100).startswith(b"*2")
        waiter.close()
        conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "-1"])
        # Waiting took as many INFOs as it took: those are not compared.
        logged = [e for e in slowlog(conn) if e[0][0] != b"INFO"]
        replies = [conn.call(["SLOWLOG", "GET", "-2"]), conn.call(["SLOWLOG", "GET", "0"]),
                   conn.call(["SLOWLOG", "GET", "x"]), conn.call(["SLOWLOG", "NOSUCH"]), conn.call(["SLOWLOG", "LEN", "x"]),
                   conn.call(["SLOWLOG", "HELP"]), conn.call(["SLOWLOG", "RESET"]),
                   conn.call(["SLOWLOG", "LEN"])]
        conn.call(["CONFIG", "SET", "masterauth", ""])
        conn.call(["CONFIG", "SET", "masteruser", ""])
        return logged, replies
    finally:
        conn.close()


def test_the_slow_log_keeps_what_redis_keeps(rill_and_redis):
    rill, redis_server = rill_and_redis
    ours, theirs = run(rill), run(redis_server)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    assert [b"(redacted)"] * 2 == ours[0][-6][0][1:], "AUTH's arguments are redacted"
    assert ours[0][0][0] == [b"BLPOP", b"l", b"0"], "logged once, when served"


def test_the_slow_log_keeps_the_newest_entries_within_its_length(rill_and_redis):
    results = []
    for server in rill_and_redis:
        conn = RawConn(server.port)
        try:
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "0"])
            conn.call(["CONFIG", "SET", "slowlog-max-len", "3"])
            conn.call(["SLOWLOG", "RESET"])
            for args in (["SET", "key", "test"], ["SADD", "set", "a"], ["INCR", "num"],
                         ["LPUSH", "list", "a"]):
                conn.call(args)
            results.append((conn.call(["SLOWLOG", "LEN"]), slowlog(conn)))
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "10000"])
            conn.call(["CONFIG", "SET", "slowlog-max-len", "128"])
        finally:
            conn.close()
    assert results[0] == results[1]
    assert results[0][0] == b":3\r\n"


@pytest.mark.parametrize("threshold,logged", [("100000", 0), ("-1", 0), ("0", 1)])
def test_the_threshold_decides(rill_and_redis, threshold, logged):
    for server in rill_and_redis:
        conn = RawConn(server.port)
        try:
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", threshold])
            conn.call(["SLOWLOG", "RESET"])
            conn.call(["PING"])
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "-1"])
            # The PING, and the CONFIG SET that ran before the log was switched off.
            assert conn.call(["SLOWLOG", "LEN"]) == b":%d\r\n" % (2 * logged)
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "10000"])
        finally:
            conn.close()
