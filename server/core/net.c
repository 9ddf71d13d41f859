#include "core/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "features/monitor.h"
#include "features/multi.h"
#include "features/pause.h"
#include "features/pubsub.h"
#include "features/tracking.h"
#include "keyspace/db.h"
#include "mem.h"
#include "persistence/aof.h"
#include "protocols/memcache.h"
#include "scripting/scripting.h"

#define READ_CHUNK (16 * 1024)
#define MAX_ACCEPTS_PER_EVENT 1000
/* Reply or query buffer capacity kept between commands; more is returned to the allocator. */
#define IDLE_BUFFER_KEEP (32 * 1024)
/* Unsent output not counted against client-output-buffer-limit. */
#define REPLY_BUFFER_FREE (16 * 1024)

static void on_readable(struct ev_loop *loop, ev_io *w, int revents);
static void on_writable(struct ev_loop *loop, ev_io *w, int revents);
static void process_input(client *c);

/* ---- Listening ---- */

static void format_addr(const struct sockaddr_storage *sa, char *out, size_t outlen) {
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip);
        port = ntohs(s->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip);
        port = ntohs(s->sin6_port);
    } else if (sa->ss_family == AF_UNIX) {
        snprintf(ip, sizeof ip, "/unixsocket"); /* what Redis shows for either end */
    }
    snprintf(out, outlen, "%s:%d", ip, port);
}

/* Loopback, or the Unix socket (local by nature, as Redis's protected mode treats it). */
static int is_loopback(const struct sockaddr_storage *sa) {
    if (sa->ss_family == AF_UNIX) return 1;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) return s->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents);

/* Listens on one address. A leading '-' means a missing address is not an error; "*" is every
 * IPv4 address and "::*" every IPv6 one, as in Redis. */
static int listen_on(const char *addr, int portnum, int memcache) {
    int optional = addr[0] == '-';
    if (optional) addr++;
    if (strcmp(addr, "*") == 0) addr = "0.0.0.0";
    if (strcmp(addr, "::*") == 0) addr = "::";
    char port[16];
    snprintf(port, sizeof port, "%d", portnum);
    struct addrinfo hints = {0}, *res;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    int rc = getaddrinfo(addr, port, &hints, &res);
    if (rc != 0) {
        server_log(LL_WARNING, "Could not create server TCP listening socket %s:%d: %s", addr,
                   portnum, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd >= 0 && res->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
        listen(fd, server.cfg.tcp_backlog) != 0) {
        int err = errno;
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT || err == EPROTONOSUPPORT))
            return 0;
        server_log(LL_WARNING, "Could not create server TCP listening socket %s:%d: bind: %s",
                   addr, portnum, strerror(err));
        return -1;
    }
    freeaddrinfo(res);
    if (server.nlisteners == (int)(sizeof server.listeners / sizeof server.listeners[0])) {
        close(fd);
        server_log(LL_WARNING, "Too many bind addresses");
        return -1;
    }
    struct listener *l = &server.listeners[server.nlisteners++];
    l->fd = fd;
    l->memcache = memcache;
    ev_io_init(&l->watcher, on_accept, fd, EV_READ);
    l->watcher.data = l;
    return 0;
}

/* The unixsocket setting: a stream socket at that path (a file left there by an earlier run
 * is replaced), given unixsocketperm when set. */
static int listen_unix(void) {
    const char *path = config_string("unixsocket");
    if (!path[0]) return 0;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        server_log(LL_WARNING, "Failed opening Unix socket: unix socket path too long (%zu), "
                   "must be under %zu", strlen(path), sizeof sa.sun_path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path));
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    long long perm = config_number("unixsocketperm");
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        (perm && chmod(path, (mode_t)perm) != 0) || listen(fd, server.cfg.tcp_backlog) != 0) {
        server_log(LL_WARNING, "Failed opening Unix socket: %s", strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (server.nlisteners == (int)(sizeof server.listeners / sizeof server.listeners[0])) {
        close(fd);
        server_log(LL_WARNING, "Too many bind addresses");
        return -1;
    }
    struct listener *l = &server.listeners[server.nlisteners++];
    *l = (struct listener){.fd = fd, .unix_socket = 1};
    ev_io_init(&l->watcher, on_accept, fd, EV_READ);
    l->watcher.data = l;
    server_log(LL_NOTICE, "The server is now ready to accept connections at %s", path);
    return 0;
}

/* Listens on port at every address of bind (space-separated). */
static int listen_everywhere(const char *bind, int port, int memcache) {
    char *copy = mem_strdup(bind);
    int rc = 0;
    for (char *save, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        if (listen_on(tok, port, memcache) != 0) rc = -1;
    mem_free(copy);
    return rc;
}

/* What the TCP listeners are bound to, to go back to when a CONFIG SET cannot bind. */
static struct {
    char *bind;
    int port, memcached_port;
} listening;

static void remember_listening(void) {
    mem_free(listening.bind);
    listening.bind = mem_strdup(server.cfg.bind);
    listening.port = server.cfg.port;
    listening.memcached_port = server.cfg.memcached_port;
}

/* The RESP port and the memcached port (when set, and each when asked) at every address of
 * bind. */
static int listen_tcp(const char *bind, int port, int memcached_port, int resp, int memcache) {
    int rc = resp ? listen_everywhere(bind, port, 0) : 0;
    if (rc == 0 && memcache && memcached_port) rc = listen_everywhere(bind, memcached_port, 1);
    return rc;
}

int net_listen(void) {
    int rc = listen_tcp(server.cfg.bind, server.cfg.port, server.cfg.memcached_port, 1, 1);
    if (rc != 0) server_log(LL_WARNING, "Failed listening on port %d (TCP), aborting.", server.cfg.port);
    if (rc == 0) rc = listen_unix();
    if (rc == 0 && server.nlisteners == 0) {
        server_log(LL_WARNING, "Configured to not listen anywhere, exiting.");
        rc = -1;
    }
    if (rc == 0) remember_listening();
    return rc;
}

/* Closes RESP's TCP listeners, memcached's, or both (unixsocket is start-up only and stays). */
static void close_tcp_listeners(int resp, int memcache) {
    int kept = 0;
    for (int i = 0; i < server.nlisteners; i++) {
        struct listener *l = &server.listeners[i];
        if (l->unix_socket || !(l->memcache ? memcache : resp))
            server.listeners[kept++] = *l;
        else
            close(l->fd);
    }
    server.nlisteners = kept;
}

int net_rebind(void) {
    /* libev points at the watchers: stop them all before the array moves under it. */
    for (int i = 0; i < server.nlisteners; i++) ev_io_stop(server.loop, &server.listeners[i].watcher);
    /* Only the listeners whose address changed move: closing one drops the connections still
     * waiting in its backlog. */
    int bind_moved = strcmp(listening.bind, server.cfg.bind) != 0;
    int resp = bind_moved || listening.port != server.cfg.port;
    int memcache = bind_moved || listening.memcached_port != server.cfg.memcached_port;
    /* The old sockets go first, as in Redis: the new addresses may include them. An empty
     * bind leaves no TCP listener (connected clients stay; nobody new gets in). */
    close_tcp_listeners(resp, memcache);
    int rc = listen_tcp(server.cfg.bind, server.cfg.port, server.cfg.memcached_port, resp, memcache);
    if (rc != 0) {
        close_tcp_listeners(resp, memcache);
        if (listen_tcp(listening.bind, listening.port, listening.memcached_port, resp, memcache) != 0)
            server_log(LL_WARNING, "Could not listen again on the previous addresses");
    } else {
        remember_listening();
    }
    for (int i = 0; i < server.nlisteners; i++) {
        server.listeners[i].watcher.data = &server.listeners[i];
        ev_io_start(server.loop, &server.listeners[i].watcher);
    }
    return rc;
}

/* ---- Client lifecycle ---- */

/* proto-max-bulk-len, within what an entry's 32-bit length holds: a longer argument is refused
 * as one over the limit would be, never stored cut short. */
static long long max_bulk_len(void) {
    long long entry_max = (long long)UINT32_MAX;
    return server.cfg.proto_max_bulk_len < entry_max ? server.cfg.proto_max_bulk_len : entry_max;
}

static void forget_input(client *c);

static void client_free(client *c) {
    forget_input(c);
    aof_forget_client(c);
    dict_remove(&server.clients_by_id, (const char *)&c->id, sizeof c->id);
    tracking_forget(c);
    client_memory_forget(c);
    blocking_forget(c);
    pause_forget(c);
    monitor_forget(c);
    multi_reset_client(c);
    pubsub_reset(c);
    ev_io_stop(server.loop, &c->read_watcher);
    ev_io_stop(server.loop, &c->write_watcher);
    close(c->fd);
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        server.clients = c->next;
    }
    if (c->next) c->next->prev = c->prev;
    server.nclients--;
    if (c->flags & CLIENT_MEMCACHE) server.nmemcache_clients--;
    buf_free(&c->query);
    buf_free(&c->reply);
    resp_parser_free(&c->parser);
    mem_free(c->name);
    mem_free(c->lib_name);
    mem_free(c->lib_ver);
    mem_free(c);
}

void client_close_async(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    /* Out of every wait queue now, so nothing is served to a client about to go, and no
     * longer counted for client eviction. */
    blocking_forget(c);
    pause_forget(c);
    monitor_forget(c);
    client_memory_forget(c);
    ev_io_stop(server.loop, &c->read_watcher);
    c->next_close = server.pending_close;
    server.pending_close = c;
}

void client_close_and_release(client *c) {
    client_close_async(c);
    if (c == server.current || (c->flags & CLIENT_PROTECTED)) return;
    buf_free(&c->query);
    buf_free(&c->reply);
    c->reply_sent = 0;
    aof_forget_client(c);
}

void client_queue_reply(client *c) {
    if (c->flags & (CLIENT_PENDING_WRITE | CLIENT_CLOSE_ASAP)) return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->next_pending = server.pending_writes;
    server.pending_writes = c;
}

static void client_id_key(const dict_node *n, const char **key, size_t *len) {
    const client *c = (const client *)((const char *)n - offsetof(client, id_node));
    *key = (const char *)&c->id;
    *len = sizeof c->id;
}

static const dict_type client_id_type = {client_id_key, NULL};

client *client_by_id(uint64_t id) {
    if (!server.clients_by_id.type) return NULL;
    dict_node *n = dict_find(&server.clients_by_id, (const char *)&id, sizeof id);
    return n ? (client *)((char *)n - offsetof(client, id_node)) : NULL;
}

client *client_new(int fd, const struct sockaddr_storage *peer) {
    client *c = mem_calloc(1, sizeof *c);
    c->id = ++server.next_client_id;
    if (!server.clients_by_id.type) dict_init(&server.clients_by_id, &client_id_type);
    dict_add(&server.clients_by_id, &c->id_node);
    c->fd = fd;
    c->db = &server.dbs[0];
    c->db_index = 0;
    if (!server.cfg.requirepass[0]) c->flags |= CLIENT_AUTHENTICATED;
    buf_init(&c->query);
    buf_init(&c->reply);
    resp_parser_init(&c->parser, max_bulk_len());
    format_addr(peer, c->addr, sizeof c->addr);
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &len) == 0) {
        format_addr(&local, c->laddr, sizeof c->laddr);
    }
    c->created = c->last_active = ev_now(server.loop);
    ev_io_init(&c->read_watcher, on_readable, fd, EV_READ);
    ev_io_init(&c->write_watcher, on_writable, fd, EV_WRITE);
    c->read_watcher.data = c->write_watcher.data = c;
    ev_io_start(server.loop, &c->read_watcher);
    c->next = server.clients;
    if (server.clients) server.clients->prev = c;
    server.clients = c;
    server.nclients++;
    return c;
}

/* Best effort: a refused connection gets one line and is closed at once. */
static void refuse(int fd, const char *line) {
    ssize_t ignored = write(fd, line, strlen(line));
    (void)ignored;
    close(fd);
}

/* Redis 7.0's words, typo included ("Setup a an"): tests/compat/test_protected_mode.py
 * compares them with the redis-server binary. */
static const char protected_mode_msg[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from the "
    "outside.\r\n";

static void on_accept(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = accept4(w->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                server_log(LL_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        const struct listener *l = w->data;
        server.stat_connections++;
        if (server.nclients >= (size_t)server.cfg.maxclients) {
            server.stat_rejected_conn++;
            refuse(fd, l->memcache ? "SERVER_ERROR " ERR_MAXCLIENTS "\r\n" : "-ERR " ERR_MAXCLIENTS "\r\n");
            continue;
        }
        if (server.cfg.protected_mode && !server.cfg.requirepass[0] && !is_loopback(&peer)) {
            server.stat_rejected_conn++;
            refuse(fd, l->memcache ? "SERVER_ERROR protected mode: only loopback clients are "
                                     "accepted while no password is set\r\n"
                                   : protected_mode_msg);
            continue;
        }
        int one = 1;
        if (!l->unix_socket) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!l->unix_socket && server.cfg.tcp_keepalive > 0) {
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            int idle = server.cfg.tcp_keepalive;
            setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        }
        client *c = client_new(fd, &peer);
        if (l->memcache) {
            c->flags |= CLIENT_MEMCACHE;
            server.nmemcache_clients++;
        }
    }
}

/* ---- Reading and dispatch ---- */

static int auth_required(const client *c) {
    return server.cfg.requirepass[0] && !(c->flags & CLIENT_AUTHENTICATED);
}

/* After a batch of commands: queue the replies (within the output limit of the client's
 * class), close if the client asked to. */
static void after_input(client *c) {
    if (c->reply.len > c->reply_sent) {
        client_queue_reply(c);
        client_check_output_limit(c);
    }
    if ((c->flags & CLIENT_CLOSE_AFTER_REPLY) && c->reply.len == c->reply_sent) client_close_async(c);
    client_memory_update(c);
}

/* Where the client's class has no hard output limit, the most a reply built from a client's
 * count may grow to: SRANDMEMBER k -9223372036854775807 would otherwise fill memory. */
#define REPLY_CEILING (512LL * 1024 * 1024)

int client_reply_has_room(client *c, long long more) {
    if (c->fd >= 0) client_check_output_limit(c);
    if (c->flags & CLIENT_CLOSE_ASAP) return 0;
    const struct output_limit *l =
        &server.cfg.output_limits[pubsub_count(c) ? CLASS_PUBSUB : CLASS_NORMAL];
    long long room = c->fd >= 0 && l->hard ? l->hard + REPLY_BUFFER_FREE : REPLY_CEILING;
    long long pending = (long long)(c->reply.len - c->reply_sent);
    if (more <= room - pending) return 1;
    if (c->fd >= 0) {
        server_log(LL_WARNING, "Client id=%llu addr=%s scheduled to be closed ASAP for overcoming "
                   "of output buffer limits.", (unsigned long long)c->id, c->addr);
        client_close_async(c);
    }
    return 0;
}

void client_check_output_limit(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    const struct output_limit *l =
        &server.cfg.output_limits[pubsub_count(c) ? CLASS_PUBSUB : CLASS_NORMAL];
    /* Like Redis, which counts what overflows its 16 KB per-client reply buffer: a small
     * reply never trips a tiny limit. */
    long long pending = (long long)(c->reply.len - c->reply_sent) - REPLY_BUFFER_FREE;
    if (pending < 0) pending = 0;
    int over = l->hard && pending >= l->hard;
    if (!over && l->soft && pending >= l->soft) {
        double now = ev_now(server.loop);
        if (c->obuf_soft_since == 0) {
            c->obuf_soft_since = now;
        } else {
            over = now - c->obuf_soft_since > (double)l->soft_seconds;
        }
    } else if (!over) {
        c->obuf_soft_since = 0;
    }
    if (!over) return;
    server_log(LL_WARNING, "Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of "
               "output buffer limits.", (unsigned long long)c->id, c->addr);
    client_close_async(c);
}

void client_resume(client *c) {
    if (c->flags & (CLIENT_PENDING_RESUME | CLIENT_CLOSE_ASAP)) return;
    c->flags |= CLIENT_PENDING_RESUME;
    c->next_resume = server.pending_resume;
    server.pending_resume = c;
}

/* Clients whose wait ended run the rest of their pipelines. Running them may unblock
 * others, so repeat until none is left. */
static void resume_clients(void) {
    while (server.pending_resume) {
        client *c = server.pending_resume;
        server.pending_resume = c->next_resume;
        c->flags &= ~CLIENT_PENDING_RESUME;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        c->last_active = ev_now(server.loop);
        process_input(c);
        after_input(c);
    }
}

/* Runs every complete RESP command in the query buffer; returns the bytes used. A command
 * that blocks stops the run; the rest waits for client_resume. */
static size_t process_resp_input(client *c) {
    size_t pos = 0;
    while (pos < c->query.len && !c->blocked &&
           !(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_POSTPONED))) {
        size_t used;
        c->parser.unauthenticated = auth_required(c);
        c->parser.max_bulk_len = max_bulk_len();
        enum resp_status st = resp_parse(&c->parser, c->query.data + pos, c->query.len - pos, &used);
        if (st == RESP_NEED_MORE) break;
        if (st == RESP_ERROR) {
            server_log(LL_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s",
                       c->parser.error, (unsigned long long)c->id, c->addr);
            reply_error(c, c->parser.error);
            c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            pos = c->query.len;
            break;
        }
        if (c->parser.argc > 0) {
            c->argv = c->parser.argv;
            c->argc = c->parser.argc;
            command_execute(c);
            c->argv = NULL;
            c->argc = 0;
            /* Postponed by CLIENT PAUSE: the command stays in the buffer, parsed again later. */
            if (c->flags & CLIENT_POSTPONED) break;
        }
        pos += used;
    }
    return pos;
}

/* Runs what the query buffer holds, then drops the consumed bytes (the room stays for the
 * next read: net_clients_cron gives back what the client no longer uses). */
static void process_input(client *c) {
    size_t pos = (c->flags & CLIENT_MEMCACHE) ? memcache_process_input(c) : process_resp_input(c);
    buf_consume(&c->query, pos);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    client *c = w->data;
    size_t want = READ_CHUNK;
    /* A big argument is read straight into a buffer sized for it. */
    if (c->parser.need > c->query.len && c->parser.need - c->query.len > want)
        want = c->parser.need - c->query.len;
    buf_reserve(&c->query, want);
    ssize_t n = read(c->fd, c->query.data + c->query.len, c->query.cap - c->query.len);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n < 0) server_log(LL_VERBOSE, "Reading from client: %s", strerror(errno));
        client_close_async(c);
        return;
    }
    c->query.len += (size_t)n;
    server.stat_net_input_bytes += n;
    server.stat_reads++;
    if (c->query.len > c->query_peak) c->query_peak = c->query.len;
    c->last_active = ev_now(server.loop);
    if (c->query.len > (size_t)server.cfg.client_query_buffer_limit) {
        server_log(LL_WARNING, "Closing client that reached max query buffer length: id=%llu "
                   "addr=%s qbuf=%zu", (unsigned long long)c->id, c->addr, c->query.len);
        client_close_async(c);
        return;
    }
    if (client_memory_update(c) != 0) return;
    /* libev calls the watchers of one poll last-ready first; the commands run afterwards
     * (on_input_check) in the order the sockets became ready, as Redis runs them. */
    if (!(c->flags & CLIENT_INPUT_QUEUED)) {
        c->flags |= CLIENT_INPUT_QUEUED;
        c->next_input = server.pending_input;
        server.pending_input = c;
    }
}

/* After every read of this loop iteration: the clients read from run their commands. A
 * script that runs past its limit serves the loop from inside, taking from the same list. */
static void on_input_check(struct ev_loop *loop, ev_check *w, int revents) {
    (void)loop;
    (void)w;
    (void)revents;
    client *c;
    while ((c = server.pending_input)) {
        server.pending_input = c->next_input;
        c->flags &= ~CLIENT_INPUT_QUEUED;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        process_input(c);
        after_input(c);
    }
}

static void forget_input(client *c) {
    if (!(c->flags & CLIENT_INPUT_QUEUED)) return;
    client **p = &server.pending_input;
    while (*p != c)
        p = &(*p)->next_input;
    *p = c->next_input;
    c->flags &= ~CLIENT_INPUT_QUEUED;
}

/* ---- Writing ---- */

/* Writes what the socket takes. Returns 0 when everything was sent. */
static int write_client(client *c) {
    server.stat_writes++;
    /* Bytes held for an AOF fsync stay behind (persistence/aof.c releases them). */
    size_t end = c->nholds ? c->hold_from : c->reply.len;
    while (c->reply_sent < end) {
        ssize_t n = write(c->fd, c->reply.data + c->reply_sent, end - c->reply_sent);
        if (n > 0) {
            c->reply_sent += (size_t)n;
            server.stat_net_output_bytes += n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        server_log(LL_VERBOSE, "Error writing to client: %s", n < 0 ? strerror(errno) : "closed");
        client_close_async(c);
        return -1;
    }
    if (c->reply_sent == c->reply.len) {
        c->reply.len = c->reply_sent = 0;
        buf_shrink(&c->reply, IDLE_BUFFER_KEEP);
        if (c->flags & CLIENT_WRITE_ARMED) {
            ev_io_stop(server.loop, &c->write_watcher);
            c->flags &= ~CLIENT_WRITE_ARMED;
        }
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) client_close_async(c);
        client_memory_update(c);
        return 0;
    }
    /* Keep the unsent tail at the front once the sent part dominates the buffer. */
    if (c->reply_sent > IDLE_BUFFER_KEEP && c->reply_sent > c->reply.len / 2) {
        buf_consume(&c->reply, c->reply_sent);
        c->hold_from -= c->reply_sent;
        for (int i = 0; i < c->nholds; i++) c->hold_len[i] -= c->reply_sent;
        c->reply_sent = 0;
    }
    if (c->reply_sent == end) { /* the rest waits for an fsync, not for the socket */
        if (c->flags & CLIENT_WRITE_ARMED) {
            ev_io_stop(server.loop, &c->write_watcher);
            c->flags &= ~CLIENT_WRITE_ARMED;
        }
        return 1;
    }
    if (!(c->flags & CLIENT_WRITE_ARMED)) {
        ev_io_start(server.loop, &c->write_watcher);
        c->flags |= CLIENT_WRITE_ARMED;
    }
    return 1;
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    write_client(w->data);
}

/* Before the loop sleeps: send every pending reply, then free the clients marked closed. */
static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents) {
    (void)loop;
    (void)w;
    (void)revents;
    resume_clients();
    /* Keys made ready outside a command (an expired or evicted stream) wake their waiters. */
    if (blocking_has_ready_keys() && !scripting_running()) blocking_serve_ready_keys();
    tracking_before_sleep();
    /* The AOF is written (and with appendfsync always fsynced) before any reply goes out. */
    aof_before_replies();
    while (server.pending_writes) {
        client *c = server.pending_writes;
        server.pending_writes = c->next_pending;
        c->flags &= ~CLIENT_PENDING_WRITE;
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        aof_hold_reply(c);
        write_client(c);
    }
    client *kept = NULL;
    while (server.pending_close) {
        client *c = server.pending_close;
        server.pending_close = c->next_close;
        if (c->flags & CLIENT_PROTECTED) {
            c->next_close = kept;
            kept = c;
        } else {
            client_free(c);
        }
    }
    server.pending_close = kept;
    if (server.shutdown_asap) ev_break(server.loop, EVBREAK_ALL);
}

void net_init(void) {
    for (int i = 0; i < server.nlisteners; i++) ev_io_start(server.loop, &server.listeners[i].watcher);
    ev_prepare_init(&server.flush_watcher, on_prepare);
    ev_prepare_start(server.loop, &server.flush_watcher);
    /* Lowest priority: it runs after the read watchers of the same poll. */
    ev_check_init(&server.input_watcher, on_input_check);
    ev_set_priority(&server.input_watcher, EV_MINPRI);
    ev_check_start(server.loop, &server.input_watcher);
}

void client_protect(client *c) {
    c->flags |= CLIENT_PROTECTED;
    ev_io_stop(server.loop, &c->read_watcher);
}

void client_unprotect(client *c) {
    c->flags &= ~CLIENT_PROTECTED;
    if (!(c->flags & CLIENT_CLOSE_ASAP)) ev_io_start(server.loop, &c->read_watcher);
}

void net_serve_while_busy(void) { ev_run(server.loop, EVRUN_NOWAIT); }

/* Redis's query buffer policy, so that CLIENT LIST shows what Redis's would: more than 4 KB
 * spare goes back once the client is idle for over 2 s, or once the buffer passes 32 KB and
 * holds twice its recent peak (then it keeps the peak, and a big argument being read). */
static void resize_query_buffer(client *c, double now) {
    size_t keep = c->query_peak;
    if (c->parser.need > keep) keep = c->parser.need;
    if (c->query.cap - c->query.len > 4 * 1024) {
        if (now - c->last_active > 2)
            buf_resize(&c->query, c->query.len);
        else if (c->query.cap > 32 * 1024 && c->query.cap / 2 > c->query_peak)
            /* Not below one read's worth: the next read would only grow it back. */
            buf_resize(&c->query, keep > READ_CHUNK ? keep : READ_CHUNK);
    }
    c->query_peak = c->query.len > c->parser.need ? c->query.len : c->parser.need;
}

void net_clients_cron(void) {
    double now = ev_now(server.loop);
    for (client *c = server.clients; c; c = c->next) {
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        resize_query_buffer(c, now);
        /* Over the soft limit: its time runs out even if no more output comes. */
        if (c->obuf_soft_since != 0) client_check_output_limit(c);
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        /* As in Redis, clients waiting in BLPOP & co or subscribed are never idle. */
        if (server.cfg.timeout > 0 && !c->blocked && !(c->flags & (CLIENT_POSTPONED | CLIENT_MONITOR)) &&
            !pubsub_count(c) &&
            now - c->last_active > server.cfg.timeout) {
            server_log(LL_VERBOSE, "Closing idle client");
            client_close_async(c);
        }
    }
    client_memory_check_all();
}

int client_is_local(const client *c) {
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    return getpeername(c->fd, (struct sockaddr *)&peer, &len) == 0 && is_loopback(&peer);
}

void net_close_all(void) {
    while (server.clients) client_free(server.clients);
    for (int i = 0; i < server.nlisteners; i++) close(server.listeners[i].fd);
    if (config_string("unixsocket")[0]) {
        server_log(LL_NOTICE, "Removing the unix socket file.");
        unlink(config_string("unixsocket"));
    }
}

/* CLIENT LIST's flag letters, in Redis's order; "N" for none. */
static void client_flag_letters(const client *c, char *out) {
    char *p = out;
    if (c->flags & CLIENT_MONITOR) *p++ = 'O';
    if (pubsub_count(c)) *p++ = 'P';
    if (c->flags & CLIENT_MULTI) *p++ = 'x';
    if (c->blocked || (c->flags & CLIENT_POSTPONED)) *p++ = 'b';
    p = tracking_flag_letters(c, p);
    if (c->flags & CLIENT_DIRTY_CAS) *p++ = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (c->flags & CLIENT_NO_EVICT) *p++ = 'e';
    if (c->flags & CLIENT_NO_TOUCH) *p++ = 'T';
    if (p == out) *p++ = 'N';
    *p = '\0';
}

void client_describe(client *c, buf_t *out) {
    double now = ev_now(server.loop);
    /* The running command's arguments (slices of the query buffer, counted as Redis counts
     * its argv strings), and what the queued MULTI commands hold. */
    size_t argv_mem = 0;
    for (size_t i = 0; server.current == c && i < c->argc; i++) argv_mem += c->argv[i].len;
    const char *cmd = c->last_cmd ? c->last_cmd->fullname : "NULL";
    /* Redis's obl is what its 16 KB reply buffer holds, omem what overflows it (what the output
     * limits count). */
    size_t pending = c->reply.len - c->reply_sent;
    size_t obl = pending < REPLY_BUFFER_FREE ? pending : REPLY_BUFFER_FREE;
    char flags[16];
    client_flag_letters(c, flags);
    buf_printf(out,
               "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%zu "
               "psub=%zu ssub=%zu multi=%lld qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu "
               "rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu events=r%s cmd=%s user=default "
               "redir=%lld resp=2",
               (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
               (long long)(now - c->created), (long long)(now - c->last_active), flags,
               c->db_index, pubsub_channel_count(c), pubsub_pattern_count(c), pubsub_shard_count(c),
               multi_queued(c),
               c->query.len, c->query.cap - c->query.len, argv_mem, multi_memory(c), c->reply.cap,
               c->reply.len,
               obl, pending - obl, client_memory(c),
               (c->flags & CLIENT_WRITE_ARMED) ? "w" : "", cmd, tracking_redirect(c));
    if (c->lib_name || c->lib_ver)
        buf_printf(out, " lib-name=%s lib-ver=%s", c->lib_name ? c->lib_name : "",
                   c->lib_ver ? c->lib_ver : "");
}
