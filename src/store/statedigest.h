/*
 * statedigest: digests of the state a store derives from the log, beyond
 * its observations (store/obsdigest.h): incidents, their verification
 * states, assessments, tasks and releases, principals, members, evidence
 * custody, reports and the sources' status statements. What `GET /v1/state/digest` serves and `truce
 * audit` recomputes from its replay (docs/api.md, docs/audit.md). Both
 * sides run these functions over the store's own answers (the records
 * the API shows, built from the store's rows by format/increcord.h,
 * verform.h and reportform.h), so a center cannot answer a digest from
 * anything but its store.
 *
 * Each kind is a list of rows, each with a key (a log index: an incident's
 * seed index, a principal's or member's first index, a custody step's,
 * a report's or a source's status statement's index) and a name (the incident's id, the principal's name
 * ...), in (key, name) order. A row is an object in canonical JSON
 * (record/canon.h, RFC 8785 restricted to integers): every real number the
 * store answers (positions, covariances, distances) is written as the
 * integer nearest to a millionth of it (x * 10^6 rounded, clamped to
 * +-(2^53 - 1)). The rows of each kind are listed in docs/audit.md.
 *
 * The digest of kind K over [from, to) is SHA-256 over, for each row of K
 * whose key is in [from, to), in order, the 40 bytes
 *
 *     uint64 key (big-endian) || SHA-256 of the row's canonical bytes
 *
 * and nothing else (an empty range digests the empty string), the layout
 * of obsdigest.
 */
#ifndef TRUCE_STATEDIGEST_H
#define TRUCE_STATEDIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct store;

#define STATEDIGEST_SIZE 32
#define STATEDIGEST_MAX_SPAN (INT64_C(1) << 20) /* to - from per digest */
#define STATEDIGEST_MAX_ROWS 1000		/* rows per listing of them */

/* The kinds, in the order an audit compares them. */
enum statedigest_kind {
	STATEDIGEST_INCIDENTS,
	STATEDIGEST_STATES,
	STATEDIGEST_ASSESSMENTS,
	STATEDIGEST_TASKS,
	STATEDIGEST_PRINCIPALS,
	STATEDIGEST_MEMBERS,
	STATEDIGEST_CUSTODY,
	STATEDIGEST_REPORTS,
	STATEDIGEST_SOURCES,
	STATEDIGEST_RULES,
	STATEDIGEST_NKINDS
};

/* The kind called name ("incidents" ...), or -1. */
int statedigest_kind(const char *name);

/* The name of kind k ("incidents" ...); NULL for no kind. */
const char *statedigest_kind_name(int k);

/* What a row's name names in messages: "incident", "principal" ... */
const char *statedigest_row_noun(int k);

/*
 * Called once per row with its key, name (borrowed) and canonical bytes
 * (borrowed, row[len] is NUL); non-zero stops.
 */
typedef int (*statedigest_row_fn)(void *ctx, int64_t key, const char *name,
    const char *row, size_t len);

/*
 * Calls fn for every row of kind k with from <= key < to, in (key, name)
 * order. 0, or -1 on a store error (logged), a bad range or kind. Cost:
 * one scan of the kind's keys, then the store's record of each row
 * (several indexed queries per incident).
 */
int statedigest_rows(struct store *s, int k, int64_t from, int64_t to,
    statedigest_row_fn fn, void *ctx);

/*
 * Digests the rows of kind k with from <= key < to (0 <= from <= to, to -
 * from at most STATEDIGEST_MAX_SPAN) into out and counts them in *count.
 * 0, or -1 (out and *count untouched).
 */
int statedigest_range(struct store *s, int k, int64_t from, int64_t to,
    uint8_t out[STATEDIGEST_SIZE], int64_t *count);

/*
 * The canonical form of a record v as a new value: reals become integers
 * (millionths, clamped), everything else is copied. NULL if out of
 * memory. Pure.
 */
json_t *statedigest_canonical(const json_t *v);

/*
 * Names the first difference between two rows, the center's and the
 * replay's: writes "FIELD: the center has X, the replay has Y" (FIELD a
 * path such as "assessments[0].verdict", values as compact JSON cut to 120
 * bytes, "nothing" for an absent member) into out and returns 1, or 0
 * when they are equal. Members are compared in key order. Pure.
 */
int statedigest_diff(const json_t *center, const json_t *replay, char *out,
    size_t outlen);

#endif
