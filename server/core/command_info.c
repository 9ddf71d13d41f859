/* COMMAND and its subcommands, all read from the command table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/command_docs.h"
#include "core/commands.h"
#include "core/key_specs.h"
#include "core/reply.h"
#include "glob.h"
#include "mem.h"

static const struct {
    unsigned flag;
    const char *name;
} flag_names[] = {
    /* Redis's order; may_replicate stays hidden, as in Redis. */
    {CMD_WRITE, "write"},
    {CMD_READONLY, "readonly"},
    {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},
    {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},
    {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"},
    {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_FAST, "fast"},
    {CMD_NO_AUTH, "no_auth"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
    {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"},
    {CMD_MOVABLE_KEYS, "movablekeys"},
    {CMD_ALLOW_BUSY, "allow_busy"},
};

/* Replies an array of status words from a space-separated list. */
static void reply_words(client *c, const char *words) {
    long long n = 0;
    for (const char *p = words; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        n++;
        while (*p && *p != ' ') p++;
    }
    reply_array(c, n);
    for (const char *p = words; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != ' ') p++;
        resp_add_status(&c->reply, start, (size_t)(p - start));
    }
}

static int doc_compare(const void *key, const void *row) {
    return strcmp(key, ((const struct command_doc *)row)->name);
}

/* Redis's documentation of a command, or NULL for rill's own additions. */
static const struct command_doc *doc_of(const struct command *cmd) {
    return bsearch(cmd->fullname, command_docs, command_docs_len, sizeof *command_docs,
                   doc_compare);
}

static void reply_command_info(client *c, const struct command *cmd) {
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_int(c, cmd->arity);
    long long nflags = 0;
    for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++)
        if (cmd->flags & flag_names[i].flag) nflags++;
    reply_array(c, nflags);
    for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++)
        if (cmd->flags & flag_names[i].flag) reply_status(c, flag_names[i].name);
    reply_int(c, cmd->first_key);
    reply_int(c, cmd->last_key);
    reply_int(c, cmd->key_step);
    reply_words(c, cmd->acl_categories);
    const struct command_doc *doc = doc_of(cmd);
    if (doc) {
        reply_raw(c, doc->info, doc->info_len); /* tips, key specs */
    } else {
        reply_array(c, 0);
        reply_array(c, 0);
    }
    long long nsubs = 0;
    for (const struct command *s = cmd->subcommands; s && s->name; s++) nsubs++;
    reply_array(c, nsubs);
    for (const struct command *s = cmd->subcommands; s && s->name; s++) reply_command_info(c, s);
}

static void reply_command_docs(client *c, const struct command *cmd) {
    long long nsubs = 0;
    for (const struct command *s = cmd->subcommands; s && s->name; s++) nsubs++;
    const struct command_doc *doc = doc_of(cmd);
    reply_array(c, 2 * ((doc ? doc->docs_pairs : 3) + (nsubs ? 1 : 0)));
    if (doc) {
        reply_raw(c, doc->docs, doc->docs_len);
    } else {
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, cmd->summary);
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, cmd->since);
        reply_bulk_cstr(c, "group");
        reply_bulk_cstr(c, cmd->group);
    }
    if (!nsubs) return;
    reply_bulk_cstr(c, "subcommands");
    reply_array(c, nsubs * 2);
    for (const struct command *s = cmd->subcommands; s && s->name; s++) {
        reply_bulk_cstr(c, s->fullname);
        reply_command_docs(c, s);
    }
}

/* Bare COMMAND: the dispatcher routes every other form to a subcommand or refuses it. */
void cmd_command(client *c) {
    reply_array(c, (long long)command_table_len);
    for (size_t i = 0; i < command_table_len; i++) reply_command_info(c, &command_table[i]);
}

void cmd_command_count(client *c) { reply_int(c, (long long)command_table_len); }

void cmd_command_info(client *c) {
    if (c->argc == 2) {
        cmd_command(c);
        return;
    }
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) {
        const struct command *cmd = command_lookup_full_name(&c->argv[i]);
        if (cmd) {
            reply_command_info(c, cmd);
        } else {
            reply_nil(c); /* a null bulk, as Redis 7.0 replies it */
        }
    }
}

void cmd_command_docs(client *c) {
    if (c->argc == 2) {
        reply_array(c, (long long)command_table_len * 2);
        for (size_t i = 0; i < command_table_len; i++) {
            reply_bulk_cstr(c, command_table[i].fullname);
            reply_command_docs(c, &command_table[i]);
        }
        return;
    }
    const struct command *found[256];
    size_t n = 0;
    for (size_t i = 2; i < c->argc && n < 256; i++) {
        const struct command *cmd = command_lookup_full_name(&c->argv[i]);
        if (cmd) found[n++] = cmd;
    }
    reply_array(c, (long long)n * 2);
    for (size_t i = 0; i < n; i++) {
        reply_bulk_cstr(c, found[i]->fullname);
        reply_command_docs(c, found[i]);
    }
}

static int acl_category_has(const char *list, const resp_arg *cat) {
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        const char *start = p;
        while (*p && *p != ' ') p++;
        /* Categories are listed with '@'; the filter names them without. */
        if (p > start && (size_t)(p - start - 1) == cat->len &&
            strncasecmp(start + 1, cat->ptr, cat->len) == 0)
            return 1;
    }
    return 0;
}

void cmd_command_list(client *c) {
    const resp_arg *pattern = NULL, *category = NULL, *module = NULL;
    if (c->argc == 5 && arg_is(&c->argv[2], "filterby")) {
        if (arg_is(&c->argv[3], "pattern")) {
            pattern = &c->argv[4];
        } else if (arg_is(&c->argv[3], "aclcat")) {
            category = &c->argv[4];
        } else if (arg_is(&c->argv[3], "module")) {
            module = &c->argv[4];
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    const struct command *match[512];
    size_t n = 0;
    for (size_t i = 0; i < command_table_len && !module; i++) {
        const struct command *cmd = &command_table[i];
        for (int pass = 0; pass < 2; pass++) {
            /* The container, then its subcommands. */
            for (const struct command *s = pass ? cmd->subcommands : cmd; s && s->name && n < 512;
                 s = pass ? s + 1 : NULL) {
                if (pattern && !glob_match(pattern->ptr, pattern->len, s->fullname,
                                           strlen(s->fullname), 1))
                    continue;
                if (category && !acl_category_has(s->acl_categories, category)) continue;
                match[n++] = s;
            }
        }
    }
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) reply_bulk_cstr(c, match[i]->fullname);
}

static void reply_key(const resp_arg *key, void *ctx) { reply_bulk(ctx, key->ptr, key->len); }

/* The command GETKEYS and GETKEYSANDFLAGS are asked about (a container's subcommand: MEMORY
 * USAGE key), or NULL after replying why there is none to look into. */
static const struct command *keys_target(client *c) {
    const struct command *cmd = command_lookup_argv(c->argv + 2, c->argc - 2);
    if (!cmd) {
        reply_error(c, "Invalid command specified");
    } else if (!command_arity_ok(cmd, c->argc - 2)) {
        reply_error(c, "Invalid number of arguments specified for command");
    } else if (cmd->first_key == 0 && !(cmd->flags & CMD_MOVABLE_KEYS)) {
        reply_error(c, "The command has no key arguments");
    } else {
        return cmd;
    }
    return NULL;
}

struct flagged_key {
    const resp_arg *key;
    const char *flags;
};

/* The keys and their key-spec flags, in spec order as Redis lists them; -1 when the specs
 * cannot say (none, unreliable, or argv does not fit one). */
static long long keys_by_specs(const struct command *cmd, const resp_arg *argv, size_t argc,
                               struct key_spec *specs, struct flagged_key *out, size_t cap) {
    const struct command_doc *doc = doc_of(cmd);
    if (!doc) return -1;
    size_t nspecs = key_specs_read(doc->info, doc->info_len, specs, 8);
    if (nspecs == 0 || nspecs > 8) return -1;
    size_t n = 0;
    for (size_t s = 0; s < nspecs; s++) {
        long long first, last, step;
        if (specs[s].unreliable) return -1;
        long long count = key_specs_find(&specs[s], argv, argc, &first, &last, &step);
        if (count < 0) return -1;
        for (long long i = first; count > 0 && i <= last; i += step) {
            if (n == cap) return -1;
            out[n++] = (struct flagged_key){&argv[i], specs[s].flags};
        }
    }
    return (long long)n;
}

struct finder_keys {
    struct flagged_key *out;
    size_t n;
    const struct key_spec *specs;
    size_t nspecs;
};

static void add_found_key(const resp_arg *key, void *ctx) {
    struct finder_keys *f = ctx;
    /* What Redis's getkeys procs say: the first key has the first spec's flags, the others
     * the last spec's (SORT's STORE key, MIGRATE's KEYS, GEORADIUS's STORE and STOREDIST). */
    const struct key_spec *spec = &f->specs[f->n == 0 ? 0 : f->nspecs - 1];
    f->out[f->n++] = (struct flagged_key){key, spec->flags};
}

/* Removes a word from a space-separated list, in place. */
static void drop_word(char *words, const char *word) {
    size_t wlen = strlen(word);
    for (char *p = words; (p = strstr(p, word));) {
        int starts = p == words || p[-1] == ' ', ends = p[wlen] == '\0' || p[wlen] == ' ';
        if (!starts || !ends) {
            p += wlen;
            continue;
        }
        char *from = p + wlen + (p[wlen] == ' ');
        if (p > words && p[wlen] == '\0') p--; /* the last word: its leading space goes */
        memmove(p, from, strlen(from) + 1);
    }
}

/* When the specs are not to be trusted (incomplete, unknown): the command's own key finder, as
 * Redis falls back on its getkeys procs, whose flags never say "incomplete". specs (8) is the
 * caller's, as the flags live in it. */
static long long keys_by_finder(const struct command *cmd, const resp_arg *argv, size_t argc,
                                struct key_spec *specs, struct flagged_key *out) {
    const struct command_doc *doc = doc_of(cmd);
    size_t nspecs = doc ? key_specs_read(doc->info, doc->info_len, specs, 8) : 0;
    if (nspecs == 0 || nspecs > 8 || command_foreach_key(cmd, argv, argc, NULL, NULL) > argc) return 0;
    /* Reliable specs that argv does not fit: Redis's finders find nothing either. */
    int unreliable = 0;
    for (size_t i = 0; i < nspecs; i++)
        unreliable |= specs[i].unreliable || specs[i].begin == KS_BEGIN_UNKNOWN || specs[i].find == KS_FIND_UNKNOWN;
    if (!unreliable) return 0;
    for (size_t i = 0; i < nspecs; i++) drop_word(specs[i].flags, "incomplete");
    struct finder_keys f = {out, 0, specs, nspecs};
    command_foreach_key(cmd, argv, argc, add_found_key, &f);
    return (long long)f.n;
}

/* Redis's bitfieldGetKeys: only GETs (and OVERFLOWs) make BITFIELD a read. */
static int bitfield_reads_only(const resp_arg *argv, size_t argc) {
    for (size_t i = 2; i < argc; i++) {
        size_t left = argc - i - 1;
        if (arg_is(&argv[i], "get") && left >= 2) i += 2;
        else if (arg_is(&argv[i], "overflow") && left >= 1) i += 1;
        else return 0; /* a write, or a syntax error: not read-only, to be safe */
    }
    return 1;
}

/* ---- The keys a write may change ---- */

/* A write command's specs, read once: whether some of its keys are only read (COPY's source),
 * and if so the specs of the others. */
struct written_specs {
    const struct command *cmd;
    int some_read_only; /* and the specs are reliable: only the written ones change */
    size_t n;
    struct key_spec specs[8];
};

static const struct written_specs *written_specs_of(const struct command *cmd) {
    static struct written_specs cache[256];
    static size_t ncached;
    for (size_t i = 0; i < ncached; i++)
        if (cache[i].cmd == cmd) return &cache[i];
    if (ncached == sizeof cache / sizeof cache[0]) return NULL;
    struct written_specs *w = &cache[ncached++];
    *w = (struct written_specs){.cmd = cmd};
    const struct command_doc *doc = doc_of(cmd);
    struct key_spec all[8];
    size_t n = doc ? key_specs_read(doc->info, doc->info_len, all, 8) : 0;
    if (n == 0 || n > 8) return w;
    for (size_t i = 0; i < n; i++) {
        if (all[i].unreliable || all[i].begin == KS_BEGIN_UNKNOWN || all[i].find == KS_FIND_UNKNOWN)
            return w; /* the specs cannot say: every key may change */
        if (strncmp(all[i].flags, "RO", 2) == 0) w->some_read_only = 1;
        else w->specs[w->n++] = all[i];
    }
    return w;
}

size_t command_foreach_written_key(const struct command *cmd, const resp_arg *argv, size_t argc,
                                   void (*fn)(const resp_arg *key, void *ctx), void *ctx) {
    const struct written_specs *w = written_specs_of(cmd);
    if (!w || !w->some_read_only) return command_foreach_key(cmd, argv, argc, fn, ctx);
    long long first[8], last[8], step[8], count[8];
    for (size_t s = 0; s < w->n; s++) {
        count[s] = key_specs_find(&w->specs[s], argv, argc, &first[s], &last[s], &step[s]);
        if (count[s] < 0) return command_foreach_key(cmd, argv, argc, fn, ctx);
    }
    size_t n = 0;
    for (size_t s = 0; s < w->n; s++)
        for (long long i = first[s]; count[s] > 0 && i <= last[s] && i < (long long)argc; i += step[s], n++)
            fn(&argv[i], ctx);
    return n;
}

/* Redis prefers the key specs and falls back on the command's own key finder when they cannot
 * say (GEORADIUS ... STORE a STOREDIST b: the specs give both keys, the finder the last). */
void cmd_command_getkeys(client *c) {
    const struct command *cmd = keys_target(c);
    if (!cmd) return;
    const resp_arg *argv = c->argv + 2;
    size_t argc = c->argc - 2;
    struct key_spec specs[8];
    struct flagged_key *keys = mem_alloc(argc * sizeof *keys);
    long long n = keys_by_specs(cmd, argv, argc, specs, keys, argc);
    int by_specs = n >= 0;
    if (!by_specs) n = (long long)command_foreach_key(cmd, argv, argc, NULL, NULL);
    if (n == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        reply_error(c, "Invalid arguments specified for command");
    } else {
        reply_array(c, n);
        if (by_specs)
            for (long long i = 0; i < n; i++) reply_bulk(c, keys[i].key->ptr, keys[i].key->len);
        else
            command_foreach_key(cmd, argv, argc, reply_key, c);
    }
    mem_free(keys);
}

void cmd_command_getkeysandflags(client *c) {
    const struct command *cmd = keys_target(c);
    if (!cmd) return;
    const resp_arg *argv = c->argv + 2;
    size_t argc = c->argc - 2;
    struct key_spec specs[8];
    struct flagged_key *keys = mem_alloc(argc * sizeof *keys);
    long long n = keys_by_specs(cmd, argv, argc, specs, keys, argc);
    if (n < 0 && cmd->proc == cmd_set) {
        /* SET's spec flags vary (variable_flags): with GET it reads the old value too. */
        int get = 0;
        for (size_t i = 3; i < argc; i++) get |= arg_is(&argv[i], "get");
        keys[0] = (struct flagged_key){&argv[1], get ? "RW access update" : "OW update"};
        n = 1;
    } else if (n < 0 && cmd->proc == cmd_bitfield) {
        keys[0] = (struct flagged_key){&argv[1], bitfield_reads_only(argv, argc) ? "RO access" : "RW access update"};
        n = 1;
    } else if (n < 0) {
        n = keys_by_finder(cmd, argv, argc, specs, keys);
    }
    if (n == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        reply_error(c, "Invalid arguments specified for command");
    } else {
        reply_array(c, n);
        for (long long i = 0; i < n; i++) {
            reply_array(c, 2);
            reply_bulk(c, keys[i].key->ptr, keys[i].key->len);
            reply_words(c, keys[i].flags);
        }
    }
    mem_free(keys);
}

void cmd_command_help(client *c) {
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        NULL,
    };
    reply_help(c, "COMMAND", lines);
}
