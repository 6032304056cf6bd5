/*
 * fuzz_observation: the observation validator and the canonical entry
 * (record/observation.h, record/canon.h) and the two renderers of an
 * observation's Feature (format/obsfeature.h), fed a POST body as the
 * server reads it (server.c http_body_json: JSON_REJECT_DUPLICATES).
 *
 * Promises checked, for every input the validator takes:
 *  - the canonical bytes parse back to JSON whose canonical encoding is
 *    the same bytes (canonical(parse(x)) is stable), under OBSERVATION_
 *    MAX_ENTRY bytes, with the id the SHA-256 of those bytes;
 *  - the API's view of the entry, submitted again, is the same entry
 *    (docs/observation.md: resubmitting is idempotent);
 *  - obsfeature_write, when it takes the entry, writes byte for byte what
 *    the reference obsfeature_json dumps.
 * The raw input is also given to the renderers as if it were a log entry
 * (what `truce audit` and a rebuild read from a log they do not trust).
 */
#include <jansson.h>

#include "format/obsfeature.h"
#include "record/canon.h"
#include "record/observation.h"

#include "fuzz.h"

/* 2100-01-01T00:00:00Z: no input is refused for being in the future. */
#define FUZZ_NOW_MS 4102444800000LL

/* The reference renderer's text, or NULL when it declines the entry. */
static char *
reference(int64_t index, const char *bytes, size_t len)
{
	json_t *f;
	char *text;

	if ((f = obsfeature_json(index, bytes, len)) == NULL)
		return NULL;
	text = json_dumps(f, OBSFEATURE_JSON_FLAGS);
	json_decref(f);
	return text;
}

/* The fast renderer agrees with the reference whenever it answers. */
static void
renderers_agree(const char *bytes, size_t len)
{
	struct obsfeature_text t = { NULL, 0, 0 };
	char *ref;

	ref = reference(7, bytes, len);
	if (obsfeature_write(&t, 7, bytes, len, NULL) == 0) {
		FUZZ_CHECK(ref != NULL);
		FUZZ_CHECK(t.len == strlen(ref));
		FUZZ_CHECK(memcmp(t.p, ref, t.len) == 0);
	}
	free(t.p);
	t.p = NULL;
	t.len = t.cap = 0;
	if (obsfeature_append(&t, 7, bytes, len, NULL) == 0)
		FUZZ_CHECK(ref != NULL && t.len == strlen(ref));
	else
		FUZZ_CHECK(t.len == 0);
	free(t.p);
	free(ref);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct observation_error errs[16];
	json_t *in, *entry = NULL, *back = NULL, *view = NULL, *again = NULL;
	char *bytes = NULL, *bytes2 = NULL, *bytes3 = NULL;
	char id[OBSERVATION_ID_LEN + 1], id2[OBSERVATION_ID_LEN + 1];
	size_t len, len2, len3, nerr;

	renderers_agree((const char *)data, size);
	in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	if (in == NULL)
		return 0;
	entry = observation_from_input(in, FUZZ_NOW_MS, errs, 16, &nerr);
	if (entry == NULL) {
		FUZZ_CHECK(nerr > 0 && nerr <= 16);
		goto done;
	}
	if (observation_encode(entry, &bytes, &len, id) == -1)
		goto done; /* over OBSERVATION_MAX_ENTRY: refused */
	FUZZ_CHECK(len <= OBSERVATION_MAX_ENTRY);
	FUZZ_CHECK(strlen(id) == OBSERVATION_ID_LEN);

	/* canonical(parse(x)) == x */
	back = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(canon_encode(back, &bytes2, &len2) == 0);
	FUZZ_CHECK(len2 == len && memcmp(bytes, bytes2, len) == 0);

	/* The view submitted again is the same entry. */
	view = observation_to_view(entry);
	FUZZ_CHECK(view != NULL);
	again = observation_from_input(view, FUZZ_NOW_MS, errs, 16, &nerr);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(observation_encode(again, &bytes3, &len3, id2) == 0);
	FUZZ_CHECK(len3 == len && memcmp(bytes, bytes3, len) == 0);
	FUZZ_CHECK(strcmp(id, id2) == 0);

	renderers_agree(bytes, len);
done:
	free(bytes);
	free(bytes2);
	free(bytes3);
	json_decref(again);
	json_decref(view);
	json_decref(back);
	json_decref(entry);
	json_decref(in);
	return 0;
}
