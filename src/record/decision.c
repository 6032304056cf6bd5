/*
 * decision: validation of the analysts' merge and split bodies into their
 * canonical log entries, and parsing them back (see decision.h and
 * docs/fusion.md, "Merge and split").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/decision.h"

#define OBS_ID_LEN 64

struct dctx {
	struct decision_error *errs;
	size_t maxerr, n;
	int failed;
};

static void __attribute__((format(printf, 3, 4)))
derr(struct dctx *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;

	c->failed = 1;
	if (c->n >= c->maxerr)
		return;
	snprintf(c->errs[c->n].pointer, sizeof(c->errs[c->n].pointer), "%s",
	    ptr);
	va_start(ap, fmt);
	vsnprintf(c->errs[c->n].message, sizeof(c->errs[c->n].message), fmt,
	    ap);
	va_end(ap);
	c->n++;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

int
decision_is_incident_id(const char *s)
{
	return s != NULL && strncmp(s, "inc-", 4) == 0 &&
	    strlen(s) == DECISION_INCIDENT_ID_LEN &&
	    is_hex(s + 4, DECISION_INCIDENT_ID_LEN - 4);
}

/* Reports members of obj not in allowed, at "/<key>". */
static void
check_keys(struct dctx *c, const json_t *obj, const char *const *allowed)
{
	const char *const *a;
	const char *k;
	json_t *v;
	char p[128];
	int found;

	json_object_foreach((json_t *)obj, k, v)
	{
		found = 0;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, k) == 0)
				found = 1;
		if (!found) {
			snprintf(p, sizeof(p), "/%.100s", k);
			derr(c, p, "unknown field");
		}
	}
}

/* The reason: required, 1..DECISION_MAX_REASON bytes, no control
 * characters but line breaks and tabs. */
static const char *
want_reason(struct dctx *c, const json_t *in)
{
	const json_t *v = json_object_get(in, "reason");
	const char *s;
	size_t i, n;

	if (v == NULL) {
		derr(c, "/reason", "is required: say why");
		return NULL;
	}
	if (!json_is_string(v)) {
		derr(c, "/reason", "must be a string");
		return NULL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > DECISION_MAX_REASON) {
		derr(c, "/reason", "is %zu bytes long; 1 to %d are allowed", n,
		    DECISION_MAX_REASON);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == 0 || ch == 0x7f ||
		    (ch < 0x20 && ch != '\n' && ch != '\t')) {
			derr(c, "/reason",
			    "contains a control character at "
			    "byte %zu",
			    i);
			return NULL;
		}
	}
	return s;
}

/* Checks the incident of the URL and the principal; the common fields. */
static json_t *
base_entry(struct dctx *c, const char *type, const char *incident,
    const json_t *in, const char *by, int64_t now_ms)
{
	const char *reason;

	if (!decision_is_incident_id(incident))
		derr(c, "/incident",
		    "'%.40s' is not an incident id (inc- "
		    "and 24 hex digits)",
		    incident ? incident : "");
	if (by == NULL || by[0] == '\0' || strlen(by) > DECISION_MAX_BY)
		derr(c, "/by", "the principal's name must be 1 to %d bytes",
		    DECISION_MAX_BY);
	if (!json_is_object(in)) {
		derr(c, "", "the body must be a JSON object");
		return NULL;
	}
	reason = want_reason(c, in);
	if (c->failed)
		return NULL;
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", type, "v", 1,
	    "incident", incident, "reason", reason, "by", by, "at_ms",
	    (json_int_t)now_ms);
}

json_t *
decision_merge_from_input(const char *incident, const json_t *in,
    const char *by, int64_t now_ms, struct decision_error *errs, size_t maxerr,
    size_t *nerr)
{
	static const char *const keys[] = { "with", "reason", NULL };
	struct dctx c = { errs, maxerr, 0, 0 };
	const json_t *with = NULL;
	json_t *out = NULL;

	if (json_is_object(in)) {
		check_keys(&c, in, keys);
		with = json_object_get(in, "with");
		if (with == NULL)
			derr(&c, "/with",
			    "is required: the incident to "
			    "merge into this one");
		else if (!json_is_string(with) ||
		    !decision_is_incident_id(json_string_value(with)))
			derr(&c, "/with",
			    "must be an incident id (inc- and "
			    "24 hex digits)");
		else if (decision_is_incident_id(incident) &&
		    strcmp(json_string_value(with), incident) == 0)
			derr(&c, "/with", "is the incident itself");
	}
	out = base_entry(&c, "incident_merge", incident, in, by, now_ms);
	if (out != NULL)
		json_object_set_new(out, "with",
		    json_string(json_string_value(with)));
	if (c.failed) {
		json_decref(out);
		out = NULL;
	}
	*nerr = c.n;
	return out;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
decision_split_from_input(const char *incident, const json_t *in,
    const char *by, int64_t now_ms, struct decision_error *errs, size_t maxerr,
    size_t *nerr)
{
	static const char *const keys[] = { "observations", "reason", NULL };
	struct dctx c = { errs, maxerr, 0, 0 };
	const json_t *list = NULL, *it;
	const char **ids = NULL;
	json_t *out = NULL, *arr = NULL;
	char p[64];
	size_t i, n = 0;

	if (json_is_object(in)) {
		check_keys(&c, in, keys);
		list = json_object_get(in, "observations");
		if (list == NULL)
			derr(&c, "/observations",
			    "is required: the ids of "
			    "the observations that form the new incident");
		else if (!json_is_array(list))
			derr(&c, "/observations",
			    "must be an array of "
			    "observation ids");
		else if (json_array_size(list) == 0 ||
		    json_array_size(list) > DECISION_MAX_SPLIT)
			derr(&c, "/observations",
			    "has %zu ids; 1 to %d are "
			    "allowed",
			    json_array_size(list), DECISION_MAX_SPLIT);
		else if ((ids = calloc(json_array_size(list), sizeof(*ids))) ==
		    NULL)
			derr(&c, "", "out of memory");
		else {
			json_array_foreach(list, i, it)
			{
				snprintf(p, sizeof(p), "/observations/%zu", i);
				if (!json_is_string(it) ||
				    json_string_length(it) != OBS_ID_LEN ||
				    !is_hex(json_string_value(it),
					OBS_ID_LEN)) {
					derr(&c, p,
					    "must be an observation id "
					    "(64 lower-case hex digits)");
					continue;
				}
				ids[n++] = json_string_value(it);
			}
			qsort(ids, n, sizeof(*ids), cmp_str);
			for (i = 1; i < n; i++)
				if (strcmp(ids[i], ids[i - 1]) == 0)
					derr(&c, "/observations",
					    "names "
					    "%.16s… twice",
					    ids[i]);
		}
	}
	out = base_entry(&c, "incident_split", incident, in, by, now_ms);
	if (out != NULL && !c.failed) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(ids[i]));
		json_object_set_new(out, "observations", arr);
	}
	if (c.failed) {
		json_decref(out);
		out = NULL;
	}
	free(ids);
	*nerr = c.n;
	return out;
}

int
decision_parse(const json_t *entry, struct decision *d)
{
	const char *type = json_string_value(json_object_get(entry, "type"));
	const char *incident, *with, *by;
	const json_t *obs, *it, *at;
	struct decision out;
	size_t i;

	if (type == NULL)
		return -1;
	incident = json_string_value(json_object_get(entry, "incident"));
	by = json_string_value(json_object_get(entry, "by"));
	at = json_object_get(entry, "at_ms");
	if (!decision_is_incident_id(incident) || by == NULL ||
	    !json_is_integer(at))
		return -1;
	memset(&out, 0, sizeof(out));
	out.incident = incident;
	out.by = by;
	out.at_ms = json_integer_value(at);
	if (strcmp(type, "incident_merge") == 0) {
		with = json_string_value(json_object_get(entry, "with"));
		if (!decision_is_incident_id(with) ||
		    strcmp(with, incident) == 0)
			return -1;
		out.kind = DECISION_MERGE;
		out.with = with;
	} else if (strcmp(type, "incident_split") == 0) {
		obs = json_object_get(entry, "observations");
		if (!json_is_array(obs) || json_array_size(obs) == 0 ||
		    json_array_size(obs) > DECISION_MAX_SPLIT)
			return -1;
		json_array_foreach(obs, i, it) if (!json_is_string(it) ||
		    json_string_length(it) != OBS_ID_LEN ||
		    !is_hex(json_string_value(it), OBS_ID_LEN)) return -1;
		out.kind = DECISION_SPLIT;
		out.observations = obs;
	} else
		return -1;
	*d = out;
	return 0;
}
