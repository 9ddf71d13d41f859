/* INFO's sections, and the instantaneous rates it reports. */
#ifndef RILL_INFO_H
#define RILL_INFO_H

#include <stddef.h>

/* The memory accounting INFO memory and MEMORY STATS / DOCTOR report. */
struct memory_figures {
    size_t used, peak, startup, overhead, dataset, clients_normal;
    size_t lua_vm, lua_caches, cached_scripts; /* the Lua heap, the script cache and its size */
    size_t functions_vm, functions_caches;      /* the functions' Lua heap, their libraries */
    size_t functions, libraries;
    size_t keys, allocator_allocated, allocator_active, allocator_resident;
    long long rss, allocator_frag_bytes, allocator_rss_bytes, total_frag_bytes;
    double dataset_perc, peak_perc, allocator_frag, allocator_rss, rss_extra, total_frag;
};
void info_memory_figures(struct memory_figures *m);

/* At start-up, once the server is set up: the replication ID and the start-up memory. */
void info_init(void);
/* A new random replication ID (DEBUG CHANGE-REPL-ID). */
void info_change_replid(void);
/* From the cron: samples the instantaneous rates (every 100 ms at most). */
void info_cron(void);

#endif
