/*
 * Unit test of geo/lines: line layers, the nearest line over features and
 * parts, side names, the limits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geodesy.h"
#include "geo/lines.h"
#include "tap.h"

/*
 * The part prefilter never changes the answer: 150 short random parts (a
 * border drawn in pieces, some across ±180) against the minimum over all
 * parts solved one by one, for 400 points near and far.
 */
static void
test_many_parts(void)
{
	enum { NPARTS = 150, PLEN = 6, NQ = 400 };
	static struct geodesy_point parts[NPARTS][PLEN];
	struct lines_layer *l = lines_layer_new("pieces");
	struct geodesy_nearest g;
	struct lines_nearest r;
	struct geodesy_point p;
	unsigned int seed = 4242;
	size_t i, k, f, bad = 0;
	double best;
	char err[256];

#define RND() ((seed = seed * 1103515245u + 12345u), \
	(double)(seed >> 8) / (1u << 24))
	for (i = 0; i < NPARTS; i++) {
		double lat = 38 + 4 * RND(), lon = 44 + 4 * RND();

		if (i % 10 == 0) {
			lat = -10 + 20 * RND();
			lon = 179.5 + RND();
		}
		for (k = 0; k < PLEN; k++) {
			parts[i][k].lat = lat;
			parts[i][k].lon = lon > 180 ? lon - 360 : lon;
			lat += 0.05 * (RND() - 0.5);
			lon += 0.05 * RND();
		}
		lines_layer_add_feature(l, "piece", NULL, NULL, &f, err,
		    sizeof(err));
		lines_layer_add_part(l, f, parts[i], PLEN, err, sizeof(err));
	}
	for (i = 0; i < NQ; i++) {
		p.lat = i % 4 == 3 ? -15 + 30 * RND() : 37 + 6 * RND();
		p.lon = i % 4 == 3 ? 178 + 4 * RND() : 43 + 6 * RND();
		if (p.lon > 180)
			p.lon -= 360;
		best = INFINITY;
		for (k = 0; k < NPARTS; k++)
			if (geodesy_polyline_distance(&p, parts[k], PLEN, &g) ==
				0 &&
			    g.distance_m < best)
				best = g.distance_m;
		if (lines_layer_nearest(l, &p, &r) == -1 ||
		    fabs(r.where.distance_m - best) > 1e-6) {
			diag("(%g, %g): layer %.3f, brute %.3f", p.lat, p.lon,
			    r.where.distance_m, best);
			bad++;
		}
	}
#undef RND
	is_int(bad, 0, "nearest over 150 parts = brute force, %d points", NQ);
	lines_layer_free(l);
}

int
main(void)
{
	/* Two eastward lines along 40N and 41N, the second in two parts. */
	struct geodesy_point south[] = { { 40, 46 }, { 40, 47 } };
	struct geodesy_point n1[] = { { 41, 46 }, { 41, 46.5 } };
	struct geodesy_point n2[] = { { 41, 46.5 }, { 41, 47 } };
	struct geodesy_point bad[] = { { 41, 46 }, { 91, 46 } };
	struct geodesy_point p, *many;
	struct lines_layer *l = lines_layer_new("test_lines");
	struct lines_nearest r;
	size_t fs, fn, i;
	char err[256];

	ok(l != NULL, "new layer");
	ok(lines_layer_nearest(l, &south[0], &r) == -1, "empty layer: -1");
	ok(lines_layer_add_feature(l, "south line", "North side",
	       "South side", &fs, err, sizeof(err)) == 0 &&
		lines_layer_add_part(l, fs, south, 2, err, sizeof(err)) == 0,
	    "a feature with named sides");
	ok(lines_layer_add_feature(l, "north line", NULL, "", &fn, err,
	       sizeof(err)) == 0 &&
		lines_layer_add_part(l, fn, n1, 2, err, sizeof(err)) == 0 &&
		lines_layer_add_part(l, fn, n2, 2, err, sizeof(err)) == 0,
	    "a feature of two parts, sides unnamed");
	is_int(lines_layer_vertex_count(l), 6, "6 vertices");
	p.lat = 40.1;
	p.lon = 46.5;
	ok(lines_layer_nearest(l, &p, &r) == 0 && r.feature == fs,
	    "40.1N: the south line is nearest");
	/* echo "40.1 46.5 40 46.5" | geod -I: 11103.559 m on the meridian; the
	 * geodesic along 40N bulges north by ~1 km at 46.5E. */
	ok(r.where.distance_m > 10000 && r.where.distance_m < 11104,
	    "  distance %.1f m (the geodesic bulges north of 40N)",
	    r.where.distance_m);
	ok(r.where.side == -1 && strcmp(r.side_name, "North side") == 0,
	    "  left of the eastward line, named by the feature");
	is_str(r.feature_name, "south line", "  feature name");
	p.lat = 40.9;
	p.lon = 46.8;
	ok(lines_layer_nearest(l, &p, &r) == 0 && r.feature == fn &&
		r.part == 1,
	    "40.9N 46.8E: the north line's second part");
	ok(r.where.side == 1 && r.side_name == NULL,
	    "  right, and that side has no name");
	ok(lines_layer_add_part(l, fn, bad, 2, err, sizeof(err)) == -1 &&
		strstr(err, "point 1") != NULL,
	    "latitude 91 refused naming the point: %s", err);
	ok(lines_layer_add_part(l, fn, bad, 1, err, sizeof(err)) == -1,
	    "a part of one point refused");
	ok(lines_layer_add_part(l, 9, south, 2, err, sizeof(err)) == -1,
	    "no feature 9");
	many = calloc(LINES_MAX_PART_VERTICES + 1, sizeof(*many));
	for (i = 0; i <= LINES_MAX_PART_VERTICES; i++) {
		many[i].lat = 30;
		many[i].lon = 30 + (double)i * 1e-5;
	}
	ok(lines_layer_add_part(l, fn, many, LINES_MAX_PART_VERTICES + 1,
	       err, sizeof(err)) == -1 &&
		strstr(err, "100000") != NULL,
	    "a part above the limit refused naming it: %s", err);
	ok(lines_layer_add_part(l, fn, many, LINES_MAX_PART_VERTICES, err,
	       sizeof(err)) == 0,
	    "a part at the limit accepted");
	is_int(lines_layer_vertex_count(l), 100006, "vertex count");
	free(many);
	ok(lines_layer_add_feature(l, "", NULL, NULL, &fn, err, sizeof(err)) ==
		-1,
	    "a line needs a name");
	p.lat = NAN;
	ok(lines_layer_nearest(l, &p, &r) == -1, "invalid point: -1");
	lines_layer_free(l);
	lines_layer_free(NULL);
	test_many_parts();
	return done_testing();
}
