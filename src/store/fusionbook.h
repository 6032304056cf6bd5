/*
 * fusionbook: fusion's book of incidents on the apply path, above every
 * store backend (docs/storage.md, "The backend is only storage"). It is
 * the associate_book_ops (fusion/associate.h) fusion_apply reads and
 * writes: an in-memory incident_set (fusion/incident_set.h) loaded once
 * from the backend's rows, with the backend's tables written behind it.
 *
 * The rows of observations, moves and decisions are written as they
 * happen; an incident's row, box, words and links once per transaction
 * (fusionbook_flush, before the commit and before any entry that may read
 * them), however many observations joined it: the write-behind of a
 * buffer pool with the transaction as the unit. The tables end every
 * transaction exactly as writing through would leave them: rows in
 * creation order, words retaken only where an incident moved more than
 * FUSIONBOOK_REWORD_M since its last words (decided here, at every
 * change). A rollback drops the set (fusionbook_drop); it is loaded again
 * from the committed rows.
 *
 * A backend gives struct fusionbook_rows: plain reads and writes with the
 * contracts below, no decision. One book per store connection, used from
 * that connection's thread.
 */
#ifndef TRUCE_FUSIONBOOK_H
#define TRUCE_FUSIONBOOK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct associate_incident;
struct associate_obs;
struct fusion;
struct fusion_words;

/* Re-word an incident when it moved more than this since its words. */
#define FUSIONBOOK_REWORD_M 10.0

/* Load callbacks: 0 to go on, -1 to fail the load. */
typedef int (*fusionbook_incident_fn)(void *ctx,
    const struct associate_incident *inc, int described, double dlat,
    double dlon);
typedef int (*fusionbook_obs_fn)(void *ctx, const struct associate_obs *o,
    const char *incident);
typedef int (*fusionbook_link_fn)(void *ctx, const char *incident,
    int64_t complaint_index);

/* An incident's words as the book hands them to put_incident. */
struct fusionbook_words {
	int take; /* 0: its words and zones stay as stored */
	const struct fusion_words *w; /* with take: the new words; NULL:
					 none (cleared) */
	double dlat, dlon;	      /* with w: where they were taken */
};

/*
 * What a backend provides (db: its connection). Called inside the
 * caller's write transaction, except load (a read); pointers are valid
 * for the call only. 0 or -1 (a failure the book passes up; the caller
 * rolls back).
 */
struct fusionbook_rows {
	/* Calls inc_fn for every incident in creation order (described 1
	 * with where its words were taken), then obs_fn for every placed
	 * observation in log order with its incident, then link_fn for every
	 * complaint linked to an incident. */
	int (*load)(void *db, fusionbook_incident_fn inc_fn,
	    fusionbook_obs_fn obs_fn, fusionbook_link_fn link_fn, void *ctx);
	/* Stores observation o as placed in incident (complaints that are
	 * located: with their search box). */
	int (*add_obs)(void *db, const struct associate_obs *o,
	    const char *incident);
	/* Moves the observation at log index to incident. */
	int (*move_obs)(void *db, int64_t index, const char *incident);
	/* Inserts or replaces inc's row, keeping its place in creation order
	 * (a new incident goes last), and its search box (live, located
	 * incidents only); stored: it may have a row and box already (0: it
	 * has none, so a plain insert will do). With
	 * words->take, replaces its words and its zones (zoned: it may have
	 * zone rows). */
	int (*put_incident)(void *db, const struct associate_incident *inc,
	    int stored, const struct fusionbook_words *words, int zoned);
	/* Replaces the complaints linked to incident by idx[0..n-1]. */
	int (*set_links)(void *db, const char *incident, const int64_t *idx,
	    size_t n);
	/* Records an analyst's decision on incident at log index. */
	int (*decided)(void *db, int64_t index, const char *incident,
	    int applied, const char *message);
};

struct fusionbook;

/*
 * A book for fusion engine f (not owned) over the backend's rows of
 * connection db, named name in messages. Not loaded yet. NULL if out of
 * memory.
 */
struct fusionbook *fusionbook_new(struct fusion *f,
    const struct fusionbook_rows *rows, void *db, const char *name);

/* Frees b; NULL does nothing. */
void fusionbook_free(struct fusionbook *b);

/*
 * Loads the set from the backend's committed rows unless loaded (about a
 * second per 100,000 observations). 0 or -1 (logged).
 */
int fusionbook_load(struct fusionbook *b);

/* Forgets the set (after a rollback or a reset): the next use loads it. */
void fusionbook_drop(struct fusionbook *b);

/* Writes every incident changed since the last flush. 0 or -1. */
int fusionbook_flush(struct fusionbook *b);

/*
 * Where fusion placed an observation: its position as fusion located it
 * (fusion_observation's) and the incident it went to, created 1 when the
 * observation seeded it. Incident ids are fusion's (ASSOCIATE_ID_LEN).
 */
struct fusionbook_placed {
	int64_t index; /* the observation's log index; -1: not placed */
	int located;
	double lat, lon; /* when located */
	char incident[48];
	int created;
};

/*
 * Runs fusion on log entry index (its parsed entry and, for an
 * observation, its id) over the book, loading it first if needed. When
 * placed is not NULL, it gets where an observation went, or index -1
 * when fusion placed nothing (not an observation, or not one fusion can
 * place). 0 or -1.
 */
int fusionbook_apply(struct fusionbook *b, int64_t index, const json_t *entry,
    const char *id, struct fusionbook_placed *placed);

#endif
