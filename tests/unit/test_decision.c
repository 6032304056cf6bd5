/*
 * Unit test of record/decision: merge and split bodies → canonical entries
 * byte for byte, every validation rule with its pointer, and parsing back.
 */
#include <stdlib.h>

#include "record/canon.h"
#include "record/decision.h"
#include "tap.h"

#define NOW 1795875600000LL
#define A "inc-0123456789abcdef01234567"
#define B "inc-89abcdef0123456789abcdef"
#define O1 "1111111111111111111111111111111111111111111111111111111111111111"
#define O2 "2222222222222222222222222222222222222222222222222222222222222222"

static json_t *
load(const char *s)
{
	return json_loads(s, 0, NULL);
}

static void
merge_rejects(const char *incident, const char *body, const char *pointer,
    const char *needle, const char *name)
{
	struct decision_error errs[8];
	size_t n = 0, i;
	json_t *in = load(body), *out;
	int found = 0;

	out = decision_merge_from_input(incident, in, "alice", NOW, errs, 8,
	    &n);
	for (i = 0; i < n; i++)
		if (strcmp(errs[i].pointer, pointer) == 0 &&
		    strstr(errs[i].message, needle) != NULL)
			found = 1;
	ok(out == NULL && found, "merge: %s (%s)", name, pointer);
	if (!found && n > 0)
		diag("  first error %s: %s", errs[0].pointer, errs[0].message);
	json_decref(out);
	json_decref(in);
}

static void
split_rejects(const char *body, const char *pointer, const char *needle,
    const char *name)
{
	struct decision_error errs[8];
	size_t n = 0, i;
	json_t *in = load(body), *out;
	int found = 0;

	out = decision_split_from_input(A, in, "alice", NOW, errs, 8, &n);
	for (i = 0; i < n; i++)
		if (strcmp(errs[i].pointer, pointer) == 0 &&
		    strstr(errs[i].message, needle) != NULL)
			found = 1;
	ok(out == NULL && found, "split: %s (%s)", name, pointer);
	if (!found && n > 0)
		diag("  first error %s: %s", errs[0].pointer, errs[0].message);
	json_decref(out);
	json_decref(in);
}

int
main(void)
{
	struct decision_error errs[8];
	struct decision d;
	size_t n, len;
	json_t *in, *out;
	char *bytes;

	ok(decision_is_incident_id(A), "incident id accepted");
	ok(!decision_is_incident_id("inc-0123") &&
		!decision_is_incident_id("INC-0123456789abcdef01234567") &&
		!decision_is_incident_id("inc-0123456789ABCDEF01234567") &&
		!decision_is_incident_id(NULL),
	    "short, upper-case or NULL ids refused");

	in = load("{\"with\":\"" B "\",\"reason\":\"same shelling\"}");
	out = decision_merge_from_input(A, in, "alice", NOW, errs, 8, &n);
	ok(out != NULL && canon_encode(out, &bytes, &len) == 0,
	    "a merge is accepted and encodes");
	is_str(out ? bytes : NULL,
	    "{\"at_ms\":1795875600000,\"by\":\"alice\",\"incident\":\"" A
	    "\",\"reason\":\"same shelling\",\"type\":\"incident_merge\","
	    "\"v\":1,\"with\":\"" B "\"}", "merge entry, byte for byte");
	ok(out && decision_parse(out, &d) == 0 && d.kind == DECISION_MERGE &&
		strcmp(d.with, B) == 0 && strcmp(d.incident, A) == 0 &&
		d.at_ms == NOW, "merge parses back");
	if (out)
		free(bytes);
	json_decref(out);
	json_decref(in);

	merge_rejects(A, "{\"reason\":\"x\"}", "/with", "required",
	    "without with");
	merge_rejects(A, "{\"with\":\"" A "\",\"reason\":\"x\"}", "/with",
	    "itself", "with itself");
	merge_rejects(A, "{\"with\":\"inc-12\",\"reason\":\"x\"}", "/with",
	    "incident id", "malformed with");
	merge_rejects(A, "{\"with\":\"" B "\"}", "/reason", "required",
	    "without a reason");
	merge_rejects(A, "{\"with\":\"" B "\",\"reason\":\"\"}", "/reason",
	    "1 to 1024", "empty reason");
	merge_rejects(A, "{\"with\":\"" B "\",\"reason\":\"a\\u0001\"}",
	    "/reason", "control character", "control character in reason");
	merge_rejects(A, "{\"with\":\"" B "\",\"reason\":\"x\",\"by\":\"me\"}",
	    "/by", "unknown field", "the principal cannot be claimed");
	merge_rejects("nope", "{\"with\":\"" B "\",\"reason\":\"x\"}",
	    "/incident", "not an incident id", "malformed incident in URL");
	merge_rejects(A, "[1]", "", "JSON object", "an array body");
	{
		char body[1200];

		snprintf(body, sizeof(body), "{\"with\":\"" B "\",\"reason\":"
		    "\"%01025d\"}", 0);
		merge_rejects(A, body, "/reason", "1025 bytes",
		    "reason over 1024 bytes");
	}

	in = load("{\"observations\":[\"" O2 "\",\"" O1 "\"],"
		  "\"reason\":\"two events\"}");
	out = decision_split_from_input(A, in, "bob", NOW, errs, 8, &n);
	ok(out != NULL && canon_encode(out, &bytes, &len) == 0,
	    "a split is accepted and encodes");
	is_str(out ? bytes : NULL,
	    "{\"at_ms\":1795875600000,\"by\":\"bob\",\"incident\":\"" A
	    "\",\"observations\":[\"" O1 "\",\"" O2 "\"],\"reason\":\"two "
	    "events\",\"type\":\"incident_split\",\"v\":1}",
	    "split entry with sorted ids, byte for byte");
	ok(out && decision_parse(out, &d) == 0 && d.kind == DECISION_SPLIT &&
		json_array_size(d.observations) == 2, "split parses back");
	if (out)
		free(bytes);
	json_decref(out);
	json_decref(in);

	split_rejects("{\"reason\":\"x\"}", "/observations", "required",
	    "without observations");
	split_rejects("{\"observations\":[],\"reason\":\"x\"}", "/observations",
	    "1 to 1000", "empty list");
	split_rejects("{\"observations\":[\"" O1 "\",\"abc\"],\"reason\":\"x\"}",
	    "/observations/1", "64 lower-case hex", "malformed id");
	split_rejects("{\"observations\":[\"" O1 "\",\"" O1 "\"],"
		      "\"reason\":\"x\"}",
	    "/observations", "twice", "duplicate id");
	{
		size_t cap = 1100 * 70 + 64, o, k;
		char *body = malloc(cap);

		o = (size_t)snprintf(body, cap, "{\"reason\":\"x\","
		    "\"observations\":[");
		for (k = 0; k < 1001; k++)
			o += (size_t)snprintf(body + o, cap - o, "%s\"%064zx\"",
			    k ? "," : "", k);
		snprintf(body + o, cap - o, "]}");
		split_rejects(body, "/observations", "1001 ids",
		    "1001 ids: over the limit of 1000");
		free(body);
	}

	in = load("{\"type\":\"incident_merge\",\"incident\":\"" A "\","
		  "\"with\":\"" A "\",\"by\":\"x\",\"at_ms\":1}");
	ok(decision_parse(in, &d) == -1, "a merge with itself does not parse");
	json_decref(in);
	in = load("{\"type\":\"observation\"}");
	ok(decision_parse(in, &d) == -1, "an observation is not a decision");
	json_decref(in);
	return done_testing();
}
