"""Redis's own config files and settings: every Redis 7.0 directive is accepted with Redis's
validation, shown by CONFIG GET with Redis's default, and either honoured or refused at
start-up when it asks for a feature rill does not have yet."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import RILL, free_port, track, wait_for_port

DEBIAN_CONF = "/etc/redis/redis.conf"


def config_all(port):
    return redis.Redis(port=port, decode_responses=True).config_get("*")


def test_every_redis_setting_is_there_with_redis_default(rill_module, redis_module):
    ours, theirs = config_all(rill_module.port), config_all(redis_module.port)
    # Where the two servers were started differently.
    differ = {"port", "dir", "save"}
    missing = sorted(set(theirs) - set(ours))
    assert not missing, "settings rill lacks: %s" % missing
    wrong = {k: (ours[k], theirs[k]) for k in theirs if k not in differ and ours[k] != theirs[k]}
    assert not wrong


@pytest.mark.parametrize("name,value,feature", [
    ("replicaof", "127.0.0.1 6380", "replication"),
    ("cluster-enabled", "yes", "cluster mode"),
    ("syslog-enabled", "yes", "syslog"),
])
def test_a_value_needing_a_missing_feature_stops_start_up(name, value, feature):
    proc = subprocess.run([RILL, "--port", str(free_port()), "--" + name, *value.split()],
                          cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=20)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert name in out and "rill does not support %s yet" % feature in out


def test_a_value_needing_a_missing_feature_is_refused_by_config_set(rill):
    r = redis.Redis(port=rill.port)
    with pytest.raises(redis.ResponseError, match="does not support replication"):
        r.config_set("min-replicas-to-write", "1")
    assert r.config_get("min-replicas-to-write") == {"min-replicas-to-write": "0"}


def read_pid(path, deadline=10.0):
    end = time.time() + deadline
    while time.time() < end:
        try:
            with open(path) as f:
                text = f.read()
            if text.endswith("\n"):
                return int(text)
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError("no pid file at " + path)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.skipif(not os.access(DEBIAN_CONF, os.R_OK), reason="Debian's redis.conf is absent")
def test_debian_redis_conf_starts_rill_as_a_daemon_with_a_pid_file():
    work = tempfile.mkdtemp(prefix="rill-debconf-")
    port = free_port()
    conf, pidfile, log = (os.path.join(work, n) for n in ("redis.conf", "rill.pid", "rill.log"))
    with open(DEBIAN_CONF) as f:
        lines = f.read().splitlines()
    own = {"port": str(port), "dir": work, "logfile": log, "pidfile": pidfile}
    with open(conf, "w") as f:
        for line in lines:
            word = line.split(" ", 1)[0]
            f.write(("%s %s" % (word, own[word]) if word in own else line) + "\n")
    # daemonize yes: the process we start exits at once, the server lives on in the background.
    launcher = subprocess.run([RILL, conf], cwd=work, capture_output=True, text=True, timeout=20)
    assert launcher.returncode == 0, launcher.stdout + launcher.stderr
    pid = read_pid(pidfile)
    try:
        r = redis.Redis(port=port, socket_timeout=10, decode_responses=True)
        end = time.time() + 10
        while True:
            try:
                assert r.ping()
                break
            except redis.ConnectionError:
                if time.time() > end:
                    raise
                time.sleep(0.02)
        assert r.config_get("daemonize") == {"daemonize": "yes"}
        assert r.config_get("pidfile") == {"pidfile": pidfile}
        assert r.info("server")["process_id"] == pid
        try:
            r.shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        end = time.time() + 10
        while alive(pid) and time.time() < end:
            time.sleep(0.02)
        assert not alive(pid)
        assert not os.path.exists(pidfile)
        assert "Removing the pid file." in open(log).read()
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_supervised_systemd_tells_systemd_it_is_ready():
    work = tempfile.mkdtemp(prefix="rill-notify-")
    path = os.path.join(work, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    listener.settimeout(20)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=path)
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--save", "", "--supervised", "systemd"],
                                  cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        message = listener.recv(4096).decode()
        assert "READY=1" in message.split("\n")
        wait_for_port(port, proc)
    finally:
        proc.kill()
        proc.wait()
        listener.close()


@pytest.mark.parametrize("flags,saves", [("nosave", False), ("save", True), ("default", True)])
def test_shutdown_on_sigterm_decides_the_final_save(flags, saves):
    work = tempfile.mkdtemp(prefix="rill-sigterm-")
    port = free_port()
    # Save points are set, so by default SIGTERM saves; nosave skips it; save saves anyway.
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--dir", work, "--save", "3600 1",
                                   "--shutdown-on-sigterm", flags],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        redis.Redis(port=port).set("k", "v")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert os.path.exists(os.path.join(work, "dump.rdb")) == saves
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_shutdown_on_sigterm_save_saves_without_save_points():
    work = tempfile.mkdtemp(prefix="rill-sigterm-")
    port = free_port()
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--dir", work, "--save", "",
                                   "--shutdown-on-sigterm", "save"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        redis.Redis(port=port).set("k", "v")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert os.path.exists(os.path.join(work, "dump.rdb"))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("logo", ["yes", "no"])
def test_always_show_logo_prints_the_pid_as_redis_does(logo):
    port = free_port()
    work = tempfile.mkdtemp(prefix="rill-logo-")  # no stray dump.rdb to load
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--save", "", "--always-show-logo", logo],
                                  cwd=work, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True))
    try:
        wait_for_port(port, proc)
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
        # Redis's test suite waits for " PID: <pid>" in the log of a server it starts.
        assert (" PID: %d\n" % proc.pid in out) == (logo == "yes")
        assert ("Running mode=standalone, port=%d." % port in out) == (logo == "no")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def test_unixsocket_serves_clients_with_its_permissions():
    work = tempfile.mkdtemp(prefix="rill-unix-")
    path = os.path.join(work, "rill.sock")
    port = free_port()
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--save", "", "--unixsocket", path,
                                   "--unixsocketperm", "700"], cwd=work,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        r = redis.Redis(unix_socket_path=path, decode_responses=True)
        assert r.ping() and r.set("k", "v") and redis.Redis(port=port).get("k") == b"v"
        assert oct(os.stat(path).st_mode & 0o777) == "0o700"
        me = [c for c in r.client_list() if c["cmd"] == "client|list"][0]
        assert me["addr"] == "/unixsocket:0" and me["laddr"] == "/unixsocket:0"
        assert r.config_get("unixsocket") == {"unixsocket": path}
        # CONFIG SET port rebinds TCP only: the Unix socket stays.
        new_port = free_port()
        assert r.config_set("port", new_port)
        assert r.ping()
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        assert not os.path.exists(path)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def start_slow_bgsave(r, pid):
    """Starts a BGSAVE that takes long enough to look at, and returns its child's pid."""
    r.set("k", "v")
    r.config_set("rdb-key-save-delay", "1000000")
    r.bgsave()
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return int(f.read().split()[0])


def wait_for(condition, what, timeout=10.0):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.01)


def oom_score_adj(pid):
    with open("/proc/%d/oom_score_adj" % pid) as f:
        return int(f.read())


def test_oom_score_adj_sets_the_process_score_as_redis_does(rill):
    pid, r = rill.proc.pid, redis.Redis(port=rill.port)
    base = oom_score_adj(pid)
    # Values above the base: an unprivileged process may raise its score and come back.
    r.config_set("oom-score-adj-values", "10 20 30")
    assert oom_score_adj(pid) == base, "oom-score-adj no leaves the score alone"
    r.config_set("oom-score-adj", "yes")
    assert oom_score_adj(pid) == base + 10
    r.config_set("oom-score-adj-values", "15 20 30")
    assert oom_score_adj(pid) == base + 15
    r.execute_command("CONFIG", "SET", "oom-score-adj", "absolute")
    assert oom_score_adj(pid) == 15
    r.execute_command("CONFIG", "SET", "oom-score-adj", "relative")
    assert oom_score_adj(pid) == base + 15
    # A background save's child takes the third value.
    child = start_slow_bgsave(r, pid)
    wait_for(lambda: oom_score_adj(child) == base + 30, "the child's score")
    assert oom_score_adj(pid) == base + 15
    os.kill(child, signal.SIGKILL)
    r.config_set("oom-score-adj", "no")
    assert oom_score_adj(pid) == base, "the original score is put back"
    with pytest.raises(redis.ResponseError, match="must be between -2000 and 2000"):
        r.config_set("oom-score-adj-values", "2001 2001 2001")


def test_oom_score_adj_applies_at_start_up():
    port = free_port()
    work = tempfile.mkdtemp(prefix="rill-oom-")
    proc = track(subprocess.Popen([RILL, "--port", str(port), "--oom-score-adj", "absolute",
                                   "--oom-score-adj-values", "7 8 9"], cwd=work,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        assert oom_score_adj(proc.pid) == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("lines", [["save "], ["save 10 1", "save "], ["save 10 1", 'save ""'],
                                   ["save 10 1", "save 20 2"]])
def test_save_lines_in_a_config_file_read_as_on_redis(lines):
    shown = []
    for argv0 in (RILL, "redis-server"):
        work = tempfile.mkdtemp(prefix="rill-save-")
        port = free_port()
        path = os.path.join(work, "test.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines + ["port %d" % port, "dir " + work, "appendonly no"]) + "\n")
        proc = track(subprocess.Popen([argv0, path], cwd=work, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        try:
            wait_for_port(port, proc)
            shown.append(redis.Redis(port=port).config_get("save"))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert shown[0] == shown[1]


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().rstrip(b"\0").decode()


def test_the_process_title_follows_proc_title_template(rill):
    pid, r = rill.proc.pid, redis.Redis(port=rill.port)
    assert cmdline(pid) == "%s *:%d" % (RILL, rill.port)
    r.config_set("proc-title-template", "TEST {title} {listen-addr} {port} {tls-port} {{x} "
                 "{config-file} {server-mode}")
    assert cmdline(pid) == "TEST %s *:%d %d 0 {x} -" % (RILL, rill.port, rill.port)
    assert r.info("server")["executable"] == RILL
    for bad in ["{invalid-var}", "{title", "", "{server-mode}", "{"]:
        with pytest.raises(redis.ResponseError, match="template format is invalid or contains "
                                                      "unknown variables"):
            r.config_set("proc-title-template", bad)
    # A background save's child names itself as Redis's does.
    r.config_set("proc-title-template", "{title} {listen-addr} {server-mode}")
    child = start_slow_bgsave(r, pid)
    wait_for(lambda: cmdline(child) == "redis-rdb-bgsave *:%d" % rill.port,
             "the child's title")
    os.kill(child, signal.SIGKILL)


def test_listening_failures_are_reported_as_redis_reports_them(rill_module, redis_module):
    replies = []
    for server, busy in ((rill_module, redis_module), (redis_module, rill_module)):
        r = redis.Redis(port=server.port)
        got = []
        for name, value in (("bind", "999.999.999.999"), ("port", str(busy.port))):
            with pytest.raises(redis.ResponseError) as e:
                r.config_set(name, value)
            got.append(str(e.value))
        assert r.ping(), "still listening where it was"
        replies.append(got)
    assert replies[0] == replies[1]


REWRITE_BASE = """# a comment kept
port {port}
dir {dir}
loglevel notice
slave-read-only yes
save 3600 1
save 300 100
bind 127.0.0.1
appendonly no
"""


def rewritten(argv0, changes):
    """The config file after each CONFIG SET group then CONFIG REWRITE, with this server's
    port and dir taken out."""
    work = tempfile.mkdtemp(prefix="rill-rewrite-")
    port = free_port()
    path = os.path.join(work, "redis.conf")
    with open(path, "w") as f:
        f.write(REWRITE_BASE.format(port=port, dir=work))
    proc = track(subprocess.Popen([argv0, path], cwd=work, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        r = redis.Redis(port=port)
        for group in changes:
            for name, value in group:
                r.config_set(name, value)
            r.config_rewrite()
        with open(path) as f:
            text = f.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return text.replace(str(port), "PORT").replace(work, "DIR")


@pytest.mark.parametrize("changes", [
    [[("maxmemory", "100mb"), ("save", "10 1 20 2 30 3"),
      ("client-output-buffer-limit", "normal 1mb 2mb 60"), ("notify-keyspace-events", "KEA"),
      ("hz", "20"), ("maxmemory-clients", "10%"), ("loglevel", "verbose"),
      ("bind", "127.0.0.1 -::1"), ("requirepass", 'a "quoted"\tpass')]],
    [[("hz", "20"), ("save", "10 1")], [("hz", "10"), ("save", "")]],
    [[("bind", "* -::*"), ("appendfsync", "always"), ("maxmemory-policy", "allkeys-lru"),
      ("maxmemory-clients", "3mb"), ("proto-max-bulk-len", "1000000k"),
      ("shutdown-on-sigterm", "nosave now"), ("oom-score-adj-values", "1 2 3")]],
])
def test_config_rewrite_writes_what_redis_writes(changes):
    ours, theirs = rewritten(RILL, changes), rewritten("redis-server", changes)
    # Up to Redis's signature line the files are the same; after it, Redis writes the added
    # settings in its hash table's order, so only the set of lines is compared. Redis also
    # writes the ACL's user line (issue 25).
    head_ours, _, tail_ours = ours.partition("# Generated by CONFIG REWRITE\n")
    head_theirs, _, tail_theirs = theirs.partition("# Generated by CONFIG REWRITE\n")
    assert head_ours == head_theirs
    lines = lambda tail: sorted(l for l in tail.split("\n") if l and not l.startswith("user "))
    assert lines(tail_ours) == lines(tail_theirs)


def test_an_empty_bind_listens_nowhere_and_is_rewritten():
    work = tempfile.mkdtemp(prefix="rill-listen-")
    port = free_port()
    path = os.path.join(work, "redis.conf")
    with open(path, "w") as f:
        f.write("port %d\n" % port)
    proc = track(subprocess.Popen([RILL, path], cwd=work, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        r = redis.Redis(port=port, single_connection_client=True)
        assert r.config_get("bind") == {"bind": "* -::*"}
        r.config_rewrite()
        assert "\nbind " not in open(path).read(), "the default is not written"
        r.config_set("bind", "")
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        assert r.ping(), "a connected client stays"
        r.config_rewrite()
        assert 'bind ""\n' in open(path).read()
        r.config_set("bind", "127.0.0.1")
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_rename_command_renames_for_clients_and_scripts_and_survives_rewrite(tmp_path):
    conf = tmp_path / "rill.conf"
    conf.write_text("rename-command flushdb badger\nrename-command debug \"\"\n")
    port = free_port()
    proc = track(subprocess.Popen([RILL, str(conf), "--port", str(port), "--dir", str(tmp_path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        wait_for_port(port, proc)
        r = redis.Redis(port=port)
        with pytest.raises(redis.ResponseError, match="unknown command 'FLUSHDB'"):
            r.execute_command("FLUSHDB")
        with pytest.raises(redis.ResponseError, match="unknown command 'DEBUG'"):
            r.execute_command("DEBUG", "HELP")
        assert r.execute_command("BADGER") == b"OK"
        assert r.eval("return redis.call('badger')", 0) == b"OK"
        with pytest.raises(redis.ResponseError, match="Unknown Redis command called from script"):
            r.eval("return redis.call('flushdb')", 0)
        assert r.config_rewrite()
        assert "rename-command flushdb badger" in conf.read_text()
    finally:
        proc.terminate()
        proc.wait()
    # A name no command has, or one already taken, stops start-up with Redis's words.
    for line, why in (("rename-command nosuch x", b"No such command in rename-command"),
                      ("rename-command get set", b"Target command name already exists")):
        conf.write_text(line + "\n")
        out = subprocess.run([RILL, str(conf), "--port", str(free_port())], capture_output=True, timeout=10)
        assert out.returncode != 0 and why in out.stdout + out.stderr
