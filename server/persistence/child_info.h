/* What a forked child (a background save) tells its parent while it works, as Redis's
 * childinfo.c does: keys written so far and copy-on-write memory, through a pipe the parent
 * drains from its cron. The parent shows them in INFO persistence. */
#ifndef RILL_CHILD_INFO_H
#define RILL_CHILD_INFO_H

#include <stddef.h>
#include <time.h>

struct child_info {
    long long keys_processed; /* by the running child */
    size_t cow, cow_peak;     /* bytes of private dirty memory the child reported */
    time_t cow_updated;       /* when it last did, 0 if never */
    size_t last_cow;          /* what the last child that succeeded reported at its end */
};

/* Before fork: the pipe. -1 when it cannot be made (the child then reports nothing). */
int child_info_open(void);
/* Right after fork, on each side: closes the end that side does not use. */
void child_info_forked(int in_child);
/* In the child, after each key written: every 1024 keys the count, and at most once a
 * second the copy-on-write size. */
void child_info_key_written(void);
/* In the child, when done: the final copy-on-write size. */
void child_info_send_final(void);
/* In the parent: reads what arrived (from the cron, and at the child's exit). */
void child_info_receive(void);
/* In the parent, once the child is gone: drains the pipe, closes it, and (ok) keeps the final
 * copy-on-write size as the last one. */
void child_info_close(int ok);
const struct child_info *child_info_get(void);

#endif
