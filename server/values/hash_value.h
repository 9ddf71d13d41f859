/* The hash value: fields and values in a packlist (field, value, ...) while the hash is
 * small, then a hash table once it has more than max_packed_entries fields or a field or
 * value longer than max_packed_value bytes (the hash-max-listpack-* settings). A table
 * never goes back to packed. Knows nothing of the server: the unit tests use it directly. */
#ifndef RILL_HASH_VALUE_H
#define RILL_HASH_VALUE_H

#include <stddef.h>

#include "dict.h"
#include "values/packlist.h"

typedef struct hash_value {
    packlist *pl; /* NULL once the hash is a table */
    dict table;   /* of struct hash_field */
} hash_value;

struct hash_field {
    dict_node node;
    size_t flen, vlen;
    char data[]; /* field bytes, then value bytes */
};

hash_value *hash_new(void);
/* A packed hash taking pl (field, value, ...: distinct fields, within the packed limits). */
hash_value *hash_from_packed(packlist *pl);
void hash_free(hash_value *h);
hash_value *hash_dup(const hash_value *h);
size_t hash_count(const hash_value *h);
/* Bytes allocated for the hash. */
size_t hash_bytes(const hash_value *h);
/* 1 and the value (valid until the hash changes) when the field exists. */
int hash_get(hash_value *h, const char *f, size_t flen, const char **v, size_t *vlen);
/* Sets a field; returns 1 when it is new, 0 when its value was replaced. */
int hash_set(hash_value *h, const char *f, size_t flen, const char *v, size_t vlen,
             const struct packed_limits *lim);
/* Returns 1 when the field was there. */
int hash_delete(hash_value *h, const char *f, size_t flen);

/* Walks the fields in storage order (insertion order while packed). The hash must not
 * change during the walk. */
typedef struct hash_iter {
    hash_value *h;
    size_t off;
    dict_iter di;
} hash_iter;
void hash_iter_init(hash_iter *it, hash_value *h);
/* 1 and the next field and value, or 0 when done. */
int hash_iter_next(hash_iter *it, const char **f, size_t *flen, const char **v, size_t *vlen);
void hash_iter_done(hash_iter *it);

/* A field chosen at random (the hash must not be empty). */
void hash_random(hash_value *h, const char **f, size_t *flen, const char **v, size_t *vlen);

#endif
