/* Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT and CLIENT. */
#include <stdio.h>
#include <time.h>

#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "features/monitor.h"
#include "features/multi.h"
#include "features/pubsub.h"
#include "features/tracking.h"
#include "keyspace/db.h"
#include "mem.h"
#include "numconv.h"

void cmd_ping(client *c) {
    if (c->argc > 2) {
        reply_arity_error(c);
        return;
    }
    if (pubsub_count(c)) {
        /* In subscribed mode the answer is a message-shaped array. */
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        reply_bulk(c, c->argc == 2 ? c->argv[1].ptr : "", c->argc == 2 ? c->argv[1].len : 0);
    } else if (c->argc == 1) {
        reply_raw(c, "+PONG\r\n", 7);
    } else {
        reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
    }
}

void cmd_echo(client *c) { reply_bulk(c, c->argv[1].ptr, c->argv[1].len); }

void cmd_quit(client *c) {
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void select_db(client *c, int id) {
    c->db = &server.dbs[id];
    c->db_index = id;
}

void cmd_reset(client *c) {
    monitor_forget(c);
    multi_reset_client(c);
    pubsub_reset(c);
    tracking_forget(c);
    mem_free(c->name);
    c->name = NULL;
    select_db(c, 0);
    c->flags &= ~(CLIENT_NO_EVICT | CLIENT_NO_TOUCH | CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT);
    if (server.cfg.requirepass[0]) c->flags &= ~CLIENT_AUTHENTICATED;
    reply_status(c, "RESET");
}

/* Compares in time that depends only on the lengths, so a wrong guess teaches nothing. */
static int password_matches(const resp_arg *given, const char *expected) {
    size_t n = strlen(expected);
    unsigned char diff = given->len != n;
    for (size_t i = 0; i < given->len; i++)
        diff |= (unsigned char)(given->ptr[i] ^ (i < n ? expected[i] : 0));
    return diff == 0;
}

/* The single "default" user: no password, or requirepass. Returns 0 when authenticated. */
/* Wrong passwords are logged as warnings, one line a second at most so that a client
 * guessing passwords cannot flood the log: the line says how many failed since the last. */
static void log_failed_auth(const client *c) {
    static time_t last_line;
    static long long since_last_line;
    since_last_line++;
    time_t now = time(NULL);
    if (now == last_line) return;
    server_log(LL_WARNING, "Failed authentication: %lld attempt%s since the last report, latest from %s",
               since_last_line, since_last_line == 1 ? "" : "s", c->addr);
    last_line = now;
    since_last_line = 0;
}

static int authenticate(client *c, const resp_arg *user, const resp_arg *pass) {
    if ((user && !arg_is(user, "default")) ||
        (server.cfg.requirepass[0] && !password_matches(pass, server.cfg.requirepass))) {
        log_failed_auth(c);
        return -1;
    }
    c->flags |= CLIENT_AUTHENTICATED;
    return 0;
}

void cmd_auth(client *c) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    /* Passwords never reach the slow log (the username neither, as in Redis). */
    for (size_t i = 1; i < c->argc; i++) command_redact_arg(i);
    if (c->argc == 2 && !server.cfg.requirepass[0]) {
        reply_error(c, "AUTH <password> called without any password configured for the default "
                       "user. Are you sure your configuration is correct?");
        return;
    }
    const resp_arg *user = c->argc == 3 ? &c->argv[1] : NULL;
    if (authenticate(c, user, &c->argv[c->argc - 1]) != 0) {
        reply_error(c, ERR_WRONGPASS);
        return;
    }
    reply_ok(c);
}

/* Client names and CLIENT SETINFO values: printable ASCII without spaces. */
static int valid_name(const resp_arg *a) {
    for (size_t i = 0; i < a->len; i++)
        if (a->ptr[i] < '!' || a->ptr[i] > '~') return 0;
    return 1;
}

static void set_string_field(char **field, const resp_arg *a) {
    mem_free(*field);
    *field = NULL;
    if (a->len == 0) return;
    *field = mem_alloc(a->len + 1);
    memcpy(*field, a->ptr, a->len);
    (*field)[a->len] = '\0';
}

static int set_name_or_reply(client *c, const resp_arg *name) {
    if (!valid_name(name)) {
        reply_error(c, "Client names cannot contain spaces, newlines or special characters.");
        return -1;
    }
    set_string_field(&c->name, name);
    return 0;
}

void cmd_hello(client *c) {
    size_t next = 1;
    long long version = 2;
    if (c->argc >= 2) {
        if (arg_ll_msg(c, &c->argv[next++], &version,
                       "Protocol version is not an integer or out of range") != 0)
            return;
        /* rill speaks RESP2 only, so it answers HELLO 3 like a server without RESP3. */
        if (version != 2) {
            reply_error(c, "-NOPROTO unsupported protocol version");
            return;
        }
    }
    const resp_arg *user = NULL, *pass = NULL, *name = NULL;
    for (size_t i = next; i < c->argc; i++) {
        size_t more = c->argc - 1 - i;
        if (arg_is(&c->argv[i], "auth") && more >= 2) {
            user = &c->argv[i + 1];
            pass = &c->argv[i + 2];
            command_redact_arg(i + 1);
            command_redact_arg(i + 2);
            i += 2;
        } else if (arg_is(&c->argv[i], "setname") && more >= 1) {
            name = &c->argv[++i];
        } else {
            reply_errorf(c, "Syntax error in HELLO option '%.*s'", (int)c->argv[i].len,
                         c->argv[i].ptr);
            return;
        }
    }
    if (user && authenticate(c, user, pass) != 0) {
        reply_error(c, ERR_WRONGPASS);
        return;
    }
    if (!(c->flags & CLIENT_AUTHENTICATED)) {
        reply_error(c, "-NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    if (name && set_name_or_reply(c, name) != 0) return;
    reply_array(c, 14);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, REDIS_COMPAT_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, 2);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

void cmd_select(client *c) {
    long long id;
    if (arg_ll(c, &c->argv[1], &id) != 0) return;
    if (id < 0 || id >= server.ndbs) {
        reply_error(c, ERR_DB_RANGE);
        return;
    }
    select_db(c, (int)id);
    reply_ok(c);
}

/* ---- CLIENT ---- */

void cmd_client_id(client *c) { reply_int(c, (long long)c->id); }

void cmd_client_setname(client *c) {
    if (set_name_or_reply(c, &c->argv[2]) == 0) reply_ok(c);
}

void cmd_client_getname(client *c) {
    if (c->name) {
        reply_bulk_cstr(c, c->name);
    } else {
        reply_nil(c);
    }
}

void cmd_client_setinfo(client *c) {
    const resp_arg *attr = &c->argv[2], *value = &c->argv[3];
    char **field;
    if (arg_is(attr, "lib-name")) {
        field = &c->lib_name;
    } else if (arg_is(attr, "lib-ver")) {
        field = &c->lib_ver;
    } else {
        reply_errorf(c, "Unrecognized option '%.*s'", (int)attr->len, attr->ptr);
        return;
    }
    if (!valid_name(value)) {
        reply_errorf(c, "%.*s cannot contain spaces, newlines or special characters.",
                     (int)attr->len, attr->ptr);
        return;
    }
    set_string_field(field, value);
    reply_ok(c);
}

static void describe_to_reply(client *c, buf_t *lines) {
    reply_bulk(c, lines->data ? lines->data : "", lines->len);
    buf_free(lines);
}

void cmd_client_info(client *c) {
    buf_t out;
    buf_init(&out);
    client_describe(c, &out);
    buf_append(&out, "\n", 1);
    describe_to_reply(c, &out);
}

static int is_known_client_type(const resp_arg *t) {
    return arg_is(t, "normal") || arg_is(t, "master") || arg_is(t, "replica") ||
           arg_is(t, "slave") || arg_is(t, "pubsub");
}

void cmd_client_list(client *c) {
    int only_normal = -1; /* -1 any, 1 normal clients only, 0 none (other types) */
    long long *ids = NULL;
    size_t nids = 0;
    if (c->argc >= 4 && arg_is(&c->argv[2], "type") && c->argc == 4) {
        if (!is_known_client_type(&c->argv[3])) {
            reply_errorf(c, "Unknown client type '%.*s'", (int)c->argv[3].len, c->argv[3].ptr);
            return;
        }
        only_normal = arg_is(&c->argv[3], "normal");
    } else if (c->argc >= 4 && arg_is(&c->argv[2], "id")) {
        ids = mem_alloc((c->argc - 3) * sizeof *ids);
        for (size_t i = 3; i < c->argc; i++) {
            if (str_to_ll(c->argv[i].ptr, c->argv[i].len, &ids[nids]) != 0 || ids[nids] <= 0) {
                mem_free(ids);
                reply_error(c, "Invalid client ID");
                return;
            }
            nids++;
        }
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    buf_t out;
    buf_init(&out);
    /* Oldest first, as Redis lists them (the list holds the newest first). */
    client *oldest = server.clients;
    while (oldest && oldest->next) oldest = oldest->next;
    for (client *o = oldest; o; o = o->prev) {
        if (only_normal == 0) break;
        if (nids) {
            size_t i;
            for (i = 0; i < nids && (unsigned long long)ids[i] != o->id; i++) {
            }
            if (i == nids) continue;
        }
        client_describe(o, &out);
        buf_append(&out, "\n", 1);
    }
    mem_free(ids);
    describe_to_reply(c, &out);
}

static int arg_equals_str(const resp_arg *a, const char *s) {
    return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

struct kill_filter {
    long long id;
    const resp_arg *addr, *laddr, *user;
    int type_normal; /* -1 any */
    int skipme;
    long long maxage;
};

static int kill_matches(client *c, client *o, const struct kill_filter *f) {
    if (f->id && (unsigned long long)f->id != o->id) return 0;
    if (f->addr && !arg_equals_str(f->addr, o->addr)) return 0;
    if (f->laddr && !arg_equals_str(f->laddr, o->laddr)) return 0;
    if (f->type_normal == 0) return 0;
    if (f->skipme && o == c) return 0;
    if (f->maxage && ev_now(server.loop) - o->created < f->maxage) return 0;
    return 1;
}

static void kill_client(client *c, client *o) {
    if (o == c) {
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    } else {
        client_close_async(o);
    }
}

void cmd_client_kill(client *c) {
    if (c->argc == 3) {
        /* Old form: CLIENT KILL ip:port */
        for (client *o = server.clients; o; o = o->next) {
            if (arg_equals_str(&c->argv[2], o->addr)) {
                kill_client(c, o);
                reply_ok(c);
                return;
            }
        }
        reply_error(c, "No such client");
        return;
    }
    struct kill_filter f = {0, NULL, NULL, NULL, -1, 1, 0};
    if (c->argc % 2 != 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    for (size_t i = 2; i < c->argc; i += 2) {
        const resp_arg *opt = &c->argv[i], *val = &c->argv[i + 1];
        if (arg_is(opt, "id")) {
            if (str_to_ll(val->ptr, val->len, &f.id) != 0 || f.id <= 0) {
                reply_error(c, "client-id should be greater than 0");
                return;
            }
        } else if (arg_is(opt, "type")) {
            if (!is_known_client_type(val)) {
                reply_errorf(c, "Unknown client type '%.*s'", (int)val->len, val->ptr);
                return;
            }
            f.type_normal = arg_is(val, "normal");
        } else if (arg_is(opt, "addr")) {
            f.addr = val;
        } else if (arg_is(opt, "laddr")) {
            f.laddr = val;
        } else if (arg_is(opt, "user")) {
            /* User names are case-sensitive; "default" is the only user rill has. */
            if (!arg_equals_str(val, "default")) {
                reply_errorf(c, "No such user '%.*s'", (int)val->len, val->ptr);
                return;
            }
            f.user = val;
        } else if (arg_is(opt, "skipme")) {
            if (arg_is(val, "yes")) {
                f.skipme = 1;
            } else if (arg_is(val, "no")) {
                f.skipme = 0;
            } else {
                reply_error(c, ERR_SYNTAX);
                return;
            }
        } else if (arg_is(opt, "maxage")) {
            if (str_to_ll(val->ptr, val->len, &f.maxage) != 0 || f.maxage <= 0) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    long long killed = 0;
    for (client *o = server.clients; o; o = o->next) {
        if (!(o->flags & CLIENT_CLOSE_ASAP) && kill_matches(c, o, &f)) {
            kill_client(c, o);
            killed++;
        }
    }
    reply_int(c, killed);
}

/* CLIENT NO-EVICT and NO-TOUCH: on or off. */
static void client_switch(client *c, unsigned flag) {
    if (arg_is(&c->argv[2], "on")) {
        c->flags |= flag;
    } else if (arg_is(&c->argv[2], "off")) {
        c->flags &= ~flag;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    reply_ok(c);
}

void cmd_client_no_evict(client *c) { client_switch(c, CLIENT_NO_EVICT); }

void cmd_client_no_touch(client *c) { client_switch(c, CLIENT_NO_TOUCH); }

/* OFF and SKIP answer nothing themselves (command_execute drops what a muted command says). */
void cmd_client_reply(client *c) {
    if (arg_is(&c->argv[2], "on")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
        reply_ok(c);
    } else if (arg_is(&c->argv[2], "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (arg_is(&c->argv[2], "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_error(c, ERR_SYNTAX);
    }
}

void cmd_client_unblock(client *c) {
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c, "CLIENT");
        return;
    }
    long long id;
    if (arg_ll(c, &c->argv[2], &id) != 0) return;
    int with_error = 0;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "error")) {
            with_error = 1;
        } else if (!arg_is(&c->argv[3], "timeout")) {
            reply_error(c, "CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    for (client *o = server.clients; o; o = o->next) {
        if ((long long)o->id == id && o->blocked) {
            blocking_unblock(o, with_error);
            reply_int(c, 1);
            return;
        }
    }
    reply_int(c, 0);
}

void cmd_client_help(client *c) {
    static const char *const lines[] = {
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.",
        "LIST [options ...]",
        "    Return information about client connections. Options: TYPE, ID.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "SETINFO <option> <value>",
        "    Set client meta attributes: LIB-NAME or LIB-VER.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        NULL,
    };
    reply_help(c, "CLIENT", lines);
}
