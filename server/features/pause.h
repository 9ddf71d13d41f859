/* CLIENT PAUSE and UNPAUSE: for a while, clients' writes (WRITE) or all their commands (ALL)
 * wait instead of running, and the dataset stands still (no key expires or is evicted), as a
 * failover needs. A command that must wait stays unread at the front of its client's query
 * buffer; when the pause ends, paused clients go on in the order they were stopped. */
#ifndef RILL_PAUSE_H
#define RILL_PAUSE_H

#include "core/server.h"

struct command;

enum pause_type { PAUSE_OFF, PAUSE_WRITE, PAUSE_ALL };

/* 1 while a pause is on (one that is past its end is lifted here). */
int pause_active(void);
/* 1 when c's command must wait for the pause to end. */
int pause_holds(client *c, const struct command *cmd);
/* The same for a command that writes (or not), outside the command table (memcached). */
int pause_holds_kind(int writes);
/* Stops c until the pause ends; its current command runs then. */
void pause_postpone(client *c);
/* c leaves (closed): it is no longer waiting. */
void pause_forget(client *c);
/* Ends a pause that is due; for the cron. */
void pause_cron(void);

#endif
