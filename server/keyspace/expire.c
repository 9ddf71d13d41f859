/* TTL commands: EXPIRE family with NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST. */
#include <limits.h>
#include <string.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "numconv.h"

#define EXP_NX 1u
#define EXP_XX 2u
#define EXP_GT 4u
#define EXP_LT 8u

static int parse_expire_flags(client *c, unsigned *flags) {
    *flags = 0;
    for (size_t i = 3; i < c->argc; i++) {
        const resp_arg *a = &c->argv[i];
        if (arg_is(a, "nx")) {
            *flags |= EXP_NX;
        } else if (arg_is(a, "xx")) {
            *flags |= EXP_XX;
        } else if (arg_is(a, "gt")) {
            *flags |= EXP_GT;
        } else if (arg_is(a, "lt")) {
            *flags |= EXP_LT;
        } else {
            reply_errorf(c, "Unsupported option %.*s", (int)a->len, a->ptr);
            return -1;
        }
    }
    if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
        reply_error(c, "NX and XX, GT or LT options at the same time are not compatible");
        return -1;
    }
    if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
        reply_error(c, "GT and LT options at the same time are not compatible");
        return -1;
    }
    return 0;
}

/* The shared core: base is 0 for absolute times or now; unit is 1000 for seconds. */
static void expire_generic(client *c, long long base, long long unit) {
    unsigned flags;
    if (parse_expire_flags(c, &flags) != 0) return;
    long long when;
    if (arg_ll(c, &c->argv[2], &when) != 0) return;
    if (unit == 1000) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            reply_expire_error(c);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - base) {
        reply_expire_error(c);
        return;
    }
    when += base;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    long long current = entry_expire(e);
    if (((flags & EXP_NX) && current != -1) || ((flags & EXP_XX) && current == -1) ||
        ((flags & EXP_GT) && (current == -1 || when <= current)) ||
        ((flags & EXP_LT) && current != -1 && when >= current)) {
        reply_int(c, 0);
        return;
    }
    if (db_time_passed(when)) {
        db_delete_entry(c->db, e);
        notify_key_arg(NOTIFY_GENERIC, "del", c, &c->argv[1]);
        effects_rewrite_deletion(&c->argv[1], server.cfg.lazyfree_lazy_expire);
    } else {
        db_set_expire(c->db, e, when);
        notify_key_arg(NOTIFY_GENERIC, "expire", c, &c->argv[1]);
        /* As PEXPIREAT with the absolute time, the options kept. */
        if (effects_wanted() && (base != 0 || unit != 1 || c->last_cmd->proc != cmd_pexpireat)) {
            resp_arg argv[8];
            char ms[LL_STR_SIZE];
            size_t n = c->argc < 8 ? c->argc : 8;
            memcpy(argv, c->argv, n * sizeof *argv);
            argv[0] = (resp_arg){"PEXPIREAT", 9};
            argv[2] = (resp_arg){ms, ll_to_str(ms, when)};
            effects_rewrite(argv, n);
        }
    }
    server.dirty++;
    reply_int(c, 1);
}

void cmd_expire(client *c) { expire_generic(c, server.now_ms, 1000); }

void cmd_pexpire(client *c) { expire_generic(c, server.now_ms, 1); }

void cmd_expireat(client *c) { expire_generic(c, 0, 1000); }

void cmd_pexpireat(client *c) { expire_generic(c, 0, 1); }

/* TTL family: -2 no key, -1 no TTL; relative or absolute, seconds or milliseconds. */
static void ttl_generic(client *c, int absolute, int in_ms) {
    entry *e = db_lookup_peek(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_int(c, -2);
        return;
    }
    long long when = entry_expire(e);
    if (when == -1) {
        reply_int(c, -1);
        return;
    }
    if (absolute) {
        reply_int(c, in_ms ? when : when / 1000);
        return;
    }
    long long left = when - server.now_ms;
    if (left < 0) left = 0;
    reply_int(c, in_ms ? left : (left + 500) / 1000);
}

void cmd_ttl(client *c) { ttl_generic(c, 0, 0); }

void cmd_pttl(client *c) { ttl_generic(c, 0, 1); }

void cmd_expiretime(client *c) { ttl_generic(c, 1, 0); }

void cmd_pexpiretime(client *c) { ttl_generic(c, 1, 1); }

void cmd_persist(client *c) {
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e || entry_expire(e) == -1) {
        reply_int(c, 0);
        return;
    }
    db_persist(c->db, e);
    notify_key_arg(NOTIFY_GENERIC, "persist", c, &c->argv[1]);
    server.dirty++;
    reply_int(c, 1);
}
