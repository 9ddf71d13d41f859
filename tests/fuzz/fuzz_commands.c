/* The whole server in-process: each input is the byte stream of one client (any pipeline of
 * commands, valid or not) fed through a socket pair into the real loop, parser, dispatch and
 * command handlers. The server must neither crash nor trip ASan/UBSan. Between inputs the
 * client is closed and every database emptied. Commands that would act outside the process
 * (snapshots and forks, rebinding ports, config rewrite, shutdown) or run without end (Lua
 * scripts and functions, PFSELFTEST's ten million elements) answer an error here instead. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/pubsub.h"
#include "fuzz_server.h"
#include "scripting/scripting.h"

static void refused(client *c) { reply_error(c, "disabled in the fuzzer"); }

static void disable(const char *name, const char *sub) {
    resp_arg argv[2] = {{(char *)name, strlen(name)}, {(char *)sub, sub ? strlen(sub) : 0}};
    struct command *cmd = (struct command *)command_lookup_argv(argv, sub ? 2 : 1);
    if (cmd) cmd->proc = refused;
}

static void start_server(void) {
    fuzz_start_keyspace();
    server.cfg.save[0] = '\0'; /* FLUSHALL would save otherwise */
    server.loop = ev_default_loop(EVFLAG_AUTO);
    pubsub_init();
    commands_init();
    scripting_init();
    net_init();
    static const char *const whole[] = {"shutdown", "save", "bgsave", "eval", "evalsha", "eval_ro",
                                        "evalsha_ro", "script", "monitor", "debug", "pfselftest",
                                        "fcall", "fcall_ro", NULL};
    for (int i = 0; whole[i]; i++) disable(whole[i], NULL);
    disable("function", "load"); /* they run a library's Lua code */
    disable("function", "restore");
    disable("config", "set");
    disable("config", "rewrite");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    static int started;
    if (!started) {
        start_server();
        started = 1;
    }
    if (len > 1 << 16) return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) abort();
    struct sockaddr_storage peer = {0};
    struct sockaddr_in *in = (struct sockaddr_in *)&peer;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    client_new(sv[1], &peer);
    size_t sent = 0;
    char sink[65536];
    /* Feed the input while the server reads it and drain the replies, until it is all in
     * and the server has nothing more to say. */
    for (int idle = 0; idle < 3;) {
        if (sent < len) {
            ssize_t n = write(sv[0], data + sent, len - sent);
            if (n > 0) sent += (size_t)n;
        }
        ev_run(server.loop, EVRUN_NOWAIT);
        ssize_t got = read(sv[0], sink, sizeof sink);
        idle = (sent == len && got <= 0) ? idle + 1 : 0;
    }
    close(sv[0]);
    for (int i = 0; i < 3; i++) ev_run(server.loop, EVRUN_NOWAIT); /* it sees the close */
    for (int i = 0; i < server.ndbs; i++) db_flush(&server.dbs[i]);
    return 0;
}
