/*
 * entry: the catalogue of log entry types (see entry.h).
 */
#include <string.h>

#include "record/entry.h"

/* One row per type, in enum order (checked by test_entry). */
static const struct {
	enum entry_type type;
	const char *name;
	int fused; /* fusion acts on it */
} types[] = {
	{ ENTRY_UNKNOWN, NULL, 0 },
	{ ENTRY_GENESIS, "genesis", 0 },
	{ ENTRY_OBSERVATION, "observation", 1 },
	{ ENTRY_PRINCIPAL, "principal", 0 },
	{ ENTRY_MEMBER, "member", 0 },
	{ ENTRY_EVIDENCE, "evidence", 0 },
	{ ENTRY_INCIDENT_STATE, "incident_state", 0 },
	{ ENTRY_ASSESSMENT, "assessment", 0 },
	{ ENTRY_TASK, "task", 0 },
	{ ENTRY_RELEASE, "release", 0 },
	{ ENTRY_REPORT, "report", 0 },
	{ ENTRY_INCIDENT_MERGE, "incident_merge", 1 },
	{ ENTRY_INCIDENT_SPLIT, "incident_split", 1 },
	{ ENTRY_ALERT_RULE, "alert_rule", 0 },
	{ ENTRY_ALERT_FAILED, "alert_failed", 0 },
	{ ENTRY_GEOGRAPHY, "geography", 0 },
	{ ENTRY_SOURCE_STATUS, "source_status", 0 },
};

_Static_assert(sizeof(types) / sizeof(types[0]) == ENTRY_NTYPES,
    "one row per entry type");

enum entry_type
entry_type_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return ENTRY_UNKNOWN;
	for (i = 1; i < ENTRY_NTYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return ENTRY_UNKNOWN;
}

const char *
entry_type_name(enum entry_type t)
{
	if ((unsigned)t >= ENTRY_NTYPES)
		return NULL;
	return types[t].name;
}

enum entry_type
entry_type_of(const json_t *entry)
{
	return entry_type_parse(
	    json_string_value(json_object_get(entry, "type")));
}

int
entry_type_fused(enum entry_type t)
{
	if ((unsigned)t >= ENTRY_NTYPES)
		return 0;
	return types[t].fused;
}
