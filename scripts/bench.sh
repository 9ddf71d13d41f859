#!/usr/bin/env bash
# Side-by-side benchmark: rill and redis-server (persistence off) on free loopback ports,
# redis-benchmark against each in alternating rounds, median ops/s per workload, the ratio
# rill/redis and its geometric mean; then memory per key for 1M `SET key:N <16 bytes>`.
# ROUNDS, REQUESTS and CLIENTS can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-set,get,incr,mset}
MEMORY_KEYS=${MEMORY_KEYS:-1000000}
WORK=$(mktemp -d)
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() {
    for _ in $(seq 1 250); do
        redis-cli -p "$1" PING >/dev/null 2>&1 && return 0
        sleep 0.02
    done
    echo "server on port $1 did not start" >&2
    exit 1
}

# start NAME -> sets PORT_<NAME> and PID_<NAME>
start() {
    local name=$1 port
    port=$(free_port)
    if [[ $name == rill ]]; then
        "$BUILD/rill-server" --port "$port" --save "" --dir "$WORK" >"$WORK/rill.log" 2>&1 &
    else
        redis-server --port "$port" --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
    fi
    PIDS+=($!)
    printf -v "PID_$name" '%s' "$!"
    printf -v "PORT_$name" '%s' "$port"
    wait_ready "$port"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

start rill
start redis

declare -A results
for round in $(seq 1 "$ROUNDS"); do
    for pipeline in 1 16; do
        n=$REQUESTS
        [[ $pipeline -gt 1 ]] && n=$((REQUESTS * 5))
        for name in rill redis; do
            port_var=PORT_$name
            while IFS=, read -r test rps _; do
                test=${test//\"/}
                rps=${rps//\"/}
                [[ $test == test ]] && continue
                key="${test%% *}|P$pipeline|$name"
                results[$key]="${results[$key]:-} $rps"
            done < <(redis-benchmark -p "${!port_var}" -c "$CLIENTS" -n "$n" -P "$pipeline" \
                -t "$TESTS" -r 100000 --csv 2>/dev/null)
        done
    done
    echo "round $round/$ROUNDS done" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-14s %14s %14s %8s\n' workload rill_ops/s redis_ops/s ratio
logsum=0
count=0
for pipeline in 1 16; do
    for test in ${TESTS//,/ }; do
        T=${test^^}
        [[ $T == MSET ]] && T="MSET"
        r=$(median <<<"${results[$T|P$pipeline|rill]:-0}")
        s=$(median <<<"${results[$T|P$pipeline|redis]:-0}")
        ratio=$(awk -v a="$r" -v b="$s" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
        printf '%-14s %14.0f %14.0f %8s\n' "$T P$pipeline" "$r" "$s" "$ratio"
        logsum=$(awk -v l="$logsum" -v x="$ratio" 'BEGIN {print l + log(x > 0 ? x : 1e-9)}')
        count=$((count + 1))
    done
done
geomean=$(awk -v l="$logsum" -v n="$count" 'BEGIN {printf "%.3f", exp(l / n)}')

# Memory per key: RSS after loading MEMORY_KEYS keys minus RSS of the empty server.
/usr/bin/python3 - "$MEMORY_KEYS" >"$WORK/load.resp" <<'PY'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    k = "key:%d" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%016d\r\n" % (len(k), k, i))
PY
# Fresh servers: memory freed by the throughput rounds would hide in the "empty" RSS.
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()
start rill
start redis
for name in rill redis; do
    port_var=PORT_$name
    pid_var=PID_$name
    before=$(rss_kb "${!pid_var}")
    redis-cli -p "${!port_var}" --pipe <"$WORK/load.resp" >/dev/null
    after=$(rss_kb "${!pid_var}")
    printf -v "BYTES_$name" '%s' "$(( (after - before) * 1024 / MEMORY_KEYS ))"
done
mem_ratio=$(awk -v a="$BYTES_rill" -v b="$BYTES_redis" 'BEGIN {printf "%.3f", a / b}')
echo
printf 'memory per key (%d keys): rill %d B, redis %d B, ratio %s\n' "$MEMORY_KEYS" \
    "$BYTES_rill" "$BYTES_redis" "$mem_ratio"
echo "geometric mean ratio rill/redis: $geomean"
