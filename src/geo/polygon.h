/*
 * polygon: zones as multi-polygons with holes, and the point-in-polygon
 * test that says which zones a position lies in ("the 1994–2020 area", a
 * country, a buffer zone).
 *
 * Follows the GeoJSON model (RFC 7946 §3.1.6–3.1.7): a polygon is an outer
 * ring and zero or more holes; a zone is a multi-polygon; an edge is a
 * straight line in longitude/latitude (RFC 7946 §3.1.1), which is how the
 * Natural Earth data were drawn. Rules, documented in docs/geography.md:
 *
 *  - A point on an edge or a vertex is inside ("on the line" counts as in
 *    the zone), also on the edge of a hole. "On" means within
 *    POLYGON_ON_EDGE_DEG of it (about 0.1 mm).
 *  - Antimeridian: each ring's longitudes are unwrapped when it is added
 *    (consecutive vertices never jump by more than 180°), so a ring that
 *    crosses ±180 is one continuous ring; the test point's longitude is
 *    shifted by ±360° into the ring's longitude range. Rings split at ±180
 *    (RFC 7946 §3.1.9) work as well. A ring that encircles a pole is refused.
 *  - Rings may be given closed (last vertex = first) or not; at least three
 *    distinct vertices. Holes are assumed to lie inside their outer ring (not
 *    checked).
 *  - Limits: POLYGON_MAX_RING_VERTICES per ring, POLYGON_MAX_LAYER_VERTICES
 *    per layer, POLYGON_MAX_RINGS per polygon, POLYGON_MAX_ZONES per layer,
 *    names up to POLYGON_MAX_NAME bytes. Exceeding one is an error naming it.
 *
 * Pure: no I/O. Coordinates come as struct geodesy_point (geo/geodesy.h).
 */
#ifndef TRUCE_POLYGON_H
#define TRUCE_POLYGON_H

#include <stddef.h>

#define POLYGON_MAX_RING_VERTICES 100000
#define POLYGON_MAX_LAYER_VERTICES 1000000
#define POLYGON_MAX_RINGS 10000
#define POLYGON_MAX_ZONES 10000
#define POLYGON_MAX_PIECES 10000
#define POLYGON_MAX_NAME 128
#define POLYGON_ON_EDGE_DEG 1e-9

struct geodesy_point;
struct polygon_layer;

/*
 * A new empty layer called name (1..POLYGON_MAX_NAME bytes, copied). NULL if
 * out of memory or the name is empty or too long. Free with
 * polygon_layer_free.
 */
struct polygon_layer *polygon_layer_new(const char *name);

/* Frees the layer and everything in it; NULL does nothing. */
void polygon_layer_free(struct polygon_layer *l);

/* The layer's name (owned by the layer). */
const char *polygon_layer_name(const struct polygon_layer *l);

/*
 * Adds an empty zone called zone_name (1..POLYGON_MAX_NAME bytes, copied)
 * and writes its index into *zone. Zone names need not be unique. Returns
 * -1 with a message in err if the name is invalid, POLYGON_MAX_ZONES is
 * reached or memory runs out.
 */
int polygon_layer_add_zone(struct polygon_layer *l, const char *zone_name,
    size_t *zone, char *err, size_t errlen);

/*
 * Adds one polygon to zone: rings[0] (counts[0] points) is the outer ring,
 * rings[1..nrings-1] its holes. The points are copied. Returns -1 with a
 * message naming the ring and the limit if a ring has fewer than 3 distinct
 * vertices or more than POLYGON_MAX_RING_VERTICES, the layer would exceed
 * POLYGON_MAX_LAYER_VERTICES, nrings is 0 or above POLYGON_MAX_RINGS, a
 * coordinate is not finite or out of range (latitude -90..90, longitude
 * -360..360), or a ring encircles a pole; the layer is then unchanged.
 * Cost: O(total points).
 */
int polygon_layer_add_polygon(struct polygon_layer *l, size_t zone,
    const struct geodesy_point *const *rings, const size_t *counts,
    size_t nrings, char *err, size_t errlen);

/*
 * Builds one outer ring from line pieces (e.g. a boundary published as
 * several lines) and adds it to zone as a polygon: starting from pieces[0],
 * repeatedly appends the unused piece whose start or end is nearest to the
 * ring's current end (reversing it if needed), then closes the ring. Gaps up
 * to snap_m metres (geodesic) are bridged by a straight edge; a larger gap,
 * or more than POLYGON_MAX_PIECES pieces, is an error naming the piece and
 * the gap. Otherwise as polygon_layer_add_polygon. Cost: O(npieces^2) plus
 * O(total points).
 */
int polygon_layer_add_chain(struct polygon_layer *l, size_t zone,
    const struct geodesy_point *const *pieces, const size_t *counts,
    size_t npieces, double snap_m, char *err, size_t errlen);

/* Number of zones in the layer. */
size_t polygon_layer_zone_count(const struct polygon_layer *l);

/* The name of zone i (owned by the layer); NULL if i is out of range. */
const char *polygon_layer_zone_name(const struct polygon_layer *l, size_t i);

/* Vertices stored in the layer (closing duplicates not counted). */
size_t polygon_layer_vertex_count(const struct polygon_layer *l);

/* Number of polygons of zone i (0 if out of range). */
size_t polygon_layer_poly_count(const struct polygon_layer *l, size_t zone);

/*
 * The outer ring of polygon poly of zone (owned by the layer): its
 * longitudes (unwrapped from the first) and latitudes, *n points. 0, or
 * -1 if out of range. For drawing (report/render.h).
 */
int polygon_layer_outer_ring(const struct polygon_layer *l, size_t zone,
    size_t poly, const double **lon, const double **lat, size_t *n);

/*
 * 1 if p lies in zone i (inside or on its boundary, see the rules above), 0
 * if not, -1 if i is out of range or p invalid. Cost: a bounding-box
 * rejection per ring, then, for a ring of 32 edges or more, only the edges
 * of the ring's latitude slab that holds p (about 4 + the edges spanning
 * it), else every edge.
 */
int polygon_layer_zone_contains(const struct polygon_layer *l, size_t i,
    const struct geodesy_point *p);

/*
 * The same, testing every edge of every ring: the reference the unit tests
 * hold polygon_layer_zone_contains to.
 */
int polygon_layer_zone_contains_scan(const struct polygon_layer *l, size_t i,
    const struct geodesy_point *p);

/*
 * Writes the indexes of the zones containing p, in zone order, into
 * zones[0..max-1] and their total number into *n (which may exceed max:
 * only max are written). Returns -1 if p is invalid.
 */
int polygon_layer_contains(const struct polygon_layer *l,
    const struct geodesy_point *p, size_t *zones, size_t max, size_t *n);

#endif
