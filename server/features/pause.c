/* CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE (pause.h). */
#include "features/pause.h"

#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "features/multi.h"
#include "mem.h"
#include "scripting/scripting.h"

static enum pause_type active_type;
static long long active_end_ms;
/* Postponed clients, oldest first. */
static client *postponed_head, *postponed_tail;
static size_t npostponed;

static void pause_end(void) {
    active_type = PAUSE_OFF;
    /* Resumed newest first onto a stack: the oldest runs first. */
    client **order = NULL;
    size_t n = 0;
    if (npostponed) order = mem_alloc(npostponed * sizeof *order);
    for (client *c = postponed_head; c; c = c->next_postponed) order[n++] = c;
    postponed_head = postponed_tail = NULL;
    npostponed = 0;
    server.nblocked -= n;
    for (size_t i = n; i-- > 0;) {
        order[i]->flags &= ~CLIENT_POSTPONED;
        order[i]->next_postponed = NULL;
        client_resume(order[i]);
    }
    mem_free(order);
}

int pause_active(void) {
    if (active_type != PAUSE_OFF && active_end_ms < time_ms()) pause_end();
    return active_type != PAUSE_OFF;
}

void pause_cron(void) { pause_active(); }

int pause_holds_kind(int writes) {
    return pause_active() && (active_type == PAUSE_ALL || writes);
}

int pause_holds(client *c, const struct command *cmd) {
    if (!pause_active()) return 0;
    /* WRITE: what writes or may be propagated (PUBLISH, PFCOUNT, scripts without no-writes). */
    unsigned may_replicate = CMD_WRITE | CMD_MAY_REPLICATE;
    return pause_holds_kind((scripting_command_flags(cmd, c->argv, c->argc) & may_replicate) ||
                            (cmd->proc == cmd_exec && multi_queued_flag(c, may_replicate)));
}

void pause_postpone(client *c) {
    c->flags |= CLIENT_POSTPONED;
    c->next_postponed = NULL;
    if (postponed_tail)
        postponed_tail->next_postponed = c;
    else
        postponed_head = c;
    postponed_tail = c;
    npostponed++;
    /* INFO counts them as blocked, as Redis does. */
    server.nblocked++;
}

void pause_forget(client *c) {
    if (!(c->flags & CLIENT_POSTPONED)) return;
    client *prev = NULL;
    for (client *p = postponed_head; p; prev = p, p = p->next_postponed) {
        if (p != c) continue;
        if (prev)
            prev->next_postponed = c->next_postponed;
        else
            postponed_head = c->next_postponed;
        if (postponed_tail == c) postponed_tail = prev;
        break;
    }
    c->flags &= ~CLIENT_POSTPONED;
    npostponed--;
    server.nblocked--;
}

/* CLIENT PAUSE timeout [WRITE|ALL]: a pause already on keeps the later end and the stricter
 * type. */
void cmd_client_pause(client *c) {
    if (c->argc > 4) {
        reply_subcommand_syntax_error(c, "CLIENT");
        return;
    }
    enum pause_type type = PAUSE_ALL;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "write")) {
            type = PAUSE_WRITE;
        } else if (!arg_is(&c->argv[3], "all")) {
            reply_error(c, "CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long timeout;
    if (arg_ll_msg(c, &c->argv[2], &timeout, "timeout is not an integer or out of range") != 0)
        return;
    if (timeout < 0) {
        reply_error(c, "timeout is negative");
        return;
    }
    /* Milliseconds from now; past the end of time the sum wraps negative, as in Redis, and
     * the pause is over at once. */
    long long end = timeout > 0 ? (long long)((unsigned long long)timeout + (unsigned long long)time_ms()) : 0;
    if (pause_active()) {
        if (type < active_type) type = active_type;
        if (end < active_end_ms) end = active_end_ms;
    }
    active_type = type;
    active_end_ms = end;
    reply_ok(c);
}

void cmd_client_unpause(client *c) {
    if (active_type != PAUSE_OFF) pause_end();
    reply_ok(c);
}
