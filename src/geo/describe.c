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

static void seterr(char *err, size_t errlen, const char *fmt, ...)
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

/* log10(population + 10)^2, the rule's divisor. */
static double
weight2(int64_t population)
{
	double pop =
	    population > 0 ? (double)population : DESCRIBE_UNKNOWN_POPULATION;
	double w = log10(pop + 10);

	return w * w;
}

double
describe_score(double distance_m, int64_t population)
{
	return distance_m / weight2(population);
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

/* ---- the settlements, indexed ----------------------------------------- */

/*
 * Shortest length of one degree of latitude on WGS84 (a (1 − e²) π / 180),
 * rounded down: no place farther than r in latitude is within r.
 */
#define MIN_M_PER_DEG_LAT 110574.0

struct settlement {
	double lat;
	struct geodesy_ecef u;
	double w2;    /* weight2(population) */
	size_t order; /* load order */
	const struct gazetteer_place *place;
};

struct describe_index {
	const struct gazetteer *g;
	size_t nplaces; /* gazetteer_count(g) when built */
	struct settlement *s;
	size_t n;
};

static int
settlement_cmp(const void *a, const void *b)
{
	const struct settlement *x = a, *y = b;

	if (x->lat != y->lat)
		return x->lat < y->lat ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct describe_index *
describe_index_new(const struct gazetteer *g)
{
	struct describe_index *ix;
	const struct gazetteer_place *pl;
	struct geodesy_point pt;
	size_t i;

	if (g == NULL || (ix = calloc(1, sizeof(*ix))) == NULL)
		return NULL;
	ix->g = g;
	ix->nplaces = gazetteer_count(g);
	if ((ix->s = calloc(ix->nplaces ? ix->nplaces : 1, sizeof(*ix->s))) ==
	    NULL) {
		free(ix);
		return NULL;
	}
	for (i = 0; i < ix->nplaces; i++) {
		pl = gazetteer_place(g, i);
		if (pl->kind != GAZETTEER_SETTLEMENT || pl->approximate)
			continue;
		pt.lat = pl->lat;
		pt.lon = pl->lon;
		ix->s[ix->n].lat = pl->lat;
		geodesy_ecef_of(&pt, &ix->s[ix->n].u);
		ix->s[ix->n].w2 = weight2(pl->population);
		ix->s[ix->n].order = i;
		ix->s[ix->n].place = pl;
		ix->n++;
	}
	qsort(ix->s, ix->n, sizeof(*ix->s), settlement_cmp);
	return ix;
}

void
describe_index_free(struct describe_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->s);
	free(ix);
}

/* First settlement at latitude >= lat. */
static size_t
band_start(const struct describe_index *ix, double lat)
{
	size_t lo = 0, hi = ix->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->s[mid].lat < lat)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The best settlement so far: lowest (score, distance, load order). */
struct pick {
	const struct settlement *s;
	double score;
	struct gazetteer_near near;
};

/* Measures settlement s exactly, as gazetteer_nearby does, and keeps it if
 * it is within the radius and beats the pick. */
static void
measure(const struct settlement *s, const struct geodesy_point *p,
    struct pick *best)
{
	struct geodesy_point at = { s->place->lat, s->place->lon };
	struct geodesy_inverse inv;
	double sc;

	if (geodesy_inverse(&at, p, &inv) == -1 ||
	    inv.distance_m > DESCRIBE_SEARCH_M)
		return;
	sc = inv.distance_m / s->w2; /* describe_score, bit for bit */
	if (best->s != NULL &&
	    (sc > best->score ||
		(sc == best->score &&
		    (inv.distance_m > best->near.distance_m ||
			(inv.distance_m == best->near.distance_m &&
			    s->order > best->s->order)))))
		return;
	best->s = s;
	best->score = sc;
	best->near.place = s->place;
	best->near.distance_m = inv.distance_m;
	best->near.azimuth_deg = inv.azi1_deg;
}

int
describe_reference_indexed(const struct describe_index *ix,
    const struct geodesy_point *p, struct describe_ref *ref)
{
	struct geodesy_ecef up;
	struct pick best;
	double dlat, lb, low = INFINITY;
	size_t k, lo, hi, first = 0, count = 0;

	if (ix == NULL || p == NULL)
		return -1;
	if (gazetteer_count(ix->g) != ix->nplaces || !isfinite(p->lat) ||
	    !isfinite(p->lon) || p->lat < -90 || p->lat > 90)
		return describe_reference(ix->g, p, ref);
	dlat = DESCRIBE_SEARCH_M / MIN_M_PER_DEG_LAT * (1 + 1e-9) + 1e-9;
	lo = band_start(ix, p->lat - dlat);
	hi = band_start(ix, nextafter(p->lat + dlat, INFINITY));
	geodesy_ecef_of(p, &up);
	for (k = lo; k < hi; k++) {
		lb = geodesy_chord_bound_m(&up, &ix->s[k].u);
		if (lb > DESCRIBE_SEARCH_M)
			continue;
		count++;
		if (lb / ix->s[k].w2 < low) {
			low = lb / ix->s[k].w2;
			first = k;
		}
	}
	/* describe_reference keeps the MAX_CANDIDATES nearest. */
	if (count == 0 || count > MAX_CANDIDATES)
		return describe_reference(ix->g, p, ref);
	memset(&best, 0, sizeof(best));
	measure(&ix->s[first], p, &best);
	for (k = lo; k < hi; k++) {
		if (k == first)
			continue;
		lb = geodesy_chord_bound_m(&up, &ix->s[k].u);
		if (lb > DESCRIBE_SEARCH_M ||
		    (best.s != NULL && lb / ix->s[k].w2 > best.score))
			continue;
		measure(&ix->s[k], p, &best);
	}
	if (best.s == NULL) /* nothing within the radius after all */
		return describe_reference(ix->g, p, ref);
	fill_ref(ref, &best.near);
	return 0;
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
	return describe_point_with(g, NULL, 0, zones, nzones, lines, nlines, p,
	    out, err, errlen);
}

int
describe_point_with(const struct gazetteer *g, const struct describe_index *ix,
    int flags, const struct polygon_layer *const *zones, size_t nzones,
    const struct lines_layer *const *lines, size_t nlines,
    const struct geodesy_point *p, struct describe_result *out, char *err,
    size_t errlen)
{
	int rc;

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
		if ((flags & DESCRIBE_FIRST_LINE) && out->nlines > 0)
			break;
		if (lines_layer_nearest(lines[i], p, &ln) == -1)
			continue; /* an empty layer */
		out->lines[out->nlines].layer = lines_layer_name(lines[i]);
		out->lines[out->nlines].nearest = ln;
		out->nlines++;
	}
	if (g != NULL) {
		rc = ix != NULL
		    ? describe_reference_indexed(ix, p, &out->reference)
		    : describe_reference(g, p, &out->reference);
	} else
		rc = -1;
	if (rc == 0) {
		out->have_reference = 1;
		if (describe_relative(&out->reference, out->text,
			sizeof(out->text)) == -1)
			out->text[0] = '\0';
	}
	if (g != NULL && !(flags & DESCRIBE_NO_NEAREST) &&
	    gazetteer_nearest(g, p,
		GAZETTEER_NEAR_SETTLEMENTS | GAZETTEER_NEAR_LOCATED,
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
	    put(o, "distance_m",
		json_real(round_to(n->where.distance_m, 0.1))) == -1 ||
	    put(o, "side", json_string(side)) == -1 ||
	    put(o, "side_name",
		n->side_name ? json_string(n->side_name) : json_null()) == -1 ||
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
		if (json_array_append_new(lines, line_json(&r->lines[i])) == -1)
			goto fail;
	if (put(o, "reference",
		r->have_reference ? ref_json(&r->reference) : json_null()) ==
		-1 ||
	    put(o, "nearest_place",
		r->have_nearest ? ref_json(&r->nearest) : json_null()) == -1 ||
	    put(o, "description",
		r->text[0] ? json_string(r->text) : json_null()) == -1)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}
