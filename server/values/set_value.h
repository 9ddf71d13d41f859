/* The set value: an intset while every member is an integer, a packlist of members while
 * the set is small, then a hash table (set-max-intset-entries, set-max-listpack-entries and
 * set-max-listpack-value decide). A table never goes back to compact. Knows nothing of the
 * server: the unit tests use it directly. */
#ifndef RILL_SET_VALUE_H
#define RILL_SET_VALUE_H

#include <stddef.h>

#include "dict.h"
#include "numconv.h"
#include "values/intset.h"
#include "values/packlist.h"

enum set_encoding { SET_INTSET, SET_PACKED, SET_TABLE };

struct set_limits {
    size_t max_intset_entries, max_packed_entries, max_packed_value;
};

typedef struct set_value {
    enum set_encoding enc;
    intset *is;   /* SET_INTSET */
    packlist *pl; /* SET_PACKED */
    dict table;   /* SET_TABLE, of struct set_member */
} set_value;

struct set_member {
    dict_node node;
    size_t len;
    char data[];
};

set_value *set_new(void);
/* An integer set taking is (ascending, distinct, each in the smallest width that fits). */
set_value *set_from_intset(intset *is);
void set_free(set_value *s);
set_value *set_dup(const set_value *s);
size_t set_count(const set_value *s);
/* Bytes allocated for the set. */
size_t set_bytes(const set_value *s);
int set_contains(set_value *s, const char *m, size_t len);
/* Returns 1 when m was added, 0 when it was already a member. */
int set_add(set_value *s, const char *m, size_t len, const struct set_limits *lim);
/* Returns 1 when m was a member. */
int set_remove(set_value *s, const char *m, size_t len);

/* Walks the members (intsets in increasing order, packed sets in insertion order). The set
 * must not change during the walk. */
typedef struct set_iter {
    set_value *s;
    size_t pos;
    dict_iter di;
    char num[LL_STR_SIZE];
} set_iter;
void set_iter_init(set_iter *it, set_value *s);
/* 1 and the next member (valid until the next call), or 0 when done. */
int set_iter_next(set_iter *it, const char **m, size_t *len);
void set_iter_done(set_iter *it);

/* A member chosen at random (the set must not be empty); num holds integer members. */
void set_random(set_value *s, char num[LL_STR_SIZE], const char **m, size_t *len);

/* count distinct members chosen at random (count <= size), copied out: free each with
 * mem_free, then the array. */
struct set_pick {
    char *ptr;
    size_t len;
};
struct set_pick *set_random_distinct(set_value *s, size_t count);

#endif
