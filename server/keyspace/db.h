/* The keyspace: databases of entries, lookups with lazy expiry, the expiry index, and the
 * active expiry cycle. An entry is one allocation: header, TTL when set, key, value. */
#ifndef RILL_DB_H
#define RILL_DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dict.h"

/* Redis's type numbers (DEBUG DIGEST mixes them in); 5 is its module type, which rill has not. */
enum obj_type { OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_STREAM = 6 };
/* String encodings: bytes stored inline, or a long long stored inline. Other types keep a
 * pointer to their value object inline (ENC_OBJ). */
enum obj_encoding { ENC_RAW, ENC_INT, ENC_OBJ };

#define ENTRY_HAS_TTL 1u
#define ENTRY_GROWN 2u /* a string APPEND or SETRANGE changed in place (Redis's "raw") */
#define ENTRY_HAS_STAMP 4u /* a string carries a stamp: a CAS unique and opaque client flags */

typedef struct entry {
    dict_node node;
    uint8_t type;
    uint8_t encoding;
    uint8_t flags;
    uint8_t lfu;     /* logarithmic access counter (LFU policies), decays with time */
    uint32_t lru;    /* server.lru_clock at the last access */
    uint32_t keylen;
    uint32_t vallen; /* raw strings: value bytes; ENC_INT: 8 */
    /* [struct entry_ttl if ENTRY_HAS_TTL] [stamp if ENTRY_HAS_STAMP] [key bytes] [value bytes] */
    unsigned char data[];
} entry;

struct entry_ttl {
    long long expire_ms; /* absolute Unix time */
    uint32_t heap_index; /* position in the database's expiry heap */
    uint32_t unused;
};

typedef struct db {
    int id;
    dict keys;
    dict waiting; /* key -> clients blocked on it (blocking.c) */
    dict watched; /* key -> clients watching it (multi.c) */
    entry **expiry_heap; /* min-heap on expire_ms of every entry with a TTL */
    size_t heap_len, heap_cap;
} db;

/* The stamp (a protocol with compare-and-set, like memcached's, keeps its item metadata here):
 * a 64-bit CAS unique, then 32-bit client flags, unaligned. Any write lookup of the entry
 * (db_lookup_write) gives it a new unique; an entry without a stamp has flags 0 and no unique
 * handed out yet. */
#define ENTRY_STAMP_SIZE 12

static inline struct entry_ttl *entry_ttl(entry *e) { return (struct entry_ttl *)e->data; }
/* Where the stamp, or the key when there is none, begins. */
static inline unsigned char *entry_after_ttl(entry *e) {
    return e->data + ((e->flags & ENTRY_HAS_TTL) ? sizeof(struct entry_ttl) : 0);
}
static inline size_t entry_stamp_size(const entry *e) {
    return (e->flags & ENTRY_HAS_STAMP) ? ENTRY_STAMP_SIZE : 0;
}
static inline char *entry_key(entry *e) { return (char *)entry_after_ttl(e) + entry_stamp_size(e); }
static inline char *entry_value(entry *e) { return entry_key(e) + e->keylen; }
static inline long long entry_expire(entry *e) {
    return (e->flags & ENTRY_HAS_TTL) ? entry_ttl(e)->expire_ms : -1;
}
static inline void *entry_obj(entry *e) {
    void *p;
    memcpy(&p, entry_value(e), sizeof p);
    return p;
}
static inline long long entry_int(entry *e) {
    long long v;
    memcpy(&v, entry_value(e), sizeof v);
    return v;
}

static inline uint64_t entry_cas(entry *e) {
    uint64_t v = 0;
    if (e->flags & ENTRY_HAS_STAMP) memcpy(&v, entry_after_ttl(e), sizeof v);
    return v;
}
static inline uint32_t entry_client_flags(entry *e) {
    uint32_t v = 0;
    if (e->flags & ENTRY_HAS_STAMP) memcpy(&v, entry_after_ttl(e) + sizeof(uint64_t), sizeof v);
    return v;
}

void db_init_all(int n);
/* Entry for key, NULL if absent or expired (an expired key is deleted on the way).
 * The read form counts keyspace hits and misses and refreshes the LRU clock; the write form
 * renews the entry's CAS unique (the caller is about to change it); db_lookup does neither. */
entry *db_lookup_read(db *d, const char *key, size_t len);
/* A read that leaves the key's idle time alone (TTL, TYPE, EXISTS, as Redis's NOTOUCH). */
entry *db_lookup_peek(db *d, const char *key, size_t len);
entry *db_lookup_write(db *d, const char *key, size_t len);
entry *db_lookup(db *d, const char *key, size_t len);
/* True when e has a TTL that has passed (KEYS and SCAN skip such keys without deleting). */
int db_is_expired(entry *e);
/* A TTL a command sets that has already passed deletes the key at once (Redis's
 * checkAlreadyExpired), except while the AOF loads: the key then keeps it, for the commands
 * after it, and expires once loaded. */
int db_time_passed(long long when_ms);

/* Allocates a string entry, not linked anywhere. value NULL leaves the bytes to the caller. */
entry *entry_new_raw(const char *key, size_t klen, const char *value, size_t vlen,
                     long long expire_ms);
entry *entry_new_int(const char *key, size_t klen, long long v, long long expire_ms);
/* A string entry holding value, integer-encoded when the text is a canonical integer (as
 * Redis's tryObjectEncoding), raw otherwise. */
entry *entry_new_string(const char *key, size_t klen, const char *value, size_t vlen,
                        long long expire_ms);
/* An entry of another type that owns obj (a deque for lists). */
entry *entry_new_obj(const char *key, size_t klen, enum obj_type type, void *obj,
                     long long expire_ms);
/* A raw string entry with a stamp: client_flags and a new CAS unique. */
entry *entry_new_stamped(const char *key, size_t klen, const char *value, size_t vlen,
                         long long expire_ms, uint32_t client_flags);
/* Gives a linked entry a stamp (flags 0, a new unique) if it has none; may reallocate, so
 * returns the entry to use from now on. */
entry *db_stamp(db *d, entry *e);
/* A new CAS unique for a stamped entry. */
void entry_renew_cas(entry *e);
/* Frees the entry and its value. */
/* Bytes an entry holds: its allocation and, for lists, sets, hashes and sorted sets, every
 * block of the value (a walk of the whole value). */
size_t entry_bytes(entry *e);
void entry_free(entry *e);
/* A deep copy of e's value and TTL under another key, not linked anywhere. */
entry *entry_copy(entry *e, const char *key, size_t klen);
/* Moves e's value and TTL under another key: e (already unlinked) is freed, not its value. */
entry *entry_rekey(entry *e, const char *key, size_t klen);
/* OBJECT ENCODING's name for e's value, in Redis 7.0's words (keys.c). */
const char *entry_encoding_name(entry *e);
/* OBJECT REFCOUNT: Redis's shared small integers count INT_MAX references (keys.c). */
int entry_refcount(entry *e);
/* Size of the string value once written out (ENC_INT counts its digits). */
size_t entry_string_len(entry *e);
/* Writes the string value of e into dst (LL_STR_SIZE bytes at least for ENC_INT) and returns
 * a pointer to the bytes: for ENC_RAW that is the entry itself, no copy. */
const char *entry_string(entry *e, char *dst, size_t *len);

/* Adds a new entry whose key is absent. A list arriving under a key that clients wait on
 * makes the key ready for them (by db_add or db_set). */
void db_add(db *d, entry *e);
/* Adds e when its key is absent (loading a snapshot, where nobody waits on keys); returns
 * -1 and leaves e to the caller when the key exists. */
int db_add_if_absent(db *d, entry *e);
/* Puts e in place of whatever holds its key (which is freed), or adds it. */
void db_set(db *d, entry *e);
void db_delete_entry(db *d, entry *e);
/* The end of the STORE commands (SINTERSTORE, ZUNIONSTORE, ZRANGESTORE...): obj, a set or
 * sorted set, replaces whatever holds key, announced as event; obj NULL (an empty result)
 * deletes key instead, announced as "del". Returns 1 when the keyspace changed. */
int db_store_result(db *d, const char *key, size_t len, enum obj_type type, void *obj,
                    const char *event);
/* Unlinks without freeing (for RENAME, MOVE). */
void db_unlink_entry(db *d, entry *e);
/* Sets or clears the TTL; may reallocate, so returns the entry to use from now on. */
entry *db_set_expire(db *d, entry *e, long long expire_ms);
entry *db_persist(db *d, entry *e);
/* Grows a raw string entry to hold vlen value bytes (contents kept); returns the entry. */
entry *db_resize_value(db *d, entry *e, size_t vlen, int greedy);
/* An integer-encoded string entry becomes raw bytes (for an edit in place); returns the entry
 * to use from now on. */
entry *db_string_to_raw(db *d, entry *e);
/* Empties one database; returns how many keys it had. */
long long db_flush(db *d);
/* Swaps the contents of two databases. */
void db_swap(db *a, db *b);

/* Deletes an entry whose TTL passed (lookups, active expiry, RANDOMKEY). */
void db_delete_expired(db *d, entry *e);

/* A key changed (Redis's signalModifiedKey): WATCH and client-side caches hear of it. */
void db_signal_modified(db *d, const char *key, size_t len);
/* After a write that changed something: the keys of the command it may have changed (not
 * those its key specs say it only reads). */
struct command;
struct client;
void db_signal_command_keys(struct client *c, const struct command *cmd);
/* Someone listens (WATCH or CLIENT TRACKING): without, signalling can be skipped. */
int db_signals_wanted(void);
/* Reclaims due keys for up to budget_us microseconds; returns 1 when it ran out of time. */
int db_active_expire(long long budget_us);

/* Redis's name for an entry's type ("string", ...). */
const char *db_type_name(const entry *e);

#endif
