/* Number <-> string conversions with Redis's exact rules: what counts as an integer or a
 * float argument, and how numbers are written back in replies. */
#ifndef RILL_NUMCONV_H
#define RILL_NUMCONV_H

#include <stddef.h>
#include <stdint.h>

/* Longest text ll_to_str writes, with its terminating NUL. */
#define LL_STR_SIZE 21
/* Buffer size ld_to_str needs. */
#define LD_STR_SIZE 5120

/* Strict decimal integer: optional '-', no '+', no spaces, no leading zeros, in range.
 * Returns 0 and stores the value, or -1. */
int str_to_ll(const char *s, size_t len, long long *out);
/* Same rules for unsigned 64-bit values (no sign allowed). */
int str_to_ull(const char *s, size_t len, unsigned long long *out);
/* Writes v in decimal with a NUL; returns the length. dst needs LL_STR_SIZE bytes. */
size_t ll_to_str(char *dst, long long v);
size_t ull_to_str(char *dst, unsigned long long v);
/* Float argument as Redis reads it (strtold, whole string, no leading space, not NaN).
 * Returns 0 or -1. */
int str_to_ld(const char *s, size_t len, long double *out);
/* Same for double (used for timeouts and scores). */
int str_to_double(const char *s, size_t len, double *out);
/* Long double written the human way Redis uses for INCRBYFLOAT: %.17Lf without trailing
 * zeros. dst needs LD_STR_SIZE bytes. Returns the length, or 0 when it does not fit. */
size_t ld_to_str(char *dst, long double v);

/* (uint64_t)d and (int64_t)d as compiled for x86-64, also where C leaves the result undefined
 * (NaN, out of range): what Redis's code computes with those casts. The signed form gives
 * INT64_MIN; the unsigned one 1 << 63 below zero's range, and for 2^64 and more 0. */
uint64_t double_to_u64_x86(double d);
int64_t double_to_i64_x86(double d);

#endif
