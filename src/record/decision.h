/*
 * decision: the analysts' decisions on incidents as log entries — merge two
 * incidents, split observations off an incident (DESIGN.md: "Analysts'
 * merges and splits are log entries that override [fusion]").
 *
 * The HTTP bodies of POST /v1/incidents/{id}/merge and /split (the *input
 * form*, docs/fusion.md) are validated here into *canonical entries*
 * (record/canon.h: sorted keys, integers only) that the sequencer appends
 * like observations:
 *
 *   {"at_ms":T,"by":"alice","incident":"inc-…","reason":"…",
 *    "type":"incident_merge","v":1,"with":"inc-…"}
 *   {"at_ms":T,"by":"alice","incident":"inc-…","observations":["<64 hex>",
 *    …],"reason":"…","type":"incident_split","v":1}
 *
 * Split lists are sorted and free of duplicates, so the same decision has
 * the same bytes. Whether the incidents and observations exist is not this
 * module's business: the API checks it against the store before appending,
 * and fusion ignores (and records) a decision that no longer applies when
 * it is replayed.
 *
 * Pure: no I/O; the caller passes the clock and the principal.
 */
#ifndef TRUCE_DECISION_H
#define TRUCE_DECISION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Incident ids: "inc-" and 24 lower-case hex digits (docs/fusion.md). */
#define DECISION_INCIDENT_ID_LEN 28
#define DECISION_MAX_REASON 1024 /* bytes of `reason` */
#define DECISION_MAX_SPLIT 1000	 /* observations named by one split */
#define DECISION_MAX_BY 63	 /* bytes of the principal's name */

enum decision_kind { DECISION_MERGE = 1, DECISION_SPLIT = 2 };

/* One validation error: a JSON pointer into the body and what is wrong. */
struct decision_error {
	char pointer[128];
	char message[256];
};

/* A canonical decision entry, parsed (strings borrowed from the entry). */
struct decision {
	enum decision_kind kind;
	const char *incident;	    /* the incident acted on */
	const char *with;	    /* merge: the incident merged into it */
	const json_t *observations; /* split: array of observation ids */
	const char *by;
	int64_t at_ms;
};

/* 1 if s is a well-formed incident id, else 0. */
int decision_is_incident_id(const char *s);

/*
 * Validates the body of a merge of `with` into `incident` (from the URL,
 * which must be an incident id: its errors point at "/incident") and
 * returns the canonical entry (caller json_decref's it), stamped with by
 * (the principal) and now_ms. On failure returns NULL with up to maxerr
 * errors in errs and their number in *nerr; every problem is reported.
 */
json_t *decision_merge_from_input(const char *incident, const json_t *in,
    const char *by, int64_t now_ms, struct decision_error *errs, size_t maxerr,
    size_t *nerr);

/* The same for a split of body.observations off `incident`. */
json_t *decision_split_from_input(const char *incident, const json_t *in,
    const char *by, int64_t now_ms, struct decision_error *errs, size_t maxerr,
    size_t *nerr);

/*
 * Parses a canonical decision entry (as read back from the log) into *d.
 * Returns 0, or -1 (d untouched) if entry is not a well-formed decision;
 * fusion treats such an entry as one it does not act on.
 */
int decision_parse(const json_t *entry, struct decision *d);

#endif
