/*
 * applier: the rules that turn log entries into store rows — for the
 * center's members and principals (genesis, member, principal), evidence
 * custody (evidence), sources' statements of their status
 * (source_status, stored as stated), joint verification (incident_state,
 * assessment, task, release; docs/verification.md) and products (report:
 * drafts, members' signatures, releases; docs/products.md): which entries
 * are refused and why, whose signatures a key change, an assessment or a
 * report's note must carry, what ruling the members' latest assessments
 * make under the center's rule (verify/workflow.h), and when a report is
 * released or refused. Written once, above
 * the backends: a backend provides the rows below (struct applier_rows),
 * each a plain read or write with no decision in it, and the same entries
 * make the same rows and the same refusals in every backend.
 *
 * Same contract as fusion's book (fusion/associate.h): the applier calls
 * the row operations inside the caller's write transaction and never
 * keeps a pointer they return past the call. An entry the rules refuse is
 * handed to `refused` with its reason (at most APPLIER_REASON_LEN bytes,
 * naming the field) and changes nothing else (but for a genesis entry,
 * whose members are stored before its rule is read); the apply functions
 * then return 0. -1 means a row operation failed (the caller rolls back).
 *
 * Pure: no I/O of its own; everything it reads or writes goes through the
 * rows.
 */
#ifndef TRUCE_APPLIER_H
#define TRUCE_APPLIER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "record/entry.h"
#include "verify/workflow.h"

struct assessment;
struct member_rule;
struct principal;
struct reportentry;
struct reportentry_signature;
struct source_status_entry;

#define APPLIER_REASON_LEN 256 /* a refusal's reason (STORE_REASON_LEN) */
#define APPLIER_MAX_VIEWS 16   /* members' views a ruling weighs */

/*
 * Called by applier_rows.latest_views once per current member that has
 * assessed the incident, in member-name order, with its latest verdict's
 * name and attribution (borrowed for the call); non-zero stops.
 */
typedef int (*applier_view_fn)(void *arg, const char *member,
    const char *verdict, const char *attribution);

/* Called by applier_rows.members once per current member. */
typedef int (*applier_member_fn)(void *ctx, const char *name, const char *vkey);

/* A task as assigned (strings borrowed from its entry; unit, kind and
 * description may be NULL). */
struct applier_task {
	const char *incident, *unit, *kind, *description, *by;
	int64_t due_ms, at_ms;
};

/* What a backend provides; `db` is the backend's connection. */
struct applier_rows {
	/* 1 if incident id exists, 0 if not, -1 on error. */
	int (*incident_exists)(void *db, const char *id);
	/*
	 * Incident id's workflow state and escalation tier; received and
	 * 0 when it has no state row. 0 or -1.
	 */
	int (*get_state)(void *db, const char *id, enum workflow_state *state,
	    int64_t *tier);
	/*
	 * Sets incident id's state row to `to` (tier, tier_name and
	 * duplicate_of may be NULL / as given) as of entry idx at at_ms, and
	 * adds a "state" step from `from` to `to` to its trail. 0 or -1.
	 */
	int (*set_state)(void *db, const char *id, int64_t idx, int64_t at_ms,
	    enum workflow_state from, enum workflow_state to, int64_t tier,
	    const char *tier_name, const char *duplicate_of);
	/* Adds a step of kind (assessment, task, task_done, release) at idx
	 * to incident id's trail. 0 or -1. */
	int (*add_event)(void *db, const char *id, int64_t idx,
	    const char *kind);
	/*
	 * The current key of member: 1 with it in vkey (len bytes), 0 when
	 * member is not a member, -1 on error.
	 */
	int (
	    *member_vkey)(void *db, const char *member, char *vkey, size_t len);
	/* The center's rule (all members when it has none) and its number
	 * of current members. 0 or -1. */
	int (*rule)(void *db, struct member_rule *rule, size_t *nmembers);
	/* Calls fn for each current member's latest assessment of incident
	 * (see applier_view_fn). 0 or -1. */
	int (*latest_views)(void *db, const char *incident, applier_view_fn fn,
	    void *arg);
	/* The highest revision of member's assessments of incident, 0 if
	 * none. 0 or -1. */
	int (*last_revision)(void *db, const char *incident, const char *member,
	    int64_t *last);
	/* Stores assessment a (from entry idx: its signed note, who
	 * recorded it and when). 0 or -1. */
	int (*insert_assessment)(void *db, int64_t idx,
	    const struct assessment *a, const char *by, int64_t at_ms,
	    const char *note);
	/* Stores task t, assigned by entry idx, open. 0 or -1. */
	int (*insert_task)(void *db, int64_t idx, const struct applier_task *t);
	/*
	 * The task assigned at index task: 1 with its incident (len bytes)
	 * and *open (1 while not done), 0 when there is none, -1 on error.
	 */
	int (*find_task)(void *db, int64_t task, char *incident, size_t len,
	    int *open);
	/* Marks task done by entry idx, by, with note (may be NULL). 0 or
	 * -1. */
	int (*finish_task)(void *db, int64_t task, int64_t idx, const char *by,
	    const char *note);
	/* Records that incident id is released to party as of idx; a second
	 * release to the same party changes nothing. 0 or -1. */
	int (*insert_release)(void *db, const char *id, const char *party,
	    int64_t idx);
	/* The active principal named name: 1 and *p, 0 if none, -1. */
	int (*find_principal)(void *db, const char *name, struct principal *p);
	/* 1 if a token with SHA-256 hash was ever issued, 0 if not, -1. */
	int (*token_known)(void *db, const uint8_t hash[32]);
	/* Stores principal p, active, added by entry idx, with its token's
	 * hash (replacing a revoked principal of the same name). 0 or -1. */
	int (*insert_principal)(void *db, int64_t idx,
	    const struct principal *p, const uint8_t hash[32]);
	/* Marks principal name revoked by entry idx and forgets its tokens.
	 * 0 or -1. */
	int (*revoke_principal)(void *db, const char *name, int64_t idx);
	/*
	 * A genesis member: stores member name with vkey (NULL: none) since
	 * idx, keeping what is already stored for that name or key. 0 or -1.
	 */
	int (*add_member)(void *db, const char *name, const char *vkey,
	    int64_t idx);
	/* Sets member's current key to vkey as of idx (a key change), and
	 * remembers the key as used. 0 or -1. */
	int (*set_member_key)(void *db, const char *member, const char *vkey,
	    int64_t idx);
	/* Calls fn with each current member's name and key, in name order
	 * (borrowed for the call; non-zero stops). 0 or -1. */
	int (*members)(void *db, applier_member_fn fn, void *ctx);
	/* 1 if vkey was ever a member's key, 0 if not, -1 on error. */
	int (*key_used)(void *db, const char *vkey);
	/* Sets the center's value key ("rule", "parties") to the JSON text.
	 * 0 or -1. */
	int (*set_center)(void *db, const char *key, const char *text);
	/*
	 * Evidence with SHA-256 sha256_hex (64 lower-case hex): 1 with its
	 * size, 0 if never uploaded, -1 on error.
	 */
	int (*find_evidence)(void *db, const char *sha256_hex, int64_t *size);
	/* Stores evidence sha256 (32 bytes) of size bytes and media_type,
	 * first uploaded by entry idx. 0 or -1. */
	int (*insert_evidence)(void *db, const uint8_t sha256[32], int64_t size,
	    const char *media_type, int64_t idx);
	/* Adds a step (action "upload" or "fetch", by, at_ms) of entry idx to
	 * the chain of custody of evidence sha256 (32 bytes). 0 or -1. */
	int (*add_custody)(void *db, int64_t idx, const uint8_t sha256[32],
	    const char *action, const char *by, int64_t at_ms);
	/* Stores source status statement st, made by entry idx. 0 or -1. */
	int (*insert_source_status)(void *db, int64_t idx,
	    const struct source_status_entry *st);
	/* Stores the alert rule that "add" entry idx (JSON text entry)
	 * added, by by at at_ms. 0 or -1. */
	int (*insert_alert_rule)(void *db, int64_t idx, const char *by,
	    int64_t at_ms, const char *entry);
	/* Marks alert rule rule disabled by entry idx, by by, unless it is
	 * already (or no such rule). 0 or -1. */
	int (*disable_alert_rule)(void *db, int64_t rule, int64_t idx,
	    const char *by);
	/* Records that entry idx of type was refused, and why. 0 or -1. */
	int (*refused)(void *db, int64_t idx, const char *type,
	    const char *reason);

	/* Products (report/reportentry.h; docs/products.md). */
	/* Notes that entry idx is a report entry, applied or refused (what
	 * store_report_basis counts). 0 or -1. */
	int (*report_entry)(void *db, int64_t idx);
	/* Report id: 1 with the index that drafted it, its state (len
	 * bytes) and number (nlen bytes), 0 if never drafted, -1 on error. */
	int (*find_report)(void *db, const char *id, int64_t *idx, char *state,
	    size_t len, char *number, size_t nlen);
	/* Marks the drafts of kind and subject superseded as of idx. */
	int (*supersede_drafts)(void *db, int64_t idx, const char *kind,
	    const char *subject);
	/* Stores report e, drafted by entry idx, as a draft. 0 or -1. */
	int (
	    *insert_report)(void *db, int64_t idx, const struct reportentry *e);
	/* member's signature or refusal of report (with note not NULL: that
	 * very note): 1 with its entry index, 0 if none, -1 on error. */
	int (*find_signature)(void *db, const char *report, const char *member,
	    const char *note, int64_t *idx);
	/* Stores signature s, its signed note, of entry idx. 0 or -1. */
	int (*insert_signature)(void *db, int64_t idx,
	    const struct reportentry_signature *s, const char *note);
	/* How many members signed (refusals 0) or refused (1) report. */
	int (*count_signatures)(void *db, const char *report, int refusals,
	    int64_t *n);
	/* Moves report from draft to state (released, refused) as of idx;
	 * a report that is not a draft stays as it is. 0 or -1. */
	int (*settle_report)(void *db, const char *report, const char *state,
	    int64_t idx);
};

/*
 * 1 if entries of type t are the applier's (genesis, principal, member,
 * evidence, incident_state, assessment, task, release, source_status,
 * report), 0 if a backend applies them itself (observations) or nobody
 * does.
 */
int applier_owns(enum entry_type t);

/*
 * Applies entry idx of type t (one applier_owns says is the applier's)
 * with the function of that type below. 0 or -1 (-1 also for a type that
 * is not the applier's).
 */
int applier_apply(const struct applier_rows *rows, void *db, int64_t idx,
    enum entry_type t, const json_t *entry);

/*
 * Applies entry idx (a "genesis" entry): its members and their keys, the
 * rule (all members when it names none), the parties and the first
 * principals. 0 or -1.
 */
int applier_genesis(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (a "principal" entry): an addition needs a new name
 * and a token never issued before; a revocation an active principal.
 * 0 or -1.
 */
int applier_principal(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (a "member" entry): a key change signed by the keys it
 * needs (verify/member.h, member_change_check), with a key never used
 * before. 0 or -1.
 */
int applier_member(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (an "evidence" entry): an upload (the first one of an
 * item records its size and media type) or a fetch of an item uploaded
 * before, added to its chain of custody. 0 or -1.
 */
int applier_evidence(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (an "incident_state" entry): one workflow move, never
 * a ruling, at most one tier up (verify/workflow.h), to an incident that
 * exists (and a duplicate of one that does). 0 or -1.
 */
int applier_state(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (an "assessment" entry): the note must be well-formed,
 * name an incident that exists and a member, carry that member's current
 * key's signature, be the member's next revision, and come before a
 * ruling. It is stored, the incident moves to awaiting_assessment, and
 * the ruling of every current member's latest view under the center's
 * rule moves it on when there is one. Cost: one signature check. 0 or -1.
 */
int applier_assessment(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (a "task" entry): an assignment to an incident that
 * exists, or the completion of an open task. 0 or -1.
 */
int applier_task(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/* Applies entry idx (a "release" entry) to an incident that exists. */
int applier_release(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * Applies entry idx (a "source_status" entry): a well-formed statement
 * (record/source_status.h) is stored as it is; who may make it is the
 * writer's rule (the route's). 0 or -1.
 */
int applier_source_status(const struct applier_rows *rows, void *db,
    int64_t idx, const json_t *entry);

/*
 * Applies entry idx (a "report" entry): a draft of a report never drafted
 * before (it supersedes the drafts of its kind and subject), or members'
 * signed notes signing or refusing one report that is a draft or
 * released, each by a member whose current key signed it, once per
 * member (a release may repeat notes recorded already). The report is
 * released when the signatures meet the center's rule, refused when the
 * refusals leave too few members to meet it. Cost: one signature check a
 * note. 0 or -1.
 */
int applier_report(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry);

/*
 * The ruling on incident id now: every current member's latest view under
 * the center's rule (workflow_ruling). 0 with it in *out, or -1.
 */
int applier_rule_on(const struct applier_rows *rows, void *db, const char *id,
    enum workflow_state *out);

#endif
