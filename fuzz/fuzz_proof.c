/*
 * fuzz_proof: a proof answer of the center as `truce audit` reads it
 * (audit/audit.h audit_parse_proof: GET /v1/log/proof/inclusion and
 * /consistency, docs/api.md), then checked by the RFC 9162 verifiers
 * (tlog/merkle.h) against a tree of TREE_SIZE leaves held in memory, with
 * the index and sizes the answer names ("index" and "size", or "from" and
 * "to"; any values, in range or not).
 *
 * Promises checked: a verifier accepts a proof only if it is the one the
 * prover makes for that index and size (a proof is unique: anything else
 * would be a second preimage of SHA-256); the prover's own proofs verify.
 */
#include <jansson.h>

#include "audit/audit.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"

#include "fuzz.h"

#define TREE_SIZE 300

static struct memlog *tree;

/* Prints proof answers of the tree, one a line, to seed the corpus. */
static void
print_seeds(void)
{
	static const int64_t cases[][3] = { { 0, 0, 1 }, { 0, 5, 8 },
		{ 0, 299, 300 }, { 1, 7, 256 }, { 1, 100, 257 },
		{ 1, 1, 300 } };
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	char b64[MERKLE_BASE64_SIZE];
	size_t i, j, len;
	int incl;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		incl = cases[i][0] == 0;
		FUZZ_CHECK((incl ? merkle_prove_inclusion(cases[i][1],
		    cases[i][2], memlog_read, tree, proof, &len) :
		    merkle_prove_consistency(cases[i][1], cases[i][2],
		    memlog_read, tree, proof, &len)) == 0);
		printf("{\"%s\":%lld,\"%s\":%lld,\"proof\":[",
		    incl ? "index" : "from", (long long)cases[i][1],
		    incl ? "size" : "to", (long long)cases[i][2]);
		for (j = 0; j < len; j++) {
			merkle_hash_to_base64(proof[j], b64);
			printf("%s\"%s\"", j ? "," : "", b64);
		}
		printf("]}\n");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t leaf[MERKLE_HASH_SIZE], data[8];
	int64_t i;

	(void)argc;
	(void)argv;
	FUZZ_CHECK((tree = memlog_new()) != NULL);
	for (i = 0; i < TREE_SIZE; i++) {
		memcpy(data, &i, sizeof(data));
		merkle_leaf_hash(data, sizeof(data), leaf);
		FUZZ_CHECK(memlog_append(tree, leaf) == 0);
	}
	if (getenv("FUZZ_PROOF_SEED") != NULL)
		print_seeds();
	return 0;
}

/* The root of the first n leaves, or -1 when n is outside the tree. */
static int
root_of(int64_t n, uint8_t out[MERKLE_HASH_SIZE])
{
	if (n < 1 || n > TREE_SIZE)
		return -1;
	FUZZ_CHECK(merkle_tree_hash(n, memlog_read, tree, out) == 0);
	return 0;
}

static void
inclusion(int64_t index, int64_t size, const uint8_t (*proof)[32],
    size_t len)
{
	uint8_t root[32], leaf[32], want[MERKLE_MAX_PROOF][32];
	size_t wantlen;
	int64_t hi;

	if (root_of(size, root) == -1 || index < 0 || index >= size) {
		memset(root, 0, sizeof(root));
		memset(leaf, 0, sizeof(leaf));
		(void)merkle_verify_inclusion(index, size, leaf, proof, len,
		    root);
		return;
	}
	hi = index;
	FUZZ_CHECK(memlog_read(tree, (int64_t[]){
	    merkle_stored_hash_index(0, hi) }, 1,
	    (uint8_t(*)[32])leaf) == 0);
	FUZZ_CHECK(merkle_prove_inclusion(index, size, memlog_read, tree,
	    want, &wantlen) == 0);
	FUZZ_CHECK(merkle_verify_inclusion(index, size, leaf,
	    (const uint8_t(*)[32])want, wantlen, root) == 0);
	if (merkle_verify_inclusion(index, size, leaf, proof, len, root) ==
	    0)
		FUZZ_CHECK(len == wantlen &&
		    memcmp(proof, want, len * 32) == 0);
}

static void
consistency(int64_t from, int64_t to, const uint8_t (*proof)[32],
    size_t len)
{
	uint8_t r1[32], r2[32], want[MERKLE_MAX_PROOF][32];
	size_t wantlen;

	if (root_of(from, r1) == -1 || root_of(to, r2) == -1 || from > to) {
		memset(r1, 0, sizeof(r1));
		memset(r2, 0, sizeof(r2));
		(void)merkle_verify_consistency(from, to, proof, len, r1, r2);
		(void)merkle_verify_subtree_consistency(from, to, to, proof,
		    len, r1, r2);
		return;
	}
	FUZZ_CHECK(merkle_prove_consistency(from, to, memlog_read, tree, want,
	    &wantlen) == 0);
	FUZZ_CHECK(merkle_verify_consistency(from, to,
	    (const uint8_t(*)[32])want, wantlen, r1, r2) == 0);
	if (merkle_verify_consistency(from, to, proof, len, r1, r2) == 0)
		FUZZ_CHECK(len == wantlen &&
		    memcmp(proof, want, len * 32) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	json_t *doc;
	json_int_t a, b;
	char err[128];
	size_t len;

	if (audit_parse_proof(data, size, proof, &len, err,
	    sizeof(err)) == -1)
		return 0;
	FUZZ_CHECK(len <= MERKLE_MAX_PROOF);
	doc = json_loadb((const char *)data, size, 0, NULL);
	FUZZ_CHECK(doc != NULL);
	if (json_unpack(doc, "{s:I,s:I}", "index", &a, "size", &b) == 0)
		inclusion(a, b, (const uint8_t(*)[32])proof, len);
	if (json_unpack(doc, "{s:I,s:I}", "from", &a, "to", &b) == 0)
		consistency(a, b, (const uint8_t(*)[32])proof, len);
	json_decref(doc);
	return 0;
}
