/* Integration tests: the memcached text protocol on memcached-port, over raw sockets, and
 * what RESP clients see of the same keys (issue 9). Exact replies of the ordinary commands
 * are also compared with a real memcached by tests/compat/test_memcached_differential.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

struct fixture {
    struct itest_server s;
    int mc_port;
    redisContext *resp;
    int fd; /* a memcached connection (the default-settings fixture opens it) */
};

static struct fixture *start(const char *name, const char *value) {
    struct fixture *f = calloc(1, sizeof *f);
    f->mc_port = itest_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", f->mc_port);
    int rc = name ? itest_start(&f->s, "--memcached-port", port, name, value, NULL)
                  : itest_start(&f->s, "--memcached-port", port, NULL);
    assert_int_equal(rc, 0);
    f->resp = itest_connect(&f->s);
    assert_non_null(f->resp);
    return f;
}

static void stop(struct fixture *f) {
    redisFree(f->resp);
    itest_stop(&f->s);
    free(f);
}

static int mc_connect(const struct fixture *f) {
    int fd = itest_raw_connect_port(f->mc_port);
    assert_true(fd >= 0);
    return fd;
}

/* Fixture for the tests that need no particular setting. */
static int open_default(void **state) {
    struct fixture *f = start(NULL, NULL);
    f->fd = mc_connect(f);
    *state = f;
    return 0;
}

static int close_default(void **state) {
    struct fixture *f = *state;
    close(f->fd);
    stop(f);
    return 0;
}

static void send_bytes(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t n = write(fd, data, len);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

static void send_str(int fd, const char *s) { send_bytes(fd, s, strlen(s)); }

/* Reads exactly len bytes (or fails after 5 s without progress). */
static void read_exact(int fd, char *buf, size_t len) {
    size_t got = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got < len) {
        assert_int_equal(poll(&p, 1, 5000), 1);
        ssize_t n = read(fd, buf + got, len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
}

/* The next bytes on fd are exactly `want`. */
static void expect_bytes(int fd, const char *want, size_t len) {
    char *buf = malloc(len + 1);
    read_exact(fd, buf, len);
    if (memcmp(buf, want, len) != 0) {
        buf[len] = '\0';
        fail_msg("expected \"%.*s\", got \"%s\"", (int)len, want, buf);
    }
    free(buf);
}

static void expect(int fd, const char *want) { expect_bytes(fd, want, strlen(want)); }

/* Nothing more arrives within a short wait. */
static void expect_silence(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 100), 0);
}

static redisReply *resp(struct fixture *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(f->resp, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    return r;
}

static void expect_resp_str(struct fixture *f, const char *cmd, const char *want) {
    redisReply *r = resp(f, cmd);
    assert_int_equal(r->type, want ? REDIS_REPLY_STRING : REDIS_REPLY_NIL);
    if (want) assert_string_equal(r->str, want);
    freeReplyObject(r);
}

/* Reads one reply that ends with "END\r\n" into buf (NUL-terminated). */
static void read_until_end(int fd, char *buf, size_t cap) {
    size_t n = 0;
    while (n < 5 || memcmp(buf + n - 5, "END\r\n", 5) != 0) {
        assert_true(n < cap - 1);
        read_exact(fd, buf + n, 1);
        n++;
    }
    buf[n] = '\0';
}

/* The CAS unique `gets key` reports. */
static unsigned long long gets_cas(int fd, const char *key) {
    char line[128];
    snprintf(line, sizeof line, "gets %s\r\n", key);
    send_str(fd, line);
    char buf[512];
    read_until_end(fd, buf, sizeof buf);
    unsigned flags, bytes;
    unsigned long long cas;
    char name[256];
    assert_int_equal(sscanf(buf, "VALUE %255s %u %u %llu", name, &flags, &bytes, &cas), 4);
    return cas;
}

static void test_storage_commands_and_their_replies(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    send_str(fd, "set k 42 0 5\r\nhello\r\nget k\r\n");
    expect(fd, "STORED\r\nVALUE k 42 5\r\nhello\r\nEND\r\n");
    send_str(fd, "add k 0 0 1\r\nx\r\nadd fresh 7 0 1\r\nx\r\n");
    expect(fd, "NOT_STORED\r\nSTORED\r\n");
    send_str(fd, "replace nokey 0 0 1\r\nx\r\nreplace k 9 0 2\r\nhi\r\n");
    expect(fd, "NOT_STORED\r\nSTORED\r\n");
    send_str(fd, "append k 0 0 3\r\n!!!\r\nprepend k 0 0 2\r\n<<\r\nget k\r\n");
    expect(fd, "STORED\r\nSTORED\r\nVALUE k 9 7\r\n<<hi!!!\r\nEND\r\n");
    send_str(fd, "append nokey 0 0 1\r\nx\r\nprepend nokey 0 0 1\r\nx\r\n");
    expect(fd, "NOT_STORED\r\nNOT_STORED\r\n");
    unsigned long long cas = gets_cas(fd, "k");
    char line[128];
    snprintf(line, sizeof line, "cas k 1 0 3 %llu\r\nnew\r\n", cas + 1000);
    send_str(fd, line);
    expect(fd, "EXISTS\r\n");
    snprintf(line, sizeof line, "cas k 1 0 3 %llu\r\nnew\r\n", cas);
    send_str(fd, line);
    expect(fd, "STORED\r\n");
    send_str(fd, line); /* the unique changed with the write */
    expect(fd, "EXISTS\r\n");
    send_str(fd, "cas nokey 0 0 1 1\r\nx\r\nget k fresh nokey k\r\n");
    expect(fd, "NOT_FOUND\r\nVALUE k 1 3\r\nnew\r\nVALUE fresh 7 1\r\nx\r\nVALUE k 1 3\r\nnew\r\nEND\r\n");
    send_str(fd, "delete k\r\ndelete k\r\ndelete fresh 0\r\nget k fresh\r\n");
    expect(fd, "DELETED\r\nNOT_FOUND\r\nDELETED\r\nEND\r\n");
    /* Flags are 32 bits: the largest round-trips, larger ones keep their low 32 bits. */
    send_str(fd, "set f 4294967295 0 1\r\nx\r\nget f\r\nset g 4294967297 0 1\r\nx\r\nget g\r\n");
    expect(fd, "STORED\r\nVALUE f 4294967295 1\r\nx\r\nEND\r\nSTORED\r\nVALUE g 1 1\r\nx\r\nEND\r\n");
}

static void test_noreply_pipeline_sends_nothing_back(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    char *batch = malloc(1 << 20);
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)sprintf(batch + n, "set k%d %d 0 %d noreply\r\nv%d\r\n", i, i, i < 10 ? 2 : i < 100 ? 3 : 4, i);
    n += (size_t)sprintf(batch + n, "incr k5 1 noreply\r\nincr nokey 1 noreply\r\nincr k5 x noreply\r\n"
                                    "delete k6 noreply\r\ntouch k7 100 noreply\r\nadd k8 0 0 1 noreply\r\nx\r\n"
                                    "flush_all 0 noreply\r\nset after 0 0 1 noreply\r\n1\r\nincr after 1 noreply\r\n"
                                    "verbosity 1 noreply\r\nget after k999\r\n");
    send_bytes(fd, batch, n);
    expect(fd, "VALUE after 0 1\r\n2\r\nEND\r\n");
    expect_silence(fd);
    free(batch);
}

static void test_values_split_across_reads(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    /* A small command one byte at a time. */
    const char *cmd = "set tiny 3 0 5\r\nab\r\nc\r\n";
    for (const char *p = cmd; *p; p++) {
        send_bytes(fd, p, 1);
        itest_sleep_ms(1);
    }
    expect(fd, "STORED\r\n");
    /* A 900 KB value in uneven pieces with pauses between them. */
    size_t len = 900 * 1024;
    char *value = malloc(len);
    for (size_t i = 0; i < len; i++) value[i] = (char)('a' + i % 26);
    send_str(fd, "set big 0 0 921600\r\n");
    size_t sent = 0, piece = 1;
    while (sent < len) {
        size_t k = len - sent < piece ? len - sent : piece;
        send_bytes(fd, value + sent, k);
        sent += k;
        piece = piece * 7 + 3;
        itest_sleep_ms(2);
    }
    expect_silence(fd);
    send_str(fd, "\r");
    itest_sleep_ms(20);
    send_str(fd, "\nget tiny\r\n");
    expect(fd, "STORED\r\nVALUE tiny 3 5\r\nab\r\nc\r\nEND\r\n");
    redisReply *r = resp(f, "GET big");
    assert_int_equal(r->len, len);
    assert_memory_equal(r->str, value, len);
    freeReplyObject(r);
    free(value);
}

static void test_binary_values_round_trip(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    char value[512];
    for (int i = 0; i < 512; i++) value[i] = (char)(i % 256);
    send_str(fd, "set bin 0 0 512\r\n");
    send_bytes(fd, value, sizeof value);
    send_str(fd, "\r\nget bin\r\n");
    expect(fd, "STORED\r\nVALUE bin 0 512\r\n");
    expect_bytes(fd, value, sizeof value);
    expect(fd, "\r\nEND\r\n");
    /* A value that is only line breaks, and an empty one. */
    send_str(fd, "set crlf 0 0 4\r\n\r\n\r\n\r\nset empty 0 0 0\r\n\r\nget crlf empty\r\n");
    expect(fd, "STORED\r\nSTORED\r\nVALUE crlf 0 4\r\n\r\n\r\n\r\nVALUE empty 0 0\r\n\r\nEND\r\n");
}

static void test_bad_data_blocks_keep_the_connection_in_sync(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    send_str(fd, "set k 0 0 2\r\nok\r\n");
    expect(fd, "STORED\r\n");
    /* Longer than announced: memcached drops the announced bytes plus two, stores nothing,
     * and reads on from there. */
    send_str(fd, "set k 0 0 3\r\nabcde\r\nget k\r\n");
    expect(fd, "CLIENT_ERROR bad data chunk\r\nERROR\r\nVALUE k 0 2\r\nok\r\nEND\r\n");
    /* A refused line whose length is known: its data block is skipped (no stray ERROR). */
    char line[800];
    snprintf(line, sizeof line, "set %0260d 0 0 5\r\nhello\r\nset k 0 0 -1\r\n", 7);
    send_str(fd, line);
    send_str(fd, "set k x 0 5\r\nhello\r\nset k 0 0 5 noreply extra\r\nget k\r\n");
    expect(fd, "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line format\r\n"
               "CLIENT_ERROR bad command line format\r\nERROR\r\nVALUE k 0 2\r\nok\r\nEND\r\n");
    send_str(fd, "cas k 0 0 5 notanumber\r\nhello\r\nget k\r\n");
    expect(fd, "CLIENT_ERROR bad command line format\r\nVALUE k 0 2\r\nok\r\nEND\r\n");
    /* Keys: 250 bytes is the limit; control characters are refused. */
    snprintf(line, sizeof line, "set %0250d 0 0 1\r\nx\r\nget %0251d\r\nget a\x01z\r\n", 1, 1);
    send_str(fd, line);
    expect(fd, "STORED\r\nCLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line format\r\n");
    /* Unknown commands, empty lines and bare newlines. */
    send_str(fd, "bogus\r\n\r\nGET k\n");
    expect(fd, "ERROR\r\nERROR\r\nERROR\r\n");
}

static void test_too_large_values_are_swallowed_and_the_old_value_dropped(void **state) {
    (void)state;
    struct fixture *f = start("--memcached-max-item-size", "64kb");
    int fd = mc_connect(f);
    send_str(fd, "set k 0 0 2\r\nok\r\nset keep 0 0 2\r\nok\r\n");
    expect(fd, "STORED\r\nSTORED\r\n");
    size_t len = 3 << 20;
    char *big = malloc(len);
    memset(big, 'x', len);
    send_str(fd, "set k 0 0 3145728\r\n");
    expect(fd, "SERVER_ERROR object too large for cache\r\n");
    send_bytes(fd, big, len);
    send_str(fd, "\r\nadd keep 0 0 65537\r\n");
    expect(fd, "SERVER_ERROR object too large for cache\r\n");
    send_bytes(fd, big, 65537);
    send_str(fd, "\r\nget k keep\r\n");
    expect(fd, "VALUE keep 0 2\r\nok\r\nEND\r\n");
    send_str(fd, "set k 0 0 65536\r\n");
    send_bytes(fd, big, 65536);
    send_str(fd, "\r\n");
    expect(fd, "STORED\r\n");
    free(big);
    close(fd);
    stop(f);
}

static void test_incr_decr(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    send_str(fd, "set n 5 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\n"
                 "incr n 1\r\nget n\r\n");
    expect(fd, "STORED\r\n15\r\n0\r\n18446744073709551615\r\n0\r\n"
               "VALUE n 5 20\r\n0                   \r\nEND\r\n");
    send_str(fd, "set s 0 0 3\r\nabc\r\nincr s 1\r\nincr nokey 1\r\nincr n -1\r\nincr n 18446744073709551616\r\n"
                 "decr n x\r\nincr n\r\n");
    expect(fd, "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\nNOT_FOUND\r\n"
               "CLIENT_ERROR invalid numeric delta argument\r\nCLIENT_ERROR invalid numeric delta argument\r\n"
               "CLIENT_ERROR invalid numeric delta argument\r\nERROR\r\n");
    /* A counter set through RESP counts through memcached, and back. */
    freeReplyObject(resp(f, "SET hits 41"));
    send_str(fd, "incr hits 1\r\n");
    expect(fd, "42\r\n");
    redisReply *r = resp(f, "INCRBY hits 8");
    assert_int_equal(r->integer, 50);
    freeReplyObject(r);
}

static void test_expiry_touch_and_gat(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    char line[128];
    snprintf(line, sizeof line, "set abs 0 %lld 1\r\nx\r\n", (long long)time(NULL) + 1000);
    send_str(fd, line);
    send_str(fd, "set rel 0 100 1\r\nx\r\nset never 0 0 1\r\nx\r\nset gone 0 -1 1\r\nx\r\n"
                 "set past 0 2592001 1\r\nx\r\nget gone past\r\n");
    expect(fd, "STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\nSTORED\r\nEND\r\n");
    redisReply *r = resp(f, "TTL rel");
    assert_true(r->integer >= 99 && r->integer <= 100);
    freeReplyObject(r);
    r = resp(f, "TTL abs");
    assert_true(r->integer >= 998 && r->integer <= 1000);
    freeReplyObject(r);
    r = resp(f, "TTL never");
    assert_int_equal(r->integer, -1);
    freeReplyObject(r);
    unsigned long long cas = gets_cas(fd, "never");
    send_str(fd, "touch never 50\r\ntouch nokey 50\r\ntouch never x\r\n");
    expect(fd, "TOUCHED\r\nNOT_FOUND\r\nCLIENT_ERROR invalid exptime argument\r\n");
    assert_int_equal(gets_cas(fd, "never"), cas); /* touching is not a write of the value */
    r = resp(f, "TTL never");
    assert_true(r->integer >= 49 && r->integer <= 50);
    freeReplyObject(r);
    snprintf(line, sizeof line, "gats 0 never nokey\r\n");
    send_str(fd, line);
    snprintf(line, sizeof line, "VALUE never 0 1 %llu\r\nx\r\nEND\r\n", cas);
    expect(fd, line);
    r = resp(f, "TTL never");
    assert_int_equal(r->integer, -1);
    freeReplyObject(r);
    send_str(fd, "gat -1 rel\r\nget rel\r\ngat x rel\r\n");
    expect(fd, "VALUE rel 0 1\r\nx\r\nEND\r\nEND\r\nCLIENT_ERROR invalid exptime argument\r\n");
    /* A TTL set through RESP is the item's exptime. */
    freeReplyObject(resp(f, "SET r v PX 150"));
    send_str(fd, "get r\r\n");
    expect(fd, "VALUE r 0 1\r\nv\r\nEND\r\n");
    itest_sleep_ms(250);
    send_str(fd, "get r\r\n");
    expect(fd, "END\r\n");
}

static void test_flush_all_now_and_later(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    freeReplyObject(resp(f, "SET other-db-0-key v"));
    freeReplyObject(resp(f, "SELECT 1"));
    freeReplyObject(resp(f, "SET db1 v"));
    send_str(fd, "set a 0 0 1\r\nx\r\nflush_all\r\nget a\r\n");
    expect(fd, "STORED\r\nOK\r\nEND\r\n");
    redisReply *r = resp(f, "DBSIZE");
    assert_int_equal(r->integer, 1); /* only database 0 is memcached's */
    freeReplyObject(r);
    send_str(fd, "set a 0 0 1\r\nx\r\nflush_all 1\r\nget a\r\nflush_all abc\r\nflush_all 1 2 3\r\n");
    expect(fd, "STORED\r\nOK\r\nVALUE a 0 1\r\nx\r\nEND\r\nCLIENT_ERROR invalid exptime argument\r\nERROR\r\n");
    itest_sleep_ms(1300);
    send_str(fd, "get a\r\n");
    expect(fd, "END\r\n");
    /* A later flush_all replaces a pending one. */
    send_str(fd, "set b 0 0 1\r\nx\r\nflush_all 1\r\nflush_all 100\r\n");
    expect(fd, "STORED\r\nOK\r\nOK\r\n");
    itest_sleep_ms(1300);
    send_str(fd, "get b\r\n");
    expect(fd, "VALUE b 0 1\r\nx\r\nEND\r\n");
}

static void test_version_verbosity_stats_quit(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    send_str(fd, "version\r\nverbosity 1\r\nverbosity\r\nverbosity x\r\n");
    expect(fd, "VERSION 1.6.18\r\nOK\r\nERROR\r\nCLIENT_ERROR bad command line format\r\n");
    send_str(fd, "set a 0 0 1\r\nx\r\nget a b\r\n");
    expect(fd, "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
    send_str(fd, "stats\r\n");
    char buf[4096];
    read_until_end(fd, buf, sizeof buf);
    char want[64];
    snprintf(want, sizeof want, "STAT pid %d\r\n", (int)f->s.pid);
    assert_non_null(strstr(buf, want));
    const char *fields[] = {"STAT uptime ", "STAT curr_items 1\r\n", "STAT total_items 1\r\n",
                            "STAT get_hits 1\r\n", "STAT get_misses 1\r\n", "STAT cmd_get 2\r\n",
                            "STAT cmd_set 1\r\n", "STAT curr_connections 1\r\n", "STAT bytes ",
                            "STAT evictions 0\r\n", "STAT limit_maxbytes 0\r\n"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strstr(buf, fields[i])) fail_msg("no \"%s\" in %s", fields[i], buf);
    send_str(fd, "stats reset\r\nstats nosuch\r\n");
    expect(fd, "RESET\r\nERROR\r\n");
    /* The keyspace counters RESP clients read include memcached's lookups. */
    redisReply *r = resp(f, "INFO stats");
    assert_non_null(strstr(r->str, "keyspace_hits:1\r\n"));
    assert_non_null(strstr(r->str, "keyspace_misses:1\r\n"));
    freeReplyObject(r);
    send_str(fd, "quit\r\nget a\r\n");
    assert_int_equal(itest_read_all(fd, buf, sizeof buf, 2000), 0);
    close(fd);
    /* A line that never ends is not buffered forever. */
    fd = f->fd = mc_connect(f); /* close_default closes it */
    char junk[4096];
    memset(junk, 'z', sizeof junk);
    send_bytes(fd, junk, sizeof junk);
    assert_int_equal(itest_read_all(fd, buf, sizeof buf, 2000), 0);
}

static void test_keys_are_shared_with_resp(void **state) {
    struct fixture *f = *state;
    int fd = f->fd;
    send_str(fd, "set shared 77 0 5\r\nhello\r\n");
    expect(fd, "STORED\r\n");
    expect_resp_str(f, "GET shared", "hello");
    redisReply *r = resp(f, "TYPE shared");
    assert_string_equal(r->str, "string");
    freeReplyObject(r);
    /* Writes from RESP change the CAS unique; in-place ones keep the flags. */
    unsigned long long cas = gets_cas(fd, "shared");
    freeReplyObject(resp(f, "APPEND shared !"));
    unsigned long long after = gets_cas(fd, "shared");
    assert_true(after != cas);
    send_str(fd, "get shared\r\n");
    expect(fd, "VALUE shared 77 6\r\nhello!\r\nEND\r\n");
    freeReplyObject(resp(f, "SETRANGE shared 0 J"));
    assert_true(gets_cas(fd, "shared") != after);
    /* A RESP SET starts over with flags 0. */
    freeReplyObject(resp(f, "SET shared plain"));
    send_str(fd, "get shared\r\n");
    expect(fd, "VALUE shared 0 5\r\nplain\r\nEND\r\n");
    /* A key only RESP wrote gets a unique when asked, and loses it to the next RESP write. */
    freeReplyObject(resp(f, "SET r 1"));
    cas = gets_cas(fd, "r");
    assert_int_equal(gets_cas(fd, "r"), cas);
    freeReplyObject(resp(f, "INCR r"));
    char line[128];
    snprintf(line, sizeof line, "cas r 0 0 1 %llu\r\nx\r\n", cas);
    send_str(fd, line);
    expect(fd, "EXISTS\r\n");
    /* Other types are not items: misses for reads, but set replaces them as SET would. */
    freeReplyObject(resp(f, "RPUSH list a"));
    send_str(fd, "get list\r\nappend list 0 0 1\r\nx\r\nincr list 1\r\nadd list 0 0 1\r\nx\r\n"
                 "set list 3 0 1\r\nx\r\nget list\r\n");
    expect(fd, "END\r\nNOT_STORED\r\nNOT_FOUND\r\nNOT_STORED\r\nSTORED\r\nVALUE list 3 1\r\nx\r\nEND\r\n");
    /* A memcached write invalidates a RESP client's WATCH. */
    freeReplyObject(resp(f, "WATCH shared"));
    send_str(fd, "set shared 0 0 1\r\nm\r\n");
    expect(fd, "STORED\r\n");
    freeReplyObject(resp(f, "MULTI"));
    freeReplyObject(resp(f, "SET shared resp"));
    r = resp(f, "EXEC");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    /* COPY and RENAME keep the flags. */
    send_str(fd, "set src 12 0 1\r\nv\r\n");
    expect(fd, "STORED\r\n");
    freeReplyObject(resp(f, "COPY src copied"));
    freeReplyObject(resp(f, "RENAME src moved"));
    send_str(fd, "get copied moved src\r\n");
    expect(fd, "VALUE copied 12 1\r\nv\r\nVALUE moved 12 1\r\nv\r\nEND\r\n");
}

static void test_out_of_memory_under_noeviction(void **state) {
    (void)state;
    struct fixture *f = start("--maxmemory", "2mb");
    int fd = mc_connect(f);
    char value[8192];
    memset(value, 'v', sizeof value);
    char line[64];
    int stored = 0, refused = 0;
    for (int i = 0; i < 1000 && !refused; i++) {
        snprintf(line, sizeof line, "set k%d 0 0 8192\r\n", i);
        send_str(fd, line);
        send_bytes(fd, value, sizeof value);
        send_str(fd, "\r\n");
        static const char oom[] = "SERVER_ERROR out of memory storing object\r\n";
        char reply[sizeof oom];
        read_exact(fd, reply, 8);
        if (memcmp(reply, "STORED\r\n", 8) == 0) {
            stored++;
        } else {
            read_exact(fd, reply + 8, sizeof oom - 1 - 8);
            assert_memory_equal(reply, oom, sizeof oom - 1);
            refused = 1;
        }
    }
    assert_true(stored > 10);
    assert_true(refused);
    /* Reads and deletes go on; the connection is in sync. */
    send_str(fd, "get k0\r\n");
    expect(fd, "VALUE k0 0 8192\r\n");
    expect_bytes(fd, value, sizeof value);
    expect(fd, "\r\nEND\r\n");
    send_str(fd, "delete k0\r\n");
    expect(fd, "DELETED\r\n");
    close(fd);
    stop(f);
}

static void test_password_means_memcached_ascii_auth(void **state) {
    (void)state;
    struct fixture *f = start("--requirepass", "s3cret");
    int fd = mc_connect(f);
    send_str(fd, "get a\r\nset auth 0 0 12\r\ndefault nope\r\nset auth 0 0 10\r\nnospaceabc\r\n");
    expect(fd, "CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR authentication failure\r\n"
               "CLIENT_ERROR bad authentication token format\r\n");
    send_str(fd, "set auth 0 0 14\r\ndefault s3cret\r\nset a 0 0 1\r\nx\r\nget a\r\n");
    expect(fd, "STORED\r\nSTORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
    close(fd);
    stop(f);
}

static void test_config_set_port_keeps_the_memcached_listener(void **state) {
    struct fixture *f = *state;
    char port[16];
    snprintf(port, sizeof port, "%d", itest_free_port());
    redisReply *r = resp(f, "CONFIG SET port %s", port);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    send_str(f->fd, "version\r\n");
    expect(f->fd, "VERSION 1.6.18\r\n");
    int fd = mc_connect(f);
    send_str(fd, "version\r\n");
    expect(fd, "VERSION 1.6.18\r\n");
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_storage_commands_and_their_replies, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_noreply_pipeline_sends_nothing_back, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_values_split_across_reads, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_binary_values_round_trip, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_bad_data_blocks_keep_the_connection_in_sync, open_default, close_default),
        cmocka_unit_test(test_too_large_values_are_swallowed_and_the_old_value_dropped),
        cmocka_unit_test_setup_teardown(test_incr_decr, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_expiry_touch_and_gat, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_flush_all_now_and_later, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_version_verbosity_stats_quit, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_keys_are_shared_with_resp, open_default, close_default),
        cmocka_unit_test(test_out_of_memory_under_noeviction),
        cmocka_unit_test(test_password_means_memcached_ascii_auth),
        cmocka_unit_test_setup_teardown(test_config_set_port_keeps_the_memcached_listener, open_default, close_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
