/* An AOF base file written as commands (aof-use-rdb-preamble no): the dataset as the commands
 * that rebuild it, as Redis 7.0's rewriteAppendOnlyFileRio writes them. */
#ifndef RILL_AOF_REWRITE_H
#define RILL_AOF_REWRITE_H

#include <stddef.h>

/* Writes the functions and every database to fd, with an fdatasync every autosync bytes (0:
 * none); after_key (may be NULL) runs after each key. 0, or -1 with errno from the failure. */
int aof_write_dataset_commands(int fd, size_t autosync, void (*after_key)(void));

#endif
