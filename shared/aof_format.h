/* Redis 7.0's append-only file formats, the bytes only: the manifest of a multi-part AOF
 * (`file <name> seq <n> type b|h|i` lines) and a reader of the commands an AOF file holds
 * (RESP arrays of bulk strings, `#` annotation lines between them), as Redis's loader reads
 * them. Used by the server and by rill-check-aof. */
#ifndef RILL_AOF_FORMAT_H
#define RILL_AOF_FORMAT_H

#include <stddef.h>

#include "buf.h"
#include "resp.h"

/* ---- Manifest ---- */

enum aof_file_type { AOF_BASE = 'b', AOF_HISTORY = 'h', AOF_INCR = 'i' };

struct aof_file_info {
    char *name;
    long long seq;
    enum aof_file_type type;
};

struct aof_manifest {
    struct aof_file_info *base; /* NULL when there is none */
    struct aof_file_info *history, *incr;
    size_t nhistory, nincr;
    long long base_seq, incr_seq; /* the highest sequence numbers given so far */
};

void aof_manifest_init(struct aof_manifest *m);
void aof_manifest_free(struct aof_manifest *m);
/* Parses a manifest's text. 0, or -1 with Redis's reason in *err and the 1-based line in
 * *line (0 when the problem is not on a line). */
int aof_manifest_parse(struct aof_manifest *m, const char *text, size_t len, const char **err,
                       int *line);
/* The manifest's text: base, history, then incremental files, as Redis writes it. */
void aof_manifest_format(const struct aof_manifest *m, buf_t *out);
/* A deep copy (changes are made on a copy and take effect once it is on disk). */
void aof_manifest_copy(struct aof_manifest *dst, const struct aof_manifest *src);
/* Adds a new incremental file named "<prefix>.<seq>.incr.aof"; returns its name. */
const char *aof_manifest_add_incr(struct aof_manifest *m, const char *prefix);
/* Makes a new base "<prefix>.<seq>.base.rdb|aof" (the old base becomes history); returns its
 * name. */
const char *aof_manifest_new_base(struct aof_manifest *m, const char *prefix, int rdb);
/* After a rewrite: every incremental file but the last keep_last ones becomes history. */
void aof_manifest_retire_incr(struct aof_manifest *m, size_t keep_last);
/* Forgets the history files (the caller deleted them). */
void aof_manifest_clear_history(struct aof_manifest *m);

/* ---- Commands ---- */

enum aof_read_status {
    AOF_READ_COMMAND, /* argv/argc hold the next command */
    AOF_READ_ANNOTATION, /* annotation/annotation_len hold a "#..." line, CRLF left out */
    AOF_READ_EOF,     /* the file ends after the last whole command */
    AOF_READ_TRUNCATED, /* the file ends inside a command */
    AOF_READ_BAD_FORMAT /* not what an AOF holds */
};

typedef struct aof_reader {
    const char *base, *p, *end;
    resp_arg *argv; /* slices into the bytes; valid until the next read */
    size_t argc, cap;
    const char *annotation;
    size_t annotation_len;
} aof_reader;

void aof_reader_init(aof_reader *r, const char *data, size_t len);
void aof_reader_free(aof_reader *r);
/* Reads the next command or annotation; r->p then points past it (the offset of the last
 * whole command is r->p - r->base after AOF_READ_COMMAND). */
enum aof_read_status aof_read_command(aof_reader *r);

/* 1 when the bytes start as an RDB file does ("REDIS"): a base file or an old preamble. */
int aof_is_rdb(const char *data, size_t len);

#endif
