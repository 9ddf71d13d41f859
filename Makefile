# rill: `make` builds, `make run` serves on 127.0.0.1:6379, `make test` runs every suite.
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
# Table rows leave their start-up fields (stats, names) to zero: no missing-initializer noise.
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers -Ishared -Iserver $(LUA_CFLAGS)
# Lua 5.1 with Debian's cjson and bitop modules, linked in (see server/scripting/lua_sandbox.c).
LUA_CFLAGS := -I/usr/include/lua5.1
LUA_LIBS   := -llua5.1-cjson -llua5.1-bitop -llua5.1
LDLIBS   := -lev -lm -llzf -pthread
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SHARED_SRC := $(wildcard shared/*.c)
# The server's sources, one folder per layer; tools/ holds programs of their own.
SERVER_HDR := $(wildcard server/*/*.h)
SERVER_SRC := $(filter-out server/tools/%,$(wildcard server/*/*.c))
SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o)
# The value encodings and the Lua sandbox (with its libraries) hold no server state, so unit
# tests link them directly.
ENGINE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard server/values/*.c)) \
              $(patsubst %,$(BUILD)/server/scripting/%.o,lua_sandbox lua_cmsgpack lua_struct)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# libFuzzer harnesses (clang): the shared sources are built into each, with ASan and UBSan.
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/fuzz_%)
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
ITEST_SRC  := $(wildcard tests/integration/test_*.c)
ITEST_BIN  := $(ITEST_SRC:tests/integration/test_%.c=$(BUILD)/tests/itest_%)

.PHONY: all run test unit sanitize soak fuzz bench bench-snapshot bench-expiry bench-eviction clean bootstrap deps
all: $(BUILD)/rill-server $(BUILD)/rill-check-snapshot $(BUILD)/rill-check-aof

# Installs missing Debian packages; fast when nothing is missing.
deps:
	@scripts/bootstrap.sh

$(BUILD)/%.o: %.c $(wildcard shared/*.h) $(SERVER_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# -rdynamic: the crash report's stack trace names the functions.
$(BUILD)/rill-server: $(SERVER_OBJ) $(SHARED_OBJ)
	$(CC) $(CFLAGS) -rdynamic $^ -o $@ $(LDLIBS) $(LUA_LIBS)

$(BUILD)/rill-check-snapshot: $(BUILD)/server/tools/check_snapshot.o $(SHARED_OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/rill-check-aof: $(BUILD)/server/tools/check_aof.o $(SHARED_OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Load for the memcached port (make bench), as redis-benchmark is for RESP.
$(BUILD)/rill-memcache-bench: $(BUILD)/server/tools/memcache_bench.o
	$(CC) $(CFLAGS) $^ -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(SHARED_OBJ) $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-unused-parameter $^ -o $@ $(LDLIBS) $(LUA_LIBS) -lcmocka

$(BUILD)/tests/itest_%: tests/integration/test_%.c tests/integration/itest.c tests/integration/itest.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/integration $< tests/integration/itest.c -o $@ -lhiredis -lcmocka

# The in-process server harnesses link every server module but main.c.
FUZZ_SERVER_SRC := $(filter-out server/core/main.c,$(SERVER_SRC))
$(BUILD)/fuzz/fuzz_commands $(BUILD)/fuzz/fuzz_snapshot_load $(BUILD)/fuzz/fuzz_restore: $(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SERVER_SRC) $(SHARED_SRC) $(wildcard tests/fuzz/*.h shared/*.h) $(SERVER_HDR)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-missing-field-initializers \
		-Ishared -Iserver $(LUA_CFLAGS) $< $(FUZZ_SERVER_SRC) $(SHARED_SRC) -o $@ $(LDLIBS) $(LUA_LIBS)

# The script libraries with Lua, and nothing of the server.
LUA_LIBS_SRC := server/scripting/lua_cmsgpack.c server/scripting/lua_struct.c
$(BUILD)/fuzz/fuzz_lua_libs: tests/fuzz/fuzz_lua_libs.c $(LUA_LIBS_SRC) $(SHARED_SRC) $(wildcard shared/*.h) server/scripting/lua_libs.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ishared -Iserver $(LUA_CFLAGS) $< $(LUA_LIBS_SRC) $(SHARED_SRC) -o $@ $(LDLIBS) -llua5.1

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(SHARED_SRC) $(wildcard shared/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ishared $< $(SHARED_SRC) -o $@ $(LDLIBS)

run: deps $(BUILD)/rill-server
	@mkdir -p data
	exec $(BUILD)/rill-server --port 6379 --dir ./data

test: deps $(BUILD)/rill-server $(BUILD)/rill-check-snapshot $(BUILD)/rill-check-aof $(UNIT_BIN) $(ITEST_BIN) $(FUZZ_BIN)
	@BUILD=$(BUILD) scripts/test.sh

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

# The same suites against a server and tests built with ASan and UBSan.
sanitize: deps
	$(MAKE) BUILD=build-sanitize OPT=-O1 CFLAGS="-O1 -g $(SANITIZE)" LDFLAGS="$(SANITIZE)" test

# Long runs kept out of make test: the AOF's kill -9 loop for AOF_KILL_ROUNDS rounds.
soak: deps $(BUILD)/rill-server $(BUILD)/rill-check-aof
	cd tests/compat && AOF_KILL_ROUNDS=$${AOF_KILL_ROUNDS:-100} RILL_SERVER=$(CURDIR)/$(BUILD)/rill-server \
		/usr/bin/python3 -m pytest -q test_aof.py -k kill_9_with_always

# Each harness for FUZZ_SECONDS (default 60), growing its corpus in $(BUILD)/fuzz.
fuzz: deps $(FUZZ_BIN)
	@BUILD=$(BUILD) scripts/fuzz.sh long

bench: deps $(BUILD)/rill-server $(BUILD)/rill-memcache-bench
	@BUILD=$(BUILD) scripts/bench.sh

# SAVE, load and BGSAVE latency with 1M keys, side by side with redis-server.
bench-snapshot: deps $(BUILD)/rill-server
	@BUILD=$(BUILD) /usr/bin/python3 scripts/bench_snapshot.py

# 1M keys expiring in the same second: reclaim time and PING latency, beside redis-server.
bench-expiry: deps $(BUILD)/rill-server
	@BUILD=$(BUILD) /usr/bin/python3 scripts/bench_expiry.py

# A Zipf cache workload under maxmemory 100mb: hit rates and used memory, beside redis-server.
bench-eviction: deps $(BUILD)/rill-server
	@BUILD=$(BUILD) /usr/bin/python3 scripts/bench_eviction.py

clean:
	rm -rf build build-sanitize
