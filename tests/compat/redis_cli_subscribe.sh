#!/usr/bin/env bash
# `redis-cli SUBSCRIBE` and `PSUBSCRIBE` as people watch a channel: confirmations, then each
# message as it is published.
set -euo pipefail
source "$(dirname "$0")/common.bash"
start_rill

redis-cli -p "$PORT" SUBSCRIBE news > "$WORK/sub.out" &
SUB=$!
redis-cli -p "$PORT" PSUBSCRIBE 'n*' > "$WORK/psub.out" &
PSUB=$!
stop_listeners() { kill "$SUB" "$PSUB" 2>/dev/null || true; wait "$SUB" "$PSUB" 2>/dev/null || true; }
trap 'stop_listeners; cleanup' EXIT

for _ in $(seq 1 250); do
    [[ $(redis-cli -p "$PORT" PUBSUB NUMSUB news | tail -1) == 1 &&
        $(redis-cli -p "$PORT" PUBSUB NUMPAT) == 1 ]] && break
    sleep 0.02
done
[[ $(redis-cli -p "$PORT" PUBLISH news "hello world") == 2 ]] || { echo "FAIL: PUBLISH count"; exit 1; }
[[ $(redis-cli -p "$PORT" PUBLISH news second) == 2 ]] || { echo "FAIL: PUBLISH count"; exit 1; }

want_sub=$'subscribe\nnews\n1\nmessage\nnews\nhello world\nmessage\nnews\nsecond'
want_psub=$'psubscribe\nn*\n1\npmessage\nn*\nnews\nhello world\npmessage\nn*\nnews\nsecond'
for _ in $(seq 1 250); do
    [[ "$(cat "$WORK/sub.out")" == "$want_sub" && "$(cat "$WORK/psub.out")" == "$want_psub" ]] && break
    sleep 0.02
done
[[ "$(cat "$WORK/sub.out")" == "$want_sub" ]] || { echo "FAIL: SUBSCRIBE printed:"; cat "$WORK/sub.out"; exit 1; }
[[ "$(cat "$WORK/psub.out")" == "$want_psub" ]] || { echo "FAIL: PSUBSCRIBE printed:"; cat "$WORK/psub.out"; exit 1; }
echo "redis-cli subscribe: ok"
