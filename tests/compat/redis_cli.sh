#!/usr/bin/env bash
# redis-cli as people script it: one-shot commands, inline quoting, --pipe bulk loading.
set -euo pipefail
source "$(dirname "$0")/common.bash"
start_rill

cli() { redis-cli -p "$PORT" "$@"; }

expect() {
    local want=$1
    shift
    local got
    got=$("$@")
    if [[ "$got" != "$want" ]]; then
        echo "FAIL: $* -> '$got', expected '$want'"
        exit 1
    fi
}

expect OK cli SET a b
expect b cli GET a
cli SET greeting "hello world" >/dev/null
expect "hello world" cli GET greeting
expect 1 cli EXISTS a
expect "ERR unknown command 'NOPE', with args beginning with: " cli NOPE

# Bulk load through --pipe: 10,000 SETs in RESP.
/usr/bin/python3 - "$PORT" > "$WORK/load.resp" <<'PY'
import sys
for i in range(10000):
    k, v = "bulk:%d" % i, "value-%d" % i
    sys.stdout.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
PY
out=$(cli --pipe < "$WORK/load.resp")
grep -q "errors: 0, replies: 10000" <<<"$out" || { echo "FAIL: --pipe said: $out"; exit 1; }
expect value-9999 cli GET bulk:9999
expect 10002 cli DBSIZE

# Inline commands over a raw socket, as telnet would send them.
reply=$(printf 'SET "quoted key" "va\\x41lue"\r\nGET "quoted key"\r\nPING\r\n' |
    /usr/bin/python3 -c "
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
time.sleep(0.2)
s.settimeout(1)
print(s.recv(4096).decode(), end='')
" "$PORT")
[[ "$reply" == $'+OK\r\n$6\r\nvaAlue\r\n+PONG\r' || "$reply" == $'+OK\r\n$6\r\nvaAlue\r\n+PONG\r\n' ]] ||
    { echo "FAIL: inline reply: $(printf %q "$reply")"; exit 1; }
echo "redis-cli: ok"
