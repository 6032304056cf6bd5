/*
 * Unit test of tlog/prover: its roots and inclusion proofs are exactly
 * merkle_tree_hash's and merkle_prove_inclusion's (every index of every
 * size up to 300, sampled indexes of a 70,000-leaf log, and sizes up to
 * 2^62 over a synthetic store), they verify (RFC 9162), each proof takes
 * one read of at most log2(size) + 1 hashes, and bad arguments and failed
 * reads are refused.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/prover.h"
#include "tap.h"

#define H MERKLE_HASH_SIZE

/* Counts the reader calls and hashes read, then reads from a memlog. */
struct counting {
	struct memlog *m;
	int calls;
	size_t hashes;
};

static int
counting_read(void *ctx, const int64_t *indexes, size_t n, uint8_t (*out)[H])
{
	struct counting *c = ctx;

	c->calls++;
	c->hashes += n;
	return memlog_read(c->m, indexes, n, out);
}

static int
failing_read(void *ctx, const int64_t *indexes, size_t n, uint8_t (*out)[H])
{
	(void)ctx;
	(void)indexes;
	(void)n;
	(void)out;
	return -1;
}

/* Any stored index reads as SHA-256 of its number: a store of any size. */
static int
synthetic_read(void *ctx, const int64_t *indexes, size_t n, uint8_t (*out)[H])
{
	size_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		crypto_hash_sha256(out[i], (const uint8_t *)&indexes[i],
		    sizeof(indexes[i]));
	return 0;
}

static int
log2_ceil(int64_t n)
{
	int l = 0;

	while ((INT64_C(1) << l) < n)
		l++;
	return l;
}

/*
 * Compares the prover's proof of index with merkle_prove_inclusion's over
 * reader; 1 if they agree (and, with want_root, the proof verifies).
 */
static int
same_proof(const struct prover *p, int64_t index, merkle_read_fn reader,
    void *ctx, int verify)
{
	uint8_t a[MERKLE_MAX_PROOF][H], b[MERKLE_MAX_PROOF][H], leaf[H],
	    root[H];
	size_t alen = 99, blen = 98;
	int64_t li = merkle_stored_hash_index(0, index);
	uint8_t want_leaf[1][H];

	if (prover_inclusion(p, index, reader, ctx, leaf, a, &alen) != 0 ||
	    merkle_prove_inclusion(index, p->size, reader, ctx, b, &blen) !=
		0 ||
	    reader(ctx, &li, 1, want_leaf) != 0)
		return 0;
	if (alen != blen || memcmp(a, b, alen * H) != 0 ||
	    memcmp(leaf, want_leaf[0], H) != 0)
		return 0;
	prover_root(p, root);
	return !verify || merkle_verify_inclusion(index, p->size, leaf,
	    (const uint8_t (*)[H])a, alen, root) == 0;
}

static void
test_small(struct memlog *m)
{
	struct counting c = { m, 0, 0 };
	struct prover p;
	uint8_t root[H], want[H];
	int64_t size, i;
	int bad_root = 0, bad_proof = 0, bad_reads = 0;

	for (size = 1; size <= 300; size++) {
		if (prover_init(&p, size, counting_read, &c) != 0 ||
		    merkle_tree_hash(size, memlog_read, m, want) != 0) {
			bad_root++;
			continue;
		}
		prover_root(&p, root);
		if (memcmp(root, want, H) != 0)
			bad_root++;
		for (i = 0; i < size; i++) {
			if (!same_proof(&p, i, memlog_read, m, 1))
				bad_proof++;
			c.calls = 0;
			c.hashes = 0;
			{
				uint8_t pr[MERKLE_MAX_PROOF][H], leaf[H];
				size_t len;

				if (prover_inclusion(&p, i, counting_read, &c,
					leaf, pr, &len) != 0 ||
				    c.calls != 1 ||
				    c.hashes > (size_t)log2_ceil(size) + 1)
					bad_reads++;
			}
		}
	}
	is_int(bad_root, 0, "root of every size 1..300 is merkle_tree_hash's");
	is_int(bad_proof, 0, "every inclusion proof in sizes 1..300 is "
	    "merkle_prove_inclusion's, with the leaf, and verifies");
	is_int(bad_reads, 0, "each proof is one read of at most log2(size) + "
	    "1 hashes");
}

static void
test_large(struct memlog *m)
{
	static const int64_t sizes[] = { 65535, 65536, 65537, 69999, 70000,
		43690, 54613 };
	struct prover p;
	uint8_t root[H], want[H];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t s;
	int bad = 0, k;
	int64_t size, i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size = sizes[s];
		if (prover_init(&p, size, memlog_read, m) != 0 ||
		    merkle_tree_hash(size, memlog_read, m, want) != 0) {
			bad++;
			continue;
		}
		prover_root(&p, root);
		if (memcmp(root, want, H) != 0)
			bad++;
		for (k = 0; k < 300; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			i = k < 4 ? (k < 2 ? k : size - 1 - (k - 2)) :
			    (int64_t)(x % (uint64_t)size);
			if (!same_proof(&p, i, memlog_read, m, 1))
				bad++;
		}
	}
	is_int(bad, 0, "roots and 300 proofs each of seven sizes up to 70,000 "
	    "match merkle's and verify");
}

static void
test_huge(void)
{
	static const int64_t sizes[] = { MERKLE_MAX_TREE_SIZE,
		MERKLE_MAX_TREE_SIZE - 1, (INT64_C(1) << 61) + 1,
		INT64_C(0x2aaaaaaaaaaaaaaa), INT64_C(0x1234567890abcdef) };
	struct prover p;
	uint8_t root[H], want[H];
	int bad = 0, k;
	size_t s;
	int64_t size, i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size = sizes[s];
		if (prover_init(&p, size, synthetic_read, NULL) != 0 ||
		    merkle_tree_hash(size, synthetic_read, NULL, want) != 0) {
			bad++;
			continue;
		}
		prover_root(&p, root);
		if (memcmp(root, want, H) != 0)
			bad++;
		for (k = 0; k < 8; k++) {
			i = k < 4 ? size - 1 - k : (size / 7) * (k - 3);
			if (!same_proof(&p, i, synthetic_read, NULL, 0))
				bad++;
		}
	}
	is_int(bad, 0, "sizes up to 2^62 (synthetic store): the same roots and "
	    "proofs as merkle");
}

static void
test_refusals(struct memlog *m)
{
	struct prover p;
	uint8_t pr[MERKLE_MAX_PROOF][H], leaf[H];
	size_t len = 77;

	is_int(prover_init(&p, 0, memlog_read, m), -1, "size 0 is refused");
	is_int(prover_init(&p, MERKLE_MAX_TREE_SIZE + 1, synthetic_read,
	    NULL), -1, "a size over 2^62 is refused");
	is_int(prover_init(&p, 70001, memlog_read, m), -1,
	    "a size the store does not hold fails with the read");
	is_int(prover_init(&p, 10, failing_read, NULL), -1,
	    "a failed read fails init");
	ok(prover_init(&p, 10, memlog_read, m) == 0, "init for size 10");
	is_int(prover_inclusion(&p, 10, memlog_read, m, leaf, pr, &len), -1,
	    "index = size is refused");
	is_int(prover_inclusion(&p, -1, memlog_read, m, leaf, pr, &len), -1,
	    "index -1 is refused");
	is_int(prover_inclusion(&p, 3, failing_read, NULL, leaf, pr, &len), -1,
	    "a failed read fails the proof");
	is_int(len, 77, "*len is untouched on failure");
	ok(prover_inclusion(&p, 3, memlog_read, m, NULL, pr, &len) == 0 &&
		len == 4, "the leaf is optional (proof of 3 in 10: 4 hashes)");
	ok(prover_init(&p, 1, memlog_read, m) == 0 &&
		prover_inclusion(&p, 0, memlog_read, m, leaf, pr, &len) == 0 &&
		len == 0, "size 1: the empty proof");
}

int
main(void)
{
	struct memlog *m = memlog_new();
	uint8_t leaf[H];
	uint32_t i;
	int appended = 1;

	for (i = 0; i < 70000; i++) {
		merkle_leaf_hash((const uint8_t *)&i, sizeof(i), leaf);
		if (memlog_append(m, leaf) != 0)
			appended = 0;
	}
	ok(m != NULL && appended, "a memlog of 70,000 leaves");
	test_small(m);
	test_large(m);
	test_huge();
	test_refusals(m);
	memlog_free(m);
	return done_testing();
}
