/* rill's values in Redis's RDB format (shared/rdb_format.h holds the bytes): what an entry
 * becomes in a snapshot or a DUMP payload, and the entries a file or payload written by rill or
 * by redis-server (RDB 1 to 10, every encoding) becomes again. */
#ifndef RILL_RDB_H
#define RILL_RDB_H

#include "keyspace/db.h"
#include "rdb_format.h"

/* The type byte and the value of e (a DUMP payload's body). */
void rdb_save_value(rdb_writer *w, entry *e);
/* e's DUMP payload (value, RDB version, CRC-64), compressed as rdbcompression says; mem_free
 * it. DUMP replies it, MIGRATE sends it. */
unsigned char *rdb_dump_payload(entry *e, size_t *len);
/* Header, AUX fields and every database (aof_base: as an AOF's base file, its aof-base field
 * says so); after_key (may be NULL) runs after each key. */
void rdb_save_dataset(rdb_writer *w, int aof_base, void (*after_key)(void));

/* Reads a value of the given RDB type into a new entry under key, not linked anywhere. NULL
 * with r->err on a problem; NULL with *empty set when the value holds no element (Redis skips
 * such keys). */
entry *rdb_load_value(rdb_reader *r, int type, const char *key, size_t klen, long long expire_ms,
                      int *empty);

struct rdb_load_stats {
    long long loaded, expired, empty;
    long long rdb_used_mem; /* the used-mem AUX field, 0 until read */
};
/* rdb_load_dataset's flags */
#define RDB_LOAD_MERGE 1u        /* DEBUG RELOAD MERGE: a key already there takes the file's value */
#define RDB_LOAD_KEEP_EXPIRED 2u /* an AOF base: keys past their TTL are loaded (the commands
                                  * after it may touch them; they expire once loaded) */
/* Reads every record of an opened file (checksum already checked, unless a preamble: see
 * rdb_open_preamble) into the keyspace, through EOF. 0, or -1 with r->err. Keys whose TTL has passed are counted, not
 * loaded. A key already there is an error, unless merging. after_key (may be NULL) runs after
 * each key record; nonzero from it stops the load. */
int rdb_load_dataset(rdb_reader *r, struct rdb_load_stats *st, unsigned flags,
                     int (*after_key)(const rdb_reader *r));

#endif
