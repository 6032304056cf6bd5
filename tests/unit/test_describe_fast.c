/*
 * Unit test of the fast paths of describing a position against the scans
 * they replace, which must give the same answer bit for bit (incidents are
 * a function of the log, docs/fusion.md): geodesy_polyline_nearest against
 * geodesy_polyline_distance on random polylines (near the pole, across
 * ±180, with repeated vertices, long enough for many runs),
 * lines_layer_nearest against lines_layer_nearest_scan and
 * describe_reference_indexed against describe_reference on the regions'
 * data, and describe_point_with as fusion calls it against describe_point,
 * on thousands of random positions; and the lower bound
 * (geodesy_chord_bound_m) never above the geodesic. Also: the positions
 * bench/ledger/gen.awk writes (the benchmark's), two threads asking the
 * same prepared lines at once (each segment's geodesic kept by the first
 * to solve it), and the settlement rows near ±180 and the poles, where
 * the longitude window gives way to the latitude band.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/describe.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "geo/lines.h"
#include "geo/polygon.h"
#include "sim/prng.h"
#include "tap.h"

#define MAXV 400

static int same_ref(const struct describe_ref *a, const struct describe_ref *b);

static int
same_nearest(const struct geodesy_nearest *a, const struct geodesy_nearest *b)
{
	return memcmp(&a->distance_m, &b->distance_m, sizeof(double)) == 0 &&
	       memcmp(&a->at, &b->at, sizeof(a->at)) == 0 &&
	       a->segment == b->segment &&
	       memcmp(&a->along_m, &b->along_m, sizeof(double)) == 0 &&
	       a->side == b->side;
}

static double
uniform(struct prng *r, double lo, double hi)
{
	return lo + (hi - lo) * prng_uniform(r);
}

/* A random walk of n vertices from (lat, lon), steps up to step_m. */
static void
walk(struct prng *r, struct geodesy_point *v, size_t n, double lat, double lon,
     double step_m)
{
	size_t i;
	double az = uniform(r, 0, 360);

	v[0].lat = lat;
	v[0].lon = lon;
	for (i = 1; i < n; i++) {
		if (prng_below(r, 12) == 0) { /* a repeated vertex */
			v[i] = v[i - 1];
			continue;
		}
		az += uniform(r, -60, 60);
		if (geodesy_direct(&v[i - 1], az, uniform(r, 1, step_m), &v[i],
				   NULL) == -1)
			v[i] = v[i - 1];
	}
}

/* geodesy_polyline_nearest == geodesy_polyline_distance, with bounds. */
static void
test_polyline(void)
{
	static struct geodesy_point v[MAXV];
	static const struct {
		const char *where;
		double lat, lon, step_m;
	} origin[] = {
	    {"Karabakh", 40.0, 46.8, 8000},
	    {"across the antimeridian", -16.5, 179.9, 20000},
	    {"near the north pole", 89.2, 10, 15000},
	    {"on the equator", 0, 0, 300000},
	    {"short segments", 48.1, 38.0, 300},
	};
	struct geodesy_polyline *pl;
	struct geodesy_nearest ref, got;
	struct geodesy_point p;
	struct prng r;
	size_t o, t, q, n, bad = 0, badb = 0, checks = 0, bounded = 0;
	double bound, spread;
	int rc;

	prng_seed(&r, 20251129);
	for (o = 0; o < sizeof(origin) / sizeof(origin[0]); o++) {
		for (t = 0; t < 8; t++) {
			n = t == 0 ? 2 : 3 + prng_below(&r, MAXV - 3);
			walk(&r, v, n, origin[o].lat, origin[o].lon,
			     origin[o].step_m);
			if ((pl = geodesy_polyline_new(v, n)) == NULL) {
				ok(0, "prepare a polyline of %zu vertices", n);
				continue;
			}
			spread = origin[o].step_m * 4;
			for (q = 0; q < 120; q++) {
				/* Near a vertex, on a segment, or far. */
				const struct geodesy_point *a =
				    &v[prng_below(&r, n)];

				if (q % 10 == 9)
					rc = geodesy_direct(
					    a, uniform(&r, 0, 360),
					    uniform(&r, 2e5, 5e6), &p, NULL);
				else if (q % 10 == 8)
					p = *a, rc = 0;
				else
					rc = geodesy_direct(
					    a, uniform(&r, 0, 360),
					    uniform(&r, 0, spread), &p, NULL);
				if (rc == -1)
					continue;
				if (geodesy_polyline_distance(&p, v, n, &ref) ==
				    -1)
					continue;
				checks++;
				if (geodesy_polyline_nearest(pl, &p, INFINITY,
							     &got) != 0 ||
				    !same_nearest(&ref, &got)) {
					if (bad++ < 5)
						diag("%s: (%.9f, %.9f): %.9f m "
						     "seg %zu, got %.9f m seg "
						     "%zu",
						     origin[o].where, p.lat,
						     p.lon, ref.distance_m,
						     ref.segment,
						     got.distance_m,
						     got.segment);
				}
				/* A bound at, below or above the answer. */
				bound = q % 3 == 0 ? ref.distance_m
					: q % 3 == 1
					    ? ref.distance_m *
						  uniform(&r, 0.5, 0.99999)
					    : ref.distance_m *
						  uniform(&r, 1.00001, 2);
				rc = geodesy_polyline_nearest(pl, &p, bound,
							      &got);
				if (ref.distance_m <= bound) {
					bounded++;
					if (rc != 0 ||
					    !same_nearest(&ref, &got))
						badb++;
				} else if (rc != 1)
					badb++;
			}
			geodesy_polyline_free(pl);
		}
	}
	ok(checks > 4000 && bad == 0,
	   "geodesy_polyline_nearest is geodesy_polyline_distance bit for "
	   "bit (%zu points, %zu differ)",
	   checks, bad);
	ok(bounded > 1000 && badb == 0,
	   "  and with a bound: the same answer within it, 1 beyond it "
	   "(%zu wrong)",
	   badb);
	/* A longitude far out of range, as the scan takes it (mod 360). */
	walk(&r, v, 40, 40.0, 46.8, 8000);
	pl = geodesy_polyline_new(v, 40);
	p.lat = 40.05;
	p.lon = 46.85 + 360.0 * 1e6;
	ok(pl != NULL && geodesy_polyline_distance(&p, v, 40, &ref) == 0 &&
	       geodesy_polyline_nearest(pl, &p, INFINITY, &got) == 0 &&
	       same_nearest(&ref, &got),
	   "a longitude of 3.6e8 degrees: the scan's answer");
	geodesy_polyline_free(pl);
	ok(geodesy_polyline_new(v, 0) == NULL, "an empty polyline refused");
	v[1].lat = 91;
	ok(geodesy_polyline_new(v, 2) == NULL, "an invalid vertex refused");
}

/* The chord never exceeds the geodesic. */
static void
test_chord_bound(void)
{
	struct geodesy_point a, b;
	struct geodesy_ecef ea, eb;
	struct prng r;
	size_t i, bad = 0;
	double d, lb, worst = 0;

	prng_seed(&r, 7);
	for (i = 0; i < 20000; i++) {
		a.lat = uniform(&r, -90, 90);
		a.lon = uniform(&r, -180, 180);
		if (geodesy_direct(&a, uniform(&r, 0, 360),
				   i % 2 ? uniform(&r, 0, 100)
					 : uniform(&r, 0, 2e7),
				   &b, NULL) == -1)
			continue;
		geodesy_ecef_of(&a, &ea);
		geodesy_ecef_of(&b, &eb);
		d = geodesy_distance(&a, &b);
		lb = geodesy_chord_bound_m(&ea, &eb);
		if (!(lb <= d) || lb < 0)
			bad++;
		if (d < 30000 && d - lb > worst)
			worst = d - lb;
	}
	ok(bad == 0 && worst < 0.1,
	   "the chord bound is below the geodesic (%zu above), within "
	   "%.3f m of it up to 30 km",
	   bad, worst);
}

/*
 * Ties: two villages at the same point with the same population (the
 * first loaded wins), a town whose score equals theirs farther away (the
 * nearer wins), and places the rule skips.
 */
static void
test_ties(void)
{
	struct gazetteer *g = gazetteer_new();
	struct describe_index *ix;
	struct describe_ref a, b;
	struct gazetteer_place t;
	const struct gazetteer_place *first = NULL, *pl;
	struct geodesy_point c = {40.1, 46.9}, p;
	struct prng r;
	char err[256];
	size_t i, bad = 0;
	int sa, sb;

	memset(&t, 0, sizeof(t));
	t.lat = c.lat;
	t.lon = c.lon;
	t.population = 990; /* log10(1000)^2 = 9 */
	t.name = "Birinci";
	gazetteer_add(g, &t, &first, err, sizeof(err));
	t.name = "Ikinci";
	gazetteer_add(g, &t, NULL, err, sizeof(err));
	t.name = "District";
	t.kind = GAZETTEER_DISTRICT;
	t.population = 0;
	gazetteer_add(g, &t, NULL, err, sizeof(err));
	t.kind = GAZETTEER_SETTLEMENT;
	t.name = "Postal";
	t.approximate = 1;
	t.population = 5000000;
	gazetteer_add(g, &t, NULL, err, sizeof(err));
	t.approximate = 0;
	t.name = "Town";
	t.population = 99990; /* log10(100000)^2 = 25 */
	t.lat = c.lat + 0.05;
	gazetteer_add(g, &t, NULL, err, sizeof(err));
	ix = describe_index_new(g);
	ok(ix != NULL && describe_reference_indexed(ix, &c, &b) == 0 &&
	       b.place == first,
	   "a tie at the same point goes to the first loaded");
	prng_seed(&r, 3);
	for (i = 0; i < 2000; i++) {
		p.lat = c.lat + uniform(&r, -0.3, 0.4);
		p.lon = c.lon + uniform(&r, -0.3, 0.3);
		if (i % 100 == 0)
			p.lat = c.lat + 3; /* nothing within 30 km */
		sa = describe_reference(g, &p, &a);
		sb = describe_reference_indexed(ix, &p, &b);
		if (sa != sb || (sa == 0 && !same_ref(&a, &b)))
			bad++;
	}
	ok(bad == 0, "  and 2,000 points around them as the scan (%zu differ)",
	   bad);
	pl = gazetteer_place(g, 4);
	p.lat = c.lat + 0.025; /* between the villages and the town */
	ok(pl != NULL && describe_reference_indexed(ix, &p, &b) == 0 &&
	       describe_reference(g, &p, &a) == 0 && same_ref(&a, &b),
	   "  the same halfway to the town");
	describe_index_free(ix);
	gazetteer_free(g);
}

/*
 * polygon_layer_zone_contains against the scan on rings of 40 to 2,000
 * vertices (spiky stars on a grid of latitudes, so that many vertices and
 * horizontal edges share the test points' latitudes; one across ±180, one
 * with a hole), at their vertices, on their edges, on the latitudes of
 * their vertices and at random.
 */
static void
test_zones(void)
{
	enum { MAXR = 2000 };
	static struct geodesy_point ring[MAXR], hole[64];
	const struct geodesy_point *rings[2];
	size_t counts[2], n, t, q, zone, bad = 0, checks = 0, inside = 0;
	struct polygon_layer *l;
	struct geodesy_point p;
	struct prng r;
	double clat, clon, a, rad;
	char err[256];
	int sa, sb;

	prng_seed(&r, 1991);
	for (t = 0; t < 12; t++) {
		l = polygon_layer_new("stars");
		polygon_layer_add_zone(l, "star", &zone, err, sizeof(err));
		n = 40 + prng_below(&r, MAXR - 40);
		clat = t % 4 == 3 ? -20 : 40;
		clon = t % 4 == 3 ? 179.8 : 46;
		for (q = 0; q < n; q++) {
			a = 2 * 3.14159265358979 * (double)q / (double)n;
			rad = 0.2 + 0.3 * prng_uniform(&r);
			ring[q].lat = clat + round(rad * sin(a) * 200) / 200;
			ring[q].lon = clon + rad * cos(a);
			if (ring[q].lon > 180)
				ring[q].lon -= 360;
		}
		rings[0] = ring;
		counts[0] = n;
		for (q = 0; q < 64; q++) {
			a = -2 * 3.14159265358979 * (double)q / 64;
			hole[q].lat = clat + 0.05 * sin(a);
			hole[q].lon = clon + 0.05 * cos(a);
		}
		rings[1] = hole;
		counts[1] = 64;
		if (polygon_layer_add_polygon(l, zone, rings, counts,
					      t % 2 ? 2 : 1, err,
					      sizeof(err)) == -1) {
			diag("%s", err);
			bad++;
		}
		for (q = 0; q < 3000; q++) {
			const struct geodesy_point *v =
			    &ring[prng_below(&r, n)];
			const struct geodesy_point *w =
			    v == &ring[n - 1] ? &ring[0] : v + 1;
			double u = prng_uniform(&r);

			switch (q % 4) {
			case 0: /* a vertex */
				p = *v;
				break;
			case 1: /* on an edge */
				p.lat = v->lat + u * (w->lat - v->lat);
				p.lon = v->lon + u * (w->lon - v->lon);
				break;
			case 2: /* on a vertex's latitude */
				p.lat = v->lat;
				p.lon = clon + uniform(&r, -0.6, 0.6);
				break;
			default:
				p.lat = clat + uniform(&r, -0.6, 0.6);
				p.lon = clon + uniform(&r, -0.6, 0.6);
			}
			if (p.lon > 180)
				p.lon -= 360;
			sa = polygon_layer_zone_contains_scan(l, zone, &p);
			sb = polygon_layer_zone_contains(l, zone, &p);
			checks++;
			inside += sa == 1;
			if (sa != sb && bad++ < 5)
				diag("(%.12f, %.12f): scan %d, slabs %d", p.lat,
				     p.lon, sa, sb);
		}
		polygon_layer_free(l);
	}
	ok(bad == 0 && inside > checks / 4 && inside < checks,
	   "point in polygon with slabs is the scan's (%zu points, %zu "
	   "inside, %zu differ)",
	   checks, inside, bad);
}

static int
same_line(const struct lines_nearest *a, const struct lines_nearest *b)
{
	return a->feature == b->feature && a->part == b->part &&
	       same_nearest(&a->where, &b->where) &&
	       a->feature_name == b->feature_name &&
	       a->side_name == b->side_name;
}

static int
same_ref(const struct describe_ref *a, const struct describe_ref *b)
{
	return a->place == b->place &&
	       memcmp(&a->distance_m, &b->distance_m, sizeof(double)) == 0 &&
	       memcmp(&a->bearing_deg, &b->bearing_deg, sizeof(double)) == 0 &&
	       a->compass == b->compass && a->direction == b->direction &&
	       memcmp(&a->score, &b->score, sizeof(double)) == 0;
}

/* Positions over (and around) a region: uniform, near places, far. */
static void
position(struct prng *r, const struct gazetteer *g, double lat0, double lat1,
	 double lon0, double lon1, size_t i, struct geodesy_point *p)
{
	const struct gazetteer_place *pl;

	if (i % 4 == 0 && gazetteer_count(g) > 0) {
		pl = gazetteer_place(g, prng_below(r, gazetteer_count(g)));
		p->lat = pl->lat + uniform(r, -0.02, 0.02);
		p->lon = pl->lon + uniform(r, -0.02, 0.02);
		if (i % 8 == 0) { /* the place itself */
			p->lat = pl->lat;
			p->lon = pl->lon;
		}
	} else if (i % 50 == 1) { /* far from everything */
		p->lat = uniform(r, -60, 70);
		p->lon = uniform(r, -180, 180);
	} else {
		p->lat = uniform(r, lat0 - 1, lat1 + 1);
		p->lon = uniform(r, lon0 - 1, lon1 + 1);
	}
	if (p->lat > 90)
		p->lat = 90;
}

static void
test_region(const char *data, const char *region, double lat0, double lat1,
	    double lon0, double lon1, size_t npos)
{
	struct describe_result *slow = malloc(sizeof(*slow));
	struct describe_result *fast = malloc(sizeof(*fast));
	const struct polygon_layer *const *z;
	const struct lines_layer *const *ln;
	struct describe_index *ix = NULL;
	struct lines_nearest a, b;
	struct describe_ref ra, rb;
	struct geodesy_point p;
	struct layers *l;
	struct prng r;
	size_t nz, nl, i, k, zi, badl = 0, badr = 0, badw = 0, nlines = 0;
	size_t nzq = 0, badz = 0;
	char err[512];
	int sa, sb;

	if ((l = layers_load_region(data, region, err, sizeof(err))) == NULL)
		diag("%s", err);
	ok(l != NULL, "%s layers load", region);
	if (l == NULL || slow == NULL || fast == NULL)
		goto out;
	z = layers_zones(l, &nz);
	ln = layers_lines(l, &nl);
	ix = describe_index_new(layers_gazetteer(l));
	ok(ix != NULL, "  index its settlements");
	if (ix == NULL)
		goto out;
	prng_seed(&r, 1994);
	for (i = 0; i < npos; i++) {
		position(&r, layers_gazetteer(l), lat0, lat1, lon0, lon1, i,
			 &p);
		for (k = 0; k < nl; k++) {
			/* Also exactly on a line: a vertex of the layer. */
			sa = lines_layer_nearest_scan(ln[k], &p, &a);
			sb = lines_layer_nearest(ln[k], &p, &b);
			nlines++;
			if (sa != sb || (sa == 0 && !same_line(&a, &b))) {
				if (badl++ < 5)
					diag("%s (%.9f, %.9f): %.9f m, fast "
					     "%.9f m",
					     lines_layer_name(ln[k]), p.lat,
					     p.lon, a.where.distance_m,
					     b.where.distance_m);
			}
			if (i % 16 == 5 && sa == 0) {
				struct geodesy_point on = a.where.at;

				sa = lines_layer_nearest_scan(ln[k], &on, &a);
				sb = lines_layer_nearest(ln[k], &on, &b);
				nlines++;
				if (sa != sb || (sa == 0 && !same_line(&a, &b)))
					badl++;
			}
		}
		for (k = 0; k < nz; k++)
			for (zi = 0; zi < polygon_layer_zone_count(z[k]);
			     zi++) {
				nzq++;
				if (polygon_layer_zone_contains_scan(z[k], zi,
								     &p) !=
				    polygon_layer_zone_contains(z[k], zi, &p))
					badz++;
			}
		sa = describe_reference(layers_gazetteer(l), &p, &ra);
		sb = describe_reference_indexed(ix, &p, &rb);
		if (sa != sb || (sa == 0 && !same_ref(&ra, &rb))) {
			if (badr++ < 5)
				diag("reference at (%.9f, %.9f): %s %.9f m, "
				     "fast %s %.9f m",
				     p.lat, p.lon,
				     sa == 0 ? ra.place->name : "-",
				     ra.distance_m,
				     sb == 0 ? rb.place->name : "-",
				     rb.distance_m);
		}
		/* The words fusion takes: zones, the first line, the text. */
		sa = describe_point(layers_gazetteer(l), z, nz, ln, nl, &p,
				    slow, err, sizeof(err));
		sb = describe_point_with(
		    layers_gazetteer(l), ix,
		    DESCRIBE_FIRST_LINE | DESCRIBE_NO_NEAREST, z, nz, ln, nl,
		    &p, fast, err, sizeof(err));
		if (sa != sb ||
		    (sa == 0 &&
		     (strcmp(slow->text, fast->text) != 0 ||
		      slow->nzones != fast->nzones ||
		      memcmp(slow->zones, fast->zones,
			     slow->nzones * sizeof(slow->zones[0])) != 0 ||
		      slow->have_reference != fast->have_reference ||
		      (slow->have_reference &&
		       !same_ref(&slow->reference, &fast->reference)) ||
		      (slow->nlines > 0) != (fast->nlines == 1) ||
		      (slow->nlines > 0 &&
		       (slow->lines[0].layer != fast->lines[0].layer ||
			!same_line(&slow->lines[0].nearest,
				   &fast->lines[0].nearest))) ||
		      fast->have_nearest)))
			badw++;
	}
	ok(badl == 0,
	   "  lines_layer_nearest is the scan's answer bit for bit (%zu "
	   "questions, %zu differ)",
	   nlines, badl);
	ok(badz == 0 && nzq > 0,
	   "  polygon_layer_zone_contains is the scan's (%zu questions, "
	   "%zu differ)",
	   nzq, badz);
	ok(badr == 0,
	   "  describe_reference_indexed is describe_reference's (%zu "
	   "positions, %zu differ)",
	   npos, badr);
	ok(badw == 0,
	   "  describe_point_with gives describe_point's words (%zu differ)",
	   badw);
	/* A gazetteer that gained places is scanned, not misread. */
	{
		struct gazetteer_place t;
		const struct gazetteer_place *added;

		memset(&t, 0, sizeof(t));
		t.name = "Test Hamlet";
		t.lat = p.lat =
		    gazetteer_place(layers_gazetteer(l), 0)->lat + 0.001;
		t.lon = p.lon = gazetteer_place(layers_gazetteer(l), 0)->lon;
		t.population = 5000000;
		ok(gazetteer_add(layers_gazetteer(l), &t, &added, err,
				 sizeof(err)) == 0 &&
		       describe_reference_indexed(ix, &p, &rb) == 0 &&
		       rb.place == added,
		   "  a place added after the index is found");
	}
out:
	describe_index_free(ix);
	layers_free(l);
	free(slow);
	free(fast);
}

/* Two threads asking the same prepared polylines: the scan's answers. */
struct ask_share {
	struct geodesy_polyline *pl;
	const struct geodesy_point *v;
	size_t n;
	uint64_t seed;
	size_t bad, asked;
};

static void *
ask_many(void *arg)
{
	struct ask_share *a = arg;
	struct geodesy_nearest ref, got;
	struct geodesy_point p;
	struct prng r;
	size_t q;

	prng_seed(&r, a->seed);
	for (q = 0; q < 400; q++) {
		if (geodesy_direct(&a->v[prng_below(&r, a->n)],
			uniform(&r, 0, 360), uniform(&r, 0, 40000), &p,
			NULL) == -1 ||
		    geodesy_polyline_distance(&p, a->v, a->n, &ref) == -1)
			continue;
		a->asked++;
		if (geodesy_polyline_nearest(a->pl, &p, INFINITY, &got) != 0 ||
		    !same_nearest(&ref, &got))
			a->bad++;
	}
	return NULL;
}

static void
test_threads(void)
{
	static struct geodesy_point v[MAXV];
	struct ask_share a[2];
	struct geodesy_polyline *pl;
	pthread_t t;
	struct prng r;
	int two;

	prng_seed(&r, 2020);
	walk(&r, v, 300, 40.0, 46.8, 5000);
	pl = geodesy_polyline_new(v, 300);
	ok(pl != NULL, "a polyline of 300 vertices for two threads");
	if (pl == NULL)
		return;
	a[0] = (struct ask_share){ pl, v, 300, 1, 0, 0 };
	a[1] = (struct ask_share){ pl, v, 300, 1, 0, 0 }; /* the same points */
	two = pthread_create(&t, NULL, ask_many, &a[1]) == 0;
	ask_many(&a[0]);
	if (two)
		pthread_join(t, NULL);
	ok(two && a[0].asked > 300 && a[0].bad == 0 && a[1].bad == 0,
	    "  both threads get the scan's answers, bit for bit (%zu + %zu "
	    "points, %zu + %zu differ)",
	    a[0].asked, a[1].asked, a[0].bad, a[1].bad);
	geodesy_polyline_free(pl);
}

/*
 * describe_reference_indexed against describe_reference around places
 * where the longitude window of the rows cannot be used (a pole, ±180)
 * or barely can (high latitudes), and at a middle latitude.
 */
static void
test_rows(void)
{
	static const struct {
		const char *where;
		double lat, lon;
	} spot[] = {
		{ "near the antimeridian", 64.9, 179.85 },
		{ "west of it", -41.2, -179.9 },
		{ "near the north pole", 88.95, 20 },
		{ "at 80 N", 80.0, 15 },
		{ "in the Caucasus", 40.0, 46.5 },
	};
	struct gazetteer *g = gazetteer_new();
	struct describe_index *ix;
	struct describe_ref a, b;
	struct gazetteer_place t;
	struct geodesy_point p;
	struct prng r;
	char err[256], name[32];
	size_t i, k, bad = 0, found = 0;
	int sa, sb;

	prng_seed(&r, 1901);
	memset(&t, 0, sizeof(t));
	for (k = 0; k < sizeof(spot) / sizeof(spot[0]); k++)
		for (i = 0; i < 150; i++) {
			snprintf(name, sizeof(name), "P%zu-%zu", k, i);
			t.name = name;
			t.lat = fmin(90, spot[k].lat + uniform(&r, -0.6, 0.6));
			t.lon = spot[k].lon + uniform(&r, -1.5, 1.5);
			if (t.lon > 180)
				t.lon -= 360;
			else if (t.lon < -180)
				t.lon += 360;
			t.population = prng_below(&r, 4) == 0
			    ? 0
			    : (int64_t)prng_below(&r, 200000);
			gazetteer_add(g, &t, NULL, err, sizeof(err));
		}
	ix = describe_index_new(g);
	ok(ix != NULL, "an index of 750 settlements at five spots");
	for (i = 0; ix != NULL && i < 3000; i++) {
		k = i % (sizeof(spot) / sizeof(spot[0]));
		p.lat = fmin(90, spot[k].lat + uniform(&r, -0.9, 0.9));
		p.lon = spot[k].lon + uniform(&r, -2, 2);
		if (p.lon > 180)
			p.lon -= 360;
		else if (p.lon < -180)
			p.lon += 360;
		sa = describe_reference(g, &p, &a);
		sb = describe_reference_indexed(ix, &p, &b);
		found += sa == 0 && a.distance_m <= DESCRIBE_SEARCH_M;
		if (sa != sb || (sa == 0 && !same_ref(&a, &b))) {
			if (bad++ < 5)
				diag("%s (%.9f, %.9f): %s, rows %s",
				    spot[k].where, p.lat, p.lon,
				    sa == 0 ? a.place->name : "-",
				    sb == 0 ? b.place->name : "-");
		}
	}
	ok(bad == 0 && found > 1500,
	    "  describe_reference_indexed is describe_reference's there "
	    "(3,000 points, %zu within the radius, %zu differ)",
	    found, bad);
	describe_index_free(ix);
	gazetteer_free(g);
}

/*
 * The positions bench/ledger/gen.awk writes (k = 0, 1, ...: latitude
 * 39 + (7919 k mod 1e6) / 1e6, longitude 46 + (104729 k mod 1e6) / 1e6):
 * every line layer, the reference and fusion's words as the scans give
 * them.
 */
static void
test_genawk(const char *data)
{
	struct describe_result *slow = malloc(sizeof(*slow));
	struct describe_result *fast = malloc(sizeof(*fast));
	const struct polygon_layer *const *z;
	const struct lines_layer *const *ln;
	struct describe_index *ix = NULL;
	struct lines_nearest a, b;
	struct geodesy_point p;
	struct layers *l;
	size_t nz, nl, i, k, bad = 0, badw = 0, asked = 0;
	char err[512];
	int sa, sb;

	l = layers_load_region(data, "karabakh", err, sizeof(err));
	ix = l != NULL ? describe_index_new(layers_gazetteer(l)) : NULL;
	ok(ix != NULL && slow != NULL && fast != NULL,
	    "karabakh for gen.awk's positions");
	if (ix == NULL || slow == NULL || fast == NULL)
		goto out;
	z = layers_zones(l, &nz);
	ln = layers_lines(l, &nl);
	for (i = 0; i < 1000; i++) {
		p.lat = 39 + (double)((uint64_t)i * 7919 % 1000000) / 1e6;
		p.lon = 46 + (double)((uint64_t)i * 104729 % 1000000) / 1e6;
		for (k = 0; k < nl; k++) {
			sa = lines_layer_nearest_scan(ln[k], &p, &a);
			sb = lines_layer_nearest(ln[k], &p, &b);
			asked++;
			if (sa != sb || (sa == 0 && !same_line(&a, &b)))
				bad++;
		}
		sa = describe_point(layers_gazetteer(l), z, nz, ln, nl, &p, slow,
		    err, sizeof(err));
		sb = describe_point_with(layers_gazetteer(l), ix,
		    DESCRIBE_FIRST_LINE | DESCRIBE_NO_NEAREST, z, nz, ln, nl,
		    &p, fast, err, sizeof(err));
		if (sa != sb ||
		    (sa == 0 &&
			(strcmp(slow->text, fast->text) != 0 ||
			    slow->nzones != fast->nzones ||
			    slow->have_reference != fast->have_reference ||
			    (slow->have_reference &&
				!same_ref(&slow->reference, &fast->reference)) ||
			    (slow->nlines > 0 &&
				!same_line(&slow->lines[0].nearest,
				    &fast->lines[0].nearest)))))
			badw++;
	}
	ok(bad == 0 && badw == 0,
	    "  1,000 of them: every line layer the scan's (%zu questions, "
	    "%zu differ), the words describe_point's (%zu differ)",
	    asked, bad, badw);
out:
	describe_index_free(ix);
	layers_free(l);
	free(slow);
	free(fast);
}

/* describe_format_distance as it was written, with snprintf. */
static int
format_printf(double m, char *buf, size_t len)
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
		r = round(m / 100) / 10;
		if (r == floor(r))
			w = snprintf(buf, len, "%.0f km", r);
		else
			w = snprintf(buf, len, "%.1f km", r);
	} else {
		w = snprintf(buf, len, "%.0f km", round(m / 1000));
	}
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

/*
 * The distance and the relative description built without snprintf: the
 * same bytes and return value as snprintf's, for every whole and tenth
 * metre to 30 km, the rounding boundaries, random distances to 1e300, -0,
 * and buffers too short by any number of bytes.
 */
static void
test_format(void)
{
	static const double edge[] = { 0, -0.0, 4.999999, 5, 94.999999, 95,
		949.999999, 950, 9949.999999, 9950, 9999.5, 1e15 * 1000 - 1,
		1e15 * 1000, 2e7, 1e300, 0.04999 };
	struct gazetteer_place pl;
	struct describe_ref ref;
	char a[48], b[48];
	struct prng r;
	size_t i, len, bad = 0, checks = 0, badr = 0;
	double m;
	int ra, rb;

	for (i = 0; i < 300000 + sizeof(edge) / sizeof(edge[0]) + 20000;
	     i++) {
		if (i < 300000)
			m = (double)i / 10;
		else if (i < 300000 + sizeof(edge) / sizeof(edge[0]))
			m = edge[i - 300000];
		else
			m = pow(10, (double)(i % 300)) * (double)(i % 977) / 977;
		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		ra = format_printf(m, a, sizeof(a));
		rb = describe_format_distance(m, b, sizeof(b));
		checks++;
		if (ra != rb || memcmp(a, b, sizeof(a)) != 0) {
			if (bad++ < 5)
				diag("%.17g: \"%s\" (%d), got \"%s\" (%d)", m,
				    a, ra, b, rb);
		}
	}
	ok(bad == 0, "describe_format_distance writes snprintf's bytes (%zu "
	    "distances, %zu differ)", checks, bad);
	memset(&pl, 0, sizeof(pl));
	pl.name = "Ağdam";
	memset(&ref, 0, sizeof(ref));
	ref.place = &pl;
	ref.direction = "north-north-east";
	prng_seed(&r, 11);
	for (i = 0; i < 4000; i++) {
		ref.distance_m = i % 5 == 0 ? uniform(&r, 0, 150)
					    : uniform(&r, 0, 40000);
		len = 1 + prng_below(&r, 40);
		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		if (ref.distance_m < DESCRIBE_IN_M)
			ra = snprintf(a, len, "in %s", pl.name);
		else {
			char d[32];

			format_printf(ref.distance_m, d, sizeof(d));
			ra = snprintf(a, len, "%s %s of %s", d, ref.direction,
			    pl.name);
		}
		ra = (ra < 0 || (size_t)ra >= len) ? -1 : 0;
		rb = describe_relative(&ref, b, len);
		if (ra != rb || memcmp(a, b, sizeof(a)) != 0)
			badr++;
	}
	ok(badr == 0, "  describe_relative writes snprintf's bytes into "
	    "buffers of 1 to 40 bytes (4,000 texts, %zu differ)", badr);
}

int
main(void)
{
	char data[1024];
	const char *top = getenv("TRUCE_TOP");

	test_chord_bound();
	test_polyline();
	test_ties();
	test_zones();
	snprintf(data, sizeof(data), "%s/data", top ? top : ".");
	test_region(data, "karabakh", 38.4, 41.9, 43.4, 50.4, 3000);
	test_region(data, "donbas", 46.8, 50.1, 36.5, 40.3, 1500);
	test_threads();
	test_rows();
	test_format();
	test_genawk(data);
	describe_index_free(NULL);
	geodesy_polyline_free(NULL);
	return done_testing();
}
