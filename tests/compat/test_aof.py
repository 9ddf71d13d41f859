"""The append-only file end to end: the effects it records match redis-server's file command
for command, restarts (clean and kill -9) keep every acknowledged write, torn tails are cut or
refused as aof-load-truncated says, files move both ways between rill and redis-server, and
the AOF can be turned on at run time and rewritten."""
import glob
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import redis

from conftest import RILL, free_port, track, wait_for_port
from test_differential import RawConn
from test_rdb_files import RedisOnDir
from test_snapshot import Rill, assert_same_state, populate, start, state, wait_until, workdir  # noqa: F401

AOF_ON = ("--appendonly", "yes", "--save", "")
CHECK_AOF = os.path.join(os.path.dirname(RILL), "rill-check-aof")


def raw(port, *args):
    """The exact reply to one command (redis-py turns some statuses into True)."""
    c = RawConn(port)
    reply = c.call(list(args))
    c.close()
    return reply


def aof_files(datadir, kind):
    return sorted(glob.glob(os.path.join(datadir, "appendonlydir", "appendonly.aof.*.%s.*" % kind)))


def read_commands(path):
    """The commands of an AOF file (annotations left out), each a list of bytes."""
    data = open(path, "rb").read()
    out, p = [], 0
    while p < len(data):
        if data[p:p + 1] == b"#":
            p = data.index(b"\n", p) + 1
            continue
        nl = data.index(b"\r\n", p)
        argc = int(data[p + 1:nl])
        p = nl + 2
        args = []
        for _ in range(argc):
            nl = data.index(b"\r\n", p)
            n = int(data[p + 1:nl])
            args.append(data[nl + 2:nl + 2 + n])
            p = nl + 2 + n + 2
        out.append(args)
    return out


NOW_MS = re.compile(rb"^1[0-9]{12}(-[0-9]+)?$")


def normalized(commands):
    """Times taken from the clock (relative TTLs made absolute, stream IDs, delivery times)
    differ between two servers by milliseconds: they compare as <now>."""
    return [[NOW_MS.sub(rb"<now>", a) for a in cmd] for cmd in commands]


@pytest.fixture
def redis_dir():
    """A data directory for a redis-server (its log goes beside it)."""
    top = tempfile.mkdtemp(prefix="redis-aof-")
    data = os.path.join(top, "data")
    os.mkdir(data)
    servers = []
    yield data, servers
    for s in servers:
        s.stop()
    shutil.rmtree(top, ignore_errors=True)


def start_redis_on(redis_dir, *extra):
    top, servers = redis_dir
    s = RedisOnDir(top, *extra)
    servers.append(s)
    return s


# What write commands become in the file: TTLs made absolute, blocking pops as the pops they
# were, scripts as their writes, transactions wrapped, SELECT on database changes, group reads
# as XCLAIM and XGROUP SETID, deletions of expired keys.
SCRIPT = [
    ("SET", "a", "1"), ("SET", "b", "2", "EXAT", "4102444800"), ("SETEX", "c", "100", "x"),
    ("PSETEX", "c2", "100000", "x"), ("SET", "d", "v", "PX", "100000", "GET"),
    ("SET", "e", "v", "KEEPTTL", "GET"), ("GETSET", "e", "w"), ("INCR", "a"),
    ("INCRBYFLOAT", "f", "1.5"), ("HINCRBYFLOAT", "h", "f", "2.5"), ("EXPIRE", "a", "1000", "NX"),
    ("EXPIREAT", "a", "4102444800"), ("PEXPIRE", "b", "100000", "GT"),
    ("PEXPIREAT", "b", "4102444800000"), ("GETEX", "b", "PERSIST"), ("GETEX", "c", "EX", "50"),
    ("GETEX", "c", "EXAT", "1"), ("GETDEL", "a"), ("EXPIRE", "f", "-1"), ("PERSIST", "nothing"),
    ("RPUSH", "l", "a", "b", "c", "d", "e"), ("LPOP", "l"), ("BLPOP", "l", "0"),
    ("BRPOP", "nolist", "l", "0"), ("LMPOP", "1", "l", "LEFT", "COUNT", "1"),
    ("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "5"), ("RPUSH", "l2", "1", "2", "3"),
    ("BLMOVE", "l2", "l3", "left", "RIGHT", "0"), ("BRPOPLPUSH", "l2", "l3", "0"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"), ("BZPOPMIN", "z", "0"),
    ("BZPOPMAX", "z", "0"), ("ZMPOP", "1", "z", "MIN", "COUNT", "10"),
    ("SADD", "s", "only"), ("SPOP", "s"), ("SADD", "s2", "x", "y"), ("SPOP", "s2", "5"),
    ("MULTI",), ("SET", "m1", "1"), ("SET", "m2", "2"), ("EXEC",),
    ("MULTI",), ("SET", "m3", "1"), ("EXEC",), ("MULTI",), ("GET", "m3"), ("EXEC",),
    ("EVAL", "redis.call('set','e1','1'); redis.call('incr','e1')", "0"),
    ("EVAL", "redis.call('set','e3','3')", "0"), ("EVAL", "return redis.call('get','e3')", "0"),
    ("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set','hidden','1'); "
             "redis.set_repl(redis.REPL_ALL); redis.call('set','shown','1')", "0"),
    ("SELECT", "3"), ("SET", "d3", "1"), ("SWAPDB", "3", "4"), ("SELECT", "0"),
    ("XADD", "st", "1-1", "f", "v"), ("XADD", "st", "2-*", "f", "v"), ("XADD", "st", "*", "f", "v"),
    ("XADD", "st", "MAXLEN", "~", "1", "*", "f", "v"), ("XTRIM", "st", "MAXLEN", "=", "3"),
    ("XGROUP", "CREATE", "st", "g", "0"), ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1",
                                           "STREAMS", "st", ">"),
    ("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "st", ">"),
    ("XACK", "st", "g", "1-1"), ("XCLAIM", "st", "g", "carol", "0", "2-0", "TIME", "4102444800000"),
    ("XAUTOCLAIM", "st", "g", "dave", "0", "0"), ("XGROUP", "CREATECONSUMER", "st", "g", "erin"),
    ("XDEL", "st", "2-0"), ("XSETID", "st", "9999999-0"),
    ("GEOADD", "geo", "13.361389", "38.115556", "Palermo"), ("PFADD", "hll", "a", "b"),
    ("PFCOUNT", "hll"), ("COPY", "hll", "hll2"), ("RENAME", "hll2", "hll3"),
    ("SET", "short", "x", "PX", "1"), ("SLEEP",), ("GET", "short"),
    ("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)"),
    ("FUNCTION", "DELETE", "lib"), ("PUBLISH", "ch", "m"), ("DEL", "none"),
    ("FLUSHDB",), ("SET", "after", "1"), ("FLUSHALL",), ("SET", "last", "1"),
]


def run_script(r):
    for cmd in SCRIPT:
        if cmd[0] == "SLEEP":
            time.sleep(0.05)
            continue
        try:
            r.execute_command(*cmd)
        except redis.ResponseError:
            pass


def test_effects_match_redis_command_for_command(workdir, redis_dir):
    rill = start(workdir, *AOF_ON, "--appendfsync", "always")
    ref = start_redis_on(redis_dir, "--appendonly", "yes", "--appendfsync", "always")
    run_script(rill.r)
    run_script(ref.r)
    mine = read_commands(aof_files(workdir[0], "incr")[-1])
    theirs = read_commands(glob.glob(os.path.join(redis_dir[0], "appendonlydir", "*.incr.aof"))[-1])
    assert normalized(mine) == normalized(theirs)


def test_read_only_commands_and_failed_writes_write_nothing(workdir):
    rill = start(workdir, *AOF_ON)
    rill.r.set("k", "v")
    size = os.path.getsize(aof_files(workdir[0], "incr")[-1])
    rill.r.get("k")
    rill.r.lrange("nolist", 0, -1)
    with pytest.raises(redis.ResponseError):
        rill.r.lpush("k", "x")
    rill.r.delete("missing")
    rill.r.execute_command("PING")
    assert os.path.getsize(aof_files(workdir[0], "incr")[-1]) == size


def test_every_type_survives_a_kill_9_and_a_restart(workdir):
    rill = start(workdir, *AOF_ON, "--appendfsync", "always")
    populate(rill.r)
    before = state(rill.r)
    rill.kill_group()
    again = start(workdir, *AOF_ON)
    assert_same_state(before, state(again.r))
    assert "DB loaded from append only file" in again.log()


def test_rewrite_keeps_the_data_and_retires_old_files(workdir):
    rill = start(workdir, *AOF_ON)
    populate(rill.r)
    rill.r.set("before-rewrite", 1)
    assert raw(rill.port, "BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
    rill.r.set("during-rewrite", 1)
    wait_until(lambda: rill.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="rewrite")
    rill.r.set("after-rewrite", 1)
    info = rill.r.info("persistence")
    assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == 1
    manifest = open(os.path.join(workdir[0], "appendonlydir", "appendonly.aof.manifest")).read()
    assert manifest == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert sorted(os.listdir(os.path.join(workdir[0], "appendonlydir"))) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    before = state(rill.r)
    rill.kill_group()
    again = start(workdir, *AOF_ON)
    assert_same_state(before, state(again.r))


def test_the_aof_and_not_the_snapshot_is_loaded(workdir):
    rill = start(workdir, "--save", "")
    rill.r.set("only-in-snapshot", 1)
    rill.r.save()
    rill.shutdown()
    again = start(workdir, *AOF_ON)
    assert again.r.dbsize() == 0  # as Redis: with appendonly yes the AOF is the dataset
    again.r.set("in-aof", 1)
    again.shutdown()
    third = start(workdir, *AOF_ON)
    assert third.r.keys() == [b"in-aof"]


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_kill_9_with_always_loses_no_acknowledged_write(workdir, fsync):
    """Writers go on while the server is killed at random moments: every write a client saw
    acknowledged is there after the restart, and nothing it never sent. (A killed process
    leaves what it wrote to the kernel: everysec loses nothing here either; what always adds,
    that a reply waits for its fsync, only shows when the machine itself goes down.)"""
    rng = random.Random(7)
    acked = {}  # key -> last acknowledged value
    counters = {"n": 0}
    for round_ in range(int(os.environ.get("AOF_KILL_ROUNDS", "4"))):  # make soak runs 100
        rill = start(workdir, *AOF_ON, "--appendfsync", fsync)
        stop = threading.Event()

        def writer(wid):
            r = redis.Redis(port=rill.port, socket_timeout=5)
            i = 0
            while not stop.is_set():
                i += 1
                key = "w%d:%d" % (wid, i % 50)
                value = "%d:%d" % (round_, i)
                try:
                    p = r.pipeline(transaction=False)
                    p.set(key, value)
                    p.incr("counter:%d" % wid)
                    p.rpush("list:%d" % wid, value)
                    res = p.execute()
                except (redis.ConnectionError, redis.TimeoutError):
                    return
                acked[key] = value
                acked["counter:%d" % wid] = res[1]
                acked["list:%d" % wid] = res[2]

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2 + rng.random() * 0.5)
        rill.kill_group()
        stop.set()
        for t in threads:
            t.join()
        again = start(workdir, *AOF_ON, "--appendfsync", fsync)
        for key, value in acked.items():
            if key.startswith("counter:"):
                assert int(again.r.get(key)) >= value, key
            elif key.startswith("list:"):
                assert again.r.llen(key) >= value, key
            else:
                # A later write may have been applied without its ack reaching us.
                got = again.r.get(key).decode()
                r0, i0 = map(int, value.split(":"))
                r1, i1 = map(int, got.split(":"))
                assert (r1, i1) >= (r0, i0), key
        counters["n"] += len(acked)
        again.kill_group()
    assert counters["n"] > 0


def test_a_torn_tail_is_cut_with_a_warning(workdir):
    rill = start(workdir, *AOF_ON)
    rill.r.set("whole", 1)
    rill.shutdown()
    incr = aof_files(workdir[0], "incr")[-1]
    size = os.path.getsize(incr)
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$4\r\ntorn")
    again = start(workdir, *AOF_ON)
    assert again.r.get("whole") == b"1" and again.r.get("torn") is None
    log = again.log()
    assert "!!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!" % size in log
    assert os.path.getsize(incr) == size
    again.r.set("next", 2)  # appended after the cut: the file stays whole
    again.kill_group()
    third = start(workdir, *AOF_ON)
    assert third.r.get("next") == b"2"


def test_a_torn_tail_stops_start_up_without_aof_load_truncated(workdir):
    rill = start(workdir, *AOF_ON)
    rill.r.set("whole", 1)
    rill.shutdown()
    incr = aof_files(workdir[0], "incr")[-1]
    with open(incr, "ab") as f:
        f.write(b"*2\r\n$3\r\nDEL\r\n")
    data = workdir[0]
    log = os.path.join(data, "..", "refused.log")
    proc = subprocess.run([RILL, "--port", str(free_port()), "--dir", data,
                           "--logfile", log, *AOF_ON, "--aof-load-truncated", "no"], timeout=20)
    assert proc.returncode != 0
    text = open(log).read()
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in text


def test_an_unfinished_transaction_is_not_applied(workdir):
    rill = start(workdir, *AOF_ON)
    rill.r.set("k", "before")
    rill.shutdown()
    incr = aof_files(workdir[0], "incr")[-1]
    size = os.path.getsize(incr)
    with open(incr, "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nafter\r\n")
    again = start(workdir, *AOF_ON)
    assert again.r.get("k") == b"before"
    assert "Revert incomplete MULTI/EXEC transaction" in again.log()
    assert os.path.getsize(incr) == size


def test_redis_server_loads_rills_files_and_rill_loads_redis_servers(workdir, redis_dir):
    rill = start(workdir, *AOF_ON)
    populate(rill.r)
    rill.r.execute_command("BGREWRITEAOF")
    wait_until(lambda: rill.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="rewrite")
    rill.r.set("in-incr", "1", ex=1000)
    rill.r.lpush("list:small", "pushed-after")
    before = state(rill.r)
    rill.shutdown()
    top, _ = redis_dir
    shutil.copytree(os.path.join(workdir[0], "appendonlydir"), os.path.join(top, "appendonlydir"))
    ref = start_redis_on(redis_dir, "--appendonly", "yes")
    assert_same_state(before, state(ref.r))
    # And back: what redis-server wrote next loads in rill.
    ref.r.set("written-by-redis", "1")
    ref.r.execute_command("BGREWRITEAOF")
    wait_until(lambda: ref.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="rewrite")
    ref.r.rpush("list:small", "after-redis-rewrite")
    expected = state(ref.r)
    ref.r.shutdown(nosave=True)
    ref.proc.wait()
    shutil.rmtree(os.path.join(workdir[0], "appendonlydir"))
    shutil.copytree(os.path.join(top, "appendonlydir"), os.path.join(workdir[0], "appendonlydir"))
    again = start(workdir, *AOF_ON)
    assert_same_state(expected, state(again.r))


def test_redis_server_files_without_preamble_load(workdir, redis_dir):
    ref = start_redis_on(redis_dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
    populate(ref.r)
    ref.r.execute_command("BGREWRITEAOF")
    wait_until(lambda: ref.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="rewrite")
    ref.r.set("tail", "1")
    expected = state(ref.r)
    ref.r.shutdown(nosave=True)
    ref.proc.wait()
    shutil.copytree(os.path.join(redis_dir[0], "appendonlydir"), os.path.join(workdir[0], "appendonlydir"))
    rill = start(workdir, *AOF_ON)
    assert_same_state(expected, state(rill.r))


def test_an_old_single_file_is_upgraded(workdir):
    data = workdir[0]
    with open(os.path.join(data, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$1\r\n1\r\n")
    rill = start(workdir, *AOF_ON)
    assert rill.r.get("old") == b"1"
    assert not os.path.exists(os.path.join(data, "appendonly.aof"))
    manifest = open(os.path.join(data, "appendonlydir", "appendonly.aof.manifest")).read()
    assert manifest == ("file appendonly.aof seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n")
    assert "Successfully migrated an old-style AOF file" in rill.log()


def test_turning_the_aof_on_at_run_time_writes_a_base_first(workdir):
    rill = start(workdir, "--save", "")
    populate(rill.r)
    assert rill.r.config_set("appendonly", "yes")
    wait_until(lambda: rill.r.info("persistence")["aof_rewrite_in_progress"] == 0
               and rill.r.info("persistence")["aof_enabled"] == 1, what="the first rewrite")
    rill.r.set("after-enable", 1)
    before = state(rill.r)
    rill.kill_group()
    again = start(workdir, *AOF_ON)
    assert_same_state(before, state(again.r))
    again.r.config_set("appendonly", "no")
    assert again.r.info("persistence")["aof_enabled"] == 0
    again.r.set("not-logged", 1)
    again.kill_group()
    third = start(workdir, *AOF_ON)
    assert third.r.get("not-logged") is None and third.r.get("after-enable") == b"1"


def test_memcached_items_keep_their_flags(workdir):
    import socket
    mport = free_port()
    rill = start(workdir, *AOF_ON, "--memcached-port", str(mport))
    s = socket.create_connection(("127.0.0.1", mport))
    s.sendall(b"set item 42 0 5\r\nhello\r\nset plain 0 1000 1\r\nx\r\nappend item 0 0 1\r\n!\r\n")
    got = b""
    while got.count(b"\r\n") < 3:
        got += s.recv(1024)
    assert got == b"STORED\r\nSTORED\r\nSTORED\r\n"
    s.close()
    rill.kill_group()
    again = start(workdir, *AOF_ON, "--memcached-port", str(mport))
    s = socket.create_connection(("127.0.0.1", mport))
    s.sendall(b"get item plain\r\n")
    got = b""
    while not got.endswith(b"END\r\n"):
        got += s.recv(1024)
    s.close()
    assert got == b"VALUE item 42 6\r\nhello!\r\nVALUE plain 0 1\r\nx\r\nEND\r\n"
    assert 0 < again.r.pttl("plain") <= 1000 * 1000


def test_info_persistence_has_redis_fields(workdir, redis_dir):
    rill = start(workdir, *AOF_ON)
    ref = start_redis_on(redis_dir, "--appendonly", "yes")
    mine = [k for k in rill.r.info("persistence") if k.startswith("aof_")]
    theirs = [k for k in ref.r.info("persistence") if k.startswith("aof_")]
    assert mine == theirs


def test_bgsave_and_bgrewriteaof_never_run_at_once(workdir):
    rill = start(workdir, *AOF_ON, "--rdb-key-save-delay", "2000")
    for i in range(200):
        rill.r.set("k%d" % i, i)
    assert raw(rill.port, "BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
    assert raw(rill.port, "BGSAVE").startswith(b"-ERR Another child process is active (AOF?)")
    assert raw(rill.port, "BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
    assert raw(rill.port, "BGREWRITEAOF") == (b"-ERR Background append only file rewriting already "
                                              b"in progress\r\n")
    rill.r.config_set("rdb-key-save-delay", 0)
    wait_until(lambda: rill.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="rewrite")
    wait_until(lambda: rill.r.info("persistence")["rdb_bgsave_in_progress"] == 0
               and rill.r.info("persistence")["rdb_saves"] >= 1, what="the scheduled save")


def test_a_base_written_as_commands_loads_in_both_servers(workdir, redis_dir):
    rill = start(workdir, *AOF_ON, "--aof-use-rdb-preamble", "no")
    populate(rill.r)
    rill.r.function_load("#!lua name=mylib\nredis.register_function('one', function() return 1 end)")
    rill.r.xadd("empty-stream", {"f": "v"}, id="5-5")
    rill.r.xtrim("empty-stream", maxlen=0)
    rill.r.xgroup_create("empty-stream", "g", id="0")
    rill.r.execute_command("XGROUP", "CREATECONSUMER", "empty-stream", "g", "idle")
    rill.r.execute_command("BGREWRITEAOF")
    wait_until(lambda: rill.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="rewrite")
    base = aof_files(workdir[0], "base")
    assert [os.path.basename(b) for b in base] == ["appendonly.aof.2.base.aof"]
    assert open(base[0], "rb").read(1) == b"*"
    before = state(rill.r)
    rill.kill_group()
    again = start(workdir, *AOF_ON)
    assert_same_state(before, state(again.r))
    assert again.r.fcall("one", 0) == 1
    again.shutdown()
    top, _ = redis_dir
    shutil.copytree(os.path.join(workdir[0], "appendonlydir"), os.path.join(top, "appendonlydir"))
    ref = start_redis_on(redis_dir, "--appendonly", "yes")
    assert_same_state(before, state(ref.r))
    assert ref.r.fcall("one", 0) == 1


def check_aof(*args, answer=None):
    return subprocess.run([CHECK_AOF, *args], input=answer, capture_output=True, text=True, timeout=60)


def test_check_aof_says_what_is_whole_and_fixes_a_torn_tail(workdir):
    rill = start(workdir, *AOF_ON)
    populate(rill.r)
    rill.r.set("last", "1")
    rill.shutdown()
    manifest = os.path.join(workdir[0], "appendonlydir", "appendonly.aof.manifest")
    ok = check_aof(manifest)
    assert ok.returncode == 0, ok.stdout
    assert re.search(r"Start checking Multi Part AOF\nStart to check BASE AOF \(RDB format\)\.\n"
                     r"RDB preamble is OK, proceeding with AOF tail\.\.\.\n"
                     r"BASE AOF appendonly.aof.1.base.rdb is valid\nStart to check INCR files\.\n"
                     r"INCR AOF appendonly.aof.1.incr.aof is valid\nAll AOF files and manifest are valid\n",
                     ok.stdout), ok.stdout
    incr = aof_files(workdir[0], "incr")[-1]
    size = os.path.getsize(incr)
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nx")
    bad = check_aof(manifest)
    assert bad.returncode == 1
    assert "ok_up_to=%d," % size in bad.stdout and "is not valid. Use the --fix option" in bad.stdout
    refused = check_aof("--fix", manifest, answer="n\n")
    assert refused.returncode == 1 and "Aborting..." in refused.stdout
    assert os.path.getsize(incr) > size
    fixed = check_aof("--fix", manifest, answer="y\n")
    assert fixed.returncode == 0 and "Successfully truncated AOF appendonly.aof.1.incr.aof" in fixed.stdout
    assert os.path.getsize(incr) == size
    again = start(workdir, *AOF_ON, "--aof-load-truncated", "no")
    assert again.r.get("last") == b"1"
    # Debian's redis-check-aof agrees about rill's files.
    theirs = subprocess.run(["redis-check-aof", manifest], capture_output=True, text=True, timeout=60)
    assert "All AOF files and manifest are valid" in theirs.stdout


@pytest.fixture
def small_disk():
    """A 1 MB tmpfs, so that the AOF can run out of space (needs the right to mount)."""
    path = tempfile.mkdtemp(prefix="rill-enospc-")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", path],
                      capture_output=True).returncode != 0:
        os.rmdir(path)
        pytest.skip("cannot mount a small tmpfs here")
    yield path
    subprocess.run(["umount", "-l", path])
    os.rmdir(path)


def test_a_full_disk_refuses_writes_with_misconf_and_loses_nothing(small_disk):
    data = os.path.join(small_disk, "data")
    os.mkdir(data)
    rill = Rill(data, *AOF_ON)
    try:
        filler = os.path.join(small_disk, "filler")
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        with open(filler, "wb") as f:
            f.write(b"x" * max(0, free - 64 * 1024))
        acked, refused = [], None
        for i in range(10000):
            try:
                rill.r.set("k%d" % i, "v" * 100)
                acked.append(i)
            except redis.ResponseError as e:
                refused = str(e)
                break
        assert refused == "MISCONF Errors writing to the AOF file: No space left on device"
        assert rill.r.info("persistence")["aof_last_write_status"] == "err"
        assert rill.r.get("k0") == b"v" * 100  # reads go on
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            rill.r.ping()
        os.unlink(filler)  # space again: the buffered effects are written, writes come back
        wait_until(lambda: rill.r.info("persistence")["aof_last_write_status"] == "ok", what="retry")
        rill.r.set("after", "1")
        acked_keys = ["k%d" % i for i in acked] + ["after"]
        rill.kill_group()
        again = Rill(data, *AOF_ON)
        try:
            assert all(again.r.exists(k) for k in acked_keys)
        finally:
            again.stop()
    finally:
        rill.stop()


def test_with_always_a_full_disk_holds_replies_until_the_writes_are_on_disk(small_disk):
    """No reply goes out for a write the disk has not taken: the clients wait (Redis exits
    instead), and go on once there is space again; nothing acknowledged is lost."""
    data = os.path.join(small_disk, "data")
    os.mkdir(data)
    rill = Rill(data, *AOF_ON, "--appendfsync", "always")
    acked, stop = [], threading.Event()

    def writer():
        r = redis.Redis(port=rill.port, socket_timeout=30)
        i = 0
        while not stop.is_set():
            try:
                r.set("k%d" % i, "v" * 100)
            except redis.ResponseError:
                continue  # MISCONF once the failure is known: retried
            acked.append(i)
            i += 1

    t = threading.Thread(target=writer)
    try:
        filler = os.path.join(small_disk, "filler")
        t.start()
        wait_until(lambda: len(acked) > 100, what="writes")
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        with open(filler, "wb") as f:
            f.write(b"x" * max(0, free - 32 * 1024))
        wait_until(lambda: not os.statvfs(small_disk).f_bavail, what="the disk to fill")
        time.sleep(0.5)
        stalled = len(acked)
        time.sleep(1)
        assert len(acked) == stalled  # nothing acknowledged while nothing can be written
        os.unlink(filler)
        wait_until(lambda: len(acked) > stalled + 100, what="writes to go on")
        stop.set()
        t.join()
        rill.kill_group()
        again = Rill(data, *AOF_ON)
        try:
            assert all(again.r.exists("k%d" % i) for i in acked)
        finally:
            again.stop()
    finally:
        stop.set()
        if t.is_alive():
            t.join()
        rill.stop()


def test_the_aof_is_rewritten_when_it_grows(workdir):
    rill = start(workdir, *AOF_ON, "--auto-aof-rewrite-percentage", "100",
                 "--auto-aof-rewrite-min-size", "65536")
    rill.r.set("seed", "x" * 1000)
    for i in range(400):
        rill.r.set("k%d" % (i % 10), "v" * 1000)  # grows the file, not the dataset
    wait_until(lambda: rill.r.info("persistence")["aof_rewrites"] >= 1
               and rill.r.info("persistence")["aof_rewrite_in_progress"] == 0, what="a rewrite")
    assert "Starting automatic rewriting of AOF on" in rill.log()
    info = rill.r.info("persistence")
    assert info["aof_current_size"] < 65536 and info["aof_last_bgrewrite_status"] == "ok"
