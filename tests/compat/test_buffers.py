"""Memory a client no longer needs goes back, on Redis's schedule (what CLIENT LIST and INFO
show): argument arrays after a huge command, query buffer room after a peak or 2 s idle."""
import time

import redis


def query_buffer(r, name):
    for c in r.client_list():
        if c["name"] == name:
            return int(c["qbuf"]) + int(c["qbuf-free"])
    raise AssertionError("no client named " + name)


def wait_for(cond, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_unlink_of_a_huge_set_gives_the_memory_back(rill):
    r = redis.Redis(port=rill.port)
    before = r.info("memory")["used_memory"]
    r.sadd("myset", *range(100000))
    peak = r.info("memory")["used_memory"]
    assert peak > before + 1000000
    assert r.unlink("myset") == 1
    assert wait_for(lambda: r.info("memory")["used_memory"] < before * 2)


def test_query_buffer_follows_the_peak_then_idles_to_nothing(rill):
    admin = redis.Redis(port=rill.port)
    r = redis.Redis(port=rill.port)
    r.client_setname("watched")
    assert 16384 <= query_buffer(admin, "watched") < 32768
    r.set("x", "A" * 400000)
    big = query_buffer(admin, "watched")
    assert big > 32768
    # Small commands keep it busy: it shrinks to its recent peak, not to nothing.
    assert wait_for(lambda: (r.set("x", "A" * 100), 0 < query_buffer(admin, "watched") < big)[1])
    # Idle for more than 2 s: nothing is kept.
    assert wait_for(lambda: query_buffer(admin, "watched") == 0)
