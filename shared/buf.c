#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

void buf_init(buf_t *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_free(buf_t *b) {
    mem_free(b->data);
    buf_init(b);
}

void buf_reserve(buf_t *b, size_t extra) {
    if (b->cap - b->len >= extra) return;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap < (1u << 30) ? cap * 2 : cap + (1u << 30);
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
}

void buf_append(buf_t *b, const void *data, size_t len) {
    buf_reserve(b, len);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
}

void buf_append_str(buf_t *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_append_stream(buf_t *b, FILE *f) {
    char chunk[8192];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, f)) > 0;) buf_append(b, chunk, n);
}

void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        buf_append(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_consume(buf_t *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void buf_resize(buf_t *b, size_t cap) {
    if (cap < b->len) cap = b->len;
    if (cap == b->cap) return;
    if (cap == 0) {
        buf_free(b);
        return;
    }
    b->data = mem_realloc(b->data, cap);
    b->cap = cap;
}

void buf_shrink(buf_t *b, size_t keep) {
    if (b->cap - b->len <= keep) return;
    if (b->len == 0) {
        buf_free(b);
        return;
    }
    b->data = mem_realloc(b->data, b->len);
    b->cap = b->len;
}

void buf_append_repr(buf_t *b, const char *s, size_t len) {
    buf_append(b, "\"", 1);
    for (const char *end = s + len; s < end; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '\\': buf_append(b, "\\\\", 2); break;
        case '"': buf_append(b, "\\\"", 2); break;
        case '\n': buf_append(b, "\\n", 2); break;
        case '\r': buf_append(b, "\\r", 2); break;
        case '\t': buf_append(b, "\\t", 2); break;
        case '\a': buf_append(b, "\\a", 2); break;
        case '\b': buf_append(b, "\\b", 2); break;
        default:
            if (ch >= 32 && ch < 127)
                buf_append(b, s, 1);
            else
                buf_printf(b, "\\x%02x", ch);
        }
    }
    buf_append(b, "\"", 1);
}
