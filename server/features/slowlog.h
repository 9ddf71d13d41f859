/* The slow log: commands that ran at least slowlog-log-slower-than microseconds, newest first,
 * at most slowlog-max-len of them, with their arguments trimmed and their secrets redacted as
 * Redis keeps them (SLOWLOG GET, LEN, RESET, HELP). */
#ifndef RILL_SLOWLOG_H
#define RILL_SLOWLOG_H

#include <stddef.h>

#include "core/server.h"

struct command;

/* After a command ran for duration_us: logs it if it was slow enough (not when it blocked:
 * it is logged once served; never EXEC itself; a script's commands too, as in Redis). */
void slowlog_record(client *c, const struct command *cmd, long long duration_us);

#endif
