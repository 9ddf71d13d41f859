#include "core/crash.h"

#include <execinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/server.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* What the handler writes with: only write(2) and snprintf into a stack buffer, never the
 * allocator or stdio, which the crash may have left locked. */
static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    ssize_t ignored = write(fd, line, len);
    (void)ignored;
}

static void stack_trace(int fd) {
    void *frames[100];
    backtrace_symbols_fd(frames, backtrace(frames, 100), fd);
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context) {
    (void)context;
    int fd = server_log_fd_open();
    int pid = (int)getpid();
    say(fd, "\n\n=== RILL BUG REPORT START: Cut & paste starting from here ===\n");
    say(fd, "%d:%c # rill %s (Redis %s compatible) crashed by signal: %d, si_code: %d\n", pid,
        pid == server.pid ? 'M' : 'C', RILL_VERSION, REDIS_COMPAT_VERSION, sig, info->si_code);
    if (sig == SIGSEGV || sig == SIGBUS)
        say(fd, "%d:%c # Accessing address: %p\n", pid, pid == server.pid ? 'M' : 'C',
            info->si_addr);
    say(fd, "\n------ STACK TRACE ------\n\nBacktrace:\n");
    stack_trace(fd);
    say(fd, "\n=== RILL BUG REPORT END. Make sure to include from START to END. ===\n\n");
    server_log_fd_close(fd);
    /* Die of the same signal, so the exit status (and a core dump) tell what happened. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void warm_up_backtrace(void) {
    /* backtrace() loads libgcc on its first call, which allocates: not in a handler. */
    static int done;
    void *warm[1];
    if (!done) backtrace(warm, 1);
    done = 1;
}

void crash_apply_config(void) {
    static int installed;
    int wanted = config_number("crash-log-enabled") != 0;
    if (wanted == installed) return;
    if (wanted) warm_up_backtrace();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (wanted) {
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
        sa.sa_sigaction = on_fatal_signal;
    } else {
        sa.sa_handler = SIG_DFL;
    }
    for (size_t i = 0; i < NFATAL; i++) sigaction(fatal_signals[i], &sa, NULL);
    installed = wanted;
}

void crash_segfault(void) {
    /* A read-only page written to: the compiler cannot see through it and drop the write. */
    volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) raise(SIGSEGV);
    *page = 'x';
}

static void on_watchdog(int sig) {
    (void)sig;
    int fd = server_log_fd_open();
    say(fd, "%d:signal-handler (%lld) \n--- WATCHDOG TIMER EXPIRED ---\n", (int)getpid(),
        (long long)time(NULL));
    stack_trace(fd);
    say(fd, "--------\n\n");
    server_log_fd_close(fd);
}

void crash_watchdog(void) {
    static long long armed_period;
    long long period = config_number("watchdog-period");
    if (period > 0) {
        /* At least two cron ticks, or the cron itself would set it off (as in Redis). */
        long long least = 2 * 1000 / server.cfg.hz;
        if (period < least) period = least;
        if (!armed_period) {
            warm_up_backtrace();
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sigemptyset(&sa.sa_mask);
            sa.sa_handler = on_watchdog;
            sa.sa_flags = SA_RESTART;
            sigaction(SIGALRM, &sa, NULL);
        }
    } else if (!armed_period) {
        return;
    }
    /* One shot, re-armed by every cron tick: it fires only when the loop stops turning. */
    struct itimerval it = {{0, 0}, {period / 1000, (period % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    if (period <= 0) signal(SIGALRM, SIG_IGN);
    armed_period = period > 0 ? period : 0;
}
