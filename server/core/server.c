/* The one server instance, the clock and the log: what every module (and the in-process
 * fuzzer, which has no main.c) needs from the server around it. */
#include "core/server.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct server server;

long long time_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long time_ms(void) { return time_us() / 1000; }

void server_log(enum log_level level, const char *fmt, ...) {
    if ((int)level < server.cfg.loglevel) return;
    FILE *out = stdout;
    int to_file = server.cfg.logfile && server.cfg.logfile[0];
    if (to_file && !(out = fopen(server.cfg.logfile, "a"))) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char when[64];
    size_t off = strftime(when, sizeof when, "%d %b %Y %H:%M:%S.", &tm);
    snprintf(when + off, sizeof when - off, "%03d", (int)(tv.tv_usec / 1000));
    pid_t pid = getpid();
    /* M: the server, C: a BGSAVE child, as in Redis's log. */
    fprintf(out, "%d:%c %s %c %s\n", (int)pid, pid == server.pid ? 'M' : 'C', when, ".-*#"[level], msg);
    fflush(out);
    if (to_file) fclose(out);
}

int server_log_fd_open(void) {
    const char *logfile = server.cfg.logfile;
    if (!logfile || !logfile[0]) return STDOUT_FILENO;
    int fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT, 0644);
    return fd < 0 ? STDERR_FILENO : fd;
}

void server_log_fd_close(int fd) {
    if (fd > STDERR_FILENO) close(fd);
}

void server_log_from_handler(enum log_level level, const char *msg) {
    if ((int)level < server.cfg.loglevel) return;
    int fd = server_log_fd_open();
    char line[256];
    int n = snprintf(line, sizeof line, "%d:signal-handler (%lld) %s\n", (int)getpid(),
                     (long long)time(NULL), msg);
    if (n > 0) {
        ssize_t ignored = write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)ignored;
    }
    server_log_fd_close(fd);
}

void server_log_raw(enum log_level level, const char *text) {
    if ((int)level < server.cfg.loglevel) return;
    int to_file = server.cfg.logfile && server.cfg.logfile[0];
    FILE *out = to_file ? fopen(server.cfg.logfile, "a") : stdout;
    if (!out) return;
    fputs(text, out);
    fflush(out);
    if (to_file) fclose(out);
}

void server_shutdown(void) { server.shutdown_asap = 1; }

int server_abort_signalled_shutdown(void) {
    if (!server.pending_signal) return -1;
    server.pending_signal = 0;
    server_log(LL_NOTICE, "Shutdown manually aborted.");
    return 0;
}
