/*
 * describe: a position in the words monitors use (DESIGN.md, "From
 * observations to incidents"): the zones it lies in, how far it is from each
 * line (the 1994 ceasefire line...) and on which side, and "2.4 km
 * north-east of Ağdam".
 *
 * The reference settlement is the one a reader would know, weighing size
 * against distance (docs/geography.md, "Describing a point"):
 *
 *   score = distance_m / log10(population + 10)^2
 *
 * over the settlements with surveyed coordinates (not district label points,
 * not approximate postal places) within DESCRIBE_SEARCH_M; a place of
 * unknown population counts as DESCRIBE_UNKNOWN_POPULATION (the postal
 * villages missing from GeoNames cities500, which lists every place of 500
 * or more). The lowest score wins; ties go to the nearer, then to load
 * order. With k = 2 a town of 40,000 beats a village of 300 when it is less
 * than about 3.4 times as far. No settlement within the radius: the nearest
 * located settlement at any distance, then the nearest settlement with
 * approximate coordinates, then the nearest place of any kind.
 *
 * Distances are written as OSCE SMM reports do: "800 m" (to 100 m below
 * 1 km; to 10 m below 100 m), "2.4 km" (one decimal below 10 km, ".0"
 * dropped), "12 km"; a point within DESCRIBE_IN_M of the place is "in X".
 * The direction is the 16-point compass word of the bearing from the place
 * to the point.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_DESCRIBE_H
#define TRUCE_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "geo/geodesy.h" /* held by value in the results */
#include "geo/lines.h"

#define DESCRIBE_SEARCH_M 30000.0
#define DESCRIBE_UNKNOWN_POPULATION 300
#define DESCRIBE_IN_M 100.0
#define DESCRIBE_MAX_ZONES 32
#define DESCRIBE_MAX_LINES 16
#define DESCRIBE_TEXT_MAX 320

struct gazetteer;
struct gazetteer_place;
struct polygon_layer;

/* A zone the point lies in. Strings owned by the layer. */
struct describe_zone {
	const char *layer;
	const char *zone;
};

/* The nearest line of one line layer. */
struct describe_line {
	const char *layer;	      /* owned by the layer */
	struct lines_nearest nearest; /* distance, point, side */
};

/* A place described relative to the point. */
struct describe_ref {
	const struct gazetteer_place *place; /* owned by the gazetteer */
	double distance_m;		     /* place to point */
	double bearing_deg;		     /* from the place to the point */
	const char *compass;		     /* "NE" */
	const char *direction;		     /* "north-east" */
	double score;			     /* the rule's score */
};

struct describe_result {
	struct geodesy_point point;
	struct describe_zone zones[DESCRIBE_MAX_ZONES];
	size_t nzones; /* zones found (at most DESCRIBE_MAX_ZONES kept) */
	struct describe_line lines[DESCRIBE_MAX_LINES];
	size_t nlines;
	int have_reference;
	struct describe_ref reference; /* the settlement chosen by the rule */
	int have_nearest;
	struct describe_ref nearest;  /* the nearest located settlement */
	char text[DESCRIBE_TEXT_MAX]; /* "2.4 km north-east of Ağdam" or "" */
};

/* The rule's score of a place at distance_m with population (0: unknown). */
double describe_score(double distance_m, int64_t population);

/*
 * Picks the reference settlement for p by the rule above into *ref.
 * Returns -1 if p is invalid or g has no place at all.
 * Cost: one gazetteer_nearby over DESCRIBE_SEARCH_M.
 */
int describe_reference(const struct gazetteer *g, const struct geodesy_point *p,
    struct describe_ref *ref);

/*
 * The settlements describe_reference weighs (surveyed coordinates, not
 * district label points), sorted by latitude, each with its unit vector
 * and the weight log10(population + 10)^2, for repeated questions: a
 * sorted index with a conservative filter, then the exact geodesic on the
 * few that can still win (the bbox-then-exact model of PostGIS's
 * ST_DWithin, the ball bound of metric trees). Borrows g, which must not
 * gain places while the index lives (if it does, the index notices and
 * scans). NULL if out of memory. Free with describe_index_free.
 */
struct describe_index;
struct describe_index *describe_index_new(const struct gazetteer *g);

/* Frees ix; NULL does nothing. */
void describe_index_free(struct describe_index *ix);

/*
 * describe_reference(g, p, ref) with ix built on g: the same place,
 * distance and bearing, bit for bit. The settlements in the latitude band
 * that can hold DESCRIBE_SEARCH_M are bounded below with
 * geodesy_chord_bound_m (those beyond the radius dropped, the others'
 * lowest possible score = bound / weight); the one with the lowest possible
 * score is measured, then every other whose lowest possible score is not
 * above the best exact score so far. A settlement skipped scores strictly
 * more than the answer; ties are broken as there (score, distance, load
 * order). Nothing within the radius, or more candidates than
 * describe_reference examines: describe_reference itself. Cost: O(log n)
 * plus a chord per settlement of the band and one to three geodesics.
 */
int describe_reference_indexed(const struct describe_index *ix,
    const struct geodesy_point *p, struct describe_ref *ref);

/*
 * Writes distance_m the OSCE SMM way ("800 m", "2.4 km", "12 km") into buf.
 * -1 if distance_m is negative or not finite, or buf is too small.
 */
int describe_format_distance(double distance_m, char *buf, size_t len);

/*
 * Writes "2.4 km north-east of Ağdam" (or "in Ağdam" within DESCRIBE_IN_M)
 * for ref into buf. -1 if buf is too small.
 */
int describe_relative(const struct describe_ref *ref, char *buf, size_t len);

/*
 * Describes p: every zone of every zone layer containing it (in layer then
 * zone order), the nearest line of each line layer (up to
 * DESCRIBE_MAX_LINES layers), the reference settlement and text, and the
 * nearest located settlement. g may be NULL (no places), as may the layer
 * arrays when their counts are 0. Returns -1 with a message if p is
 * invalid.
 */
int describe_point(const struct gazetteer *g,
    const struct polygon_layer *const *zones, size_t nzones,
    const struct lines_layer *const *lines, size_t nlines,
    const struct geodesy_point *p, struct describe_result *out, char *err,
    size_t errlen);

/* What describe_point_with leaves out (fusion words only these). */
#define DESCRIBE_FIRST_LINE 0x1 /* only the first line layer with a line */
#define DESCRIBE_NO_NEAREST 0x2 /* no nearest located settlement */

/*
 * describe_point, with the reference settlement from ix (built on g;
 * NULL: describe_reference) and without what flags leave out; the rest of
 * *out is describe_point's, bit for bit.
 */
int describe_point_with(const struct gazetteer *g,
    const struct describe_index *ix, int flags,
    const struct polygon_layer *const *zones, size_t nzones,
    const struct lines_layer *const *lines, size_t nlines,
    const struct geodesy_point *p, struct describe_result *out, char *err,
    size_t errlen);

/*
 * The place as a JSON object: name, id, kind, country, admin1, lat, lon,
 * population, approximate, source. New reference (json_decref); NULL if out
 * of memory.
 */
json_t *describe_place_json(const struct gazetteer_place *p);

/*
 * The result as a JSON object (the `truce geo describe` output, documented
 * in docs/geography.md): lat, lon, zones, lines, reference, nearest_place,
 * description. Coordinates rounded to 1e-7°, distances to 0.1 m, bearings to
 * 0.1°. New reference; NULL if out of memory.
 */
json_t *describe_to_json(const struct describe_result *r);

#endif
