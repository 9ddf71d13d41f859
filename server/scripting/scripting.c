#include "scripting/scripting.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/commands.h"
#include "core/net.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/monitor.h"
#include "keyspace/db.h"
#include "mem.h"
#include "persistence/snapshot.h"
#include "scripting/functions.h"
#include "scripting/lua_convert.h"
#include "scripting/lua_sandbox.h"
#include "sha1.h"

const struct script_flag_name script_flag_names[] = {
    {"no-writes", SCRIPT_NO_WRITES},   {"allow-oom", SCRIPT_ALLOW_OOM},
    {"allow-stale", SCRIPT_ALLOW_STALE}, {"no-cluster", SCRIPT_NO_CLUSTER},
    {"allow-cross-slot-keys", SCRIPT_ALLOW_CROSS_SLOT}, {NULL, 0},
};

struct script {
    dict_node node;
    struct script_target target; /* the compiled body, named by sha */
    char sha[41];
};

/* The running script's state. */
#define RUN_READ_ONLY (1u << 0) /* EVAL_RO or a no-writes script: write commands refused */
#define RUN_WROTE (1u << 1)     /* a write command ran: SCRIPT KILL can no longer stop it */
#define RUN_TIMED_OUT (1u << 2) /* past busy-reply-threshold: the loop serves other clients */
#define RUN_KILLED (1u << 3)

/* Instructions between two looks at the clock, as in Redis. */
#define HOOK_INSTRUCTIONS 100000
/* An incremental GC step every this many runs, as Redis does, so that a full collection
 * seldom lands in the middle of one. */
#define GC_PERIOD 50
/* Reply buffer the scripts' client keeps between commands. */
#define FAKE_REPLY_KEEP (16 * 1024)

static struct {
    lua_State *L;
    dict scripts; /* struct script by lowercase SHA-1 */
    size_t cache_bytes;
    client fake; /* the client redis.call() runs commands as */
    /* redis.call() arguments: slices of Lua strings, or numbers written out */
    resp_arg *argv;
    char (*numbers)[32];
    size_t argv_cap;
    /* the running script */
    client *caller;
    const struct script_target *running;
    unsigned run_flags;
    long long start_ms;
    int gc_countdown;
} S;

long long scripting_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int scripting_running(void) { return S.caller != NULL; }

client *scripting_caller(void) { return S.caller; }

int scripting_timed_out(void) { return S.caller && (S.run_flags & RUN_TIMED_OUT); }

const char *scripting_busy_error(void) {
    return S.running && S.running->is_function ? ERR_BUSY_FUNCTION : ERR_BUSY_SCRIPT;
}

int scripting_running_function(const char **name, const client **caller, long long *duration_ms) {
    if (!S.caller) return 0;
    if (!S.running->is_function) return -1;
    *name = S.running->name;
    *caller = S.caller;
    *duration_ms = scripting_clock_ms() - S.start_ms;
    return 1;
}

void scripting_memory(size_t *vm_bytes, size_t *cache_bytes, size_t *nscripts) {
    *vm_bytes = (size_t)lua_gc(S.L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(S.L, LUA_GCCOUNTB, 0);
    *cache_bytes = S.cache_bytes;
    *nscripts = dict_size(&S.scripts);
}

/* ---- The `redis` library ---- */

static int raise_error(lua_State *L, const char *msg) {
    lua_push_error(L, msg, strlen(msg));
    return lua_error(L);
}

/* Fills S.argv from the Lua arguments. Returns their count, or -1 after pushing the error
 * table (strings and numbers only; numbers as %.17g, as Redis 7.0 writes them). */
static int collect_args(lua_State *L) {
    int argc = lua_gettop(L);
    const char *err = NULL;
    if (argc == 0) err = "Please specify at least one argument for this redis lib call";
    if (!err && (size_t)argc > S.argv_cap) {
        S.argv_cap = (size_t)argc * 2;
        S.argv = mem_realloc(S.argv, S.argv_cap * sizeof *S.argv);
        S.numbers = mem_realloc(S.numbers, S.argv_cap * sizeof *S.numbers);
    }
    for (int j = 0; !err && j < argc; j++) {
        int type = lua_type(L, j + 1);
        if (type == LUA_TNUMBER) {
            int n = snprintf(S.numbers[j], sizeof S.numbers[j], "%.17g", (double)lua_tonumber(L, j + 1));
            S.argv[j].ptr = S.numbers[j];
            S.argv[j].len = (size_t)n;
        } else if (type == LUA_TSTRING) {
            size_t len;
            /* Handlers never write through argv, so Lua's string can be used as it is. */
            S.argv[j].ptr = (char *)lua_tolstring(L, j + 1, &len);
            S.argv[j].len = len;
        } else {
            err = "Lua redis lib command arguments must be strings or integers";
        }
    }
    if (!err) return argc;
    lua_push_error(L, err, strlen(err));
    return -1;
}

/* Why a script may not run this command now, or NULL. */
static const char *refusal(const struct command *cmd, size_t argc) {
    if (!cmd) return "Unknown Redis command called from script";
    if (!command_arity_ok(cmd, argc)) return "Wrong number of args calling Redis command from script";
    if (cmd->flags & CMD_NOSCRIPT) return "This Redis command is not allowed from script";
    if ((S.run_flags & RUN_READ_ONLY) && (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)))
        return "Write commands are not allowed from read-only scripts.";
    if ((cmd->flags & CMD_WRITE) && snapshot_refuses_writes()) return ERR_MISCONF;
    /* Over maxmemory, a script may not start growing the dataset, but once it wrote it must
     * be able to finish. */
    if ((cmd->flags & CMD_DENYOOM) && server.oom_before_command && !(S.run_flags & RUN_WROTE) &&
        !(S.running->flags & SCRIPT_ALLOW_OOM))
        return ERR_OOM;
    return NULL;
}

/* redis.call and redis.pcall: run the command and convert its reply; an error reply is
 * raised (call) or returned as a table (pcall). */
static int call_command(lua_State *L, int raise) {
    if (!S.caller) return raise_error(L, "redis.call/pcall can only be called inside a script invocation");
    int argc = collect_args(L);
    if (argc < 0) return raise ? lua_error(L) : 1;
    /* Lua gives a C function LUA_MINSTACK free slots whatever its argument count: enough for
     * the error table. */
    const struct command *cmd = command_lookup_argv(S.argv, (size_t)argc);
    const char *refused = refusal(cmd, (size_t)argc);
    if (refused) {
        command_count_rejected(cmd, refused);
        lua_push_error(L, refused, strlen(refused));
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        return raise ? lua_error(L) : 1;
    }
    if (cmd->flags & CMD_WRITE) S.run_flags |= RUN_WROTE;

    client *fake = &S.fake;
    fake->argv = S.argv;
    fake->argc = (size_t)argc;
    fake->last_cmd = cmd;
    fake->reply.len = 0;
    command_call(fake, cmd);
    fake->argv = NULL;
    fake->argc = 0;
    /* The arguments are done with: without them the reply has the stack to itself, so a
     * call with ~8000 arguments (the most unpack gives) still gets its reply, as in Redis. */
    lua_settop(L, 0);
    int is_error = fake->reply.len && fake->reply.data[0] == '-';
    lua_push_reply(L, fake->reply.data, fake->reply.len);
    fake->reply.len = 0;
    buf_shrink(&fake->reply, FAKE_REPLY_KEEP);
    return raise && is_error ? lua_error(L) : 1;
}

static int redis_call(lua_State *L) { return call_command(L, 1); }

static int redis_pcall(lua_State *L) { return call_command(L, 0); }

static int redis_acl_check_cmd(lua_State *L) {
    int argc = collect_args(L);
    if (argc < 0) return lua_error(L);
    if (!command_lookup_argv(S.argv, (size_t)argc))
        return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, 1); /* the only user may run every command */
    return 1;
}

static int redis_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return raise_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return raise_error(L, "First argument must be a number (log level).");
    int level = (int)lua_tonumber(L, 1);
    if (level < LL_DEBUG || level > LL_WARNING) return raise_error(L, "Invalid debug level.");
    if (level < server.cfg.loglevel) return 0;
    buf_t msg;
    buf_init(&msg);
    for (int j = 1; j < argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j + 1, &len);
        if (!s) continue;
        if (j != 1) buf_append(&msg, " ", 1);
        buf_append(&msg, s, len);
    }
    server_log((enum log_level)level, "%.*s", (int)msg.len, msg.data ? msg.data : "");
    buf_free(&msg);
    return 0;
}

static int redis_setresp(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_error(L, "redis.setresp() requires one argument.");
    int resp = (int)lua_tonumber(L, 1);
    if (resp != 2 && resp != 3) return raise_error(L, "RESP version must be 2 or 3.");
    /* Commands here only speak RESP2: converting their replies as RESP3 would be wrong. */
    if (resp == 3) return raise_error(L, "RESP3 is not supported: scripts run with RESP2 replies");
    return 0;
}

/* Where the commands the script calls from now on are propagated: REPL_AOF (1), REPL_REPLICA
 * (2), both or none, the bits of EFFECTS_AOF and EFFECTS_REPLICAS. */
static int redis_set_repl(lua_State *L) {
    if (!S.caller) return raise_error(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raise_error(L, "redis.set_repl() requires two arguments.");
    int flags = (int)lua_tonumber(L, -1);
    if ((flags & ~3) != 0)
        return raise_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                              "REPL_NONE.");
    effects_set_call_targets((unsigned)flags);
    return 0;
}

static int redis_replicate_commands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int redis_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_error(L, "wrong number of arguments");
    size_t len = 0;
    const char *s = lua_tolstring(L, 1, &len);
    char hex[41];
    sha1_hex(s ? s : "", s ? len : 0, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int wrong_reply_arguments(lua_State *L) {
    static const char msg[] = "wrong number or type of arguments";
    lua_push_error(L, msg, sizeof msg - 1);
    return 1;
}

static int redis_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) return wrong_reply_arguments(L);
    const char *err = lua_tostring(L, -1);
    if (err[0] == '-') {
        lua_push_error(L, err, strlen(err));
    } else {
        lua_pushfstring(L, "-%s", err);
        lua_push_error(L, lua_tostring(L, -1), strlen(lua_tostring(L, -1)));
    }
    return 1;
}

static int redis_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) return wrong_reply_arguments(L);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

/* The debugger (SCRIPT DEBUG) is not available: these do what they do outside a session. */
static int redis_breakpoint(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int redis_debug(lua_State *L) {
    (void)L;
    return 0;
}

void scripting_add_common_api(lua_State *L) {
    static const struct {
        const char *name;
        int value;
    } levels[] = {
        {"LOG_DEBUG", LL_DEBUG}, {"LOG_VERBOSE", LL_VERBOSE}, {"LOG_NOTICE", LL_NOTICE},
        {"LOG_WARNING", LL_WARNING},
    };
    lua_pushcfunction(L, redis_log);
    lua_setfield(L, -2, "log");
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        lua_pushinteger(L, levels[i].value);
        lua_setfield(L, -2, levels[i].name);
    }
    int major = 0, minor = 0, patch = 0;
    sscanf(REDIS_COMPAT_VERSION, "%d.%d.%d", &major, &minor, &patch);
    lua_pushstring(L, REDIS_COMPAT_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    lua_pushinteger(L, (major << 16) | (minor << 8) | patch);
    lua_setfield(L, -2, "REDIS_VERSION_NUM");
}

void scripting_add_redis_library(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"call", redis_call},
        {"pcall", redis_pcall},
        {"setresp", redis_setresp},
        {"set_repl", redis_set_repl},
        {"replicate_commands", redis_replicate_commands},
        {"sha1hex", redis_sha1hex},
        {"error_reply", redis_error_reply},
        {"status_reply", redis_status_reply},
        {"breakpoint", redis_breakpoint},
        {"debug", redis_debug},
        {"acl_check_cmd", redis_acl_check_cmd},
    };
    static const struct {
        const char *name;
        int value;
    } repl_flags[] = {
        {"REPL_NONE", 0}, {"REPL_AOF", 1}, {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2}, {"REPL_ALL", 3},
    };
    lua_newtable(L);
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++) {
        lua_pushcfunction(L, functions[i].func);
        lua_setfield(L, -2, functions[i].name);
    }
    for (size_t i = 0; i < sizeof repl_flags / sizeof *repl_flags; i++) {
        lua_pushinteger(L, repl_flags[i].value);
        lua_setfield(L, -2, repl_flags[i].name);
    }
    scripting_add_common_api(L);
    lua_setglobal(L, "redis");
}

/* ---- The script cache ---- */

static void script_key(const dict_node *n, const char **key, size_t *len) {
    *key = ((const struct script *)n)->sha;
    *len = 40;
}

static const dict_type script_type = {script_key};

/* SHA-1s are matched whatever their case, as Redis does. */
static struct script *script_find(const char *sha, size_t len) {
    if (len != 40) return NULL;
    char lower[40];
    for (size_t i = 0; i < 40; i++) lower[i] = (char)tolower((unsigned char)sha[i]);
    return (struct script *)dict_find(&S.scripts, lower, 40);
}

resp_arg *scripting_split_line(const char *line, size_t len, size_t *argc) {
    buf_t text;
    buf_init(&text);
    buf_append(&text, line, len);
    buf_append(&text, "\r\n", 2);
    resp_parser p;
    resp_parser_init(&p, 1LL << 40);
    size_t used;
    resp_arg *words = NULL;
    if (resp_parse(&p, text.data, text.len, &used) == RESP_DONE && p.argc > 0) {
        words = resp_args_copy(p.argv, p.argc);
        *argc = p.argc;
    }
    resp_parser_free(&p);
    buf_free(&text);
    return words;
}

/* Parses a "#!lua flags=a,b" first line. Returns 0 with the flags and the line's length
 * (0 without a shebang), or -1 after replying Redis's error (to c when not NULL). */
static int parse_shebang(client *c, const char *body, size_t len, unsigned *flags, size_t *skip) {
    *flags = SCRIPT_COMPAT;
    *skip = 0;
    if (len < 2 || memcmp(body, "#!", 2) != 0) return 0;
    const char *nl = memchr(body, '\n', len);
    if (!nl) {
        if (c) reply_error(c, "Invalid script shebang");
        return -1;
    }
    *skip = (size_t)(nl - body);
    size_t nwords;
    resp_arg *words = scripting_split_line(body, *skip, &nwords);
    int rc = -1;
    if (!words) {
        if (c) reply_error(c, "Invalid engine in script shebang");
        goto done;
    }
    if (words[0].len != 5 || memcmp(words[0].ptr, "#!lua", 5) != 0) {
        if (c) reply_errorf(c, "Unexpected engine in script shebang: %.*s", (int)words[0].len, words[0].ptr);
        goto done;
    }
    *flags = 0;
    for (size_t i = 1; i < nwords; i++) {
        const resp_arg *a = &words[i];
        if (a->len < 6 || memcmp(a->ptr, "flags=", 6) != 0) {
            if (c) reply_errorf(c, "Unknown lua shebang option: %.*s", (int)a->len, a->ptr);
            goto done;
        }
        const char *f = a->ptr + 6, *end = a->ptr + a->len;
        while (f < end) {
            const char *comma = memchr(f, ',', (size_t)(end - f));
            const char *stop = comma ? comma : end;
            size_t n = (size_t)(stop - f), k;
            for (k = 0; script_flag_names[k].name; k++)
                if (strlen(script_flag_names[k].name) == n && memcmp(script_flag_names[k].name, f, n) == 0)
                    break;
            if (!script_flag_names[k].name) {
                if (c) reply_errorf(c, "Unexpected flag in script shebang: %.*s", (int)n, f);
                goto done;
            }
            *flags |= script_flag_names[k].flag;
            /* "a," ends with an empty flag, which no flag is called. */
            if (comma && comma + 1 == end) {
                if (c) reply_error(c, "Unexpected flag in script shebang: ");
                goto done;
            }
            f = comma ? comma + 1 : end;
        }
    }
    rc = 0;
done:
    mem_free(words);
    return rc;
}

/* Compiles and caches a script, or replies the error and returns NULL. */
static struct script *script_create(client *c, const char *body, size_t len, const char sha[41]) {
    unsigned flags;
    size_t skip;
    if (parse_shebang(c, body, len, &flags, &skip) != 0) return NULL;
    /* The shebang line is left out but not its newline: line numbers stay the user's. */
    if (sandbox_load(S.L, body + skip, len - skip, "@user_script") != 0) {
        reply_errorf(c, "Error compiling script (new function): %s", lua_tostring(S.L, -1));
        lua_pop(S.L, 1);
        return NULL;
    }
    struct script *s = mem_calloc(1, sizeof *s);
    memcpy(s->sha, sha, 41);
    s->target = (struct script_target){S.L, luaL_ref(S.L, LUA_REGISTRYINDEX), flags, s->sha, 0};
    dict_add(&S.scripts, &s->node);
    S.cache_bytes += sizeof *s + len;
    return s;
}

static void free_script(dict_node *n, void *ctx) {
    (void)ctx;
    mem_free(n);
}

static void scripting_start(void) {
    dict_init(&S.scripts, &script_type);
    S.cache_bytes = 0;
    S.L = sandbox_new(scripting_add_redis_library);
    S.gc_countdown = GC_PERIOD;
}

void scripting_init(void) {
    S.fake.fd = -1;
    S.fake.flags = CLIENT_AUTHENTICATED | CLIENT_SCRIPT;
    buf_init(&S.fake.reply);
    scripting_start();
    functions_init();
}

/* ---- Running ---- */

/* Every HOOK_INSTRUCTIONS instructions: past the time limit, serve the other clients (who
 * get -BUSY) and stop when SCRIPT KILL or a shutdown asks. */
static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (!(S.run_flags & RUN_TIMED_OUT)) {
        long long elapsed = scripting_clock_ms() - S.start_ms;
        if (elapsed < server.cfg.busy_reply_threshold) return;
        server_log(LL_WARNING, "Slow script detected: still in execution after %lld milliseconds. "
                   "You can try killing the script using the SCRIPT KILL command. Script name "
                   "is: %s.", elapsed, S.running->name);
        S.run_flags |= RUN_TIMED_OUT;
        client_protect(S.caller);
    }
    net_serve_while_busy();
    if (!(S.run_flags & RUN_KILLED) && !server.shutdown_asap) return;
    server_log(LL_WARNING, (S.run_flags & RUN_KILLED) ? "Lua script killed by user with SCRIPT KILL."
                                                      : "Lua script stopped by shutdown.");
    /* From now on at every line, so that pcall cannot keep the script alive. */
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    raise_error(L, "Script killed by user with SCRIPT KILL...");
}

static void push_strings(lua_State *L, const resp_arg *a, size_t n) {
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushlstring(L, a[i].ptr, a[i].len);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

void scripting_run(client *c, const struct script_target *t, size_t numkeys, int ro_command) {
    int compat = (t->flags & SCRIPT_COMPAT) != 0;
    /* A script with flags meets MISCONF and OOM here, as in Redis's scriptPrepareForRun
     * (mostly they stopped it earlier, from the flags scripting_command_flags gives); one
     * without flags meets them at each command it calls. */
    if (!compat && !(t->flags & SCRIPT_NO_WRITES)) {
        if (snapshot_refuses_writes()) {
            reply_error(c, "-MISCONF Redis is configured to save RDB snapshots, but it's currently "
                           "unable to persist to disk. Writable scripts are blocked. Use "
                           "'no-writes' flag for read only scripts.");
            return;
        }
        if (ro_command) {
            reply_error(c, "Can not execute a script with write flag using *_ro command.");
            return;
        }
    }
    if (!compat && server.oom_before_command && !(t->flags & (SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES))) {
        reply_error(c, "-OOM allow-oom flag is not set on the script, can not run it when used "
                       "memory > 'maxmemory'");
        return;
    }
    lua_State *L = t->L;
    sandbox_push_error_handler(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, t->ref);
    push_strings(L, c->argv + 3, numkeys);
    if (!t->is_function) sandbox_set_global(L, "KEYS");
    push_strings(L, c->argv + 3 + numkeys, c->argc - 3 - numkeys);
    if (!t->is_function) sandbox_set_global(L, "ARGV");

    S.caller = c;
    S.running = t;
    /* The script is propagated as the writes it makes (Redis 7.0's effects replication). */
    effects_prevent();
    unsigned outer_targets = effects_set_call_targets(EFFECTS_ALL);
    S.run_flags = (ro_command || (!compat && (t->flags & SCRIPT_NO_WRITES))) ? RUN_READ_ONLY : 0;
    S.start_ms = scripting_clock_ms();
    S.fake.db = c->db;
    S.fake.db_index = c->db_index;
    server.in_exec++; /* nothing blocks inside a script */
    if (server.cfg.busy_reply_threshold > 0) lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    int nargs = t->is_function ? 2 : 0;
    int failed = lua_pcall(L, nargs, 1, -2 - nargs);
    lua_sethook(L, NULL, 0, 0);
    effects_set_call_targets(outer_targets);
    server.in_exec--;
    if (S.run_flags & RUN_TIMED_OUT) client_unprotect(c);
    S.caller = NULL;
    S.running = NULL;

    if (failed) {
        /* Stopped by SHUTDOWN NOSAVE: the connection closes without a reply, as in Redis. */
        if (!server.shutdown_asap) lua_reply_error_table(L, -1, c, t->name);
        lua_pop(L, 1);
    } else {
        lua_reply_value(L, c);
    }
    lua_pop(L, 1); /* the error handler */
    if (--S.gc_countdown == 0) {
        lua_gc(L, LUA_GCSTEP, GC_PERIOD);
        S.gc_countdown = GC_PERIOD;
    }
}

int scripting_numkeys_fit(client *c, long long numkeys) {
    if (numkeys > (long long)c->argc - 3) {
        reply_error(c, "Number of keys can't be greater than number of args");
        return 0;
    }
    if (numkeys < 0) {
        reply_error(c, "Number of keys can't be negative");
        return 0;
    }
    return 1;
}

static void eval_generic(client *c, int by_sha, int ro_command) {
    long long numkeys;
    if (arg_ll(c, &c->argv[2], &numkeys) != 0 || !scripting_numkeys_fit(c, numkeys)) return;
    const resp_arg *body = &c->argv[1];
    struct script *s;
    if (by_sha) {
        s = script_find(body->ptr, body->len);
        if (!s) {
            reply_error(c, ERR_NOSCRIPT);
            return;
        }
    } else {
        char sha[41];
        sha1_hex(body->ptr, body->len, sha);
        s = (struct script *)dict_find(&S.scripts, sha, 40);
        if (!s && !(s = script_create(c, body->ptr, body->len, sha))) return;
    }
    scripting_run(c, &s->target, (size_t)numkeys, ro_command);
}

unsigned scripting_command_flags(const struct command *cmd, const resp_arg *argv, size_t argc) {
    int by_sha = cmd->proc == cmd_evalsha || cmd->proc == cmd_evalsha_ro;
    int fcall = cmd->proc == cmd_fcall || cmd->proc == cmd_fcall_ro;
    if ((!by_sha && !fcall && cmd->proc != cmd_eval && cmd->proc != cmd_eval_ro) || argc < 2)
        return cmd->flags;
    unsigned script_flags;
    struct script *s = NULL;
    size_t skip;
    if (fcall) {
        if (functions_flags(&argv[1], &script_flags) != 0) return cmd->flags;
    } else if (by_sha) {
        if (!(s = script_find(argv[1].ptr, argv[1].len))) return cmd->flags;
        script_flags = s->target.flags;
    } else {
        char sha[41];
        sha1_hex(argv[1].ptr, argv[1].len, sha);
        if ((s = script_find(sha, 40))) {
            script_flags = s->target.flags;
        } else if (parse_shebang(NULL, argv[1].ptr, argv[1].len, &script_flags, &skip) != 0) {
            return cmd->flags; /* the error comes when the command runs */
        }
    }
    if (script_flags & SCRIPT_COMPAT) return cmd->flags;
    /* Flags say whether it writes: "may replicate" goes, as in Redis. */
    unsigned flags = cmd->flags & ~(CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(script_flags & (SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES))) flags |= CMD_DENYOOM;
    if (!(script_flags & SCRIPT_NO_WRITES)) flags |= CMD_WRITE;
    return flags;
}

/* A script is shown to MONITOR before anything else, so that the commands it runs come after
 * it (the eval commands are SKIP_MONITOR). */
static void show_to_monitors(client *c) {
    if (monitor_active()) monitor_feed(c, c->argv, c->argc);
}

void cmd_eval(client *c) {
    show_to_monitors(c);
    eval_generic(c, 0, 0);
}

void cmd_eval_ro(client *c) {
    show_to_monitors(c);
    eval_generic(c, 0, 1);
}

/* A name that is not 40 characters long cannot match: refused before anything else. */
static void evalsha_generic(client *c, int ro_command) {
    show_to_monitors(c);
    if (c->argv[1].len != 40) {
        reply_error(c, ERR_NOSCRIPT);
        return;
    }
    eval_generic(c, 1, ro_command);
}

void cmd_evalsha(client *c) { evalsha_generic(c, 0); }

void cmd_evalsha_ro(client *c) { evalsha_generic(c, 1); }

/* ---- SCRIPT ---- */

void cmd_script_load(client *c) {
    char sha[41];
    sha1_hex(c->argv[2].ptr, c->argv[2].len, sha);
    if (!dict_find(&S.scripts, sha, 40) && !script_create(c, c->argv[2].ptr, c->argv[2].len, sha))
        return;
    reply_bulk(c, sha, 40);
}

void cmd_script_exists(client *c) {
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) reply_int(c, script_find(c->argv[i].ptr, c->argv[i].len) != NULL);
}

/* ASYNC frees at once too: closing the Lua state is quick next to the work a thread
 * hand-off would add. */
void cmd_script_flush(client *c) {
    if (c->argc > 3 || (c->argc == 3 && !arg_is(&c->argv[2], "sync") && !arg_is(&c->argv[2], "async"))) {
        reply_error(c, "SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    lua_close(S.L);
    dict_release(&S.scripts, free_script, NULL);
    scripting_start();
    reply_ok(c);
}

void scripting_kill(client *c, int eval) {
    if (!S.caller) {
        reply_error(c, "-NOTBUSY No scripts in execution right now.");
    } else if (S.run_flags & RUN_WROTE) {
        reply_error(c, "-UNKILLABLE Sorry the script already executed write commands against the "
                       "dataset. You can either wait the script termination or kill the server "
                       "in a hard way using the SHUTDOWN NOSAVE command.");
    } else if (eval == S.running->is_function) {
        reply_error(c, scripting_busy_error()); /* the other KILL is the one to use */
    } else {
        S.run_flags |= RUN_KILLED;
        reply_ok(c);
    }
}

void cmd_script_kill(client *c) { scripting_kill(c, 1); }

void cmd_script_help(client *c) {
    static const char *const lines[] = {
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL,
    };
    reply_help(c, "SCRIPT", lines);
}
