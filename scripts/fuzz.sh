#!/usr/bin/env bash
# Runs the libFuzzer harnesses built in $BUILD/fuzz on their seed corpora (tests/fuzz/corpus)
# and replays every saved crash (tests/fuzz/regressions, which must all pass now).
#   scripts/fuzz.sh short   fixed number of executions each (FUZZ_RUNS), for make test
#   scripts/fuzz.sh long    FUZZ_SECONDS each, growing a corpus in $BUILD/fuzz/corpus-NAME
# A crash leaves its input in $BUILD/fuzz/crash-*: copy it to tests/fuzz/regressions/NAME/.
# The harnesses that read text get tests/fuzz/dict/numbers.dict (and NAME.dict) as their
# libFuzzer dictionary.
# FUZZ_ONLY=fuzz_NAME runs one harness.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MODE=${1:-short}
FUZZ_RUNS=${FUZZ_RUNS:-20000}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
failed=0
for bin in "$BUILD"/fuzz/${FUZZ_ONLY:-fuzz_*}; do
    name=${bin##*/fuzz_}
    seeds=tests/fuzz/corpus/$name
    regressions=tests/fuzz/regressions/$name
    if [[ -d $regressions ]] && ! "$bin" "$regressions"/* >"$BUILD/fuzz/$name.log" 2>&1; then
        echo "fuzz_$name: a saved regression input fails again"; tail -20 "$BUILD/fuzz/$name.log"
        failed=1
        continue
    fi
    if [[ $MODE == long ]]; then
        corpus=$BUILD/fuzz/corpus-$name
        mkdir -p "$corpus"
        args=(-max_total_time="$FUZZ_SECONDS" "$corpus" "$seeds")
    else
        # New inputs go to the first directory: a scratch one, the seeds stay as they are.
        corpus=$BUILD/fuzz/scratch-$name
        rm -rf "$corpus" && mkdir -p "$corpus"
        args=(-runs="$FUZZ_RUNS" "$corpus" "$seeds")
    fi
    # Text harnesses get the extreme numbers, and their own words (tests/fuzz/dict).
    if [[ $name == commands || $name == inline || $name == resp || $name == aof ]]; then
        cat tests/fuzz/dict/numbers.dict tests/fuzz/dict/"$name".dict 2>/dev/null >"$BUILD/fuzz/$name.dict"
        args=(-dict="$BUILD/fuzz/$name.dict" "${args[@]}")
    fi
    if "$bin" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$BUILD/fuzz/crash-$name-" "${args[@]}" \
        >"$BUILD/fuzz/$name.log" 2>&1; then
        echo "fuzz_$name: ok ($(grep -oE '#[0-9]+[[:space:]]+DONE.*' "$BUILD/fuzz/$name.log" | head -1))"
    else
        echo "fuzz_$name: FAILED"; grep -E 'ERROR|SUMMARY|assert|Test unit written' "$BUILD/fuzz/$name.log" | head -10
        failed=1
    fi
done
exit $failed
