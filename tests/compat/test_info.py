"""INFO against redis-server 7.0: the same sections in the same order for every form of the
command, and every field Redis prints, except the few rill cannot fill honestly."""
import redis

# Fields rill leaves out rather than invent: time over maxmemory is not tracked, reply
# buffers do not resize the way Redis's do, and there are no latency histograms.
NOT_FILLED = {"total_eviction_exceeded_time", "current_eviction_exceeded_time",
              "reply_buffer_shrinks", "reply_buffer_expands"}
NOT_FILLED_SECTIONS = {"Latencystats"}


def layout(port, *args):
    """[(section, [field names])] of an INFO reply."""
    r = redis.Redis(port=port)
    r.response_callbacks["INFO"] = lambda response, **options: response  # the raw text
    text = r.execute_command("INFO", *args).decode()
    sections = []
    for line in text.split("\r\n"):
        if line.startswith("# "):
            sections.append((line[2:], []))
        elif line and sections and not line.startswith(("cmdstat_", "errorstat_", "db")):
            sections[-1][1].append(line.split(":", 1)[0])
    return [(name, fields) for name, fields in sections if name not in NOT_FILLED_SECTIONS]


FORMS = [(), ("default",), ("all",), ("everything",), ("server",), ("CLIENTS",), ("memory",),
         ("persistence",), ("stats",), ("replication",), ("cpu",), ("modules",),
         ("commandstats",), ("errorstats",), ("cluster",), ("keyspace",), ("server", "clients"),
         ("cpu", "all"), ("cpu", "default"), ("keyspace", "server"), ("nosuchsection",),
         ("latencystats",)]


def test_sections_and_fields_match_redis(rill_module, redis_module):
    mismatches = []
    for args in FORMS:
        ours, theirs = layout(rill_module.port, *args), layout(redis_module.port, *args)
        if [s for s, _ in ours] != [s for s, _ in theirs]:
            mismatches.append("INFO %s: sections %s vs %s" % (" ".join(args), ours, theirs))
            continue
        for (section, our_fields), (_, their_fields) in zip(ours, theirs):
            missing = [f for f in their_fields if f not in our_fields and f not in NOT_FILLED]
            if missing:
                mismatches.append("INFO %s: %s lacks %s" % (" ".join(args), section, missing))
    assert not mismatches, "\n".join(mismatches)


def test_replication_describes_a_primary_without_replicas(rill):
    info = redis.Redis(port=rill.port).info("replication")
    assert info["role"] == "master" and info["connected_slaves"] == 0
    assert len(info["master_replid"]) == 40 and info["master_repl_offset"] == 0
    assert info["repl_backlog_size"] == 1048576


def test_peak_memory_stays_above_used_memory_after_a_drop(rill):
    r = redis.Redis(port=rill.port)
    pipe = r.pipeline(transaction=False)
    for i in range(20000):
        pipe.set("k%d" % i, "x" * 100)
    pipe.execute()
    high = r.info("memory")["used_memory"]
    r.flushall()
    memory = r.info("memory")
    assert memory["used_memory_peak"] >= high > memory["used_memory"]


def test_reads_and_writes_are_counted(rill):
    r = redis.Redis(port=rill.port)
    before = r.info("stats")
    for _ in range(10):
        r.ping()
    after = r.info("stats")
    assert after["total_reads_processed"] - before["total_reads_processed"] >= 10
    assert after["total_writes_processed"] - before["total_writes_processed"] >= 10


def test_memory_usage_follows_the_value(rill):
    r = redis.Redis(port=rill.port)
    r.set("small", "x")
    r.set("big", "x" * 10000)
    r.rpush("list", *range(1000))
    small, big = r.memory_usage("small"), r.memory_usage("big")
    assert 0 < small < 200 and 10000 < big < 11000
    assert r.memory_usage("list") > 1000 and r.memory_usage("list", samples=0) == r.memory_usage("list")
    assert r.memory_usage("nokey") is None


def test_memory_stats_and_doctor(rill):
    r = redis.Redis(port=rill.port)
    r.set("k", "v")
    stats = r.memory_stats()
    assert stats["keys.count"] == 1 and stats["total.allocated"] <= stats["peak.allocated"]
    assert "db.0" in stats and stats["dataset.bytes"] > 0
    assert r.execute_command("MEMORY", "DOCTOR").startswith(b"Hi Sam, this instance is empty")
