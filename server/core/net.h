/* Listeners, client lifecycle, reading and dispatch, reply flushing. Replies collect in each
 * client's buffer and are written once per loop iteration, just before the loop sleeps. */
#ifndef RILL_NET_H
#define RILL_NET_H

#include "core/server.h"

/* Opens the listening sockets from cfg.bind / cfg.port (and cfg.memcached_port); -1 after
 * logging why. */
int net_listen(void);
/* After CONFIG SET bind / port / memcached-port: the listeners whose address changed listen
 * anew, or go back to the old addresses and -1 is returned when that fails. */
int net_rebind(void);
/* Starts the flush watcher; call once after the loop exists. */
void net_init(void);
struct sockaddr_storage;
/* A client on an accepted, non-blocking socket whose peer is at peer. */
client *client_new(int fd, const struct sockaddr_storage *peer);
/* The connected client with this ID, or NULL. */
client *client_by_id(uint64_t id);
/* Marks a client to be closed at the next safe point (never frees it at once). */
void client_close_async(client *c);
/* client_close_async, and its query and reply buffers are given back at once (unless its
 * command is running): client eviction needs the memory now, not at the next safe point. */
void client_close_and_release(client *c);
/* A blocked client's wait ended: the rest of its pipeline runs before the loop sleeps. */
void client_resume(client *c);
/* Closes the client (asynchronously, with a log line) when its unsent output passes the
 * hard limit of its class, or the soft limit for longer than the soft seconds. */
void client_check_output_limit(client *c);
/* For a reply whose size a client's count decides (random draws with repetition): 1 while
 * the output can take `more` bytes, checked before the loop with the least the reply can
 * take and every so often in it. Past its hard output limit (or a 512 MB ceiling where its
 * class has none) a connection is closed, as Redis closes one over its limit; a script's
 * client (no connection) just has no room (reply_draw_fits then replaces the reply). */
int client_reply_has_room(client *c, long long more);
/* Queues the client's reply for the next flush. */
void client_queue_reply(client *c);
/* Appends one CLIENT LIST line (without the newline) describing c. */
void client_describe(client *c, buf_t *out);
/* While a script runs past its time limit, the loop serves other clients: the script's
 * client is neither read from nor freed in the meantime. */
void client_protect(client *c);
void client_unprotect(client *c);
/* One loop iteration without waiting, from inside a running script. */
void net_serve_while_busy(void);
/* From the cron: gives back query buffer room clients no longer use, and closes clients idle
 * for longer than cfg.timeout. */
void net_clients_cron(void);
/* True when c connects from the loopback interface (enable-protected-configs local). */
int client_is_local(const client *c);
/* Frees every client (at shutdown). */
void net_close_all(void);

#endif
