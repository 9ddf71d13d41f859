/* Lua scripting: EVAL, EVALSHA, their _RO forms and SCRIPT. Scripts are compiled once and
 * cached by the SHA-1 of their body for the life of the process; each runs atomically, its
 * redis.call()s executed as a client of its own. A script running past
 * busy-reply-threshold lets the loop serve other clients, who get -BUSY until it ends or
 * SCRIPT KILL stops it. */
#ifndef RILL_SCRIPTING_H
#define RILL_SCRIPTING_H

#include <lua.h>

#include "core/server.h"

void scripting_init(void);
/* A script is running: timers must leave the dataset alone. */
int scripting_running(void);
/* The client whose script is running, or NULL. */
client *scripting_caller(void);
/* A script has run past busy-reply-threshold: commands without allow_busy get -BUSY. */
int scripting_timed_out(void);
/* The -BUSY error for the script running now: it names SCRIPT KILL for EVAL, FUNCTION KILL
 * for a function. */
const char *scripting_busy_error(void);
/* For INFO memory: bytes the Lua VM holds, bytes of cached scripts, how many. */
void scripting_memory(size_t *vm_bytes, size_t *cache_bytes, size_t *nscripts);

/* The flags a command runs with: for EVAL and EVALSHA (and _RO) of a script with a
 * shebang, write and denyoom follow the script's flags, as Redis's getCommandFlags does. */
unsigned scripting_command_flags(const struct command *cmd, const resp_arg *argv, size_t argc);

/* ---- Shared with functions.c ---- */

/* Flags of a shebang ("#!lua flags=no-writes,allow-oom") or of redis.register_function. */
#define SCRIPT_NO_WRITES (1u << 0)
#define SCRIPT_ALLOW_OOM (1u << 1)
#define SCRIPT_ALLOW_STALE (1u << 2)
#define SCRIPT_NO_CLUSTER (1u << 3)
#define SCRIPT_ALLOW_CROSS_SLOT (1u << 4)
#define SCRIPT_COMPAT (1u << 5) /* EVAL without a shebang: the historical rules */

/* Their names, in Redis's order; the list ends with a NULL name. */
extern const struct script_flag_name {
    const char *name;
    unsigned flag;
} script_flag_names[];

/* What one run calls: a Lua function kept in L's registry. */
struct script_target {
    lua_State *L;
    int ref;
    unsigned flags;
    const char *name;  /* in errors and FUNCTION STATS: the SHA-1, or the function's name */
    int is_function;   /* KEYS and ARGV as arguments (FCALL), not as globals (EVAL) */
};
/* Runs a target for c, whose argv is laid out as EVAL's and FCALL's: name, numkeys (already
 * checked), keys, arguments. ro_command: EVAL_RO, EVALSHA_RO, FCALL_RO. */
void scripting_run(client *c, const struct script_target *t, size_t numkeys, int ro_command);
/* 1 when numkeys (EVAL's or FCALL's) fits c's arguments; else 0 after Redis's error. */
int scripting_numkeys_fit(client *c, long long numkeys);
/* Adds the `redis` library that running code calls (redis.call and the rest) as a global. */
void scripting_add_redis_library(lua_State *L);
/* The part of `redis` that code may use everywhere, also while a library loads: log, the
 * LOG_ levels and the version fields, set on the table on top of the stack. */
void scripting_add_common_api(lua_State *L);
/* SCRIPT KILL (eval 1) and FUNCTION KILL (eval 0). */
void scripting_kill(client *c, int eval);
/* The function running now, for FUNCTION STATS: 0 when none runs. */
int scripting_running_function(const char **name, const client **caller, long long *duration_ms);
/* Splits a line into words as a command line is split (quotes allowed), as Redis's
 * sdssplitargs does for the first line of a script: the words (one allocation, mem_free),
 * or NULL when the line does not split (unbalanced quotes) or is empty. */
resp_arg *scripting_split_line(const char *line, size_t len, size_t *argc);
/* Milliseconds of the monotonic clock. */
long long scripting_clock_ms(void);

#endif
