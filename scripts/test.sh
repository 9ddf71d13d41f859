#!/usr/bin/env bash
# Runs every suite (unit, integration, compat) and ends with one summary line:
# "N passed, N failed". Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export RILL_SERVER=${RILL_SERVER:-$PWD/$BUILD/rill-server}
export CMOCKA_MESSAGE_OUTPUT=stdout
# The integration suite opens 1,000 connections at once.
ulimit -n 4096 2>/dev/null || true

passed=0
failed=0
failed_suites=()

# Time limits, so that a hang fails its suite instead of stalling the run.
SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}
PYTEST_TIMEOUT=${PYTEST_TIMEOUT:-1200}
limit() { timeout -k 10 "$1" "${@:2}"; }

# Counts a cmocka run against what it said it would run ("Running N test(s)"): a test that did
# not report OK failed, whether it failed, never ran (a group setup that failed: the server did
# not start) or was cut short by a crash or the time limit. A run that never announced its
# tests counts as one failure.
run_cmocka() {
    local bin=$1 name out rc total ok f
    name=$(basename "$bin")
    out=$(limit "$SUITE_TIMEOUT" "$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^\[ +(FAILED|ERROR|LINE) +\]' | head -40
    total=$(grep -oE '^\[==========\] Running [0-9]+ test' <<<"$out" | awk '{s+=$3} END {print s+0}')
    ok=$(grep -cE '^\[ +OK +\]' <<<"$out")
    f=$((total - ok))
    [[ $total -gt 0 ]] || f=1
    [[ $rc -ne 0 && $f -eq 0 ]] && f=1
    passed=$((passed + ok))
    failed=$((failed + f))
    if [[ $f -ne 0 ]]; then
        [[ $rc -eq 124 || $rc -eq 137 ]] && echo "$name: killed after ${SUITE_TIMEOUT}s"
        printf '%s\n' "$out" | tail -20
        failed_suites+=("$name (exit $rc)")
    fi
    echo "$name: $ok of $total passed"
}

echo "== unit"
for bin in "$BUILD"/tests/test_*; do run_cmocka "$bin"; done

echo "== integration"
for bin in "$BUILD"/tests/itest_*; do run_cmocka "$bin"; done

echo "== fuzz"
# Each libFuzzer harness for a fixed number of executions, plus every saved regression input.
for bin in "$BUILD"/fuzz/fuzz_*; do
    name=${bin##*/}
    if out=$(limit "$SUITE_TIMEOUT" env BUILD="$BUILD" FUZZ_ONLY="$name" scripts/fuzz.sh short 2>&1); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_suites+=("$name")
    fi
    printf '%s\n' "$out"
done

echo "== compat"
for t in tests/compat/*.sh; do
    name=$(basename "$t")
    if out=$(limit "$SUITE_TIMEOUT" bash "$t" 2>&1); then
        passed=$((passed + 1))
        echo "$name: ok"
    else
        failed=$((failed + 1))
        failed_suites+=("$name")
        printf '%s\n' "$out" | tail -30
        echo "$name: FAILED"
    fi
done
if ls tests/compat/test_*.py >/dev/null 2>&1; then
    out=$(limit "$PYTEST_TIMEOUT" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/compat 2>&1)
    rc=$?
    printf '%s\n' "$out" | tail -15
    p=$(grep -oE '[0-9]+ passed' <<<"$out" | awk '{print $1}' | tail -1)
    f=$(grep -oE '[0-9]+ (failed|error)' <<<"$out" | awk '{s+=$1} END {print s+0}')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [[ $rc -ne 0 && ${f:-0} -eq 0 ]]; then
        failed=$((failed + 1))
    fi
    [[ $rc -eq 0 ]] || failed_suites+=("pytest")
fi

echo
[[ ${#failed_suites[@]} -eq 0 ]] || echo "failed suites: ${failed_suites[*]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
