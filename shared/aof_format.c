/* The AOF manifest and command reader (see aof_format.h). The reader follows Redis 7.0's
 * loadSingleAppendOnlyFile: lines as fgets gives them, atoi/strtol numbers, CRLF after a
 * bulk skipped unread; lengths are bounded by the bytes left, so nothing a file says can
 * size an allocation beyond the file. */
#include "aof_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* ---- Manifest ---- */

void aof_manifest_init(struct aof_manifest *m) { memset(m, 0, sizeof *m); }

static void info_free(struct aof_file_info *f) { mem_free(f->name); }

void aof_manifest_free(struct aof_manifest *m) {
    if (m->base) {
        info_free(m->base);
        mem_free(m->base);
    }
    for (size_t i = 0; i < m->nhistory; i++) info_free(&m->history[i]);
    for (size_t i = 0; i < m->nincr; i++) info_free(&m->incr[i]);
    mem_free(m->history);
    mem_free(m->incr);
    aof_manifest_init(m);
}

static void list_push(struct aof_file_info **list, size_t *n, struct aof_file_info f) {
    *list = mem_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = f;
}

/* One word of a line as sdssplitargs reads it: plain, or "quoted" with \-escapes, or
 * 'single quoted'. Returns the position after it, NULL when the quotes are unbalanced. */
static const char *split_word(const char *p, const char *end, buf_t *word) {
    word->len = 0;
    if (*p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            char c = *p;
            if (c == '\\' && p + 1 < end) {
                p++;
                c = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : *p == 'b' ? '\b'
                    : *p == 'a' ? '\a' : *p;
                if (*p == 'x' && p + 2 < end) {
                    char hex[3] = {p[1], p[2], 0};
                    c = (char)strtol(hex, NULL, 16);
                    p += 2;
                }
            }
            buf_append(word, &c, 1);
        }
        if (p >= end) return NULL;
        p++;
        if (p < end && *p != ' ' && *p != '\t') return NULL;
        return p;
    }
    if (*p == '\'') {
        for (p++; p < end && *p != '\''; p++) {
            if (*p == '\\' && p + 1 < end && p[1] == '\'') p++;
            buf_append(word, p, 1);
        }
        if (p >= end) return NULL;
        p++;
        if (p < end && *p != ' ' && *p != '\t') return NULL;
        return p;
    }
    const char *start = p;
    while (p < end && *p != ' ' && *p != '\t') p++;
    buf_append(word, start, (size_t)(p - start));
    return p;
}

static int parse_line(struct aof_manifest *m, const char *p, const char *end, long long *maxseq,
                      const char **err) {
    struct aof_file_info f = {0};
    buf_t word;
    buf_init(&word);
    char *key = NULL;
    int nwords = 0, rc = -1;
    *err = "Invalid AOF manifest file format";
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p >= end) break;
        p = split_word(p, end, &word);
        if (!p) goto done;
        char *w = mem_alloc(word.len + 1);
        memcpy(w, word.data ? word.data : "", word.len);
        w[word.len] = '\0';
        if (nwords++ % 2 == 0) {
            key = w;
            continue;
        }
        if (!strcasecmp(key, "file")) {
            mem_free(f.name);
            /* A name is a file's: not empty, no NUL inside (the rest would be cut off). */
            if (word.len == 0 || memchr(word.data, '\0', word.len)) {
                f.name = NULL;
                mem_free(w);
                goto done;
            }
            f.name = w;
            w = NULL;
            if (strchr(f.name, '/')) {
                *err = "File can't be a path, just a filename";
                goto done;
            }
        } else if (!strcasecmp(key, "seq")) {
            f.seq = atoll(w);
        } else if (!strcasecmp(key, "type")) {
            f.type = (enum aof_file_type)w[0];
        }
        mem_free(w);
        mem_free(key);
        key = NULL;
    }
    if (nwords < 6 || nwords % 2) goto done;
    if (!f.name || !f.seq || !f.type) goto done;
    if (f.type == AOF_BASE) {
        if (m->base) {
            *err = "Found duplicate base file information";
            goto done;
        }
        m->base = mem_alloc(sizeof *m->base);
        *m->base = f;
        m->base_seq = f.seq;
    } else if (f.type == AOF_HISTORY) {
        list_push(&m->history, &m->nhistory, f);
    } else if (f.type == AOF_INCR) {
        if (f.seq <= *maxseq) {
            *err = "Found a non-monotonic sequence number";
            goto done;
        }
        list_push(&m->incr, &m->nincr, f);
        m->incr_seq = *maxseq = f.seq;
    } else {
        *err = "Unknown AOF file type";
        goto done;
    }
    f.name = NULL;
    rc = 0;
done:
    mem_free(key);
    mem_free(f.name);
    buf_free(&word);
    return rc;
}

#define MANIFEST_MAX_LINE 1024

int aof_manifest_parse(struct aof_manifest *m, const char *text, size_t len, const char **err,
                       int *line) {
    aof_manifest_init(m);
    const char *p = text, *end = text + len;
    long long maxseq = 0;
    int n = 0;
    *line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        n++;
        *line = n;
        if (*p == '#') {
            p = nl ? nl + 1 : end;
            continue;
        }
        if (!nl || nl - p >= MANIFEST_MAX_LINE) {
            *err = "The AOF manifest file contains too long line";
            goto fail;
        }
        const char *s = p, *e = nl; /* trimmed of " \t\r\n" as Redis's sdstrim */
        while (s < e && strchr(" \t\r", *s)) s++;
        while (e > s && strchr(" \t\r", e[-1])) e--;
        if (s == e) {
            *err = "Invalid AOF manifest file format";
            goto fail;
        }
        if (parse_line(m, s, e, &maxseq, err) != 0) goto fail;
        p = nl + 1;
    }
    if (n == 0) {
        *err = "Found an empty AOF manifest";
        goto fail;
    }
    return 0;
fail:
    aof_manifest_free(m);
    return -1;
}

/* A name as Redis writes it: quoted (sdscatrepr) when it holds a space, quote or control. */
static void format_name(buf_t *out, const char *name) {
    int plain = 1;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '"' || *c == '\'' || *c == '\\' || *c == 0x7f) plain = 0;
    if (plain) {
        buf_append_str(out, name);
    } else {
        buf_append_repr(out, name, strlen(name));
    }
}

static void format_info(buf_t *out, const struct aof_file_info *f) {
    buf_append_str(out, "file ");
    format_name(out, f->name);
    buf_printf(out, " seq %lld type %c\n", f->seq, (char)f->type);
}

void aof_manifest_format(const struct aof_manifest *m, buf_t *out) {
    if (m->base) format_info(out, m->base);
    for (size_t i = 0; i < m->nhistory; i++) format_info(out, &m->history[i]);
    for (size_t i = 0; i < m->nincr; i++) format_info(out, &m->incr[i]);
}

static struct aof_file_info info_copy(const struct aof_file_info *f) {
    return (struct aof_file_info){mem_strdup(f->name), f->seq, f->type};
}

void aof_manifest_copy(struct aof_manifest *dst, const struct aof_manifest *src) {
    aof_manifest_init(dst);
    if (src->base) {
        dst->base = mem_alloc(sizeof *dst->base);
        *dst->base = info_copy(src->base);
    }
    for (size_t i = 0; i < src->nhistory; i++)
        list_push(&dst->history, &dst->nhistory, info_copy(&src->history[i]));
    for (size_t i = 0; i < src->nincr; i++) list_push(&dst->incr, &dst->nincr, info_copy(&src->incr[i]));
    dst->base_seq = src->base_seq;
    dst->incr_seq = src->incr_seq;
}

static char *numbered_name(const char *prefix, long long seq, const char *suffix) {
    size_t len = strlen(prefix) + strlen(suffix) + 32;
    char *name = mem_alloc(len);
    snprintf(name, len, "%s.%lld%s", prefix, seq, suffix);
    return name;
}

const char *aof_manifest_add_incr(struct aof_manifest *m, const char *prefix) {
    long long seq = ++m->incr_seq;
    list_push(&m->incr, &m->nincr,
              (struct aof_file_info){numbered_name(prefix, seq, ".incr.aof"), seq, AOF_INCR});
    return m->incr[m->nincr - 1].name;
}

const char *aof_manifest_new_base(struct aof_manifest *m, const char *prefix, int rdb) {
    if (m->base) { /* the old base goes first among the history, as in Redis */
        m->history = mem_realloc(m->history, (m->nhistory + 1) * sizeof *m->history);
        memmove(m->history + 1, m->history, m->nhistory * sizeof *m->history);
        m->history[0] = *m->base;
        m->history[0].type = AOF_HISTORY;
        m->nhistory++;
    } else {
        m->base = mem_alloc(sizeof *m->base);
    }
    long long seq = ++m->base_seq;
    *m->base = (struct aof_file_info){numbered_name(prefix, seq, rdb ? ".base.rdb" : ".base.aof"),
                                      seq, AOF_BASE};
    return m->base->name;
}

void aof_manifest_retire_incr(struct aof_manifest *m, size_t keep_last) {
    if (m->nincr <= keep_last) return;
    size_t retire = m->nincr - keep_last;
    /* Redis puts each retired file at the head of the history, the newest first. */
    for (size_t i = 0; i < retire; i++) {
        struct aof_file_info f = m->incr[i];
        f.type = AOF_HISTORY;
        m->history = mem_realloc(m->history, (m->nhistory + 1) * sizeof *m->history);
        memmove(m->history + 1, m->history, m->nhistory * sizeof *m->history);
        m->history[0] = f;
        m->nhistory++;
    }
    memmove(m->incr, m->incr + retire, keep_last * sizeof *m->incr);
    m->nincr = keep_last;
}

void aof_manifest_clear_history(struct aof_manifest *m) {
    for (size_t i = 0; i < m->nhistory; i++) info_free(&m->history[i]);
    mem_free(m->history);
    m->history = NULL;
    m->nhistory = 0;
}

/* ---- Commands ---- */

void aof_reader_init(aof_reader *r, const char *data, size_t len) {
    memset(r, 0, sizeof *r);
    r->base = r->p = data;
    r->end = data + len;
}

void aof_reader_free(aof_reader *r) {
    mem_free(r->argv);
    r->argv = NULL;
    r->cap = 0;
}

/* The next line as fgets reads it (up to and with its newline, or to the end). NULL at the
 * end of the bytes. */
static const char *next_line(aof_reader *r, size_t *len) {
    if (r->p >= r->end) return NULL;
    const char *line = r->p;
    const char *nl = memchr(line, '\n', (size_t)(r->end - line));
    r->p = nl ? nl + 1 : r->end;
    *len = (size_t)(r->p - line);
    return line;
}

/* atoi/strtol on a line that is not NUL-terminated. */
static long long line_number(const char *s, size_t len) {
    char tmp[32];
    if (len >= sizeof tmp) len = sizeof tmp - 1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return strtoll(tmp, NULL, 10);
}

enum aof_read_status aof_read_command(aof_reader *r) {
    size_t len;
    const char *start = r->p, *line = next_line(r, &len);
    if (!line) return AOF_READ_EOF;
    if (line[0] == '#') {
        size_t n = len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        r->annotation = line;
        r->annotation_len = n;
        return AOF_READ_ANNOTATION;
    }
    if (line[0] != '*') return AOF_READ_BAD_FORMAT;
    if (len == 1) { /* "*" and the end: Redis's fgets reads "*" and then nothing */
        r->p = start;
        return AOF_READ_TRUNCATED;
    }
    long long argc = line_number(line + 1, len - 1);
    if (argc < 1) return AOF_READ_BAD_FORMAT;
    /* Each argument takes at least "$0\r\n\r\n": more than the bytes left cannot be whole. */
    if ((unsigned long long)argc > (size_t)(r->end - r->p) / 6 + 1) return AOF_READ_TRUNCATED;
    if ((size_t)argc > r->cap) {
        r->cap = (size_t)argc;
        r->argv = mem_realloc(r->argv, r->cap * sizeof *r->argv);
    }
    for (long long j = 0; j < argc; j++) {
        line = next_line(r, &len);
        if (!line) return AOF_READ_TRUNCATED;
        if (line[0] != '$') return AOF_READ_BAD_FORMAT;
        long long blen = line_number(line + 1, len - 1);
        if (blen < 0) return AOF_READ_BAD_FORMAT;
        if ((unsigned long long)blen > (size_t)(r->end - r->p)) return AOF_READ_TRUNCATED;
        r->argv[j].ptr = (char *)r->p;
        r->argv[j].len = (size_t)blen;
        r->p += blen;
        if (r->end - r->p < 2) return AOF_READ_TRUNCATED;
        r->p += 2; /* the CRLF, unread as in Redis */
    }
    r->argc = (size_t)argc;
    return AOF_READ_COMMAND;
}

int aof_is_rdb(const char *data, size_t len) { return len >= 5 && memcmp(data, "REDIS", 5) == 0; }
