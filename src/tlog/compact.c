/*
 * compact: rebuilding a Merkle tree leaf by leaf (see compact.h).
 */
#include <string.h>

#include "tlog/compact.h"

void
compact_init(struct compact *c)
{
	memset(c, 0, sizeof(*c));
}

int
compact_append(struct compact *c, const uint8_t leaf[MERKLE_HASH_SIZE],
    compact_visit_fn visit, void *ctx)
{
	uint8_t h[MERKLE_HASH_SIZE];
	int64_t n = c->size;
	int level = 0, rc = 0;

	if (n >= MERKLE_MAX_TREE_SIZE)
		return -1;
	memcpy(h, leaf, MERKLE_HASH_SIZE);
	if (visit != NULL && visit(ctx, 0, n, h) == -1)
		rc = -1;
	/* Each 1 bit at the bottom of n is a subtree the new leaf closes. */
	while ((n >> level) & 1) {
		merkle_node_hash(c->edge[level], h, h);
		level++;
		if (visit != NULL && visit(ctx, level, n >> level, h) == -1)
			rc = -1;
	}
	memcpy(c->edge[level], h, MERKLE_HASH_SIZE);
	c->size = n + 1;
	return rc;
}

void
compact_root(const struct compact *c, uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t h[MERKLE_HASH_SIZE];
	int level;

	if (c->size == 0) {
		merkle_empty_root(out);
		return;
	}
	/* The smallest subtree first, then each larger one to its left. */
	for (level = 0; ((c->size >> level) & 1) == 0; level++)
		;
	memcpy(h, c->edge[level], MERKLE_HASH_SIZE);
	for (level++; level < COMPACT_MAX_LEVELS; level++)
		if ((c->size >> level) & 1)
			merkle_node_hash(c->edge[level], h, h);
	memcpy(out, h, MERKLE_HASH_SIZE);
}
