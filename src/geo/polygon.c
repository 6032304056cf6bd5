/*
 * polygon: multi-polygon zones and point-in-polygon (GeoJSON model, RFC
 * 7946), boundary counted as inside, rings unwrapped across the antimeridian.
 * See polygon.h for the rules.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geodesy.h"
#include "geo/polygon.h"

/*
 * One ring: longitudes unwrapped (x), latitudes (y), implicitly closed.
 * Edge i joins vertex i - 1 (n - 1 for i = 0) to vertex i. A ring of
 * SLAB_MIN_EDGES or more also has a slab index (the edge buckets of
 * slab-decomposition point-in-polygon tests): its latitude range cut into
 * nslabs equal slabs, slab k listing (slab[k] .. slab[k + 1] - 1 of
 * slab_edge) the edges whose latitude range, widened by
 * POLYGON_ON_EDGE_DEG and a rounding margin, meets it. An edge outside a
 * point's slab can neither touch the point nor cross its horizontal ray,
 * so testing the slab's edges gives the scan's answer.
 */
struct ring {
	double *x, *y;
	size_t n;
	double minx, maxx, miny, maxy;
	uint32_t *slab, *slab_edge;
	size_t nslabs;
	double slab_y0, slab_h;
};

struct poly {
	struct ring *rings; /* [0] outer, then holes */
	size_t nrings;
};

struct zone {
	char *name;
	struct poly *polys;
	size_t npolys;
};

struct polygon_layer {
	char *name;
	struct zone *zones;
	size_t nzones, capzones;
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
point_ok(const struct geodesy_point *p)
{
	return p != NULL && isfinite(p->lat) && isfinite(p->lon) &&
	    p->lat >= -90 && p->lat <= 90;
}

static int
name_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	return n >= 1 && n <= POLYGON_MAX_NAME;
}

struct polygon_layer *
polygon_layer_new(const char *name)
{
	struct polygon_layer *l;

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

static void
ring_free(struct ring *r)
{
	free(r->x);
	free(r->y);
	free(r->slab);
	free(r->slab_edge);
}

/* Rings with fewer edges are scanned. */
#define SLAB_MIN_EDGES 32
/* Edges per slab aimed at, and the most slab entries per edge. */
#define SLAB_EDGES 4
#define SLAB_MAX_ENTRIES_PER_EDGE 8
/* Widening of an edge's latitude range beyond POLYGON_ON_EDGE_DEG: covers
 * the rounding of the point on the edge nearest the test point (~1e-14). */
#define SLAB_MARGIN 1e-9

static size_t
slab_of(const struct ring *r, double y)
{
	double k = floor((y - r->slab_y0) / r->slab_h);

	if (!(k > 0))
		return 0;
	if (k >= (double)r->nslabs)
		return r->nslabs - 1;
	return (size_t)k;
}

/* The slabs of edge i's widened latitude range into *s0, *s1. */
static void
edge_slabs(const struct ring *r, size_t i, size_t *s0, size_t *s1)
{
	size_t j = i == 0 ? r->n - 1 : i - 1;
	double w = POLYGON_ON_EDGE_DEG + SLAB_MARGIN;

	*s0 = slab_of(r, fmin(r->y[i], r->y[j]) - w);
	*s1 = slab_of(r, fmax(r->y[i], r->y[j]) + w);
}

/*
 * Builds r's slab index; fewer slabs if long edges would make it larger
 * than SLAB_MAX_ENTRIES_PER_EDGE entries per edge, none (the ring is then
 * scanned) for a small ring or if memory runs out: slower, never wrong.
 */
static void
slab_build(struct ring *r)
{
	size_t i, k, s0, s1, total, *fill = NULL;

	if (r->n < SLAB_MIN_EDGES || r->maxy <= r->miny)
		return;
	r->slab_y0 = r->miny;
	for (r->nslabs = r->n / SLAB_EDGES; r->nslabs > 1; r->nslabs /= 2) {
		r->slab_h = (r->maxy - r->miny) / (double)r->nslabs;
		for (i = total = 0; i < r->n; i++) {
			edge_slabs(r, i, &s0, &s1);
			total += s1 - s0 + 1;
		}
		if (total <= SLAB_MAX_ENTRIES_PER_EDGE * r->n)
			break;
	}
	if (r->nslabs <= 1 ||
	    (r->slab = calloc(r->nslabs + 1, sizeof(*r->slab))) == NULL ||
	    (r->slab_edge = malloc(total * sizeof(*r->slab_edge))) == NULL ||
	    (fill = calloc(r->nslabs, sizeof(*fill))) == NULL)
		goto none;
	for (i = 0; i < r->n; i++) {
		edge_slabs(r, i, &s0, &s1);
		for (k = s0; k <= s1; k++)
			r->slab[k + 1]++;
	}
	for (k = 0; k < r->nslabs; k++)
		r->slab[k + 1] += r->slab[k];
	for (i = 0; i < r->n; i++) {
		edge_slabs(r, i, &s0, &s1);
		for (k = s0; k <= s1; k++)
			r->slab_edge[r->slab[k] + fill[k]++] = (uint32_t)i;
	}
	free(fill);
	return;
none:
	free(r->slab);
	free(r->slab_edge);
	r->slab = r->slab_edge = NULL;
	r->nslabs = 0;
}

static void
poly_free(struct poly *p)
{
	size_t i;

	for (i = 0; i < p->nrings; i++)
		ring_free(&p->rings[i]);
	free(p->rings);
}

void
polygon_layer_free(struct polygon_layer *l)
{
	size_t i, j;

	if (l == NULL)
		return;
	for (i = 0; i < l->nzones; i++) {
		for (j = 0; j < l->zones[i].npolys; j++)
			poly_free(&l->zones[i].polys[j]);
		free(l->zones[i].polys);
		free(l->zones[i].name);
	}
	free(l->zones);
	free(l->name);
	free(l);
}

const char *
polygon_layer_name(const struct polygon_layer *l)
{
	return l->name;
}

size_t
polygon_layer_zone_count(const struct polygon_layer *l)
{
	return l->nzones;
}

const char *
polygon_layer_zone_name(const struct polygon_layer *l, size_t i)
{
	return i < l->nzones ? l->zones[i].name : NULL;
}

size_t
polygon_layer_vertex_count(const struct polygon_layer *l)
{
	return l->nvertices;
}

size_t
polygon_layer_poly_count(const struct polygon_layer *l, size_t zone)
{
	return zone < l->nzones ? l->zones[zone].npolys : 0;
}

int
polygon_layer_outer_ring(const struct polygon_layer *l, size_t zone,
    size_t poly, const double **lon, const double **lat, size_t *n)
{
	const struct ring *r;

	if (zone >= l->nzones || poly >= l->zones[zone].npolys ||
	    l->zones[zone].polys[poly].nrings == 0)
		return -1;
	r = &l->zones[zone].polys[poly].rings[0];
	*lon = r->x;
	*lat = r->y;
	*n = r->n;
	return 0;
}

int
polygon_layer_add_zone(struct polygon_layer *l, const char *zone_name,
    size_t *zone, char *err, size_t errlen)
{
	struct zone *nz;
	char *name = NULL;
	size_t cap;

	if (!name_ok(zone_name)) {
		seterr(err, errlen, "zone name must be 1 to %d bytes",
		    POLYGON_MAX_NAME);
		goto fail;
	}
	if (l->nzones >= POLYGON_MAX_ZONES) {
		seterr(err, errlen, "layer %s: more than %d zones", l->name,
		    POLYGON_MAX_ZONES);
		goto fail;
	}
	if ((name = strdup(zone_name)) == NULL)
		goto nomem;
	if (l->nzones == l->capzones) {
		cap = l->capzones ? l->capzones * 2 : 8;
		if ((nz = realloc(l->zones, cap * sizeof(*nz))) == NULL)
			goto nomem;
		l->zones = nz;
		l->capzones = cap;
	}
	l->zones[l->nzones].name = name;
	l->zones[l->nzones].polys = NULL;
	l->zones[l->nzones].npolys = 0;
	*zone = l->nzones++;
	return 0;
nomem:
	seterr(err, errlen, "out of memory");
fail:
	free(name);
	return -1;
}

/* Signed difference b - a of two longitudes, in (-180, 180]. */
static double
lon_diff(double a, double b)
{
	double d = fmod(b - a, 360);

	if (d <= -180)
		d += 360;
	else if (d > 180)
		d -= 360;
	return d;
}

/*
 * Copies pts[0..n-1] into r, unwrapping longitudes and dropping a closing
 * duplicate. which names the ring in errors ("ring 2").
 */
static int
ring_build(struct ring *r, const struct geodesy_point *pts, size_t n,
    const char *which, char *err, size_t errlen)
{
	size_t i, m;
	double closex;

	memset(r, 0, sizeof(*r));
	if (pts == NULL || n == 0) {
		seterr(err, errlen, "%s is empty", which);
		goto fail;
	}
	if (n > POLYGON_MAX_RING_VERTICES + 1) {
		seterr(err, errlen,
		    "%s has %zu vertices, more than the limit of %d", which, n,
		    POLYGON_MAX_RING_VERTICES);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (!isfinite(pts[i].lat) || !isfinite(pts[i].lon) ||
		    pts[i].lat < -90 || pts[i].lat > 90 || pts[i].lon < -360 ||
		    pts[i].lon > 360) {
			seterr(err, errlen,
			    "%s vertex %zu: coordinate out of range "
			    "(latitude -90..90, longitude -360..360)",
			    which, i);
			goto fail;
		}
	m = n;
	if (m >= 2 && pts[m - 1].lat == pts[0].lat &&
	    lon_diff(pts[0].lon, pts[m - 1].lon) == 0)
		m--;
	if (m > POLYGON_MAX_RING_VERTICES) {
		seterr(err, errlen,
		    "%s has %zu vertices, more than the limit of %d", which, m,
		    POLYGON_MAX_RING_VERTICES);
		goto fail;
	}
	if ((r->x = malloc(m * sizeof(double))) == NULL ||
	    (r->y = malloc(m * sizeof(double))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	r->n = m;
	r->x[0] = pts[0].lon;
	r->y[0] = pts[0].lat;
	for (i = 1; i < m; i++) {
		r->x[i] = r->x[i - 1] + lon_diff(pts[i - 1].lon, pts[i].lon);
		r->y[i] = pts[i].lat;
	}
	/* The closing edge must come back to x[0], not x[0] ± 360. */
	closex = r->x[m - 1] + lon_diff(pts[m - 1].lon, pts[0].lon);
	if (fabs(closex - r->x[0]) > 1e-9) {
		seterr(err, errlen,
		    "%s encircles a pole: not supported (split it)", which);
		goto fail;
	}
	/* At least three distinct vertices. */
	{
		size_t distinct = 1, j;

		for (i = 1; i < m && distinct < 3; i++) {
			for (j = 0; j < i; j++)
				if (r->x[j] == r->x[i] && r->y[j] == r->y[i])
					break;
			if (j == i)
				distinct++;
		}
		if (distinct < 3) {
			seterr(err, errlen,
			    "%s has fewer than 3 distinct vertices", which);
			goto fail;
		}
	}
	r->minx = r->maxx = r->x[0];
	r->miny = r->maxy = r->y[0];
	for (i = 1; i < m; i++) {
		if (r->x[i] < r->minx)
			r->minx = r->x[i];
		if (r->x[i] > r->maxx)
			r->maxx = r->x[i];
		if (r->y[i] < r->miny)
			r->miny = r->y[i];
		if (r->y[i] > r->maxy)
			r->maxy = r->y[i];
	}
	slab_build(r);
	return 0;
fail:
	ring_free(r);
	memset(r, 0, sizeof(*r));
	return -1;
}

int
polygon_layer_add_polygon(struct polygon_layer *l, size_t zone,
    const struct geodesy_point *const *rings, const size_t *counts,
    size_t nrings, char *err, size_t errlen)
{
	struct poly p = { NULL, 0 };
	struct poly *np;
	struct zone *z;
	size_t i, total = 0;
	char which[48];

	if (zone >= l->nzones) {
		seterr(err, errlen, "no zone %zu in layer %s", zone, l->name);
		goto fail;
	}
	z = &l->zones[zone];
	if (nrings == 0 || rings == NULL || counts == NULL) {
		seterr(err, errlen, "polygon has no ring");
		goto fail;
	}
	if (nrings > POLYGON_MAX_RINGS) {
		seterr(err, errlen,
		    "polygon has %zu rings, more than the limit of %d", nrings,
		    POLYGON_MAX_RINGS);
		goto fail;
	}
	/* Early guard (closing duplicates may still be dropped)... */
	for (i = 0; i < nrings; i++) {
		total += counts[i];
		if (l->nvertices + total >
		    POLYGON_MAX_LAYER_VERTICES + nrings) {
			seterr(err, errlen,
			    "layer %s would exceed the limit of %d vertices",
			    l->name, POLYGON_MAX_LAYER_VERTICES);
			goto fail;
		}
	}
	if ((p.rings = calloc(nrings, sizeof(*p.rings))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	total = 0;
	for (i = 0; i < nrings; i++) {
		if (i == 0)
			snprintf(which, sizeof(which), "outer ring");
		else
			snprintf(which, sizeof(which), "hole %zu", i);
		if (ring_build(&p.rings[i], rings[i], counts[i], which, err,
			errlen) == -1)
			goto fail;
		p.nrings++;
		total += p.rings[i].n;
	}
	/* ...and the exact check on what was kept. */
	if (l->nvertices + total > POLYGON_MAX_LAYER_VERTICES) {
		seterr(err, errlen,
		    "layer %s would exceed the limit of %d vertices", l->name,
		    POLYGON_MAX_LAYER_VERTICES);
		goto fail;
	}
	if ((np = realloc(z->polys, (z->npolys + 1) * sizeof(*np))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	z->polys = np;
	z->polys[z->npolys++] = p;
	l->nvertices += total;
	return 0;
fail:
	poly_free(&p);
	return -1;
}

int
polygon_layer_add_chain(struct polygon_layer *l, size_t zone,
    const struct geodesy_point *const *pieces, const size_t *counts,
    size_t npieces, double snap_m, char *err, size_t errlen)
{
	struct geodesy_point *ring = NULL, end;
	unsigned char *used = NULL;
	size_t i, k, n = 0, total = 0, best, placed;
	double d, bestd;
	int bestrev, rev, ret = -1;
	const struct geodesy_point *rp;

	if (npieces == 0 || pieces == NULL || counts == NULL) {
		seterr(err, errlen, "no line piece to build a ring from");
		goto out;
	}
	if (npieces > POLYGON_MAX_PIECES) {
		seterr(err, errlen,
		    "%zu line pieces, more than the limit of %d", npieces,
		    POLYGON_MAX_PIECES);
		goto out;
	}
	if (!isfinite(snap_m) || snap_m < 0) {
		seterr(err, errlen, "snap tolerance must be a distance >= 0");
		goto out;
	}
	for (i = 0; i < npieces; i++) {
		if (counts[i] == 0 || pieces[i] == NULL) {
			seterr(err, errlen, "line piece %zu is empty", i);
			goto out;
		}
		for (k = 0; k < counts[i]; k++)
			if (!point_ok(&pieces[i][k])) {
				seterr(err, errlen,
				    "line piece %zu vertex %zu: coordinate "
				    "out of range",
				    i, k);
				goto out;
			}
		total += counts[i];
		if (total > POLYGON_MAX_RING_VERTICES + 1) {
			seterr(err, errlen,
			    "the ring would have more than %d vertices",
			    POLYGON_MAX_RING_VERTICES);
			goto out;
		}
	}
	if ((ring = malloc(total * sizeof(*ring))) == NULL ||
	    (used = calloc(npieces, 1)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	memcpy(ring, pieces[0], counts[0] * sizeof(*ring));
	n = counts[0];
	used[0] = 1;
	for (placed = 1; placed < npieces; placed++) {
		end = ring[n - 1];
		best = npieces;
		bestd = INFINITY;
		bestrev = 0;
		for (i = 0; i < npieces; i++) {
			if (used[i])
				continue;
			d = geodesy_distance(&end, &pieces[i][0]);
			if (d < bestd) {
				bestd = d;
				best = i;
				bestrev = 0;
			}
			d = geodesy_distance(&end, &pieces[i][counts[i] - 1]);
			if (d < bestd) {
				bestd = d;
				best = i;
				bestrev = 1;
			}
		}
		if (bestd > snap_m) {
			seterr(err, errlen,
			    "line piece %zu cannot be joined: the nearest "
			    "gap is %.0f m, more than the snap tolerance of "
			    "%.0f m",
			    best, bestd, snap_m);
			goto out;
		}
		used[best] = 1;
		rev = bestrev;
		for (k = 0; k < counts[best]; k++) {
			const struct geodesy_point *q =
			    &pieces[best][rev ? counts[best] - 1 - k : k];

			if (k == 0 && bestd == 0)
				continue; /* shared vertex */
			ring[n++] = *q;
		}
	}
	d = geodesy_distance(&ring[n - 1], &ring[0]);
	if (d > snap_m) {
		seterr(err, errlen,
		    "the pieces do not close into a ring: the gap is %.0f m, "
		    "more than the snap tolerance of %.0f m",
		    d, snap_m);
		goto out;
	}
	rp = ring;
	ret = polygon_layer_add_polygon(l, zone, &rp, &n, 1, err, errlen);
out:
	free(ring);
	free(used);
	return ret;
}

/*
 * 2 if (px, py) is on the ring's boundary, 1 strictly inside, 0 outside;
 * px already shifted into the ring's longitude range.
 */
static int
ring_test_at(const struct ring *r, double px, double py, int scan)
{
	const uint32_t *list = NULL;
	size_t i, j, k, count = r->n;
	int c = 0;
	double x1, y1, x2, y2, dx, dy, len2, t, ex, ey;

	if (!scan && r->nslabs > 0) {
		k = slab_of(r, py);
		list = r->slab_edge + r->slab[k];
		count = r->slab[k + 1] - r->slab[k];
	}
	for (k = 0; k < count; k++) {
		i = list != NULL ? list[k] : k;
		j = i == 0 ? r->n - 1 : i - 1;
		x1 = r->x[j];
		y1 = r->y[j];
		x2 = r->x[i];
		y2 = r->y[i];
		/* On the edge (or its end points)? */
		dx = x2 - x1;
		dy = y2 - y1;
		len2 = dx * dx + dy * dy;
		t = len2 > 0 ? ((px - x1) * dx + (py - y1) * dy) / len2 : 0;
		if (t < 0)
			t = 0;
		else if (t > 1)
			t = 1;
		ex = px - (x1 + t * dx);
		ey = py - (y1 + t * dy);
		if (fabs(ex) <= POLYGON_ON_EDGE_DEG &&
		    fabs(ey) <= POLYGON_ON_EDGE_DEG &&
		    ex * ex + ey * ey <=
			POLYGON_ON_EDGE_DEG * POLYGON_ON_EDGE_DEG)
			return 2;
		/* Crossing number, half-open in y (W. R. Franklin's PNPOLY). */
		if ((y2 > py) != (y1 > py) &&
		    px < (x1 - x2) * (py - y2) / (y1 - y2) + x2)
			c = !c;
	}
	return c;
}

/* As ring_test_at, trying p's longitude shifted by -360, 0 and +360. */
static int
ring_test(const struct ring *r, double lon, double lat, int scan)
{
	int k, res, best = 0;
	double px;
	const double eps = POLYGON_ON_EDGE_DEG;

	if (lat < r->miny - eps || lat > r->maxy + eps)
		return 0;
	for (k = -1; k <= 1; k++) {
		px = lon + 360.0 * k;
		if (px < r->minx - eps || px > r->maxx + eps)
			continue;
		res = ring_test_at(r, px, lat, scan);
		if (res == 2)
			return 2;
		if (res > best)
			best = res;
	}
	return best;
}

static int
poly_contains(const struct poly *p, double lon, double lat, int scan)
{
	size_t h;
	int r;

	r = ring_test(&p->rings[0], lon, lat, scan);
	if (r == 0)
		return 0;
	if (r == 2)
		return 1;
	for (h = 1; h < p->nrings; h++) {
		r = ring_test(&p->rings[h], lon, lat, scan);
		if (r == 2)
			return 1; /* on a hole's edge: boundary, inside */
		if (r == 1)
			return 0;
	}
	return 1;
}

/* Longitude reduced to [-180, 180]; 180 stays 180. */
static double
lon_reduce(double lon)
{
	double l = fmod(lon, 360);

	if (l < -180)
		l += 360;
	else if (l > 180)
		l -= 360;
	return l;
}

static int
zone_contains(const struct polygon_layer *l, size_t i,
    const struct geodesy_point *p, int scan)
{
	size_t k;
	double lon;

	if (i >= l->nzones || !point_ok(p))
		return -1;
	lon = lon_reduce(p->lon);
	for (k = 0; k < l->zones[i].npolys; k++)
		if (poly_contains(&l->zones[i].polys[k], lon, p->lat, scan))
			return 1;
	return 0;
}

int
polygon_layer_zone_contains(const struct polygon_layer *l, size_t i,
    const struct geodesy_point *p)
{
	return zone_contains(l, i, p, 0);
}

int
polygon_layer_zone_contains_scan(const struct polygon_layer *l, size_t i,
    const struct geodesy_point *p)
{
	return zone_contains(l, i, p, 1);
}

int
polygon_layer_contains(const struct polygon_layer *l,
    const struct geodesy_point *p, size_t *zones, size_t max, size_t *n)
{
	size_t i, found = 0;

	if (!point_ok(p))
		return -1;
	for (i = 0; i < l->nzones; i++)
		if (polygon_layer_zone_contains(l, i, p) == 1) {
			if (found < max && zones != NULL)
				zones[found] = i;
			found++;
		}
	*n = found;
	return 0;
}
