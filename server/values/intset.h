/* A sorted array of distinct integers, each stored in the smallest width (2, 4 or 8 bytes)
 * that fits the largest of them: the compact encoding of sets whose members are all
 * integers. Lookups are binary searches. */
#ifndef RILL_INTSET_H
#define RILL_INTSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct intset {
    uint32_t width; /* bytes per member: 2, 4 or 8 */
    uint32_t count;
    unsigned char data[];
} intset;

intset *intset_new(void);
/* The width (2, 4 or 8) v needs. */
uint32_t intset_width_for(long long v);
intset *intset_dup(const intset *is);
void intset_free(intset *is);
size_t intset_bytes(const intset *is);
long long intset_get(const intset *is, size_t index);
/* 1 when v is a member; *index is where it is or would go. */
int intset_find(const intset *is, long long v, size_t *index);
/* Adds v (if absent, *added says) and returns the intset to use from now on. */
intset *intset_add(intset *is, long long v, int *added);
/* Removes v (if present, *removed says) and returns the intset to use from now on. */
intset *intset_remove(intset *is, long long v, int *removed);

#endif
