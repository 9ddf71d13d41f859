/* Lua scripting: EVAL, EVALSHA, their _RO forms and SCRIPT. Scripts are compiled once and
 * cached by the SHA-1 of their body for the life of the process; each runs atomically, its
 * redis.call()s executed as a client of its own. A script running past
 * busy-reply-threshold lets the loop serve other clients, who get -BUSY until it ends or
 * SCRIPT KILL stops it. */
#ifndef RILL_SCRIPTING_H
#define RILL_SCRIPTING_H

#include "core/server.h"

void scripting_init(void);
/* A script is running: timers must leave the dataset alone. */
int scripting_running(void);
/* A script has run past busy-reply-threshold: commands without allow_busy get -BUSY. */
int scripting_timed_out(void);
/* For INFO memory: bytes the Lua VM holds, bytes of cached scripts, how many. */
void scripting_memory(size_t *vm_bytes, size_t *cache_bytes, size_t *nscripts);

/* The flags a command runs with: for EVAL and EVALSHA (and _RO) of a script with a
 * shebang, write and denyoom follow the script's flags, as Redis's getCommandFlags does. */
unsigned scripting_command_flags(const struct command *cmd, const resp_arg *argv, size_t argc);

#endif
