/*
 * memlog: an in-memory log of Merkle stored hashes (the layout of
 * tlog/merkle.h), for tests, the `truce tlog` tools and anything else that
 * needs proofs over a list of leaves held in memory. Not for the real log:
 * that keeps its stored hashes on disk.
 */
#ifndef TRUCE_MEMLOG_H
#define TRUCE_MEMLOG_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"

/* Most records a memlog holds (about 2 GiB of hashes at the limit). */
#define MEMLOG_MAX_RECORDS (INT64_C(1) << 25)

struct memlog;

/* A new empty memlog, or NULL if out of memory. Free with memlog_free. */
struct memlog *memlog_new(void);

/* Frees m and its hashes; memlog_free(NULL) does nothing. */
void memlog_free(struct memlog *m);

/*
 * Appends a record with the given leaf hash (merkle_leaf_hash of its data):
 * stores the leaf hash and the hashes of the subtrees it completes.
 * Returns -1 if the log already holds MEMLOG_MAX_RECORDS or memory runs
 * out; the log is then unchanged. Cost: amortised O(1) hashes.
 */
int memlog_append(struct memlog *m, const uint8_t leaf_hash[MERKLE_HASH_SIZE]);

/* Number of records appended so far. */
int64_t memlog_size(const struct memlog *m);

/*
 * merkle_read_fn over a memlog (ctx is the struct memlog *): copies the
 * stored hashes with the given indexes to out. Returns -1 if an index is
 * not stored yet.
 */
int memlog_read(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[MERKLE_HASH_SIZE]);

#endif
