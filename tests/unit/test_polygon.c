/*
 * Unit test of geo/polygon: point-in-polygon with holes and multi-polygons,
 * points exactly on edges and vertices (inside), the antimeridian (rings
 * crossing it and rings split at it), rings around a pole, the vertex
 * limits, and rings chained from line pieces.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geodesy.h"
#include "geo/polygon.h"
#include "tap.h"

static int
in(const struct polygon_layer *l, size_t zone, double lat, double lon)
{
	struct geodesy_point p = { lat, lon };

	return polygon_layer_zone_contains(l, zone, &p);
}

static void
test_holes_edges(void)
{
	/* (lat, lon): a 10° square with a 2° hole, closed as GeoJSON. */
	static const struct geodesy_point outer[] = {
		{ 0, 0 }, { 0, 10 }, { 10, 10 }, { 10, 0 }, { 0, 0 },
	};
	static const struct geodesy_point hole[] = {
		{ 4, 4 }, { 6, 4 }, { 6, 6 }, { 4, 6 },
	};
	static const struct geodesy_point tri[] = {
		{ 0, 20 }, { 10, 30 }, { 0, 30 },
	};
	const struct geodesy_point *rings[2] = { outer, hole };
	size_t counts[2] = { 5, 4 }, z, z2, zones[4], n;
	struct polygon_layer *l = polygon_layer_new("test");
	struct geodesy_point p;
	char err[256];

	ok(l != NULL, "new layer");
	ok(polygon_layer_add_zone(l, "square", &z, err, sizeof(err)) == 0,
	    "add a zone");
	ok(polygon_layer_add_polygon(l, z, rings, counts, 2, err,
	       sizeof(err)) == 0,
	    "add a polygon with a hole");
	is_int(polygon_layer_vertex_count(l), 8,
	    "closing duplicate not counted");
	is_int(in(l, z, 2, 2), 1, "inside");
	is_int(in(l, z, 5, 5), 0, "in the hole: outside");
	is_int(in(l, z, 11, 5), 0, "beyond the square: outside");
	is_int(in(l, z, 0, 5), 1, "on an outer edge: inside");
	is_int(in(l, z, 5, 10), 1, "on the east edge: inside");
	is_int(in(l, z, 0, 0), 1, "on an outer vertex: inside");
	is_int(in(l, z, 10, 10), 1, "on the opposite vertex: inside");
	is_int(in(l, z, 4, 5), 1, "on a hole's edge: inside");
	is_int(in(l, z, 6, 6), 1, "on a hole's vertex: inside");
	is_int(in(l, z, -1e-10, 5), 1, "1e-10° outside the edge: on it");
	is_int(in(l, z, -1e-7, 5), 0, "1e-7° outside the edge: outside");
	is_int(in(l, z, 4 + 1e-7, 5), 0, "just inside the hole: outside");
	ok(polygon_layer_add_zone(l, "triangle", &z2, err, sizeof(err)) == 0,
	    "add a second zone");
	rings[0] = tri;
	counts[0] = 3;
	ok(polygon_layer_add_polygon(l, z2, rings, counts, 1, err,
	       sizeof(err)) == 0,
	    "an unclosed ring of 3 vertices is accepted");
	is_int(in(l, z2, 3.3, 23.3), 1, "on the diagonal edge: inside");
	is_int(in(l, z2, 5, 25), 1, "on the diagonal's midpoint: inside");
	is_int(in(l, z2, 5.01, 25), 0, "just above the diagonal: outside");
	is_int(in(l, z2, 4.99, 25), 1, "just below it: inside");
	/* The square and the triangle as a multi-polygon zone. */
	rings[0] = tri;
	ok(polygon_layer_add_polygon(l, z, rings, counts, 1, err,
	       sizeof(err)) == 0,
	    "second polygon in the square's zone (multi-polygon)");
	is_int(in(l, z, 2, 28), 1, "inside the multi-polygon's 2nd part");
	is_int(in(l, z, 2, 15), 0, "between the parts: outside");
	p.lat = 2;
	p.lon = 28;
	ok(polygon_layer_contains(l, &p, zones, 4, &n) == 0 && n == 2 &&
		zones[0] == z && zones[1] == z2,
	    "contains lists both zones in order");
	p.lat = 5;
	p.lon = 5;
	ok(polygon_layer_contains(l, &p, zones, 4, &n) == 0 && n == 0,
	    "the hole is in no zone");
	p.lat = NAN;
	ok(polygon_layer_contains(l, &p, zones, 4, &n) == -1 &&
		in(l, z, NAN, 0) == -1 && in(l, 99, 0, 0) == -1,
	    "invalid point or zone: -1");
	is_str(polygon_layer_zone_name(l, z2), "triangle", "zone name");
	ok(polygon_layer_zone_name(l, 7) == NULL, "no zone 7");
	polygon_layer_free(l);
}

static void
test_antimeridian(void)
{
	/* A ring crossing ±180, as one ring. */
	static const struct geodesy_point across[] = {
		{ -10, 170 }, { -10, -170 }, { 10, -170 }, { 10, 170 },
		{ -10, 170 },
	};
	/* The same area split at ±180 (RFC 7946 §3.1.9). */
	static const struct geodesy_point east[] = {
		{ -10, 170 }, { -10, 180 }, { 10, 180 }, { 10, 170 },
	};
	static const struct geodesy_point west[] = {
		{ -10, -180 }, { -10, -170 }, { 10, -170 }, { 10, -180 },
	};
	static const struct geodesy_point pole[] = {
		{ 80, 0 }, { 80, 90 }, { 80, 180 }, { 80, -90 }, { 80, 0 },
	};
	const struct geodesy_point *r[1];
	size_t c[1], z1, z2, z3;
	struct polygon_layer *l = polygon_layer_new("am");
	char err[256];

	polygon_layer_add_zone(l, "across", &z1, err, sizeof(err));
	r[0] = across;
	c[0] = 5;
	ok(polygon_layer_add_polygon(l, z1, r, c, 1, err, sizeof(err)) == 0,
	    "ring crossing the antimeridian accepted");
	is_int(in(l, z1, 0, 180), 1, "lon 180 inside");
	is_int(in(l, z1, 0, -180), 1, "lon -180 inside");
	is_int(in(l, z1, 0, 175), 1, "lon 175 inside");
	is_int(in(l, z1, 0, -175), 1, "lon -175 inside");
	is_int(in(l, z1, 0, 165), 0, "lon 165 outside");
	is_int(in(l, z1, 0, -165), 0, "lon -165 outside");
	is_int(in(l, z1, 0, 0), 0, "lon 0 outside (not the long way round)");
	is_int(in(l, z1, 10, -175), 1, "on the north edge across ±180");
	is_int(in(l, z1, 0, 535), 1, "lon 535 (= 175) inside");
	polygon_layer_add_zone(l, "split", &z2, err, sizeof(err));
	r[0] = east;
	c[0] = 4;
	polygon_layer_add_polygon(l, z2, r, c, 1, err, sizeof(err));
	r[0] = west;
	ok(polygon_layer_add_polygon(l, z2, r, c, 1, err, sizeof(err)) == 0,
	    "split at ±180: two polygons");
	is_int(in(l, z2, 0, 180), 1, "split: lon 180 on the seam, inside");
	is_int(in(l, z2, 0, -180), 1, "split: lon -180 on the seam, inside");
	is_int(in(l, z2, 0, 179.9), 1, "split: 179.9 inside");
	is_int(in(l, z2, 0, -179.9), 1, "split: -179.9 inside");
	is_int(in(l, z2, 0, -160), 0, "split: -160 outside");
	polygon_layer_add_zone(l, "pole", &z3, err, sizeof(err));
	r[0] = pole;
	c[0] = 5;
	ok(polygon_layer_add_polygon(l, z3, r, c, 1, err, sizeof(err)) == -1,
	    "a ring around the pole is refused");
	ok(strstr(err, "pole") != NULL, "  saying why: %s", err);
	polygon_layer_free(l);
}

static void
test_limits(void)
{
	struct polygon_layer *l = polygon_layer_new("limits");
	struct geodesy_point *big, two[3] = { { 0, 0 }, { 1, 1 }, { 0, 0 } };
	struct geodesy_point bad[3] = { { 0, 0 }, { 1, 1 }, { 95, 0 } };
	const struct geodesy_point *r[1];
	size_t c[1], z, i, n = POLYGON_MAX_RING_VERTICES + 1;
	char err[256], longname[POLYGON_MAX_NAME + 2];
	int rc = 0;

	polygon_layer_add_zone(l, "z", &z, err, sizeof(err));
	r[0] = two;
	c[0] = 3;
	ok(polygon_layer_add_polygon(l, z, r, c, 1, err, sizeof(err)) == -1 &&
		strstr(err, "3 distinct") != NULL,
	    "a ring of 2 distinct vertices is refused: %s", err);
	r[0] = bad;
	ok(polygon_layer_add_polygon(l, z, r, c, 1, err, sizeof(err)) == -1 &&
		strstr(err, "vertex 2") != NULL,
	    "latitude 95 refused, naming the vertex: %s", err);
	ok(polygon_layer_add_polygon(l, z, r, c, 0, err, sizeof(err)) == -1,
	    "no ring refused");
	/* A ring of 100,001 distinct vertices (a circle of points). */
	big = malloc((n + 1) * sizeof(*big));
	for (i = 0; i < n; i++) {
		big[i].lat = sin(2 * 3.141592653589793 * (double)i / n);
		big[i].lon = cos(2 * 3.141592653589793 * (double)i / n);
	}
	r[0] = big;
	c[0] = n;
	ok(polygon_layer_add_polygon(l, z, r, c, 1, err, sizeof(err)) == -1 &&
		strstr(err, "100000") != NULL,
	    "a ring above the limit is refused naming it: %s", err);
	is_int(polygon_layer_vertex_count(l), 0, "  layer unchanged");
	c[0] = POLYGON_MAX_RING_VERTICES;
	for (i = 0; i < 10; i++)
		rc |= polygon_layer_add_polygon(l, z, r, c, 1, err,
		    sizeof(err));
	ok(rc == 0 && polygon_layer_vertex_count(l) == 1000000,
	    "ten rings of 100,000 fill the layer to its limit");
	ok(polygon_layer_add_polygon(l, z, r, c, 1, err, sizeof(err)) == -1 &&
		strstr(err, "1000000") != NULL,
	    "one more is refused naming the layer limit: %s", err);
	is_int(polygon_layer_vertex_count(l), 1000000, "  layer unchanged");
	ok(in(l, z, 0, 0) == 1 && in(l, z, 0.99, 0) == 1 &&
		in(l, z, 1.01, 0) == 0,
	    "the 100,000-vertex circle works");
	free(big);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ok(polygon_layer_add_zone(l, longname, &z, err, sizeof(err)) == -1,
	    "a zone name above %d bytes is refused", POLYGON_MAX_NAME);
	ok(polygon_layer_new("") == NULL, "a layer needs a name");
	polygon_layer_free(l);
	polygon_layer_free(NULL);
}

static void
test_chain(void)
{
	/* A square boundary in three pieces, one reversed, small gaps. */
	static const struct geodesy_point a[] = { { 40, 46 }, { 40, 47 } };
	static const struct geodesy_point b[] = { { 41, 46.0001 },
		{ 41, 47 }, { 40.0001, 47 } }; /* reversed, 11 m gap */
	static const struct geodesy_point c[] = { { 41, 46 }, { 40, 46 } };
	static const struct geodesy_point far[] = { { 45, 50 }, { 46, 50 } };
	const struct geodesy_point *pieces[4] = { a, b, c, far };
	size_t counts[4] = { 2, 3, 2, 2 }, z;
	struct polygon_layer *l = polygon_layer_new("chain");
	char err[256];

	polygon_layer_add_zone(l, "square", &z, err, sizeof(err));
	ok(polygon_layer_add_chain(l, z, pieces, counts, 3, 100, err,
	       sizeof(err)) == 0,
	    "three pieces chained into a ring (snap 100 m)");
	is_int(in(l, z, 40.5, 46.5), 1, "its centre is inside");
	is_int(in(l, z, 41.5, 46.5), 0, "north of it is outside");
	ok(polygon_layer_add_chain(l, z, pieces, counts, 3, 5, err,
	       sizeof(err)) == -1 &&
		strstr(err, "snap") != NULL,
	    "an 11 m gap with a 5 m tolerance is refused: %s", err);
	ok(polygon_layer_add_chain(l, z, pieces, counts, 4, 100, err,
	       sizeof(err)) == -1 &&
		strstr(err, "piece 3") != NULL,
	    "a piece far away is refused naming it: %s", err);
	counts[0] = 2;
	ok(polygon_layer_add_chain(l, z, pieces, counts, 1, 100, err,
	       sizeof(err)) == -1,
	    "one open piece does not close");
	polygon_layer_free(l);
}

int
main(void)
{
	test_holes_edges();
	test_antimeridian();
	test_limits();
	test_chain();
	return done_testing();
}
