/* Writer and reader of the rill snapshot format (see snapshot_format.h). */
#include "snapshot_format.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crc64.h"
#include "mem.h"
#include "varint.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the snapshot format is little-endian");

#define WRITE_BUFFER (1u << 20)
#define REC_DB 0xfe
#define REC_END 0xff

/* ---- Writer ---- */

static void flush(snap_writer *w) {
    w->crc = crc64(w->crc, w->buf, w->len);
    const unsigned char *p = w->buf;
    size_t left = w->len;
    while (left && !w->error) {
        ssize_t n = write(w->fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            w->error = n < 0 ? errno : EIO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    w->bytes += w->len;
    w->len = 0;
}

static void put_bytes(snap_writer *w, const void *data, size_t len) {
    if (w->len + len > w->cap) {
        flush(w);
        if (len > w->cap) { /* a big value goes straight out, checksummed on the way */
            unsigned char *keep = w->buf;
            w->buf = (unsigned char *)data;
            w->len = len;
            flush(w);
            w->buf = keep;
            return;
        }
    }
    memcpy(w->buf + w->len, data, len);
    w->len += len;
}

static void put_varint(snap_writer *w, uint64_t v) {
    if (w->cap - w->len < 10) flush(w);
    w->len += varint_put(w->buf + w->len, v);
}

static void put_u64(snap_writer *w, uint64_t v) { put_bytes(w, &v, 8); }

void snap_writer_init(snap_writer *w, int fd, uint64_t created_ms) {
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->cap = WRITE_BUFFER;
    w->buf = mem_alloc(w->cap);
    uint32_t version = SNAP_VERSION;
    put_bytes(w, SNAP_MAGIC, 8);
    put_bytes(w, &version, 4);
    put_u64(w, created_ms);
}

void snap_put_db(snap_writer *w, uint32_t db, uint64_t nkeys) {
    unsigned char op = REC_DB;
    put_bytes(w, &op, 1);
    put_varint(w, db);
    put_varint(w, nkeys);
}

void snap_put_key(snap_writer *w, enum snap_type type, long long expire_ms, const char *key,
                  size_t len) {
    unsigned char t = (unsigned char)type | (expire_ms >= 0 ? SNAP_HAS_EXPIRE : 0);
    put_bytes(w, &t, 1);
    if (expire_ms >= 0) put_u64(w, (uint64_t)expire_ms);
    snap_put_string(w, key, len);
}

void snap_put_count(snap_writer *w, uint64_t n) { put_varint(w, n); }
void snap_put_client_flags(snap_writer *w, uint32_t flags) { put_varint(w, flags); }

void snap_put_string(snap_writer *w, const char *s, size_t len) {
    put_varint(w, len);
    put_bytes(w, s, len);
}

void snap_put_int(snap_writer *w, long long v) {
    uint64_t u = (uint64_t)v;
    put_varint(w, (u << 1) ^ (v < 0 ? ~0ULL : 0)); /* zigzag: small negatives stay short */
}

void snap_put_double(snap_writer *w, double d) { put_bytes(w, &d, 8); }

int snap_writer_finish(snap_writer *w) {
    unsigned char op = REC_END;
    put_bytes(w, &op, 1);
    flush(w);
    uint64_t crc = w->crc;
    put_u64(w, crc);
    flush(w);
    mem_free(w->buf);
    w->buf = NULL;
    if (w->error) {
        errno = w->error;
        return -1;
    }
    return 0;
}

void snap_writer_abort(snap_writer *w) {
    mem_free(w->buf);
    w->buf = NULL;
}

/* ---- Reader ---- */

int snap_fail(snap_reader *r, const char *what) {
    if (!r->err[0]) {
        r->err_offset = (size_t)(r->p - r->base);
        snprintf(r->err, sizeof r->err, "%s", what);
    }
    return -1;
}

static size_t left(const snap_reader *r) { return (size_t)(r->end - r->p); }

static int read_varint(snap_reader *r, uint64_t *v, const char *what) {
    uint64_t out = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (r->p + i >= r->end) return snap_fail(r, "unexpected end of file");
        unsigned char b = r->p[i];
        if (i == 9 && b > 1) break;
        out |= (uint64_t)(b & 127) << (7 * i);
        if (!(b & 128)) {
            r->p += i + 1;
            *v = out;
            return 0;
        }
    }
    char msg[80];
    snprintf(msg, sizeof msg, "invalid %s (varint longer than 64 bits)", what);
    return snap_fail(r, msg);
}

static int read_u64(snap_reader *r, uint64_t *v) {
    if (left(r) < 8) return snap_fail(r, "unexpected end of file");
    memcpy(v, r->p, 8);
    r->p += 8;
    return 0;
}

int snap_open(snap_reader *r, const void *data, size_t len) {
    memset(r, 0, sizeof *r);
    r->base = r->p = data;
    r->len = len;
    r->end = r->base + len;
    if (len >= 5 && memcmp(data, "REDIS", 5) == 0)
        return snap_fail(r, "this is a Redis RDB file, not a rill snapshot");
    if (len < 8 || memcmp(data, SNAP_MAGIC, 8) != 0)
        return snap_fail(r, len < 8 && memcmp(data, SNAP_MAGIC, len) == 0
                                ? "unexpected end of file"
                                : "not a rill snapshot (bad magic)");
    r->p += 8;
    if (len < SNAP_HEADER_LEN) return snap_fail(r, "unexpected end of file");
    memcpy(&r->version, r->p, 4);
    if (r->version < SNAP_VERSION_MIN || r->version > SNAP_VERSION) {
        char msg[80];
        snprintf(msg, sizeof msg, "unsupported snapshot version %u (this build reads %u to %u)",
                 r->version, SNAP_VERSION_MIN, SNAP_VERSION);
        return snap_fail(r, msg);
    }
    memcpy(&r->created_ms, r->p + 4, 8);
    r->p = r->base + SNAP_HEADER_LEN;
    if (len < SNAP_HEADER_LEN + 1 + SNAP_TRAILER_LEN) {
        r->p = r->end;
        return snap_fail(r, "unexpected end of file");
    }
    r->end = r->base + len - SNAP_TRAILER_LEN;
    return 0;
}

int snap_checksum_ok(const snap_reader *r) {
    uint64_t stored;
    memcpy(&stored, r->end, 8);
    return crc64(0, r->base, (size_t)(r->end - r->base)) == stored;
}

enum snap_record_kind snap_next(snap_reader *r, snap_record *rec) {
    if (r->p >= r->end) {
        snap_fail(r, "unexpected end of file (no END record)");
        return SNAP_REC_ERROR;
    }
    unsigned char op = *r->p;
    if (op == REC_END) {
        r->p++;
        return SNAP_REC_END;
    }
    if (op == REC_DB) {
        const unsigned char *at = r->p++;
        uint64_t db;
        if (read_varint(r, &db, "database number") || read_varint(r, &rec->nkeys, "key count"))
            return SNAP_REC_ERROR;
        if (db > UINT32_MAX || rec->nkeys > left(r)) {
            r->p = at;
            snap_fail(r, db > UINT32_MAX ? "invalid database number" : "key count beyond end of file");
            return SNAP_REC_ERROR;
        }
        rec->db = (uint32_t)db;
        return SNAP_REC_DB;
    }
    unsigned type = op & ~SNAP_HAS_EXPIRE;
    if (type == 0 || type >= SNAP_TYPE_COUNT) {
        char msg[48];
        snprintf(msg, sizeof msg, "unknown record type 0x%02x", op);
        snap_fail(r, msg);
        return SNAP_REC_ERROR;
    }
    r->p++;
    rec->type = (enum snap_type)type;
    rec->expire_ms = -1;
    if (op & SNAP_HAS_EXPIRE) {
        uint64_t when;
        if (read_u64(r, &when)) return SNAP_REC_ERROR;
        if (when > INT64_MAX) {
            r->p -= 8;
            snap_fail(r, "invalid expiry time");
            return SNAP_REC_ERROR;
        }
        rec->expire_ms = (long long)when;
    }
    if (snap_read_string(r, &rec->key, &rec->keylen)) return SNAP_REC_ERROR;
    return SNAP_REC_KEY;
}

int snap_read_client_flags(snap_reader *r, uint32_t *flags) {
    const unsigned char *at = r->p;
    uint64_t v;
    if (read_varint(r, &v, "client flags")) return -1;
    if (v > UINT32_MAX) {
        r->p = at;
        return snap_fail(r, "client flags above 32 bits");
    }
    *flags = (uint32_t)v;
    return 0;
}

int snap_read_count(snap_reader *r, uint64_t *n) {
    const unsigned char *at = r->p;
    if (read_varint(r, n, "element count")) return -1;
    if (*n > left(r)) {
        r->p = at;
        return snap_fail(r, "element count beyond end of file");
    }
    return 0;
}

int snap_read_string(snap_reader *r, const char **s, size_t *len) {
    const unsigned char *at = r->p;
    uint64_t n;
    if (read_varint(r, &n, "string length")) return -1;
    if (n > left(r)) {
        r->p = at;
        return snap_fail(r, "string length beyond end of file");
    }
    *s = (const char *)r->p;
    *len = (size_t)n;
    r->p += n;
    return 0;
}

int snap_read_int(snap_reader *r, long long *v) {
    uint64_t z;
    if (read_varint(r, &z, "integer")) return -1;
    *v = (long long)((z >> 1) ^ (~(z & 1) + 1));
    return 0;
}

int snap_read_double(snap_reader *r, double *d) {
    if (left(r) < 8) return snap_fail(r, "unexpected end of file");
    memcpy(d, r->p, 8);
    r->p += 8;
    return 0;
}

int snap_skip_value(snap_reader *r, enum snap_type type) {
    const char *s;
    size_t len;
    long long v;
    double d;
    uint64_t n;
    switch (type) {
    case SNAP_STRING:
        return snap_read_string(r, &s, &len);
    case SNAP_FLAGGED_STRING: {
        uint32_t flags;
        return snap_read_client_flags(r, &flags) || snap_read_string(r, &s, &len) ? -1 : 0;
    }
    case SNAP_INT:
        return snap_read_int(r, &v);
    case SNAP_LIST:
    case SNAP_SET:
    case SNAP_HASH:
        if (snap_read_count(r, &n)) return -1;
        if (type == SNAP_HASH) n *= 2;
        for (uint64_t i = 0; i < n; i++)
            if (snap_read_string(r, &s, &len)) return -1;
        return 0;
    case SNAP_ZSET:
        if (snap_read_count(r, &n)) return -1;
        for (uint64_t i = 0; i < n; i++)
            if (snap_read_string(r, &s, &len) || snap_read_double(r, &d)) return -1;
        return 0;
    default:
        return snap_fail(r, "unknown value type");
    }
}

const char *snap_type_name(enum snap_type type) {
    static const char *names[SNAP_TYPE_COUNT] = {"?",   "string", "string", "list",
                                                 "set", "zset",   "hash",   "string"};
    return (unsigned)type < SNAP_TYPE_COUNT ? names[type] : "?";
}

int snap_verify(snap_reader *r, const void *data, size_t len, struct snap_summary *sum) {
    if (sum) memset(sum, 0, sizeof *sum);
    if (snap_open(r, data, len)) return -1;
    struct snap_db_summary *cur = NULL;
    uint64_t expected = 0;
    for (;;) {
        snap_record rec;
        const unsigned char *at = r->p;
        enum snap_record_kind kind = snap_next(r, &rec);
        if (kind == SNAP_REC_ERROR) return -1;
        if (kind == SNAP_REC_END) break;
        if (kind == SNAP_REC_DB) {
            if (expected) {
                r->p = at;
                return snap_fail(r, "fewer keys than the database record announced");
            }
            expected = rec.nkeys;
            if (sum) {
                sum->dbs = mem_realloc(sum->dbs, (sum->ndbs + 1) * sizeof *sum->dbs);
                cur = &sum->dbs[sum->ndbs++];
                memset(cur, 0, sizeof *cur);
                cur->db = rec.db;
            }
            continue;
        }
        if (expected == 0) {
            r->p = at;
            return snap_fail(r, "key outside a database record");
        }
        expected--;
        if (snap_skip_value(r, rec.type)) return -1;
        if (cur) {
            cur->keys[rec.type]++;
            if (rec.expire_ms >= 0) cur->expires++;
        }
    }
    if (expected) {
        r->p--;
        return snap_fail(r, "fewer keys than the database record announced");
    }
    if (r->p != r->end) return snap_fail(r, "data after the END record");
    if (!snap_checksum_ok(r)) {
        uint64_t stored;
        memcpy(&stored, r->end, 8);
        char msg[120];
        snprintf(msg, sizeof msg, "checksum mismatch (file says %016llx, contents give %016llx)",
                 (unsigned long long)stored,
                 (unsigned long long)crc64(0, r->base, (size_t)(r->end - r->base)));
        return snap_fail(r, msg);
    }
    return 0;
}

void snap_summary_free(struct snap_summary *sum) {
    mem_free(sum->dbs);
    sum->dbs = NULL;
    sum->ndbs = 0;
}
