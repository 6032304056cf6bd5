/*
 * report: the products' model (see report.h and docs/products.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "locate/ellipsoid.h"
#include "record/canon.h"
#include "record/observation.h"
#include "report/report.h"
#include "report/trend.h"
#include "report/tz.h"
#include "verify/member.h"

static const char *const kinds[] = { "daily", "spot", "summary", NULL };

const char *
report_kind_name(enum report_kind k)
{
	return (unsigned)k < 3 ? kinds[k] : "?";
}

int
report_kind_parse(const char *s, enum report_kind *k)
{
	int i;

	for (i = 0; s != NULL && kinds[i] != NULL; i++)
		if (strcmp(s, kinds[i]) == 0) {
			*k = (enum report_kind)i;
			return 0;
		}
	return -1;
}

static int
two(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

int
report_cutoff_parse(const char *s, int *minutes, char *err, size_t errlen)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' || two(s, &h) == -1 ||
	    two(s + 3, &m) == -1 || h > 23 || m > 59) {
		snprintf(err, errlen,
		    "'%.16s' is not a time of day HH:MM "
		    "(00:00 to 23:59)",
		    s ? s : "");
		return -1;
	}
	*minutes = h * 60 + m;
	return 0;
}

int
report_date_parse(const char *s, int64_t *day, char *err, size_t errlen)
{
	int c, y2, m, d;
	int64_t y;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    two(s, &c) == -1 || two(s + 2, &y2) == -1 || two(s + 5, &m) == -1 ||
	    two(s + 8, &d) == -1)
		goto bad;
	y = c * 100 + y2;
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		goto bad;
	*day = tz_days_from_civil(y, m, d);
	{
		int64_t yy;
		int mm, dd;

		tz_civil_from_days(*day, &yy, &mm, &dd);
		if (mm != m || dd != d)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%.16s' is not a date YYYY-MM-DD (1970 on)",
	    s ? s : "");
	return -1;
}

int
report_month_parse(const char *s, int64_t *first, int64_t *last, char *err,
    size_t errlen)
{
	char date[16];
	int64_t d1, y;
	int m, d;

	if (s == NULL || strlen(s) != 7 || s[4] != '-') {
		snprintf(err, errlen, "'%.16s' is not a month YYYY-MM",
		    s ? s : "");
		return -1;
	}
	snprintf(date, sizeof(date), "%s-01", s);
	if (report_date_parse(date, &d1, err, errlen) == -1) {
		snprintf(err, errlen,
		    "'%.16s' is not a month YYYY-MM (1970 on)", s);
		return -1;
	}
	tz_civil_from_days(d1, &y, &m, &d);
	*first = d1;
	*last = (m == 12 ? tz_days_from_civil(y + 1, 1, 1)
			 : tz_days_from_civil(y, m + 1, 1)) -
	    1;
	return 0;
}

void
report_date_format(int64_t day, char buf[16])
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	snprintf(buf, 16, "%04lld-%02d-%02d", (long long)y, m, d);
}

void
report_day_period(const struct tz_zone *z, int cutoff_min, int64_t day,
    int64_t *from_ms, int64_t *to_ms)
{
	*from_ms =
	    tz_utc_of_local(z, (day - 1) * 86400 + (int64_t)cutoff_min * 60) *
	    1000;
	*to_ms =
	    tz_utc_of_local(z, day * 86400 + (int64_t)cutoff_min * 60) * 1000;
}

int
report_is_id(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != REPORT_ID_LEN)
		return 0;
	for (i = 0; i < REPORT_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ---- the request ------------------------------------------------------- */

static int
only(const json_t *in, const char *const *keys, char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	size_t i;
	int known;

	json_object_foreach((json_t *)in, k, v)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			snprintf(err, errlen,
			    "/%.64s: unknown field for this "
			    "kind of report",
			    k);
			return -1;
		}
	}
	return 0;
}

static int
date_field(const json_t *in, const char *key, int64_t *day, char *err,
    size_t errlen)
{
	char why[128];

	if (report_date_parse(json_string_value(json_object_get(in, key)), day,
		why, sizeof(why)) == -1) {
		snprintf(err, errlen, "/%s: required: %s", key, why);
		return -1;
	}
	return 0;
}

int
report_request_parse(const json_t *in, struct report_request *rq, char *err,
    size_t errlen)
{
	static const char *const daily[] = { "kind", "date", NULL };
	static const char *const summary[] = { "kind", "from", "to", NULL };
	static const char *const spot[] = { "kind", "incidents", "narrative",
		NULL };
	struct report_request out;
	const json_t *list, *v;
	const char *s;
	size_t i, j;

	memset(&out, 0, sizeof(out));
	if (!json_is_object(in)) {
		snprintf(err, errlen, "the body must be a JSON object");
		return -1;
	}
	if (report_kind_parse(json_string_value(json_object_get(in, "kind")),
		&out.kind) == -1) {
		snprintf(err, errlen, "/kind: must be daily, spot or summary");
		return -1;
	}
	switch (out.kind) {
	case REPORT_DAILY:
		if (only(in, daily, err, errlen) == -1 ||
		    date_field(in, "date", &out.first_day, err, errlen) == -1)
			return -1;
		out.last_day = out.first_day;
		break;
	case REPORT_SUMMARY:
		if (only(in, summary, err, errlen) == -1 ||
		    date_field(in, "from", &out.first_day, err, errlen) == -1 ||
		    date_field(in, "to", &out.last_day, err, errlen) == -1)
			return -1;
		if (out.last_day < out.first_day ||
		    out.last_day - out.first_day + 1 > REPORT_MAX_DAYS) {
			snprintf(err, errlen,
			    "/to: a summary covers 1 to %d "
			    "days from /from",
			    REPORT_MAX_DAYS);
			return -1;
		}
		break;
	case REPORT_SPOT:
		if (only(in, spot, err, errlen) == -1)
			return -1;
		list = json_object_get(in, "incidents");
		if (!json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > REPORT_MAX_INCIDENTS) {
			snprintf(err, errlen,
			    "/incidents: required: 1 to %d "
			    "incident ids",
			    REPORT_MAX_INCIDENTS);
			return -1;
		}
		json_array_foreach(list, i, v)
		{
			s = json_string_value(v);
			if (s == NULL || strlen(s) == 0 || strlen(s) > 63) {
				snprintf(err, errlen,
				    "/incidents/%zu: must be "
				    "an incident id",
				    i);
				return -1;
			}
			for (j = 0; j < out.nincidents; j++)
				if (strcmp(out.incidents[j], s) == 0) {
					snprintf(err, errlen,
					    "/incidents/%zu: "
					    "%.64s is named twice",
					    i, s);
					return -1;
				}
			out.incidents[out.nincidents++] = s;
		}
		s = json_string_value(json_object_get(in, "narrative"));
		if (s == NULL || *s == '\0' ||
		    strlen(s) > REPORT_NARRATIVE_MAX) {
			snprintf(err, errlen,
			    "/narrative: required: 1 to %d "
			    "bytes written by the analyst",
			    REPORT_NARRATIVE_MAX);
			return -1;
		}
		out.narrative = s;
		break;
	}
	*rq = out;
	return 0;
}

/* The period, the previous period's start and (daily) the 7 periods'. */
static void
periods(const struct report_request *rq, const struct report_context *cx,
    int64_t *from, int64_t *to, int64_t *prev_from, int64_t *week_from)
{
	int64_t x, len = rq->last_day - rq->first_day + 1;

	report_day_period(cx->tz, cx->cutoff_min, rq->first_day, from, &x);
	report_day_period(cx->tz, cx->cutoff_min, rq->last_day, &x, to);
	report_day_period(cx->tz, cx->cutoff_min, rq->first_day - len,
	    prev_from, &x);
	if (rq->kind == REPORT_DAILY)
		report_day_period(cx->tz, cx->cutoff_min, rq->first_day - 7,
		    week_from, &x);
	else
		*week_from = *prev_from;
}

int
report_window(const struct report_request *rq, const struct report_context *cx,
    int64_t *from_ms, int64_t *to_ms)
{
	int64_t from, to, prev, week;

	if (rq->kind == REPORT_SPOT) {
		*from_ms = 0;
		*to_ms = -1;
		return 0;
	}
	periods(rq, cx, &from, &to, &prev, &week);
	*from_ms = prev < week ? prev : week;
	/* The trend chart's days (report_trend_days) too. */
	report_day_period(cx->tz, cx->cutoff_min,
	    rq->last_day - report_trend_days(rq) + 1, &from, &to);
	if (from < *from_ms)
		*from_ms = from;
	report_day_period(cx->tz, cx->cutoff_min, rq->last_day, &from, &to);
	*to_ms = to;
	return 0;
}

int
report_trend_days(const struct report_request *rq)
{
	if (rq->kind == REPORT_SPOT)
		return 0;
	if (rq->kind == REPORT_DAILY)
		return REPORT_TREND_DAYS;
	return (int)(rq->last_day - rq->first_day + 1);
}

/*
 * The trend the renderings chart: trend_compute's series over
 * report_trend_days days ending with the period's last day, by category
 * only (the zones are in the summary), each day without its UTC bounds
 * (the days are the daily report's, stated in "period").
 */
static json_t *
trend_of(const struct report_request *rq, const struct report_context *cx,
    const json_t *incs)
{
	json_t *t, *out = NULL, *day;
	size_t i;
	int n = report_trend_days(rq);

	if ((t = trend_compute(incs, cx->tz, cx->time_zone, cx->cutoff_min,
		 rq->last_day, n, NULL, NULL)) == NULL)
		return NULL;
	json_array_foreach(json_object_get(t, "series"), i, day)
	{
		json_object_del(day, "by_zone");
		json_object_del(day, "from_ms");
		json_object_del(day, "to_ms");
	}
	out = json_pack("{s:O,s:O,s:i,s:O}", "first_date",
	    json_object_get(t, "first_date"), "last_date",
	    json_object_get(t, "last_date"), "days", n, "series",
	    json_object_get(t, "series"));
	json_decref(t);
	return out;
}

/* ---- building ------------------------------------------------------------ */

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A copy of the array o[key], or an empty array. */
static json_t *
array_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_array(v) ? json_deep_copy(v) : json_array();
}

enum { Q_EXACT = 0, Q_AT_LEAST = 1, Q_ABOUT = 2 };

static int
qual_code(const char *q)
{
	if (q != NULL && strcmp(q, "about") == 0)
		return Q_ABOUT;
	if (q != NULL && strcmp(q, "at_least") == 0)
		return Q_AT_LEAST;
	return Q_EXACT;
}

static const char *
qual_name(int q)
{
	return q == Q_ABOUT ? "about" : q == Q_AT_LEAST ? "at_least" : "exact";
}

/* One row of the summary: the period, the one before, the 7 before. */
struct tally {
	const char *key;
	int64_t n, ev, pn, pev, wn, wev;
	int q;
};

struct tallies {
	struct tally *v;
	size_t n, cap;
};

static struct tally *
tally_get(struct tallies *t, const char *key)
{
	struct tally *nv;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		if ((nv = realloc(t->v, t->cap * sizeof(*nv))) == NULL)
			return NULL;
		t->v = nv;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].key = key;
	return &t->v[t->n++];
}

static int
tally_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tally *)a)->key,
	    ((const struct tally *)b)->key);
}

/* Mean of 7 periods in tenths, rounded half up. */
static int64_t
mean7_x10(int64_t sum)
{
	return (sum * 20 + 7) / 14;
}

static json_t *
row_json(const char *name, const struct tally *t, enum report_kind kind)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:s}", "incidents",
	    (json_int_t)t->n, "events", (json_int_t)t->ev, "qualifier",
	    qual_name(t->q), name, t->key);

	if (o == NULL)
		return NULL;
	if (kind != REPORT_SPOT)
		json_object_set_new(o, "previous",
		    json_pack("{s:I,s:I}", "incidents", (json_int_t)t->pn,
			"events", (json_int_t)t->pev));
	if (kind == REPORT_DAILY)
		json_object_set_new(o, "mean_7d_x10",
		    json_pack("{s:I,s:I}", "incidents",
			(json_int_t)mean7_x10(t->wn), "events",
			(json_int_t)mean7_x10(t->wev)));
	return o;
}

int
report_is_violation(const json_t *inc)
{
	return report_is_violation_of(str(inc, "kind"), str(inc, "state"));
}

int
report_is_violation_of(const char *kind, const char *state)
{
	if (kind == NULL || strcmp(kind, "observed") != 0)
		return 0;
	return state == NULL ||
	    (strcmp(state, "agreed_no_violation") != 0 &&
		strcmp(state, "duplicate") != 0);
}

/* Which period incident inc counts in: 0 this, 1 previous, 2 the 7
 * before (only), -1 none. Spot reports count every named incident. */
struct frame {
	enum report_kind kind;
	int64_t from, to, prev_from, week_from;
};

static int
which(const struct frame *f, const json_t *inc)
{
	int64_t t = num(inc, "time_from_ms");

	if (f->kind == REPORT_SPOT || (t >= f->from && t < f->to))
		return 0;
	if (t >= f->prev_from && t < f->from)
		return 1;
	if (t >= f->week_from && t < f->from)
		return 2;
	return -1;
}

static void
add(struct tally *t, int w, int in_prev, int in_week, const json_t *inc)
{
	int64_t c = num(inc, "count");

	if (w == 0) {
		t->n++;
		t->ev += c;
		if (qual_code(str(inc, "qualifier")) > t->q)
			t->q = qual_code(str(inc, "qualifier"));
	}
	if (in_prev) {
		t->pn++;
		t->pev += c;
	}
	if (in_week) {
		t->wn++;
		t->wev += c;
	}
}

static json_t *
summary(const struct frame *f, const json_t *incs)
{
	struct tallies cat = { 0 }, zone = { 0 };
	struct tally total = { "all", 0, 0, 0, 0, 0, 0, 0 }, *t;
	json_t *bycat = NULL, *byzone = NULL, *inc, *out = NULL;
	const char *c, *z;
	int64_t ts;
	size_t i;
	int w, in_prev, in_week;

	for (i = 0; (c = observation_category(i)) != NULL; i++)
		if (tally_get(&cat, c) == NULL)
			goto done;
	json_array_foreach(incs, i, inc)
	{
		if (!report_is_violation(inc) || (w = which(f, inc)) == -1)
			continue;
		ts = num(inc, "time_from_ms");
		in_prev = w != 0 && ts >= f->prev_from && ts < f->from;
		in_week = w != 0 && ts >= f->week_from && ts < f->from;
		c = str(inc, "category");
		z = str(inc, "zone");
		add(&total, w, in_prev, in_week, inc);
		if ((t = tally_get(&cat, c ? c : "other")) == NULL)
			goto done;
		add(t, w, in_prev, in_week, inc);
		if ((t = tally_get(&zone, z ? z : "unknown")) == NULL)
			goto done;
		add(t, w, in_prev, in_week, inc);
	}
	if (zone.n > 0) /* zone.v is NULL when no violation has a zone */
		qsort(zone.v, zone.n, sizeof(*zone.v), tally_cmp);
	bycat = json_array();
	byzone = json_array();
	for (i = 0; i < cat.n; i++)
		json_array_append_new(bycat,
		    row_json("category", &cat.v[i], f->kind));
	for (i = 0; i < zone.n; i++)
		if (zone.v[i].n > 0 || zone.v[i].pn > 0 || zone.v[i].wn > 0)
			json_array_append_new(byzone,
			    row_json("zone", &zone.v[i], f->kind));
	out = json_pack("{s:o,s:o,s:o}", "total",
	    row_json("category", &total, f->kind), "by_category", bycat,
	    "by_zone", byzone);
	bycat = byzone = NULL;
done:
	json_decref(bycat);
	json_decref(byzone);
	free(cat.v);
	free(zone.v);
	return out;
}

/* Incidents in the period, in (time, id) order: an array of borrowed
 * pointers into incs. */
static int
inc_cmp(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a;
	const json_t *y = *(const json_t *const *)b;
	int64_t tx = num(x, "time_from_ms"), ty = num(y, "time_from_ms");

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(str(x, "id"), str(y, "id"));
}

static const json_t **
in_period(const struct frame *f, const json_t *incs, const char *kind,
    size_t *n)
{
	const json_t **v;
	json_t *inc;
	size_t i;

	*n = 0;
	if ((v = calloc(json_array_size(incs) + 1, sizeof(*v))) == NULL)
		return NULL;
	json_array_foreach(incs, i, inc)
	{
		if (str(inc, "id") == NULL || str(inc, "kind") == NULL ||
		    strcmp(str(inc, "kind"), kind) != 0 || which(f, inc) != 0)
			continue;
		if (str(inc, "state") != NULL &&
		    strcmp(str(inc, "state"), "duplicate") == 0)
			continue;
		v[(*n)++] = inc;
	}
	qsort(v, *n, sizeof(*v), inc_cmp);
	return v;
}

static int
view_cmp(const void *a, const void *b)
{
	return strcmp(str(*(const json_t *const *)a, "member"),
	    str(*(const json_t *const *)b, "member"));
}

static json_t *
views(const json_t *inc)
{
	const json_t *as = json_object_get(inc, "assessments");
	const json_t **v;
	json_t *out = json_array(), *a;
	size_t i, n = 0;

	if ((v = calloc(json_array_size(as) + 1, sizeof(*v))) == NULL) {
		json_decref(out);
		return NULL;
	}
	json_array_foreach(as, i, a) if (str(a, "member") != NULL) v[n++] = a;
	qsort(v, n, sizeof(*v), view_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(out,
		    json_pack("{s:s,s:s?,s:s?,s:s?,"
			      "s:s?,s:I}",
			"member", str(v[i], "member"), "verdict",
			str(v[i], "verdict"), "attribution",
			str(v[i], "attribution"), "confidence",
			str(v[i], "confidence"), "rationale",
			str(v[i], "rationale"), "revision",
			(json_int_t)num(v[i], "revision")));
	free(v);
	return out;
}

static json_t *
by_state(const json_t *const *v, size_t n)
{
	static const char *const lists[] = { "agreed_violation",
		"agreed_no_violation", "unverifiable", "disputed", "pending",
		"escalated", "closed", NULL };
	json_t *out = json_object(), *list;
	const char *st, *key;
	size_t i, k;

	for (k = 0; lists[k] != NULL; k++)
		json_object_set_new(out, lists[k], json_array());
	for (i = 0; i < n; i++) {
		st = str(v[i], "state");
		key = "pending";
		for (k = 0; st != NULL && lists[k] != NULL; k++)
			if (strcmp(st, lists[k]) == 0)
				key = lists[k];
		list = json_object_get(out, key);
		if (strcmp(key, "disputed") == 0)
			json_array_append_new(list,
			    json_pack("{s:s,s:o}", "incident", str(v[i], "id"),
				"views", views(v[i])));
		else
			json_array_append_new(list,
			    json_string(str(v[i], "id")));
	}
	return out;
}

static json_t *
int_round(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer(json_integer_value(v));
	if (json_is_real(v) && isfinite(json_real_value(v)))
		return json_integer((json_int_t)llround(json_real_value(v)));
	return json_null();
}

static json_t *
annex_row(const json_t *inc, const struct report_context *cx)
{
	struct ellipsoid_ellipse el;
	const json_t *line = json_object_get(inc, "line"), *cov;
	json_t *o, *pos = json_null(), *ell = json_null(), *ln = json_null();
	double c[3];
	size_t i;

	if (json_is_true(json_object_get(inc, "located"))) {
		json_decref(pos);
		pos = json_pack("{s:I,s:I}", "lat_e7",
		    (json_int_t)llround(
			json_real_value(json_object_get(inc, "lat")) * 1e7),
		    "lon_e7",
		    (json_int_t)llround(
			json_real_value(json_object_get(inc, "lon")) * 1e7));
		cov = json_object_get(inc, "cov");
		for (i = 0; i < 3; i++)
			c[i] = json_number_value(json_array_get(cov, i));
		if (json_array_size(cov) == 3 &&
		    ellipsoid_ellipse95(c, &el) == 0 &&
		    isfinite(el.semi_major_m) && el.semi_major_m < 1e9) {
			json_decref(ell);
			ell = json_pack("{s:I,s:I,s:I}", "semi_major_m",
			    (json_int_t)llround(el.semi_major_m),
			    "semi_minor_m",
			    (json_int_t)llround(el.semi_minor_m),
			    "orientation_deg",
			    (json_int_t)llround(el.orientation_deg) % 180);
		}
	}
	if (json_is_object(line)) {
		json_decref(ln);
		ln = json_pack("{s:s?,s:o,s:s?}", "name", str(line, "name"),
		    "distance_m", int_round(line, "distance_m"), "side",
		    str(line, "side"));
	}
	o = json_pack("{s:s,s:I,s:I,s:I,s:s?,s:s?,s:o,s:s?,s:I,s:s?,s:I,"
		      "s:o,s:s,s:I,s:o,s:o}",
	    "incident", str(inc, "id"), "time_from_ms",
	    (json_int_t)num(inc, "time_from_ms"), "time_to_ms",
	    (json_int_t)num(inc, "time_to_ms"), "utc_offset_s",
	    (json_int_t)tz_offset_at(cx->tz, num(inc, "time_from_ms") / 1000),
	    "description", str(inc, "description"), "zone", str(inc, "zone"),
	    "line", ln, "category", str(inc, "category"), "count",
	    (json_int_t)num(inc, "count"), "qualifier", str(inc, "qualifier"),
	    "independent_sources", (json_int_t)num(inc, "independent_sources"),
	    "members", array_of(inc, "members"), "state",
	    str(inc, "state") ? str(inc, "state") : "received", "log_index",
	    (json_int_t)num(inc, "seed_index"), "position", pos, "ellipse95",
	    ell);
	if (o == NULL)
		return NULL;
	/* Keys that json_pack left out when NULL are null in the report. */
	if (json_object_get(o, "description") == NULL)
		json_object_set_new(o, "description", json_null());
	if (json_object_get(o, "zone") == NULL)
		json_object_set_new(o, "zone", json_null());
	return o;
}

static int
party_cmp(const void *a, const void *b)
{
	const char *x = str(*(const json_t *const *)a, "party");
	const char *y = str(*(const json_t *const *)b, "party");

	return strcmp(x ? x : "", y ? y : "");
}

static json_t *
complaints(const struct frame *f, const json_t *incs)
{
	const json_t **v;
	json_t *out = json_array(), *group = NULL, *row;
	const char *party, *last = NULL;
	size_t i, n;

	if ((v = in_period(f, incs, "complaint", &n)) == NULL) {
		json_decref(out);
		return NULL;
	}
	/* Stable: within a party, (time, id) order stays. */
	for (i = 1; i < n; i++) {
		size_t j = i;
		const json_t *x = v[i];

		while (j > 0 && party_cmp(&v[j - 1], &x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (i = 0; i < n; i++) {
		party = str(v[i], "party") ? str(v[i], "party") : "unknown";
		if (last == NULL || strcmp(last, party) != 0) {
			group = json_array();
			json_array_append_new(out,
			    json_pack("{s:s,s:o}", "party", party, "complaints",
				group));
			last = party;
		}
		row = json_pack("{s:s,s:o,s:I,s:I,s:s?,s:I,s:s?,s:s?,s:o}",
		    "incident", str(v[i], "id"), "observations",
		    array_of(v[i], "complaints"), "time_from_ms",
		    (json_int_t)num(v[i], "time_from_ms"), "time_to_ms",
		    (json_int_t)num(v[i], "time_to_ms"), "category",
		    str(v[i], "category"), "count",
		    (json_int_t)num(v[i], "count"), "qualifier",
		    str(v[i], "qualifier"), "description",
		    str(v[i], "description"), "linked",
		    array_of(v[i], "corroborated_by"));
		if (row != NULL && json_object_get(row, "description") == NULL)
			json_object_set_new(row, "description", json_null());
		json_array_append_new(group, row);
	}
	free(v);
	return out;
}

/* A source's key fields, for sorting and grouping. */
static const char *const src_keys[] = { "type", "member", "organisation",
	"unit", NULL };

static int
src_cmp(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a;
	const json_t *y = *(const json_t *const *)b;
	const char *s, *t;
	int c, i;

	for (i = 0; src_keys[i] != NULL; i++) {
		s = str(x, src_keys[i]);
		t = str(y, src_keys[i]);
		if ((s == NULL) != (t == NULL))
			return s == NULL ? -1 : 1;
		if (s != NULL && (c = strcmp(s, t)) != 0)
			return c;
	}
	return 0;
}

static json_t *
sources(const struct frame *f, const json_t *obs)
{
	const json_t **v, *e, *src, *o;
	json_t *out = json_array(), *row;
	size_t i, n = 0, k;
	int64_t t, count;

	if ((v = calloc(json_array_size(obs) + 1, sizeof(*v))) == NULL) {
		json_decref(out);
		return NULL;
	}
	json_array_foreach(obs, i, o)
	{
		e = json_object_get(o, "entry");
		src = json_object_get(e, "source");
		t = num(json_object_get(e, "observed_at"), "from");
		if (!json_is_object(src) || str(src, "type") == NULL ||
		    strcmp(str(src, "type"), "complaint") == 0)
			continue;
		if (f->kind != REPORT_SPOT && (t < f->from || t >= f->to))
			continue;
		v[n++] = src;
	}
	qsort(v, n, sizeof(*v), src_cmp);
	for (i = 0; i < n; i += (size_t)count) {
		for (count = 1; i + (size_t)count < n &&
		     src_cmp(&v[i], &v[i + (size_t)count]) == 0;
		     count++)
			;
		row = json_pack("{s:I}", "observations", (json_int_t)count);
		for (k = 0; src_keys[k] != NULL; k++)
			if (str(v[i], src_keys[k]) != NULL)
				json_object_set_new(row, src_keys[k],
				    json_string(str(v[i], src_keys[k])));
		json_array_append_new(out, row);
	}
	free(v);
	return out;
}

static int
status_cmp(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a;
	const json_t *y = *(const json_t *const *)b;
	int c = src_cmp(a, b);

	if (c != 0)
		return c;
	if (num(x, "from_ms") != num(y, "from_ms"))
		return num(x, "from_ms") < num(y, "from_ms") ? -1 : 1;
	return num(x, "index") < num(y, "index") ? -1
	    : num(x, "index") > num(y, "index")	 ? 1
						 : 0;
}

/*
 * The sources that said they were down or degraded over a time that
 * overlaps the period (statements: the store's source_status rows), by
 * source, then time.
 */
static json_t *
not_operational(const struct frame *f, const json_t *statements)
{
	const json_t **v, *st;
	json_t *out = json_array(), *row;
	size_t i, n = 0, k;

	if ((v = calloc(json_array_size(statements) + 1, sizeof(*v))) == NULL) {
		json_decref(out);
		return NULL;
	}
	json_array_foreach(statements, i, st)
	{
		if (str(st, "status") == NULL || str(st, "unit") == NULL ||
		    str(st, "type") == NULL ||
		    strcmp(str(st, "status"), "operational") == 0 ||
		    num(st, "from_ms") >= f->to || num(st, "to_ms") <= f->from)
			continue;
		v[n++] = st;
	}
	qsort(v, n, sizeof(*v), status_cmp);
	for (i = 0; i < n; i++) {
		row = json_pack("{s:s,s:s,s:I,s:I,s:I}", "status",
		    str(v[i], "status"), "reason",
		    str(v[i], "reason") ? str(v[i], "reason") : "", "from_ms",
		    (json_int_t)num(v[i], "from_ms"), "to_ms",
		    (json_int_t)num(v[i], "to_ms"), "log_index",
		    (json_int_t)num(v[i], "index"));
		for (k = 0; row != NULL && src_keys[k] != NULL; k++)
			if (str(v[i], src_keys[k]) != NULL)
				json_object_set_new(row, src_keys[k],
				    json_string(str(v[i], src_keys[k])));
		json_array_append_new(out, row);
	}
	free(v);
	return out;
}

/* Spot: each observation of the named incidents, with its source. */
static json_t *
spot_observations(const json_t *incs, const json_t *obs)
{
	json_t *out = json_array(), *inc, *o, *id, *e;
	size_t i, j, k;

	json_array_foreach(incs, i, inc)
	    json_array_foreach(json_object_get(inc, "observations"), j, id)
		json_array_foreach(obs, k, o)
	{
		if (!json_equal(json_object_get(o, "id"), id))
			continue;
		e = json_object_get(o, "entry");
		json_array_append_new(out,
		    json_pack("{s:O,s:s,s:O,s:s?,s:I,s:I,s:I}", "id", id,
			"incident", str(inc, "id"), "source",
			json_object_get(e, "source"), "category",
			str(e, "category"), "observed_from_ms",
			(json_int_t)num(json_object_get(e, "observed_at"),
			    "from"),
			"observed_to_ms",
			(json_int_t)num(json_object_get(e, "observed_at"),
			    "to"),
			"log_index", (json_int_t)num(o, "index")));
		break;
	}
	return out;
}

static void
number(const struct report_request *rq, const struct report_context *cx,
    int64_t from_ms, char *buf, size_t len)
{
	char a[16], b[16];
	int64_t y, day;
	int m, d;

	switch (rq->kind) {
	case REPORT_DAILY:
		tz_civil_from_days(rq->first_day, &y, &m, &d);
		snprintf(buf, len, "Daily Report %lld/%lld",
		    (long long)(rq->first_day - tz_days_from_civil(y, 1, 1) +
			1),
		    (long long)y);
		break;
	case REPORT_SUMMARY:
		report_date_format(rq->first_day, a);
		report_date_format(rq->last_day, b);
		snprintf(buf, len, "Summary Report %s to %s", a, b);
		break;
	case REPORT_SPOT:
		day = (from_ms / 1000 + tz_offset_at(cx->tz, from_ms / 1000)) /
		    86400;
		tz_civil_from_days(day, &y, &m, &d);
		snprintf(buf, len, "Spot Report %lld/%lld",
		    (long long)cx->spot_sequence, (long long)y);
		break;
	}
}

json_t *
report_build(const struct report_request *rq, const struct report_context *cx,
    const json_t *facts, char *err, size_t errlen)
{
	const json_t *incs = json_object_get(facts, "incidents");
	const json_t *obs = json_object_get(facts, "observations");
	const json_t *mem = json_object_get(facts, "members"), *v;
	const json_t **period_incs = NULL;
	struct member_rule rule;
	struct frame f;
	json_t *r = NULL, *annex, *names, *period;
	char num_s[REPORT_NUMBER_LEN], rule_s[32], a[16], b[16];
	size_t i, n;

	if (!json_is_array(incs) || !json_is_array(obs)) {
		snprintf(err, errlen,
		    "the facts lack incidents or "
		    "observations");
		return NULL;
	}
	memset(&f, 0, sizeof(f));
	f.kind = rq->kind;
	if (rq->kind == REPORT_SPOT) {
		if (json_array_size(incs) == 0) {
			snprintf(err, errlen,
			    "/incidents: none of them exists");
			return NULL;
		}
		f.from = INT64_MAX;
		f.to = INT64_MIN;
		json_array_foreach(incs, i, v)
		{
			if (num(v, "time_from_ms") < f.from)
				f.from = num(v, "time_from_ms");
			if (num(v, "time_to_ms") > f.to)
				f.to = num(v, "time_to_ms");
		}
		f.prev_from = f.week_from = f.from;
	} else
		periods(rq, cx, &f.from, &f.to, &f.prev_from, &f.week_from);
	number(rq, cx, f.from, num_s, sizeof(num_s));
	rule.k = rule.n = 0;
	if (member_rule_from_json(json_object_get(mem, "rule"), &rule) == -1)
		rule.k = rule.n = 0;
	member_rule_format(&rule, rule_s, sizeof(rule_s));
	names = json_array();
	json_array_foreach(json_object_get(mem, "members"), i,
	    v) if (str(v, "name") != NULL)
	    json_array_append_new(names, json_string(str(v, "name")));
	period = json_pack("{s:I,s:I,s:s,s:s}", "from_ms", (json_int_t)f.from,
	    "to_ms", (json_int_t)f.to, "time_zone", cx->time_zone, "cutoff",
	    "");
	snprintf(a, sizeof(a), "%02d:%02d", cx->cutoff_min / 60,
	    cx->cutoff_min % 60);
	json_object_set_new(period, "cutoff", json_string(a));
	if (rq->kind != REPORT_SPOT) {
		report_date_format(rq->first_day, a);
		report_date_format(rq->last_day, b);
		json_object_set_new(period, "first_date", json_string(a));
		json_object_set_new(period, "last_date", json_string(b));
	}
	if ((period_incs = in_period(&f, incs, "observed", &n)) == NULL)
		goto oom;
	annex = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(annex, annex_row(period_incs[i], cx));
	r = json_pack("{s:i,s:s,s:s,s:s,s:s,s:o,s:I,s:s,s:o,s:s,s:o,s:o,s:o,"
		      "s:o,s:o}",
	    "v", 1, "type", "report", "kind", report_kind_name(rq->kind),
	    "number", num_s, "center", cx->origin ? cx->origin : "", "period",
	    period, "log_size", (json_int_t)cx->log_size, "root",
	    cx->root ? cx->root : "", "members", names, "rule", rule_s,
	    "summary", summary(&f, incs), "incidents_by_state",
	    by_state(period_incs, n), "complaints", complaints(&f, incs),
	    "sources", sources(&f, obs), "annex", annex);
	if (r == NULL)
		goto oom;
	if (rq->kind != REPORT_SPOT &&
	    (json_object_set_new(r, "trend", trend_of(rq, cx, incs)) == -1 ||
		json_object_set_new(r, "not_operational",
		    not_operational(&f,
			json_object_get(facts, "source_status"))) == -1))
		goto oom;
	if (rq->kind == REPORT_SPOT) {
		json_object_set_new(r, "narrative", json_string(rq->narrative));
		json_object_set_new(r, "observations",
		    spot_observations(incs, obs));
	}
	free(period_incs);
	return r;
oom:
	free(period_incs);
	json_decref(r);
	snprintf(err, errlen, "out of memory, or a field that is not UTF-8");
	return NULL;
}

int
report_encode(const json_t *report, char **out, size_t *len,
    char id[REPORT_ID_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char *buf;
	size_t n;

	if (canon_encode(report, &buf, &n) == -1)
		return -1;
	crypto_hash_sha256(h, (const uint8_t *)buf, n);
	sodium_bin2hex(id, REPORT_ID_LEN + 1, h, sizeof(h));
	*out = buf;
	*len = n;
	return 0;
}
