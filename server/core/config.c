#include "core/config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/server.h"
#include "glob.h"
#include "mem.h"
#include "numconv.h"
#include "resp.h"

enum setting_type {
    T_BOOL,
    T_INT,      /* int field */
    T_LONGLONG, /* long long field, plain integer */
    T_MEMORY,   /* long long field, with optional units */
    T_STRING,
    T_ENUM, /* int field: the index of the value in the row's names */
    T_SAVE,
    T_OUTPUT_LIMITS
};

#define IMMUTABLE 1u /* start-up only */
#define PROTECTED 2u /* CONFIG SET only as enable-protected-configs allows */

struct setting {
    const char *name;
    enum setting_type type;
    unsigned flags;
    size_t offset;
    long long min, max;
    const char *default_value;
    const char *const *names; /* T_ENUM: the values, NULL-terminated, in the field's order */
};

/* The orders match enum log_level, enum enable_value and enum maxmemory_policy. */
static const char *const loglevels[] = {"debug", "verbose", "notice", "warning", NULL};
static const char *const enable_values[] = {"no", "yes", "local", NULL};
static const char *const maxmemory_policies[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
    "allkeys-lfu",  "allkeys-random", "noeviction", NULL};

#define FIELD(f) offsetof(struct config, f)
#define LLMAX 9223372036854775807LL

static const struct setting settings[] = {
    {"bind", T_STRING, 0, FIELD(bind), 0, 0, "127.0.0.1"},
    {"port", T_INT, 0, FIELD(port), 0, 65535, "6379"},
    {"memcached-port", T_INT, IMMUTABLE, FIELD(memcached_port), 0, 65535, "0"},
    {"memcached-max-item-size", T_MEMORY, 0, FIELD(memcached_max_item_size), 1024, 1024 * 1024 * 1024, "1mb"},
    {"protected-mode", T_BOOL, 0, FIELD(protected_mode), 0, 1, "yes"},
    {"tcp-backlog", T_INT, IMMUTABLE, FIELD(tcp_backlog), 0, 2147483647, "511"},
    {"tcp-keepalive", T_INT, 0, FIELD(tcp_keepalive), 0, 2147483647, "300"},
    {"databases", T_INT, IMMUTABLE, FIELD(databases), 1, 2147483647, "16"},
    {"maxclients", T_INT, 0, FIELD(maxclients), 1, 4294967295LL, "10000"},
    {"timeout", T_INT, 0, FIELD(timeout), 0, 2147483647, "0"},
    {"hz", T_INT, 0, FIELD(hz), 0, 2147483647, "10"},
    {"requirepass", T_STRING, 0, FIELD(requirepass), 0, 0, ""},
    {"dir", T_STRING, PROTECTED, FIELD(dir), 0, 0, "./"},
    {"dbfilename", T_STRING, PROTECTED, FIELD(dbfilename), 0, 0, "dump.rdb"},
    {"enable-protected-configs", T_ENUM, IMMUTABLE, FIELD(enable_protected_configs), 0, 0, "no",
     enable_values},
    {"logfile", T_STRING, IMMUTABLE, FIELD(logfile), 0, 0, ""},
    {"loglevel", T_ENUM, 0, FIELD(loglevel), 0, 0, "notice", loglevels},
    {"maxmemory", T_MEMORY, 0, FIELD(maxmemory), 0, LLMAX, "0"},
    {"maxmemory-policy", T_ENUM, 0, FIELD(maxmemory_policy), 0, 0, "noeviction", maxmemory_policies},
    {"maxmemory-samples", T_INT, 0, FIELD(maxmemory_samples), 1, 2147483647, "5"},
    {"maxmemory-eviction-tenacity", T_INT, 0, FIELD(maxmemory_eviction_tenacity), 0, 100, "10"},
    {"lfu-log-factor", T_INT, 0, FIELD(lfu_log_factor), 0, 2147483647, "10"},
    {"lfu-decay-time", T_INT, 0, FIELD(lfu_decay_time), 0, 2147483647, "1"},
    {"save", T_SAVE, 0, FIELD(save), 0, 0, "3600 1 300 100 60 10000"},
    {"stop-writes-on-bgsave-error", T_BOOL, 0, FIELD(stop_writes_on_bgsave_error), 0, 1, "yes"},
    /* Microseconds the snapshot writer sleeps after each key (negative: nanoseconds); a
     * testing aid, as in Redis. */
    {"rdb-key-save-delay", T_INT, 0, FIELD(rdb_key_save_delay), -2147483647LL - 1, 2147483647,
     "0"},
    {"proto-max-bulk-len", T_MEMORY, 0, FIELD(proto_max_bulk_len), 1024 * 1024, LLMAX, "512mb"},
    {"client-query-buffer-limit", T_MEMORY, 0, FIELD(client_query_buffer_limit), 1024 * 1024,
     LLMAX, "1gb"},
    /* lua-time-limit is its old name; CONFIG GET lists both, like Redis. */
    {"busy-reply-threshold", T_LONGLONG, 0, FIELD(busy_reply_threshold), 0, LLMAX, "5000"},
    {"lua-time-limit", T_LONGLONG, 0, FIELD(busy_reply_threshold), 0, LLMAX, "5000"},
    /* The ziplist names are the old ones, still accepted and listed by Redis 7.0. The set
     * listpack settings come from Redis 7.2, whose compact string sets rill has. */
    {"hash-max-listpack-entries", T_LONGLONG, 0, FIELD(hash_max_listpack_entries), 0, LLMAX, "512"},
    {"hash-max-ziplist-entries", T_LONGLONG, 0, FIELD(hash_max_listpack_entries), 0, LLMAX, "512"},
    {"hash-max-listpack-value", T_MEMORY, 0, FIELD(hash_max_listpack_value), 0, LLMAX, "64"},
    {"hash-max-ziplist-value", T_MEMORY, 0, FIELD(hash_max_listpack_value), 0, LLMAX, "64"},
    {"set-max-intset-entries", T_LONGLONG, 0, FIELD(set_max_intset_entries), 0, LLMAX, "512"},
    {"set-max-listpack-entries", T_LONGLONG, 0, FIELD(set_max_listpack_entries), 0, LLMAX, "128"},
    {"set-max-listpack-value", T_MEMORY, 0, FIELD(set_max_listpack_value), 0, LLMAX, "64"},
    {"zset-max-listpack-entries", T_LONGLONG, 0, FIELD(zset_max_listpack_entries), 0, LLMAX, "128"},
    {"zset-max-ziplist-entries", T_LONGLONG, 0, FIELD(zset_max_listpack_entries), 0, LLMAX, "128"},
    {"zset-max-listpack-value", T_MEMORY, 0, FIELD(zset_max_listpack_value), 0, LLMAX, "64"},
    {"zset-max-ziplist-value", T_MEMORY, 0, FIELD(zset_max_listpack_value), 0, LLMAX, "64"},
    {"client-output-buffer-limit", T_OUTPUT_LIMITS, 0, FIELD(output_limits), 0, 0,
     "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60"},
};

#define NSETTINGS (sizeof settings / sizeof settings[0])


static const struct setting *find_setting(const char *name, size_t len) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(settings[i].name) == len && strncasecmp(settings[i].name, name, len) == 0)
            return &settings[i];
    return NULL;
}

const char *config_canonical_name(const char *name, size_t len) {
    const struct setting *s = find_setting(name, len);
    return s ? s->name : NULL;
}

/* Memory values: a number with an optional k, kb, m, mb, g, gb unit (case-insensitive). */
static int parse_memory(const char *v, size_t len, long long *out) {
    static const struct {
        const char *unit;
        long long mul;
    } units[] = {{"kb", 1024},       {"k", 1000},          {"mb", 1024 * 1024},
                 {"m", 1000 * 1000}, {"gb", 1024LL << 20}, {"g", 1000LL * 1000 * 1000}};
    size_t digits = 0;
    while (digits < len && v[digits] >= '0' && v[digits] <= '9') digits++;
    long long mul = 1;
    if (digits < len) {
        size_t ulen = len - digits;
        size_t i;
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].unit) == ulen && strncasecmp(units[i].unit, v + digits, ulen) == 0)
                break;
        if (i == sizeof units / sizeof units[0]) return -1;
        mul = units[i].mul;
    }
    unsigned long long n;
    if (str_to_ull(v, digits, &n) != 0 || n > (unsigned long long)LLMAX / (unsigned long long)mul)
        return -1;
    *out = (long long)n * mul;
    return 0;
}

static int valid_save(const char *v, size_t len) {
    char *copy = mem_alloc(len + 1);
    memcpy(copy, v, len);
    copy[len] = '\0';
    int count = 0, ok = 1;
    for (char *save, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        long long n;
        if (str_to_ll(tok, strlen(tok), &n) != 0 || n < 0) ok = 0;
        count++;
    }
    mem_free(copy);
    return ok && count % 2 == 0;
}

static const char *client_class_names[CLASS_COUNT] = {"normal", "slave", "pubsub"};

/* "<class> <hard> <soft> <seconds>" groups; only the classes named change. All or nothing. */
static int parse_output_limits(struct output_limit *limits, const char *v, size_t len,
                               buf_t *err) {
    struct output_limit next[CLASS_COUNT];
    memcpy(next, limits, sizeof next);
    char *copy = mem_alloc(len + 1);
    memcpy(copy, v, len);
    copy[len] = '\0';
    char *words[64];
    size_t n = 0;
    for (char *save, *tok = strtok_r(copy, " ", &save); tok && n < 64; tok = strtok_r(NULL, " ", &save))
        words[n++] = tok;
    const char *problem = NULL;
    if (n == 0 || n % 4 != 0) problem = "Wrong number of arguments in buffer limit configuration.";
    for (size_t i = 0; !problem && i < n; i += 4) {
        int cls;
        for (cls = 0; cls < CLASS_COUNT; cls++)
            if (strcasecmp(words[i], client_class_names[cls]) == 0) break;
        if (cls == CLASS_COUNT && strcasecmp(words[i], "replica") == 0) cls = CLASS_REPLICA;
        if (cls == CLASS_COUNT) {
            problem = "Invalid client class specified in buffer limit configuration.";
            break;
        }
        long long hard, soft, seconds;
        if (parse_memory(words[i + 1], strlen(words[i + 1]), &hard) != 0 ||
            parse_memory(words[i + 2], strlen(words[i + 2]), &soft) != 0 ||
            str_to_ll(words[i + 3], strlen(words[i + 3]), &seconds) != 0 || seconds < 0) {
            problem = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            break;
        }
        next[cls] = (struct output_limit){hard, soft, seconds};
    }
    mem_free(copy);
    if (problem) {
        buf_append_str(err, problem);
        return -1;
    }
    memcpy(limits, next, sizeof next);
    return 0;
}

static void set_string(char **field, const char *v, size_t len) {
    mem_free(*field);
    *field = mem_alloc(len + 1);
    memcpy(*field, v, len);
    (*field)[len] = '\0';
}

/* Parses and stores one value. Returns 0, or -1 with Redis's reason in err. */
static int apply(struct config *cfg, const struct setting *s, const char *v, size_t len,
                 buf_t *err) {
    char *base = (char *)cfg;
    long long n;
    switch (s->type) {
    case T_BOOL:
        if (len == 3 && strncasecmp(v, "yes", 3) == 0) {
            n = 1;
        } else if (len == 2 && strncasecmp(v, "no", 2) == 0) {
            n = 0;
        } else {
            buf_append_str(err, "argument must be 'yes' or 'no'");
            return -1;
        }
        *(int *)(base + s->offset) = (int)n;
        return 0;
    case T_INT:
    case T_LONGLONG:
    case T_MEMORY:
        if (s->type != T_MEMORY ? str_to_ll(v, len, &n) != 0 : parse_memory(v, len, &n) != 0) {
            buf_append_str(err, s->type != T_MEMORY ? "argument couldn't be parsed into an integer"
                                                    : "argument must be a memory value");
            return -1;
        }
        if (n < s->min || n > s->max) {
            buf_printf(err, "argument must be between %lld and %lld inclusive", s->min, s->max);
            return -1;
        }
        if (s->type != T_INT) {
            *(long long *)(base + s->offset) = n;
        } else {
            /* hz is clamped like Redis does; maxclients above INT_MAX is capped. */
            if (strcmp(s->name, "hz") == 0) n = n < 1 ? 1 : n > 500 ? 500 : n;
            if (n > 2147483647) n = 2147483647;
            *(int *)(base + s->offset) = (int)n;
        }
        return 0;
    case T_STRING:
        /* The snapshot is renamed into dir: a path here would escape it. */
        if (strcmp(s->name, "dbfilename") == 0 && memchr(v, '/', len)) {
            buf_append_str(err, "dbfilename can't be a path, just a filename");
            return -1;
        }
        set_string((char **)(base + s->offset), v, len);
        return 0;
    case T_ENUM:
        for (int i = 0; s->names[i]; i++) {
            if (strlen(s->names[i]) == len && strncasecmp(s->names[i], v, len) == 0) {
                *(int *)(base + s->offset) = i;
                return 0;
            }
        }
        buf_append_str(err, "argument(s) must be one of the following: ");
        for (int i = 0; s->names[i]; i++) buf_printf(err, "%s%s", i ? ", " : "", s->names[i]);
        return -1;
    case T_OUTPUT_LIMITS:
        return parse_output_limits((struct output_limit *)(base + s->offset), v, len, err);
    case T_SAVE:
        if (!valid_save(v, len)) {
            buf_append_str(err, "Invalid save parameters");
            return -1;
        }
        set_string((char **)(base + s->offset), v, len);
        return 0;
    }
    return -1;
}

void config_defaults(struct config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    buf_t err;
    buf_init(&err);
    for (size_t i = 0; i < NSETTINGS; i++)
        apply(cfg, &settings[i], settings[i].default_value, strlen(settings[i].default_value), &err);
    buf_free(&err);
}

/* The value as CONFIG GET shows it. */
static void format_value(const struct setting *s, buf_t *out) {
    const char *base = (const char *)&server.cfg;
    char num[LL_STR_SIZE];
    switch (s->type) {
    case T_BOOL:
        buf_append_str(out, *(const int *)(base + s->offset) ? "yes" : "no");
        break;
    case T_INT:
        buf_append(out, num, ll_to_str(num, *(const int *)(base + s->offset)));
        break;
    case T_LONGLONG:
    case T_MEMORY:
        buf_append(out, num, ll_to_str(num, *(const long long *)(base + s->offset)));
        break;
    case T_ENUM:
        buf_append_str(out, s->names[*(const int *)(base + s->offset)]);
        break;
    case T_OUTPUT_LIMITS: {
        const struct output_limit *l = (const struct output_limit *)(base + s->offset);
        for (int i = 0; i < CLASS_COUNT; i++)
            buf_printf(out, "%s%s %lld %lld %lld", i ? " " : "", client_class_names[i], l[i].hard,
                       l[i].soft, l[i].soft_seconds);
        break;
    }
    case T_STRING:
    case T_SAVE:
        if (strcmp(s->name, "dir") == 0) {
            char cwd[4096];
            buf_append_str(out, getcwd(cwd, sizeof cwd) ? cwd : "");
        } else {
            buf_append_str(out, *(char *const *)(base + s->offset));
        }
        break;
    }
}

void config_value(const char *name, buf_t *out) {
    const struct setting *s = find_setting(name, strlen(name));
    if (s) format_value(s, out);
}

long config_get(const char *pattern, size_t len, buf_t *out, const char **seen, long nseen) {
    long pairs = 0;
    buf_t value;
    buf_init(&value);
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        if (!glob_match(pattern, len, s->name, strlen(s->name), 1)) continue;
        int dup = 0;
        for (long j = 0; j < nseen + pairs && !dup; j++) dup = seen[j] == s->name;
        if (dup) continue;
        seen[nseen + pairs] = s->name;
        value.len = 0;
        format_value(s, &value);
        resp_add_bulk(out, s->name, strlen(s->name));
        resp_add_bulk(out, value.data ? value.data : "", value.len);
        pairs++;
    }
    buf_free(&value);
    return pairs;
}

int config_set(const char *name, size_t nlen, const char *value, size_t vlen, int local_client,
               buf_t *err) {
    const struct setting *s = find_setting(name, nlen);
    if (!s) return -1;
    if (s->flags & IMMUTABLE) {
        buf_append_str(err, "can't set immutable config");
        return -1;
    }
    int protected_allowed = server.cfg.enable_protected_configs == ENABLE_YES ||
                            (server.cfg.enable_protected_configs == ENABLE_LOCAL && local_client);
    if ((s->flags & PROTECTED) && !protected_allowed) {
        buf_append_str(err, "can't set protected config");
        return -1;
    }
    return apply(&server.cfg, s, value, vlen, err);
}

/* One config-file or command-line directive: name and its arguments. */
static int apply_directive(struct config *cfg, resp_arg *argv, size_t argc, int *save_reset,
                           buf_t *err) {
    const struct setting *s = find_setting(argv[0].ptr, argv[0].len);
    if (!s || argc < 2 ||
        (argc > 2 && s->type != T_SAVE && s->type != T_OUTPUT_LIMITS && strcmp(s->name, "bind") != 0)) {
        buf_append_str(err, "Bad directive or wrong number of arguments");
        return -1;
    }
    /* "save" lines accumulate, "bind" takes several addresses and output limits take
     * groups of four: join the arguments. */
    buf_t joined;
    buf_init(&joined);
    if (s->type == T_SAVE && !*save_reset) {
        *save_reset = 1;
    } else if (s->type == T_SAVE && cfg->save[0] && !(argc == 2 && argv[1].len == 0)) {
        buf_append_str(&joined, cfg->save);
    }
    for (size_t i = 1; i < argc; i++) {
        if (joined.len) buf_append(&joined, " ", 1);
        buf_append(&joined, argv[i].ptr, argv[i].len);
    }
    int rc = apply(cfg, s, joined.data ? joined.data : "", joined.len, err);
    buf_free(&joined);
    return rc;
}

static int load_file(struct config *cfg, const char *file, int *save_reset, buf_t *err) {
    FILE *f = fopen(file, "r");
    if (!f) {
        buf_printf(err, "Fatal error, can't open config file '%s': %m", file);
        return -1;
    }
    char line[4096];
    int lineno = 0, rc = 0;
    resp_parser p;
    resp_parser_init(&p, 1 << 20);
    while (rc == 0 && fgets(line, sizeof line - 1, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';
        size_t start = 0;
        while (start < len && (line[start] == ' ' || line[start] == '\t')) start++;
        if (line[start] == '#' || line[start] == '\n') continue;
        char original[4096];
        memcpy(original, line + start, len - start - 1);
        original[len - start - 1] = '\0';
        size_t used;
        buf_t why;
        buf_init(&why);
        if (resp_parse(&p, line + start, len - start, &used) != RESP_DONE) {
            buf_append_str(&why, "Unbalanced quotes in configuration line");
            rc = -1;
        } else if (p.argc > 0) {
            rc = apply_directive(cfg, p.argv, p.argc, save_reset, &why);
        }
        if (rc != 0)
            buf_printf(err, "\n*** FATAL CONFIG FILE ERROR (rill %s) ***\nReading the "
                       "configuration file, at line %d\n>>> '%s'\n%.*s", RILL_VERSION, lineno,
                       original, (int)why.len, why.data);
        buf_free(&why);
    }
    resp_parser_free(&p);
    fclose(f);
    return rc;
}

int config_load(struct config *cfg, const char *file, int argc, char **argv, buf_t *err) {
    int save_reset = 0;
    if (file && load_file(cfg, file, &save_reset, err) != 0) return -1;
    /* Command-line options: "--name value [value ...]". */
    int i = 0;
    while (i < argc) {
        if (strncmp(argv[i], "--", 2) != 0) {
            buf_printf(err, "Invalid argument '%s': options take the form --name value", argv[i]);
            return -1;
        }
        resp_arg args[32];
        size_t n = 0;
        args[n].ptr = argv[i] + 2;
        args[n++].len = strlen(argv[i] + 2);
        i++;
        while (i < argc && strncmp(argv[i], "--", 2) != 0 && n < 32) {
            args[n].ptr = argv[i];
            args[n++].len = strlen(argv[i]);
            i++;
        }
        buf_t why;
        buf_init(&why);
        if (apply_directive(cfg, args, n, &save_reset, &why) != 0) {
            buf_printf(err, "\n*** FATAL CONFIG FILE ERROR (rill %s) ***\nReading the "
                       "configuration file, at line 2\n>>> '%.*s'\n%.*s", RILL_VERSION,
                       (int)args[0].len, args[0].ptr, (int)why.len, why.data);
            buf_free(&why);
            return -1;
        }
        buf_free(&why);
    }
    return 0;
}
