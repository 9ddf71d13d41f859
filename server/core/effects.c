/* The effects of the running execution unit, gathered as RESP and handed to the append-only
 * file when the unit is complete (see effects.h). */
#include "core/effects.h"

#include <string.h>

#include "core/commands.h"
#include "core/server.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/aof.h"

struct op {
    int db;
    unsigned targets;
    size_t off, len; /* in fx.pending */
};

static struct {
    buf_t pending; /* the unit's effects, encoded */
    struct op *ops;
    size_t nops, cap;
    buf_t rewrites; /* the running commands' rewrites, innermost last */
    struct effects_frame *frame;
    unsigned call_targets;
} fx = {.call_targets = EFFECTS_ALL};

int effects_wanted(void) { return aof_consumes_effects(); }

void effects_encode(buf_t *out, const resp_arg *argv, size_t argc) {
    size_t need = 16;
    for (size_t i = 0; i < argc; i++) need += argv[i].len + 24;
    buf_reserve(out, need);
    char *p = out->data + out->len;
    *p++ = '*';
    p += ull_to_str(p, argc);
    *p++ = '\r';
    *p++ = '\n';
    for (size_t i = 0; i < argc; i++) {
        *p++ = '$';
        p += ull_to_str(p, argv[i].len);
        *p++ = '\r';
        *p++ = '\n';
        memcpy(p, argv[i].ptr, argv[i].len);
        p += argv[i].len;
        *p++ = '\r';
        *p++ = '\n';
    }
    out->len = (size_t)(p - out->data);
}

static void push_op(int db, unsigned targets, const resp_arg *argv, size_t argc,
                    const char *encoded, size_t len) {
    if (fx.nops == fx.cap) {
        fx.cap = fx.cap ? fx.cap * 2 : 16;
        fx.ops = mem_realloc(fx.ops, fx.cap * sizeof *fx.ops);
    }
    struct op *op = &fx.ops[fx.nops++];
    op->db = db;
    op->targets = targets;
    op->off = fx.pending.len;
    if (encoded) {
        buf_append(&fx.pending, encoded, len);
    } else {
        effects_encode(&fx.pending, argv, argc);
    }
    op->len = fx.pending.len - op->off;
}

static void feed(int db, unsigned targets, const char *resp, size_t len) {
    if (targets & EFFECTS_AOF) aof_feed(db, resp, len);
}

/* Hands the unit's effects on: inside MULTI/EXEC when there are several and wrap says so. */
static void flush(int wrap) {
    static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
    if (fx.nops == 0) return;
    wrap = wrap && fx.nops > 1;
    if (wrap) feed(fx.ops[0].db, EFFECTS_ALL, multi, sizeof multi - 1);
    for (size_t i = 0; i < fx.nops; i++)
        feed(fx.ops[i].db, fx.ops[i].targets, fx.pending.data + fx.ops[i].off, fx.ops[i].len);
    if (wrap) feed(fx.ops[fx.nops - 1].db, EFFECTS_ALL, exec, sizeof exec - 1);
    fx.nops = 0;
    fx.pending.len = 0;
    buf_shrink(&fx.pending, 64 * 1024);
}

void effects_rewrite(const resp_arg *argv, size_t argc) {
    struct effects_frame *f = fx.frame;
    if (!f || !effects_wanted()) return;
    fx.rewrites.len = f->rewrite_at;
    effects_encode(&fx.rewrites, argv, argc);
    f->rewritten = 1;
}

void effects_rewrite_deletion(const resp_arg *key, int lazy) {
    if (!fx.frame || !effects_wanted()) return;
    resp_arg argv[2] = {{lazy ? "UNLINK" : "DEL", lazy ? 6 : 3}, *key};
    effects_rewrite(argv, 2);
}

void effects_also(int db, const resp_arg *argv, size_t argc) {
    if (!effects_wanted()) return;
    unsigned targets = fx.frame ? fx.call_targets : EFFECTS_ALL;
    if (targets) push_op(db, targets, argv, argc, NULL, 0);
    if (!fx.frame) flush(0);
}

void effects_annotation(int db, const char *line, size_t len) {
    if (!effects_wanted()) return;
    buf_t text;
    buf_init(&text);
    buf_append(&text, line, len);
    buf_append(&text, "\r\n", 2);
    push_op(db, EFFECTS_AOF, NULL, 0, text.data, text.len);
    buf_free(&text);
    if (!fx.frame) flush(0);
}

void effects_prevent(void) {
    if (fx.frame) fx.frame->prevented = EFFECTS_ALL;
}

void effects_force(unsigned targets) {
    if (fx.frame) fx.frame->forced |= targets;
}

void effects_deletion(int db, const char *key, size_t len, int lazy) {
    if (!effects_wanted()) return;
    resp_arg argv[2] = {{lazy ? "UNLINK" : "DEL", lazy ? 6 : 3}, {(char *)key, len}};
    /* A master's expiry reaches its AOF whatever a script asked (as Redis's propagateDeletion). */
    unsigned saved = fx.call_targets;
    fx.call_targets = EFFECTS_ALL;
    effects_also(db, argv, 2);
    fx.call_targets = saved;
}

unsigned effects_set_call_targets(unsigned targets) {
    unsigned old = fx.call_targets;
    fx.call_targets = targets;
    return old;
}

void effects_enter(struct effects_frame *f) {
    f->outer = fx.frame;
    f->rewrite_at = fx.rewrites.len;
    f->rewritten = 0;
    f->forced = f->prevented = 0;
    fx.frame = f;
}

void effects_leave(struct effects_frame *f, client *c, const struct command *cmd, int changed) {
    fx.frame = f->outer;
    /* EXEC is never propagated itself: what its commands did is, wrapped below. */
    unsigned targets = ((changed ? EFFECTS_ALL : 0) | f->forced) & ~f->prevented & fx.call_targets;
    if (targets && cmd->proc != cmd_exec && effects_wanted()) {
        if (!fx.frame && fx.nops == 0) {
            /* The unit's only effect (most commands): straight to the consumers. */
            if (f->rewritten) {
                feed(c->db_index, targets, fx.rewrites.data + f->rewrite_at,
                     fx.rewrites.len - f->rewrite_at);
            } else if (targets & EFFECTS_AOF) {
                aof_feed_command(c->db_index, c->argv, c->argc);
            }
            fx.rewrites.len = f->rewrite_at;
            return;
        }
        if (f->rewritten)
            push_op(c->db_index, targets, NULL, 0, fx.rewrites.data + f->rewrite_at,
                    fx.rewrites.len - f->rewrite_at);
        else
            push_op(c->db_index, targets, c->argv, c->argc, NULL, 0);
    }
    fx.rewrites.len = f->rewrite_at;
    if (fx.frame) return;
    /* SCAN and RANDOMKEY may expire many keys that have nothing to do with each other: no
     * transaction around their deletions (Redis's CMD_TOUCHES_ARBITRARY_KEYS). */
    flush(cmd->proc != cmd_scan && cmd->proc != cmd_randomkey);
}
