/* MIGRATE: keys sent to another server as RESTORE commands carrying DUMP payloads, then
 * deleted here once the target said OK. As in Redis 7.0 the exchange is synchronous, bounded
 * by the command's timeout at each step, and connections stay open for reuse (with the
 * database last selected) until idle for MIGRATE_IDLE_SECONDS. Replies, the retry on a stale
 * cached connection and the error texts follow Redis's cluster.c. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/multi.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/migrate.h"
#include "persistence/rdb.h"

#define MIGRATE_CACHED_SOCKETS 64
#define MIGRATE_IDLE_SECONDS 10
#define WRITE_CHUNK (64 * 1024)

struct migrate_socket {
    char name[300]; /* "host:port", "" when the slot is free */
    int fd;
    long long last_dbid; /* -1: SELECT before the next RESTORE */
    time_t last_use;
};

static struct migrate_socket cache[MIGRATE_CACHED_SOCKETS];

static void close_socket(struct migrate_socket *s) {
    close(s->fd);
    s->name[0] = '\0';
}

int migrate_cached_sockets(void) {
    int n = 0;
    for (int i = 0; i < MIGRATE_CACHED_SOCKETS; i++)
        n += cache[i].name[0] != '\0';
    return n;
}

void migrate_cron(void) {
    time_t now = time(NULL);
    for (int i = 0; i < MIGRATE_CACHED_SOCKETS; i++)
        if (cache[i].name[0] && now - cache[i].last_use > MIGRATE_IDLE_SECONDS)
            close_socket(&cache[i]);
}

/* Waits for fd to be ready for events until deadline_ms. 1 ready, 0 timed out (errno set). */
static int wait_ready(int fd, short events, long long deadline_ms) {
    for (;;) {
        long long left = deadline_ms - time_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return 0;
        }
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
        if (n > 0) return 1;
        if (n < 0 && errno != EINTR) return 0;
    }
}

/* A non-blocking connection to host:port within timeout_ms; -1 on failure. */
static int connect_to(const char *host, const char *port, long long timeout_ms) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
    int fd = -1;
    long long deadline = time_ms() + timeout_ms;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        /* Writable is enough, as in Redis: a refused connection shows as a write error. */
        if (errno == EINPROGRESS && wait_ready(fd, POLLOUT, deadline)) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* The cached connection to host:port, or a new one; NULL after replying the error. */
static struct migrate_socket *get_socket(client *c, const resp_arg *host, const resp_arg *port,
                                         long long timeout_ms) {
    char name[sizeof cache[0].name];
    snprintf(name, sizeof name, "%.*s:%.*s", (int)host->len, host->ptr, (int)port->len, port->ptr);
    struct migrate_socket *free_slot = NULL;
    for (int i = 0; i < MIGRATE_CACHED_SOCKETS; i++) {
        if (cache[i].name[0] && strcmp(cache[i].name, name) == 0) {
            cache[i].last_use = time(NULL);
            return &cache[i];
        }
        if (!cache[i].name[0] && !free_slot) free_slot = &cache[i];
    }
    if (!free_slot) { /* full: a random connection makes room, as in Redis */
        free_slot = &cache[random() % MIGRATE_CACHED_SOCKETS];
        close_socket(free_slot);
    }
    char h[256], p[32];
    snprintf(h, sizeof h, "%.*s", (int)host->len, host->ptr);
    snprintf(p, sizeof p, "%.*s", (int)port->len, port->ptr);
    int fd = connect_to(h, p, timeout_ms);
    if (fd < 0) {
        reply_error(c, "-IOERR error or timeout connecting to the client");
        return NULL;
    }
    snprintf(free_slot->name, sizeof free_slot->name, "%s", name);
    free_slot->fd = fd;
    free_slot->last_dbid = -1;
    free_slot->last_use = time(NULL);
    return free_slot;
}

static int write_all(int fd, const char *p, size_t len, long long timeout_ms) {
    while (len) {
        if (!wait_ready(fd, POLLOUT, time_ms() + timeout_ms)) return -1;
        size_t chunk = len > WRITE_CHUNK ? WRITE_CHUNK : len;
        ssize_t n = write(fd, p, chunk);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One reply line (without CRLF, cut to size) within timeout_ms; -1 on error or timeout. */
static int read_line(int fd, char *out, size_t size, long long timeout_ms) {
    size_t n = 0;
    for (;;) {
        char ch;
        if (!wait_ready(fd, POLLIN, time_ms() + timeout_ms)) return -1;
        ssize_t got = read(fd, &ch, 1);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (got <= 0) return -1;
        if (ch == '\n') break;
        if (n + 1 < size) out[n++] = ch;
    }
    if (n && out[n - 1] == '\r') n--;
    out[n] = '\0';
    return 0;
}

static void put_bulk(buf_t *b, const char *s, size_t len) {
    buf_printf(b, "$%zu\r\n", len);
    buf_append(b, s, len);
    buf_append(b, "\r\n", 2);
}

size_t migrate_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap) {
    size_t first = 3, count = 1;
    for (size_t i = 6; i < argc; i++) {
        if (arg_is(&argv[i], "keys")) {
            first = i + 1;
            count = argv[3].len ? 0 : argc - i - 1;
            break;
        }
        /* Option values are skipped: "AUTH keys" is a password. */
        if (arg_is(&argv[i], "auth"))
            i += 1;
        else if (arg_is(&argv[i], "auth2"))
            i += 2;
    }
    for (size_t k = 0; k < count && k < cap; k++) index[k] = first + k;
    return count < cap ? count : cap;
}

struct migrate_args {
    int copy, replace;
    const resp_arg *username, *password;
    size_t first_key, nkeys;
    long long dbid, timeout;
};

/* Options after argv[5]; 0, or -1 after replying the error. */
static int parse_args(client *c, struct migrate_args *a) {
    memset(a, 0, sizeof *a);
    a->first_key = 3;
    a->nkeys = 1;
    for (size_t j = 6; j < c->argc; j++) {
        size_t more = c->argc - 1 - j;
        if (arg_is(&c->argv[j], "copy")) {
            a->copy = 1;
        } else if (arg_is(&c->argv[j], "replace")) {
            a->replace = 1;
        } else if (arg_is(&c->argv[j], "auth") && more >= 1) {
            a->password = &c->argv[++j];
            command_redact_arg(j);
        } else if (arg_is(&c->argv[j], "auth2") && more >= 2) {
            a->username = &c->argv[++j];
            command_redact_arg(j);
            a->password = &c->argv[++j];
            command_redact_arg(j);
        } else if (arg_is(&c->argv[j], "keys")) {
            if (c->argv[3].len != 0) {
                reply_error(c, "When using MIGRATE KEYS option, the key argument must be set to "
                               "the empty string");
                return -1;
            }
            a->first_key = j + 1;
            a->nkeys = c->argc - j - 1;
            break;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (arg_ll(c, &c->argv[5], &a->timeout) != 0 || arg_ll(c, &c->argv[4], &a->dbid) != 0)
        return -1;
    if (a->timeout <= 0) a->timeout = 1000;
    return 0;
}

/* The request: AUTH and SELECT when needed, then one RESTORE per key still alive. Fills keys
 * with the argument index of each key sent; returns how many. */
static size_t build_request(client *c, const struct migrate_args *a, int select, buf_t *req,
                            size_t *keys) {
    if (a->password) {
        buf_printf(req, "*%d\r\n", a->username ? 3 : 2);
        put_bulk(req, "AUTH", 4);
        if (a->username) put_bulk(req, a->username->ptr, a->username->len);
        put_bulk(req, a->password->ptr, a->password->len);
    }
    if (select) {
        char num[LL_STR_SIZE];
        size_t n = ll_to_str(num, a->dbid);
        buf_append_str(req, "*2\r\n");
        put_bulk(req, "SELECT", 6);
        put_bulk(req, num, n);
    }
    size_t sent = 0;
    long long now = time_ms();
    for (size_t j = 0; j < a->nkeys; j++) {
        const resp_arg *key = &c->argv[a->first_key + j];
        entry *e = db_lookup_read(c->db, key->ptr, key->len);
        if (!e) continue;
        long long ttl = 0, expire = entry_expire(e);
        if (expire >= 0) {
            ttl = expire - now;
            if (ttl < 0) continue;
            if (ttl < 1) ttl = 1;
        }
        char num[LL_STR_SIZE];
        size_t n = ll_to_str(num, ttl);
        buf_printf(req, "*%d\r\n", a->replace ? 5 : 4);
        put_bulk(req, "RESTORE", 7);
        put_bulk(req, key->ptr, key->len);
        put_bulk(req, num, n);
        size_t plen;
        unsigned char *payload = rdb_dump_payload(e, &plen);
        put_bulk(req, (const char *)payload, plen);
        mem_free(payload);
        if (a->replace) put_bulk(req, "REPLACE", 7);
        keys[sent++] = a->first_key + j;
    }
    return sent;
}

/* MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
 * [AUTH2 username password] [KEYS key...] */
void cmd_migrate(client *c) {
    struct migrate_args a;
    if (parse_args(c, &a) != 0) return;
    int present = 0;
    for (size_t j = 0; j < a.nkeys && !present; j++)
        present = db_lookup_read(c->db, c->argv[a.first_key + j].ptr,
                                 c->argv[a.first_key + j].len) != NULL;
    if (!present) {
        reply_status(c, "NOKEY");
        return;
    }
    size_t *keys = mem_alloc(a.nkeys * sizeof *keys);
    buf_t req;
    buf_init(&req);
    for (int may_retry = 1;; may_retry = 0) {
        struct migrate_socket *s = get_socket(c, &c->argv[1], &c->argv[2], a.timeout);
        if (!s) break;
        int select = s->last_dbid != a.dbid;
        req.len = 0;
        size_t nsent = build_request(c, &a, select, &req, keys);
        char auth_reply[1024] = "", select_reply[1024] = "", restore_reply[1024];
        int write_error = write_all(s->fd, req.data, req.len, a.timeout) != 0;
        int socket_error =
            write_error ||
            (a.password && read_line(s->fd, auth_reply, sizeof auth_reply, a.timeout)) ||
            (select && read_line(s->fd, select_reply, sizeof select_reply, a.timeout));
        size_t j = 0, ndeleted = 1;
        int target_error = 0;
        /* Propagated as DEL of the keys the target took (none with COPY), as in Redis. */
        resp_arg *deleted = mem_alloc((nsent + 1) * sizeof *deleted);
        deleted[0] = (resp_arg){"DEL", 3};
        for (; j < nsent && !socket_error; j++) {
            if (read_line(s->fd, restore_reply, sizeof restore_reply, a.timeout)) {
                socket_error = 1;
                break;
            }
            const char *err = auth_reply[0] == '-'      ? auth_reply
                              : select_reply[0] == '-'  ? select_reply
                              : restore_reply[0] == '-' ? restore_reply
                                                        : NULL;
            if (err) {
                if (!target_error) { /* the first error is the reply; SELECT again next time */
                    s->last_dbid = -1;
                    target_error = 1;
                    char msg[1100];
                    snprintf(msg, sizeof msg, "Target instance replied with error: %s", err + 1);
                    reply_error(c, msg);
                }
            } else if (!a.copy) {
                const resp_arg *key = &c->argv[keys[j]];
                entry *e = db_lookup_write(c->db, key->ptr, key->len);
                if (e) {
                    db_delete_entry(c->db, e);
                    db_signal_modified(c->db, key->ptr, key->len);
                    notify_key_arg(NOTIFY_GENERIC, "del", c, key);
                    server.dirty++;
                    deleted[ndeleted++] = *key;
                }
            }
        }
        if (ndeleted > 1) effects_rewrite(deleted, ndeleted);
        mem_free(deleted);
        multi_keys_touched_by_handler();
        /* A cached connection the target closed fails at once: one retry on a new one, when
         * nothing was processed and the problem was not a timeout. */
        int retry = socket_error && !target_error && j == 0 && may_retry && errno != ETIMEDOUT;
        if (socket_error) close_socket(s);
        if (retry) continue;
        if (socket_error && !target_error) {
            char msg[80];
            snprintf(msg, sizeof msg, "-IOERR error or timeout %s to target instance",
                     write_error ? "writing" : "reading");
            reply_error(c, msg);
        } else if (!target_error) {
            s->last_dbid = a.dbid;
            reply_ok(c);
        }
        break;
    }
    buf_free(&req);
    mem_free(keys);
}
