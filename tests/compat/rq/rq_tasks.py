"""Jobs for the python-rq compat tests; the worker imports them from this folder."""
import os

import redis


def add(a, b):
    return a + b


def boom():
    raise ValueError("boom from a job")


def flaky(counter_key, failures):
    """Fails the first `failures` times it runs, then returns how many runs it took."""
    r = redis.Redis(port=int(os.environ["RILL_RQ_PORT"]))
    runs = r.incr(counter_key)
    if runs <= failures:
        raise RuntimeError("attempt %d fails" % runs)
    return runs


def record(log_key, item):
    r = redis.Redis(port=int(os.environ["RILL_RQ_PORT"]))
    r.rpush(log_key, item)
    return item
