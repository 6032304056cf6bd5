/*
 * Unit test of tlog/merkle and tlog/memlog beyond the external vectors
 * (test_tlog_vectors.c): the stored-hash numbering against a brute-force
 * simulation of Go's layout, proofs of every kind generated and verified
 * against each other and against merkle_root, and argument limits.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tap.h"

#define H MERKLE_HASH_SIZE

static int
failing_reader(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[H])
{
	(void)ctx;
	(void)indexes;
	(void)n;
	(void)out;
	return -1;
}

/* Replays the append order: record r stores (0, r), then its parents. */
static void
test_stored_layout(void)
{
	int64_t pos = 0, r, n, nn;
	int level, bad = 0, lv, split_bad = 0;

	for (r = 0; r < 5000; r++) {
		for (level = 0;; level++) {
			n = r >> level;
			if (level > 0 && ((r + 1) & ((INT64_C(1) << level) - 1)))
				break;
			if (merkle_stored_hash_index(level, n) != pos)
				bad++;
			if (merkle_split_stored_hash_index(pos, &lv, &nn) == -1 ||
			    lv != level || nn != n)
				split_bad++;
			pos++;
		}
		if (merkle_stored_hash_count(r + 1) != pos)
			bad++;
	}
	is_int(bad, 0, "stored hash index and count follow the append order");
	is_int(split_bad, 0, "split inverts the stored hash index");
	is_int(merkle_stored_hash_count(0), 0, "count(0) = 0");
	ok(merkle_stored_hash_count(MERKLE_MAX_TREE_SIZE) == INT64_MAX,
	    "count(2^62) = INT64_MAX: every index fits");
	is_int(merkle_stored_hash_count(MERKLE_MAX_TREE_SIZE + 1), -1,
	    "count refuses sizes above 2^62");
	is_int(merkle_stored_hash_count(-1), -1, "count refuses -1");
	is_int(merkle_stored_hash_index(63, 0), -1, "index refuses level 63");
	is_int(merkle_stored_hash_index(0, -1), -1, "index refuses n = -1");
	is_int(merkle_stored_hash_index(62, 1), -1,
	    "index refuses a subtree ending beyond 2^62");
	ok(merkle_stored_hash_index(62, 0) > 0, "index of the 2^62 subtree");
	ok(merkle_split_stored_hash_index(INT64_MAX - 1, &lv, &nn) == 0 &&
		lv == 62 && nn == 0,
	    "the last stored hash is the root of the 2^62 tree");
	is_int(merkle_split_stored_hash_index(-1, &lv, &nn), -1,
	    "split refuses -1");
}

static void
test_roots_and_proofs(void)
{
	struct memlog *m = memlog_new();
	static uint8_t leaves[1100][H];
	uint8_t root[H], root2[H], r1[H], proof[MERKLE_MAX_PROOF][H];
	uint8_t add[MERKLE_MAX_PROOF][H];
	size_t len, nadd;
	int64_t n, i, s, e;
	uint32_t x;
	int bad_root = 0, bad_incl = 0, bad_cons = 0, bad_sub = 0;
	int accepted_bad = 0;

	for (i = 0; i < 1100; i++) {
		x = (uint32_t)i;
		merkle_leaf_hash((const uint8_t *)&x, sizeof(x), leaves[i]);
		if (memlog_append(m, leaves[i]) == -1)
			bad_root++;
	}
	is_int(memlog_size(m), 1100, "memlog holds 1100 records");
	for (n = 0; n <= 1100; n++) {
		if (merkle_tree_hash(n, memlog_read, m, root) == -1 ||
		    merkle_root((const uint8_t(*)[H])leaves, (size_t)n, root2) ==
			-1 ||
		    memcmp(root, root2, H) != 0)
			bad_root++;
	}
	is_int(bad_root, 0, "tree hash from stored hashes = merkle_root, 0..1100");

	/* Inclusion for every leaf of a few awkward sizes. */
	for (n = 1; n <= 1100; n += (n < 70 ? 1 : 97)) {
		merkle_tree_hash(n, memlog_read, m, root);
		for (i = 0; i < n; i++) {
			if (merkle_prove_inclusion(i, n, memlog_read, m, proof,
				&len) == -1 ||
			    merkle_verify_inclusion(i, n, leaves[i],
				(const uint8_t(*)[H])proof, len, root) == -1)
				bad_incl++;
			if (merkle_verify_inclusion(i, n, leaves[(i + 1) % n],
				(const uint8_t(*)[H])proof, len, root) == 0 &&
			    n > 1)
				accepted_bad++;
			if (i + 1 < n &&
			    merkle_verify_inclusion(i + 1, n, leaves[i],
				(const uint8_t(*)[H])proof, len, root) == 0)
				accepted_bad++;
		}
	}
	is_int(bad_incl, 0, "inclusion proofs verify");

	/* Consistency between every pair of sizes up to 80, some beyond. */
	for (n = 1; n <= 1100; n += (n < 80 ? 1 : 89)) {
		merkle_tree_hash(n, memlog_read, m, root2);
		for (i = 1; i <= n; i += (i < 80 ? 1 : 61)) {
			merkle_tree_hash(i, memlog_read, m, r1);
			if (merkle_prove_consistency(i, n, memlog_read, m,
				proof, &len) == -1 ||
			    merkle_verify_consistency(i, n,
				(const uint8_t(*)[H])proof, len, r1,
				root2) == -1)
				bad_cons++;
			if (i < n &&
			    merkle_verify_consistency(i, n,
				(const uint8_t(*)[H])proof, len, root2,
				root2) == 0)
				accepted_bad++;
		}
	}
	is_int(bad_cons, 0, "consistency proofs verify");

	/* Subtree proofs, start > 0 included, up to size 70. */
	for (n = 1; n <= 70; n++) {
		merkle_tree_hash(n, memlog_read, m, root2);
		for (e = 1; e <= n; e++)
			for (s = 0; s < e; s++) {
				if (!merkle_subtree_valid(s, e))
					continue;
				if (merkle_subtree_hash(s, e, memlog_read, m,
					r1) == -1 ||
				    merkle_root((const uint8_t(*)[H])leaves + s,
					(size_t)(e - s), root) == -1 ||
				    memcmp(r1, root, H) != 0)
					bad_sub++;
				if (merkle_prove_subtree_consistency(s, e, n,
					memlog_read, m, proof, &len) == -1 ||
				    merkle_verify_subtree_consistency(s, e, n,
					(const uint8_t(*)[H])proof, len, r1,
					root2) == -1)
					bad_sub++;
				if (merkle_verify_subtree_consistency(s, e, n,
					(const uint8_t(*)[H])proof, len, root2,
					r1) == 0 &&
				    memcmp(r1, root2, H) != 0)
					accepted_bad++;
				i = s + (e - s) / 2;
				if (merkle_prove_subtree_inclusion(i, s, e,
					memlog_read, m, proof, &len) == -1 ||
				    merkle_verify_subtree_inclusion(i, s, e,
					leaves[i], (const uint8_t(*)[H])proof,
					len, r1) == -1)
					bad_sub++;
			}
	}
	is_int(bad_sub, 0, "subtree hashes, inclusion and consistency proofs");
	is_int(accepted_bad, 0, "no verifier accepted a wrong leaf, index or root");

	/* Argument limits and reader failures. */
	is_int(merkle_prove_inclusion(5, 5, memlog_read, m, proof, &len), -1,
	    "inclusion refuses index = size");
	is_int(merkle_prove_inclusion(-1, 5, memlog_read, m, proof, &len), -1,
	    "inclusion refuses index -1");
	is_int(merkle_prove_consistency(0, 5, memlog_read, m, proof, &len), -1,
	    "consistency refuses m = 0");
	is_int(merkle_prove_consistency(6, 5, memlog_read, m, proof, &len), -1,
	    "consistency refuses m > n");
	is_int(merkle_prove_subtree_consistency(1, 3, 8, memlog_read, m, proof,
		   &len),
	    -1, "subtree consistency refuses the invalid subtree [1, 3)");
	is_int(merkle_tree_hash(5000, memlog_read, m, root), -1,
	    "tree hash beyond the stored tree: the reader refuses");
	is_int(merkle_tree_hash(7, failing_reader, NULL, root), -1,
	    "tree hash passes a reader failure on");
	is_int(merkle_prove_inclusion(1, 7, failing_reader, NULL, proof, &len),
	    -1, "inclusion passes a reader failure on");
	is_int(merkle_stored_hashes_for_record(3, leaves[3], failing_reader,
		   NULL, add, &nadd),
	    -1, "stored hashes for record 3 need a read");
	ok(merkle_stored_hashes_for_record(4, leaves[4], failing_reader, NULL,
	       add, &nadd) == 0 &&
		nadd == 1,
	    "record 4 completes no subtree: no read");
	ok(merkle_tree_hash(0, failing_reader, NULL, root) == 0, "empty tree: no read");
	merkle_empty_root(root2);
	ok(memcmp(root, root2, H) == 0, "empty tree hash is SHA-256(\"\")");
	memset(proof, 0, sizeof(proof));
	is_int(merkle_verify_inclusion(0, 1, leaves[0],
		   (const uint8_t(*)[H])proof, MERKLE_MAX_PROOF + 1, leaves[0]),
	    -1, "verify refuses a proof longer than 64");
	is_int(merkle_verify_inclusion(0, MERKLE_MAX_TREE_SIZE + 1, leaves[0],
		   (const uint8_t(*)[H])proof, 0, leaves[0]),
	    -1, "verify refuses sizes above 2^62");
	is_int(merkle_verify_consistency(0, 0, (const uint8_t(*)[H])proof, 0,
		   root2, root2),
	    -1, "consistency from size 0 is refused, even 0 -> 0");
	is_int(merkle_verify_consistency(3, 3, (const uint8_t(*)[H])proof, 0,
		   leaves[1], leaves[1]),
	    0, "consistency 3 -> 3 with equal roots and no proof");
	is_int(merkle_verify_consistency(3, 3, (const uint8_t(*)[H])proof, 1,
		   leaves[1], leaves[1]),
	    -1, "consistency 3 -> 3 with a proof is refused");
	memlog_free(m);
}

static void
test_hash_text(void)
{
	uint8_t h[H], g[H];
	char hex[MERKLE_HEX_SIZE], b64[MERKLE_BASE64_SIZE];

	merkle_leaf_hash((const uint8_t *)"x", 1, h);
	merkle_hash_to_hex(h, hex);
	merkle_hash_to_base64(h, b64);
	ok(strlen(hex) == 64 && merkle_hash_from_hex(hex, 64, g) == 0 &&
		memcmp(h, g, H) == 0,
	    "hex round trip");
	ok(strlen(b64) == 44 && merkle_hash_from_base64(b64, 44, g) == 0 &&
		memcmp(h, g, H) == 0,
	    "base64 round trip");
	is_int(merkle_hash_from_hex(hex, 63, g), -1, "63 hex digits refused");
	hex[10] = 'g';
	is_int(merkle_hash_from_hex(hex, 64, g), -1, "non-hex digit refused");
	is_int(merkle_hash_from_base64(
		   "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 43, g),
	    -1, "unpadded base64 refused");
	is_int(merkle_hash_from_base64(
		   "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", 44, g),
	    -1, "non-canonical base64 (spare bits set) refused");
	is_int(merkle_hash_from_base64(
		   "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 44, g),
	    -1, "base64 of 31 bytes refused");
	/* libsodium 1.0.18 alone would take bytes >= 0x80 as letters. */
	is_int(merkle_hash_from_base64(
		   "Kg\xf2" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 44, g),
	    -1, "base64 with a byte >= 0x80 refused");
	is_int(merkle_hash_from_base64(
		   "KgA=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 44, g),
	    -1, "base64 with padding inside refused");
}

int
main(void)
{
	if (sodium_init() == -1)
		return 1;
	test_stored_layout();
	test_roots_and_proofs();
	test_hash_text();
	return done_testing();
}
