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

/* ---- oom-score-adj ---- */

/* The score the process had before rill first changed it, to add to and to restore. */
static struct {
    int adjusted;
    int base;
} oom;

int process_apply_oom_score_adj(enum oom_class process_class) {
    long long mode = config_number("oom-score-adj"); /* 0 no, 1 yes/relative, 2 absolute */
    char buf[64];
    int val;
    if (mode != 0) {
        if (!oom.adjusted) {
            int fd = open("/proc/self/oom_score_adj", O_RDONLY);
            ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
            if (fd >= 0) close(fd);
            if (n < 0) {
                server_log(LL_WARNING, "Unable to read oom_score_adj: %s", strerror(errno));
                return -1;
            }
            buf[n] = '\0';
            oom.base = atoi(buf);
            oom.adjusted = 1;
        }
        int values[3] = {0, 0, 0};
        sscanf(config_string("oom-score-adj-values"), "%d %d %d", &values[0], &values[1],
               &values[2]);
        val = values[process_class] + (mode == 1 ? oom.base : 0);
        if (val > 1000) val = 1000;
        if (val < -1000) val = -1000;
    } else if (oom.adjusted) {
        oom.adjusted = 0;
        val = oom.base;
    } else {
        return 0;
    }
    int len = snprintf(buf, sizeof buf, "%d\n", val);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd < 0 || write(fd, buf, (size_t)len) < 0) {
        server_log(LL_WARNING, "Unable to write oom_score_adj: %s", strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- Process title ---- */

extern char **environ;

static struct {
    char *area;  /* where the arguments and the environment were: the title goes there */
    size_t size;
    char *argv0; /* the command as it was run */
} title;

void process_title_init(int argc, char **argv) {
    /* The area is contiguous: the arguments, then the environment strings. */
    char *end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc; i++)
        if (argv[i] == end) end = argv[i] + strlen(argv[i]) + 1;
    size_t nenv = 0;
    while (environ[nenv]) nenv++;
    char **env = malloc((nenv + 1) * sizeof *env);
    if (!env) return;
    for (size_t i = 0; i < nenv; i++) {
        if (environ[i] == end) end = environ[i] + strlen(environ[i]) + 1;
        env[i] = strdup(environ[i]);
    }
    env[nenv] = NULL;
    environ = env;
    title.area = argv[0];
    title.size = (size_t)(end - argv[0]);
    for (int i = 0; i < argc; i++) argv[i] = strdup(argv[i]);
    title.argv0 = argv[0];
    /* Redis's executable: argv[0] made absolute, symlinks kept. */
    char cwd[4096];
    if (argv[0][0] != '/' && strchr(argv[0], '/') && getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd) + strlen(argv[0]) + 2;
        server.executable = malloc(n);
        if (server.executable) snprintf(server.executable, n, "%s/%s", cwd, argv[0]);
    } else {
        server.executable = strdup(argv[0]);
    }
}

static int is(const char *name, size_t len, const char *wanted) {
    return len == strlen(wanted) && memcmp(name, wanted, len) == 0;
}

/* Appends a template variable's value; -1 for an unknown name. */
static int title_variable(const char *name, size_t len, const char *arg, buf_t *out) {
    const char *bind = server.cfg.bind ? server.cfg.bind : "";
    long long tls_port = config_number("tls-port");
    const char *unixsocket = config_string("unixsocket");
    if (is(name, len, "title")) {
        buf_append_str(out, arg);
    } else if (is(name, len, "listen-addr")) {
        if (server.cfg.port || tls_port)
            buf_printf(out, "%.*s:%lld", bind[0] ? (int)strcspn(bind, " ") : 1,
                       bind[0] ? bind : "*", server.cfg.port ? (long long)server.cfg.port : tls_port);
        else
            buf_printf(out, "unixsocket:%s", unixsocket);
    } else if (is(name, len, "server-mode")) {
        /* Neither cluster mode nor sentinel: nothing, as on a standalone Redis. */
    } else if (is(name, len, "config-file")) {
        buf_append_str(out, server.config_file ? server.config_file : "-");
    } else if (is(name, len, "port")) {
        buf_printf(out, "%d", server.cfg.port);
    } else if (is(name, len, "tls-port")) {
        buf_printf(out, "%lld", tls_port);
    } else if (is(name, len, "unixsocket")) {
        buf_append_str(out, unixsocket);
    } else {
        return -1;
    }
    return 0;
}

/* Redis's sdstemplate: {name} is a variable, {{ a brace; then trimmed of spaces. */
static int expand_title(const char *t, size_t len, const char *arg, buf_t *out) {
    size_t i = 0;
    while (i < len) {
        const char *open = memchr(t + i, '{', len - i);
        if (!open) {
            buf_append(out, t + i, len - i);
            break;
        }
        buf_append(out, t + i, (size_t)(open - (t + i)));
        i = (size_t)(open - t) + 1;
        if (i == len) return -1;
        if (t[i] == '{') {
            buf_append(out, "{", 1);
            i++;
            continue;
        }
        const char *close = memchr(t + i, '}', len - i);
        if (!close || title_variable(t + i, (size_t)(close - (t + i)), arg, out) != 0) return -1;
        i = (size_t)(close - t) + 1;
    }
    size_t start = 0;
    while (start < out->len && out->data[start] == ' ') start++;
    while (out->len > start && out->data[out->len - 1] == ' ') out->len--;
    if (start) {
        memmove(out->data, out->data + start, out->len - start);
        out->len -= start;
    }
    return 0;
}

int process_title_template_valid(const char *template, size_t len) {
    buf_t out;
    buf_init(&out);
    int ok = expand_title(template, len, "", &out) == 0 && out.len > 0;
    buf_free(&out);
    return ok;
}

void process_set_title(const char *name) {
    if (!title.area || !config_number("set-proc-title")) return;
    const char *template = config_string("proc-title-template");
    buf_t out;
    buf_init(&out);
    if (expand_title(template, strlen(template), name ? name : title.argv0, &out) == 0) {
        size_t n = out.len < title.size - 1 ? out.len : title.size - 1;
        memset(title.area, 0, title.size);
        memcpy(title.area, out.data, n);
    }
    buf_free(&out);
}

void process_forked_child(const char *child_title) {
    process_apply_oom_score_adj(OOM_CLASS_CHILD);
    process_set_title(child_title);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < server.nlisteners; i++) close(server.listeners[i].fd);
}
