/* How the server process presents itself to the system, as Redis does: daemonize (fork into
 * the background), the pid file, and the readiness notice a supervisor waits for (systemd's
 * sd_notify, upstart's SIGSTOP). */
#include "core/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/server.h"

static const char *pidfile; /* written at start-up, removed at exit; NULL when none */

void process_daemonize(void) {
    if (!config_number("daemonize")) return;
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "Can't daemonize: %s\n", strerror(errno));
        exit(1);
    }
    if (pid > 0) exit(0); /* the parent returns to the shell */
    setsid();
    /* Logging to stdout means logging nowhere once in the background. */
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

void process_write_pidfile(void) {
    const char *configured = config_string("pidfile");
    /* A daemon always leaves one, where Redis puts it unless told. */
    pidfile = configured[0] ? configured : config_number("daemonize") ? "/var/run/redis.pid" : NULL;
    if (!pidfile) return;
    FILE *f = fopen(pidfile, "w");
    if (!f) {
        server_log(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
        pidfile = NULL;
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

void process_remove_pidfile(void) {
    if (!pidfile) return;
    server_log(LL_NOTICE, "Removing the pid file.");
    unlink(pidfile);
    pidfile = NULL;
}

void process_show_banner(void) {
    /* As Redis: the logo when logging to a terminal, or when always-show-logo says so. */
    int to_tty = !config_number("syslog-enabled") && !server.cfg.logfile[0] && isatty(STDOUT_FILENO);
    if (!to_tty && !config_number("always-show-logo")) {
        server_log(LL_NOTICE, "Running mode=standalone, port=%d.", server.cfg.port);
        return;
    }
    char logo[1024];
    snprintf(logo, sizeof logo,
             "\n"
             "              _ _ _\n"
             "         _ __(_) | |     rill %s (Redis %s compatible) %d bit\n"
             "        | '__| | | |\n"
             "        | |  | | | |     Running in standalone mode\n"
             "        |_|  |_|_|_|     Port: %d\n"
             "                         PID: %ld\n\n",
             RILL_VERSION, REDIS_COMPAT_VERSION, (int)(8 * sizeof(long)), server.cfg.port,
             (long)getpid());
    server_log_raw(LL_NOTICE, logo);
}

/* systemd's readiness protocol: one datagram on the socket it names in NOTIFY_SOCKET. */
static void notify_systemd(const char *state) {
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof addr.sun_path) {
        server_log(LL_WARNING, "systemd supervision requested or auto-detected, but "
                   "NOTIFY_SOCKET is not set or not usable");
        return;
    }
    memcpy(addr.sun_path, path, strlen(path));
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0'; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, len) < 0)
        server_log(LL_WARNING, "Can't send notification to systemd: %s", strerror(errno));
    close(fd);
}

void process_notify_ready(void) {
    /* The order of enum supervised_mode in config.c: upstart, systemd, auto, no. */
    long long mode = config_number("supervised");
    if (mode == 2) mode = getenv("UPSTART_JOB") ? 0 : getenv("NOTIFY_SOCKET") ? 1 : 3;
    if (mode == 0) {
        server_log(LL_NOTICE, "Supervised by upstart, will stop to signal readiness.");
        raise(SIGSTOP);
        unsetenv("UPSTART_JOB");
    } else if (mode == 1) {
        server_log(LL_NOTICE, "Supervised by systemd. Please make sure you set appropriate values "
                   "for TimeoutStartSec and TimeoutStopSec in your service unit.");
        notify_systemd("STATUS=Ready to accept connections\nREADY=1\n");
    }
}
