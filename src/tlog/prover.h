/*
 * prover: inclusion proofs for one tree size with no hashing per proof.
 *
 * In the tree of size n, every node of an inclusion proof (RFC 9162
 * §2.1.3.1) is a complete subtree, whose hash is stored, except at most
 * one: the "ephemeral" node on the tree's right edge, [b, n) for a b where
 * n's binary decomposition starts a subtree. merkle_prove_inclusion hashes
 * that node (and merkle_tree_hash the root) again for every proof, up to
 * 2 popcount(n) SHA-256 calls. A prover holds the hashes of the right edge
 * for one size, computed once, so that a proof is only O(log n) stored
 * hash reads. It follows transparency-dev/merkle's proof.Inclusion (node
 * ids plus one ephemeral node) as Tessera's client ProofBuilder uses it
 * over tlog-tiles, with the ephemeral nodes kept instead of rehashed.
 *
 * A tree of a given size never changes (the log is append-only), so a
 * prover stays right for its size forever. Pure: no I/O, no allocation;
 * callers hold the struct (about 2.6 KiB) themselves.
 */
#ifndef TRUCE_PROVER_H
#define TRUCE_PROVER_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"

#define PROVER_MAX_EDGE 63 /* set bits of a size <= MERKLE_MAX_TREE_SIZE */

/*
 * The right edge of the tree of size leaves: [0, size) is the complete
 * subtrees [start[j], start[j + 1]) for j < nedge (largest first, one per
 * set bit of size, start[nedge] = size), and edge[j] = MTH(D[start[j]:
 * size]). edge[0] is the root; edge[nedge - 1] the last complete subtree.
 */
struct prover {
	int64_t size;
	int nedge;
	int64_t start[PROVER_MAX_EDGE + 1];
	uint8_t edge[PROVER_MAX_EDGE][MERKLE_HASH_SIZE];
};

/*
 * Sets p up for the tree of size leaves (1 <= size <= MERKLE_MAX_TREE_SIZE)
 * from the stored hashes reader gives (one call, popcount(size) hashes).
 * Returns -1 (p undefined) for a size out of range or a failed read.
 * Cost: popcount(size) - 1 node hashes.
 */
int prover_init(struct prover *p, int64_t size, merkle_read_fn reader,
    void *ctx);

/* The root hash of p's tree, MTH(D[0:size]), into out. */
void prover_root(const struct prover *p, uint8_t out[MERKLE_HASH_SIZE]);

/*
 * The inclusion proof of leaf index (0 <= index < p->size) in p's tree,
 * leaf to root, into proof (room for MERKLE_MAX_PROOF hashes) and its
 * length into *len: the same proof as merkle_prove_inclusion. When leaf
 * is not NULL, the leaf's stored hash goes there too. Reads every hash it
 * needs in one reader call (at most log2(size) + 1); no hashing. Returns
 * -1 for an index out of range or a failed read (*len untouched).
 */
int prover_inclusion(const struct prover *p, int64_t index,
    merkle_read_fn reader, void *ctx, uint8_t leaf[MERKLE_HASH_SIZE],
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len);

#endif
