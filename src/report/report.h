/*
 * report: the center's products as data — the daily report, the spot
 * report and the summary — computed from what the log says at a stated
 * size (docs/products.md; DESIGN.md "Products").
 *
 * A report is one JSON object written as canonical JSON (record/canon.h:
 * sorted keys, integers only), so the same log prefix gives the same
 * bytes wherever it is computed; its id is the lower-case hex SHA-256 of
 * those bytes. Renderings (report/render.h) are made from it.
 *
 *   {"v":1,"type":"report","kind":"daily"|"spot"|"summary",
 *    "number":"Daily Report 60/2024","center":ORIGIN,
 *    "period":{"from_ms","to_ms","time_zone","cutoff","first_date",
 *              "last_date"},
 *    "log_size":N,"root":BASE64,"members":[...],"rule":"all"|"K-of-N",
 *    "summary":{"total":ROW,"by_category":[ROW...],"by_zone":[ROW...]},
 *    "incidents_by_state":{"agreed_violation":[ID...],
 *        "agreed_no_violation":[...],"unverifiable":[...],
 *        "disputed":[{"incident","views":[{"member","verdict",
 *            "attribution","confidence","rationale","revision"}...]}],
 *        "pending":[...],"escalated":[...],"closed":[...]},
 *    "complaints":[{"party","complaints":[{"incident","observations",
 *        "time_from_ms","time_to_ms","category","count","qualifier",
 *        "description","linked":[ID...]}]}],
 *    "sources":[{"type","member"?,"organisation"?,"unit"?,
 *        "observations"}],
 *    "annex":[{"incident","time_from_ms","time_to_ms","utc_offset_s",
 *        "description","zone","line","category","count","qualifier",
 *        "independent_sources","members","state","log_index",
 *        "position":{"lat_e7","lon_e7"}|null,
 *        "ellipse95":{"semi_major_m","semi_minor_m","orientation_deg"}|
 *        null}],
 *    daily and summary: "not_operational":[{"type","member"?,
 *        "organisation"?,"unit","status","reason","from_ms","to_ms",
 *        "log_index"}] (sources that said they were down or degraded over
 *        a time overlapping the period), "trend":{"first_date","last_date","days",
 *        "series":[{"date","incidents","events","by_category":{CAT:
 *        {"incidents","events"}}}...]} (report_trend_days days, oldest
 *        first, report/trend.h's counts),
 *    spot only: "narrative", "observations":[{"id","incident","source",
 *        "category","observed_from_ms","observed_to_ms","log_index"}]}
 *
 *   ROW = {"category"|"zone", "incidents", "events", "qualifier",
 *          "previous":{"incidents","events"}?,
 *          "mean_7d_x10":{"incidents","events"}?}
 *
 * Violations are observed incidents (not complaints) whose window starts
 * in the period and that are neither agreed_no_violation nor duplicate;
 * `events` adds fusion's incident counts (never the sources of one
 * incident), and its qualifier is "about" if any count is, else
 * "at_least" if any is, else "exact". Daily reports compare with the
 * previous period and the mean of the 7 periods before (in tenths, an
 * integer); summaries with the period of the same length before.
 *
 * Pure: no I/O. The caller gathers the facts from the store (one read
 * snapshot) and the log's root.
 */
#ifndef TRUCE_REPORT_H
#define TRUCE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tz_zone;

#define REPORT_ID_LEN 64	  /* hex SHA-256 */
#define REPORT_MAX_INCIDENTS 64	  /* incidents a spot report names */
#define REPORT_NARRATIVE_MAX 8192 /* bytes */
#define REPORT_MAX_DAYS 366	  /* days a summary covers */
#define REPORT_NUMBER_LEN 96
#define REPORT_TREND_DAYS 30 /* days a daily report's trend charts */

enum report_kind { REPORT_DAILY = 0, REPORT_SPOT, REPORT_SUMMARY };

/* What an analyst asks for (POST /v1/reports). */
struct report_request {
	enum report_kind kind;
	int64_t first_day, last_day; /* report dates, days since 1970 */
	const char *incidents[REPORT_MAX_INCIDENTS]; /* spot (borrowed) */
	size_t nincidents;
	const char *narrative; /* spot (borrowed) */
};

/* What the report is computed at and with. */
struct report_context {
	const char *origin;    /* the log's origin */
	const char *time_zone; /* its name, e.g. "Asia/Baku" */
	const struct tz_zone *tz;
	int cutoff_min; /* minutes after local midnight */
	int64_t log_size;
	const char *root;      /* base64 of the RFC 6962 root at log_size */
	int64_t spot_sequence; /* spot: N of "Spot Report N/YYYY" */
};

/* The kind's name ("daily", "spot", "summary"); -1 from parse if none. */
const char *report_kind_name(enum report_kind k);
int report_kind_parse(const char *s, enum report_kind *k);

/* "HH:MM" (00:00 to 23:59) into minutes. 0, or -1 with err. */
int report_cutoff_parse(const char *s, int *minutes, char *err, size_t errlen);

/*
 * Whether incident record inc (as the store gives it, with its "state")
 * counts as a violation: observed, and neither agreed_no_violation nor a
 * duplicate. The one rule of reports and trends.
 */
int report_is_violation(const json_t *inc);

/* The same rule over an incident's kind and state (NULL: received). */
int report_is_violation_of(const char *kind, const char *state);

/* "YYYY-MM-DD" into days since 1970-01-01. 0, or -1 with err. */
int report_date_parse(const char *s, int64_t *day, char *err, size_t errlen);

/*
 * "YYYY-MM" into its first and last days (days since 1970): a monthly
 * summary's period. 0, or -1 with err.
 */
int report_month_parse(const char *s, int64_t *first, int64_t *last, char *err,
    size_t errlen);

#define REPORT_WEEK_DAYS 7 /* a weekly summary: the week ending with D */

/* Days since 1970 as "YYYY-MM-DD" (buf of 16 bytes). */
void report_date_format(int64_t day, char buf[16]);

/*
 * The reporting period of report date `day`: from the cut-off on the day
 * before to the cut-off on the day, local time, in UTC milliseconds
 * ([from, to): 23 or 25 hours on a day the clocks change).
 */
void report_day_period(const struct tz_zone *z, int cutoff_min, int64_t day,
    int64_t *from_ms, int64_t *to_ms);

/*
 * Validates a POST /v1/reports body into *rq (strings borrowed from in):
 * {"kind":"daily","date"} | {"kind":"summary","from","to"} (dates, at most
 * REPORT_MAX_DAYS days) | {"kind":"spot","incidents":[ID...],"narrative"}.
 * 0, or -1 with the reason naming the field (a JSON pointer) in err.
 */
int report_request_parse(const json_t *in, struct report_request *rq, char *err,
    size_t errlen);

/*
 * The window of incident time the facts must cover for rq:
 * [*from_ms, *to_ms) — the period and the periods it is compared with.
 * Spot reports have no window (0 and -1 on return: their facts are the
 * incidents they name).
 */
int report_window(const struct report_request *rq,
    const struct report_context *cx, int64_t *from_ms, int64_t *to_ms);

/*
 * The days rq's trend chart covers, ending with its last day: 30
 * (REPORT_TREND_DAYS) for a daily report, the period's days for a
 * summary, 0 for a spot report (no trend).
 */
int report_trend_days(const struct report_request *rq);

/*
 * Computes the report for rq at cx from facts:
 *   {"incidents":[incident records (increcord_find) with "state",
 *      "assessments" (verform_workflow's latest per member) and,
 *      for complaint incidents, "party"], every live incident whose
 *      window overlaps report_window (spot: the named ones),
 *    "observations":[{"id","index","entry"}] observations whose
 *      observed_at starts in the period (spot: those of the incidents),
 *    "members":verform_members' object,
 *    "source_status":reportform_source_statuses' rows overlapping the
 *      period (daily and summary; absent: none)}
 * Returns a new object (caller json_decref's it) or NULL with the reason
 * in err. Cost: O(n log n) in the incidents and observations.
 */
json_t *report_build(const struct report_request *rq,
    const struct report_context *cx, const json_t *facts, char *err,
    size_t errlen);

/*
 * The canonical bytes of report (*out, NUL-terminated, caller frees; *len
 * without the NUL) and its id (hex SHA-256, into id). 0 or -1.
 */
int report_encode(const json_t *report, char **out, size_t *len,
    char id[REPORT_ID_LEN + 1]);

/* 1 if s is a report id (64 lower-case hex digits). */
int report_is_id(const char *s);

#endif
