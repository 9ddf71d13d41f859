#!/usr/bin/env bash
# Side-by-side benchmark: rill and redis-server (persistence off) on free loopback ports.
#  1. redis-benchmark throughput in alternating rounds at pipeline 1 and 16: median ops/s per
#     workload, ratio rill/redis, geometric mean per group (strings, lists, types) and overall.
#     ZRANGEBYSCORE has no built-in test: it reads 10 members of a 1,000-member sorted set.
#     The data group: SETBIT in a 1 MB string, BITCOUNT of it, PFADD of random elements,
#     PFCOUNT of the union of two 50,000-element HyperLogLogs (the uncached path), GEOADD of
#     random points, and GEOSEARCH of the 10 nearest within 5 km among 10,000 points.
#     The streams group: XADD of 3 small fields, XRANGE of 10 entries, XREADGROUP of one
#     entry by 10 consumers of a group, and XACK of random entries of its pending list.
#  2. Producer/consumer queue: 25 clients LPUSH while 25 clients BRPOP the same key; every
#     element must be delivered exactly once (the key ends empty, no consumer starves).
#  3. Pub/Sub fan-out: PUBLISH (50 clients, pipeline 16) to a channel with 10 SUBSCRIBE
#     listeners, then to channels matching one pattern with 10 PSUBSCRIBE listeners (redis-cli
#     processes); every listener must receive every message.
#  4. Scripts (50 clients, pipeline 1 and 16): EVALSHA of redis-py's Lock release script on a
#     lock held by someone else (GET and compare, as a contended release does), and of a
#     3-command script (SET, INCR, GET).
#  5. Memory on fresh servers: 1M `SET key:N <16 bytes>`, and 100 lists x 10,000 elements of
#     16 bytes (RSS growth).
#  6. The memcached port: get and set of 16-byte values (100,000 keys) at pipeline 1 and 16,
#     50 clients, with rill-memcache-bench, against memcached 1.6 with one worker thread
#     (-t 1) and with its default four.
#  7. The append-only file: SET and LPUSH at pipeline 1 and 16 with appendfsync always and
#     everysec, automatic rewrites off (everysec also against rill without the AOF, in the
#     same rounds), and the time BGREWRITEAOF of MEMORY_KEYS keys takes.
# ROUNDS, REQUESTS, CLIENTS, QUEUE_ITEMS, PUBSUB_MESSAGES, MEMORY_KEYS can be set in the
# environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
QUEUE_ITEMS=${QUEUE_ITEMS:-500000}
PUBSUB_MESSAGES=${PUBSUB_MESSAGES:-200000}
MEMORY_KEYS=${MEMORY_KEYS:-1000000}
GROUPS_SPEC=${GROUPS_SPEC:-"strings:set,get,incr,mset lists:lpush,rpush,lpop,rpop,lrange_100 types:hset,sadd,zadd,zrangebyscore,zpopmin data:setbit,bitcount,pfadd,pfcount,geoadd,geosearch streams:xadd,xrange,xreadgroup,xack"}
# Entries of the stream XREADGROUP reads and XACK acknowledges (one per request at most).
STREAM_FILL=${STREAM_FILL:-200000}
# The workloads below are expanded unquoted: "*" must stay a word, not a file name.
set -f
# Workloads that are a command line of their own rather than a redis-benchmark test (options
# first; __rand_int__ is a 12-digit number, so it cannot be a bit offset).
declare -A CUSTOM=(
    [zrangebyscore]="ZRANGEBYSCORE zbench 100 109"
    [setbit]="SETBIT bitbench 4000001 1"
    [bitcount]="BITCOUNT bitbench"
    [pfadd]="-r 1000000 PFADD hllrand __rand_int__"
    [pfcount]="PFCOUNT hllbench:a hllbench:b"
    [geoadd]="-r 1000000 GEOADD georand 13.__rand_int__ 38.__rand_int__ m:__rand_int__"
    [geosearch]="GEOSEARCH geobench FROMLONLAT 13.4 38.1 BYRADIUS 5 km COUNT 10 ASC"
    [xadd]="XADD xaddbench * f1 v1 f2 v2 f3 v3"
    [xrange]="XRANGE xrangebench - + COUNT 10"
    [xreadgroup]="-r 10 XREADGROUP GROUP g consumer:__rand_int__ COUNT 1 STREAMS xgroupbench >"
    [xack]="-r $STREAM_FILL XACK xgroupbench g 1-__rand_int__"
)
# Workloads a thousand times slower than a GET run this many times fewer requests.
declare -A CUSTOM_SCALE=([bitcount]=50 [pfcount]=20 [geosearch]=20 [xreadgroup]=5 [xack]=5)
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
        MCPORT_rill=$(free_port)
        "$BUILD/rill-server" --port "$port" --save "" --dir "$WORK" --memcached-port "$MCPORT_rill" \
            >"$WORK/rill.log" 2>&1 &
    else
        redis-server --port "$port" --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
    fi
    PIDS+=($!)
    printf -v "PID_$name" '%s' "$!"
    printf -v "PORT_$name" '%s' "$port"
    wait_ready "$port"
}

restart_both() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
    start rill
    start redis
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# A measurement that came back empty or zero is a failed run: say so and stop, rather than
# print a ratio of 0.000 (set -e ends the script when this fails inside $(...)).
ratio() {
    if ! awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > 0 && b > 0)}'; then
        echo "bench: a measurement failed (got '$1' against '$2'): see the servers' logs" >&2
        return 1
    fi
    awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'
}
geomean() { tr ' ' '\n' | grep -v '^$' | awk '{l += log($1 > 0 ? $1 : 1e-9); n++} END {printf "%.3f", exp(l / n)}'; }

# Pipelined runs are quicker: more requests keep them long enough to measure.
requests_at() { if [[ $1 -gt 1 ]]; then echo $((REQUESTS * 5)); else echo "$REQUESTS"; fi; }

# ---- 1. Throughput ----
ALL_TESTS=$(for g in $GROUPS_SPEC; do printf '%s,' "${g#*:}"; done)
ALL_TESTS=${ALL_TESTS%,}
CUSTOM_TESTS=()
for t in ${ALL_TESTS//,/ }; do [[ -n ${CUSTOM[$t]:-} ]] && CUSTOM_TESTS+=("$t"); done
for t in "${CUSTOM_TESTS[@]}"; do ALL_TESTS=$(sed -E "s/(^|,)$t(,|$)/\1/; s/,$//" <<<"$ALL_TESTS"); done
# command_rps PORT PIPELINE REQUESTS args... -> ops/s of that command line
command_rps() {
    local port=$1 pipeline=$2 n=$3
    shift 3
    redis-benchmark -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" --csv "$@" 2>/dev/null |
        awk -F'","' 'NR == 2 {print $2}'
}
fill_zbench() {
    seq 0 999 | awk '{print "ZADD zbench " $1 " member:" $1}' | redis-cli -p "$1" >/dev/null
}
# The data group's keys: a 1 MB bitmap, two HyperLogLogs, 10,000 points around Palermo.
fill_data() {
    redis-cli -p "$1" SETBIT bitbench $((8 * 1024 * 1024 - 1)) 1 >/dev/null
    for k in a b; do
        seq 0 49999 | awk -v k="$k" '{printf "%s", (NR % 1000 == 1 ? "PFADD hllbench:" k : "") " " k $1}
            NR % 1000 == 0 {print ""}' | redis-cli -p "$1" >/dev/null
    done
    seq 0 9999 | awk 'BEGIN {srand(7)} {printf "%s", (NR % 100 == 1 ? "GEOADD geobench" : "")
        printf " %.6f %.6f p%d", 13 + rand() * 0.8, 37.8 + rand() * 0.6, $1}
        NR % 100 == 0 {print ""}' | redis-cli -p "$1" >/dev/null
}
# The streams group's keys: 1,000 entries to read ranges of, and STREAM_FILL entries (IDs
# 1-0, 1-1, ...) for a group to deliver, so that no XREADGROUP comes back empty.
/usr/bin/python3 - "$STREAM_FILL" >"$WORK/xgroup.resp" <<'PY'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    out.write("*7\r\n$4\r\nXADD\r\n$11\r\nxgroupbench\r\n$%d\r\n1-%d\r\n$1\r\nf\r\n$2\r\nv1\r\n"
              "$1\r\ng\r\n$2\r\nv2\r\n" % (len(str(i)) + 2, i))
PY
fill_streams() {
    seq 0 999 | awk '{print "XADD xrangebench * f1 " $1 " f2 v2 f3 v3"}' | redis-cli -p "$1" >/dev/null
    redis-cli -p "$1" --pipe <"$WORK/xgroup.resp" >/dev/null
    redis-cli -p "$1" XGROUP CREATE xgroupbench g 0 >/dev/null
}
start rill
start redis
declare -A results
for round in $(seq 1 "$ROUNDS"); do
    for pipeline in 1 16; do
        n=$(requests_at "$pipeline")
        for name in rill redis; do
            port_var=PORT_$name
            redis-cli -p "${!port_var}" FLUSHALL >/dev/null
            while IFS=, read -r test rps _; do
                test=${test//\"/}
                rps=${rps//\"/}
                # Skip the header and the set-up runs ("LPUSH (needed to benchmark LRANGE)").
                [[ $test == test || $test == *needed* ]] && continue
                key="${test%% *}|P$pipeline|$name"
                results[$key]="${results[$key]:-} $rps"
            done < <(redis-benchmark -p "${!port_var}" -c "$CLIENTS" -n "$n" -P "$pipeline" \
                -t "$ALL_TESTS" -r 100000 --csv 2>/dev/null)
            fill_zbench "${!port_var}"
            fill_data "${!port_var}"
            fill_streams "${!port_var}"
            for t in "${CUSTOM_TESTS[@]}"; do
                # shellcheck disable=SC2086
                results[${t^^}|P$pipeline|$name]+=" $(command_rps "${!port_var}" "$pipeline" \
                    $((n / ${CUSTOM_SCALE[$t]:-1})) ${CUSTOM[$t]})"
            done
        done
    done
    echo "round $round/$ROUNDS done" >&2
done

printf '%-16s %14s %14s %8s\n' workload rill_ops/s redis_ops/s ratio
all_ratios=""
summary=""
for g in $GROUPS_SPEC; do
    group=${g%%:*}
    group_ratios=""
    for pipeline in 1 16; do
        IFS=, read -ra tests <<<"${g#*:}"
        for test in "${tests[@]}"; do
            T=${test^^}
            r=$(median <<<"${results[$T|P$pipeline|rill]:-0}")
            s=$(median <<<"${results[$T|P$pipeline|redis]:-0}")
            x=$(ratio "$r" "$s")
            printf '%-16s %14.0f %14.0f %8s\n' "$T P$pipeline" "$r" "$s" "$x"
            group_ratios+=" $x"
        done
    done
    all_ratios+="$group_ratios"
    summary+=$(printf 'geometric mean ratio rill/redis, %s: %s' "$group" "$(geomean <<<"$group_ratios")")$'\n'
done

# ---- 2. Producer/consumer queue ----
# Seconds for both sides to finish; the consumers only finish when every element arrived.
queue_run() {
    local port=$1 start_ns end_ns
    redis-cli -p "$port" DEL queue >/dev/null
    start_ns=$(date +%s%N)
    timeout 300 redis-benchmark -p "$port" -c 25 -n "$QUEUE_ITEMS" BRPOP queue 0 >/dev/null 2>&1 &
    local consumers=$!
    timeout 300 redis-benchmark -p "$port" -c 25 -n "$QUEUE_ITEMS" LPUSH queue __rand_int__ >/dev/null 2>&1
    wait "$consumers"
    end_ns=$(date +%s%N)
    if [[ $(redis-cli -p "$port" LLEN queue) != 0 ]]; then
        echo "queue on port $port not drained" >&2
        exit 1
    fi
    awk -v n="$QUEUE_ITEMS" -v ns=$((end_ns - start_ns)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}'
}
queue_rill=""
queue_redis=""
for round in $(seq 1 "$ROUNDS"); do
    queue_rill+=" $(queue_run "$PORT_rill")"
    queue_redis+=" $(queue_run "$PORT_redis")"
done
q_r=$(median <<<"$queue_rill")
q_s=$(median <<<"$queue_redis")
q_x=$(ratio "$q_r" "$q_s")

# ---- 3. Pub/Sub fan-out ----
line_count() { wc -l <"$1" | tr -d ' '; }

# pubsub_run PORT channel|pattern -> messages published per second (exits if one was lost).
pubsub_run() {
    local port=$1 mode=$2 pids=() i lines rps
    # redis-cli prints 3 lines per confirmation and per message, 4 per pattern message.
    local per=3
    [[ $mode == pattern ]] && per=4
    for i in $(seq 1 10); do
        if [[ $mode == channel ]]; then
            redis-cli -p "$port" SUBSCRIBE bench.chan >"$WORK/sub.$i" &
        else
            redis-cli -p "$port" PSUBSCRIBE 'bench.*' >"$WORK/sub.$i" &
        fi
        pids+=($!)
    done
    for i in $(seq 1 10); do
        for _ in $(seq 1 500); do
            [[ -s "$WORK/sub.$i" && $(line_count "$WORK/sub.$i") -ge 3 ]] && break
            sleep 0.01
        done
    done
    rps=$(redis-benchmark -p "$port" -c 50 -n "$PUBSUB_MESSAGES" -P 16 --csv \
        PUBLISH bench.chan 0123456789abcdef 2>/dev/null | awk -F'","' 'NR == 2 {print $2}')
    local want=$((3 + per * PUBSUB_MESSAGES)) ok=0
    for _ in $(seq 1 3000); do
        ok=1
        for i in $(seq 1 10); do
            [[ $(line_count "$WORK/sub.$i") -ge $want ]] || { ok=0; break; }
        done
        [[ $ok == 1 ]] && break
        sleep 0.05
    done
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    if [[ $ok != 1 ]]; then
        echo "pub/sub on port $port ($mode): a listener missed messages" >&2
        exit 1
    fi
    echo "${rps:-0}"
}
declare -A pubsub_results
for round in $(seq 1 "$ROUNDS"); do
    for mode in channel pattern; do
        pubsub_results[$mode|rill]+=" $(pubsub_run "$PORT_rill" "$mode")"
        pubsub_results[$mode|redis]+=" $(pubsub_run "$PORT_redis" "$mode")"
    done
done

# ---- 4. Scripts ----
release_script=$(/usr/bin/python3 -c 'from redis.lock import Lock; print(Lock.LUA_RELEASE_SCRIPT, end="")')
three_commands="redis.call('set', KEYS[1], ARGV[1]) redis.call('incr', KEYS[2]) return redis.call('get', KEYS[1])"
declare -A script_results
for round in $(seq 1 "$ROUNDS"); do
    for pipeline in 1 16; do
        n=$(requests_at "$pipeline")
        for name in rill redis; do
            port_var=PORT_$name
            port=${!port_var}
            sha_release=$(redis-cli -p "$port" SCRIPT LOAD "$release_script")
            sha_three=$(redis-cli -p "$port" SCRIPT LOAD "$three_commands")
            redis-cli -p "$port" SET lock:bench someone-else >/dev/null
            script_results[release|P$pipeline|$name]+=" $(command_rps "$port" "$pipeline" "$n" \
                EVALSHA "$sha_release" 1 lock:bench my-token)"
            script_results[three|P$pipeline|$name]+=" $(command_rps "$port" "$pipeline" "$n" \
                EVALSHA "$sha_three" 2 script:value script:counter 0123456789abcdef)"
        done
    done
done
script_ratios=""
for workload in release three; do
    for pipeline in 1 16; do
        r=$(median <<<"${script_results[$workload|P$pipeline|rill]}")
        x=$(median <<<"${script_results[$workload|P$pipeline|redis]}")
        ratio_x=$(ratio "$r" "$x")
        printf '%-16s %14.0f %14.0f %8s\n' "EVALSHA_$workload P$pipeline" "$r" "$x" "$ratio_x"
        script_ratios+=" $ratio_x"
    done
done
all_ratios+="$script_ratios"
summary+=$(printf 'geometric mean ratio rill/redis, scripts: %s' "$(geomean <<<"$script_ratios")")$'\n'

# ---- 6. The memcached port ----
# start_memcached THREADS -> sets MC_PORT and MC_PID
start_memcached() {
    MC_PORT=$(free_port)
    local as_root=()
    [[ $(id -u) -eq 0 ]] && as_root=(-u root) # memcached refuses root unless told
    memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -t "$1" -m 1024 "${as_root[@]}" >"$WORK/memcached.log" 2>&1 &
    MC_PID=$!
    PIDS+=("$MC_PID")
    for _ in $(seq 1 250); do
        (exec 3<>"/dev/tcp/127.0.0.1/$MC_PORT") 2>/dev/null && return 0
        sleep 0.02
    done
    echo "memcached did not start" >&2
    exit 1
}
start_memcached 1
MC1_PORT=$MC_PORT
start_memcached 4
MC4_PORT=$MC_PORT
declare -A mc_results
for round in $(seq 1 "$ROUNDS"); do
    for pipeline in 1 16; do
        n=$(requests_at "$pipeline")
        for op in set get; do
            for target in rill:$MCPORT_rill mc1:$MC1_PORT mc4:$MC4_PORT; do
                mc_results[$op|P$pipeline|${target%%:*}]+=" $("$BUILD/rill-memcache-bench" "${target#*:}" "$op" "$n" "$CLIENTS" "$pipeline")"
            done
        done
    done
done

# ---- 5. Memory ----
/usr/bin/python3 - "$MEMORY_KEYS" >"$WORK/keys.resp" <<'PY'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    k = "key:%d" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%016d\r\n" % (len(k), k, i))
PY
/usr/bin/python3 - >"$WORK/lists.resp" <<'PY'
import sys
out = sys.stdout
for l in range(100):
    key = "list:%d" % l
    for batch in range(100):
        out.write("*102\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n" % (len(key), key))
        for i in range(100):
            out.write("$16\r\nv%015d\r\n" % (batch * 100 + i))
PY
# Fresh servers for each load: memory freed earlier would hide in the "empty" RSS.
load_bytes() {
    local name=$1 file=$2 port_var=PORT_$1 pid_var=PID_$1 before after
    before=$(rss_kb "${!pid_var}")
    redis-cli -p "${!port_var}" --pipe <"$file" >/dev/null
    after=$(rss_kb "${!pid_var}")
    echo $(((after - before) * 1024))
}
restart_both
keys_rill=$(load_bytes rill "$WORK/keys.resp")
keys_redis=$(load_bytes redis "$WORK/keys.resp")
restart_both
lists_rill=$(load_bytes rill "$WORK/lists.resp")
lists_redis=$(load_bytes redis "$WORK/lists.resp")
/usr/bin/python3 - "$MEMORY_KEYS" >"$WORK/stream.resp" <<'PY'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    v = "%d" % (i % 1000)
    out.write("*9\r\n$4\r\nXADD\r\n$6\r\nstream\r\n$1\r\n*\r\n$4\r\nuser\r\n$%d\r\n%s\r\n"
              "$6\r\naction\r\n$5\r\nclick\r\n$4\r\npage\r\n$5\r\n/home\r\n" % (len(v), v))
PY
restart_both
stream_rill=$(load_bytes rill "$WORK/stream.resp")
stream_redis=$(load_bytes redis "$WORK/stream.resp")

# ---- 7. The append-only file ----
# Each server on a directory of its own (WORK is on the disk, not tmpfs: fsyncs are real).
start_aof() {
    local name=$1 fsync=$2 port dir=$WORK/aof-$1-$2
    port=$(free_port)
    rm -rf "$dir" && mkdir -p "$dir"
    # "off": the same server without the AOF, measured in the same rounds. Automatic rewrites
    # are off: a forked child would compete with the clients for the cores (BGREWRITEAOF is
    # measured apart).
    local aof=(--appendonly yes --appendfsync "$fsync" --auto-aof-rewrite-percentage 0)
    [[ $fsync == off ]] && aof=(--appendonly no)
    if [[ $name == rill ]]; then
        "$BUILD/rill-server" --port "$port" --save "" --dir "$dir" "${aof[@]}" \
            --enable-debug-command local >"$dir/log" 2>&1 &
    else
        redis-server --port "$port" --save "" --dir "$dir" "${aof[@]}" \
            --enable-debug-command local >"$dir/log" 2>&1 &
    fi
    AOF_PID=$!
    PIDS+=("$AOF_PID")
    AOF_PORT=$port
    wait_ready "$port"
}
stop_aof() {
    kill "$AOF_PID" 2>/dev/null || true
    wait "$AOF_PID" 2>/dev/null || true
}
# Seconds BGREWRITEAOF of MEMORY_KEYS small strings takes, from the command to INFO's end.
rewrite_seconds() {
    local port=$1 start_ns
    redis-cli -p "$port" DEBUG POPULATE "$MEMORY_KEYS" key 16 >/dev/null
    start_ns=$(date +%s%N)
    redis-cli -p "$port" BGREWRITEAOF >/dev/null
    sleep 0.01
    until redis-cli -p "$port" INFO persistence | grep -q '^aof_rewrite_in_progress:0'; do sleep 0.01; done
    awk -v ns=$(($(date +%s%N) - start_ns)) 'BEGIN {printf "%.3f", ns / 1e9}'
}
declare -A aof_results
for round in $(seq 1 "$ROUNDS"); do
    for fsync in always everysec off; do
        for name in rill redis; do
            start_aof "$name" "$fsync"
            for pipeline in 1 16; do
                n=$(requests_at "$pipeline")
                while IFS=, read -r test rps _; do
                    test=${test//\"/}
                    [[ $test == test ]] && continue
                    aof_results[$fsync|${test%% *}|P$pipeline|$name]+=" ${rps//\"/}"
                done < <(redis-benchmark -p "$AOF_PORT" -c "$CLIENTS" -n "$n" -P "$pipeline" \
                    -t set,lpush -r 100000 --csv 2>/dev/null)
            done
            if [[ $fsync == everysec ]]; then
                aof_results[rewrite|$name]+=" $(rewrite_seconds "$AOF_PORT")"
            fi
            stop_aof
        done
    done
    echo "append-only file round $round/$ROUNDS done" >&2
done

echo
printf 'producer/consumer (25 LPUSH + 25 BRPOP clients, %d items): rill %d/s, redis %d/s, ratio %s\n' \
    "$QUEUE_ITEMS" "$q_r" "$q_s" "$q_x"
for mode in channel pattern; do
    r=$(median <<<"${pubsub_results[$mode|rill]}")
    x=$(median <<<"${pubsub_results[$mode|redis]}")
    printf 'PUBLISH to 10 %s listeners (P16, every message received): rill %.0f/s, redis %.0f/s, ratio %s\n' \
        "$mode" "$r" "$x" "$(ratio "$r" "$x")"
done
printf 'memory per key (%d keys): rill %d B, redis %d B, ratio %s\n' "$MEMORY_KEYS" \
    $((keys_rill / MEMORY_KEYS)) $((keys_redis / MEMORY_KEYS)) "$(ratio "$keys_rill" "$keys_redis")"
printf 'memory for 100 lists x 10,000 x 16 B: rill %.1f MB, redis %.1f MB, ratio %s\n' \
    "$(awk -v b="$lists_rill" 'BEGIN {print b / 1048576}')" \
    "$(awk -v b="$lists_redis" 'BEGIN {print b / 1048576}')" "$(ratio "$lists_rill" "$lists_redis")"
printf 'memory per stream entry (%d XADDs of 3 fields): rill %.1f B, redis %.1f B, ratio %s\n' \
    "$MEMORY_KEYS" "$(awk -v b="$stream_rill" -v n="$MEMORY_KEYS" 'BEGIN {print b / n}')" \
    "$(awk -v b="$stream_redis" -v n="$MEMORY_KEYS" 'BEGIN {print b / n}')" \
    "$(ratio "$stream_rill" "$stream_redis")"
for op in set get; do
    for pipeline in 1 16; do
        r=$(median <<<"${mc_results[$op|P$pipeline|rill]}")
        m1=$(median <<<"${mc_results[$op|P$pipeline|mc1]}")
        m4=$(median <<<"${mc_results[$op|P$pipeline|mc4]}")
        printf 'memcached %s P%s: rill %.0f/s, memcached -t 1 %.0f/s (ratio %s), memcached -t 4 %.0f/s (ratio %s)\n' \
            "$op" "$pipeline" "$r" "$m1" "$(ratio "$r" "$m1")" "$m4" "$(ratio "$r" "$m4")"
    done
done
for fsync in always everysec; do
    for test in SET LPUSH; do
        for pipeline in 1 16; do
            r=$(median <<<"${aof_results[$fsync|$test|P$pipeline|rill]}")
            x=$(median <<<"${aof_results[$fsync|$test|P$pipeline|redis]}")
            line=$(printf 'appendfsync %s %s P%s: rill %.0f/s, redis %.0f/s, ratio %s' "$fsync" \
                "$test" "$pipeline" "$r" "$x" "$(ratio "$r" "$x")")
            if [[ $fsync == everysec ]]; then
                plain=$(median <<<"${aof_results[off|$test|P$pipeline|rill]}")
                line+=$(printf '; rill without the AOF %.0f/s, ratio %s' "$plain" "$(ratio "$r" "$plain")")
            fi
            echo "$line"
        done
    done
done
r=$(median <<<"${aof_results[rewrite|rill]}")
x=$(median <<<"${aof_results[rewrite|redis]}")
printf 'BGREWRITEAOF of %d keys: rill %.2f s, redis %.2f s, ratio %s\n' "$MEMORY_KEYS" "$r" "$x" \
    "$(ratio "$r" "$x")"
printf '%s' "$summary"
echo "geometric mean ratio rill/redis, all: $(geomean <<<"$all_ratios")"
