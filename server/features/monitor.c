/* MONITOR (monitor.h). */
#include "features/monitor.h"

#include <stdio.h>
#include <sys/time.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "mem.h"

static client **monitors;
static size_t nmonitors, monitors_cap;

int monitor_active(void) { return nmonitors > 0; }

void monitor_feed(client *c, const resp_arg *argv, size_t argc) {
    if (!nmonitors || server.loading) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    buf_t line;
    buf_init(&line);
    buf_printf(&line, "+%ld.%06ld ", (long)tv.tv_sec, (long)tv.tv_usec);
    if (c->flags & CLIENT_SCRIPT)
        buf_printf(&line, "[%d lua] ", c->db_index);
    else
        buf_printf(&line, "[%d %s] ", c->db_index, c->addr);
    for (size_t i = 0; i < argc; i++) {
        if (i) buf_append(&line, " ", 1);
        if (command_arg_redacted(i))
            buf_append_str(&line, "\"(redacted)\"");
        else
            buf_append_repr(&line, argv[i].ptr, argv[i].len);
    }
    buf_append(&line, "\r\n", 2);
    for (size_t i = 0; i < nmonitors; i++) {
        client *m = monitors[i];
        if (m->flags & CLIENT_CLOSE_ASAP) continue;
        buf_append(&m->reply, line.data, line.len);
        client_queue_reply(m);
        client_check_output_limit(m);
        client_memory_update(m);
    }
    buf_free(&line);
}

void monitor_forget(client *c) {
    if (!(c->flags & CLIENT_MONITOR)) return;
    for (size_t i = 0; i < nmonitors; i++) {
        if (monitors[i] != c) continue;
        monitors[i] = monitors[--nmonitors];
        break;
    }
    c->flags &= ~CLIENT_MONITOR;
}

void cmd_monitor(client *c) {
    /* Inside EXEC the client expects one reply per command. */
    if (server.in_exec) {
        reply_error(c, "MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CLIENT_MONITOR) return; /* already: nothing, not even a reply */
    if (nmonitors == monitors_cap) {
        monitors_cap = monitors_cap ? monitors_cap * 2 : 4;
        monitors = mem_realloc(monitors, monitors_cap * sizeof *monitors);
    }
    monitors[nmonitors++] = c;
    c->flags |= CLIENT_MONITOR;
    reply_ok(c);
}
