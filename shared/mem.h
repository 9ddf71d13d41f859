/* Allocation with accounting: every byte the server holds is counted by the allocator's
 * usable size, for INFO used_memory and maxmemory. Allocation failure aborts, as in Redis:
 * a server that cannot allocate cannot keep its promises. */
#ifndef RILL_MEM_H
#define RILL_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *ptr, size_t size);
void mem_free(void *ptr);
char *mem_strdup(const char *s);
/* Usable size of a block from mem_alloc (>= what was asked for). */
size_t mem_usable(const void *ptr);
/* Bytes currently allocated through this module. */
size_t mem_used(void);

#endif
