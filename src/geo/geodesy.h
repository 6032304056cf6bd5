/*
 * geodesy: distances, bearings and the direct problem on the WGS84
 * ellipsoid, the distance from a point to a polyline of geodesic segments,
 * and the 16-point compass words of monitoring reports.
 *
 * Follows Karney, "Algorithms for geodesics", J. Geodesy 87 (2013), through
 * PROJ's geodesic.h (accurate to about 15 nm anywhere on the ellipsoid).
 * Angles are degrees, lengths metres; azimuths are clockwise from true north
 * in [0, 360). Latitudes must lie in [-90, 90] and every value be finite:
 * anything else is refused with -1 (no logging: the caller names the field).
 *
 * Pure: no I/O, no globals besides the constant ellipsoid; thread-safe.
 * docs/geography.md explains the methods and their accuracy.
 */
#ifndef TRUCE_GEODESY_H
#define TRUCE_GEODESY_H

#include <stddef.h>

/* WGS84, as in EPSG:4326 (and PROJ's +ellps=WGS84). */
#define GEODESY_WGS84_A 6378137.0
#define GEODESY_WGS84_F (1 / 298.257223563)

/* A position; held by callers, so not opaque. */
struct geodesy_point {
	double lat; /* degrees, -90..90 */
	double lon; /* degrees; any finite value, taken modulo 360 */
};

/* The inverse problem's answer: point 1 to point 2. */
struct geodesy_inverse {
	double distance_m; /* length of the shortest geodesic */
	double azi1_deg;   /* initial bearing at point 1, [0, 360) */
	double azi2_deg;   /* final bearing (forward) at point 2, [0, 360) */
};

/*
 * Solves the inverse problem from a to b into *out. Returns -1 (out
 * untouched) if a coordinate is not finite or a latitude is outside
 * [-90, 90]. For coincident points the distance is 0 and the azimuths those
 * PROJ returns (0 for identical points off the poles). Cost: about 1 µs.
 */
int geodesy_inverse(const struct geodesy_point *a,
    const struct geodesy_point *b, struct geodesy_inverse *out);

/*
 * Geodesic distance from a to b in metres, or -1 if either point is invalid
 * (as for geodesy_inverse).
 */
double geodesy_distance(const struct geodesy_point *a,
    const struct geodesy_point *b);

/*
 * Solves the direct problem: from `from`, travel distance_m along the
 * geodesic whose initial bearing is azi_deg; writes the end point into *to
 * (longitude normalised to [-180, 180)) and, if azi2_deg is not NULL, the
 * forward bearing there. distance_m may be negative (travel backwards) and
 * must be at most 20,000 km in magnitude. Returns -1 (outputs untouched) for
 * invalid input.
 */
int geodesy_direct(const struct geodesy_point *from, double azi_deg,
    double distance_m, struct geodesy_point *to, double *azi2_deg);

/* Where a polyline comes nearest to a point. */
struct geodesy_nearest {
	double distance_m;	 /* geodesic distance point - polyline */
	struct geodesy_point at; /* the nearest point on the polyline */
	size_t segment;		 /* index i of the segment (v[i], v[i+1]) */
	double along_m;		 /* distance from v[segment] to `at` */
	int side;		 /* +1 right of the line's direction of
				      * digitisation, -1 left, 0 on it */
};

/*
 * Distance from p to the polyline v[0..n-1], whose segments are geodesics.
 * n >= 1 (one vertex is a point). Method: every segment whose planar
 * (equirectangular, centred at p) distance is within 10 % + 1 km of the
 * planar best is solved exactly by iterating on the segment's geodesic:
 * from a point X on it, the along-track correction to the foot of the
 * perpendicular is that of the sphere, R atan2(sin(d/R) cos t, cos(d/R)), d
 * and t the distance and angle from X to p; it converges to 0.1 mm within a
 * few iterations (at most 50), the foot clamped to the segment's ends. When
 * the planar best is beyond 200 km every segment is solved exactly. `side`
 * at a vertex uses the bisector of the two segments' bearings. Returns -1
 * (out untouched) for n == 0, an invalid coordinate or p itself invalid.
 * Cost: O(n) cheap tests + a few geodesic problems per retained segment.
 */
int geodesy_polyline_distance(const struct geodesy_point *p,
    const struct geodesy_point *v, size_t n, struct geodesy_nearest *out);

/*
 * Lower bounds for pruning (the bbox-then-exact filtering of PostGIS's
 * ST_DWithin, the ball bounds of metric trees), with the geodesic as the
 * metric. A point's geocentric (ECEF) position on the WGS84 ellipsoid,
 * height 0, in metres: the straight line is the shortest path in space, so
 * the chord |A − B| is a lower bound of the geodesic distance (of any path
 * on the surface); it is short of it by about s³ / 24R², 3 cm at 30 km.
 * geodesy_chord_bound_m returns the chord less 1e-9 of it and 0.1 mm,
 * which covers the rounding of the coordinates (~1e-9 m) and PROJ's error
 * (~15 nm) many times over: it is never above the distance geodesy_inverse
 * computes.
 */
struct geodesy_ecef {
	double x, y, z;
};

/* p's geocentric position into *e (p valid). */
void geodesy_ecef_of(const struct geodesy_point *p, struct geodesy_ecef *e);

/* A lower bound of the geodesic distance between a and b, metres (>= 0). */
double geodesy_chord_bound_m(const struct geodesy_ecef *a,
    const struct geodesy_ecef *b);

/*
 * A polyline prepared for repeated nearest-point questions: the vertices
 * (copied), their geocentric positions, each segment's length, bearings at
 * both ends and the half-width of the spindle that holds it (below), and
 * per run of GEODESY_CHUNK segments the latitude/longitude box of its
 * vertices and a ball (a vertex and a radius that holds every point of the
 * run's geodesics). Each segment's geodesic line (PROJ's
 * geod_inverseline) is kept the first time a question solves the segment
 * (about 580 bytes, at most 65,536 segments per polyline), published
 * atomically: questions may come from several threads at once. NULL if n
 * is 0, a vertex is invalid or memory runs out. Cost: n geodesic problems
 * once. Free with geodesy_polyline_free.
 */
#define GEODESY_CHUNK 16
struct geodesy_polyline;
struct geodesy_polyline *geodesy_polyline_new(const struct geodesy_point *v,
    size_t n);

/* Frees pl; NULL does nothing. */
void geodesy_polyline_free(struct geodesy_polyline *pl);

/*
 * geodesy_polyline_distance(p, v, n) on the prepared polyline, the same
 * answer bit for bit, for a point near the line at the cost of a few
 * segments instead of all. When that answer's distance is at most `bound`
 * (INFINITY: always) it is written into *out and 0 returned; when it is
 * larger, 1 is returned and out untouched. -1 if p is invalid.
 *
 * How: geodesy_polyline_distance solves the segments whose planar estimate
 * is within 10 % + 1 km of the smallest planar estimate (the set S), and
 * keeps the first nearest. Here the smallest planar estimate is found with
 * each run's box (a rigorous lower bound of the planar estimates of its
 * segments) skipping runs that cannot hold it; then a segment is solved
 * only if it is in S and the lower bound of its geodesic distance is not
 * above the best so far or `bound` (the run's ball first, then the
 * segment's). In space, a geodesic segment ab of length L lies in the
 * spindle {q : |q − a| + |q − b| <= L} (each point is within its arc
 * length of either end), which lies within h = √(L² − |a − b|²) / 2 of the
 * chord ab (2 m for a 10 km segment): the distance from p to the segment
 * is at least its distance in space to the chord, less h. Every segment
 * skipped is strictly farther than the answer, and ties go to the lower
 * index as there, so the answer is the same; the side is computed once,
 * for it. A segment solved runs the scan's iteration on the kept geodesic
 * line (the same line: geod_inverseline is a function of its arguments),
 * and a geodesic from a point of the line to p met twice in one question
 * (the vertex two segments share, the foot the side is taken at) is
 * solved once; the bearings at an inner vertex are the kept ones. A point
 * whose longitude is beyond ±720° (the boxes' arithmetic would lose
 * digits) is answered by the scan.
 */
int geodesy_polyline_nearest(const struct geodesy_polyline *pl,
    const struct geodesy_point *p, double bound, struct geodesy_nearest *out);

/*
 * A point asked of many prepared polylines (every part of a line layer):
 * the point, its geocentric position and the cosine of its latitude,
 * computed once by geodesy_question_init. Held by callers, so not opaque.
 */
struct geodesy_question {
	struct geodesy_point p;
	struct geodesy_ecef e;
	double coslat;
};

/* Prepares *q for p. -1 (q untouched) if p is invalid. */
int geodesy_question_init(struct geodesy_question *q,
    const struct geodesy_point *p);

/*
 * geodesy_polyline_nearest(pl, &q->p, bound, out), q prepared by
 * geodesy_question_init: the same answer, the point's constants not
 * computed again. -1 if an argument is NULL or bound is NaN.
 */
int geodesy_polyline_nearest_to(const struct geodesy_polyline *pl,
    const struct geodesy_question *q, double bound,
    struct geodesy_nearest *out);

/*
 * The 16-point compass word of a bearing (any finite value, taken modulo
 * 360): "N", "NNE", "NE", … "NNW"; each sector is 22.5° wide and centred on
 * its direction (N covers [348.75, 11.25)). NULL if azi_deg is not finite.
 */
const char *geodesy_compass16(double azi_deg);

/*
 * The same in prose, as OSCE SMM reports write it: "north", "north-north-
 * east", "north-east", "east-north-east", … NULL if azi_deg is not finite.
 */
const char *geodesy_compass16_long(double azi_deg);

/* azi_deg reduced to [0, 360); NaN stays NaN. */
double geodesy_normalize_azimuth(double azi_deg);

#endif
