/*
 * fuzz_member: a member's signed note as POST /v1/members and POST
 * /v1/incidents/{id}/assessments take it (verify/member.h,
 * verify/assessment.h): read as an assessment, as a key change (checked
 * against a center whose members are RU and TR, with fixed keys), and
 * verified against both members' keys; the first line also as a ruling
 * rule and as RU's verifier key. FUZZ_MEMBER_SEED=1 prints valid notes
 * to seed the corpus.
 *
 * Promises checked: what assessment_read and member_change_read accept
 * stays within their limits; a key change that member_change_check lets
 * through carries the signatures its kind needs (a note verified by the
 * member's current key for a rotation, by every member's for an addition).
 */
#include <jansson.h>

#include "record/canon.h"
#include "tlog/note.h"
#include "verify/assessment.h"
#include "verify/member.h"

#include "fuzz.h"

static struct note_signer *ru, *tr, *xx;
static char ru_vkey[NOTE_VKEY_MAX], tr_vkey[NOTE_VKEY_MAX];
static json_t *members;

/* Signs the canonical text of o (+ "\n") by s1 and s2 (may be NULL). */
static char *
sign(json_t *o, struct note_signer *s1, struct note_signer *s2)
{
	char *c, *text, *note = NULL, *note2 = NULL, err[256];
	size_t len, n;

	FUZZ_CHECK(canon_encode(o, &c, &len) == 0);
	FUZZ_CHECK((text = malloc(len + 2)) != NULL);
	memcpy(text, c, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	FUZZ_CHECK(note_sign(s1, (const uint8_t *)text, len + 1, 0, &note, &n,
	    err, sizeof(err)) == 0);
	if (s2 != NULL) {
		char line[NOTE_SIGLINE_MAX];

		FUZZ_CHECK(note_signature_line(s2, (const uint8_t *)text,
		    len + 1, 0, line, sizeof(line), err, sizeof(err)) == 0);
		FUZZ_CHECK((note2 = malloc(n + strlen(line) + 1)) != NULL);
		memcpy(note2, note, n);
		memcpy(note2 + n, line, strlen(line) + 1);
		free(note);
		note = note2;
	}
	free(c);
	free(text);
	json_decref(o);
	return note;
}

static void
print_seeds(void)
{
	const char *ev[] = { "4f2b2a1e3b0c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"
			     "7f8091a2b3c4d5e6" };
	char xx_vkey[NOTE_VKEY_MAX], err[256], *n;
	json_t *a;

	FUZZ_CHECK(note_signer_vkey(xx, xx_vkey, sizeof(xx_vkey)) == 0);
	a = assessment_new("inc-0123", "RU", 1, "violation", "AM", "high",
	    "Crater analysis points to artillery from the east.", ev, 1,
	    1800000000000LL, err, sizeof(err));
	FUZZ_CHECK(a != NULL);
	n = sign(a, ru, NULL);
	printf("%s%c", n, 0);
	free(n);
	n = sign(json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "member_key",
	    "v", 1, "action", "rotate", "member", "RU", "vkey", ru_vkey,
	    "at_ms", (json_int_t)1800000000000LL), ru, tr);
	printf("%s%c", n, 0);
	free(n);
	n = sign(json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "member_key",
	    "v", 1, "action", "add", "member", "XX", "vkey", xx_vkey, "at_ms",
	    (json_int_t)1800000000000LL), xx, ru);
	printf("%s%c", n, 0);
	free(n);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t s1[32] = { 1 }, s2[32] = { 2 }, s3[32] = { 3 };
	char err[256];

	(void)argc;
	(void)argv;
	ru = note_signer_from_seed("RU", NOTE_KEY_ED25519, s1, err,
	    sizeof(err));
	tr = note_signer_from_seed("TR", NOTE_KEY_ED25519, s2, err,
	    sizeof(err));
	xx = note_signer_from_seed("XX", NOTE_KEY_ED25519, s3, err,
	    sizeof(err));
	FUZZ_CHECK(ru != NULL && tr != NULL && xx != NULL);
	FUZZ_CHECK(note_signer_vkey(ru, ru_vkey, sizeof(ru_vkey)) == 0);
	FUZZ_CHECK(note_signer_vkey(tr, tr_vkey, sizeof(tr_vkey)) == 0);
	members = json_pack("[{s:s,s:s},{s:s,s:s}]", "name", "RU", "vkey",
	    ru_vkey, "name", "TR", "vkey", tr_vkey);
	FUZZ_CHECK(members != NULL);
	if (getenv("FUZZ_MEMBER_SEED") != NULL)
		print_seeds();
	return 0;
}

/* The first line as a rule and as RU's key. */
static void
first_line(const uint8_t *data, size_t size)
{
	struct member_rule r;
	char *line, err[256], buf[32];
	const uint8_t *nl;
	size_t n;

	nl = memchr(data, '\n', size);
	if ((line = fuzz_strndup(data, nl ? (size_t)(nl - data) : size)) ==
	    NULL)
		return;
	for (n = 1; n <= 3; n++)
		if (member_rule_parse(line, n, &r, err, sizeof(err)) == 0) {
			FUZZ_CHECK(r.k >= 0 && r.k <= r.n &&
			    (r.n == 0 || r.n == (int64_t)n));
			member_rule_format(&r, buf, sizeof(buf));
			FUZZ_CHECK(member_rule_needed(&r, (int64_t)n) <=
			    (int64_t)n);
		}
	(void)member_vkey_check("RU", line, err, sizeof(err));
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const keys[] = { ru_vkey, tr_vkey };
	const char *note = (const char *)data;
	struct assessment a;
	struct member_change c;
	char err[256];

	first_line(data, size);
	if (assessment_read(note, size, &a, err, sizeof(err)) == 0) {
		FUZZ_CHECK(a.revision >= 1 &&
		    a.revision <= ASSESSMENT_MAX_REVISION);
		FUZZ_CHECK(memchr(a.member, 0, sizeof(a.member)) != NULL);
	}
	(void)member_note_verify(note, size, keys, 2, err, sizeof(err));
	(void)member_note_verify(note, size, keys, 1, err, sizeof(err));
	if (member_change_read(note, size, &c, err, sizeof(err)) == 0 &&
	    member_change_check(note, size, &c, members, 0, err,
	    sizeof(err)) == 0) {
		if (c.add)
			FUZZ_CHECK(member_note_verify(note, size, keys, 2, err,
			    sizeof(err)) == 0);
		else
			FUZZ_CHECK(member_note_verify(note, size,
			    strcmp(c.member, "RU") == 0 ? keys : keys + 1, 1,
			    err, sizeof(err)) == 0);
	}
	return 0;
}
