#include "mem.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t used_bytes;

static void out_of_memory(size_t size) {
    fprintf(stderr, "rill: out of memory allocating %zu bytes\n", size);
    abort();
}

void *mem_alloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) out_of_memory(size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory(n * size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_realloc(void *ptr, size_t size) {
    if (!ptr) return mem_alloc(size);
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size ? size : 1);
    if (!p) out_of_memory(size);
    used_bytes += malloc_usable_size(p);
    used_bytes -= old;
    return p;
}

void mem_free(void *ptr) {
    if (!ptr) return;
    used_bytes -= malloc_usable_size(ptr);
    free(ptr);
}

char *mem_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = mem_alloc(n);
    memcpy(p, s, n);
    return p;
}

size_t mem_usable(const void *ptr) { return malloc_usable_size((void *)ptr); }

size_t mem_used(void) { return used_bytes; }
