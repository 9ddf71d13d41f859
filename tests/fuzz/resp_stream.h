/* What the RESP harnesses share: the input parsed as one client's stream, whole or in two
 * pieces; both must give the same commands, every argument inside the buffer. */
#ifndef RILL_FUZZ_RESP_STREAM_H
#define RILL_FUZZ_RESP_STREAM_H

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

#define MAX_COMMANDS 64

struct parsed {
    size_t n;
    size_t argc[MAX_COMMANDS];
    size_t bytes[MAX_COMMANDS]; /* sum of argument lengths, a cheap fingerprint */
    int error;
};

/* Parses buf[0..len) as a client's input stream that arrives with `split` bytes first. */
static void parse_stream(const uint8_t *data, size_t len, size_t split, struct parsed *out) {
    char *buf = malloc(len ? len : 1);
    memcpy(buf, data, len);
    resp_parser p;
    resp_parser_init(&p, 512 * 1024 * 1024LL);
    memset(out, 0, sizeof *out);
    size_t start = 0, avail = split < len ? split : len;
    while (out->n < MAX_COMMANDS) {
        if (start == avail) { /* all that arrived is parsed: the rest of the stream comes */
            if (avail == len) break;
            avail = len;
        }
        size_t consumed = 0;
        enum resp_status st = resp_parse(&p, buf + start, avail - start, &consumed);
        if (st == RESP_ERROR) {
            assert(p.error && p.error[0]);
            out->error = 1;
            break;
        }
        if (st == RESP_NEED_MORE) {
            if (avail == len) break;
            avail = len; /* the rest of the stream arrives */
            continue;
        }
        assert(consumed > 0 && consumed <= avail - start);
        size_t total = 0;
        for (size_t i = 0; i < p.argc; i++) {
            assert(p.argv[i].ptr >= buf + start && p.argv[i].ptr + p.argv[i].len <= buf + start + consumed);
            total += p.argv[i].len;
        }
        out->argc[out->n] = p.argc;
        out->bytes[out->n] = total;
        out->n++;
        start += consumed;
    }
    resp_parser_free(&p);
    free(buf);
}

/* The first byte picks where the stream is cut; the rest is the stream. */
static void check_stream(const uint8_t *data, size_t len) {
    if (len < 1) return;
    size_t split = data[0] % len;
    data++;
    len--;
    struct parsed whole, pieces;
    parse_stream(data, len, len, &whole);
    parse_stream(data, len, split, &pieces);
    assert(whole.n == pieces.n && whole.error == pieces.error);
    for (size_t i = 0; i < whole.n; i++)
        assert(whole.argc[i] == pieces.argc[i] && whole.bytes[i] == pieces.bytes[i]);
}

#endif
