"""RDB files both ways between rill and redis-server 7.0: files redis-server writes under
several encoding settings load in rill with every value equal; files rill writes pass
redis-check-rdb and load in redis-server; files in the encodings of Redis 5 and 6 (RDB 9:
ziplists, zipmaps, intsets, quicklists of ziplists), built here byte by byte, load the same in
both servers."""
import os
import shutil
import struct
import subprocess
import tempfile

import pytest
import redis

from conftest import RILL, free_port, start_redis, track, wait_for_port
from test_snapshot import Rill, assert_same_state, populate, state, wait_until


@pytest.fixture
def dirs():
    top = tempfile.mkdtemp(prefix="rill-rdb-")
    made, servers = [], []

    def new(name):
        path = os.path.join(top, name)
        os.mkdir(path)
        made.append(path)
        return path

    yield new, servers
    for s in servers:
        s.stop()
    shutil.rmtree(top, ignore_errors=True)


class RedisOnDir:
    """A redis-server whose dump.rdb lives in a directory of ours."""

    def __init__(self, datadir, *extra):
        self.port = free_port()
        argv = ["redis-server", "--port", str(self.port), "--dir", datadir, "--save", "",
                "--appendonly", "no", "--logfile", os.path.join(datadir, "..", "redis-%d.log" % self.port),
                *extra]
        self.proc = track(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_port(self.port, self.proc)
        self.r = redis.Redis(port=self.port, socket_timeout=20)
        wait_until(self.loaded, what="redis-server to load its dataset")

    def loaded(self):
        try:
            return self.r.ping()
        except redis.BusyLoadingError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def copy_dump(src, dst):
    shutil.copy(os.path.join(src, "dump.rdb"), os.path.join(dst, "dump.rdb"))


def redis_check_rdb(path):
    out = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "RDB looks OK" in out.stdout, out.stdout + out.stderr


# Encoding settings for redis-server: its defaults (listpacks, intsets, quicklists of
# listpacks), everything in its big form, and quicklists with many small compressed nodes.
REDIS_SETTINGS = {
    "defaults": [],
    "big_forms": ["--hash-max-listpack-entries", "0", "--zset-max-listpack-entries", "0",
                  "--set-max-intset-entries", "0", "--list-max-listpack-size", "1"],
    "compressed_lists": ["--list-max-listpack-size", "4", "--list-compress-depth", "1"],
    "no_compression": ["--rdbcompression", "no", "--rdbchecksum", "no"],
}


@pytest.mark.parametrize("setting", sorted(REDIS_SETTINGS))
def test_files_redis_writes_load_in_rill(dirs, setting):
    new, servers = dirs
    a, b = new("redis"), new("rill")
    ref = RedisOnDir(a, *REDIS_SETTINGS[setting])
    servers.append(ref)
    populate(ref.r)
    expected = state(ref.r)
    assert ref.r.save()
    copy_dump(a, b)
    s = Rill(b, "--save", "")
    servers.append(s)
    assert_same_state(state(s.r), expected)
    assert s.r.info("persistence")["rdb_last_load_keys_loaded"] == len(expected)


def test_plain_quicklist_nodes_load_in_rill(dirs):
    """Elements past the packed threshold are PLAIN nodes in Redis's quicklist 2 format."""
    new, servers = dirs
    a, b = new("redis"), new("rill")
    ref = RedisOnDir(a, "--enable-debug-command", "yes")
    servers.append(ref)
    ref.r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    ref.r.rpush("mixed", "small", b"p" * 500, "tail", b"q" * 1000)
    assert ref.r.save()
    copy_dump(a, b)
    s = Rill(b, "--save", "")
    servers.append(s)
    assert s.r.lrange("mixed", 0, -1) == [b"small", b"p" * 500, b"tail", b"q" * 1000]


@pytest.mark.parametrize("options", [[], ["--rdbcompression", "no"], ["--rdbchecksum", "no"]])
def test_files_rill_writes_load_in_redis(dirs, options):
    new, servers = dirs
    a, b = new("rill"), new("redis")
    s = Rill(a, "--save", "", *options)
    servers.append(s)
    populate(s.r)
    expected = state(s.r)
    assert s.r.save()
    redis_check_rdb(os.path.join(a, "dump.rdb"))
    copy_dump(a, b)
    ref = RedisOnDir(b)
    servers.append(ref)
    assert_same_state(state(ref.r), expected)


def test_compression_shrinks_repetitive_values(dirs):
    new, servers = dirs
    sizes = {}
    for option in ("yes", "no"):
        d = new("rill-" + option)
        s = Rill(d, "--save", "", "--rdbcompression", option)
        servers.append(s)
        s.r.set("k", "abc" * 10000)
        s.r.rpush("l", *["item-%d" % (i % 3) * 20 for i in range(100)])
        assert s.r.save()
        sizes[option] = os.path.getsize(os.path.join(d, "dump.rdb"))
    assert sizes["yes"] * 5 < sizes["no"], sizes


def test_idle_time_and_frequency_survive_a_restart_as_in_redis(dirs):
    new, servers = dirs
    d = new("rill")
    s = Rill(d, "--save", "", "--maxmemory-policy", "allkeys-lru")
    servers.append(s)
    s.r.set("old", "v")
    wait_until(lambda: s.r.object("idletime", "old") >= 2, timeout=10, what="idle time")
    s.shutdown("SAVE")
    s = Rill(d, "--save", "", "--maxmemory-policy", "allkeys-lru")
    servers.append(s)
    assert s.r.object("idletime", "old") >= 2
    s.r.config_set("maxmemory-policy", "allkeys-lfu")
    for _ in range(50):
        s.r.get("old")
    freq = s.r.object("freq", "old")
    assert freq > 5
    s.shutdown("SAVE")
    s = Rill(d, "--save", "", "--maxmemory-policy", "allkeys-lfu")
    servers.append(s)
    assert s.r.object("freq", "old") == freq


def test_memcached_flags_and_cas_survive_and_redis_still_loads_the_file(dirs):
    new, servers = dirs
    a, b = new("rill"), new("redis")
    mport = free_port()
    s = Rill(a, "--save", "", "--memcached-port", str(mport))
    servers.append(s)

    def memcache(line):
        import socket
        with socket.create_connection(("127.0.0.1", mport), timeout=5) as c:
            c.sendall(line)
            data = b""
            while not data.endswith(b"END\r\n") and not data.endswith(b"STORED\r\n"):
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data

    assert memcache(b"set flagged 4242 0 5\r\nhello\r\n") == b"STORED\r\n"
    before = memcache(b"gets flagged\r\n")
    assert before.startswith(b"VALUE flagged 4242 5 ")
    s.shutdown("SAVE")
    redis_check_rdb(os.path.join(a, "dump.rdb"))
    copy_dump(a, b)
    ref = RedisOnDir(b)
    servers.append(ref)
    assert ref.r.get("flagged") == b"hello"
    s = Rill(a, "--save", "", "--memcached-port", str(mport))
    servers.append(s)
    assert memcache(b"gets flagged\r\n") == before
    # A new write after the restart gets a unique above the restored ones.
    assert memcache(b"set other 1 0 1\r\nx\r\n") == b"STORED\r\n"
    cas_other = int(memcache(b"gets other\r\n").split(b"\r\n")[0].split()[-1])
    assert cas_other > int(before.split(b"\r\n")[0].split()[-1])


# ---- RDB 9 files in the encodings of Redis 5 and 6, built byte by byte ----

CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x95AC9329AC4BC9B5 if _c & 1 else _c >> 1
    CRC_TABLE.append(_c)


def crc64(data):
    crc = 0
    for byte in data:
        crc = CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | n >> 8, n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def rdb_string(b):
    return rdb_len(len(b)) + b


def ziplist_entry_encoding(v):
    if isinstance(v, int):
        if 0 <= v <= 12:
            return bytes([0xF1 + v])
        for code, fmt, lo, hi in ((0xFE, "<b", -128, 127), (0xC0, "<h", -32768, 32767),
                                  (0xF0, None, -(1 << 23), (1 << 23) - 1),
                                  (0xD0, "<i", -(1 << 31), (1 << 31) - 1), (0xE0, "<q", -(1 << 63), (1 << 63) - 1)):
            if lo <= v <= hi:
                data = struct.pack("<i", v)[:3] if fmt is None else struct.pack(fmt, v)
                return bytes([code]) + data
    if len(v) < 64:
        return bytes([len(v)]) + v
    if len(v) < 16384:
        return bytes([0x40 | len(v) >> 8, len(v) & 0xFF]) + v
    return b"\x80" + struct.pack(">I", len(v)) + v


def ziplist(items):
    body, prev, tail = b"", 0, 10
    for v in items:
        tail = 10 + len(body)
        prevlen = bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        entry = prevlen + ziplist_entry_encoding(v)
        body += entry
        prev = len(entry)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, tail, len(items)) + body + b"\xff"


def zipmap(pairs):
    out = bytes([len(pairs)])
    for k, v in pairs:
        out += bytes([len(k)]) + k + bytes([len(v), 0]) + v
    return out + b"\xff"


def intset(values, width):
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    return struct.pack("<II", width, len(values)) + b"".join(struct.pack(fmt, v) for v in sorted(values))


def old_double(d):
    text = repr(d).encode() if d == d and abs(d) != float("inf") else None
    if text is None:
        return bytes([254 if d > 0 else 255])
    return bytes([len(text)]) + text


def rdb9_file():
    body = b""

    def key(type_byte, name, value, expire_s=None):
        nonlocal body
        if expire_s is not None:
            body += b"\xfd" + struct.pack("<I", expire_s)
        body += bytes([type_byte]) + rdb_string(name) + value

    body += b"\xfa" + rdb_string(b"redis-ver") + rdb_string(b"6.2.14")
    body += b"\xfe\x00"  # SELECTDB 0
    key(0, b"str", rdb_string(b"hello"))
    key(0, b"int8", b"\xc0\x7f")
    key(0, b"int32", b"\xc2" + struct.pack("<i", -123456789))
    key(10, b"list:ziplist", rdb_string(ziplist([b"a", 5, -7, 300, 70000, 1 << 40, b"x" * 100])))
    key(14, b"list:quicklist", rdb_len(2) + rdb_string(ziplist([b"n1", b"n2"])) +
        rdb_string(ziplist([3, b"n4" * 200])))
    key(1, b"list:plain", rdb_len(2) + rdb_string(b"p1") + rdb_string(b"p2"))
    key(11, b"set:intset16", rdb_string(intset([-5, 1, 30000], 2)))
    key(11, b"set:intset64", rdb_string(intset([1, 1 << 40, -(1 << 50)], 8)))
    key(2, b"set:plain", rdb_len(2) + rdb_string(b"m1") + rdb_string(b"m2"))
    key(12, b"zset:ziplist", rdb_string(ziplist([b"c", -3, b"a", 1, b"b", b"2.5"])))  # by score
    key(3, b"zset:old", rdb_len(3) + rdb_string(b"x") + old_double(1.5) + rdb_string(b"y") +
        old_double(float("inf")) + rdb_string(b"z") + old_double(-2.0))
    key(13, b"hash:ziplist", rdb_string(ziplist([b"f1", b"v1", b"f2", 22, b"f3", b""])))
    key(9, b"hash:zipmap", rdb_string(zipmap([(b"zk1", b"zv1"), (b"zk2", b"")])))
    key(4, b"hash:plain", rdb_len(1) + rdb_string(b"hf") + rdb_string(b"hv"), expire_s=2100000000)
    body += b"\xfe\x05"  # SELECTDB 5
    key(0, b"in5", rdb_string(b"five"))
    data = b"REDIS0009" + body + b"\xff"
    return data + struct.pack("<Q", crc64(data))


def test_redis_6_encodings_load_the_same_in_rill_and_redis(dirs):
    new, servers = dirs
    a, b = new("redis"), new("rill")
    for d in (a, b):
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(rdb9_file())
    ref = RedisOnDir(a)
    servers.append(ref)
    expected = state(ref.r)
    assert len(expected) == 15  # redis-server loaded every key: the file is right
    s = Rill(b, "--save", "")
    servers.append(s)
    assert_same_state(state(s.r), expected, slack_ms=5000)


def test_damaged_packed_values_stop_start_up_with_the_offset(dirs):
    new, servers = dirs
    d = new("rill")
    good = rdb9_file()
    blob = ziplist([b"f1", b"v1", b"f2", 22, b"f3", b""])
    at = good.index(blob)
    bad = bytearray(good)
    bad[at + 11] ^= 0x40  # the first entry's string length: now past the blob's end
    bad[-8:] = struct.pack("<Q", crc64(bytes(bad[:-8])))
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(bad)
    log = os.path.join(d, "..", "failed.log")
    proc = subprocess.run([RILL, "--port", str(free_port()), "--dir", d, "--logfile", log], timeout=20)
    assert proc.returncode != 0
    text = open(log).read()
    assert "Bad snapshot dump.rdb" in text and "at offset" in text, text


def test_module_values_stop_start_up_naming_the_module_and_the_key(dirs):
    new, _ = dirs
    d = new("rill")
    charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    module_id = 0
    for ch in "ReJSON-RL":
        module_id = module_id << 6 | charset.index(ch)
    module_id = module_id << 10 | 3  # encoding version 3
    body = b"\xfe\x00" + b"\x07" + rdb_string(b"doc") + b"\x81" + struct.pack(">Q", module_id)
    data = b"REDIS0010" + body + b"\xff"
    with open(os.path.join(d, "dump.rdb"), "wb") as f:
        f.write(data + struct.pack("<Q", crc64(data)))
    log = os.path.join(d, "..", "module.log")
    proc = subprocess.run([RILL, "--port", str(free_port()), "--dir", d, "--logfile", log], timeout=20)
    assert proc.returncode == 1
    assert "key 'doc': a value of module type 'ReJSON-RL', and no module is loaded" in open(log).read()
