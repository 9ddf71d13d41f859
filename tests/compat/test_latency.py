"""LATENCY (LATEST HISTORY GRAPH DOCTOR RESET HISTOGRAM HELP), the events rill records and
INFO latencystats, against redis-server 7.0: the same replies once timings are masked (the
DEBUG SLEEP spikes are the same length on both), the same buckets and percentile layout."""
import re
import time

import pytest
import redis

from conftest import start_redis, start_rill
from test_differential import RawConn


@pytest.fixture
def pair():
    servers = [start_rill("--enable-debug-command", "yes"), start_redis("--enable-debug-command", "yes")]
    clients = [redis.Redis(port=s.port, socket_timeout=20) for s in servers]
    try:
        yield clients
    finally:
        for c in clients:
            c.close()
        for s in servers:
            s.stop()


def raw_info(client, section):
    conn = RawConn(client.connection_pool.connection_kwargs["port"])
    try:
        return conn.call([b"INFO", section.encode()]).split(b"\r\n", 1)[1][:-2].decode()
    finally:
        conn.close()


def both(pair, *args):
    return [c.execute_command(*args) for c in pair]


def masked(text):
    """Times and measured figures out: what is left must be equal."""
    if isinstance(text, bytes):
        text = text.decode()
    return re.sub(r"\d+", "N", text)


def errors(pair, *args):
    out = []
    for c in pair:
        with pytest.raises(redis.ResponseError) as e:
            c.execute_command(*args)
        out.append(str(e.value))
    assert out[0] == out[1]


def test_events_from_slow_commands(pair):
    assert masked(both(pair, "LATENCY", "DOCTOR")[0]) == masked(both(pair, "LATENCY", "DOCTOR")[1])
    both(pair, "CONFIG", "SET", "latency-monitor-threshold", 100)
    rill, ref = both(pair, "LATENCY", "DOCTOR")
    assert masked(rill) == masked(ref)
    for seconds in (0.2, 0.3):
        both(pair, "DEBUG", "SLEEP", seconds)
        time.sleep(1.05)  # one sample a second
    rill, ref = both(pair, "LATENCY", "LATEST")
    assert [e[0] for e in rill] == [e[0] for e in ref] == [b"command"]
    assert 290 <= rill[0][2] <= 400 and 290 <= rill[0][3] <= 400
    rill, ref = both(pair, "LATENCY", "HISTORY", "command")
    assert len(rill) == len(ref) == 2
    assert [200 <= r[1] < 300 for r in rill] == [True, False]
    rill, ref = both(pair, "LATENCY", "GRAPH", "command")
    assert masked(rill) == masked(ref)
    rill, ref = both(pair, "LATENCY", "DOCTOR")
    assert masked(rill) == masked(ref)
    assert b"1. command: 2 latency spikes" in rill
    assert both(pair, "LATENCY", "HISTORY", "nosuch") == [[], []]
    errors(pair, "LATENCY", "GRAPH", "nosuch")
    errors(pair, "LATENCY", "HELP", "extra")
    errors(pair, "LATENCY", "BOGUS")
    errors(pair, "LATENCY", "HISTORY")
    assert both(pair, "LATENCY", "HELP")[0] == both(pair, "LATENCY", "HELP")[1]
    assert both(pair, "LATENCY", "RESET", "nosuch", "COMMAND") == [1, 1]
    assert both(pair, "LATENCY", "RESET") == [0, 0]
    assert both(pair, "LATENCY", "LATEST") == [[], []]


def test_expire_cycle_event(pair):
    for c in pair:
        c.config_set("latency-monitor-threshold", 5)
        c.eval("for i = 1, tonumber(ARGV[1]) do redis.call('sadd', KEYS[1], i) end", 1, "big", 1000000)
        c.pexpire("big", 10)
    deadline = time.time() + 10
    while time.time() < deadline and any(c.dbsize() for c in pair):
        time.sleep(0.05)
    for c in pair:
        assert b"expire-cycle" in [e[0] for e in c.execute_command("LATENCY", "LATEST")]


def histogram_shape(reply):
    """{command: (calls, [bucket, ...])} of a LATENCY HISTOGRAM reply."""
    out = {}
    for name, body in zip(reply[::2], reply[1::2]):
        fields = dict(zip(body[::2], body[1::2]))
        buckets = fields[b"histogram_usec"]
        out[name] = (fields[b"calls"], buckets[::2], buckets[1::2])
    return out


def test_histograms_and_latencystats(pair):
    for c in pair:
        c.config_resetstat()
        for i in range(50):
            c.set("k%d" % i, "v")
        c.get("k1")
        c.execute_command("CLIENT", "ID")
    rill, ref = [histogram_shape(r) for r in both(pair, "LATENCY", "HISTOGRAM")]
    assert set(rill) == set(ref) == {b"config|resetstat", b"set", b"get", b"client|id"}
    for name, (calls, buckets, counts) in rill.items():
        assert calls == ref[name][0]
        assert counts == sorted(counts) and counts[-1] == calls  # cumulative
        # Buckets are the highest values equivalent to HdrHistogram's power-of-two steps from
        # 1024 ns (2^k + 2^(k-7) - 1 ns with two significant digits), in microseconds.
        steps = {(2 ** k + 2 ** (k - 7) - 1) // 1000 for k in range(10, 31)} | {1073741}
        assert set(buckets) <= steps and buckets == sorted(buckets), buckets
    rill, ref = [histogram_shape(r) for r in both(pair, "LATENCY", "HISTOGRAM", "client", "nosuch", "GET")]
    assert set(rill) == set(ref) == {b"client|id", b"get"}
    assert both(pair, "LATENCY", "HISTOGRAM", "nosuch") == [[], []]
    both(pair, "CONFIG", "SET", "latency-tracking-info-percentiles", "0 50 99.99 100")
    for c in pair:
        line = [l for l in raw_info(c, "latencystats").split("\r\n")
                if l.startswith("latency_percentiles_usec_set:")][0]
        assert re.fullmatch(r"latency_percentiles_usec_set:p0=\d+\.\d{3},p50=\d+\.\d{3},"
                            r"p99\.99=\d+\.\d{3},p100=\d+\.\d{3}", line), line
    both(pair, "CONFIG", "SET", "latency-tracking", "no")
    both(pair, "CONFIG", "RESETSTAT")
    both(pair, "SET", "x", "y")
    assert both(pair, "LATENCY", "HISTOGRAM") == [[], []]
    assert [raw_info(c, "latencystats") for c in pair] == ["# Latencystats\r\n"] * 2
    rill, ref = [sorted(zip(r[::2], r[1::2])) for r in both(pair, "CONFIG", "GET", "latency-*")]
    assert rill == ref
