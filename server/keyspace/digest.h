/* Redis 7.0's DEBUG DIGEST: a SHA1 digest of the whole dataset, or of one value. */
#ifndef RILL_DIGEST_H
#define RILL_DIGEST_H

#include "keyspace/db.h"

/* Mixes e's type, value and whether it has a TTL into digest (20 bytes, zeroed to start). */
void digest_value(entry *e, unsigned char digest[20]);
/* Every database; 20 zero bytes when the dataset is empty. */
void digest_dataset(unsigned char out[20]);

#endif
