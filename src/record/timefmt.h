/*
 * timefmt: RFC 3339 timestamps <-> milliseconds since the Unix epoch (UTC),
 * the one time representation inside log entries (DESIGN.md: integers only).
 * Pure arithmetic (proleptic Gregorian calendar), no time zone database.
 */
#ifndef TRUCE_TIMEFMT_H
#define TRUCE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_LEN 64 /* buffer size for timefmt_format */

/*
 * Parses an RFC 3339 date-time ("2026-11-28T14:20:00Z", optional fraction of
 * at most 3 digits, "Z" or a numeric offset "+03:00") into *ms (UTC). Years
 * 1970..9999. On error returns -1, *ms untouched, and a message in err.
 */
int timefmt_parse(const char *s, int64_t *ms, char *err, size_t errlen);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS[.mmm]Z" into buf (TIMEFMT_LEN bytes). */
void timefmt_format(int64_t ms, char *buf);

/* Milliseconds since the epoch, from the real-time clock. */
int64_t timefmt_now_ms(void);

#endif
