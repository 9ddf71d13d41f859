/* The child-to-parent progress pipe (see child_info.h). */
#include "persistence/child_info.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum message_kind { PROGRESS, FINAL };

struct message {
    enum message_kind kind;
    long long keys;
    size_t cow;
    int has_cow;
};

static int pipe_fds[2] = {-1, -1};
static struct child_info info;
/* Child side. */
static long long keys_written;
static time_t cow_sent_at;

/* Private dirty memory of this process: the pages it copied since the fork. */
static size_t private_dirty_bytes(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return 0;
    char line[256];
    size_t total = 0, kb;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Private_Dirty: %zu kB", &kb) == 1) total += kb * 1024;
    fclose(f);
    return total;
}

int child_info_open(void) {
    size_t last_cow = info.last_cow; /* from the previous child */
    memset(&info, 0, sizeof info);
    info.last_cow = last_cow;
    keys_written = 0;
    cow_sent_at = 0;
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        pipe_fds[0] = pipe_fds[1] = -1;
        return -1;
    }
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    return 0;
}

void child_info_forked(int in_child) {
    int unused = in_child ? 0 : 1; /* the child writes, the parent reads */
    if (pipe_fds[unused] >= 0) close(pipe_fds[unused]);
    pipe_fds[unused] = -1;
}

static void send_message(const struct message *m) {
    if (pipe_fds[1] < 0) return;
    /* One small write is atomic on a pipe; a full pipe drops a progress report, no harm. */
    ssize_t n = write(pipe_fds[1], m, sizeof *m);
    (void)n;
}

void child_info_key_written(void) {
    if (++keys_written % 1024) return;
    struct message m = {PROGRESS, keys_written, 0, 0};
    time_t now = time(NULL);
    if (now != cow_sent_at) {
        m.cow = private_dirty_bytes();
        m.has_cow = 1;
        cow_sent_at = now;
    }
    send_message(&m);
}

void child_info_send_final(void) {
    struct message m = {FINAL, keys_written, private_dirty_bytes(), 1};
    send_message(&m);
}

static size_t final_cow;

void child_info_receive(void) {
    if (pipe_fds[0] < 0) return;
    struct message m;
    while (read(pipe_fds[0], &m, sizeof m) == (ssize_t)sizeof m) {
        info.keys_processed = m.keys;
        if (!m.has_cow) continue;
        if (m.kind == FINAL) {
            final_cow = m.cow;
            continue;
        }
        info.cow = m.cow;
        info.cow_updated = time(NULL);
        if (m.cow > info.cow_peak) info.cow_peak = m.cow;
    }
}

void child_info_close(int ok) {
    final_cow = 0;
    child_info_receive();
    if (ok) info.last_cow = final_cow;
    for (int i = 0; i < 2; i++) {
        if (pipe_fds[i] >= 0) close(pipe_fds[i]);
        pipe_fds[i] = -1;
    }
    info.keys_processed = 0;
    info.cow = info.cow_peak = 0;
    info.cow_updated = 0;
}

const struct child_info *child_info_get(void) {
    return &info;
}
