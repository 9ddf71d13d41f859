/* The server process and the system around it: daemonize, the pid file, and readiness for
 * a supervisor (supervised upstart|systemd|auto), as the config says. */
#ifndef RILL_PROCESS_H
#define RILL_PROCESS_H

/* With daemonize yes: forks into the background (the parent exits), stdio to /dev/null. */
void process_daemonize(void);
/* Writes the pid file (pidfile, or /var/run/redis.pid for a daemon); a failure is logged. */
void process_write_pidfile(void);
void process_remove_pidfile(void);
/* The start-up logo (to a terminal, or with always-show-logo yes), else Redis's one line. */
void process_show_banner(void);
/* Tells the supervisor, if any, that the server accepts connections. */
void process_notify_ready(void);

#endif
