"""Output buffers as CLIENT LIST shows them (obl, omem, oldest client first, as Redis) and the
soft output limit, which closes a client that stays over it even once no more output comes."""
import socket
import time

import redis


def clients(r):
    return r.client_list()


def field(r, name, key):
    for c in clients(r):
        if c["name"] == name:
            return int(c[key])
    return None


def subscriber(server, name):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", server.port))
    s.sendall(b"CLIENT SETNAME %s\r\nSUBSCRIBE ch\r\n" % name.encode())
    return s


def test_client_list_lists_the_oldest_client_first(rill):
    conns = [redis.Redis(port=rill.port) for _ in range(3)]
    for i, conn in enumerate(conns):
        conn.client_setname("c%d" % i)
    names = [c["name"] for c in clients(conns[0])]
    assert names == ["c0", "c1", "c2"]


def test_soft_limit_closes_a_subscriber_that_stays_over_it(rill):
    r = redis.Redis(port=rill.port)
    r.config_set("client-output-buffer-limit", "pubsub 0 100000 1")
    s = subscriber(rill, "slow")
    deadline = time.time() + 10
    while field(r, "slow", "sub") != 1:
        assert time.time() < deadline
        time.sleep(0.01)
    # Fill its output past the soft limit (the socket takes what it can first), then stop.
    while (field(r, "slow", "omem") or 0) <= 100000:
        assert time.time() < deadline, "the output never grew"
        r.publish("ch", "x" * 1000)
    assert field(r, "slow", "obl") == 16 * 1024, "the first 16 KB are obl, the rest omem"
    stopped = time.time()
    while field(r, "slow", "omem") is not None:
        assert time.time() < stopped + 10, "still connected long after the soft limit's 1 s"
        time.sleep(0.05)
    s.close()
