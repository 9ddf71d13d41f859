/* Libraries Redis embeds in its Lua for scripts, written for rill with Redis's behaviour:
 * cmsgpack (MessagePack) and struct (binary packing). lua_sandbox.c opens them as globals. */
#ifndef RILL_LUA_LIBS_H
#define RILL_LUA_LIBS_H

#include <lua.h>

/* The cmsgpack table: pack, unpack, unpack_one, unpack_limit. */
int luaopen_cmsgpack(lua_State *L);
/* The struct table: pack, unpack, size. */
int luaopen_struct(lua_State *L);

#endif
