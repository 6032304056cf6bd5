/*
 * increcord: an incident record as the API and the products read it
 * (docs/fusion.md, "The incident record"), built as JSON from the rows any
 * store backend gives (store.h: store_find_incident, store_query_incidents,
 * store_incident_parts, store_brief_incidents). The backend only keeps fusion's rows; the
 * record's shape is written here once, for every backend.
 *
 * Reads the store it is given (one connection, the caller's thread); no
 * other I/O.
 */
#ifndef TRUCE_INCRECORD_H
#define TRUCE_INCRECORD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct store;
struct store_incident_query;

/*
 * Called once per matching incident, in the order incidents were created,
 * with the cursor that follows it and the incident record (borrowed; see
 * increcord_find); non-zero stops.
 */
typedef int (*increcord_fn)(void *ctx, int64_t cursor, const json_t *incident);

/*
 * Looks up incident id. Returns 1 and sets *out to a new incident record
 * (caller json_decref's it), 0 when there is no such incident, -1 on
 * error. The record:
 *   {"id", "kind": "observed"|"complaint", "group", "category", "count",
 *    "qualifier", "time_from_ms", "time_to_ms", "reported_from_ms",
 *    "reported_to_ms", "located", "lat", "lon", "cov": [ee, en, nn] (m^2),
 *    "zone", "zones": [{"layer", "zone"}], "description", "line":
 *    {"name", "distance_m", "side"} or null, "observations": [ids],
 *    "complaints": [ids], "complaint_parties": {id: the complaint's
 *    source.organisation, its party, or null} (for the API to show a
 *    liaison only its own party's; never served), "corroborated_by":
 *    [incident ids],
 *    "independent_sources", "source_types": [...], "members": [...],
 *    "pinned", "live", "merged_into", "seed_index", "updated_index",
 *    "cursor", "notes": [{"observation", "note"}], "decisions": [{"index",
 *    "applied", "message"}]}
 */
int increcord_find(struct store *s, const char *id, json_t **out);

/*
 * Runs q over the live incidents, calling fn with each record in creation
 * order. 0 or -1. With q->brief, each record holds only what a map draws
 * and filters on, read in one query rather than an incident's several
 * (store_brief_incidents): {"id","category","located","lat"?,"lon"?,
 * "cov"? (as above),"time_from_ms","time_to_ms","zone","count",
 * "source_types","members","state"} (state: the incident's verification
 * state, "received" before any).
 */
int increcord_query(struct store *s, const struct store_incident_query *q,
    increcord_fn fn, void *ctx);

/*
 * Called once per incident of a chunk with its seed index, its id and the
 * canonical bytes (record/canon.h) of its state digest row (borrowed,
 * NUL-terminated): increcord_find's record without "cursor" and
 * "complaint_parties", its real numbers as statedigest_canonical makes
 * them (micro-units, rounded). Non-zero stops.
 */
typedef int (*increcord_canon_fn)(void *ctx, int64_t seed_index, const char *id,
    const char *row, size_t len);

/*
 * Every incident whose seed index lies in [from, to), live or merged, in
 * (seed index, id) order, read with one query per table for the whole
 * range (store_state_incidents), each written straight as its canonical
 * row with no JSON tree: the state digests' chunks (the same bytes as
 * canon_encode of increcord_find's record made canonical). 0 or -1.
 */
int increcord_chunk_canon(struct store *s, int64_t from, int64_t to,
    increcord_canon_fn fn, void *ctx);

#endif
