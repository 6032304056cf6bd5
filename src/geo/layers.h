/*
 * layers: loads a center's geography from files (the I/O side of geo/): the
 * gazetteer, zone layers (polygons) and line layers, for a region's default
 * set of files under data/geo or for a list of files a center configures.
 *
 * Formats:
 *  - GeoNames "cities500" rows as CSV with a header line (the columns are
 *    found by name: geonameid, name, asciiname, latitude, longitude,
 *    feature_code, country_code, admin1_code, admin2_code, population);
 *  - the GeoNames postal-code dump (tab-separated, 12 columns, no header:
 *    country, postal code, place, admin name1, admin code1, admin name2,
 *    admin code2, admin name3, admin code3, latitude, longitude, accuracy);
 *  - Natural Earth admin-1 label points as CSV with a header (adm1_code,
 *    name, iso_a2, longitude, latitude);
 *  - GeoJSON FeatureCollections (RFC 7946): Polygon/MultiPolygon features
 *    become zones, LineString/MultiLineString features lines.
 * How places from several files are merged (the postal dump repeats places
 * and shares coordinates between them) is in docs/geography.md and at
 * load_postal() in layers.c.
 *
 * Limits (every error names the file, the line or feature, and the limit):
 * files up to LAYERS_MAX_FILE bytes, text lines up to LAYERS_MAX_LINE bytes,
 * LAYERS_MAX_ROWS rows and LAYERS_MAX_FEATURES features per file, at most
 * LAYERS_MAX_LAYERS zone and line layers; and those of geo/polygon.h,
 * geo/lines.h and geo/gazetteer.h.
 */
#ifndef TRUCE_LAYERS_H
#define TRUCE_LAYERS_H

#include <stddef.h>

#define LAYERS_MAX_FILE (64L * 1024 * 1024)
#define LAYERS_MAX_LINE 4096
#define LAYERS_MAX_ROWS 1000000
#define LAYERS_MAX_FEATURES 100000
#define LAYERS_MAX_LAYERS 64
#define LAYERS_MAX_PATH 4096
/* Gap bridged when a boundary's line pieces are joined into a zone. */
#define LAYERS_CHAIN_SNAP_M 1000.0

struct gazetteer;
struct polygon_layer;
struct lines_layer;
struct layers;

enum layers_kind {
	LAYERS_CITIES500,	/* GeoNames cities500 CSV -> gazetteer */
	LAYERS_POSTAL,		/* GeoNames postal dump -> gazetteer */
	LAYERS_ADMIN1_LABELS,	/* Natural Earth admin-1 labels -> gazetteer */
	LAYERS_ZONES,		/* GeoJSON polygons -> zone layer */
	LAYERS_ZONE_FROM_LINES, /* GeoJSON line pieces -> one zone */
	LAYERS_LINES,		/* GeoJSON lines -> line layer */
};

/* One file to load. Strings are borrowed for the call only. */
struct layers_file {
	enum layers_kind kind;
	const char *path;	  /* absolute, or relative to the data dir */
	const char *layer;	  /* zone or line layer to add to (created on
				  * first use); NULL for gazetteer files */
	const char *name_props;	  /* comma-separated feature properties; the
				  * first that is a non-empty string names
				  * the zone or line */
	const char *filter_prop;  /* if not NULL, only features whose ... */
	const char *filter_value; /* ... property equals this string */
	const char *zone_name;	  /* LAYERS_ZONE_FROM_LINES: the zone */
};

/* An empty set of layers (a gazetteer without places); NULL if no memory. */
struct layers *layers_new(void);

/* Frees everything; NULL does nothing. */
void layers_free(struct layers *l);

/*
 * Loads one file into l: places into the gazetteer, features into the layer
 * f->layer. A relative path is taken below datadir. Returns -1 with a
 * message naming the file, the line or feature and the limit; l may then
 * hold the part of the file loaded before the error (callers discard it).
 */
int layers_load_file(struct layers *l, const char *datadir,
    const struct layers_file *f, char *err, size_t errlen);

/*
 * The default files of a region ("karabakh" or "donbas") into *files and
 * *n (static storage). -1 if the region is unknown.
 */
int layers_region_files(const char *region, const struct layers_file **files,
    size_t *n);

/*
 * A new set with the default files of region loaded from datadir and the
 * gazetteer's built-in aliases added. NULL with a message on error.
 */
struct layers *layers_load_region(const char *datadir, const char *region,
    char *err, size_t errlen);

/*
 * Adds a center's own aliases from a text file: one per line, tab-separated
 * "alias, target place[, country[, admin-1 code]]"; empty lines and lines
 * starting with '#' are skipped. -1 with a message naming the line.
 */
int layers_load_aliases(struct layers *l, const char *path, char *err,
    size_t errlen);

/*
 * The data directory: $TRUCE_DATA if set, else the data/ folder of the
 * repository the running binary was built in (build/<flavour>/truce ->
 * ../../data, if it has a geo/ folder), else "data". Writes it into buf.
 * -1 if it does not fit.
 */
int layers_datadir(char *buf, size_t len);

/* The gazetteer (owned by l). */
struct gazetteer *layers_gazetteer(const struct layers *l);

/* The zone layers (owned by l), in load order; their number in *n. */
const struct polygon_layer *const *layers_zones(const struct layers *l,
    size_t *n);

/* The line layers (owned by l), in load order; their number in *n. */
const struct lines_layer *const *layers_lines(const struct layers *l,
    size_t *n);

#endif
