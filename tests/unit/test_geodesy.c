/*
 * Unit test of geo/geodesy: the inverse and direct problems against PROJ's
 * own `geod` program (expected values computed with it while writing this
 * test; each carries its command), the point-to-polyline distance against
 * geod and against brute-force sampling of the geodesic, sides, and the
 * compass words.
 */
#include <math.h>
#include <stdio.h>

#include "geo/geodesy.h"
#include "tap.h"

#define GEOD_I "geod +ellps=WGS84 +units=m -f %.9f -F %.6f -I"

struct inverse_case {
	const char *cmd;
	double lat1, lon1, lat2, lon2;
	double azi1, back, dist; /* geod prints the back azimuth */
};

/* echo "<lat1> <lon1> <lat2> <lon2>" | GEOD_I */
static const struct inverse_case inverse_cases[] = {
	{ "40 45 41 46", 40, 45, 41, 46, 37.033299902, -142.317217686,
	    139698.755393 },
	{ "Ağdam -> Xankəndi", 39.99096, 46.92736, 39.8177, 46.7528,
	    -142.134743265, 37.753274988, 24349.573829 },
	{ "JFK -> SIN", 40.64, -73.78, 1.36, 103.99, 3.305773478,
	    -2.512159792, 15347512.940513 },
	{ "nearly antipodal", 0, 0, 0.5, 179.5, 25.671872868, -25.672914530,
	    19936288.578965 },
	{ "Donetsk -> Luhansk", 48.023, 37.80224, 48.56952, 39.32857,
	    61.213172284, -117.647234837, 128520.829787 },
	{ "across the antimeridian", 0.1, 180, 0, -180, 180.0, -0.0,
	    11057.427695 },
};

struct direct_case {
	const char *cmd;
	double lat1, lon1, azi1, dist;
	double lat2, lon2, back;
};

/* echo "<lat1> <lon1> <azi1> <dist>" | geod +ellps=WGS84 +units=m
 * -f %.9f -F %.6f */
static const struct direct_case direct_cases[] = {
	{ "2.4 km NE of Ağdam", 39.99096, 46.92736, 45, 2400, 40.006242326,
	    46.947235093, -134.987224908 },
	{ "15 km W of Donetsk", 48.023, 37.80224, 270, 15000, 48.022824006,
	    37.601146984, 89.850504900 },
	{ "5000 km", 10, 20, 135, 5000000, -21.826591215, 52.506194965,
	    -48.578919749 },
};

static double
azdiff(double a, double b)
{
	double d = fmod(a - b, 360);

	if (d > 180)
		d -= 360;
	else if (d < -180)
		d += 360;
	return fabs(d);
}

static void
test_inverse(void)
{
	size_t i;
	struct geodesy_inverse inv;
	struct geodesy_point a, b;
	const struct inverse_case *c;

	for (i = 0; i < sizeof(inverse_cases) / sizeof(inverse_cases[0]);
	    i++) {
		c = &inverse_cases[i];
		a.lat = c->lat1;
		a.lon = c->lon1;
		b.lat = c->lat2;
		b.lon = c->lon2;
		ok(geodesy_inverse(&a, &b, &inv) == 0, "inverse %s", c->cmd);
		ok(fabs(inv.distance_m - c->dist) < 1e-5,
		    "  distance %.6f = geod %.6f", inv.distance_m, c->dist);
		ok(azdiff(inv.azi1_deg, c->azi1) < 1e-8,
		    "  initial bearing %.9f = geod %.9f", inv.azi1_deg,
		    c->azi1);
		ok(azdiff(inv.azi2_deg, c->back + 180) < 1e-8,
		    "  final bearing %.9f = geod back azimuth + 180",
		    inv.azi2_deg);
		ok(inv.azi1_deg >= 0 && inv.azi1_deg < 360 &&
			inv.azi2_deg >= 0 && inv.azi2_deg < 360,
		    "  bearings in [0, 360)");
		ok(fabs(geodesy_distance(&a, &b) - c->dist) < 1e-5,
		    "  geodesy_distance agrees");
	}
	a.lat = 91;
	a.lon = 0;
	b.lat = 0;
	b.lon = 0;
	inv.distance_m = -7;
	ok(geodesy_inverse(&a, &b, &inv) == -1 && inv.distance_m == -7,
	    "latitude 91 refused, output untouched");
	a.lat = NAN;
	ok(geodesy_inverse(&a, &b, &inv) == -1, "NaN refused");
	ok(geodesy_distance(&a, &b) == -1, "geodesy_distance says -1");
	a.lat = 40;
	a.lon = 45;
	ok(geodesy_inverse(&a, &a, &inv) == 0 && inv.distance_m == 0,
	    "coincident points: distance 0");
}

static void
test_direct(void)
{
	size_t i;
	struct geodesy_point a, b;
	double azi2;
	const struct direct_case *c;

	for (i = 0; i < sizeof(direct_cases) / sizeof(direct_cases[0]); i++) {
		c = &direct_cases[i];
		a.lat = c->lat1;
		a.lon = c->lon1;
		ok(geodesy_direct(&a, c->azi1, c->dist, &b, &azi2) == 0,
		    "direct %s", c->cmd);
		ok(fabs(b.lat - c->lat2) < 1e-9 && fabs(b.lon - c->lon2) < 1e-9,
		    "  end point %.9f %.9f = geod %.9f %.9f", b.lat, b.lon,
		    c->lat2, c->lon2);
		ok(azdiff(azi2, c->back + 180) < 1e-8,
		    "  final bearing = geod back azimuth + 180");
	}
	a.lat = 40;
	a.lon = 179.99;
	ok(geodesy_direct(&a, 90, 10000, &b, NULL) == 0 && b.lon < -179.8 &&
		b.lon >= -180,
	    "direct across the antimeridian normalises the longitude (%.6f)",
	    b.lon);
	ok(geodesy_direct(&a, 90, 2.1e7, &b, NULL) == -1,
	    "a distance beyond 20,000 km is refused");
	ok(geodesy_direct(&a, NAN, 10, &b, NULL) == -1, "NaN bearing refused");
	/* Round trip: direct then inverse. */
	a.lat = 39.99096;
	a.lon = 46.92736;
	geodesy_direct(&a, 222.2, 3300, &b, NULL);
	ok(fabs(geodesy_distance(&a, &b) - 3300) < 1e-6,
	    "direct then inverse gives the distance back");
}

static void
test_polyline(void)
{
	struct geodesy_point line[3] = { { 50, 0 }, { 50, 20 }, { 52, 25 } };
	struct geodesy_point p = { 50, 10 }, q, seg[2], x, turn[3], am[2];
	struct geodesy_nearest n;
	double best = INFINITY, d, len;
	int i, N = 30000;

	/*
	 * The geodesic from (50N, 0) to (50N, 20E) bulges north; its midpoint,
	 * by symmetry the foot from (50N, 10E):
	 *   echo "50 0 50 20" | GEOD_I -> azi1 82.307282403,
	 *   s12 1429625.278, so the midpoint is at 714812.639 m:
	 *   echo "50 0 82.307282403 714812.639138" | geod ... ->
	 *   50.432504099 10.000000000
	 *   echo "50 10 50.4325040988 10.0000000000" | GEOD_I -> 48108.827160
	 */
	ok(geodesy_polyline_distance(&p, line, 3, &n) == 0,
	    "distance from (50N,10E) to a 3-vertex polyline");
	ok(fabs(n.distance_m - 48108.827160) < 1e-3,
	    "  %.6f m = geod 48108.827160 (the geodesic, not the parallel)",
	    n.distance_m);
	ok(n.segment == 0 && fabs(n.at.lon - 10) < 1e-8 &&
		fabs(n.at.lat - 50.4325040988) < 1e-8,
	    "  foot at the geodesic's midpoint (%.10f, %.10f)", n.at.lat,
	    n.at.lon);
	ok(fabs(n.along_m - 714812.639) < 1e-2, "  along %.3f m", n.along_m);
	ok(n.side == 1, "  the point is right (south) of the eastward line");

	/* Against brute force: a 30 km segment, a point 5 km off. */
	seg[0].lat = 40.05;
	seg[0].lon = 46.95;
	seg[1].lat = 40.25;
	seg[1].lon = 47.20;
	q.lat = 40.18;
	q.lon = 47.02;
	len = geodesy_distance(&seg[0], &seg[1]);
	{
		struct geodesy_inverse inv;

		geodesy_inverse(&seg[0], &seg[1], &inv);
		for (i = 0; i <= N; i++) {
			geodesy_direct(&seg[0], inv.azi1_deg, len * i / N, &x,
			    NULL);
			d = geodesy_distance(&x, &q);
			if (d < best)
				best = d;
		}
	}
	ok(geodesy_polyline_distance(&q, seg, 2, &n) == 0 &&
		fabs(n.distance_m - best) < 1e-3 && n.distance_m <= best,
	    "foot of the perpendicular %.4f m = sampled minimum %.4f m "
	    "(1 m spacing)",
	    n.distance_m, best);
	ok(n.side == -1, "  north-west of a north-eastward segment: left");

	/* Beyond the end: the distance to the end vertex. */
	q.lat = 40.30;
	q.lon = 47.30;
	geodesy_polyline_distance(&q, seg, 2, &n);
	ok(fabs(n.distance_m - geodesy_distance(&q, &seg[1])) < 1e-6 &&
		fabs(n.along_m - len) < 1e-6,
	    "beyond the last vertex: distance to it (%.1f m)", n.distance_m);

	/* Sides at a vertex: north, then a right turn to the east. */
	turn[0].lat = 0;
	turn[0].lon = 0;
	turn[1].lat = 1;
	turn[1].lon = 0;
	turn[2].lat = 1;
	turn[2].lon = 1;
	q.lat = 1.5;
	q.lon = -0.5;
	geodesy_polyline_distance(&q, turn, 3, &n);
	ok(n.side == -1 && fabs(n.at.lat - 1) < 1e-9 && fabs(n.at.lon) < 1e-9,
	    "outside a right turn, nearest the vertex: left (bisector)");
	q.lat = 0.9;
	q.lon = 0.05;
	geodesy_polyline_distance(&q, turn, 3, &n);
	ok(n.side == 1, "inside the right turn: right");
	q = turn[1];
	geodesy_polyline_distance(&q, turn, 3, &n);
	ok(n.distance_m < 1e-6 && n.side == 0, "on the vertex: distance 0, "
	    "side 0");

	/* Across the antimeridian: echo "0.1 180 0 180" | GEOD_I. */
	am[0].lat = 0;
	am[0].lon = 179.5;
	am[1].lat = 0;
	am[1].lon = -179.5;
	q.lat = 0.1;
	q.lon = 180;
	ok(geodesy_polyline_distance(&q, am, 2, &n) == 0 &&
		fabs(n.distance_m - 11057.427695) < 1e-3 && n.side == -1,
	    "segment across ±180: %.6f m = geod 11057.427695, left",
	    n.distance_m);

	/* One vertex is a point; invalid input. */
	ok(geodesy_polyline_distance(&p, line, 1, &n) == 0 &&
		fabs(n.distance_m - geodesy_distance(&p, &line[0])) < 1e-9,
	    "one vertex: the distance to it");
	ok(geodesy_polyline_distance(&p, line, 0, &n) == -1, "no vertex: -1");
	q.lat = 95;
	ok(geodesy_polyline_distance(&q, line, 3, &n) == -1,
	    "invalid point: -1");
}

static void
test_compass(void)
{
	static const struct {
		double azi;
		const char *s, *l;
	} c[] = {
		{ 0, "N", "north" },
		{ 11.2499, "N", "north" },
		{ 11.25, "NNE", "north-north-east" },
		{ 45, "NE", "north-east" },
		{ 67.5, "ENE", "east-north-east" },
		{ 112.5, "ESE", "east-south-east" },
		{ 180, "S", "south" },
		{ 202.5, "SSW", "south-south-west" },
		{ 247.5, "WSW", "west-south-west" },
		{ 315, "NW", "north-west" },
		{ 348.74, "NNW", "north-north-west" },
		{ 348.75, "N", "north" },
		{ 359.999, "N", "north" },
		{ -45, "NW", "north-west" },
		{ 810, "E", "east" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		is_str(geodesy_compass16(c[i].azi), c[i].s, "compass %g = %s",
		    c[i].azi, c[i].s);
		is_str(geodesy_compass16_long(c[i].azi), c[i].l,
		    "  in prose: %s", c[i].l);
	}
	ok(geodesy_compass16(NAN) == NULL &&
		geodesy_compass16_long(INFINITY) == NULL,
	    "no word for a non-finite bearing");
	ok(geodesy_normalize_azimuth(-0.0) == 0 &&
		geodesy_normalize_azimuth(-1e-17) == 0 &&
		geodesy_normalize_azimuth(725) == 5,
	    "azimuths normalised to [0, 360)");
}

int
main(void)
{
	test_inverse();
	test_direct();
	test_polyline();
	test_compass();
	return done_testing();
}
