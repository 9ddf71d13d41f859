/* MEMORY: what a key costs (USAGE), where the server's memory goes (STATS), a reading of
 * those figures (DOCTOR, in Redis's words), and the allocator (MALLOC-STATS, PURGE). */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>

#include "core/commands.h"
#include "core/info.h"
#include "core/reply.h"
#include "keyspace/db.h"
#include "mem.h"

void cmd_memory_usage(client *c) {
    for (size_t j = 3; j < c->argc; j += 2) {
        long long samples;
        if (!arg_is(&c->argv[j], "samples") || j + 1 >= c->argc) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        if (arg_ll(c, &c->argv[j + 1], &samples) != 0) return;
        if (samples < 0) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        /* rill walks the whole value, so every count gives the exact figure. */
    }
    /* As Redis: the key as stored, even past its TTL, without counting a hit. */
    entry *e = (entry *)dict_find(&c->db->keys, c->argv[2].ptr, c->argv[2].len);
    if (!e) {
        reply_nil(c);
        return;
    }
    /* The entry with its value, and its slot in the database's table. */
    reply_int(c, (long long)(entry_bytes(e) + sizeof(void *)));
}

static void pair_int(client *c, const char *name, long long v) {
    reply_bulk_cstr(c, name);
    reply_int(c, v);
}

static void pair_double(client *c, const char *name, double v) {
    reply_bulk_cstr(c, name);
    reply_double(c, v);
}

void cmd_memory_stats(client *c) {
    struct memory_figures m;
    info_memory_figures(&m);
    int dbs = 0;
    for (int i = 0; i < server.ndbs; i++) dbs += dict_size(&server.dbs[i].keys) > 0;
    reply_array(c, 2 * (27 + dbs));
    pair_int(c, "peak.allocated", (long long)m.peak);
    pair_int(c, "total.allocated", (long long)m.used);
    pair_int(c, "startup.allocated", (long long)m.startup);
    pair_int(c, "replication.backlog", 0);
    pair_int(c, "clients.slaves", 0);
    pair_int(c, "clients.normal", (long long)m.clients_normal);
    pair_int(c, "cluster.links", 0);
    pair_int(c, "aof.buffer", 0);
    pair_int(c, "lua.caches", (long long)m.lua_caches);
    pair_int(c, "functions.caches", (long long)m.functions_caches);
    for (int i = 0; i < server.ndbs; i++) {
        db *d = &server.dbs[i];
        if (!dict_size(&d->keys)) continue;
        char name[32];
        snprintf(name, sizeof name, "db.%d", i);
        reply_bulk_cstr(c, name);
        reply_array(c, 6);
        pair_int(c, "overhead.hashtable.main", (long long)dict_bytes(&d->keys));
        pair_int(c, "overhead.hashtable.expires", (long long)(d->heap_cap * sizeof(entry *)));
        pair_int(c, "overhead.hashtable.slot-to-keys", 0);
    }
    pair_int(c, "overhead.total", (long long)m.overhead);
    pair_int(c, "keys.count", (long long)m.keys);
    pair_int(c, "keys.bytes-per-key",
             m.keys ? (long long)((m.used > m.startup ? m.used - m.startup : 0) / m.keys) : 0);
    pair_int(c, "dataset.bytes", (long long)m.dataset);
    pair_double(c, "dataset.percentage", m.dataset_perc);
    pair_double(c, "peak.percentage", m.peak_perc);
    pair_int(c, "allocator.allocated", (long long)m.allocator_allocated);
    pair_int(c, "allocator.active", (long long)m.allocator_active);
    pair_int(c, "allocator.resident", (long long)m.allocator_resident);
    pair_double(c, "allocator-fragmentation.ratio", m.allocator_frag);
    pair_int(c, "allocator-fragmentation.bytes", m.allocator_frag_bytes);
    pair_double(c, "allocator-rss.ratio", m.allocator_rss);
    pair_int(c, "allocator-rss.bytes", m.allocator_rss_bytes);
    pair_double(c, "rss-overhead.ratio", m.rss_extra);
    pair_int(c, "rss-overhead.bytes", 0);
    pair_double(c, "fragmentation", m.total_frag);
    pair_int(c, "fragmentation.bytes", m.total_frag_bytes);
}

/* Redis's memory doctor: the same checks on the same figures, and its report texts. */
void cmd_memory_doctor(client *c) {
    struct memory_figures m;
    info_memory_figures(&m);
    enum { MB = 1024 * 1024 };
    int empty = m.used < 5 * MB;
    int big_peak = !empty && (double)m.peak / (double)m.used > 1.5;
    int high_frag = !empty && m.total_frag > 1.4 && m.total_frag_bytes > 10 * MB;
    int high_alloc_frag = !empty && m.allocator_frag > 1.1 && m.allocator_frag_bytes > 10 * MB;
    int high_alloc_rss = !empty && m.allocator_rss > 1.1 && m.allocator_rss_bytes > 10 * MB;
    int big_client_buf = !empty && server.nclients && m.clients_normal / server.nclients > 200 * 1024;
    int many_scripts = !empty && m.cached_scripts > 1000;
    buf_t s;
    buf_init(&s);
    if (!empty && !big_peak && !high_frag && !high_alloc_frag && !high_alloc_rss &&
        !big_client_buf && !many_scripts) {
        buf_append_str(&s, "Hi Sam, I can't find any memory issue in your instance. "
                           "I can only account for what occurs on this base.\n");
    } else if (empty) {
        buf_append_str(&s, "Hi Sam, this instance is empty or is using very little memory, "
                           "my issues detector can't be used in these conditions. "
                           "Please, leave for your mission on Earth and fill it with some data. "
                           "The new Sam and I will be back to our programming as soon as I "
                           "finished rebooting.\n");
    } else {
        buf_append_str(&s, "Sam, I detected a few issues in this Redis instance memory implants:\n\n");
        if (big_peak)
            buf_append_str(&s, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n");
        if (high_frag)
            buf_append_str(&s, " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n");
        if (high_alloc_frag)
            buf_append_str(&s, " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n");
        if (high_alloc_rss)
            buf_append_str(&s, " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n");
        if (big_client_buf)
            buf_append_str(&s, " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n");
        if (many_scripts)
            buf_append_str(&s, " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n");
        buf_append_str(&s, "I'm here to keep you safe, Sam. I want to help you.\n");
    }
    reply_bulk(c, s.data, s.len);
    buf_free(&s);
}

/* Redis built with libc malloc answers this; glibc's own report is XML on a FILE. */
void cmd_memory_malloc_stats(client *c) {
    reply_bulk_cstr(c, "Stats not supported for the current allocator");
}

void cmd_memory_purge(client *c) {
    malloc_trim(0); /* glibc's counterpart of jemalloc's purge: free pages back */
    reply_ok(c);
}

void cmd_memory_help(client *c) {
    static const char *const lines[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL};
    reply_help(c, "MEMORY", lines);
}
