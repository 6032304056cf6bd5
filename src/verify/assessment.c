/*
 * assessment: members' signed assessments (see assessment.h).
 */
#include <stdio.h>
#include <string.h>

#include "verify/assessment.h"
#include "verify/principal.h"

static const char *const confidences[] = { "low", "moderate", "high", NULL };

static int
is_digest(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

json_t *
assessment_new(const char *incident, const char *member, int64_t revision,
    const char *verdict, const char *attribution, const char *confidence,
    const char *rationale, const char *const *evidence, size_t nevidence,
    int64_t assessed_at_ms, char *err, size_t errlen)
{
	struct assessment a;
	json_t *o, *ev;
	size_t i;

	ev = json_array();
	for (i = 0; i < nevidence; i++)
		json_array_append_new(ev, json_string(evidence[i]));
	o = json_pack("{s:s,s:i,s:s?,s:s?,s:I,s:s?,s:s?,s:s?,s:s?,s:o,s:I}",
	    "type", "assessment", "v", 1, "incident", incident, "member",
	    member, "revision", (json_int_t)revision, "verdict", verdict,
	    "attribution", attribution, "confidence", confidence, "rationale",
	    rationale, "evidence", ev, "assessed_at_ms",
	    (json_int_t)assessed_at_ms);
	if (o == NULL) {
		snprintf(err, errlen, "the assessment's text is not UTF-8");
		return NULL;
	}
	if (assessment_check(o, &a, err, errlen) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
assessment_check(const json_t *o, struct assessment *a, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "type", "v", "incident", "member",
		"revision", "verdict", "attribution", "confidence", "rationale",
		"evidence", "assessed_at_ms", NULL };
	struct assessment out;
	const char *k, *s, *t;
	const json_t *v, *ev, *d;
	size_t i, j;
	int known;

	memset(&out, 0, sizeof(out));
	json_object_foreach((json_t *)o, k, v)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			snprintf(err, errlen, "/%.64s: unknown field", k);
			return -1;
		}
	}
	s = json_string_value(json_object_get(o, "type"));
	if (s == NULL || strcmp(s, "assessment") != 0) {
		snprintf(err, errlen, "/type: must be \"assessment\"");
		return -1;
	}
	if (!json_is_integer(json_object_get(o, "v")) ||
	    json_integer_value(json_object_get(o, "v")) != 1) {
		snprintf(err, errlen, "/v: must be 1");
		return -1;
	}
	s = json_string_value(json_object_get(o, "incident"));
	if (!workflow_is_incident_id(s)) {
		snprintf(err, errlen,
		    "/incident: must be an incident id (1-%d "
		    "letters, digits, '_', '-')",
		    WORKFLOW_ID_LEN - 1);
		return -1;
	}
	snprintf(out.incident, sizeof(out.incident), "%s", s);
	s = json_string_value(json_object_get(o, "member"));
	if (principal_name_check(s) == -1) {
		snprintf(err, errlen, "/member: must be a member's name");
		return -1;
	}
	snprintf(out.member, sizeof(out.member), "%s", s);
	v = json_object_get(o, "revision");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > ASSESSMENT_MAX_REVISION) {
		snprintf(err, errlen, "/revision: must be 1 to %d",
		    ASSESSMENT_MAX_REVISION);
		return -1;
	}
	out.revision = json_integer_value(v);
	if (workflow_verdict_parse(json_string_value(
				       json_object_get(o, "verdict")),
		&out.verdict) == -1) {
		snprintf(err, errlen,
		    "/verdict: must be violation, "
		    "no_violation or unverifiable");
		return -1;
	}
	s = json_string_value(json_object_get(o, "attribution"));
	if (s == NULL || principal_name_check(s) == -1) {
		snprintf(err, errlen,
		    "/attribution: must name a party (1-63 "
		    "letters, digits, '_', '-') or be \"unknown\"");
		return -1;
	}
	snprintf(out.attribution, sizeof(out.attribution), "%s", s);
	s = json_string_value(json_object_get(o, "confidence"));
	for (known = 0, i = 0; s != NULL && confidences[i] != NULL; i++)
		known |= strcmp(s, confidences[i]) == 0;
	if (!known) {
		snprintf(err, errlen,
		    "/confidence: must be low, moderate or "
		    "high");
		return -1;
	}
	snprintf(out.confidence, sizeof(out.confidence), "%s", s);
	s = json_string_value(json_object_get(o, "rationale"));
	if (s == NULL || *s == '\0' || strlen(s) > ASSESSMENT_RATIONALE_MAX) {
		snprintf(err, errlen, "/rationale: required, 1 to %d bytes",
		    ASSESSMENT_RATIONALE_MAX);
		return -1;
	}
	ev = json_object_get(o, "evidence");
	if (!json_is_array(ev) ||
	    json_array_size(ev) > ASSESSMENT_MAX_EVIDENCE) {
		snprintf(err, errlen,
		    "/evidence: an array of at most %d "
		    "SHA-256 digests",
		    ASSESSMENT_MAX_EVIDENCE);
		return -1;
	}
	json_array_foreach(ev, i, d)
	{
		s = json_string_value(d);
		if (!is_digest(s)) {
			snprintf(err, errlen,
			    "/evidence/%zu: must be a SHA-256 "
			    "in 64 lower-case hex digits",
			    i);
			return -1;
		}
		for (j = 0; j < i; j++) {
			t = json_string_value(json_array_get(ev, j));
			if (strcmp(s, t) == 0) {
				snprintf(err, errlen,
				    "/evidence/%zu: listed "
				    "twice",
				    i);
				return -1;
			}
		}
	}
	v = json_object_get(o, "assessed_at_ms");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(err, errlen,
		    "/assessed_at_ms: a time in milliseconds "
		    "since 1970");
		return -1;
	}
	out.assessed_at_ms = json_integer_value(v);
	*a = out;
	return 0;
}

int
assessment_read(const char *note, size_t len, struct assessment *a, char *err,
    size_t errlen)
{
	json_t *o;
	int rc;

	if ((o = member_note_json(note, len, err, errlen)) == NULL)
		return -1;
	rc = assessment_check(o, a, err, errlen);
	json_decref(o);
	return rc;
}

json_t *
assessment_entry_new(const char *note, size_t len, const char *by,
    int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s%,s:s,s:I}", "type", "assessment", "v", 1,
	    "note", note, len, "by", by, "at_ms", (json_int_t)at_ms);
}
