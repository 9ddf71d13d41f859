/* Redis 7 functions: libraries of Lua functions that FUNCTION LOAD registers and FCALL calls.
 * They run in a Lua state of their own (SCRIPT FLUSH leaves them be, FUNCTION FLUSH leaves
 * the script cache be), and the libraries' code is data: snapshots and FUNCTION DUMP carry
 * it as Redis's FUNCTION2 records. */
#ifndef RILL_FUNCTIONS_H
#define RILL_FUNCTIONS_H

#include <stddef.h>

#include "buf.h"
#include "core/server.h"
#include "rdb_format.h"

void functions_init(void);
/* The flags the function named by name was registered with: 0, or -1 when there is none. */
int functions_flags(const resp_arg *name, unsigned *flags);
/* A library's code from a snapshot: compiled and registered (replace: a library of the
 * same name gives way, as with DEBUG RELOAD MERGE). 0, or -1 with Redis's reason in why. */
int functions_load_library(const char *code, size_t len, int replace, buf_t *why);
/* Writes every library as a FUNCTION2 record. */
void functions_save(rdb_writer *w);
/* Deletes every library (FLUSHALL leaves them; DEBUG RELOAD does not). */
void functions_flush(void);
/* Calls fn with each library's code (an AOF base written as commands loads them). */
void functions_foreach_code(void (*fn)(const char *code, size_t len, void *ctx), void *ctx);
/* For INFO memory: bytes of the Lua VM, bytes of the libraries, how many functions and
 * libraries. */
void functions_memory(size_t *vm_bytes, size_t *library_bytes, size_t *nfunctions, size_t *nlibraries);

#endif
