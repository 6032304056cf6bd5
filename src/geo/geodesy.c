/*
 * geodesy: WGS84 geodesics through PROJ's geodesic.h (Karney 2013), the
 * point-to-polyline distance and the compass words. See geodesy.h.
 */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

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
 * centred at p (metres; longitudes unwrapped relative to p). Only a
 * prefilter: its error grows with the distance from p.
 */
static double
planar_segment_distance(const struct geodesy_point *p,
    const struct geodesy_point *a, const struct geodesy_point *b)
{
	const double k = 111195.0; /* metres per degree on the mean sphere */
	double c = cos(p->lat * DEG);
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
 * The nearest point to p on the geodesic segment ab. Fills distance, at,
 * along (from a), the bearing of the segment at `at` (*azi_at) and the
 * segment's length (*seglen). The iteration: X(s) on the geodesic; from X,
 * p lies at distance d and angle t off the geodesic's bearing; the foot of
 * the perpendicular on a sphere tangent there is
 * R atan2(sin(d/R) cos t, cos(d/R)) further along.
 */
static void
segment_nearest(const struct geodesy_point *p, const struct geodesy_point *a,
    const struct geodesy_point *b, double *dist, struct geodesy_point *at,
    double *along, double *azi_at, double *seglen)
{
	const struct geod_geodesic *g = ellipsoid();
	struct geod_geodesicline l;
	double len, s, lat, lon, azi, d, azxp, azpx, t, step, next;
	int it;

	geod_inverseline(&l, g, a->lat, a->lon, b->lat, b->lon,
	    GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_AZIMUTH |
		GEOD_DISTANCE_IN);
	len = l.s13;
	/* Start from the planar foot of the perpendicular. */
	{
		double c = cos(p->lat * DEG);
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
	azi = l.azi1;
	d = 0;
	for (it = 0; it < FOOT_MAXIT; it++) {
		geod_position(&l, s, &lat, &lon, &azi);
		geod_inverse(g, lat, lon, p->lat, p->lon, &d, &azxp, &azpx);
		if (d == 0)
			break;
		t = (azxp - azi) * DEG;
		step = MEAN_RADIUS * atan2(sin(d / MEAN_RADIUS) * cos(t),
					 cos(d / MEAN_RADIUS));
		next = s + step;
		if (next < 0)
			next = 0;
		else if (next > len)
			next = len;
		if (fabs(next - s) < FOOT_TOL) {
			if (next != s) {
				s = next;
				geod_position(&l, s, &lat, &lon, &azi);
				geod_inverse(g, lat, lon, p->lat, p->lon, &d,
				    &azxp, &azpx);
			}
			break;
		}
		s = next;
	}
	(void)azpx;
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

int
geodesy_polyline_distance(const struct geodesy_point *p,
    const struct geodesy_point *v, size_t n, struct geodesy_nearest *out)
{
	struct geodesy_nearest best;
	struct geodesy_inverse inv;
	struct geodesy_point at;
	double plan_best, limit, d, along, azi_at, len, dir, in, outb;
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
			plan[i] = planar_segment_distance(p, &v[i], &v[i + 1]);
			if (plan[i] < plan_best)
				plan_best = plan[i];
		}
	limit = (plan == NULL || plan_best > PREFILTER_FAR)
	    ? INFINITY
	    : plan_best * PREFILTER_FACTOR + PREFILTER_SLACK;
	best.distance_m = INFINITY;
	for (i = 0; i < nseg; i++) {
		if (plan != NULL && plan[i] > limit)
			continue;
		segment_nearest(p, &v[i], &v[i + 1], &d, &at, &along, &azi_at,
		    &len);
		if (!have || d < best.distance_m) {
			best.distance_m = d;
			best.at = at;
			best.segment = i;
			best.along_m = along;
			/* Side from the bearing of the line at the foot... */
			dir = azi_at;
			if (along <= 0 && i > 0) {
				/* ...or the bisector at an inner vertex. */
				in = arrival_azimuth(&v[i - 1], &v[i]);
				outb = departure_azimuth(&v[i], &v[i + 1]);
				dir = in + angle_diff(in, outb) / 2;
			} else if (along >= len && i + 1 < nseg) {
				in = arrival_azimuth(&v[i], &v[i + 1]);
				outb = departure_azimuth(&v[i + 1], &v[i + 2]);
				dir = in + angle_diff(in, outb) / 2;
			}
			if (d < 1e-6) {
				best.side = 0;
			} else if (geodesy_inverse(&at, p, &inv) == 0) {
				best.side = side_of(dir, inv.azi1_deg);
			} else {
				best.side = 0;
			}
			have = 1;
		}
	}
	if (plan != plan_stack)
		free(plan);
	*out = best;
	return 0;
}

static const char *const compass_short[16] = {
	"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
	"S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
};

static const char *const compass_long[16] = {
	"north", "north-north-east", "north-east", "east-north-east",
	"east", "east-south-east", "south-east", "south-south-east",
	"south", "south-south-west", "south-west", "west-south-west",
	"west", "west-north-west", "north-west", "north-north-west",
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
