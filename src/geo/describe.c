/*
 * describe: zones, lines and the reference settlement of a position, in
 * OSCE SMM wording. See describe.h for the rule.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/describe.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/lines.h"
#include "geo/polygon.h"

/* Candidates examined within the search radius (ample for ~1 km grids). */
#define MAX_CANDIDATES 4096

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

double
describe_score(double distance_m, int64_t population)
{
	double pop = population > 0 ? (double)population
				    : DESCRIBE_UNKNOWN_POPULATION;
	double w = log10(pop + 10);

	return distance_m / (w * w);
}

static void
fill_ref(struct describe_ref *ref, const struct gazetteer_near *n)
{
	ref->place = n->place;
	ref->distance_m = n->distance_m;
	ref->bearing_deg = n->azimuth_deg;
	ref->compass = geodesy_compass16(n->azimuth_deg);
	ref->direction = geodesy_compass16_long(n->azimuth_deg);
	ref->score = describe_score(n->distance_m, n->place->population);
}

int
describe_reference(const struct gazetteer *g, const struct geodesy_point *p,
    struct describe_ref *ref)
{
	struct gazetteer_near *c = NULL, one;
	size_t n = 0, i, best = 0;
	double s, bests = INFINITY;
	int ret = -1;

	if (g == NULL || p == NULL)
		goto out;
	if ((c = malloc(MAX_CANDIDATES * sizeof(*c))) == NULL)
		goto out;
	if (gazetteer_nearby(g, p, DESCRIBE_SEARCH_M,
		GAZETTEER_NEAR_SETTLEMENTS | GAZETTEER_NEAR_LOCATED, c,
		MAX_CANDIDATES, &n, NULL) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		/* Sorted by distance: a tie keeps the nearer. */
		s = describe_score(c[i].distance_m, c[i].place->population);
		if (s < bests) {
			bests = s;
			best = i;
		}
	}
	if (n > 0) {
		fill_ref(ref, &c[best]);
		ret = 0;
	} else if (gazetteer_nearest(g, p,
		       GAZETTEER_NEAR_SETTLEMENTS | GAZETTEER_NEAR_LOCATED,
		       &one) == 0 ||
	    gazetteer_nearest(g, p, GAZETTEER_NEAR_SETTLEMENTS, &one) == 0 ||
	    gazetteer_nearest(g, p, 0, &one) == 0) {
		fill_ref(ref, &one);
		ret = 0;
	}
out:
	free(c);
	return ret;
}

int
describe_format_distance(double m, char *buf, size_t len)
{
	double r;
	int w;

	if (!isfinite(m) || m < 0 || buf == NULL)
		return -1;
	if (m < 95) {
		w = snprintf(buf, len, "%.0f m", round(m / 10) * 10);
	} else if (m < 950) {
		w = snprintf(buf, len, "%.0f m", round(m / 100) * 100);
	} else if (m < 9950) {
		r = round(m / 100) / 10; /* km, one decimal */
		if (r == floor(r))
			w = snprintf(buf, len, "%.0f km", r);
		else
			w = snprintf(buf, len, "%.1f km", r);
	} else {
		w = snprintf(buf, len, "%.0f km", round(m / 1000));
	}
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

int
describe_relative(const struct describe_ref *ref, char *buf, size_t len)
{
	char d[32];
	int w;

	if (ref == NULL || ref->place == NULL || buf == NULL)
		return -1;
	if (ref->distance_m < DESCRIBE_IN_M)
		w = snprintf(buf, len, "in %s", ref->place->name);
	else {
		if (describe_format_distance(ref->distance_m, d, sizeof(d)) ==
		    -1)
			return -1;
		w = snprintf(buf, len, "%s %s of %s", d, ref->direction,
		    ref->place->name);
	}
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

int
describe_point(const struct gazetteer *g,
    const struct polygon_layer *const *zones, size_t nzones,
    const struct lines_layer *const *lines, size_t nlines,
    const struct geodesy_point *p, struct describe_result *out, char *err,
    size_t errlen)
{
	size_t i, k, nz;
	struct gazetteer_near nn;
	struct lines_nearest ln;

	if (p == NULL || !isfinite(p->lat) || !isfinite(p->lon) ||
	    p->lat < -90 || p->lat > 90 || p->lon < -180 || p->lon > 180) {
		seterr(err, errlen,
		    "position out of range (latitude -90..90, longitude "
		    "-180..180)");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->point = *p;
	for (i = 0; i < nzones; i++) {
		nz = polygon_layer_zone_count(zones[i]);
		for (k = 0; k < nz; k++) {
			if (polygon_layer_zone_contains(zones[i], k, p) != 1)
				continue;
			if (out->nzones < DESCRIBE_MAX_ZONES) {
				out->zones[out->nzones].layer =
				    polygon_layer_name(zones[i]);
				out->zones[out->nzones].zone =
				    polygon_layer_zone_name(zones[i], k);
			}
			out->nzones++;
		}
	}
	if (out->nzones > DESCRIBE_MAX_ZONES)
		out->nzones = DESCRIBE_MAX_ZONES;
	for (i = 0; i < nlines && out->nlines < DESCRIBE_MAX_LINES; i++) {
		if (lines_layer_nearest(lines[i], p, &ln) == -1)
			continue; /* an empty layer */
		out->lines[out->nlines].layer = lines_layer_name(lines[i]);
		out->lines[out->nlines].nearest = ln;
		out->nlines++;
	}
	if (g != NULL && describe_reference(g, p, &out->reference) == 0) {
		out->have_reference = 1;
		if (describe_relative(&out->reference, out->text,
			sizeof(out->text)) == -1)
			out->text[0] = '\0';
	}
	if (g != NULL && gazetteer_nearest(g, p,
			     GAZETTEER_NEAR_SETTLEMENTS |
				 GAZETTEER_NEAR_LOCATED,
			     &nn) == 0) {
		fill_ref(&out->nearest, &nn);
		out->have_nearest = 1;
	}
	return 0;
}

/* ---- JSON -------------------------------------------------------------- */

static double
round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

/* Sets key to a new value, consuming it; -1 if either fails. */
static int
put(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

json_t *
describe_place_json(const struct gazetteer_place *p)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "name", json_string(p->name)) == -1 ||
	    put(o, "id", json_integer(p->id)) == -1 ||
	    put(o, "kind", json_string(gazetteer_kind_name(p->kind))) == -1 ||
	    put(o, "country", json_string(p->country)) == -1 ||
	    put(o, "admin1", json_string(p->admin1)) == -1 ||
	    put(o, "lat", json_real(round_to(p->lat, 1e-7))) == -1 ||
	    put(o, "lon", json_real(round_to(p->lon, 1e-7))) == -1 ||
	    put(o, "population", json_integer(p->population)) == -1 ||
	    put(o, "approximate", json_boolean(p->approximate)) == -1 ||
	    put(o, "source", json_string(p->source)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
ref_json(const struct describe_ref *r)
{
	json_t *o;
	char d[32];

	if ((o = json_object()) == NULL)
		return NULL;
	if (describe_format_distance(r->distance_m, d, sizeof(d)) == -1)
		d[0] = '\0';
	if (put(o, "place", describe_place_json(r->place)) == -1 ||
	    put(o, "distance_m", json_real(round_to(r->distance_m, 0.1))) ==
		-1 ||
	    put(o, "distance_text", json_string(d)) == -1 ||
	    put(o, "bearing_deg", json_real(round_to(r->bearing_deg, 0.1))) ==
		-1 ||
	    put(o, "compass", json_string(r->compass)) == -1 ||
	    put(o, "direction", json_string(r->direction)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
point_json(const struct geodesy_point *p)
{
	return json_pack("{s:f,s:f}", "lat", round_to(p->lat, 1e-7), "lon",
	    round_to(p->lon, 1e-7));
}

static json_t *
line_json(const struct describe_line *l)
{
	const struct lines_nearest *n = &l->nearest;
	const char *side = n->where.side > 0 ? "right"
	    : n->where.side < 0		     ? "left"
					     : "on";
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "layer", json_string(l->layer)) == -1 ||
	    put(o, "line", json_string(n->feature_name)) == -1 ||
	    put(o, "distance_m", json_real(round_to(n->where.distance_m,
				     0.1))) == -1 ||
	    put(o, "side", json_string(side)) == -1 ||
	    put(o, "side_name", n->side_name ? json_string(n->side_name)
					     : json_null()) == -1 ||
	    put(o, "nearest", point_json(&n->where.at)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
describe_to_json(const struct describe_result *r)
{
	json_t *o, *zones = NULL, *lines = NULL, *z;
	size_t i;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "lat", json_real(round_to(r->point.lat, 1e-7))) == -1 ||
	    put(o, "lon", json_real(round_to(r->point.lon, 1e-7))) == -1)
		goto fail;
	if ((zones = json_array()) == NULL ||
	    json_object_set_new(o, "zones", zones) == -1)
		goto fail;
	for (i = 0; i < r->nzones; i++) {
		z = json_pack("{s:s,s:s}", "layer", r->zones[i].layer, "zone",
		    r->zones[i].zone);
		if (z == NULL || json_array_append_new(zones, z) == -1)
			goto fail;
	}
	if ((lines = json_array()) == NULL ||
	    json_object_set_new(o, "lines", lines) == -1)
		goto fail;
	for (i = 0; i < r->nlines; i++)
		if (json_array_append_new(lines, line_json(&r->lines[i])) ==
		    -1)
			goto fail;
	if (put(o, "reference",
		r->have_reference ? ref_json(&r->reference) : json_null()) ==
		-1 ||
	    put(o, "nearest_place",
		r->have_nearest ? ref_json(&r->nearest) : json_null()) == -1 ||
	    put(o, "description", r->text[0] ? json_string(r->text)
					     : json_null()) == -1)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}
