/*
 * receipt: verifying a write receipt offline (see receipt.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/receipt.h"

int
receipt_verify(const json_t *doc, const struct note_verifier *log_key,
    const uint8_t *entry, size_t len, struct receipt_result *res, char *err,
    size_t errlen)
{
	const struct note_verifier *known[1] = { log_key };
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	uint8_t leaf[MERKLE_HASH_SIZE], h[MERKLE_HASH_SIZE];
	const json_t *r = doc, *jp, *item;
	const char *note, *id, *s;
	struct checkpoint *c = NULL;
	struct note *n = NULL;
	enum note_error e;
	char hex[2 * MERKLE_HASH_SIZE + 1], nerr[256];
	const uint8_t *text;
	json_int_t index;
	size_t i, plen, tlen;
	int rc = -1;

	if (!json_is_object(doc)) {
		snprintf(err, errlen, "receipt: not a JSON object");
		return -1;
	}
	if (json_is_object(json_object_get(doc, "receipt")))
		r = json_object_get(doc, "receipt");
	id = json_string_value(json_object_get(doc, "id"));
	if (id == NULL)
		id = json_string_value(json_object_get(r, "id"));
	if (!json_is_integer(json_object_get(r, "index")) ||
	    (index = json_integer_value(json_object_get(r, "index"))) < 0) {
		snprintf(err, errlen,
		    "receipt: `index` must be an integer "
		    ">= 0");
		return -1;
	}
	if ((note = json_string_value(json_object_get(r, "checkpoint"))) ==
		NULL ||
	    json_string_length(json_object_get(r, "checkpoint")) >
		NOTE_MAX_SIZE) {
		snprintf(err, errlen,
		    "receipt: `checkpoint` must be a signed "
		    "note of at most %d bytes",
		    NOTE_MAX_SIZE);
		return -1;
	}
	jp = json_object_get(r, "inclusion_proof");
	if (!json_is_array(jp) || json_array_size(jp) > MERKLE_MAX_PROOF) {
		snprintf(err, errlen,
		    "receipt: `inclusion_proof` must be an "
		    "array of at most %d hashes",
		    MERKLE_MAX_PROOF);
		return -1;
	}
	plen = json_array_size(jp);
	json_array_foreach(jp, i, item)
	{
		if ((s = json_string_value(item)) == NULL ||
		    merkle_hash_from_base64(s, strlen(s), proof[i]) == -1) {
			snprintf(err, errlen,
			    "receipt: `inclusion_proof[%zu]` "
			    "is not a base64 SHA-256 hash",
			    i);
			return -1;
		}
	}
	if ((n = note_open((const uint8_t *)note,
		 json_string_length(json_object_get(r, "checkpoint")), known, 1,
		 &e, nerr, sizeof(nerr))) == NULL) {
		snprintf(err, errlen, "checkpoint: %s",
		    e == NOTE_NO_VERIFIABLE ? "not signed by the given log key"
					    : nerr);
		goto done;
	}
	text = note_text(n, &tlen);
	if ((c = checkpoint_parse(text, tlen, nerr, sizeof(nerr))) == NULL) {
		snprintf(err, errlen, "checkpoint: %s", nerr);
		goto done;
	}
	if (strcmp(checkpoint_origin(c), note_verifier_name(log_key)) != 0) {
		snprintf(err, errlen,
		    "checkpoint: origin '%.200s' is not the "
		    "log key's name '%s'",
		    checkpoint_origin(c), note_verifier_name(log_key));
		goto done;
	}
	if (index >= checkpoint_size(c)) {
		snprintf(err, errlen,
		    "receipt: index %lld is not inside the "
		    "checkpoint of size %lld",
		    (long long)index, (long long)checkpoint_size(c));
		goto done;
	}
	if (id != NULL) {
		crypto_hash_sha256(h, entry, len);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		if (strcmp(hex, id) != 0) {
			snprintf(err, errlen,
			    "observation: its id %s is not the "
			    "receipt's id %.64s",
			    hex, id);
			goto done;
		}
	}
	merkle_leaf_hash(entry, len, leaf);
	if (merkle_verify_inclusion(index, checkpoint_size(c), leaf,
		(const uint8_t(*)[MERKLE_HASH_SIZE])proof, plen,
		checkpoint_root(c)) == -1) {
		snprintf(err, errlen,
		    "inclusion_proof: does not prove the "
		    "observation at index %lld of the checkpoint of size %lld",
		    (long long)index, (long long)checkpoint_size(c));
		goto done;
	}
	res->index = index;
	res->size = checkpoint_size(c);
	snprintf(res->origin, sizeof(res->origin), "%s", checkpoint_origin(c));
	rc = 0;
done:
	checkpoint_free(c);
	note_free(n);
	return rc;
}
