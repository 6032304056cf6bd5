/*
 * compact: the RFC 6962 / RFC 9162 Merkle tree of a log recomputed leaf by
 * leaf, in O(log n) memory (a "compact range" from 0, as transparency-dev's
 * merkle/compact calls it): the root hash of every complete subtree on the
 * tree's right edge, one per set bit of the size. It is what an auditor
 * needs to rebuild a log's tree from its entries alone, in one pass,
 * without storing the tree: every complete subtree is reported once, as it
 * closes, so the caller can compare it with a published hash tile
 * (C2SP tlog-tiles: level 8L of the Merkle tree is tile level L).
 *
 * Pure: no I/O, no allocation. Callers hold the struct on the stack.
 */
#ifndef TRUCE_COMPACT_H
#define TRUCE_COMPACT_H

#include <stdint.h>

#include "tlog/merkle.h"

#define COMPACT_MAX_LEVELS 63 /* enough for MERKLE_MAX_TREE_SIZE leaves */

/* A tree being rebuilt: its size and the roots of its right edge. */
struct compact {
	int64_t size;
	/* edge[l]: hash of the complete subtree of 2^l leaves that bit l of
	   size stands for (meaningless where that bit is 0). */
	uint8_t edge[COMPACT_MAX_LEVELS][MERKLE_HASH_SIZE];
};

/*
 * Called once for every complete subtree as the leaf that closes it is
 * appended, bottom up: level 0 is the leaf itself, level l the subtree of
 * leaves [n * 2^l, (n + 1) * 2^l). Returning -1 makes compact_append
 * return -1 (the tree has grown by the leaf all the same).
 */
typedef int (*compact_visit_fn)(void *ctx, int level, int64_t n,
    const uint8_t hash[MERKLE_HASH_SIZE]);

/* Makes c the empty tree. */
void compact_init(struct compact *c);

/*
 * Appends the leaf with hash leaf (merkle_leaf_hash of the entry) and
 * calls visit (may be NULL) for each subtree it completes. Returns 0, -1
 * if the tree already holds MERKLE_MAX_TREE_SIZE leaves (c unchanged) or
 * if visit returned -1. Cost: amortised 1 node hash per leaf, at most 62.
 */
int compact_append(struct compact *c, const uint8_t leaf[MERKLE_HASH_SIZE],
    compact_visit_fn visit, void *ctx);

/*
 * The RFC 6962 root hash MTH of the c->size leaves appended so far into
 * out (SHA-256("") for the empty tree). Cost: O(log size) node hashes.
 */
void compact_root(const struct compact *c, uint8_t out[MERKLE_HASH_SIZE]);

#endif
