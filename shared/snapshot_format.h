/* The rill snapshot file: a header (magic, version, creation time), then for each non-empty
 * database a DB record followed by its keys (type, absolute expiry, key, value), an END
 * record, and a CRC-64 of everything before it. The writer buffers into large writes and
 * checksums as it goes; the reader works on the whole file in memory, checks every length
 * against the bytes left, and reports the first problem with its offset. Both know only the
 * format: what a value becomes in memory is the caller's business. Little-endian hosts. */
#ifndef RILL_SNAPSHOT_FORMAT_H
#define RILL_SNAPSHOT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_MAGIC "RILLSNAP"
#define SNAP_VERSION 2     /* 2 added SNAP_FLAGGED_STRING */
#define SNAP_VERSION_MIN 1 /* the oldest this build reads */
#define SNAP_HEADER_LEN 20 /* magic, u32 version, u64 creation time in ms */
#define SNAP_TRAILER_LEN 8 /* u64 CRC-64 */

/* Value types as stored. Collections are a count then their elements: strings (lists,
 * sets), field/value string pairs (hashes), member string and 8-byte double (sorted sets,
 * lowest score first). A key with a TTL has SNAP_HAS_EXPIRE set in its type byte. */
enum snap_type {
    SNAP_STRING = 1,
    SNAP_INT = 2, /* a string held as a 64-bit integer: zigzag varint */
    SNAP_LIST = 3,
    SNAP_SET = 4,
    SNAP_ZSET = 5,
    SNAP_HASH = 6,
    SNAP_FLAGGED_STRING = 7, /* u32 client flags (varint), then the string */
    SNAP_TYPE_COUNT
};
#define SNAP_HAS_EXPIRE 0x80

typedef struct snap_writer {
    int fd;
    unsigned char *buf;
    size_t len, cap;
    uint64_t crc;
    uint64_t bytes; /* flushed so far */
    int error;      /* errno of the first failed write, 0 if none */
} snap_writer;

/* Starts a snapshot on fd (positioned at the start of an empty file) and writes the header. */
void snap_writer_init(snap_writer *w, int fd, uint64_t created_ms);
void snap_put_db(snap_writer *w, uint32_t db, uint64_t nkeys);
/* expire_ms < 0: no TTL. The value follows with the snap_put_* calls below. */
void snap_put_key(snap_writer *w, enum snap_type type, long long expire_ms, const char *key,
                  size_t len);
void snap_put_count(snap_writer *w, uint64_t n);
void snap_put_client_flags(snap_writer *w, uint32_t flags);
void snap_put_string(snap_writer *w, const char *s, size_t len);
void snap_put_int(snap_writer *w, long long v);
void snap_put_double(snap_writer *w, double d);
/* Writes the END record and the checksum, flushes, frees the buffer. Returns 0, or -1 with
 * errno set when any write failed. fsync and rename are the caller's. */
int snap_writer_finish(snap_writer *w);
/* Frees the buffer of an abandoned snapshot. */
void snap_writer_abort(snap_writer *w);

enum snap_record_kind { SNAP_REC_DB, SNAP_REC_KEY, SNAP_REC_END, SNAP_REC_ERROR };

typedef struct snap_record {
    uint32_t db;         /* SNAP_REC_DB */
    uint64_t nkeys;      /* SNAP_REC_DB: keys that follow */
    enum snap_type type; /* SNAP_REC_KEY, the value is read next */
    long long expire_ms; /* SNAP_REC_KEY, -1 = no TTL */
    const char *key;
    size_t keylen;
} snap_record;

typedef struct snap_reader {
    const unsigned char *base, *p, *end; /* end: where the trailer starts */
    size_t len;
    uint32_t version;
    uint64_t created_ms;
    size_t err_offset;
    char err[160]; /* the first problem, "" if none */
} snap_reader;

/* Checks the length, magic and version of data (the whole file). 0, or -1 with r->err. */
int snap_open(snap_reader *r, const void *data, size_t len);
/* 1 when the trailer holds the checksum of the rest of the file. */
int snap_checksum_ok(const snap_reader *r);
enum snap_record_kind snap_next(snap_reader *r, snap_record *rec);
/* Value readers; each returns 0, or -1 with r->err set. A count is checked against the bytes
 * left (every element takes one at least). Strings point into the file. */
int snap_read_count(snap_reader *r, uint64_t *n);
int snap_read_client_flags(snap_reader *r, uint32_t *flags);
int snap_read_string(snap_reader *r, const char **s, size_t *len);
int snap_read_int(snap_reader *r, long long *v);
int snap_read_double(snap_reader *r, double *d);
int snap_skip_value(snap_reader *r, enum snap_type type);
/* Records a problem at the current offset (for the caller's own checks). Returns -1. */
int snap_fail(snap_reader *r, const char *what);

/* What a verified snapshot holds, database by database in file order. */
struct snap_db_summary {
    uint32_t db;
    uint64_t keys[SNAP_TYPE_COUNT]; /* by stored type */
    uint64_t expires;
};
struct snap_summary {
    struct snap_db_summary *dbs;
    size_t ndbs;
};
/* Walks the whole file: structure, END, then checksum. 0, or -1 with r->err naming the
 * first problem and r->err_offset where it is. sum (may be NULL) is filled either way;
 * free it with snap_summary_free. */
int snap_verify(snap_reader *r, const void *data, size_t len, struct snap_summary *sum);
void snap_summary_free(struct snap_summary *sum);
/* "string", "list", ... for a stored type (INT counts as string). */
const char *snap_type_name(enum snap_type type);

#endif
