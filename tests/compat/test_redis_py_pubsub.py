"""Pub/Sub through redis-py: listen, get_message, pattern handlers, run_in_thread."""
import time

import redis


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_subscribe_get_message_and_listen(rill):
    r = redis.Redis(port=rill.port, decode_responses=True)
    p = r.pubsub()
    p.subscribe("news")
    confirm = p.get_message(timeout=1)
    assert confirm == {"type": "subscribe", "pattern": None, "channel": "news", "data": 1}
    assert r.publish("news", "hello") == 1
    msg = p.get_message(timeout=1)
    assert msg == {"type": "message", "pattern": None, "channel": "news", "data": "hello"}
    r.publish("news", "again")
    for item in p.listen():
        if item["type"] == "message":
            assert item["data"] == "again"
            break
    assert r.pubsub_numsub("news") == [("news", 1)]
    assert r.pubsub_channels() == ["news"]
    p.unsubscribe("news")
    assert p.get_message(timeout=1)["type"] == "unsubscribe"
    p.close()


def test_pattern_handlers(rill):
    r = redis.Redis(port=rill.port)
    got = []
    p = r.pubsub(ignore_subscribe_messages=True)
    p.psubscribe(**{"jobs.*": lambda m: got.append((m["pattern"], m["channel"], m["data"]))})
    assert wait_for(lambda: (p.get_message(timeout=0.01), r.pubsub_numpat() == 1)[1])
    assert r.publish("jobs.done", b"42") == 1
    assert wait_for(lambda: (p.get_message(timeout=0.01), got)[1])
    assert got == [(b"jobs.*", b"jobs.done", b"42")]
    p.close()


def test_run_in_thread(rill):
    r = redis.Redis(port=rill.port)
    got = []
    p = r.pubsub()
    p.subscribe(**{"events": lambda m: got.append(m["data"])})
    thread = p.run_in_thread(sleep_time=0.01)
    try:
        assert wait_for(lambda: r.pubsub_numsub("events")[0][1] == 1)
        for i in range(100):
            r.publish("events", i)
        assert wait_for(lambda: len(got) == 100)
        assert got == [str(i).encode() for i in range(100)]
    finally:
        thread.stop()
        thread.join(timeout=5)
        p.close()
