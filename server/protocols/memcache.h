/* The memcached text protocol (memcached 1.6's protocol.txt) for clients of the second
 * listener (memcached-port): storage, retrieval, incr/decr, touch, flush_all, stats, over
 * database 0 of the same keyspace. Items are string entries whose stamp (db.h) holds the
 * client flags and the CAS unique. */
#ifndef RILL_MEMCACHE_H
#define RILL_MEMCACHE_H

#include "core/server.h"

/* The memcached release whose replies rill reproduces (VERSION answers with it). */
#define MEMCACHED_COMPAT_VERSION "1.6.18"

/* Runs every complete command in c's query buffer; returns the bytes used. A command whose
 * data block is still arriving sets c->parser.need (the RESP parser is idle on these
 * connections) to the bytes it needs from its line on, so the reader can size its reads. */
size_t memcache_process_input(client *c);

#endif
