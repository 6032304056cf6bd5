/*
 * prover: inclusion proofs for one tree size from stored hashes and the
 * precomputed right edge (see prover.h).
 */
#include <string.h>

#include "tlog/prover.h"

/* Largest power of two < n, for n >= 2 (RFC 6962's k). */
static int64_t
pow2_below(int64_t n)
{
	return INT64_C(1) << (63 -
		   __builtin_clzll((unsigned long long)(n - 1)));
}

int
prover_init(struct prover *p, int64_t size, merkle_read_fn reader, void *ctx)
{
	int64_t idx[PROVER_MAX_EDGE], lo = 0, w;
	int bit, j = 0;

	if (size < 1 || size > MERKLE_MAX_TREE_SIZE)
		return -1;
	for (bit = 62; bit >= 0; bit--) {
		w = INT64_C(1) << bit;
		if ((size & w) == 0)
			continue;
		p->start[j] = lo;
		idx[j++] = merkle_stored_hash_index(bit, lo >> bit);
		lo += w;
	}
	p->size = size;
	p->nedge = j;
	p->start[j] = size;
	if (reader(ctx, idx, (size_t)j, p->edge) == -1)
		return -1;
	/* edge[j] = MTH(D[start[j]:size]) = node(subtree j, edge[j + 1]). */
	for (j = p->nedge - 2; j >= 0; j--)
		merkle_node_hash(p->edge[j], p->edge[j + 1], p->edge[j]);
	return 0;
}

void
prover_root(const struct prover *p, uint8_t out[MERKLE_HASH_SIZE])
{
	memcpy(out, p->edge[0], MERKLE_HASH_SIZE);
}

/* The edge number of right-edge range [lo, p->size), or -1. */
static int
edge_of(const struct prover *p, int64_t lo)
{
	int j;

	for (j = 0; j < p->nedge; j++)
		if (p->start[j] == lo)
			return j;
	return -1;
}

int
prover_inclusion(const struct prover *p, int64_t index, merkle_read_fn reader,
    void *ctx, uint8_t leaf[MERKLE_HASH_SIZE],
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *len)
{
	/* Siblings from the root down: a stored hash, or edge[-1 - which]. */
	int64_t which[MERKLE_MAX_PROOF], idx[MERKLE_MAX_PROOF + 1];
	uint8_t hashes[MERKLE_MAX_PROOF + 1][MERKLE_HASH_SIZE];
	int64_t lo = 0, hi = p->size, k, a, b, w;
	size_t m = 0, nidx = 0, t, pos;
	int j;

	if (index < 0 || index >= p->size)
		return -1;
	/* RFC 6962 PATH(m, D[lo:hi]), unrolled: one sibling per level. */
	while (hi - lo > 1) {
		k = pow2_below(hi - lo);
		if (index < lo + k) {
			a = lo + k;
			b = hi;
			hi = lo + k;
		} else {
			a = lo;
			b = lo + k;
			lo += k;
		}
		w = b - a;
		if (m == MERKLE_MAX_PROOF)
			return -1;
		if ((w & (w - 1)) == 0 && a % w == 0) {
			which[m++] = (int64_t)nidx;
			idx[nidx++] =
			    merkle_stored_hash_index(__builtin_ctzll(
							 (unsigned long long)w),
				a / w);
		} else {
			/* Not complete: the right edge's ephemeral node. */
			if (b != p->size || (j = edge_of(p, a)) == -1)
				return -1;
			which[m++] = -1 - j;
		}
	}
	if (leaf != NULL)
		idx[nidx++] = merkle_stored_hash_index(0, index);
	if (nidx > 0 && reader(ctx, idx, nidx, hashes) == -1)
		return -1;
	for (t = 0; t < m; t++) {
		pos = m - 1 - t; /* leaf to root */
		if (which[t] >= 0)
			memcpy(proof[pos], hashes[which[t]], MERKLE_HASH_SIZE);
		else
			memcpy(proof[pos], p->edge[-1 - which[t]],
			    MERKLE_HASH_SIZE);
	}
	if (leaf != NULL)
		memcpy(leaf, hashes[nidx - 1], MERKLE_HASH_SIZE);
	*len = m;
	return 0;
}
