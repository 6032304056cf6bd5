/*
 * obsfeature: an observation as the GeoJSON Feature (RFC 7946) that
 * GET /v1/observations and GET /v1/observations/{id} answer with
 * (docs/api.md): {"type":"Feature","id","geometry","properties"}, where
 * the properties are the input form (record/observation.h,
 * observation_to_view) plus the log "index", and the geometry is the Point
 * [lon, lat] of a point or UAV frame location, else null.
 *
 * Two renderers of the same answer:
 *  - obsfeature_json builds it as a jansson tree (parse the canonical entry,
 *    observation_to_view, json_pack). It is the reference.
 *  - obsfeature_write writes the JSON text straight from the canonical
 *    entry's bytes (docs/observation.md "The canonical entry") into a
 *    growing buffer, without a tree: a query page of 100 features costs a
 *    few microseconds per feature instead of tens. Its text is byte for
 *    byte what json_dumps(obsfeature_json(...), OBSFEATURE_JSON_FLAGS)
 *    gives (tests/unit/test_obsfeature.c checks it on every location form
 *    and on escaped and non-ASCII strings). It only takes entries in the
 *    shape canon.c writes (sorted keys, no white space, integers, the
 *    escapes of RFC 8785, valid UTF-8) with the fields an observation
 *    has; for anything else it declines and obsfeature_append falls back
 *    to the reference, so odd entries still read exactly as before.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_OBSFEATURE_H
#define TRUCE_OBSFEATURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * The json_dumps flags of the server's JSON answers (server.c http_json:
 * compact, reals with 10 significant digits); the text renderer writes
 * reals the way jansson does with them.
 */
#define OBSFEATURE_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(10))

/*
 * A growing text buffer. Start from all zeroes; p is malloc'd (the caller
 * frees it with free(), or hands it on), len bytes are used, cap
 * allocated. p is not NUL-terminated.
 */
struct obsfeature_text {
	char *p;
	size_t len, cap;
};

/*
 * The Feature of the observation at log index whose canonical entry is
 * entry (len bytes), as a new object (caller owns it: json_decref); NULL
 * if entry is not JSON or not an observation.
 */
json_t *obsfeature_json(int64_t index, const char *entry, size_t len);

/*
 * Appends the Feature's JSON text to t without building a tree. Returns 0,
 * or -1 with t->len as it was when the entry is not in the canonical shape
 * of an observation (see above) or memory runs out. id is the entry's
 * SHA-256 when the caller has it (the store keeps it), else NULL and it is
 * computed. Cost: linear in len (plus the SHA-256 without id).
 */
int obsfeature_write(struct obsfeature_text *t, int64_t index,
    const char *entry, size_t len, const uint8_t *id);

/*
 * Appends the Feature's JSON text to t: obsfeature_write, or when it
 * declines the dump of obsfeature_json. Returns 0, or -1 with t->len as it
 * was when neither can render the entry or memory runs out.
 */
int obsfeature_append(struct obsfeature_text *t, int64_t index,
    const char *entry, size_t len, const uint8_t *id);

/* Appends n bytes of s to t. Returns 0, or -1 when memory runs out. */
int obsfeature_text_add(struct obsfeature_text *t, const char *s, size_t n);

#endif
