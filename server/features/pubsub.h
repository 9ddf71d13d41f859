/* Pub/Sub: channels, patterns and shard channels, PUBLISH and SPUBLISH fan-out, subscribed
 * mode. A channel maps to its subscribers in subscription order; a pattern to its
 * subscribers. Each message is encoded
 * once and its bytes appended to every receiver's output buffer. */
#ifndef RILL_PUBSUB_H
#define RILL_PUBSUB_H

#include <stddef.h>

#include "core/server.h"

void pubsub_init(void);
/* Subscriptions (channels, patterns, shard channels) the client holds; > 0 means
 * subscribed mode. */
size_t pubsub_count(const client *c);
size_t pubsub_channel_count(const client *c);
size_t pubsub_pattern_count(const client *c);
size_t pubsub_shard_count(const client *c);
/* Bytes the client's own subscription tables hold (its part of client memory). */
size_t pubsub_memory(const client *c);
/* Unsubscribes from everything without replying (RESET, as Redis does; disconnect). */
void pubsub_reset(client *c);
/* Channels and patterns with at least one subscriber (INFO stats). */
size_t pubsub_total_channels(void);
size_t pubsub_total_patterns(void);
size_t pubsub_total_shard_channels(void);
/* Sends message to the subscribers of channel and of the patterns matching it; returns how
 * many received it (PUBLISH's reply). */
long long pubsub_publish(const char *channel, size_t channel_len, const char *message,
                         size_t message_len);
/* SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE: their confirmations are sent even under
 * CLIENT REPLY OFF. */
int pubsub_is_subscription(const struct command *cmd);
/* In subscribed mode only these commands run. */
int pubsub_allowed_in_context(const struct command *cmd);

#endif
