"""maxmemory-clients: when all clients together hold that much memory, the biggest evictable
ones are closed (as in Redis 7.0), CLIENT NO-EVICT exempts a client, and INFO counts them."""
import socket
import time

import pytest
import redis

from conftest import start_rill


@pytest.fixture
def server():
    s = start_rill()
    yield s
    s.stop()


def control(server):
    r = redis.Redis(port=server.port)
    r.client_setname("control")
    r.execute_command("CLIENT", "NO-EVICT", "ON")
    return r


def client_fields(r, name):
    for line in r.execute_command("CLIENT", "LIST").decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" "))
        if fields["name"] == name:
            return fields
    return None


def named_socket(server, name):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$%d\r\n%s\r\n" % (len(name), name.encode()))
    assert s.recv(100) == b"+OK\r\n"
    return s


def partial_bulk(s, size, announced=None):
    """Sends size bytes of a command whose one argument is announced as bigger: the server
    holds them in its query buffer, waiting for the rest."""
    s.sendall(b"*1\r\n$%d\r\n" % (announced or size + 10) + b"v" * size)


def wait_until(condition, what, timeout=10):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, what
        time.sleep(0.01)


def closed(s):
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True


def test_a_query_buffer_over_the_limit_evicts_its_client(server):
    r = control(server)
    r.config_set("maxmemory-clients", "3000000")
    s = named_socket(server, "one")
    partial_bulk(s, 1000000)
    wait_until(lambda: int(client_fields(r, "one")["qbuf"]) >= 1000000, "the query buffer fills")
    assert int(client_fields(r, "one")["tot-mem"]) >= 1000000
    # A second client takes everyone over the limit: it is the biggest, it goes.
    s2 = named_socket(server, "two")
    partial_bulk(s2, 100000, 2500000)
    wait_until(lambda: client_fields(r, "two") is None, "the client is evicted")
    assert closed(s2)
    assert r.info("stats")["evicted_clients"] == 1
    assert client_fields(r, "one") is not None and client_fields(r, "control") is not None
    s.close()


def test_a_no_evict_client_stays(server):
    r = control(server)
    r.config_set("maxmemory-clients", "1000000")
    s = named_socket(server, "kept")
    s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n$2\r\non\r\n")
    assert s.recv(100) == b"+OK\r\n"
    partial_bulk(s, 2000000)
    wait_until(lambda: int(client_fields(r, "kept")["qbuf"]) >= 2000000, "the query buffer fills")
    assert int(client_fields(r, "kept")["tot-mem"]) > 1000000
    assert r.info("stats")["evicted_clients"] == 0
    # No longer exempt: it goes at once.
    s.sendall(b"v" * 10 + b"\r\n*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n$3\r\noff\r\n")
    wait_until(lambda: client_fields(r, "kept") is None, "the client is evicted")


def test_lowering_the_limit_evicts_the_biggest_clients_first(server):
    r = control(server)
    sizes = {"small": 100000, "medium": 400000, "large": 1600000}
    sockets = []
    for name, size in sizes.items():
        s = named_socket(server, name)
        partial_bulk(s, size)
        sockets.append(s)
        wait_until(lambda n=name, z=size: int(client_fields(r, n)["qbuf"]) >= z, "qbuf fills")
    mem = {name: int(client_fields(r, name)["tot-mem"]) for name in sizes}
    others = sum(int(f.split("tot-mem=")[1].split(" ")[0]) for f in
                 r.execute_command("CLIENT", "LIST").decode().splitlines()) - sum(mem.values())
    # Room for everything but the large one.
    r.config_set("maxmemory-clients", str(others + mem["small"] + mem["medium"] + mem["large"] // 2))
    assert client_fields(r, "large") is None
    assert client_fields(r, "medium") is not None and client_fields(r, "small") is not None
    assert r.info("stats")["evicted_clients"] == 1
    # A percentage of maxmemory works the same way.
    r.config_set("maxmemory", str(100 * (others + mem["small"] + mem["medium"] // 2)),
                 "maxmemory-clients", "1%")
    assert client_fields(r, "medium") is None and client_fields(r, "small") is not None
    r.config_set("maxmemory", "0")
    for s in sockets:
        s.close()


def test_a_client_that_does_not_read_its_replies_is_evicted(server):
    r = control(server)
    r.setrange("k", 200000, "v")
    r.config_set("maxmemory-clients", "3000000")
    s = named_socket(server, "reader")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    get = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    deadline = time.time() + 30
    while True:
        fields = client_fields(r, "reader")
        if fields is None:
            break
        assert time.time() < deadline, "never evicted"
        # Evicted as soon as its replies take it past the limit: it never holds much more.
        assert int(fields["tot-mem"]) < 3000000 * 2
        try:
            s.sendall(get * 4)
        except (BrokenPipeError, ConnectionResetError):
            break
    wait_until(lambda: client_fields(r, "reader") is None, "the client is evicted")
    assert r.info("stats")["evicted_clients"] == 1


def test_watched_keys_and_queued_commands_count(server):
    r = control(server)
    other = redis.Redis(port=server.port)
    other.client_setname("tx")
    before = int(client_fields(r, "tx")["multi-mem"])
    other.execute_command("WATCH", *["key:%d" % i for i in range(1000)])
    watching = int(client_fields(r, "tx")["multi-mem"])
    assert watching > before + 1000 * 8
    other.execute_command("MULTI")
    for _ in range(10):
        other.execute_command("SET", "k", "x" * 10000)
    assert int(client_fields(r, "tx")["multi-mem"]) > watching + 10 * 10000
    # The same client under a limit it now passes is evicted at its next command.
    r.config_set("maxmemory-clients", str(int(client_fields(r, "tx")["tot-mem"]) +
                                          int(client_fields(r, "control")["tot-mem"]) + 50000))
    with pytest.raises(redis.ConnectionError):
        for _ in range(10):
            other.execute_command("SET", "k", "x" * 10000)
    assert client_fields(r, "tx") is None


def dataset_under_maxmemory(server):
    """Redis's unit/maxmemory set-up: 5 MB of keys under an 11 MB maxmemory, clients limited
    to 3 MB; returns the control connection."""
    r = control(server)
    r.config_set("maxmemory", "11mb")
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-clients", "3mb")
    for j in range(50):
        r.setrange(str(j), 100000, "x")
    r.config_resetstat()
    return r


def slow_reader(server):
    """A connection with a tiny receive buffer that never reads: replies pile up in rill."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", server.port))
    return s


def test_client_eviction_comes_before_key_eviction(server):
    """Clients that do not read their replies are closed before their buffers push the dataset
    past maxmemory: no key goes (as Redis's unit/maxmemory checks)."""
    r = dataset_under_maxmemory(server)
    readers = [slow_reader(server) for _ in range(20)]
    deadline = time.time() + 30
    while r.info("stats")["evicted_clients"] < 5:
        assert time.time() < deadline, "no client was evicted"
        for s in readers:
            try:
                s.sendall(b"*2\r\n$4\r\nMGET\r\n$1\r\n1\r\n")
            except OSError:
                pass
    assert r.info("stats")["evicted_keys"] == 0
    assert r.dbsize() == 50
    for s in readers:
        s.close()


def test_config_resetstat_resets_the_eviction_counters(server):
    r = control(server)
    r.config_set("maxmemory-policy", "allkeys-random")
    for j in range(100):
        r.set("k%d" % j, "x" * 1000)
    r.config_set("maxmemory", "1")
    r.config_set("maxmemory", "0")
    s = named_socket(server, "goes")
    r.config_set("maxmemory-clients", "1")
    assert closed(s)
    stats = r.info("stats")
    assert stats["evicted_keys"] > 0 and stats["evicted_clients"] == 1
    r.config_resetstat()
    stats = r.info("stats")
    assert stats["evicted_keys"] == 0 and stats["evicted_clients"] == 0


def test_subscribers_are_counted_as_messages_reach_them(server):
    """One batch of PUBLISH commands fills many subscribers' buffers: they are evicted as the
    messages arrive, before the keys pay for them."""
    r = dataset_under_maxmemory(server)
    subscribers = [slow_reader(server) for _ in range(20)]
    for s in subscribers:
        s.sendall(b"SUBSCRIBE bla\r\n")
    wait_until(lambda: r.pubsub_numsub("bla")[0][1] == 20, "all subscribed")
    pipe = r.pipeline(transaction=False)
    for _ in range(100):
        pipe.publish("bla", "x" * 100000)
    pipe.execute()
    assert r.info("stats")["evicted_clients"] > 0
    assert r.info("stats")["evicted_keys"] == 0
    assert r.dbsize() == 50
    for s in subscribers:
        s.close()
