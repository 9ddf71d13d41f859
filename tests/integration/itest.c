#include "itest.h"

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int itest_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

/* Servers still running: a failed assertion skips itest_stop, so they are killed at exit
 * (otherwise an orphan holding the runner's output pipe would hang the suite). */
static pid_t running[16];

static void kill_leftovers(void) {
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        if (running[i] > 0) {
            kill(running[i], SIGKILL);
            waitpid(running[i], NULL, 0);
        }
    }
}

static void track(pid_t pid, pid_t replace) {
    static int registered;
    if (!registered) registered = atexit(kill_leftovers) == 0;
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        if (running[i] == replace) {
            running[i] = pid;
            return;
        }
    }
}

int itest_start(struct itest_server *s, ...) {
    const char *bin = getenv("RILL_SERVER") ? getenv("RILL_SERVER") : "build/rill-server";
    s->pid = 0; /* until fork succeeds, itest_stop has nothing to signal */
    s->port = itest_free_port();
    snprintf(s->dir, sizeof s->dir, "/tmp/rill-itest-XXXXXX");
    if (!mkdtemp(s->dir)) {
        s->dir[0] = '\0';
        return -1;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    const char *argv[64] = {bin, "--port", port, "--dir", s->dir, "--save", ""};
    int argc = 7;
    va_list ap;
    va_start(ap, s);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 62;) argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        char log[128];
        snprintf(log, sizeof log, "%s/server.log", s->dir);
        if (!freopen(log, "w", stdout)) _exit(127);
        dup2(STDOUT_FILENO, STDERR_FILENO);
        execv(bin, (char **)argv);
        _exit(127);
    }
    s->pid = pid;
    track(s->pid, 0);
    for (int i = 0; i < 500; i++) {
        redisContext *c = redisConnect("127.0.0.1", s->port);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r != NULL;
            freeReplyObject(r);
            redisFree(c);
            if (ok) return 0;
        } else if (c) {
            redisFree(c);
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Signals only a child itest_start forked (never pid 0 or -1: the process group or every
 * process), and removes only the directory it made. */
void itest_stop(struct itest_server *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        /* A server inside a busy script defers SIGTERM: 10 s, then SIGKILL. */
        int exited = 0;
        for (int i = 0; i < 1000 && !exited; i++) {
            exited = waitpid(s->pid, NULL, WNOHANG) == s->pid;
            if (!exited) itest_sleep_ms(10);
        }
        if (!exited) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        track(0, s->pid);
        s->pid = 0;
    }
    if (!s->dir[0]) return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", s->dir);
    s->dir[0] = '\0';
}

redisContext *itest_connect(const struct itest_server *s) {
    struct timeval tv = {10, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    if (c && !c->err) redisSetTimeout(c, tv);
    return c;
}

int itest_raw_connect(const struct itest_server *s) { return itest_raw_connect_port(s->port); }

int itest_raw_connect_port(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

size_t itest_read_all(int fd, char *buf, size_t cap, int timeout_ms) {
    size_t n = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (n < cap - 1 && poll(&p, 1, timeout_ms) == 1) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return n;
}

long long itest_integer(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    long long v = (r && r->type == REDIS_REPLY_INTEGER) ? r->integer : -999999;
    freeReplyObject(r);
    return v;
}

redisReply *itest_reply(redisContext *c) {
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK) return NULL;
    return r;
}

void itest_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int itest_open(struct itest_server *s, redisContext **c) {
    *c = NULL;
    if (itest_start(s, NULL) != 0) return -1;
    *c = itest_connect(s);
    return *c ? 0 : -1;
}

void itest_close(struct itest_server *s, redisContext *c) {
    redisFree(c);
    itest_stop(s);
}
