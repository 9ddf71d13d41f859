#include "scripting/lua_convert.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/reply.h"

/* ---- Replies to Lua ---- */

static const char *push_one(lua_State *L, const char *p, const char *end) {
    const char *eol = memchr(p, '\r', (size_t)(end - p));
    if (!eol) eol = end;
    const char *next = eol + 2 <= end ? eol + 2 : end;
    switch (*p) {
    case ':':
        lua_pushnumber(L, (lua_Number)strtoll(p + 1, NULL, 10));
        return next;
    case '$': {
        long long n = strtoll(p + 1, NULL, 10);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        lua_pushlstring(L, next, (size_t)n);
        return next + n + 2;
    }
    case '+':
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, p + 1, (size_t)(eol - p - 1));
        lua_setfield(L, -2, "ok");
        return next;
    case '-':
        lua_push_error(L, p, (size_t)(eol - p));
        /* The error was counted when the command replied it. */
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        return next;
    case '*': {
        long long n = strtoll(p + 1, NULL, 10);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        luaL_checkstack(L, 4, "reached lua stack limit");
        lua_createtable(L, (int)n, 0);
        for (long long i = 1; i <= n; i++) {
            next = push_one(L, next, end);
            lua_rawseti(L, -2, (int)i);
        }
        return next;
    }
    default: /* not produced by our commands */
        lua_pushboolean(L, 0);
        return end;
    }
}

size_t lua_push_reply(lua_State *L, const char *p, size_t len) {
    if (len == 0) { /* every command replies; never read past an empty buffer */
        lua_pushboolean(L, 0);
        return 0;
    }
    return (size_t)(push_one(L, p, p + len) - p);
}

static int is_crlf(char ch) { return ch == '\r' || ch == '\n'; }

void lua_push_error(lua_State *L, const char *msg, size_t len) {
    const char *code = "ERR", *text = msg;
    size_t code_len = 3, text_len = len;
    if (len && msg[0] == '-') {
        const char *space = memchr(msg, ' ', len);
        if (space) {
            code = msg + 1;
            code_len = (size_t)(space - msg - 1);
            text = space + 1;
            text_len = len - (size_t)(text - msg);
        } else {
            text = msg + 1;
            text_len = len - 1;
        }
    }
    while (text_len && is_crlf(text[0])) text++, text_len--;
    while (text_len && is_crlf(text[text_len - 1])) text_len--;
    lua_createtable(L, 0, 1);
    lua_pushlstring(L, code, code_len);
    lua_pushliteral(L, " ");
    lua_pushlstring(L, text, text_len);
    lua_concat(L, 3);
    lua_setfield(L, -2, "err");
}

/* ---- Lua to replies ---- */

/* (long long) of a double as x86 does it: out of range (and NaN) gives LLONG_MIN, which is
 * what Redis, casting directly, replies. */
static long long number_to_ll(double d) {
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) return (long long)d;
    return (long long)(-9223372036854775807LL - 1);
}

/* Status and big-number texts: up to the first NUL, line breaks as spaces. */
static void reply_one_line(client *c, const char *s, int bulk) {
    size_t len = strlen(s);
    buf_t *out = &c->reply;
    if (bulk) {
        char head[32];
        buf_append(out, head, (size_t)snprintf(head, sizeof head, "$%zu\r\n", len));
    } else {
        buf_append(out, "+", 1);
    }
    size_t start = out->len;
    buf_append(out, s, len);
    for (size_t i = start; i < out->len; i++)
        if (is_crlf(out->data[i])) out->data[i] = ' ';
    buf_append(out, "\r\n", 2);
}

/* Pushes t[field] (raw) and returns its type. */
static int raw_field(lua_State *L, int t, const char *field) {
    lua_pushstring(L, field);
    lua_rawget(L, t);
    return lua_type(L, -1);
}

static int table_length(lua_State *L, int t) {
    int n = 0;
    for (;;) {
        lua_rawgeti(L, t, n + 1);
        int end = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (end) return n;
        n++;
    }
}

/* map and set replies: the pairs of the table at t, or its keys. */
static void reply_pairs(lua_State *L, int t, client *c, int with_values) {
    long long n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        n++;
    }
    reply_array(c, with_values ? 2 * n : n);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pushvalue(L, -2);
        lua_reply_value(L, c);
        if (with_values) {
            lua_reply_value(L, c);
        } else {
            lua_pop(L, 1);
        }
    }
}

/* The reply of a table (at t). Field checks in Redis's order. */
static void reply_table(lua_State *L, int t, client *c) {
    if (raw_field(L, t, "err") == LUA_TSTRING) {
        lua_pop(L, 1);
        lua_reply_error_table(L, t, c, NULL);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, t, "ok") == LUA_TSTRING) {
        reply_one_line(c, lua_tostring(L, -1), 0);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, t, "double") == LUA_TNUMBER) {
        reply_double(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, t, "big_number") == LUA_TSTRING) {
        reply_one_line(c, lua_tostring(L, -1), 1);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, t, "verbatim_string") == LUA_TTABLE) {
        int v = lua_gettop(L);
        if (raw_field(L, v, "format") == LUA_TSTRING && raw_field(L, v, "string") == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            reply_bulk(c, s, len); /* RESP2 has no verbatim type */
            lua_settop(L, v - 1);
            return;
        }
    }
    lua_settop(L, t);
    if (raw_field(L, t, "map") == LUA_TTABLE) {
        reply_pairs(L, lua_gettop(L), c, 1);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, t, "set") == LUA_TTABLE) {
        reply_pairs(L, lua_gettop(L), c, 0);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    int n = table_length(L, t);
    reply_array(c, n);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        lua_reply_value(L, c);
    }
}

void lua_reply_value(lua_State *L, client *c) {
    /* Nested tables recurse; a table that contains itself stops here, as in Redis. */
    if (!lua_checkstack(L, 4)) {
        reply_error(c, "reached lua stack limit");
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        reply_bulk(c, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1)) {
            reply_int(c, 1);
        } else {
            reply_nil(c);
        }
        break;
    case LUA_TNUMBER:
        reply_int(c, number_to_ll(lua_tonumber(L, -1)));
        break;
    case LUA_TTABLE:
        reply_table(L, lua_gettop(L), c);
        break;
    default:
        reply_nil(c);
    }
    lua_pop(L, 1);
}

/* A string field of the table at t, or NULL. Numbers count as strings, as lua_isstring
 * says; the text stays valid while the table holds it. */
static const char *string_field(lua_State *L, int t, const char *field) {
    lua_getfield(L, t, field);
    const char *s = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1);
    return s;
}

void lua_reply_error_table(lua_State *L, int idx, client *c, const char *sha) {
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    if (!lua_istable(L, idx)) {
        /* Only when the error handler itself failed. */
        const char *msg = lua_isstring(L, idx) ? lua_tostring(L, idx) : "execution failure";
        reply_errorf(c, "Error running script %s, %.100s", sha ? sha : "", msg);
        return;
    }
    const char *msg = string_field(L, idx, "err");
    const char *source = sha ? string_field(L, idx, "source") : NULL;
    const char *line = sha ? string_field(L, idx, "line") : NULL;
    lua_getfield(L, idx, "ignore_error_stats_update");
    int counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
    lua_pop(L, 1);

    buf_t text;
    buf_init(&text);
    /* Redis 7.0 crashes on an error table without `err`; say something useful instead. */
    buf_printf(&text, "-%s", msg ? msg : "ERR unknown error");
    while (text.len > 1 && is_crlf(text.data[text.len - 1])) text.len--;
    if (source && line) buf_printf(&text, " script: %s, on %s:%s.", sha, source, line);
    buf_append(&text, "", 1);
    if (counted) {
        resp_add_error(&c->reply, text.data, text.len - 1);
        command_count_failure(c);
    } else {
        reply_error(c, text.data);
    }
    buf_free(&text);
}
