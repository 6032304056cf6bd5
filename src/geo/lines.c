/*
 * lines: line layers and the distance from a point to the nearest line,
 * with the side it lies on. See lines.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geodesy.h"
#include "geo/lines.h"

/*
 * Shortest length of one degree of latitude on WGS84 (at the equator,
 * a (1 - e^2) pi / 180), rounded down: a rigorous lower bound for the
 * latitude-band test.
 */
#define MIN_METRES_PER_DEG_LAT 110574.0
/* Metres per degree on the mean sphere, for the planar part estimate. */
#define MEAN_METRES_PER_DEG 111195.0
/* A part is solved if its box is within best * 1.1 + 1 km (planar)... */
#define PART_FACTOR 1.1
#define PART_SLACK 1000.0
/* ...and every part is when the best is beyond 200 km. */
#define PART_FAR 200000.0

struct part {
	struct geodesy_point *pts;
	size_t n;
	struct geodesy_polyline *pl; /* the same points, prepared */
	double miny, maxy;	     /* latitude band */
	double minx, maxx;	     /* longitudes unwrapped from pts[0] */
};

struct feature {
	char *name, *left, *right;
	struct part *parts;
	size_t nparts;
};

struct lines_layer {
	char *name;
	struct feature *features;
	size_t nfeatures, capfeatures;
	size_t nvertices;
};

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

static int
name_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	return n >= 1 && n <= LINES_MAX_NAME;
}

struct lines_layer *
lines_layer_new(const char *name)
{
	struct lines_layer *l;

	if (!name_ok(name))
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->name = strdup(name)) == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void
lines_layer_free(struct lines_layer *l)
{
	size_t i, j;

	if (l == NULL)
		return;
	for (i = 0; i < l->nfeatures; i++) {
		for (j = 0; j < l->features[i].nparts; j++) {
			free(l->features[i].parts[j].pts);
			geodesy_polyline_free(l->features[i].parts[j].pl);
		}
		free(l->features[i].parts);
		free(l->features[i].name);
		free(l->features[i].left);
		free(l->features[i].right);
	}
	free(l->features);
	free(l->name);
	free(l);
}

const char *
lines_layer_name(const struct lines_layer *l)
{
	return l->name;
}

size_t
lines_layer_feature_count(const struct lines_layer *l)
{
	return l->nfeatures;
}

size_t
lines_layer_vertex_count(const struct lines_layer *l)
{
	return l->nvertices;
}

const char *
lines_layer_feature_name(const struct lines_layer *l, size_t i)
{
	return i < l->nfeatures ? l->features[i].name : NULL;
}

size_t
lines_layer_part_count(const struct lines_layer *l, size_t feature)
{
	return feature < l->nfeatures ? l->features[feature].nparts : 0;
}

const struct geodesy_point *
lines_layer_part(const struct lines_layer *l, size_t feature, size_t part,
    size_t *n)
{
	if (feature >= l->nfeatures || part >= l->features[feature].nparts)
		return NULL;
	*n = l->features[feature].parts[part].n;
	return l->features[feature].parts[part].pts;
}

/* strdup of an optional side name: NULL or "" gives NULL. */
static int
dup_side(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL || *s == '\0')
		return 0;
	if (strlen(s) > LINES_MAX_NAME)
		return -1;
	if ((*out = strdup(s)) == NULL)
		return -1;
	return 0;
}

int
lines_layer_add_feature(struct lines_layer *l, const char *name,
    const char *left, const char *right, size_t *feature, char *err,
    size_t errlen)
{
	struct feature f = { NULL, NULL, NULL, NULL, 0 };
	struct feature *nf;
	size_t cap;

	if (!name_ok(name)) {
		seterr(err, errlen, "line name must be 1 to %d bytes",
		    LINES_MAX_NAME);
		goto fail;
	}
	if (l->nfeatures >= LINES_MAX_FEATURES) {
		seterr(err, errlen, "layer %s: more than %d lines", l->name,
		    LINES_MAX_FEATURES);
		goto fail;
	}
	if ((f.name = strdup(name)) == NULL || dup_side(left, &f.left) == -1 ||
	    dup_side(right, &f.right) == -1) {
		seterr(err, errlen,
		    "side names must be at most %d bytes (or out of memory)",
		    LINES_MAX_NAME);
		goto fail;
	}
	if (l->nfeatures == l->capfeatures) {
		cap = l->capfeatures ? l->capfeatures * 2 : 8;
		if ((nf = realloc(l->features, cap * sizeof(*nf))) == NULL) {
			seterr(err, errlen, "out of memory");
			goto fail;
		}
		l->features = nf;
		l->capfeatures = cap;
	}
	l->features[l->nfeatures] = f;
	*feature = l->nfeatures++;
	return 0;
fail:
	free(f.name);
	free(f.left);
	free(f.right);
	return -1;
}

int
lines_layer_add_part(struct lines_layer *l, size_t feature,
    const struct geodesy_point *pts, size_t n, char *err, size_t errlen)
{
	struct part p = { NULL, 0, NULL, 0, 0, 0, 0 };
	double x, d;
	struct part *np;
	struct feature *f;
	size_t i;

	if (feature >= l->nfeatures) {
		seterr(err, errlen, "no line %zu in layer %s", feature,
		    l->name);
		goto fail;
	}
	f = &l->features[feature];
	if (pts == NULL || n < 2) {
		seterr(err, errlen, "a line needs at least 2 points");
		goto fail;
	}
	if (n > LINES_MAX_PART_VERTICES) {
		seterr(err, errlen,
		    "a line has %zu points, more than the limit of %d", n,
		    LINES_MAX_PART_VERTICES);
		goto fail;
	}
	if (l->nvertices + n > LINES_MAX_LAYER_VERTICES) {
		seterr(err, errlen,
		    "layer %s would exceed the limit of %d vertices", l->name,
		    LINES_MAX_LAYER_VERTICES);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (!isfinite(pts[i].lat) || !isfinite(pts[i].lon) ||
		    pts[i].lat < -90 || pts[i].lat > 90 || pts[i].lon < -360 ||
		    pts[i].lon > 360) {
			seterr(err, errlen,
			    "point %zu: coordinate out of range (latitude "
			    "-90..90, longitude -360..360)",
			    i);
			goto fail;
		}
	if ((p.pts = malloc(n * sizeof(*p.pts))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(p.pts, pts, n * sizeof(*p.pts));
	p.n = n;
	if ((p.pl = geodesy_polyline_new(pts, n)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	p.miny = p.maxy = pts[0].lat;
	p.minx = p.maxx = x = pts[0].lon;
	for (i = 1; i < n; i++) {
		if (pts[i].lat < p.miny)
			p.miny = pts[i].lat;
		if (pts[i].lat > p.maxy)
			p.maxy = pts[i].lat;
		d = fmod(pts[i].lon - pts[i - 1].lon, 360);
		if (d > 180)
			d -= 360;
		else if (d < -180)
			d += 360;
		x += d;
		if (x < p.minx)
			p.minx = x;
		if (x > p.maxx)
			p.maxx = x;
	}
	if ((np = realloc(f->parts, (f->nparts + 1) * sizeof(*np))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	f->parts = np;
	f->parts[f->nparts++] = p;
	l->nvertices += n;
	return 0;
fail:
	free(p.pts);
	geodesy_polyline_free(p.pl);
	return -1;
}

/*
 * Planar estimate (metres) of the distance from p to the part's bounding
 * box, longitudes taken at the narrowest parallel of the box: only a
 * prefilter, like geodesy_polyline_distance's own.
 */
static double
part_estimate(const struct part *pt, const struct geodesy_point *p)
{
	double dy = 0, dx, lon, c;

	if (p->lat < pt->miny)
		dy = pt->miny - p->lat;
	else if (p->lat > pt->maxy)
		dy = p->lat - pt->maxy;
	/* p's longitude shifted next to the box. */
	lon = p->lon;
	while (lon < (pt->minx + pt->maxx) / 2 - 180)
		lon += 360;
	while (lon > (pt->minx + pt->maxx) / 2 + 180)
		lon -= 360;
	dx = lon < pt->minx  ? pt->minx - lon
	    : lon > pt->maxx ? lon - pt->maxx
			     : 0;
	c = cos(fmax(fabs(pt->miny), fmax(fabs(pt->maxy), fabs(p->lat))) *
	    3.14159265358979323846 / 180);
	return hypot(dx * c, dy) * MEAN_METRES_PER_DEG;
}

/*
 * Solves part j of feature i exactly and keeps it if nearer than *best:
 * with geodesy_polyline_distance (scan), or its prepared twin, which
 * skips what cannot beat *best and gives the same answer when it can.
 */
static void
consider_part(const struct lines_layer *l, size_t i, size_t j,
    const struct geodesy_question *q, struct lines_nearest *best, int *have,
    int scan)
{
	const struct feature *f = &l->features[i];
	const struct part *pt = &f->parts[j];
	struct geodesy_nearest g;

	if (scan) {
		if (geodesy_polyline_distance(&q->p, pt->pts, pt->n, &g) == -1)
			return;
	} else if (geodesy_polyline_nearest_to(pt->pl, q,
		       *have ? best->where.distance_m : INFINITY, &g) != 0)
		return;
	if (!*have || g.distance_m < best->where.distance_m) {
		best->feature = i;
		best->part = j;
		best->where = g;
		best->feature_name = f->name;
		best->side_name = g.side > 0 ? f->right
		    : g.side < 0	     ? f->left
					     : NULL;
		*have = 1;
	}
}

/* Parts whose first estimate nearest() keeps rather than computes twice. */
#define KEPT_ESTIMATES 256

static int
nearest(const struct lines_layer *l, const struct geodesy_point *p,
    struct lines_nearest *out, int scan)
{
	struct lines_nearest best;
	struct geodesy_question q;
	const struct part *pt;
	size_t i, j, fi = 0, pj = 0, np;
	double band, est, first = INFINITY, limit;
	double kept[KEPT_ESTIMATES];
	int have = 0;

	if (p == NULL || !isfinite(p->lat) || !isfinite(p->lon) ||
	    p->lat < -90 || p->lat > 90 || geodesy_question_init(&q, p) == -1)
		return -1;
	memset(&best, 0, sizeof(best));
	/* The part whose box looks nearest first, for a good first bound. */
	np = 0;
	for (i = 0; i < l->nfeatures; i++)
		for (j = 0; j < l->features[i].nparts; j++, np++) {
			est = part_estimate(&l->features[i].parts[j], p);
			if (np < KEPT_ESTIMATES)
				kept[np] = est;
			if (est < first) {
				first = est;
				fi = i;
				pj = j;
			}
		}
	if (first == INFINITY)
		return -1;
	consider_part(l, fi, pj, &q, &best, &have, scan);
	np = 0;
	for (i = 0; i < l->nfeatures; i++)
		for (j = 0; j < l->features[i].nparts; j++, np++) {
			if (i == fi && j == pj)
				continue;
			pt = &l->features[i].parts[j];
			if (have) {
				/* Rigorous: the latitude band alone. */
				band = p->lat < pt->miny ? pt->miny - p->lat
				    : p->lat > pt->maxy	 ? p->lat - pt->maxy
							 : 0;
				if (band * MIN_METRES_PER_DEG_LAT >
				    best.where.distance_m)
					continue;
				/* Estimate, with the prefilter's margin. */
				limit = best.where.distance_m > PART_FAR
				    ? INFINITY
				    : best.where.distance_m * PART_FACTOR +
					PART_SLACK;
				est = np < KEPT_ESTIMATES
				    ? kept[np]
				    : part_estimate(pt, p);
				if (est > limit)
					continue;
			}
			consider_part(l, i, j, &q, &best, &have, scan);
		}
	if (!have)
		return -1;
	*out = best;
	return 0;
}

int
lines_layer_nearest(const struct lines_layer *l, const struct geodesy_point *p,
    struct lines_nearest *out)
{
	return nearest(l, p, out, 0);
}

int
lines_layer_nearest_scan(const struct lines_layer *l,
    const struct geodesy_point *p, struct lines_nearest *out)
{
	return nearest(l, p, out, 1);
}
