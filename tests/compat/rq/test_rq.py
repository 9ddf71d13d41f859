"""python-rq 1.13 (Debian's python3-rq) against a rill-server started here: jobs enqueued,
run by real `rq worker` processes (started here, stopped by PID), their results read back.
rq keeps each job's results in a stream (XADD with MAXLEN, XREVRANGE) on servers >= 5.0."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import redis
from rq import Queue, Retry
from rq.job import JobStatus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from conftest import start_rill, track  # noqa: E402
import rq_tasks  # noqa: E402

PYTHON = "/usr/bin/python3"


@pytest.fixture
def server():
    s = start_rill()
    yield s
    s.stop()


@pytest.fixture
def conn(server):
    os.environ["RILL_RQ_PORT"] = str(server.port)
    return redis.Redis(port=server.port)


def worker(server, *args, background=False):
    env = dict(os.environ, RILL_RQ_PORT=str(server.port), PYTHONPATH=HERE)
    argv = [PYTHON, "-m", "rq.cli", "worker", "--url", "redis://127.0.0.1:%d" % server.port,
            "--path", HERE, *args]
    log = open(os.path.join(server.workdir, "worker.log"), "a")
    proc = track(subprocess.Popen(argv, cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True), group=True)
    if background:
        return proc
    try:
        assert proc.wait(timeout=120) == 0, open(log.name).read()[-3000:]
    finally:
        stop(proc)
    return proc


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_job_result_is_kept_in_a_stream(server, conn):
    q = Queue(connection=conn)
    job = q.enqueue(rq_tasks.add, 2, 3)
    worker(server, "--burst")
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 5
    result = job.latest_result()
    assert result.type == result.Type.SUCCESSFUL and result.return_value == 5
    key = "rq:results:%s" % job.id
    assert conn.type(key) == b"stream"
    assert conn.xlen(key) == 1


def test_failure_keeps_the_traceback(server, conn):
    q = Queue(connection=conn)
    job = q.enqueue(rq_tasks.boom)
    worker(server, "--burst")
    job.refresh()
    assert job.is_failed
    result = job.latest_result()
    assert result.type == result.Type.FAILED
    assert "ValueError: boom from a job" in result.exc_string
    assert job.id in q.failed_job_registry.get_job_ids()


def test_retries_until_the_job_succeeds(server, conn):
    q = Queue(connection=conn)
    job = q.enqueue(rq_tasks.flaky, "runs", 2, retry=Retry(max=3))
    worker(server, "--burst")
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 3
    assert int(conn.get("runs")) == 3  # two failures, then the success
    assert job.retries_left == 1


def test_dependencies_run_in_order(server, conn):
    q = Queue(connection=conn)
    first = q.enqueue(rq_tasks.record, "order", "first")
    second = q.enqueue(rq_tasks.record, "order", "second", depends_on=first)
    third = q.enqueue(rq_tasks.record, "order", "third", depends_on=second)
    worker(server, "--burst")
    assert conn.lrange("order", 0, -1) == [b"first", b"second", b"third"]
    third.refresh()
    assert third.get_status() == JobStatus.FINISHED


def test_scheduled_job_runs_when_due(server, conn):
    q = Queue(connection=conn)
    job = q.enqueue_in(timedelta(seconds=1), rq_tasks.add, 20, 22)
    assert job.get_status() == JobStatus.SCHEDULED
    proc = worker(server, "--with-scheduler", background=True)
    try:
        deadline = time.time() + 30
        while job.get_status(refresh=True) != JobStatus.FINISHED:
            assert time.time() < deadline, "the scheduled job did not run"
            assert proc.poll() is None, "the worker exited"
            time.sleep(0.1)
        assert job.return_value() == 42
    finally:
        stop(proc)


def test_burst_of_200_jobs(server, conn):
    q = Queue(connection=conn)
    jobs = [q.enqueue(rq_tasks.add, i, i) for i in range(200)]
    worker(server, "--burst")
    for i, job in enumerate(jobs):
        job.refresh()
        assert job.return_value() == 2 * i
    assert len(q) == 0
    assert q.finished_job_registry.count == 200
