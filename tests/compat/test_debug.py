"""DEBUG (the subcommands Redis's test suite steers a server with), the crash report, and how
SIGTERM / SIGINT are handled: replies compared with redis-server where both answer."""
import os
import signal
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import RILL, free_port, start_redis, start_rill, track, wait_for_port
from test_differential import RawConn


def log_of(server):
    with open(os.path.join(server.workdir, "server.log"), errors="replace") as f:
        return f.read()


def wait_until(condition, what, timeout=10.0):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.01)


@pytest.fixture(scope="module")
def debuggable():
    rill = start_rill("--enable-debug-command", "yes")
    redis_server = start_redis("--enable-debug-command", "yes")
    yield rill, redis_server
    rill.stop()
    redis_server.stop()


def test_debug_is_refused_unless_enabled(rill_and_redis):
    replies = []
    for server in rill_and_redis:
        conn = RawConn(server.port)
        replies.append([conn.call(["DEBUG", "SLEEP", "0"]), conn.call(["MULTI"]),
                        conn.call(["DEBUG", "SLEEP", "0"]), conn.call(["EXEC"])])
        conn.close()
    assert replies[0] == replies[1]
    assert replies[0][0].startswith(b"-ERR DEBUG command not allowed.")


@pytest.mark.parametrize("args", [
    ["SLEEP", "0"], ["SLEEP", "0.01"], ["SLEEP", "abc"], ["SLEEP", "-5"], ["SLEEP", "nan"],
    ["SLEEP"], ["SLEEP", "0", "1"], ["PAUSE-CRON", "x"], ["SET-ACTIVE-EXPIRE", "1"],
    ["LOG", "hello"], ["ERROR", "boo"], ["ERROR", "WRONGTYPE not really"],
    ["ERROR", "two\r\nlines"], ["NOSUCH"], ["help", "extra"],
    ["POPULATE", "-1"], ["POPULATE", "x"], ["POPULATE", "3", "p", "x"], ["POPULATE"],
    ["POPULATE", "1", "a", "1", "extra"], ["RELOAD", "BOGUS"], ["OBJECT", "missing"],
    ["DIGEST-VALUE"], ["DIGEST-VALUE", "missing"], ["DIGEST", "extra"],
    ["CHANGE-REPL-ID"], ["CHANGE-REPL-ID", "x"], ["LISTPACK", "missing"], ["LISTPACK"],
    ["STRINGMATCH-TEST", "x"],
])
def test_debug_answers_as_redis_does(debuggable, args):
    replies = []
    for server in debuggable:
        conn = RawConn(server.port)
        replies.append(conn.call(["DEBUG", *args]))
        conn.call(["DEBUG", "PAUSE-CRON", "0"])
        conn.close()
    assert replies[0] == replies[1]


def test_debug_listpack_and_change_repl_id(debuggable):
    for server in debuggable:
        r = redis.Redis(port=server.port)
        r.hset("small", "f", "v")
        r.zadd("ranks", {"m": 1})
        r.set("str", "x")
        assert r.execute_command("DEBUG", "LISTPACK", "small") == b"Listpack structure printed on stdout"
        assert r.execute_command("DEBUG", "LISTPACK", "ranks") == b"Listpack structure printed on stdout"
        with pytest.raises(redis.ResponseError, match="Not a listpack encoded object."):
            r.execute_command("DEBUG", "LISTPACK", "str")
        before = r.info("replication")["master_replid"]
        assert r.execute_command("DEBUG", "CHANGE-REPL-ID") == b"OK"
        after = r.info("replication")["master_replid"]
        assert after != before and len(after) == 40
        r.flushall()


def test_digests_are_redis_digests_and_survive_reload(debuggable):
    """DEBUG DIGEST and DIGEST-VALUE give redis-server's hex for the same data (every type,
    TTLs, 16 databases), and DEBUG RELOAD (save, flush, load) leaves it unchanged."""
    from test_snapshot import populate
    rill, ref = (redis.Redis(port=s.port) for s in debuggable)
    for r in (rill, ref):
        r.flushall()
        assert r.execute_command("DEBUG", "DIGEST") == b"0" * 40
        populate(r)
        assert r.execute_command("DEBUG", "POPULATE", 100, "pop", 20) == b"OK"
    digest = ref.execute_command("DEBUG", "DIGEST")
    assert rill.execute_command("DEBUG", "DIGEST") == digest
    keys = ["str", "int", "list:big", "set:int", "set:big", "zset:small", "zset:big", "hash:small",
            "hash:big", "pop:7", "missing"]
    assert rill.execute_command("DEBUG", "DIGEST-VALUE", *keys) == \
        ref.execute_command("DEBUG", "DIGEST-VALUE", *keys)
    assert rill.execute_command("DEBUG", "RELOAD") == b"OK"
    assert rill.execute_command("DEBUG", "DIGEST") == digest
    rill.set("extra", 1)
    assert rill.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"  # back to the saved file
    assert rill.execute_command("DEBUG", "DIGEST") == digest
    rill.set("str", "changed")
    assert rill.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") == b"OK"
    assert rill.get("str") == b"hello"
    rill.flushall()


def test_debug_object_describes_the_value(debuggable):
    rill = redis.Redis(port=debuggable[0].port)
    rill.rpush("l", *range(100))
    line = rill.execute_command("DEBUG", "OBJECT", "l").decode()
    assert line.startswith("Value at:0x") and " refcount:1 encoding:quicklist serializedlength:" in line
    assert " ql_nodes:" in line
    dumped = len(rill.dump("l")) - 11  # the type byte and the footer are not counted
    assert "serializedlength:%d " % dumped in line
    rill.delete("l")


def test_debug_log_writes_to_the_log(debuggable):
    rill = debuggable[0]
    redis.Redis(port=rill.port).execute_command("DEBUG", "LOG", "a marker")
    wait_until(lambda: "DEBUG LOG: a marker" in log_of(rill), "the log line")


@pytest.mark.parametrize("subcommand", ["PAUSE-CRON", "SET-ACTIVE-EXPIRE"])
def test_debug_can_stop_active_expiry(debuggable, subcommand):
    r = redis.Redis(port=debuggable[0].port)
    r.flushall()
    r.execute_command("DEBUG", subcommand, "1" if subcommand == "PAUSE-CRON" else "0")
    try:
        r.set("k", "v", px=1)
        time.sleep(0.3)  # three cron ticks at least
        assert r.dbsize() == 1, "no key expired in the background"
    finally:
        r.execute_command("DEBUG", subcommand, "0" if subcommand == "PAUSE-CRON" else "1")
    wait_until(lambda: r.dbsize() == 0, "active expiry to resume")


def test_shutdown_abort_cancels_a_pending_sigterm(debuggable):
    rill = debuggable[0]
    r = redis.Redis(port=rill.port)
    with pytest.raises(redis.ResponseError, match="No shutdown in progress."):
        r.shutdown(abort=True)
    r.execute_command("DEBUG", "PAUSE-CRON", "1")
    rill.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: "Received SIGTERM scheduling shutdown..." in log_of(rill), "the signal")
    assert r.execute_command("SHUTDOWN", "ABORT") is True  # +OK
    assert "Shutdown manually aborted." in log_of(rill)
    r.execute_command("DEBUG", "PAUSE-CRON", "0")
    time.sleep(0.3)
    assert r.ping() and rill.proc.poll() is None


def start_crashable(*extra):
    work = tempfile.mkdtemp(prefix="rill-crash-")
    port = free_port()
    log = os.path.join(work, "server.log")
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--enable-debug-command", "yes",
                                   "--logfile", log, *extra], cwd=work))
    wait_for_port(port, proc)
    return proc, port, log


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("how", ["DEBUG SEGFAULT", "SIGABRT", "SIGSEGV"])
def test_a_crash_writes_a_report_with_a_stack_trace(how):
    proc, port, log = start_crashable()
    try:
        if how == "DEBUG SEGFAULT":
            with pytest.raises(redis.ConnectionError):
                redis.Redis(port=port).execute_command("DEBUG", "SEGFAULT")
        else:
            proc.send_signal(getattr(signal, how))
        sig = signal.SIGABRT if how == "SIGABRT" else signal.SIGSEGV
        assert proc.wait(timeout=20) == -sig, "it dies of the signal itself"
        with open(log) as f:
            report = f.read()
        assert "=== RILL BUG REPORT START" in report
        assert "crashed by signal: %d" % sig in report
        assert "------ STACK TRACE ------" in report
        if how == "DEBUG SEGFAULT":
            assert "crash_segfault" in report, "the trace names the functions"
    finally:
        stop(proc)


def test_crash_log_enabled_no_leaves_the_signal_alone():
    proc, port, log = start_crashable()
    try:
        redis.Redis(port=port).config_set("crash-log-enabled", "no")
        proc.send_signal(signal.SIGABRT)
        assert proc.wait(timeout=20) == -signal.SIGABRT
        with open(log) as f:
            assert "BUG REPORT" not in f.read()
    finally:
        stop(proc)


def test_a_second_sigint_stops_the_final_save_and_deletes_it():
    proc, port, log = start_crashable("--save", "3600 1", "--rdb-key-save-delay", "100000")
    try:
        r = redis.Redis(port=port)
        for i in range(20):
            r.set(i, i)  # 20 keys at 100 ms each: a 2 s final save
        work = os.path.dirname(log)
        temp = os.path.join(work, "temp-%d.rdb" % proc.pid)
        proc.send_signal(signal.SIGINT)
        wait_until(lambda: os.path.exists(temp), "the final save to start")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 1
        assert not os.path.exists(temp)
        assert not os.path.exists(os.path.join(work, "dump.rdb"))
        with open(log) as f:
            assert "You insist... exiting now." in f.read()
    finally:
        stop(proc)


def test_the_watchdog_logs_where_the_loop_is_stuck():
    proc, port, log = start_crashable()
    try:
        r = redis.Redis(port=port)
        r.config_set("watchdog-period", "200")
        r.execute_command("DEBUG", "SLEEP", "1")
        wait_until(lambda: "--- WATCHDOG TIMER EXPIRED ---" in open(log).read(), "the watchdog")
        assert "cmd_debug" in open(log).read(), "the stack trace shows the stuck command"
        r.config_set("watchdog-period", "0")
        assert r.ping() and proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
