/* DUMP and RESTORE: one value in Redis's DUMP payload (the RDB value, the RDB version, a
 * CRC-64), so that a value moves between rill and redis-server either way. Replies and their
 * order of checks follow Redis 7.0's cluster.c. */
#include <limits.h>
#include <string.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/rdb.h"

void cmd_dump(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_nil(c);
        return;
    }
    size_t len;
    unsigned char *payload = rdb_dump_payload(e, &len);
    reply_bulk(c, (const char *)payload, len);
    mem_free(payload);
}

/* Reads the value of an opened DUMP payload into a new entry under key; NULL when it is not
 * one, logged at verbose level as Redis does. */
static entry *entry_from_payload(rdb_reader *r, const resp_arg *key, long long expire_ms) {
    uint8_t type;
    int empty = 0;
    entry *e = NULL;
    if (rdb_read_byte(r, &type) == 0)
        e = rdb_load_value(r, type, key->ptr, key->len, expire_ms, &empty);
    if (!e) {
        server_log(LL_VERBOSE, "RESTORE: bad payload at offset %zu: %s", r->err_offset,
                   empty ? "a value with no elements" : r->err);
    }
    return e;
}

/* RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
void cmd_restore(client *c) {
    int replace = 0, absttl = 0;
    long long idle = -1, freq = -1, ttl;
    for (size_t i = 4; i < c->argc; i++) {
        int more = i + 1 < c->argc;
        if (arg_is(&c->argv[i], "replace")) {
            replace = 1;
        } else if (arg_is(&c->argv[i], "absttl")) {
            absttl = 1;
        } else if (arg_is(&c->argv[i], "idletime") && more && freq == -1) {
            if (arg_ll(c, &c->argv[++i], &idle) != 0) return;
            if (idle < 0) {
                reply_error(c, "Invalid IDLETIME value, must be >= 0");
                return;
            }
        } else if (arg_is(&c->argv[i], "freq") && more && idle == -1) {
            if (arg_ll(c, &c->argv[++i], &freq) != 0) return;
            if (freq < 0 || freq > 255) {
                reply_error(c, "Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    const resp_arg *key = &c->argv[1];
    entry *existing = db_lookup_write(c->db, key->ptr, key->len);
    if (existing && !replace) {
        reply_error(c, "-BUSYKEY Target key name already exists.");
        return;
    }
    if (arg_ll(c, &c->argv[2], &ttl) != 0) return;
    if (ttl < 0) {
        reply_error(c, "Invalid TTL value, must be >= 0");
        return;
    }
    const resp_arg *payload = &c->argv[3];
    rdb_reader reader;
    if (rdb_open_dump(&reader, payload->ptr, payload->len, !server.skip_checksum_validation) != 0) {
        reply_error(c, "DUMP payload version or checksum are wrong");
        return;
    }
    long long now = time_ms();
    if (ttl && !absttl) ttl = ttl > LLONG_MAX - now ? LLONG_MAX : ttl + now;
    entry *e = entry_from_payload(&reader, key, ttl ? ttl : -1);
    if (!e) {
        reply_error(c, "Bad data format");
        return;
    }
    if (existing) db_delete_entry(c->db, existing);
    if (ttl && db_time_passed(ttl)) { /* already expired: the key is gone, as a DEL would leave it */
        entry_free(e);
        if (existing) {
            notify_key_arg(NOTIFY_GENERIC, "del", c, key);
            server.dirty++;
            resp_arg argv[2] = {{"DEL", 3}, *key};
            effects_rewrite(argv, 2);
        }
        reply_ok(c);
        return;
    }
    db_add(c->db, e);
    evict_set_access(e, idle, (int)freq);
    notify_key_arg(NOTIFY_GENERIC, "restore", c, key);
    server.dirty++;
    reply_ok(c);
    if (ttl && !absttl && effects_wanted()) { /* the TTL as an absolute time, ABSTTL added */
        resp_arg *argv = mem_alloc((c->argc + 1) * sizeof *argv);
        char ms[LL_STR_SIZE];
        memcpy(argv, c->argv, c->argc * sizeof *argv);
        argv[2] = (resp_arg){ms, ll_to_str(ms, ttl)};
        argv[c->argc] = (resp_arg){"ABSTTL", 6};
        effects_rewrite(argv, c->argc + 1);
        mem_free(argv);
    }
}
