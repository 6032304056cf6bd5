/*
 * Unit test of tlog/compact: rebuilding a tree leaf by leaf gives the RFC
 * 6962 root of merkle_root for every size up to 600, and reports every
 * complete subtree exactly once, with the hash merkle_subtree_hash reads
 * from a memlog holding the same leaves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/compact.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tap.h"

#define H MERKLE_HASH_SIZE
#define MAXN 600

struct seen {
	struct memlog *log;
	int64_t count[COMPACT_MAX_LEVELS];
	int bad;
};

static int
visit(void *ctx, int level, int64_t n, const uint8_t hash[H])
{
	struct seen *s = ctx;
	uint8_t want[H];
	int64_t start = n << level, end = (n + 1) << level;

	/* In order, once each: the n-th subtree of a level comes n-th. */
	if (n != s->count[level])
		s->bad++;
	s->count[level]++;
	if (merkle_subtree_hash(start, end, memlog_read, s->log, want) == -1 ||
	    memcmp(want, hash, H) != 0)
		s->bad++;
	return level == 5 && n == 3 ? -1 : 0; /* exercise the -1 path */
}

int
main(void)
{
	static uint8_t leaves[MAXN][H];
	struct compact c;
	struct seen s;
	uint8_t root[H], want[H], data[8];
	int64_t n;
	int i, roots_ok = 1, rc, minus_one = 0;

	memset(&s, 0, sizeof(s));
	s.log = memlog_new();
	compact_init(&c);
	compact_root(&c, root);
	merkle_empty_root(want);
	ok(memcmp(root, want, H) == 0, "empty tree: SHA-256(\"\")");
	for (n = 0; n < MAXN; n++) {
		for (i = 0; i < 8; i++)
			data[i] = (uint8_t)(n >> (8 * i));
		merkle_leaf_hash(data, sizeof(data), leaves[n]);
		memlog_append(s.log, leaves[n]);
		rc = compact_append(&c, leaves[n], visit, &s);
		if (rc == -1)
			minus_one++;
		compact_root(&c, root);
		merkle_root((const uint8_t (*)[H])leaves, (size_t)n + 1, want);
		if (memcmp(root, want, H) != 0) {
			roots_ok = 0;
			diag("root differs at size %lld", (long long)n + 1);
		}
	}
	ok(roots_ok, "compact_root equals merkle_root for sizes 1..%d", MAXN);
	is_int(c.size, MAXN, "size counts the leaves");
	is_int(s.bad, 0, "every subtree reported once, in order, with its hash");
	is_int(s.count[0], MAXN, "every leaf reported");
	is_int(s.count[8], MAXN / 256, "every 256-leaf subtree reported");
	is_int(minus_one, 1, "visit's -1 is passed on once");
	c.size = MERKLE_MAX_TREE_SIZE;
	is_int(compact_append(&c, leaves[0], NULL, NULL), -1,
	    "a full tree refuses another leaf");
	is_int(c.size, MERKLE_MAX_TREE_SIZE, "and stays as it was");
	memlog_free(s.log);
	return done_testing();
}
