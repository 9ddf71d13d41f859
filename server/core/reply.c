#include "core/reply.h"

#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/commands.h"
#include "core/net.h"
#include "keyspace/db.h"
#include "numconv.h"

void reply_help(client *c, const char *container, const char *const *lines) {
    size_t n = 0;
    while (lines[n]) n++;
    reply_array(c, (long long)n + 3);
    char head[96];
    snprintf(head, sizeof head, "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             container);
    reply_status(c, head);
    for (size_t i = 0; i < n; i++) reply_status(c, lines[i]);
    reply_status(c, "HELP");
    reply_status(c, "    Prints this help.");
}

int reply_draw_fits(client *c, long long i, long long n, long long each, size_t start) {
    if (i % 1024 != 0) return 1;
    long long more = i ? 0 : n > LLONG_MAX / each ? LLONG_MAX : n * each;
    if (client_reply_has_room(c, more)) return 1;
    if (!(c->flags & CLIENT_CLOSE_ASAP)) {
        c->reply.len = start;
        reply_error(c, ERR_REPLY_TOO_BIG);
    }
    return 0;
}

void reply_ok(client *c) { buf_append(&c->reply, "+OK\r\n", 5); }

void reply_status(client *c, const char *s) { resp_add_status(&c->reply, s, strlen(s)); }

void reply_error(client *c, const char *msg) {
    resp_add_error(&c->reply, msg, strlen(msg));
    command_count_error(c, msg);
}

void reply_errorf(client *c, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_error(c, msg);
}

void reply_subcommand_syntax_error(client *c, const char *container) {
    const resp_arg *sub = &c->argv[1];
    reply_errorf(c, "unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                 (int)(sub->len < 128 ? sub->len : 128), sub->ptr, container);
}

void reply_arity_error(client *c) {
    reply_errorf(c, "wrong number of arguments for '%s' command", command_fullname(c->last_cmd));
}

void reply_expire_error(client *c) {
    reply_errorf(c, "invalid expire time in '%s' command", command_fullname(c->last_cmd));
}

void reply_int(client *c, long long v) {
    if (v == 0) {
        buf_append(&c->reply, ":0\r\n", 4);
    } else if (v == 1) {
        buf_append(&c->reply, ":1\r\n", 4);
    } else {
        resp_add_int(&c->reply, v);
    }
}

void reply_bulk(client *c, const char *s, size_t len) { resp_add_bulk(&c->reply, s, len); }

void reply_bulk_cstr(client *c, const char *s) { reply_bulk(c, s, strlen(s)); }

void reply_bulk_ll(client *c, long long v) {
    char tmp[LL_STR_SIZE];
    size_t n = ll_to_str(tmp, v);
    reply_bulk(c, tmp, n);
}

void reply_double(client *c, double v) {
    if (isinf(v)) {
        reply_bulk_cstr(c, v > 0 ? "inf" : "-inf");
        return;
    }
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%.17g", v);
    reply_bulk(c, tmp, (size_t)n);
}

void reply_nil(client *c) { resp_add_nil(&c->reply); }

void reply_nil_array(client *c) { resp_add_nil_array(&c->reply); }

void reply_array(client *c, long long n) { resp_add_array(&c->reply, n); }

void reply_raw(client *c, const char *s, size_t len) { buf_append(&c->reply, s, len); }

size_t reply_defer(client *c) { return c->reply.len; }

/* Puts len bytes at offset at of the reply, moving what follows. */
static void insert_at(client *c, size_t at, const char *s, size_t len) {
    buf_reserve(&c->reply, len);
    char *p = c->reply.data + at;
    memmove(p + len, p, c->reply.len - at);
    memcpy(p, s, len);
    c->reply.len += len;
}

void reply_deferred_array(client *c, size_t at, long long n) {
    char header[32];
    insert_at(c, at, header, (size_t)snprintf(header, sizeof header, "*%lld\r\n", n));
}

void reply_deferred_bulk(client *c, size_t at, const char *s, size_t len) {
    buf_t b;
    buf_init(&b);
    resp_add_bulk(&b, s, len);
    insert_at(c, at, b.data, b.len);
    buf_free(&b);
}

void reply_entry_string(client *c, entry *e) {
    if (e->encoding == ENC_INT) {
        reply_bulk_ll(c, entry_int(e));
    } else {
        reply_bulk(c, entry_value(e), e->vallen);
    }
}

int arg_ll_msg(client *c, const resp_arg *a, long long *out, const char *msg) {
    if (str_to_ll(a->ptr, a->len, out) == 0) return 0;
    reply_error(c, msg ? msg : ERR_NOT_INTEGER);
    return -1;
}

int arg_ll(client *c, const resp_arg *a, long long *out) { return arg_ll_msg(c, a, out, NULL); }

int arg_int_range(client *c, const resp_arg *a, long long min, long long max, long long *out,
                  const char *msg) {
    long long v;
    if (str_to_ll(a->ptr, a->len, &v) != 0 || v < min || v > max) {
        reply_error(c, msg ? msg : ERR_NOT_INTEGER);
        return -1;
    }
    *out = v;
    return 0;
}

int arg_range(client *c, const resp_arg *a, long long min, long long max, long long *out,
              const char *msg) {
    long long v;
    if (str_to_ll(a->ptr, a->len, &v) != 0) {
        reply_error(c, msg ? msg : ERR_NOT_INTEGER);
        return -1;
    }
    if (v < min || v > max) {
        if (msg) {
            reply_error(c, msg);
        } else {
            reply_errorf(c, "value is out of range, value must between %lld and %lld", min, max);
        }
        return -1;
    }
    *out = v;
    return 0;
}

int arg_positive(client *c, const resp_arg *a, long long *out, const char *msg) {
    return arg_range(c, a, 0, LLONG_MAX, out, msg ? msg : "value is out of range, must be positive");
}

int arg_mpop(client *c, size_t numkeys_index, const char *first_word, const char *second_word,
             struct mpop_args *a) {
    long long numkeys;
    if (arg_range(c, &c->argv[numkeys_index], 1, LLONG_MAX, &numkeys,
                  "numkeys should be greater than 0") != 0)
        return -1;
    if ((unsigned long long)numkeys >= c->argc - numkeys_index - 1) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    size_t where = numkeys_index + (size_t)numkeys + 1;
    a->first_end = arg_is(&c->argv[where], first_word);
    if (!a->first_end && !arg_is(&c->argv[where], second_word)) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    a->count = -1;
    for (size_t j = where + 1; j < c->argc; j++) {
        if (a->count == -1 && arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (arg_range(c, &c->argv[++j], 1, LLONG_MAX, &a->count,
                          "count should be greater than 0") != 0)
                return -1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->count == -1) a->count = 1;
    a->first_key = numkeys_index + 1;
    a->nkeys = (size_t)numkeys;
    return 0;
}

int arg_is(const resp_arg *a, const char *word) {
    size_t n = strlen(word);
    return a->len == n && strncasecmp(a->ptr, word, n) == 0;
}
