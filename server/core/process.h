/* The server process and the system around it: daemonize, the pid file, and readiness for
 * a supervisor (supervised upstart|systemd|auto), as the config says. */
#ifndef RILL_PROCESS_H
#define RILL_PROCESS_H

#include <stddef.h>

/* With daemonize yes: forks into the background (the parent exits), stdio to /dev/null. */
void process_daemonize(void);
/* Writes the pid file (pidfile, or /var/run/redis.pid for a daemon); a failure is logged. */
void process_write_pidfile(void);
void process_remove_pidfile(void);
/* The start-up logo (to a terminal, or with always-show-logo yes), else Redis's one line. */
void process_show_banner(void);
/* Tells the supervisor, if any, that the server accepts connections. */
void process_notify_ready(void);

/* Makes the process title writable: call first in main. The argument and environment strings
 * move elsewhere (argv's pointers and environ follow them), so their original area can hold a
 * title. Also records INFO's executable. */
void process_title_init(int argc, char **argv);
/* 1 when proc-title-template (len bytes) expands: known {variables}, not empty. */
int process_title_template_valid(const char *template, size_t len);
/* With set-proc-title yes: writes the title proc-title-template gives, with {title} = name
 * (NULL: the command as it was run), as Redis does; ps and /proc/<pid>/cmdline show it. */
void process_set_title(const char *name);

/* oom-score-adj-values classes: the server (as a primary), a replica, a background child. */
enum oom_class { OOM_CLASS_PRIMARY, OOM_CLASS_REPLICA, OOM_CLASS_CHILD };
/* Writes this process's /proc/self/oom_score_adj for its class as oom-score-adj and
 * oom-score-adj-values say (relative to the score found before the first change), or puts
 * the original score back once oom-score-adj is no. Returns -1 (logged) when /proc refuses. */
int process_apply_oom_score_adj(enum oom_class process_class);

/* In a forked child (a background save or AOF rewrite), first: the child's OOM score and
 * title, default signals, and the listening sockets closed (a restarted server must be able
 * to bind while the child still writes). The parent's loop is left alone. */
void process_forked_child(const char *child_title);

#endif
