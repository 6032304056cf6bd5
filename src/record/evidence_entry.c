/*
 * evidence_entry: building and reading evidence's chain-of-custody log
 * entries (see evidence_entry.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "record/evidence_entry.h"

json_t *
evidence_entry_upload(const char *sha256_hex, int64_t size,
    const char *media_type, const char *by, int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:I,s:s,s:s,s:I}", "type",
	    "evidence", "v", 1, "action", "upload", "sha256", sha256_hex,
	    "size", (json_int_t)size, "media_type", media_type, "by", by,
	    "at_ms", (json_int_t)at_ms);
}

json_t *
evidence_entry_fetch(const char *sha256_hex, const char *by, int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "evidence", "v",
	    1, "action", "fetch", "sha256", sha256_hex, "by", by, "at_ms",
	    (json_int_t)at_ms);
}

int
evidence_entry_sha256(const char *hex, uint8_t out[32])
{
	size_t i;

	if (hex == NULL || strlen(hex) != 64)
		return -1;
	for (i = 0; i < 64; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
			(hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	return sodium_hex2bin(out, 32, hex, 64, NULL, NULL, NULL) == 0 ? 0 : -1;
}

int
evidence_entry_read(const json_t *e, struct evidence_entry *out, char *err,
    size_t errlen)
{
	struct evidence_entry r;

	r.action = json_string_value(json_object_get(e, "action"));
	r.by = json_string_value(json_object_get(e, "by"));
	r.media_type = json_string_value(json_object_get(e, "media_type"));
	r.size = json_integer_value(json_object_get(e, "size"));
	r.at_ms = json_integer_value(json_object_get(e, "at_ms"));
	if (evidence_entry_sha256(json_string_value(
				      json_object_get(e, "sha256")),
		r.sha256) == -1) {
		snprintf(err, errlen, "/sha256: not 64 lower-case hex digits");
		return -1;
	}
	if (r.action == NULL || r.by == NULL ||
	    (strcmp(r.action, "upload") && strcmp(r.action, "fetch"))) {
		snprintf(err, errlen,
		    "/action: must be upload or fetch, with "
		    "/by");
		return -1;
	}
	r.upload = strcmp(r.action, "upload") == 0;
	*out = r;
	return 0;
}
