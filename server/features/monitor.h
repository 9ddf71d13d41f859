/* MONITOR: every command any client runs (scripts' too), shown to the monitoring clients as
 * Redis shows it: `+<seconds>.<micros> [<db> <ip:port>|lua] "arg" "arg"...`, with secrets
 * as "(redacted)". A monitoring client may not touch the keyspace any more. */
#ifndef RILL_MONITOR_H
#define RILL_MONITOR_H

#include "core/server.h"

/* 1 when some client monitors. */
int monitor_active(void);
/* Shows c's command (argv) to the monitors. */
void monitor_feed(client *c, const resp_arg *argv, size_t argc);
/* c leaves: it monitors no more. */
void monitor_forget(client *c);

#endif
