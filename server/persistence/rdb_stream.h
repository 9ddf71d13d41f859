/* Streams in Redis's RDB format: what rdb.c writes and reads for a stream value. */
#ifndef RILL_RDB_STREAM_H
#define RILL_RDB_STREAM_H

#include "rdb_format.h"
#include "values/stream.h"

/* The value of a RDB_TYPE_STREAM_LISTPACKS_2 record. */
void rdb_save_stream(rdb_writer *w, const stream *s);
/* Reads a stream of either stream type into *out (set even on failure: the caller frees it).
 * 0, or -1 with r->err. */
int rdb_load_stream(rdb_reader *r, int type, stream **out);

#endif
