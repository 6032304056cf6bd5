/*
 * source_status: the log entry by which a source — a camera, a sensor, an
 * observation post, a UAV — says whether it was operational over a period
 * (issue 12, "Sources"; docs/products.md). The daily report lists the
 * sources that were down or degraded in its period, so a quiet night on a
 * camera that was dark is not read as a quiet night.
 *
 * Entry (canonical JSON, record/canon.h):
 *   {"type":"source_status","v":1,
 *    "source":{"type":T,"member":M?,"organisation":O?,"unit":U},
 *    "status":"operational"|"degraded"|"down","reason":TEXT,
 *    "from_ms":A,"to_ms":B,"by":NAME,"at_ms":T}
 * The period is [from_ms, to_ms), UTC milliseconds; the unit names the
 * source as its observations do (source.unit), with their type and
 * member or organisation.
 *
 * Input (POST /v1/sources/{unit}/status):
 *   {"type":T,"member":M?,"organisation":O?,"status":S,"reason":TEXT,
 *    "from":RFC3339,"to":RFC3339}
 *
 * Limits: names 1 to SOURCE_STATUS_NAME_MAX bytes without control
 * characters, a reason of 1 to SOURCE_STATUS_REASON_MAX bytes, a period
 * of at most SOURCE_STATUS_MAX_SPAN_MS that ends after it begins.
 *
 * Pure: no I/O; the caller passes the clock.
 */
#ifndef TRUCE_SOURCE_STATUS_H
#define TRUCE_SOURCE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SOURCE_STATUS_NAME_MAX 64
#define SOURCE_STATUS_REASON_MAX 1024
#define SOURCE_STATUS_MAX_SPAN_MS (366LL * 86400000)

enum source_status { SOURCE_OPERATIONAL = 0, SOURCE_DEGRADED, SOURCE_DOWN };

/* A status statement; strings are borrowed from the JSON it was read
 * from (member and organisation may be NULL, not both). */
struct source_status_entry {
	const char *type, *member, *organisation, *unit;
	enum source_status status;
	const char *reason, *by;
	int64_t from_ms, to_ms, at_ms;
};

/* "operational", "degraded", "down"; parse: 0, or -1 for another. */
const char *source_status_name(enum source_status s);
int source_status_parse(const char *s, enum source_status *out);

/*
 * Validates the input body in for the source unit (the URL's) into *out,
 * by and at_ms the writer and the clock (strings borrowed from in, unit
 * and by). 0, or -1 with the reason, naming the field as a JSON pointer
 * and its limit, in err.
 */
int source_status_from_input(const json_t *in, const char *unit, const char *by,
    int64_t at_ms, struct source_status_entry *out, char *err, size_t errlen);

/* The canonical entry of s: a new object, or NULL out of memory. */
json_t *source_status_build(const struct source_status_entry *s);

/*
 * Reads and checks a source_status entry (the limits above) into *out
 * (strings borrowed from entry). 0, or -1 with the reason in err.
 */
int source_status_read(const json_t *entry, struct source_status_entry *out,
    char *err, size_t errlen);

#endif
