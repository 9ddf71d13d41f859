/* Streams in Redis's RDB format (RDB_TYPE_STREAM_LISTPACKS_2, and the _1 form of Redis 5 and
 * 6 on load): the nodes as they are (master ID as 16 big-endian bytes, then the listpack), the
 * stream's counters, then each group with its pending entries and consumers. Everything read
 * is checked: a node's structure (stream_check_node), the order of the nodes, pending entries
 * that belong to no group or to two consumers. */
#include "persistence/rdb_stream.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static void put_id_lens(rdb_writer *w, const stream_id *id) {
    rdb_put_len(w, id->ms);
    rdb_put_len(w, id->seq);
}

/* A PEL: the IDs, with each delivery's time and count when with_deliveries. */
static void put_pel(rdb_writer *w, const id_index *pel, int with_deliveries) {
    rdb_put_len(w, idx_size(pel));
    idx_iter it;
    stream_id id;
    void *val;
    idx_seek(&it, pel, NULL);
    while (idx_next(&it, &id, &val)) {
        unsigned char key[16];
        stream_id_to_key(&id, key);
        rdb_put_raw(w, key, sizeof key);
        if (!with_deliveries) continue;
        const struct stream_nack *nack = val;
        rdb_put_ms(w, nack->delivery_time);
        rdb_put_len(w, nack->delivery_count);
    }
}

void rdb_save_stream(rdb_writer *w, const stream *s) {
    rdb_put_len(w, s->nnodes);
    for (size_t i = 0; i < s->nnodes; i++) {
        const struct stream_node *n = stream_node_at(s, i);
        unsigned char key[16];
        stream_id_to_key(&n->master, key);
        rdb_put_string(w, (const char *)key, sizeof key);
        rdb_put_string(w, (const char *)n->lp, lp_bytes(n->lp));
    }
    rdb_put_len(w, s->length);
    put_id_lens(w, &s->last_id);
    put_id_lens(w, &s->first_id);
    put_id_lens(w, &s->max_deleted_id);
    rdb_put_len(w, s->entries_added);
    rdb_put_len(w, s->ngroups);
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct stream_group *g = s->groups[i];
        rdb_put_string(w, g->name, g->namelen);
        put_id_lens(w, &g->last_id);
        rdb_put_len(w, (uint64_t)g->entries_read); /* -1 (unknown) as Redis writes it */
        put_pel(w, &g->pel, 1);
        rdb_put_len(w, g->nconsumers);
        for (size_t k = 0; k < g->nconsumers; k++) {
            const struct stream_consumer *c = g->consumers[k];
            rdb_put_string(w, c->name, c->namelen);
            rdb_put_ms(w, c->seen_time);
            put_pel(w, &c->pel, 0);
        }
    }
}

/* ---- Loading ---- */

static int read_id_lens(rdb_reader *r, stream_id *id) {
    return rdb_read_len(r, &id->ms) || rdb_read_len(r, &id->seq) ? -1 : 0;
}

static int node_order(const void *a, const void *b) {
    return stream_id_cmp(&((const struct stream_node *)a)->master,
                         &((const struct stream_node *)b)->master);
}

static int load_nodes(rdb_reader *r, stream *s) {
    uint64_t n;
    if (rdb_read_count(r, &n, 2)) return -1;
    /* Redis's radix tree orders the nodes whatever order they come in: sorted first, they
     * are added at the end one after another. */
    struct stream_node *nodes = mem_alloc((n ? n : 1) * sizeof *nodes);
    size_t got = 0;
    for (; got < n; got++) {
        rdb_str key, lp;
        const char *why;
        if (rdb_read_string(r, &key)) goto fail;
        if (key.len != 16) {
            rdb_str_free(&key);
            rdb_fail(r, "Stream node key entry is not the size of a stream ID");
            goto fail;
        }
        stream_id_from_key((const unsigned char *)key.ptr, &nodes[got].master);
        rdb_str_free(&key);
        if (rdb_read_string(r, &lp)) goto fail;
        if (stream_check_node((const unsigned char *)lp.ptr, lp.len, &why) != 0) {
            rdb_str_free(&lp);
            rdb_fail(r, "%s", why);
            goto fail;
        }
        nodes[got].lp = mem_alloc(lp.len);
        memcpy(nodes[got].lp, lp.ptr, lp.len);
        rdb_str_free(&lp);
    }
    if (n > 1) qsort(nodes, n, sizeof *nodes, node_order);
    for (size_t i = 0; i < n; i++) {
        if (i && stream_id_cmp(&nodes[i - 1].master, &nodes[i].master) == 0) {
            rdb_fail(r, "Listpack re-added with existing key");
            got = n;
            goto fail;
        }
        stream_push_node(s, &nodes[i].master, nodes[i].lp);
    }
    mem_free(nodes);
    return 0;
fail:
    /* What was pushed belongs to the stream; the rest is freed here. */
    for (size_t i = s->nnodes; i < got; i++)
        mem_free(nodes[i].lp);
    mem_free(nodes);
    return -1;
}

static int read_pel_id(rdb_reader *r, stream_id *id) {
    unsigned char key[16];
    if (rdb_read_raw(r, key, sizeof key, "pending entry")) return -1;
    stream_id_from_key(key, id);
    return 0;
}

static int load_consumers(rdb_reader *r, struct stream_group *g) {
    uint64_t n;
    if (rdb_read_count(r, &n, 10)) return -1;
    for (uint64_t i = 0; i < n; i++) {
        rdb_str name;
        if (rdb_read_string(r, &name)) return -1;
        struct stream_consumer *c = stream_consumer_create(g, name.ptr, name.len, 0);
        rdb_str_free(&name);
        if (!c) return rdb_fail(r, "Duplicate stream consumer detected.");
        uint64_t pending;
        if (rdb_read_ms(r, &c->seen_time) || rdb_read_count(r, &pending, 16)) return -1;
        for (uint64_t k = 0; k < pending; k++) {
            stream_id id;
            if (read_pel_id(r, &id)) return -1;
            struct stream_nack *nack = idx_find(&g->pel, &id);
            if (!nack) return rdb_fail(r, "Consumer entry not found in group global PEL");
            if (nack->consumer || idx_insert(&c->pel, &id, nack) != 0)
                return rdb_fail(r, "Duplicated consumer PEL entry loading a stream consumer "
                                   "group");
            nack->consumer = c;
        }
    }
    return 0;
}

static int load_group(rdb_reader *r, stream *s, int version2) {
    rdb_str name;
    stream_id last;
    uint64_t entries_read;
    if (rdb_read_string(r, &name)) return -1;
    if (read_id_lens(r, &last) != 0) {
        rdb_str_free(&name);
        return -1;
    }
    if (version2) {
        if (rdb_read_len(r, &entries_read)) {
            rdb_str_free(&name);
            return -1;
        }
    } else {
        entries_read = (uint64_t)stream_estimate_distance(s, &last);
    }
    struct stream_group *g =
        stream_group_create(s, name.ptr, name.len, &last, (long long)entries_read);
    rdb_str_free(&name);
    if (!g) return rdb_fail(r, "Duplicated consumer group name");
    uint64_t pending;
    if (rdb_read_count(r, &pending, 16)) return -1;
    for (uint64_t i = 0; i < pending; i++) {
        stream_id id;
        if (read_pel_id(r, &id)) return -1;
        struct stream_nack *nack = stream_nack_new(NULL, 0);
        if (rdb_read_ms(r, &nack->delivery_time) || rdb_read_len(r, &nack->delivery_count) ||
            idx_insert(&g->pel, &id, nack) != 0) {
            mem_free(nack);
            return r->err[0] ? -1
                             : rdb_fail(r, "Duplicated global PEL entry loading stream consumer "
                                           "group");
        }
    }
    if (load_consumers(r, g)) return -1;
    /* Every pending entry belongs to a consumer: the commands count on it. */
    idx_iter it;
    void *val;
    idx_seek(&it, &g->pel, NULL);
    while (idx_next(&it, NULL, &val))
        if (!((struct stream_nack *)val)->consumer)
            return rdb_fail(r, "Stream CG PEL entry without consumer");
    return 0;
}

int rdb_load_stream(rdb_reader *r, int type, stream **out) {
    int version2 = type == RDB_TYPE_STREAM_LISTPACKS_2;
    stream *s = stream_new();
    *out = s;
    if (load_nodes(r, s) || rdb_read_len(r, &s->length) || read_id_lens(r, &s->last_id))
        return -1;
    if (version2) {
        if (read_id_lens(r, &s->first_id) || read_id_lens(r, &s->max_deleted_id) ||
            rdb_read_len(r, &s->entries_added))
            return -1;
    } else {
        s->entries_added = s->length;
        stream_edge_id(s, 1, 1, &s->first_id);
    }
    if (s->length && !s->nnodes) return rdb_fail(r, "Stream length inconsistent with rax entries");
    uint64_t groups;
    if (rdb_read_count(r, &groups, 4)) return -1;
    for (uint64_t i = 0; i < groups; i++)
        if (load_group(r, s, version2)) return -1;
    return 0;
}
