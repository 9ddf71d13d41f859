#include "resp.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "numconv.h"

void resp_parser_init(resp_parser *p, long long max_bulk_len) {
    memset(p, 0, sizeof *p);
    p->max_bulk_len = max_bulk_len;
    p->bulk_len = -1;
}

void resp_parser_free(resp_parser *p) {
    mem_free(p->argv);
    mem_free(p->arg_off);
    p->argv = NULL;
    p->arg_off = NULL;
    p->argcap = 0;
}

/* Grows the argument arrays to hold n entries. Growth follows arguments actually received,
 * so a header announcing a million arguments costs nothing until they arrive. */
static void ensure_args(resp_parser *p, size_t n) {
    if (n <= p->argcap) return;
    size_t cap = p->argcap ? p->argcap : 16;
    while (cap < n) cap *= 2;
    p->argv = mem_realloc(p->argv, cap * sizeof *p->argv);
    p->arg_off = mem_realloc(p->arg_off, cap * sizeof *p->arg_off);
    p->argcap = cap;
}

static void reset_progress(resp_parser *p) {
    p->pos = 0;
    p->multibulk_left = 0;
    p->bulk_len = -1;
}

static enum resp_status fail(resp_parser *p, const char *msg) {
    p->error = msg;
    reset_progress(p);
    return RESP_ERROR;
}

static int is_split_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0';
}

static int is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c) {
    if (c <= '9') return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* Splits an inline line the way redis-cli and Redis do (sdssplitargs): spaces separate,
 * "double quotes" take \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' take \'.
 * Output is written in place (never longer than the input). Returns -1 on bad quoting. */
static int split_inline(resp_parser *p, char *line, size_t len) {
    char *r = line, *end = line + len, *w = line;
    p->argc = 0;
    for (;;) {
        while (r < end && *r != '\0' && (is_split_space(*r) || *r == '\v' || *r == '\f')) r++;
        if (r >= end || *r == '\0') return 0;
        char *arg = w;
        int in_dq = 0, in_sq = 0, done = 0;
        while (!done) {
            if (in_dq) {
                if (r >= end || *r == '\0') return -1;
                if (r[0] == '\\' && r + 3 < end && r[1] == 'x' && is_hex(r[2]) && is_hex(r[3])) {
                    *w++ = (char)(hex_value(r[2]) * 16 + hex_value(r[3]));
                    r += 4;
                } else if (r[0] == '\\' && r + 1 < end) {
                    char c = r[1];
                    switch (c) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: break;
                    }
                    *w++ = c;
                    r += 2;
                } else if (*r == '"') {
                    /* A closing quote must be followed by a space or the end. */
                    if (r + 1 < end && !is_split_space(r[1])) return -1;
                    done = 1;
                    r++;
                } else {
                    *w++ = *r++;
                }
            } else if (in_sq) {
                if (r >= end || *r == '\0') return -1;
                if (r[0] == '\\' && r + 1 < end && r[1] == '\'') {
                    *w++ = '\'';
                    r += 2;
                } else if (*r == '\'') {
                    if (r + 1 < end && !is_split_space(r[1])) return -1;
                    done = 1;
                    r++;
                } else {
                    *w++ = *r++;
                }
            } else {
                if (r >= end || is_split_space(*r)) {
                    done = 1;
                } else if (*r == '"') {
                    in_dq = 1;
                    r++;
                } else if (*r == '\'') {
                    in_sq = 1;
                    r++;
                } else {
                    *w++ = *r++;
                }
            }
        }
        ensure_args(p, p->argc + 1);
        p->argv[p->argc].ptr = arg;
        p->argv[p->argc].len = (size_t)(w - arg);
        p->argc++;
    }
}

static enum resp_status parse_inline(resp_parser *p, char *buf, size_t len, size_t *consumed) {
    char *nl = memchr(buf, '\n', len);
    if (!nl) {
        if (len > RESP_MAX_LINE) return fail(p, "Protocol error: too big inline request");
        return RESP_NEED_MORE;
    }
    size_t linelen = (size_t)(nl - buf);
    if (linelen > 0 && buf[linelen - 1] == '\r') linelen--;
    if (split_inline(p, buf, linelen) != 0) {
        p->argc = 0;
        return fail(p, "Protocol error: unbalanced quotes in request");
    }
    *consumed = (size_t)(nl - buf) + 1;
    return RESP_DONE;
}

/* Finds the header line at buf+pos ("*N" or "$N") and parses its number. Returns 1 with the
 * value, 0 when the line is not complete yet, -1 when the number is not one. */
static int header_number(char *buf, size_t len, size_t pos, long long *value, size_t *next) {
    char *start = buf + pos + 1;
    char *cr = memchr(start, '\r', len - pos - 1);
    /* The line must be followed by its '\n' byte, which is skipped without a look. */
    if (!cr || (size_t)(cr - buf) + 2 > len) return 0;
    *next = (size_t)(cr - buf) + 2;
    return str_to_ll(start, (size_t)(cr - start), value) == 0 ? 1 : -1;
}

static enum resp_status parse_multibulk(resp_parser *p, char *buf, size_t len, size_t *consumed) {
    if (p->multibulk_left == 0) {
        long long n;
        size_t next;
        int r = header_number(buf, len, 0, &n, &next);
        if (r == 0) {
            if (len > RESP_MAX_LINE) return fail(p, "Protocol error: too big mbulk count string");
            return RESP_NEED_MORE;
        }
        if (r < 0 || n > INT_MAX) return fail(p, "Protocol error: invalid multibulk length");
        if (n > 10 && p->unauthenticated)
            return fail(p, "Protocol error: unauthenticated multibulk length");
        if (n <= 0) {
            /* "*0" and "*-1" are empty requests. */
            p->argc = 0;
            *consumed = next;
            return RESP_DONE;
        }
        p->pos = next;
        p->multibulk_left = n;
        p->argc = 0;
        p->bulk_len = -1;
    }
    while (p->multibulk_left > 0) {
        if (p->bulk_len < 0) {
            if (p->pos >= len) return RESP_NEED_MORE;
            if (buf[p->pos] != '$') {
                snprintf(p->errbuf, sizeof p->errbuf, "Protocol error: expected '$', got '%c'",
                         buf[p->pos]);
                return fail(p, p->errbuf);
            }
            long long n;
            size_t next;
            int r = header_number(buf, len, p->pos, &n, &next);
            if (r == 0) {
                if (len - p->pos > RESP_MAX_LINE)
                    return fail(p, "Protocol error: too big bulk count string");
                return RESP_NEED_MORE;
            }
            if (r < 0 || n < 0 || n > p->max_bulk_len)
                return fail(p, "Protocol error: invalid bulk length");
            if (n > 16384 && p->unauthenticated)
                return fail(p, "Protocol error: unauthenticated bulk length");
            p->pos = next;
            p->bulk_len = n;
        }
        size_t end = p->pos + (size_t)p->bulk_len + 2;
        if (end > len) {
            p->need = p->bulk_len >= RESP_BIG_ARG ? end : 0;
            return RESP_NEED_MORE;
        }
        ensure_args(p, p->argc + 1);
        p->arg_off[p->argc] = p->pos;
        p->argv[p->argc].len = (size_t)p->bulk_len;
        p->argc++;
        p->pos = end;
        p->bulk_len = -1;
        p->multibulk_left--;
    }
    for (size_t i = 0; i < p->argc; i++) p->argv[i].ptr = buf + p->arg_off[i];
    *consumed = p->pos;
    reset_progress(p);
    return RESP_DONE;
}

/* Argument slots kept between commands; a bigger command's arrays go once it has run. */
#define ARGS_KEEP 1024

enum resp_status resp_parse(resp_parser *p, char *buf, size_t len, size_t *consumed) {
    *consumed = 0;
    p->need = 0;
    p->error = NULL;
    if (p->pos == 0 && p->argcap > ARGS_KEEP) resp_parser_free(p);
    if (len == 0) return RESP_NEED_MORE;
    if (buf[0] == '*') return parse_multibulk(p, buf, len, consumed);
    return parse_inline(p, buf, len, consumed);
}

/* ---- Reply encoding ---- */

static void add_prefixed_number(buf_t *out, char prefix, long long v) {
    buf_reserve(out, LL_STR_SIZE + 3);
    char *d = out->data + out->len;
    d[0] = prefix;
    size_t n = ll_to_str(d + 1, v);
    d[n + 1] = '\r';
    d[n + 2] = '\n';
    out->len += n + 3;
}

void resp_add_status(buf_t *out, const char *s, size_t len) {
    buf_reserve(out, len + 3);
    out->data[out->len++] = '+';
    buf_append(out, s, len);
    buf_append(out, "\r\n", 2);
}

void resp_add_error(buf_t *out, const char *msg, size_t len) {
    if (len && msg[0] == '-') {
        buf_append(out, "-", 1);
        msg++;
        len--;
    } else {
        buf_append(out, "-ERR ", 5);
    }
    buf_reserve(out, len + 2);
    char *d = out->data + out->len;
    for (size_t i = 0; i < len; i++) d[i] = (msg[i] == '\r' || msg[i] == '\n') ? ' ' : msg[i];
    out->len += len;
    buf_append(out, "\r\n", 2);
}

void resp_add_int(buf_t *out, long long v) { add_prefixed_number(out, ':', v); }

void resp_add_bulk(buf_t *out, const char *s, size_t len) {
    buf_reserve(out, len + LL_STR_SIZE + 5);
    add_prefixed_number(out, '$', (long long)len);
    memcpy(out->data + out->len, s, len);
    out->data[out->len + len] = '\r';
    out->data[out->len + len + 1] = '\n';
    out->len += len + 2;
}

void resp_add_nil(buf_t *out) { buf_append(out, "$-1\r\n", 5); }

void resp_add_nil_array(buf_t *out) { buf_append(out, "*-1\r\n", 5); }

void resp_add_array(buf_t *out, long long n) { add_prefixed_number(out, '*', n); }

resp_arg *resp_args_copy(const resp_arg *argv, size_t argc) {
    size_t bytes = argc * sizeof(resp_arg);
    for (size_t i = 0; i < argc; i++) bytes += argv[i].len;
    resp_arg *copy = mem_alloc(bytes ? bytes : 1);
    char *p = (char *)(copy + argc);
    for (size_t i = 0; i < argc; i++) {
        if (argv[i].len) memcpy(p, argv[i].ptr, argv[i].len);
        copy[i].ptr = p;
        copy[i].len = argv[i].len;
        p += argv[i].len;
    }
    return copy;
}
