#include "values/set_value.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static void member_key(const dict_node *n, const char **key, size_t *len) {
    const struct set_member *sm = (const struct set_member *)n;
    *key = sm->data;
    *len = sm->len;
}

static const dict_type member_type = {member_key};

static struct set_member *member_new(const char *m, size_t len) {
    struct set_member *sm = mem_alloc(sizeof *sm + len);
    sm->len = len;
    if (len) memcpy(sm->data, m, len);
    return sm;
}

static void member_free(dict_node *n, void *ctx) {
    (void)ctx;
    mem_free(n);
}

set_value *set_new(void) {
    set_value *s = mem_alloc(sizeof *s);
    s->enc = SET_INTSET;
    s->is = intset_new();
    s->pl = NULL;
    dict_init(&s->table, &member_type);
    return s;
}

set_value *set_from_intset(intset *is) {
    set_value *s = set_new();
    intset_free(s->is);
    s->is = is;
    return s;
}

void set_free(set_value *s) {
    if (s->enc == SET_INTSET) intset_free(s->is);
    if (s->enc == SET_PACKED) pl_free(s->pl);
    if (s->enc == SET_TABLE) dict_release(&s->table, member_free, NULL);
    mem_free(s);
}

set_value *set_dup(const set_value *s) {
    set_value *n = mem_alloc(sizeof *n);
    *n = *s;
    dict_init(&n->table, &member_type);
    if (s->enc == SET_INTSET) n->is = intset_dup(s->is);
    if (s->enc == SET_PACKED) n->pl = pl_dup(s->pl);
    if (s->enc == SET_TABLE) {
        set_iter it;
        const char *m;
        size_t len;
        set_iter_init(&it, (set_value *)s);
        while (set_iter_next(&it, &m, &len)) dict_add(&n->table, &member_new(m, len)->node);
        set_iter_done(&it);
    }
    return n;
}

size_t set_count(const set_value *s) {
    if (s->enc == SET_INTSET) return s->is->count;
    if (s->enc == SET_PACKED) return s->pl->count;
    return dict_size(&s->table);
}

static void add_member_bytes(dict_node *n, void *ctx) { *(size_t *)ctx += mem_usable(n); }

size_t set_bytes(const set_value *s) {
    size_t total = mem_usable(s);
    if (s->enc == SET_INTSET) return total + intset_bytes(s->is);
    if (s->enc == SET_PACKED) return total + pl_bytes(s->pl);
    dict_foreach((dict *)&s->table, add_member_bytes, &total);
    return total + dict_bytes(&s->table);
}

int set_contains(set_value *s, const char *m, size_t len) {
    long long v;
    size_t index;
    if (s->enc == SET_INTSET)
        return str_to_ll(m, len, &v) == 0 && intset_find(s->is, v, &index);
    if (s->enc == SET_PACKED) return pl_find(s->pl, 0, m, len, 1) < s->pl->used;
    return dict_find(&s->table, m, len) != NULL;
}

static void convert(set_value *s, enum set_encoding to) {
    set_value old = *s;
    set_iter it;
    const char *m;
    size_t len;
    if (to == SET_PACKED) s->pl = pl_new();
    s->enc = to;
    set_iter_init(&it, &old);
    while (set_iter_next(&it, &m, &len)) {
        if (to == SET_PACKED) {
            s->pl = pl_append(s->pl, m, len);
        } else {
            dict_add(&s->table, &member_new(m, len)->node);
        }
    }
    set_iter_done(&it);
    if (old.enc == SET_INTSET) intset_free(old.is);
    if (old.enc == SET_PACKED) pl_free(old.pl);
}

int set_add(set_value *s, const char *m, size_t len, const struct set_limits *lim) {
    long long v;
    if (s->enc == SET_INTSET) {
        if (str_to_ll(m, len, &v) == 0) {
            int added;
            s->is = intset_add(s->is, v, &added);
            if (added && s->is->count > lim->max_intset_entries) convert(s, SET_TABLE);
            return added;
        }
        /* A first non-integer member: packed if the set stays small, else a table. */
        int fits = s->is->count + 1 <= lim->max_packed_entries && len <= lim->max_packed_value;
        convert(s, fits ? SET_PACKED : SET_TABLE);
    }
    if (s->enc == SET_PACKED) {
        if (pl_find(s->pl, 0, m, len, 1) < s->pl->used) return 0;
        if (s->pl->count + 1 <= lim->max_packed_entries && len <= lim->max_packed_value) {
            s->pl = pl_append(s->pl, m, len);
            return 1;
        }
        convert(s, SET_TABLE);
    }
    if (dict_find(&s->table, m, len)) return 0;
    dict_add(&s->table, &member_new(m, len)->node);
    return 1;
}

int set_remove(set_value *s, const char *m, size_t len) {
    if (s->enc == SET_INTSET) {
        long long v;
        int removed = 0;
        if (str_to_ll(m, len, &v) == 0) s->is = intset_remove(s->is, v, &removed);
        return removed;
    }
    if (s->enc == SET_PACKED) {
        size_t off = pl_find(s->pl, 0, m, len, 1);
        if (off == s->pl->used) return 0;
        s->pl = pl_delete(s->pl, off, 1);
        return 1;
    }
    dict_node *n = dict_remove(&s->table, m, len);
    if (!n) return 0;
    mem_free(n);
    dict_maybe_shrink(&s->table);
    return 1;
}

void set_iter_init(set_iter *it, set_value *s) {
    it->s = s;
    it->pos = 0;
    if (s->enc == SET_TABLE) dict_iter_init(&it->di, &s->table);
}

int set_iter_next(set_iter *it, const char **m, size_t *len) {
    set_value *s = it->s;
    if (s->enc == SET_INTSET) {
        if (it->pos >= s->is->count) return 0;
        *len = ll_to_str(it->num, intset_get(s->is, it->pos++));
        *m = it->num;
        return 1;
    }
    if (s->enc == SET_PACKED) {
        if (it->pos >= s->pl->used) return 0;
        *m = pl_get(s->pl, it->pos, len);
        it->pos = pl_next(s->pl, it->pos);
        return 1;
    }
    struct set_member *sm = (struct set_member *)dict_iter_next(&it->di);
    if (!sm) return 0;
    *m = sm->data;
    *len = sm->len;
    return 1;
}

void set_iter_done(set_iter *it) {
    if (it->s->enc == SET_TABLE) dict_iter_done(&it->di);
}

void set_random(set_value *s, char num[LL_STR_SIZE], const char **m, size_t *len) {
    if (s->enc == SET_INTSET) {
        *len = ll_to_str(num, intset_get(s->is, (size_t)random() % s->is->count));
        *m = num;
    } else if (s->enc == SET_PACKED) {
        *m = pl_get(s->pl, pl_offset_of(s->pl, (size_t)random() % s->pl->count), len);
    } else {
        struct set_member *sm = (struct set_member *)dict_fair_random(&s->table);
        *m = sm->data;
        *len = sm->len;
    }
}

static void pick_copy(struct set_pick *p, const char *m, size_t len) {
    p->ptr = mem_alloc(len ? len : 1);
    if (len) memcpy(p->ptr, m, len);
    p->len = len;
}

struct set_pick *set_random_distinct(set_value *s, size_t count) {
    struct set_pick *picks = mem_alloc((count ? count : 1) * sizeof *picks);
    if (s->enc == SET_TABLE) {
        dict_node **nodes = mem_alloc((count ? count : 1) * sizeof *nodes);
        dict_random_distinct(&s->table, count, nodes);
        for (size_t i = 0; i < count; i++) {
            struct set_member *sm = (struct set_member *)nodes[i];
            pick_copy(&picks[i], sm->data, sm->len);
        }
        mem_free(nodes);
        return picks;
    }
    size_t *indices = mem_alloc((count ? count : 1) * sizeof *indices);
    pl_sample_indices(set_count(s), count, indices);
    set_iter it;
    const char *m;
    size_t len, index = 0;
    set_iter_init(&it, s);
    for (size_t i = 0; i < count && set_iter_next(&it, &m, &len); index++)
        if (index == indices[i]) pick_copy(&picks[i++], m, len);
    set_iter_done(&it);
    mem_free(indices);
    return picks;
}
