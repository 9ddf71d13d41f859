/* Redis 7 functions: FUNCTION LOAD runs a library's code once, in a view of the globals that
 * holds only redis.register_function, redis.log and the version fields; the functions it
 * registers are then called by FCALL and FCALL_RO, through the same machinery as EVAL
 * (scripting_run), with KEYS and ARGV as their two arguments. Replies, errors and their order
 * follow Redis 7.0's functions.c and function_lua.c. */
#include "scripting/functions.h"

#include <ctype.h>
#include <lauxlib.h>
#include <string.h>
#include <strings.h>

#include "core/commands.h"
#include "core/reply.h"
#include "features/monitor.h"
#include "glob.h"
#include "mem.h"
#include "numconv.h"
#include "scripting/lua_convert.h"
#include "scripting/lua_sandbox.h"
#include "scripting/scripting.h"

/* How long FUNCTION LOAD and RESTORE let a library's code run: it should only register
 * functions. */
#define LOAD_TIMEOUT_MS 500
/* And a snapshot's libraries, which Redis lets run without a limit: ten times as long, so
 * that a library FUNCTION LOAD accepted loads again on a busier machine, but a damaged or
 * hostile file cannot hang start-up. */
#define FILE_LOAD_TIMEOUT_MS (10 * LOAD_TIMEOUT_MS)
/* Instructions between two looks at the clock while a library loads. */
#define LOAD_HOOK_INSTRUCTIONS 100000

#define ERR_BAD_NAME                                                                           \
    "Library names can only contain letters, numbers, or underscores(_) and must be at least " \
    "one character long"

struct library;

struct function {
    dict_node node;              /* in its set's functions, by key */
    struct script_target target; /* target.name: the name as registered */
    struct function *next; /* in its library, in the order of registration */
    char *desc;            /* NULL when none */
    size_t desc_len, key_len;
    char *key; /* the name in lowercase: FCALL finds a function whatever the case */
};

struct library {
    dict_node node; /* in its set's libraries, by name */
    struct function *functions, **tail;
    size_t nfunctions;
    size_t bytes; /* what the library and its functions hold, for INFO */
    char *code;   /* the whole payload, first line included: what DUMP and LIST give back */
    size_t code_len, name_len;
    char name[];
};

/* Libraries and the functions they register: the live set, or one that FUNCTION RESTORE
 * builds before it joins the live one. */
struct library_set {
    dict libraries, functions;
    size_t nfunctions, bytes;
};

static struct {
    lua_State *L;
    int load_view; /* the globals a library's code sees while it loads */
    struct library_set *live;
    struct library *loading;    /* the library whose code is running */
    long long load_deadline_ms;
} F;

/* ---- Sets ---- */

static void library_key(const dict_node *n, const char **key, size_t *len) {
    const struct library *lib = (const struct library *)n;
    *key = lib->name;
    *len = lib->name_len;
}

static void function_key(const dict_node *n, const char **key, size_t *len) {
    const struct function *f = (const struct function *)n;
    *key = f->key;
    *len = f->key_len;
}

static const dict_type library_type = {library_key, NULL};
static const dict_type function_type = {function_key, NULL};

static struct library_set *set_new(void) {
    struct library_set *set = mem_calloc(1, sizeof *set);
    dict_init(&set->libraries, &library_type);
    dict_init(&set->functions, &function_type);
    return set;
}

static void library_free(struct library *lib) {
    struct function *f = lib->functions;
    while (f) {
        struct function *next = f->next;
        luaL_unref(F.L, LUA_REGISTRYINDEX, f->target.ref);
        mem_free(f->desc);
        mem_free(f);
        f = next;
    }
    mem_free(lib->code);
    mem_free(lib);
}

static void free_library_node(dict_node *n, void *ctx) {
    (void)ctx;
    library_free((struct library *)n);
}

static void set_free(struct library_set *set) {
    dict_release(&set->functions, NULL, NULL);
    dict_release(&set->libraries, free_library_node, NULL);
    mem_free(set);
}

static void set_link(struct library_set *set, struct library *lib) {
    for (struct function *f = lib->functions; f; f = f->next) dict_add(&set->functions, &f->node);
    dict_add(&set->libraries, &lib->node);
    set->nfunctions += lib->nfunctions;
    set->bytes += lib->bytes;
}

static void set_unlink(struct library_set *set, struct library *lib) {
    for (struct function *f = lib->functions; f; f = f->next) dict_remove(&set->functions, f->key, f->key_len);
    dict_remove(&set->libraries, lib->name, lib->name_len);
    set->nfunctions -= lib->nfunctions;
    set->bytes -= lib->bytes;
}

static struct library *set_find(struct library_set *set, const char *name, size_t len) {
    return (struct library *)dict_find(&set->libraries, name, len);
}

/* The set's libraries in an array (mem_free it), so that they can be moved while walked. */
static struct library **set_list(struct library_set *set, size_t *n) {
    struct library **libs = mem_alloc((dict_size(&set->libraries) + 1) * sizeof *libs);
    dict_iter it;
    dict_iter_init(&it, &set->libraries);
    *n = 0;
    for (dict_node *node; (node = dict_iter_next(&it));) libs[(*n)++] = (struct library *)node;
    dict_iter_done(&it);
    return libs;
}

/* ---- Registering functions while a library loads ---- */

static int valid_name(const char *s, size_t len) {
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
    return 1;
}

/* What one redis.register_function call gave, copied out of Lua. */
struct registration {
    char *name, *desc;
    size_t name_len, desc_len;
    int ref; /* the callback, in the registry */
    unsigned flags;
};

static void registration_free(lua_State *L, struct registration *r) {
    mem_free(r->name);
    mem_free(r->desc);
    luaL_unref(L, LUA_REGISTRYINDEX, r->ref);
}

static char *copy_lua_string(lua_State *L, int idx, size_t *len) {
    const char *s = lua_tolstring(L, idx, len);
    char *copy = mem_alloc(*len + 1);
    memcpy(copy, s, *len);
    copy[*len] = '\0';
    return copy;
}

/* The flags table at the top of the stack: its array part, each a flag's name. */
static const char *read_flags(lua_State *L, unsigned *flags) {
    *flags = 0;
    for (int j = 1;; j++) {
        lua_rawgeti(L, -1, j);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return NULL;
        }
        const char *name = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
        size_t k = 0;
        while (name && script_flag_names[k].name && strcasecmp(script_flag_names[k].name, name) != 0) k++;
        lua_pop(L, 1);
        if (!name || !script_flag_names[k].name) return "unknown flag given";
        *flags |= script_flag_names[k].flag;
    }
}

/* redis.register_function{function_name=..., callback=..., description=..., flags={...}} */
static const char *read_named_arguments(lua_State *L, struct registration *r) {
    if (!lua_istable(L, 1))
        return "calling redis.register_function with a single argument is only applicable to Lua "
               "table (representing named arguments).";
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            /* A number names no argument (Redis reads it as its digits). */
            return lua_type(L, -2) == LUA_TNUMBER
                       ? "unknown argument given to redis.register_function"
                       : "named argument key given to redis.register_function is not a string";
        }
        const char *key = lua_tostring(L, -2);
        if (!strcasecmp(key, "function_name")) {
            if (!lua_isstring(L, -1))
                return "function_name argument given to redis.register_function must be a string";
            mem_free(r->name);
            r->name = copy_lua_string(L, -1, &r->name_len);
        } else if (!strcasecmp(key, "description")) {
            if (!lua_isstring(L, -1))
                return "description argument given to redis.register_function must be a string";
            mem_free(r->desc);
            r->desc = copy_lua_string(L, -1, &r->desc_len);
        } else if (!strcasecmp(key, "callback")) {
            if (!lua_isfunction(L, -1))
                return "callback argument given to redis.register_function must be a function";
            luaL_unref(L, LUA_REGISTRYINDEX, r->ref);
            r->ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the value */
            continue;
        } else if (!strcasecmp(key, "flags")) {
            if (!lua_istable(L, -1))
                return "flags argument to redis.register_function must be a table representing "
                       "function flags";
            const char *err = read_flags(L, &r->flags);
            if (err) return err;
        } else {
            return "unknown argument given to redis.register_function";
        }
        lua_pop(L, 1);
    }
    if (!r->name) return "redis.register_function must get a function name argument";
    if (r->ref == LUA_NOREF) return "redis.register_function must get a callback argument";
    return NULL;
}

/* redis.register_function(name, callback) */
static const char *read_positional_arguments(lua_State *L, struct registration *r) {
    if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
    r->name = copy_lua_string(L, 1, &r->name_len);
    if (!lua_isfunction(L, 2)) return "second argument to redis.register_function must be a function";
    r->ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the callback */
    return NULL;
}

/* Adds the registered function to the loading library; its ownership moves there. */
static const char *add_function(struct library *lib, struct registration *r) {
    if (!valid_name(r->name, r->name_len)) return ERR_BAD_NAME;
    /* Names differing in case only would meet in FCALL's lookup: refused here. */
    for (struct function *f = lib->functions; f; f = f->next)
        if (f->key_len == r->name_len && strncasecmp(f->key, r->name, r->name_len) == 0)
            return "Function already exists in the library";
    struct function *f = mem_calloc(1, sizeof *f + 2 * (r->name_len + 1));
    f->key = (char *)(f + 1);
    char *name = f->key + r->name_len + 1;
    for (size_t i = 0; i < r->name_len; i++) f->key[i] = (char)tolower((unsigned char)r->name[i]);
    memcpy(name, r->name, r->name_len + 1);
    f->key_len = r->name_len;
    f->target = (struct script_target){F.L, r->ref, r->flags, name, 1};
    f->desc = r->desc;
    f->desc_len = r->desc_len;
    *lib->tail = f;
    lib->tail = &f->next;
    lib->nfunctions++;
    lib->bytes += sizeof *f + 2 * (r->name_len + 1) + (r->desc ? r->desc_len + 1 : 0);
    mem_free(r->name);
    *r = (struct registration){.ref = LUA_NOREF};
    return NULL;
}

static int raise_error(lua_State *L, const char *msg) {
    lua_push_error(L, msg, strlen(msg));
    return lua_error(L);
}

static int register_function(lua_State *L) {
    if (!F.loading) return raise_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2) return raise_error(L, "wrong number of arguments to redis.register_function");
    struct registration r = {.ref = LUA_NOREF};
    const char *err = argc == 1 ? read_named_arguments(L, &r) : read_positional_arguments(L, &r);
    if (!err) err = add_function(F.loading, &r);
    if (!err) return 0;
    registration_free(L, &r);
    return raise_error(L, err);
}

/* ---- Loading a library ---- */

static void load_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (scripting_clock_ms() <= F.load_deadline_ms) return;
    lua_sethook(L, load_hook, LUA_MASKLINE, 0); /* at every line now: pcall cannot outlast it */
    raise_error(L, "FUNCTION LOAD timeout");
}

/* The message of the error a library's code raised (on top of the stack, popped). */
static void append_error(lua_State *L, buf_t *why) {
    if (lua_isstring(L, -1)) {
        buf_printf(why, "ERR %s", lua_tostring(L, -1));
    } else if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        buf_printf(why, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR execution failure");
        lua_pop(L, 1);
    } else {
        buf_printf(why, "ERR execution failure");
    }
    lua_pop(L, 1);
}

/* Compiles the library's code and runs it, so that it registers its functions. */
static int run_library_code(struct library *lib, const char *body, size_t len, long long timeout_ms,
                            buf_t *why) {
    lua_State *L = F.L;
    if (sandbox_load(L, body, len, "@user_function") != 0) {
        buf_printf(why, "Error compiling function: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    F.loading = lib;
    F.load_deadline_ms = scripting_clock_ms() + timeout_ms;
    sandbox_use_view(L, F.load_view);
    lua_sethook(L, load_hook, LUA_MASKCOUNT, LOAD_HOOK_INSTRUCTIONS);
    int failed = lua_pcall(L, 0, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    sandbox_use_view(L, LUA_NOREF);
    F.loading = NULL;
    if (!failed) return 0;
    buf_printf(why, "Error registering functions: ");
    append_error(L, why);
    return -1;
}

/* Reads the library's first line, "#!<engine> name=<name>". Returns the name (mem_free it)
 * and where the code after the line starts, or NULL with Redis's reason. */
static char *read_metadata(const char *code, size_t len, size_t *name_len, size_t *body_at, buf_t *why) {
    if (len < 2 || memcmp(code, "#!", 2) != 0) {
        buf_printf(why, "Missing library metadata");
        return NULL;
    }
    /* Redis reads the payload as a C string: a NUL ends the line too. */
    size_t eol = 0;
    while (eol < len && code[eol] != '\n' && code[eol] != '\0') eol++;
    size_t nwords;
    resp_arg *words = eol < len && code[eol] == '\n' ? scripting_split_line(code, eol, &nwords) : NULL;
    if (!words) {
        buf_printf(why, "Invalid library metadata");
        return NULL;
    }
    char *name = NULL;
    for (size_t i = 1; i < nwords; i++) {
        const resp_arg *w = &words[i];
        if (w->len >= 5 && strncasecmp(w->ptr, "name=", 5) == 0) {
            if (name) {
                buf_printf(why, "Invalid metadata value, name argument was given multiple times");
                goto fail;
            }
            *name_len = w->len - 5;
            name = mem_alloc(*name_len + 1);
            memcpy(name, w->ptr + 5, *name_len);
            name[*name_len] = '\0';
            continue;
        }
        buf_printf(why, "Invalid metadata value given: %.*s", (int)w->len, w->ptr);
        goto fail;
    }
    if (!name) {
        buf_printf(why, "Library name was not given");
        goto fail;
    }
    const resp_arg *engine = &words[0];
    size_t elen = engine->len > 2 ? engine->len - 2 : 0;
    if (!valid_name(name, *name_len)) {
        buf_printf(why, ERR_BAD_NAME);
        goto fail;
    }
    if (elen != 3 || strncasecmp(engine->ptr + 2, "lua", 3) != 0) {
        buf_printf(why, "Engine '%.*s' not found", (int)elen, engine->ptr + 2);
        goto fail;
    }
    mem_free(words);
    *body_at = eol;
    return name;
fail:
    mem_free(name);
    mem_free(words);
    return NULL;
}

/* Redis's functionsCreateWithLibraryCtx: the new library, linked into set, or NULL with the
 * reason in why and the set as it was. replace: a library of that name gives way. */
static struct library *library_create(struct library_set *set, const char *code, size_t len,
                                      int replace, long long timeout_ms, buf_t *why) {
    size_t name_len, body_at;
    char *name = read_metadata(code, len, &name_len, &body_at, why);
    if (!name) return NULL;
    struct library *old = set_find(set, name, name_len);
    if (old && !replace) {
        buf_printf(why, "Library '%s' already exists", name);
        mem_free(name);
        return NULL;
    }
    if (old) set_unlink(set, old);
    struct library *lib = mem_calloc(1, sizeof *lib + name_len + 1);
    memcpy(lib->name, name, name_len + 1);
    mem_free(name);
    lib->name_len = name_len;
    lib->tail = &lib->functions;
    lib->code = mem_alloc(len ? len : 1);
    memcpy(lib->code, code, len);
    lib->code_len = len;
    lib->bytes = sizeof *lib + name_len + 1 + len;
    if (run_library_code(lib, code + body_at, len - body_at, timeout_ms, why) != 0) goto fail;
    if (lib->nfunctions == 0) {
        buf_printf(why, "No functions registered");
        goto fail;
    }
    for (struct function *f = lib->functions; f; f = f->next) {
        if (dict_find(&set->functions, f->key, f->key_len)) {
            buf_printf(why, "Function %s already exists", f->target.name);
            goto fail;
        }
    }
    set_link(set, lib);
    if (old) library_free(old);
    return lib;
fail:
    library_free(lib);
    if (old) set_link(set, old);
    return NULL;
}

/* Moves every library of src into dst (Redis's libraryJoin). On a clash of library names
 * without replace, or of function names, both sets stay as they were. */
static int set_join(struct library_set *dst, struct library_set *src, int replace, buf_t *why) {
    size_t n, nold = 0;
    struct library **libs = set_list(src, &n);
    struct library **old = mem_alloc((n + 1) * sizeof *old);
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        struct library *o = set_find(dst, libs[i]->name, libs[i]->name_len);
        if (!o) continue;
        if (!replace) {
            buf_printf(why, "Library %s already exists", libs[i]->name);
            goto done;
        }
        set_unlink(dst, o);
        old[nold++] = o;
    }
    for (size_t i = 0; i < n; i++) {
        for (struct function *f = libs[i]->functions; f; f = f->next) {
            if (dict_find(&dst->functions, f->key, f->key_len)) {
                buf_printf(why, "Function %s already exists", f->target.name);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        set_unlink(src, libs[i]);
        set_link(dst, libs[i]);
    }
    for (size_t i = 0; i < nold; i++) library_free(old[i]);
    nold = 0;
    rc = 0;
done:
    for (size_t i = 0; i < nold; i++) set_link(dst, old[i]);
    mem_free(old);
    mem_free(libs);
    return rc;
}

/* ---- The engine ---- */

static void add_runtime_globals(lua_State *L) { scripting_add_redis_library(L); }

/* What a library's code sees while it loads: redis.register_function, log, and versions. */
static int new_load_view(lua_State *L) {
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, register_function);
    lua_setfield(L, -2, "register_function");
    scripting_add_common_api(L);
    lua_setfield(L, -2, "redis");
    return sandbox_new_view(L);
}

void functions_init(void) {
    F.L = sandbox_new(add_runtime_globals);
    F.load_view = new_load_view(F.L);
    F.live = set_new();
}

/* FCALL's lookup: the name in any case. */
static const struct function *find_function(const resp_arg *name) {
    char small[128] = "";
    char *key = name->len <= sizeof small ? small : mem_alloc(name->len);
    for (size_t i = 0; i < name->len; i++) key[i] = (char)tolower((unsigned char)name->ptr[i]);
    const struct function *f = (const struct function *)dict_find(&F.live->functions, key, name->len);
    if (key != small) mem_free(key);
    return f;
}

int functions_flags(const resp_arg *name, unsigned *flags) {
    const struct function *f = find_function(name);
    if (!f) return -1;
    *flags = f->target.flags;
    return 0;
}

int functions_load_library(const char *code, size_t len, int replace, buf_t *why) {
    return library_create(F.live, code, len, replace, FILE_LOAD_TIMEOUT_MS, why) ? 0 : -1;
}

void functions_save(rdb_writer *w) {
    dict_iter it;
    dict_iter_init(&it, &F.live->libraries);
    for (dict_node *n; (n = dict_iter_next(&it));) {
        const struct library *lib = (const struct library *)n;
        rdb_put_byte(w, RDB_OP_FUNCTION2);
        rdb_put_string(w, lib->code, lib->code_len);
    }
    dict_iter_done(&it);
}

void functions_foreach_code(void (*fn)(const char *code, size_t len, void *ctx), void *ctx) {
    dict_iter it;
    dict_iter_init(&it, &F.live->libraries);
    for (dict_node *n; (n = dict_iter_next(&it));) {
        const struct library *lib = (const struct library *)n;
        fn(lib->code, lib->code_len, ctx);
    }
    dict_iter_done(&it);
}

void functions_flush(void) {
    set_free(F.live);
    F.live = set_new();
}

void functions_memory(size_t *vm_bytes, size_t *library_bytes, size_t *nfunctions, size_t *nlibraries) {
    *vm_bytes = (size_t)lua_gc(F.L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(F.L, LUA_GCCOUNTB, 0);
    *library_bytes = F.live->bytes + dict_bytes(&F.live->libraries) + dict_bytes(&F.live->functions);
    *nfunctions = F.live->nfunctions;
    *nlibraries = dict_size(&F.live->libraries);
}

/* ---- FCALL ---- */

static void fcall_generic(client *c, int ro_command) {
    /* Shown to MONITOR before the commands the function runs (FCALL is SKIP_MONITOR). */
    if (monitor_active()) monitor_feed(c, c->argv, c->argc);
    const struct function *f = find_function(&c->argv[1]);
    if (!f) {
        reply_error(c, "Function not found");
        return;
    }
    long long numkeys;
    if (str_to_ll(c->argv[2].ptr, c->argv[2].len, &numkeys) != 0) {
        reply_error(c, "Bad number of keys provided");
        return;
    }
    if (scripting_numkeys_fit(c, numkeys)) scripting_run(c, &f->target, (size_t)numkeys, ro_command);
}

void cmd_fcall(client *c) { fcall_generic(c, 0); }

void cmd_fcall_ro(client *c) { fcall_generic(c, 1); }

/* ---- FUNCTION ---- */

/* Replies why (of any length: a Lua error can be long) as the error. */
static void reply_reason(client *c, buf_t *why) {
    buf_append(why, "", 1);
    reply_error(c, why->data);
}

/* FUNCTION LOAD [REPLACE] code */
void cmd_function_load(client *c) {
    int replace = 0;
    size_t i = 2;
    for (; i < c->argc - 1; i++) {
        if (!arg_is(&c->argv[i], "replace")) {
            reply_errorf(c, "Unknown option given: %.*s", (int)c->argv[i].len, c->argv[i].ptr);
            return;
        }
        replace = 1;
    }
    buf_t why;
    buf_init(&why);
    const struct library *lib =
        library_create(F.live, c->argv[i].ptr, c->argv[i].len, replace, LOAD_TIMEOUT_MS, &why);
    if (lib) {
        server.dirty++;
        reply_bulk(c, lib->name, lib->name_len);
    } else {
        reply_reason(c, &why);
    }
    buf_free(&why);
}

void cmd_function_delete(client *c) {
    struct library *lib = set_find(F.live, c->argv[2].ptr, c->argv[2].len);
    if (!lib) {
        reply_error(c, "Library not found");
        return;
    }
    set_unlink(F.live, lib);
    library_free(lib);
    server.dirty++;
    reply_ok(c);
}

/* ASYNC frees at once too: libraries are few, and a thread hand-off would cost more. */
void cmd_function_flush(client *c) {
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c, "FUNCTION");
        return;
    }
    if (c->argc == 3 && !arg_is(&c->argv[2], "sync") && !arg_is(&c->argv[2], "async")) {
        reply_error(c, "FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    functions_flush();
    server.dirty++;
    reply_ok(c);
}

void cmd_function_kill(client *c) { scripting_kill(c, 0); }

static void reply_function(client *c, const struct function *f) {
    reply_array(c, 6);
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, f->target.name);
    reply_bulk_cstr(c, "description");
    if (f->desc) {
        reply_bulk(c, f->desc, f->desc_len);
    } else {
        reply_nil(c);
    }
    reply_bulk_cstr(c, "flags");
    long long nflags = 0;
    for (size_t k = 0; script_flag_names[k].name; k++) nflags += (f->target.flags & script_flag_names[k].flag) != 0;
    reply_array(c, nflags);
    for (size_t k = 0; script_flag_names[k].name; k++)
        if (f->target.flags & script_flag_names[k].flag) reply_status(c, script_flag_names[k].name);
}

/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] */
void cmd_function_list(client *c) {
    int with_code = 0;
    const resp_arg *pattern = NULL;
    for (size_t i = 2; i < c->argc; i++) {
        const resp_arg *a = &c->argv[i];
        if (!with_code && arg_is(a, "withcode")) {
            with_code = 1;
        } else if (!pattern && arg_is(a, "libraryname")) {
            if (i + 1 >= c->argc) {
                reply_error(c, "library name argument was not given");
                return;
            }
            pattern = &c->argv[++i];
        } else {
            reply_errorf(c, "Unknown argument %.*s", (int)a->len, a->ptr);
            return;
        }
    }
    size_t n;
    struct library **libs = set_list(F.live, &n);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (pattern && !glob_match(pattern->ptr, pattern->len, libs[i]->name, libs[i]->name_len, 1))
            continue;
        libs[shown++] = libs[i];
    }
    reply_array(c, (long long)shown);
    for (size_t i = 0; i < shown; i++) {
        const struct library *lib = libs[i];
        reply_array(c, with_code ? 8 : 6);
        reply_bulk_cstr(c, "library_name");
        reply_bulk(c, lib->name, lib->name_len);
        reply_bulk_cstr(c, "engine");
        reply_bulk_cstr(c, "LUA");
        reply_bulk_cstr(c, "functions");
        reply_array(c, (long long)lib->nfunctions);
        for (const struct function *f = lib->functions; f; f = f->next) reply_function(c, f);
        if (with_code) {
            reply_bulk_cstr(c, "library_code");
            reply_bulk(c, lib->code, lib->code_len);
        }
    }
    mem_free(libs);
}

void cmd_function_stats(client *c) {
    const char *name;
    const client *caller;
    long long duration_ms;
    int running = scripting_running_function(&name, &caller, &duration_ms);
    if (running < 0) { /* an EVAL script is busy */
        reply_error(c, ERR_BUSY_SCRIPT);
        return;
    }
    reply_array(c, 4);
    reply_bulk_cstr(c, "running_script");
    if (running) {
        reply_array(c, 6);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, name);
        reply_bulk_cstr(c, "command");
        reply_array(c, (long long)caller->argc);
        for (size_t i = 0; i < caller->argc; i++) reply_bulk(c, caller->argv[i].ptr, caller->argv[i].len);
        reply_bulk_cstr(c, "duration_ms");
        reply_int(c, duration_ms);
    } else {
        reply_nil(c);
    }
    reply_bulk_cstr(c, "engines");
    reply_array(c, 2);
    reply_bulk_cstr(c, "LUA");
    reply_array(c, 4);
    reply_bulk_cstr(c, "libraries_count");
    reply_int(c, (long long)dict_size(&F.live->libraries));
    reply_bulk_cstr(c, "functions_count");
    reply_int(c, (long long)F.live->nfunctions);
}

void cmd_function_dump(client *c) {
    rdb_writer w;
    rdb_writer_init(&w, -1, server.cfg.rdbcompression);
    functions_save(&w);
    size_t len;
    unsigned char *payload = rdb_writer_take_dump(&w, &len);
    reply_bulk(c, (const char *)payload, len);
    mem_free(payload);
}

/* Reads every library of a FUNCTION DUMP payload into set. */
static int read_payload(rdb_reader *r, struct library_set *set, buf_t *why) {
    while (r->p < r->end) {
        uint8_t op;
        if (rdb_read_byte(r, &op) != 0) {
            buf_printf(why, "can not read data type");
            return -1;
        }
        if (op != RDB_OP_FUNCTION2 && op != RDB_OP_FUNCTION_PRE_GA) {
            buf_printf(why, "given type is not a function");
            return -1;
        }
        rdb_str code;
        if (rdb_read_function(r, op, &code) != 0) {
            buf_printf(why, "Failed loading library payload");
            return -1;
        }
        /* Redis runs them without a limit; a payload from a client must not hang the server. */
        int ok = library_create(set, code.ptr, code.len, 0, LOAD_TIMEOUT_MS, why) != NULL;
        rdb_str_free(&code);
        if (!ok) return -1;
    }
    return 0;
}

/* FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] */
void cmd_function_restore(client *c) {
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c, "FUNCTION");
        return;
    }
    enum { APPEND, REPLACE, FLUSH } policy = APPEND;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "append")) {
            policy = APPEND;
        } else if (arg_is(&c->argv[3], "replace")) {
            policy = REPLACE;
        } else if (arg_is(&c->argv[3], "flush")) {
            policy = FLUSH;
        } else {
            reply_error(c, "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
            return;
        }
    }
    rdb_reader r;
    if (rdb_open_dump(&r, c->argv[2].ptr, c->argv[2].len, !server.skip_checksum_validation) != 0) {
        reply_error(c, "DUMP payload version or checksum are wrong");
        return;
    }
    buf_t why;
    buf_init(&why);
    struct library_set *restored = set_new();
    int rc = read_payload(&r, restored, &why);
    if (rc == 0 && policy == FLUSH) {
        set_free(F.live);
        F.live = restored;
        restored = NULL;
    } else if (rc == 0) {
        rc = set_join(F.live, restored, policy == REPLACE, &why);
    }
    if (restored) set_free(restored);
    if (rc == 0) {
        server.dirty++;
        reply_ok(c);
    } else {
        reply_reason(c, &why);
    }
    buf_free(&why);
}

void cmd_function_help(client *c) {
    static const char *const lines[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL,
    };
    reply_help(c, "FUNCTION", lines);
}
