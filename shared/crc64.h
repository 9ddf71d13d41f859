/* CRC-64 with the Jones polynomial (reflected, as Redis uses for RDB files), computed eight
 * bytes at a time. The checksum in the trailer of every rill snapshot. */
#ifndef RILL_CRC64_H
#define RILL_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc (0 to start) over len bytes. */
uint64_t crc64(uint64_t crc, const void *data, size_t len);

#endif
