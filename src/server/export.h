/*
 * export: the listings as files (issue 12, "Exports"): GET
 * /v1/observations and GET /v1/incidents with format=csv|geojson|kml give
 * every row that matches the filters — not a page — streamed as it is
 * read, a page of the store at a time (libmicrohttpd's response callback:
 * no thread waits, memory stays one page), and say what they are: the
 * header X-Truce-Log-Size (the log's size when the export began; rows
 * logged later are left out, so the file is the answer at that size) and
 * X-Truce-Filter (the query string), repeated inside the file (a GeoJSON
 * property, a KML description, a CSV comment line is not standard, so
 * CSV carries them in the headers only).
 *
 * Formats: GeoJSON (RFC 7946) FeatureCollection; CSV (RFC 4180 quoting);
 * KML 2.2 (OGC 07-147r2), one Placemark per row, what Google Earth and
 * QGIS open.
 */
#ifndef TRUCE_EXPORT_H
#define TRUCE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "format/obsfeature.h"
#include "server/request.h"

enum export_format { EXPORT_GEOJSON, EXPORT_CSV, EXPORT_KML };

/* "geojson", "csv", "kml" into *f. 0, or -1 for another word. */
int export_format_parse(const char *s, enum export_format *f);

/*
 * Appends the next rows of an export to out: 0 with *done set when no row
 * is left after these, or -1 when the store failed (the file is then cut
 * short; the answer's status was sent already).
 */
typedef int (
    *export_page_fn)(void *ctx, struct obsfeature_text *out, int *done);

/*
 * Answers r with the export of format f: the head, then page() until it
 * says done, then the tail. ctx is freed with ctx_free when the answer
 * ends (also if it is cut). name names the file (name.csv, ...). The
 * rows' own text is page()'s: export_kml_placemark and export_csv_row
 * help it.
 */
enum MHD_Result export_stream(struct request *r, enum export_format f,
    const char *name, int64_t log_size, export_page_fn page, void *ctx,
    void (*ctx_free)(void *));

/*
 * Appends a KML Placemark: its name, its description (text, escaped) and
 * a Point at lon, lat. 0 or -1.
 */
int export_kml_placemark(struct obsfeature_text *out, const char *name,
    const char *description, double lon, double lat);

/* Appends one CSV record of n fields (RFC 4180 quoting, "\n"). 0 or -1. */
int export_csv_row(struct obsfeature_text *out, const char *const *fields,
    size_t n);

#endif
