/*
 * geodigest: the identity of the geography fusion computes from — one
 * SHA-256 over a canonical listing of every file the region's layers read
 * (geo/layers.h), the center's alias file, and the parameters of the rules
 * that turn them into words. A center writes it into its log (genesis, and
 * `geography` entries: record/geography.h) and refuses to replay with data
 * whose digest differs (docs/geography.md, "The geography is part of the
 * record").
 *
 * The listing is text, one item a line, "\n" after each:
 *
 *   truce-geography 1
 *   region <region>
 *   param <name> <value>                  (fixed order, GEODIGEST_PARAMS)
 *   layer <kind> <path> "<layer>" "<name props>" "<filter prop>"
 *         "<filter value>" "<zone name>"  (the region's table, load order;
 *                                          "-" for an absent field)
 *   file <relative path> <sha256 hex>     (sorted by path, bytewise)
 *
 * Files are named relative to the data directory; the alias file is
 * "@geo_aliases". The digest is the lower-case hex SHA-256 of the listing.
 *
 * geodigest_compute reads files; geodigest_finish is pure.
 */
#ifndef TRUCE_GEODIGEST_H
#define TRUCE_GEODIGEST_H

#include <stddef.h>

#define GEODIGEST_MAX_FILES 32
#define GEODIGEST_PATH_LEN 256 /* bytes of a relative path and its NUL */
#define GEODIGEST_REGION_LEN 32
#define GEODIGEST_HEX_LEN 65 /* 64 hex digits and a NUL */
#define GEODIGEST_ALIASES "@geo_aliases"

/* A geography: its region, its files' digests and the whole digest. */
struct geodigest {
	char region[GEODIGEST_REGION_LEN];
	size_t nfiles;
	char path[GEODIGEST_MAX_FILES][GEODIGEST_PATH_LEN];
	char sha256[GEODIGEST_MAX_FILES][GEODIGEST_HEX_LEN];
	char digest[GEODIGEST_HEX_LEN];
};

/*
 * Fills *g for region ("karabakh", "donbas" or "none": no files) with the
 * files under datadir that layers_load_region reads and, if aliases is not
 * NULL or "", that alias file; then geodigest_finish. Reads each file once
 * (up to LAYERS_MAX_FILE bytes). -1 with a message naming the file.
 */
int geodigest_compute(const char *datadir, const char *region,
    const char *aliases, struct geodigest *g, char *err, size_t errlen);

/*
 * Sorts g's files by path and sets g->digest from the listing above. -1 if
 * a field holds a space or newline or the listing exceeds its buffer.
 */
int geodigest_finish(struct geodigest *g);

#endif
