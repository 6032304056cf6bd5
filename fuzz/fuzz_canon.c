/*
 * fuzz_canon: canonical JSON (record/canon.h) of any JSON value, and the
 * reading of a member's note text as canonical JSON (verify/member.h
 * member_note_json), which must take exactly the texts canon_encode
 * writes.
 *
 * Promises checked: canon_encode's output parses back to a value whose
 * encoding is the same bytes; an object's encoding, signed as a note,
 * reads back; any note whose text reads has the canonical text.
 */
#include <jansson.h>

#include "record/canon.h"
#include "tlog/note.h"
#include "verify/member.h"

#include "fuzz.h"

static struct note_signer *signer;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t seed[32] = { 1 };
	char err[256];

	(void)argc;
	(void)argv;
	signer = note_signer_from_seed("fuzz.example/member", NOTE_KEY_ED25519,
	    seed, err, sizeof(err));
	FUZZ_CHECK(signer != NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v, *back = NULL, *note = NULL;
	char *out = NULL, *out2 = NULL, *text = NULL, *canon = NULL, err[256];
	size_t len, len2, clen, textlen, signedlen;

	/* Any bytes as a member's note: what reads is canonical. */
	if ((note = member_note_json((const char *)data, size, err,
	    sizeof(err))) != NULL) {
		FUZZ_CHECK(note_split(data, size, &textlen, err,
		    sizeof(err)) == 0);
		FUZZ_CHECK(canon_encode(note, &canon, &clen) == 0);
		FUZZ_CHECK(clen + 1 == textlen && memcmp(canon, data, clen) ==
		    0);
	}

	v = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, NULL);
	if (v == NULL || canon_encode(v, &out, &len) == -1)
		goto done;
	FUZZ_CHECK(strlen(out) == len);
	back = json_loadb(out, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(canon_encode(back, &out2, &len2) == 0);
	FUZZ_CHECK(len2 == len && memcmp(out, out2, len) == 0);

	/* An object's encoding, signed, reads back as the same object. */
	if (json_is_object(v) && len + NOTE_SIGLINE_MAX < MEMBER_NOTE_MAX) {
		if ((text = malloc(len + 1)) == NULL)
			goto done;
		memcpy(text, out, len);
		text[len] = '\n';
		free(canon);
		canon = NULL;
		if (note_sign(signer, (const uint8_t *)text, len + 1, 0, &canon,
		    &signedlen, err, sizeof(err)) == -1)
			goto done; /* control characters: not a note's text */
		json_decref(note);
		note = member_note_json(canon, signedlen, err, sizeof(err));
		FUZZ_CHECK(note != NULL);
		FUZZ_CHECK(json_equal(note, back));
	}
done:
	free(text);
	free(canon);
	free(out);
	free(out2);
	json_decref(note);
	json_decref(back);
	json_decref(v);
	return 0;
}
