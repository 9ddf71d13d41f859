# Shared by the shell compat tests: start rill on a free port, stop it by PID on exit.
RILL_SERVER=${RILL_SERVER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/rill-server}
WORK=$(mktemp -d)
PID=""

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cleanup() {
    [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

start_rill() {
    PORT=$(free_port)
    "$RILL_SERVER" --port "$PORT" --dir "$WORK" "$@" > "$WORK/server.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 200); do
        redis-cli -p "$PORT" PING >/dev/null 2>&1 && return 0
        sleep 0.02
    done
    echo "rill did not start:"; cat "$WORK/server.log"; exit 1
}
