/* The AOF formats: any bytes read as commands end in EOF, a torn tail or a bad format with
 * every argument inside the input, and the last whole command's end where the reader says;
 * any bytes parsed as a manifest are refused with a reason or format back to a manifest that
 * parses the same (when its lines fit). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aof_format.h"

static void check_commands(const char *data, size_t len) {
    aof_reader r;
    aof_reader_init(&r, data, len);
    enum aof_read_status st;
    while ((st = aof_read_command(&r)) == AOF_READ_COMMAND || st == AOF_READ_ANNOTATION) {
        assert(r.p >= data && r.p <= data + len);
        if (st == AOF_READ_ANNOTATION) continue;
        for (size_t i = 0; i < r.argc; i++)
            assert(r.argv[i].ptr >= data && r.argv[i].ptr + r.argv[i].len <= data + len);
    }
    aof_reader_free(&r);
}

static void check_manifest(const char *data, size_t len) {
    struct aof_manifest m, again;
    const char *err;
    int line;
    if (aof_manifest_parse(&m, data, len, &err, &line) != 0) {
        assert(err && *err);
        return;
    }
    buf_t text;
    buf_init(&text);
    aof_manifest_format(&m, &text);
    /* A name with many escapes can make a line too long to read back, as in Redis: the names
     * rill writes are appendfilename's, never so. */
    size_t longest = 0, run = 0;
    for (size_t i = 0; i < text.len; i++) {
        run = text.data[i] == '\n' ? 0 : run + 1;
        if (run > longest) longest = run;
    }
    if (text.len && longest < 1024) {
        assert(aof_manifest_parse(&again, text.data, text.len, &err, &line) == 0);
        assert(again.nincr == m.nincr && again.nhistory == m.nhistory && !again.base == !m.base);
        aof_manifest_free(&again);
    }
    buf_free(&text);
    aof_manifest_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    char *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
    memcpy(copy, data, len);
    check_commands(copy, len);
    check_manifest(copy, len);
    free(copy);
    return 0;
}
