/* Replies to the running client, and the error texts Redis clients parse, kept in one place.
 * An error text starting with '-' carries its own code; others get "ERR ". */
#ifndef RILL_REPLY_H
#define RILL_REPLY_H

#include <stddef.h>

#include "core/server.h"

#define ERR_WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_NOT_INTEGER "value is not an integer or out of range"
#define ERR_NOT_FLOAT "value is not a valid float"
#define ERR_SYNTAX "syntax error"
#define ERR_NO_SUCH_KEY "no such key"
#define ERR_DB_RANGE "DB index is out of range"
#define ERR_SAME_OBJECT "source and destination objects are the same"
#define ERR_OVERFLOW "increment or decrement would overflow"
#define ERR_STRING_TOO_BIG "string exceeds maximum allowed size (proto-max-bulk-len)"
#define ERR_REPLY_TOO_BIG "reply exceeds the output buffer limit"
#define ERR_NOAUTH "-NOAUTH Authentication required."
#define ERR_WRONGPASS "-WRONGPASS invalid username-password pair or user is disabled."
#define ERR_MAXCLIENTS "max number of clients reached"
#define ERR_NOSCRIPT "-NOSCRIPT No matching script. Please use EVAL."
#define ERR_OOM "-OOM command not allowed when used memory > 'maxmemory'."
#define ERR_LOADING "-LOADING Redis is loading the dataset in memory"
#define ERR_MISCONF                                                                              \
    "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "   \
    "disk. Commands that may modify the data set are disabled, because this instance is "          \
    "configured to report errors during writes if RDB snapshotting fails "                         \
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB " \
    "error."
#define ERR_BUSY_SCRIPT \
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define ERR_BUSY_FUNCTION \
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."

/* For draw i of a reply of n draws (a client's count: SRANDMEMBER k -n), each at least
 * `each` bytes, begun at reply offset start: 1 to go on. Checks the least the whole reply
 * takes before the first draw and the output every 1,024 draws (client_reply_has_room);
 * without room it ends the reply (nothing more for a closing connection, ERR_REPLY_TOO_BIG
 * for a script's client) and returns 0. */
int reply_draw_fits(client *c, long long i, long long n, long long each, size_t start);
void reply_ok(client *c);
void reply_status(client *c, const char *s);
void reply_error(client *c, const char *msg);
void reply_errorf(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "wrong number of arguments for '<cmd>' command" for the running command. */
void reply_arity_error(client *c);
/* Redis's addReplySubcommandSyntaxError: "unknown subcommand or wrong number of arguments for
 * '<argv[1], 128 bytes at most>'. Try <CONTAINER> HELP." */
void reply_subcommand_syntax_error(client *c, const char *container);
/* "invalid expire time in '<cmd>' command" for the running command. */
void reply_expire_error(client *c);
void reply_int(client *c, long long v);
void reply_bulk(client *c, const char *s, size_t len);
void reply_bulk_cstr(client *c, const char *s);
void reply_bulk_ll(client *c, long long v);
/* A score as Redis 7.0 writes it: %.17g, or inf / -inf. */
void reply_double(client *c, double v);
void reply_nil(client *c);
void reply_nil_array(client *c);
void reply_array(client *c, long long n);
/* An array whose length is known only once its elements are written: reply_defer marks
 * where it starts, reply_deferred_array puts the header there afterwards. */
size_t reply_defer(client *c);
void reply_deferred_array(client *c, size_t at, long long n);
/* A bulk string put at a mark, before what was replied since. */
void reply_deferred_bulk(client *c, size_t at, const char *s, size_t len);
/* Appends raw protocol bytes. */
void reply_raw(client *c, const char *s, size_t len);
/* A bulk string of an entry's string value. */
struct entry;
void reply_entry_string(client *c, struct entry *e);

/* A HELP reply: the header line, the given lines (NULL-terminated), then HELP itself. */
void reply_help(client *c, const char *container, const char *const *lines);

/* Argument helpers that reply with Redis's error on failure and return -1. */
int arg_ll(client *c, const resp_arg *a, long long *out);
int arg_ll_msg(client *c, const resp_arg *a, long long *out, const char *msg);
int arg_int_range(client *c, const resp_arg *a, long long min, long long max, long long *out,
                  const char *msg);
/* Redis's range check: msg (or its default texts) when a is not an integer in [min, max]. */
int arg_range(client *c, const resp_arg *a, long long min, long long max, long long *out,
              const char *msg);
/* An integer >= 0; msg NULL gives "value is out of range, must be positive". */
int arg_positive(client *c, const resp_arg *a, long long *out, const char *msg);
/* LMPOP / ZMPOP arguments after argv[numkeys_index]: the keys, one of two end words
 * (left|right, min|max), [COUNT n]. */
struct mpop_args {
    size_t first_key, nkeys;
    int first_end; /* the first of the two words was given */
    long long count;
};
int arg_mpop(client *c, size_t numkeys_index, const char *first_word, const char *second_word,
             struct mpop_args *a);
/* Case-insensitive comparison of an argument with a lowercase word. */
int arg_is(const resp_arg *a, const char *word);

#endif
