"""The Celery app the compat tests run in a real worker: broker on database 0 and result
backend on database 1 of the rill-server the test started (RILL_CELERY_PORT)."""
import os
import time

import redis
from celery import Celery

PORT = int(os.environ["RILL_CELERY_PORT"])
app = Celery(
    "rill_tasks",
    broker="redis://127.0.0.1:%d/0" % PORT,
    backend="redis://127.0.0.1:%d/1" % PORT,
)
app.conf.update(
    # Unacknowledged tasks come back to the queue this many seconds after delivery.
    broker_transport_options={"visibility_timeout": 5},
    result_expires=3600,
    worker_prefetch_multiplier=4,
    worker_hijack_root_logger=False,
)


def scratch():
    """Database 2 holds counters the tasks keep across deliveries."""
    return redis.Redis(port=PORT, db=2)


@app.task
def add(x, y):
    return x + y


@app.task
def total(values):
    return sum(values)


@app.task
def fail(message):
    raise ValueError(message)


@app.task(bind=True, max_retries=3)
def flaky(self, key):
    """Fails its first run and succeeds when retried."""
    attempt = scratch().incr(key)
    if attempt < 2:
        raise self.retry(countdown=0.2)
    return attempt


@app.task(acks_late=True)
def stuck_once(key):
    """The first delivery hangs (its worker gets killed); a redelivery returns at once."""
    attempt = scratch().incr(key)
    if attempt == 1:
        time.sleep(120)
    return attempt


@app.task
def record(n):
    """Marks task n as run (the AOF test counts them)."""
    scratch().sadd("ran", n)
    return n
