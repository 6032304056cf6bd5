/*
 * verify/assessment: building, checking (every field, naming its JSON
 * pointer) and reading signed assessments; only canonical text is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/canon.h"
#include "verify/assessment.h"
#include "tap.h"

#define SHA1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA2 "2222222222222222222222222222222222222222222222222222222222222222"

static json_t *
good(void)
{
	const char *ev[] = { SHA1, SHA2 };
	char err[200];

	return assessment_new("inc-0123", "RU", 1, "violation", "AM", "high",
	    "Crater analysis points to 122 mm artillery from the east.", ev, 2,
	    1800000000000LL, err, sizeof(err));
}

/* Sets key of a good assessment to v (NULL deletes) and checks it. */
static int
bad(const char *key, json_t *v, char *err, size_t errlen)
{
	struct assessment a;
	json_t *o = good();
	int rc;

	if (v == NULL)
		json_object_del(o, key);
	else
		json_object_set_new(o, key, v);
	rc = assessment_check(o, &a, err, errlen);
	json_decref(o);
	return rc;
}

int
main(void)
{
	json_t *e2;
	char *c2 = NULL;
	size_t l2;
	struct assessment a;
	struct note_signer *s;
	json_t *o;
	char err[300], *text, *note, big[ASSESSMENT_RATIONALE_MAX + 2];
	char t[8192];
	size_t len, nlen;
	const char *dup[] = { SHA1, SHA1 };

	o = good();
	ok(o != NULL && assessment_check(o, &a, err, sizeof(err)) == 0 &&
	    strcmp(a.incident, "inc-0123") == 0 && strcmp(a.member, "RU") == 0 &&
	    a.revision == 1 && a.verdict == WORKFLOW_VIOLATION &&
	    strcmp(a.attribution, "AM") == 0 && strcmp(a.confidence, "high") ==
	    0, "a good assessment");
#define BAD(key, v, ptr)                                                     \
	ok(bad(key, v, err, sizeof(err)) == -1 &&                            \
	    strncmp(err, ptr, strlen(ptr)) == 0, "bad %s: %s", key, err)
	BAD("incident", json_string("a b"), "/incident");
	BAD("incident", NULL, "/incident");
	BAD("member", json_string(""), "/member");
	BAD("revision", json_integer(0), "/revision");
	BAD("revision", json_integer(1001), "/revision");
	BAD("revision", json_string("1"), "/revision");
	BAD("verdict", json_string("guilty"), "/verdict");
	BAD("attribution", NULL, "/attribution");
	BAD("attribution", json_string("the other side"), "/attribution");
	BAD("confidence", json_string("certain"), "/confidence");
	BAD("rationale", json_string(""), "/rationale");
	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	BAD("rationale", json_string(big), "/rationale");
	BAD("evidence", json_string(SHA1), "/evidence");
	BAD("evidence", json_pack("[s]", "abc"), "/evidence/0");
	BAD("assessed_at_ms", json_integer(-1), "/assessed_at_ms");
	BAD("colour", json_string("red"), "/colour");
	BAD("type", json_string("observation"), "/type");
	BAD("v", json_integer(2), "/v");
	ok(assessment_new("inc-1", "RU", 1, "violation", "AM", "low", "r", dup,
	    2, 0, err, sizeof(err)) == NULL && strstr(err, "twice") != NULL,
	    "the same digest twice: %s", err);

	/* Read back from a signed note over its canonical text. */
	s = note_signer_generate("RU", NOTE_KEY_ED25519, err, sizeof(err));
	canon_encode(o, &text, &len);
	snprintf(t, sizeof(t), "%s\n", text);
	note_sign(s, (const uint8_t *)t, strlen(t), 0, &note, &nlen, err,
	    sizeof(err));
	memset(&a, 0, sizeof(a));
	ok(assessment_read(note, nlen, &a, err, sizeof(err)) == 0 &&
	    a.revision == 1 && strcmp(a.member, "RU") == 0,
	    "read from a signed note");
	free(note);
	snprintf(t, sizeof(t), "%s \n", text);
	note_sign(s, (const uint8_t *)t, strlen(t), 0, &note, &nlen, err,
	    sizeof(err));
	ok(assessment_read(note, nlen, &a, err, sizeof(err)) == -1 &&
	    strstr(err, "canonical") != NULL, "non-canonical text refused: %s",
	    err);
	free(note);
	ok(assessment_read(text, len, &a, err, sizeof(err)) == -1,
	    "unsigned text refused: %s", err);
	free(text);
	note_signer_free(s);
	json_decref(o);
	/* The log entry recording a note: one home, used by the route. */
	e2 = assessment_entry_new("a note\n", 7, "asr", 5);
	if (!ok(e2 != NULL && canon_encode(e2, &c2, &l2) == 0 && strcmp(c2,
	    "{\"at_ms\":5,\"by\":\"asr\",\"note\":\"a note\\n\","
	    "\"type\":\"assessment\",\"v\":1}") == 0, "the entry of a note") &&
	    c2 != NULL)
		diag("  %s", c2);
	free(c2);
	json_decref(e2);
	ok(assessment_entry_new("\xff\n", 2, "asr", 5) == NULL,
	    "a note that is not UTF-8: no entry");
	return done_testing();
}
