"""BullMQ 5 (npm) against a rill-server started here: jobs with return values, retries with
backoff, failures, delays, priorities, flows, QueueEvents (which read the events stream with
XREAD BLOCK), 500 jobs at concurrency 10, the rate limiter and job schedulers. BullMQ runs
everything as Lua scripts that use cmsgpack. scenarios.js holds the Node side; BullMQ is
installed once into a cache folder (RILL_NPM_CACHE, default ~/.cache/rill-npm)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from conftest import start_rill  # noqa: E402

BULLMQ = "bullmq@5.81.5"
CACHE = os.path.join(os.environ.get("RILL_NPM_CACHE", os.path.expanduser("~/.cache/rill-npm")),
                     BULLMQ.replace("@", "-"))


def node_modules():
    modules = os.path.join(CACHE, "node_modules")
    if os.path.isdir(os.path.join(modules, "bullmq")):
        return modules
    if not shutil.which("npm") or not shutil.which("node"):
        pytest.fail("node and npm are needed for the BullMQ tests")
    os.makedirs(CACHE, exist_ok=True)
    out = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                          "--prefix", CACHE, BULLMQ], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return modules


@pytest.fixture(scope="module")
def server():
    modules = node_modules()
    s = start_rill()
    s.node_path = modules
    yield s
    s.stop()


def scenario(server, name):
    env = dict(os.environ, PORT=str(server.port), NODE_PATH=server.node_path)
    out = subprocess.run(["node", os.path.join(HERE, "scenarios.js"), name], env=env,
                         capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_job_returns_its_value(server):
    assert scenario(server, "returnvalue") == {"returnvalue": 5, "state": "completed"}


def test_retries_with_backoff(server):
    out = scenario(server, "retries")
    assert out["returnvalue"] == "made it" and out["attemptsMade"] == 3 and out["calls"] == 3
    assert out["minGapMs"] >= 190  # the fixed 200 ms backoff, give or take a timer tick


def test_failed_job_keeps_its_reason(server):
    assert scenario(server, "failed") == {"failedReason": "nope", "state": "failed",
                                          "stacktrace": 1, "failed": 1}


def test_delayed_job_waits(server):
    out = scenario(server, "delayed")
    assert out["delayedCount"] == 1 and out["waitedMs"] >= 590


def test_priorities_order_the_work(server):
    # A job without priority comes first, then the lowest number (BullMQ's rule).
    assert scenario(server, "priorities") == {"order": ["none", "high", "mid", "low"]}


def test_flow_parent_sees_its_children(server):
    assert scenario(server, "flows") == {"parentValue": 60}


def test_queue_events_report_progress_and_completion(server):
    assert scenario(server, "events") == {"progress": 50, "jobId": True, "returnvalue": "fine"}


def test_500_jobs_at_concurrency_10_each_run_once(server):
    out = scenario(server, "many")
    assert out == {"distinct": 500, "once": True, "maxRunning": 10, "completed": 500}


def test_rate_limiter_spaces_the_jobs(server):
    # 12 jobs at 4 per 500 ms: the third batch cannot start before 1 s has passed.
    assert scenario(server, "limiter")["elapsedMs"] >= 950


def test_job_scheduler_repeats_until_removed(server):
    assert scenario(server, "schedulers") == {"runs": 3, "names": ["tick"] * 3,
                                              "schedulers": ["every-150"], "after": 0}
