/*
 * reportentry: drafts, members' signatures and releases of reports as
 * log entries (see reportentry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/canon.h"
#include "report/reportentry.h"
#include "verify/principal.h"

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

json_t *
reportentry_draft(const json_t *report, const char *id, const char *subject,
    const char *by, int64_t at_ms)
{
	const json_t *p = json_object_get(report, "period");

	return json_pack("{s:s,s:i,s:s,s:s,s:s?,s:s?,s:{s:O,s:O},s:O,s:s?,"
			 "s:s,s:s,s:I}",
	    "type", "report", "v", 1, "action", "draft", "report", id, "kind",
	    str(report, "kind"), "number", str(report, "number"), "period",
	    "from_ms", json_object_get(p, "from_ms"), "to_ms",
	    json_object_get(p, "to_ms"), "log_size",
	    json_object_get(report, "log_size"), "root", str(report, "root"),
	    "subject", subject, "by", by, "at_ms", (json_int_t)at_ms);
}

static int
check_reason(const char *r, char *err, size_t errlen)
{
	size_t i, n;

	if (r == NULL || (n = strlen(r)) == 0 || n > REPORTENTRY_REASON_MAX) {
		snprintf(err, errlen,
		    "/reason: a refusal says why in 1 to %d "
		    "bytes",
		    REPORTENTRY_REASON_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)r[i] < 0x20 && r[i] != '\n') {
			snprintf(err, errlen,
			    "/reason: a control character "
			    "at byte %zu",
			    i);
			return -1;
		}
	return 0;
}

static int
check_signature(const json_t *o, struct reportentry_signature *s, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "type", "v", "report", "number",
		"member", "decision", "reason", "signed_at_ms", NULL };
	struct reportentry_signature out;
	const char *k, *v;
	json_t *x;
	size_t i;
	int known;

	memset(&out, 0, sizeof(out));
	json_object_foreach((json_t *)o, k, x)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			snprintf(err, errlen, "/%.64s: unknown field", k);
			return -1;
		}
	}
	v = str(o, "type");
	if (v == NULL || strcmp(v, "report_signature") != 0 ||
	    json_integer_value(json_object_get(o, "v")) != 1) {
		snprintf(err, errlen,
		    "/type: must be \"report_signature\", "
		    "v 1");
		return -1;
	}
	if (!report_is_id(v = str(o, "report"))) {
		snprintf(err, errlen,
		    "/report: must be a report's SHA-256 (64 "
		    "lower-case hex digits)");
		return -1;
	}
	snprintf(out.report, sizeof(out.report), "%s", v);
	v = str(o, "number");
	if (v == NULL || *v == '\0' || strlen(v) >= REPORT_NUMBER_LEN) {
		snprintf(err, errlen, "/number: required, under %d bytes",
		    REPORT_NUMBER_LEN);
		return -1;
	}
	snprintf(out.number, sizeof(out.number), "%s", v);
	if (principal_name_check(v = str(o, "member")) == -1) {
		snprintf(err, errlen, "/member: must be a member's name");
		return -1;
	}
	snprintf(out.member, sizeof(out.member), "%s", v);
	v = str(o, "decision");
	if (v == NULL || (strcmp(v, "sign") != 0 && strcmp(v, "refuse") != 0)) {
		snprintf(err, errlen, "/decision: must be sign or refuse");
		return -1;
	}
	out.refuse = strcmp(v, "refuse") == 0;
	v = str(o, "reason");
	if (out.refuse && check_reason(v, err, errlen) == -1)
		return -1;
	if (!out.refuse && json_object_get(o, "reason") != NULL) {
		snprintf(err, errlen, "/reason: only a refusal has one");
		return -1;
	}
	if (v != NULL)
		snprintf(out.reason, sizeof(out.reason), "%s", v);
	x = json_object_get(o, "signed_at_ms");
	if (!json_is_integer(x) || json_integer_value(x) < 0) {
		snprintf(err, errlen,
		    "/signed_at_ms: a time in milliseconds "
		    "since 1970");
		return -1;
	}
	out.signed_at_ms = json_integer_value(x);
	*s = out;
	return 0;
}

int
reportentry_signature_text(const char *id, const char *number,
    const char *member, int refuse, const char *reason, int64_t at_ms,
    char **out, size_t *len, char *err, size_t errlen)
{
	struct reportentry_signature s;
	json_t *o;
	char *text = NULL, *t;
	size_t n;
	int rc = -1;

	o = json_pack("{s:s,s:i,s:s?,s:s?,s:s?,s:s,s:I}", "type",
	    "report_signature", "v", 1, "report", id, "number", number,
	    "member", member, "decision", refuse ? "refuse" : "sign",
	    "signed_at_ms", (json_int_t)at_ms);
	if (o == NULL) {
		snprintf(err, errlen, "a field is not UTF-8");
		return -1;
	}
	if (reason != NULL)
		json_object_set_new(o, "reason", json_string(reason));
	if (check_signature(o, &s, err, errlen) == -1)
		goto done;
	if (canon_encode(o, &text, &n) == -1 || (t = malloc(n + 2)) == NULL) {
		snprintf(err, errlen, "cannot encode the signature");
		goto done;
	}
	memcpy(t, text, n);
	t[n++] = '\n';
	t[n] = '\0';
	*out = t;
	*len = n;
	rc = 0;
done:
	free(text);
	json_decref(o);
	return rc;
}

int
reportentry_signature_read(const char *note, size_t len,
    struct reportentry_signature *s, char *err, size_t errlen)
{
	json_t *o;
	int rc;

	if ((o = member_note_json(note, len, err, errlen)) == NULL)
		return -1;
	rc = check_signature(o, s, err, errlen);
	json_decref(o);
	return rc;
}

json_t *
reportentry_sign(const char *note, const char *by, int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "report", "v", 1,
	    "action", "sign", "note", note, "by", by, "at_ms",
	    (json_int_t)at_ms);
}

json_t *
reportentry_release(const char *id, const char *number,
    const char *const *notes, size_t n, const char *by, int64_t at_ms)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(notes[i]));
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:o,s:s,s:I}", "type", "report",
	    "v", 1, "action", "release", "report", id, "number", number,
	    "notes", arr, "by", by, "at_ms", (json_int_t)at_ms);
}

int
reportentry_read(const json_t *entry, struct reportentry *e, char *err,
    size_t errlen)
{
	struct reportentry out;
	const json_t *p, *notes, *n;
	const char *a;
	size_t i;

	memset(&out, 0, sizeof(out));
	a = str(entry, "action");
	out.by = str(entry, "by");
	out.at_ms = json_integer_value(json_object_get(entry, "at_ms"));
	if (out.by == NULL ||
	    !json_is_integer(json_object_get(entry, "at_ms"))) {
		snprintf(err, errlen, "/by, /at_ms: required");
		return -1;
	}
	if (a != NULL && strcmp(a, "draft") == 0) {
		out.action = REPORTENTRY_DRAFT;
		out.report = str(entry, "report");
		out.kind = str(entry, "kind");
		out.number = str(entry, "number");
		out.subject = str(entry, "subject");
		out.root = str(entry, "root");
		p = json_object_get(entry, "period");
		out.from_ms = json_integer_value(json_object_get(p, "from_ms"));
		out.to_ms = json_integer_value(json_object_get(p, "to_ms"));
		out.log_size =
		    json_integer_value(json_object_get(entry, "log_size"));
		if (!report_is_id(out.report) || out.kind == NULL ||
		    out.number == NULL || out.root == NULL ||
		    out.subject == NULL) {
			snprintf(err, errlen,
			    "a draft names its report, kind, "
			    "number, root and subject");
			return -1;
		}
	} else if (a != NULL && strcmp(a, "sign") == 0) {
		out.action = REPORTENTRY_SIGN;
		if ((out.notes[0] = str(entry, "note")) == NULL) {
			snprintf(err, errlen, "/note: required");
			return -1;
		}
		out.nnotes = 1;
	} else if (a != NULL && strcmp(a, "release") == 0) {
		out.action = REPORTENTRY_RELEASE;
		out.report = str(entry, "report");
		out.number = str(entry, "number");
		notes = json_object_get(entry, "notes");
		if (!report_is_id(out.report) || out.number == NULL ||
		    !json_is_array(notes) || json_array_size(notes) == 0 ||
		    json_array_size(notes) > REPORTENTRY_MAX_NOTES) {
			snprintf(err, errlen,
			    "a release names its report, "
			    "number and 1 to %d notes",
			    REPORTENTRY_MAX_NOTES);
			return -1;
		}
		json_array_foreach(notes, i, n)
		{
			if ((out.notes[i] = json_string_value(n)) == NULL) {
				snprintf(err, errlen,
				    "/notes/%zu: a signed "
				    "note",
				    i);
				return -1;
			}
		}
		out.nnotes = json_array_size(notes);
	} else {
		snprintf(err, errlen,
		    "/action: must be draft, sign or "
		    "release");
		return -1;
	}
	*e = out;
	return 0;
}
