/* RESP2 request parser (multibulk and inline) and reply encoder. Knows nothing of keys or
 * commands: it turns bytes into argument slices and values into bytes. */
#ifndef RILL_RESP_H
#define RILL_RESP_H

#include <stddef.h>

#include "buf.h"

/* Longest header line (or inline request) before the request is refused. */
#define RESP_MAX_LINE (64 * 1024)
/* Bulk length from which the caller should size its buffer to hold the whole argument. */
#define RESP_BIG_ARG (32 * 1024)

typedef struct resp_arg {
    char *ptr; /* into the caller's buffer; valid until the buffer changes */
    size_t len;
} resp_arg;

enum resp_status { RESP_DONE, RESP_NEED_MORE, RESP_ERROR };

typedef struct resp_parser {
    long long max_bulk_len; /* proto-max-bulk-len */
    int unauthenticated;    /* tighter limits before AUTH, as Redis applies them */
    resp_arg *argv;         /* the command after RESP_DONE; argc may be 0 (nothing to run) */
    size_t argc;
    const char *error; /* after RESP_ERROR: the text to send, without '-' */
    size_t need;       /* after RESP_NEED_MORE: bytes from the command start worth reserving */
    /* Progress through a multibulk command that is not complete yet. */
    size_t argcap;
    size_t *arg_off; /* argument offsets from the command start */
    size_t pos;      /* offset of the next byte to parse, from the command start */
    long long multibulk_left;
    long long bulk_len; /* -1 while waiting for a '$' header */
    char errbuf[64];    /* room for errors that quote the input */
} resp_parser;

void resp_parser_init(resp_parser *p, long long max_bulk_len);
void resp_parser_free(resp_parser *p);
/* A copy of argv and the bytes it points at, in one allocation (free it with mem_free). */
resp_arg *resp_args_copy(const resp_arg *argv, size_t argc);
/* Parses one command from buf. On RESP_DONE, *consumed is its size and argv points into buf.
 * On RESP_NEED_MORE the next call must pass a buffer that starts at the same command start
 * (it may have moved) with at least as many bytes. After RESP_ERROR the connection should
 * be answered with p->error and closed. Inline arguments are unescaped in place in buf. */
enum resp_status resp_parse(resp_parser *p, char *buf, size_t len, size_t *consumed);

/* Reply encoders, appending RESP2 to out. */
void resp_add_status(buf_t *out, const char *s, size_t len);
/* msg starting with '-' carries its own error code ("-WRONGTYPE ..."); otherwise "ERR " is
 * put before it. CR and LF inside msg become spaces so the reply stays one line. */
void resp_add_error(buf_t *out, const char *msg, size_t len);
void resp_add_int(buf_t *out, long long v);
void resp_add_bulk(buf_t *out, const char *s, size_t len);
void resp_add_nil(buf_t *out);       /* $-1 */
void resp_add_nil_array(buf_t *out); /* *-1 */
void resp_add_array(buf_t *out, long long n);

#endif
