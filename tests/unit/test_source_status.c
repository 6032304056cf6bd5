/*
 * Unit test of record/source_status: the input a route takes, the entry
 * it builds and the same entry read back, and each refusal naming its
 * field and limit.
 */
#include <stdlib.h>

#include "record/canon.h"
#include "record/source_status.h"
#include "tap.h"

#define GOOD                                                              \
	"{\"type\":\"camera\",\"member\":\"RU\",\"status\":\"down\","     \
	"\"reason\":\"power cut\",\"from\":\"2026-11-19T20:00:00Z\","     \
	"\"to\":\"2026-11-20T04:00:00Z\"}"

/* Reads input text for unit: 0, or -1 with the reason in err. */
static int
input(const char *text, const char *unit, struct source_status_entry *st,
    char *err, size_t errlen)
{
	json_t *in = json_loads(text, 0, NULL);
	int rc;

	if (in == NULL) {
		snprintf(err, errlen, "test: not JSON");
		return -1;
	}
	rc = source_status_from_input(in, unit, "cam-3", 1700000000000LL, st,
	    err, errlen);
	json_decref(in);
	return rc;
}

/* 1 if input text is refused with a reason holding want. */
static int
refused(const char *text, const char *unit, const char *want)
{
	struct source_status_entry st;
	char err[512] = "";

	if (input(text, unit, &st, err, sizeof(err)) == 0) {
		diag("accepted: %s", text);
		return 0;
	}
	if (strstr(err, want) == NULL) {
		diag("refused for: %s", err);
		return 0;
	}
	return 1;
}

int
main(void)
{
	struct source_status_entry st, back;
	json_t *in, *e, *e2;
	char err[512], *b1, *b2, reason[1100];
	size_t l1, l2;
	enum source_status s;

	in = json_loads(GOOD, 0, NULL);
	ok(source_status_from_input(in, "cam-3", "cam-3", 1700000000000LL, &st,
	       err, sizeof(err)) == 0,
	    "a camera that was down");
	ok(st.status == SOURCE_DOWN && st.to_ms - st.from_ms == 8 * 3600000LL &&
	    strcmp(st.unit, "cam-3") == 0 && st.organisation == NULL,
	    "its status, period, unit");
	e = source_status_build(&st);
	ok(e != NULL && canon_encode(e, &b1, &l1) == 0, "its entry encodes");
	is_str(json_string_value(json_object_get(e, "type")), "source_status",
	    "of type source_status");
	ok(source_status_read(e, &back, err, sizeof(err)) == 0 &&
	    back.status == st.status && back.from_ms == st.from_ms &&
	    back.to_ms == st.to_ms && strcmp(back.reason, st.reason) == 0 &&
	    strcmp(back.member, "RU") == 0 && strcmp(back.by, "cam-3") == 0,
	    "read back as built");
	e2 = source_status_build(&back);
	ok(e2 != NULL && canon_encode(e2, &b2, &l2) == 0 && l1 == l2 &&
	    memcmp(b1, b2, l1) == 0, "and built again: the same bytes");
	free(b1);
	free(b2);
	json_decref(e2);
	json_object_set_new(e, "status", json_string("asleep"));
	ok(source_status_read(e, &back, err, sizeof(err)) == -1 &&
	    strstr(err, "/status") != NULL, "an entry with another status");
	json_object_set_new(e, "status", json_string("degraded"));
	json_object_del(json_object_get(e, "source"), "member");
	ok(source_status_read(e, &back, err, sizeof(err)) == -1 &&
	    strstr(err, "/source/member") != NULL,
	    "an entry with neither member nor organisation");
	json_decref(e);
	json_decref(in);

	for (s = SOURCE_OPERATIONAL; s <= SOURCE_DOWN; s++) {
		enum source_status p;

		ok(source_status_parse(source_status_name(s), &p) == 0 &&
		    p == s, "status %s", source_status_name(s));
	}

	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"broken\",\"reason\":\"x\",\"from\":"
		   "\"2026-11-19T20:00:00Z\",\"to\":\"2026-11-20T04:00:00Z\"}",
	       "c", "/status"),
	    "an unknown status");
	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"from\":\"2026-11-19T20:00:00Z\",\"to\":"
		   "\"2026-11-20T04:00:00Z\"}",
	       "c", "/reason"),
	    "no reason");
	ok(refused("{\"type\":\"complaint\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"reason\":\"x\",\"from\":"
		   "\"2026-11-19T20:00:00Z\",\"to\":\"2026-11-20T04:00:00Z\"}",
	       "c", "/type"),
	    "a complaint");
	ok(refused("{\"type\":\"camera\",\"status\":\"down\",\"reason\":"
		   "\"x\",\"from\":\"2026-11-19T20:00:00Z\",\"to\":"
		   "\"2026-11-20T04:00:00Z\"}",
	       "c", "/member, /organisation"),
	    "neither member nor organisation");
	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"reason\":\"x\",\"from\":"
		   "\"2026-11-20T04:00:00Z\",\"to\":\"2026-11-20T04:00:00Z\"}",
	       "c", "/to: the period must end after it begins"),
	    "an empty period");
	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"reason\":\"x\",\"from\":"
		   "\"2025-11-01T20:00:00Z\",\"to\":\"2026-11-20T04:00:00Z\"}",
	       "c", "at most 366 days"),
	    "a period over 366 days");
	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"reason\":\"x\",\"from\":\"yesterday\",\"to\":"
		   "\"2026-11-20T04:00:00Z\"}",
	       "c", "/from"),
	    "a time that is not RFC 3339");
	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"reason\":\"x\",\"to\":\"2026-11-20T04:00:00Z\"}",
	       "c", "/from: required"),
	    "no start");
	ok(refused("{\"type\":\"camera\",\"member\":\"RU\",\"status\":"
		   "\"down\",\"reason\":\"x\",\"from\":\"2026-11-19T20:00:00Z\","
		   "\"to\":\"2026-11-20T04:00:00Z\",\"colour\":\"red\"}",
	       "c", "/colour: unknown field"),
	    "an unknown field");
	ok(refused("{\"type\":\"camera\",\"member\":7,\"status\":"
		   "\"down\",\"reason\":\"x\",\"from\":\"2026-11-19T20:00:00Z\","
		   "\"to\":\"2026-11-20T04:00:00Z\"}",
	       "c", "/member: must be a string"),
	    "a member that is no string");
	ok(refused(GOOD,
	       "a-unit-name-longer-than-sixty-four-bytes-is-refused-by-its-"
	       "limit-here",
	       "/unit: the source's unit: 1 to 64 bytes"),
	    "a unit over 64 bytes");
	ok(refused(GOOD, "cam\t3", "/unit"), "a unit with a control character");
	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	in = json_loads(GOOD, 0, NULL);
	json_object_set_new(in, "reason", json_string(reason));
	ok(source_status_from_input(in, "c", "b", 1, &st, err, sizeof(err)) ==
		-1 &&
	    strstr(err, "/reason") != NULL && strstr(err, "1024") != NULL,
	    "a reason over 1,024 bytes, naming the limit");
	json_decref(in);
	return done_testing();
}
