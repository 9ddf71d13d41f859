/* The `cmsgpack` library scripts find in Redis (lua-cmsgpack 0.4.0): pack, unpack, unpack_one
 * and unpack_limit, with the same encodings chosen for the same Lua values, the same decoding
 * (MessagePack types that library does not know are a bad format), and the same errors. BullMQ
 * and Bull keep their job data with it.
 *
 * What differs: Redis's copy converts doubles to integers as the x86 instruction does, which C
 * leaves undefined for values out of range; here the range is checked first, with the same
 * outcome. And packing stops with an error past LUA_MSGPACK_MAX_OUTPUT bytes, where a table
 * that holds itself (nested to the 16-level limit) would otherwise run for ever. */
#include "scripting/lua_libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"

#define MSGPACK_MAX_NESTING 16
#define MSGPACK_MAX_OUTPUT ((size_t)512 * 1024 * 1024)
#define BUFFER_METATABLE "rill.cmsgpack.buffer"

/* Stack overflows name Redis's C functions ("stack overflow (in function ...)"): those
 * messages reach the script. */

/* The output, in a userdata so that an error half way through frees it with the rest. */
struct packed {
    unsigned char *b;
    size_t len, cap;
};

static int packed_gc(lua_State *L) {
    struct packed *p = lua_touserdata(L, 1);
    mem_free(p->b);
    p->b = NULL;
    return 0;
}

static void put(lua_State *L, struct packed *p, const void *s, size_t n) {
    if (n > MSGPACK_MAX_OUTPUT - p->len) luaL_error(L, "MessagePack pack output too large.");
    if (p->cap - p->len < n) {
        p->cap = (p->len + n) * 2;
        p->b = mem_realloc(p->b, p->cap);
    }
    memcpy(p->b + p->len, s, n);
    p->len += n;
}

/* A type byte followed by n bytes of v, most significant first. */
static void put_be(lua_State *L, struct packed *p, unsigned char type, uint64_t v, int n) {
    unsigned char b[9] = {type};
    for (int i = 0; i < n; i++) b[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    put(L, p, b, (size_t)n + 1);
}

static void encode_string(lua_State *L, struct packed *p, const char *s, size_t len) {
    if (len < 32) {
        unsigned char b = (unsigned char)(0xa0 | len);
        put(L, p, &b, 1);
    } else if (len <= 0xff) {
        put_be(L, p, 0xd9, len, 1);
    } else if (len <= 0xffff) {
        put_be(L, p, 0xda, len, 2);
    } else {
        put_be(L, p, 0xdb, len, 4);
    }
    put(L, p, s, len);
}

static void encode_int(lua_State *L, struct packed *p, int64_t n) {
    if (n >= 0) {
        if (n <= 127) {
            unsigned char b = (unsigned char)n;
            put(L, p, &b, 1);
        } else if (n <= 0xff) {
            put_be(L, p, 0xcc, (uint64_t)n, 1);
        } else if (n <= 0xffff) {
            put_be(L, p, 0xcd, (uint64_t)n, 2);
        } else if (n <= 0xffffffffLL) {
            put_be(L, p, 0xce, (uint64_t)n, 4);
        } else {
            put_be(L, p, 0xcf, (uint64_t)n, 8);
        }
    } else if (n >= -32) {
        unsigned char b = (unsigned char)(int8_t)n;
        put(L, p, &b, 1);
    } else if (n >= -128) {
        put_be(L, p, 0xd0, (uint64_t)n, 1);
    } else if (n >= -32768) {
        put_be(L, p, 0xd1, (uint64_t)n, 2);
    } else if (n >= -2147483648LL) {
        put_be(L, p, 0xd2, (uint64_t)n, 4);
    } else {
        put_be(L, p, 0xd3, (uint64_t)n, 8);
    }
}

static void encode_double(lua_State *L, struct packed *p, double d) {
    float f = (float)d;
    if (d == (double)f) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put_be(L, p, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &d, 8);
        put_be(L, p, 0xcb, bits, 8);
    }
}

/* A number with an int64 of the same value is packed as that integer. */
static void encode_number(lua_State *L, struct packed *p, lua_Number n) {
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n)
        encode_int(L, p, (int64_t)n);
    else
        encode_double(L, p, n);
}

static void put_count(lua_State *L, struct packed *p, unsigned char fix, unsigned char t16,
                      size_t n) {
    if (n <= 15) {
        unsigned char b = (unsigned char)(fix | n);
        put(L, p, &b, 1);
    } else if (n <= 65535) {
        put_be(L, p, t16, n, 2);
    } else {
        put_be(L, p, (unsigned char)(t16 + 1), n, 4);
    }
}

/* 1 when the table on top has keys 1..N and nothing else. */
static int is_array(lua_State *L) {
    int top = lua_gettop(L), count = 0, max = 0;
    luaL_checkstack(L, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_Number n;
        if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || !(n <= INT_MAX) ||
            (lua_Number)(int)n != n) {
            lua_settop(L, top);
            return 0;
        }
        if ((int)n > max) max = (int)n;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void encode_value(lua_State *L, struct packed *p, int level);

static void encode_table(lua_State *L, struct packed *p, int level) {
    if (is_array(L)) {
        size_t len = lua_objlen(L, -1);
        put_count(L, p, 0x90, 0xdc, len);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (size_t j = 1; j <= len; j++) {
            lua_pushnumber(L, (lua_Number)j);
            lua_gettable(L, -2);
            encode_value(L, p, level + 1);
        }
        return;
    }
    size_t len = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        len++;
    }
    put_count(L, p, 0x80, 0xde, len);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        encode_value(L, p, level + 1); /* the key */
        encode_value(L, p, level + 1); /* the value; the key stays for lua_next */
    }
}

/* Packs the value on top of the stack and pops it. Tables nested 16 deep pack as nil, so a
 * table holding itself ends. */
static void encode_value(lua_State *L, struct packed *p, int level) {
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == MSGPACK_MAX_NESTING) t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        encode_string(L, p, s, len);
        break;
    }
    case LUA_TBOOLEAN: {
        unsigned char b = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
        put(L, p, &b, 1);
        break;
    }
    case LUA_TNUMBER: encode_number(L, p, lua_tonumber(L, -1)); break;
    case LUA_TTABLE: encode_table(L, p, level); break;
    default: {
        unsigned char b = 0xc0;
        put(L, p, &b, 1);
    }
    }
    lua_pop(L, 1);
}

/* cmsgpack.pack(v, ...): the values packed one after the other. */
static int mp_pack(lua_State *L) {
    int nargs = lua_gettop(L);
    if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    struct packed *p = lua_newuserdata(L, sizeof *p);
    *p = (struct packed){NULL, 0, 0};
    luaL_getmetatable(L, BUFFER_METATABLE);
    lua_setmetatable(L, -2);
    for (int i = 1; i <= nargs; i++) {
        luaL_checkstack(L, 1, "in function mp_check");
        lua_pushvalue(L, i);
        encode_value(L, p, 0);
    }
    lua_pushlstring(L, (const char *)p->b, p->len);
    return 1;
}

/* ---- Decoding ---- */

enum { CUR_OK, CUR_EOF, CUR_BADFMT };

struct cursor {
    const unsigned char *p;
    size_t left;
    int err;
};

static uint64_t be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

static void decode_value(lua_State *L, struct cursor *c);

static void decode_array(lua_State *L, struct cursor *c, size_t len) {
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    for (size_t i = 1; i <= len; i++) {
        lua_pushnumber(L, (lua_Number)i);
        decode_value(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

static void decode_map(lua_State *L, struct cursor *c, size_t len) {
    lua_newtable(L);
    while (len--) {
        decode_value(L, c); /* key */
        if (c->err) return;
        decode_value(L, c); /* value */
        if (c->err) return;
        lua_settable(L, -3);
    }
}

/* Consumes header bytes of the next value when they are all there. */
static int need(struct cursor *c, size_t n) {
    if (c->left >= n) return 1;
    c->err = CUR_EOF;
    return 0;
}

static void consume(struct cursor *c, size_t n) {
    c->p += n;
    c->left -= n;
}

/* A string of len bytes after a header of hdr bytes. */
static void decode_string(lua_State *L, struct cursor *c, size_t hdr, size_t len) {
    if (!need(c, hdr + len)) return;
    lua_pushlstring(L, (const char *)c->p + hdr, len);
    consume(c, hdr + len);
}

/* Pushes the next value. Each value takes a stack slot, so a stream of too many values (or
 * values nested too deep) stops at Lua's stack limit with an error. */
static void decode_value(lua_State *L, struct cursor *c) {
    if (!need(c, 1)) return;
    luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
    const unsigned char *p = c->p;
    unsigned char t = p[0];
    /* Fixed-size headers: the type byte and its length or value bytes. */
    static const unsigned char sizes[256] = {
        [0xcc] = 2, [0xcd] = 3, [0xce] = 5, [0xcf] = 9, [0xd0] = 2, [0xd1] = 3, [0xd2] = 5,
        [0xd3] = 9, [0xca] = 5, [0xcb] = 9, [0xd9] = 2, [0xda] = 3, [0xdb] = 5, [0xdc] = 3,
        [0xdd] = 5, [0xde] = 3, [0xdf] = 5,
    };
    if (sizes[t] && !need(c, sizes[t])) return;
    switch (t) {
    case 0xcc: lua_pushinteger(L, p[1]); break;
    case 0xcd: lua_pushinteger(L, (lua_Integer)be(p + 1, 2)); break;
    case 0xce: lua_pushinteger(L, (lua_Integer)be(p + 1, 4)); break;
    case 0xcf: lua_pushinteger(L, (lua_Integer)(int64_t)be(p + 1, 8)); break;
    case 0xd0: lua_pushinteger(L, (int8_t)p[1]); break;
    case 0xd1: lua_pushinteger(L, (int16_t)be(p + 1, 2)); break;
    case 0xd2: lua_pushinteger(L, (int32_t)be(p + 1, 4)); break;
    case 0xd3: lua_pushnumber(L, (lua_Number)(int64_t)be(p + 1, 8)); break;
    case 0xca: {
        uint32_t bits = (uint32_t)be(p + 1, 4);
        float f;
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, f);
        break;
    }
    case 0xcb: {
        uint64_t bits = be(p + 1, 8);
        double d;
        memcpy(&d, &bits, 8);
        lua_pushnumber(L, d);
        break;
    }
    case 0xc0: lua_pushnil(L); break;
    case 0xc2: lua_pushboolean(L, 0); break;
    case 0xc3: lua_pushboolean(L, 1); break;
    case 0xd9: decode_string(L, c, 2, p[1]); return;
    case 0xda: decode_string(L, c, 3, be(p + 1, 2)); return;
    case 0xdb: decode_string(L, c, 5, be(p + 1, 4)); return;
    case 0xdc: consume(c, 3); decode_array(L, c, be(p + 1, 2)); return;
    case 0xdd: consume(c, 5); decode_array(L, c, be(p + 1, 4)); return;
    case 0xde: consume(c, 3); decode_map(L, c, be(p + 1, 2)); return;
    case 0xdf: consume(c, 5); decode_map(L, c, be(p + 1, 4)); return;
    default:
        if ((t & 0x80) == 0) { /* positive fixnum */
            lua_pushinteger(L, t);
        } else if ((t & 0xe0) == 0xe0) { /* negative fixnum */
            lua_pushinteger(L, (int8_t)t);
        } else if ((t & 0xe0) == 0xa0) {
            decode_string(L, c, 1, t & 0x1f);
            return;
        } else if ((t & 0xf0) == 0x90) {
            consume(c, 1);
            decode_array(L, c, t & 0xf);
            return;
        } else if ((t & 0xf0) == 0x80) {
            consume(c, 1);
            decode_map(L, c, t & 0xf);
            return;
        } else {
            c->err = CUR_BADFMT; /* bin, ext and the reserved byte */
            return;
        }
        consume(c, 1);
        return;
    }
    consume(c, sizes[t] ? sizes[t] : 1);
}

/* Up to limit values from offset (both 0: every value, and no offset returned). */
static int unpack_full(lua_State *L, lua_Integer limit, lua_Integer offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int decode_all = !limit && !offset;
    if (offset < 0 || limit < 0)
        /* Redis's message shows the input length where it says limit. */
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset,
                          (int)len);
    if (decode_all) limit = INT_MAX;
    struct cursor c = {(const unsigned char *)s + offset, len - (size_t)offset, CUR_OK};
    int count;
    for (count = 0; c.left > 0 && count < limit; count++) {
        decode_value(L, &c);
        if (c.err == CUR_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.err == CUR_BADFMT) return luaL_error(L, "Bad data format in input.");
    }
    if (decode_all) return count;
    /* The offset to go on from, -1 at the end, goes first. */
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
    lua_insert(L, 2);
    return count + 1;
}

static int mp_unpack(lua_State *L) { return unpack_full(L, 0, 0); }

static int mp_unpack_one(lua_State *L) {
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpack_full(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L) {
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_full(L, limit, offset);
}

int luaopen_cmsgpack(lua_State *L) {
    luaL_newmetatable(L, BUFFER_METATABLE);
    lua_pushcfunction(L, packed_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    static const luaL_Reg functions[] = {{"pack", mp_pack},
                                         {"unpack", mp_unpack},
                                         {"unpack_one", mp_unpack_one},
                                         {"unpack_limit", mp_unpack_limit},
                                         {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    static const char *const about[][2] = {
        {"_NAME", "cmsgpack"},
        {"_VERSION", "lua-cmsgpack 0.4.0"},
        {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
        {"_DESCRIPTION", "MessagePack C implementation for Lua"},
    };
    for (size_t i = 0; i < sizeof about / sizeof *about; i++) {
        lua_pushstring(L, about[i][1]);
        lua_setfield(L, -2, about[i][0]);
    }
    return 1;
}
