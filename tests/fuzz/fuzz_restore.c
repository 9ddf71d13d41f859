/* RESTORE's payload reader (rdb_load_value under small encoding limits, as a DUMP from any
 * server would reach it): every input gets a correct DUMP footer, so that what lies behind the
 * checksum is reached. The first byte is the value type. A refused payload must leave no crash
 * and no leak; an accepted one gives an entry that is freed again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "fuzz_server.h"
#include "persistence/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    static int started;
    if (!started) {
        fuzz_start_keyspace();
        server.cfg.hash_max_listpack_entries = 2; /* small limits: every encoding is reached */
        server.cfg.zset_max_listpack_entries = 2;
        server.cfg.set_max_intset_entries = 2;
        server.cfg.set_max_listpack_entries = 2;
        started = 1;
    }
    uint8_t *payload = malloc(len + RDB_DUMP_FOOTER_LEN); /* exact size: ASan sees overreads */
    memcpy(payload, data, len);
    uint16_t version = RDB_VERSION;
    memcpy(payload + len, &version, 2);
    uint64_t crc = crc64(0, payload, len + 2);
    memcpy(payload + len + 2, &crc, 8);
    rdb_reader r;
    uint8_t type;
    if (rdb_open_dump(&r, payload, len + RDB_DUMP_FOOTER_LEN, 1) == 0 &&
        rdb_read_byte(&r, &type) == 0) {
        int empty;
        entry *e = rdb_load_value(&r, type, "key", 3, -1, &empty);
        if (e) entry_free(e);
    }
    free(payload);
    return 0;
}
