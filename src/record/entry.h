/*
 * entry: the catalogue of log entry types — one name table, one enum, and
 * for each type the module that builds its canonical entry and reads it
 * back (STYLE.md, "Entries built and read in one place"). Whoever needs to
 * know what kind of entry it holds (the store's applier, fusion, the
 * audit's replay) asks here instead of comparing the "type" string itself,
 * so a new entry type is added in one row of one table.
 *
 *   type             built and read by
 *   genesis          center/center.c (built), store/applier.c (read)
 *   observation      record/observation.c
 *   principal        verify/principal.c
 *   member           verify/member.c
 *   evidence         record/evidence_entry.c
 *   incident_state   verify/workflow.c
 *   assessment       verify/assessment.c
 *   task             verify/workflow.c
 *   release          verify/workflow.c
 *   report           report/reportentry.c
 *   incident_merge   record/decision.c
 *   incident_split   record/decision.c
 *   alert_rule       alert/alert_rule.c
 *   source_status    record/source_status.c
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_ENTRY_H
#define TRUCE_ENTRY_H

#include <jansson.h>

enum entry_type {
	ENTRY_UNKNOWN = 0, /* no "type", or one this build does not know */
	ENTRY_GENESIS,
	ENTRY_OBSERVATION,
	ENTRY_PRINCIPAL,
	ENTRY_MEMBER,
	ENTRY_EVIDENCE,
	ENTRY_INCIDENT_STATE,
	ENTRY_ASSESSMENT,
	ENTRY_TASK,
	ENTRY_RELEASE,
	ENTRY_REPORT,
	ENTRY_INCIDENT_MERGE,
	ENTRY_INCIDENT_SPLIT,
	ENTRY_ALERT_RULE,
	ENTRY_ALERT_FAILED,
	ENTRY_GEOGRAPHY,
	ENTRY_SOURCE_STATUS,
	ENTRY_NTYPES
};

/*
 * The type named name ("observation", ...): ENTRY_UNKNOWN for NULL or a
 * name not in the table. Names compare exactly (case matters).
 */
enum entry_type entry_type_parse(const char *name);

/* The name of type t (static storage), or NULL for ENTRY_UNKNOWN. */
const char *entry_type_name(enum entry_type t);

/* The type of a parsed log entry (its "type" member); NULL: unknown. */
enum entry_type entry_type_of(const json_t *entry);

/*
 * 1 if fusion acts on entries of type t (observations it places, the
 * analysts' merges and splits it obeys), 0 if not (docs/fusion.md).
 */
int entry_type_fused(enum entry_type t);

#endif
