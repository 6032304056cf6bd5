/*
 * trend: violations per day by category and zone (see trend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/trend.h"

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Adds one incident of count events to the tally at o[key]. */
static int
bump(json_t *o, const char *key, int64_t events)
{
	json_t *t = json_object_get(o, key);

	if (t == NULL) {
		if ((t = json_pack("{s:I,s:I}", "incidents", (json_int_t)0,
			 "events", (json_int_t)0)) == NULL ||
		    json_object_set_new(o, key, t) == -1)
			return -1;
	}
	json_object_set_new(t, "incidents",
	    json_integer(
		json_integer_value(json_object_get(t, "incidents")) + 1));
	json_object_set_new(t, "events",
	    json_integer(
		json_integer_value(json_object_get(t, "events")) + events));
	return 0;
}

json_t *
trend_compute(const json_t *incidents, const struct tz_zone *z,
    const char *time_zone, int cutoff_min, int64_t last_day, int ndays,
    const char *zone, const char *category)
{
	json_t *out = NULL, *series, *day, *inc, *filter;
	int64_t *from = NULL, *to = NULL, t, count;
	char date[16], cut[16];
	const char *c, *zn;
	size_t i;
	int d, lo, hi;

	if (ndays < 1 || ndays > TREND_MAX_DAYS)
		return NULL;
	if ((from = calloc((size_t)ndays, sizeof(*from))) == NULL ||
	    (to = calloc((size_t)ndays, sizeof(*to))) == NULL ||
	    (series = json_array()) == NULL)
		goto done;
	for (d = 0; d < ndays; d++) {
		report_day_period(z, cutoff_min, last_day - (ndays - 1) + d,
		    &from[d], &to[d]);
		report_date_format(last_day - (ndays - 1) + d, date);
		if ((day = json_pack("{s:s,s:I,s:I,s:I,s:I,s:o,s:o}", "date",
			 date, "from_ms", (json_int_t)from[d], "to_ms",
			 (json_int_t)to[d], "incidents", (json_int_t)0,
			 "events", (json_int_t)0, "by_category", json_object(),
			 "by_zone", json_object())) == NULL ||
		    json_array_append_new(series, day) == -1) {
			json_decref(series);
			goto done;
		}
	}
	json_array_foreach(incidents, i, inc)
	{
		if (!report_is_violation(inc))
			continue;
		c = str(inc, "category");
		zn = str(inc, "zone");
		if ((category != NULL && (c == NULL || strcmp(c, category))) ||
		    (zone != NULL && (zn == NULL || strcmp(zn, zone))))
			continue;
		t = json_integer_value(json_object_get(inc, "time_from_ms"));
		if (t < from[0] || t >= to[ndays - 1])
			continue;
		/* The day whose period holds t: the periods tile time. */
		for (lo = 0, hi = ndays - 1; lo < hi;) {
			d = (lo + hi + 1) / 2;
			if (from[d] <= t)
				lo = d;
			else
				hi = d - 1;
		}
		count = json_integer_value(json_object_get(inc, "count"));
		if (count < 1)
			count = 1;
		day = json_array_get(series, (size_t)lo);
		json_object_set_new(day, "incidents",
		    json_integer(
			json_integer_value(json_object_get(day, "incidents")) +
			1));
		json_object_set_new(day, "events",
		    json_integer(
			json_integer_value(json_object_get(day, "events")) +
			count));
		if (bump(json_object_get(day, "by_category"), c ? c : "other",
			count) == -1 ||
		    bump(json_object_get(day, "by_zone"), zn ? zn : "unknown",
			count) == -1) {
			json_decref(series);
			goto done;
		}
	}
	snprintf(cut, sizeof(cut), "%02d:%02d", cutoff_min / 60,
	    cutoff_min % 60);
	filter = json_object();
	if (zone != NULL)
		json_object_set_new(filter, "zone", json_string(zone));
	if (category != NULL)
		json_object_set_new(filter, "category", json_string(category));
	out = json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:o}", "time_zone", time_zone,
	    "cutoff", cut, "first_date",
	    json_string_value(
		json_object_get(json_array_get(series, 0), "date")),
	    "last_date",
	    json_string_value(
		json_object_get(json_array_get(series, (size_t)ndays - 1),
		    "date")),
	    "days", ndays, "filter", filter, "series", series);
done:
	free(from);
	free(to);
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
