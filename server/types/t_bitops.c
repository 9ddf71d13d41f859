/* Bit operations on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
 * BITFIELD_RO. Bit 0 is the most significant bit of the first byte, as in Redis. Integer-encoded
 * strings are read as their digits and turned into bytes before a write; a write grows the
 * string with zero bytes, never past proto-max-bulk-len. Replies, errors and the order of checks
 * follow Redis 7.0's bitops.c. */
#include <limits.h>
#include <string.h>

#include "core/commands.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "mem.h"
#include "numconv.h"

#define ERR_BIT_OFFSET "bit offset is not an integer or out of range"

/* A bit offset argument; with_hash: "#N" means N * bits (BITFIELD). -1 after replying. */
static int bit_offset_arg(client *c, const resp_arg *a, int with_hash, int bits, uint64_t *out) {
    int hash = with_hash && bits > 0 && a->len > 0 && a->ptr[0] == '#';
    long long v;
    if (str_to_ll(a->ptr + hash, a->len - (size_t)hash, &v) != 0 ||
        (hash && (v < 0 || v > LLONG_MAX / bits))) {
        reply_error(c, ERR_BIT_OFFSET);
        return -1;
    }
    if (hash) v *= bits;
    /* Bytes an entry may hold: proto-max-bulk-len, and 4 GB (less a BITFIELD's width). */
    long long max_bytes = server.cfg.proto_max_bulk_len < (long long)UINT32_MAX - 16
                              ? server.cfg.proto_max_bulk_len
                              : (long long)UINT32_MAX - 16;
    if (v < 0 || (v >> 3) >= max_bytes) {
        reply_error(c, ERR_BIT_OFFSET);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* The string at key for reading (NULL with *len 0 when absent); -1 after WRONGTYPE. */
static int read_string(client *c, const resp_arg *key, char digits[LL_STR_SIZE],
                       const unsigned char **p, size_t *len) {
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    *p = NULL;
    *len = 0;
    if (!e) return 0;
    if (e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    *p = (const unsigned char *)entry_string(e, digits, len);
    return 1;
}

/* The raw string at key, created or zero-padded so that bit max_bit exists (Redis's
 * lookupStringForBitCommand); *grown says whether it was created or got longer. NULL after
 * WRONGTYPE. */
static entry *string_for_bits(client *c, uint64_t max_bit, int *grown) {
    const resp_arg *key = &c->argv[1];
    size_t need = (size_t)(max_bit >> 3) + 1;
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (e && e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return NULL;
    }
    *grown = 0;
    if (!e) {
        e = entry_new_raw(key->ptr, key->len, NULL, need, -1);
        memset(entry_value(e), 0, need);
        db_add(c->db, e);
        *grown = 1;
    } else {
        e = db_string_to_raw(c->db, e);
        size_t old = e->vallen;
        if (need > old) {
            e = db_resize_value(c->db, e, need, 1);
            memset(entry_value(e) + old, 0, need - old);
            *grown = 1;
        }
    }
    e->flags |= ENTRY_GROWN; /* edited in place: Redis's raw encoding */
    return e;
}

void cmd_setbit(client *c) {
    uint64_t offset;
    long long on;
    if (bit_offset_arg(c, &c->argv[2], 0, 0, &offset) != 0) return;
    if (arg_ll_msg(c, &c->argv[3], &on, "bit is not an integer or out of range") != 0) return;
    if (on & ~1LL) {
        reply_error(c, "bit is not an integer or out of range");
        return;
    }
    int grown;
    entry *e = string_for_bits(c, offset, &grown);
    if (!e) return;
    unsigned char *byte = (unsigned char *)entry_value(e) + (offset >> 3);
    int shift = 7 - (int)(offset & 7), old = (*byte >> shift) & 1;
    if (grown || old != on) {
        *byte = (unsigned char)((*byte & ~(1 << shift)) | (on << shift));
        notify_key_arg(NOTIFY_STRING, "setbit", c, &c->argv[1]);
        server.dirty++;
    }
    reply_int(c, old);
}

void cmd_getbit(client *c) {
    uint64_t offset;
    if (bit_offset_arg(c, &c->argv[2], 0, 0, &offset) != 0) return;
    char digits[LL_STR_SIZE];
    const unsigned char *p;
    size_t len;
    if (read_string(c, &c->argv[1], digits, &p, &len) < 0) return;
    size_t byte = (size_t)(offset >> 3);
    reply_int(c, byte < len ? (p[byte] >> (7 - (offset & 7))) & 1 : 0);
}

/* Set bits in n bytes, 32 at a time in four independent sums. */
#define POPCOUNT_LOOP                                                                              \
    long long count = 0;                                                                           \
    for (; n >= 32; p += 32, n -= 32) {                                                            \
        uint64_t w[4];                                                                             \
        memcpy(w, p, 32);                                                                          \
        count += __builtin_popcountll(w[0]) + __builtin_popcountll(w[1]) +                         \
                 __builtin_popcountll(w[2]) + __builtin_popcountll(w[3]);                          \
    }                                                                                              \
    while (n--)                                                                                    \
        count += __builtin_popcount(*p++);                                                         \
    return count;

static long long popcount_generic(const unsigned char *p, size_t n) {
    POPCOUNT_LOOP
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same loop with the POPCNT instruction (the default x86-64 target has none): several times
 * faster on a long BITCOUNT. */
__attribute__((target("popcnt"))) static long long popcount_hw(const unsigned char *p, size_t n) {
    POPCOUNT_LOOP
}
#endif

static long long popcount(const unsigned char *p, size_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
    static int has_popcnt = -1;
    if (has_popcnt < 0) has_popcnt = __builtin_cpu_supports("popcnt");
    if (has_popcnt) return popcount_hw(p, n);
#endif
    return popcount_generic(p, n);
}

/* The [start, end] range of BITCOUNT and BITPOS, in bytes or (bit) in bits, resolved as Redis
 * does: negatives from the end, clamped; in bits the edge bytes get masks of the bits outside.
 * Returns 0 with start > end when the range is empty. */
struct bit_range {
    long long start, end;
    unsigned char first_outside, last_outside; /* bits of the edge bytes outside the range */
};

static void resolve_range(struct bit_range *r, long long len, int bits) {
    long long total = bits ? len << 3 : len;
    if (r->start < 0) r->start += total;
    if (r->end < 0) r->end += total;
    if (r->start < 0) r->start = 0;
    if (r->end < 0) r->end = 0;
    if (r->end >= total) r->end = total - 1;
    r->first_outside = r->last_outside = 0;
    if (bits && r->start <= r->end) {
        r->first_outside = (unsigned char)(~((1 << (8 - (r->start & 7))) - 1) & 0xff);
        r->last_outside = (unsigned char)((1 << (7 - (r->end & 7))) - 1);
        r->start >>= 3;
        r->end >>= 3;
    }
}

/* BYTE or BIT at argv[i]: 0 or 1, -1 after a syntax error. */
static int unit_arg(client *c, size_t i) {
    if (arg_is(&c->argv[i], "bit")) return 1;
    if (arg_is(&c->argv[i], "byte")) return 0;
    reply_error(c, ERR_SYNTAX);
    return -1;
}

/* BITCOUNT key [start end [BYTE|BIT]] */
void cmd_bitcount(client *c) {
    char digits[LL_STR_SIZE];
    const unsigned char *p;
    size_t len;
    int found = read_string(c, &c->argv[1], digits, &p, &len);
    if (found < 0) return;
    if (!found) {
        reply_int(c, 0);
        return;
    }
    struct bit_range r = {0, (long long)len - 1, 0, 0};
    if (c->argc == 4 || c->argc == 5) {
        if (arg_ll(c, &c->argv[2], &r.start) != 0 || arg_ll(c, &c->argv[3], &r.end) != 0) return;
        if (r.start < 0 && r.end < 0 && r.start > r.end) {
            reply_int(c, 0);
            return;
        }
        int bits = c->argc == 5 ? unit_arg(c, 4) : 0;
        if (bits < 0) return;
        resolve_range(&r, (long long)len, bits);
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (r.start > r.end) {
        reply_int(c, 0);
        return;
    }
    long long count = popcount(p + r.start, (size_t)(r.end - r.start + 1));
    unsigned char outside[2] = {(unsigned char)(p[r.start] & r.first_outside),
                                (unsigned char)(p[r.end] & r.last_outside)};
    reply_int(c, count - popcount(outside, 2));
}

/* The first bit equal to bit in n bytes, counted from the first; past the last (n * 8) when
 * looking for 0 and every bit is 1; -1 when looking for 1 and there is none. */
static long long first_bit(const unsigned char *p, size_t n, int bit) {
    unsigned char skip = bit ? 0 : 0xff;
    size_t i = 0;
    while (i < n && p[i] == skip)
        i++;
    if (i == n) return bit ? -1 : (long long)n * 8;
    for (int b = 0; b < 8; b++)
        if (((p[i] >> (7 - b)) & 1) == bit) return (long long)i * 8 + b;
    return -1; /* not reached: the byte holds the bit */
}

/* BITPOS key bit [start [end [BYTE|BIT]]] */
void cmd_bitpos(client *c) {
    long long bit;
    if (arg_ll(c, &c->argv[2], &bit) != 0) return;
    if (bit != 0 && bit != 1) {
        reply_error(c, "The bit argument must be 1 or 0.");
        return;
    }
    char digits[LL_STR_SIZE];
    const unsigned char *p;
    size_t len;
    int found = read_string(c, &c->argv[1], digits, &p, &len);
    if (found < 0) return;
    if (!found) {
        reply_int(c, bit ? -1 : 0);
        return;
    }
    struct bit_range r = {0, (long long)len - 1, 0, 0};
    int end_given = 0;
    if (c->argc >= 4 && c->argc <= 6) {
        if (arg_ll(c, &c->argv[3], &r.start) != 0) return;
        int bits = c->argc == 6 ? unit_arg(c, 5) : 0;
        if (bits < 0) return;
        if (c->argc >= 5) {
            if (arg_ll(c, &c->argv[4], &r.end) != 0) return;
            end_given = 1;
        } else {
            r.end = bits ? ((long long)len << 3) + 7 : (long long)len - 1;
        }
        resolve_range(&r, (long long)len, bits);
    } else if (c->argc != 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (r.start > r.end) {
        reply_int(c, -1);
        return;
    }
    /* The range as bytes, its edge bytes with the bits outside it set to what is not looked
     * for, so that they are never the answer. */
    size_t n = (size_t)(r.end - r.start + 1);
    unsigned char first = p[r.start], last = p[r.end];
    first = bit ? first & (unsigned char)~r.first_outside : first | r.first_outside;
    if (n == 1) {
        first = bit ? first & (unsigned char)~r.last_outside : first | r.last_outside;
        last = first;
    } else {
        last = bit ? last & (unsigned char)~r.last_outside : last | r.last_outside;
    }
    long long pos = first_bit(&first, 1, (int)bit);
    if (n > 1 && (pos == -1 || pos == 8)) {
        long long mid = n > 2 ? first_bit(p + r.start + 1, n - 2, (int)bit) : (bit ? -1 : 0);
        if (mid >= 0 && mid < (long long)(n - 2) * 8) {
            pos = 8 + mid;
        } else {
            long long in_last = first_bit(&last, 1, (int)bit);
            pos = in_last == -1 ? -1 : (long long)(n - 1) * 8 + in_last;
        }
    }
    /* Looking for a 0 in a range of 1s: past the range, unless the range had an end. */
    if (bit == 0 && pos == (long long)n * 8 && end_given) {
        reply_int(c, -1);
        return;
    }
    reply_int(c, pos == -1 ? -1 : pos + (r.start << 3));
}

enum bitop { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

/* BITOP AND|OR|XOR|NOT destkey key [key ...] */
void cmd_bitop(client *c) {
    enum bitop op;
    const resp_arg *name = &c->argv[1];
    if (arg_is(name, "and")) {
        op = BITOP_AND;
    } else if (arg_is(name, "or")) {
        op = BITOP_OR;
    } else if (arg_is(name, "xor")) {
        op = BITOP_XOR;
    } else if (arg_is(name, "not")) {
        op = BITOP_NOT;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (op == BITOP_NOT && c->argc != 4) {
        reply_error(c, "BITOP NOT must be called with a single source key.");
        return;
    }
    size_t nkeys = c->argc - 3, maxlen = 0;
    /* Each source copied: a source may be the destination, and digits need a home. */
    struct source {
        unsigned char *p;
        size_t len;
    } *src = mem_calloc(nkeys, sizeof *src);
    int rc = 0;
    for (size_t j = 0; j < nkeys && rc == 0; j++) {
        char digits[LL_STR_SIZE];
        const unsigned char *p;
        if ((rc = read_string(c, &c->argv[3 + j], digits, &p, &src[j].len)) < 0) break;
        rc = 0;
        if (src[j].len) {
            src[j].p = mem_alloc(src[j].len);
            memcpy(src[j].p, p, src[j].len);
        }
        if (src[j].len > maxlen) maxlen = src[j].len;
    }
    if (rc == 0) {
        const resp_arg *dest = &c->argv[2];
        if (maxlen) {
            entry *e = entry_new_raw(dest->ptr, dest->len, NULL, maxlen, -1);
            unsigned char *out = (unsigned char *)entry_value(e);
            for (size_t i = 0; i < maxlen; i++) {
                unsigned char v = i < src[0].len ? src[0].p[i] : 0;
                if (op == BITOP_NOT) v = (unsigned char)~v;
                for (size_t j = 1; j < nkeys; j++) {
                    unsigned char b = i < src[j].len ? src[j].p[i] : 0;
                    v = op == BITOP_AND ? v & b : op == BITOP_OR ? v | b : v ^ b;
                }
                out[i] = v;
            }
            e->flags |= ENTRY_GROWN;
            db_set(c->db, e);
            notify_key_arg(NOTIFY_STRING, "set", c, dest);
            server.dirty++;
        } else {
            entry *old = db_lookup_write(c->db, dest->ptr, dest->len);
            if (old) {
                db_delete_entry(c->db, old);
                notify_key_arg(NOTIFY_GENERIC, "del", c, dest);
                server.dirty++;
            }
        }
        reply_int(c, (long long)maxlen);
    }
    for (size_t j = 0; j < nkeys; j++)
        mem_free(src[j].p);
    mem_free(src);
}

/* ---- BITFIELD ---- */

enum overflow { OVERFLOW_WRAP, OVERFLOW_SAT, OVERFLOW_FAIL };
enum field_op { FIELD_GET, FIELD_SET, FIELD_INCRBY };

struct field {
    enum field_op op;
    enum overflow overflow;
    int sign, bits;
    uint64_t offset;
    long long value; /* SET value, INCRBY increment */
};

static uint64_t get_bits(const unsigned char *p, uint64_t offset, int bits) {
    uint64_t v = 0;
    for (int i = 0; i < bits; i++, offset++)
        v = v << 1 | ((p[offset >> 3] >> (7 - (offset & 7))) & 1);
    return v;
}

static void set_bits(unsigned char *p, uint64_t offset, int bits, uint64_t v) {
    for (int i = 0; i < bits; i++, offset++) {
        unsigned bit = (unsigned)(v >> (bits - 1 - i)) & 1, shift = 7 - (unsigned)(offset & 7);
        p[offset >> 3] = (unsigned char)((p[offset >> 3] & ~(1u << shift)) | bit << shift);
    }
}

static long long to_signed(uint64_t v, int bits) {
    if (bits < 64 && (v >> (bits - 1)) & 1) v |= ~0ULL << bits; /* sign extension */
    return (long long)v;
}

/* value + incr in a field of the given type: 0 and *out when it fits; else +1 or -1 (over the
 * top, under the bottom) with *out the wrapped or saturated result, as the policy says. */
static int field_add(const struct field *f, uint64_t value, long long incr, uint64_t *out) {
    int dir = 0;
    uint64_t mask = f->bits == 64 ? ~0ULL : (1ULL << f->bits) - 1;
    if (f->sign) {
        long long max = f->bits == 64 ? LLONG_MAX : (1LL << (f->bits - 1)) - 1, min = -max - 1;
        long long v = (long long)value, sum;
        if (__builtin_add_overflow(v, incr, &sum))
            dir = incr > 0 ? 1 : -1;
        else
            dir = sum > max ? 1 : sum < min ? -1 : 0;
        if (!dir)
            *out = (uint64_t)sum & mask;
        else if (f->overflow == OVERFLOW_SAT)
            *out = (uint64_t)(dir > 0 ? max : min) & mask;
        else
            *out = ((uint64_t)v + (uint64_t)incr) & mask; /* two's complement wrap */
        return dir;
    }
    uint64_t max = mask, sum = value + (uint64_t)incr;
    if (value > max)
        dir = 1;
    else if (incr > 0 && (uint64_t)incr > max - value)
        dir = 1;
    else if (incr < 0 && (incr == LLONG_MIN || (uint64_t)-incr > value))
        dir = -1;
    if (!dir)
        *out = sum;
    else if (f->overflow == OVERFLOW_SAT)
        *out = dir > 0 ? max : 0;
    else
        *out = sum & mask;
    return dir;
}

/* BITFIELD_RO takes GET only. */
static void bitfield(client *c, int read_only) {
    struct field *fields = mem_alloc((c->argc / 2 + 1) * sizeof *fields);
    size_t n = 0;
    enum overflow overflow = OVERFLOW_WRAP;
    int writes = 0;
    uint64_t highest_bit = 0;
    for (size_t j = 2; j < c->argc; j++) {
        size_t more = c->argc - j - 1;
        struct field f = {.overflow = overflow};
        if (arg_is(&c->argv[j], "get") && more >= 2) {
            f.op = FIELD_GET;
        } else if (arg_is(&c->argv[j], "set") && more >= 3) {
            f.op = FIELD_SET;
        } else if (arg_is(&c->argv[j], "incrby") && more >= 3) {
            f.op = FIELD_INCRBY;
        } else if (arg_is(&c->argv[j], "overflow") && more >= 1) {
            const resp_arg *kind = &c->argv[++j];
            if (arg_is(kind, "wrap"))
                overflow = OVERFLOW_WRAP;
            else if (arg_is(kind, "sat"))
                overflow = OVERFLOW_SAT;
            else if (arg_is(kind, "fail"))
                overflow = OVERFLOW_FAIL;
            else {
                reply_error(c, "Invalid OVERFLOW type specified");
                goto done;
            }
            continue;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
        const resp_arg *type = &c->argv[j + 1];
        long long bits;
        f.sign = type->len > 0 && (type->ptr[0] == 'i' || type->ptr[0] == 'I');
        if (type->len < 2 || (type->ptr[0] != 'i' && type->ptr[0] != 'u') ||
            str_to_ll(type->ptr + 1, type->len - 1, &bits) != 0 || bits < 1 ||
            bits > (f.sign ? 64 : 63)) {
            reply_error(c, "Invalid bitfield type. Use something like i16 u8. Note that u64 is "
                           "not supported but i64 is.");
            goto done;
        }
        f.bits = (int)bits;
        if (bit_offset_arg(c, &c->argv[j + 2], 1, f.bits, &f.offset) != 0) goto done;
        if (f.op != FIELD_GET) {
            writes = 1;
            if (f.offset + (uint64_t)f.bits - 1 > highest_bit)
                highest_bit = f.offset + (uint64_t)f.bits - 1;
            if (arg_ll(c, &c->argv[j + 3], &f.value) != 0) goto done;
        }
        fields[n++] = f;
        j += f.op == FIELD_GET ? 2 : 3;
    }
    entry *e = NULL;
    char digits[LL_STR_SIZE];
    const unsigned char *src = NULL;
    size_t len = 0;
    int grown = 0;
    if (!writes) {
        if (read_string(c, &c->argv[1], digits, &src, &len) < 0) goto done;
    } else if (read_only) {
        reply_error(c, "BITFIELD_RO only supports the GET subcommand");
        goto done;
    } else if (!(e = string_for_bits(c, highest_bit, &grown))) {
        goto done;
    }
    reply_array(c, (long long)n);
    long long changes = 0;
    for (size_t i = 0; i < n; i++) {
        const struct field *f = &fields[i];
        if (f->op == FIELD_GET) {
            /* Read from a copy of the bytes it covers: a GET may reach past the string. */
            unsigned char window[9] = {0};
            const unsigned char *p = e ? (const unsigned char *)entry_value(e) : src;
            size_t plen = e ? e->vallen : len;
            uint64_t byte = f->offset >> 3;
            for (size_t k = 0; k < 9 && byte + k < plen; k++)
                window[k] = p[byte + k];
            uint64_t v = get_bits(window, f->offset & 7, f->bits);
            reply_int(c, f->sign ? to_signed(v, f->bits) : (long long)v);
            continue;
        }
        unsigned char *p = (unsigned char *)entry_value(e);
        uint64_t old = get_bits(p, f->offset, f->bits), updated;
        int over = f->op == FIELD_INCRBY
                       ? field_add(f, f->sign ? (uint64_t)to_signed(old, f->bits) : old, f->value,
                                   &updated)
                       : field_add(f, (uint64_t)f->value, 0, &updated);
        if (over && f->overflow == OVERFLOW_FAIL) {
            reply_nil(c);
            continue;
        }
        uint64_t shown = f->op == FIELD_INCRBY ? updated : old;
        reply_int(c, f->sign ? to_signed(shown, f->bits) : (long long)shown);
        set_bits(p, f->offset, f->bits, updated);
        if (grown || updated != old) changes++;
    }
    if (changes) {
        notify_key_arg(NOTIFY_STRING, "setbit", c, &c->argv[1]);
        server.dirty += changes;
    }
done:
    mem_free(fields);
}

void cmd_bitfield(client *c) {
    bitfield(c, 0);
}
void cmd_bitfield_ro(client *c) {
    bitfield(c, 1);
}
