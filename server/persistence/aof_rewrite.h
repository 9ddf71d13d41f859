/* An AOF base file written as commands (aof-use-rdb-preamble no): the dataset as the commands
 * that rebuild it, as Redis 7.0's rewriteAppendOnlyFileRio writes them. */
#ifndef RILL_AOF_REWRITE_H
#define RILL_AOF_REWRITE_H

/* Writes the functions and every database to fd; after_key (may be NULL) runs after each key.
 * 0, or -1 with errno from the failed write. */
int aof_write_dataset_commands(int fd, void (*after_key)(void));

#endif
