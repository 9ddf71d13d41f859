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

# Reads a cmocka run's output and adds its counts.
count_cmocka() {
    local out=$1 name=$2 p f
    p=$(grep -oE '\[  PASSED  \] [0-9]+' <<<"$out" | awk '{s+=$NF} END {print s+0}')
    f=$(grep -oE '\[  FAILED  \] [0-9]+' <<<"$out" | awk '{s+=$NF} END {print s+0}')
    passed=$((passed + p))
    failed=$((failed + f))
    [[ $f -eq 0 ]] || failed_suites+=("$name")
}

run_cmocka() {
    local bin=$1 name out rc
    name=$(basename "$bin")
    out=$("$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^\[ +(FAILED|ERROR|LINE) +\]' | head -40
    count_cmocka "$out" "$name"
    if [[ $rc -ne 0 ]] && ! grep -q 'FAILED' <<<"$out"; then
        # Crashed before it could report.
        printf '%s\n' "$out" | tail -20
        failed=$((failed + 1))
        failed_suites+=("$name (exit $rc)")
    fi
    echo "$name: done"
}

echo "== unit"
for bin in "$BUILD"/tests/test_*; do run_cmocka "$bin"; done

echo "== integration"
for bin in "$BUILD"/tests/itest_*; do run_cmocka "$bin"; done

echo "== fuzz"
# Each libFuzzer harness for a fixed number of executions, plus every saved regression input.
for bin in "$BUILD"/fuzz/fuzz_*; do
    name=${bin##*/}
    if out=$(BUILD=$BUILD FUZZ_ONLY=$name scripts/fuzz.sh short 2>&1); then
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
    if out=$(bash "$t" 2>&1); then
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
    out=$(/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/compat 2>&1)
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
