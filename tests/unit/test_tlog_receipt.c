/*
 * Unit test of tlog/receipt: a receipt made the way the server makes one
 * (memlog proofs, a checkpoint signed with a fresh log key) verifies in its
 * three shapes, and each way of getting it wrong is refused with the field
 * named: another key, another entry, a changed or short proof, an index
 * outside the tree, a wrong id, malformed fields.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "tlog/checkpoint.h"
#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/receipt.h"
#include "tap.h"

#define H MERKLE_HASH_SIZE
#define N 7
#define I 4

static int
check(const json_t *doc, const struct note_verifier *v, const char *entry,
    const char *want_err)
{
	struct receipt_result res;
	char err[512] = "";
	int rc = receipt_verify(doc, v, (const uint8_t *)entry, strlen(entry),
	    &res, err, sizeof(err));

	if (want_err == NULL)
		return rc == 0 && res.index == I && res.size == N &&
		    strcmp(res.origin, "example.org/log") == 0;
	if (rc == 0 || strstr(err, want_err) == NULL) {
		diag("  got rc %d, err '%s'; want '%s'", rc, err, want_err);
		return 0;
	}
	return 1;
}

int
main(void)
{
	uint8_t leaf[H], root[H], proof[MERKLE_MAX_PROOF][H], id[H];
	char entries[N][32], body[512], err[256], *note = NULL, b64[45];
	char hex[2 * H + 1];
	struct note_signer *s, *other;
	struct note_verifier *v, *ov;
	struct memlog *m = memlog_new();
	json_t *r, *doc, *arr;
	size_t i, len, plen;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < N; i++) {
		snprintf(entries[i], sizeof(entries[i]), "{\"n\":%zu}", i);
		merkle_leaf_hash((const uint8_t *)entries[i],
		    strlen(entries[i]), leaf);
		memlog_append(m, leaf);
	}
	merkle_tree_hash(N, memlog_read, m, root);
	merkle_prove_inclusion(I, N, memlog_read, m, proof, &plen);
	s = note_signer_generate("example.org/log", NOTE_KEY_ED25519, err,
	    sizeof(err));
	other = note_signer_generate("example.org/log", NOTE_KEY_ED25519, err,
	    sizeof(err));
	v = note_signer_verifier(s);
	ov = note_signer_verifier(other);
	checkpoint_format("example.org/log", N, root, NULL, body, sizeof(body),
	    &len, err, sizeof(err));
	note_sign(s, (const uint8_t *)body, len, 0, &note, &len, err,
	    sizeof(err));
	arr = json_array();
	for (i = 0; i < plen; i++) {
		merkle_hash_to_base64(proof[i], b64);
		json_array_append_new(arr, json_string(b64));
	}
	r = json_pack("{s:i,s:s,s:o}", "index", I, "checkpoint", note,
	    "inclusion_proof", arr);
	crypto_hash_sha256(id, (const uint8_t *)entries[I], strlen(entries[I]));
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));

	ok(check(r, v, entries[I], NULL), "the bare receipt verifies");
	doc = json_pack("{s:s,s:i,s:O}", "id", hex, "index", I, "receipt", r);
	ok(check(doc, v, entries[I], NULL), "the POST answer verifies");
	json_object_set_new(doc, "id", json_string("00"));
	ok(check(doc, v, entries[I], "is not the receipt's id"),
	    "a wrong id is refused");
	json_decref(doc);
	ok(check(r, ov, entries[I], "not signed by the given log key"),
	    "another log key is refused");
	ok(check(r, v, entries[I + 1], "inclusion_proof: does not prove"),
	    "another entry is refused");
	doc = json_deep_copy(r);
	json_array_set_new(json_object_get(doc, "inclusion_proof"), 0,
	    json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	ok(check(doc, v, entries[I], "inclusion_proof: does not prove"),
	    "a changed proof hash is refused");
	json_array_remove(json_object_get(doc, "inclusion_proof"), 0);
	ok(check(doc, v, entries[I], "inclusion_proof: does not prove"),
	    "a short proof is refused");
	json_array_set_new(json_object_get(doc, "inclusion_proof"), 0,
	    json_string("not base64"));
	ok(check(doc, v, entries[I], "inclusion_proof[0]"),
	    "a proof hash that is not base64 is named");
	json_decref(doc);
	doc = json_deep_copy(r);
	json_object_set_new(doc, "index", json_integer(N));
	ok(check(doc, v, entries[I], "not inside the checkpoint"),
	    "an index outside the tree is refused");
	json_object_set_new(doc, "index", json_string("4"));
	ok(check(doc, v, entries[I], "`index`"), "a non-integer index");
	json_decref(doc);
	doc = json_deep_copy(r);
	json_object_set_new(doc, "checkpoint", json_string("junk\n"));
	ok(check(doc, v, entries[I], "checkpoint:"), "a junk checkpoint");
	json_object_del(doc, "checkpoint");
	ok(check(doc, v, entries[I], "`checkpoint`"), "no checkpoint");
	json_decref(doc);
	doc = json_array();
	ok(check(doc, v, entries[I], "not a JSON object"), "not an object");
	json_decref(doc);
	json_decref(r);
	free(note);
	note_verifier_free(v);
	note_verifier_free(ov);
	note_signer_free(s);
	note_signer_free(other);
	memlog_free(m);
	return done_testing();
}
