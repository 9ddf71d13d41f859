"""Snapshots end to end: SAVE/BGSAVE/save points/SHUTDOWN, restarts that keep every type,
crashes during BGSAVE, damaged files that stop start-up, and MISCONF when saving fails.
Each test owns a data directory and restarts rill-server on it."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import RILL, free_port, start_redis, track, wait_for_port
from test_differential import RawConn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(os.path.dirname(RILL), "rill-check-snapshot")
if not os.path.exists(CHECK):
    CHECK = os.path.join(ROOT, "build", "rill-check-snapshot")


def wait_until(cond, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Rill:
    """A rill-server on a data directory that outlives it, in its own process group."""

    def __init__(self, datadir, *extra, binary=RILL, user=None):
        self.datadir = datadir
        self.port = free_port()
        self.logpath = os.path.join(datadir, "..", "rill-%d.log" % self.port)
        argv = [binary, "--port", str(self.port), "--dir", datadir, "--logfile", self.logpath, *extra]
        if user is not None:
            argv = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups", *argv]
        self.proc = track(subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL), group=True)
        try:
            wait_for_port(self.port, self.proc)
            self.r = redis.Redis(port=self.port, socket_timeout=20)
            wait_until(lambda: self.r.ping(), what="PING")
        except BaseException:
            self.stop()
            raise

    def log(self):
        with open(self.logpath) as f:
            return f.read()

    def shutdown(self, *how):
        try:
            self.r.execute_command("SHUTDOWN", *how)
        except redis.ConnectionError:
            pass
        assert self.proc.wait(timeout=20) == 0

    def kill_group(self):
        """Like a power cut: the server and any BGSAVE child die at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.kill_group()


@pytest.fixture
def workdir():
    top = tempfile.mkdtemp(prefix="rill-snap-")
    data = os.path.join(top, "data")
    os.mkdir(data)
    servers = []
    yield data, servers
    for s in servers:
        s.stop()
    shutil.rmtree(top, ignore_errors=True)


def start(workdir, *extra, **kw):
    data, servers = workdir
    s = Rill(data, *extra, **kw)
    servers.append(s)
    return s


def snapshot_path(workdir):
    return os.path.join(workdir[0], "dump.rdb")


def populate(r):
    """Every type, in each of its encodings, with binary data, TTLs, and all 16 databases."""
    binary = bytes(range(256)) * 4
    r.set("str", "hello")
    r.set("empty", "")
    r.set("int", 12345)
    r.set("negint", -9223372036854775808)
    r.set("notint", "0123")
    r.set("float", "3.14")
    r.set("bin", binary)
    r.set("huge", b"x" * (2 * 1024 * 1024 + 7))
    r.set("ttl", "v", ex=5000)
    r.set("pttl", "v", px=86400000)
    r.rpush("list:small", "a", "b", "", "4", "-5")
    r.rpush("list:big", *[("e%d" % i) * (i % 7 + 1) for i in range(20000)])
    r.rpush("list:bin", binary, b"\x00", b"\r\n")
    r.expire("list:small", 3000)
    r.sadd("set:int", 1, 2, 3, -100, 2**62)
    r.sadd("set:str", "a", "b", "c")
    r.sadd("set:big", *["m%d" % i for i in range(1000)])
    r.sadd("set:bigint", *range(1000))
    r.sadd("set:bin", binary, b"")
    r.zadd("zset:small", {"a": 1, "b": 2.5, "c": -3, "d": float("inf"), "e": float("-inf")})
    r.zadd("zset:big", {"m%d" % i: i / 7 for i in range(1000)})
    r.zadd("zset:long", {"x" * 100: 1, "y": 2})
    r.zadd("zset:ties", {"b": 0, "a": 0, "c": 0})
    r.hset("hash:small", mapping={"f1": "v1", "f2": "", "": "empty field"})
    r.hset("hash:big", mapping={"f%d" % i: "v%d" % i for i in range(1000)})
    r.hset("hash:long", mapping={"f": "v" * 100})
    r.hset("hash:bin", binary, binary)
    r.expire("hash:small", 7000)
    populate_streams(r, binary)
    for db in range(1, 16):
        rdb = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=db)
        rdb.set("db", db)
        rdb.rpush("dblist", db)
        if db % 2:
            rdb.set("odd", "yes", ex=1000 + db)


def populate_streams(r, binary):
    """Streams over several nodes, with deleted entries, groups, consumers and pending
    entries (the parts a snapshot must keep besides the entries)."""
    for i in range(1, 260):
        fields = {"f": i, "g": "v" * (i % 9)} if i % 4 else {"other": binary[: i % 50]}
        r.xadd("stream:big", fields, id="%d-%d" % (1000 + i // 2, i % 2))
    r.xdel("stream:big", "1010-0", "1100-1")
    r.xgroup_create("stream:big", "workers", id="0")
    r.xgroup_create("stream:big", "late", id="$")
    r.xreadgroup("workers", "alice", {"stream:big": ">"}, count=7)
    r.xreadgroup("workers", "bob", {"stream:big": ">"}, count=3)
    r.xack("stream:big", "workers", "1001-0")
    r.execute_command("XGROUP", "CREATECONSUMER", "stream:big", "late", "idle-one")
    r.xadd("stream:small", {"k": "v"}, id="5-5")
    r.execute_command("XGROUP", "CREATE", "stream:empty", "g", "$", "MKSTREAM")
    r.expire("stream:small", 6000)


def stream_state(c, key):
    """A stream's entries, counters and groups, without the times that move."""
    info = c.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0")
    info = dict(zip(info[::2], info[1::2]))
    groups = []
    for g in info.pop(b"groups"):
        g = dict(zip(g[::2], g[1::2]))
        g[b"pending"] = [p[:2] + p[3:] for p in g[b"pending"]]
        consumers = []
        for cons in g.pop(b"consumers"):
            cons = dict(zip(cons[::2], cons[1::2]))
            cons.pop(b"seen-time")
            cons[b"pending"] = [p[:1] + p[2:] for p in cons[b"pending"]]
            consumers.append(sorted(cons.items()))
        groups.append((sorted(g.items()), consumers))
    return sorted(info.items()), groups


def state(r):
    """Every key of every database: type, value, and TTL in milliseconds."""
    port = r.connection_pool.connection_kwargs["port"]
    out = {}
    for db in range(16):
        c = redis.Redis(port=port, db=db)
        for key in c.keys("*"):
            t = c.type(key).decode()
            if t == "string":
                v = c.get(key)
            elif t == "list":
                v = c.lrange(key, 0, -1)
            elif t == "set":
                v = sorted(c.smembers(key))
            elif t == "zset":
                v = c.zrange(key, 0, -1, withscores=True)
            elif t == "stream":
                v = stream_state(c, key)
            else:
                v = sorted(c.hgetall(key).items())
            out[(db, key)] = (t, v, c.pttl(key))
    return out


def assert_same_state(a, b, slack_ms=15000):
    """Same keys, types and values; TTLs both absent or within slack (restarts take time)."""
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k][:2] == b[k][:2], k
        ta, tb = a[k][2], b[k][2]
        assert (ta < 0) == (tb < 0) and abs(ta - tb) <= slack_ms, (k, ta, tb)


def test_save_and_restart_keep_every_type(workdir):
    s = start(workdir, "--save", "")
    populate(s.r)
    before = state(s.r)
    assert s.r.save() is True
    assert s.r.info("persistence")["rdb_changes_since_last_save"] == 0
    s.shutdown("NOSAVE")
    check = subprocess.run([CHECK, snapshot_path(workdir)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert "db0: keys=%d" % len([k for k in before if k[0] == 0]) in check.stdout
    assert "16 databases; checksum OK" in check.stdout

    s = start(workdir, "--save", "")
    assert_same_state(state(s.r), before)
    assert s.r.info("persistence")["rdb_last_load_keys_loaded"] == len(before)
    assert "Done loading RDB, keys loaded: %d, keys expired: 0." % len(before) in s.log()
    # The same data saved again gives a file that loads to the same state.
    assert s.r.bgsave()
    wait_until(lambda: s.r.info("persistence")["rdb_bgsave_in_progress"] == 0, what="BGSAVE")
    assert s.r.info("persistence")["rdb_last_bgsave_status"] == "ok"
    s.shutdown("NOSAVE")
    s = start(workdir, "--save", "")
    assert_same_state(state(s.r), before)


def test_small_encoding_limits_round_trip(workdir):
    """Values built under tiny listpack limits (tables) load back under the defaults."""
    s = start(workdir, "--save", "", "--hash-max-listpack-entries", "1", "--zset-max-listpack-entries", "1",
              "--set-max-intset-entries", "1", "--set-max-listpack-entries", "1")
    populate(s.r)
    before = state(s.r)
    s.shutdown("SAVE")
    s = start(workdir, "--save", "")
    assert_same_state(state(s.r), before)


def test_keys_expired_while_down_are_not_loaded(workdir):
    s = start(workdir, "--save", "")
    s.r.set("short", "v", px=300)
    s.r.set("long", "v", ex=1000)
    s.r.set("plain", "v")
    s.shutdown("SAVE")
    time.sleep(0.4)
    s = start(workdir, "--save", "")
    assert sorted(s.r.keys()) == [b"long", b"plain"]
    info = s.r.info("persistence")
    assert info["rdb_last_load_keys_expired"] == 1
    assert info["rdb_last_load_keys_loaded"] == 2


def test_state_matches_redis_before_and_after_restart(workdir):
    """Differential: the same commands on redis-server and rill, then both restarted from
    their own snapshots: DBSIZE, TYPE, values and rounded TTLs agree throughout."""
    s = start(workdir, "--save", "")
    ref = start_redis("--dir", tempfile.mkdtemp(prefix="redis-snap-"))
    try:
        for r in (s.r, redis.Redis(port=ref.port)):
            populate(r)
        rr = redis.Redis(port=ref.port)
        assert_same_state(state(s.r), state(rr))
        assert s.r.dbsize() == rr.dbsize()
        rr.save()
        ref_dir = rr.config_get("dir")["dir"]
        try:
            rr.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        ref.proc.wait(timeout=20)
        ref2 = start_redis("--dir", ref_dir)
        try:
            rr = redis.Redis(port=ref2.port)
            s.shutdown("SAVE")
            s = start(workdir, "--save", "")
            assert_same_state(state(s.r), state(rr))
        finally:
            ref2.stop()
            shutil.rmtree(ref_dir, ignore_errors=True)
    finally:
        ref.stop()


def test_bgsave_refuses_a_second_one_and_reports_progress(workdir):
    s = start(workdir, "--save", "")
    s.r.mset({"k%d" % i: i for i in range(2000)})
    s.r.config_set("rdb-key-save-delay", 1000)  # 2 s for 2,000 keys
    raw = RawConn(s.port)
    assert raw.call(["BGSAVE"]) == b"+Background saving started\r\n"
    busy = b"-ERR Background save already in progress\r\n"
    assert raw.call(["BGSAVE"]) == busy
    assert raw.call(["BGSAVE", "SCHEDULE"]) == busy
    assert raw.call(["SAVE"]) == busy
    assert raw.call(["BGSAVE", "NOW"]) == b"-ERR syntax error\r\n"
    info = s.r.info("persistence")
    assert info["rdb_bgsave_in_progress"] == 1
    assert info["current_save_keys_total"] == 2000
    assert s.r.ping()  # the parent keeps serving
    s.r.config_set("rdb-key-save-delay", 0)  # the child has its own copy: no effect on it
    wait_until(lambda: s.r.info("persistence")["rdb_bgsave_in_progress"] == 0, timeout=30,
               what="BGSAVE")
    info = s.r.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_changes_since_last_save"] == 0
    assert re.search(r"Background saving started by pid \d+", s.log())
    assert "Background saving terminated with success" in s.log()
    assert re.search(r"\d+:C .* DB saved on disk", s.log())


def test_bgsave_inside_multi_is_scheduled(workdir):
    s = start(workdir, "--save", "")
    s.r.set("a", 1)
    raw = RawConn(s.port)
    raw.call(["MULTI"])
    raw.call(["BGSAVE"])
    assert raw.call(["EXEC"]) == b"*1\r\n+Background saving scheduled\r\n"
    wait_until(lambda: os.path.exists(snapshot_path(workdir)), what="the scheduled BGSAVE")
    wait_until(lambda: s.r.info("persistence")["rdb_changes_since_last_save"] == 0, what="save")


def test_kill_9_during_bgsave_leaves_the_previous_snapshot(workdir):
    s = start(workdir, "--save", "")
    s.r.mset({"old%d" % i: i for i in range(3000)})
    s.r.save()
    with open(snapshot_path(workdir), "rb") as f:
        saved = f.read()
    s.r.mset({"new%d" % i: i for i in range(3000)})
    s.r.config_set("rdb-key-save-delay", 1000)
    s.r.bgsave()
    wait_until(lambda: any(n.startswith("temp-") for n in os.listdir(workdir[0])),
               what="the child's temp file")
    time.sleep(0.3)
    s.kill_group()
    with open(snapshot_path(workdir), "rb") as f:
        assert f.read() == saved
    s = start(workdir, "--save", "")
    assert s.r.dbsize() == 3000
    assert s.r.get("old2999") == b"2999"


def test_a_killed_bgsave_child_is_reported_and_the_parent_goes_on(workdir):
    s = start(workdir, "--save", "3600 1")
    s.r.mset({"k%d" % i: i for i in range(3000)})
    s.r.config_set("rdb-key-save-delay", 1000)
    s.r.bgsave()
    pid = int(re.search(r"Background saving started by pid (\d+)", s.log()).group(1))
    time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: s.r.info("persistence")["rdb_bgsave_in_progress"] == 0, what="reaping")
    assert s.r.info("persistence")["rdb_last_bgsave_status"] == "err"
    assert "Background saving terminated by signal 9" in s.log()
    assert not [n for n in os.listdir(workdir[0]) if n.startswith("temp-")]
    assert s.r.get("k1") == b"1"
    # A failed background save stops writes (MISCONF) until a save succeeds.
    with pytest.raises(redis.ResponseError, match="^MISCONF "):
        s.r.set("k1", "x")
    s.r.config_set("rdb-key-save-delay", 0)
    assert s.r.save()
    assert s.r.set("k1", "x")


def test_every_flipped_byte_is_detected(workdir):
    s = start(workdir, "--save", "")
    s.r.set("s", "value")
    s.r.set("i", 42, ex=1000)
    s.r.rpush("l", "a", "b")
    s.r.sadd("set", "x", 1)
    s.r.zadd("z", {"m": 1.5})
    s.r.hset("h", "f", "v")
    s.shutdown("SAVE")
    path = snapshot_path(workdir)
    with open(path, "rb") as f:
        good = f.read()
    bad = path + ".bad"
    for off in range(len(good)):
        with open(bad, "wb") as f:
            f.write(good[:off] + bytes([good[off] ^ 0x10]) + good[off + 1:])
        out = subprocess.run([CHECK, bad], capture_output=True, text=True)
        assert out.returncode == 1, (off, out.stdout)
        assert "bad snapshot at offset" in out.stdout
    # The server refuses to start on a few of them, naming the file and the offset, and
    # leaves the file as it was.
    for off in (0, 9, 20, 25, len(good) // 2, len(good) - 9, len(good) - 1):
        damaged = good[:off] + bytes([good[off] ^ 0x01]) + good[off + 1:]
        with open(path, "wb") as f:
            f.write(damaged)
        expect_start_failure(workdir, r"Bad snapshot dump\.rdb .* at offset \d+: ")
        with open(path, "rb") as f:
            assert f.read() == damaged


def expect_start_failure(workdir, pattern):
    data, _ = workdir
    log = os.path.join(data, "..", "failed.log")
    proc = subprocess.run([RILL, "--port", str(free_port()), "--dir", data, "--logfile", log],
                          timeout=20)
    assert proc.returncode != 0
    with open(log) as f:
        text = f.read()
    os.unlink(log)
    assert re.search(pattern, text), text
    return text


def test_truncated_files_stop_start_up(workdir):
    s = start(workdir, "--save", "")
    s.r.rpush("l", *range(100))
    s.r.set("s", "v" * 100)
    s.shutdown("SAVE")
    path = snapshot_path(workdir)
    with open(path, "rb") as f:
        good = f.read()
    for cut in (0, 5, 8, 19, 20, 30, len(good) // 2, len(good) - 9, len(good) - 1):
        with open(path, "wb") as f:
            f.write(good[:cut])
        text = expect_start_failure(workdir, r"Bad snapshot dump\.rdb .* at offset \d+: ")
        assert re.search(r"past the end of the data|more than the data holds|checksum|too short|signature", text), text
        assert os.path.getsize(path) == cut
    with open(path, "wb") as f:
        f.write(good)
    assert start(workdir, "--save", "").r.llen("l") == 100


def test_wrong_version_and_foreign_files_stop_start_up(workdir):
    s = start(workdir, "--save", "")
    s.r.set("a", 1)
    s.shutdown("SAVE")
    path = snapshot_path(workdir)
    with open(path, "rb") as f:
        good = bytearray(f.read())
    good[5:9] = b"0011"  # Redis 7.2's version: Redis 7.0 refuses it too
    with open(path, "wb") as f:
        f.write(good)
    expect_start_failure(workdir, r"at offset 0: can't handle RDB format version 11")
    with open(path, "wb") as f:
        f.write(b"RILLSNAP\x02\x00\x00\x00" + bytes(20))
    expect_start_failure(workdir, r"at offset 0: not an RDB file \(no REDIS signature\)")


def test_missing_file_means_an_empty_dataset(workdir):
    s = start(workdir)
    assert s.r.dbsize() == 0
    assert not os.path.exists(snapshot_path(workdir))


def test_save_points_fire(workdir):
    s = start(workdir, "--save", "1 2 3600 100")
    s.r.set("a", 1)
    time.sleep(1.3)
    assert not os.path.exists(snapshot_path(workdir))  # one change: under the 2 the point needs
    s.r.set("b", 2)
    wait_until(lambda: s.r.info("persistence")["rdb_changes_since_last_save"] == 0, what="save point")
    assert "2 changes in 1 seconds. Saving..." in s.log()
    s.kill_group()
    s = start(workdir, "--save", "")
    assert s.r.mget("a", "b") == [b"1", b"2"]


def test_shutdown_forms(workdir):
    # No save points: SHUTDOWN does not save, SHUTDOWN SAVE does.
    s = start(workdir, "--save", "")
    s.r.set("a", 1)
    s.shutdown()
    assert not os.path.exists(snapshot_path(workdir))
    s = start(workdir, "--save", "")
    s.r.set("a", 1)
    s.shutdown("SAVE")
    s = start(workdir, "--save", "3600 1")
    assert s.r.get("a") == b"1"
    # Save points: SHUTDOWN saves, NOSAVE does not.
    s.r.set("b", 2)
    s.shutdown()
    s = start(workdir, "--save", "3600 1")
    assert s.r.get("b") == b"2"
    s.r.set("c", 3)
    s.shutdown("NOSAVE")
    s = start(workdir, "--save", "3600 1")
    assert s.r.get("c") is None
    # SIGTERM saves when save points are set, and kills a running BGSAVE first.
    s.r.set("d", 4)
    s.r.mset({"k%d" % i: i for i in range(2000)})
    s.r.config_set("rdb-key-save-delay", 1000)
    s.r.bgsave()
    s.r.config_set("rdb-key-save-delay", 0)
    s.proc.terminate()
    assert s.proc.wait(timeout=20) == 0
    log = s.log()
    assert "There is a child saving an .rdb. Killing it!" in log
    assert "Saving the final RDB snapshot before exiting." in log
    s = start(workdir, "--save", "")
    assert s.r.get("d") == b"4"
    assert s.r.dbsize() == 2003
    assert not [n for n in os.listdir(workdir[0]) if n.startswith("temp-")]


def test_flushall_saves_the_empty_dataset_when_save_points_are_set(workdir):
    s = start(workdir, "--save", "3600 1")
    s.r.set("a", 1)
    s.r.save()
    s.r.set("b", 2)
    s.r.flushall()
    assert s.r.info("persistence")["rdb_changes_since_last_save"] == 0  # saved, as Redis 7.0
    s.kill_group()
    s = start(workdir, "--save", "")
    assert s.r.dbsize() == 0


def test_lastsave_moves_with_each_save(workdir):
    s = start(workdir, "--save", "")
    first = s.r.lastsave()
    time.sleep(1.1)
    s.r.save()
    assert s.r.lastsave() > first


def run_as_nobody():
    """Root ignores directory permissions: run the server as nobody to make dir unwritable."""
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def test_unwritable_dir_gives_misconf_until_fixed(workdir):
    data, _ = workdir
    kw = {}
    if os.geteuid() == 0:
        assert run_as_nobody(), "setpriv is needed to drop root for this test"
        nobody = 65534
        # A copy of the binary nobody can run whatever the checkout's permissions.
        binary = os.path.join(data, "..", "rill-server")
        shutil.copy(RILL, binary)
        os.chmod(binary, 0o755)
        os.chmod(os.path.join(data, ".."), 0o777)
        os.chown(data, nobody, nobody)
        kw = {"binary": binary, "user": nobody}
    s = start(workdir, "--save", "3600 1", **kw)
    s.r.set("a", 1)
    os.chmod(data, 0o500)
    try:
        assert s.r.bgsave()
        wait_until(lambda: s.r.info("persistence")["rdb_bgsave_in_progress"] == 0, what="BGSAVE")
        assert s.r.info("persistence")["rdb_last_bgsave_status"] == "err"
        assert "Failed opening the temp RDB file" in s.log()
        assert "Background saving error" in s.log()
        with pytest.raises(redis.ResponseError) as err:
            s.r.set("a", 2)
        assert str(err.value) == (
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
            "to disk. Commands that may modify the data set are disabled, because this instance is "
            "configured to report errors during writes if RDB snapshotting fails "
            "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
            "the RDB error.")
        assert s.r.get("a") == b"1"  # reads keep working
        assert RawConn(s.port).call(["SAVE"]) == b"-ERR\r\n"  # Redis's bare error
    finally:
        os.chmod(data, 0o700)
    assert s.r.bgsave()
    wait_until(lambda: s.r.info("persistence")["rdb_last_bgsave_status"] == "ok", what="recovery")
    assert s.r.set("a", 2)
    # stop-writes-on-bgsave-error no: a failed save is only reported.
    s.r.config_set("stop-writes-on-bgsave-error", "no")
    os.chmod(data, 0o500)
    try:
        s.r.bgsave()
        wait_until(lambda: s.r.info("persistence")["rdb_last_bgsave_status"] == "err", what="failure")
        assert s.r.set("a", 3)
    finally:
        os.chmod(data, 0o700)


MISCONF_SCRIPT = [
    ("SET", "b", "2"),
    ("PING",),
    ("GET", "a"),
    ("INCR", "a"),
    ("EVAL", "return redis.call('set','x','y')", "0"),
    ("EVAL", "return redis.pcall('set','x','y')", "0"),
    ("EVAL", "return redis.call('get','a')", "0"),
    ("MULTI",),
    ("SET", "a", "1"),
    ("GET", "a"),
    ("EXEC",),
    ("MULTI",),
    ("GET", "a"),
    ("EXEC",),
    ("SUBSCRIBE", "ch"),
    ("PING",),
]


def test_misconf_replies_match_redis(workdir):
    """A BGSAVE that cannot rename its file (dbfilename is a directory) on both servers,
    then the same commands: replies compared byte for byte."""
    s = start(workdir, "--save", "3600 1")
    ref_dir = tempfile.mkdtemp(prefix="redis-snap-")
    ref = start_redis("--dir", ref_dir, "--save", "3600 1")
    try:
        replies = []
        for port, d in ((s.port, workdir[0]), (ref.port, ref_dir)):
            r = redis.Redis(port=port)
            r.set("a", 1)
            os.mkdir(os.path.join(d, "dump.rdb"))
            r.bgsave()
            wait_until(lambda: r.info("persistence")["rdb_last_bgsave_status"] == "err",
                       what="failed BGSAVE on %d" % port)
            conn = RawConn(port)
            got = []
            for cmd in MISCONF_SCRIPT:
                got.append(conn.call(cmd))
            replies.append(got)
            os.rmdir(os.path.join(d, "dump.rdb"))
            assert r.save()
            assert r.set("a", 5)
        for cmd, mine, theirs in zip(MISCONF_SCRIPT, replies[0], replies[1]):
            assert mine == theirs, cmd
    finally:
        ref.stop()
        shutil.rmtree(ref_dir, ignore_errors=True)


def test_sigterm_waits_for_a_running_script(workdir):
    """A script past its time limit holds SIGTERM back (its half-done writes must not be
    saved); once it is killed the server saves and exits."""
    s = start(workdir, "--save", "3600 1", "--busy-reply-threshold", "50")
    s.r.set("a", 1)
    script = subprocess.Popen(["redis-cli", "-p", str(s.port), "EVAL",
                               "while true do end", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def busy():
            try:
                s.r.ping()
                return False
            except redis.exceptions.BusyLoadingError:
                return False
            except redis.ResponseError as e:
                return str(e).startswith("BUSY")
        wait_until(busy, what="the script to pass its time limit")
        s.proc.terminate()
        wait_until(lambda: "Received SIGTERM scheduling shutdown..." in s.log(), what="SIGTERM")
        assert s.proc.poll() is None
        s.r.script_kill()
        assert s.proc.wait(timeout=20) == 0
    finally:
        script.wait(timeout=20)
    assert "Saving the final RDB snapshot before exiting." in s.log()
    s = start(workdir, "--save", "")
    assert s.r.get("a") == b"1"


def test_dbfilename_must_be_a_file_name(workdir):
    proc = subprocess.run([RILL, "--port", str(free_port()), "--dir", workdir[0], "--dbfilename",
                           "sub/dump.rdb"], capture_output=True, text=True, timeout=20)
    assert proc.returncode != 0
    assert "dbfilename can't be a path, just a filename" in proc.stderr + proc.stdout


def test_protected_configs_gate_dir_and_dbfilename(workdir):
    """dir and dbfilename change only as enable-protected-configs allows (Redis 7 semantics);
    replies compared with redis-server's."""
    data, _ = workdir
    other = os.path.join(data, "..", "other")
    os.mkdir(other)
    missing = os.path.join(data, "..", "missing")
    script = [["CONFIG", "SET", "dbfilename", "x.rdb"], ["CONFIG", "SET", "dir", missing],
              ["CONFIG", "SET", "enable-protected-configs", "no"], ["CONFIG", "GET", "enable-protected-configs"]]
    for mode in ("no", "yes", "local"):
        s = start(workdir, "--save", "", "--enable-protected-configs", mode)
        ref = start_redis("--enable-protected-configs", mode)
        try:
            for cmd in script:
                assert RawConn(s.port).call(cmd) == RawConn(ref.port).call(cmd), (mode, cmd)
        finally:
            ref.stop()
        if mode != "no":  # loopback clients count as local
            assert s.r.config_set("dir", other)
            assert os.path.realpath(s.r.config_get("dir")["dir"]) == os.path.realpath(other)
            s.r.set("a", 1)
            s.r.save()
            assert os.path.exists(os.path.join(other, "x.rdb"))
        s.shutdown("NOSAVE")


def test_writable_scripts_with_flags_under_misconf_match_redis(workdir):
    """A script whose flags say it may write counts as a write command (Redis's
    getCommandFlags): MISCONF refuses it before it runs."""
    s = start(workdir, "--save", "3600 1")
    ref_dir = tempfile.mkdtemp(prefix="redis-snap-")
    ref = start_redis("--dir", ref_dir, "--save", "3600 1")
    script = [["EVAL", "#!lua\nreturn 1", "0"], ["EVAL_RO", "#!lua\nreturn 1", "0"],
              ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
              ["EVAL", "#!lua flags=allow-oom\nreturn 1", "0"]]
    try:
        replies = []
        for port, d in ((s.port, workdir[0]), (ref.port, ref_dir)):
            r = redis.Redis(port=port)
            r.set("a", 1)
            os.mkdir(os.path.join(d, "dump.rdb"))
            r.bgsave()
            wait_until(lambda: r.info("persistence")["rdb_last_bgsave_status"] == "err",
                       what="failed BGSAVE on %d" % port)
            replies.append([RawConn(port).call(cmd) for cmd in script])
        for cmd, mine, theirs in zip(script, replies[0], replies[1]):
            assert mine == theirs, cmd
    finally:
        ref.stop()
        shutil.rmtree(ref_dir, ignore_errors=True)


def test_kill_9_during_heavy_writes_keeps_a_consistent_snapshot(workdir):
    """Transfers between two counters in MULTI/EXEC while BGSAVEs run; kill -9 in the middle.
    The snapshot that loads must hold whole transactions only: the sum never changes."""
    s = start(workdir, "--save", "")
    s.r.mset({"a": 1000000, "b": 0})
    s.r.save()
    stop = time.time() + 1.5
    transfers = 0
    while time.time() < stop:
        p = s.r.pipeline(transaction=True)
        for _ in range(50):
            p.decrby("a", 7)
            p.incrby("b", 7)
        p.execute()
        transfers += 50
        if transfers % 5000 == 0:
            s.r.bgsave()
            wait_until(lambda: s.r.info("persistence")["rdb_bgsave_in_progress"] == 0, what="BGSAVE")
    s.r.bgsave()  # one more, likely cut short by the kill
    s.kill_group()
    s = start(workdir, "--save", "")
    a, b = int(s.r.get("a")), int(s.r.get("b"))
    assert a + b == 1000000
    assert b > 0 and b % 7 == 0


def test_a_client_killed_mid_request_applies_nothing_of_it(workdir):
    s = start(workdir, "--save", "")
    conn = RawConn(s.port)
    # A whole MSET, then one cut in the middle of its last value.
    conn.sock.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\ndone\r\n$1\r\n1\r\n"
                      b"*5\r\n$4\r\nMSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n$2\r\nk2\r\n$10\r\nhalf")
    assert conn.reply() == b"+OK\r\n"
    conn.sock.close()
    wait_until(lambda: s.r.info("clients")["connected_clients"] == 1, what="the close")
    assert s.r.get("done") == b"1"
    assert s.r.exists("k1", "k2") == 0


def start_loading(workdir, keys=20000, extra=()):
    """A server on a snapshot of `keys` keys, slowed down to about 5 s of loading, once it
    answers INFO with loading:1."""
    s = start(workdir, "--save", "", "--enable-debug-command", "yes")
    s.r.execute_command("DEBUG", "POPULATE", keys, "key", 100)
    s.shutdown("SAVE")
    data, servers = workdir
    port = free_port()
    log = os.path.join(data, "..", "loading-%d.log" % port)
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--dir", data, "--logfile", log,
                                   "--save", "60 1", "--key-load-delay", "250", "--enable-debug-command", "yes",
                                   "--loading-process-events-interval-bytes", "1024", *extra],
                                  start_new_session=True), group=True)
    wait_for_port(port, proc)
    r = redis.Redis(port=port, socket_timeout=20)
    wait_until(lambda: r.info("persistence")["loading"] == 1, what="loading")
    return proc, r, log


def test_clients_are_served_while_loading_and_get_loading_errors(workdir):
    proc, r, _ = start_loading(workdir)
    try:
        info = r.info("persistence")
        assert 0 < info["loading_loaded_bytes"] < info["loading_total_bytes"]
        assert "loading_eta_seconds" in info
        for command in (("GET", "key:1"), ("PING",), ("SET", "k", "v"), ("FLUSHALL",)):
            with pytest.raises(redis.BusyLoadingError, match="Redis is loading the dataset in memory"):
                r.execute_command(*command)
        assert r.config_get("save") == {"save": "60 1"}
        with pytest.raises(redis.BusyLoadingError):
            r.execute_command("DEBUG", "POPULATE", 10)
        # Settings the dataset depends on wait for the load; the rest can change.
        assert r.config_set("loglevel", "debug")
        with pytest.raises(redis.BusyLoadingError):
            r.config_set("appendonly", "no")
        # dir is protected here: that error comes first, as in Redis.
        with pytest.raises(redis.ResponseError, match="can't set protected config"):
            r.config_set("dir", "/tmp")
        with pytest.raises(redis.BusyLoadingError):
            r.execute_command("CONFIG", "SET", "loglevel", "notice", "appendonly", "no")
        assert r.config_get("loglevel") == {"loglevel": "debug"}
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("how", ["SIGTERM", "SHUTDOWN"])
def test_a_shutdown_while_loading_never_saves_the_half_loaded_dataset(workdir, how):
    proc, r, log = start_loading(workdir)
    path = snapshot_path(workdir)
    with open(path, "rb") as f:
        before = f.read()
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)
    else:
        try:
            r.execute_command("SHUTDOWN")
        except redis.ConnectionError:
            pass
    assert proc.wait(timeout=20) == 0
    with open(path, "rb") as f:
        assert f.read() == before
    with open(log) as f:
        assert "Loading stopped at offset" in f.read()


def test_a_background_save_reports_its_progress_and_copy_on_write(workdir):
    s = start(workdir, "--save", "", "--enable-debug-command", "yes")
    s.r.execute_command("DEBUG", "POPULATE", 20000, "key", 500)
    info = s.r.info("persistence")
    assert info["current_save_keys_total"] == 0 and info["rdb_last_cow_size"] == 0
    s.r.config_set("rdb-key-save-delay", 100)  # about 2 s for the child
    assert s.r.bgsave()
    wait_until(lambda: s.r.info("persistence")["current_save_keys_processed"] > 0, what="progress")
    for i in range(2000):  # pages the child still shares become copies
        s.r.setrange("key:%d" % i, 0, "B" * 500)
    wait_until(lambda: s.r.info("persistence")["current_cow_size"] > 0, what="copy-on-write report")
    info = s.r.info("persistence")
    assert info["current_save_keys_total"] == 20000
    assert 0 < info["current_fork_perc"] < 100
    assert info["current_cow_peak"] >= info["current_cow_size"]
    s.r.config_set("rdb-key-save-delay", 0)
    wait_until(lambda: s.r.info("persistence")["rdb_bgsave_in_progress"] == 0, what="BGSAVE")
    info = s.r.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_last_cow_size"] > 0
    assert info["current_save_keys_processed"] == 0 and info["current_cow_size"] == 0


def test_the_memcached_port_waits_for_the_load_too(workdir):
    import socket
    mport = free_port()
    proc, _, _ = start_loading(workdir, extra=("--memcached-port", str(mport)))
    try:
        with socket.create_connection(("127.0.0.1", mport), timeout=5) as c:
            c.sendall(b"set k 0 0 1\r\nx\r\nget key:1\r\nversion\r\n")
            got = b""
            while got.count(b"\r\n") < 3:
                got += c.recv(4096)
        lines = got.split(b"\r\n")
        assert lines[0] == lines[1] == b"SERVER_ERROR LOADING Redis is loading the dataset in memory"
        assert lines[2].startswith(b"VERSION ")
    finally:
        proc.kill()
        proc.wait()
