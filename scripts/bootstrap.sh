#!/usr/bin/env bash
# Installs the Debian packages rill needs to build, run and test, if any is missing.
# Quiet and quick when everything is already there.
set -euo pipefail

packages=(
    gcc make pkg-config
    clang libclang-rt-14-dev  # libFuzzer harnesses (tests/fuzz)
    libev-dev             # event loop
    libhiredis-dev        # client side of the integration tests
    libcmocka-dev         # unit tests
    liblua5.1-0-dev       # scripting: the Lua Redis scripts are written for
    lua-cjson-dev         # cjson inside scripts, as Redis has it
    lua-bitop-dev         # bit inside scripts
    liblzf-dev            # LZF strings in RDB files, the compressor Redis uses
    redis-server          # reference server for differential tests and benchmarks
    redis-tools           # redis-cli, redis-benchmark
    python3-redis         # compat tests with redis-py
    python3-pytest
    python3-celery        # compat tests with a real Celery worker
    python3-rq            # compat tests with python-rq workers (results in streams)
    memcached             # reference for the memcached port's differential tests and bench
    python3-pymemcache    # compat tests of the memcached port
    python3-memcache      # python-memcached, the other common client
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "bootstrap: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: need root to install packages: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# Where an init system runs, installing redis-server or memcached also starts a system service
# on 6379 / 11211, the ports rill wants. We only need the binaries: stop what we just installed.
for service in redis-server memcached; do
    if [[ " ${missing[*]} " == *" $service "* ]] && command -v systemctl >/dev/null 2>&1 &&
        systemctl is-active --quiet "$service" 2>/dev/null; then
        systemctl stop "$service" || true
        systemctl disable "$service" >/dev/null 2>&1 || true
    fi
done
