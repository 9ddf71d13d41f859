#include "core/client_memory.h"

#include "core/net.h"
#include "features/multi.h"
#include "features/pubsub.h"
#include "mem.h"

size_t client_memory(const client *c) {
    size_t argv = 0;
    for (size_t i = 0; server.current == c && i < c->argc; i++)
        argv += c->argv[i].len + sizeof(resp_arg);
    return mem_usable((void *)c) + c->query.cap + c->reply.cap + argv + multi_memory(c) +
           pubsub_memory(c);
}

size_t client_memory_limit(void) {
    long long n = server.cfg.maxmemory_clients; /* a percentage is kept negative */
    if (n >= 0) return (size_t)n;
    return (size_t)(server.cfg.maxmemory / 100 * -n + server.cfg.maxmemory % 100 * -n / 100);
}

/* Only clients that talk to us count (a script's client has no connection). */
static int counted(const client *c) { return c->fd >= 0 && !(c->flags & CLIENT_CLOSE_ASAP); }

static void recount(client *c) {
    size_t now = counted(c) ? client_memory(c) : 0;
    server.clients_memory += now - c->memory_counted;
    c->memory_counted = now;
}

/* Closes the biggest evictable clients until the total is under the limit. */
static void evict(size_t limit) {
    while (server.clients_memory >= limit) {
        client *victim = NULL;
        for (client *c = server.clients; c; c = c->next)
            if (counted(c) && !(c->flags & CLIENT_NO_EVICT) &&
                (!victim || c->memory_counted > victim->memory_counted))
                victim = c;
        if (!victim) return;
        buf_t line;
        buf_init(&line);
        client_describe(victim, &line);
        server_log(LL_WARNING, "Evicting client: %.*s", (int)line.len, line.data);
        buf_free(&line);
        server.stat_evicted_clients++;
        client_close_and_release(victim);
    }
}

int client_memory_recount(client *c) {
    size_t limit = client_memory_limit();
    if (limit == 0) return 0;
    recount(c);
    if (server.clients_memory >= limit) evict(limit);
    return (c->flags & CLIENT_CLOSE_ASAP) ? -1 : 0;
}

void client_memory_forget(client *c) {
    server.clients_memory -= c->memory_counted;
    c->memory_counted = 0;
}

void client_memory_check_all(void) {
    size_t limit = client_memory_limit();
    if (limit == 0) return;
    for (client *c = server.clients; c; c = c->next) recount(c);
    evict(limit);
}
