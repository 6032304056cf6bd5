/*
 * store: the center's queryable index, filled from the log (DESIGN.md: "the
 * store is an index, not the truth"). Entries are applied in log order; the
 * store remembers how many it has applied, so a restart catches up from the
 * log and `truce rebuild` recreates it from the log alone.
 *
 * Backends sit behind struct store_ops (STYLE.md rule 11, after Redis's
 * ConnectionType): SQLite now (store_sqlite.c), PostgreSQL later, and the
 * same test suite runs against each. One struct store is one connection:
 * use it from one thread at a time.
 */
#ifndef TRUCE_STORE_H
#define TRUCE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct store;
struct fusion;

#define STORE_MAX_CATEGORIES 16

/* A filter over observations; unset bounds are INT64_MIN / INT64_MAX. */
struct store_query {
	int has_bbox;
	int64_t min_lon_e7, min_lat_e7, max_lon_e7, max_lat_e7;
	int64_t from_ms, to_ms;	  /* overlap with [observed from, to] */
	const char *categories[STORE_MAX_CATEGORIES];
	size_t ncategories;
	const char *source_type;  /* NULL: any */
	const char *member;	  /* NULL: any */
	int64_t after_index;	  /* cursor: only indexes above; -1 none */
	int limit;		  /* rows at most */
};

/* Called once per matching observation, in log order; non-zero stops. */
typedef int (*store_row_fn)(void *ctx, int64_t index, const char *entry,
    size_t len);

/* A filter over incidents; unset bounds are INT64_MIN / INT64_MAX. */
struct store_incident_query {
	int has_bbox;		  /* the incident's position inside */
	int64_t min_lon_e7, min_lat_e7, max_lon_e7, max_lat_e7;
	int64_t from_ms, to_ms;	  /* overlap with its time window */
	const char *categories[STORE_MAX_CATEGORIES];
	size_t ncategories;
	const char *zone;	  /* a zone it lies in; NULL: any */
	int64_t after;		  /* cursor: only incidents created after */
	int limit;		  /* rows at most */
};

/*
 * Called once per matching incident, in the order incidents were created,
 * with the cursor that follows it and the incident record (borrowed; see
 * store_find_incident); non-zero stops.
 */
typedef int (*store_incident_fn)(void *ctx, int64_t cursor,
    const json_t *incident);

struct store_ops {
	const char *name;
	struct store *(*open)(const char *target, int flags);
	void (*close)(struct store *s);
	int (*begin)(struct store *s);
	int (*commit)(struct store *s, int64_t applied_size);
	int (*rollback)(struct store *s);
	int (*applied_size)(struct store *s, int64_t *size);
	int (*apply)(struct store *s, int64_t index, const json_t *entry,
	    const char *bytes, size_t len, const char *id);
	int (*find_observation)(struct store *s, const char *id,
	    int64_t *index, char **entry, size_t *len);
	int (*query_observations)(struct store *s,
	    const struct store_query *q, store_row_fn fn, void *ctx);
	int (*count_observations)(struct store *s, int64_t *n);
	int (*reset)(struct store *s);
	void (*set_fusion)(struct store *s, struct fusion *f);
	int (*find_incident)(struct store *s, const char *id, json_t **out);
	int (*query_incidents)(struct store *s,
	    const struct store_incident_query *q, store_incident_fn fn,
	    void *ctx);
	int (*count_incidents)(struct store *s, int64_t *n);
};

#define STORE_READONLY 1 /* no writes, no schema creation */
#define STORE_SCRATCH 2	 /* a throw-away store (an audit's replay): no
			    durability, so commits cost no sync */

/*
 * Opens the store of backend `kind` ("sqlite") at target (a file path for
 * SQLite), creating its schema unless flags has STORE_READONLY. NULL on
 * error (logged).
 */
struct store *store_open(const char *kind, const char *target, int flags);

/* Closes the store; NULL does nothing. */
void store_close(struct store *s);

/* Starts a write transaction. 0 or -1. */
int store_begin(struct store *s);

/*
 * Records that the log's first applied_size entries are applied and commits
 * durably. 0 or -1 (the transaction is then rolled back).
 */
int store_commit(struct store *s, int64_t applied_size);

/* Abandons the write transaction. */
int store_rollback(struct store *s);

/* How many log entries the store has applied. */
int store_applied_size(struct store *s, int64_t *size);

/*
 * Attaches the fusion engine f (not owned; NULL detaches): from then on
 * store_apply also runs fusion (fusion/fusion.h) on every entry and keeps
 * the incidents it makes. The writer of a center always has one, so that
 * the live path and replay (catch-up, rebuild) are the same path.
 */
void store_set_fusion(struct store *s, struct fusion *f);

/*
 * Applies log entry `index` (its parsed canonical entry, its bytes and, for
 * observations, its id) inside a write transaction: observations are
 * indexed, and with a fusion engine attached every entry goes through
 * fusion_apply. Entry types the store does not index are accepted and
 * ignored. 0 or -1.
 */
int store_apply(struct store *s, int64_t index, const json_t *entry,
    const char *bytes, size_t len, const char *id);

/*
 * Applies log entry `index` given as its canonical bytes[0..len-1]: parses
 * it (unless the caller already did: parsed, else NULL), derives the id of
 * an observation (hex SHA-256 of the bytes) and calls store_apply. The one
 * way a log entry becomes store state, shared by catch-up, rebuild and
 * `truce audit`'s replay. Inside a write transaction. 0, or -1 with the
 * reason (naming the index) in err.
 */
int store_apply_entry(struct store *s, int64_t index, const uint8_t *bytes,
    size_t len, const json_t *parsed, char *err, size_t errlen);

/*
 * Looks up an observation by id (64 hex). Returns 1 and sets *index (and
 * *entry, *len when entry is not NULL; caller frees) when found, 0 when not,
 * -1 on error.
 */
int store_find_observation(struct store *s, const char *id, int64_t *index,
    char **entry, size_t *len);

/* Runs q, calling fn for each row in log order. 0 or -1. */
int store_query_observations(struct store *s, const struct store_query *q,
    store_row_fn fn, void *ctx);

/* Number of observations in the store. */
int store_count_observations(struct store *s, int64_t *n);

/* Deletes everything (for rebuild), inside a write transaction. */
int store_reset(struct store *s);

/*
 * Looks up incident id. Returns 1 and sets *out to a new incident record
 * (caller json_decref's it), 0 when there is no such incident, -1 on
 * error. The record (docs/fusion.md, "The incident record"):
 *   {"id", "kind": "observed"|"complaint", "group", "category", "count",
 *    "qualifier", "time_from_ms", "time_to_ms", "reported_from_ms",
 *    "reported_to_ms", "located", "lat", "lon", "cov": [ee, en, nn] (m^2),
 *    "zone", "zones": [{"layer", "zone"}], "description", "line":
 *    {"name", "distance_m", "side"} or null, "observations": [ids],
 *    "complaints": [ids], "corroborated_by": [incident ids],
 *    "independent_sources", "source_types": [...], "members": [...],
 *    "pinned", "live", "merged_into", "seed_index", "updated_index",
 *    "notes": [{"observation", "note"}], "decisions": [{"index",
 *    "applied", "message"}]}
 */
int store_find_incident(struct store *s, const char *id, json_t **out);

/* Runs q over the live incidents, calling fn in creation order. 0 or -1. */
int store_query_incidents(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, void *ctx);

/* Number of live incidents. */
int store_count_incidents(struct store *s, int64_t *n);

/* Initializes q to "every incident, no cursor, limit 100". */
void store_incident_query_init(struct store_incident_query *q);

/* Initializes q to "everything, no cursor, limit 100". */
void store_query_init(struct store_query *q);



/*
 * A fixed pool of n read connections to one store, shared by threads:
 * store_pool_get blocks until one is free, store_pool_put returns it.
 */
struct store_pool;

/* Opens n connections. NULL on error. */
struct store_pool *store_pool_new(const char *kind, const char *target,
    int n);

/* Closes every connection; NULL does nothing. */
void store_pool_free(struct store_pool *p);

struct store *store_pool_get(struct store_pool *p);
void store_pool_put(struct store_pool *p, struct store *s);
#endif
