#include "features/tracking.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "dict.h"
#include "features/pubsub.h"
#include "mem.h"
#include "scripting/scripting.h"

#define OPT_BCAST (1u << 0)
#define OPT_OPTIN (1u << 1)
#define OPT_OPTOUT (1u << 2)
#define OPT_NOLOOP (1u << 3)

struct prefix;

struct tracking_state {
    unsigned options;
    int caching;       /* CLIENT CACHING yes (OPTIN) or no (OPTOUT), for the next command */
    int broken;        /* the client it redirects to is gone */
    uint64_t redirect; /* 0: none */
    struct prefix **prefixes; /* BCAST: the prefixes it listens to */
    size_t nprefixes;
};

/* A key some tracking clients read, and their IDs (a client that left stays until the key
 * changes, as in Redis: removing it from every key on disconnect would cost too much). */
struct tracked_key {
    dict_node node;
    uint64_t *ids;
    size_t n, cap;
    size_t len;
    char name[];
};

/* A key changed since the loop last slept, under a BCAST prefix; `by` changed it last. */
struct changed_key {
    dict_node node;
    const client *by;
    size_t len;
    char name[];
};

/* A BCAST prefix ("" is every key), the clients listening to it and the keys changed. */
struct prefix {
    client **clients;
    size_t n, cap;
    dict changed;
    size_t len;
    char name[];
};

static void tracked_key_key(const dict_node *n, const char **key, size_t *len) {
    const struct tracked_key *t = (const struct tracked_key *)n;
    *key = t->name;
    *len = t->len;
}

static void changed_key_key(const dict_node *n, const char **key, size_t *len) {
    const struct changed_key *k = (const struct changed_key *)n;
    *key = k->name;
    *len = k->len;
}

static const dict_type tracked_key_type = {tracked_key_key, NULL};
static const dict_type changed_key_type = {changed_key_key, NULL};

static struct {
    dict table; /* struct tracked_key by name */
    size_t items; /* IDs across the table */
    struct prefix **prefixes; /* sorted by name, as Redis's radix tree walks them */
    size_t nprefixes;
    size_t clients;
} T;

static const char invalidate_header[] = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";

int tracking_active(void) { return T.clients > 0 || dict_size(&T.table) > 0; }

size_t tracking_clients(void) { return T.clients; }
size_t tracking_total_keys(void) { return dict_size(&T.table); }
size_t tracking_total_items(void) { return T.items; }
size_t tracking_total_prefixes(void) { return T.nprefixes; }

/* The client on whose behalf commands run now: a script's caller rather than the client
 * scripts run their commands as. NOLOOP compares with it. */
static const client *acting_client(void) {
    const client *c = server.current;
    if (c && (c->flags & CLIENT_SCRIPT)) c = scripting_caller();
    return c;
}

/* ---- Sending ---- */

/* payload: the RESP of the message's value (an array of keys, or nil). Over RESP2 only a
 * redirection that is in Pub/Sub mode can carry it. */
static void send_invalidation(client *c, const char *payload, size_t len) {
    struct tracking_state *t = c->tracking;
    if (!t->redirect) return;
    client *to = client_by_id(t->redirect);
    if (!to) {
        t->broken = 1;
        return;
    }
    if (!pubsub_count(to) || (to->flags & CLIENT_CLOSE_ASAP)) return;
    buf_append(&to->reply, invalidate_header, sizeof invalidate_header - 1);
    buf_append(&to->reply, payload, len);
    client_queue_reply(to);
    client_check_output_limit(to);
    client_memory_update(to);
}

static void free_tracked_key(dict_node *n, void *ctx) {
    (void)ctx;
    struct tracked_key *t = (struct tracked_key *)n;
    mem_free(t->ids);
    mem_free(t);
}

/* ---- Prefixes (BCAST) ---- */

static int name_compare(const char *a, size_t alen, const char *b, size_t blen) {
    int r = memcmp(a, b, alen < blen ? alen : blen);
    return r ? r : (alen > blen) - (alen < blen);
}

static size_t prefix_position(const char *name, size_t len, int *found) {
    size_t lo = 0, hi = T.nprefixes;
    *found = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = name_compare(T.prefixes[mid]->name, T.prefixes[mid]->len, name, len);
        if (r == 0) {
            *found = 1;
            return mid;
        }
        if (r < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void free_changed_key(dict_node *n, void *ctx) {
    (void)ctx;
    mem_free(n);
}

static void listen_to_prefix(client *c, const char *name, size_t len) {
    int found;
    size_t pos = prefix_position(name, len, &found);
    struct prefix *p;
    if (found) {
        p = T.prefixes[pos];
    } else {
        p = mem_calloc(1, sizeof *p + len + 1);
        memcpy(p->name, name, len);
        p->len = len;
        dict_init(&p->changed, &changed_key_type);
        T.prefixes = mem_realloc(T.prefixes, (T.nprefixes + 1) * sizeof *T.prefixes);
        memmove(T.prefixes + pos + 1, T.prefixes + pos, (T.nprefixes - pos) * sizeof *T.prefixes);
        T.prefixes[pos] = p;
        T.nprefixes++;
    }
    for (size_t i = 0; i < p->n; i++)
        if (p->clients[i] == c) return;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 4;
        p->clients = mem_realloc(p->clients, p->cap * sizeof *p->clients);
    }
    p->clients[p->n++] = c;
    struct tracking_state *t = c->tracking;
    t->prefixes = mem_realloc(t->prefixes, (t->nprefixes + 1) * sizeof *t->prefixes);
    t->prefixes[t->nprefixes++] = p;
}

static void stop_listening(client *c, struct prefix *p) {
    for (size_t i = 0; i < p->n; i++) {
        if (p->clients[i] == c) {
            memmove(p->clients + i, p->clients + i + 1, (p->n - i - 1) * sizeof *p->clients);
            p->n--;
            break;
        }
    }
    if (p->n) return;
    int found;
    size_t pos = prefix_position(p->name, p->len, &found);
    memmove(T.prefixes + pos, T.prefixes + pos + 1, (T.nprefixes - pos - 1) * sizeof *T.prefixes);
    T.nprefixes--;
    dict_release(&p->changed, free_changed_key, NULL);
    mem_free(p->clients);
    mem_free(p);
}

static void remember_for_broadcast(const char *key, size_t len) {
    const client *by = acting_client();
    for (size_t i = 0; i < T.nprefixes; i++) {
        struct prefix *p = T.prefixes[i];
        if (p->len > len || memcmp(p->name, key, p->len) != 0) continue;
        struct changed_key *k = (struct changed_key *)dict_find(&p->changed, key, len);
        if (!k) {
            k = mem_alloc(sizeof *k + len);
            memcpy(k->name, key, len);
            k->len = len;
            dict_add(&p->changed, &k->node);
        }
        k->by = by;
    }
}

static int changed_order(const void *a, const void *b) {
    const struct changed_key *x = *(struct changed_key *const *)a, *y = *(struct changed_key *const *)b;
    return name_compare(x->name, x->len, y->name, y->len);
}

/* The array of the changed keys, in name order, leaving out those `skip` changed last. */
static size_t build_keys(buf_t *out, struct changed_key **keys, size_t n, const client *skip) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += !skip || keys[i]->by != skip;
    out->len = 0;
    resp_add_array(out, (long long)count);
    for (size_t i = 0; i < n; i++)
        if (!skip || keys[i]->by != skip) resp_add_bulk(out, keys[i]->name, keys[i]->len);
    return count;
}

static void broadcast(struct prefix *p) {
    size_t n = 0;
    struct changed_key **keys = mem_alloc(dict_size(&p->changed) * sizeof *keys);
    dict_iter it;
    dict_iter_init(&it, &p->changed);
    for (dict_node *node; (node = dict_iter_next(&it));) keys[n++] = (struct changed_key *)node;
    dict_iter_done(&it);
    qsort(keys, n, sizeof *keys, changed_order);
    buf_t all, own;
    buf_init(&all);
    buf_init(&own);
    build_keys(&all, keys, n, NULL);
    for (size_t i = 0; i < p->n; i++) {
        client *c = p->clients[i];
        if (!(c->tracking->options & OPT_NOLOOP)) {
            send_invalidation(c, all.data, all.len);
        } else if (build_keys(&own, keys, n, c) > 0) {
            send_invalidation(c, own.data, own.len);
        }
    }
    buf_free(&all);
    buf_free(&own);
    mem_free(keys);
    dict_release(&p->changed, free_changed_key, NULL);
    dict_init(&p->changed, &changed_key_type);
}

/* ---- Remembering and invalidating ---- */

static void remember_one(const resp_arg *key, void *ctx) {
    const client *c = ctx;
    if (!T.table.type) dict_init(&T.table, &tracked_key_type);
    struct tracked_key *t = (struct tracked_key *)dict_find(&T.table, key->ptr, key->len);
    if (!t) {
        t = mem_calloc(1, sizeof *t + key->len);
        memcpy(t->name, key->ptr, key->len);
        t->len = key->len;
        dict_add(&T.table, &t->node);
    }
    for (size_t i = t->n; i-- > 0;)
        if (t->ids[i] == c->id) return;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 2;
        t->ids = mem_realloc(t->ids, t->cap * sizeof *t->ids);
    }
    t->ids[t->n++] = c->id;
    T.items++;
}

void tracking_remember_keys(client *c, const struct command *cmd, const resp_arg *argv, size_t argc) {
    struct tracking_state *t = c->tracking;
    if (!t || (t->options & OPT_BCAST) || (cmd->flags & CMD_PUBSUB)) return;
    if (((t->options & OPT_OPTIN) && !t->caching) || ((t->options & OPT_OPTOUT) && t->caching)) return;
    command_foreach_key(cmd, argv, argc, remember_one, c);
}

void tracking_command_done(client *c, const struct command *cmd) {
    if (c->tracking && !(c->flags & CLIENT_MULTI) &&
        !(cmd && cmd->parent && strcmp(cmd->parent->name, "client") == 0))
        c->tracking->caching = 0;
}

/* Tells the clients that read the key; bcast: also the BCAST listeners of its prefixes (not
 * when the table only drops the key to stay under its size). */
static void invalidate(const char *key, size_t len, int bcast) {
    if (bcast && T.nprefixes) remember_for_broadcast(key, len);
    if (!T.table.type) return;
    struct tracked_key *t = (struct tracked_key *)dict_remove(&T.table, key, len);
    if (!t) return;
    buf_t payload;
    buf_init(&payload);
    resp_add_array(&payload, 1);
    resp_add_bulk(&payload, key, len);
    const client *acting = acting_client();
    for (size_t i = 0; i < t->n; i++) {
        client *target = client_by_id(t->ids[i]);
        /* Gone, tracking off, or since switched to BCAST: nothing to tell. */
        if (!target || !target->tracking || (target->tracking->options & OPT_BCAST)) continue;
        if ((target->tracking->options & OPT_NOLOOP) && target == acting) continue;
        send_invalidation(target, payload.data, payload.len);
    }
    buf_free(&payload);
    T.items -= t->n;
    free_tracked_key(&t->node, NULL);
}

void tracking_invalidate_key(const char *key, size_t len) {
    if (tracking_active()) invalidate(key, len, 1);
}

void tracking_invalidate_all(void) {
    if (!tracking_active()) return;
    static const char nil[] = "$-1\r\n";
    for (client *c = server.clients; c; c = c->next)
        if (c->tracking) send_invalidation(c, nil, sizeof nil - 1);
    if (T.table.type) {
        dict_release(&T.table, free_tracked_key, NULL);
        dict_init(&T.table, &tracked_key_type);
    }
    T.items = 0;
}

/* Redis's trackingLimitUsedSlots: over the limit, drop random keys (telling their readers),
 * with more effort each time the table is still over it. */
static void limit_table(void) {
    static unsigned over_runs;
    size_t max = (size_t)server.cfg.tracking_table_max_keys;
    if (!max || !T.table.type || dict_size(&T.table) <= max) {
        over_runs = 0;
        return;
    }
    for (long effort = 100L * (over_runs + 1); effort > 0; effort--) {
        const struct tracked_key *t = (const struct tracked_key *)dict_random(&T.table);
        if (!t) break;
        char small[256];
        size_t len = t->len;
        char *key = len <= sizeof small ? small : mem_alloc(len);
        memcpy(key, t->name, len);
        invalidate(key, len, 0);
        if (key != small) mem_free(key);
        if (dict_size(&T.table) <= max) {
            over_runs = 0;
            return;
        }
    }
    over_runs++;
}

void tracking_before_sleep(void) {
    if (!T.clients) return;
    for (size_t i = 0; i < T.nprefixes; i++)
        if (dict_size(&T.prefixes[i]->changed)) broadcast(T.prefixes[i]);
    limit_table();
}

/* ---- Per client ---- */

void tracking_forget(client *c) {
    struct tracking_state *t = c->tracking;
    if (!t) return;
    for (size_t i = 0; i < t->nprefixes; i++) stop_listening(c, t->prefixes[i]);
    mem_free(t->prefixes);
    mem_free(t);
    c->tracking = NULL;
    T.clients--;
}

char *tracking_flag_letters(const client *c, char *p) {
    if (!c->tracking) return p;
    *p++ = 't';
    if (c->tracking->broken) *p++ = 'R';
    if (c->tracking->options & OPT_BCAST) *p++ = 'B';
    return p;
}

long long tracking_redirect(const client *c) {
    return c->tracking ? (long long)c->tracking->redirect : -1;
}

/* ---- CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO ---- */

/* Two prefixes overlap when one starts the other: a key could match both. */
static int overlap(const char *a, size_t alen, const char *b, size_t blen) {
    return memcmp(a, b, alen < blen ? alen : blen) == 0;
}

static int prefixes_collide(client *c, const resp_arg **prefixes, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const resp_arg *a = prefixes[i];
        for (size_t k = 0; c->tracking && k < c->tracking->nprefixes; k++) {
            const struct prefix *p = c->tracking->prefixes[k];
            if (overlap(p->name, p->len, a->ptr, a->len)) {
                reply_errorf(c, "Prefix '%.*s' overlaps with an existing prefix '%.*s'. Prefixes "
                                "for a single client must not overlap.",
                             (int)a->len, a->ptr, (int)p->len, p->name);
                return 1;
            }
        }
        for (size_t j = i + 1; j < n; j++) {
            const resp_arg *b = prefixes[j];
            if (overlap(a->ptr, a->len, b->ptr, b->len)) {
                reply_errorf(c, "Prefix '%.*s' overlaps with another provided prefix '%.*s'. "
                                "Prefixes for a single client must not overlap.",
                             (int)a->len, a->ptr, (int)b->len, b->ptr);
                return 1;
            }
        }
    }
    return 0;
}

/* Redis's checks, in its order; 0 when tracking may be turned on with these options. */
static int options_refused(client *c, unsigned options, size_t nprefixes) {
    const struct tracking_state *t = c->tracking;
    const char *err = NULL;
    if (!(options & OPT_BCAST) && nprefixes)
        err = "PREFIX option requires BCAST mode to be enabled";
    else if (t && !(t->options & OPT_BCAST) != !(options & OPT_BCAST))
        err = "You can't switch BCAST mode on/off before disabling tracking for this client, and "
              "then re-enabling it with a different mode.";
    else if ((options & OPT_BCAST) && (options & (OPT_OPTIN | OPT_OPTOUT)))
        err = "OPTIN and OPTOUT are not compatible with BCAST";
    else if ((options & OPT_OPTIN) && (options & OPT_OPTOUT))
        err = "You can't specify both OPTIN mode and OPTOUT mode";
    else if (t && (((options & OPT_OPTIN) && (t->options & OPT_OPTOUT)) ||
                   ((options & OPT_OPTOUT) && (t->options & OPT_OPTIN))))
        err = "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
              "then re-enabling it with a different mode.";
    if (err) reply_error(c, err);
    return err != NULL;
}

/* CLIENT TRACKING on|off [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
void cmd_client_tracking(client *c) {
    long long redirect = 0;
    unsigned options = 0;
    const resp_arg **prefixes = mem_alloc(c->argc * sizeof *prefixes);
    size_t nprefixes = 0;
    for (size_t j = 3; j < c->argc; j++) {
        const resp_arg *a = &c->argv[j];
        int more = j + 1 < c->argc;
        if (arg_is(a, "redirect") && more) {
            if (redirect != 0) {
                reply_error(c, "A client can only redirect to a single other client");
                goto done;
            }
            if (arg_ll(c, &c->argv[++j], &redirect) != 0) goto done;
            /* It must exist now, although it may go later. */
            if (!client_by_id((uint64_t)redirect)) {
                reply_error(c, "The client ID you want redirect to does not exist");
                goto done;
            }
        } else if (arg_is(a, "bcast")) {
            options |= OPT_BCAST;
        } else if (arg_is(a, "optin")) {
            options |= OPT_OPTIN;
        } else if (arg_is(a, "optout")) {
            options |= OPT_OPTOUT;
        } else if (arg_is(a, "noloop")) {
            options |= OPT_NOLOOP;
        } else if (arg_is(a, "prefix") && more) {
            prefixes[nprefixes++] = &c->argv[++j];
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
    }
    if (arg_is(&c->argv[2], "on")) {
        if (options_refused(c, options, nprefixes)) goto done;
        if ((options & OPT_BCAST) && prefixes_collide(c, prefixes, nprefixes)) goto done;
        if (!c->tracking) {
            c->tracking = mem_calloc(1, sizeof *c->tracking);
            T.clients++;
        }
        struct tracking_state *t = c->tracking;
        t->options = options & (OPT_BCAST | OPT_OPTIN | OPT_OPTOUT | OPT_NOLOOP);
        t->broken = 0;
        t->redirect = (uint64_t)redirect;
        if ((options & OPT_BCAST) && nprefixes == 0) listen_to_prefix(c, "", 0);
        for (size_t i = 0; i < nprefixes; i++) listen_to_prefix(c, prefixes[i]->ptr, prefixes[i]->len);
    } else if (arg_is(&c->argv[2], "off")) {
        tracking_forget(c);
    } else {
        reply_error(c, ERR_SYNTAX);
        goto done;
    }
    reply_ok(c);
done:
    mem_free(prefixes);
}

void cmd_client_caching(client *c) {
    struct tracking_state *t = c->tracking;
    if (!t) {
        reply_error(c, "CLIENT CACHING can be called only when the client is in tracking mode "
                       "with OPTIN or OPTOUT mode enabled");
        return;
    }
    if (arg_is(&c->argv[2], "yes")) {
        if (!(t->options & OPT_OPTIN)) {
            reply_error(c, "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            return;
        }
    } else if (arg_is(&c->argv[2], "no")) {
        if (!(t->options & OPT_OPTOUT)) {
            reply_error(c, "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            return;
        }
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    t->caching = 1;
    reply_ok(c);
}

void cmd_client_getredir(client *c) { reply_int(c, tracking_redirect(c)); }

void cmd_client_trackinginfo(client *c) {
    const struct tracking_state *t = c->tracking;
    const char *flags[8];
    size_t n = 0;
    flags[n++] = t ? "on" : "off";
    if (t && (t->options & OPT_BCAST)) flags[n++] = "bcast";
    if (t && (t->options & OPT_OPTIN)) {
        flags[n++] = "optin";
        if (t->caching) flags[n++] = "caching-yes";
    }
    if (t && (t->options & OPT_OPTOUT)) {
        flags[n++] = "optout";
        if (t->caching) flags[n++] = "caching-no";
    }
    if (t && (t->options & OPT_NOLOOP)) flags[n++] = "noloop";
    if (t && t->broken) flags[n++] = "broken_redirect";
    reply_array(c, 6);
    reply_bulk_cstr(c, "flags");
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) reply_bulk_cstr(c, flags[i]);
    reply_bulk_cstr(c, "redirect");
    reply_int(c, tracking_redirect(c));
    reply_bulk_cstr(c, "prefixes");
    /* In name order, as Redis's radix tree gives them. */
    size_t np = t ? t->nprefixes : 0;
    const struct prefix **sorted = mem_alloc((np + 1) * sizeof *sorted);
    for (size_t i = 0; i < np; i++) sorted[i] = t->prefixes[i];
    for (size_t i = 1; i < np; i++)
        for (size_t k = i; k > 0 && name_compare(sorted[k - 1]->name, sorted[k - 1]->len, sorted[k]->name, sorted[k]->len) > 0; k--) {
            const struct prefix *tmp = sorted[k];
            sorted[k] = sorted[k - 1];
            sorted[k - 1] = tmp;
        }
    reply_array(c, (long long)np);
    for (size_t i = 0; i < np; i++) reply_bulk(c, sorted[i]->name, sorted[i]->len);
    mem_free(sorted);
}
