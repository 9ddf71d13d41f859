/* Redis 7 functions (FUNCTION, FCALL). rill has no function libraries yet, so of the FUNCTION
 * subcommands only FLUSH exists: it empties the (empty) library set, answering as Redis does.
 * Clients and the Redis test suite send it before each run; the rest answers Redis's
 * unknown-subcommand error. */
#include "core/commands.h"
#include "core/reply.h"
#include "core/server.h"

void cmd_function_flush(client *c) {
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c, "FUNCTION");
        return;
    }
    if (c->argc == 3 && !arg_is(&c->argv[2], "sync") && !arg_is(&c->argv[2], "async")) {
        reply_error(c, "FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    server.dirty++; /* a data change, as Redis counts it */
    reply_ok(c);
}
