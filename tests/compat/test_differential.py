"""Runs the same command scripts against redis-server and rill and compares raw replies byte for byte."""
import os
import shlex
import socket

import pytest

from conftest import start_redis, start_rill

HERE = os.path.dirname(os.path.abspath(__file__))


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def _exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        """One whole reply, as the raw bytes the server sent."""
        line = self._line()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:-2])
            return line + (self._exact(n + 2) if n >= 0 else b"")
        if kind == b"*":
            n = int(line[1:-2])
            return line + b"".join(self.reply() for _ in range(max(n, 0)))
        return line

    def call(self, args):
        self.sock.sendall(encode(args))
        return self.reply()

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def conns():
    """Raw connections to a fresh rill and a fresh redis-server, for one test module."""
    rill, ref = start_rill(), start_redis()
    a, b = RawConn(rill.port), RawConn(ref.port)
    try:
        yield a, b
    finally:
        a.close()
        b.close()
        rill.stop()
        ref.stop()


def same(conns, *args):
    """Sends args (bytes, or anything else written out in latin-1) to both servers; their raw
    replies must be equal. Returns the reply."""
    a, b = conns
    args = [x if isinstance(x, bytes) else str(x).encode("latin-1") for x in args]
    ra, rb = a.call(args), b.call(args)
    assert ra == rb, (args[:6], ra[:300], rb[:300])
    return ra


def scripts():
    """Commands, one per line (shell quoting); a line starting with '#' is a comment.
    A line prefixed with 'SORTED ' has its array reply compared as a set."""
    for name in sorted(os.listdir(os.path.join(HERE, "scripts"))):
        path = os.path.join(HERE, "scripts", name)
        with open(path) as f:
            lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
        yield name, lines


def normalise(reply, sort):
    if not sort:
        return reply
    # Compare the elements of a flat array reply regardless of order.
    parts = reply.split(b"\r\n")
    return parts[0], sorted(parts[1:])


def run_script(port, lines):
    conn = RawConn(port)
    out = []
    try:
        conn.call(["FLUSHALL"])
        for line in lines:
            sort = line.startswith("SORTED ")
            args = shlex.split(line[7:] if sort else line)
            out.append((line, normalise(conn.call(args), sort)))
    finally:
        conn.close()
    return out


def close_enough(line, a, b):
    """A TTL read a second apart on a loaded machine (ASan) may differ by one step."""
    words = line.split()
    slack = {"TTL": 1, "PTTL": 2000}.get(words[0].upper() if words else "")
    if slack is None or not (a.startswith(b":") and b.startswith(b":")):
        return False
    x, y = int(a[1:].strip()), int(b[1:].strip())
    return x >= 0 and y >= 0 and abs(x - y) <= slack


def test_scripts_match_redis(rill_module, redis_module):
    mismatches = []
    for name, lines in scripts():
        ours = run_script(rill_module.port, lines)
        theirs = run_script(redis_module.port, lines)
        for (line, a), (_, b) in zip(ours, theirs):
            if a != b and not close_enough(line, a, b):
                mismatches.append("%s: %s\n  rill:  %r\n  redis: %r" % (name, line, a, b))
    assert not mismatches, "\n".join(mismatches[:40])


def stats_without_timings(conn):
    """INFO errorstats and commandstats lines, minus the timings, sorted."""
    lines = []
    for section in ("errorstats", "commandstats"):
        text = conn.call(["INFO", section]).split(b"\r\n", 1)[1].decode()
        for line in text.split("\r\n"):
            if line and not line.startswith(("#", "cmdstat_info:", "cmdstat_config|")):
                fields = [f for f in line.split(",") if not f.split("=")[0].endswith(("usec", "usec_per_call"))]
                lines.append(",".join(fields))
    return sorted(lines)


def test_script_error_statistics_match_redis(rill_module, redis_module):
    """Errors inside scripts are counted once, where they arise, and fail the script's call."""
    script = [
        ["SET", "s", "abc"],
        ["EVAL", "return redis.call('incr', 's')", "0"],
        ["EVAL", "return redis.pcall('incr', 's')", "0"],
        ["EVAL", "return {redis.pcall('incr', 's')}", "0"],
        ["EVAL", "return redis.call('nosuch')", "0"],
        ["EVAL", "return redis.pcall('set', 'x')", "0"],
        ["EVAL", "return redis.call()", "0"],
        ["EVAL", "error('x')", "0"],
        ["EVAL", "return redis.error_reply('MY err')", "0"],
        ["EVAL", "return redis.call('get', 's')", "0"],
        ["EVALSHA", "abc", "0"],
    ]
    results = []
    for port in (rill_module.port, redis_module.port):
        conn = RawConn(port)
        try:
            conn.call(["CONFIG", "RESETSTAT"])
            for args in script:
                conn.call(args)
            results.append(stats_without_timings(conn))
        finally:
            conn.close()
    assert results[0] == results[1]


def test_command_info_and_docs_match_redis(rill_module, redis_module):
    """COMMAND INFO and COMMAND DOCS of every command rill has, as Redis 7.0 has it. Containers
    are left out (Redis lists their subcommands in hash order, and rill has fewer), and so are
    the commands Redis 7.0 does not know (CLIENT SETINFO and NO-TOUCH, from 7.2)."""
    rill, redis = RawConn(rill_module.port), RawConn(redis_module.port)
    try:
        listing = rill.call(["COMMAND", "LIST"]).split(b"\r\n")[1:]
        names = [n.decode() for n in listing if n and not n.startswith((b"$", b"*"))]
        containers = {n.split("|")[0] for n in names if "|" in n}
        mismatches = []
        for name in names:
            if name in containers or redis.call(["COMMAND", "INFO", name]) == b"*1\r\n$-1\r\n":
                continue
            for sub in ("INFO", "DOCS"):
                ours, theirs = rill.call(["COMMAND", sub, name]), redis.call(["COMMAND", sub, name])
                if ours != theirs:
                    mismatches.append("COMMAND %s %s\n  rill:  %r\n  redis: %r" % (sub, name, ours[:200], theirs[:200]))
        assert len(names) > 100
        assert not mismatches, "\n".join(mismatches[:20])
    finally:
        rill.close()
        redis.close()
