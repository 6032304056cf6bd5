/*
 * fuzz_source_status: a source's status statement (record/
 * source_status.h) as POST /v1/sources/{id}/status takes it (the input,
 * for a unit) and as the apply path reads its log entry (any JSON).
 *
 * Promises checked: what source_status_from_input accepts is within the
 * limits, builds an entry that source_status_read reads back with the
 * same fields, and whose canonical bytes build again the same; what
 * source_status_read accepts is within the same limits.
 */
#include <jansson.h>

#include "record/canon.h"
#include "record/source_status.h"

#include "fuzz.h"

/* The limits every accepted statement keeps. */
static void
within(const struct source_status_entry *s)
{
	FUZZ_CHECK(s->type != NULL && s->unit != NULL && s->reason != NULL);
	FUZZ_CHECK(strlen(s->unit) >= 1 &&
	    strlen(s->unit) <= SOURCE_STATUS_NAME_MAX);
	FUZZ_CHECK(strlen(s->reason) >= 1 &&
	    strlen(s->reason) <= SOURCE_STATUS_REASON_MAX);
	FUZZ_CHECK(s->member != NULL || s->organisation != NULL);
	FUZZ_CHECK(s->to_ms > s->from_ms &&
	    s->to_ms - s->from_ms <= SOURCE_STATUS_MAX_SPAN_MS);
	FUZZ_CHECK(s->status >= SOURCE_OPERATIONAL && s->status <= SOURCE_DOWN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_status_entry in, back;
	json_t *v, *e = NULL, *e2 = NULL;
	char err[512], *b1 = NULL, *b2 = NULL;
	size_t l1, l2;

	if ((v = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	if (source_status_from_input(v, "CAM-1", "cam-1", 1700000000000LL, &in,
		err, sizeof(err)) == 0) {
		within(&in);
		FUZZ_CHECK((e = source_status_build(&in)) != NULL);
		FUZZ_CHECK(source_status_read(e, &back, err, sizeof(err)) == 0);
		FUZZ_CHECK(back.status == in.status &&
		    back.from_ms == in.from_ms && back.to_ms == in.to_ms &&
		    strcmp(back.reason, in.reason) == 0 &&
		    strcmp(back.type, in.type) == 0);
		FUZZ_CHECK((e2 = source_status_build(&back)) != NULL);
		FUZZ_CHECK(canon_encode(e, &b1, &l1) == 0 &&
		    canon_encode(e2, &b2, &l2) == 0);
		FUZZ_CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
	}
	if (source_status_read(v, &back, err, sizeof(err)) == 0)
		within(&back);
	free(b1);
	free(b2);
	json_decref(e);
	json_decref(e2);
	json_decref(v);
	return 0;
}
