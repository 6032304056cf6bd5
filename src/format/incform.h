/*
 * incform: an incident as the API gives it (a GeoJSON Feature of GET
 * /v1/incidents) as a CSV record, the one column set of `truce incidents
 * --format csv` and of GET /v1/incidents?format=csv.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_INCFORM_H
#define TRUCE_INCFORM_H

#include <jansson.h>

#define INCFORM_NCOLUMNS 20

/* The column names, INCFORM_NCOLUMNS of them then NULL. */
extern const char *const incform_columns[];

/* The header record ("id,kind,...\n"); caller frees; NULL: no memory. */
char *incform_csv_header(void);

/*
 * The record of incident Feature f ("...\n", RFC 4180 quoting; lists of
 * source types and members joined by ';'); caller frees; NULL: no memory.
 */
char *incform_csv_line(const json_t *f);

#endif
