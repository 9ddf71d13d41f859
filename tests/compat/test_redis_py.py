"""What redis-py programs do against rill: strings with TTLs, keys, info, config, errors."""
import time

import pytest
import redis

from conftest import start_rill


@pytest.fixture
def r(rill):
    client = redis.Redis(port=rill.port, decode_responses=True)
    yield client
    client.close()


def test_get_set_with_ttl(r):
    assert r.set("greeting", "hello", ex=100)
    assert r.get("greeting") == "hello"
    assert 99 <= r.ttl("greeting") <= 100
    assert r.set("short", "x", px=50)
    deadline = time.time() + 5
    while r.get("short") is not None and time.time() < deadline:
        time.sleep(0.01)
    assert r.get("short") is None
    assert r.exists("short") == 0


def test_counters_and_floats(r):
    assert r.incr("hits") == 1
    assert r.incrby("hits", 10) == 11
    assert r.decr("hits") == 10
    assert r.incrbyfloat("price", 10.5) == 10.5
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("price")


def test_wrongtype_and_unknown_command(r):
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        r.execute_command("NOSUCHCOMMAND", "a")


def test_mset_mget_scan_iter(r):
    r.mset({"user:%d" % i: i for i in range(500)})
    assert r.mget("user:1", "user:2", "nope") == ["1", "2", None]
    assert len(set(r.scan_iter(match="user:*", count=50))) == 500
    assert sorted(r.keys("user:1?"))[:2] == ["user:10", "user:11"]


def test_info_parses(r):
    r.set("a", "1")
    r.expire("a", 100)
    info = r.info()
    assert info["redis_version"]
    assert info["connected_clients"] >= 1
    assert info["db0"]["keys"] == 1
    assert info["db0"]["expires"] == 1
    assert "cmdstat_set" in r.info("commandstats")


def test_config_get_set(r):
    assert r.config_get("timeout") == {"timeout": "0"}
    assert r.config_set("timeout", 100)
    assert r.config_get("timeout") == {"timeout": "100"}
    with pytest.raises(redis.ResponseError, match="Unknown option"):
        r.config_set("no-such-setting", "1")


def test_pipeline_and_select(r):
    with r.pipeline(transaction=False) as p:
        for i in range(1000):
            p.set("k%d" % i, i)
        p.dbsize()
        results = p.execute()
    assert results[-1] == 1000
    r2 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=3,
                     decode_responses=True)
    assert r2.dbsize() == 0
    r2.set("in3", "yes")
    assert r.get("in3") is None
    r2.close()


def test_client_name_and_list(r):
    r.client_setname("worker-1")
    assert r.client_getname() == "worker-1"
    assert any(c["name"] == "worker-1" for c in r.client_list())


def test_hello_3_is_refused(r):
    with pytest.raises(redis.ResponseError, match="unsupported protocol version"):
        r.execute_command("HELLO", "3")


def test_requirepass(tmp_path):
    server = start_rill("--requirepass", "s3cret")
    try:
        anon = redis.Redis(port=server.port)
        with pytest.raises(redis.AuthenticationError):
            anon.get("x")
        # redis-py 4.3 reports WRONGPASS as a plain ResponseError.
        with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS"):
            redis.Redis(port=server.port, password="wrong").ping()
        assert redis.Redis(port=server.port, password="s3cret").ping()
    finally:
        server.stop()


def test_wrong_passwords_are_logged_without_flooding_the_log():
    import os
    import re
    server = start_rill("--requirepass", "secret")
    try:
        for _ in range(200):
            with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
                redis.Redis(port=server.port, password="guess").ping()
        ok = redis.Redis(port=server.port, password="secret")
        assert ok.ping()
        with open(os.path.join(server.workdir, "server.log")) as f:
            lines = re.findall(r"Failed authentication: (\d+) attempts? since the last report, "
                               r"latest from 127\.0\.0\.1:\d+", f.read())
        assert 1 <= len(lines) <= 10  # one a second at most; 200 attempts take well under 10 s
        assert lines[0] == "1"
    finally:
        server.stop()
