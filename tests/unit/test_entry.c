/*
 * Unit test of record/entry: the catalogue of log entry types — every name
 * parses to its type and back, unknown names and entries without a type
 * are ENTRY_UNKNOWN, and fusion acts on exactly the three types it places
 * or obeys.
 */
#include <stdlib.h>

#include "record/entry.h"
#include "tap.h"

int
main(void)
{
	static const char *const names[] = { "genesis", "observation",
		"principal", "member", "evidence", "incident_state",
		"assessment", "task", "release", "report", "incident_merge",
		"incident_split", "alert_rule", "alert_failed", "geography",
		"source_status" };
	json_t *e;
	size_t i;
	int t, fused = 0;

	is_int(sizeof(names) / sizeof(names[0]), ENTRY_NTYPES - 1,
	    "every type is in the test");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t = entry_type_parse(names[i]);
		ok(t != ENTRY_UNKNOWN, "%s is known", names[i]);
		is_str(entry_type_name(t), names[i], "%s names itself",
		    names[i]);
	}
	for (t = 1; t < ENTRY_NTYPES; t++)
		is_int(entry_type_parse(entry_type_name(t)), t,
		    "type %d round-trips", t);
	is_int(entry_type_parse(NULL), ENTRY_UNKNOWN, "NULL is unknown");
	is_int(entry_type_parse(""), ENTRY_UNKNOWN, "empty is unknown");
	is_int(entry_type_parse("Observation"), ENTRY_UNKNOWN,
	    "names are case-sensitive");
	is_int(entry_type_parse("observation "), ENTRY_UNKNOWN,
	    "no trailing junk");
	ok(entry_type_name(ENTRY_UNKNOWN) == NULL, "unknown has no name");
	ok(entry_type_name(ENTRY_NTYPES) == NULL, "out of range has no name");
	ok(entry_type_name((enum entry_type)-1) == NULL,
	    "negative has no name");

	e = json_pack("{s:s,s:i}", "type", "assessment", "v", 1);
	is_int(entry_type_of(e), ENTRY_ASSESSMENT, "type of an entry");
	json_object_set_new(e, "type", json_integer(7));
	is_int(entry_type_of(e), ENTRY_UNKNOWN, "a non-string type");
	json_object_del(e, "type");
	is_int(entry_type_of(e), ENTRY_UNKNOWN, "no type");
	json_decref(e);
	is_int(entry_type_of(NULL), ENTRY_UNKNOWN, "no entry");

	for (t = 0; t < ENTRY_NTYPES; t++)
		fused += entry_type_fused(t);
	is_int(fused, 3, "fusion acts on three types");
	ok(entry_type_fused(ENTRY_OBSERVATION) &&
	    entry_type_fused(ENTRY_INCIDENT_MERGE) &&
	    entry_type_fused(ENTRY_INCIDENT_SPLIT),
	    "observations, merges and splits");
	ok(!entry_type_fused(ENTRY_NTYPES), "out of range is not fused");
	return done_testing();
}
