/* What COMMAND INFO and COMMAND DOCS tell beyond the command table: tips, key specs,
 * complexity, arguments, history. Taken from redis-server 7.0 as raw RESP by
 * scripts/gen_command_docs.py into command_docs.c (generated: regenerate, never edit). */
#ifndef RILL_COMMAND_DOCS_H
#define RILL_COMMAND_DOCS_H

#include <stddef.h>

struct command_doc {
    const char *name;  /* fullname: "get", "client|list"; the array is sorted by it */
    const char *info;  /* COMMAND INFO's tips and key specs arrays */
    size_t info_len;
    const char *docs;  /* COMMAND DOCS's name/value pairs, all but subcommands */
    size_t docs_len;
    int docs_pairs;
};

extern const struct command_doc command_docs[];
extern const size_t command_docs_len;

#endif
