/* Writer and reader of Redis's RDB format (see rdb_format.h). Layouts follow Redis 7.0's rdb.c:
 * big-endian lengths, little-endian integers, expiry times and doubles. */
#include "rdb_format.h"

#include <errno.h>
#include <liblzf/lzf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc64.h"
#include "mem.h"
#include "numconv.h"
#include "packed_blobs.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the RDB writer assumes little-endian");

#define WRITE_BUFFER (1u << 20)
#define ENC_INT8 0
#define ENC_INT16 1
#define ENC_INT32 2
#define ENC_LZF 3
#define COMPRESS_MIN_LEN 20 /* Redis compresses longer strings only */
/* One LZF back reference (3 bytes) stands for 264 at most: a longer claimed size is damage,
 * and refusing it keeps a small bad file from asking for a huge allocation. */
#define LZF_MAX_RATIO 90

/* ---- Writer ---- */

static void flush(rdb_writer *w) {
    if (w->fd < 0) return;
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
    w->unsynced += w->len;
    if (w->autosync && w->unsynced >= w->autosync && !w->error) {
        if (fdatasync(w->fd) != 0) w->error = errno;
        w->unsynced = 0;
    }
    w->len = 0;
}

static void put_bytes(rdb_writer *w, const void *data, size_t len) {
    if (w->len + len > w->cap) {
        if (w->fd < 0) {
            while (w->len + len > w->cap)
                w->cap *= 2;
            w->buf = mem_realloc(w->buf, w->cap);
        } else {
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
    }
    memcpy(w->buf + w->len, data, len);
    w->len += len;
}

void rdb_writer_init(rdb_writer *w, int fd, int compress) {
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->compress = compress;
    w->cap = fd < 0 ? 256 : WRITE_BUFFER;
    w->buf = mem_alloc(w->cap);
}

void rdb_put_header(rdb_writer *w) {
    char header[RDB_HEADER_LEN + 1];
    snprintf(header, sizeof header, "REDIS%04d", RDB_VERSION);
    put_bytes(w, header, RDB_HEADER_LEN);
}

void rdb_put_raw(rdb_writer *w, const void *data, size_t len) { put_bytes(w, data, len); }

void rdb_put_byte(rdb_writer *w, uint8_t b) {
    put_bytes(w, &b, 1);
}

void rdb_put_len(rdb_writer *w, uint64_t n) {
    unsigned char b[9];
    if (n < 1 << 6) {
        b[0] = (unsigned char)n;
        put_bytes(w, b, 1);
    } else if (n < 1 << 14) {
        b[0] = (unsigned char)(n >> 8 | 0x40);
        b[1] = (unsigned char)n;
        put_bytes(w, b, 2);
    } else if (n <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++)
            b[1 + i] = (unsigned char)(n >> (24 - 8 * i));
        put_bytes(w, b, 5);
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++)
            b[1 + i] = (unsigned char)(n >> (56 - 8 * i));
        put_bytes(w, b, 9);
    }
}

/* The integer encodings: 1, 2 or 4 little-endian bytes after 0xc0 | width code. 0 when v does
 * not fit 32 bits. */
static size_t encode_int(unsigned char *out, long long v) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
        out[0] = 0xc0 | ENC_INT8;
        out[1] = (unsigned char)v;
        return 2;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
        out[0] = 0xc0 | ENC_INT16;
        memcpy(out + 1, &(int16_t){(int16_t)v}, 2);
        return 3;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        out[0] = 0xc0 | ENC_INT32;
        memcpy(out + 1, &(int32_t){(int32_t)v}, 4);
        return 5;
    }
    return 0;
}

/* Compressed form when it saves space; 0 otherwise. */
static int put_compressed(rdb_writer *w, const char *s, size_t len) {
    if (len > UINT32_MAX) return 0;
    size_t room = len - 4;
    unsigned char small[512];
    unsigned char *out = room <= sizeof small ? small : mem_alloc(room);
    unsigned clen = lzf_compress(s, (unsigned)len, out, (unsigned)room);
    if (clen) {
        rdb_put_byte(w, 0xc0 | ENC_LZF);
        rdb_put_len(w, clen);
        rdb_put_len(w, len);
        put_bytes(w, out, clen);
    }
    if (out != small) mem_free(out);
    return clen != 0;
}

void rdb_put_string(rdb_writer *w, const char *s, size_t len) {
    long long v;
    char digits[LL_STR_SIZE];
    unsigned char enc[5];
    size_t n;
    if (len <= 11 && str_to_ll(s, len, &v) == 0 && ll_to_str(digits, v) == len &&
        (n = encode_int(enc, v)) != 0) {
        put_bytes(w, enc, n);
        return;
    }
    if (w->compress && len > COMPRESS_MIN_LEN && put_compressed(w, s, len)) return;
    rdb_put_len(w, len);
    put_bytes(w, s, len);
}

void rdb_put_ll(rdb_writer *w, long long v) {
    unsigned char enc[5];
    size_t n = encode_int(enc, v);
    if (n) {
        put_bytes(w, enc, n);
        return;
    }
    char digits[LL_STR_SIZE];
    n = ll_to_str(digits, v);
    rdb_put_len(w, n);
    put_bytes(w, digits, n);
}

void rdb_put_double(rdb_writer *w, double d) {
    put_bytes(w, &d, 8);
}
void rdb_put_ms(rdb_writer *w, long long ms) {
    put_bytes(w, &ms, 8);
}

void rdb_put_aux(rdb_writer *w, const char *key, const char *value) {
    rdb_put_byte(w, RDB_OP_AUX);
    rdb_put_string(w, key, strlen(key));
    rdb_put_string(w, value, strlen(value));
}

int rdb_writer_finish(rdb_writer *w, int checksum) {
    rdb_put_byte(w, RDB_OP_EOF);
    flush(w);
    uint64_t crc = checksum ? w->crc : 0;
    put_bytes(w, &crc, 8);
    flush(w);
    mem_free(w->buf);
    w->buf = NULL;
    if (w->error) {
        errno = w->error;
        return -1;
    }
    return 0;
}

unsigned char *rdb_writer_take_dump(rdb_writer *w, size_t *len) {
    uint16_t version = RDB_VERSION;
    put_bytes(w, &version, 2);
    uint64_t crc = crc64(0, w->buf, w->len);
    put_bytes(w, &crc, 8);
    unsigned char *out = w->buf;
    *len = w->len;
    w->buf = NULL;
    return out;
}

void rdb_writer_abort(rdb_writer *w) {
    mem_free(w->buf);
    w->buf = NULL;
}

/* ---- Reader ---- */

int rdb_fail(rdb_reader *r, const char *fmt, ...) {
    if (r->err[0]) return -1; /* the first problem is the one reported */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->err_offset = (size_t)(r->p - r->base);
    return -1;
}

static size_t bytes_left(const rdb_reader *r) {
    return (size_t)(r->end - r->p);
}

static int need(rdb_reader *r, size_t n, const char *what) {
    return bytes_left(r) >= n ? 0 : rdb_fail(r, "%s past the end of the data", what);
}

void rdb_str_free(rdb_str *s) {
    mem_free(s->owned);
    s->owned = NULL;
}

int rdb_open(rdb_reader *r, const void *data, size_t len) {
    memset(r, 0, sizeof *r);
    r->base = r->p = data;
    r->len = len;
    r->end = r->base + len;
    if (len < RDB_HEADER_LEN || memcmp(data, "REDIS", 5) != 0)
        return rdb_fail(r, "not an RDB file (no REDIS signature)");
    int version = 0;
    for (int i = 5; i < RDB_HEADER_LEN; i++) {
        if (r->base[i] < '0' || r->base[i] > '9') return rdb_fail(r, "bad RDB version digits");
        version = version * 10 + (r->base[i] - '0');
    }
    if (version < 1 || version > RDB_VERSION)
        return rdb_fail(r, "can't handle RDB format version %d", version);
    r->version = version;
    r->p += RDB_HEADER_LEN;
    if (version >= 5) {
        if (len < RDB_HEADER_LEN + 1 + RDB_TRAILER_LEN) return rdb_fail(r, "file too short");
        r->end -= RDB_TRAILER_LEN;
    }
    return 0;
}

int rdb_open_preamble(rdb_reader *r, const void *data, size_t len) {
    int rc = rdb_open(r, data, len);
    r->end = r->base + len;
    r->preamble = 1;
    return rc;
}

int rdb_preamble_end(rdb_reader *r, int check) {
    if (r->version < 5) return 0;
    uint64_t stored;
    if ((size_t)(r->end - r->p) < sizeof stored) return rdb_fail(r, "the checksum after EOF is missing");
    memcpy(&stored, r->p, sizeof stored);
    if (check && stored && stored != crc64(0, r->base, (size_t)(r->p - r->base)))
        return rdb_fail(r, "RDB CRC error: the checksum does not match the contents");
    r->p += sizeof stored;
    return 0;
}

int rdb_checksum_ok(const rdb_reader *r) {
    if (r->version < 5) return 1;
    uint64_t stored;
    memcpy(&stored, r->base + r->len - RDB_TRAILER_LEN, 8);
    return stored == 0 || stored == crc64(0, r->base, r->len - RDB_TRAILER_LEN);
}

int rdb_open_dump(rdb_reader *r, const void *data, size_t len, int check_crc) {
    memset(r, 0, sizeof *r);
    r->base = r->p = data;
    r->len = len;
    r->end = r->base + len;
    if (len < RDB_DUMP_FOOTER_LEN) return rdb_fail(r, "payload too short");
    const unsigned char *footer = r->base + len - RDB_DUMP_FOOTER_LEN;
    uint16_t version;
    uint64_t stored;
    memcpy(&version, footer, 2);
    memcpy(&stored, footer + 2, 8);
    if (version > RDB_VERSION) return rdb_fail(r, "payload version %u", version);
    if (check_crc && stored != crc64(0, r->base, len - 8)) return rdb_fail(r, "payload checksum");
    r->version = version;
    r->end = footer;
    return 0;
}

int rdb_read_byte(rdb_reader *r, uint8_t *b) {
    if (need(r, 1, "byte")) return -1;
    *b = *r->p++;
    return 0;
}

static uint64_t read_be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A length, or (encoded set) the code of a special string encoding. */
static int read_len_or_encoding(rdb_reader *r, uint64_t *n, int *encoded) {
    uint8_t b;
    if (rdb_read_byte(r, &b)) return -1;
    *encoded = 0;
    switch (b >> 6) {
    case 0:
        *n = b & 0x3f;
        return 0;
    case 1:
        if (need(r, 1, "length")) return -1;
        *n = (uint64_t)(b & 0x3f) << 8 | *r->p++;
        return 0;
    case 3:
        *encoded = 1;
        *n = b & 0x3f;
        return 0;
    }
    int width = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
    if (!width) return rdb_fail(r, "unknown length encoding %d", b);
    if (need(r, (size_t)width, "length")) return -1;
    *n = read_be(r->p, width);
    r->p += width;
    return 0;
}

int rdb_read_len(rdb_reader *r, uint64_t *n) {
    int encoded;
    if (read_len_or_encoding(r, n, &encoded)) return -1;
    return encoded ? rdb_fail(r, "a string encoding where a length belongs") : 0;
}

int rdb_read_count(rdb_reader *r, uint64_t *n, size_t min_bytes) {
    if (rdb_read_len(r, n)) return -1;
    if (*n > bytes_left(r) / min_bytes)
        return rdb_fail(r, "count %llu is more than the data holds", (unsigned long long)*n);
    return 0;
}

static int read_encoded_string(rdb_reader *r, uint64_t code, rdb_str *s) {
    if (code <= ENC_INT32) {
        size_t width = (size_t)1 << code;
        if (need(r, width, "integer")) return -1;
        long long v = code == ENC_INT8 ? (int8_t)r->p[0]
                      : code == ENC_INT16
                          ? (int16_t)(r->p[0] | r->p[1] << 8)
                          : (int32_t)((uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 |
                                      (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24);
        r->p += width;
        s->len = ll_to_str(s->digits, v);
        s->ptr = s->digits;
        return 0;
    }
    if (code != ENC_LZF)
        return rdb_fail(r, "unknown string encoding %llu", (unsigned long long)code);
    uint64_t clen, ulen;
    if (rdb_read_len(r, &clen) || rdb_read_len(r, &ulen)) return -1;
    if (need(r, clen, "compressed string")) return -1;
    if (ulen == 0 || clen == 0 || ulen > clen * LZF_MAX_RATIO || ulen > UINT32_MAX)
        return rdb_fail(r, "bad compressed string lengths");
    s->owned = mem_alloc(ulen);
    if (lzf_decompress(r->p, (unsigned)clen, s->owned, (unsigned)ulen) != ulen) {
        rdb_str_free(s);
        return rdb_fail(r, "compressed string does not decompress");
    }
    r->p += clen;
    s->ptr = s->owned;
    s->len = ulen;
    return 0;
}

int rdb_read_string(rdb_reader *r, rdb_str *s) {
    s->owned = NULL;
    uint64_t n;
    int encoded;
    if (read_len_or_encoding(r, &n, &encoded)) return -1;
    if (encoded) return read_encoded_string(r, n, s);
    if (need(r, n, "string")) return -1;
    s->ptr = (const char *)r->p;
    s->len = n;
    r->p += n;
    return 0;
}

int rdb_read_function(rdb_reader *r, uint8_t op, rdb_str *code) {
    if (op == RDB_OP_FUNCTION2) return rdb_read_string(r, code);
    /* 7.0's release candidates wrote name, engine, an optional description and the code
     * apart; they become the one payload of the released format, as Redis does. */
    rdb_str name = {0}, engine = {0}, desc = {0}, body = {0};
    uint64_t has_desc;
    int rc = -1;
    if (rdb_read_string(r, &name) || rdb_read_string(r, &engine) || rdb_read_len(r, &has_desc) ||
        (has_desc && rdb_read_string(r, &desc)) || rdb_read_string(r, &body))
        goto done;
    size_t len = 2 + engine.len + 6 + name.len + 1 + body.len;
    code->owned = mem_alloc(len);
    memcpy(code->owned, "#!", 2);
    memcpy(code->owned + 2, engine.ptr, engine.len);
    memcpy(code->owned + 2 + engine.len, " name=", 6);
    memcpy(code->owned + 8 + engine.len, name.ptr, name.len);
    code->owned[8 + engine.len + name.len] = '\n';
    memcpy(code->owned + 9 + engine.len + name.len, body.ptr, body.len);
    code->ptr = code->owned;
    code->len = len;
    rc = 0;
done:
    rdb_str_free(&name);
    rdb_str_free(&engine);
    rdb_str_free(&desc);
    rdb_str_free(&body);
    return rc;
}

int rdb_skip_string(rdb_reader *r) {
    rdb_str s;
    if (rdb_read_string(r, &s)) return -1;
    rdb_str_free(&s);
    return 0;
}

int rdb_read_double(rdb_reader *r, double *d) {
    if (need(r, 8, "score")) return -1;
    memcpy(d, r->p, 8);
    r->p += 8;
    return 0;
}

int rdb_read_old_double(rdb_reader *r, double *d) {
    uint8_t len;
    if (rdb_read_byte(r, &len)) return -1;
    switch (len) {
    case 255:
        *d = -1.0 / 0.0;
        return 0;
    case 254:
        *d = 1.0 / 0.0;
        return 0;
    case 253:
        *d = 0.0 / 0.0;
        return 0;
    }
    if (need(r, len, "score")) return -1;
    char buf[256];
    memcpy(buf, r->p, len);
    buf[len] = '\0';
    char *end;
    *d = strtod(buf, &end);
    if (len == 0 || end != buf + len) return rdb_fail(r, "score is not a number");
    r->p += len;
    return 0;
}

int rdb_read_ms(rdb_reader *r, long long *ms) {
    if (need(r, 8, "expire time")) return -1;
    memcpy(ms, r->p, 8);
    r->p += 8;
    return 0;
}

int rdb_read_raw(rdb_reader *r, void *out, size_t n, const char *what) {
    if (need(r, n, what)) return -1;
    memcpy(out, r->p, n);
    r->p += n;
    return 0;
}

int rdb_read_seconds(rdb_reader *r, long long *s) {
    if (need(r, 4, "expire time")) return -1;
    int32_t v;
    memcpy(&v, r->p, 4);
    r->p += 4;
    *s = v;
    return 0;
}

/* A string holding a packed blob of kind; the elements must come in groups of `group`. */
static int skip_packed(rdb_reader *r, enum packed_kind kind, int group) {
    rdb_str s;
    if (rdb_read_string(r, &s)) return -1;
    packed_iter it;
    long long n = packed_count(&it, kind, s.ptr, s.len);
    rdb_str_free(&s);
    if (n < 0) return rdb_fail(r, "%s integrity check failed: %s", packed_kind_name(kind), it.err);
    return n % group ? rdb_fail(r, "odd number of elements in a pairs encoding") : 0;
}

static int skip_quicklist(rdb_reader *r, int version2) {
    uint64_t nodes;
    if (rdb_read_count(r, &nodes, 1)) return -1;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = RDB_QUICKLIST_PACKED;
        if (version2 && rdb_read_len(r, &container)) return -1;
        if (container == RDB_QUICKLIST_PLAIN) {
            if (rdb_skip_string(r)) return -1;
        } else if (container == RDB_QUICKLIST_PACKED) {
            if (skip_packed(r, version2 ? PACKED_LISTPACK : PACKED_ZIPLIST, 1)) return -1;
        } else {
            return rdb_fail(r, "unknown quicklist container %llu", (unsigned long long)container);
        }
    }
    return 0;
}

/* n lengths in a row. */
static int skip_lens(rdb_reader *r, int n) {
    uint64_t v;
    while (n--)
        if (rdb_read_len(r, &v)) return -1;
    return 0;
}

/* A pending entries list: raw 16-byte IDs, each with its delivery time and count when
 * with_deliveries. */
static int skip_pel(rdb_reader *r, int with_deliveries) {
    uint64_t n;
    unsigned char id[16];
    long long ms;
    if (rdb_read_count(r, &n, 16)) return -1;
    for (uint64_t i = 0; i < n; i++) {
        if (rdb_read_raw(r, id, sizeof id, "pending entry")) return -1;
        if (with_deliveries && (rdb_read_ms(r, &ms) || skip_lens(r, 1))) return -1;
    }
    return 0;
}

static int skip_stream(rdb_reader *r, int version2) {
    uint64_t nodes, groups, consumers;
    long long ms;
    if (rdb_read_count(r, &nodes, 2)) return -1;
    for (uint64_t i = 0; i < nodes; i++)
        if (rdb_skip_string(r) || skip_packed(r, PACKED_LISTPACK, 1)) return -1;
    if (skip_lens(r, version2 ? 8 : 3)) return -1;
    if (rdb_read_count(r, &groups, 4)) return -1;
    for (uint64_t g = 0; g < groups; g++) {
        if (rdb_skip_string(r) || skip_lens(r, version2 ? 3 : 2) || skip_pel(r, 1)) return -1;
        if (rdb_read_count(r, &consumers, 10)) return -1;
        for (uint64_t c = 0; c < consumers; c++)
            if (rdb_skip_string(r) || rdb_read_ms(r, &ms) || skip_pel(r, 0)) return -1;
    }
    return 0;
}

int rdb_skip_value(rdb_reader *r, int type) {
    uint64_t n;
    double d;
    switch (type) {
    case RDB_TYPE_STRING:
        return rdb_skip_string(r);
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_HASH:
        if (rdb_read_count(r, &n, 1)) return -1;
        for (uint64_t i = 0; i < n; i++) {
            if (rdb_skip_string(r)) return -1;
            if (type == RDB_TYPE_HASH && rdb_skip_string(r)) return -1;
            if (type == RDB_TYPE_ZSET && rdb_read_old_double(r, &d)) return -1;
            if (type == RDB_TYPE_ZSET_2 && rdb_read_double(r, &d)) return -1;
        }
        return 0;
    case RDB_TYPE_HASH_ZIPMAP:
        return skip_packed(r, PACKED_ZIPMAP, 2);
    case RDB_TYPE_LIST_ZIPLIST:
        return skip_packed(r, PACKED_ZIPLIST, 1);
    case RDB_TYPE_SET_INTSET:
        return skip_packed(r, PACKED_INTSET, 1);
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_HASH_ZIPLIST:
        return skip_packed(r, PACKED_ZIPLIST, 2);
    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_ZSET_LISTPACK:
        return skip_packed(r, PACKED_LISTPACK, 2);
    case RDB_TYPE_LIST_QUICKLIST:
        return skip_quicklist(r, 0);
    case RDB_TYPE_LIST_QUICKLIST_2:
        return skip_quicklist(r, 1);
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        return skip_stream(r, type == RDB_TYPE_STREAM_LISTPACKS_2);
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2: {
        char name[10];
        if (rdb_read_len(r, &n)) return -1;
        rdb_module_name(n, name);
        return rdb_fail(r, "a value of module type '%s', and no module is loaded", name);
    }
    }
    return rdb_fail(r, "unknown value type %d", type);
}

void rdb_record_init(rdb_record *rec) {
    memset(rec, 0, sizeof *rec);
}

void rdb_record_free(rdb_record *rec) {
    rdb_str_free(&rec->key);
    rdb_str_free(&rec->str);
}

static int is_value_type(int t) {
    return (t >= 0 && t <= 7) || (t >= 9 && t < RDB_TYPE_COUNT);
}

enum rdb_record_kind rdb_next(rdb_reader *r, rdb_record *rec) {
    rdb_record_free(rec);
    rec->expire_ms = rec->idle = -1;
    rec->freq = -1;
    for (;;) {
        uint8_t op;
        uint64_t n;
        if (rdb_read_byte(r, &op)) return RDB_REC_ERROR;
        switch (op) {
        case RDB_OP_EXPIRETIME_MS:
            if (rdb_read_ms(r, &rec->expire_ms)) return RDB_REC_ERROR;
            continue;
        case RDB_OP_EXPIRETIME:
            if (rdb_read_seconds(r, &rec->expire_ms)) return RDB_REC_ERROR;
            rec->expire_ms *= 1000;
            continue;
        case RDB_OP_IDLE:
            if (rdb_read_len(r, &n)) return RDB_REC_ERROR;
            rec->idle = n > INT32_MAX ? INT32_MAX : (long long)n;
            continue;
        case RDB_OP_FREQ: {
            uint8_t f;
            if (rdb_read_byte(r, &f)) return RDB_REC_ERROR;
            rec->freq = f;
            continue;
        }
        case RDB_OP_SELECTDB:
            return rdb_read_len(r, &rec->db) ? RDB_REC_ERROR : RDB_REC_SELECTDB;
        case RDB_OP_RESIZEDB:
            if (rdb_read_len(r, &rec->db_size) || rdb_read_len(r, &rec->expires_size))
                return RDB_REC_ERROR;
            return RDB_REC_RESIZEDB;
        case RDB_OP_AUX:
            if (rdb_read_string(r, &rec->key) || rdb_read_string(r, &rec->str))
                return RDB_REC_ERROR;
            return RDB_REC_AUX;
        case RDB_OP_MODULE_AUX: {
            char name[10];
            if (rdb_read_len(r, &n)) return RDB_REC_ERROR;
            rdb_module_name(n, name);
            rdb_fail(r, "the file contains AUX module data of module '%s', and no module is loaded",
                     name);
            return RDB_REC_ERROR;
        }
        case RDB_OP_FUNCTION_PRE_GA:
        case RDB_OP_FUNCTION2:
            return rdb_read_function(r, op, &rec->str) ? RDB_REC_ERROR : RDB_REC_FUNCTION;
        case RDB_OP_EOF:
            return RDB_REC_EOF;
        }
        if (!is_value_type(op)) {
            r->p--;
            rdb_fail(r, "unknown RDB type %d", op);
            return RDB_REC_ERROR;
        }
        rec->type = op;
        return rdb_read_string(r, &rec->key) ? RDB_REC_ERROR : RDB_REC_KEY;
    }
}

static struct rdb_db_summary *summary_db(struct rdb_summary *sum, uint64_t db) {
    if (!sum) return NULL;
    sum->dbs = mem_realloc(sum->dbs, (sum->ndbs + 1) * sizeof *sum->dbs);
    struct rdb_db_summary *d = &sum->dbs[sum->ndbs++];
    memset(d, 0, sizeof *d);
    d->db = db;
    return d;
}

static void summary_aux(struct rdb_summary *sum, const rdb_record *rec) {
    if (!sum) return;
    if (rec->key.len == 9 && memcmp(rec->key.ptr, "redis-ver", 9) == 0) {
        size_t n =
            rec->str.len < sizeof sum->redis_ver - 1 ? rec->str.len : sizeof sum->redis_ver - 1;
        memcpy(sum->redis_ver, rec->str.ptr, n);
        sum->redis_ver[n] = '\0';
    } else if (rec->key.len == 5 && memcmp(rec->key.ptr, "ctime", 5) == 0) {
        long long v;
        if (str_to_ll(rec->str.ptr, rec->str.len, &v) == 0) sum->ctime = v;
    }
}

int rdb_verify(rdb_reader *r, struct rdb_summary *sum) {
    if (sum) {
        memset(sum, 0, sizeof *sum);
        sum->ctime = -1;
    }
    struct rdb_db_summary *d = NULL;
    rdb_record rec;
    rdb_record_init(&rec);
    int rc = 0;
    for (;;) {
        enum rdb_record_kind kind = rdb_next(r, &rec);
        if (kind == RDB_REC_ERROR) {
            rc = -1;
            break;
        }
        if (kind == RDB_REC_EOF) {
            if (r->preamble)
                rc = rdb_preamble_end(r, 1);
            else if (r->p != r->end)
                rc = rdb_fail(r, "data after the EOF opcode");
            else if (!rdb_checksum_ok(r))
                rc = rdb_fail(r, "RDB CRC error: the checksum does not match the contents");
            break;
        }
        if (kind == RDB_REC_SELECTDB) d = summary_db(sum, rec.db);
        if (kind == RDB_REC_AUX) summary_aux(sum, &rec);
        if (kind != RDB_REC_KEY) continue;
        if (rdb_skip_value(r, rec.type)) {
            rc = -1;
            break;
        }
        if (sum && !d) d = summary_db(sum, 0);
        if (d) {
            d->keys[rec.type]++;
            if (rec.expire_ms != -1) d->expires++;
        }
    }
    rdb_record_free(&rec);
    return rc;
}

void rdb_summary_free(struct rdb_summary *sum) {
    mem_free(sum->dbs);
    sum->dbs = NULL;
    sum->ndbs = 0;
}

const char *rdb_type_name(int type) {
    switch (type) {
    case RDB_TYPE_STRING:
        return "string";
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return "list";
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
        return "set";
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
        return "zset";
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return "hash";
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        return "stream";
    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2:
        return "module";
    }
    return "unknown";
}

void rdb_module_name(uint64_t id, char out[10]) {
    static const char charset[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    id >>= 10; /* the low bits are the encoding version */
    out[9] = '\0';
    for (int i = 8; i >= 0; i--, id >>= 6)
        out[i] = charset[id & 63];
}
