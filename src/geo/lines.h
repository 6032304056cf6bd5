/*
 * lines: line layers (the 1994 ceasefire line, the Donbas line, borders) and
 * the question monitors ask of them: how far is this point from the line,
 * and on which side?
 *
 * A layer holds features (a named line, e.g. "Ceasefire Line 1994"), each
 * made of parts (GeoJSON LineString / MultiLineString members, RFC 7946
 * §3.1.4–3.1.5). Segments are geodesics on WGS84; the distance is
 * geodesy_polyline_distance's. A feature may name its two sides (Natural
 * Earth's brk_name_l/_r, adm0_left/_right): the side is left or right of the
 * direction in which the line was digitised.
 *
 * Limits: LINES_MAX_PART_VERTICES per part, LINES_MAX_LAYER_VERTICES per
 * layer, LINES_MAX_FEATURES per layer, names up to LINES_MAX_NAME bytes.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_LINES_H
#define TRUCE_LINES_H

#include <stddef.h>

#include "geo/geodesy.h" /* struct geodesy_nearest is held in results */

#define LINES_MAX_PART_VERTICES 100000
#define LINES_MAX_LAYER_VERTICES 1000000
#define LINES_MAX_FEATURES 10000
#define LINES_MAX_NAME 128

struct lines_layer;

/* Where a layer comes nearest to a point. */
struct lines_nearest {
	size_t feature;		      /* index of the feature */
	size_t part;		      /* index of the part in the feature */
	struct geodesy_nearest where; /* distance, nearest point, side */
	const char *feature_name;     /* owned by the layer */
	const char *side_name;	      /* name of p's side, NULL if unknown
				       * or p is on the line */
};

/*
 * A new empty layer called name (1..LINES_MAX_NAME bytes, copied); NULL if
 * the name is invalid or memory runs out. Free with lines_layer_free.
 */
struct lines_layer *lines_layer_new(const char *name);

/* Frees the layer; NULL does nothing. */
void lines_layer_free(struct lines_layer *l);

/* The layer's name (owned by the layer). */
const char *lines_layer_name(const struct lines_layer *l);

/*
 * Adds a feature called name (1..LINES_MAX_NAME bytes) whose left and right
 * sides are called left and right (NULL or "" if unknown); strings are
 * copied. Writes its index into *feature. -1 with a message in err if a name
 * is invalid, LINES_MAX_FEATURES is reached or memory runs out.
 */
int lines_layer_add_feature(struct lines_layer *l, const char *name,
    const char *left, const char *right, size_t *feature, char *err,
    size_t errlen);

/*
 * Adds a part of n >= 2 points (copied) to feature. -1 with a message naming
 * the limit if n is below 2 or above LINES_MAX_PART_VERTICES, the layer would
 * exceed LINES_MAX_LAYER_VERTICES, or a coordinate is not finite or out of
 * range (latitude -90..90, longitude -360..360); the layer is then
 * unchanged.
 */
int lines_layer_add_part(struct lines_layer *l, size_t feature,
    const struct geodesy_point *pts, size_t n, char *err, size_t errlen);

/* Number of features (named lines) in the layer. */
size_t lines_layer_feature_count(const struct lines_layer *l);

/* Number of points stored in the layer, over all parts. */
size_t lines_layer_vertex_count(const struct lines_layer *l);

/* Name of feature i; NULL if out of range. */
const char *lines_layer_feature_name(const struct lines_layer *l, size_t i);

/* Number of parts of feature (0 if out of range). */
size_t lines_layer_part_count(const struct lines_layer *l, size_t feature);

/* The points of a part (owned by the layer; *n of them), or NULL if out of
 * range: for drawing (report/render.h). */
const struct geodesy_point *lines_layer_part(const struct lines_layer *l,
    size_t feature, size_t part, size_t *n);

/*
 * The nearest point of the layer to p, over all features and parts, into
 * *out. Returns -1 if the layer has no part or p is invalid. The part whose
 * bounding box looks nearest is solved first; a part is then skipped if its
 * latitude band alone puts it farther than the best so far (rigorous), or
 * if the planar estimate of its box is beyond the best * 1.1 + 1 km (the
 * same margin as geodesy_polyline_distance's prefilter; none beyond
 * 200 km). Each part is solved with geodesy_polyline_nearest, bounded
 * by the best so far: the answer is geodesy_polyline_distance's on every
 * part (lines_layer_nearest_scan's, bit for bit), but only the segments
 * that can still beat the best so far are solved. Cost: O(parts)
 * estimates, O(segments / GEODESY_CHUNK) bounds, and a few segments solved
 * near the point.
 */
int lines_layer_nearest(const struct lines_layer *l,
    const struct geodesy_point *p, struct lines_nearest *out);

/*
 * The same, solving every part not skipped with geodesy_polyline_distance:
 * the reference the unit tests hold lines_layer_nearest to.
 */
int lines_layer_nearest_scan(const struct lines_layer *l,
    const struct geodesy_point *p, struct lines_nearest *out);

#endif
