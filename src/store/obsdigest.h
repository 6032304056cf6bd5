/*
 * obsdigest: a digest of the observations a store holds in a range of log
 * indexes, what `GET /v1/observations/digest` serves and `truce audit`
 * recomputes from its replay (docs/api.md, docs/audit.md). Both sides run
 * this one function over store_query_observations, the query the listing
 * uses, so a center cannot answer the digest from anything but its store.
 *
 * The digest of [from, to) is SHA-256 over, for each observation in the
 * store with from <= index < to, in increasing index order, the 40 bytes
 *
 *     uint64 index (big-endian) || SHA-256 of the observation's canonical
 *                                   entry (its id, 32 raw bytes)
 *
 * and nothing else (an empty range digests the empty string). Equal
 * digests mean the same observations at the same indexes, nothing more,
 * nothing less, no index twice.
 */
#ifndef TRUCE_OBSDIGEST_H
#define TRUCE_OBSDIGEST_H

#include <stdint.h>

struct store;

#define OBSDIGEST_SIZE 32
#define OBSDIGEST_MAX_SPAN (INT64_C(1) << 20) /* to - from per request */

/*
 * Digests the observations of s with from <= index < to (0 <= from <= to,
 * to - from at most OBSDIGEST_MAX_SPAN) into out and counts them in
 * *count. 0, or -1 on a store error (logged by the store; out and *count
 * untouched). Cost: one indexed range scan of the observation table and
 * two SHA-256 per observation (its entry, then the digest).
 */
int obsdigest_range(struct store *s, int64_t from, int64_t to,
    uint8_t out[OBSDIGEST_SIZE], int64_t *count);

#endif
