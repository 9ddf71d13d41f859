"""Fixtures that start rill-server and redis-server on free loopback ports and stop them by PID."""
import atexit
import os
import shutil
import socket
import subprocess
import signal
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RILL = os.environ.get("RILL_SERVER", os.path.join(ROOT, "build", "rill-server"))


# Every process the compat tests start (servers, workers), so that whatever a failing test
# left running is stopped at the end of the session, and at exit if pytest dies first.
_started = []


def track(proc, group=False):
    """Registers a child process; group: it leads its own session (kill its whole group)."""
    _started.append((proc, group))
    return proc


def stop_leftovers():
    for proc, group in _started:
        if proc.poll() is None:
            try:
                if group:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
            except ProcessLookupError:
                pass
            proc.wait()
    _started.clear()


atexit.register(stop_leftovers)


@pytest.fixture(scope="session", autouse=True)
def leftovers_stopped():
    yield
    stop_leftovers()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("server did not listen on %d" % port)


class Server:
    def __init__(self, argv, port, workdir):
        self.port = port
        self.workdir = workdir
        self.log = open(os.path.join(workdir, "server.log"), "w")
        self.proc = track(subprocess.Popen(argv, cwd=workdir, stdout=self.log,
                                           stderr=subprocess.STDOUT))
        try:
            wait_for_port(port, self.proc)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_rill(*extra):
    port = free_port()
    return Server([RILL, "--port", str(port), *extra], port, tempfile.mkdtemp(prefix="rill-"))


def start_redis(*extra):
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", *extra]
    return Server(argv, port, tempfile.mkdtemp(prefix="redis-"))


@pytest.fixture
def rill():
    server = start_rill()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rill_module():
    server = start_rill()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_module():
    server = start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rill_and_redis():
    """A rill and a redis-server for a module's differential tests."""
    rill, redis = start_rill(), start_redis()
    yield rill, redis
    rill.stop()
    redis.stop()
