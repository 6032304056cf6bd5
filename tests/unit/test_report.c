/*
 * Unit test of report/tz and report/report: time zones (TZif files and
 * POSIX rules, the DST change days, a period across midnight UTC), the
 * request's validation, and the daily and spot reports computed from
 * synthetic facts — counts checked against a computation written here
 * independently, bytes that do not depend on the order of the facts.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "record/canon.h"
#include "report/render.h"
#include "report/report.h"
#include "report/trend.h"
#include "report/tz.h"
#include "tap.h"

#define H 3600000LL
#define MIN 60000LL

static int64_t
utc_ms(int64_t y, int m, int d, int hh, int mm)
{
	return (tz_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60) *
	    1000;
}

static int64_t
local_s(int64_t y, int m, int d, int hh, int mm)
{
	return tz_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static struct tz_zone *
load_zone(const char *name)
{
	char path[256], err[128];
	uint8_t *buf;
	struct tz_zone *z = NULL;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	buf = malloc(TZ_MAX_FILE);
	n = read(fd, buf, TZ_MAX_FILE);
	close(fd);
	if (n > 0)
		z = tz_parse(buf, (size_t)n, err, sizeof(err));
	if (z == NULL)
		diag("%s: %s", name, n > 0 ? err : "unreadable");
	free(buf);
	return z;
}

static void
period_is(const struct tz_zone *z, int cutoff, const char *date,
    int64_t want_from, int64_t want_to, const char *name)
{
	int64_t day, from, to;
	char err[128];

	if (report_date_parse(date, &day, err, sizeof(err)) == -1) {
		ok(0, "%s: %s", name, err);
		return;
	}
	report_day_period(z, cutoff, day, &from, &to);
	is_int(from, want_from, "%s: from", name);
	is_int(to, want_to, "%s: to", name);
}

static void
test_zones(void)
{
	struct tz_zone *kyiv, *ny, *plus4, *f;
	char err[128];
	const int c1930 = 19 * 60 + 30;

	kyiv = tz_from_rule("EET-2EEST,M3.5.0/3,M10.5.0/4", err, sizeof(err));
	ny = tz_from_rule("EST5EDT,M3.2.0,M11.1.0", err, sizeof(err));
	plus4 = tz_from_rule("<+04>-4", err, sizeof(err));
	ok(kyiv && ny && plus4, "POSIX rules parse");
	ok(tz_from_rule("EET-2EEST,M13.5.0", err, sizeof(err)) == NULL,
	    "a bad rule is refused: %s", err);

	/* An ordinary day: 24 hours, 19:30 in UTC+4 is 15:30Z. */
	period_is(plus4, c1930, "2024-02-29", utc_ms(2024, 2, 28, 15, 30),
	    utc_ms(2024, 2, 29, 15, 30), "Baku leap day");
	/* Clocks go forward on 2024-03-31 at 03:00 EET: 23 hours. */
	period_is(kyiv, c1930, "2024-03-31", utc_ms(2024, 3, 30, 17, 30),
	    utc_ms(2024, 3, 31, 16, 30), "Kyiv spring forward (23 h)");
	/* Back on 2024-10-27 at 04:00 EEST: 25 hours. */
	period_is(kyiv, c1930, "2024-10-27", utc_ms(2024, 10, 26, 16, 30),
	    utc_ms(2024, 10, 27, 17, 30), "Kyiv fall back (25 h)");
	/* A cut-off at 02:00 in UTC+4 ends the period the day before, UTC. */
	period_is(plus4, 120, "2024-05-10", utc_ms(2024, 5, 8, 22, 0),
	    utc_ms(2024, 5, 9, 22, 0), "period across midnight UTC");
	/* 21:00 New York summer time is 01:00Z the next day. */
	period_is(ny, 21 * 60, "2024-07-04", utc_ms(2024, 7, 4, 1, 0),
	    utc_ms(2024, 7, 5, 1, 0), "New York 21:00 (next day UTC)");
	/* The hour that does not exist, and the one that happens twice. */
	is_int(tz_utc_of_local(ny, local_s(2024, 3, 10, 2, 30)),
	    local_s(2024, 3, 10, 7, 30), "a wall time in the gap reads with "
	    "the offset before");
	is_int(tz_utc_of_local(ny, local_s(2024, 11, 3, 1, 30)),
	    local_s(2024, 11, 3, 5, 30), "a repeated wall time is the first");
	is_int(tz_offset_at(kyiv, local_s(2024, 7, 1, 0, 0)), 10800,
	    "summer offset");
	is_int(tz_offset_at(kyiv, local_s(2024, 1, 1, 0, 0)), 7200,
	    "winter offset");

	/* The system's tz database, when installed (tzdata). */
	if ((f = load_zone("Europe/Kyiv")) != NULL) {
		period_is(f, c1930, "2024-03-31", utc_ms(2024, 3, 30, 17, 30),
		    utc_ms(2024, 3, 31, 16, 30), "TZif Europe/Kyiv spring");
		period_is(f, c1930, "2031-10-26", utc_ms(2031, 10, 25, 16, 30),
		    utc_ms(2031, 10, 26, 17, 30), "TZif Europe/Kyiv 2031 "
		    "(the footer's rule)");
		tz_free(f);
	} else
		ok(1, "# SKIP no /usr/share/zoneinfo/Europe/Kyiv");
	if ((f = load_zone("Asia/Baku")) != NULL) {
		period_is(f, c1930, "2024-02-29", utc_ms(2024, 2, 28, 15, 30),
		    utc_ms(2024, 2, 29, 15, 30), "TZif Asia/Baku");
		/* Azerbaijan kept summer time until 2015: forward on the
		 * last Sunday of March at 04:00. */
		period_is(f, c1930, "2015-03-29", utc_ms(2015, 3, 28, 15, 30),
		    utc_ms(2015, 3, 29, 14, 30), "TZif Asia/Baku 2015 DST day");
		tz_free(f);
	} else
		ok(1, "# SKIP no /usr/share/zoneinfo/Asia/Baku");
	ok(tz_parse((const uint8_t *)"TZif2", 5, err, sizeof(err)) == NULL,
	    "a truncated TZif file is refused");
	ok(tz_name_ok("Asia/Baku") && !tz_name_ok("../etc/passwd") &&
	    !tz_name_ok("/etc/localtime") && !tz_name_ok(""),
	    "zone names are checked");
	tz_free(kyiv);
	tz_free(ny);
	tz_free(plus4);
}

static void
request_refuses(const char *body, const char *needle)
{
	struct report_request rq;
	char err[256] = "";
	json_t *in = json_loads(body, 0, NULL);

	ok(report_request_parse(in, &rq, err, sizeof(err)) == -1 &&
	    strstr(err, needle) != NULL, "refused %s: %s", body, err);
	json_decref(in);
}

static void
test_requests(void)
{
	struct report_request rq;
	char err[256];
	json_t *in;

	in = json_loads("{\"kind\":\"daily\",\"date\":\"2024-02-29\"}", 0,
	    NULL);
	ok(report_request_parse(in, &rq, err, sizeof(err)) == 0 &&
	    rq.kind == REPORT_DAILY && rq.first_day == rq.last_day,
	    "a daily request");
	json_decref(in);
	request_refuses("{\"kind\":\"weekly\"}", "/kind");
	request_refuses("{\"kind\":\"daily\",\"date\":\"2023-02-29\"}",
	    "/date");
	request_refuses("{\"kind\":\"daily\"}", "/date");
	request_refuses("{\"kind\":\"daily\",\"date\":\"2024-01-01\","
	    "\"narrative\":\"x\"}", "/narrative: unknown");
	request_refuses("{\"kind\":\"summary\",\"from\":\"2024-01-01\","
	    "\"to\":\"2025-06-01\"}", "/to");
	request_refuses("{\"kind\":\"spot\",\"incidents\":[],"
	    "\"narrative\":\"x\"}", "/incidents");
	request_refuses("{\"kind\":\"spot\",\"incidents\":[\"a\",\"a\"],"
	    "\"narrative\":\"x\"}", "twice");
	request_refuses("{\"kind\":\"spot\",\"incidents\":[\"a\"]}",
	    "/narrative");
}

/* ---- reports from synthetic facts ------------------------------------- */

static const char *const cats[] = { "explosion", "burst_or_shot",
	"muzzle_flash", "illumination_flare" };
static const char *const zones[] = { "north", "south", "buffer" };
static const char *const quals[] = { "exact", "about", "at_least" };
static const char *const states[] = { "received", "agreed_violation",
	"agreed_no_violation", "disputed", "unverifiable", "duplicate",
	"awaiting_assessment", "escalated" };

static uint64_t rng = 88172645463325252ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

#define NINC 400

struct fact {
	int64_t t;
	int cat, zone, qual, state, kind; /* kind 1: complaint */
	int64_t count;
};

static struct fact facts_v[NINC];

static json_t *
incident_json(int i)
{
	const struct fact *f = &facts_v[i];
	char id[32];
	json_t *o;

	snprintf(id, sizeof(id), "inc-%024x", i);
	o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:s,s:s,s:b,s:f,s:f,"
		      "s:[f,f,f],s:i,s:[s],s:I,s:s,s:[],s:[]}",
	    "id", id, "kind", f->kind ? "complaint" : "observed",
	    "category", cats[f->cat], "count", (json_int_t)f->count,
	    "qualifier", quals[f->qual], "time_from_ms", (json_int_t)f->t,
	    "time_to_ms", (json_int_t)(f->t + 5 * MIN), "zone", zones[f->zone],
	    "description", "2.4 km north-east of Ağdam", "located", 1,
	    "lat", 40.0 + i * 1e-4, "lon", 46.9, "cov", 2500.0, 0.0, 900.0,
	    "independent_sources", 1 + i % 3, "members", "RU", "seed_index",
	    (json_int_t)(100 + i), "state", states[f->state], "observations",
	    "corroborated_by");
	if (f->kind)
		json_object_set_new(o, "party", json_string(i % 2 ? "AM" :
		    "AZ"));
	if (f->state == 3)
		json_object_set_new(o, "assessments", json_pack("[{s:s,s:s,"
		    "s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:s,s:s,s:i}]",
		    "member", "TR", "verdict", "violation", "attribution", "AM",
		    "confidence", "high", "rationale", "crater", "revision", 1,
		    "member", "RU", "verdict", "unverifiable", "attribution",
		    "unknown", "confidence", "low", "rationale", "no trace",
		    "revision", 2));
	return o;
}

static json_t *
members_json(void)
{
	return json_pack("{s:{s:s},s:[{s:s},{s:s}]}", "rule", "kind", "all",
	    "members", "name", "RU", "name", "TR");
}

/* Facts with the incidents in the order of perm[]. */
static json_t *
facts_json(const int *perm, json_t *obs)
{
	json_t *incs = json_array();
	int i;

	for (i = 0; i < NINC; i++)
		json_array_append_new(incs, incident_json(perm[i]));
	return json_pack("{s:o,s:O,s:o}", "incidents", incs, "observations",
	    obs, "members", members_json());
}

static json_t *
find_row(const json_t *rows, const char *key, const char *value)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, key)),
		    value) == 0)
			return r;
	return NULL;
}

static int64_t
geti(const json_t *o, const char *path1, const char *path2)
{
	const json_t *v = json_object_get(o, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_integer_value(v);
}

static int
has_real(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_real(v))
		return 1;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if (has_real(x))
				return 1;
	} else if (json_is_array(v))
		json_array_foreach(v, i, x)
			if (has_real(x))
				return 1;
	return 0;
}

/* Occurrences of needle in hay. */
static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * The daily report's trend (30 days ending with the report's day in a
 * zone without DST: days of 24 hours) against a count written here, and
 * its chart: one bar segment per day and category that has violations,
 * the same bytes twice.
 */
static void
test_trend(const json_t *r, int64_t to)
{
	const json_t *trend = json_object_get(r, "trend"), *day;
	struct render_out a = { NULL, 0 }, b = { NULL, 0 };
	int64_t dfrom, n, cells = 0, bad = 0;
	int d, c, i;

	is_int(geti(trend, "days", NULL), REPORT_TREND_DAYS,
	    "trend: 30 days");
	is_int((int64_t)json_array_size(json_object_get(trend, "series")), 30,
	    "trend: one element per day");
	is_str(json_string_value(json_object_get(trend, "last_date")),
	    "2024-02-29", "trend: ends with the report's day");
	is_str(json_string_value(json_object_get(trend, "first_date")),
	    "2024-01-31", "trend: begins 29 days before");
	for (d = 0; d < 30; d++) {
		day = json_array_get(json_object_get(trend, "series"),
		    (size_t)d);
		dfrom = to - (int64_t)(30 - d) * 24 * H;
		for (c = 0; c < 4; c++) {
			for (n = 0, i = 0; i < NINC; i++)
				n += !facts_v[i].kind &&
				    facts_v[i].state != 2 &&
				    facts_v[i].state != 5 &&
				    facts_v[i].cat == c &&
				    facts_v[i].t >= dfrom &&
				    facts_v[i].t < dfrom + 24 * H;
			cells += n > 0;
			bad += geti(json_object_get(json_object_get(day,
			    "by_category"), cats[c]), "incidents", NULL) != n;
		}
	}
	is_int(bad, 0, "trend: each day's violations by category, as "
	    "counted here");
	ok(render_trend_svg(r, &a) == 0 && render_trend_svg(r, &b) == 0 &&
	    a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "the trend chart: the same bytes twice");
	ok(a.data != NULL && strstr(a.data, "<svg") != NULL &&
	    (int64_t)count_of(a.data, "<title>") == cells,
	    "the trend chart: one bar segment per day and category with "
	    "violations (%lld)", (long long)cells);
	free(a.data);
	free(b.data);
}

static void
test_daily(void)
{
	struct report_request rq;
	struct report_context cx;
	struct tz_zone *z;
	int perm[NINC], i, j, tmp, c, zn;
	int64_t from = utc_ms(2024, 2, 28, 15, 30), to = from + 24 * H;
	int64_t n, ev, pn, pev, wn, wev, want_q;
	json_t *facts, *r, *r2, *obs, *row, *in;
	char err[256], id[REPORT_ID_LEN + 1], id2[REPORT_ID_LEN + 1];
	char *b1, *b2;
	size_t l1, l2;

	z = tz_from_rule("<+04>-4", err, sizeof(err));
	/* Incidents spread over the 9 days before the period's end. */
	for (i = 0; i < NINC; i++) {
		facts_v[i].t = to - 9 * 24 * H + (int64_t)(next() % (9 * 24 *
		    60)) * MIN;
		facts_v[i].cat = (int)(next() % 4);
		facts_v[i].zone = (int)(next() % 3);
		facts_v[i].qual = (int)(next() % 3);
		facts_v[i].state = (int)(next() % 8);
		facts_v[i].kind = next() % 10 == 0;
		facts_v[i].count = 1 + next() % 40;
		perm[i] = i;
	}
	facts_v[0].t = from;	     /* on the period's edges */
	facts_v[1].t = to;
	facts_v[1].kind = 0;
	facts_v[1].state = 1;
	obs = json_pack("[{s:s,s:i,s:{s:{s:s,s:s,s:s},s:{s:I,s:I},"
			"s:s}},{s:s,s:i,s:{s:{s:s,s:s},s:{s:I,s:I},s:s}},"
			"{s:s,s:i,s:{s:{s:s,s:s,s:s},s:{s:I,s:I},s:s}}]",
	    "id", "aa", "index", 5, "entry", "source", "type", "patrol",
	    "member", "RU", "unit", "P-1", "observed_at", "from",
	    (json_int_t)from + H, "to", (json_int_t)from + H, "category",
	    "explosion",
	    "id", "bb", "index", 6, "entry", "source", "type", "complaint",
	    "organisation", "AM", "observed_at", "from", (json_int_t)from + H,
	    "to", (json_int_t)from + H, "category", "explosion",
	    "id", "cc", "index", 7, "entry", "source", "type", "patrol",
	    "member", "RU", "unit", "P-1", "observed_at", "from",
	    (json_int_t)from + 2 * H, "to", (json_int_t)from + 2 * H,
	    "category", "explosion");
	in = json_loads("{\"kind\":\"daily\",\"date\":\"2024-02-29\"}", 0,
	    NULL);
	report_request_parse(in, &rq, err, sizeof(err));
	memset(&cx, 0, sizeof(cx));
	cx.origin = "truce.example/center";
	cx.time_zone = "Asia/Baku";
	cx.tz = z;
	cx.cutoff_min = 19 * 60 + 30;
	cx.log_size = 1234;
	cx.root = "abcd";
	facts = facts_json(perm, obs);
	r = report_build(&rq, &cx, facts, err, sizeof(err));
	ok(r != NULL, "a daily report is built%s%s", r ? "" : ": ", r ? "" :
	    err);
	if (r == NULL)
		return;
	is_str(json_string_value(json_object_get(r, "number")),
	    "Daily Report 60/2024", "its number");
	is_int(geti(r, "period", "from_ms"), from, "period from");
	is_int(geti(r, "period", "to_ms"), to, "period to");
	is_int(geti(r, "log_size", NULL), 1234, "log size");

	/* The summary against a count written independently here. */
	for (c = -1; c < 4; c++) {
		n = ev = pn = pev = wn = wev = 0;
		want_q = 0;
		for (i = 0; i < NINC; i++) {
			const struct fact *f = &facts_v[i];

			if (f->kind || f->state == 2 || f->state == 5 ||
			    (c >= 0 && f->cat != c))
				continue;
			if (f->t >= from && f->t < to) {
				n++;
				ev += f->count;
				if (f->qual == 1)
					want_q = 2;
				else if (f->qual == 2 && want_q == 0)
					want_q = 1;
			}
			if (f->t >= from - 24 * H && f->t < from) {
				pn++;
				pev += f->count;
			}
			if (f->t >= from - 7 * 24 * H && f->t < from) {
				wn++;
				wev += f->count;
			}
		}
		row = c < 0 ? json_object_get(json_object_get(r, "summary"),
		    "total") : find_row(json_object_get(json_object_get(r,
		    "summary"), "by_category"), "category", cats[c]);
		is_int(geti(row, "incidents", NULL), n, "%s: incidents",
		    c < 0 ? "total" : cats[c]);
		is_int(geti(row, "events", NULL), ev, "%s: events", c < 0 ?
		    "total" : cats[c]);
		is_str(json_string_value(json_object_get(row, "qualifier")),
		    want_q == 2 ? "about" : want_q == 1 ? "at_least" : "exact",
		    "%s: qualifier", c < 0 ? "total" : cats[c]);
		is_int(geti(row, "previous", "incidents"), pn,
		    "%s: previous period", c < 0 ? "total" : cats[c]);
		is_int(geti(row, "previous", "events"), pev,
		    "%s: previous events", c < 0 ? "total" : cats[c]);
		is_int(geti(row, "mean_7d_x10", "events"), (wev * 20 + 7) / 14,
		    "%s: 7-day mean of events", c < 0 ? "total" : cats[c]);
	}
	for (zn = 0; zn < 3; zn++) {
		for (n = 0, i = 0; i < NINC; i++)
			n += !facts_v[i].kind && facts_v[i].state != 2 &&
			    facts_v[i].state != 5 && facts_v[i].zone == zn &&
			    facts_v[i].t >= from && facts_v[i].t < to;
		row = find_row(json_object_get(json_object_get(r, "summary"),
		    "by_zone"), "zone", zones[zn]);
		is_int(row ? geti(row, "incidents", NULL) : 0, n,
		    "zone %s: incidents", zones[zn]);
	}
	/* Annex: every observed incident of the period but duplicates. */
	for (n = 0, i = 0; i < NINC; i++)
		n += !facts_v[i].kind && facts_v[i].state != 5 &&
		    facts_v[i].t >= from && facts_v[i].t < to;
	is_int(json_array_size(json_object_get(r, "annex")), n,
	    "annex rows");
	ok(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "annex"), 0), "incident")),
	    "inc-000000000000000000000000") == 0, "the incident at the "
	    "period's start is in it, first");
	row = json_array_get(json_object_get(json_object_get(r,
	    "incidents_by_state"), "disputed"), 0);
	ok(row != NULL && json_array_size(json_object_get(row, "views")) == 2 &&
	    strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(row, "views"), 0), "member")), "RU") == 0,
	    "disputed: each member's view side by side, by member");
	row = json_object_get(r, "sources");
	ok(json_array_size(row) == 1 && geti(json_array_get(row, 0),
	    "observations", NULL) == 2, "sources: one patrol with 2 "
	    "observations; complaints are not sources");
	row = json_object_get(r, "complaints");
	ok(json_array_size(row) >= 1 && strcmp(json_string_value(
	    json_object_get(json_array_get(row, 0), "party")), "AM") == 0,
	    "complaints grouped by party");

	test_trend(r, to);

	/* The same facts in another order: the same bytes. */
	for (i = NINC - 1; i > 0; i--) {
		j = (int)(next() % (unsigned)(i + 1));
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	json_decref(facts);
	facts = facts_json(perm, obs);
	r2 = report_build(&rq, &cx, facts, err, sizeof(err));
	ok(report_encode(r, &b1, &l1, id) == 0 &&
	    report_encode(r2, &b2, &l2, id2) == 0, "encoded");
	ok(l1 == l2 && memcmp(b1, b2, l1) == 0 && strcmp(id, id2) == 0,
	    "the same facts in another order give the same bytes");
	ok(report_is_id(id), "the id is a SHA-256 in hex");
	free(b2);
	json_decref(r2);
	cx.log_size = 1235;
	r2 = report_build(&rq, &cx, facts, err, sizeof(err));
	report_encode(r2, &b2, &l2, id2);
	ok(strcmp(id, id2) != 0, "another log size, another id");
	row = json_loads(b1, 0, NULL);
	ok(row != NULL && !has_real(row), "no real numbers in the bytes");
	json_decref(row);
	free(b1);
	free(b2);
	json_decref(r2);
	json_decref(r);
	json_decref(facts);
	json_decref(obs);
	json_decref(in);
	tz_free(z);
}

static void
test_spot(void)
{
	struct report_request rq;
	struct report_context cx;
	struct tz_zone *z;
	json_t *in, *facts, *r;
	char err[256];

	z = tz_from_rule("<+04>-4", err, sizeof(err));
	facts_v[0].t = utc_ms(2024, 5, 1, 6, 0);
	facts_v[0].kind = 0;
	facts_v[0].state = 0;
	in = json_loads("{\"kind\":\"spot\",\"incidents\":"
	    "[\"inc-000000000000000000000000\"],\"narrative\":\"Over 2,300 "
	    "explosions between 05:30 and 11:30.\"}", 0, NULL);
	ok(report_request_parse(in, &rq, err, sizeof(err)) == 0,
	    "a spot request");
	memset(&cx, 0, sizeof(cx));
	cx.origin = "o";
	cx.time_zone = "Asia/Baku";
	cx.tz = z;
	cx.cutoff_min = 19 * 60 + 30;
	cx.spot_sequence = 3;
	facts = json_pack("{s:[o],s:[],s:o}", "incidents", incident_json(0),
	    "observations", "members", members_json());
	r = report_build(&rq, &cx, facts, err, sizeof(err));
	ok(r != NULL && strcmp(json_string_value(json_object_get(r,
	    "number")), "Spot Report 3/2024") == 0, "spot number");
	ok(r != NULL && json_array_size(json_object_get(r, "annex")) == 1 &&
	    json_string_value(json_object_get(r, "narrative")) != NULL,
	    "spot: the incident and the narrative");
	json_decref(r);
	json_decref(facts);
	facts = json_pack("{s:[],s:[],s:o}", "incidents", "observations",
	    "members", members_json());
	ok(report_build(&rq, &cx, facts, err, sizeof(err)) == NULL,
	    "a spot report needs its incidents");
	json_decref(facts);
	json_decref(in);
	tz_free(z);
}

/* The months of monthly summaries: their first and last days. */
static void
test_months(void)
{
	int64_t first = 0, last = 0;
	char err[128], a[16], b[16];

	ok(report_month_parse("2024-02", &first, &last, err, sizeof(err)) ==
	    0, "a month");
	report_date_format(first, a);
	report_date_format(last, b);
	is_str(a, "2024-02-01", "its first day");
	is_str(b, "2024-02-29", "its last day (a leap year)");
	report_month_parse("2026-12", &first, &last, err, sizeof(err));
	report_date_format(last, b);
	is_str(b, "2026-12-31", "December ends the year");
	ok(report_month_parse("2026-13", &first, &last, err, sizeof(err)) ==
	    -1 && strstr(err, "YYYY-MM") != NULL, "no month 13");
	ok(report_month_parse("2026-1", &first, &last, err, sizeof(err)) ==
	    -1, "two digits of month");
	ok(report_month_parse(NULL, &first, &last, err, sizeof(err)) == -1,
	    "none");
}

/*
 * Trends: the tally fed row by row (what GET /v1/trends reads from the
 * store) says what trend_compute says over the same incident records,
 * names each day's counts in byte order, and refuses past
 * TREND_MAX_NAMES zones instead of growing without bound.
 */
static void
test_trend_tally(void)
{
	static const struct {
		const char *kind, *state, *category, *zone;
		int64_t at, count;
	} in[] = {
		{ "observed", NULL, "explosion", "south", 0, 5 },
		{ "observed", "received", "burst_or_shot", "north", 1, 0 },
		{ "observed", "agreed_no_violation", "explosion", "north", 1,
		    9 },
		{ "observed", "duplicate", "explosion", "north", 2, 9 },
		{ "complaint", NULL, "explosion", "north", 2, 40 },
		{ "observed", "disputed", "small_arms_fire", NULL, 2, 3 },
		{ "observed", "agreed_violation", NULL, "buffer", 3, 2 },
		{ "observed", NULL, "explosion", "south", 9, 1 }, /* after */
	};
	struct tz_zone *z = load_zone("Asia/Baku");
	struct trend *t;
	json_t *incs = json_array(), *a, *b, *day, *inc;
	char *sa = NULL, *sb = NULL, name[16];
	int64_t last = tz_days_from_civil(2026, 11, 24), base;
	size_t i;
	int r = 0;

	if (z == NULL) {
		ok(0, "trend: Asia/Baku loads");
		json_decref(incs);
		return;
	}
	/* Day d of the 4 (2026-11-21 ..): from 15:30 UTC the day before. */
	base = utc_ms(2026, 11, 20, 15, 30) + 3 * 3600 * 1000LL;
	t = trend_new(z, 19 * 60 + 30, last, 4, NULL, NULL);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		inc = json_pack("{s:s,s:I,s:I}", "kind", in[i].kind,
		    "time_from_ms", (json_int_t)(base + in[i].at * 86400000LL),
		    "count", (json_int_t)in[i].count);
		if (in[i].state != NULL)
			json_object_set_new(inc, "state",
			    json_string(in[i].state));
		if (in[i].category != NULL)
			json_object_set_new(inc, "category",
			    json_string(in[i].category));
		if (in[i].zone != NULL)
			json_object_set_new(inc, "zone",
			    json_string(in[i].zone));
		json_array_append_new(incs, inc);
		if (report_is_violation_of(in[i].kind, in[i].state) &&
		    trend_add(t, base + in[i].at * 86400000LL, in[i].count,
			in[i].category, in[i].zone) == -1)
			r = -1;
	}
	a = trend_compute(incs, z, "Asia/Baku", 19 * 60 + 30, last, 4, NULL,
	    NULL);
	b = t != NULL && r == 0 ? trend_json(t, "Asia/Baku") : NULL;
	if (a != NULL)
		sa = json_dumps(a, JSON_COMPACT);
	if (b != NULL)
		sb = json_dumps(b, JSON_COMPACT);
	ok(sa != NULL && sb != NULL && strcmp(sa, sb) == 0,
	    "trend: row by row gives the bytes of trend_compute");
	day = json_array_get(json_object_get(b, "series"), 1);
	is_int(json_integer_value(json_object_get(day, "incidents")), 1,
	    "trend: agreed_no_violation is not counted");
	is_int(json_integer_value(json_object_get(json_object_get(
		   json_object_get(day, "by_category"), "burst_or_shot"),
		   "events")),
	    1, "trend: a count of 0 is one event");
	day = json_array_get(json_object_get(b, "series"), 2);
	is_int(json_integer_value(json_object_get(day, "events")), 3,
	    "trend: duplicates and complaints are not counted");
	ok(json_object_get(json_object_get(day, "by_zone"), "unknown") !=
		NULL,
	    "trend: no zone counts as unknown");
	day = json_array_get(json_object_get(b, "series"), 3);
	ok(json_object_get(json_object_get(day, "by_category"), "other") !=
		NULL,
	    "trend: no category counts as other");
	is_int(json_integer_value(json_object_get(b, "days")), 4,
	    "trend: 4 days, the one after the last left out");
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	trend_free(t);

	t = trend_new(z, 19 * 60 + 30, last, 4, NULL, NULL);
	for (i = 0, r = 0; t != NULL && i <= TREND_MAX_NAMES && r == 0;
	     i++) {
		snprintf(name, sizeof(name), "zone %zu", i);
		r = trend_add(t, base, 1, "explosion", name);
	}
	ok(t != NULL && r == -1 && i == TREND_MAX_NAMES + 1,
	    "trend: zone %d is refused", TREND_MAX_NAMES + 1);
	trend_free(t);
	json_decref(incs);
	tz_free(z);
}

int
main(void)
{
	test_months();
	test_zones();
	test_requests();
	test_daily();
	test_spot();
	test_trend_tally();
	return done_testing();
}
