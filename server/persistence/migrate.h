/* MIGRATE's connections to other servers, kept open between calls. */
#ifndef RILL_MIGRATE_H
#define RILL_MIGRATE_H

#include <stddef.h>

#include "resp.h"

/* Closes the connections idle for more than ten seconds. */
void migrate_cron(void);
/* INFO's migrate_cached_sockets. */
int migrate_cached_sockets(void);
/* MIGRATE's keys: argv[3], or every argument after KEYS (none when argv[3] is not empty then),
 * as Redis's migrateGetKeys. */
size_t migrate_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap);

#endif
