#include "core/commands.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/effects.h"
#include "core/net.h"
#include "core/reply.h"
#include "dict.h"
#include "features/blocking.h"
#include "features/latency.h"
#include "features/monitor.h"
#include "features/multi.h"
#include "features/pause.h"
#include "features/pubsub.h"
#include "features/tracking.h"
#include "features/slowlog.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/aof.h"
#include "persistence/migrate.h"
#include "persistence/snapshot.h"
#include "scripting/scripting.h"

/* Rows come from Redis 7.0's own COMMAND INFO and COMMAND DOCS, so arity, flags, key
 * positions and documentation match what clients expect. CLIENT SETINFO and NO-TOUCH are
 * Redis 7.2 additions that current clients send. */
static struct command object_subcommands[] = {
    {"encoding", cmd_object_encoding, 3, CMD_READONLY, 2, 2, 1, "generic", "@keyspace @read @slow",
     "Inspect the internal encoding of a Redis object", "2.2.3", NULL},
    {"freq", cmd_object_freq, 3, CMD_READONLY, 2, 2, 1, "generic", "@keyspace @read @slow",
     "Get the logarithmic access frequency counter of a Redis object", "4.0.0", NULL},
    {"help", cmd_object_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "generic", "@keyspace @slow",
     "Show helpful text about the different subcommands", "6.2.0", NULL},
    {"idletime", cmd_object_idletime, 3, CMD_READONLY, 2, 2, 1, "generic", "@keyspace @read @slow",
     "Get the time since a Redis object was last accessed", "2.2.3", NULL},
    {"refcount", cmd_object_refcount, 3, CMD_READONLY, 2, 2, 1, "generic", "@keyspace @read @slow",
     "Get the number of references to the value of the key", "2.2.3", NULL},
    {NULL}};

/* Every form answers that cluster support is disabled, as Redis does in standalone mode. */
static struct command cluster_subcommands[] = {
    {"addslots", cmd_cluster, -3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Assign new hash slots to receiving node", "3.0.0", NULL},
    {"addslotsrange", cmd_cluster, -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0,
     "cluster", "@admin @slow @dangerous", "Assign new hash slots to receiving node",
     "7.0.0", NULL},
    {"bumpepoch", cmd_cluster, 2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Advance the cluster config epoch", "3.0.0", NULL},
    {"count-failure-reports", cmd_cluster, 3, CMD_ADMIN | CMD_STALE, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Return the number of failure reports active for a given node",
     "3.0.0", NULL},
    {"countkeysinslot", cmd_cluster, 3, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Return the number of local keys in the specified hash slot", "3.0.0", NULL},
    {"delslots", cmd_cluster, -3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Set hash slots as unbound in receiving node", "3.0.0", NULL},
    {"delslotsrange", cmd_cluster, -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0,
     "cluster", "@admin @slow @dangerous", "Set hash slots as unbound in receiving node",
     "7.0.0", NULL},
    {"failover", cmd_cluster, -2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Forces a replica to perform a manual failover of its master.",
     "3.0.0", NULL},
    {"flushslots", cmd_cluster, 2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Delete a node's own slots information", "3.0.0", NULL},
    {"forget", cmd_cluster, 3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Remove a node from the nodes table", "3.0.0", NULL},
    {"getkeysinslot", cmd_cluster, 4, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Return local key names in the specified hash slot", "3.0.0", NULL},
    {"help", cmd_cluster, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"info", cmd_cluster, 2, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Provides info about Redis Cluster node state", "3.0.0", NULL},
    {"keyslot", cmd_cluster, 3, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Returns the hash slot of the specified key", "3.0.0", NULL},
    {"links", cmd_cluster, 2, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0", NULL},
    {"meet", cmd_cluster, -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Force a node cluster to handshake with another node",
     "3.0.0", NULL},
    {"myid", cmd_cluster, 2, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Return the node id", "3.0.0", NULL},
    {"nodes", cmd_cluster, 2, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Get Cluster config for the node", "3.0.0", NULL},
    {"replicas", cmd_cluster, 3, CMD_ADMIN | CMD_STALE, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "List replica nodes of the specified master node", "5.0.0", NULL},
    {"replicate", cmd_cluster, 3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Reconfigure a node as a replica of the specified master node",
     "3.0.0", NULL},
    {"reset", cmd_cluster, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Reset a Redis Cluster node", "3.0.0", NULL},
    {"saveconfig", cmd_cluster, 2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Forces the node to save cluster state on disk", "3.0.0", NULL},
    {"set-config-epoch", cmd_cluster, 3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0,
     "cluster", "@admin @slow @dangerous", "Set the configuration epoch in a new node",
     "3.0.0", NULL},
    {"setslot", cmd_cluster, -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "Bind a hash slot to a specific node", "3.0.0", NULL},
    {"shards", cmd_cluster, 2, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Get array of cluster slots to node mappings", "7.0.0", NULL},
    {"slaves", cmd_cluster, 3, CMD_ADMIN | CMD_STALE, 0, 0, 0, "cluster",
     "@admin @slow @dangerous", "List replica nodes of the specified master node", "3.0.0", NULL},
    {"slots", cmd_cluster, 2, CMD_STALE, 0, 0, 0, "cluster",
     "@slow", "Get array of Cluster slot to node mappings", "3.0.0", NULL},
    {NULL}};

static struct command slowlog_subcommands[] = {
    {"get", cmd_slowlog_get, -2, CMD_ADMIN | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Get the slow log's entries", "2.2.12", NULL},
    {"help", cmd_slowlog_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow",
     "Show helpful text about the different subcommands", "6.2.0", NULL},
    {"len", cmd_slowlog_len, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Get the slow log's length", "2.2.12", NULL},
    {"reset", cmd_slowlog_reset, 2, CMD_ADMIN | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Clear all entries from the slow log", "2.2.12", NULL},
    {NULL}};

static struct command xgroup_subcommands[] = {
    {"create", cmd_xgroup_create, -5, CMD_WRITE | CMD_DENYOOM, 2, 2, 1, "stream",
     "@write @stream @slow", "Create a consumer group.", "5.0.0", NULL},
    {"createconsumer", cmd_xgroup_createconsumer, 5, CMD_WRITE | CMD_DENYOOM, 2, 2, 1, "stream",
     "@write @stream @slow", "Create a consumer in a consumer group.", "6.2.0", NULL},
    {"delconsumer", cmd_xgroup_delconsumer, 5, CMD_WRITE, 2, 2, 1, "stream",
     "@write @stream @slow", "Delete a consumer from a consumer group.", "5.0.0", NULL},
    {"destroy", cmd_xgroup_destroy, 4, CMD_WRITE, 2, 2, 1, "stream", "@write @stream @slow",
     "Destroy a consumer group.", "5.0.0", NULL},
    {"help", cmd_xgroup_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "stream", "@stream @slow",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"setid", cmd_xgroup_setid, -5, CMD_WRITE, 2, 2, 1, "stream", "@write @stream @slow",
     "Set a consumer group to an arbitrary last delivered ID value.", "5.0.0", NULL},
    {NULL}};

static struct command xinfo_subcommands[] = {
    {"consumers", cmd_xinfo_consumers, 4, CMD_READONLY, 2, 2, 1, "stream", "@read @stream @slow",
     "List the consumers in a consumer group", "5.0.0", NULL},
    {"groups", cmd_xinfo_groups, 3, CMD_READONLY, 2, 2, 1, "stream", "@read @stream @slow",
     "List the consumer groups of a stream", "5.0.0", NULL},
    {"help", cmd_xinfo_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "stream", "@stream @slow",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"stream", cmd_xinfo_stream, -3, CMD_READONLY, 2, 2, 1, "stream", "@read @stream @slow",
     "Get information about a stream", "5.0.0", NULL},
    {NULL}};

#define LATENCY_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
static struct command latency_subcommands[] = {
    {"doctor", cmd_latency_doctor, 2, LATENCY_FLAGS, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Return a human readable latency analysis report.", "2.8.13", NULL},
    {"graph", cmd_latency_graph, 3, LATENCY_FLAGS, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Return a latency graph for the event.", "2.8.13", NULL},
    {"help", cmd_latency_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow",
     "Show helpful text about the different subcommands.", "2.8.13", NULL},
    {"histogram", cmd_latency_histogram, -2, LATENCY_FLAGS, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Return the cumulative distribution of latencies of a subset of commands or all.", "7.0.0", NULL},
    {"history", cmd_latency_history, 3, LATENCY_FLAGS, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Return timestamp-latency samples for the event.", "2.8.13", NULL},
    {"latest", cmd_latency_latest, 2, LATENCY_FLAGS, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Return the latest latency samples for all events.", "2.8.13", NULL},
    {"reset", cmd_latency_reset, -2, LATENCY_FLAGS, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Reset latency data for one or more events.", "2.8.13", NULL},
    {NULL}};

/* LOAD, LOADEX and UNLOAD are protected: enable-module-command decides (see dispatch). */
static struct command module_subcommands[] = {
    {"help", cmd_module_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"list", cmd_module_list, 2, CMD_ADMIN | CMD_NOSCRIPT, 0, 0, 0, "server", "@admin @slow @dangerous",
     "List all modules loaded by the server", "4.0.0", NULL},
    {"load", cmd_module_load, -3, CMD_NO_ASYNC_LOADING | CMD_ADMIN | CMD_NOSCRIPT, 0, 0, 0, "server",
     "@admin @slow @dangerous", "Load a module", "4.0.0", NULL},
    {"loadex", cmd_module_load, -3, CMD_NO_ASYNC_LOADING | CMD_ADMIN | CMD_NOSCRIPT, 0, 0, 0, "server",
     "@admin @slow @dangerous", "Load a module with extended parameters", "7.0.0", NULL},
    {"unload", cmd_module_unload, 3, CMD_NO_ASYNC_LOADING | CMD_ADMIN | CMD_NOSCRIPT, 0, 0, 0, "server",
     "@admin @slow @dangerous", "Unload a module", "4.0.0", NULL},
    {NULL}};

static struct command memory_subcommands[] = {
    {"doctor", cmd_memory_doctor, 2, 0, 0, 0, 0, "server", "@slow",
     "Outputs memory problems report", "4.0.0", NULL},
    {"help", cmd_memory_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow",
     "Show helpful text about the different subcommands", "4.0.0", NULL},
    {"malloc-stats", cmd_memory_malloc_stats, 2, 0, 0, 0, 0, "server", "@slow",
     "Show allocator internal stats", "4.0.0", NULL},
    {"purge", cmd_memory_purge, 2, 0, 0, 0, 0, "server", "@slow",
     "Ask the allocator to release memory", "4.0.0", NULL},
    {"stats", cmd_memory_stats, 2, 0, 0, 0, 0, "server", "@slow", "Show memory usage details",
     "4.0.0", NULL},
    {"usage", cmd_memory_usage, -3, CMD_READONLY, 2, 2, 1, "server", "@read @slow",
     "Estimate the memory usage of a key", "4.0.0", NULL},
    {NULL}};

static struct command client_subcommands[] = {
    {"caching", cmd_client_caching, 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Instruct the server about tracking or not keys in the next request", "6.0.0", NULL},
    {"getredir", cmd_client_getredir, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Get tracking notifications redirection client ID if any", "6.0.0", NULL},
    {"getname", cmd_client_getname, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Get the current connection name", "2.6.9", NULL},
    {"help", cmd_client_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"id", cmd_client_id, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Returns the client ID for the current connection", "5.0.0", NULL},
    {"info", cmd_client_info, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Returns information about the current client connection.", "6.2.0", NULL},
    {"kill", cmd_client_kill, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@admin @slow @dangerous @connection",
     "Kill the connection of a client", "2.4.0", NULL},
    {"list", cmd_client_list, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@admin @slow @dangerous @connection",
     "Get the list of client connections", "2.4.0", NULL},
    {"no-evict", cmd_client_no_evict, 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@admin @slow @dangerous @connection",
     "Set client eviction mode for the current connection", "7.0.0", NULL},
    {"no-touch", cmd_client_no_touch, 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.", "7.2.0", NULL},
    {"pause", cmd_client_pause, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@admin @slow @dangerous @connection",
     "Stop processing commands from clients for some time", "2.9.50", NULL},
    {"reply", cmd_client_reply, 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Instruct the server whether to reply to commands", "3.2.0", NULL},
    {"setinfo", cmd_client_setinfo, 4, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Set client or connection specific info", "7.2.0", NULL},
    {"setname", cmd_client_setname, 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Set the current connection name", "2.6.9", NULL},
    {"tracking", cmd_client_tracking, -3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Enable or disable server assisted client side caching support", "6.0.0", NULL},
    {"trackinginfo", cmd_client_trackinginfo, 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@slow @connection",
     "Return information about server assisted client side caching for the current connection", "6.2.0", NULL},
    {"unpause", cmd_client_unpause, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@admin @slow @dangerous @connection",
     "Resume processing of clients that were paused", "6.2.0", NULL},
    {"unblock", cmd_client_unblock, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "connection", "@admin @slow @dangerous @connection",
     "Unblock a client blocked in a blocking command from a different connection", "5.0.0", NULL},
    {NULL},
};

static struct command pubsub_subcommands[] = {
    {"channels", cmd_pubsub_channels, -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "List active channels", "2.8.0", NULL},
    {"numsub", cmd_pubsub_numsub, -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Get the count of subscribers for channels", "2.8.0", NULL},
    {"numpat", cmd_pubsub_numpat, 2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Get the count of unique patterns pattern subscriptions", "2.8.0", NULL},
    {"help", cmd_pubsub_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@slow",
     "Show helpful text about the different subcommands", "6.2.0", NULL},
    {"shardchannels", cmd_pubsub_shardchannels, -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "List active shard channels", "7.0.0", NULL},
    {"shardnumsub", cmd_pubsub_shardnumsub, -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Get the count of subscribers for shard channels", "7.0.0", NULL},
    {NULL},
};

static struct command config_subcommands[] = {
    {"get", cmd_config_get, -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Get the values of configuration parameters", "2.0.0", NULL},
    {"help", cmd_config_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"resetstat", cmd_config_resetstat, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Reset the stats returned by INFO", "2.0.0", NULL},
    {"rewrite", cmd_config_rewrite, 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Rewrite the configuration file with the in memory configuration", "2.8.0", NULL},
    {"set", cmd_config_set, -4, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Set configuration parameters to the given values", "2.0.0", NULL},
    {NULL},
};

static struct command command_subcommands[] = {
    {"count", cmd_command_count, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Get total number of Redis commands", "2.8.13", NULL},
    {"docs", cmd_command_docs, -2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Get array of specific Redis command documentation", "7.0.0", NULL},
    {"getkeys", cmd_command_getkeys, -4, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Extract keys given a full Redis command", "2.8.13", NULL},
    {"getkeysandflags", cmd_command_getkeysandflags, -4, CMD_LOADING | CMD_STALE, 0, 0, 0, "server",
     "@slow @connection", "Extract keys and access flags given a full Redis command", "7.0.0", NULL},
    {"help", cmd_command_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"info", cmd_command_info, -2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", NULL},
    {"list", cmd_command_list, -2, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Get an array of Redis command names", "7.0.0", NULL},
    {NULL},
};

static struct command script_subcommands[] = {
    {"help", cmd_script_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "scripting", "@slow @scripting",
     "Show helpful text about the different subcommands", "5.0.0", NULL},
    {"exists", cmd_script_exists, -3, CMD_NOSCRIPT, 0, 0, 0, "scripting", "@slow @scripting",
     "Check existence of scripts in the script cache.", "2.6.0", NULL},
    {"flush", cmd_script_flush, -2, CMD_NOSCRIPT, 0, 0, 0, "scripting", "@slow @scripting",
     "Remove all the scripts from the script cache.", "2.6.0", NULL},
    {"load", cmd_script_load, 3, CMD_NOSCRIPT | CMD_STALE, 0, 0, 0, "scripting", "@slow @scripting",
     "Load the specified Lua script into the script cache.", "2.6.0", NULL},
    {"kill", cmd_script_kill, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, 0, 0, 0, "scripting", "@slow @scripting",
     "Kill the script currently in execution.", "2.6.0", NULL},
    {NULL},
};

static struct command function_subcommands[] = {
    {"delete", cmd_function_delete, 3, CMD_WRITE | CMD_NOSCRIPT, 0, 0, 0, "scripting",
     "@write @slow @scripting", "Delete a function by name", "7.0.0", NULL},
    {"dump", cmd_function_dump, 2, CMD_NOSCRIPT, 0, 0, 0, "scripting", "@slow @scripting",
     "Dump all functions into a serialized binary payload", "7.0.0", NULL},
    {"flush", cmd_function_flush, -2, CMD_WRITE | CMD_NOSCRIPT, 0, 0, 0, "scripting",
     "@write @slow @scripting", "Deleting all functions", "7.0.0", NULL},
    {"help", cmd_function_help, 2, CMD_LOADING | CMD_STALE, 0, 0, 0, "scripting", "@slow @scripting",
     "Show helpful text about the different subcommands", "7.0.0", NULL},
    {"kill", cmd_function_kill, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, 0, 0, 0, "scripting", "@slow @scripting",
     "Kill the function currently in execution.", "7.0.0", NULL},
    {"list", cmd_function_list, -2, CMD_NOSCRIPT, 0, 0, 0, "scripting", "@slow @scripting",
     "List information about all the functions", "7.0.0", NULL},
    {"load", cmd_function_load, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, 0, 0, 0, "scripting",
     "@write @slow @scripting", "Create a function with the given arguments (name, code, description)",
     "7.0.0", NULL},
    {"restore", cmd_function_restore, -3, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, 0, 0, 0, "scripting",
     "@write @slow @scripting", "Restore all the functions on the given payload", "7.0.0", NULL},
    {"stats", cmd_function_stats, 2, CMD_NOSCRIPT | CMD_ALLOW_BUSY, 0, 0, 0, "scripting", "@slow @scripting",
     "Return information about the function currently running (name, description, duration)",
     "7.0.0", NULL},
    {NULL},
};

/* EVAL and friends: keys are counted by the argument after the script. */
#define SCRIPT_RUN_FLAGS (CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS)

struct command command_table[] = {
    {"get", cmd_get, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "string", "@read @string @fast",
     "Get the value of a key", "1.0.0", NULL},
    {"set", cmd_set, -3, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "@write @string @slow",
     "Set the string value of a key", "1.0.0", NULL},
    {"setnx", cmd_setnx, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Set the value of a key, only if the key does not exist", "1.0.0", NULL},
    {"setex", cmd_setex, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "@write @string @slow",
     "Set the value and expiration of a key", "2.0.0", NULL},
    {"psetex", cmd_psetex, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "@write @string @slow",
     "Set the value and expiration in milliseconds of a key", "2.6.0", NULL},
    {"getset", cmd_getset, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Set the string value of a key and return its old value", "1.0.0", NULL},
    {"getdel", cmd_getdel, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Get the value of a key and delete the key", "6.2.0", NULL},
    {"getex", cmd_getex, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Get the value of a key and optionally set its expiration", "6.2.0", NULL},
    {"mget", cmd_mget, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "string", "@read @string @fast",
     "Get the values of all the given keys", "1.0.0", NULL},
    {"mset", cmd_mset, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2, "string", "@write @string @slow",
     "Set multiple keys to multiple values", "1.0.1", NULL},
    {"msetnx", cmd_msetnx, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2, "string", "@write @string @slow",
     "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", NULL},
    {"append", cmd_append, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Append a value to a key", "2.0.0", NULL},
    {"strlen", cmd_strlen, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "string", "@read @string @fast",
     "Get the length of the value stored in a key", "2.2.0", NULL},
    {"lcs", cmd_lcs, -3, CMD_READONLY, 1, 2, 1, "string", "@read @string @slow",
     "Find longest common substring", "7.0.0", NULL},
    {"setbit", cmd_setbit, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "bitmap", "@write @bitmap @slow",
     "Sets or clears the bit at offset in the string value stored at key", "2.2.0", NULL},
    {"getbit", cmd_getbit, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "bitmap", "@read @bitmap @fast",
     "Returns the bit value at offset in the string value stored at key", "2.2.0", NULL},
    {"bitcount", cmd_bitcount, -2, CMD_READONLY, 1, 1, 1, "bitmap", "@read @bitmap @slow",
     "Count set bits in a string", "2.6.0", NULL},
    {"bitpos", cmd_bitpos, -3, CMD_READONLY, 1, 1, 1, "bitmap", "@read @bitmap @slow",
     "Find first bit set or clear in a string", "2.8.7", NULL},
    {"bitop", cmd_bitop, -4, CMD_WRITE | CMD_DENYOOM, 2, -1, 1, "bitmap", "@write @bitmap @slow",
     "Perform bitwise operations between strings", "2.6.0", NULL},
    {"bitfield", cmd_bitfield, -2, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "bitmap",
     "@write @bitmap @slow", "Perform arbitrary bitfield integer operations on strings", "3.2.0",
     NULL},
    {"bitfield_ro", cmd_bitfield_ro, -2, CMD_READONLY | CMD_FAST, 1, 1, 1, "bitmap",
     "@read @bitmap @fast",
     "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     "6.0.0", NULL},
    {"geoadd", cmd_geoadd, -5, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "geo", "@write @geo @slow",
     "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0", NULL},
    {"geodist", cmd_geodist, -4, CMD_READONLY, 1, 1, 1, "geo", "@read @geo @slow",
     "Returns the distance between two members of a geospatial index", "3.2.0", NULL},
    {"geohash", cmd_geohash, -2, CMD_READONLY, 1, 1, 1, "geo", "@read @geo @slow",
     "Returns members of a geospatial index as standard geohash strings", "3.2.0", NULL},
    {"geopos", cmd_geopos, -2, CMD_READONLY, 1, 1, 1, "geo", "@read @geo @slow",
     "Returns longitude and latitude of members of a geospatial index", "3.2.0", NULL},
    {"georadius", cmd_georadius, -6, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, 1, 1, 1, "geo", "@write @geo @slow",
     "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", "3.2.0", NULL, 0, georadius_find_keys},
    {"georadius_ro", cmd_georadius_ro, -6, CMD_READONLY, 1, 1, 1, "geo", "@read @geo @slow",
     "A read-only variant for GEORADIUS", "3.2.10", NULL},
    {"georadiusbymember", cmd_georadiusbymember, -5, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, 1, 1, 1, "geo", "@write @geo @slow",
     "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", "3.2.0", NULL, 0, georadius_find_keys},
    {"georadiusbymember_ro", cmd_georadiusbymember_ro, -5, CMD_READONLY, 1, 1, 1, "geo", "@read @geo @slow",
     "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", NULL},
    {"geosearch", cmd_geosearch, -7, CMD_READONLY, 1, 1, 1, "geo", "@read @geo @slow",
     "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0", NULL},
    {"geosearchstore", cmd_geosearchstore, -8, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "geo", "@write @geo @slow",
     "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", "6.2.0", NULL},
    {"xadd", cmd_xadd, -5, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "stream",
     "@write @stream @fast", "Appends a new entry to a stream", "5.0.0", NULL},
    {"xrange", cmd_xrange, -4, CMD_READONLY, 1, 1, 1, "stream", "@read @stream @slow",
     "Return a range of elements in a stream, with IDs matching the specified IDs interval",
     "5.0.0", NULL},
    {"xrevrange", cmd_xrevrange, -4, CMD_READONLY, 1, 1, 1, "stream", "@read @stream @slow",
     "Return a range of elements in a stream, with IDs matching the specified IDs interval, in "
     "reverse order (from greater to smaller IDs) compared to XRANGE", "5.0.0", NULL},
    {"xlen", cmd_xlen, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "stream", "@read @stream @fast",
     "Return the number of entries in a stream", "5.0.0", NULL},
    {"xdel", cmd_xdel, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "stream", "@write @stream @fast",
     "Removes the specified entries from the stream. Returns the number of items actually "
     "deleted, that may be different from the number of IDs passed in case certain IDs do not "
     "exist.", "5.0.0", NULL},
    {"xtrim", cmd_xtrim, -4, CMD_WRITE, 1, 1, 1, "stream", "@write @stream @slow",
     "Trims the stream to (approximately if '~' is passed) a certain size", "5.0.0", NULL},
    {"xread", cmd_xread, -4, CMD_READONLY | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "stream",
     "@read @stream @slow @blocking",
     "Return never seen elements in multiple streams, with IDs greater than the ones reported "
     "by the caller for each stream. Can block.", "5.0.0", NULL, 0, xread_find_keys},
    {"xreadgroup", cmd_xreadgroup, -7, CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0,
     "stream", "@write @stream @slow @blocking",
     "Return new entries from a stream using a consumer group, or access the history of the "
     "pending entries for a given consumer. Can block.", "5.0.0", NULL, 0, xread_find_keys},
    {"xsetid", cmd_xsetid, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "stream",
     "@write @stream @fast", "An internal command for replicating stream values", "5.0.0",
     NULL},
    {"xack", cmd_xack, -4, CMD_WRITE | CMD_FAST, 1, 1, 1, "stream", "@write @stream @fast",
     "Marks a pending message as correctly processed, effectively removing it from the pending "
     "entries list of the consumer group. Return value of the command is the number of "
     "messages successfully acknowledged, that is, the IDs we were actually able to resolve in "
     "the PEL.", "5.0.0", NULL},
    {"xpending", cmd_xpending, -3, CMD_READONLY, 1, 1, 1, "stream", "@read @stream @slow",
     "Return information and entries from a stream consumer group pending entries list, that "
     "are messages fetched but never acknowledged.", "5.0.0", NULL},
    {"xclaim", cmd_xclaim, -6, CMD_WRITE | CMD_FAST, 1, 1, 1, "stream", "@write @stream @fast",
     "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
     "delivered to the specified consumer.", "5.0.0", NULL},
    {"xautoclaim", cmd_xautoclaim, -6, CMD_WRITE | CMD_FAST, 1, 1, 1, "stream",
     "@write @stream @fast",
     "Changes (or acquires) ownership of messages in a consumer group, as if the messages were "
     "delivered to the specified consumer.", "6.2.0", NULL},
    {"xgroup", NULL, -2, 0, 0, 0, 0, "stream", "@slow", "A container for consumer groups commands",
     "5.0.0", xgroup_subcommands},
    {"xinfo", NULL, -2, 0, 0, 0, 0, "stream", "@slow",
     "A container for stream introspection commands", "5.0.0", xinfo_subcommands},
    {"pfadd", cmd_pfadd, -2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "hyperloglog",
     "@write @hyperloglog @fast", "Adds the specified elements to the specified HyperLogLog.",
     "2.8.9", NULL},
    {"pfcount", cmd_pfcount, -2, CMD_READONLY | CMD_MAY_REPLICATE, 1, -1, 1, "hyperloglog",
     "@read @hyperloglog @slow",
     "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
     "2.8.9", NULL},
    {"pfmerge", cmd_pfmerge, -2, CMD_WRITE | CMD_DENYOOM, 1, -1, 1, "hyperloglog",
     "@write @hyperloglog @slow", "Merge N different HyperLogLogs into a single one.", "2.8.9",
     NULL},
    {"pfdebug", cmd_pfdebug, 3, CMD_WRITE | CMD_DENYOOM | CMD_ADMIN, 2, 2, 1, "hyperloglog",
     "@write @hyperloglog @admin @slow @dangerous",
     "Internal commands for debugging HyperLogLog values", "2.8.9", NULL},
    {"pfselftest", cmd_pfselftest, 1, CMD_ADMIN, 0, 0, 0, "hyperloglog",
     "@hyperloglog @admin @slow @dangerous", "An internal command for testing HyperLogLog values",
     "2.8.9", NULL},
    {"getrange", cmd_getrange, 4, CMD_READONLY, 1, 1, 1, "string", "@read @string @slow",
     "Get a substring of the string stored at a key", "2.4.0", NULL},
    {"substr", cmd_getrange, 4, CMD_READONLY, 1, 1, 1, "string", "@read @string @slow",
     "Get a substring of the string stored at a key", "1.0.0", NULL},
    {"setrange", cmd_setrange, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "string", "@write @string @slow",
     "Overwrite part of a string at key starting at the specified offset", "2.2.0", NULL},
    {"incr", cmd_incr, 2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Increment the integer value of a key by one", "1.0.0", NULL},
    {"decr", cmd_decr, 2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Decrement the integer value of a key by one", "1.0.0", NULL},
    {"incrby", cmd_incrby, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Increment the integer value of a key by the given amount", "1.0.0", NULL},
    {"decrby", cmd_decrby, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Decrement the integer value of a key by the given number", "1.0.0", NULL},
    {"incrbyfloat", cmd_incrbyfloat, 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "string", "@write @string @fast",
     "Increment the float value of a key by the given amount", "2.6.0", NULL},
    {"del", cmd_del, -2, CMD_WRITE, 1, -1, 1, "generic", "@keyspace @write @slow",
     "Delete a key", "1.0.0", NULL},
    {"unlink", cmd_del, -2, CMD_WRITE | CMD_FAST, 1, -1, 1, "generic", "@keyspace @write @fast",
     "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", NULL},
    {"exists", cmd_exists, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "generic", "@keyspace @read @fast",
     "Determine if a key exists", "1.0.0", NULL},
    {"type", cmd_type, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "@keyspace @read @fast",
     "Determine the type stored at key", "1.0.0", NULL},
    {"keys", cmd_keys, 2, CMD_READONLY, 0, 0, 0, "generic", "@keyspace @read @slow @dangerous",
     "Find all keys matching the given pattern", "1.0.0", NULL},
    {"scan", cmd_scan, -2, CMD_READONLY, 0, 0, 0, "generic", "@keyspace @read @slow",
     "Incrementally iterate the keys space", "2.8.0", NULL},
    {"randomkey", cmd_randomkey, 1, CMD_READONLY, 0, 0, 0, "generic", "@keyspace @read @slow",
     "Return a random key from the keyspace", "1.0.0", NULL},
    {"rename", cmd_rename, 3, CMD_WRITE, 1, 2, 1, "generic", "@keyspace @write @slow",
     "Rename a key", "1.0.0", NULL},
    {"renamenx", cmd_renamenx, 3, CMD_WRITE | CMD_FAST, 1, 2, 1, "generic", "@keyspace @write @fast",
     "Rename a key, only if the new key does not exist", "1.0.0", NULL},
    {"touch", cmd_touch, -2, CMD_READONLY | CMD_FAST, 1, -1, 1, "generic", "@keyspace @read @fast",
     "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", NULL},
    {"move", cmd_move, 3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "@keyspace @write @fast",
     "Move a key to another database", "1.0.0", NULL},
    {"copy", cmd_copy, -3, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "generic", "@keyspace @write @slow",
     "Copy a key", "6.2.0", NULL},
    {"sort", cmd_sort, -2, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, 1, 1, 1, "generic",
     "@write @set @sortedset @list @slow @dangerous",
     "Sort the elements in a list, set or sorted set", "1.0.0", NULL, 0, sort_find_keys},
    {"sort_ro", cmd_sort_ro, -2, CMD_READONLY | CMD_MOVABLE_KEYS, 1, 1, 1, "generic",
     "@read @set @sortedset @list @slow @dangerous",
     "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", NULL, 0,
     sort_ro_find_keys},
    {"dump", cmd_dump, 2, CMD_READONLY, 1, 1, 1, "generic", "@keyspace @read @slow",
     "Return a serialized version of the value stored at the specified key.", "2.6.0", NULL},
    {"restore", cmd_restore, -4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "generic",
     "@keyspace @write @slow @dangerous",
     "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0", NULL},
    {"migrate", cmd_migrate, -6, CMD_WRITE | CMD_MOVABLE_KEYS, 3, 3, 1, "generic",
     "@keyspace @write @slow @dangerous",
     "Atomically transfer a key from a Redis instance to another one.", "2.6.0", NULL, 0,
     migrate_find_keys},
    {"debug", cmd_debug, -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@admin @slow @dangerous",
     "A container for debugging commands", "1.0.0", NULL},
    {"dbsize", cmd_dbsize, 1, CMD_READONLY | CMD_FAST, 0, 0, 0, "server", "@keyspace @read @fast",
     "Return the number of keys in the selected database", "1.0.0", NULL},
    {"flushdb", cmd_flushdb, -1, CMD_WRITE, 0, 0, 0, "server", "@keyspace @write @slow @dangerous",
     "Remove all keys from the current database", "1.0.0", NULL},
    {"flushall", cmd_flushall, -1, CMD_WRITE, 0, 0, 0, "server", "@keyspace @write @slow @dangerous",
     "Remove all keys from all databases", "1.0.0", NULL},
    {"swapdb", cmd_swapdb, 3, CMD_WRITE | CMD_FAST, 0, 0, 0, "server", "@keyspace @write @fast @dangerous",
     "Swaps two Redis databases", "4.0.0", NULL},
    {"expire", cmd_expire, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "@keyspace @write @fast",
     "Set a key's time to live in seconds", "1.0.0", NULL},
    {"pexpire", cmd_pexpire, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "@keyspace @write @fast",
     "Set a key's time to live in milliseconds", "2.6.0", NULL},
    {"expireat", cmd_expireat, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "@keyspace @write @fast",
     "Set the expiration for a key as a UNIX timestamp", "1.2.0", NULL},
    {"pexpireat", cmd_pexpireat, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "@keyspace @write @fast",
     "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", NULL},
    {"ttl", cmd_ttl, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "@keyspace @read @fast",
     "Get the time to live for a key in seconds", "1.0.0", NULL},
    {"pttl", cmd_pttl, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "@keyspace @read @fast",
     "Get the time to live for a key in milliseconds", "2.6.0", NULL},
    {"expiretime", cmd_expiretime, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "@keyspace @read @fast",
     "Get the expiration Unix timestamp for a key", "7.0.0", NULL},
    {"pexpiretime", cmd_pexpiretime, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "generic", "@keyspace @read @fast",
     "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", NULL},
    {"persist", cmd_persist, 2, CMD_WRITE | CMD_FAST, 1, 1, 1, "generic", "@keyspace @write @fast",
     "Remove the expiration from a key", "2.2.0", NULL},
    {"ping", cmd_ping, -1, CMD_FAST, 0, 0, 0, "connection", "@fast @connection",
     "Ping the server", "1.0.0", NULL},
    {"echo", cmd_echo, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "connection", "@fast @connection",
     "Echo the given string", "1.0.0", NULL},
    {"quit", cmd_quit, -1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "@fast @connection",
     "Close the connection", "1.0.0", NULL},
    {"reset", cmd_reset, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "@fast @connection",
     "Reset the connection", "6.2.0", NULL},
    {"hello", cmd_hello, -1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "@fast @connection",
     "Handshake with Redis", "6.0.0", NULL},
    {"auth", cmd_auth, -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY, 0, 0, 0, "connection", "@fast @connection",
     "Authenticate to the server", "1.0.0", NULL},
    {"select", cmd_select, 2, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "connection", "@fast @connection",
     "Change the selected database for the current connection", "1.0.0", NULL},
    {"lpush", cmd_lpush, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "list", "@write @list @fast",
     "Prepend one or multiple elements to a list", "1.0.0", NULL},
    {"rpush", cmd_rpush, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "list", "@write @list @fast",
     "Append one or multiple elements to a list", "1.0.0", NULL},
    {"lpushx", cmd_lpushx, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "list", "@write @list @fast",
     "Prepend an element to a list, only if the list exists", "2.2.0", NULL},
    {"rpushx", cmd_rpushx, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "list", "@write @list @fast",
     "Append an element to a list, only if the list exists", "2.2.0", NULL},
    {"lpop", cmd_lpop, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "list", "@write @list @fast",
     "Remove and get the first elements in a list", "1.0.0", NULL},
    {"rpop", cmd_rpop, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "list", "@write @list @fast",
     "Remove and get the last elements in a list", "1.0.0", NULL},
    {"llen", cmd_llen, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "list", "@read @list @fast",
     "Get the length of a list", "1.0.0", NULL},
    {"lrange", cmd_lrange, 4, CMD_READONLY, 1, 1, 1, "list", "@read @list @slow",
     "Get a range of elements from a list", "1.0.0", NULL},
    {"lindex", cmd_lindex, 3, CMD_READONLY, 1, 1, 1, "list", "@read @list @slow",
     "Get an element from a list by its index", "1.0.0", NULL},
    {"lset", cmd_lset, 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "list", "@write @list @slow",
     "Set the value of an element in a list by its index", "1.0.0", NULL},
    {"lrem", cmd_lrem, 4, CMD_WRITE, 1, 1, 1, "list", "@write @list @slow",
     "Remove elements from a list", "1.0.0", NULL},
    {"ltrim", cmd_ltrim, 4, CMD_WRITE, 1, 1, 1, "list", "@write @list @slow",
     "Trim a list to the specified range", "1.0.0", NULL},
    {"linsert", cmd_linsert, 5, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, "list", "@write @list @slow",
     "Insert an element before or after another element in a list", "2.2.0", NULL},
    {"lpos", cmd_lpos, -3, CMD_READONLY, 1, 1, 1, "list", "@read @list @slow",
     "Return the index of matching elements on a list", "6.0.6", NULL},
    {"rpoplpush", cmd_rpoplpush, 3, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "list", "@write @list @slow",
     "Remove the last element in a list, prepend it to another list and return it", "1.2.0", NULL},
    {"lmove", cmd_lmove, 5, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "list", "@write @list @slow",
     "Pop an element from a list, push it to another list and return it", "6.2.0", NULL},
    {"lmpop", cmd_lmpop, -4, CMD_WRITE | CMD_MOVABLE_KEYS, 0, 0, 0, "list", "@write @list @slow",
     "Pop elements from a list", "7.0.0", NULL, 1},
    {"blpop", cmd_blpop, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2, 1, "list", "@write @list @slow @blocking",
     "Remove and get the first element in a list, or block until one is available", "2.0.0", NULL},
    {"brpop", cmd_brpop, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING, 1, -2, 1, "list", "@write @list @slow @blocking",
     "Remove and get the last element in a list, or block until one is available", "2.0.0", NULL},
    {"brpoplpush", cmd_brpoplpush, 4, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1, "list", "@write @list @slow @blocking",
     "Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", NULL},
    {"blmove", cmd_blmove, 6, CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING, 1, 2, 1, "list", "@write @list @slow @blocking",
     "Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", NULL},
    {"blmpop", cmd_blmpop, -5, CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "list", "@write @list @slow @blocking",
     "Pop elements from a list, or block until one is available", "7.0.0", NULL, 2},
    {"hset", cmd_hset, -4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "hash", "@write @hash @fast",
     "Set the string value of a hash field", "2.0.0", NULL},
    {"hsetnx", cmd_hsetnx, 4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "hash", "@write @hash @fast",
     "Set the value of a hash field, only if the field does not exist", "2.0.0", NULL},
    {"hget", cmd_hget, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "hash", "@read @hash @fast",
     "Get the value of a hash field", "2.0.0", NULL},
    {"hmget", cmd_hmget, -3, CMD_READONLY | CMD_FAST, 1, 1, 1, "hash", "@read @hash @fast",
     "Get the values of all the given hash fields", "2.0.0", NULL},
    {"hmset", cmd_hmset, -4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "hash", "@write @hash @fast",
     "Set multiple hash fields to multiple values", "2.0.0", NULL},
    {"hgetall", cmd_hgetall, 2, CMD_READONLY, 1, 1, 1, "hash", "@read @hash @slow",
     "Get all the fields and values in a hash", "2.0.0", NULL},
    {"hdel", cmd_hdel, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "hash", "@write @hash @fast",
     "Delete one or more hash fields", "2.0.0", NULL},
    {"hexists", cmd_hexists, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "hash", "@read @hash @fast",
     "Determine if a hash field exists", "2.0.0", NULL},
    {"hlen", cmd_hlen, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "hash", "@read @hash @fast",
     "Get the number of fields in a hash", "2.0.0", NULL},
    {"hkeys", cmd_hkeys, 2, CMD_READONLY, 1, 1, 1, "hash", "@read @hash @slow",
     "Get all the fields in a hash", "2.0.0", NULL},
    {"hvals", cmd_hvals, 2, CMD_READONLY, 1, 1, 1, "hash", "@read @hash @slow",
     "Get all the values in a hash", "2.0.0", NULL},
    {"hstrlen", cmd_hstrlen, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "hash", "@read @hash @fast",
     "Get the length of the value of a hash field", "3.2.0", NULL},
    {"hincrby", cmd_hincrby, 4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "hash", "@write @hash @fast",
     "Increment the integer value of a hash field by the given number", "2.0.0", NULL},
    {"hincrbyfloat", cmd_hincrbyfloat, 4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "hash", "@write @hash @fast",
     "Increment the float value of a hash field by the given amount", "2.6.0", NULL},
    {"hrandfield", cmd_hrandfield, -2, CMD_READONLY, 1, 1, 1, "hash", "@read @hash @slow",
     "Get one or multiple random fields from a hash", "6.2.0", NULL},
    {"hscan", cmd_hscan, -3, CMD_READONLY, 1, 1, 1, "hash", "@read @hash @slow",
     "Incrementally iterate hash fields and associated values", "2.8.0", NULL},
    {"sadd", cmd_sadd, -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "set", "@write @set @fast",
     "Add one or more members to a set", "1.0.0", NULL},
    {"srem", cmd_srem, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "set", "@write @set @fast",
     "Remove one or more members from a set", "1.0.0", NULL},
    {"smembers", cmd_smembers, 2, CMD_READONLY, 1, 1, 1, "set", "@read @set @slow",
     "Get all the members in a set", "1.0.0", NULL},
    {"sismember", cmd_sismember, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "set", "@read @set @fast",
     "Determine if a given value is a member of a set", "1.0.0", NULL},
    {"smismember", cmd_smismember, -3, CMD_READONLY | CMD_FAST, 1, 1, 1, "set", "@read @set @fast",
     "Returns the membership associated with the given elements for a set", "6.2.0", NULL},
    {"scard", cmd_scard, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "set", "@read @set @fast",
     "Get the number of members in a set", "1.0.0", NULL},
    {"spop", cmd_spop, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "set", "@write @set @fast",
     "Remove and return one or multiple random members from a set", "1.0.0", NULL},
    {"srandmember", cmd_srandmember, -2, CMD_READONLY, 1, 1, 1, "set", "@read @set @slow",
     "Get one or multiple random members from a set", "1.0.0", NULL},
    {"smove", cmd_smove, 4, CMD_WRITE | CMD_FAST, 1, 2, 1, "set", "@write @set @fast",
     "Move a member from one set to another", "1.0.0", NULL},
    {"sinter", cmd_sinter, -2, CMD_READONLY, 1, -1, 1, "set", "@read @set @slow",
     "Intersect multiple sets", "1.0.0", NULL},
    {"sinterstore", cmd_sinterstore, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 1, "set", "@write @set @slow",
     "Intersect multiple sets and store the resulting set in a key", "1.0.0", NULL},
    {"sunion", cmd_sunion, -2, CMD_READONLY, 1, -1, 1, "set", "@read @set @slow",
     "Add multiple sets", "1.0.0", NULL},
    {"sunionstore", cmd_sunionstore, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 1, "set", "@write @set @slow",
     "Add multiple sets and store the resulting set in a key", "1.0.0", NULL},
    {"sdiff", cmd_sdiff, -2, CMD_READONLY, 1, -1, 1, "set", "@read @set @slow",
     "Subtract multiple sets", "1.0.0", NULL},
    {"sdiffstore", cmd_sdiffstore, -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 1, "set", "@write @set @slow",
     "Subtract multiple sets and store the resulting set in a key", "1.0.0", NULL},
    {"sintercard", cmd_sintercard, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "set", "@read @set @slow",
     "Intersect multiple sets and return the cardinality of the result", "7.0.0", NULL, 1},
    {"sscan", cmd_sscan, -3, CMD_READONLY, 1, 1, 1, "set", "@read @set @slow",
     "Incrementally iterate Set elements", "2.8.0", NULL},
    {"zadd", cmd_zadd, -4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "sorted-set", "@write @sortedset @fast",
     "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", NULL},
    {"zincrby", cmd_zincrby, 4, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, "sorted-set", "@write @sortedset @fast",
     "Increment the score of a member in a sorted set", "1.2.0", NULL},
    {"zrem", cmd_zrem, -3, CMD_WRITE | CMD_FAST, 1, 1, 1, "sorted-set", "@write @sortedset @fast",
     "Remove one or more members from a sorted set", "1.2.0", NULL},
    {"zscore", cmd_zscore, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Get the score associated with the given member in a sorted set", "1.2.0", NULL},
    {"zmscore", cmd_zmscore, -3, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Get the score associated with the given members in a sorted set", "6.2.0", NULL},
    {"zcard", cmd_zcard, 2, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Get the number of members in a sorted set", "1.2.0", NULL},
    {"zcount", cmd_zcount, 4, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Count the members in a sorted set with scores within the given values", "2.0.0", NULL},
    {"zlexcount", cmd_zlexcount, 4, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Count the number of members in a sorted set between a given lexicographical range", "2.8.9", NULL},
    {"zrank", cmd_zrank, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Determine the index of a member in a sorted set", "2.0.0", NULL},
    {"zrevrank", cmd_zrevrank, 3, CMD_READONLY | CMD_FAST, 1, 1, 1, "sorted-set", "@read @sortedset @fast",
     "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", NULL},
    {"zrange", cmd_zrange, -4, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Return a range of members in a sorted set", "1.2.0", NULL},
    {"zrangestore", cmd_zrangestore, -5, CMD_WRITE | CMD_DENYOOM, 1, 2, 1, "sorted-set", "@write @sortedset @slow",
     "Store a range of members from sorted set into another key", "6.2.0", NULL},
    {"zrevrange", cmd_zrevrange, -4, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", NULL},
    {"zrangebyscore", cmd_zrangebyscore, -4, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Return a range of members in a sorted set, by score", "1.0.5", NULL},
    {"zrevrangebyscore", cmd_zrevrangebyscore, -4, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", NULL},
    {"zrangebylex", cmd_zrangebylex, -4, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Return a range of members in a sorted set, by lexicographical range", "2.8.9", NULL},
    {"zrevrangebylex", cmd_zrevrangebylex, -4, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", NULL},
    {"zremrangebyrank", cmd_zremrangebyrank, 4, CMD_WRITE, 1, 1, 1, "sorted-set", "@write @sortedset @slow",
     "Remove all members in a sorted set within the given indexes", "2.0.0", NULL},
    {"zremrangebyscore", cmd_zremrangebyscore, 4, CMD_WRITE, 1, 1, 1, "sorted-set", "@write @sortedset @slow",
     "Remove all members in a sorted set within the given scores", "1.2.0", NULL},
    {"zremrangebylex", cmd_zremrangebylex, 4, CMD_WRITE, 1, 1, 1, "sorted-set", "@write @sortedset @slow",
     "Remove all members in a sorted set between the given lexicographical range", "2.8.9", NULL},
    {"zpopmin", cmd_zpopmin, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "sorted-set", "@write @sortedset @fast",
     "Remove and return members with the lowest scores in a sorted set", "5.0.0", NULL},
    {"zpopmax", cmd_zpopmax, -2, CMD_WRITE | CMD_FAST, 1, 1, 1, "sorted-set", "@write @sortedset @fast",
     "Remove and return members with the highest scores in a sorted set", "5.0.0", NULL},
    {"bzpopmin", cmd_bzpopmin, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST, 1, -2, 1, "sorted-set", "@write @sortedset @fast @blocking",
     "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "5.0.0", NULL},
    {"bzpopmax", cmd_bzpopmax, -3, CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST, 1, -2, 1, "sorted-set", "@write @sortedset @fast @blocking",
     "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "5.0.0", NULL},
    {"zmpop", cmd_zmpop, -4, CMD_WRITE | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set", "@write @sortedset @slow",
     "Remove and return members with scores in a sorted set", "7.0.0", NULL, 1},
    {"bzmpop", cmd_bzmpop, -5, CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set", "@write @sortedset @slow @blocking",
     "Remove and return members with scores in a sorted set or block until one is available", "7.0.0", NULL, 2},
    {"zrandmember", cmd_zrandmember, -2, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Get one or multiple random elements from a sorted set", "6.2.0", NULL},
    {"zunionstore", cmd_zunionstore, -4, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, 1, 1, 1, "sorted-set", "@write @sortedset @slow",
     "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", NULL, 2},
    {"zinterstore", cmd_zinterstore, -4, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, 1, 1, 1, "sorted-set", "@write @sortedset @slow",
     "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", NULL, 2},
    {"zdiffstore", cmd_zdiffstore, -4, CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, 1, 1, 1, "sorted-set", "@write @sortedset @slow",
     "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", NULL, 2},
    {"zunion", cmd_zunion, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set", "@read @sortedset @slow",
     "Add multiple sorted sets", "6.2.0", NULL, 1},
    {"zinter", cmd_zinter, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set", "@read @sortedset @slow",
     "Intersect multiple sorted sets", "6.2.0", NULL, 1},
    {"zdiff", cmd_zdiff, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set", "@read @sortedset @slow",
     "Subtract multiple sorted sets", "6.2.0", NULL, 1},
    {"zintercard", cmd_zintercard, -3, CMD_READONLY | CMD_MOVABLE_KEYS, 0, 0, 0, "sorted-set", "@read @sortedset @slow",
     "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", NULL, 1},
    {"zscan", cmd_zscan, -3, CMD_READONLY, 1, 1, 1, "sorted-set", "@read @sortedset @slow",
     "Incrementally iterate sorted sets elements and associated scores", "2.8.0", NULL},
    {"multi", cmd_multi, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0, 0, 0, "transactions", "@fast @transaction",
     "Mark the start of a transaction block", "1.2.0", NULL},
    {"exec", cmd_exec, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG, 0, 0, 0, "transactions", "@slow @transaction",
     "Execute all commands issued after MULTI", "1.2.0", NULL},
    {"discard", cmd_discard, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0, 0, 0, "transactions", "@fast @transaction",
     "Discard all commands issued after MULTI", "2.0.0", NULL},
    {"watch", cmd_watch, -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 1, -1, 1, "transactions", "@fast @transaction",
     "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0", NULL},
    {"unwatch", cmd_unwatch, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, 0, 0, 0, "transactions", "@fast @transaction",
     "Forget about all watched keys", "2.2.0", NULL},
    {"subscribe", cmd_subscribe, -2, CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Listen for messages published to the given channels", "2.0.0", NULL},
    {"unsubscribe", cmd_unsubscribe, -1, CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Stop listening for messages posted to the given channels", "2.0.0", NULL},
    {"psubscribe", cmd_psubscribe, -2, CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Listen for messages published to channels matching the given patterns", "2.0.0", NULL},
    {"punsubscribe", cmd_punsubscribe, -1, CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "pubsub", "@pubsub @slow",
     "Stop listening for messages posted to channels matching the given patterns", "2.0.0", NULL},
    {"publish", cmd_publish, 3, CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE, 0, 0, 0, "pubsub", "@pubsub @fast",
     "Post a message to a channel", "2.0.0", NULL},
    {"ssubscribe", cmd_ssubscribe, -2, CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 1, -1, 1, "pubsub", "@pubsub @slow",
     "Listen for messages published to the given shard channels", "7.0.0", NULL},
    {"sunsubscribe", cmd_sunsubscribe, -1, CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 1, -1, 1, "pubsub", "@pubsub @slow",
     "Stop listening for messages posted to the given shard channels", "7.0.0", NULL},
    {"spublish", cmd_spublish, 3, CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE, 1, 1, 1, "pubsub", "@pubsub @fast",
     "Post a message to a shard channel", "7.0.0", NULL},
    {"pubsub", NULL, -2, 0, 0, 0, 0, "pubsub", "@slow",
     "A container for Pub/Sub commands", "2.8.0", pubsub_subcommands},
    {"object", NULL, -2, 0, 0, 0, 0, "generic", "@slow",
     "A container for object introspection commands", "2.2.3", object_subcommands},
    {"cluster", NULL, -2, 0, 0, 0, 0, "cluster", "@slow", "A container for cluster commands",
     "3.0.0", cluster_subcommands},
    {"memory", NULL, -2, 0, 0, 0, 0, "server", "@slow",
     "A container for memory diagnostics commands", "4.0.0", memory_subcommands},
    {"module", NULL, -2, 0, 0, 0, 0, "server", "@slow", "A container for module commands",
     "4.0.0", module_subcommands},
    {"latency", NULL, -2, 0, 0, 0, 0, "server", "@slow",
     "A container for latency diagnostics commands", "2.8.13", latency_subcommands},
    {"slowlog", NULL, -2, 0, 0, 0, 0, "server", "@slow",
     "A container for slow log commands", "2.2.12", slowlog_subcommands},
    {"client", NULL, -2, 0, 0, 0, 0, "connection", "@slow",
     "A container for client connection commands", "2.4.0", client_subcommands},
    {"info", cmd_info, -1, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @dangerous",
     "Get information and statistics about the server", "1.0.0", NULL},
    {"config", NULL, -2, 0, 0, 0, 0, "server", "@slow",
     "A container for server configuration commands", "2.0.0", config_subcommands},
    {"lolwut", cmd_lolwut, -1, CMD_READONLY | CMD_FAST, 0, 0, 0, "server", "@read @fast",
     "Display some computer art and the Redis version", "5.0.0", NULL},
    {"time", cmd_time, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "server", "@fast",
     "Return the current server time", "2.6.0", NULL},
    {"role", cmd_role, 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_SENTINEL, 0, 0,
     0, "server", "@admin @fast @dangerous",
     "Return the role of the instance in the context of replication", "2.8.12", NULL},
    {"lastsave", cmd_lastsave, 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, 0, 0, "server", "@admin @fast @dangerous",
     "Get the UNIX time stamp of the last successful save to disk", "1.0.0", NULL},
    {"monitor", cmd_monitor, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, 0, 0, 0, "server",
     "@admin @slow @dangerous", "Listen for all requests received by the server in real time",
     "1.0.0", NULL},
    {"save", cmd_save, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Synchronously save the dataset to disk", "1.0.0", NULL},
    {"bgrewriteaof", cmd_bgrewriteaof, 1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Asynchronously rewrite the append-only file", "1.0.0", NULL},
    {"bgsave", cmd_bgsave, -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Asynchronously save the dataset to disk", "1.0.0", NULL},
    {"shutdown", cmd_shutdown, -1, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI | CMD_ALLOW_BUSY, 0, 0, 0, "server", "@admin @slow @dangerous",
     "Synchronously save the dataset to disk and then shut down the server", "1.0.0", NULL},
    {"eval", cmd_eval, -3, SCRIPT_RUN_FLAGS | CMD_MAY_REPLICATE, 0, 0, 0, "scripting", "@slow @scripting",
     "Execute a Lua script server side", "2.6.0", NULL, 2},
    {"evalsha", cmd_evalsha, -3, SCRIPT_RUN_FLAGS | CMD_MAY_REPLICATE, 0, 0, 0, "scripting", "@slow @scripting",
     "Execute a Lua script server side", "2.6.0", NULL, 2},
    {"eval_ro", cmd_eval_ro, -3, CMD_READONLY | SCRIPT_RUN_FLAGS, 0, 0, 0, "scripting", "@slow @scripting",
     "Execute a read-only Lua script server side", "7.0.0", NULL, 2},
    {"evalsha_ro", cmd_evalsha_ro, -3, CMD_READONLY | SCRIPT_RUN_FLAGS, 0, 0, 0, "scripting", "@slow @scripting",
     "Execute a read-only Lua script server side", "7.0.0", NULL, 2},
    {"fcall", cmd_fcall, -3, SCRIPT_RUN_FLAGS | CMD_MAY_REPLICATE, 0, 0, 0, "scripting", "@slow @scripting",
     "Invoke a function", "7.0.0", NULL, 2},
    {"fcall_ro", cmd_fcall_ro, -3, CMD_READONLY | SCRIPT_RUN_FLAGS, 0, 0, 0, "scripting", "@slow @scripting",
     "Invoke a read-only function", "7.0.0", NULL, 2},
    {"script", NULL, -2, 0, 0, 0, 0, "scripting", "@slow",
     "A container for Lua scripts management commands", "2.6.0", script_subcommands},
    {"function", NULL, -2, 0, 0, 0, 0, "scripting", "@slow", "A container for function commands",
     "7.0.0", function_subcommands},
    {"command", cmd_command, -1, CMD_LOADING | CMD_STALE, 0, 0, 0, "server", "@slow @connection",
     "Get array of Redis command details", "2.8.13", command_subcommands},
};

const size_t command_table_len = sizeof command_table / sizeof command_table[0];

/* Open-addressing index from name (any case) to command, built at start-up and again after a
 * rename-command. Four times the commands Redis has, so probes stay short. */
#define INDEX_SIZE 1024
static struct index_slot {
    const char *name; /* the command's own, or what rename-command gave it */
    struct command *cmd;
} command_index[INDEX_SIZE];
/* rename-command: each command's name in the index (NULL: the command's own; "": removed). */
static char *renamed[sizeof command_table / sizeof command_table[0]];
static long long error_counts[64];
static char error_codes[64][32];
static int nerror_codes;
static long long total_error_replies;
static int executing; /* the handler is running (its errors are failures, not rejections) */

static size_t name_hash(const char *name, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)(name[i] | 0x20);
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

static void build_index(void) {
    memset(command_index, 0, sizeof command_index);
    for (size_t i = 0; i < command_table_len; i++) {
        const char *name = renamed[i] ? renamed[i] : command_table[i].name;
        if (!name[0]) continue;
        size_t slot = name_hash(name, strlen(name)) % INDEX_SIZE;
        while (command_index[slot].cmd) slot = (slot + 1) % INDEX_SIZE;
        command_index[slot] = (struct index_slot){name, &command_table[i]};
    }
}

void commands_init(void) {
    _Static_assert(sizeof command_table / sizeof command_table[0] < INDEX_SIZE / 2,
                   "the command index needs room");
    for (size_t i = 0; i < command_table_len; i++) {
        struct command *cmd = &command_table[i];
        snprintf(cmd->fullname, sizeof cmd->fullname, "%s", cmd->name);
        for (struct command *sub = cmd->subcommands; sub && sub->name; sub++) {
            sub->parent = cmd;
            snprintf(sub->fullname, sizeof sub->fullname, "%s|%s", cmd->name, sub->name);
        }
    }
    build_index();
}

const struct command *command_lookup(const char *name, size_t len) {
    size_t slot = name_hash(name, len) % INDEX_SIZE;
    for (; command_index[slot].cmd; slot = (slot + 1) % INDEX_SIZE) {
        const char *n = command_index[slot].name;
        if (strlen(n) == len && strncasecmp(n, name, len) == 0) return command_index[slot].cmd;
    }
    return NULL;
}

int command_rename(const char *from, size_t flen, const char *to, size_t tlen, const char **why) {
    const struct command *cmd = command_lookup(from, flen);
    if (!cmd) {
        *why = "No such command in rename-command";
        return -1;
    }
    /* Redis takes the old name out first: a command may be renamed to its own name. */
    const struct command *taken = tlen ? command_lookup(to, tlen) : NULL;
    if (taken && taken != cmd) {
        *why = "Target command name already exists";
        return -1;
    }
    size_t i = (size_t)(cmd - command_table);
    mem_free(renamed[i]);
    renamed[i] = mem_alloc(tlen + 1);
    memcpy(renamed[i], to, tlen);
    renamed[i][tlen] = '\0';
    build_index();
    return 0;
}

static struct command *find_subcommand(const struct command *cmd, const resp_arg *a) {
    for (struct command *sub = cmd->subcommands; sub->name; sub++)
        if (strlen(sub->name) == a->len && strncasecmp(sub->name, a->ptr, a->len) == 0) return sub;
    return NULL;
}

const struct command *command_lookup_full_name(const resp_arg *a) {
    const char *bar = memchr(a->ptr, '|', a->len);
    if (!bar) return command_lookup(a->ptr, a->len);
    const struct command *cmd = command_lookup(a->ptr, (size_t)(bar - a->ptr));
    if (!cmd || !cmd->subcommands) return NULL;
    size_t sublen = a->len - (size_t)(bar - a->ptr) - 1;
    for (const struct command *s = cmd->subcommands; s->name; s++)
        if (strlen(s->name) == sublen && strncasecmp(s->name, bar + 1, sublen) == 0) return s;
    return NULL;
}

const struct command *command_lookup_argv(const resp_arg *argv, size_t argc) {
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (cmd && cmd->subcommands && argc >= 2) return find_subcommand(cmd, &argv[1]);
    return cmd;
}

int command_arity_ok(const struct command *cmd, size_t argc) {
    return cmd->arity > 0 ? (size_t)cmd->arity == argc : argc >= (size_t)-cmd->arity;
}

const char *command_fullname(const struct command *cmd) { return cmd ? cmd->fullname : ""; }

/* Error replies are counted by their code (the first word), as INFO errorstats shows. */
static void count_error_code(const char *msg) {
    const char *start = "ERR", *end = start + 3;
    if (msg[0] == '-') {
        start = end = msg + 1;
        while (*end && *end != ' ' && end - start < 31) end++;
    }
    size_t len = (size_t)(end - start);
    int i;
    for (i = 0; i < nerror_codes; i++)
        if (strlen(error_codes[i]) == len && memcmp(error_codes[i], start, len) == 0) break;
    if (i == nerror_codes) {
        if (nerror_codes == 64) return;
        memcpy(error_codes[i], start, len);
        error_codes[i][len] = '\0';
        nerror_codes++;
    }
    error_counts[i]++;
}

void command_count_error(client *c, const char *msg) {
    total_error_replies++;
    count_error_code(msg);
    struct command *cmd = (struct command *)c->last_cmd;
    if (!cmd) return;
    if (executing) {
        cmd->stats.failed_calls++;
    } else {
        cmd->stats.rejected_calls++;
    }
}

void command_count_failure(client *c) {
    if (c->last_cmd) ((struct command *)c->last_cmd)->stats.failed_calls++;
}

void command_count_rejected(const struct command *cmd, const char *msg) {
    total_error_replies++;
    count_error_code(msg);
    if (cmd) ((struct command *)cmd)->stats.rejected_calls++;
}

long long commands_total_errors(void) { return total_error_replies; }

static void reject_unknown_command(client *c) {
    char args[256];
    size_t n = 0;
    for (size_t i = 1; i < c->argc && n < 128; i++) {
        size_t room = 128 - n, len = c->argv[i].len < room ? c->argv[i].len : room;
        n += (size_t)snprintf(args + n, sizeof args - n, "'%.*s' ", (int)len, c->argv[i].ptr);
    }
    args[n] = '\0';
    size_t namelen = c->argv[0].len < 128 ? c->argv[0].len : 128;
    reply_errorf(c, "unknown command '%.*s', with args beginning with: %s", (int)namelen,
                 c->argv[0].ptr, args);
}

/* enable-debug-command and enable-module-command: no, yes, or local (loopback clients). */
static int protected_allowed(client *c, const char *setting) {
    long long mode = config_number(setting);
    return mode == ENABLE_YES || (mode == ENABLE_LOCAL && client_is_local(c));
}

static int auth_required(client *c) {
    return server.cfg.requirepass[0] && !(c->flags & CLIENT_AUTHENTICATED);
}

/* The one place in core/ that knows every feature, on purpose: MULTI queuing and EXECABORT
 * (features/multi), serving blocked clients after the command (features/blocking), scripts'
 * flags and BUSY (scripting/), subscribed mode (features/pubsub), MISCONF after a failed
 * save (persistence/snapshot), OOM and eviction (keyspace/evict), and AUTH. */
static void dispatch(client *c) {
    const struct command *found = command_lookup(c->argv[0].ptr, c->argv[0].len);
    c->last_cmd = NULL;
    if (!found) {
        reject_unknown_command(c);
        multi_flag_error(c);
        return;
    }
    struct command *cmd = (struct command *)found;
    if (cmd->subcommands && c->argc >= 2) {
        struct command *sub = find_subcommand(cmd, &c->argv[1]);
        if (!sub) {
            char upper[48];
            size_t i;
            for (i = 0; cmd->name[i] && i < sizeof upper - 1; i++)
                upper[i] = (char)(cmd->name[i] & ~0x20);
            upper[i] = '\0';
            size_t len = c->argv[1].len < 128 ? c->argv[1].len : 128;
            reply_errorf(c, "unknown subcommand '%.*s'. Try %s HELP.", (int)len, c->argv[1].ptr,
                         upper);
            multi_flag_error(c);
            return;
        }
        cmd = sub;
    }
    c->last_cmd = cmd;
    if (!command_arity_ok(cmd, c->argc)) {
        char msg[128];
        snprintf(msg, sizeof msg, "wrong number of arguments for '%s' command", cmd->fullname);
        multi_reject(c, cmd, msg);
        return;
    }
    if (auth_required(c) && !(cmd->flags & CMD_NO_AUTH)) {
        multi_reject(c, cmd, ERR_NOAUTH);
        return;
    }
    int debug = cmd->proc == cmd_debug;
    if ((debug || cmd->proc == cmd_module_load || cmd->proc == cmd_module_unload) &&
        !protected_allowed(c, debug ? "enable-debug-command" : "enable-module-command")) {
        char msg[320];
        snprintf(msg, sizeof msg, "%s command not allowed. If the %s option is set to \"local\", you "
                 "can run it from a local connection, otherwise you need to set this option in "
                 "the configuration file, and then restart the server.",
                 debug ? "DEBUG" : "MODULE", debug ? "enable-debug-command" : "enable-module-command");
        multi_reject(c, cmd, msg);
        return;
    }
    /* No eviction while loading: the dataset is not whole yet (as Redis). */
    if (server.cfg.maxmemory && !scripting_running() && !server.loading) {
        server.oom_before_command = evict_to_fit();
        /* In MULTI even a read is refused: queuing costs memory too. */
        int may_grow = (scripting_command_flags(cmd, c->argv, c->argc) & CMD_DENYOOM) ||
                       (cmd->proc == cmd_exec && multi_queued_flag(c, CMD_DENYOOM)) ||
                       ((c->flags & CLIENT_MULTI) && cmd->proc != cmd_exec &&
                        cmd->proc != cmd_discard && cmd->proc != cmd_quit && cmd->proc != cmd_reset);
        if (server.oom_before_command && may_grow) {
            multi_reject(c, cmd, ERR_OOM);
            return;
        }
    } else {
        server.oom_before_command = 0;
    }
    /* PING too, as in Redis: health checks should see the failing disk. */
    const char *disk_error = snapshot_refuses_writes() ? ERR_MISCONF : aof_write_error();
    if (disk_error &&
        ((scripting_command_flags(cmd, c->argv, c->argc) & CMD_WRITE) || cmd->proc == cmd_ping ||
         (cmd->proc == cmd_exec && multi_queued_flag(c, CMD_WRITE)))) {
        multi_reject(c, cmd, disk_error);
        return;
    }
    if (server.loading && !(cmd->flags & CMD_LOADING)) {
        multi_reject(c, cmd, ERR_LOADING);
        return;
    }
    if (pubsub_count(c) && !pubsub_allowed_in_context(cmd)) {
        char msg[160];
        snprintf(msg, sizeof msg, "Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                 "PING / QUIT / RESET are allowed in this context", cmd->fullname);
        multi_reject(c, cmd, msg);
        return;
    }
    if ((c->flags & CLIENT_MULTI) && (cmd->flags & CMD_NO_MULTI)) {
        multi_reject(c, cmd, "Command not allowed inside a transaction");
        return;
    }
    if (scripting_timed_out() && !(cmd->flags & CMD_ALLOW_BUSY)) {
        multi_reject(c, cmd, scripting_busy_error());
        return;
    }
    /* A monitoring client counts as a replica, as in Redis: the keyspace is closed to it, and
     * CLIENT PAUSE does not hold it. */
    if (c->flags & CLIENT_MONITOR) {
        unsigned keyspace = CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE;
        if ((scripting_command_flags(cmd, c->argv, c->argc) & keyspace) ||
            (cmd->proc == cmd_exec && multi_queued_flag(c, keyspace))) {
            multi_reject(c, cmd, "Replica can't interact with the keyspace");
            return;
        }
    } else if (pause_holds(c, cmd)) {
        /* Last, as in Redis: a command refused for another reason is refused at once. */
        pause_postpone(c);
        return;
    }
    if ((c->flags & CLIENT_MULTI) && !multi_runs_immediately(cmd)) {
        multi_queue(c, cmd);
        return;
    }
    command_call(c, cmd);
    /* Clients waiting on keys this command filled are served now that it is complete. */
    if (blocking_has_ready_keys() && !server.in_exec) blocking_serve_ready_keys();
}

void command_execute(client *c) {
    /* Clients are served while a script runs past its time limit: what refuses their
     * commands then is a rejection, although a command (the script's) is executing. */
    int outer_executing = executing;
    executing = 0;
    size_t mark = c->reply.len;
    dispatch(c);
    executing = outer_executing;
    /* A postponed command has not run: it runs again, with the reply flags it has now. */
    if (c->flags & CLIENT_POSTPONED) return;
    if (c->tracking) tracking_command_done(c, c->last_cmd);
    /* CLIENT REPLY OFF or SKIP: what the command said is dropped, but subscribing and
     * unsubscribing still confirm, as in Redis 7.0 (a client needs them to follow its state). */
    if ((c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) && c->reply_sent <= mark &&
        !(c->last_cmd && pubsub_is_subscription(c->last_cmd)))
        c->reply.len = mark;
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
}

size_t command_foreach_key(const struct command *cmd, const resp_arg *argv, size_t argc,
                           void (*fn)(const resp_arg *key, void *ctx), void *ctx) {
    size_t n = 0;
    if (cmd->find_keys) {
        size_t small[16], *index = argc <= 16 ? small : mem_alloc(argc * sizeof *index);
        size_t count = cmd->find_keys(argv, argc, index, argc);
        for (size_t i = 0; i < count && fn; i++) fn(&argv[index[i]], ctx);
        if (index != small) mem_free(index);
        return count;
    }
    if (cmd->first_key > 0) {
        long long last = cmd->last_key < 0 ? (long long)argc + cmd->last_key : cmd->last_key;
        for (long long i = cmd->first_key; i <= last && i < (long long)argc; i += cmd->key_step, n++)
            if (fn) fn(&argv[i], ctx);
    }
    if (cmd->flags & CMD_MOVABLE_KEYS) {
        long long numkeys;
        size_t idx = (size_t)cmd->keynum_index, first = idx + 1;
        if (idx >= argc || str_to_ll(argv[idx].ptr, argv[idx].len, &numkeys) != 0 ||
            numkeys < 0 || (unsigned long long)numkeys > argc - first)
            return n;
        for (size_t i = 0; i < (size_t)numkeys; i++, n++)
            if (fn) fn(&argv[first + i], ctx);
    }
    return n;
}

#define MAX_REDACTED 8 /* secrets in one command: CONFIG SET of every sensitive setting at most */
static size_t redacted[MAX_REDACTED], nredacted;

void command_redact_arg(size_t i) {
    if (nredacted < MAX_REDACTED) redacted[nredacted++] = i;
}

int command_arg_redacted(size_t i) {
    for (size_t j = 0; j < nredacted; j++)
        if (redacted[j] == i) return 1;
    return 0;
}

/* A read by a tracking client: the keys it read are remembered for it. A script's reads
 * count for its caller, with the script's declared keys (as Redis does); the _RO script
 * commands themselves remember nothing, their commands do. */
static void remember_tracked_keys(client *c, const struct command *cmd) {
    if (cmd->proc == cmd_eval_ro || cmd->proc == cmd_evalsha_ro || cmd->proc == cmd_fcall_ro) return;
    if (c->flags & CLIENT_SCRIPT) {
        client *caller = scripting_caller();
        if (caller && caller->last_cmd) tracking_remember_keys(caller, caller->last_cmd, caller->argv, caller->argc);
    } else {
        tracking_remember_keys(c, cmd, c->argv, c->argc);
    }
}

void command_call(client *c, const struct command *cmd) {
    struct command *stats_of = (struct command *)cmd;
    long long start = time_us();
    client *outer = server.current;
    /* Time stands still inside EXEC and scripts: no key expires halfway through. */
    if (!outer) server.now_ms = start / 1000;
    int outer_executing = executing;
    server.current = c;
    executing = 1;
    long long dirty_before = server.dirty;
    int outer_touched = server.keys_touched_by_handler;
    server.keys_touched_by_handler = 0;
    nredacted = 0;
    struct effects_frame effects;
    effects_enter(&effects);
    cmd->proc(c);
    /* Changed something: the counter grew (SAVE and DEBUG RELOAD reset it, as in Redis). */
    int changed = server.dirty > dirty_before;
    effects_leave(&effects, c, cmd, changed);
    /* A write that changed something invalidates WATCH and client caches on its keys. */
    if (db_signals_wanted() && changed && (cmd->flags & CMD_WRITE) &&
        !server.keys_touched_by_handler)
        db_signal_command_keys(c, cmd);
    if (tracking_active() && (cmd->flags & CMD_READONLY)) remember_tracked_keys(c, cmd);
    server.keys_touched_by_handler = outer_touched;
    executing = outer_executing;
    server.current = outer;
    long long duration = time_us() - start;
    /* A blocked command that runs again to be served is the same call, as Redis counts it:
     * its time adds up, it goes to the slow log once it replies, MONITOR saw it already. */
    int rerun = blocking_is_rerun(c), waiting = blocking_is_waiting(c);
    if (!rerun) {
        stats_of->stats.calls++;
        server.stat_commands++;
    }
    stats_of->stats.usec += duration;
    if (!waiting) {
        slowlog_record(c, cmd, duration);
        latency_record_command(stats_of, duration);
    }
    /* After the command, so that its own changes show (SELECT's database). Admin commands
     * are not shown; scripts show themselves before they run (SKIP_MONITOR). */
    if (!rerun && monitor_active() && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        monitor_feed(c, c->argv, c->argc);
}

void commands_reset_stats(void) {
    latency_reset_histograms();
    for (size_t i = 0; i < command_table_len; i++) {
        memset(&command_table[i].stats, 0, sizeof command_table[i].stats);
        for (struct command *sub = command_table[i].subcommands; sub && sub->name; sub++)
            memset(&sub->stats, 0, sizeof sub->stats);
    }
    memset(error_counts, 0, sizeof error_counts);
    nerror_codes = 0;
    total_error_replies = 0;
}

static void info_one(buf_t *out, const struct command *cmd) {
    const struct command_stats *s = &cmd->stats;
    if (!s->calls && !s->failed_calls && !s->rejected_calls) return;
    buf_printf(out,
               "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
               "failed_calls=%lld\r\n",
               cmd->fullname, s->calls, s->usec, s->calls ? (double)s->usec / s->calls : 0,
               s->rejected_calls, s->failed_calls);
}

void commands_info_stats(buf_t *out) {
    for (size_t i = 0; i < command_table_len; i++) {
        info_one(out, &command_table[i]);
        for (struct command *sub = command_table[i].subcommands; sub && sub->name; sub++)
            info_one(out, sub);
    }
}

void commands_info_errorstats(buf_t *out) {
    for (int i = 0; i < nerror_codes; i++)
        if (error_counts[i]) buf_printf(out, "errorstat_%s:count=%lld\r\n", error_codes[i], error_counts[i]);
}
