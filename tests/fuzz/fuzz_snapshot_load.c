/* The server's snapshot loader (snapshot_load, building every type of value under the
 * configured encoding limits) on any file. Half the inputs get a correct checksum written
 * into their trailer, so that what lies behind the checksum is reached: duplicate keys or
 * members, NaN scores, empty collections, databases out of range. A refused file must leave
 * no crash and no leak; an accepted one is emptied again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc64.h"
#include "fuzz_server.h"
#include "persistence/snapshot.h"
#include "rdb_format.h"
#include "scripting/functions.h"

static char dir[] = "/tmp/rill-fuzz-load-XXXXXX"; /* mkdtemp's template */

static void remove_files(void) {
    unlink(server.cfg.dbfilename);
    rmdir(dir);
}

static void start_server(void) {
    fuzz_start_keyspace();
    functions_init(); /* a file may hold libraries */
    server.cfg.hash_max_listpack_entries = 2; /* small limits: every encoding is reached */
    server.cfg.zset_max_listpack_entries = 2;
    server.cfg.set_max_intset_entries = 2;
    server.cfg.set_max_listpack_entries = 2;
    /* A path of our own (no chdir: libFuzzer reads the corpus by relative paths). */
    if (!mkdtemp(dir)) abort();
    atexit(remove_files);
    mem_free(server.cfg.dbfilename);
    server.cfg.dbfilename = mem_alloc(sizeof dir + 9);
    snprintf(server.cfg.dbfilename, sizeof dir + 9, "%s/dump.rdb", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    static int started;
    if (!started) {
        start_server();
        started = 1;
    }
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, data, len);
    if (len > RDB_TRAILER_LEN && (copy[len - 1] & 1)) {
        uint64_t crc = crc64(0, copy, len - RDB_TRAILER_LEN);
        memcpy(copy + len - RDB_TRAILER_LEN, &crc, 8);
    }
    FILE *f = fopen(server.cfg.dbfilename, "wb");
    if (!f || fwrite(copy, 1, len, f) != len || fclose(f) != 0) abort();
    free(copy);
    snapshot_load();
    for (int i = 0; i < server.ndbs; i++) db_flush(&server.dbs[i]);
    functions_flush();
    return 0;
}
