/* INFO: the sections and fields Redis 7.0 prints, where rill can fill them honestly (what
 * would need a feature rill lacks reports its idle state: no replicas, no AOF, no modules).
 * Also the instantaneous rates, sampled by the cron as Redis samples them. */
#include "core/info.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/reply.h"
#include "features/latency.h"
#include "features/pubsub.h"
#include "features/tracking.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "persistence/migrate.h"
#include "persistence/snapshot.h"
#include "scripting/functions.h"
#include "scripting/scripting.h"

/* ---- Instantaneous rates: 16 samples, one a tenth of a second, as Redis takes them ---- */

#define RATE_SAMPLES 16
enum rate { RATE_OPS, RATE_NET_INPUT, RATE_NET_OUTPUT, RATE_COUNT };

static struct {
    long long last_ms, last_value[RATE_COUNT];
    double samples[RATE_COUNT][RATE_SAMPLES];
    int next;
} rates;

static char replid[41]; /* this server's replication ID, random, as Redis makes one at start */
static size_t startup_memory, startup_tables; /* used_memory, and the keyspace's tables in it */
static size_t peak_memory; /* the most used_memory seen by the cron or INFO */

static void track_peak(void) {
    size_t used = mem_used();
    if (used > peak_memory) peak_memory = used;
}

/* What the server holds besides the data: client buffers and the keyspace's tables. */
static size_t clients_memory(void) {
    size_t n = 0;
    for (client *c = server.clients; c; c = c->next) n += client_memory(c);
    return n;
}

static size_t keyspace_tables(void) {
    size_t n = 0;
    for (int i = 0; i < server.ndbs; i++)
        n += dict_bytes(&server.dbs[i].keys) + server.dbs[i].heap_cap * sizeof(entry *);
    return n;
}

void info_change_replid(void) {
    unsigned char raw[20] = {0};
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        for (size_t i = 0; i < sizeof raw; i++) raw[i] = (unsigned char)(rand() >> 7);
    }
    for (size_t i = 0; i < sizeof raw; i++) snprintf(replid + 2 * i, 3, "%02x", raw[i]);
}

void info_init(void) {
    info_change_replid();
    startup_memory = mem_used();
    startup_tables = keyspace_tables();
}

void info_cron(void) {
    track_peak();
    long long now = time_ms();
    if (now - rates.last_ms < 95) return; /* the cron ticks every 100 ms at hz 10 */
    long long values[RATE_COUNT] = {server.stat_commands, server.stat_net_input_bytes,
                                    server.stat_net_output_bytes};
    if (rates.last_ms) {
        double seconds = (double)(now - rates.last_ms) / 1000.0;
        for (int r = 0; r < RATE_COUNT; r++)
            rates.samples[r][rates.next] = (double)(values[r] - rates.last_value[r]) / seconds;
        rates.next = (rates.next + 1) % RATE_SAMPLES;
    }
    rates.last_ms = now;
    memcpy(rates.last_value, values, sizeof values);
}

static double rate(enum rate r) {
    double sum = 0;
    for (int i = 0; i < RATE_SAMPLES; i++) sum += rates.samples[r][i];
    return sum / RATE_SAMPLES;
}

/* ---- Sections ---- */

static long rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

/* Redis's bytesToHuman: B, then K M G T P with two decimals. */
static const char *human(char *out, size_t outlen, double n) {
    const char *units = "BKMGTP";
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, outlen, "%.0fB", n);
    else
        snprintf(out, outlen, "%.2f%c", n, units[u]);
    return out;
}

static void info_server(buf_t *o) {
    struct utsname un;
    uname(&un);
    time_t now = time(NULL);
    long long uptime = (long long)(now - server.start_time);
    const char *supervised = config_number("supervised") == 1   ? "systemd"
                             : config_number("supervised") == 0 ? "upstart"
                                                                : "no";
    buf_printf(o,
               "# Server\r\nredis_version:%s\r\nrill_version:%s\r\nredis_git_sha1:00000000\r\n"
               "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\n"
               "os:%s %s %s\r\narch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
               "multiplexing_api:libev\r\natomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\n"
               "process_id:%d\r\nprocess_supervised:%s\r\nrun_id:%016llx%016llx%08x\r\n"
               "tcp_port:%d\r\nserver_time_usec:%lld\r\nuptime_in_seconds:%lld\r\n"
               "uptime_in_days:%lld\r\nhz:%d\r\nconfigured_hz:%d\r\nlru_clock:%u\r\n"
               "executable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n",
               REDIS_COMPAT_VERSION, RILL_VERSION, un.sysname, un.release, un.machine,
               (int)(8 * sizeof(long)), __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
               (int)server.pid, supervised, (unsigned long long)server.start_time * 2654435761ULL,
               (unsigned long long)server.pid * 40503ULL, (unsigned)server.start_time,
               server.cfg.port, time_us(), uptime, uptime / 86400, server.cfg.hz, server.cfg.hz,
               server.lru_clock & 0xffffff, server.executable ? server.executable : "",
               server.config_file ? server.config_file : "");
}

static void info_clients(buf_t *o) {
    size_t biggest_in = 0, biggest_out = 0;
    for (client *c = server.clients; c; c = c->next) {
        if (c->query.cap > biggest_in) biggest_in = c->query.cap;
        if (c->reply.cap > biggest_out) biggest_out = c->reply.cap;
    }
    buf_printf(o,
               "# Clients\r\nconnected_clients:%zu\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
               "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
               "blocked_clients:%zu\r\ntracking_clients:%zu\r\nclients_in_timeout_table:%zu\r\n",
               server.nclients, server.cfg.maxclients, biggest_in, biggest_out, server.nblocked,
               tracking_clients(), server.nblocked_timed);
}

void info_memory_figures(struct memory_figures *m) {
    track_peak();
    memset(m, 0, sizeof *m);
    m->used = mem_used();
    m->peak = peak_memory;
    m->startup = startup_memory;
    m->rss = rss_bytes();
    scripting_memory(&m->lua_vm, &m->lua_caches, &m->cached_scripts);
    functions_memory(&m->functions_vm, &m->functions_caches, &m->functions, &m->libraries);
    m->clients_normal = clients_memory();
    size_t tables = keyspace_tables();
    m->overhead = m->startup + m->clients_normal + m->lua_caches + m->functions_caches +
                  (tables > startup_tables ? tables - startup_tables : 0);
    if (m->overhead > m->used) m->overhead = m->used;
    m->dataset = m->used - m->overhead;
    size_t net = m->used > m->startup ? m->used - m->startup : 0;
    m->dataset_perc = net ? 100.0 * (double)m->dataset / (double)net : 0.0;
    m->peak_perc = m->peak ? 100.0 * (double)m->used / (double)m->peak : 0.0;
    for (int i = 0; i < server.ndbs; i++) m->keys += dict_size(&server.dbs[i].keys);
    struct mallinfo2 mi = mallinfo2();
    m->allocator_allocated = mi.uordblks + mi.hblkhd;
    m->allocator_active = mi.arena + mi.hblkhd;
    /* glibc keeps no separate resident figure: the process's RSS stands in for it. */
    m->allocator_resident = (size_t)m->rss;
    m->allocator_frag = m->allocator_allocated
                            ? (double)m->allocator_active / (double)m->allocator_allocated
                            : 0.0;
    m->allocator_frag_bytes = (long long)m->allocator_active - (long long)m->allocator_allocated;
    m->allocator_rss = m->allocator_active ? (double)m->rss / (double)m->allocator_active : 0.0;
    m->allocator_rss_bytes = m->rss - (long long)m->allocator_active;
    m->rss_extra = 1.0;
    m->total_frag = m->used ? (double)m->rss / (double)m->used : 0.0;
    m->total_frag_bytes = m->rss - (long long)m->used;
}

static void info_memory(buf_t *o) {
    struct memory_figures m;
    info_memory_figures(&m);
    size_t lua_vm = m.lua_vm, scripts = m.lua_caches, nscripts = m.cached_scripts;
    long long system = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    char h[10][32];
    buf_t policy;
    buf_init(&policy);
    config_value("maxmemory-policy", &policy);
    buf_printf(o,
               "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%lld\r\n"
               "used_memory_rss_human:%s\r\nused_memory_peak:%zu\r\nused_memory_peak_human:%s\r\n"
               "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%zu\r\n"
               "used_memory_startup:%zu\r\nused_memory_dataset:%zu\r\n"
               "used_memory_dataset_perc:%.2f%%\r\nallocator_allocated:%zu\r\n"
               "allocator_active:%zu\r\nallocator_resident:%zu\r\ntotal_system_memory:%lld\r\n"
               "total_system_memory_human:%s\r\n",
               m.used, human(h[0], 32, (double)m.used), m.rss, human(h[1], 32, (double)m.rss),
               m.peak, human(h[2], 32, (double)m.peak), m.peak_perc, m.overhead, m.startup,
               m.dataset, m.dataset_perc, m.allocator_allocated, m.allocator_active,
               m.allocator_resident, system, human(h[3], 32, (double)system));
    buf_printf(o,
               "used_memory_lua:%zu\r\nused_memory_vm_eval:%zu\r\nused_memory_lua_human:%s\r\n"
               "used_memory_scripts_eval:%zu\r\nnumber_of_cached_scripts:%zu\r\n"
               "number_of_functions:%zu\r\nnumber_of_libraries:%zu\r\nused_memory_vm_functions:%zu\r\n"
               "used_memory_vm_total:%zu\r\nused_memory_vm_total_human:%s\r\n"
               "used_memory_functions:%zu\r\nused_memory_scripts:%zu\r\n"
               "used_memory_scripts_human:%s\r\nmaxmemory:%lld\r\nmaxmemory_human:%s\r\n"
               "maxmemory_policy:%.*s\r\n",
               lua_vm, lua_vm, human(h[4], 32, (double)lua_vm), scripts, nscripts, m.functions,
               m.libraries, m.functions_vm, lua_vm + m.functions_vm,
               human(h[5], 32, (double)(lua_vm + m.functions_vm)), m.functions_caches,
               scripts + m.functions_caches, human(h[6], 32, (double)(scripts + m.functions_caches)),
               server.cfg.maxmemory, human(h[7], 32, (double)server.cfg.maxmemory),
               (int)policy.len, policy.data);
    buf_printf(o,
               "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%lld\r\n"
               "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n"
               "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:0\r\n"
               "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n"
               "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
               "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
               "mem_clients_normal:%zu\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\n"
               "mem_allocator:libc\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\n"
               "lazyfreed_objects:0\r\n",
               m.allocator_frag, m.allocator_frag_bytes, m.allocator_rss, m.allocator_rss_bytes,
               m.rss_extra, m.total_frag, m.total_frag_bytes, m.clients_normal);
    buf_free(&policy);
}

static void info_stats(buf_t *o) {
    buf_printf(o,
               "# Stats\r\ntotal_connections_received:%lld\r\ntotal_commands_processed:%lld\r\n"
               "instantaneous_ops_per_sec:%lld\r\ntotal_net_input_bytes:%lld\r\n"
               "total_net_output_bytes:%lld\r\ntotal_net_repl_input_bytes:0\r\n"
               "total_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:%.2f\r\n"
               "instantaneous_output_kbps:%.2f\r\ninstantaneous_input_repl_kbps:0.00\r\n"
               "instantaneous_output_repl_kbps:0.00\r\nrejected_connections:%lld\r\n"
               "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:%lld\r\n"
               "expired_stale_perc:0.00\r\nexpired_time_cap_reached_count:%lld\r\n"
               "expire_cycle_cpu_milliseconds:%lld\r\nevicted_keys:%lld\r\nevicted_clients:%lld\r\n"
               "keyspace_hits:%lld\r\nkeyspace_misses:%lld\r\npubsub_channels:%zu\r\n"
               "pubsub_patterns:%zu\r\npubsubshard_channels:%zu\r\n",
               server.stat_connections, server.stat_commands, (long long)(rate(RATE_OPS) + 0.5),
               server.stat_net_input_bytes, server.stat_net_output_bytes,
               rate(RATE_NET_INPUT) / 1024, rate(RATE_NET_OUTPUT) / 1024,
               server.stat_rejected_conn, server.stat_expired_keys,
               server.stat_expire_cycle_cap_reached, server.stat_expire_cycle_time_us / 1000,
               evict_stat_evicted_keys(), server.stat_evicted_clients, server.stat_keyspace_hits,
               server.stat_keyspace_misses,
               pubsub_total_channels(), pubsub_total_patterns(), pubsub_total_shard_channels());
    snapshot_info_stats(o);
    buf_printf(o,
               "migrate_cached_sockets:%d\r\nslave_expires_tracked_keys:0\r\n"
               "active_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\n"
               "active_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n"
               "current_active_defrag_time:0\r\ntracking_total_keys:%zu\r\n"
               "tracking_total_items:%zu\r\ntracking_total_prefixes:%zu\r\n"
               "unexpected_error_replies:0\r\ntotal_error_replies:%lld\r\n"
               "dump_payload_sanitizations:0\r\ntotal_reads_processed:%lld\r\n"
               "total_writes_processed:%lld\r\nio_threaded_reads_processed:0\r\n"
               "io_threaded_writes_processed:0\r\n",
               migrate_cached_sockets(), tracking_total_keys(), tracking_total_items(),
               tracking_total_prefixes(), commands_total_errors(), server.stat_reads,
               server.stat_writes);
}

static void info_replication(buf_t *o) {
    buf_t backlog;
    buf_init(&backlog);
    config_value("repl-backlog-size", &backlog);
    buf_printf(o,
               "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
               "master_failover_state:no-failover\r\nmaster_replid:%s\r\n"
               "master_replid2:0000000000000000000000000000000000000000\r\n"
               "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
               "repl_backlog_size:%.*s\r\nrepl_backlog_first_byte_offset:0\r\n"
               "repl_backlog_histlen:0\r\n",
               replid, (int)backlog.len, backlog.data);
    buf_free(&backlog);
}

static void info_cpu(buf_t *o) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    buf_printf(o,
               "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n"
               "used_cpu_sys_children:%ld.%06ld\r\nused_cpu_user_children:%ld.%06ld\r\n"
               "used_cpu_sys_main_thread:%ld.%06ld\r\nused_cpu_user_main_thread:%ld.%06ld\r\n",
               (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec,
               (long)self.ru_utime.tv_usec, (long)children.ru_stime.tv_sec,
               (long)children.ru_stime.tv_usec, (long)children.ru_utime.tv_sec,
               (long)children.ru_utime.tv_usec, (long)thread.ru_stime.tv_sec,
               (long)thread.ru_stime.tv_usec, (long)thread.ru_utime.tv_sec,
               (long)thread.ru_utime.tv_usec);
}

static void info_modules(buf_t *o) { buf_append_str(o, "# Modules\r\n"); }

static void info_commandstats(buf_t *o) {
    buf_append_str(o, "# Commandstats\r\n");
    commands_info_stats(o);
}

static void info_errorstats(buf_t *o) {
    buf_append_str(o, "# Errorstats\r\n");
    commands_info_errorstats(o);
}

static void info_latencystats(buf_t *o) {
    buf_append_str(o, "# Latencystats\r\n");
    latency_info_stats(o);
}

static void info_cluster(buf_t *o) { buf_append_str(o, "# Cluster\r\ncluster_enabled:0\r\n"); }

static void info_keyspace(buf_t *o) {
    buf_append_str(o, "# Keyspace\r\n");
    for (int i = 0; i < server.ndbs; i++) {
        db *d = &server.dbs[i];
        size_t keys = dict_size(&d->keys);
        if (!keys) continue;
        /* Average TTL over up to 100 keys from the front of the expiry heap. */
        long long sum = 0, n = 0;
        for (size_t j = 0; j < d->heap_len && j < 100; j++, n++) {
            long long left = entry_ttl(d->expiry_heap[j])->expire_ms - time_ms();
            sum += left > 0 ? left : 0;
        }
        buf_printf(o, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys, d->heap_len,
                   n ? sum / n : 0);
    }
}

/* In Redis's order; default: what INFO without arguments (or "default") shows. */
static const struct {
    const char *name;
    void (*fn)(buf_t *);
    int in_default;
} sections[] = {
    {"server", info_server, 1},       {"clients", info_clients, 1},
    {"memory", info_memory, 1},       {"persistence", snapshot_info, 1},
    {"stats", info_stats, 1},         {"replication", info_replication, 1},
    {"cpu", info_cpu, 1},             {"modules", info_modules, 1},
    {"commandstats", info_commandstats, 0}, {"errorstats", info_errorstats, 1},
    {"latencystats", info_latencystats, 0}, {"cluster", info_cluster, 1},
    {"keyspace", info_keyspace, 1},
};

#define NSECTIONS (sizeof sections / sizeof sections[0])

void cmd_info(client *c) {
    int want[NSECTIONS] = {0};
    for (size_t i = 0; c->argc == 1 && i < NSECTIONS; i++) want[i] = sections[i].in_default;
    /* Several names add up; each section is shown once, in Redis's order. */
    for (size_t a = 1; a < c->argc; a++) {
        const resp_arg *arg = &c->argv[a];
        int all = arg_is(arg, "all") || arg_is(arg, "everything");
        int dflt = arg_is(arg, "default");
        for (size_t i = 0; i < NSECTIONS; i++)
            if (all || (dflt && sections[i].in_default) || arg_is(arg, sections[i].name))
                want[i] = 1;
    }
    buf_t out;
    buf_init(&out);
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (!want[i]) continue;
        if (out.len) buf_append(&out, "\r\n", 2);
        sections[i].fn(&out);
    }
    reply_bulk(c, out.data ? out.data : "", out.len);
    buf_free(&out);
}
