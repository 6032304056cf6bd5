/*
 * trend: violations per reporting day, by category and by zone, over the
 * last N days (issue 12, "Trends"; GET /v1/trends), with the daily
 * report's rules (report.h): a day is the period from the cut-off to the
 * cut-off in the center's time zone, a violation is
 * report_is_violation's, and "events" add fusion's incident counts, never
 * the sources of one incident.
 *
 * Output: {"time_zone","cutoff","first_date","last_date","days":N,
 *   "filter":{"zone"?,"category"?},
 *   "series":[{"date","from_ms","to_ms","incidents","events",
 *              "by_category":{CAT:{"incidents","events"}},
 *              "by_zone":{ZONE:{"incidents","events"}}}...]}
 * one element per day, oldest first, days without violations included.
 *
 * Pure: no I/O. Cost: O(days + incidents log days).
 *
 * Two ways in: trend_compute over incident records (JSON), or a struct
 * trend fed one violation at a time (trend_add) from rows a caller reads
 * as it goes — products_trend reads a year of store rows that way, with
 * no record built per incident (bench/RESULTS.md, "Products").
 */
#ifndef TRUCE_TREND_H
#define TRUCE_TREND_H

#include <stdint.h>

#include <jansson.h>

struct tz_zone;

#define TREND_MAX_DAYS 3660 /* ten years of days */
#define TREND_MAX_NAMES 256 /* distinct categories, and zones, counted */

struct trend;

/*
 * A tally of the ndays report days ending with last_day (days since
 * 1970) in z from the cut-off cutoff_min, counting only what lies in
 * zone and is of category when these are not NULL (copied). z is
 * borrowed until trend_free. A new trend, or NULL when out of memory or
 * ndays is not 1 to TREND_MAX_DAYS.
 */
struct trend *trend_new(const struct tz_zone *z, int cutoff_min,
    int64_t last_day, int ndays, const char *zone, const char *category);

/*
 * Counts one violation (the caller decides: report_is_violation) whose
 * window starts at time_from_ms, with fusion's count (at least 1), of
 * category and zone (NULL: "other", "unknown"; copied), when it starts in
 * one of the days and passes the filter. 0, or -1 when out of memory or
 * past TREND_MAX_NAMES categories or zones. Cost: O(log days + names).
 */
int trend_add(struct trend *t, int64_t time_from_ms, int64_t count,
    const char *category, const char *zone);

/* The trend as the object above (time_zone is the name shown); the
 * names of each day's counts in byte order. A new object, or NULL. */
json_t *trend_json(const struct trend *t, const char *time_zone);

/* Frees t; NULL does nothing. */
void trend_free(struct trend *t);

/*
 * Counts the violations among incidents (an array of incident records
 * with "state") whose window starts in the ndays report days ending with
 * last_day (days since 1970), keeping only those in zone and of category
 * when these are not NULL. time_zone and cutoff are the names shown.
 * A new object, or NULL when out of memory or ndays is not 1 to
 * TREND_MAX_DAYS.
 */
json_t *trend_compute(const json_t *incidents, const struct tz_zone *z,
    const char *time_zone, int cutoff_min, int64_t last_day, int ndays,
    const char *zone, const char *category);

/*
 * The trend as CSV (RFC 4180, CRLF): date,category,zone,incidents,events
 * — one row per day and category, one per day and zone ("" in the other
 * column), and one per day with both empty (the day's total). A new
 * string (free), or NULL.
 */
char *trend_csv(const json_t *trend);

#endif
