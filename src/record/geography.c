/*
 * geography: the geography's log entries (see geography.h).
 */
#include <stdio.h>
#include <string.h>

#include "geo/geodigest.h"
#include "record/geography.h"

/* {"digest","files","region"} of g, or NULL. */
static json_t *
body(const struct geodigest *g)
{
	json_t *files = json_array(), *o;
	size_t i;

	if (files == NULL)
		return NULL;
	for (i = 0; i < g->nfiles; i++)
		if (json_array_append_new(files,
			json_pack("{s:s,s:s}", "path", g->path[i], "sha256",
			    g->sha256[i])) == -1) {
			json_decref(files);
			return NULL;
		}
	o = json_pack("{s:s,s:o,s:s}", "digest", g->digest, "files", files,
	    "region", g->region);
	return o;
}

json_t *
geography_json(const struct geodigest *g)
{
	return body(g);
}

json_t *
geography_entry(const struct geodigest *g, const char *previous, const char *by,
    int64_t at_ms)
{
	json_t *e = body(g);

	if (e == NULL)
		return NULL;
	if (json_object_set_new(e, "type", json_string("geography")) == -1 ||
	    json_object_set_new(e, "v", json_integer(1)) == -1 ||
	    json_object_set_new(e, "previous", json_string(previous)) == -1 ||
	    json_object_set_new(e, "by", json_string(by)) == -1 ||
	    json_object_set_new(e, "at_ms", json_integer(at_ms)) == -1) {
		json_decref(e);
		return NULL;
	}
	return e;
}

int
geography_maybe(const uint8_t *bytes, size_t len)
{
	static const char key[] = "\"geography\"";

	return memmem(bytes, len, key, sizeof(key) - 1) != NULL;
}

int
geography_fused(const uint8_t *bytes, size_t len)
{
	static const char *const fused[] = { "\"type\":\"observation\"",
		"\"type\":\"incident_merge\"", "\"type\":\"incident_split\"" };
	size_t i;

	for (i = 0; i < sizeof(fused) / sizeof(fused[0]); i++)
		if (memmem(bytes, len, fused[i], strlen(fused[i])) != NULL)
			return 1;
	return 0;
}

/* 1 if s is 64 lower-case hex digits. */
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

int
geography_read(const json_t *entry, const char **digest, const char **region,
    char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(entry, "type"));
	const json_t *g;
	const char *d, *r;

	if (type == NULL)
		return 0;
	if (strcmp(type, "geography") == 0)
		g = entry;
	else if (strcmp(type, "genesis") == 0) {
		if ((g = json_object_get(entry, "geography")) == NULL)
			return 0;
	} else
		return 0;
	d = json_string_value(json_object_get(g, "digest"));
	r = json_string_value(json_object_get(g, "region"));
	if (!is_digest(d) || r == NULL) {
		snprintf(err, errlen,
		    "%s entry: /%sdigest and /%sregion: not "
		    "a geography's SHA-256 (64 lower-case hex digits) and "
		    "region",
		    type, g == entry ? "" : "geography/",
		    g == entry ? "" : "geography/");
		return -1;
	}
	*digest = d;
	*region = r;
	return 1;
}
