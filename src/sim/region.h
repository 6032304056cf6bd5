/*
 * region: the geography the simulator places events in — a ceasefire
 * line (segments), the area one side holds (polygon rings; a point inside
 * is side B, outside side A) and the settlements near the line. Pure: the
 * caller fills it (sim/geodata.c reads data/geo) and queries it.
 *
 * Distances here are for placing simulated events and use a local
 * equirectangular approximation (well under 1% error over tens of km);
 * bearings and distances that end up in observations use PROJ's geodesic
 * routines in sim.c.
 */
#ifndef TRUCE_REGION_H
#define TRUCE_REGION_H

#include <stddef.h>

struct prng;
struct region;

/* Limits on what a region may hold (the data files are far smaller). */
#define REGION_MAX_SEGMENTS 100000
#define REGION_MAX_RING_POINTS 100000
#define REGION_MAX_SETTLEMENTS 20000
#define REGION_MAX_NAME 128

/* Returns an empty region, or NULL when out of memory. */
struct region *region_new(void);

/* Frees r; region_free(NULL) does nothing. */
void region_free(struct region *r);

/*
 * Adds the line segment (lon1, lat1)-(lon2, lat2) of the ceasefire line.
 * Returns -1 past REGION_MAX_SEGMENTS or when out of memory.
 */
int region_add_segment(struct region *r, double lon1, double lat1, double lon2,
    double lat2);

/*
 * Adds a closed ring (n points, lon/lat pairs in xy[2*i], xy[2*i+1]) of the
 * area held by side B. Rings combine by the even-odd rule, so holes work.
 * Returns -1 past REGION_MAX_RING_POINTS in all or when out of memory.
 */
int region_add_ring(struct region *r, const double *xy, size_t n);

/*
 * Adds a settlement (name copied, at most REGION_MAX_NAME bytes) if it lies
 * within max_km of the line and no settlement already added lies within
 * 2 km of it (the gazetteers repeat places under other spellings). Add the
 * line first. Returns 1 if added, 0 if skipped, -1 on error.
 */
int region_add_settlement(struct region *r, const char *name, double lat,
    double lon, double max_km);

/* Number of segments and of settlements held. */
size_t region_nsegments(const struct region *r);
size_t region_nsettlements(const struct region *r);

/* Name and position of settlement i (< region_nsettlements). */
const char *region_settlement(const struct region *r, size_t i, double *lat,
    double *lon);

/* Total length of the line, in km. */
double region_line_km(const struct region *r);

/*
 * A point on the line drawn uniformly by length, with the local direction
 * of the line (degrees clockwise from north) in *dir_deg. The region must
 * have a segment.
 */
void region_line_point(const struct region *r, struct prng *p, double *lat,
    double *lon, double *dir_deg);

/* Distance in km from (lat, lon) to the nearest point of the line. */
double region_line_km_from(const struct region *r, double lat, double lon);

/*
 * The settlement nearest to (lat, lon), with its distance in km in *km;
 * returns its index, or -1 when there is none.
 */
long region_nearest_settlement(const struct region *r, double lat, double lon,
    double *km);

/* 1 if (lat, lon) is in the area of side B, else 0 (side A). */
int region_side(const struct region *r, double lat, double lon);

/* Approximate distance in km between two points (equirectangular). */
double region_km(double lat1, double lon1, double lat2, double lon2);

#endif
