/* What the in-process harnesses share: the server's keyspace started as main.c starts it,
 * with the defaults, a quiet log and a fixed hash seed (so a crash input replays the same). */
#ifndef RILL_FUZZ_SERVER_H
#define RILL_FUZZ_SERVER_H

#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/server.h"
#include "dict.h"
#include "keyspace/db.h"
#include "mem.h"

static void fuzz_start_keyspace(void) {
    config_defaults(&server.cfg);
    mem_free(server.cfg.logfile); /* the log is not what is tested */
    server.cfg.logfile = mem_strdup("/dev/null");
    server.pid = getpid();
    server.start_time = server.lastsave = time(NULL);
    server.lru_clock = (uint32_t)server.start_time;
    server.now_ms = time_ms();
    uint8_t seed[16] = {0};
    dict_set_seed(seed);
    db_init_all(server.cfg.databases);
}

#endif
