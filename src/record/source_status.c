/*
 * source_status: a source's statement that it was (not) operational over
 * a period (see source_status.h).
 */
#include <stdio.h>
#include <string.h>

#include "record/observation.h"
#include "record/source_status.h"
#include "record/timefmt.h"

static const char *const names[] = { "operational", "degraded", "down", NULL };

const char *
source_status_name(enum source_status s)
{
	return (unsigned)s < 3 ? names[s] : "?";
}

int
source_status_parse(const char *s, enum source_status *out)
{
	int i;

	for (i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum source_status)i;
			return 0;
		}
	return -1;
}

/* 1 if s is text of 1 to max bytes without control characters. */
static int
text_ok(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * The checks input and entries share, on a filled-in *s: prefix goes
 * before the source's fields ("" in the input, "source/" in an entry),
 * to names the period's end ("to", "to_ms").
 */
static int
check(const struct source_status_entry *s, const char *prefix, const char *to,
    char *err, size_t errlen)
{
	if (s->type == NULL || !observation_is_source_type(s->type) ||
	    strcmp(s->type, "complaint") == 0) {
		snprintf(err, errlen,
		    "/%stype: must be a source type of the "
		    "observation model other than complaint (camera, "
		    "acoustic_sensor, observation_post, uav, ...)",
		    prefix);
		return -1;
	}
	if (!text_ok(s->unit, SOURCE_STATUS_NAME_MAX)) {
		snprintf(err, errlen,
		    "/%sunit: the source's unit: 1 to %d bytes, "
		    "no control characters",
		    prefix, SOURCE_STATUS_NAME_MAX);
		return -1;
	}
	if ((s->member == NULL && s->organisation == NULL) ||
	    (s->member != NULL &&
		!text_ok(s->member, SOURCE_STATUS_NAME_MAX)) ||
	    (s->organisation != NULL &&
		!text_ok(s->organisation, SOURCE_STATUS_NAME_MAX))) {
		snprintf(err, errlen,
		    "/%smember, /%sorganisation: at least one, "
		    "each 1 to %d bytes, no control characters",
		    prefix, prefix, SOURCE_STATUS_NAME_MAX);
		return -1;
	}
	if (!text_ok(s->reason, SOURCE_STATUS_REASON_MAX)) {
		snprintf(err, errlen,
		    "/reason: required: 1 to %d bytes, no control "
		    "characters",
		    SOURCE_STATUS_REASON_MAX);
		return -1;
	}
	if (s->from_ms < 0 || s->to_ms <= s->from_ms ||
	    s->to_ms - s->from_ms > SOURCE_STATUS_MAX_SPAN_MS) {
		snprintf(err, errlen,
		    "/%s: the period must end after it begins, "
		    "at most %lld days later",
		    to, SOURCE_STATUS_MAX_SPAN_MS / 86400000);
		return -1;
	}
	return 0;
}

/* in[key] as an RFC 3339 time into *ms. 0, or -1 with err. */
static int
time_field(const json_t *in, const char *key, int64_t *ms, char *err,
    size_t errlen)
{
	const char *v = json_string_value(json_object_get(in, key));

	if (v == NULL) {
		snprintf(err, errlen, "an RFC 3339 time");
		return -1;
	}
	return timefmt_parse(v, ms, err, errlen);
}

int
source_status_from_input(const json_t *in, const char *unit, const char *by,
    int64_t at_ms, struct source_status_entry *out, char *err, size_t errlen)
{
	static const char *const fields[] = { "type", "member", "organisation",
		"status", "reason", "from", "to", NULL };
	struct source_status_entry s;
	const char *k;
	json_t *v;
	char why[128];
	size_t i;
	int known;

	if (!json_is_object(in)) {
		snprintf(err, errlen, "the body must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)in, k, v)
	{
		for (known = 0, i = 0; fields[i] != NULL; i++)
			known |= strcmp(fields[i], k) == 0;
		if (!known || (!json_is_string(v))) {
			snprintf(err, errlen, "/%.64s: %s", k,
			    known ? "must be a string" : "unknown field");
			return -1;
		}
	}
	memset(&s, 0, sizeof(s));
	s.type = json_string_value(json_object_get(in, "type"));
	s.member = json_string_value(json_object_get(in, "member"));
	s.organisation = json_string_value(json_object_get(in, "organisation"));
	s.unit = unit;
	s.reason = json_string_value(json_object_get(in, "reason"));
	s.by = by;
	s.at_ms = at_ms;
	if (source_status_parse(json_string_value(
				    json_object_get(in, "status")),
		&s.status) == -1) {
		snprintf(err, errlen,
		    "/status: required: operational, degraded "
		    "or down");
		return -1;
	}
	if (time_field(in, "from", &s.from_ms, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "/from: required: %s", why);
		return -1;
	}
	if (time_field(in, "to", &s.to_ms, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "/to: required: %s", why);
		return -1;
	}
	if (check(&s, "", "to", err, errlen) == -1)
		return -1;
	*out = s;
	return 0;
}

json_t *
source_status_build(const struct source_status_entry *s)
{
	json_t *src, *e;

	if ((src = json_pack("{s:s,s:s}", "type", s->type, "unit", s->unit)) ==
	    NULL)
		return NULL;
	if (s->member != NULL)
		json_object_set_new(src, "member", json_string(s->member));
	if (s->organisation != NULL)
		json_object_set_new(src, "organisation",
		    json_string(s->organisation));
	e = json_pack("{s:s,s:i,s:o,s:s,s:s,s:I,s:I,s:s,s:I}", "type",
	    "source_status", "v", 1, "source", src, "status",
	    source_status_name(s->status), "reason", s->reason, "from_ms",
	    (json_int_t)s->from_ms, "to_ms", (json_int_t)s->to_ms, "by", s->by,
	    "at_ms", (json_int_t)s->at_ms);
	return e;
}

int
source_status_read(const json_t *e, struct source_status_entry *out, char *err,
    size_t errlen)
{
	const json_t *src = json_object_get(e, "source");
	struct source_status_entry s;

	memset(&s, 0, sizeof(s));
	if (!json_is_object(src)) {
		snprintf(err, errlen, "/source: required: an object");
		return -1;
	}
	s.type = json_string_value(json_object_get(src, "type"));
	s.member = json_string_value(json_object_get(src, "member"));
	s.organisation =
	    json_string_value(json_object_get(src, "organisation"));
	s.unit = json_string_value(json_object_get(src, "unit"));
	s.reason = json_string_value(json_object_get(e, "reason"));
	s.by = json_string_value(json_object_get(e, "by"));
	s.from_ms = json_integer_value(json_object_get(e, "from_ms"));
	s.to_ms = json_integer_value(json_object_get(e, "to_ms"));
	s.at_ms = json_integer_value(json_object_get(e, "at_ms"));
	if (source_status_parse(json_string_value(json_object_get(e, "status")),
		&s.status) == -1) {
		snprintf(err, errlen,
		    "/status: must be operational, degraded or "
		    "down");
		return -1;
	}
	if (s.by == NULL || !json_is_integer(json_object_get(e, "from_ms")) ||
	    !json_is_integer(json_object_get(e, "to_ms"))) {
		snprintf(err, errlen, "/by, /from_ms, /to_ms: required");
		return -1;
	}
	if (check(&s, "source/", "to_ms", err, errlen) == -1)
		return -1;
	*out = s;
	return 0;
}
