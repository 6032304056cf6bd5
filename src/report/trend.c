/*
 * trend: violations per day by category and zone (see trend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "report/report.h"
#include "report/trend.h"

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The names met (categories or zones) and their counts per day. */
struct names {
	char **v;
	size_t n;
	int64_t *incidents, *events; /* [name * ndays + day] */
};

struct trend {
	const struct tz_zone *z;
	int cutoff_min, ndays;
	int64_t last_day;
	int64_t *from, *to;	     /* each day's period */
	int64_t *incidents, *events; /* each day's totals */
	char *zone, *category;	     /* the filter; NULL: any */
	struct names cats, zones;
};

static void
names_clear(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	free(nm->incidents);
	free(nm->events);
}

/* The index of name in nm, added if new; -1 when out of memory or past
 * TREND_MAX_NAMES. Cost: O(names). */
static ssize_t
names_index(struct names *nm, const char *name, int ndays)
{
	size_t i, cells = (size_t)ndays;
	char **v;
	int64_t *inc, *ev;

	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return (ssize_t)i;
	if (nm->n >= TREND_MAX_NAMES)
		return -1;
	if ((v = realloc(nm->v, (nm->n + 1) * sizeof(*v))) == NULL)
		return -1;
	nm->v = v;
	if ((inc = realloc(nm->incidents,
		 (nm->n + 1) * cells * sizeof(*inc))) == NULL)
		return -1;
	nm->incidents = inc;
	if ((ev = realloc(nm->events, (nm->n + 1) * cells * sizeof(*ev))) ==
	    NULL)
		return -1;
	nm->events = ev;
	if ((nm->v[nm->n] = strdup(name)) == NULL)
		return -1;
	memset(inc + nm->n * cells, 0, cells * sizeof(*inc));
	memset(ev + nm->n * cells, 0, cells * sizeof(*ev));
	return (ssize_t)nm->n++;
}

struct trend *
trend_new(const struct tz_zone *z, int cutoff_min, int64_t last_day, int ndays,
    const char *zone, const char *category)
{
	struct trend *t;
	int d;

	if (ndays < 1 || ndays > TREND_MAX_DAYS ||
	    (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->z = z;
	t->cutoff_min = cutoff_min;
	t->ndays = ndays;
	t->last_day = last_day;
	if ((t->from = calloc((size_t)ndays, sizeof(*t->from))) == NULL ||
	    (t->to = calloc((size_t)ndays, sizeof(*t->to))) == NULL ||
	    (t->incidents = calloc((size_t)ndays, sizeof(*t->incidents))) ==
		NULL ||
	    (t->events = calloc((size_t)ndays, sizeof(*t->events))) == NULL ||
	    (zone != NULL && (t->zone = strdup(zone)) == NULL) ||
	    (category != NULL && (t->category = strdup(category)) == NULL)) {
		trend_free(t);
		return NULL;
	}
	for (d = 0; d < ndays; d++)
		report_day_period(z, cutoff_min, last_day - (ndays - 1) + d,
		    &t->from[d], &t->to[d]);
	return t;
}

void
trend_free(struct trend *t)
{
	if (t == NULL)
		return;
	names_clear(&t->cats);
	names_clear(&t->zones);
	free(t->from);
	free(t->to);
	free(t->incidents);
	free(t->events);
	free(t->zone);
	free(t->category);
	free(t);
}

int
trend_add(struct trend *t, int64_t time_from_ms, int64_t count,
    const char *category, const char *zone)
{
	ssize_t c, zn;
	size_t at;
	int lo, hi, d;

	if ((t->category != NULL &&
		(category == NULL || strcmp(category, t->category) != 0)) ||
	    (t->zone != NULL && (zone == NULL || strcmp(zone, t->zone) != 0)))
		return 0;
	if (time_from_ms < t->from[0] || time_from_ms >= t->to[t->ndays - 1])
		return 0;
	/* The day whose period holds the time: the periods tile time. */
	for (lo = 0, hi = t->ndays - 1; lo < hi;) {
		d = (lo + hi + 1) / 2;
		if (t->from[d] <= time_from_ms)
			lo = d;
		else
			hi = d - 1;
	}
	if (count < 1)
		count = 1;
	if ((c = names_index(&t->cats, category ? category : "other",
		 t->ndays)) == -1 ||
	    (zn = names_index(&t->zones, zone ? zone : "unknown", t->ndays)) ==
		-1)
		return -1;
	t->incidents[lo]++;
	t->events[lo] += count;
	at = (size_t)c * (size_t)t->ndays + (size_t)lo;
	t->cats.incidents[at]++;
	t->cats.events[at] += count;
	at = (size_t)zn * (size_t)t->ndays + (size_t)lo;
	t->zones.incidents[at]++;
	t->zones.events[at] += count;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* The counts of day d under each name of nm met that day, by name. */
static json_t *
day_counts(const struct names *nm, int ndays, int d)
{
	char ***order;
	json_t *o = json_object();
	size_t i, at;

	if (o == NULL || (order = calloc(nm->n + 1, sizeof(*order))) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < nm->n; i++)
		order[i] = &nm->v[i];
	qsort(order, nm->n, sizeof(*order), by_name);
	for (i = 0; i < nm->n; i++) {
		at = (size_t)(order[i] - nm->v) * (size_t)ndays + (size_t)d;
		if (nm->incidents[at] == 0)
			continue;
		if (json_object_set_new(o, *order[i],
			json_pack("{s:I,s:I}", "incidents",
			    (json_int_t)nm->incidents[at], "events",
			    (json_int_t)nm->events[at])) == -1) {
			json_decref(o);
			o = NULL;
			break;
		}
	}
	free(order);
	return o;
}

json_t *
trend_json(const struct trend *t, const char *time_zone)
{
	json_t *series, *day, *filter, *cats, *zones;
	char date[16], cut[16], first[16];
	int d;

	if ((series = json_array()) == NULL)
		return NULL;
	for (d = 0; d < t->ndays; d++) {
		report_date_format(t->last_day - (t->ndays - 1) + d, date);
		if (d == 0)
			memcpy(first, date, sizeof(first));
		cats = day_counts(&t->cats, t->ndays, d);
		zones = day_counts(&t->zones, t->ndays, d);
		if (cats == NULL || zones == NULL ||
		    (day = json_pack("{s:s,s:I,s:I,s:I,s:I,s:o,s:o}", "date",
			 date, "from_ms", (json_int_t)t->from[d], "to_ms",
			 (json_int_t)t->to[d], "incidents",
			 (json_int_t)t->incidents[d], "events",
			 (json_int_t)t->events[d], "by_category", cats,
			 "by_zone", zones)) == NULL ||
		    json_array_append_new(series, day) == -1) {
			json_decref(series);
			return NULL;
		}
	}
	snprintf(cut, sizeof(cut), "%02d:%02d", t->cutoff_min / 60,
	    t->cutoff_min % 60);
	if ((filter = json_object()) == NULL) {
		json_decref(series);
		return NULL;
	}
	if (t->zone != NULL)
		json_object_set_new(filter, "zone", json_string(t->zone));
	if (t->category != NULL)
		json_object_set_new(filter, "category",
		    json_string(t->category));
	return json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:o}", "time_zone",
	    time_zone, "cutoff", cut, "first_date", first, "last_date", date,
	    "days", t->ndays, "filter", filter, "series", series);
}

json_t *
trend_compute(const json_t *incidents, const struct tz_zone *z,
    const char *time_zone, int cutoff_min, int64_t last_day, int ndays,
    const char *zone, const char *category)
{
	struct trend *t;
	json_t *inc, *out = NULL;
	size_t i;

	if ((t = trend_new(z, cutoff_min, last_day, ndays, zone, category)) ==
	    NULL)
		return NULL;
	json_array_foreach(incidents, i, inc)
	{
		if (report_is_violation(inc) &&
		    trend_add(t,
			json_integer_value(
			    json_object_get(inc, "time_from_ms")),
			json_integer_value(json_object_get(inc, "count")),
			str(inc, "category"), str(inc, "zone")) == -1)
			goto done;
	}
	out = trend_json(t, time_zone);
done:
	trend_free(t);
	return out;
}

/* Appends one CSV row; the names are the center's own words, quoted. */
static int
row(FILE *f, const char *date, const char *cat, const char *zone,
    const json_t *t)
{
	const char *s[2] = { cat, zone };
	int k;

	fprintf(f, "%s", date);
	for (k = 0; k < 2; k++) {
		fputs(",\"", f);
		for (; *s[k] != '\0'; s[k]++) {
			if (*s[k] == '"')
				fputc('"', f);
			fputc(*s[k], f);
		}
		fputc('"', f);
	}
	return fprintf(f, ",%lld,%lld\r\n",
		   (long long)json_integer_value(
		       json_object_get(t, "incidents")),
		   (long long)json_integer_value(
		       json_object_get(t, "events"))) < 0
	    ? -1
	    : 0;
}

char *
trend_csv(const json_t *trend)
{
	const json_t *day, *t;
	const char *date, *k;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int bad = 0;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fputs("date,category,zone,incidents,events\r\n", f);
	json_array_foreach(json_object_get(trend, "series"), i, day)
	{
		date = str(day, "date");
		bad |= row(f, date, "", "", day);
		json_object_foreach((json_t *)json_object_get(day,
					"by_category"),
		    k, t) bad |= row(f, date, k, "", t);
		json_object_foreach((json_t *)json_object_get(day, "by_zone"),
		    k, t) bad |= row(f, date, "", k, t);
	}
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}
