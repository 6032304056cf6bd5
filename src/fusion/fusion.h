/*
 * fusion: log entries to incidents. The one function the store calls for
 * every log entry it applies, live (the sequencer) and on replay (catch-up,
 * `truce rebuild`) alike, so both give the same incidents, ids included:
 * observations are located (fusion/position.h) and associated
 * (fusion/associate.h); the analysts' merges and splits (record/decision.h)
 * are applied; other entries are ignored. It also words an incident's
 * position the way monitors do (zones, distance to the line, "2.4 km
 * north-east of Ağdam") with the geo module (geo/describe.h).
 *
 * The geography is part of what fusion computes from: a center replays
 * with the same layers it ran with (docs/fusion.md, "Determinism").
 *
 * Pure: no I/O; the caller loads the layers (geo/layers.h) and keeps them
 * alive while the engine lives. Not thread-safe: one engine per writer.
 */
#ifndef TRUCE_FUSION_H
#define TRUCE_FUSION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "fusion/associate.h"

#define FUSION_TEXT_LEN 320 /* "2.4 km north-east of Ağdam" */
#define FUSION_ZONE_LEN 128
#define FUSION_MAX_ZONES 32

struct gazetteer;
struct polygon_layer;
struct lines_layer;
struct fusion;

/* The layers fusion reads (all borrowed; any may be empty or NULL). */
struct fusion_geography {
	const struct gazetteer *gazetteer;
	const struct polygon_layer *const *zones;
	size_t nzones;
	const struct lines_layer *const *lines;
	size_t nlines;
};

/* How a position is worded. Strings are copies. */
struct fusion_words {
	size_t nzones;
	char zone_layer[FUSION_MAX_ZONES][FUSION_ZONE_LEN];
	char zone[FUSION_MAX_ZONES][FUSION_ZONE_LEN];
	char primary_zone[FUSION_ZONE_LEN]; /* of the last zone layer, or "" */
	int has_line;			    /* the first line layer's nearest */
	char line[FUSION_ZONE_LEN];
	double line_m;
	char line_side[FUSION_ZONE_LEN]; /* "" if unknown */
	char text[FUSION_TEXT_LEN];	 /* "2.4 km north-east of Ağdam" */
};

/*
 * A new engine over geo (NULL: no geography; places then stay
 * unresolved and positions unworded). NULL if out of memory.
 */
struct fusion *fusion_new(const struct fusion_geography *geo);

/* Frees f; NULL does nothing. */
void fusion_free(struct fusion *f);

/*
 * Builds what fusion keeps of the observation entry (canonical, with its
 * id and log index) into *out: the location resolved, the time window
 * widened by its source's precision (or the solved emission time), the
 * category group and source. When note is not NULL it gets why the
 * location is unresolved, or a caveat ("poor geometry"), or "". Returns 0,
 * or -1 if the entry is not a well-formed observation (an unresolvable
 * location is not an error: out is then unlocated).
 */
int fusion_observation(struct fusion *f, int64_t index, const json_t *entry,
    const char *id, struct associate_obs *out, char *note, size_t notelen);

/* 1 if fusion_apply acts on entries of this type (an observation, an
 * incident merge or split), else 0 (NULL too). */
int fusion_acts_on(const char *type);

/*
 * Applies log entry index (parsed canonical entry; id for observations,
 * else NULL) to the book. Entries fusion does not act on are ignored.
 * Returns 0, or -1 if the book failed (never for a bad entry: a decision
 * that does not apply is recorded through ops->decided).
 */
int fusion_apply(struct fusion *f, const struct associate_book_ops *ops,
    void *book, int64_t index, const json_t *entry, const char *id);

/*
 * Words the position (lat, lon) into *w: zones, the nearest line of the
 * first line layer, and the relative description. Returns 0, or -1 if the
 * position is invalid (w is then empty). It only reads the geography, so
 * several threads may word positions with one engine at once (no other
 * call on it meanwhile).
 */
int fusion_describe(struct fusion *f, double lat, double lon,
    struct fusion_words *w);

/*
 * Only the zones of (lat, lon) into *w (no line, no text): what an event
 * and the alert rules use, without the nearest line's and settlement's
 * search. 0, or -1 if the position is invalid (w is then empty).
 */
int fusion_zones(struct fusion *f, double lat, double lon,
    struct fusion_words *w);

#endif
