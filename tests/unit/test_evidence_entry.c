/*
 * Unit test of record/evidence_entry: the upload and fetch entries byte
 * for byte (canonical), read back, and every refusal of the reader with
 * the field it names.
 */
#include <stdlib.h>
#include <string.h>

#include "record/canon.h"
#include "record/evidence_entry.h"
#include "tap.h"

#define H "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
is_canon(json_t *e, const char *want, const char *name)
{
	char *text = NULL;
	size_t len;

	if (e == NULL || canon_encode(e, &text, &len) == -1)
		text = NULL;
	is_str(text, want, "%s", name);
	free(text);
}

/* The reader refuses e (taken), naming want. */
static void
refuses(json_t *e, const char *want, const char *name)
{
	struct evidence_entry ev;
	char err[200] = "";

	ok(evidence_entry_read(e, &ev, err, sizeof(err)) == -1 &&
	    strstr(err, want) != NULL, "%s: %s", name, err);
	json_decref(e);
}

int
main(void)
{
	struct evidence_entry ev;
	char err[200];
	uint8_t b[32];
	json_t *up, *fe, *e;

	up = evidence_entry_upload(H, 5, "image/png", "mon", 7);
	is_canon(up, "{\"action\":\"upload\",\"at_ms\":7,\"by\":\"mon\","
	    "\"media_type\":\"image/png\",\"sha256\":\"" H "\",\"size\":5,"
	    "\"type\":\"evidence\",\"v\":1}", "an upload");
	ok(evidence_entry_read(up, &ev, err, sizeof(err)) == 0 && ev.upload &&
	    ev.size == 5 && strcmp(ev.media_type, "image/png") == 0 &&
	    strcmp(ev.by, "mon") == 0 && ev.at_ms == 7 && ev.sha256[0] == 0 &&
	    ev.sha256[1] == 0x11 && ev.sha256[31] == 0xff, "read back");
	fe = evidence_entry_fetch(H, "vie", 8);
	is_canon(fe, "{\"action\":\"fetch\",\"at_ms\":8,\"by\":\"vie\","
	    "\"sha256\":\"" H "\",\"type\":\"evidence\",\"v\":1}", "a fetch");
	ok(evidence_entry_read(fe, &ev, err, sizeof(err)) == 0 && !ev.upload &&
	    strcmp(ev.action, "fetch") == 0 && ev.media_type == NULL,
	    "read back, no media type");

	e = json_deep_copy(fe);
	json_object_set_new(e, "sha256", json_string("00112233"));
	refuses(e, "/sha256: not 64 lower-case hex digits", "a short digest");
	e = json_deep_copy(fe);
	json_object_set_new(e, "sha256", json_string("00112233445566778899"
	    "AABBCCDDEEFF00112233445566778899aabbccddeeff"));
	refuses(e, "/sha256:", "upper-case hex");
	e = json_deep_copy(fe);
	json_object_del(e, "sha256");
	refuses(e, "/sha256:", "no digest");
	e = json_deep_copy(fe);
	json_object_set_new(e, "action", json_string("delete"));
	refuses(e, "/action: must be upload or fetch, with /by",
	    "an unknown action");
	e = json_deep_copy(fe);
	json_object_del(e, "by");
	refuses(e, "/action: must be upload or fetch, with /by", "no /by");
	ok(evidence_entry_sha256(H, b) == 0 && b[1] == 0x11 && b[31] == 0xff,
	    "a digest as the API names it");
	ok(evidence_entry_sha256(NULL, b) == -1 &&
	    evidence_entry_sha256(H "0", b) == -1 &&
	    evidence_entry_sha256("g0112233445566778899aabbccddeeff0011223344"
	    "5566778899aabbccddeeff", b) == -1,
	    "none, too long, not hex: no digest");
	json_decref(up);
	json_decref(fe);
	return done_testing();
}
