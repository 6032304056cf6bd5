/*
 * num: the one checked number parser (STYLE.md rule 8). Every number that
 * comes from outside (CLI, configuration, query strings) goes through here:
 * whole string consumed, no overflow, inside [min, max].
 */
#ifndef TRUCE_NUM_H
#define TRUCE_NUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses the decimal integer s into *out if it lies in [min, max]. On
 * failure returns -1, leaves *out untouched and, if err is not NULL, writes
 * a message naming the problem and the limit into err (errlen bytes).
 */
int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
    char *err, size_t errlen);

/*
 * Parses the decimal number s (as strtod, no hex, no inf/nan) into *out if
 * it is finite and in [min, max]. Same error contract as num_parse_i64.
 */
int num_parse_double(const char *s, double min, double max, double *out,
    char *err, size_t errlen);

#endif
