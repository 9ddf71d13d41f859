/* The Lua state scripts run in, shaped like Redis 7.0's: the libraries Redis exposes (base
 * without file access, table, string, math with Redis's deterministic PRNG, cjson, bit),
 * every global and library table read-only, reads of undefined globals refused, and no
 * way to load precompiled bytecode. Stock Lua 5.1 has no read-only tables, so each
 * protected table is an empty proxy in front of the real one (see lua_sandbox.c). */
#ifndef RILL_LUA_SANDBOX_H
#define RILL_LUA_SANDBOX_H

#include <lua.h>
#include <stddef.h>

/* Creates the state. add_globals runs before the globals are locked and should set the
 * tables it adds (the `redis` library) with lua_setglobal. */
lua_State *sandbox_new(void (*add_globals)(lua_State *L));
/* A second set of globals, for code that must see less than scripts do (a library's code
 * while FUNCTION LOAD runs it). Takes the table on top of the stack (popped): its fields
 * become globals, read-only and strict as the usual ones, and the tables among them strict
 * too (reading a missing field is refused as a missing global). Returns the view's handle. */
int sandbox_new_view(lua_State *L);
/* Makes code in L see the view as its globals from now on (LUA_NOREF: the usual globals).
 * Functions keep no copy: what they see changes with the view. */
void sandbox_use_view(lua_State *L, int view);
/* Sets a global to the value on top of the stack (popped), past the read-only guard:
 * how KEYS and ARGV reach each run. */
void sandbox_set_global(lua_State *L, const char *name);
/* Compiles a script body as a function (pushed) named chunkname, or pushes the error text
 * and returns nonzero. Precompiled chunks are refused with the parser's own message. */
int sandbox_load(lua_State *L, const char *body, size_t len, const char *chunkname);
/* Pushes Redis's error handler for lua_pcall: it turns any error into a table with `err`,
 * and `source` and `line` of the script code that raised it. */
void sandbox_push_error_handler(lua_State *L);

#endif
