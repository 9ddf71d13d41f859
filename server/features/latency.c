#include "features/latency.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/commands.h"
#include "core/config.h"
#include "core/reply.h"
#include "histogram.h"
#include "mem.h"
#include "persistence/snapshot.h"

#define SERIES_LEN 160 /* Redis's LATENCY_TS_LEN: samples kept per event */
#define MAX_EVENTS 32  /* more than rill has kinds of event */
/* Command histograms: nanoseconds from 1 to 1 s, two significant digits (Redis's). */
#define HISTOGRAM_LOWEST 1
#define HISTOGRAM_HIGHEST 1000000000
#define HISTOGRAM_DIGITS 2

struct sample {
    long long time; /* seconds; 0 = an empty slot */
    long long latency;
};

struct series {
    const char *event;
    int idx; /* the next slot to write */
    long long max;
    struct sample samples[SERIES_LEN];
};

static struct {
    struct series *events[MAX_EVENTS]; /* in the order they first happened */
    int n;
} L;

static struct series *find_series(const char *event, size_t len) {
    for (int i = 0; i < L.n; i++)
        if (strlen(L.events[i]->event) == len && strncmp(L.events[i]->event, event, len) == 0)
            return L.events[i];
    return NULL;
}

void latency_add_sample_if_needed(const char *event, long long ms) {
    long long threshold = server.cfg.latency_monitor_threshold;
    if (!threshold || ms < threshold) return;
    struct series *ts = find_series(event, strlen(event));
    if (!ts) {
        if (L.n == MAX_EVENTS) return;
        ts = mem_calloc(1, sizeof *ts);
        ts->event = event;
        L.events[L.n++] = ts;
    }
    long long now = (long long)time(NULL);
    if (ms > ts->max) ts->max = ms;
    /* One sample a second: the worst of that second. */
    struct sample *prev = &ts->samples[(ts->idx + SERIES_LEN - 1) % SERIES_LEN];
    if (prev->time == now) {
        if (ms > prev->latency) prev->latency = ms;
        return;
    }
    ts->samples[ts->idx] = (struct sample){now, ms};
    ts->idx = (ts->idx + 1) % SERIES_LEN;
}

void latency_record_command(struct command *cmd, long long duration_us) {
    latency_add_sample_if_needed((cmd->flags & CMD_FAST) ? "fast-command" : "command", duration_us / 1000);
    if (!server.cfg.latency_tracking) return;
    if (!cmd->latency) cmd->latency = histogram_new(HISTOGRAM_LOWEST, HISTOGRAM_HIGHEST, HISTOGRAM_DIGITS);
    histogram_record(cmd->latency, duration_us * 1000);
}

static void reset_histogram(struct command *cmd) {
    histogram_free(cmd->latency);
    cmd->latency = NULL;
}

void latency_reset_histograms(void) {
    for (size_t i = 0; i < command_table_len; i++) {
        reset_histogram(&command_table[i]);
        for (struct command *sub = command_table[i].subcommands; sub && sub->name; sub++)
            reset_histogram(sub);
    }
}

/* ---- INFO latencystats ---- */

static void info_one(buf_t *out, const struct command *cmd, const char *percentiles) {
    if (!cmd->latency) return;
    buf_printf(out, "latency_percentiles_usec_%s:", cmd->fullname);
    /* The setting holds the percentiles written as Redis writes them ("50 99 99.9"). */
    const char *p = percentiles;
    int first = 1;
    while (*p) {
        size_t len = strcspn(p, " ");
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)len, p);
        buf_printf(out, "%sp%s=%.3f", first ? "" : ",", word,
                   (double)histogram_value_at_percentile(cmd->latency, atof(word)) / 1000.0);
        first = 0;
        p += len;
        while (*p == ' ') p++;
    }
    buf_append(out, "\r\n", 2);
}

void latency_info_stats(buf_t *out) {
    if (!server.cfg.latency_tracking) return;
    buf_t percentiles;
    buf_init(&percentiles);
    config_value("latency-tracking-info-percentiles", &percentiles);
    buf_append(&percentiles, "", 1);
    for (size_t i = 0; i < command_table_len; i++) {
        info_one(out, &command_table[i], percentiles.data);
        for (struct command *sub = command_table[i].subcommands; sub && sub->name; sub++)
            info_one(out, sub, percentiles.data);
    }
    buf_free(&percentiles);
}

/* ---- LATENCY HISTOGRAM ---- */

/* One command's {calls, histogram_usec: {bucket: count up to it}}, the buckets doubling from
 * 1024 ns, the empty ones left out (Redis's fillCommandCDF). */
static void reply_histogram(client *c, const struct command *cmd) {
    reply_bulk_cstr(c, cmd->fullname);
    reply_array(c, 4);
    reply_bulk_cstr(c, "calls");
    reply_int(c, histogram_total(cmd->latency));
    reply_bulk_cstr(c, "histogram_usec");
    int64_t steps[64][2], previous = 0;
    long long n = 0;
    histogram_log_iter it;
    histogram_log_iter_init(&it, cmd->latency, 1024, 2);
    while (histogram_log_iter_next(&it) && n < 64) {
        if (it.cumulative > previous) {
            steps[n][0] = it.highest_equivalent / 1000;
            steps[n++][1] = it.cumulative;
        }
        previous = it.cumulative;
    }
    reply_array(c, 2 * n);
    for (long long i = 0; i < n; i++) {
        reply_int(c, steps[i][0]);
        reply_int(c, steps[i][1]);
    }
}

/* The command and, for a container, its subcommands: those with a histogram. */
static long long with_histograms(const struct command *cmd, client *c) {
    long long n = 0;
    if (cmd->latency) {
        n++;
        if (c) reply_histogram(c, cmd);
    }
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++) {
        if (!sub->latency) continue;
        n++;
        if (c) reply_histogram(c, sub);
    }
    return n;
}

void cmd_latency_histogram(client *c) {
    long long n = 0;
    if (c->argc == 2) {
        for (size_t i = 0; i < command_table_len; i++) n += with_histograms(&command_table[i], NULL);
        reply_array(c, 2 * n);
        for (size_t i = 0; i < command_table_len; i++) with_histograms(&command_table[i], c);
        return;
    }
    /* Unknown names are left out, as in Redis. */
    for (size_t i = 2; i < c->argc; i++) {
        const struct command *cmd = command_lookup_full_name(&c->argv[i]);
        if (cmd) n += with_histograms(cmd, NULL);
    }
    reply_array(c, 2 * n);
    for (size_t i = 2; i < c->argc; i++) {
        const struct command *cmd = command_lookup_full_name(&c->argv[i]);
        if (cmd) with_histograms(cmd, c);
    }
}

/* ---- Events ---- */

void cmd_latency_latest(client *c) {
    reply_array(c, L.n);
    for (int i = 0; i < L.n; i++) {
        const struct series *ts = L.events[i];
        const struct sample *last = &ts->samples[(ts->idx + SERIES_LEN - 1) % SERIES_LEN];
        reply_array(c, 4);
        reply_bulk_cstr(c, ts->event);
        reply_int(c, last->time);
        reply_int(c, last->latency);
        reply_int(c, ts->max);
    }
}

void cmd_latency_history(client *c) {
    const struct series *ts = find_series(c->argv[2].ptr, c->argv[2].len);
    long long n = 0;
    for (int j = 0; ts && j < SERIES_LEN; j++) n += ts->samples[j].time != 0;
    reply_array(c, n);
    for (int j = 0; ts && j < SERIES_LEN; j++) {
        const struct sample *s = &ts->samples[(ts->idx + j) % SERIES_LEN];
        if (!s->time) continue;
        reply_array(c, 2);
        reply_int(c, s->time);
        reply_int(c, s->latency);
    }
}

/* Event names are matched without regard to case here, as Redis's latencyResetEvent does. */
static long long reset_events(const resp_arg *name) {
    long long resets = 0;
    for (int i = 0; i < L.n;) {
        const char *event = L.events[i]->event;
        if (!name || (strlen(event) == name->len && strncasecmp(event, name->ptr, name->len) == 0)) {
            mem_free(L.events[i]);
            memmove(L.events + i, L.events + i + 1, (size_t)(L.n - i - 1) * sizeof *L.events);
            L.n--;
            resets++;
        } else {
            i++;
        }
    }
    return resets;
}

void cmd_latency_reset(client *c) {
    long long resets = 0;
    if (c->argc == 2) resets = reset_events(NULL);
    for (size_t i = 2; i < c->argc; i++) resets += reset_events(&c->argv[i]);
    reply_int(c, resets);
}

/* ---- LATENCY GRAPH: Redis's sparkline, 80 columns by 4 rows ---- */

#define GRAPH_COLUMNS 80
#define GRAPH_ROWS 4

struct graph_point {
    double value;
    char label[24];
};

static void render_range(buf_t *out, const struct graph_point *points, int len, double min,
                         double max) {
    static const char fill[] = "_o#";
    const int charset_len = 3, steps = charset_len * GRAPH_ROWS, label_margin_top = 1;
    double relmax = max - min;
    if (relmax == 0) relmax = 1;
    char chars[GRAPH_COLUMNS];
    for (int row = 0, loop = 1; loop; row++) {
        loop = 0;
        memset(chars, ' ', (size_t)len);
        for (int j = 0; j < len; j++) {
            const struct graph_point *s = &points[j];
            int step = (int)((s->value - min) * steps / relmax);
            if (step < 0) step = 0;
            if (step >= steps) step = steps - 1;
            if (row < GRAPH_ROWS) {
                int charidx = step - (GRAPH_ROWS - row - 1) * charset_len;
                loop = 1;
                if (charidx >= 0 && charidx < charset_len) chars[j] = fill[charidx];
                else if (charidx >= charset_len) chars[j] = '|';
            } else {
                if (row - GRAPH_ROWS < label_margin_top) { /* every point has a label */
                    loop = 1;
                    break;
                }
                int label_char = row - GRAPH_ROWS - label_margin_top;
                if ((int)strlen(s->label) > label_char) {
                    loop = 1;
                    chars[j] = s->label[label_char];
                }
            }
        }
        if (loop) {
            buf_append(out, chars, (size_t)len);
            buf_append(out, "\n", 1);
        }
    }
}

void cmd_latency_graph(client *c) {
    const struct series *ts = find_series(c->argv[2].ptr, c->argv[2].len);
    if (!ts) {
        reply_errorf(c, "No samples available for event '%.*s'", (int)c->argv[2].len, c->argv[2].ptr);
        return;
    }
    struct graph_point points[SERIES_LEN];
    int n = 0;
    long long low = 0, high = 0, now = (long long)time(NULL);
    for (int j = 0; j < SERIES_LEN; j++) {
        const struct sample *s = &ts->samples[(ts->idx + j) % SERIES_LEN];
        if (!s->time) continue;
        if (n == 0 || s->latency > high) high = s->latency;
        if (n == 0 || s->latency < low) low = s->latency;
        /* Labelled with how long ago it happened. */
        long long ago = now - s->time;
        if (ago < 60) snprintf(points[n].label, sizeof points[n].label, "%llds", ago);
        else if (ago < 3600) snprintf(points[n].label, sizeof points[n].label, "%lldm", ago / 60);
        else if (ago < 86400) snprintf(points[n].label, sizeof points[n].label, "%lldh", ago / 3600);
        else snprintf(points[n].label, sizeof points[n].label, "%lldd", ago / 86400);
        points[n++].value = (double)s->latency;
    }
    buf_t graph;
    buf_init(&graph);
    buf_printf(&graph, "%s - high %llu ms, low %llu ms (all time high %llu ms)\n", ts->event,
               (unsigned long long)high, (unsigned long long)low, (unsigned long long)ts->max);
    for (int j = 0; j < GRAPH_COLUMNS; j++) buf_append(&graph, "-", 1);
    buf_append(&graph, "\n", 1);
    for (int j = 0; j < n; j += GRAPH_COLUMNS) {
        if (j) buf_append(&graph, "\n", 1);
        render_range(&graph, points + j, n - j < GRAPH_COLUMNS ? n - j : GRAPH_COLUMNS, (double)low,
                     (double)high);
    }
    reply_bulk(c, graph.data, graph.len); /* RESP2 has no verbatim type */
    buf_free(&graph);
}

/* ---- LATENCY DOCTOR: Redis's report, word for word ---- */

struct event_stats {
    long long avg, mad, min, max, samples, period;
};

static void analyze(const struct series *ts, struct event_stats *st) {
    *st = (struct event_stats){0};
    long long sum = 0;
    for (int j = 0; j < SERIES_LEN; j++) {
        const struct sample *s = &ts->samples[j];
        if (!s->time) continue;
        if (st->samples++ == 0 || s->latency < st->min) st->min = s->latency;
        if (s->latency > st->max) st->max = s->latency;
        sum += s->latency;
        if (st->period == 0 || s->time < st->period) st->period = s->time;
    }
    if (!st->samples) return;
    st->avg = sum / st->samples;
    st->period = (long long)time(NULL) - st->period;
    if (st->period == 0) st->period = 1;
    sum = 0;
    for (int j = 0; j < SERIES_LEN; j++) {
        if (ts->samples[j].time) sum += llabs(st->avg - ts->samples[j].latency);
    }
    st->mad = sum / st->samples;
}

/* The AnonHugePages of this process, in kB (Redis's THPGetAnonHugePagesSize). */
static long long anon_huge_pages(void) {
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return 0;
    char line[256];
    long long total = 0, kb;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %lld kB", &kb) == 1) total += kb;
    fclose(f);
    return total;
}

enum advice {
    BETTER_VM, SLOWLOG_ENABLED, SLOWLOG_TUNING, SLOWLOG_INSPECT, SCHEDULER, LOCAL_DISK, SSD,
    DATA_WRITEBACK, DISK_CONTENTION, NO_APPENDFSYNC, RELAX_FSYNC, WRITE_LOAD_INFO, HZ,
    LARGE_OBJECTS, MASS_EVICTION, DISABLE_THP, ADVICES
};

/* Which advice each event calls for (Redis's createLatencyReport). */
static const struct {
    const char *event;
    enum advice advice[4];
    int n;
} event_advice[] = {
    {"fast-command", {SCHEDULER}, 1},
    {"aof-write-pending-fsync", {LOCAL_DISK, DISK_CONTENTION, SSD, DATA_WRITEBACK}, 4},
    {"aof-write-active-child", {NO_APPENDFSYNC, DATA_WRITEBACK, SSD}, 3},
    {"aof-write-alone", {LOCAL_DISK, DATA_WRITEBACK, SSD}, 3},
    {"aof-fsync-always", {RELAX_FSYNC}, 1},
    {"aof-fstat", {DISK_CONTENTION, LOCAL_DISK}, 2},
    {"rdb-unlink-temp-file", {DISK_CONTENTION, LOCAL_DISK}, 2},
    {"aof-rewrite-diff-write", {WRITE_LOAD_INFO, DATA_WRITEBACK, SSD, LOCAL_DISK}, 4},
    {"aof-rename", {WRITE_LOAD_INFO, DATA_WRITEBACK, SSD, LOCAL_DISK}, 4},
    {"expire-cycle", {HZ, LARGE_OBJECTS}, 2},
    {"eviction-del", {LARGE_OBJECTS}, 1},
    {"eviction-cycle", {MASS_EVICTION}, 1},
};

static void report_events(buf_t *r, int advise[ADVICES], int *advices) {
    for (int i = 0; i < L.n; i++) {
        const struct series *ts = L.events[i];
        struct event_stats st;
        analyze(ts, &st);
        if (i == 0)
            buf_printf(r, "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        buf_printf(r, "%d. %s: %lld latency spikes (average %llums, mean deviation %llums, period %.2f sec). Worst all time event %llums.",
                   i + 1, ts->event, st.samples, (unsigned long long)st.avg, (unsigned long long)st.mad,
                   (double)st.period / (double)st.samples, (unsigned long long)ts->max);
        if (!strcasecmp(ts->event, "fork")) {
            double rate = snapshot_fork_rate();
            const char *quality = rate < 10 ? "terrible" : rate < 25 ? "poor" : rate < 100 ? "good" : "excellent";
            if (rate < 25) {
                advise[BETTER_VM] = 1;
                (*advices)++;
            }
            buf_printf(r, " Fork rate is %.2f GB/sec (%s).", rate, quality);
        }
        if (!strcasecmp(ts->event, "command")) {
            if (server.cfg.slowlog_log_slower_than < 0) {
                advise[SLOWLOG_ENABLED] = 1;
                (*advices)++;
            } else if (server.cfg.slowlog_log_slower_than / 1000 > server.cfg.latency_monitor_threshold) {
                advise[SLOWLOG_TUNING] = 1;
                (*advices)++;
            }
            advise[SLOWLOG_INSPECT] = advise[LARGE_OBJECTS] = 1;
            *advices += 2;
        }
        for (size_t k = 0; k < sizeof event_advice / sizeof *event_advice; k++) {
            if (strcasecmp(ts->event, event_advice[k].event) != 0) continue;
            for (int a = 0; a < event_advice[k].n; a++) advise[event_advice[k].advice[a]] = 1;
            *advices += event_advice[k].n;
        }
        buf_append(r, "\n", 1);
    }
}

static void report_advice(buf_t *r, const int advise[ADVICES]) {
    unsigned long long threshold_us = (unsigned long long)server.cfg.latency_monitor_threshold * 1000;
    buf_t fsync;
    buf_init(&fsync);
    config_value("appendfsync", &fsync);
    int fsync_always = fsync.len == 6 && memcmp(fsync.data, "always", 6) == 0;
    buf_free(&fsync);
    buf_printf(r, "\nI have a few advices for you:\n\n");
    if (advise[BETTER_VM])
        buf_printf(r, "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the context of the same VM provider, certain kinds of instances can execute fork faster than others.\n");
    if (advise[SLOWLOG_ENABLED])
        buf_printf(r, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold_us);
    if (advise[SLOWLOG_TUNING])
        buf_printf(r, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n", threshold_us);
    if (advise[SLOWLOG_INSPECT])
        buf_printf(r, "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
    if (advise[SCHEDULER])
        buf_printf(r, "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
                      "  1) Lower the system load.\n"
                      "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                      "  3) Check if you have a \"noisy neighbour\" problem.\n"
                      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
                      "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
    if (advise[LOCAL_DISK])
        buf_printf(r, "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n");
    if (advise[SSD])
        buf_printf(r, "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n");
    if (advise[DATA_WRITEBACK])
        buf_printf(r, "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n");
    if (advise[DISK_CONTENTION])
        buf_printf(r, "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n");
    if (advise[NO_APPENDFSYNC])
        buf_printf(r, "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n");
    if (advise[RELAX_FSYNC] && fsync_always)
        buf_printf(r, "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n");
    if (advise[WRITE_LOAD_INFO])
        buf_printf(r, "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n");
    if (advise[HZ] && server.cfg.hz < 100)
        buf_printf(r, "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
    if (advise[LARGE_OBJECTS])
        buf_printf(r, "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    if (advise[MASS_EVICTION])
        buf_printf(r, "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n");
    if (advise[DISABLE_THP])
        buf_printf(r, "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
}

void cmd_latency_doctor(client *c) {
    buf_t r;
    buf_init(&r);
    if (L.n == 0 && server.cfg.latency_monitor_threshold == 0) {
        buf_printf(&r, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
    } else {
        int advise[ADVICES] = {0}, advices = 0;
        report_events(&r, advise, &advices);
        if (anon_huge_pages() > 0) {
            advise[DISABLE_THP] = 1;
            advices++;
        }
        if (L.n == 0 && advices == 0)
            buf_printf(&r, "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        else if (L.n > 0 && advices == 0)
            buf_printf(&r, "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        else
            report_advice(&r, advise);
    }
    reply_bulk(c, r.data, r.len); /* RESP2 has no verbatim type */
    buf_free(&r);
}

void cmd_latency_help(client *c) {
    static const char *const lines[] = {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        NULL,
    };
    reply_help(c, "LATENCY", lines);
}
