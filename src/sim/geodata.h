/*
 * geodata: reads a simulated region's geography from the reference data
 * in data/geo (see data/README.md for sources and licences): the ceasefire
 * line and the area of one side from Natural Earth GeoJSON (RFC 7946), the
 * settlements from GeoNames CSV/TSV dumps.
 */
#ifndef TRUCE_GEODATA_H
#define TRUCE_GEODATA_H

#include <stddef.h>

struct region;

/* Largest data file read, and longest line of a CSV/TSV file. */
#define GEODATA_MAX_FILE ((long)64 * 1024 * 1024)
#define GEODATA_MAX_LINE 8192

/* Settlements farther than this from the line are left out. */
#define GEODATA_SETTLEMENT_KM 20.0

/*
 * The default members of the center watching region name (e.g. "RU,TR"
 * for karabakh), or NULL for an unknown region.
 */
const char *geodata_region_members(const char *name);

/*
 * Fills the empty region r with the line, area and settlements of region
 * name, read from the directory dir. Returns 0, or -1 after logging which
 * file and what in it is wrong (or that the region is unknown).
 */
int geodata_load(struct region *r, const char *dir, const char *name);

#endif
