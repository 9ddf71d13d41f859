/* How the sandbox works. Redis 7.0.15 runs a patched Lua whose tables can be marked
 * read-only; Debian's stock Lua 5.1 cannot, so every table reachable from the globals is
 * replaced by an empty proxy whose metatable reads through to the real table and refuses
 * writes. The real tables are reachable only through the few base functions that can
 * touch a table raw (rawget, rawset, next, pairs, getmetatable, setmetatable,
 * table.insert); those are replaced by versions that see through a proxy for reading and
 * refuse writing to one. debug is gone once the error handler has captured it, so nothing
 * else can reach a metatable. The global table itself has a second guard: reading a
 * global that does not exist raises Redis's error instead of returning nil. */
#include "scripting/lua_sandbox.h"

#include <lauxlib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lualib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scripting/lua_libs.h"

/* Registry keys (their addresses are unique). */
static char key_protected; /* proxy -> the table behind it */
static char key_globals;   /* the real global table */
static char key_string_mt; /* the proxy handed out as the metatable of strings */
static char key_globals_mt; /* the proxy handed out as the metatable of the globals */
static char key_err_handler;

static const char readonly_error[] = "Attempt to modify a readonly table";

/* ---- Redis's PRNG for math.random: rand48, one sequence for the life of the process ---- */

static uint64_t rand48_state = 0x1234ABCD330EULL;

static int32_t rand48_next(void) {
    rand48_state = (0x5DEECE66DULL * rand48_state + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(rand48_state >> 17);
}

static int math_random(lua_State *L) {
    lua_Number r = (lua_Number)(rand48_next() % INT32_MAX) / (lua_Number)INT32_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1), u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * ((lua_Number)u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int math_randomseed(lua_State *L) {
    uint32_t seed = (uint32_t)luaL_checkint(L, 1);
    rand48_state = ((uint64_t)seed << 16) | 0x330E;
    return 0;
}

/* ---- Proxies ---- */

/* The table behind the proxy at idx is pushed and 1 returned; 0 (nothing pushed) when the
 * value is not a proxy. */
static int push_backing(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTABLE) return 0;
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    lua_pushlightuserdata(L, &key_protected);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

static int is_protected(lua_State *L, int idx) {
    if (!push_backing(L, idx)) return 0;
    lua_pop(L, 1);
    return 1;
}

/* Replaces the argument at idx by the table behind it when it is a proxy. */
static void see_through(lua_State *L, int idx) {
    if (push_backing(L, idx)) lua_replace(L, idx);
}

static int raise_readonly(lua_State *L) {
    lua_pushstring(L, readonly_error);
    return lua_error(L);
}

/* __newindex of every proxy: an assignment in script code, so the error names its line. */
static int proxy_newindex(lua_State *L) { return luaL_error(L, readonly_error); }

/* __index of the real global table: a global that does not exist. Like Redis's strict
 * mode, only script code is refused; C code asking for a global gets nil. */
static int missing_global(lua_State *L) {
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) && strcmp(ar.what, "C") != 0) {
        const char *name = lua_isstring(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2);
        return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                          name);
    }
    lua_pushnil(L);
    return 1;
}

/* Gives the table at idx (absolute index) the strict guard of the globals. */
static void make_strict(lua_State *L, int idx) {
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, idx);
}

/* Pushes the proxy of the table at idx (absolute index), making it first, and protecting
 * every table among its fields the same way. `seen` (absolute index) maps tables already
 * done to their proxies, for shared and cyclic references. */
static void push_proxy(lua_State *L, int idx, int seen) {
    lua_pushvalue(L, idx);
    lua_rawget(L, seen);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);

    lua_newtable(L); /* the proxy */
    int proxy = lua_gettop(L);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, proxy);
    lua_rawset(L, seen);
    lua_pushlightuserdata(L, &key_protected);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, proxy);
    lua_pushvalue(L, idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);

    lua_createtable(L, 0, 2);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, proxy_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, proxy);

    /* Fields holding tables now hold their proxies (assigning to an existing field while
     * traversing is allowed). */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -1) == LUA_TTABLE && !is_protected(L, -1)) {
            int value = lua_gettop(L);
            push_proxy(L, value, seen);
            lua_pushvalue(L, value - 1); /* the key */
            lua_insert(L, -2);
            lua_rawset(L, idx);
        }
        lua_pop(L, 1);
    }
}

/* ---- Base functions that could reach behind a proxy ---- */

static int sb_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    see_through(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int sb_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_protected(L, 1)) return raise_readonly(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int sb_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    see_through(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

/* pairs hands the plain next (upvalue 1) the table to walk: the one behind a proxy. */
static int sb_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    see_through(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int sb_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    /* Library tables show no metatable, as in Redis; the globals show their strict guard,
     * read-only. */
    if ((is_protected(L, 1) && !lua_rawequal(L, 1, LUA_GLOBALSINDEX)) || !lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_pushlightuserdata(L, &key_string_mt);
        lua_rawget(L, LUA_REGISTRYINDEX);
        return 1;
    }
    if (lua_rawequal(L, 1, LUA_GLOBALSINDEX)) {
        lua_pushlightuserdata(L, &key_globals_mt);
        lua_rawget(L, LUA_REGISTRYINDEX);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

static int sb_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (is_protected(L, 1)) return raise_readonly(L);
    if (luaL_getmetafield(L, 1, "__metatable")) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* table.insert, refused on a proxy, otherwise the library's own (upvalue 1). */
static int sb_table_insert(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_protected(L, 1)) return raise_readonly(L);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 0);
    return 0;
}

/* ---- Loading code: never bytecode ---- */

int sandbox_load(lua_State *L, const char *body, size_t len, const char *chunkname) {
    if (len == 0 || body[0] != LUA_SIGNATURE[0]) return luaL_loadbuffer(L, body, len, chunkname);
    /* Redis's Lua only has the text parser, which stops at the ESC byte. Get its message,
     * chunk name included, from a one-byte text that fails the same way. */
    if (luaL_loadbuffer(L, "\1", 1, chunkname) == 0) {
        lua_pop(L, 1);
        lua_pushstring(L, "unexpected symbol");
        return LUA_ERRSYNTAX;
    }
    luaL_gsub(L, lua_tostring(L, -1), "'char(1)'", "'char(27)'");
    lua_remove(L, -2);
    return LUA_ERRSYNTAX;
}

/* load_aux of lbaselib.c: the function, or nil and the message. */
static int load_result(lua_State *L, int status) {
    if (status == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int sb_loadstring(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *chunkname = luaL_optstring(L, 2, s);
    return load_result(L, sandbox_load(L, s, len, chunkname));
}

/* load(reader [, chunkname]): the pieces are gathered first so the whole chunk can be
 * checked before it is compiled. */
static int sb_load(lua_State *L) {
    const char *chunkname = luaL_optstring(L, 2, "=(load)");
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_pushliteral(L, ""); /* the chunk so far, at index 3 */
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) break;
        if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
        if (lua_objlen(L, -1) == 0) break;
        lua_concat(L, 2);
    }
    lua_pop(L, 1);
    size_t len;
    const char *chunk = lua_tolstring(L, 3, &len);
    return load_result(L, sandbox_load(L, chunk, len, chunkname));
}

/* ---- Building the state ---- */

/* Opens a library and makes sure it is a global (Debian's cjson does not set one). */
static void open_library(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (name[0] && lua_istable(L, -1)) {
        lua_setglobal(L, name);
    } else {
        lua_pop(L, 1);
    }
}

static void set_function(lua_State *L, int table, const char *name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, table, name);
}

/* Redis's error handler, word for word: every error becomes a table with `err` (with an
 * error code) and where the script raised it. */
static const char error_handler_code[] =
    "local dbg = debug\n"
    "debug = nil\n"
    "function __redis__err__handler(err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}"
    "  end"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end"
    "  return err\n"
    "end\n";

lua_State *sandbox_new(void (*add_globals)(lua_State *L)) {
    lua_State *L = luaL_newstate();
    open_library(L, "", luaopen_base);
    open_library(L, LUA_TABLIBNAME, luaopen_table);
    open_library(L, LUA_STRLIBNAME, luaopen_string);
    open_library(L, LUA_MATHLIBNAME, luaopen_math);
    open_library(L, LUA_DBLIBNAME, luaopen_debug);
    open_library(L, "cjson", luaopen_cjson);
    open_library(L, "bit", luaopen_bit);
    open_library(L, "struct", luaopen_struct);
    open_library(L, "cmsgpack", luaopen_cmsgpack);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    int globals = lua_gettop(L);
    /* What Redis leaves out of the base library: files, printing, environments. */
    static const char *const removed[] = {"dofile", "loadfile", "print", "setfenv",
                                          "getfenv", "newproxy"};
    for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
        lua_pushnil(L);
        lua_setfield(L, globals, removed[i]);
    }
    lua_getfield(L, globals, LUA_MATHLIBNAME);
    set_function(L, lua_gettop(L), "random", math_random);
    set_function(L, lua_gettop(L), "randomseed", math_randomseed);
    lua_pop(L, 1);
    set_function(L, globals, "rawget", sb_rawget);
    set_function(L, globals, "rawset", sb_rawset);
    set_function(L, globals, "getmetatable", sb_getmetatable);
    set_function(L, globals, "setmetatable", sb_setmetatable);
    set_function(L, globals, "loadstring", sb_loadstring);
    set_function(L, globals, "load", sb_load);
    lua_getfield(L, globals, "next");
    lua_pushcclosure(L, sb_pairs, 1);
    lua_setfield(L, globals, "pairs");
    set_function(L, globals, "next", sb_next);
    lua_getfield(L, globals, LUA_TABLIBNAME);
    lua_getfield(L, -1, "insert");
    lua_pushcclosure(L, sb_table_insert, 1);
    lua_setfield(L, -2, "insert");
    lua_pop(L, 1);

    luaL_loadbuffer(L, error_handler_code, sizeof error_handler_code - 1, "@err_handler_def");
    lua_call(L, 0, 0);
    lua_pushlightuserdata(L, &key_err_handler);
    lua_getfield(L, globals, "__redis__err__handler");
    lua_rawset(L, LUA_REGISTRYINDEX);

    if (add_globals) add_globals(L);

    /* Lock everything: proxies for every table, the real globals behind the strict guard,
     * and scripts (and chunks they load) see the proxy of the globals. */
    lua_pushlightuserdata(L, &key_protected);
    lua_newtable(L);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    int seen = lua_gettop(L);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    int string_mt = lua_gettop(L);
    lua_getfield(L, globals, LUA_STRLIBNAME);
    push_proxy(L, lua_gettop(L), seen);
    lua_setfield(L, string_mt, "__index");
    lua_pop(L, 1);
    lua_pushlightuserdata(L, &key_string_mt);
    push_proxy(L, string_mt, seen);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_pop(L, 2);

    push_proxy(L, globals, seen);
    make_strict(L, globals);
    lua_pushlightuserdata(L, &key_globals_mt);
    lua_getmetatable(L, globals);
    push_proxy(L, lua_gettop(L), seen);
    lua_remove(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_pushlightuserdata(L, &key_globals);
    lua_pushvalue(L, globals);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_settop(L, 0);
    return L;
}

void sandbox_set_global(lua_State *L, const char *name) {
    lua_pushlightuserdata(L, &key_globals);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushstring(L, name);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 2);
}

int sandbox_new_view(lua_State *L) {
    int view = lua_gettop(L);
    make_strict(L, view);
    lua_pushnil(L);
    while (lua_next(L, view)) {
        if (lua_type(L, -1) == LUA_TTABLE && !is_protected(L, -1)) make_strict(L, lua_gettop(L));
        lua_pop(L, 1);
    }
    lua_newtable(L);
    push_proxy(L, view, lua_gettop(L));
    lua_pop(L, 2); /* the view's proxy (globals are read through the real table) and `seen` */
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

void sandbox_use_view(lua_State *L, int view) {
    if (view == LUA_NOREF) {
        lua_pushlightuserdata(L, &key_globals);
        lua_rawget(L, LUA_REGISTRYINDEX);
    } else {
        lua_rawgeti(L, LUA_REGISTRYINDEX, view);
    }
    int backing = lua_gettop(L);
    /* The globals proxy reads through its metatable's __index; the sandboxed raw functions
     * through the proxy map: both now lead to the view. */
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, backing);
    lua_setfield(L, -2, "__index");
    lua_pushlightuserdata(L, &key_protected);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, backing);
    lua_rawset(L, -3);
    lua_settop(L, backing - 1);
}

void sandbox_push_error_handler(lua_State *L) {
    lua_pushlightuserdata(L, &key_err_handler);
    lua_rawget(L, LUA_REGISTRYINDEX);
}
