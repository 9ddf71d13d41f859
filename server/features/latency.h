/* Latency monitoring as Redis 7.0 does it: events slower than latency-monitor-threshold
 * (command, fast-command, expire-cycle, eviction-cycle, fork, ...) kept as a time series of
 * their last 160 seconds with a spike (LATENCY LATEST, HISTORY, GRAPH, DOCTOR, RESET), and
 * per-command latency histograms while latency-tracking is on (LATENCY HISTOGRAM, INFO
 * latencystats). */
#ifndef RILL_LATENCY_H
#define RILL_LATENCY_H

#include "buf.h"
#include "core/server.h"

struct command;

/* Records that event took ms milliseconds, when the monitor is on and that is at least its
 * threshold. event is a string literal (it is kept). */
void latency_add_sample_if_needed(const char *event, long long ms);
/* After a command ran (not when it blocked): its latency histogram, and a "command" or
 * "fast-command" event. */
void latency_record_command(struct command *cmd, long long duration_us);
/* CONFIG RESETSTAT: the histograms go (events stay, as in Redis). */
void latency_reset_histograms(void);
/* The lines of INFO latencystats. */
void latency_info_stats(buf_t *out);

#endif
