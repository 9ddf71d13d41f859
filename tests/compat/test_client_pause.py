"""CLIENT PAUSE and UNPAUSE, on rill and on redis-server side by side: every scenario runs on
both and what the clients see must be the same (replies, their order, which commands wait,
INFO blocked_clients, expiry held still)."""
import socket
import time

import pytest
import redis

from conftest import start_redis, start_rill
from test_differential import RawConn, encode
from test_memcached import start_rill_memcached


@pytest.fixture(scope="module")
def servers():
    rill, ref = start_rill(), start_redis()
    try:
        yield rill, ref
    finally:
        rill.stop()
        ref.stop()


def both(servers, scenario):
    """Runs scenario(port) on each server; the results must be equal."""
    rill, ref = servers
    ours, theirs = scenario(rill.port), scenario(ref.port)
    assert ours == theirs
    return ours


class Waiting:
    """A raw connection that sends a pipeline now and reads its replies later."""

    def __init__(self, port, *commands):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"".join(encode([str(a).encode() for a in c]) for c in commands))

    def pending(self):
        """What has arrived so far, without waiting."""
        self.sock.setblocking(False)
        try:
            return self.sock.recv(65536)
        except BlockingIOError:
            return b""
        finally:
            self.sock.setblocking(True)

    def read(self, n):
        data = b""
        while data.count(b"\r\n") < n:
            data += self.sock.recv(65536)
        return data

    def close(self):
        self.sock.close()


def blocked(r):
    return r.info("clients")["blocked_clients"]


def wait_blocked(r, n):
    deadline = time.time() + 5
    while blocked(r) != n and time.time() < deadline:
        time.sleep(0.01)
    return blocked(r)


def test_errors_match_redis(servers):
    def scenario(port):
        c = RawConn(port)
        out = [c.call([b"CLIENT", b"PAUSE"] + [a.encode() for a in args])
               for args in (["abc"], ["-1"], ["10", "foo"], ["1.5"], ["10", "write", "x"], ["0"], ["0", "ALL"])]
        out.append(c.call([b"CLIENT", b"UNPAUSE"]))
        out.append(c.call([b"CLIENT", b"UNPAUSE", b"x"]))
        c.close()
        return out

    both(servers, scenario)


def test_writes_wait_reads_do_not(servers):
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        r.client_pause(60000, all=False)
        reader = Waiting(port, ["GET", "foo"], ["PING"])
        got_read = reader.read(2)
        writer = Waiting(port, ["SET", "foo", "bar"], ["GET", "foo"])
        n = wait_blocked(r, 1)
        early = writer.pending()
        flags = [c["flags"] for c in r.client_list() if c["cmd"] == "set"]
        r.client_unpause()
        late = writer.read(2)
        reader.close()
        writer.close()
        return got_read, n, early, flags, late, blocked(r)

    got_read, n, early, flags, late, after = both(servers, scenario)
    assert n == 1 and early == b"" and late == b"+OK\r\n$3\r\nbar\r\n" and after == 0


def test_all_stops_reads_and_the_timeout_ends_it(servers):
    """Under ALL every command waits (INFO and CLIENT UNPAUSE too): only time ends it."""
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        r.set("k", "v")
        start = time.time()
        r.client_pause(300)
        w = Waiting(port, ["GET", "k"])
        time.sleep(0.1)
        early = w.pending()
        reply = w.read(2)
        waited = time.time() - start
        w.close()
        return early, reply, 0.25 < waited < 3

    assert both(servers, scenario) == (b"", b"$1\r\nv\r\n", True)


def test_special_commands_and_transactions(servers):
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        r.pfadd("h", "a")
        r.client_pause(60000, all=False)
        pf = Waiting(port, ["PFCOUNT", "h"])
        pub = Waiting(port, ["PUBLISH", "ch", "m"])
        ro = Waiting(port, ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"], ["EVAL_RO", "return 2", "0"])
        ro_replies = ro.read(2)
        rw = Waiting(port, ["EVAL", "return 3", "0"])
        tx_read = Waiting(port, ["MULTI"], ["GET", "h"], ["EXEC"])
        tx_read_replies = tx_read.read(4)
        tx_write = Waiting(port, ["MULTI"], ["SET", "x", "1"])
        n = wait_blocked(r, 4)
        r.client_unpause()
        out = (ro_replies, tx_read_replies[:20], n, pf.read(1), pub.read(1), rw.read(1),
               tx_write.read(1))
        for w in (pf, pub, ro, rw, tx_read, tx_write):
            w.close()
        return out

    both(servers, scenario)


def test_a_queued_exec_with_writes_waits(servers):
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        w = Waiting(port, ["MULTI"], ["SET", "foo", "bar"])
        queued = w.read(2)
        r.client_pause(60000, all=False)
        w.sock.sendall(encode([b"EXEC"]))
        n = wait_blocked(r, 1)
        r.client_unpause()
        out = queued, n, w.read(2)
        w.close()
        return out

    both(servers, scenario)


def test_expiry_stands_still_while_paused(servers):
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        r.set("a", "1", px=50)
        r.set("b", "1", px=50)
        r.client_pause(60000, all=False)
        time.sleep(0.3)  # past the TTL and several active expiry cycles
        seen = r.get("a"), r.dbsize()
        r.client_unpause()
        deadline = time.time() + 5
        while r.dbsize() and time.time() < deadline:
            r.get("b")
            time.sleep(0.01)
        return seen, r.dbsize()

    assert both(servers, scenario) == ((None, 2), 0)


def test_a_paused_client_may_leave_and_a_skipped_reply_stays_skipped(servers):
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        r.client_pause(60000, all=False)
        gone = Waiting(port, ["SET", "x", "1"])
        wait_blocked(r, 1)
        gone.close()
        deadline = time.time() + 5
        while blocked(r) and time.time() < deadline:
            time.sleep(0.01)
        left = blocked(r)
        muted = Waiting(port, ["CLIENT", "REPLY", "SKIP"], ["SET", "y", "1"], ["GET", "y"])
        wait_blocked(r, 1)
        r.client_unpause()
        out = left, muted.read(1), r.exists("x")
        muted.close()
        return out

    assert both(servers, scenario) == (0, b"$1\r\n1\r\n", 0)


def test_memcached_writes_wait_too():
    """rill's own port: its reads go on, its writes wait like RESP's."""
    rill = start_rill_memcached()
    try:
        r = redis.Redis(port=rill.port)
        r.client_pause(60000, all=False)
        mc = socket.create_connection(("127.0.0.1", rill.mport), timeout=5)
        mc.sendall(b"get nothing\r\nset k 0 0 1\r\nv\r\nget k\r\n")
        first = b""
        while b"END\r\n" not in first:
            first += mc.recv(65536)
        time.sleep(0.1)
        mc.setblocking(False)
        try:
            early = mc.recv(65536)
        except BlockingIOError:
            early = b""
        mc.setblocking(True)
        waiting = blocked(r)
        r.client_unpause()
        rest = b""
        while rest.count(b"END\r\n") < 1:
            rest += mc.recv(65536)
        mc.close()
        assert (first, early, waiting) == (b"END\r\n", b"", 1)
        assert rest == b"STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n"
    finally:
        rill.stop()


def test_later_pauses_extend_and_tighten(servers):
    """WRITE for 400 ms, then ALL for 50: ALL until the later end."""
    def scenario(port):
        r = redis.Redis(port=port)
        r.flushall()
        start = time.time()
        r.client_pause(400, all=False)
        r.client_pause(50, all=True)
        w = Waiting(port, ["GET", "k"])
        reply = w.read(1)
        waited = time.time() - start
        w.close()
        return reply, 0.3 < waited < 3

    assert both(servers, scenario) == (b"$-1\r\n", True)
