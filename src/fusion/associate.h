/*
 * associate: observations into incidents (DESIGN.md, "From observations to
 * incidents"), incrementally, in log order, deterministically.
 *
 * Each observation, once located (fusion/position.h), is compared with the
 * live incidents of its category group whose time window it overlaps; the
 * gate is the Mahalanobis distance of its position from the incident's,
 * with the sum of its covariance, the incident's and an extent term for
 * the group (an artillery strike spreads its impacts over hundreds of
 * metres), against a chi-square quantile with 2 degrees of freedom. It
 * joins the incident with the smallest distance plus a time term
 * (associate_time2; ties: the incident seeded first, then the smaller id:
 * a total order), or seeds a new incident whose
 * id derives from its own id. Its time window is its reported time widened
 * by its source's time precision; an incident's window is the intersection
 * of its members' (the times consistent with every report). An incident's
 * summary — position (the information-weighted mean), covariance, count,
 * corroboration — is that of all its members whenever they change, kept
 * as a running summary (associate_summary below) so a member joins in
 * O(1), bit for bit what recomputing from the members gives.
 * Complaints never join: they are linked to the incidents they match, and
 * each is its own "complaint" incident, uncorroborated while no link
 * exists. Analysts' merges and splits (record/decision.h) move members
 * between incidents; automatic association never moves an observation
 * once placed, so their effect holds on replay and afterwards.
 * docs/fusion.md gives every rule and number.
 *
 * The incidents live in a *book* the caller provides through struct
 * associate_book_ops: the store's tables (store_sqlite.c) or an in-memory
 * set (fusion/incident_set.h). The rules are here, once; the book only
 * keeps and finds. Pure: no I/O of its own.
 */
#ifndef TRUCE_ASSOCIATE_H
#define TRUCE_ASSOCIATE_H

#include <stddef.h>
#include <stdint.h>

#include "record/decision.h" /* DECISION_INCIDENT_ID_LEN */

#define ASSOCIATE_ID_LEN DECISION_INCIDENT_ID_LEN /* "inc-" + 24 hex */
#define ASSOCIATE_OBS_ID_LEN 64
#define ASSOCIATE_GATE_CHI2 9.210340371976184 /* chi2(2 dof, 0.99) */

/* Category groups: categories that may describe one event. */
enum associate_group {
	ASSOCIATE_IMPACT =
	    0,		    /* explosion, projectile_in_flight, drone_strike */
	ASSOCIATE_FIRE,	    /* burst_or_shot, small_arms_fire, muzzle_flash */
	ASSOCIATE_FLARE,    /* illumination_flare */
	ASSOCIATE_AIR,	    /* airspace_violation */
	ASSOCIATE_MOVEMENT, /* movement_in_restricted_zone */
	ASSOCIATE_WORKS,    /* fortification_work */
	ASSOCIATE_MINE,	    /* mine_or_uxo */
	ASSOCIATE_OTHER,    /* other */
	ASSOCIATE_NGROUPS
};

enum associate_qualifier {
	ASSOCIATE_EXACT = 0,
	ASSOCIATE_ABOUT = 1,
	ASSOCIATE_AT_LEAST = 2
};

enum associate_kind {
	ASSOCIATE_OBSERVED = 0, /* has an observation that is not a complaint */
	ASSOCIATE_COMPLAINT = 1 /* complaints only */
};

/* What fusion keeps of one observation. Held by callers (a plain value). */
struct associate_obs {
	int64_t index;			   /* log index: the total order */
	char id[ASSOCIATE_OBS_ID_LEN + 1]; /* observation id, hex */
	int64_t t_from, t_to;		   /* reported (or solved) time, ms */
	int64_t w_from, w_to;		   /* widened by time precision */
	int category;			   /* associate_category_name */
	int group;			   /* enum associate_group */
	int source_type;		   /* associate_source_type_name */
	uint64_t source;		   /* associate_source_hash */
	int64_t count;
	int qualifier;	  /* enum associate_qualifier */
	int complaint;	  /* 1: source type complaint */
	int located;	  /* 1: lat, lon, cov are set */
	double lat, lon;  /* degrees */
	double cov[3];	  /* {ee, en, nn}, m^2 */
	double search_m;  /* gate radius (set when placed) */
	const char *note; /* why unlocated, or a caveat; borrowed for the
			     call that carries it; NULL: none */
};

/* An incident's summary, as the book keeps it. */
struct associate_incident {
	char id[ASSOCIATE_ID_LEN + 1];
	int64_t seed_index;    /* log index of the entry that created it */
	int64_t updated_index; /* log index of the last entry changing it */
	int kind;	       /* enum associate_kind */
	int group;
	int category; /* the members' most frequent category */
	int located;
	double lat, lon, cov[3]; /* fused position and its covariance */
	double search_m;	 /* gate radius around (lat, lon), metres */
	int64_t t_from, t_to;	 /* time window shown, ms */
	int64_t g_from, g_to;	 /* time window the gate uses, ms */
	int64_t count;
	int qualifier;
	int nobs;	       /* members, complaints included */
	int ncomplaints;       /* complaint members */
	int nsources;	       /* independent sources (not complaints) */
	unsigned source_types; /* bit t: a member of source type t */
	int pinned;	       /* 1: an analyst merged or split it */
	int live;	       /* 0: merged into merged_into */
	char merged_into[ASSOCIATE_ID_LEN + 1];
};

/* A box in degrees and a time window, for the book's searches. */
struct associate_query {
	int group; /* only incidents of this group */
	int kind;  /* only incidents of this kind */
	double min_lat, max_lat, min_lon, max_lon;
	int64_t from, to; /* overlapping this window (ms) */
};

typedef int (
    *associate_incident_fn)(void *arg, const struct associate_incident *inc);
typedef int (*associate_obs_fn)(void *arg, const struct associate_obs *o);

/*
 * The book: where incidents and the observations fusion has seen are kept.
 * Every function returns 0 (for get: 1 found, 0 not) or -1 on an error of
 * the book itself, which the associator passes up. Callbacks return 0 to
 * go on, non-zero to stop (not an error).
 */
struct associate_book_ops {
	/* Calls fn for every live incident of q->kind and q->group whose
	 * search box (lat, lon ± search_m) overlaps q's box and whose gate
	 * window overlaps [q->from, q->to]; located incidents only. A
	 * superset is fine: the associator applies the exact gate. */
	int (*candidates)(void *book, const struct associate_query *q,
	    associate_incident_fn fn, void *arg);
	/* Loads incident id into *out. */
	int (*get)(void *book, const char *id, struct associate_incident *out);
	/* Calls fn for each member of incident id, in log order. */
	int (*members)(void *book, const char *id, associate_obs_fn fn,
	    void *arg);
	/* Records a new observation as a member of incident id. */
	int (*add_obs)(void *book, const struct associate_obs *o,
	    const char *incident);
	/* Makes the observation at index a member of incident id. */
	int (*move_obs)(void *book, int64_t index, const char *incident);
	/* Inserts or replaces an incident (by id). */
	int (*put)(void *book, const struct associate_incident *inc);
	/* Calls fn for every located complaint whose box (position ± its
	 * search radius) overlaps q's box and whose window overlaps
	 * [q->from, q->to] (q->group and q->kind are not used). */
	int (*complaints)(void *book, const struct associate_query *q,
	    associate_obs_fn fn, void *arg);
	/* Replaces the complaints linked to incident id by idx[0..n-1]. */
	int (*set_links)(void *book, const char *incident, const int64_t *idx,
	    size_t n);
	/* Adds a link from the complaint at index to incident id. */
	int (*add_link)(void *book, const char *incident, int64_t index);
	/* Notes what became of the decision at index (may be NULL). */
	int (*decided)(void *book, int64_t index, const char *incident,
	    int applied, const char *message);
	/* The running summary (associate_summary_*) the book keeps with
	 * incident id, created empty the first time it is asked for and
	 * freed with the book; NULL when out of memory or when the book
	 * keeps none. May be NULL: every summary is then recomputed from
	 * the members. The associator alone fills it. */
	struct associate_summary *(*summary)(void *book, const char *id);
};

/*
 * Identifies a source — one monitor team or sensor: its type, member,
 * organisation and unit (any may be NULL) — by the first 8 bytes of the
 * SHA-256 of "type|member|organisation|unit". Two sources are the same
 * when their hashes are (a collision among a center's few thousand
 * sources has a probability below 1e-12).
 */
uint64_t associate_source_hash(const char *type, const char *member,
    const char *organisation, const char *unit);

/* The name of category i, or NULL past the last; its index, or -1. */
const char *associate_category_name(int i);
int associate_category(const char *name);

/* The name of source type i, or NULL past the last; its index, or -1. */
const char *associate_source_type_name(int i);
int associate_source_type(const char *name);

/* The group of a category index; ASSOCIATE_OTHER if unknown. */
int associate_group_of(int category);

/* The group's name ("impact", "fire", ...). */
const char *associate_group_name(int group);

/* The extent sigma of a group's events, metres (docs/fusion.md). */
double associate_extent_m(int group);

/* "exact", "about", "at_least"; and back (-1 if unknown). */
const char *associate_qualifier_name(int q);
int associate_qualifier(const char *name);

/*
 * How far a source's reported time may be from the event: before_ms ahead
 * of it and after_ms behind it, by source type; solved is 1 when the time
 * comes from an arrival-time fix (then it is the sensor rule). Writes both.
 */
void associate_time_tolerance(int source_type, int solved, int64_t *before_ms,
    int64_t *after_ms);

/*
 * Derives the incident id that observation obs_id (64 hex) seeds: "inc-"
 * and its first 24 hex digits. id gets ASSOCIATE_ID_LEN + 1 bytes.
 */
void associate_seed_id(const char *obs_id, char id[ASSOCIATE_ID_LEN + 1]);

/*
 * Derives the id of the incident a split at log index makes from incident
 * parent: "inc-" and the first 24 hex digits of
 * SHA-256("truce-split\n" parent "\n" index).
 */
void associate_split_id(const char *parent, int64_t index,
    char id[ASSOCIATE_ID_LEN + 1]);

/*
 * Summarizes members m[0..n-1] (in log order, n >= 1) into *inc, keeping
 * inc's id, seed_index, updated_index, pinned, live and merged_into. See
 * docs/fusion.md for the rules (position, windows, count, corroboration).
 * Returns -1 if out of memory (inc untouched).
 */
int associate_summarize(const struct associate_obs *m, size_t n,
    struct associate_incident *inc);

/*
 * A running summary: what associate_summarize computes, kept as sums and
 * counts so that one more member costs O(1) (a hash of its source)
 * instead of a pass over every member. Members must be added in log
 * order; the result is then bit for bit associate_summarize's over the
 * same members (the same floating-point sums in the same order), which
 * tests/unit/test_associate.c checks on randomized incidents. An
 * analyst's merge or split (pinned: the position's spread needs every
 * member) and incidents that mix complaints with other reports are
 * summarized from their members instead. Memory: about 700 bytes, plus
 * 32 bytes per distinct source.
 */
struct associate_summary;

/* A new, empty summary; NULL if out of memory. */
struct associate_summary *associate_summary_new(void);

/* Frees sum; NULL does nothing. */
void associate_summary_free(struct associate_summary *sum);

/* Empties sum (its memory is kept). */
void associate_summary_reset(struct associate_summary *sum);

/*
 * Adds member o (after every member added so far in log order). Returns
 * 0, or -1 if out of memory (sum is then reset, and must be refilled
 * from the members before it is used again).
 */
int associate_summary_add(struct associate_summary *sum,
    const struct associate_obs *o);

/*
 * Writes the summary of sum's members into *inc as associate_summarize
 * does (keeping inc's id, seed_index, updated_index, pinned, live and
 * merged_into). Returns 0; 1 when sum cannot say (no member, inc is
 * pinned, or complaints and other reports are mixed) and inc is
 * untouched: summarize the members instead.
 */
int associate_summary_result(const struct associate_summary *sum,
    struct associate_incident *inc);

/*
 * The box around (lat, lon) that holds every point within r_m metres,
 * in degrees, rounded outward (a degree is taken at its shortest on
 * WGS84), into q's min/max fields. Books index incidents and complaints
 * by these boxes, so a search never misses what the gate would accept.
 */
void associate_box(double lat, double lon, double r_m,
    struct associate_query *q);

/* The gate radius of an observation: the square root of the gate times the
 * largest eigenvalue of its covariance plus the extent term, metres. */
double associate_obs_radius(const struct associate_obs *o);

/*
 * The squared Mahalanobis distance between o and inc's position with the
 * sum of covariances and the group's extent term; INFINITY when either is
 * unlocated.
 */
double associate_distance2(const struct associate_obs *o,
    const struct associate_incident *inc);

/*
 * The time term of the ranking: the squared difference of the centres of
 * o's window and inc's gate window over the sum of their variances, each
 * window taken as plus or minus two standard deviations. Used to choose
 * among incidents that pass the gate, not in the gate itself.
 */
double associate_time2(const struct associate_obs *o,
    const struct associate_incident *inc);

/*
 * Places observation o (log index o->index) in the book: a complaint seeds
 * its complaint incident and is linked to the incidents it matches; any
 * other observation joins the best incident in its gate or seeds one.
 * Writes the incident's id into incident. Returns 0, or -1 if the book
 * failed. Cost: one candidates search, the gate for each candidate, and
 * one step of the chosen incident's running summary (ops->summary), so
 * O(1) however many members it has; a pass over its members only when
 * the book keeps no summary, the summary is not up to date (a book just
 * loaded), or the incident is pinned.
 */
int associate_observation(const struct associate_book_ops *ops, void *book,
    const struct associate_obs *o, char incident[ASSOCIATE_ID_LEN + 1]);

/*
 * Applies the merge of incident `with` into `into` decided at log index.
 * A decision that no longer applies (an incident missing or merged away)
 * changes nothing and is reported to ops->decided as not applied.
 * Returns 0, or -1 if the book failed.
 */
int associate_merge(const struct associate_book_ops *ops, void *book,
    int64_t index, const char *into, const char *with);

/*
 * Applies the split of the observations ids[0..n-1] (64 hex each) off
 * incident `from`, decided at log index, into a new incident
 * (associate_split_id). Refused (not applied) when the incident is not
 * live, an id is not one of its members, or every member would leave.
 * Returns 0, or -1 if the book failed.
 */
int associate_split(const struct associate_book_ops *ops, void *book,
    int64_t index, const char *from, const char *const *ids, size_t n);

#endif
