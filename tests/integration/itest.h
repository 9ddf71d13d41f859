/* Helpers for integration tests: a real rill-server on a free port, hiredis clients. */
#ifndef RILL_ITEST_H
#define RILL_ITEST_H

#include <hiredis/hiredis.h>
#include <sys/types.h>

struct itest_server {
    pid_t pid;
    int port;
    char dir[64];
};

/* Starts rill-server (RILL_SERVER or build/rill-server) with extra "--name value" args,
 * NULL-terminated; waits until it answers PING. */
int itest_start(struct itest_server *s, ...);
void itest_stop(struct itest_server *s);
/* The group fixture most suites use: a server with default settings and one connection to
 * it (*c is NULL and -1 returned when either fails); itest_close undoes it. */
int itest_open(struct itest_server *s, redisContext **c);
void itest_close(struct itest_server *s, redisContext *c);
redisContext *itest_connect(const struct itest_server *s);
/* A raw TCP connection (for bytes hiredis would never send), to the server's RESP port or
 * to any loopback port (its memcached-port). */
int itest_raw_connect(const struct itest_server *s);
int itest_raw_connect_port(int port);
/* A loopback port nobody listens on right now. */
int itest_free_port(void);
/* Reads until the peer closes or timeout_ms passes; returns bytes read into buf. */
size_t itest_read_all(int fd, char *buf, size_t cap, int timeout_ms);
long long itest_integer(redisContext *c, const char *fmt, ...);
/* The next reply on c (NULL when the connection failed). */
redisReply *itest_reply(redisContext *c);
void itest_sleep_ms(int ms);

#endif
