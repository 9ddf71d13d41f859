/* The dataset as commands (see aof_rewrite.h): SET, RPUSH, SADD, ZADD and HMSET in batches of
 * 64 elements, streams as XADD, XSETID, XGROUP CREATE, XGROUP CREATECONSUMER and XCLAIM,
 * PEXPIREAT after a key with a TTL, FUNCTION LOAD first. Written through a buffer. */
#include "persistence/aof_rewrite.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "core/server.h"
#include "keyspace/db.h"
#include "numconv.h"
#include "scripting/functions.h"
#include "types/t_stream.h"
#include "values/deque.h"
#include "values/hash_value.h"
#include "values/set_value.h"
#include "values/stream.h"
#include "values/zset_value.h"

#define ITEMS_PER_COMMAND 64 /* Redis's AOF_REWRITE_ITEMS_PER_CMD */
#define FLUSH_AT (64 * 1024)

struct out {
    int fd, error;
    buf_t buf;
    size_t autosync, unsynced;
};

static void flush_out(struct out *o) {
    for (size_t off = 0; off < o->buf.len && !o->error;) {
        ssize_t n = write(o->fd, o->buf.data + off, o->buf.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            o->error = errno;
            break;
        }
        off += (size_t)n;
    }
    o->unsynced += o->buf.len;
    if (o->autosync && o->unsynced >= o->autosync && !o->error) {
        if (fdatasync(o->fd) != 0) o->error = errno;
        o->unsynced = 0;
    }
    o->buf.len = 0;
}

static void put_count(struct out *o, char kind, long long n) {
    char num[LL_STR_SIZE];
    buf_append(&o->buf, &kind, 1);
    buf_append(&o->buf, num, ll_to_str(num, n));
    buf_append(&o->buf, "\r\n", 2);
}

static void put_bulk(struct out *o, const char *s, size_t len) {
    put_count(o, '$', (long long)len);
    buf_append(&o->buf, s, len);
    buf_append(&o->buf, "\r\n", 2);
    if (o->buf.len >= FLUSH_AT) flush_out(o);
}

static void put_str(struct out *o, const char *s) { put_bulk(o, s, strlen(s)); }

static void put_ll(struct out *o, long long v) {
    char num[LL_STR_SIZE];
    put_bulk(o, num, ll_to_str(num, v));
}

static void put_id(struct out *o, const stream_id *id) {
    char text[STREAM_ID_TEXT];
    put_bulk(o, text, stream_format_id(text, id));
}

/* The header of a batch command: name, key, and as many items as are left (at most 64)
 * times per_item arguments each. */
static void put_batch_header(struct out *o, const char *name, entry *e, size_t left, int per_item) {
    size_t n = left < ITEMS_PER_COMMAND ? left : ITEMS_PER_COMMAND;
    put_count(o, '*', 2 + (long long)n * per_item);
    put_str(o, name);
    put_bulk(o, entry_key(e), e->keylen);
}

static void put_list(struct out *o, entry *e) {
    deque *l = entry_obj(e);
    size_t left = l->count, done = 0;
    deque_iter it;
    deque_elem el;
    for (deque_iter_at(&it, l, 0, 1); deque_iter_valid(&it); deque_iter_next(&it), done++, left--) {
        if (done % ITEMS_PER_COMMAND == 0) put_batch_header(o, "RPUSH", e, left, 1);
        deque_iter_get(&it, &el);
        put_bulk(o, el.ptr, el.len);
    }
}

static void put_set(struct out *o, entry *e) {
    set_value *s = entry_obj(e);
    size_t left = set_count(s), done = 0;
    set_iter it;
    const char *m;
    size_t len;
    set_iter_init(&it, s);
    for (; set_iter_next(&it, &m, &len); done++, left--) {
        if (done % ITEMS_PER_COMMAND == 0) put_batch_header(o, "SADD", e, left, 1);
        put_bulk(o, m, len);
    }
    set_iter_done(&it);
}

static void put_zset(struct out *o, entry *e) {
    zset_value *z = entry_obj(e);
    size_t left = zset_count(z), done = 0;
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, z, 0, 0);
    for (; zset_iter_next(&it, &m, &len, &score); done++, left--) {
        if (done % ITEMS_PER_COMMAND == 0) put_batch_header(o, "ZADD", e, left, 2);
        char text[64];
        int n = snprintf(text, sizeof text, "%.17g", score); /* Redis's rioWriteBulkDouble */
        put_bulk(o, text, (size_t)n);
        put_bulk(o, m, len);
    }
    zset_iter_done(&it);
}

static void put_hash(struct out *o, entry *e) {
    hash_value *h = entry_obj(e);
    size_t left = hash_count(h), done = 0;
    hash_iter it;
    const char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, h);
    for (; hash_iter_next(&it, &f, &flen, &v, &vlen); done++, left--) {
        if (done % ITEMS_PER_COMMAND == 0) put_batch_header(o, "HMSET", e, left, 2);
        put_bulk(o, f, flen);
        put_bulk(o, v, vlen);
    }
    hash_iter_done(&it);
}

/* Redis's rewriteStreamObject: the entries (or a placeholder trimmed away at once when there
 * are none), the counters, then each group, its consumers and their pending entries. */
static void put_stream(struct out *o, entry *e) {
    stream *s = entry_obj(e);
    const char *key = entry_key(e);
    size_t klen = e->keylen;
    if (s->length) {
        stream_iter it;
        stream_id id;
        int64_t nfields;
        stream_iter_start(&it, s, NULL, NULL, 0);
        while (stream_iter_next(&it, &id, &nfields)) {
            put_count(o, '*', 3 + nfields * 2);
            put_str(o, "XADD");
            put_bulk(o, key, klen);
            put_id(o, &id);
            while (nfields--) {
                const char *f, *v;
                size_t flen, vlen;
                stream_iter_field(&it, &f, &flen, &v, &vlen);
                put_bulk(o, f, flen);
                put_bulk(o, v, vlen);
            }
        }
    } else {
        stream_id first = {0, 1};
        put_count(o, '*', 7);
        put_str(o, "XADD");
        put_bulk(o, key, klen);
        put_str(o, "MAXLEN");
        put_str(o, "0");
        put_id(o, &first);
        put_str(o, "x");
        put_str(o, "y");
    }
    put_count(o, '*', 7);
    put_str(o, "XSETID");
    put_bulk(o, key, klen);
    put_id(o, &s->last_id);
    put_str(o, "ENTRIESADDED");
    put_ll(o, (long long)s->entries_added);
    put_str(o, "MAXDELETEDID");
    put_id(o, &s->max_deleted_id);
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct stream_group *g = s->groups[i];
        put_count(o, '*', 7);
        put_str(o, "XGROUP");
        put_str(o, "CREATE");
        put_bulk(o, key, klen);
        put_bulk(o, g->name, g->namelen);
        put_id(o, &g->last_id);
        put_str(o, "ENTRIESREAD");
        put_ll(o, g->entries_read);
        for (size_t k = 0; k < g->nconsumers; k++) {
            const struct stream_consumer *c = g->consumers[k];
            if (idx_size(&c->pel) == 0) {
                put_count(o, '*', 5);
                put_str(o, "XGROUP");
                put_str(o, "CREATECONSUMER");
                put_bulk(o, key, klen);
                put_bulk(o, g->name, g->namelen);
                put_bulk(o, c->name, c->namelen);
                continue;
            }
            idx_iter it;
            stream_id id;
            void *val;
            idx_seek(&it, &c->pel, NULL);
            while (idx_next(&it, &id, &val)) {
                const struct stream_nack *nack = val;
                put_count(o, '*', 12);
                put_str(o, "XCLAIM");
                put_bulk(o, key, klen);
                put_bulk(o, g->name, g->namelen);
                put_bulk(o, c->name, c->namelen);
                put_str(o, "0");
                put_id(o, &id);
                put_str(o, "TIME");
                put_ll(o, nack->delivery_time);
                put_str(o, "RETRYCOUNT");
                put_ll(o, (long long)nack->delivery_count);
                put_str(o, "JUSTID");
                put_str(o, "FORCE");
            }
        }
    }
}

static void put_entry(struct out *o, entry *e) {
    switch (e->type) {
    case OBJ_STRING: {
        char digits[LL_STR_SIZE];
        size_t len;
        const char *v = entry_string(e, digits, &len);
        put_count(o, '*', 3);
        put_str(o, "SET");
        put_bulk(o, entry_key(e), e->keylen);
        put_bulk(o, v, len);
        break;
    }
    case OBJ_LIST:
        put_list(o, e);
        break;
    case OBJ_SET:
        put_set(o, e);
        break;
    case OBJ_ZSET:
        put_zset(o, e);
        break;
    case OBJ_HASH:
        put_hash(o, e);
        break;
    case OBJ_STREAM:
        put_stream(o, e);
        break;
    }
    long long when = entry_expire(e);
    if (when >= 0) {
        put_count(o, '*', 3);
        put_str(o, "PEXPIREAT");
        put_bulk(o, entry_key(e), e->keylen);
        put_ll(o, when);
    }
}

static void put_function(const char *code, size_t len, void *ctx) {
    struct out *o = ctx;
    put_count(o, '*', 3);
    put_str(o, "FUNCTION");
    put_str(o, "LOAD");
    put_bulk(o, code, len);
}

int aof_write_dataset_commands(int fd, size_t autosync, void (*after_key)(void)) {
    struct out o = {fd, 0, {0}, autosync, 0};
    buf_init(&o.buf);
    if (server.cfg.aof_timestamp_enabled) buf_printf(&o.buf, "#TS:%lld\r\n", (long long)time(NULL));
    functions_foreach_code(put_function, &o);
    for (int i = 0; i < server.ndbs && !o.error; i++) {
        db *d = &server.dbs[i];
        if (dict_size(&d->keys) == 0) continue;
        put_count(&o, '*', 2);
        put_str(&o, "SELECT");
        put_ll(&o, i);
        dict_iter it;
        dict_iter_init(&it, &d->keys);
        for (entry *e; !o.error && (e = (entry *)dict_iter_next(&it));) {
            put_entry(&o, e);
            if (after_key) after_key();
        }
        dict_iter_done(&it);
    }
    flush_out(&o);
    buf_free(&o.buf);
    errno = o.error;
    return o.error ? -1 : 0;
}
