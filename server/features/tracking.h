/* Client-side caching support (CLIENT TRACKING), as Redis 7.0 does it over RESP2: the keys a
 * tracking client read are remembered with its ID (or, in BCAST mode, the prefixes it asked
 * for), and when one changes the client is told, once, on the client it redirected to:
 * a Pub/Sub message on __redis__:invalidate whose payload is the array of keys (nil: every
 * key, after a flush). Without a redirection a RESP2 client hears nothing, as in Redis. */
#ifndef RILL_TRACKING_H
#define RILL_TRACKING_H

#include <stddef.h>
#include <stdint.h>

#include "core/server.h"

struct command;

/* Some client has tracking on: key changes must be signalled here. */
int tracking_active(void);
/* After a read-only command of c (or of a script c runs): remember the keys for c. */
void tracking_remember_keys(client *c, const struct command *cmd, const resp_arg *argv, size_t argc);
/* At the end of each command of c: CLIENT CACHING's yes/no lasts one command (or one
 * transaction). */
void tracking_command_done(client *c, const struct command *cmd);
/* A key changed (or left): the clients that may have cached it are told. */
void tracking_invalidate_key(const char *key, size_t len);
/* FLUSHDB, FLUSHALL: every tracking client is told that every key is gone. */
void tracking_invalidate_all(void);
/* Before the loop sleeps: BCAST messages for the keys changed since, and the table kept under
 * tracking-table-max-keys. */
void tracking_before_sleep(void);
/* Tracking off for c (CLIENT TRACKING off, RESET, disconnect). */
void tracking_forget(client *c);
/* CLIENT LIST: its flag letters (t R B) written at p; returns the end. Its redir= field. */
char *tracking_flag_letters(const client *c, char *p);
long long tracking_redirect(const client *c);
/* INFO: clients with tracking on; keys, IDs and prefixes in the tables. */
size_t tracking_clients(void);
size_t tracking_total_keys(void);
size_t tracking_total_items(void);
size_t tracking_total_prefixes(void);

#endif
