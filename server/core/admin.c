/* Server administration: CONFIG, TIME, SHUTDOWN, and CLUSTER in standalone mode. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/crash.h"
#include "core/net.h"
#include "core/process.h"
#include "core/reply.h"
#include "features/pubsub.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "persistence/aof.h"
#include "persistence/snapshot.h"
#include "scripting/scripting.h"

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
    /* The values of secret settings never reach the slow log, even if the command fails. */
    for (size_t i = 2; i + 1 < c->argc; i += 2) {
        const char *name = config_canonical_name(c->argv[i].ptr, c->argv[i].len);
        if (name && (!strcmp(name, "requirepass") || !strcmp(name, "masterauth") ||
                     !strcmp(name, "masteruser")))
            command_redact_arg(i + 1);
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
    /* The loading error comes before any other, as in Redis (clients treat it apart). */
    for (size_t i = 0; server.loading && i < n; i++) {
        if (config_denied_while_loading(names[i], client_is_local(c))) {
            reply_error(c, ERR_LOADING);
            return;
        }
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
    int failed = 0, bind_changed = 0, port_changed = 0, mport_changed = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        const resp_arg *value = &c->argv[3 + 2 * i];
        if (config_set(names[i], strlen(names[i]), value->ptr, value->len, client_is_local(c),
                       &err) != 0) {
            failed = 1;
            reply_errorf(c, "CONFIG SET failed (possibly related to argument '%s') - %.*s",
                         names[i], (int)err.len, err.data);
        } else if (!strcmp(names[i], "port") || !strcmp(names[i], "bind") ||
                   !strcmp(names[i], "memcached-port")) {
            buf_t now;
            buf_init(&now);
            config_value(names[i], &now);
            int changed = now.len != old[i].len || memcmp(now.data, old[i].data, now.len) != 0;
            if (changed && !strcmp(names[i], "bind")) bind_changed = 1;
            if (changed && !strcmp(names[i], "port")) port_changed = 1;
            if (changed && !strcmp(names[i], "memcached-port")) mport_changed = 1;
            buf_free(&now);
        }
    }
    if (!failed && (bind_changed || port_changed || mport_changed) && net_rebind() != 0) {
        failed = 1;
        if (bind_changed)
            reply_error(c, "CONFIG SET failed (possibly related to argument 'bind') - Failed to "
                           "bind to specified addresses.");
        else
            reply_errorf(c, "CONFIG SET failed (possibly related to argument '%s') - Unable to "
                            "listen on this port. Check server logs.",
                         port_changed ? "port" : "memcached-port");
    }
    /* Both settings act through one write to /proc, made once both have their new values. */
    const char *oom_setting = NULL;
    for (size_t i = 0; i < n && !oom_setting; i++)
        if (!strcmp(names[i], "oom-score-adj") || !strcmp(names[i], "oom-score-adj-values"))
            oom_setting = names[i];
    if (!failed && oom_setting && process_apply_oom_score_adj(OOM_CLASS_PRIMARY) != 0) {
        failed = 1;
        reply_errorf(c, "CONFIG SET failed (possibly related to argument '%s') - Failed to set "
                        "current oom_score_adj. Check server logs.", oom_setting);
    }
    for (size_t i = 0; i < n && !failed; i++) {
        if (strcmp(names[i], "appendonly") != 0) continue;
        int was_on = old[i].len == 3; /* "yes" */
        if (server.cfg.appendonly != was_on && aof_set_enabled(server.cfg.appendonly) != 0) {
            failed = 1;
            reply_error(c, "CONFIG SET failed (possibly related to argument 'appendonly') - Unable "
                           "to turn on AOF. Check server logs.");
        }
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
    if (failed && oom_setting) process_apply_oom_score_adj(OOM_CLASS_PRIMARY);
    for (size_t i = 0; i < n && !failed; i++) {
        if (!strcmp(names[i], "proc-title-template")) process_set_title(NULL);
        if (!strcmp(names[i], "crash-log-enabled")) crash_apply_config();
        if (!strcmp(names[i], "watchdog-period")) crash_watchdog();
        if (!strcmp(names[i], "aof-disable-auto-gc") && !config_number("aof-disable-auto-gc"))
            aof_auto_gc_enabled();
    }
    /* A lower client memory limit evicts at once, as in Redis. */
    for (size_t i = 0; i < n && !failed; i++)
        if (!strcmp(names[i], "maxmemory-clients") || !strcmp(names[i], "maxmemory")) {
            client_memory_check_all();
            break;
        }
    if (!failed) reply_ok(c);
    mem_free(old_dir);
    buf_free(&err);
}

/* rill has no cluster mode (cluster-enabled yes stops start-up): every CLUSTER form answers
 * as Redis's does in standalone mode. */
void cmd_cluster(client *c) { reply_error(c, "This instance has cluster support disabled"); }

void cmd_config_resetstat(client *c) {
    commands_reset_stats();
    server.stat_connections = server.stat_rejected_conn = server.stat_commands = 0;
    server.stat_keyspace_hits = server.stat_keyspace_misses = server.stat_expired_keys = 0;
    server.stat_net_input_bytes = server.stat_net_output_bytes = 0;
    server.stat_expire_cycle_time_us = server.stat_expire_cycle_cap_reached = 0;
    server.stat_reads = server.stat_writes = server.stat_evicted_clients = 0;
    evict_reset_stats();
    reply_ok(c);
}

/* Rewrites the config file: each known setting's first line gets the running value, later
 * duplicates go, unknown lines and comments stay, and changed settings are appended. */
void cmd_config_rewrite(client *c) {
    if (!server.config_file) {
        reply_error(c, "The server is running without a config file");
        return;
    }
    buf_t err;
    buf_init(&err);
    if (config_rewrite(server.config_file, 0, &err) == 0) {
        reply_ok(c);
    } else {
        server_log(LL_WARNING, "CONFIG REWRITE failed: %.*s", (int)err.len, err.data);
        reply_errorf(c, "%.*s", (int)err.len, err.data);
    }
    buf_free(&err);
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

/* rill has no replication yet (INFO replication says the same): a primary at offset 0 with
 * no replicas. */
void cmd_role(client *c) {
    reply_array(c, 3);
    reply_bulk_cstr(c, "master");
    reply_int(c, 0);
    reply_array(c, 0);
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
        if (server_abort_signalled_shutdown() == 0) {
            reply_ok(c);
        } else {
            reply_error(c, "No shutdown in progress.");
        }
        return;
    }
    if (!nosave && scripting_timed_out()) {
        reply_error(c, scripting_busy_error());
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

/* ---- MODULE: rill loads no Redis modules (they are built against Redis's module API), so
 * none is ever listed, and loading one fails as a module that cannot load fails in Redis:
 * the reason goes to the log, the client gets Redis's error. ---- */

void cmd_module_list(client *c) { reply_array(c, 0); }

void cmd_module_load(client *c) {
    server_log(LL_WARNING, "Module %.*s failed to load: rill does not load Redis modules",
               (int)(c->argv[2].len < 256 ? c->argv[2].len : 256), c->argv[2].ptr);
    reply_error(c, "Error loading the extension. Please check the server logs.");
}

void cmd_module_unload(client *c) { reply_error(c, "Error unloading module: no such module with that name"); }

void cmd_module_help(client *c) {
    static const char *const lines[] = {
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
        NULL,
    };
    reply_help(c, "MODULE", lines);
}
