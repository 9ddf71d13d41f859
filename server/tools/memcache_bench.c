/* rill-memcache-bench: load for a memcached text-protocol server, as redis-benchmark is for
 * RESP. CLIENTS connections on one thread (epoll); each sends PIPELINE requests, waits for
 * all their replies, and sends the next batch. Keys are key:<random below KEYSPACE>.
 *
 *   rill-memcache-bench PORT get|set REQUESTS CLIENTS PIPELINE [VALUE_BYTES] [KEYSPACE]
 *
 * Prints the requests per second. Exits 1 on a reply it does not expect. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    long pending;   /* replies still expected for the batch in flight */
    char tail[8];   /* the end of the last read, for a reply marker split between reads */
    size_t tail_len;
};

static const char *op;
static long value_bytes = 16, keyspace = 100000, pipeline;
static char *value;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_all(int fd, const char *p, size_t len) {
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            perror("write");
            exit(1);
        }
        p += n;
        len -= (size_t)n;
    }
}

static void send_batch(struct conn *c, long count) {
    static char *buf;
    static size_t cap;
    size_t need = (size_t)count * (64 + (size_t)value_bytes);
    if (need > cap) {
        cap = need;
        buf = realloc(buf, cap);
    }
    size_t len = 0;
    for (long i = 0; i < count; i++) {
        long key = random() % keyspace;
        if (op[0] == 'g') {
            len += (size_t)sprintf(buf + len, "get key:%ld\r\n", key);
        } else {
            len += (size_t)sprintf(buf + len, "set key:%ld 0 0 %ld\r\n", key, value_bytes);
            memcpy(buf + len, value, (size_t)value_bytes);
            len += (size_t)value_bytes;
            memcpy(buf + len, "\r\n", 2);
            len += 2;
        }
    }
    send_all(c->fd, buf, len);
    c->pending = count;
}

/* Counts reply ends ("END\r\n" for get, "STORED\r\n" for set) in what was read. */
static long count_replies(struct conn *c, const char *data, size_t len) {
    const char *marker = op[0] == 'g' ? "END\r\n" : "STORED\r\n";
    size_t mlen = strlen(marker);
    char *joined = malloc(c->tail_len + len);
    memcpy(joined, c->tail, c->tail_len);
    memcpy(joined + c->tail_len, data, len);
    size_t total = c->tail_len + len;
    long n = 0;
    for (const char *p = joined; (p = memmem(p, total - (size_t)(p - joined), marker, mlen));) {
        n++;
        p += mlen;
    }
    c->tail_len = total < mlen - 1 ? total : mlen - 1;
    memcpy(c->tail, joined + total - c->tail_len, c->tail_len);
    free(joined);
    return n;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s PORT get|set REQUESTS CLIENTS PIPELINE [VALUE_BYTES] [KEYSPACE]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    op = argv[2];
    long requests = atol(argv[3]), clients = atol(argv[4]);
    pipeline = atol(argv[5]);
    if (argc > 6) value_bytes = atol(argv[6]);
    if (argc > 7) keyspace = atol(argv[7]);
    value = malloc((size_t)value_bytes);
    memset(value, 'x', (size_t)value_bytes);
    int ep = epoll_create1(0);
    struct conn *conns = calloc((size_t)clients, sizeof *conns);
    for (long i = 0; i < clients; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
            perror("connect");
            return 1;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    long sent = 0, done = 0;
    double start = now_s();
    for (long i = 0; i < clients && sent < requests; i++) {
        long k = requests - sent < pipeline ? requests - sent : pipeline;
        send_batch(&conns[i], k);
        sent += k;
    }
    char buf[1 << 16];
    struct epoll_event events[256];
    while (done < requests) {
        int n = epoll_wait(ep, events, 256, 10000);
        if (n <= 0) {
            fprintf(stderr, "no reply for 10 s (%ld of %ld done)\n", done, requests);
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            ssize_t r = read(c->fd, buf, sizeof buf);
            if (r <= 0) {
                fprintf(stderr, "connection closed by the server\n");
                return 1;
            }
            if (memmem(buf, (size_t)r, "ERROR", 5)) {
                fprintf(stderr, "error reply: %.*s\n", (int)(r < 200 ? r : 200), buf);
                return 1;
            }
            long got = count_replies(c, buf, (size_t)r);
            c->pending -= got;
            done += got;
            if (c->pending == 0 && sent < requests) {
                long k = requests - sent < pipeline ? requests - sent : pipeline;
                send_batch(c, k);
                sent += k;
            }
        }
    }
    printf("%.0f\n", (double)requests / (now_s() - start));
    return 0;
}
