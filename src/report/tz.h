/*
 * tz: local time in a named time zone from the system's tz database, for
 * the reporting periods of the center's products (docs/products.md).
 *
 * Reads the compiled zone files of the IANA tz database (TZif, RFC 8536:
 * versions 1 to 4; the 64-bit data of version 2+ is used) and the POSIX
 * TZ rule of their footer (POSIX.1-2017 §8.3, "std offset dst [offset]
 * [,start[/time],end[/time]]" with Mm.w.d, Jn and n dates), which gives
 * the offsets after the file's last transition: Debian's "slim" files
 * hold only that rule for the years ahead. Leap-second records are
 * skipped (the center's clock is POSIX time).
 *
 * Local wall times that do not exist (the hour skipped when clocks go
 * forward) are read with the offset before the change, so 02:30 on a
 * spring-forward night at 02:00 is 03:30 of the new offset; wall times
 * that occur twice (the hour repeated in autumn) are the first of the two.
 *
 * Pure: no I/O. The caller reads the file (a zone file is at most
 * TZ_MAX_FILE bytes).
 */
#ifndef TRUCE_TZ_H
#define TRUCE_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_MAX_FILE 262144 /* bytes of a zone file at most */
#define TZ_MAX_TRANSITIONS 4096
#define TZ_NAME_MAX 64 /* bytes of a zone name ("Asia/Baku") */

struct tz_zone;

/*
 * Parses a TZif file of len bytes. Returns a new zone (tz_free) or NULL
 * with the reason in err.
 */
struct tz_zone *tz_parse(const uint8_t *data, size_t len, char *err,
    size_t errlen);

/*
 * Makes a zone from a POSIX TZ rule alone ("EET-2EEST,M3.5.0/3,M10.5.0/4",
 * "<+04>-4"). NULL with the reason in err.
 */
struct tz_zone *tz_from_rule(const char *rule, char *err, size_t errlen);

/* Frees z; NULL does nothing. */
void tz_free(struct tz_zone *z);

/* The offset from UTC, in seconds east, at UTC time t (seconds). */
int64_t tz_offset_at(const struct tz_zone *z, int64_t t);

/*
 * The UTC time (seconds) of local wall time local_s (seconds since
 * 1970-01-01T00:00 of the local calendar), as described above.
 */
int64_t tz_utc_of_local(const struct tz_zone *z, int64_t local_s);

/* 1 if name is a plausible zone name: 1 to TZ_NAME_MAX - 1 bytes of
 * A-Z a-z 0-9 / _ - + with no ".." and no leading '/'. */
int tz_name_ok(const char *name);

/*
 * Calendar helpers (proleptic Gregorian): days since 1970-01-01 of y-m-d,
 * and back.
 */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
