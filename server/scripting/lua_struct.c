/* The `struct` library scripts find in Redis (Roberto Ierusalimschy's struct for Lua 5.1, as
 * Redis 7.0 embeds it): struct.pack(fmt, ...), struct.unpack(fmt, data [, pos]) and
 * struct.size(fmt). Formats: '<' '>' byte order, '!n' alignment, 'b'/'B' char, 'h'/'H' short,
 * 'l'/'L' long, 'T' size_t, 'in'/'In' n-byte integers (up to 32), 'f' float, 'd' double,
 * 'cn' n chars (c0: the whole string, or on unpack the previous number's length), 's' a
 * zero-terminated string, 'x' a zero byte, ' ' nothing. Sizes are x86-64's; numbers out of an
 * integer's range convert as that processor converts them, where C leaves it undefined. */
#include <ctype.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "numconv.h"
#include "scripting/lua_libs.h"

#define MAX_INT_SIZE 32
#define MAX_ALIGN 8 /* a double's alignment */

enum { BIG, LITTLE };
#define NATIVE_ENDIAN LITTLE

struct header {
    int endian;
    int align;
};

static int getnum(lua_State *L, const char **fmt, int fallback) {
    if (!isdigit((unsigned char)**fmt)) return fallback;
    int a = 0;
    do {
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - (**fmt - '0')) luaL_error(L, "integral size overflow");
        a = a * 10 + *(*fmt)++ - '0';
    } while (isdigit((unsigned char)**fmt));
    return a;
}

/* The size an option takes (0 for the control options and 's'). */
static size_t optsize(lua_State *L, char opt, const char **fmt) {
    switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return (size_t)getnum(L, fmt, 1);
    case 'i': case 'I': {
        int size = getnum(L, fmt, 4);
        if (size > MAX_INT_SIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", size, MAX_INT_SIZE);
        return (size_t)size;
    }
    default: return 0;
    }
}

/* Padding before an item of size at offset len (sizes need not be powers of two here). */
static size_t gettoalign(size_t len, const struct header *h, int opt, size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (size_t)h->align) size = (size_t)h->align;
    return (size - (len & (size - 1))) & (size - 1);
}

static void controloptions(lua_State *L, int opt, const char **fmt, struct header *h) {
    switch (opt) {
    case ' ': return;
    case '>': h->endian = BIG; return;
    case '<': h->endian = LITTLE; return;
    case '!': {
        int a = getnum(L, fmt, MAX_ALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = a;
        return;
    }
    default: luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

static void putinteger(lua_State *L, luaL_Buffer *b, int arg, int endian, size_t size) {
    lua_Number n = luaL_checknumber(L, arg);
    uint64_t value = n < 0 ? (uint64_t)double_to_i64_x86(n) : double_to_u64_x86(n);
    char buff[MAX_INT_SIZE];
    for (size_t i = 0; i < size; i++) {
        buff[endian == LITTLE ? i : size - 1 - i] = (char)(value & 0xff);
        value >>= 8;
    }
    luaL_addlstring(b, buff, size);
}

static void correctbytes(char *b, size_t size, int endian) {
    if (endian == NATIVE_ENDIAN) return;
    for (size_t i = 0; i < size / 2; i++) {
        char t = b[i];
        b[i] = b[size - 1 - i];
        b[size - 1 - i] = t;
    }
}

static int b_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    struct header h = {NATIVE_ENDIAN, 1};
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    lua_pushnil(L); /* keeps the arguments apart from the buffer's slots */
    luaL_buffinit(L, &b);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, (char)opt, &fmt);
        size_t pad = gettoalign(total, &h, opt, size);
        total += pad;
        while (pad-- > 0) luaL_addchar(&b, '\0');
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            putinteger(L, &b, arg++, h.endian, size);
            break;
        case 'x': luaL_addchar(&b, '\0'); break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            correctbytes((char *)&f, size, h.endian);
            luaL_addlstring(&b, (char *)&f, size);
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, arg++);
            correctbytes((char *)&d, size, h.endian);
            luaL_addlstring(&b, (char *)&d, size);
            break;
        }
        case 'c': case 's': {
            size_t l;
            const char *s = luaL_checklstring(L, arg++, &l);
            if (size == 0) size = l;
            /* The argument number Redis reports is the next one. */
            luaL_argcheck(L, l >= size, arg, "string too short");
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
            break;
        }
        default: controloptions(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number getinteger(const char *buff, int endian, int issigned, size_t size) {
    uint64_t l = 0;
    for (size_t i = 0; i < size; i++) l = l << 8 | (unsigned char)buff[endian == BIG ? i : size - 1 - i];
    if (!issigned) return (lua_Number)l;
    /* The sign bit's mask, with the shift count taken mod 64 as the processor does. */
    uint64_t mask = ~0ULL << (((int)size * 8 - 1) & 63);
    if (l & mask) l |= mask;
    return (lua_Number)(int64_t)l;
}

static int b_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    size_t pos = (size_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    struct header h = {NATIVE_ENDIAN, 1};
    int n = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, (char)opt, &fmt);
        pos += gettoalign(pos, &h, opt, size);
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            lua_pushnumber(L, getinteger(data + pos, h.endian, islower(opt), size));
            n++;
            break;
        case 'x': break;
        case 'f': {
            float f;
            memcpy(&f, data + pos, size);
            correctbytes((char *)&f, sizeof f, h.endian);
            lua_pushnumber(L, f);
            n++;
            break;
        }
        case 'd': {
            double d;
            memcpy(&d, data + pos, size);
            correctbytes((char *)&d, sizeof d, h.endian);
            lua_pushnumber(L, d);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                size = (size_t)double_to_u64_x86(lua_tonumber(L, -1));
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
            }
            lua_pushlstring(L, data + pos, size);
            n++;
            break;
        case 's': {
            const char *e = memchr(data + pos, '\0', ld - pos);
            if (!e) luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
            break;
        }
        default: controloptions(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return n + 1;
}

static int b_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    struct header h = {NATIVE_ENDIAN, 1};
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, (char)opt, &fmt);
        pos += gettoalign(pos, &h, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!isalnum((unsigned char)opt)) controloptions(L, opt, &fmt, &h);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

int luaopen_struct(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"pack", b_pack}, {"unpack", b_unpack}, {"size", b_size}, {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    return 1;
}
