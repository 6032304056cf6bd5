/*
 * verform: joint verification as the API shows it (docs/verification.md,
 * docs/api.md): the members and rule, an incident's verification, its
 * assessments, its trail, a task and a principal's queue, built as JSON
 * from the rows any store backend gives (store.h: store_members,
 * store_incident_states, store_assessments, store_tasks, store_history).
 * The backend only stores and reads rows; the shape of these answers and
 * the queue's order are written here once, for every backend.
 *
 * Reads the store it is given (one connection, the caller's thread); no
 * other I/O.
 */
#ifndef TRUCE_VERFORM_H
#define TRUCE_VERFORM_H

#include <stdint.h>
#include <jansson.h>

struct store;
struct principal;

/*
 * The center's members and rule as a new object {"rule": {...} (all
 * members when genesis set none), "parties": [...], "members": [{"name",
 * "vkey","since_index"}...]} with members in name order. NULL on error.
 */
json_t *verform_members(struct store *s);

/*
 * The joint verification of incident id as a new object: {"id","state",
 * "tier","tier_name"?,"duplicate_of"?,"since_index"?,"since_ms"?,
 * "assessments": each member's latest, side by side, "released_to":
 * [parties], "tasks": [...]}. An assessment is {"index","member",
 * "revision","by","at_ms","note" (the signed note), and its signed fields
 * "verdict","attribution","confidence","rationale","evidence",
 * "assessed_at_ms"}. NULL on error.
 */
json_t *verform_workflow(struct store *s, const char *id);

/*
 * The state of incident id and each member's latest assessment: the
 * object of verform_workflow without "released_to" and "tasks" (two reads
 * of the store instead of four; a report reads this for each incident of
 * its period). NULL on error.
 */
json_t *verform_views(struct store *s, const char *id);

/*
 * The state of incident id alone: the object of verform_workflow without
 * "assessments", "released_to" and "tasks" (one read of the store; the
 * state digests' rows). NULL on error.
 */
json_t *verform_state(struct store *s, const char *id);

/*
 * The releases and tasks of incident id: a new {"id", "released_to",
 * "tasks"} as verform_workflow has them (two reads; the state digests'
 * rows). NULL on error.
 */
json_t *verform_tasks(struct store *s, const char *id);

/* Every assessment of incident id, revisions included, in log order, as a
 * new array (each as in verform_workflow). NULL on error. */
json_t *verform_assessments(struct store *s, const char *id);

/*
 * The trail of incident id: a new array of {"index","kind","from"?,"to"?}
 * in log order (store_history). NULL on error.
 */
json_t *verform_history(struct store *s, const char *id);

/*
 * The task assigned at log index task: 1 and a new *out {"task",
 * "incident","unit","kind","description","due_ms","by","at_ms","done",
 * "done_index"?,"done_by"?,"note"?}, 0 if none, -1 on error.
 */
int verform_task(struct store *s, int64_t task, json_t **out);

/*
 * What waits for principal p, oldest first (by the log index since when
 * it waits): its open tasks, then for an assessor the incidents awaiting
 * its member's assessment, for analysts and admins the disputed incidents.
 * A new array of {"kind" (task, assess, escalate),"incident","since_index",
 * "since_ms",...}. NULL on error.
 */
json_t *verform_queue(struct store *s, const struct principal *p);

#endif
