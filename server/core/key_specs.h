/* Redis 7.0's key specs of a command (from its COMMAND INFO text in command_docs.c): how to
 * find its keys in an argument vector, and the flags that say what it does to them. */
#ifndef RILL_KEY_SPECS_H
#define RILL_KEY_SPECS_H

#include <stddef.h>

#include "resp.h"

enum key_spec_begin { KS_BEGIN_UNKNOWN, KS_INDEX, KS_KEYWORD };
enum key_spec_find { KS_FIND_UNKNOWN, KS_RANGE, KS_KEYNUM };

struct key_spec {
    char flags[96]; /* "RW access delete": the words COMMAND INFO lists */
    int unreliable; /* incomplete or variable_flags: the command's own key finder knows better */
    enum key_spec_begin begin;
    long long index, startfrom;
    char keyword[24];
    enum key_spec_find find;
    long long lastkey, keystep, limit, keynumidx, firstkey;
};

/* Reads up to cap specs from a command's COMMAND INFO text (tips, then key specs); returns
 * how many the command has. */
size_t key_specs_read(const char *info, size_t len, struct key_spec *out, size_t cap);
/* The keys spec finds in argv: sets first, last and step and returns how many (0: none,
 * as when its keyword is absent), or -1 when argv does not fit it. */
long long key_specs_find(const struct key_spec *spec, const resp_arg *argv, size_t argc,
                         long long *first, long long *last, long long *step);

#endif
