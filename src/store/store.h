/*
 * store: the center's queryable index, filled from the log (DESIGN.md: "the
 * store is an index, not the truth"). Entries are applied in log order; the
 * store remembers how many it has applied, so a restart catches up from the
 * log and `truce rebuild` recreates it from the log alone.
 *
 * Backends sit behind struct store_ops (STYLE.md rule 11, after Redis's
 * ConnectionType): SQLite (store_sqlite.c, the default) and PostgreSQL +
 * PostGIS (store_pg.c), and the same test suite runs against each. The
 * rules of the center's entries are not the backends': store_apply hands
 * them to store/applier.h, which reads and writes through the backend's
 * rows (docs/storage.md, "Layers").
 * One struct store is one connection: use it from one thread at a time.
 */
#ifndef TRUCE_STORE_H
#define TRUCE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct store;
struct principal;
struct fusion;
struct applier_rows;
struct fusionbook_rows;
struct fusionbook_placed;
struct associate_incident;

#define STORE_MAX_CATEGORIES 16
#define STORE_REASON_LEN 256 /* a refused entry's reason */

/* A filter over observations; unset bounds are INT64_MIN / INT64_MAX. */
struct store_query {
	int has_bbox;
	int64_t min_lon_e7, min_lat_e7, max_lon_e7, max_lat_e7;
	int64_t from_ms, to_ms; /* overlap with [observed from, to] */
	const char *categories[STORE_MAX_CATEGORIES];
	size_t ncategories;
	const char *source_type;  /* NULL: any */
	const char *member;	  /* NULL: any */
	const char *organisation; /* NULL: any */
	int64_t after_index;	  /* cursor: only indexes above; -1 none */
	int limit;		  /* rows at most */
};

/*
 * Called once per matching observation, in log order, with its canonical
 * entry and its id as the store keeps it (SHA-256 of the entry, 32 bytes);
 * non-zero stops.
 */
typedef int (*store_row_fn)(void *ctx, int64_t index, const char *entry,
    size_t len, const uint8_t *id);

/* A filter over incidents; unset bounds are INT64_MIN / INT64_MAX. */
struct store_incident_query {
	int has_bbox; /* the incident's position inside */
	int64_t min_lon_e7, min_lat_e7, max_lon_e7, max_lat_e7;
	int64_t from_ms, to_ms; /* overlap with its time window */
	const char *categories[STORE_MAX_CATEGORIES];
	size_t ncategories;
	const char *zone;	 /* a zone it lies in; NULL: any */
	const char *released_to; /* released to this party; NULL: any */
	int64_t after;		 /* cursor: only incidents created after */
	int limit;		 /* rows at most */
	int brief; /* brief records (increcord_query), for a map */
};

/*
 * An incident as the store keeps it: fusion's record (fusion/associate.h)
 * and the words taken for it (strings borrowed for the call; NULL: none).
 * Its JSON is format/increcord.h's.
 */
struct store_incident_row {
	const struct associate_incident *inc;
	int64_t cursor; /* its place in creation order (query cursors) */
	const char *zone, *description;
	const char *line; /* the nearest line's name */
	double line_m;	  /* the distance to it, metres */
	const char *line_side;
};

/* Called once per incident row; non-zero stops. */
typedef int (
    *store_incident_fn)(void *ctx, const struct store_incident_row *row);

/*
 * What an incident is made of (store_incident_parts), one callback per
 * kind of part, each called in the order stated; a NULL callback skips
 * that part (and its read). Strings borrowed; non-zero stops.
 */
struct store_incident_visit {
	/* Observations and complaints fusion placed in it, in log order
	 * (linked 0), then complaints linked to it, in log order (linked
	 * 1, note NULL): id (64 hex), whether a complaint, its note (""
	 * or NULL: none), its source's organisation (NULL: none). */
	int (*part)(void *ctx, const char *id, int complaint, int linked,
	    const char *note, const char *organisation);
	/* The members whose monitors' observations it holds, in name
	 * order, once each. */
	int (*member)(void *ctx, const char *member);
	/* The incidents its complaints are linked to, in id order. */
	int (*corroborates)(void *ctx, const char *incident);
	/* Its zones, layer by layer in the order they were taken. */
	int (*zone)(void *ctx, const char *layer, const char *zone);
	/* The analysts' decisions on it, in log order. */
	int (*decision)(void *ctx, int64_t index, int applied,
	    const char *message);
};

/*
 * An incident as a map draws and filters it (store_brief_incidents), read
 * in one query rather than an incident's several: strings borrowed for
 * the call. Its JSON is format/increcord.h's.
 */
struct store_incident_brief {
	const char *id;
	int64_t cursor; /* its place in creation order (query cursors) */
	int category;	/* fusion's category (associate_category_name) */
	int located;
	double lat, lon; /* when located */
	double cov[3];	 /* ee, en, nn (m^2), when located */
	int64_t time_from_ms, time_to_ms;
	const char *zone;      /* NULL: it lies in none */
	int64_t count;	       /* fusion's count */
	uint32_t source_types; /* bit t: associate_source_type_name(t) */
	/* The members whose monitors' observations it holds, in name
	 * order, comma-separated (a member's name has no comma); "" or
	 * NULL: none. */
	const char *members;
	const char *state; /* its verification state; NULL: none yet */
};

/* Called once per brief incident row; non-zero stops. */
typedef int (
    *store_brief_fn)(void *ctx, const struct store_incident_brief *row);

/*
 * An incident as a count needs it (store_incident_tallies): strings
 * borrowed for the call; zone NULL when it lies in none (or is
 * unlocated), state "received" while no step of the joint verification
 * has been taken.
 */
struct store_incident_tally {
	const char *kind, *category, *zone, *state;
	int64_t time_from_ms; /* the start of its time window */
	int64_t count;	      /* fusion's count */
};

/* Called once per incident row; non-zero stops. */
typedef int (
    *store_tally_fn)(void *ctx, const struct store_incident_tally *row);

/*
 * A source's statement of its status (record/source_status.h) as the log
 * has it: strings borrowed for the call; member and organisation NULL
 * when the statement names none.
 */
struct store_source_status_row {
	int64_t index; /* its log entry */
	const char *type, *member, *organisation, *unit;
	const char *status, *reason;
	int64_t from_ms, to_ms; /* the period it states */
	const char *by;
};

/* Called once per statement; non-zero stops. */
typedef int (*store_source_status_fn)(void *ctx,
    const struct store_source_status_row *row);

/*
 * An alert rule as the store keeps it (store_alert_rules): the log index
 * of its "add" entry (its id), who added it and when, the entry itself
 * (compact JSON, keys sorted; alert/alert_rule.h), and the "disable" entry
 * that disabled it (disabled_index -1 and disabled_by NULL: enabled).
 * Strings borrowed for the call.
 */
struct store_alert_rule_row {
	int64_t index;
	const char *by;
	int64_t at_ms;
	const char *entry;
	int64_t disabled_index;
	const char *disabled_by;
};

/* Called once per alert rule; non-zero stops. */
typedef int (
    *store_alert_rule_fn)(void *ctx, const struct store_alert_rule_row *row);

/* Called once per observation with its id (SHA-256) and log index. */
typedef void (*store_id_fn)(void *ctx, const uint8_t id[32], int64_t index);

/*
 * An observation as the store indexes it, read from its entry above the
 * backend (store.c): strings borrowed for the call; member and
 * organisation NULL when none. Forms that carry their own coordinates
 * (point, uav_frame) are located; the others are located by fusion.
 */
struct store_observation_row {
	int64_t index;
	uint8_t id[32];	   /* SHA-256 of its entry */
	const char *entry; /* its canonical bytes */
	size_t len;
	int64_t from_ms, to_ms; /* observed_at */
	const char *category;
	int category_code; /* observation_category_code */
	const char *source_type, *member, *organisation;
	int located;
	int64_t lat_e7, lon_e7; /* when located */
};

/* A principal as the store keeps it (strings borrowed for the call; member
 * and party "" when none, revoked_index -1 while active). */
struct store_principal_row {
	const char *name, *role, *member, *party;
	int active;
	int64_t added_index, revoked_index;
};

/* Called once per principal, in name order; non-zero stops. */
typedef int (
    *store_principal_fn)(void *ctx, const struct store_principal_row *row);

/* One step of an item's chain of custody (strings borrowed). */
struct store_custody_row {
	int64_t index;	    /* the log entry */
	const char *action; /* upload | fetch */
	const char *by;
	int64_t at_ms;
};

/* Called once per step, in log order; non-zero stops. */
typedef int (*store_custody_fn)(void *ctx, const struct store_custody_row *row);

/*
 * Called once per row key of a state digest kind (store/statedigest.h):
 * the log index the row sorts by and the row's name (an incident's id, an
 * item's SHA-256 in hex); non-zero stops.
 */
typedef int (*store_key_fn)(void *ctx, int64_t index, const char *name);

/* The kinds of row keys store_state_keys lists. */
enum store_key_kind {
	STORE_KEYS_INCIDENTS,
	STORE_KEYS_STATES,
	STORE_KEYS_ASSESSMENTS,
	STORE_KEYS_TASKS,
	STORE_KEYS_CUSTODY,
	STORE_KEYS_NKINDS
};

/*
 * The rows of joint verification (docs/verification.md). A backend gives
 * them as they are stored, strings borrowed for the call; the JSON the API
 * shows is built from them above the backend (format/verform.h).
 */

/* A member and the log index since when it holds its key. */
struct store_member_row {
	const char *name, *vkey;
	int64_t since_index;
};

/* Called once per member, in name order; non-zero stops. */
typedef int (*store_member_fn)(void *ctx, const struct store_member_row *row);

/* An incident's verification state (tier_name and duplicate_of NULL when
 * none); an incident with no row is "received", tier 0. */
struct store_state_row {
	const char *incident, *state;
	int64_t tier;
	const char *tier_name, *duplicate_of;
	int64_t since_index, since_ms;
};

/* Which state rows: of one incident, or of every incident in a state. */
struct store_state_filter {
	const char *incident;	   /* this incident's row; NULL: by state */
	const char *state;	   /* with incident NULL: rows in this state */
	const char *unassessed_by; /* and no assessment by this member; NULL:
				      any */
};

/* Called once per state row (in no stated order); non-zero stops. */
typedef int (*store_state_fn)(void *ctx, const struct store_state_row *row);

/* An assessment as the log holds it: its signed note and who sent it. */
struct store_assessment_row {
	int64_t index; /* its log entry */
	const char *member;
	int64_t revision;
	const char *by;
	int64_t at_ms;
	const char *note; /* the member's signed note */
};

/* Called once per assessment; non-zero stops. */
typedef int (
    *store_assessment_fn)(void *ctx, const struct store_assessment_row *row);

/* A task (done_index, done_by: when done; note NULL when none). */
struct store_task_row {
	int64_t task; /* the log index that assigned it */
	const char *incident, *unit, *kind, *description;
	int64_t due_ms;
	const char *by;
	int64_t at_ms;
	int done;
	int64_t done_index;
	const char *done_by, *note;
};

/* Which tasks: every field set narrows (NULL / -1: any). */
struct store_task_filter {
	const char *incident; /* of this incident */
	int64_t task;	      /* the one assigned at this index */
	const char *open_for; /* not done, assigned to this unit */
};

/* Called once per task, in log order; non-zero stops. */
typedef int (*store_task_fn)(void *ctx, const struct store_task_row *row);

/* One step of an incident's trail (from, to NULL unless a state change). */
struct store_event_row {
	int64_t index;
	const char *kind, *from, *to;
};

/* Called once per step, in log order; non-zero stops. */
typedef int (*store_event_fn)(void *ctx, const struct store_event_row *row);

/* Called once per log index; non-zero stops. */
typedef int (*store_index_fn)(void *ctx, int64_t index);

/* Called once per text value (a party); non-zero stops. */
typedef int (*store_text_fn)(void *ctx, const char *text);

/* A report as the store keeps it (report/reportentry.h; docs/products.md;
 * strings borrowed for the call). */
struct store_report_row {
	const char *id;
	int64_t index; /* the draft's log entry */
	const char *kind, *number, *subject;
	int64_t from_ms, to_ms; /* its period */
	int64_t log_size;	/* the log size it was computed at */
	const char *root;
	const char *by;
	int64_t at_ms;
	const char *state; /* draft, released, superseded, refused */
	int64_t state_index;
};

/* Which reports: every field set narrows (NULL: any). */
struct store_report_filter {
	const char *id, *state, *kind;
};

/* Called once per report, in drafting order; non-zero stops. */
typedef int (*store_report_fn)(void *ctx, const struct store_report_row *row);

/* A member's signature or refusal of a report (reason NULL: none). */
struct store_signature_row {
	const char *member, *decision, *reason;
	int64_t index, signed_at_ms;
	const char *note; /* the member's signed note */
};

/* Called once per signature, in member order; non-zero stops. */
typedef int (
    *store_signature_fn)(void *ctx, const struct store_signature_row *row);

struct store_ops {
	const char *name;
	struct store *(*open)(const char *target, int flags);
	void (*close)(struct store *s);
	/* Makes a STORE_BULK load the store readers see (store_bulk_publish);
	 * NULL: nothing to do (SQLite: the caller renames the file). */
	int (*bulk_publish)(struct store *s);
	int (*begin)(struct store *s);
	int (*commit)(struct store *s, int64_t applied_size);
	int (*rollback)(struct store *s);
	int (*applied_size)(struct store *s, int64_t *size);
	/* Indexes an observation (inside a write transaction). */
	int (*index_observation)(struct store *s,
	    const struct store_observation_row *row);
	/* The rows the applier reads and writes (its db is s). */
	const struct applier_rows *rows;
	/* The rows fusion's book loads and writes behind (store/fusionbook.h;
	 * its db is s). */
	const struct fusionbook_rows *fusion_rows;
	int (*find_observation)(struct store *s, const char *id, int64_t *index,
	    char **entry, size_t *len);
	int (*query_observations)(struct store *s, const struct store_query *q,
	    store_row_fn fn, void *ctx);
	int (*observation_ids)(struct store *s, store_id_fn fn, void *ctx);
	int (*count_observations)(struct store *s, int64_t *n);
	int (*reset)(struct store *s);
	int (
	    *refusal)(struct store *s, int64_t index, char *reason, size_t len);
	int (*find_token)(struct store *s, const uint8_t hash[32],
	    struct principal *p);
	int (*find_principal)(struct store *s, const char *name,
	    struct principal *p);
	int (*principals)(struct store *s, store_principal_fn fn, void *ctx);
	int (*members)(struct store *s, store_member_fn fn, void *ctx);
	int (*center_value)(struct store *s, const char *key, char **text);
	int (*key_used)(struct store *s, const char *vkey);
	int (*find_evidence)(struct store *s, const char *sha256_hex,
	    int64_t *size, char *media_type, size_t len);
	int (*custody)(struct store *s, const char *sha256_hex,
	    store_custody_fn fn, void *ctx);
	int (*uploaded_by)(struct store *s, const char *sha256_hex,
	    const char *name);
	int (*incident_exists)(struct store *s, const char *id);
	int (*incident_states)(struct store *s,
	    const struct store_state_filter *f, store_state_fn fn, void *ctx);
	/* The state rows of a list of incidents (store_incident_states_of). */
	int (*incident_states_of)(struct store *s, const char *const *ids,
	    size_t n, store_state_fn fn, void *ctx);
	int (*assessments)(struct store *s, const char *id, int latest,
	    store_assessment_fn fn, void *ctx);
	int (*releases)(struct store *s, const char *id, store_text_fn fn,
	    void *ctx);
	int (*tasks)(struct store *s, const struct store_task_filter *f,
	    store_task_fn fn, void *ctx);
	int (*history)(struct store *s, const char *id, store_event_fn fn,
	    void *ctx);
	int (*released)(struct store *s, const char *id, const char *party);
	int (*find_incident)(struct store *s, const char *id,
	    store_incident_fn fn, void *ctx);
	int (*query_incidents)(struct store *s,
	    const struct store_incident_query *q, store_incident_fn fn,
	    void *ctx);
	int (*brief_incidents)(struct store *s,
	    const struct store_incident_query *q, store_brief_fn fn, void *ctx);
	int (*incident_parts)(struct store *s, const char *id,
	    const struct store_incident_visit *v, void *ctx);
	int (*count_incidents)(struct store *s, int64_t *n);
	int (*incident_tallies)(struct store *s, int64_t from_ms, int64_t to_ms,
	    const char *released_to, store_tally_fn fn, void *ctx);
	/* Products (docs/products.md). */
	int (*read_begin)(struct store *s);
	int (*read_end)(struct store *s);
	int (*reports)(struct store *s, const struct store_report_filter *f,
	    store_report_fn fn, void *ctx);
	int (*signatures)(struct store *s, const char *report,
	    store_signature_fn fn, void *ctx);
	int (*report_entries)(struct store *s, int64_t below, store_index_fn fn,
	    void *ctx);
	int (*observation_incident)(struct store *s, int64_t index,
	    char *incident, size_t len, int *created);
	int (*source_statuses)(struct store *s, int64_t from_ms, int64_t to_ms,
	    store_source_status_fn fn, void *ctx);
	/* Keys of the rows of a state digest kind (store_state_keys). */
	int (*state_keys)(struct store *s, enum store_key_kind kind,
	    int64_t from, int64_t to, store_key_fn fn, void *ctx);
	/* Alert rules added in [from, to) (store_alert_rules). */
	int (*alert_rules)(struct store *s, int64_t from, int64_t to,
	    store_alert_rule_fn fn, void *ctx);
	/* A chunk of incidents with their parts (store_state_incidents). */
	int (*state_incidents)(struct store *s, int64_t from, int64_t to,
	    store_incident_fn fn, const struct store_incident_visit *v,
	    void *ctx);
};

#define STORE_READONLY 1 /* no writes, no schema creation */
#define STORE_SCRATCH \
	2 /* a throw-away store (an audit's replay): no
			    durability, so commits cost no sync, and no
			    spatial index, so queries by bbox or time fail */
#define STORE_BULK \
	4 /* written in one go and thrown away if that fails (truce
	     rebuild). SQLite: no sync and an in-memory journal while open;
	     the caller makes the file durable after store_close and
	     renames it over the old one. PostgreSQL: loaded into fresh
	     tables beside the store, which store_bulk_publish swaps in (a
	     store closed before that is dropped, the old one untouched) */

/* The longest PostgreSQL URI a store is named by (truce.conf's store). */
#define STORE_PG_URI_MAX 255

/*
 * Opens the store of backend `kind` at target, creating or migrating its
 * schema unless flags has STORE_READONLY. kind "sqlite": target is the
 * file's path. kind a PostgreSQL URI (postgresql://user@host:port/db or
 * postgres://..., as truce.conf's store says): that database, target
 * ignored; kind "postgresql": target is the URI. NULL on error (logged).
 */
struct store *store_open(const char *kind, const char *target, int flags);

/* 1 if s is a PostgreSQL URI (postgresql:// or postgres://), else 0. */
int store_pg_uri(const char *s);

/*
 * 1 if a store of backend kind is a file at its target (SQLite: rebuilt
 * beside it and renamed over it), 0 if it lives elsewhere (PostgreSQL:
 * rebuilt into fresh tables in its database, swapped in by
 * store_bulk_publish).
 */
int store_kind_is_file(const char *kind);

/*
 * Counts SQLite's failed allocations and the damage it finds in the whole
 * process (its error log, SQLITE_CONFIG_LOG): a failure found while memory
 * ran out may be memory's, not the data's (truce audit), and turns off
 * SQLite's memory statistics (nothing reads them; they serialise every
 * allocation). Call once before any store is opened and before any thread
 * starts (main); without it the count never moves.
 */
void store_nomem_install(void);

/* How many of SQLite's allocations failed since store_nomem_install. */
uint64_t store_nomem_failures(void);

/*
 * How many times since store_nomem_install SQLite found a database file
 * damaged (SQLITE_CORRUPT) or not a database at all (SQLITE_NOTADB): the
 * store is then to be rebuilt from the log, which `truce serve` says.
 */
uint64_t store_damage_seen(void);

/* Closes the store; NULL does nothing. */
void store_close(struct store *s);

/*
 * Makes what a store opened with STORE_BULK loaded the store its readers
 * see, in one step: PostgreSQL swaps the fresh tables in for the old in
 * one transaction (a reader sees the whole old store or the whole new
 * one) and drops the old; SQLite does nothing (the file is renamed over
 * the old one after store_close). Call after the last commit, before
 * store_close. 0, or -1 (logged; the old store is still the one read).
 */
int store_bulk_publish(struct store *s);

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
 * the live path and replay (catch-up, rebuild) are the same path. Fusion's
 * book lives here, above the backend (store/fusionbook.h).
 */
void store_set_fusion(struct store *s, struct fusion *f);

/*
 * Readies what fusion keeps in memory while applying (its book,
 * store/fusionbook.h, loaded from the backend's rows: about a second per
 * 100,000 observations), so that the first entry applied does not wait.
 * Optional: store_apply does the same when needed. 0, or -1 on error
 * (logged; store_apply then tries again).
 */
int store_prepare_fusion(struct store *s);

/*
 * Applies log entry `index` (its parsed canonical entry, its bytes and, for
 * observations, its id) inside a write transaction: the applier's entry
 * types go through its rules (store/applier.h), observations are indexed,
 * and with a fusion engine attached every entry goes through fusion_apply.
 * Entry types the store does not index are accepted and ignored. 0 or -1.
 */
int store_apply(struct store *s, int64_t index, const json_t *entry,
    const char *bytes, size_t len, const char *id);

/*
 * Where fusion placed the observation the last store_apply on s applied,
 * if that was log index (store/fusionbook.h): 1 with *out filled, 0 when
 * the last entry applied was another, or fusion placed nothing (no engine
 * attached, not an observation, or one it cannot place). What the event
 * follower (alert/events.h) would otherwise read back from the store.
 */
int store_placed(struct store *s, int64_t index, struct fusionbook_placed *out);

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

/*
 * Calls fn for every observation's id and index, in no particular order
 * (the sequencer's in-memory dedup index is loaded this way). 0 or -1.
 */
int store_observation_ids(struct store *s, store_id_fn fn, void *ctx);

/* Runs q, calling fn for each row in log order. 0 or -1. */
int store_query_observations(struct store *s, const struct store_query *q,
    store_row_fn fn, void *ctx);

/* Number of observations in the store. */
int store_count_observations(struct store *s, int64_t *n);

/* Deletes everything (for rebuild), inside a write transaction. */
int store_reset(struct store *s);

/*
 * Whether the apply path refused log entry index (an entry that was valid
 * when written but not when applied, e.g. two concurrent revocations of one
 * principal): 1 with the reason in reason (len bytes), 0 if it applied, -1
 * on error. Refused entries stay in the log and change nothing.
 */
int store_refusal(struct store *s, int64_t index, char *reason, size_t len);

/*
 * Looks up the active principal holding the token with SHA-256 hash.
 * 1 and *p filled, 0 if none (unknown or revoked), -1 on error.
 */
int store_find_token(struct store *s, const uint8_t hash[32],
    struct principal *p);

/* Looks up an active principal by name: 1 and *p, 0 if none, -1. */
int store_find_principal(struct store *s, const char *name,
    struct principal *p);

/*
 * Calls fn for every principal, active or revoked, in name order (never a
 * token or its hash; the API's JSON is server/principals.c's). 0 or -1.
 */
int store_principals(struct store *s, store_principal_fn fn, void *ctx);

/* Calls fn for every current member, in name order. 0 or -1. */
int store_members(struct store *s, store_member_fn fn, void *ctx);

/*
 * The center's setting key (genesis: "rule", "parties") as the JSON text
 * the applier stored: 1 and a new *text (caller frees), 0 if none, -1 on
 * error.
 */
int store_center_value(struct store *s, const char *key, char **text);

/* 1 if vkey was ever a member's key, 0 if not, -1 on error. */
int store_key_used(struct store *s, const char *vkey);

/*
 * Looks up evidence by SHA-256 (64 lower-case hex): 1 with its size and
 * the media type of its first upload (into media_type, len bytes), 0 if
 * unknown, -1 on error.
 */
int store_find_evidence(struct store *s, const char *sha256_hex, int64_t *size,
    char *media_type, size_t len);

/*
 * Calls fn for each step of the chain of custody of item sha256_hex (64
 * lower-case hex), in log order; none for a digest that is not one.
 * 0 or -1.
 */
int store_custody(struct store *s, const char *sha256_hex, store_custody_fn fn,
    void *ctx);

/* 1 if principal name uploaded the item, 0 if not, -1 on error. */
int store_uploaded_by(struct store *s, const char *sha256_hex,
    const char *name);

/* 1 if incident id exists, 0 if not, -1 on error. */
int store_incident_exists(struct store *s, const char *id);

/*
 * Calls fn for the state row of incident f->incident (none while it is
 * "received"), or with f->incident NULL for every incident in state
 * f->state that, when f->unassessed_by is set, that member has not
 * assessed. 0 or -1.
 */
int store_incident_states(struct store *s, const struct store_state_filter *f,
    store_state_fn fn, void *ctx);

/* The most incidents store_incident_states_of reads at once. */
#define STORE_STATES_MAX 1000

/*
 * Calls fn for the state row of each incident of ids[0..n-1] that has one
 * (none for one still "received"; an id listed twice may come twice), in
 * no stated order: what a page of a listing shows of each incident's
 * verification, read for the whole page at once where
 * store_incident_states reads one incident. fn must not use s (a backend
 * may hold the rows of a statement). -1 when n is above STORE_STATES_MAX
 * (logged, naming the limit) or on error, else 0. Cost: one statement
 * (PostgreSQL) or one indexed lookup per id (SQLite, local and prepared).
 */
int store_incident_states_of(struct store *s, const char *const *ids, size_t n,
    store_state_fn fn, void *ctx);

/*
 * Calls fn for the assessments of incident id: with latest, each member's
 * latest revision in member order; else every revision in log order.
 * 0 or -1.
 */
int store_assessments(struct store *s, const char *id, int latest,
    store_assessment_fn fn, void *ctx);

/* Calls fn for each party incident id was released to, in name order. */
int store_releases(struct store *s, const char *id, store_text_fn fn,
    void *ctx);

/* Calls fn for each task f selects, in log order. 0 or -1. */
int store_tasks(struct store *s, const struct store_task_filter *f,
    store_task_fn fn, void *ctx);

/* Initializes f to "every task". */
void store_task_filter_init(struct store_task_filter *f);

/*
 * Calls fn for each step of the trail of incident id, in log order (kind
 * one of observation (fusion placed it here), decision (an analyst's
 * merge or split), state, assessment, task, task_done, release; an
 * assessment and the state change it causes share an index). 0 or -1.
 */
int store_history(struct store *s, const char *id, store_event_fn fn,
    void *ctx);

/* 1 if incident id was released to party, 0 if not, -1 on error. */
int store_released(struct store *s, const char *id, const char *party);

/*
 * Looks up incident id (live or merged): calls fn once with its row and
 * returns 1, 0 when there is no such incident, -1 on error.
 */
int store_find_incident(struct store *s, const char *id, store_incident_fn fn,
    void *ctx);

/*
 * Runs q over the live incidents, calling fn with each row in creation
 * order. fn may read the store (store_incident_parts). 0 or -1.
 */
int store_query_incidents(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, void *ctx);

/*
 * Runs q over the live incidents (q->brief aside), calling fn with each
 * brief row in creation order: what a map draws and filters on, one
 * query in all. 0 or -1.
 */
int store_brief_incidents(struct store *s, const struct store_incident_query *q,
    store_brief_fn fn, void *ctx);

/* Visits the parts of incident id with v (see struct store_incident_visit).
 * 0 or -1. */
int store_incident_parts(struct store *s, const char *id,
    const struct store_incident_visit *v, void *ctx);

/* Number of live incidents. */
int store_count_incidents(struct store *s, int64_t *n);

/*
 * Calls fn once per live incident whose time window starts in [from_ms,
 * to_ms) and (released_to not NULL) that was released to that party, in
 * no stated order, with only what counting needs: one row each, where
 * increcord_query builds the whole record (its observations,
 * zones, decisions) — trends over a year read hundreds of thousands.
 * fn must not use s: a backend may stream the rows (PostgreSQL does).
 * Cost: one indexed range scan. 0 or -1.
 */
int store_incident_tallies(struct store *s, int64_t from_ms, int64_t to_ms,
    const char *released_to, store_tally_fn fn, void *ctx);

/*
 * A read snapshot: between store_read_begin and store_read_end every read
 * of this connection sees the store as of one commit (one applied size),
 * so what a report gathers from several queries is consistent. Not inside
 * a write transaction. 0 or -1.
 */
int store_read_begin(struct store *s);
int store_read_end(struct store *s);

/*
 * Calls fn for each report f selects (report/reportentry.h), in drafting
 * order; their JSON is format/reportform.h's. 0 or -1.
 */
int store_reports(struct store *s, const struct store_report_filter *f,
    store_report_fn fn, void *ctx);

/* Calls fn for each member's signature or refusal of report, in member
 * order (one a member). 0 or -1. */
int store_signatures(struct store *s, const char *report, store_signature_fn fn,
    void *ctx);

/*
 * The log size a report computed at applied size `size` stands on: size
 * less the report entries at its end, which change nothing a report says.
 * 0 or -1.
 */
int store_report_basis(struct store *s, int64_t size, int64_t *basis);

/*
 * Calls fn with the log index of every report entry (applied or refused)
 * below `below`, highest first. 0 or -1.
 */
int store_report_entries(struct store *s, int64_t below, store_index_fn fn,
    void *ctx);

/*
 * The incident fusion placed the observation at log index in: 1 with its
 * id in incident (len bytes) and *created 1 when the observation seeded
 * it, 0 when the index is no observation fusion placed, -1 on error.
 */
int store_observation_incident(struct store *s, int64_t index, char *incident,
    size_t len, int *created);

/*
 * Calls fn once per source's status statement (record/source_status.h)
 * whose period overlaps [from_ms, to_ms), in log order; their JSON is
 * format/reportform.h's (reportform_source_statuses). 0 or -1.
 */
int store_source_statuses(struct store *s, int64_t from_ms, int64_t to_ms,
    store_source_status_fn fn, void *ctx);

/*
 * Calls fn for the keys of the rows of a state digest kind whose index
 * lies in [from, to), in (index, name) order:
 *   STORE_KEYS_INCIDENTS    every incident, live or merged: its seed
 *                           index, its id;
 *   STORE_KEYS_STATES       incidents with a verification state or trail
 *                           event;
 *   STORE_KEYS_ASSESSMENTS  incidents with an assessment;
 *   STORE_KEYS_TASKS        incidents with a task or a release;
 *   STORE_KEYS_CUSTODY      every step of custody: its log index, the
 *                           item's SHA-256 (64 lower-case hex).
 * Rows only; what a row holds is store/statedigest.c's. fn must not use
 * s: a backend may stream the rows (PostgreSQL does). 0, or -1 on error
 * or an unknown kind. Cost: one scan of the kind's table.
 */
int store_state_keys(struct store *s, enum store_key_kind kind, int64_t from,
    int64_t to, store_key_fn fn, void *ctx);

/*
 * The incidents whose seed index lies in [from, to), live or merged, in
 * (seed index, id) order (store_state_keys' STORE_KEYS_INCIDENTS): for
 * each, fn with its row as store_find_incident gives it, then v's
 * callbacks with its parts as store_incident_parts visits them (a NULL
 * callback skips that part and its read). What a chunk of the incidents'
 * state digest needs, read with one query per table for the whole range
 * rather than several queries per incident. Callbacks must not use s (a
 * backend may have several statements open). A part callback's non-zero
 * skips the rest of that part of that incident; fn's stops. 0 or -1.
 */
int store_state_incidents(struct store *s, int64_t from, int64_t to,
    store_incident_fn fn, const struct store_incident_visit *v, void *ctx);

/*
 * Calls fn for every alert rule whose "add" entry's index lies in
 * [from, to), in index order, with its state (store_alert_rule_row). fn
 * must not use s. 0 or -1.
 */
int store_alert_rules(struct store *s, int64_t from, int64_t to,
    store_alert_rule_fn fn, void *ctx);

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
struct store_pool *store_pool_new(const char *kind, const char *target, int n);

/* Closes every connection; NULL does nothing. */
void store_pool_free(struct store_pool *p);

struct store *store_pool_get(struct store_pool *p);
void store_pool_put(struct store_pool *p, struct store *s);

/*
 * Whether a file store's file was replaced since it was opened (`truce
 * rebuild` renames a new one over it): then 1, and each connection is
 * reopened on the new file when it is next taken (one taken meanwhile
 * finishes on the old). 0 otherwise, and always for PostgreSQL, whose
 * rebuild changes the database in place.
 */
int store_pool_refresh(struct store_pool *p);
#endif
