/* DEBUG DIGEST and DIGEST-VALUE: Redis 7.0's SHA1 digest of a dataset or a value, computed the
 * way its debug.c does, so that equal data gives the same digest on rill and on redis-server.
 * Unordered parts (keys, set members, hash fields, sorted set members) are xored together;
 * ordered parts (list elements) are mixed in turn. */
#include "keyspace/digest.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/server.h"
#include "numconv.h"
#include "sha1.h"
#include "values/deque.h"
#include "values/hash_value.h"
#include "values/set_value.h"
#include "values/stream.h"
#include "values/zset_value.h"

/* digest ^= SHA1(data): the order of such additions does not matter. */
static void xor_digest(unsigned char *digest, const void *data, size_t len) {
    sha1_ctx ctx;
    unsigned char hash[20];
    sha1_init(&ctx);
    sha1_update(&ctx, data, len);
    sha1_final(&ctx, hash);
    for (int i = 0; i < 20; i++)
        digest[i] ^= hash[i];
}

/* digest = SHA1(digest ^ SHA1(data)): the order matters. */
static void mix_digest(unsigned char *digest, const void *data, size_t len) {
    xor_digest(digest, data, len);
    sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, digest, 20);
    sha1_final(&ctx, digest);
}

/* A member and its score (or a field and its value) as one unordered addition. */
static void xor_pair(unsigned char *digest, const char *a, size_t alen, const char *b,
                     size_t blen) {
    unsigned char element[20] = {0};
    mix_digest(element, a, alen);
    mix_digest(element, b, blen);
    xor_digest(digest, element, 20);
}

void digest_value(entry *e, unsigned char digest[20]) {
    uint32_t type = htonl(e->type); /* rill's type numbers are Redis's */
    mix_digest(digest, &type, sizeof type);
    switch (e->type) {
    case OBJ_STRING: {
        char digits[LL_STR_SIZE];
        size_t len;
        const char *s = entry_string(e, digits, &len);
        mix_digest(digest, s, len);
        break;
    }
    case OBJ_LIST: {
        deque_iter it;
        deque_elem el;
        for (deque_iter_at(&it, entry_obj(e), 0, 1); deque_iter_valid(&it); deque_iter_next(&it)) {
            deque_iter_get(&it, &el);
            mix_digest(digest, el.ptr, el.len);
        }
        break;
    }
    case OBJ_SET: {
        set_iter it;
        const char *m;
        size_t len;
        set_iter_init(&it, entry_obj(e));
        while (set_iter_next(&it, &m, &len))
            xor_digest(digest, m, len);
        set_iter_done(&it);
        break;
    }
    case OBJ_ZSET: {
        zset_iter it;
        const char *m;
        size_t len;
        double score;
        char text[128];
        zset_iter_init(&it, entry_obj(e), 0, 0);
        while (zset_iter_next(&it, &m, &len, &score)) {
            int n = snprintf(text, sizeof text, "%.17g", score);
            xor_pair(digest, m, len, text, (size_t)n);
        }
        zset_iter_done(&it);
        break;
    }
    case OBJ_HASH: {
        hash_iter it;
        const char *f, *v;
        size_t flen, vlen;
        hash_iter_init(&it, entry_obj(e));
        while (hash_iter_next(&it, &f, &flen, &v, &vlen))
            xor_pair(digest, f, flen, v, vlen);
        hash_iter_done(&it);
        break;
    }
    case OBJ_STREAM: {
        stream_iter it;
        stream_id id;
        int64_t nfields;
        stream_iter_start(&it, entry_obj(e), NULL, NULL, 0);
        while (stream_iter_next(&it, &id, &nfields)) {
            char text[48];
            int n = snprintf(text, sizeof text, "%llu.%llu", (unsigned long long)id.ms,
                             (unsigned long long)id.seq);
            mix_digest(digest, text, (size_t)n);
            while (nfields--) {
                const char *f, *v;
                size_t flen, vlen;
                stream_iter_field(&it, &f, &flen, &v, &vlen);
                mix_digest(digest, f, flen);
                mix_digest(digest, v, vlen);
            }
        }
        break;
    }
    }
    if (e->flags & ENTRY_HAS_TTL) xor_digest(digest, "!!expire!!", 10);
}

void digest_dataset(unsigned char out[20]) {
    memset(out, 0, 20);
    for (int i = 0; i < server.ndbs; i++) {
        dict *keys = &server.dbs[i].keys;
        if (dict_size(keys) == 0) continue;
        uint32_t id = htonl((uint32_t)i); /* the same data in another database differs */
        mix_digest(out, &id, sizeof id);
        dict_iter it;
        dict_iter_init(&it, keys);
        for (dict_node *n; (n = dict_iter_next(&it));) {
            entry *e = (entry *)n;
            unsigned char digest[20] = {0};
            mix_digest(digest, entry_key(e), e->keylen);
            digest_value(e, digest);
            xor_digest(out, digest, 20);
        }
        dict_iter_done(&it);
    }
}
