/*
 * obsform: the file forms of an observation, converted to and from the
 * input form the API takes (issue 2's JSON object). Pure: text and JSON in,
 * JSON and text out; no I/O.
 *
 *  - CSV (RFC 4180, header row): one column per leaf of the input form,
 *    named as in OBSFORM_CSV_COLUMNS below; an empty cell is an absent
 *    field. `truce query --format csv` writes the same columns, so an
 *    export imports again. The columns id and index are accepted and
 *    ignored on import (the server assigns both).
 *  - GeoJSON (RFC 7946): a Feature whose Point geometry is the location's
 *    lon/lat and whose properties are the rest of the input form
 *    (precision_m may sit in the properties or in properties.location).
 *
 * Conversion errors name the field with a JSON pointer into the input form,
 * the shape the validator (record/observation.h) uses, so both are
 * reported alike.
 */
#ifndef TRUCE_OBSFORM_H
#define TRUCE_OBSFORM_H

#include <stddef.h>

#include <jansson.h>

/* One problem with one field, as the validator reports it. */
struct obsform_error {
	char pointer[128]; /* JSON pointer into the input form */
	char message[256];
};

/* Most evidence items in one CSV cell. */
#define OBSFORM_MAX_EVIDENCE 256

/* Number of known CSV columns and the name of column i, in export order. */
size_t obsform_csv_ncolumns(void);
const char *obsform_csv_column(size_t i);

struct obsform_csv;

/*
 * Reads a CSV header row (n names). Returns the mapping, or NULL with a
 * message in err naming the first unknown or repeated column. Free with
 * obsform_csv_free.
 */
struct obsform_csv *obsform_csv_new(const char *const *names, size_t n,
    char *err, size_t errlen);

/* Frees h; obsform_csv_free(NULL) does nothing. */
void obsform_csv_free(struct obsform_csv *h);

/*
 * Converts one data row (n fields, n must equal the header's width) into
 * an input-form observation. Returns a new object the caller owns, or NULL
 * with up to maxerr errors in errs and their number in *nerr (a row of the
 * wrong width, a number that is not one, observed_at given together with
 * observed_from/observed_to, a malformed evidence item).
 */
json_t *obsform_csv_row(const struct obsform_csv *h, const char *const *fields,
    size_t n, struct obsform_error *errs, size_t maxerr, size_t *nerr);

/* Returns the header line of every known column ("...\n"); caller frees. */
char *obsform_csv_header(void);

/*
 * Formats an observation as a CSV line of every known column ("...\n");
 * caller frees. obs is a GeoJSON Feature as the API returns it (id at the
 * top, index and the input form in its properties) or a bare input-form
 * object. When obs holds a field no column can carry, the pointer of the
 * first such field is written into dropped (else it is set to ""). Returns
 * NULL when out of memory.
 */
char *obsform_csv_line(const json_t *obs, char *dropped, size_t droppedlen);

/* How obsform_from_feature built the input form, for obsform_pointer. */
#define OBSFORM_POINT 0x1	  /* lat/lon came from a Point geometry */
#define OBSFORM_NEW_LOCATION 0x2  /* location was made from the geometry */
#define OBSFORM_TOP_PRECISION 0x4 /* precision_m came from properties */

/*
 * Converts a GeoJSON Feature into an input-form observation: properties
 * (less the server's id and index) plus the Point geometry as
 * location.lat/lon. Sets *how to OBSFORM_* flags. Returns a new object the
 * caller owns, or NULL with errors (pointers into the Feature) as in
 * obsform_csv_row.
 */
json_t *obsform_from_feature(const json_t *feature, unsigned *how,
    struct obsform_error *errs, size_t maxerr, size_t *nerr);

/*
 * Maps a pointer into the input form that obsform_from_feature made (with
 * flags how) back to the GeoJSON text it came from, prefixed with prefix
 * (e.g. "/features/12", or "" for a lone Feature): /location/lat becomes
 * prefix/geometry/coordinates/1, /category prefix/properties/category.
 */
void obsform_feature_pointer(unsigned how, const char *prefix,
    const char *pointer, char *out, size_t outlen);

/*
 * Finds the line (1-based) on which each element of the top-level
 * "features" array of the GeoJSON text starts, so that errors can name
 * lines. text must be valid JSON (decode it first). On success stores a
 * malloc'd array in *lines (caller frees) with its length in *n and returns
 * 0; returns -1 when text is not an object or has no "features" array.
 */
int obsform_feature_lines(const char *text, size_t len, size_t **lines,
    size_t *n);

#endif
