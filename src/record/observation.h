/*
 * observation: the model of one report by one source, and its validation.
 *
 * An observation arrives in the *input form* of the HTTP API and the CLI
 * (RFC 3339 times, decimal degrees; docs/observation.md) and is turned into
 * its *canonical entry*: a JSON object with integers only (times in ms UTC,
 * coordinates in 1e-7 degrees, bearings in millidegrees, lengths in metres)
 * whose canonical bytes (record/canon.h) are the log entry. Its id is the hex
 * SHA-256 of those bytes, so resubmitting it is idempotent.
 *
 * Pure: no I/O; the caller passes the clock.
 */
#ifndef TRUCE_OBSERVATION_H
#define TRUCE_OBSERVATION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define OBSERVATION_ID_LEN 64	     /* hex characters of SHA-256 */
#define OBSERVATION_MAX_ENTRY 16384  /* canonical bytes per entry */
#define OBSERVATION_FUTURE_MS 300000 /* clock skew allowed: 5 minutes */
#define OBSERVATION_MAX_SPAN_MS (31LL * 86400000) /* interval length */

/* Limits of the sensor location forms (docs/observation.md). */
#define OBSERVATION_MAX_SENSORS 64  /* arrivals: sensors per fix */
#define OBSERVATION_MAX_BEARINGS 64 /* bearings per fix */
#define OBSERVATION_MAX_ARRIVAL_NS 600000000000LL /* |t| after observed_at */
#define OBSERVATION_MAX_SIGMA_T_NS 10000000000LL  /* 10 s */
#define OBSERVATION_MIN_SPEED_MPS 1.0
#define OBSERVATION_MAX_SPEED_MPS 3.0e8 /* a little over c */
#define OBSERVATION_MIN_ALT_M (-1000.0) /* heights above the ellipsoid */
#define OBSERVATION_MAX_ALT_M 50000.0
#define OBSERVATION_MAX_BEARING_SIGMA_DEG 45.0
#define OBSERVATION_DEFAULT_BEARING_SIGMA_MDEG 2000
#define OBSERVATION_MAX_CE90_M 10000

/* One validation error: a JSON pointer into the input and what is wrong. */
struct observation_error {
	char pointer[128];
	char message[256];
};

/*
 * Validates the input-form observation `in` and returns its canonical entry
 * as a new object (caller owns it: json_decref). now_ms is the server's
 * clock, for the rule that an observation is not in the future. On failure
 * returns NULL, writes up to maxerr errors to errs (every problem found, not
 * only the first) and sets *nerr to how many were written.
 */
json_t *observation_from_input(const json_t *in, int64_t now_ms,
    struct observation_error *errs, size_t maxerr, size_t *nerr);

/*
 * Encodes the canonical entry into its log bytes (*out, caller frees) and
 * writes its id as OBSERVATION_ID_LEN hex characters plus NUL into id.
 * Returns -1 if the entry cannot be encoded or exceeds OBSERVATION_MAX_ENTRY.
 */
int observation_encode(const json_t *entry, char **out, size_t *outlen,
    char id[OBSERVATION_ID_LEN + 1]);

/*
 * Renders a canonical entry back into the input form (the API's view), a
 * new object owned by the caller; NULL if entry is not an observation.
 */
json_t *observation_to_view(const json_t *entry);

/* The name of category i (0, 1, ...), or NULL past the last. */
const char *observation_category(size_t i);

/* The name of source type i (0, 1, ...), or NULL past the last. */
const char *observation_source_type(size_t i);

/* 1 if s is one of the observation categories, else 0. */
int observation_is_category(const char *s);

/*
 * The category's stable code (its place in the list of categories, 0..),
 * or -1 if s is not a category. Codes of existing categories never change:
 * new categories are appended.
 */
int observation_category_code(const char *s);

/* 1 if s is one of the source types, else 0. */
int observation_is_source_type(const char *s);

#endif
