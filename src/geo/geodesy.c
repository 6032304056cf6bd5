/*
 * geodesy: WGS84 geodesics through PROJ's geodesic.h (Karney 2013), the
 * point-to-polyline distance and the compass words. See geodesy.h.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <geodesic.h>

#include "geo/geodesy.h"

/* Mean radius of WGS84 (IUGG R1), for the spherical along-track step. */
#define MEAN_RADIUS 6371008.8
#define DEG (3.14159265358979323846 / 180)
/* Largest |distance| of the direct problem: about half a meridian. */
#define MAX_DIRECT 20000000.0
/* Convergence of the foot of the perpendicular, metres. */
#define FOOT_TOL 1e-4
#define FOOT_MAXIT 50
/* Prefilter: exact solve if planar estimate <= best * 1.1 + 1 km ... */
#define PREFILTER_FACTOR 1.1
#define PREFILTER_SLACK 1000.0
/* ... and everything exactly when the planar best exceeds 200 km. */
#define PREFILTER_FAR 200000.0

/*
 * The ellipsoid's constants, computed once (geod_init costs a few hundred
 * flops). Read-only after the pthread_once, so the module stays free of
 * mutable state.
 */
static struct geod_geodesic wgs84;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void
wgs84_init(void)
{
	geod_init(&wgs84, GEODESY_WGS84_A, GEODESY_WGS84_F);
}

static const struct geod_geodesic *
ellipsoid(void)
{
	pthread_once(&wgs84_once, wgs84_init);
	return &wgs84;
}

static int
valid(const struct geodesy_point *p)
{
	return p != NULL && isfinite(p->lat) && isfinite(p->lon) &&
	    p->lat >= -90 && p->lat <= 90;
}

double
geodesy_normalize_azimuth(double azi_deg)
{
	double a;

	if (!isfinite(azi_deg))
		return azi_deg;
	a = fmod(azi_deg, 360);
	if (a < 0)
		a += 360;
	if (a >= 360) /* -1e-17 + 360 rounds to 360 */
		a = 0;
	return a;
}

static double
normalize_lon(double lon)
{
	double l = fmod(lon, 360);

	if (l < -180)
		l += 360;
	else if (l >= 180)
		l -= 360;
	return l;
}

/* Signed difference b - a of two angles, in (-180, 180]. */
static double
angle_diff(double a, double b)
{
	double d = fmod(b - a, 360);

	if (d <= -180)
		d += 360;
	else if (d > 180)
		d -= 360;
	return d;
}

int
geodesy_inverse(const struct geodesy_point *a, const struct geodesy_point *b,
    struct geodesy_inverse *out)
{
	double s12, azi1, azi2;

	if (!valid(a) || !valid(b) || out == NULL)
		return -1;
	geod_inverse(ellipsoid(), a->lat, a->lon, b->lat, b->lon, &s12, &azi1,
	    &azi2);
	out->distance_m = s12;
	out->azi1_deg = geodesy_normalize_azimuth(azi1);
	out->azi2_deg = geodesy_normalize_azimuth(azi2);
	return 0;
}

double
geodesy_distance(const struct geodesy_point *a, const struct geodesy_point *b)
{
	struct geodesy_inverse inv;

	if (geodesy_inverse(a, b, &inv) == -1)
		return -1;
	return inv.distance_m;
}

int
geodesy_direct(const struct geodesy_point *from, double azi_deg,
    double distance_m, struct geodesy_point *to, double *azi2_deg)
{
	double lat2, lon2, azi2;

	if (!valid(from) || to == NULL || !isfinite(azi_deg) ||
	    !isfinite(distance_m) || fabs(distance_m) > MAX_DIRECT)
		return -1;
	geod_direct(ellipsoid(), from->lat, from->lon, azi_deg, distance_m,
	    &lat2, &lon2, &azi2);
	to->lat = lat2;
	to->lon = normalize_lon(lon2);
	if (azi2_deg != NULL)
		*azi2_deg = geodesy_normalize_azimuth(azi2);
	return 0;
}

/*
 * Planar distance from p to the segment ab in a local equirectangular frame
 * centred at p (metres; longitudes unwrapped relative to p), c being
 * cos(p->lat * DEG). Only a prefilter: its error grows with the distance
 * from p.
 */
static double
planar_segment_distance(const struct geodesy_point *p, double c,
    const struct geodesy_point *a, const struct geodesy_point *b)
{
	const double k = 111195.0; /* metres per degree on the mean sphere */
	double ax = angle_diff(p->lon, a->lon) * c * k;
	double ay = (a->lat - p->lat) * k;
	double bx = angle_diff(p->lon, b->lon) * c * k;
	double by = (b->lat - p->lat) * k;
	double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, t;

	t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
	if (t < 0)
		t = 0;
	else if (t > 1)
		t = 1;
	return hypot(ax + t * dx, ay + t * dy);
}

/*
 * One question to a polyline: the point, and what answering it may reuse.
 * The geodesics from points of the line to p already solved are kept
 * (memo): geod_inverse is a function of its four arguments, so a pair met
 * again (the vertex two segments share, the foot the side is taken at)
 * gets the same distance and bearing, bit for bit, without being solved
 * again. The scan (geodesy_polyline_distance) keeps none, so that it stays
 * the plain reference the prepared polyline is tested against.
 */
#define MEMO 4
struct ask {
	const struct geodesy_point *p;
	double c; /* cos(p->lat * DEG) */
	int remember;
	size_t nmemo, nextmemo;
	struct {
		double lat, lon, d, azi;
	} memo[MEMO];
};

static void
ask_init(struct ask *q, const struct geodesy_point *p, double c, int remember)
{
	q->p = p;
	q->c = c;
	q->remember = remember;
	q->nmemo = q->nextmemo = 0;
}

/* The slot of (lat, lon) in q's memo (same bits), or -1. */
static int
memo_find(const struct ask *q, double lat, double lon)
{
	size_t k;

	for (k = 0; k < q->nmemo; k++)
		if (memcmp(&q->memo[k].lat, &lat, sizeof(lat)) == 0 &&
		    memcmp(&q->memo[k].lon, &lon, sizeof(lon)) == 0)
			return (int)k;
	return -1;
}

/*
 * geod_inverse from (lat, lon) to q's point: the distance into *d, the
 * bearing at (lat, lon) as PROJ gives it (not reduced) into *azi.
 */
static void
to_point(struct ask *q, double lat, double lon, double *d, double *azi)
{
	double azi2;
	int k;

	if (q->remember && (k = memo_find(q, lat, lon)) != -1) {
		*d = q->memo[k].d;
		*azi = q->memo[k].azi;
		return;
	}
	geod_inverse(ellipsoid(), lat, lon, q->p->lat, q->p->lon, d, azi,
	    &azi2);
	if (q->remember) {
		k = (int)q->nextmemo;
		q->memo[k].lat = lat;
		q->memo[k].lon = lon;
		q->memo[k].d = *d;
		q->memo[k].azi = *azi;
		q->nextmemo = (q->nextmemo + 1) % MEMO;
		if (q->nmemo < MEMO)
			q->nmemo++;
	}
}

/*
 * A segment's geodesic line as a polyline keeps it: PROJ's line and its
 * positions at both ends (geod_position at +0 and at the line's length),
 * which the iteration asks for whenever the foot is clamped to an end.
 */
struct kept_line {
	struct geod_geodesicline l;
	double end[2][3]; /* lat, lon, azi at s = +0 and s = l.s13 */
};

/*
 * geod_position(l, s, ...), k's end positions read rather than solved when
 * s is one of theirs (the same bits: -0 is not +0 to PROJ's arithmetic).
 */
static void
position(const struct kept_line *k, const struct geod_geodesicline *l, double s,
    double *lat, double *lon, double *azi)
{
	const double zero = 0;
	const double *e = NULL;

	if (k != NULL) {
		if (memcmp(&s, &zero, sizeof(s)) == 0)
			e = k->end[0];
		else if (memcmp(&s, &l->s13, sizeof(s)) == 0)
			e = k->end[1];
	}
	if (e == NULL) {
		geod_position(l, s, lat, lon, azi);
		return;
	}
	*lat = e[0];
	*lon = e[1];
	*azi = e[2];
}

/* The capabilities segment_nearest asks of a segment's geodesic. */
#define SEGMENT_CAPS \
	(GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_AZIMUTH | GEOD_DISTANCE_IN)

/*
 * The nearest point to q's point p on the geodesic segment ab, whose
 * geodesic line (geod_inverseline from a to b, SEGMENT_CAPS) is `line`, or
 * NULL to solve it here. Fills distance, at, along (from a), the bearing
 * of the segment at `at` (*azi_at) and the segment's length (*seglen).
 * The iteration: X(s) on the geodesic; from X, p lies at distance d and
 * angle t off the geodesic's bearing; the foot of the perpendicular on a
 * sphere tangent there is R atan2(sin(d/R) cos t, cos(d/R)) further along.
 */
static void
segment_nearest(struct ask *q, const struct geodesy_point *a,
    const struct geodesy_point *b, const struct kept_line *kept, double *dist,
    struct geodesy_point *at, double *along, double *azi_at, double *seglen)
{
	const struct geodesy_point *p = q->p;
	struct geod_geodesicline own;
	const struct geod_geodesicline *l;
	double len, s, lat, lon, azi, d, azxp, t, step, next;
	int it;

	if (kept != NULL)
		l = &kept->l;
	else {
		geod_inverseline(&own, ellipsoid(), a->lat, a->lon, b->lat,
		    b->lon, SEGMENT_CAPS);
		l = &own;
	}
	len = l->s13;
	/* Start from the planar foot of the perpendicular. */
	{
		double c = q->c;
		double ax = angle_diff(p->lon, a->lon) * c;
		double ay = a->lat - p->lat;
		double bx = angle_diff(p->lon, b->lon) * c;
		double by = b->lat - p->lat;
		double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
		double u = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;

		s = (u < 0 ? 0 : u > 1 ? 1 : u) * len;
	}
	lat = a->lat;
	lon = a->lon;
	azi = l->azi1;
	d = 0;
	for (it = 0; it < FOOT_MAXIT; it++) {
		position(kept, l, s, &lat, &lon, &azi);
		to_point(q, lat, lon, &d, &azxp);
		if (d == 0)
			break;
		t = (azxp - azi) * DEG;
		step = MEAN_RADIUS *
		    atan2(sin(d / MEAN_RADIUS) * cos(t), cos(d / MEAN_RADIUS));
		next = s + step;
		if (next < 0)
			next = 0;
		else if (next > len)
			next = len;
		if (fabs(next - s) < FOOT_TOL) {
			if (next != s) {
				s = next;
				position(kept, l, s, &lat, &lon, &azi);
				to_point(q, lat, lon, &d, &azxp);
			}
			break;
		}
		s = next;
	}
	*dist = d;
	at->lat = lat;
	at->lon = normalize_lon(lon);
	*along = s;
	*azi_at = geodesy_normalize_azimuth(azi);
	*seglen = len;
}

/* Bearing of the geodesic a->b where it arrives at b. */
static double
arrival_azimuth(const struct geodesy_point *a, const struct geodesy_point *b)
{
	double s12, azi1, azi2;

	geod_inverse(ellipsoid(), a->lat, a->lon, b->lat, b->lon, &s12, &azi1,
	    &azi2);
	return azi2;
}

static double
departure_azimuth(const struct geodesy_point *a, const struct geodesy_point *b)
{
	double s12, azi1, azi2;

	geod_inverse(ellipsoid(), a->lat, a->lon, b->lat, b->lon, &s12, &azi1,
	    &azi2);
	return azi1;
}

/* +1 if bearing `to_p` is right of `dir`, -1 left, 0 along it. */
static int
side_of(double dir, double to_p)
{
	double t = angle_diff(dir, to_p);

	if (t > 0 && t < 180)
		return 1;
	if (t < 0 && t > -180)
		return -1;
	return 0;
}

/*
 * The side of q's point p for the nearest point `at` of segment i (foot
 * `along` of the segment's `len`, bearing azi_at there, distance d): from
 * the bearing of the line at the foot, or the bisector at an inner vertex.
 * dep and arr hold each segment's departure and arrival bearings as
 * departure_azimuth and arrival_azimuth give them (NULL: solved here).
 */
static int
side_at(struct ask *q, const struct geodesy_point *v, const double *dep,
    const double *arr, size_t nseg, size_t i, double d,
    const struct geodesy_point *at, double along, double azi_at, double len)
{
	struct geodesy_inverse inv;
	double dir = azi_at, in, outb;
	int k;

	if (along <= 0 && i > 0) {
		in = arr ? arr[i - 1] : arrival_azimuth(&v[i - 1], &v[i]);
		outb = dep ? dep[i] : departure_azimuth(&v[i], &v[i + 1]);
		dir = in + angle_diff(in, outb) / 2;
	} else if (along >= len && i + 1 < nseg) {
		in = arr ? arr[i] : arrival_azimuth(&v[i], &v[i + 1]);
		outb =
		    dep ? dep[i + 1] : departure_azimuth(&v[i + 1], &v[i + 2]);
		dir = in + angle_diff(in, outb) / 2;
	}
	if (d < 1e-6)
		return 0;
	/* geodesy_inverse(at, p), the foot's geodesic if already solved. */
	if (q->remember && valid(at) &&
	    (k = memo_find(q, at->lat, at->lon)) != -1)
		return side_of(dir, geodesy_normalize_azimuth(q->memo[k].azi));
	if (geodesy_inverse(at, q->p, &inv) == 0)
		return side_of(dir, inv.azi1_deg);
	return 0;
}

int
geodesy_polyline_distance(const struct geodesy_point *p,
    const struct geodesy_point *v, size_t n, struct geodesy_nearest *out)
{
	struct geodesy_nearest best;
	struct geodesy_inverse inv;
	struct geodesy_point at;
	struct ask q;
	double plan_best, limit, d, along, azi_at, len, c;
	double *plan = NULL;
	size_t i, nseg;
	double plan_stack[64];
	int have = 0;

	if (!valid(p) || v == NULL || n == 0 || out == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (!valid(&v[i]))
			return -1;
	if (n == 1) {
		if (geodesy_inverse(&v[0], p, &inv) == -1)
			return -1;
		out->distance_m = inv.distance_m;
		out->at = v[0];
		out->segment = 0;
		out->along_m = 0;
		out->side = 0;
		return 0;
	}
	nseg = n - 1;
	c = cos(p->lat * DEG);
	/*
	 * Planar estimates, kept to avoid computing them twice; a small
	 * polyline uses the stack, a large one the heap (and if that fails,
	 * every segment is solved exactly: slower, never wrong).
	 */
	if (nseg <= sizeof(plan_stack) / sizeof(plan_stack[0]))
		plan = plan_stack;
	else
		plan = malloc(nseg * sizeof(*plan));
	plan_best = INFINITY;
	if (plan != NULL)
		for (i = 0; i < nseg; i++) {
			plan[i] =
			    planar_segment_distance(p, c, &v[i], &v[i + 1]);
			if (plan[i] < plan_best)
				plan_best = plan[i];
		}
	limit = (plan == NULL || plan_best > PREFILTER_FAR)
	    ? INFINITY
	    : plan_best * PREFILTER_FACTOR + PREFILTER_SLACK;
	best.distance_m = INFINITY;
	ask_init(&q, p, c, 0);
	for (i = 0; i < nseg; i++) {
		if (plan != NULL && plan[i] > limit)
			continue;
		segment_nearest(&q, &v[i], &v[i + 1], NULL, &d, &at, &along,
		    &azi_at, &len);
		if (!have || d < best.distance_m) {
			best.distance_m = d;
			best.at = at;
			best.segment = i;
			best.along_m = along;
			best.side = side_at(&q, v, NULL, NULL, nseg, i, d, &at,
			    along, azi_at, len);
			have = 1;
		}
	}
	if (plan != plan_stack)
		free(plan);
	*out = best;
	return 0;
}

/* ---- lower bounds and the prepared polyline --------------------------- */

/* Margins of every bound: relative, and absolute in metres. */
#define BOUND_REL 1e-9
#define BOUND_ABS 1e-4
/* Longitudes this close to p's antimeridian: no box bound for the run. */
#define WRAP_EPS 1e-6
/* Beyond this |longitude| of p the boxes are not used (the scan is). */
#define MAX_BOX_LON 720.0

void
geodesy_ecef_of(const struct geodesy_point *p, struct geodesy_ecef *e)
{
	const double e2 = GEODESY_WGS84_F * (2 - GEODESY_WGS84_F);
	double sl = sin(p->lat * DEG), cl = cos(p->lat * DEG);
	double n = GEODESY_WGS84_A / sqrt(1 - e2 * sl * sl);

	e->x = n * cl * cos(p->lon * DEG);
	e->y = n * cl * sin(p->lon * DEG);
	e->z = n * (1 - e2) * sl;
}

static double
chord(const struct geodesy_ecef *a, const struct geodesy_ecef *b)
{
	double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;

	return sqrt(dx * dx + dy * dy + dz * dz);
}

/* v less its rounding margin, at least 0. */
static double
below(double v)
{
	v -= v * BOUND_REL + BOUND_ABS;
	return v > 0 ? v : 0;
}

/* v plus its rounding margin. */
static double
above(double v)
{
	return v + v * BOUND_REL + BOUND_ABS;
}

double
geodesy_chord_bound_m(const struct geodesy_ecef *a,
    const struct geodesy_ecef *b)
{
	return below(chord(a, b));
}

/* A run of at most GEODESY_CHUNK segments, first .. last - 1. */
struct run {
	size_t first, last;
	double lat0, lat1; /* latitudes of its vertices */
	double lon0, lon1; /* longitudes, unwrapped from v[first] */
	struct geodesy_ecef centre;
	double radius_m; /* every point of its segments is within it */
};

/*
 * Segments whose geodesic line a polyline keeps once solved, at most
 * (about 580 bytes each): beyond, segment_nearest solves it each time.
 */
#define MAX_KEPT_LINES 65536

struct geodesy_polyline {
	struct geodesy_point *v;
	size_t n;
	struct geodesy_ecef *e; /* of each vertex */
	double *h;		/* of each segment: its spindle's half-width */
	double *dep, *arr;	/* of each segment: departure and arrival
				 * bearings, as PROJ gives them */
	struct run *runs;
	size_t nruns;
	/*
	 * Each segment's geod_inverseline, solved the first time a question
	 * needs it and published with a compare-and-swap (questions may come
	 * from several threads; the line is a function of the segment, so
	 * whichever thread solves it, it is the same).
	 */
	_Atomic(struct kept_line *) *lines;
	atomic_size_t *nkept; /* lines solved (or tried) */
};

void
geodesy_polyline_free(struct geodesy_polyline *pl)
{
	size_t i;

	if (pl == NULL)
		return;
	if (pl->lines != NULL)
		for (i = 0; i + 1 < pl->n; i++)
			free(atomic_load_explicit(&pl->lines[i],
			    memory_order_relaxed));
	free(pl->lines);
	free(pl->nkept);
	free(pl->v);
	free(pl->e);
	free(pl->h);
	free(pl->dep);
	free(pl->arr);
	free(pl->runs);
	free(pl);
}

/*
 * The half-width of segment i's spindle, rounded up: the arc length L
 * (geodesic, rounded up) and the chord c (rounded down) give
 * √(L² − c²) / 2. Keeps the segment's bearings at both ends.
 */
static double
spindle(struct geodesy_polyline *pl, size_t i)
{
	double s12, azi1, azi2, L, c;

	geod_inverse(ellipsoid(), pl->v[i].lat, pl->v[i].lon, pl->v[i + 1].lat,
	    pl->v[i + 1].lon, &s12, &azi1, &azi2);
	pl->dep[i] = azi1;
	pl->arr[i] = azi2;
	L = above(s12);
	c = below(chord(&pl->e[i], &pl->e[i + 1]));
	return above(sqrt(L * L - c * c) / 2);
}

/*
 * The run's box and ball. The ball's centre C is its middle vertex; a
 * point of segment ab is within h of the chord ab, whose points are no
 * farther from C than a or b.
 */
static void
run_init(struct geodesy_polyline *pl, struct run *r)
{
	const struct geodesy_point *v = pl->v;
	size_t c = (r->first + r->last) / 2, i;
	double x, q;

	r->lat0 = r->lat1 = v[r->first].lat;
	r->lon0 = r->lon1 = x = v[r->first].lon;
	r->centre = pl->e[c];
	r->radius_m = 0;
	for (i = r->first; i < r->last; i++) {
		x += angle_diff(v[i].lon, v[i + 1].lon);
		r->lat0 = fmin(r->lat0, v[i + 1].lat);
		r->lat1 = fmax(r->lat1, v[i + 1].lat);
		r->lon0 = fmin(r->lon0, x);
		r->lon1 = fmax(r->lon1, x);
		q = fmax(chord(&pl->e[c], &pl->e[i]),
			chord(&pl->e[c], &pl->e[i + 1])) +
		    pl->h[i];
		if (q > r->radius_m)
			r->radius_m = q;
	}
	r->radius_m = above(r->radius_m);
}

struct geodesy_polyline *
geodesy_polyline_new(const struct geodesy_point *v, size_t n)
{
	struct geodesy_polyline *pl;
	size_t i, nseg;

	if (v == NULL || n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (!valid(&v[i]))
			return NULL;
	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return NULL;
	nseg = n - 1;
	pl->n = n;
	pl->nruns = (nseg + GEODESY_CHUNK - 1) / GEODESY_CHUNK;
	if ((pl->v = malloc(n * sizeof(*pl->v))) == NULL ||
	    (pl->e = malloc(n * sizeof(*pl->e))) == NULL ||
	    (pl->h = malloc((nseg ? nseg : 1) * sizeof(*pl->h))) == NULL ||
	    (pl->dep = malloc((nseg ? nseg : 1) * sizeof(*pl->dep))) == NULL ||
	    (pl->arr = malloc((nseg ? nseg : 1) * sizeof(*pl->arr))) == NULL ||
	    (pl->lines = calloc(nseg ? nseg : 1, sizeof(*pl->lines))) == NULL ||
	    (pl->nkept = malloc(sizeof(*pl->nkept))) == NULL ||
	    (pl->runs = calloc(pl->nruns ? pl->nruns : 1, sizeof(*pl->runs))) ==
		NULL) {
		geodesy_polyline_free(pl);
		return NULL;
	}
	memcpy(pl->v, v, n * sizeof(*v));
	for (i = 0; i < nseg; i++)
		atomic_init(&pl->lines[i], NULL);
	atomic_init(pl->nkept, 0);
	for (i = 0; i < n; i++)
		geodesy_ecef_of(&v[i], &pl->e[i]);
	for (i = 0; i < nseg; i++)
		pl->h[i] = spindle(pl, i);
	for (i = 0; i < pl->nruns; i++) {
		pl->runs[i].first = i * GEODESY_CHUNK;
		pl->runs[i].last = i * GEODESY_CHUNK + GEODESY_CHUNK;
		if (pl->runs[i].last > nseg)
			pl->runs[i].last = nseg;
		run_init(pl, &pl->runs[i]);
	}
	return pl;
}

/*
 * A lower bound of planar_segment_distance(p, c, a, b) for the segments of
 * run r: the distance from p to the run's box in the same equirectangular
 * frame (the frame is affine in latitude and longitude, so each planar
 * segment lies in the box of its ends), less a margin for rounding. 0 when
 * the run comes within WRAP_EPS of p's antimeridian, where angle_diff
 * wraps.
 */
static double
run_planar_bound(const struct run *r, const struct geodesy_point *p, double c)
{
	const double k = 111195.0; /* as planar_segment_distance */
	double lo = r->lon0 - p->lon, hi = r->lon1 - p->lon, shift;
	double x0, x1, y0, y1, dx, dy, lb;

	shift = 360 * floor((lo + 180) / 360);
	lo -= shift;
	hi -= shift;
	if (!(lo > -180 + WRAP_EPS && hi < 180 - WRAP_EPS))
		return 0;
	x0 = lo * c * k;
	x1 = hi * c * k;
	y0 = (r->lat0 - p->lat) * k;
	y1 = (r->lat1 - p->lat) * k;
	dx = x0 > 0 ? x0 : x1 < 0 ? -x1 : 0;
	dy = y0 > 0 ? y0 : y1 < 0 ? -y1 : 0;
	lb = hypot(dx, dy) -
	    (fabs(x0) + fabs(x1) + fabs(y0) + fabs(y1)) * BOUND_REL - BOUND_ABS;
	return lb > 0 ? lb : 0;
}

/* A lower bound of the geodesic distance from p (at ep) to run r. */
static double
run_bound(const struct run *r, const struct geodesy_ecef *ep)
{
	return below(chord(ep, &r->centre) - r->radius_m);
}

/*
 * A lower bound of the geodesic distance from p (at ep) to segment i: the
 * distance in space from ep to the chord, less the spindle's half-width.
 */
static double
segment_bound(const struct geodesy_polyline *pl, size_t i,
    const struct geodesy_ecef *ep)
{
	const struct geodesy_ecef *a = &pl->e[i], *b = &pl->e[i + 1];
	double ux = b->x - a->x, uy = b->y - a->y, uz = b->z - a->z;
	double wx = ep->x - a->x, wy = ep->y - a->y, wz = ep->z - a->z;
	double uu = ux * ux + uy * uy + uz * uz, t;

	t = uu > 0 ? (wx * ux + wy * uy + wz * uz) / uu : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	wx -= t * ux;
	wy -= t * uy;
	wz -= t * uz;
	return below(sqrt(wx * wx + wy * wy + wz * wz) - pl->h[i]);
}

/*
 * Segment i's geodesic line, solved now if no question has needed it yet;
 * NULL (segment_nearest then solves its own) past MAX_KEPT_LINES or if
 * memory runs out.
 */
static const struct kept_line *
segment_line(const struct geodesy_polyline *pl, size_t i)
{
	struct kept_line *l, *none = NULL;

	l = atomic_load_explicit(&pl->lines[i], memory_order_acquire);
	if (l != NULL)
		return l;
	if (atomic_fetch_add_explicit(pl->nkept, 1, memory_order_relaxed) >=
	    MAX_KEPT_LINES)
		return NULL;
	if ((l = malloc(sizeof(*l))) == NULL)
		return NULL;
	geod_inverseline(&l->l, ellipsoid(), pl->v[i].lat, pl->v[i].lon,
	    pl->v[i + 1].lat, pl->v[i + 1].lon, SEGMENT_CAPS);
	geod_position(&l->l, 0, &l->end[0][0], &l->end[0][1], &l->end[0][2]);
	geod_position(&l->l, l->l.s13, &l->end[1][0], &l->end[1][1],
	    &l->end[1][2]);
	if (!atomic_compare_exchange_strong_explicit(&pl->lines[i], &none, l,
		memory_order_acq_rel, memory_order_acquire)) {
		free(l); /* another thread's, the same line */
		l = none;
	}
	return l;
}

/* The nearest segment found so far, as segment_nearest gave it. */
struct found {
	int have;
	size_t i;
	double d, along, azi_at, len;
	struct geodesy_point at;
};

int
geodesy_question_init(struct geodesy_question *q, const struct geodesy_point *p)
{
	if (q == NULL || !valid(p))
		return -1;
	q->p = *p;
	geodesy_ecef_of(p, &q->e);
	q->coslat = cos(p->lat * DEG);
	return 0;
}

int
geodesy_polyline_nearest(const struct geodesy_polyline *pl,
    const struct geodesy_point *p, double bound, struct geodesy_nearest *out)
{
	struct geodesy_question q;

	if (geodesy_question_init(&q, p) == -1)
		return -1;
	return geodesy_polyline_nearest_to(pl, &q, bound, out);
}

int
geodesy_polyline_nearest_to(const struct geodesy_polyline *pl,
    const struct geodesy_question *qn, double bound,
    struct geodesy_nearest *out)
{
	const struct geodesy_point *v, *p;
	const struct geodesy_ecef *ep;
	struct geodesy_nearest one;
	struct found f;
	struct ask q;
	double plan_best, limit, lb, first_lb, reach, d, along, azi_at, len, c;
	double sb[GEODESY_CHUNK]; /* the run's segment bounds */
	struct geodesy_point at;
	size_t nseg, k, r, first, i, j, seg;

	if (pl == NULL || qn == NULL || out == NULL || isnan(bound))
		return -1;
	p = &qn->p;
	ep = &qn->e;
	c = qn->coslat;
	v = pl->v;
	/*
	 * One vertex, or a longitude so far out of range that the boxes'
	 * arithmetic would lose the digits angle_diff keeps: the scan.
	 */
	if (pl->n == 1 || fabs(p->lon) > MAX_BOX_LON) {
		if (geodesy_polyline_distance(p, v, pl->n, &one) == -1)
			return -1;
		if (one.distance_m > bound)
			return 1;
		*out = one;
		return 0;
	}
	nseg = pl->n - 1;
	/*
	 * 1. The smallest planar estimate, exactly: the run whose box is
	 * nearest first, then the others unless their box is beyond it.
	 */
	first = 0;
	first_lb = INFINITY;
	for (r = 0; r < pl->nruns; r++)
		if ((lb = run_planar_bound(&pl->runs[r], p, c)) < first_lb) {
			first_lb = lb;
			first = r;
		}
	plan_best = INFINITY;
	for (k = 0; k < pl->nruns; k++) {
		r = k == 0 ? first : k <= first ? k - 1 : k;
		if (k > 0 && run_planar_bound(&pl->runs[r], p, c) > plan_best)
			continue;
		for (i = pl->runs[r].first; i < pl->runs[r].last; i++)
			plan_best = fmin(plan_best,
			    planar_segment_distance(p, c, &v[i], &v[i + 1]));
	}
	limit = plan_best > PREFILTER_FAR
	    ? INFINITY
	    : plan_best * PREFILTER_FACTOR + PREFILTER_SLACK;
	/*
	 * 2. The segments of S (planar estimate within limit) whose geodesic
	 * lower bound is not above the best so far (or bound): the run
	 * whose ball is nearest first.
	 */
	first = 0;
	first_lb = INFINITY;
	for (r = 0; r < pl->nruns; r++)
		if ((lb = run_bound(&pl->runs[r], ep)) < first_lb) {
			first_lb = lb;
			first = r;
		}
	memset(&f, 0, sizeof(f));
	ask_init(&q, p, c, 1);
	reach = bound;
	for (k = 0; k < pl->nruns; k++) {
		r = k == 0 ? first : k <= first ? k - 1 : k;
		if (run_bound(&pl->runs[r], ep) > reach ||
		    run_planar_bound(&pl->runs[r], p, c) > limit)
			continue;
		/* The segment whose bound is lowest first, then the others. */
		seg = pl->runs[r].first;
		first_lb = INFINITY;
		for (i = pl->runs[r].first; i < pl->runs[r].last; i++)
			if ((sb[i - pl->runs[r].first] = lb =
				    segment_bound(pl, i, ep)) < first_lb) {
				first_lb = lb;
				seg = i;
			}
		for (j = 0; j < pl->runs[r].last - pl->runs[r].first; j++) {
			i = j == 0 ? seg
			    : pl->runs[r].first + j - 1 < seg
			    ? pl->runs[r].first + j - 1
			    : pl->runs[r].first + j;
			if (sb[i - pl->runs[r].first] > reach ||
			    planar_segment_distance(p, c, &v[i], &v[i + 1]) >
				limit)
				continue;
			segment_nearest(&q, &v[i], &v[i + 1],
			    segment_line(pl, i), &d, &at, &along, &azi_at,
			    &len);

			/* The first nearest in index order, as there. */
			if (!f.have || d < f.d || (d == f.d && i < f.i)) {
				f.have = 1;
				f.i = i;
				f.d = d;
				f.at = at;
				f.along = along;
				f.azi_at = azi_at;
				f.len = len;
				if (d < reach)
					reach = d;
			}
		}
	}
	if (!f.have || f.d > bound)
		return 1;
	out->distance_m = f.d;
	out->at = f.at;
	out->segment = f.i;
	out->along_m = f.along;
	out->side = side_at(&q, v, pl->dep, pl->arr, nseg, f.i, f.d, &f.at,
	    f.along, f.azi_at, f.len);
	return 0;
}

static const char *const compass_short[16] = {
	"N",
	"NNE",
	"NE",
	"ENE",
	"E",
	"ESE",
	"SE",
	"SSE",
	"S",
	"SSW",
	"SW",
	"WSW",
	"W",
	"WNW",
	"NW",
	"NNW",
};

static const char *const compass_long[16] = {
	"north",
	"north-north-east",
	"north-east",
	"east-north-east",
	"east",
	"east-south-east",
	"south-east",
	"south-south-east",
	"south",
	"south-south-west",
	"south-west",
	"west-south-west",
	"west",
	"west-north-west",
	"north-west",
	"north-north-west",
};

static int
compass_sector(double azi_deg)
{
	double a = geodesy_normalize_azimuth(azi_deg);
	int k = (int)floor((a + 11.25) / 22.5);

	return k % 16;
}

const char *
geodesy_compass16(double azi_deg)
{
	if (!isfinite(azi_deg))
		return NULL;
	return compass_short[compass_sector(azi_deg)];
}

const char *
geodesy_compass16_long(double azi_deg)
{
	if (!isfinite(azi_deg))
		return NULL;
	return compass_long[compass_sector(azi_deg)];
}
