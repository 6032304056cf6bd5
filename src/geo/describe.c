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

/*
 * The same settlements again in rows of ROW_DEG of latitude, each row
 * sorted by longitude (row r holds latitudes in [r ROW_DEG - 90,
 * (r + 1) ROW_DEG - 90)): a question reads only the stretch of each row
 * within the longitude window that can hold DESCRIBE_SEARCH_M.
 */
#define ROW_DEG 0.1
#define NROWS 1801 /* (180 / ROW_DEG) + 1, for latitude 90 */
/* Candidates read from the rows at most; beyond, the latitude band. */
#define ROW_CANDIDATES 512

struct describe_index {
	const struct gazetteer *g;
	size_t nplaces; /* gazetteer_count(g) when built */
	struct settlement *s;
	size_t n;
	struct settlement *byrow; /* n of them, row by row */
	size_t *row;		  /* NROWS + 1 offsets into byrow */
};

static int
settlement_cmp(const void *a, const void *b)
{
	const struct settlement *x = a, *y = b;

	if (x->lat != y->lat)
		return x->lat < y->lat ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The row of latitude lat (-90..90). */
static size_t
row_of(double lat)
{
	double r = floor((lat + 90) / ROW_DEG);

	return r < 0 ? 0 : r >= NROWS ? NROWS - 1 : (size_t)r;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct settlement *x = a, *y = b;
	size_t rx = row_of(x->lat), ry = row_of(y->lat);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x->place->lon != y->place->lon)
		return x->place->lon < y->place->lon ? -1 : 1;
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
	if ((ix->byrow = calloc(ix->n ? ix->n : 1, sizeof(*ix->byrow))) ==
		NULL ||
	    (ix->row = calloc(NROWS + 1, sizeof(*ix->row))) == NULL) {
		describe_index_free(ix);
		return NULL;
	}
	memcpy(ix->byrow, ix->s, ix->n * sizeof(*ix->s));
	qsort(ix->byrow, ix->n, sizeof(*ix->byrow), row_cmp);
	for (i = 0; i < ix->n; i++)
		ix->row[row_of(ix->byrow[i].lat) + 1]++;
	for (i = 0; i < NROWS; i++)
		ix->row[i + 1] += ix->row[i];
	return ix;
}

void
describe_index_free(struct describe_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->s);
	free(ix->byrow);
	free(ix->row);
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

/*
 * The pick among the settlements of the latitude band [lat0, lat1] whose
 * chord bound from p (at up) is within DESCRIBE_SEARCH_M, read from the
 * band of ix->s: the one whose lowest possible score is lowest measured
 * first, then every other that can still beat the best so far. Returns
 * the number of such settlements (0: none).
 */
static size_t
pick_band(const struct describe_index *ix, const struct geodesy_point *p,
    const struct geodesy_ecef *up, double lat0, double lat1, struct pick *best)
{
	double lb, low = INFINITY;
	size_t k, lo, hi, first = 0, count = 0;

	lo = band_start(ix, lat0);
	hi = band_start(ix, nextafter(lat1, INFINITY));
	for (k = lo; k < hi; k++) {
		lb = geodesy_chord_bound_m(up, &ix->s[k].u);
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
		return count;
	measure(&ix->s[first], p, best);
	for (k = lo; k < hi; k++) {
		if (k == first)
			continue;
		lb = geodesy_chord_bound_m(up, &ix->s[k].u);
		if (lb > DESCRIBE_SEARCH_M ||
		    (best->s != NULL && lb / ix->s[k].w2 > best->score))
			continue;
		measure(&ix->s[k], p, best);
	}
	return count;
}

/*
 * Half the width in longitude (degrees) beyond which a settlement of the
 * band is farther than DESCRIBE_SEARCH_M, or -1 if the window would reach
 * a pole or ±180 (the band is read whole then). In space, the chord PQ is
 * at least the distance of their projections on the equator's plane,
 * which is at least 2 rho sin(dlon / 2), rho the smaller distance of P
 * and Q from the axis; rho = N cos(lat) >= a cos(|lat| + dlat) over the
 * band, N >= a being the prime vertical radius. With margins (1e-6 and
 * 1 m) far above the rounding of the chord: a settlement outside the
 * window has a chord bound above DESCRIBE_SEARCH_M and is never a
 * candidate of pick_band. (The gazetteer holds longitudes in -180..180,
 * and the window stays within them, so a longitude difference outside it
 * is the angle between the meridians.)
 */
static double
window_deg(const struct geodesy_point *p, double dlat)
{
	double m = fabs(p->lat) + dlat, x, w;

	if (m >= 89 || !(p->lon >= -180 && p->lon <= 180))
		return -1;
	x = (DESCRIBE_SEARCH_M * (1 + 1e-6) + 1) /
	    (2 * GEODESY_WGS84_A * cos(m * 3.14159265358979323846 / 180));
	if (x >= 0.5)
		return -1;
	w = 2 * asin(x) * 180 / 3.14159265358979323846 * (1 + 1e-6) + 1e-9;
	if (p->lon - w < -180 || p->lon + w > 180)
		return -1;
	return w;
}

/* First settlement of row r at longitude >= lon. */
static size_t
row_start(const struct describe_index *ix, size_t r, double lon)
{
	size_t lo = ix->row[r], hi = ix->row[r + 1], mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->byrow[mid].place->lon < lon)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * pick_band's pick and count, read from the rows within w degrees of p's
 * longitude: the same candidates (those outside the window are not
 * candidates there, see window_deg), visited in another order, which the
 * pick does not depend on (the lowest score, then distance, then load
 * order, and a settlement is skipped only if it scores strictly more than
 * one measured). Returns the count, or (size_t)-1 if more than
 * ROW_CANDIDATES (pick_band then).
 */
struct candidate {
	const struct settlement *s;
	double lb;
};

static size_t
pick_rows(const struct describe_index *ix, const struct geodesy_point *p,
    const struct geodesy_ecef *up, double lat0, double lat1, double w,
    struct pick *best)
{
	struct candidate c[ROW_CANDIDATES];
	const struct settlement *s;
	size_t r, r1, k, n = 0, first = 0;
	double lb, low = INFINITY;

	r1 = row_of(lat1);
	for (r = row_of(lat0); r <= r1; r++)
		for (k = row_start(ix, r, p->lon - w); k < ix->row[r + 1] &&
		     ix->byrow[k].place->lon <= p->lon + w;
		     k++) {
			s = &ix->byrow[k];
			if (!(s->lat >= lat0 && s->lat <= lat1))
				continue;
			lb = geodesy_chord_bound_m(up, &s->u);
			if (lb > DESCRIBE_SEARCH_M)
				continue;
			if (n == ROW_CANDIDATES)
				return (size_t)-1;
			c[n].s = s;
			c[n].lb = lb;
			if (lb / s->w2 < low) {
				low = lb / s->w2;
				first = n;
			}
			n++;
		}
	if (n == 0)
		return 0;
	measure(c[first].s, p, best);
	for (k = 0; k < n; k++) {
		if (k == first ||
		    (best->s != NULL && c[k].lb / c[k].s->w2 > best->score))
			continue;
		measure(c[k].s, p, best);
	}
	return n;
}

int
describe_reference_indexed(const struct describe_index *ix,
    const struct geodesy_point *p, struct describe_ref *ref)
{
	struct geodesy_ecef up;
	struct pick best;
	double dlat, lat0, lat1, w;
	size_t count = (size_t)-1;

	if (ix == NULL || p == NULL)
		return -1;
	if (gazetteer_count(ix->g) != ix->nplaces || !isfinite(p->lat) ||
	    !isfinite(p->lon) || p->lat < -90 || p->lat > 90)
		return describe_reference(ix->g, p, ref);
	dlat = DESCRIBE_SEARCH_M / MIN_M_PER_DEG_LAT * (1 + 1e-9) + 1e-9;
	lat0 = p->lat - dlat;
	lat1 = p->lat + dlat;
	geodesy_ecef_of(p, &up);
	memset(&best, 0, sizeof(best));
	if ((w = window_deg(p, dlat)) > 0)
		count = pick_rows(ix, p, &up, lat0, lat1, w, &best);
	if (count == (size_t)-1) {
		memset(&best, 0, sizeof(best));
		count = pick_band(ix, p, &up, lat0, lat1, &best);
	}
	/* describe_reference keeps the MAX_CANDIDATES nearest. */
	if (count == 0 || count > MAX_CANDIDATES || best.s == NULL)
		return describe_reference(ix->g, p, ref);
	fill_ref(ref, &best.near);
	return 0;
}

/*
 * The text is built by appending, as snprintf would write it (cut at
 * len - 1 bytes and terminated; *w counts every byte asked, so that
 * *w >= len says it did not fit): the words are taken for every incident,
 * and the format machinery was a tenth of their cost.
 */
static void
append(char *buf, size_t len, size_t *w, const char *s, size_t n)
{
	size_t room, k;

	if (len > 0 && *w < len - 1) {
		room = len - 1 - *w;
		k = n < room ? n : room;
		memcpy(buf + *w, s, k);
		buf[*w + k] = '\0';
	} else if (len > 0 && *w == 0)
		buf[0] = '\0';
	*w += n;
}

/* The decimal digits of v (< 1e15, so exact in a double) appended. */
static void
append_uint(char *buf, size_t len, size_t *w, uint64_t v)
{
	char d[24];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	append(buf, len, w, d + n, sizeof(d) - n);
}

/*
 * Every value printed is a whole number of metres or kilometres, or a
 * whole number of tenths of a kilometre, so its digits are those "%.0f"
 * and "%.1f" would print (a tenth n / 10 is within 1e-16 of n / 10, far
 * from a rounding boundary); -0 and numbers of 1e15 km or more (never a
 * distance on the Earth) go through snprintf.
 */
int
describe_format_distance(double m, char *buf, size_t len)
{
	double r;
	uint64_t n;
	size_t w = 0;
	int k;

	if (!isfinite(m) || m < 0 || buf == NULL)
		return -1;
	if (signbit(m)) { /* -0: "-0 m" */
		k = snprintf(buf, len, "%.0f m", round(m / 10) * 10);
		w = k < 0 ? len : (size_t)k;
	} else if (m < 95) {
		append_uint(buf, len, &w, (uint64_t)(round(m / 10) * 10));
		append(buf, len, &w, " m", 2);
	} else if (m < 950) {
		append_uint(buf, len, &w, (uint64_t)(round(m / 100) * 100));
		append(buf, len, &w, " m", 2);
	} else if (m < 9950) {
		n = (uint64_t)round(m / 100); /* km, one decimal: 10..99 */
		append_uint(buf, len, &w, n / 10);
		if (n % 10 != 0) {
			append(buf, len, &w, ".", 1);
			append_uint(buf, len, &w, n % 10);
		}
		append(buf, len, &w, " km", 3);
	} else if ((r = round(m / 1000)) < 1e15) {
		append_uint(buf, len, &w, (uint64_t)r);
		append(buf, len, &w, " km", 3);
	} else {
		k = snprintf(buf, len, "%.0f km", r);
		w = k < 0 ? len : (size_t)k;
	}
	return w >= len ? -1 : 0;
}

int
describe_relative(const struct describe_ref *ref, char *buf, size_t len)
{
	char d[32];
	size_t w = 0;

	if (ref == NULL || ref->place == NULL || buf == NULL)
		return -1;
	if (ref->distance_m < DESCRIBE_IN_M) {
		append(buf, len, &w, "in ", 3);
		append(buf, len, &w, ref->place->name,
		    strlen(ref->place->name));
	} else {
		if (describe_format_distance(ref->distance_m, d, sizeof(d)) ==
		    -1)
			return -1;
		append(buf, len, &w, d, strlen(d));
		append(buf, len, &w, " ", 1);
		append(buf, len, &w, ref->direction, strlen(ref->direction));
		append(buf, len, &w, " of ", 4);
		append(buf, len, &w, ref->place->name,
		    strlen(ref->place->name));
	}
	return w >= len ? -1 : 0;
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
