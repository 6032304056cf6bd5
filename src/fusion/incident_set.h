/*
 * incident_set: an in-memory book of incidents (fusion/associate.h) — what
 * `truce fuse`, the fusion benchmark and the unit tests associate into.
 * The store keeps the same book in its tables (store_sqlite.c); the rules
 * are associate.c's in both, and the tests check that the two agree.
 *
 * Incidents and complaints are found through a grid of 0.05-degree cells
 * and 15-minute time buckets (and coarser levels for wide items) keyed by
 * group and kind, so a new observation touches only the incidents near it
 * in space and time. Observations are found by log index in a direct
 * table (log indexes are dense), so the largest index costs 4 bytes for
 * each index below it. Memory: a few hundred bytes per observation and
 * per incident, and each incident that observations joined keeps its
 * running summary (associate_summary: under a kilobyte, plus 32 bytes per
 * distinct source), so a member joins in O(1).
 *
 * Pure: no I/O. Not thread-safe.
 */
#ifndef TRUCE_INCIDENT_SET_H
#define TRUCE_INCIDENT_SET_H

#include <stddef.h>
#include <stdint.h>

#include "fusion/associate.h"

#define INCIDENT_SET_MAX_OBS 100000000 /* observations held, at most */
#define INCIDENT_SET_MAX_INDEX \
	1000000000LL /* log indexes below this (a
					       direct table of 4 bytes each) */

struct incident_set;

/* The book operations over a struct incident_set (book = the set). */
extern const struct associate_book_ops incident_set_ops;

/* A new empty set; NULL if out of memory. */
struct incident_set *incident_set_new(void);

/* Frees s; NULL does nothing. */
void incident_set_free(struct incident_set *s);

/* Number of incidents (merged-away ones included). */
size_t incident_set_count(const struct incident_set *s);

/*
 * Incident i (0 .. count-1, in creation order); NULL out of range. The
 * pointer is valid until the set changes.
 */
const struct associate_incident *
incident_set_incident(const struct incident_set *s, size_t i);

/* The position of incident id in creation order (what
 * incident_set_incident takes), or -1 if the set has not seen it. */
long incident_set_find(const struct incident_set *s, const char *id);

/* The id of the incident holding the observation at log index; NULL if
 * the set has not seen it. Valid until the set changes. */
const char *incident_set_incident_of(const struct incident_set *s,
    int64_t index);

/*
 * The complaints linked to incident id: writes up to max log indexes into
 * idx and returns how many there are (which may exceed max); -1 if there
 * is no such incident.
 */
long incident_set_links(const struct incident_set *s, const char *id,
    int64_t *idx, size_t max);

/* Decisions seen: how many were applied and how many refused. */
void incident_set_decisions(const struct incident_set *s, size_t *applied,
    size_t *refused);

#endif
