"""Lists as a work queue through redis-py: several worker processes, every job exactly once."""
import multiprocessing

import redis

JOBS = 5000
WORKERS = 4


def worker(port, results):
    r = redis.Redis(port=port)
    got = []
    while True:
        item = r.brpop(["jobs", "control"], timeout=5)
        if item is None:
            break
        key, value = item
        if key == b"control":
            break
        got.append(int(value))
    results.put(got)


def producer(port):
    r = redis.Redis(port=port)
    pipe = r.pipeline(transaction=False)
    for i in range(JOBS):
        pipe.lpush("jobs", i)
        if i % 100 == 99:
            pipe.execute()
    pipe.execute()


def test_every_job_consumed_exactly_once(rill):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    workers = [ctx.Process(target=worker, args=(rill.port, results)) for _ in range(WORKERS)]
    for w in workers:
        w.start()
    try:
        producer(rill.port)
        r = redis.Redis(port=rill.port)
        # Let the workers drain the queue, then tell each one to stop.
        for _ in range(500):
            if r.llen("jobs") == 0:
                break
            r.execute_command("CLIENT", "LIST")  # a cheap round trip while waiting
        r.rpush("control", *["stop"] * WORKERS)
        consumed = []
        for _ in workers:
            consumed.extend(results.get(timeout=30))
        for w in workers:
            w.join(timeout=30)
    finally:
        for w in workers:
            if w.is_alive():
                w.kill()
                w.join()
    assert sorted(consumed) == list(range(JOBS))
    assert r.llen("jobs") == 0


def test_reliable_queue_with_blmove(rill):
    r = redis.Redis(port=rill.port)
    r.rpush("incoming", *range(100))
    done = []
    while True:
        job = r.blmove("incoming", "processing", timeout=0.1, src="LEFT", dest="RIGHT")
        if job is None:
            break
        done.append(int(job))
        assert r.lrem("processing", 1, job) == 1
    assert done == list(range(100))
    assert r.exists("incoming", "processing") == 0


def test_list_helpers(rill):
    r = redis.Redis(port=rill.port, decode_responses=True)
    r.rpush("l", "a", "b", "c", "b")
    assert r.lrange("l", 0, -1) == ["a", "b", "c", "b"]
    assert r.lpos("l", "b") == 1
    assert r.lpos("l", "b", rank=-1) == 3
    assert r.lpos("l", "b", count=0) == [1, 3]
    assert r.linsert("l", "BEFORE", "c", "x") == 5
    assert r.lindex("l", 2) == "x"
    assert r.lset("l", 0, "A")
    assert r.ltrim("l", 0, 2)
    assert r.lrange("l", 0, -1) == ["A", "b", "x"]
    assert r.lpop("l", 2) == ["A", "b"]
    assert r.rpop("l") == "x"
    assert r.exists("l") == 0
    assert r.blpop("l", timeout=0.05) is None
    assert r.lmpop(1, "l", direction="LEFT") is None


def test_watch_retry_loop(rill):
    """The optimistic-locking pattern redis-py documents: retry on WatchError."""
    r = redis.Redis(port=rill.port)
    other = redis.Redis(port=rill.port)
    r.rpush("stack", "a", "b")
    attempts = 0
    with r.pipeline() as pipe:
        while True:
            attempts += 1
            try:
                pipe.watch("stack")
                top = pipe.lindex("stack", -1)
                if attempts == 1:
                    other.rpush("stack", "sneaky")  # invalidates the first attempt
                pipe.multi()
                pipe.rpop("stack")
                pipe.lpush("done", top)
                pipe.execute()
                break
            except redis.WatchError:
                continue
    assert attempts == 2
    assert r.lrange("done", 0, -1) == [b"sneaky"]
    assert r.lrange("stack", 0, -1) == [b"a", b"b"]
