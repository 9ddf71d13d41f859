"""The memcached port with real clients (pymemcache, python-memcached) and against a real
memcached: a script of commands replayed on both, replies compared byte for byte."""
import multiprocessing
import os
import pickle
import re
import shutil
import socket
import subprocess
import tempfile
import time

import memcache
import pytest
import redis
from pymemcache import serde
from pymemcache.client.base import Client
from pymemcache.fallback import FallbackClient

from conftest import RILL, Server, free_port, start_rill

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts", "memcached.txt")
SENTINEL = b"version\r\n"
VERSION_LINE = b"VERSION 1.6.18\r\n"


def start_rill_memcached(*extra):
    mport = free_port()
    server = start_rill("--memcached-port", str(mport), *extra)
    server.mport = mport
    return server


def start_memcached():
    port = free_port()
    argv = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "1"]
    if os.geteuid() == 0:
        argv += ["-u", "root"]  # memcached refuses to run as root without being told
    server = Server(argv, port, tempfile.mkdtemp(prefix="memcached-"))
    server.mport = port
    return server


@pytest.fixture
def rill_mc():
    server = start_rill_memcached()
    yield server
    server.stop()


def pymemcache_client(server, **kw):
    return Client(("127.0.0.1", server.mport), connect_timeout=5, timeout=5, **kw)


# ---- Differential against memcached ----


def script_commands():
    """(command bytes with its data block) for each command of the script."""
    commands, current = [], None
    with open(SCRIPT, "rb") as f:
        for raw in f.read().split(b"\n"):
            if raw.startswith(b"#"):
                continue
            if raw == b">" or raw.startswith(b"> "):
                current += raw[2:] + b"\r\n"
                continue
            if current is not None:
                commands.append(current)
            current = raw + b"\r\n"
    if current is not None and current != b"\r\n":
        commands.append(current)
    return commands


class Replayer:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.last_cas = b"0"
        self.cas_ids = {}

    def run(self, command):
        """The reply to one command: everything before the sentinel VERSION line."""
        self.sock.sendall(command.replace(b"$CAS", self.last_cas) + SENTINEL)
        while VERSION_LINE not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        reply, _, self.buf = self.buf.partition(VERSION_LINE)
        for m in re.finditer(rb"^VALUE \S+ \d+ \d+ (\d+)\r\n", reply, re.M):
            self.last_cas = m.group(1)
        # Uniques differ between servers; what must match is which ones are equal.
        reply = re.sub(rb"^(VALUE \S+ \d+ \d+ )(\d+)\r\n",
                       lambda m: m.group(1) + b"<cas%d>\r\n" % self.cas_ids.setdefault(m.group(2), len(self.cas_ids)),
                       reply, flags=re.M)
        # A number that incr or decr made shorter is space-padded in place, unless another
        # thread of memcached held the item at that moment (then it is a new item, unpadded):
        # both forms are memcached's, so both compare as the unpadded one.
        return re.sub(rb"^VALUE (\S+) (\d+) \d+( <cas\d+>)?\r\n(\d+) +\r\n",
                      lambda m: b"VALUE %s %s %d%s\r\n%s\r\n" % (m.group(1), m.group(2), len(m.group(4)),
                                                                 m.group(3) or b"", m.group(4)),
                      reply, flags=re.M)


def test_script_replies_match_memcached():
    rill = start_rill_memcached()
    real = start_memcached()
    try:
        ours, theirs = Replayer(rill.mport), Replayer(real.mport)
        mismatches = []
        commands = script_commands()
        for command in commands:
            a, b = ours.run(command), theirs.run(command)
            if a != b:
                mismatches.append("%r\n  rill:      %r\n  memcached: %r" % (command[:80], a, b))
        assert not mismatches, "%d of %d differ:\n%s" % (len(mismatches), len(commands), "\n".join(mismatches))
        assert len(commands) > 150
    finally:
        rill.stop()
        real.stop()


# ---- pymemcache ----


def test_cache_aside_with_ttl(rill_mc):
    client = pymemcache_client(rill_mc, serde=serde.pickle_serde)
    computed = []

    def square(n):
        key = "square:%d" % n
        value = client.get(key)
        if value is None:
            computed.append(n)
            value = n * n
            client.set(key, value, expire=60)
        return value

    assert [square(n) for n in (3, 4, 3, 4, 5)] == [9, 16, 9, 16, 25]
    assert computed == [3, 4, 5]
    ttl = redis.Redis(port=rill_mc.port).ttl("square:3")
    assert 55 <= ttl <= 60


def cas_worker(mport, increments):
    client = Client(("127.0.0.1", mport), connect_timeout=5, timeout=5)
    for _ in range(increments):
        while True:
            value, cas = client.gets("visitors")
            if client.cas("visitors", str(int(value) + 1), cas, noreply=False):
                break


def test_gets_cas_counter_under_four_processes_is_exact(rill_mc):
    client = pymemcache_client(rill_mc)
    client.set("visitors", "0", noreply=False)
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=cas_worker, args=(rill_mc.mport, 250)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert client.get("visitors") == b"1000"


def test_incr_decr(rill_mc):
    client = pymemcache_client(rill_mc)
    assert client.incr("missing", 1, noreply=False) is None
    client.set("n", "10")
    assert client.incr("n", 5) == 15
    assert client.decr("n", 100) == 0
    assert client.incr("n", 2**64 - 1) == 2**64 - 1
    assert client.incr("n", 2) == 1
    client.set("word", "abc")
    with pytest.raises(Exception, match="non-numeric"):
        client.incr("word", 1)


def test_fallback_client_reads_old_then_new():
    old, new = start_rill_memcached(), start_rill_memcached()
    try:
        old_client, new_client = pymemcache_client(old), pymemcache_client(new)
        old_client.set("legacy", "from-old")
        new_client.set("fresh", "from-new")
        both = FallbackClient((new_client, old_client))
        assert both.get("fresh") == b"from-new"
        assert both.get("legacy") == b"from-old"
        assert both.get("nowhere") is None
        both.set("written", "x")  # writes go to the first (new) client
        assert new_client.get("written") == b"x"
        assert old_client.get("written") is None
    finally:
        old.stop()
        new.stop()


def test_set_many_get_many(rill_mc):
    client = pymemcache_client(rill_mc)
    values = {"many:%d" % i: "value-%d" % i for i in range(500)}
    assert client.set_many(values, expire=100, noreply=False) == []
    got = client.get_many(list(values) + ["many:missing"])
    assert got == {k: v.encode() for k, v in values.items()}
    assert redis.Redis(port=rill_mc.port).mget(["many:0", "many:499"]) == [b"value-0", b"value-499"]


def test_flags_round_trip_with_pymemcache_serde(rill_mc):
    client = pymemcache_client(rill_mc, serde=serde.pickle_serde)
    objects = {"int": 42, "str": "text", "bytes": b"\x00\xff", "obj": {"a": [1, 2.5, None]}}
    for key, value in objects.items():
        client.set(key, value)
    for key, value in objects.items():
        assert client.get(key) == value
    flags = {k: _flags(rill_mc, k) for k in objects}
    assert len(set(flags.values())) == 4, flags  # each type is told apart by its flags


def _flags(server, key):
    with socket.create_connection(("127.0.0.1", server.mport)) as s:
        s.sendall(b"get " + key.encode() + b"\r\n")
        header = s.recv(4096).split(b"\r\n")[0]
    return int(header.split()[2])


# ---- python-memcached ----


def test_python_memcached_types_and_counters(rill_mc):
    mc = memcache.Client(["127.0.0.1:%d" % rill_mc.mport])
    assert mc.set("int", 7)
    assert mc.set("str", "hello")
    assert mc.set("obj", {"nested": (1, 2)})
    assert mc.get("int") == 7
    assert mc.get("str") == "hello"
    assert mc.get("obj") == {"nested": (1, 2)}
    assert mc.incr("int", 3) == 10
    assert mc.decr("int", 20) == 0
    assert mc.get_multi(["int", "str", "nope"]) == {"int": 0, "str": "hello"}
    assert mc.add("str", "again") == 0
    assert mc.replace("str", "replaced")
    assert mc.append("str", "!") and mc.get("str") == "replaced!"
    assert mc.delete("str") and mc.get("str") is None
    assert mc.set("short", "lived", time=1)
    time.sleep(2.1)
    assert mc.get("short") is None
    mc.disconnect_all()


def test_python_memcached_cas(rill_mc):
    mc = memcache.Client(["127.0.0.1:%d" % rill_mc.mport], cache_cas=True)
    mc.set("c", 1)
    assert mc.gets("c") == 1
    redis.Redis(port=rill_mc.port).append("c", "0")  # a RESP write in between
    assert not mc.cas("c", 2)
    assert mc.gets("c") == 10
    assert mc.cas("c", 11)
    assert mc.get("c") == 11
    mc.disconnect_all()


# ---- Snapshots keep flags ----


def test_flags_and_ttls_survive_a_restart():
    workdir = tempfile.mkdtemp(prefix="rill-mc-snap-")
    try:
        server = start_rill_memcached("--dir", workdir, "--save", "")
        client = pymemcache_client(server, serde=serde.pickle_serde)
        client.set("obj", {"k": 1}, expire=500)
        client.set("n", 12)
        pymemcache_client(server).set("plain", "v", noreply=False)
        redis.Redis(port=server.port).save()
        server.stop()
        server = start_rill_memcached("--dir", workdir, "--save", "")
        client = pymemcache_client(server, serde=serde.pickle_serde)
        assert client.get("obj") == {"k": 1}
        assert client.get("n") == 12
        assert client.get("plain") == b"v"
        assert 490 <= redis.Redis(port=server.port).ttl("obj") <= 500
        server.stop()
        check = subprocess.run([os.path.join(os.path.dirname(RILL), "rill-check-snapshot"),
                                os.path.join(workdir, "dump.rdb")], capture_output=True, text=True)
        assert check.returncode == 0 and "string=3" in check.stdout, check.stdout
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_failed_background_save_stops_memcached_writes_too():
    workdir = tempfile.mkdtemp(prefix="rill-mc-misconf-")
    try:
        server = start_rill_memcached("--dir", workdir, "--save", "3600 1")
        os.mkdir(os.path.join(workdir, "dump.rdb"))  # a save cannot rename over a directory
        r = redis.Redis(port=server.port)
        client = pymemcache_client(server)
        client.set("k", "before", noreply=False)
        r.bgsave()
        deadline = time.time() + 10
        while r.info("persistence")["rdb_last_bgsave_status"] != "err" and time.time() < deadline:
            time.sleep(0.02)
        with socket.create_connection(("127.0.0.1", server.mport)) as s:
            s.sendall(b"set k 0 0 5\r\nafter\r\nincr k 1\r\ndelete k\r\nflush_all\r\nget k\r\n")
            want = (b"SERVER_ERROR MISCONF Redis is configured to save RDB snapshots, but it's "
                    b"currently unable to persist to disk. Commands that may modify the data set are "
                    b"disabled, because this instance is configured to report errors during writes if "
                    b"RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the "
                    b"Redis logs for details about the RDB error.\r\n")
            expected = want * 4 + b"VALUE k 0 6\r\nbefore\r\nEND\r\n"
            got = b""
            while len(got) < len(expected):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            assert got == expected
        r.config_set("save", "")  # else SIGTERM's final save fails and the server stays up
        server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_memcached_writes_are_announced_like_their_redis_commands(rill_mc):
    r = redis.Redis(port=rill_mc.port)
    r.config_set("notify-keyspace-events", "KA")
    pubsub = r.pubsub()
    pubsub.psubscribe("__keyspace@0__:*")
    assert pubsub.get_message(timeout=5)["type"] == "psubscribe"
    client = pymemcache_client(rill_mc)
    client.set("k", "1", noreply=False)
    client.append("k", "0", noreply=False)
    client.prepend("k", "1", noreply=False)
    client.incr("k", 1)
    client.touch("k", 100, noreply=False)
    client.touch("k", 0, noreply=False)
    client.delete("k", noreply=False)
    events = []
    while len(events) < 7:
        message = pubsub.get_message(timeout=5)
        assert message is not None, events
        events.append((message["channel"], message["data"]))
    assert events == [(b"__keyspace@0__:k", e) for e in
                      [b"set", b"append", b"prepend", b"incrby", b"expire", b"persist",
                       b"del"]]
    pubsub.close()
    r.close()


def test_config_set_moves_the_memcached_port():
    rill = start_rill()
    try:
        r = redis.Redis(port=rill.port)
        mport = free_port()
        assert r.config_set("memcached-port", mport)
        mc = socket.create_connection(("127.0.0.1", mport), timeout=5)
        mc.sendall(b"version\r\n")
        assert mc.recv(100).startswith(b"VERSION ")
        # A port already taken (rill's own RESP port) is refused; the listener stays.
        with pytest.raises(redis.ResponseError, match="memcached-port.*Unable to listen"):
            r.config_set("memcached-port", rill.port)
        assert r.config_get("memcached-port") == {"memcached-port": str(mport)}
        mc.sendall(b"set k 0 0 1\r\nv\r\n")
        assert mc.recv(100) == b"STORED\r\n"
        assert r.config_set("memcached-port", 0)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", mport), timeout=5)
        assert r.get("k") == b"v"
        mc.close()
    finally:
        rill.stop()
