/*
 * Unit test of report/reportentry: the signed note a member signs a
 * report with (built, signed, read back, verified; refused when a field is
 * wrong or the text was altered after signing), and the draft, sign and
 * release entries read back.
 */
#include <stdlib.h>

#include "report/reportentry.h"
#include "tlog/note.h"
#include "verify/member.h"
#include "tap.h"

#define ID "9137292bab878adbb8247f188f05c9415de754cca84f22f070fe6b8dfa7030a1"
#define NUM "Daily Report 311/2026"

static void
note_refused(const char *text, const char *needle)
{
	struct reportentry_signature s;
	char err[256] = "";

	ok(reportentry_signature_read(text, strlen(text), &s, err,
	    sizeof(err)) == -1 && strstr(err, needle) != NULL,
	    "refused (%s): %s", needle, err);
}

int
main(void)
{
	struct reportentry_signature s;
	struct reportentry e;
	struct note_signer *ru;
	const char *keys[1], *notes[2];
	char err[256], vkey[NOTE_VKEY_MAX], *text = NULL, *note = NULL;
	json_t *report, *entry;
	size_t len, nlen;

	ru = note_signer_generate("RU", NOTE_KEY_ED25519, err, sizeof(err));
	ok(ru != NULL && note_signer_vkey(ru, vkey, sizeof(vkey)) == 0,
	    "a member's key");
	ok(reportentry_signature_text(ID, NUM, "RU", 0, NULL, 1800000000000LL,
	    &text, &len, err, sizeof(err)) == 0, "the text a member signs");
	is_str(text, "{\"decision\":\"sign\",\"member\":\"RU\",\"number\":"
	    "\"" NUM "\",\"report\":\"" ID "\",\"signed_at_ms\":1800000000000,"
	    "\"type\":\"report_signature\",\"v\":1}\n", "canonical, a newline");
	ok(note_sign(ru, (const uint8_t *)text, len, 0, &note, &nlen, err,
	    sizeof(err)) == 0, "signed");
	ok(reportentry_signature_read(note, nlen, &s, err, sizeof(err)) == 0 &&
	    strcmp(s.report, ID) == 0 && strcmp(s.member, "RU") == 0 &&
	    !s.refuse, "read back");
	keys[0] = vkey;
	ok(member_note_verify(note, nlen, keys, 1, err, sizeof(err)) == 0,
	    "verifies with the member's key");
	note[20] = note[20] == 'a' ? 'b' : 'a';
	ok(member_note_verify(note, nlen, keys, 1, err, sizeof(err)) == -1,
	    "altered after signing: does not verify (%s)", err);
	free(note);
	free(text);
	text = NULL;
	ok(reportentry_signature_text(ID, NUM, "RU", 1, NULL, 1, &text, &len,
	    err, sizeof(err)) == -1 && strstr(err, "/reason") != NULL,
	    "a refusal needs its reason");
	ok(reportentry_signature_text(ID, NUM, "RU", 1, "figures in "
	    "section 1 are wrong", 1, &text, &len, err, sizeof(err)) == 0 &&
	    strstr(text, "\"decision\":\"refuse\"") != NULL, "a refusal");
	free(text);
	ok(reportentry_signature_text("abc", NUM, "RU", 0, NULL, 1, &text,
	    &len, err, sizeof(err)) == -1 && strstr(err, "/report") != NULL,
	    "a hash that is not one");
	note_refused("{\"decision\":\"sign\",\"member\":\"RU\",\"number\":\"N\","
	    "\"report\":\"" ID "\",\"signed_at_ms\":1,\"type\":"
	    "\"report_signature\",\"v\":1,\"x\":1}\n", "not a signed note");

	/* Entries. */
	report = json_pack("{s:s,s:s,s:{s:I,s:I},s:I,s:s}", "kind", "daily",
	    "number", NUM, "period", "from_ms", (json_int_t)1, "to_ms",
	    (json_int_t)2, "log_size", (json_int_t)2395, "root", "AAAA");
	entry = reportentry_draft(report, ID, "2026-11-07/2026-11-07", "ana",
	    5);
	ok(reportentry_read(entry, &e, err, sizeof(err)) == 0 &&
	    e.action == REPORTENTRY_DRAFT && e.log_size == 2395 &&
	    e.to_ms == 2 && strcmp(e.subject, "2026-11-07/2026-11-07") == 0,
	    "a draft entry read back");
	json_decref(entry);
	entry = reportentry_sign("note\n", "ru-a", 6);
	ok(reportentry_read(entry, &e, err, sizeof(err)) == 0 &&
	    e.action == REPORTENTRY_SIGN && e.nnotes == 1, "a sign entry");
	json_decref(entry);
	notes[0] = "a\n";
	notes[1] = "b\n";
	entry = reportentry_release(ID, NUM, notes, 2, "tr-a", 7);
	ok(reportentry_read(entry, &e, err, sizeof(err)) == 0 &&
	    e.action == REPORTENTRY_RELEASE && e.nnotes == 2 &&
	    strcmp(e.report, ID) == 0, "a release entry with its notes");
	json_object_set_new(entry, "report", json_string("x"));
	ok(reportentry_read(entry, &e, err, sizeof(err)) == -1,
	    "a release of no report: refused (%s)", err);
	json_decref(entry);
	entry = json_pack("{s:s,s:s,s:s,s:i}", "type", "report", "action",
	    "publish", "by", "x", "at_ms", 1);
	ok(reportentry_read(entry, &e, err, sizeof(err)) == -1 &&
	    strstr(err, "/action") != NULL, "an unknown action");
	json_decref(entry);
	json_decref(report);
	note_signer_free(ru);
	return done_testing();
}
