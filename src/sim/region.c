/*
 * region: line, area and settlements of a simulated region. See region.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/prng.h"
#include "sim/region.h"

#define KM_PER_DEG_LAT 110.574
#define KM_PER_DEG_LON_EQ 111.320

struct segment {
	double lon1, lat1, lon2, lat2;
	double km;     /* length */
	double cum_km; /* length of the line up to and including it */
};

struct settlement {
	char *name;
	double lat, lon;
};

struct region {
	struct segment *seg;
	size_t nseg, capseg;
	double *ring; /* lon/lat pairs of every ring, back to back */
	size_t *ringlen;
	size_t nring, npoints;
	struct settlement *set;
	size_t nset, capset;
};

double
region_km(double lat1, double lon1, double lat2, double lon2)
{
	double kx = KM_PER_DEG_LON_EQ * cos((lat1 + lat2) * M_PI / 360.0);
	double dx = (lon2 - lon1) * kx, dy = (lat2 - lat1) * KM_PER_DEG_LAT;

	return sqrt(dx * dx + dy * dy);
}

struct region *
region_new(void)
{
	return calloc(1, sizeof(struct region));
}

void
region_free(struct region *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nset; i++)
		free(r->set[i].name);
	free(r->set);
	free(r->seg);
	free(r->ring);
	free(r->ringlen);
	free(r);
}

int
region_add_segment(struct region *r, double lon1, double lat1, double lon2,
    double lat2)
{
	struct segment *s;
	size_t ncap;

	if (r->nseg >= REGION_MAX_SEGMENTS)
		return -1;
	if (r->nseg == r->capseg) {
		ncap = r->capseg ? r->capseg * 2 : 64;
		if ((s = realloc(r->seg, ncap * sizeof(*s))) == NULL)
			return -1;
		r->seg = s;
		r->capseg = ncap;
	}
	s = &r->seg[r->nseg];
	s->lon1 = lon1;
	s->lat1 = lat1;
	s->lon2 = lon2;
	s->lat2 = lat2;
	s->km = region_km(lat1, lon1, lat2, lon2);
	s->cum_km = (r->nseg ? r->seg[r->nseg - 1].cum_km : 0) + s->km;
	r->nseg++;
	return 0;
}

int
region_add_ring(struct region *r, const double *xy, size_t n)
{
	double *pts;
	size_t *lens;

	if (n > REGION_MAX_RING_POINTS - r->npoints)
		return -1;
	pts = realloc(r->ring, (r->npoints + n) * 2 * sizeof(double));
	if (pts == NULL)
		return -1;
	r->ring = pts;
	lens = realloc(r->ringlen, (r->nring + 1) * sizeof(size_t));
	if (lens == NULL)
		return -1;
	r->ringlen = lens;
	memcpy(r->ring + 2 * r->npoints, xy, n * 2 * sizeof(double));
	r->ringlen[r->nring++] = n;
	r->npoints += n;
	return 0;
}

/* Distance in km from a point to segment s, in a plane around the point. */
static double
segment_km(const struct segment *s, double lat, double lon)
{
	double kx = KM_PER_DEG_LON_EQ * cos(lat * M_PI / 180.0);
	double ax = (s->lon1 - lon) * kx, ay = (s->lat1 - lat) * KM_PER_DEG_LAT;
	double bx = (s->lon2 - lon) * kx, by = (s->lat2 - lat) * KM_PER_DEG_LAT;
	double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;

	if (l2 > 0) {
		t = -(ax * dx + ay * dy) / l2;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
	}
	return hypot(ax + t * dx, ay + t * dy);
}

double
region_line_km_from(const struct region *r, double lat, double lon)
{
	double best = INFINITY, d;
	size_t i;

	for (i = 0; i < r->nseg; i++)
		if ((d = segment_km(&r->seg[i], lat, lon)) < best)
			best = d;
	return best;
}

int
region_add_settlement(struct region *r, const char *name, double lat,
    double lon, double max_km)
{
	struct settlement *s;
	size_t i, ncap, n = strlen(name);

	if (n == 0 || n > REGION_MAX_NAME)
		return 0;
	if (region_line_km_from(r, lat, lon) > max_km)
		return 0;
	for (i = 0; i < r->nset; i++)
		if (region_km(lat, lon, r->set[i].lat, r->set[i].lon) < 2.0)
			return 0;
	if (r->nset >= REGION_MAX_SETTLEMENTS)
		return -1;
	if (r->nset == r->capset) {
		ncap = r->capset ? r->capset * 2 : 64;
		if ((s = realloc(r->set, ncap * sizeof(*s))) == NULL)
			return -1;
		r->set = s;
		r->capset = ncap;
	}
	s = &r->set[r->nset];
	if ((s->name = strdup(name)) == NULL)
		return -1;
	s->lat = lat;
	s->lon = lon;
	r->nset++;
	return 1;
}

size_t
region_nsegments(const struct region *r)
{
	return r->nseg;
}

size_t
region_nsettlements(const struct region *r)
{
	return r->nset;
}

const char *
region_settlement(const struct region *r, size_t i, double *lat, double *lon)
{
	*lat = r->set[i].lat;
	*lon = r->set[i].lon;
	return r->set[i].name;
}

double
region_line_km(const struct region *r)
{
	return r->nseg ? r->seg[r->nseg - 1].cum_km : 0;
}

void
region_line_point(const struct region *r, struct prng *p, double *lat,
    double *lon, double *dir_deg)
{
	double target = prng_uniform(p) * region_line_km(r), t, kx;
	size_t lo = 0, hi = r->nseg - 1, mid;
	const struct segment *s;

	/* The first segment whose cumulative length reaches the target. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->seg[mid].cum_km < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	s = &r->seg[lo];
	t = s->km > 0 ? (target - (s->cum_km - s->km)) / s->km : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	*lat = s->lat1 + t * (s->lat2 - s->lat1);
	*lon = s->lon1 + t * (s->lon2 - s->lon1);
	kx = KM_PER_DEG_LON_EQ * cos(*lat * M_PI / 180.0);
	*dir_deg = atan2((s->lon2 - s->lon1) * kx,
		       (s->lat2 - s->lat1) * KM_PER_DEG_LAT) *
	    180.0 / M_PI;
}

long
region_nearest_settlement(const struct region *r, double lat, double lon,
    double *km)
{
	long best = -1;
	double bd = INFINITY, d;
	size_t i;

	for (i = 0; i < r->nset; i++) {
		d = region_km(lat, lon, r->set[i].lat, r->set[i].lon);
		if (d < bd) {
			bd = d;
			best = (long)i;
		}
	}
	if (best >= 0)
		*km = bd;
	return best;
}

int
region_side(const struct region *r, double lat, double lon)
{
	const double *q = r->ring;
	size_t k, i, j, n;
	int inside = 0;

	for (k = 0; k < r->nring; k++) {
		n = r->ringlen[k];
		for (i = 0, j = n - 1; i < n; j = i++) {
			double xi = q[2 * i], yi = q[2 * i + 1];
			double xj = q[2 * j], yj = q[2 * j + 1];

			if (((yi > lat) != (yj > lat)) &&
			    lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)
				inside = !inside;
		}
		q += 2 * n;
	}
	return inside;
}
