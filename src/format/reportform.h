/*
 * reportform: the center's reports as the API lists and shows them
 * (docs/products.md), built as JSON from the rows any store backend gives
 * (store.h: store_reports, store_signatures, store_members,
 * store_center_value), and the sources' statuses a report lists
 * (store_source_statuses): the shape, and how many signatures the rule
 * asks for, are written here once, for every backend.
 *
 * Reads the store it is given (one connection, the caller's thread); no
 * other I/O.
 */
#ifndef TRUCE_REPORTFORM_H
#define TRUCE_REPORTFORM_H

#include <stdint.h>
#include <jansson.h>

struct store;

/*
 * Reports in drafting order, as a new array of {"id","index","kind",
 * "number","subject","period","log_size","root","by","at_ms","state",
 * "state_index","signed_by":[members],"refused_by":[members]}, filtered
 * by state and kind (NULL: any). NULL on error.
 */
json_t *reportform_list(struct store *s, const char *state, const char *kind);

/*
 * Report id as above plus "signatures": [{"member","decision","reason"?,
 * "index","signed_at_ms","note"}] in member order, and "needed" (the
 * signatures the rule asks for): 1 and a new *out, 0 none, -1 error.
 */
int reportform_find(struct store *s, const char *id, json_t **out);

/*
 * The sources' status statements (record/source_status.h) whose period
 * overlaps [from_ms, to_ms), in log order, as a new array of {"type",
 * "member"?,"organisation"?,"unit","status","reason","from_ms","to_ms",
 * "index","by"}; NULL on error.
 */
json_t *reportform_source_statuses(struct store *s, int64_t from_ms,
    int64_t to_ms);

#endif
