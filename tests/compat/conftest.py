"""Fixtures that start rill-server and redis-server on free loopback ports and stop them by PID."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RILL = os.environ.get("RILL_SERVER", os.path.join(ROOT, "build", "rill-server"))


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
        self.proc = subprocess.Popen(argv, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(port, self.proc)

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
