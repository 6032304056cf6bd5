/*
 * fuzz_receipt: a write receipt as `truce verify-receipt` reads it
 * (tlog/receipt.h): JSON holding an index, a signed checkpoint and an
 * inclusion proof, bare or wrapped as the answer to POST /v1/observations,
 * verified for one entry of a log of N entries whose only checkpoint is
 * signed with a fixed key (receipt_seed below writes the valid receipt
 * that seeds the corpus).
 *
 * Promises checked: a receipt that verifies names the entry's index and
 * the signed tree's size and origin (nothing else was ever signed, and the
 * entry is at one index only).
 */
#include <jansson.h>
#include <sodium.h>

#include "tlog/checkpoint.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/receipt.h"

#include "fuzz.h"

#define N 21
#define I 13
#define ORIGIN "example.org/log"

static struct note_verifier *log_key;
static char entry[32];
static char *receipt; /* the valid receipt, as JSON text */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t seed[32] = { 42 };
	uint8_t leaf[32], root[32], proof[MERKLE_MAX_PROOF][32];
	char e[32], body[512], err[256], b64[MERKLE_BASE64_SIZE], *note = NULL;
	struct note_signer *s;
	struct memlog *m;
	json_t *arr, *r;
	size_t i, len, plen;

	(void)argc;
	(void)argv;
	FUZZ_CHECK(sodium_init() >= 0 && (m = memlog_new()) != NULL);
	for (i = 0; i < N; i++) {
		snprintf(e, sizeof(e), "{\"n\":%zu}", i);
		if (i == I)
			memcpy(entry, e, sizeof(e));
		merkle_leaf_hash((const uint8_t *)e, strlen(e), leaf);
		FUZZ_CHECK(memlog_append(m, leaf) == 0);
	}
	FUZZ_CHECK(merkle_tree_hash(N, memlog_read, m, root) == 0);
	FUZZ_CHECK(merkle_prove_inclusion(I, N, memlog_read, m, proof,
	    &plen) == 0);
	s = note_signer_from_seed(ORIGIN, NOTE_KEY_ED25519, seed, err,
	    sizeof(err));
	FUZZ_CHECK(s != NULL && (log_key = note_signer_verifier(s)) != NULL);
	FUZZ_CHECK(checkpoint_format(ORIGIN, N, root, NULL, body,
	    sizeof(body), &len, err, sizeof(err)) == 0);
	FUZZ_CHECK(note_sign(s, (const uint8_t *)body, len, 0, &note, &len,
	    err, sizeof(err)) == 0);
	FUZZ_CHECK((arr = json_array()) != NULL);
	for (i = 0; i < plen; i++) {
		merkle_hash_to_base64(proof[i], b64);
		json_array_append_new(arr, json_string(b64));
	}
	r = json_pack("{s:i,s:s,s:o}", "index", I, "checkpoint", note,
	    "inclusion_proof", arr);
	FUZZ_CHECK(r != NULL);
	receipt = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	FUZZ_CHECK(receipt != NULL);
	if (getenv("FUZZ_RECEIPT_SEED") != NULL)
		printf("%s\n", receipt);
	json_decref(r);
	free(note);
	note_signer_free(s);
	memlog_free(m);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct receipt_result res;
	json_t *doc;
	char err[256];

	doc = json_loadb((const char *)data, size, 0, NULL);
	if (doc == NULL)
		return 0;
	if (receipt_verify(doc, log_key, (const uint8_t *)entry,
	    strlen(entry), &res, err, sizeof(err)) == 0) {
		FUZZ_CHECK(res.index == I && res.size == N);
		FUZZ_CHECK(strcmp(res.origin, ORIGIN) == 0);
	}
	json_decref(doc);
	return 0;
}
