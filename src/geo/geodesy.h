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
int geodesy_inverse(const struct geodesy_point *a, const struct geodesy_point *b,
    struct geodesy_inverse *out);

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
	double distance_m;	     /* geodesic distance point - polyline */
	struct geodesy_point at;     /* the nearest point on the polyline */
	size_t segment;		     /* index i of the segment (v[i], v[i+1]) */
	double along_m;		     /* distance from v[segment] to `at` */
	int side;		     /* +1 right of the line's direction of
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
