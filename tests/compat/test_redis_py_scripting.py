"""Scripts through redis-py as applications use them: Lock (kombu's mutex, released and
extended with EVALSHA) and register_script."""
import threading
import time

import pytest
import redis
from redis.exceptions import LockError, LockNotOwnedError, NoScriptError, ResponseError


@pytest.fixture
def r(rill_module):
    client = redis.Redis(port=rill_module.port)
    client.flushall()
    client.script_flush()
    yield client
    client.close()


def test_lock_acquire_extend_reacquire_release(r):
    lock = r.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert lock.locked() and lock.owned()
    assert not r.lock("resource", timeout=10).acquire(blocking=False)

    assert lock.extend(20)  # adds to the remaining time
    assert 25_000 < r.pttl("resource") <= 30_000
    assert lock.extend(5, replace_ttl=True)
    assert 4_000 < r.pttl("resource") <= 5_000
    r.pexpire("resource", 100)
    assert lock.reacquire()  # back to the lock's own timeout
    assert 9_000 < r.pttl("resource") <= 10_000

    lock.release()
    assert not lock.locked()
    assert r.exists("resource") == 0


def test_release_after_expiry_raises_not_owned(r):
    lock = r.lock("short", timeout=0.05)
    assert lock.acquire(blocking=False)
    time.sleep(0.15)
    assert not lock.owned()
    # Someone else's lock is never touched by a stale owner.
    other = r.lock("short", timeout=10)
    assert other.acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        lock.extend(5)
    with pytest.raises(LockNotOwnedError):
        lock.reacquire()
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert other.owned()
    other.release()
    # And after expiry with nobody else holding it.
    lock = r.lock("short", timeout=0.05)
    assert lock.acquire(blocking=False)
    time.sleep(0.15)
    with pytest.raises(LockNotOwnedError):
        lock.release()


def test_lock_scripts_reload_after_script_flush(r):
    lock = r.lock("flushed", timeout=10)
    assert lock.acquire(blocking=False)
    r.script_flush()  # redis-py falls back to SCRIPT LOAD on NOSCRIPT
    assert lock.extend(1)
    lock.release()
    assert r.exists("flushed") == 0


def test_lock_is_a_mutex_between_threads(rill_module):
    counter_key, hits = "shared-counter", []

    def work():
        client = redis.Redis(port=rill_module.port)
        for _ in range(20):
            with client.lock("mutex", timeout=5, sleep=0.001, blocking_timeout=10):
                value = int(client.get(counter_key) or 0)
                client.set(counter_key, value + 1)
                hits.append(1)
        client.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    client = redis.Redis(port=rill_module.port)
    assert int(client.get(counter_key)) == len(hits) == 80
    with pytest.raises(LockError):
        client.lock("mutex", timeout=5).release()  # not held by this client
    client.delete(counter_key)
    client.close()


def test_register_script(r):
    incr_by = r.register_script(
        "local v = redis.call('incrby', KEYS[1], ARGV[1]) "
        "if v > tonumber(ARGV[2]) then return redis.error_reply('LIMIT reached') end "
        "return v"
    )
    assert incr_by(keys=["n"], args=[5, 12]) == 5
    assert incr_by(keys=["n"], args=[5, 12]) == 10
    with pytest.raises(ResponseError, match="LIMIT reached"):
        incr_by(keys=["n"], args=[5, 12])
    assert r.script_exists(incr_by.sha) == [True]
    r.script_flush()
    assert incr_by(keys=["m"], args=[1, 100]) == 1  # reloaded transparently
    with pytest.raises(NoScriptError):
        r.evalsha("0" * 40, 0)


def test_scripts_in_a_pipeline(r):
    double = r.register_script("return redis.call('incrby', KEYS[1], redis.call('get', KEYS[1]))")
    r.set("d", 3)
    pipe = r.pipeline()
    double(keys=["d"], client=pipe)
    double(keys=["d"], client=pipe)
    pipe.get("d")
    assert pipe.execute() == [6, 12, b"12"]


def test_conversions_seen_by_redis_py(r):
    r.rpush("l", "a", "b")
    assert r.eval("return redis.call('lrange', KEYS[1], 0, -1)", 1, "l") == [b"a", b"b"]
    assert r.eval("return {1, 'two', {3}, false}", 0) == [1, b"two", [3], None]
    assert r.eval("return redis.status_reply('FINE')", 0) == b"FINE"
    assert r.eval("return cjson.encode({a = tonumber(ARGV[1])})", 0, 7) == b'{"a":7}'
    with pytest.raises(ResponseError, match="Script attempted to access nonexistent global"):
        r.eval("return undefined_global", 0)
