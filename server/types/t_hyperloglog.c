/* HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST. The value is a plain
 * string in Redis's representation (values/hyperloglog.h), so GET, SET, DUMP and RESTORE carry
 * it to and from redis-server. Replies, errors and the order of checks follow Redis 7.0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/multi.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "mem.h"
#include "values/hyperloglog.h"

#define ERR_NOT_HLL "-WRONGTYPE Key is not a valid HyperLogLog string value."
#define ERR_CORRUPT_HLL "-INVALIDOBJ Corrupted HLL object detected"

static size_t sparse_max_bytes(void) { return (size_t)server.cfg.hll_sparse_max_bytes; }

/* 0 when e holds an HLL; -1 after the error reply. */
static int check_hll(client *c, entry *e) {
    if (e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    if (e->encoding != ENC_RAW ||
        !hll_header_ok((const unsigned char *)entry_value(e), e->vallen)) {
        reply_error(c, ERR_NOT_HLL);
        return -1;
    }
    return 0;
}

/* The HLL at e for editing: where it lies when dense (it keeps its size), else a copy that
 * may grow. Like Redis's dbUnshareStringValue, this makes the value a "raw" string. */
static void hll_open(entry *e, hll_buf *b) {
    e->flags |= ENTRY_GROWN;
    b->len = b->cap = e->vallen;
    if (hll_encoding_of((const unsigned char *)entry_value(e)) == HLL_DENSE) {
        b->p = (unsigned char *)entry_value(e);
        return;
    }
    b->p = mem_alloc(b->len);
    memcpy(b->p, entry_value(e), b->len);
}

/* Puts an edited HLL back into e; returns the entry to use from now on. */
static entry *hll_close(db *d, entry *e, hll_buf *b) {
    if (b->p == (unsigned char *)entry_value(e)) return e;
    e = db_resize_value(d, e, b->len, 0);
    memcpy(entry_value(e), b->p, b->len);
    mem_free(b->p);
    return e;
}

/* A new empty HLL under key, as a raw string. */
static entry *hll_create(db *d, const resp_arg *key) {
    hll_buf b;
    hll_new(&b);
    entry *e = entry_new_raw(key->ptr, key->len, (const char *)b.p, b.len, -1);
    mem_free(b.p);
    e->flags |= ENTRY_GROWN;
    db_add(d, e);
    return e;
}

void cmd_pfadd(client *c) {
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    long long updated = 0;
    if (!e) {
        e = hll_create(c->db, key);
        updated++;
    } else if (check_hll(c, e) != 0) {
        return;
    }
    hll_buf b;
    hll_open(e, &b);
    int corrupt = 0;
    for (size_t i = 2; i < c->argc && !corrupt; i++) {
        int r = hll_add(&b, c->argv[i].ptr, c->argv[i].len, sparse_max_bytes());
        if (r < 0) corrupt = 1;
        updated += r > 0;
    }
    e = hll_close(c->db, e, &b);
    if (corrupt) {
        reply_error(c, ERR_CORRUPT_HLL);
        return;
    }
    if (updated) {
        hll_cache_invalidate((unsigned char *)entry_value(e));
        notify_key_arg(NOTIFY_STRING, "pfadd", c, key);
        server.dirty += updated;
    }
    reply_int(c, updated ? 1 : 0);
}

/* PFCOUNT of several keys: the estimate for the union, computed on a register per byte. */
static void pfcount_union(client *c) {
    uint8_t max[HLL_REGISTERS] = {0};
    for (size_t i = 1; i < c->argc; i++) {
        entry *e = db_lookup_read(c->db, c->argv[i].ptr, c->argv[i].len);
        if (!e) continue;
        if (check_hll(c, e) != 0) return;
        if (hll_merge(max, (const unsigned char *)entry_value(e), e->vallen) != 0) {
            reply_error(c, ERR_CORRUPT_HLL);
            return;
        }
    }
    int histo[HLL_HISTOGRAM_SLOTS];
    hll_raw_histogram(max, histo);
    reply_int(c, (long long)hll_estimate(histo));
}

void cmd_pfcount(client *c) {
    if (c->argc > 2) {
        pfcount_union(c);
        return;
    }
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (check_hll(c, e) != 0) return;
    e->flags |= ENTRY_GROWN;
    unsigned char *p = (unsigned char *)entry_value(e);
    if (hll_cache_valid(p)) {
        reply_int(c, (long long)hll_cache_get(p));
        return;
    }
    int histo[HLL_HISTOGRAM_SLOTS];
    if (hll_histogram(p, e->vallen, histo) != 0) {
        reply_error(c, ERR_CORRUPT_HLL);
        return;
    }
    uint64_t card = hll_estimate(histo);
    /* Caching the estimate changes the value: a write, for WATCH and persistence. */
    hll_cache_set(p, card);
    db_signal_modified(c->db, key->ptr, key->len);
    server.dirty++;
    reply_int(c, (long long)card);
}

void cmd_pfmerge(client *c) {
    uint8_t max[HLL_REGISTERS] = {0};
    int any_dense = 0;
    for (size_t i = 1; i < c->argc; i++) {
        entry *e = db_lookup_read(c->db, c->argv[i].ptr, c->argv[i].len);
        if (!e) continue;
        if (check_hll(c, e) != 0) return;
        const unsigned char *p = (const unsigned char *)entry_value(e);
        if (hll_encoding_of(p) == HLL_DENSE) any_dense = 1;
        if (hll_merge(max, p, e->vallen) != 0) {
            reply_error(c, ERR_CORRUPT_HLL);
            return;
        }
    }
    /* The destination was checked as the first source. */
    const resp_arg *dst = &c->argv[1];
    entry *e = db_lookup_write(c->db, dst->ptr, dst->len);
    if (!e) e = hll_create(c->db, dst);
    hll_buf b;
    hll_open(e, &b);
    /* Dense from the start when a source is, rather than converting on the way. */
    int corrupt = any_dense && hll_to_dense(&b) != 0;
    for (uint32_t i = 0; i < HLL_REGISTERS && !corrupt; i++)
        if (max[i]) hll_raise(&b, i, max[i], sparse_max_bytes());
    e = hll_close(c->db, e, &b);
    if (corrupt) {
        reply_error(c, ERR_CORRUPT_HLL);
        return;
    }
    hll_cache_invalidate((unsigned char *)entry_value(e));
    /* A merge is a mass PFADD, for notifications. */
    notify_key_arg(NOTIFY_STRING, "pfadd", c, dst);
    server.dirty++;
    reply_ok(c);
}

static void reply_registers(client *c, const unsigned char *dense) {
    reply_array(c, HLL_REGISTERS);
    for (uint32_t i = 0; i < HLL_REGISTERS; i++)
        reply_int(c, hll_dense_get(dense + HLL_HDR_SIZE, i));
}

static void reply_decoded(client *c, const unsigned char *p, size_t len) {
    buf_t out;
    buf_init(&out);
    const unsigned char *op = p + HLL_HDR_SIZE, *end = p + len;
    while (op < end) {
        char kind;
        unsigned value, run;
        size_t size = hll_sparse_opcode(op, end, &kind, &value, &run);
        if (size == 0) break;
        if (kind == 'v')
            buf_printf(&out, "v:%u,%u ", value, run);
        else
            buf_printf(&out, "%c:%u ", kind, run);
        op += size;
    }
    reply_bulk(c, out.data, out.len ? out.len - 1 : 0); /* without the last space */
    buf_free(&out);
}

/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
void cmd_pfdebug(client *c) {
    const resp_arg *sub = &c->argv[1];
    const resp_arg *key = &c->argv[2];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (!e) {
        reply_error(c, "The specified key does not exist");
        return;
    }
    if (check_hll(c, e) != 0) return;
    e->flags |= ENTRY_GROWN;
    int sparse = hll_encoding_of((const unsigned char *)entry_value(e)) == HLL_SPARSE;
    int getreg = arg_is(sub, "getreg");
    if (getreg || arg_is(sub, "todense")) {
        if (sparse) {
            hll_buf b;
            hll_open(e, &b);
            int corrupt = hll_to_dense(&b) != 0;
            e = hll_close(c->db, e, &b);
            if (corrupt) {
                reply_error(c, ERR_CORRUPT_HLL);
                return;
            }
            server.dirty++; /* the encoding changed */
        }
        if (getreg)
            reply_registers(c, (const unsigned char *)entry_value(e));
        else
            reply_int(c, sparse);
    } else if (arg_is(sub, "decode")) {
        if (!sparse) {
            reply_error(c, "HLL encoding is not sparse");
            return;
        }
        reply_decoded(c, (const unsigned char *)entry_value(e), e->vallen);
    } else if (arg_is(sub, "encoding")) {
        reply_status(c, sparse ? "sparse" : "dense");
    } else {
        reply_errorf(c, "Unknown PFDEBUG subcommand '%.*s'", (int)sub->len, sub->ptr);
    }
}

#define SELFTEST_REGISTER_ROUNDS 1000
#define SELFTEST_ELEMENTS 10000000

static uint64_t histogram_estimate(const unsigned char *p, size_t len) {
    int histo[HLL_HISTOGRAM_SLOTS];
    hll_histogram(p, len, histo);
    return hll_estimate(histo);
}

/* PFSELFTEST: the dense registers keep what is written to them, and the estimates of a dense
 * and a sparse HLL fed the same 10 million elements agree and stay within the error bound. */
void cmd_pfselftest(client *c) {
    unsigned char *dense = mem_calloc(1, HLL_DENSE_SIZE);
    uint8_t *expected = mem_alloc(HLL_REGISTERS);
    uint8_t *regs = dense + HLL_HDR_SIZE;
    hll_buf sparse = {NULL, 0, 0};
    for (int round = 0; round < SELFTEST_REGISTER_ROUNDS; round++) {
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            expected[i] = (uint8_t)(rand() & HLL_REGISTER_MAX);
            hll_dense_put(regs, i, expected[i]);
        }
        for (uint32_t i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = hll_dense_get(regs, i);
            if (v != expected[i]) {
                reply_errorf(c, "TESTFAILED Register %u should be %d but is %u", i, expected[i], v);
                goto done;
            }
        }
    }
    memset(dense, 0, HLL_DENSE_SIZE);
    memcpy(dense, "HYLL", 4);
    hll_new(&sparse);
    double relative_error = 1.04 / sqrt(HLL_REGISTERS);
    uint64_t seed = (uint64_t)rand() | (uint64_t)rand() << 32;
    long long checkpoint = 1;
    for (long long j = 1; j <= SELFTEST_ELEMENTS; j++) {
        uint64_t ele = (uint64_t)j ^ seed;
        uint32_t index;
        int count = hll_pattern(&ele, sizeof ele, &index);
        if (hll_dense_get(regs, index) < (unsigned)count) hll_dense_put(regs, index, count);
        hll_add(&sparse, &ele, sizeof ele, sparse_max_bytes());
        if (j != checkpoint) continue;
        if (j < (long long)(sparse_max_bytes() / 2) && hll_encoding_of(sparse.p) != HLL_SPARSE) {
            reply_error(c, "TESTFAILED sparse encoding not used");
            goto done;
        }
        uint64_t estimate = histogram_estimate(dense, HLL_DENSE_SIZE);
        if (estimate != histogram_estimate(sparse.p, sparse.len)) {
            reply_error(c, "TESTFAILED dense/sparse disagree");
            goto done;
        }
        long long error = llabs(checkpoint - (long long)estimate);
        /* At 10 a collision is likely enough to allow for it. */
        long long max_error = j == 10 ? 1 : (long long)ceil(relative_error * 6 * checkpoint);
        if (error > max_error) {
            reply_errorf(c, "TESTFAILED Too big error. card:%lld abserr:%lld", checkpoint, error);
            goto done;
        }
        checkpoint *= 10;
    }
    reply_ok(c);
done:
    mem_free(dense);
    mem_free(expected);
    mem_free(sparse.p);
}
