/* What each client holds in memory (CLIENT LIST's tot-mem, INFO's mem_clients_normal), and
 * client eviction: with maxmemory-clients set, the clients using the most are closed until
 * all of them together use less than the limit, as in Redis 7.0. */
#ifndef RILL_CLIENT_MEMORY_H
#define RILL_CLIENT_MEMORY_H

#include <stddef.h>

#include "core/server.h"

/* Bytes c holds: its structure, query and reply buffers, the arguments of its running
 * command, its MULTI queue and watched keys, its subscriptions. */
size_t client_memory(const client *c);
/* The limit in bytes, 0 for none (maxmemory-clients 0, or a percentage of maxmemory 0). */
size_t client_memory_limit(void);
int client_memory_recount(client *c);
/* Counts c anew (it read, ran commands or wrote) and evicts clients when all of them together
 * reach the limit. Returns -1 when c itself was evicted. Without a limit: one field test (it
 * runs for every read, write and published message). */
static inline int client_memory_update(client *c) {
    return server.cfg.maxmemory_clients ? client_memory_recount(c) : 0;
}
/* A client being closed leaves the total. */
void client_memory_forget(client *c);
/* Counts every client anew and evicts as needed: after the limit or maxmemory changed, and
 * from the cron (output that other clients' commands gave a client). */
void client_memory_check_all(void);

#endif
