/* cmsgpack and struct, the script libraries that read bytes a client sends: the input is
 * unpacked whole, value by value from each offset, and (split at its first NUL byte) as a
 * struct format and its data. Errors are Lua errors (caught here); nothing may crash, trip
 * ASan/UBSan, or take time beyond the input's size. Whatever unpacks must pack again. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scripting/lua_libs.h"

static lua_State *L;

/* Calls lib.fn with the string arguments on top (n of them); leaves the stack as it was. */
static void call(const char *lib, const char *fn, int nargs) {
    int base = lua_gettop(L) - nargs;
    lua_getglobal(L, lib);
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_insert(L, base + 1);
    lua_pcall(L, nargs, LUA_MULTRET, 0);
    lua_settop(L, base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    if (!L) {
        L = luaL_newstate();
        luaopen_base(L);
        lua_pushcfunction(L, luaopen_cmsgpack);
        lua_call(L, 0, 1);
        lua_setglobal(L, "cmsgpack");
        lua_pushcfunction(L, luaopen_struct);
        lua_call(L, 0, 1);
        lua_setglobal(L, "struct");
    }
    if (len > 1 << 16) return 0;
    const char *s = (const char *)data;
    lua_pushlstring(L, s, len);
    call("cmsgpack", "unpack", 1);
    for (size_t offset = 0; offset < len && offset < 64; offset++) {
        lua_pushlstring(L, s, len);
        lua_pushinteger(L, (lua_Integer)offset);
        call("cmsgpack", "unpack_one", 2);
    }
    /* Unpacked values pack again. */
    luaL_loadstring(L, "local ok, a, b, c = pcall(cmsgpack.unpack, ...) "
                       "if ok then cmsgpack.pack(a, b, c) end");
    lua_pushlstring(L, s, len);
    lua_pcall(L, 1, 0, 0);
    lua_settop(L, 0);

    const char *nul = memchr(s, 0, len);
    size_t flen = nul ? (size_t)(nul - s) : len;
    lua_pushlstring(L, s, flen);
    call("struct", "size", 1);
    lua_pushlstring(L, s, flen);
    lua_pushlstring(L, nul ? nul + 1 : "", nul ? len - flen - 1 : 0);
    call("struct", "unpack", 2);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
