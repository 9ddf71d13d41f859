"""MONITOR against redis-server 7.0: the same commands, from a client, a script and a
transaction, reach the monitors in the same order and the same form (timestamps and ports
aside), secrets redacted; the monitoring client itself is kept off the keyspace."""
import re
import socket
import time

import pytest

from conftest import start_redis, start_rill


@pytest.fixture(scope="module")
def servers():
    rill, ref = start_rill(), start_redis()
    try:
        yield rill, ref
    finally:
        rill.stop()
        ref.stop()


def settle_read(sock, quiet=0.2):
    """Everything the socket has until it stays quiet."""
    sock.settimeout(quiet)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    sock.settimeout(5)
    return data


def normalise(data):
    text = data.decode("latin-1")
    text = re.sub(r"\+\d+\.\d{6} ", "+<time> ", text)
    return re.sub(r"127\.0\.0\.1:\d+", "<addr>", text)


MONITORED = (
    b'SET foo "a\\nb\\x01\\\\\\t\\"q"\r\nGET foo\r\nAUTH x\r\nAUTH a b c\r\nHELLO 2 AUTH u p\r\n'
    b"HELLO 4 AUTH u p\r\nCONFIG GET maxmemory\r\nSELECT 3\r\nGET k\r\nMULTI\r\nSET k v\r\nEXEC\r\n"
    b"NOPE\r\nGET\r\nEVAL \"redis.call('set','x','y') redis.call('select','5') redis.call('get','x')\" 0\r\n"
    b"EVALSHA abc 0\r\nEVAL_RO \"return redis.call('get','x')\" 0\r\nMULTI\r\nNOPE\r\nEXEC\r\n"
    b"BLPOP nothing 0.01\r\nDEBUG SLEEP 0\r\nCLIENT LIST\r\nMIGRATE 127.0.0.1 1 k 0 100 AUTH secret\r\n"
    b"PING\r\nFLUSHALL\r\n"
)


def scenario(port):
    monitor = socket.create_connection(("127.0.0.1", port), timeout=5)
    monitor.sendall(b"MONITOR\r\n")
    first = settle_read(monitor)
    # The monitoring client: keyspace commands refused, others run (and are shown), a
    # second MONITOR says nothing.
    monitor.sendall(b"GET x\r\nPING\r\nSET a b\r\nSELECT 1\r\nMONITOR\r\nSUBSCRIBE c\r\n")
    own = settle_read(monitor)
    other = socket.create_connection(("127.0.0.1", port), timeout=5)
    other.sendall(MONITORED)
    settle_read(other, 0.5)
    seen = settle_read(monitor)
    other.close()
    monitor.close()
    return normalise(first), normalise(own), normalise(seen)


def test_monitors_see_what_redis_monitors_see(servers):
    rill, ref = servers
    ours, theirs = scenario(rill.port), scenario(ref.port)
    assert ours == theirs
    assert '[3 lua] "set" "x" "y"' in ours[2] and '"(redacted)"' in ours[2]


def test_monitor_in_a_transaction_is_refused(servers):
    def run(port):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"MULTI\r\nMONITOR\r\nEXEC\r\n")
        out = settle_read(s)
        s.close()
        return out

    rill, ref = servers
    assert run(rill.port) == run(ref.port)


def test_monitors_go_when_they_close(servers):
    rill, _ = servers
    monitors = [socket.create_connection(("127.0.0.1", rill.port), timeout=5) for _ in range(3)]
    for m in monitors:
        m.sendall(b"MONITOR\r\n")
        assert settle_read(m) == b"+OK\r\n"
    monitors[1].close()
    time.sleep(0.1)
    c = socket.create_connection(("127.0.0.1", rill.port), timeout=5)
    c.sendall(b"SET after close\r\n")
    assert settle_read(c) == b"+OK\r\n"
    for m in (monitors[0], monitors[2]):
        assert b'"SET" "after" "close"' in settle_read(m)
        m.close()
    c.close()
