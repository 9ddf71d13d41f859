"""A real Celery worker (Debian's python3-celery, started here and stopped by PID) against
a rill-server started here, as broker and result backend."""
import gc
import os
import signal
import subprocess
import sys
import time

import pytest
import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from conftest import start_rill, track  # noqa: E402

PYTHON = "/usr/bin/python3"


class Worker:
    def __init__(self, port, name, logdir):
        env = dict(os.environ, RILL_CELERY_PORT=str(port), PYTHONPATH=HERE)
        self.log = open(os.path.join(logdir, "worker-%s.log" % name), "w")
        # Its own process group, so the pool's children go with it.
        self.proc = track(subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "rill_tasks", "worker", "--pool=prefork",
             "--concurrency=2", "--loglevel=INFO", "-n", "%s@rill" % name],
            cwd=HERE, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True), group=True)

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


@pytest.fixture(scope="module")
def setup():
    server = start_rill()
    worker = app = None
    try:
        os.environ["RILL_CELERY_PORT"] = str(server.port)
        sys.path.insert(0, HERE)
        import rill_tasks
        worker = Worker(server.port, "w1", server.workdir)
        app = rill_tasks.app
        wait_until(lambda: app.control.ping(timeout=0.5), 30, "the worker to answer ping")
        yield server, worker, rill_tasks
    finally:
        if worker:
            worker.stop()
        # Results left for the garbage collector unsubscribe on deletion: while the server is up.
        gc.collect()
        if app:
            app.close()
        server.stop()


def test_task_round_trip(setup):
    _, _, t = setup
    assert t.add.delay(2, 3).get(timeout=20) == 5


def test_burst_of_500_tasks(setup):
    _, _, t = setup
    results = [t.add.delay(i, i) for i in range(500)]
    assert [r.get(timeout=60) for r in results] == [2 * i for i in range(500)]


def test_group_and_chord(setup):
    from celery import chord, group
    _, _, t = setup
    assert group(t.add.s(i, 1) for i in range(10))().get(timeout=30) == list(range(1, 11))
    assert chord(t.add.s(i, i) for i in range(10))(t.total.s()).get(timeout=30) == 90


def test_countdown_task_runs_later(setup):
    _, _, t = setup
    result = t.add.apply_async((20, 22), countdown=2)
    assert result.state == "PENDING"
    assert result.get(timeout=30) == 42


def test_task_that_raises(setup):
    _, _, t = setup
    result = t.fail.delay("boom")
    with pytest.raises(ValueError, match="boom"):
        result.get(timeout=20)
    assert result.state == "FAILURE"


def test_retry_then_success(setup):
    _, _, t = setup
    assert t.flaky.delay("flaky-1").get(timeout=30) == 2


def test_revoke_pending_countdown_task(setup):
    from celery.exceptions import TaskRevokedError
    _, _, t = setup
    result = t.add.apply_async((1, 1), countdown=3)
    result.revoke()
    with pytest.raises(TaskRevokedError):
        result.get(timeout=30)
    assert result.state == "REVOKED"


def test_control_ping(setup):
    _, _, t = setup
    replies = t.app.control.ping(timeout=2)
    assert {"w1@rill": {"ok": "pong"}} in replies


def test_killed_worker_task_is_redelivered(setup):
    server, worker, t = setup
    scratch = redis.Redis(port=server.port, db=2)
    result = t.stuck_once.delay("stuck-1")
    wait_until(lambda: scratch.get("stuck-1") == b"1", 30, "the first delivery")
    worker.kill()
    # The broker still holds the task as unacknowledged. A worker restores such tasks when it
    # starts (then only every 100 s): start the new one once the visibility timeout passed.
    broker = redis.Redis(port=server.port, db=0)
    delivered = [score for _, score in broker.zrange("unacked_index", 0, -1, withscores=True)]
    assert delivered, "the killed worker's task is not in the unacked index"
    visibility_timeout = t.app.conf.broker_transport_options["visibility_timeout"]
    wait_until(lambda: time.time() > max(delivered) + visibility_timeout + 0.5,
               visibility_timeout + 5, "the visibility timeout")
    replacement = Worker(server.port, "w2", server.workdir)
    try:
        assert result.get(timeout=60) == 2
    finally:
        replacement.stop()


def test_tasks_accepted_before_a_kill_9_survive_it_with_the_aof():
    """appendonly yes, appendfsync always: the broker is killed with SIGKILL while a producer
    sends, and restarted on its files; every task the producer saw accepted then runs."""
    import tempfile
    from conftest import RILL, free_port, wait_for_port
    workdir = tempfile.mkdtemp(prefix="rill-celery-aof-")
    port = free_port()
    argv = [RILL, "--port", str(port), "--dir", workdir, "--appendonly", "yes",
            "--appendfsync", "always", "--save", ""]

    def start_server():
        proc = track(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_port(port, proc)
        return proc

    env = dict(os.environ, RILL_CELERY_PORT=str(port), PYTHONPATH=HERE)
    producer = subprocess.Popen([PYTHON, "-c", PRODUCER], cwd=HERE, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    track(producer)
    server = start_server()
    worker = None
    try:
        scratch = redis.Redis(port=port, db=2)
        wait_until(lambda: redis.Redis(port=port).llen("celery") >= 150, 60, "tasks to be queued")
        server.kill()  # SIGKILL, mid-stream
        server.wait()
        time.sleep(0.5)
        server = start_server()
        out, _ = producer.communicate(timeout=120)
        accepted = {int(n) for n in out.split()}
        assert len(accepted) >= 300
        worker = Worker(port, "aof", workdir)
        wait_until(lambda: scratch.scard("ran") >= len(accepted), 90, "every accepted task to run")
        ran = {int(n) for n in scratch.smembers("ran")}
        assert accepted <= ran
    finally:
        if worker:
            worker.stop()
        if producer.poll() is None:
            producer.kill()
        server.kill()
        server.wait()
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)


# Sends record(0..399), printing each number whose send returned; sends that fail while the
# broker is down are retried by Celery's publish retry, and given up on after a few seconds.
PRODUCER = """
import rill_tasks
for n in range(400):
    try:
        rill_tasks.record.apply_async((n,), retry=True,
                                      retry_policy={"max_retries": 30, "interval_start": 0.1,
                                                    "interval_step": 0.1, "interval_max": 0.5})
    except Exception:
        continue
    print(n, flush=True)
"""
