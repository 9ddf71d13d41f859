/* The sizes up to which hashes, sets and sorted sets stay compact, read from the running
 * configuration (the *-max-listpack-* and set-max-intset-entries settings). */
#ifndef RILL_VALUE_LIMITS_H
#define RILL_VALUE_LIMITS_H

#include "core/server.h"
#include "values/packlist.h"
#include "values/set_value.h"

static inline struct packed_limits hash_limits(void) {
    return (struct packed_limits){(size_t)server.cfg.hash_max_listpack_entries,
                                  (size_t)server.cfg.hash_max_listpack_value};
}

static inline struct set_limits set_limits(void) {
    return (struct set_limits){(size_t)server.cfg.set_max_intset_entries,
                               (size_t)server.cfg.set_max_listpack_entries,
                               (size_t)server.cfg.set_max_listpack_value};
}

static inline struct packed_limits zset_limits(void) {
    return (struct packed_limits){(size_t)server.cfg.zset_max_listpack_entries,
                                  (size_t)server.cfg.zset_max_listpack_value};
}

#endif
