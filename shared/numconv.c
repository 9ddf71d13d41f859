#include "numconv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int str_to_ull(const char *s, size_t len, unsigned long long *out) {
    if (len == 0 || len > 20) return -1;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    if (s[0] < '1' || s[0] > '9') return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int str_to_ll(const char *s, size_t len, long long *out) {
    if (len == 0) return -1;
    int negative = s[0] == '-';
    unsigned long long v;
    if (str_to_ull(s + negative, len - negative, &v) != 0) return -1;
    if (negative) {
        if (v == 0 || v > (unsigned long long)LLONG_MAX + 1) return -1;
        *out = (long long)(0 - v);
    } else {
        if (v > LLONG_MAX) return -1;
        *out = (long long)v;
    }
    return 0;
}

size_t ull_to_str(char *dst, unsigned long long v) {
    char tmp[LL_STR_SIZE];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
    dst[n] = '\0';
    return n;
}

size_t ll_to_str(char *dst, long long v) {
    if (v >= 0) return ull_to_str(dst, (unsigned long long)v);
    dst[0] = '-';
    return 1 + ull_to_str(dst + 1, 0 - (unsigned long long)v);
}

/* Copies an argument into a NUL-terminated stack buffer for strto*; -1 if too long. */
static int copy_for_strto(char *dst, size_t dstsize, const char *s, size_t len) {
    if (len == 0 || len >= dstsize) return -1;
    if (isspace((unsigned char)s[0])) return -1;
    if (memchr(s, '\0', len)) return -1; /* strtod would stop there */
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

int str_to_ld(const char *s, size_t len, long double *out) {
    char tmp[LD_STR_SIZE];
    if (copy_for_strto(tmp, sizeof tmp, s, len) != 0) return -1;
    char *end;
    errno = 0;
    long double v = strtold(tmp, &end);
    if (*end != '\0' || isnan(v)) return -1;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO))
        return -1;
    *out = v;
    return 0;
}

int str_to_double(const char *s, size_t len, double *out) {
    char tmp[LD_STR_SIZE];
    if (copy_for_strto(tmp, sizeof tmp, s, len) != 0) return -1;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end != '\0' || isnan(v)) return -1;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        return -1;
    *out = v;
    return 0;
}

size_t ld_to_str(char *dst, long double v) {
    if (isinf(v)) {
        strcpy(dst, v > 0 ? "inf" : "-inf");
        return strlen(dst);
    }
    int n = snprintf(dst, LD_STR_SIZE, "%.17Lf", v);
    if (n < 0 || n + 1 > LD_STR_SIZE) return 0;
    size_t l = (size_t)n;
    if (strchr(dst, '.')) {
        while (dst[l - 1] == '0') l--;
        if (dst[l - 1] == '.') l--;
    }
    if (l == 2 && dst[0] == '-' && dst[1] == '0') {
        dst[0] = '0';
        l = 1;
    }
    dst[l] = '\0';
    return l;
}

uint64_t double_to_u64_x86(double d) {
    const double two63 = 9223372036854775808.0;
    /* The upper half is shifted down, converted, and its top bit put back. */
    if (d >= two63) {
        double low = d - two63;
        return low < two63 ? (uint64_t)(int64_t)low ^ (1ULL << 63) : 0;
    }
    return (uint64_t)double_to_i64_x86(d);
}

int64_t double_to_i64_x86(double d) {
    /* cvttsd2si's "integer indefinite" for what does not fit. */
    if (isnan(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}
