#include "values/hash_value.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static void field_key(const dict_node *n, const char **key, size_t *len) {
    const struct hash_field *hf = (const struct hash_field *)n;
    *key = hf->data;
    *len = hf->flen;
}

static const dict_type field_type = {field_key};

static struct hash_field *field_new(const char *f, size_t flen, const char *v, size_t vlen) {
    struct hash_field *hf = mem_alloc(sizeof *hf + flen + vlen);
    hf->flen = flen;
    hf->vlen = vlen;
    if (flen) memcpy(hf->data, f, flen);
    if (vlen) memcpy(hf->data + flen, v, vlen);
    return hf;
}

hash_value *hash_new(void) {
    hash_value *h = mem_alloc(sizeof *h);
    h->pl = pl_new();
    dict_init(&h->table, &field_type);
    return h;
}

hash_value *hash_from_packed(packlist *pl) {
    hash_value *h = hash_new();
    pl_free(h->pl);
    h->pl = pl;
    return h;
}

static void free_field(dict_node *n, void *ctx) {
    (void)ctx;
    mem_free(n);
}

void hash_free(hash_value *h) {
    if (h->pl) {
        pl_free(h->pl);
    } else {
        dict_release(&h->table, free_field, NULL);
    }
    mem_free(h);
}

hash_value *hash_dup(const hash_value *h) {
    hash_value *n = mem_alloc(sizeof *n);
    dict_init(&n->table, &field_type);
    if (h->pl) {
        n->pl = pl_dup(h->pl);
        return n;
    }
    n->pl = NULL;
    hash_iter it;
    const char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, (hash_value *)h);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen))
        dict_add(&n->table, &field_new(f, flen, v, vlen)->node);
    hash_iter_done(&it);
    return n;
}

size_t hash_count(const hash_value *h) { return h->pl ? h->pl->count / 2 : dict_size(&h->table); }

static void add_field_bytes(dict_node *n, void *ctx) { *(size_t *)ctx += mem_usable(n); }

size_t hash_bytes(const hash_value *h) {
    size_t total = mem_usable(h);
    if (h->pl) return total + pl_bytes(h->pl);
    dict_foreach((dict *)&h->table, add_field_bytes, &total);
    return total + dict_bytes(&h->table);
}

int hash_get(hash_value *h, const char *f, size_t flen, const char **v, size_t *vlen) {
    if (h->pl) {
        size_t off = pl_find(h->pl, 0, f, flen, 2);
        if (off == h->pl->used) return 0;
        *v = pl_get(h->pl, pl_next(h->pl, off), vlen);
        return 1;
    }
    struct hash_field *hf = (struct hash_field *)dict_find(&h->table, f, flen);
    if (!hf) return 0;
    *v = hf->data + hf->flen;
    *vlen = hf->vlen;
    return 1;
}

static void convert_to_table(hash_value *h) {
    packlist *pl = h->pl;
    for (size_t off = 0; off < pl->used;) {
        size_t flen, vlen;
        const char *f = pl_get(pl, off, &flen);
        off = pl_next(pl, off);
        const char *v = pl_get(pl, off, &vlen);
        off = pl_next(pl, off);
        dict_add(&h->table, &field_new(f, flen, v, vlen)->node);
    }
    pl_free(pl);
    h->pl = NULL;
}

int hash_set(hash_value *h, const char *f, size_t flen, const char *v, size_t vlen,
             const struct packed_limits *lim) {
    if (h->pl && (flen > lim->max_value || vlen > lim->max_value)) convert_to_table(h);
    if (h->pl) {
        size_t off = pl_find(h->pl, 0, f, flen, 2);
        if (off < h->pl->used) {
            h->pl = pl_replace(h->pl, pl_next(h->pl, off), v, vlen);
            return 0;
        }
        h->pl = pl_append(h->pl, f, flen);
        h->pl = pl_append(h->pl, v, vlen);
        if (hash_count(h) > lim->max_entries) convert_to_table(h);
        return 1;
    }
    struct hash_field *old = (struct hash_field *)dict_find(&h->table, f, flen);
    struct hash_field *hf = field_new(f, flen, v, vlen);
    if (!old) {
        dict_add(&h->table, &hf->node);
        return 1;
    }
    dict_replace(&h->table, &old->node, &hf->node);
    mem_free(old);
    return 0;
}

int hash_delete(hash_value *h, const char *f, size_t flen) {
    if (h->pl) {
        size_t off = pl_find(h->pl, 0, f, flen, 2);
        if (off == h->pl->used) return 0;
        h->pl = pl_delete(h->pl, off, 2);
        return 1;
    }
    dict_node *n = dict_remove(&h->table, f, flen);
    if (!n) return 0;
    mem_free(n);
    dict_maybe_shrink(&h->table);
    return 1;
}

void hash_iter_init(hash_iter *it, hash_value *h) {
    it->h = h;
    it->off = 0;
    if (!h->pl) dict_iter_init(&it->di, &h->table);
}

int hash_iter_next(hash_iter *it, const char **f, size_t *flen, const char **v, size_t *vlen) {
    packlist *pl = it->h->pl;
    if (pl) {
        if (it->off >= pl->used) return 0;
        *f = pl_get(pl, it->off, flen);
        it->off = pl_next(pl, it->off);
        *v = pl_get(pl, it->off, vlen);
        it->off = pl_next(pl, it->off);
        return 1;
    }
    struct hash_field *hf = (struct hash_field *)dict_iter_next(&it->di);
    if (!hf) return 0;
    *f = hf->data;
    *flen = hf->flen;
    *v = hf->data + hf->flen;
    *vlen = hf->vlen;
    return 1;
}

void hash_iter_done(hash_iter *it) {
    if (!it->h->pl) dict_iter_done(&it->di);
}

void hash_random(hash_value *h, const char **f, size_t *flen, const char **v, size_t *vlen) {
    if (h->pl) {
        size_t off = pl_offset_of(h->pl, 2 * ((size_t)random() % hash_count(h)));
        *f = pl_get(h->pl, off, flen);
        *v = pl_get(h->pl, pl_next(h->pl, off), vlen);
        return;
    }
    struct hash_field *hf = (struct hash_field *)dict_fair_random(&h->table);
    *f = hf->data;
    *flen = hf->flen;
    *v = hf->data + hf->flen;
    *vlen = hf->vlen;
}
