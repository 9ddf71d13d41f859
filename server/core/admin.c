/* Server administration: INFO, CONFIG, TIME, LASTSAVE, SHUTDOWN. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "features/pubsub.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "persistence/snapshot.h"
#include "scripting/scripting.h"

/* ---- INFO ---- */

static long rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

static void human_bytes(char *out, size_t outlen, double n) {
    const char *units = "BKMGTP";
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    if (u == 0) {
        snprintf(out, outlen, "%.0fB", n);
    } else {
        snprintf(out, outlen, "%.2f%c", n, units[u]);
    }
}

static void info_server(buf_t *o) {
    struct utsname un;
    uname(&un);
    time_t now = time(NULL);
    long long uptime = (long long)(now - server.start_time);
    buf_printf(o,
               "# Server\r\nredis_version:%s\r\nrill_version:%s\r\nredis_git_sha1:00000000\r\n"
               "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\n"
               "os:%s %s %s\r\narch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
               "multiplexing_api:libev\r\ngcc_version:%d.%d.%d\r\nprocess_id:%d\r\n"
               "run_id:%016llx%016llx%08x\r\ntcp_port:%d\r\nserver_time_usec:%lld\r\n"
               "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:%d\r\nconfigured_hz:%d\r\n"
               "lru_clock:%u\r\nexecutable:%s\r\nconfig_file:%s\r\n",
               REDIS_COMPAT_VERSION, RILL_VERSION, un.sysname, un.release, un.machine,
               (int)(8 * sizeof(long)), __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
               (int)server.pid, (unsigned long long)server.start_time * 2654435761ULL,
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
               "blocked_clients:%zu\r\ntracking_clients:0\r\nclients_in_timeout_table:%zu\r\n",
               server.nclients, server.cfg.maxclients, biggest_in, biggest_out, server.nblocked,
               server.nblocked_timed);
}

static void info_memory(buf_t *o) {
    size_t used = mem_used();
    long rss = rss_bytes();
    char used_h[32], rss_h[32];
    human_bytes(used_h, sizeof used_h, (double)used);
    human_bytes(rss_h, sizeof rss_h, (double)rss);
    size_t lua_vm, scripts, nscripts;
    scripting_memory(&lua_vm, &scripts, &nscripts);
    char lua_h[32], scripts_h[32];
    human_bytes(lua_h, sizeof lua_h, (double)lua_vm);
    human_bytes(scripts_h, sizeof scripts_h, (double)scripts);
    char maxmemory_h[32];
    human_bytes(maxmemory_h, sizeof maxmemory_h, (double)server.cfg.maxmemory);
    buf_t policy;
    buf_init(&policy);
    config_value("maxmemory-policy", &policy);
    buf_printf(o,
               "# Memory\r\nused_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%ld\r\n"
               "used_memory_rss_human:%s\r\nused_memory_peak:%zu\r\n"
               "used_memory_lua:%zu\r\nused_memory_vm_eval:%zu\r\nused_memory_lua_human:%s\r\n"
               "used_memory_scripts_eval:%zu\r\nnumber_of_cached_scripts:%zu\r\n"
               "number_of_functions:0\r\nnumber_of_libraries:0\r\nused_memory_vm_functions:0\r\n"
               "used_memory_vm_total:%zu\r\nused_memory_vm_total_human:%s\r\n"
               "used_memory_functions:0\r\nused_memory_scripts:%zu\r\n"
               "used_memory_scripts_human:%s\r\nmaxmemory:%lld\r\n"
               "maxmemory_human:%s\r\nmaxmemory_policy:%.*s\r\n"
               "mem_fragmentation_ratio:%.2f\r\nmem_allocator:libc\r\n",
               used, used_h, rss, rss_h, used, lua_vm, lua_vm, lua_h, scripts, nscripts, lua_vm,
               lua_h, scripts, scripts_h, server.cfg.maxmemory, maxmemory_h, (int)policy.len,
               policy.data, used ? (double)rss / (double)used : 0.0);
    buf_free(&policy);
}

static void info_stats(buf_t *o) {
    buf_printf(o,
               "# Stats\r\ntotal_connections_received:%lld\r\ntotal_commands_processed:%lld\r\n"
               "total_net_input_bytes:%lld\r\ntotal_net_output_bytes:%lld\r\n"
               "rejected_connections:%lld\r\nexpired_keys:%lld\r\nevicted_keys:%lld\r\n"
               "keyspace_hits:%lld\r\nkeyspace_misses:%lld\r\npubsub_channels:%zu\r\n"
               "pubsub_patterns:%zu\r\nexpire_cycle_cpu_milliseconds:%lld\r\n"
               "total_error_replies:%lld\r\n",
               server.stat_connections, server.stat_commands, server.stat_net_input_bytes,
               server.stat_net_output_bytes, server.stat_rejected_conn, server.stat_expired_keys, evict_stat_evicted_keys(),
               server.stat_keyspace_hits, server.stat_keyspace_misses, pubsub_total_channels(),
               pubsub_total_patterns(), server.stat_expire_cycle_time_us / 1000, commands_total_errors());
    snapshot_info_stats(o);
}

static void info_replication(buf_t *o) {
    buf_append_str(o, "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n");
}

static void info_cpu(buf_t *o) {
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    buf_printf(o, "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n",
               (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec,
               (long)self.ru_utime.tv_usec);
}

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

struct info_section {
    const char *name;
    void (*fn)(buf_t *);
    int in_default;
};

static void info_commandstats(buf_t *o) {
    buf_append_str(o, "# Commandstats\r\n");
    commands_info_stats(o);
}

static void info_errorstats(buf_t *o) {
    buf_append_str(o, "# Errorstats\r\n");
    commands_info_errorstats(o);
}

static const struct info_section sections[] = {
    {"server", info_server, 1},           {"clients", info_clients, 1},
    {"memory", info_memory, 1},           {"persistence", snapshot_info, 1},
    {"stats", info_stats, 1},             {"replication", info_replication, 1},
    {"cpu", info_cpu, 1},                 {"commandstats", info_commandstats, 0},
    {"errorstats", info_errorstats, 1},   {"keyspace", info_keyspace, 1},
};

void cmd_info(client *c) {
    size_t n = sizeof sections / sizeof sections[0];
    int want[16] = {0};
    if (c->argc == 1) {
        for (size_t i = 0; i < n; i++) want[i] = sections[i].in_default;
    }
    for (size_t a = 1; a < c->argc; a++) {
        const resp_arg *arg = &c->argv[a];
        int all = arg_is(arg, "all") || arg_is(arg, "everything");
        for (size_t i = 0; i < n; i++) {
            if (all || arg_is(arg, sections[i].name) ||
                (arg_is(arg, "default") && sections[i].in_default))
                want[i] = 1;
        }
    }
    buf_t out;
    buf_init(&out);
    for (size_t i = 0; i < n; i++) {
        if (!want[i]) continue;
        if (out.len) buf_append(&out, "\r\n", 2);
        sections[i].fn(&out);
    }
    reply_bulk(c, out.data ? out.data : "", out.len);
    buf_free(&out);
}

/* ---- CONFIG ---- */

void cmd_config_get(client *c) {
    buf_t out;
    buf_init(&out);
    long pairs = config_get(c->argv + 2, c->argc - 2, &out);
    reply_array(c, pairs * 2);
    reply_raw(c, out.data ? out.data : "", out.len);
    buf_free(&out);
}

void cmd_config_set(client *c) {
    if (c->argc % 2 != 0) {
        reply_arity_error(c);
        return;
    }
    const char *names[64];
    size_t n = 0;
    for (size_t i = 2; i < c->argc; i += 2) {
        const char *name = config_canonical_name(c->argv[i].ptr, c->argv[i].len);
        if (!name || n == 64) {
            reply_errorf(c, "Unknown option or number of arguments for CONFIG SET - '%.*s'",
                         (int)c->argv[i].len, c->argv[i].ptr);
            return;
        }
        for (size_t j = 0; j < n; j++) {
            if (names[j] == name) {
                reply_errorf(c, "CONFIG SET failed (possibly related to argument '%s') - "
                                "duplicate parameter", name);
                return;
            }
        }
        names[n++] = name;
    }
    /* All or nothing: the old values as CONFIG GET shows them, put back if one is refused. */
    buf_t old[64];
    for (size_t i = 0; i < n; i++) {
        buf_init(&old[i]);
        config_value(names[i], &old[i]);
    }
    char *old_dir = mem_strdup(server.cfg.dir);
    buf_t err;
    buf_init(&err);
    int failed = 0, listening_changed = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        const resp_arg *value = &c->argv[3 + 2 * i];
        if (config_set(names[i], strlen(names[i]), value->ptr, value->len, client_is_local(c),
                       &err) != 0) {
            failed = 1;
            reply_errorf(c, "CONFIG SET failed (possibly related to argument '%s') - %.*s",
                         names[i], (int)err.len, err.data);
        } else if (!strcmp(names[i], "port") || !strcmp(names[i], "bind")) {
            buf_t now;
            buf_init(&now);
            config_value(names[i], &now);
            if (now.len != old[i].len || memcmp(now.data, old[i].data, now.len) != 0)
                listening_changed = 1;
            buf_free(&now);
        }
    }
    if (!failed && listening_changed && net_rebind() != 0) {
        failed = 1;
        reply_error(c, "CONFIG SET failed (possibly related to argument 'port') - Unable to "
                       "listen on this port");
    }
    /* The server works in dir: a new one is entered once everything else was accepted. */
    if (!failed && strcmp(old_dir, server.cfg.dir) != 0 && chdir(server.cfg.dir) != 0) {
        failed = 1;
        reply_errorf(c, "CONFIG SET failed (possibly related to argument 'dir') - %s", strerror(errno));
    }
    for (size_t i = 0; i < n; i++) {
        if (failed) config_restore(names[i], old[i].data ? old[i].data : "", old[i].len);
        buf_free(&old[i]);
    }
    if (!failed) reply_ok(c);
    mem_free(old_dir);
    buf_free(&err);
}

void cmd_config_resetstat(client *c) {
    commands_reset_stats();
    server.stat_connections = server.stat_rejected_conn = server.stat_commands = 0;
    server.stat_keyspace_hits = server.stat_keyspace_misses = server.stat_expired_keys = 0;
    server.stat_net_input_bytes = server.stat_net_output_bytes = 0;
    server.stat_expire_cycle_time_us = 0;
    reply_ok(c);
}

/* Rewrites the config file: each known setting's first line gets the running value, later
 * duplicates go, unknown lines and comments stay, and changed settings are appended. */
void cmd_config_rewrite(client *c) {
    if (!server.config_file) {
        reply_error(c, "The server is running without a config file");
        return;
    }
    FILE *in = fopen(server.config_file, "r");
    buf_t out, value;
    buf_init(&out);
    buf_init(&value);
    const char *written[64];
    long nwritten = 0;
    char line[4096];
    while (in && fgets(line, sizeof line, in)) {
        char name[128];
        if (sscanf(line, " %127s", name) == 1 && name[0] != '#' &&
            config_canonical_name(name, strlen(name))) {
            const char *canon = config_canonical_name(name, strlen(name));
            int done = 0;
            for (long i = 0; i < nwritten; i++) done |= written[i] == canon;
            if (done) continue;
            written[nwritten++] = canon;
            value.len = 0;
            config_value(canon, &value);
            buf_printf(&out, "%s \"%.*s\"\n", canon, (int)value.len, value.data ? value.data : "");
            continue;
        }
        buf_append_str(&out, line);
    }
    if (in) fclose(in);
    buf_free(&value);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.rewrite.tmp", server.config_file);
    FILE *f = fopen(tmp, "w");
    int ok = f && fwrite(out.data ? out.data : "", 1, out.len, f) == out.len;
    if (f) ok = (fflush(f) == 0) && (fsync(fileno(f)) == 0) && ok, fclose(f);
    ok = ok && rename(tmp, server.config_file) == 0;
    buf_free(&out);
    if (!ok) {
        unlink(tmp);
        reply_errorf(c, "Rewriting config file: %m");
        return;
    }
    reply_ok(c);
}

void cmd_config_help(client *c) {
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    reply_help(c, "CONFIG", lines);
}

/* ---- Time, saves, shutdown ---- */

void cmd_time(client *c) {
    long long us = time_us();
    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

void cmd_shutdown(client *c) {
    int save = 0, nosave = 0, force = 0, abort_shutdown = 0;
    for (size_t i = 1; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "nosave")) {
            nosave = 1;
        } else if (arg_is(&c->argv[i], "save")) {
            save = 1;
        } else if (arg_is(&c->argv[i], "now")) {
            /* No replicas to wait for. */
        } else if (arg_is(&c->argv[i], "force")) {
            force = 1;
        } else if (arg_is(&c->argv[i], "abort")) {
            abort_shutdown = 1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if ((save && nosave) || (abort_shutdown && c->argc > 2)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (abort_shutdown) {
        reply_error(c, "No shutdown in progress.");
        return;
    }
    if (!nosave && scripting_timed_out()) {
        reply_error(c, ERR_BUSY_SCRIPT);
        return;
    }
    server_log(LL_WARNING, "User requested shutdown...");
    enum shutdown_save mode = nosave ? SHUTDOWN_NOSAVE : save ? SHUTDOWN_SAVE_FORCE : SHUTDOWN_SAVE_DEFAULT;
    /* FORCE: exit even when the final save fails. */
    if (snapshot_before_shutdown(mode) != 0 && !force) {
        reply_error(c, "Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    server_shutdown();
    c->flags |= CLIENT_CLOSE_ASAP;
}
