/* The crash report: with crash-log-enabled yes, a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT) writes a bug report with a stack trace to the log, as Redis does, and the
 * process then dies of that signal (a core dump, where the system keeps them). */
#ifndef RILL_CRASH_H
#define RILL_CRASH_H

/* Installs or removes the handlers as crash-log-enabled says (start-up, CONFIG SET). */
void crash_apply_config(void);
/* DEBUG SEGFAULT: a real invalid access, so the report is what a bug would give. */
void crash_segfault(void);
/* The software watchdog (watchdog-period ms, 0 = off): when the loop is stuck that long, a
 * SIGALRM logs where it is stuck (a stack trace) and the server goes on. Called from the
 * cron, which re-arms it, and after CONFIG SET. */
void crash_watchdog(void);

#endif
