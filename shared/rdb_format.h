/* Redis's RDB format, the bytes only: the writer (to a file descriptor or to memory, CRC-64 as it
 * goes) and a bounds-checked reader over a whole file or DUMP payload in memory. Lengths, the
 * string encodings (integers, LZF), doubles, the opcodes and what a value of each type is made
 * of; the packed encodings inside strings are packed_blobs.h. What a value becomes in memory is
 * the caller's business. Little-endian hosts. */
#ifndef RILL_RDB_FORMAT_H
#define RILL_RDB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define RDB_VERSION 10         /* what Redis 7.0 writes, and the newest it reads */
#define RDB_HEADER_LEN 9       /* "REDIS" and four digits */
#define RDB_TRAILER_LEN 8      /* CRC-64 after the EOF opcode, from version 5 */
#define RDB_DUMP_FOOTER_LEN 10 /* DUMP payloads: u16 RDB version, CRC-64 */

/* Value types (the byte before a key). */
enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3, /* scores as strings */
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5, /* binary double scores */
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_COUNT
};
/* Quicklist 2 node containers. */
#define RDB_QUICKLIST_PLAIN 1
#define RDB_QUICKLIST_PACKED 2

enum rdb_opcode {
    RDB_OP_FUNCTION2 = 245,
    RDB_OP_FUNCTION_PRE_GA = 246,
    RDB_OP_MODULE_AUX = 247,
    RDB_OP_IDLE = 248,
    RDB_OP_FREQ = 249,
    RDB_OP_AUX = 250,
    RDB_OP_RESIZEDB = 251,
    RDB_OP_EXPIRETIME_MS = 252,
    RDB_OP_EXPIRETIME = 253,
    RDB_OP_SELECTDB = 254,
    RDB_OP_EOF = 255,
};

/* ---- Writer ---- */

typedef struct rdb_writer {
    int fd; /* -1: everything stays in buf (DUMP payloads) */
    unsigned char *buf;
    size_t len, cap;
    uint64_t crc;   /* of what was flushed */
    int error;      /* errno of the first failed write, 0 if none */
    int compress;   /* LZF for strings longer than 20 bytes, as rdbcompression */
    size_t autosync; /* fdatasync after every so many bytes written (0: never), as Redis's
                      * rdb-save-incremental-fsync: a big file does not reach the disk at once */
    size_t unsynced;
} rdb_writer;

void rdb_writer_init(rdb_writer *w, int fd, int compress);
#define RDB_AUTOSYNC_BYTES (4u << 20) /* Redis's REDIS_AUTOSYNC_BYTES */
/* "REDIS0010". */
void rdb_put_header(rdb_writer *w);
void rdb_put_byte(rdb_writer *w, uint8_t b); /* a type or an opcode */
void rdb_put_raw(rdb_writer *w, const void *data, size_t len); /* bytes as they are */
void rdb_put_len(rdb_writer *w, uint64_t n);
/* A string in its smallest form: an integer encoding when the bytes are a canonical integer
 * that fits 32 bits, LZF when compressing and it saves space, else raw. */
void rdb_put_string(rdb_writer *w, const char *s, size_t len);
void rdb_put_ll(rdb_writer *w, long long v);  /* as the string of its digits */
void rdb_put_double(rdb_writer *w, double d); /* binary, for ZSET_2 */
void rdb_put_ms(rdb_writer *w, long long ms); /* after RDB_OP_EXPIRETIME_MS */
void rdb_put_aux(rdb_writer *w, const char *key, const char *value);
/* Writes EOF and the checksum (0 when checksum is off), flushes, frees the buffer. Returns 0,
 * or -1 with errno set when any write failed. fsync and rename are the caller's. */
int rdb_writer_finish(rdb_writer *w, int checksum);
/* Memory writers: appends the DUMP footer and hands over the buffer (mem_free it). */
unsigned char *rdb_writer_take_dump(rdb_writer *w, size_t *len);
/* Frees the buffer of an abandoned writer. */
void rdb_writer_abort(rdb_writer *w);

/* ---- Reader ---- */

typedef struct rdb_reader {
    const unsigned char *base, *p, *end; /* end: past the last byte records may use */
    size_t len;
    int version;
    size_t err_offset;
    char err[160]; /* the first problem, "" if none */
    int preamble;  /* an AOF's RDB part: its checksum follows EOF, then commands may follow */
} rdb_reader;

/* A string read from the file: ptr points into the file, into digits (integer encodings) or
 * into owned (LZF). */
typedef struct rdb_str {
    const char *ptr;
    size_t len;
    char *owned;
    char digits[24];
} rdb_str;
void rdb_str_free(rdb_str *s);

/* Checks the magic and version of a whole file; end is set before the trailer. 0, or -1 with
 * r->err. */
int rdb_open(rdb_reader *r, const void *data, size_t len);
/* The RDB at the start of an AOF file (a base, or an old file's preamble): as rdb_open, but
 * the records may use every byte and end at the EOF opcode. */
int rdb_open_preamble(rdb_reader *r, const void *data, size_t len);
/* After a preamble's EOF opcode: checks the checksum that follows (unless check is 0) and
 * steps over it, so r->p is where the commands start. 0, or -1 with r->err. */
int rdb_preamble_end(rdb_reader *r, int check);
/* 1 when the trailer holds the checksum of the rest of the file, or is 0 (checksum off), or
 * the version has none. */
int rdb_checksum_ok(const rdb_reader *r);
/* A DUMP payload: checks the footer (version, and the CRC-64 when check_crc) and reads the
 * value bytes before it. 0, or -1 when the payload cannot be a DUMP of this version. */
int rdb_open_dump(rdb_reader *r, const void *data, size_t len, int check_crc);

int rdb_read_byte(rdb_reader *r, uint8_t *b);
int rdb_read_len(rdb_reader *r, uint64_t *n);
/* A count of items that take at least min_bytes each: also checked against the bytes left. */
int rdb_read_count(rdb_reader *r, uint64_t *n, size_t min_bytes);
int rdb_read_string(rdb_reader *r, rdb_str *s);
int rdb_skip_string(rdb_reader *r);
/* The code of a library record, after its opcode: FUNCTION2's string, or the parts of the
 * pre-release FUNCTION record joined into the released payload ("#!<engine> name=<name>\n"
 * then the code), as Redis 7.0 reads them. */
int rdb_read_function(rdb_reader *r, uint8_t op, rdb_str *code);
int rdb_read_double(rdb_reader *r, double *d);     /* binary */
int rdb_read_old_double(rdb_reader *r, double *d); /* the string form of RDB_TYPE_ZSET */
int rdb_read_ms(rdb_reader *r, long long *ms);
/* n bytes as they are (what names them in the error if they are missing). */
int rdb_read_raw(rdb_reader *r, void *out, size_t n, const char *what);
int rdb_read_seconds(rdb_reader *r, long long *s);
/* Walks over a value of the given type, checking its structure (packed strings included). */
int rdb_skip_value(rdb_reader *r, int type);
/* Records a problem at the current offset. Returns -1. */
int rdb_fail(rdb_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The records of a file. A key record leaves the reader at its value. */
enum rdb_record_kind {
    RDB_REC_AUX,
    RDB_REC_SELECTDB,
    RDB_REC_RESIZEDB,
    RDB_REC_KEY,
    RDB_REC_FUNCTION, /* a library's code in str */
    RDB_REC_EOF,
    RDB_REC_ERROR
};
typedef struct rdb_record {
    uint64_t db;                    /* SELECTDB */
    uint64_t db_size, expires_size; /* RESIZEDB */
    int type;                       /* KEY */
    long long expire_ms;            /* KEY, -1 = none */
    long long idle;                 /* KEY, seconds, -1 = none */
    int freq;                       /* KEY, LFU counter, -1 = none */
    rdb_str key;                    /* KEY, AUX: its name */
    rdb_str str;                    /* AUX value, FUNCTION code */
} rdb_record;
/* Reads the next record into rec (its strings are freed by the next call, or by
 * rdb_record_free). A module's data names the module in the error. */
enum rdb_record_kind rdb_next(rdb_reader *r, rdb_record *rec);
void rdb_record_init(rdb_record *rec);
void rdb_record_free(rdb_record *rec);

/* What a file holds, database by database in file order. */
struct rdb_db_summary {
    uint64_t db;
    uint64_t keys[RDB_TYPE_COUNT]; /* by stored type */
    uint64_t expires;
};
struct rdb_summary {
    struct rdb_db_summary *dbs;
    size_t ndbs;
    char redis_ver[32]; /* the redis-ver AUX field, "" if none */
    long long ctime;    /* the ctime AUX field, -1 if none */
};
/* Walks every record from the reader's position through EOF, then the checksum. 0, or -1 with
 * r->err naming the first problem and r->err_offset where it is. sum (may be NULL) is filled
 * either way; free it with rdb_summary_free. */
int rdb_verify(rdb_reader *r, struct rdb_summary *sum);
void rdb_summary_free(struct rdb_summary *sum);

/* "string", "list", "set", "zset", "hash", "stream", "module" for a value type. */
const char *rdb_type_name(int type);
/* The nine-character name a module type id carries. */
void rdb_module_name(uint64_t id, char out[10]);

#endif
