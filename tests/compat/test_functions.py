"""Redis 7 functions against redis-server 7.0: FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/DUMP/
RESTORE/KILL and FCALL/FCALL_RO reply for reply (raw RESP), every error of the metadata line
and of redis.register_function, what a library's code can see while it loads, and the
libraries moving between rill and redis-server as DUMP payloads and in snapshots."""
import os
import threading
import time

import pytest
import redis

from test_differential import conns, same  # noqa: F401 (conns: the module's rill and redis-server)
from test_rdb_files import RedisOnDir, copy_dump, dirs, redis_check_rdb  # noqa: F401 (dirs: fixture)
from test_snapshot import Rill, wait_until


def lib(name, body):
    return "#!lua name=%s\n%s" % (name, body)


def register(name, fn_body, extra=""):
    return "redis.register_function{function_name='%s', callback=function(keys, args) %s end%s}" % (
        name, fn_body, extra)


@pytest.fixture(autouse=True)
def flushed(conns):
    for c in conns:
        c.call([b"FUNCTION", b"FLUSH"])
        c.call([b"FLUSHALL"])


def test_load_call_list_delete(conns):
    # redis-server lists libraries, and functions in a library, in the order of a seeded hash:
    # one function per library, and LIST with a name, keep replies comparable.
    code = lib("mylib", register("setter", "return redis.call('set', keys[1], args[1])"))
    same(conns, "FUNCTION", "LOAD", code)
    same(conns, "FUNCTION", "LOAD", lib("readlib", register(
        "reader", "return redis.call('get', keys[1])", ", flags={'no-writes'}, description='reads'")))
    same(conns, "FUNCTION", "LOAD", lib("flaglib", register(
        "every_flag", "return 1",
        ", flags={'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}")))
    same(conns, "FCALL", "setter", 1, "k", "v")
    same(conns, "FCALL", "READER", 1, "k")
    same(conns, "FCALL_RO", "reader", 1, "k")
    same(conns, "FCALL_RO", "setter", 1, "k", "v")
    for name in ["mylib", "readlib", "flaglib", "MY*", "other*"]:
        same(conns, "FUNCTION", "LIST", "LIBRARYNAME", name)
    same(conns, "FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "mylib")
    same(conns, "FUNCTION", "STATS")
    same(conns, "FUNCTION", "LOAD", code)
    same(conns, "FUNCTION", "LOAD", "REPLACE", code)
    same(conns, "FUNCTION", "DELETE", "mylib")
    same(conns, "FUNCTION", "DELETE", "mylib")
    same(conns, "FCALL", "setter", 0)
    same(conns, "FUNCTION", "STATS")


ARGUMENT_ERRORS = [
    ["FCALL", "nosuch", 0],
    ["FCALL", "f", "x"],
    ["FCALL", "f", 3, "a"],
    ["FCALL", "f", -1],
    ["FUNCTION", "LOAD", "bogus", "x"],
    ["FUNCTION", "LIST", "bogus"],
    ["FUNCTION", "LIST", "LIBRARYNAME"],
    ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"],
    ["FUNCTION", "FLUSH", "bogus"],
    ["FUNCTION", "FLUSH", "SYNC", "extra"],
    ["FUNCTION", "RESTORE", "x", "y", "z"],
    ["FUNCTION", "RESTORE", "bad payload"],
    ["FUNCTION", "RESTORE", "bad payload", "bogus"],
    ["FUNCTION", "KILL"],
    ["FUNCTION", "HELP"],
    ["FUNCTION", "BOGUS"],
    ["FCALL"],
    ["FUNCTION", "DELETE"],
]


def test_argument_errors(conns):
    same(conns, "FUNCTION", "LOAD", lib("l", register("f", "return 1")))
    for args in ARGUMENT_ERRORS:
        same(conns, *args)


BAD_LIBRARIES = [
    "junk",
    "#!lua",
    "#!lua name=l",  # no newline ends the first line
    "#!lua name=\"open\nx",
    "#!lua name=a b\nx",
    "#!lua name=a name=b\nx",
    "#!lua foo=bar\nx",
    "#! name=l\nx",
    "#!python name=l\nx",
    "#!lua name=bad-name\nx",
    "#!lua name=\n" + register("f", "return 1"),
    "#!lua name=l\nthis is not lua",
    "#!lua name=l\nreturn 1",
    "#!lua name=l\nreturn math.random()",
    "#!lua name=l\nreturn redis.call('ping')",
    "#!lua name=l\nreturn redis.setresp(3)",
    "#!lua name=l\nreturn redis.foo.bar",
    "#!lua name=l\na = 1",
    "#!lua name=l\nredis.x = 1",
    "#!lua name=l\nlocal t = redis; t.y = 2",
    "#!lua name=l\nrawset(_G, 'a', 1)",
    "#!lua name=l\nmt = getmetatable(_G)",
    "#!lua name=l\nerror('plain')",
    "#!lua name=l\nerror({err='MYERR boom'})",
    "#!lua name=l\nlocal a = 1 while true do a = a + 1 end",
    "#!lua name=l\n" + "\x1bLua",
    "#!lua name=l\nredis.register_function()",
    "#!lua name=l\nredis.register_function('f')",
    "#!lua name=l\nredis.register_function('f', function() end, 3)",
    "#!lua name=l\nredis.register_function(nil, function() end)",
    "#!lua name=l\nredis.register_function('a b', function() end)",
    "#!lua name=l\nredis.register_function('', function() end)",
    "#!lua name=l\nredis.register_function('f', 'not a function')",
    "#!lua name=l\nredis.register_function('f', function() end) redis.register_function('f', function() end)",
    "#!lua name=l\nredis.register_function{callback=function() end}",
    "#!lua name=l\nredis.register_function{function_name='f'}",
    "#!lua name=l\nredis.register_function{function_name={}, callback=function() end}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=1}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, description={}}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags='x'}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags={'bogus'}}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags={{}}}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, other=1}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, [1]=2}",
    "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, [true]=2}",
]


def test_library_errors(conns):
    for code in BAD_LIBRARIES:
        same(conns, "FUNCTION", "LOAD", code)
    same(conns, "FUNCTION", "STATS")


def test_metadata_forms(conns):
    same(conns, "FUNCTION", "LOAD", "#!LUA   NAME=\"quoted\" \n" + register("q", "return 1"))
    same(conns, "FUNCTION", "LIST")
    # A library that failed to replace another leaves the other in place.
    same(conns, "FUNCTION", "LOAD", "REPLACE", "#!lua name=quoted\nerror('no')")
    same(conns, "FCALL", "q", 0)


def test_what_functions_see_when_they_run(conns):
    same(conns, "FUNCTION", "LOAD", lib("l", "\n".join([
        "local helper = function(a) return a + 1 end",
        "local lib = redis",
        register("shared_local", "return helper(1)"),
        register("libs", "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, type(string), type(cjson), "
                         "type(cmsgpack), type(bit), type(struct), type(math), type(redis.call)}"),
        register("keys_global", "return KEYS"),
        register("set_global", "x = 1"),
        register("register_late", "redis.register_function('g', function() end)"),
        register("captured_register", "lib.register_function('g', function() end)"),
        register("captured_write", "lib.redis = redis"),
        register("metatable", "local g = getmetatable(_G) g.__index = {}"),
        register("args", "return {#keys, #args, keys[1], args[1]}"),
        register("raises", "error('boom')"),
        register("raises_table", "error({err='CODE text'})"),
        register("status", "return redis.status_reply('FINE')"),
        register("pcall_error", "return redis.pcall('nosuch')"),
        register("log", "redis.log(redis.LOG_WARNING, 'from a function') return 'logged'"),
    ])))
    for name in ["shared_local", "libs", "keys_global", "set_global", "register_late",
                 "captured_register", "captured_write", "metatable", "raises", "raises_table",
                 "status", "pcall_error", "log"]:
        same(conns, "FCALL", name, 0)
    same(conns, "FCALL", "args", 2, "k1", "k2", "a1")


def test_flags_decide_oom_and_read_only(conns):
    same(conns, "FUNCTION", "LOAD", lib("l", "\n".join([
        register("writes", "return redis.call('set', 'x', '1')"),
        register("reads", "return redis.call('get', 'x')", ", flags={'no-writes'}"),
        register("writes_anyway", "return redis.call('set', 'x', '2')", ", flags={'no-writes'}"),
        register("oom_ok", "return redis.call('set', 'x', '3')", ", flags={'allow-oom'}"),
    ])))
    same(conns, "FCALL", "writes_anyway", 0)
    same(conns, "FCALL_RO", "writes", 0)
    try:
        for c in conns:
            c.call([b"CONFIG", b"SET", b"maxmemory", b"1"])
        for name in ["writes", "reads", "oom_ok"]:
            same(conns, "FCALL", name, 1, "x")
        same(conns, "FCALL_RO", "reads", 0)
        same(conns, "FUNCTION", "LOAD", lib("m", register("f", "return 1")))
    finally:
        for c in conns:
            c.call([b"CONFIG", b"SET", b"maxmemory", b"0"])
    same(conns, "GET", "x")


def test_command_getkeys(conns):
    same(conns, "COMMAND", "GETKEYS", "FCALL", "f", 2, "a", "b", "c")
    same(conns, "COMMAND", "GETKEYS", "FCALL_RO", "f", 1, "a", "b")
    same(conns, "COMMAND", "INFO", "FCALL", "FCALL_RO")


def test_flushall_keeps_functions_and_restore_policies(conns):
    same(conns, "FUNCTION", "LOAD", lib("one", register("f1", "return 1") + "\n" + register("f3", "return 3")))
    same(conns, "FLUSHALL")
    same(conns, "FUNCTION", "STATS")
    dumps = [c.call([b"FUNCTION", b"DUMP"]) for c in conns]
    assert dumps[0] == dumps[1]  # the same payload, byte for byte
    payload = dumps[0].split(b"\r\n", 1)[1][:-2]
    same(conns, "FUNCTION", "RESTORE", payload)  # APPEND: the library exists
    same(conns, "FUNCTION", "FLUSH")
    same(conns, "FUNCTION", "LOAD", lib("one", register("f6", "return 6")))
    same(conns, "FUNCTION", "LOAD", lib("two", register("f3", "return 33")))
    same(conns, "FUNCTION", "RESTORE", payload, "APPEND")
    same(conns, "FUNCTION", "RESTORE", payload, "REPLACE")  # f3 belongs to two
    same(conns, "FCALL", "f6", 0)
    same(conns, "FUNCTION", "DELETE", "two")
    same(conns, "FUNCTION", "RESTORE", payload, "REPLACE")
    same(conns, "FCALL", "f1", 0)
    same(conns, "FCALL", "f6", 0)
    same(conns, "FUNCTION", "RESTORE", payload, "FLUSH")
    same(conns, "FUNCTION", "STATS")
    same(conns, "FUNCTION", "RESTORE", payload[:-1] + bytes([payload[-1] ^ 1]))
    same(conns, "FUNCTION", "RESTORE", b"\x00" + payload[1:])


def test_dump_payloads_move_both_ways(conns):
    a, b = conns
    b.call([b"FUNCTION", b"LOAD", lib("from_redis", register("fr", "return 'redis'")).encode()])
    payload = b.call([b"FUNCTION", b"DUMP"]).split(b"\r\n", 1)[1][:-2]
    assert a.call([b"FUNCTION", b"RESTORE", payload]) == b"+OK\r\n"
    a.call([b"FUNCTION", b"LOAD", lib("from_rill", register("fl", "return 'rill'")).encode()])
    b.call([b"FUNCTION", b"FLUSH"])
    payload = a.call([b"FUNCTION", b"DUMP"]).split(b"\r\n", 1)[1][:-2]
    assert b.call([b"FUNCTION", b"RESTORE", payload]) == b"+OK\r\n"
    for name in ["fr", "fl"]:
        same(conns, "FCALL", name, 0)
    same(conns, "FUNCTION", "STATS")


def test_snapshots_carry_libraries_both_ways(dirs):  # noqa: F811 (dirs: fixture)
    new, servers = dirs
    a, b = new("rill"), new("redis")
    s = Rill(a, "--save", "")
    servers.append(s)
    s.r.function_load(lib("kept", register("kept_fn", "return 'kept'", ", flags={'no-writes'}")))
    s.r.set("k", "v")
    assert s.r.save()
    redis_check_rdb(os.path.join(a, "dump.rdb"))
    copy_dump(a, b)
    ref = RedisOnDir(b)
    servers.append(ref)
    assert ref.r.fcall_ro("kept_fn", 0) == b"kept"
    assert ref.r.function_list() == [[b"library_name", b"kept", b"engine", b"LUA", b"functions", [
        [b"name", b"kept_fn", b"description", None, b"flags", [b"no-writes"]]]]]
    ref.r.function_load(lib("written_by_redis", register("redis_fn", "return 'from redis'")))
    assert ref.r.save()
    s.shutdown("NOSAVE")
    copy_dump(b, a)
    s = Rill(a, "--save", "")
    servers.append(s)
    assert s.r.fcall("redis_fn", 0) == b"from redis"
    assert s.r.fcall("kept_fn", 0) == b"kept"
    assert s.r.get("k") == b"v"
    stats = s.r.execute_command("FUNCTION", "STATS")
    assert stats[3] == [b"LUA", [b"libraries_count", 2, b"functions_count", 2]]


def test_debug_reload_options(dirs):  # noqa: F811 (dirs: fixture)
    new, servers = dirs
    s = Rill(new("rill"), "--save", "", "--enable-debug-command", "yes")
    servers.append(s)
    s.r.function_load(lib("l", register("f", "return 1")))
    s.r.execute_command("DEBUG", "RELOAD")
    assert s.r.fcall("f", 0) == 1
    with pytest.raises(redis.ResponseError, match="Error trying to load the RDB dump"):
        s.r.execute_command("DEBUG", "RELOAD", "NOFLUSH")
    assert "Library 'l' already exists" in s.log()
    s.r.execute_command("DEBUG", "RELOAD", "NOFLUSH", "MERGE")
    assert s.r.fcall("f", 0) == 1


def test_busy_function_kill_and_stats(rill):
    r = redis.Redis(port=rill.port, socket_timeout=20)
    r.config_set("busy-reply-threshold", 50)
    r.function_load(lib("busy", register("spin", "local a = 1 while true do a = a + 1 end")))
    runner = threading.Thread(target=lambda: pytest.raises(redis.ResponseError, r.fcall, "spin", 0))
    other = redis.Redis(port=rill.port, socket_timeout=20)
    runner.start()
    try:
        wait_until(lambda: busy(other), what="the function to be busy")
        with pytest.raises(redis.ResponseError, match="You can only call FUNCTION KILL"):
            other.ping()
        with pytest.raises(redis.ResponseError, match="You can only call FUNCTION KILL"):
            other.execute_command("SCRIPT", "KILL")
        stats = other.execute_command("FUNCTION", "STATS")
        running = stats[1]
        assert running[:5] == [b"name", b"spin", b"command", [b"FCALL", b"spin", b"0"], b"duration_ms"]
        assert other.execute_command("FUNCTION", "KILL") == b"OK"
    finally:
        runner.join(timeout=20)
    assert other.ping()
    # An EVAL is killed by SCRIPT KILL only; FUNCTION STATS is refused meanwhile.
    runner = threading.Thread(target=lambda: pytest.raises(
        redis.ResponseError, r.eval, "local a = 1 while true do a = a + 1 end", 0))
    runner.start()
    try:
        wait_until(lambda: busy(other), what="the script to be busy")
        with pytest.raises(redis.ResponseError, match="You can only call SCRIPT KILL"):
            other.execute_command("FUNCTION", "KILL")
        with pytest.raises(redis.ResponseError, match="You can only call SCRIPT KILL"):
            other.execute_command("FUNCTION", "STATS")
        assert other.execute_command("SCRIPT", "KILL") == b"OK"
    finally:
        runner.join(timeout=20)
    assert other.ping()


def busy(conn):
    try:
        conn.ping()
        time.sleep(0.01)
        return False
    except redis.ResponseError as e:
        return str(e).startswith("BUSY")


def test_script_flush_and_function_flush_are_apart(rill):
    r = redis.Redis(port=rill.port)
    r.function_load(lib("l", register("f", "return 'f'")))
    sha = r.script_load("return 's'")
    r.script_flush()
    assert r.fcall("f", 0) == b"f"
    sha = r.script_load("return 's'")
    r.function_flush()
    assert r.evalsha(sha, 0) == b"s"
    info = r.info("memory")
    assert info["number_of_functions"] == 0 and info["number_of_libraries"] == 0
    r.function_load(lib("l", register("f", "return 'f'") + "\n" + register("g", "return 'g'")))
    info = r.info("memory")
    assert info["number_of_functions"] == 2 and info["number_of_libraries"] == 1
    assert info["used_memory_vm_functions"] > 0 and info["used_memory_functions"] > 0


def rdb_string(s):
    assert len(s) < 16384
    return (bytes([len(s)]) if len(s) < 64 else bytes([0x40 | len(s) >> 8, len(s) & 0xff])) + s


def test_release_candidate_function_records_load(dirs):  # noqa: F811 (dirs: fixture)
    """Redis 7.0's release candidates wrote a library as name, engine, description and code
    (opcode 246); 7.0 reads them into its released payload, and so does rill."""
    body = b"\nredis.register_function('old_fn', function() return 'from an rc' end)"
    record = bytes([246]) + rdb_string(b"oldlib") + rdb_string(b"LUA") + b"\x01" + \
        rdb_string(b"a description") + rdb_string(body)
    data = b"REDIS0010" + record + b"\xff" + b"\x00" * 8  # checksum 0: not checked
    new, servers = dirs
    a, b = new("rill"), new("redis")
    for d in (a, b):
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(data)
    s = Rill(a, "--save", "")
    servers.append(s)
    ref = RedisOnDir(b)
    servers.append(ref)
    for r in (s.r, ref.r):
        assert r.fcall("old_fn", 0) == b"from an rc"
    assert s.r.function_list(withcode=True) == ref.r.function_list(withcode=True)
