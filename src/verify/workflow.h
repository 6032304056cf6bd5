/*
 * workflow: the states of an incident under joint verification, the moves
 * between them, and the ruling the members' assessments make
 * (docs/verification.md "Workflow"; DESIGN.md "Joint verification").
 *
 *   received -> under_investigation -> awaiting_assessment ->
 *     agreed_violation | agreed_no_violation | unverifiable | disputed ->
 *       escalated (tier by tier) | closed
 *   plus duplicate (linked to the incident it duplicates)
 *
 * Analysts (and admins) move incidents short of a ruling with state
 * entries; a ruling is never an analyst's move: it follows from the
 * members' signed assessments under the center's rule (all members, or K
 * of N, verify/member.h), computed by workflow_ruling where the store
 * applies an assessment, so a replay rules the same way at the same
 * index.
 *
 * State entry (canonical JSON; the reason is required):
 *   {"type":"incident_state","v":1,"incident":I,"to":S,"reason":R,
 *    "duplicate_of":I2?,"tier":N?,"tier_name":T?,"by":B,"at_ms":T}
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_WORKFLOW_H
#define TRUCE_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct member_rule;

#define WORKFLOW_ID_LEN 64	 /* bytes of an incident id, at most */
#define WORKFLOW_REASON_MAX 1024 /* bytes of a reason */
#define WORKFLOW_MAX_TIERS 8	 /* escalation tiers */
#define WORKFLOW_TIER_LEN 64

enum workflow_state {
	WORKFLOW_RECEIVED = 0,
	WORKFLOW_UNDER_INVESTIGATION,
	WORKFLOW_AWAITING_ASSESSMENT,
	WORKFLOW_AGREED_VIOLATION,
	WORKFLOW_AGREED_NO_VIOLATION,
	WORKFLOW_UNVERIFIABLE,
	WORKFLOW_DISPUTED,
	WORKFLOW_ESCALATED,
	WORKFLOW_CLOSED,
	WORKFLOW_DUPLICATE,
	WORKFLOW_NSTATES
};

/* A member's verdict on an incident. */
enum workflow_verdict {
	WORKFLOW_VIOLATION = 0,
	WORKFLOW_NO_VIOLATION,
	WORKFLOW_VERDICT_UNVERIFIABLE,
	WORKFLOW_NVERDICTS
};

/* The name of state s ("?" out of range). */
const char *workflow_state_name(enum workflow_state s);

/* The state named s: 0 and *out, or -1 for an unknown name. */
int workflow_state_parse(const char *s, enum workflow_state *out);

/* The name of verdict v ("?" out of range). */
const char *workflow_verdict_name(enum workflow_verdict v);

/* The verdict named s: 0 and *out, or -1. */
int workflow_verdict_parse(const char *s, enum workflow_verdict *out);

/* 1 if s is a ruling: agreed_*, unverifiable or disputed. */
int workflow_is_ruling(enum workflow_state s);

/* 1 if assessments may still be recorded in s (before a ruling). */
int workflow_accepts_assessment(enum workflow_state s);

/*
 * 1 if s is a well-formed incident id: 1-63 bytes of A-Z a-z 0-9 '_' '-'
 * (fusion's "inc-" ids among them).
 */
int workflow_is_incident_id(const char *s);

/*
 * Whether an analyst may move an incident from `from` to `to`, in tier
 * `tier` (0 before any escalation) of ntiers configured: returns 0, or -1
 * with the reason in err naming both states and, for a ruling, where
 * rulings come from. duplicate needs duplicate_of (another incident);
 * escalated needs a next tier. Cost: O(1).
 */
int workflow_check_move(enum workflow_state from, enum workflow_state to,
    int64_t tier, int64_t ntiers, const char *incident,
    const char *duplicate_of, char *err, size_t errlen);

/* A member's latest view of an incident, for the ruling. */
struct workflow_view {
	const char *member;
	enum workflow_verdict verdict;
	const char *attribution; /* compared for violations only */
};

/*
 * The ruling of views[0..nviews-1] (one per member, at most nmembers) under
 * rule for a center of nmembers: agreed_violation, agreed_no_violation or
 * unverifiable when at least the rule's number of members share a verdict
 * (and, for a violation, its attribution); disputed when every member has
 * a view and no verdict has enough of them, or when two verdicts both do;
 * otherwise awaiting_assessment (no ruling yet). Cost: O(nviews^2).
 */
enum workflow_state workflow_ruling(const struct member_rule *rule,
    size_t nmembers, const struct workflow_view *views, size_t nviews);

/*
 * Reads a state entry into its fields (strings borrowed from entry):
 * 0, or -1 with the reason in err for an entry that is not well-formed
 * (the store then records it as refused).
 */
int workflow_read_move(const json_t *entry, const char **incident,
    enum workflow_state *to, const char **duplicate_of, int64_t *tier,
    char *err, size_t errlen);

/*
 * Builds a state entry (the fields it checks are the caller's: see
 * workflow_check_move): incident moves to `to` for reason, as
 * duplicate_of (NULL: none), and for an escalation (tier_name not NULL)
 * to tier `tier` named tier_name; by the principal named by at at_ms.
 * A new object, or NULL on allocation failure.
 */
json_t *workflow_move_entry_new(const char *incident, enum workflow_state to,
    const char *reason, const char *duplicate_of, int64_t tier,
    const char *tier_name, const char *by, int64_t at_ms);

/*
 * Checks a reason: 1 to WORKFLOW_REASON_MAX bytes, not only white space.
 * 0 or -1 with the reason in err naming field (a JSON pointer).
 */
int workflow_check_reason(const char *reason, const char *field, char *err,
    size_t errlen);

/*
 * Tasks: an analyst assigns follow-up on an incident to a unit (the
 * principal that will do it) with a due time; the unit (or an analyst)
 * marks it done. A task is known by the log index of its assignment.
 *   {"type":"task","v":1,"action":"assign","incident":I,"unit":U,
 *    "kind":K,"description":D,"due_ms":T,"by":B,"at_ms":T}
 *   {"type":"task","v":1,"action":"done","task":INDEX,"note":N,"by":B,
 *    "at_ms":T}
 * Kinds: patrol_visit, uav_flight, crater_analysis, interview,
 * document_review, other.
 */
#define WORKFLOW_TEXT_MAX 2048 /* a task's description or note */

/* 1 if s is a task kind. */
int workflow_is_task_kind(const char *s);

/*
 * Checks a task entry (either action): fields, kinds and limits. 0, or -1
 * with the reason, naming the field as a JSON pointer, in err.
 */
int workflow_check_task(const json_t *entry, char *err, size_t errlen);

/*
 * Builds a task assignment (unit, kind: NULL gives null; description, a
 * JSON value taken from the request as it is, may be NULL) and a task's
 * completion (note likewise). Unchecked: workflow_check_task checks them.
 * A new object, or NULL on allocation failure.
 */
json_t *workflow_assign_entry_new(const char *incident, const char *unit,
    const char *kind, const json_t *description, int64_t due_ms, const char *by,
    int64_t at_ms);
json_t *workflow_done_entry_new(int64_t task, const json_t *note,
    const char *by, int64_t at_ms);

/*
 * A release: what the center has seen of an incident is released to a
 * conflict party, whose liaisons may then read it.
 *   {"type":"release","v":1,"incident":I,"party":P,"reason":R,"by":B,
 *    "at_ms":T}
 * Checks one as workflow_check_task does.
 */
int workflow_check_release(const json_t *entry, char *err, size_t errlen);

/*
 * Builds a release of incident to party (NULL gives null) for reason (a
 * JSON value from the request, may be NULL), unchecked. A new object, or
 * NULL on allocation failure.
 */
json_t *workflow_release_entry_new(const char *incident, const char *party,
    const json_t *reason, const char *by, int64_t at_ms);

#endif
