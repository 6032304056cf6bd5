/*
 * applier: the joint-verification rules of the store's apply path, above
 * the backends (see applier.h and docs/storage.md, "Layers").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "record/evidence_entry.h"
#include "alert/alert_rule.h"
#include "record/source_status.h"
#include "report/reportentry.h"
#include "store/applier.h"
#include "tlog/note.h"
#include "verify/assessment.h"
#include "verify/member.h"
#include "verify/principal.h"
#include "verify/workflow.h"

/* Hands entry idx of type to the backend as refused, and why. */
static int __attribute__((format(printf, 5, 6)))
refuse(const struct applier_rows *rows, void *db, int64_t idx, const char *type,
    const char *fmt, ...)
{
	char reason[APPLIER_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return rows->refused(db, idx, type, reason);
}

/*
 * The check every workflow entry shares, with one message: incident id
 * (field names it in the entry) exists. 1 if it does, 0 when it does not
 * (entry idx is then refused), -1 on error.
 */
static int
need_incident(const struct applier_rows *rows, void *db, int64_t idx,
    const char *type, const char *field, const char *id)
{
	int exists = rows->incident_exists(db, id);

	if (exists == 0 &&
	    refuse(rows, db, idx, type, "%s: no incident %s", field, id) == -1)
		return -1;
	return exists;
}

int
applier_principal(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	struct principal p, cur;
	uint8_t hash[32];
	char why[APPLIER_REASON_LEN];
	int revoke, found, known;

	if (principal_from_entry(e, &p, &revoke, hash, why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "principal", "%s", why);
	if ((found = rows->find_principal(db, p.name, &cur)) == -1)
		return -1;
	if (revoke) {
		if (!found)
			return refuse(rows, db, idx, "principal",
			    "/name: no "
			    "active principal is named %s",
			    p.name);
		return rows->revoke_principal(db, p.name, idx);
	}
	if (found)
		return refuse(rows, db, idx, "principal",
		    "/name: principal %s "
		    "exists; revoke it first",
		    p.name);
	if ((known = rows->token_known(db, hash)) == -1)
		return -1;
	if (known)
		return refuse(rows, db, idx, "principal",
		    "/token_sha256: this "
		    "token was issued before");
	return rows->insert_principal(db, idx, &p, hash);
}

/* Stores the JSON text of v (taken) as the center's value key. */
static int
set_center(const struct applier_rows *rows, void *db, const char *key,
    json_t *v, size_t flags)
{
	char *text = v ? json_dumps(v, flags) : NULL;
	int rc = text ? rows->set_center(db, key, text) : -1;

	free(text);
	json_decref(v);
	return rc;
}

int
applier_genesis(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	const json_t *members = json_object_get(e, "members");
	const json_t *principals = json_object_get(e, "principals");
	const json_t *m, *rule, *parties;
	struct member_rule r = { 0, 0 };
	struct principal p;
	uint8_t hash[32];
	char why[APPLIER_REASON_LEN];
	const char *name;
	json_t *pe;
	size_t i;
	int revoke, rc;

	json_array_foreach(members, i, m)
	{
		name = json_string_value(json_object_get(m, "name"));
		if (name == NULL)
			continue;
		if (rows->add_member(db, name,
			json_string_value(json_object_get(m, "vkey")),
			idx) == -1)
			return -1;
	}
	/* No rule in a genesis entry (older centers): all members. */
	rule = json_object_get(e, "rule");
	if (rule != NULL && member_rule_from_json(rule, &r) == -1)
		return refuse(rows, db, idx, "genesis",
		    "/rule: not a ruling "
		    "rule");
	if (set_center(rows, db, "rule", member_rule_json(&r),
		JSON_COMPACT | JSON_SORT_KEYS) == -1)
		return -1;
	parties = json_object_get(e, "parties");
	if (set_center(rows, db, "parties",
		parties ? json_incref((json_t *)parties) : json_array(),
		JSON_COMPACT) == -1)
		return -1;
	json_array_foreach(principals, i, m)
	{
		pe = json_deep_copy(m);
		json_object_set_new(pe, "action", json_string("add"));
		rc = principal_from_entry(pe, &p, &revoke, hash, why,
		    sizeof(why));
		json_decref(pe);
		if (rc == -1)
			return refuse(rows, db, idx, "genesis",
			    "/principals/%zu%s", i, why);
		if (rows->insert_principal(db, idx, &p, hash) == -1)
			return -1;
	}
	return 0;
}

static int
member_json(void *ctx, const char *name, const char *vkey)
{
	return json_array_append_new(ctx,
	    json_pack("{s:s,s:s}", "name", name, "vkey", vkey));
}

int
applier_member(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	const char *note = json_string_value(json_object_get(e, "note"));
	struct member_change c;
	char why[APPLIER_REASON_LEN];
	json_t *list;
	int used, rc;

	if (note == NULL)
		return refuse(rows, db, idx, "member", "/note: missing");
	if (member_change_read(note, strlen(note), &c, why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "member", "%s", why);
	if ((list = json_array()) == NULL ||
	    (used = rows->key_used(db, c.vkey)) == -1 ||
	    rows->members(db, member_json, list) == -1) {
		json_decref(list);
		return -1;
	}
	/* member_change_check reads the members as [{"name","vkey"}]. */
	rc = member_change_check(note, strlen(note), &c, list, used, why,
	    sizeof(why));
	json_decref(list);
	if (rc == -1)
		return refuse(rows, db, idx, "member", "%s", why);
	return rows->set_member_key(db, c.member, c.vkey, idx);
}

int
applier_evidence(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	struct evidence_entry ev;
	char why[APPLIER_REASON_LEN], hex[65];
	int64_t known_size;
	int found;

	if (evidence_entry_read(e, &ev, why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "evidence", "%s", why);
	sodium_bin2hex(hex, sizeof(hex), ev.sha256, sizeof(ev.sha256));
	if ((found = rows->find_evidence(db, hex, &known_size)) == -1)
		return -1;
	if (!ev.upload && !found)
		return refuse(rows, db, idx, "evidence",
		    "/sha256: no such "
		    "evidence");
	if (ev.upload && !found) {
		if (ev.media_type == NULL || ev.size < 0)
			return refuse(rows, db, idx, "evidence",
			    "/media_type, "
			    "/size: required for an upload");
		if (rows->insert_evidence(db, ev.sha256, ev.size, ev.media_type,
			idx) == -1)
			return -1;
	}
	return rows->add_custody(db, idx, ev.sha256, ev.action, ev.by,
	    ev.at_ms);
}

int
applier_state(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	const char *id, *dup, *tier_name;
	enum workflow_state from, to;
	int64_t tier, cur_tier;
	char why[APPLIER_REASON_LEN];
	int exists;

	if (workflow_read_move(e, &id, &to, &dup, &tier, why, sizeof(why)) ==
	    -1)
		return refuse(rows, db, idx, "incident_state", "%s", why);
	if ((exists = need_incident(rows, db, idx, "incident_state",
		 "/incident", id)) != 1)
		return exists;
	if (rows->get_state(db, id, &from, &cur_tier) == -1)
		return -1;
	/* The writer checked the configured tiers; here: one step up. */
	if (workflow_check_move(from, to, cur_tier, WORKFLOW_MAX_TIERS, id, dup,
		why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "incident_state", "%s", why);
	if (to == WORKFLOW_ESCALATED && tier != cur_tier + 1)
		return refuse(rows, db, idx, "incident_state",
		    "/tier: %lld is "
		    "not the next tier (%lld)",
		    (long long)tier, (long long)cur_tier + 1);
	if (dup != NULL &&
	    (exists = need_incident(rows, db, idx, "incident_state",
		 "/duplicate_of", dup)) != 1)
		return exists;
	tier_name = json_string_value(json_object_get(e, "tier_name"));
	return rows->set_state(db, id, idx,
	    json_integer_value(json_object_get(e, "at_ms")), from, to,
	    to == WORKFLOW_ESCALATED ? tier : cur_tier, tier_name, dup);
}

/* The views a ruling weighs, gathered from latest_views. */
struct views {
	struct workflow_view v[APPLIER_MAX_VIEWS];
	char members[APPLIER_MAX_VIEWS][MEMBER_NAME_LEN];
	char attrs[APPLIER_MAX_VIEWS][MEMBER_NAME_LEN];
	size_t n;
};

static int
add_view(void *arg, const char *member, const char *verdict,
    const char *attribution)
{
	struct views *w = arg;

	if (w->n >= APPLIER_MAX_VIEWS)
		return 1;
	snprintf(w->members[w->n], sizeof(w->members[w->n]), "%s", member);
	snprintf(w->attrs[w->n], sizeof(w->attrs[w->n]), "%s",
	    attribution ? attribution : "");
	w->v[w->n].member = w->members[w->n];
	w->v[w->n].attribution = w->attrs[w->n];
	if (workflow_verdict_parse(verdict, &w->v[w->n].verdict) == 0)
		w->n++;
	return 0;
}

int
applier_rule_on(const struct applier_rows *rows, void *db, const char *id,
    enum workflow_state *out)
{
	struct member_rule rule = { 0, 0 };
	struct views w;
	size_t nmembers = 0;

	w.n = 0;
	if (rows->rule(db, &rule, &nmembers) == -1 ||
	    rows->latest_views(db, id, add_view, &w) == -1)
		return -1;
	*out = workflow_ruling(&rule, nmembers, w.v, w.n);
	return 0;
}

int
applier_assessment(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	const char *note = json_string_value(json_object_get(e, "note"));
	const char *by = json_string_value(json_object_get(e, "by"));
	int64_t at = json_integer_value(json_object_get(e, "at_ms")), tier;
	char why[APPLIER_REASON_LEN], vkey[NOTE_VKEY_MAX];
	const char *keys[1];
	struct assessment a;
	enum workflow_state state, ruling;
	int64_t last = 0;
	int r;

	if (note == NULL || by == NULL)
		return refuse(rows, db, idx, "assessment",
		    "/note, /by: "
		    "required");
	if (assessment_read(note, strlen(note), &a, why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "assessment", "%s", why);
	if ((r = need_incident(rows, db, idx, "assessment", "/incident",
		 a.incident)) != 1)
		return r;
	if ((r = rows->member_vkey(db, a.member, vkey, sizeof(vkey))) != 1)
		return r == 0 ? refuse(rows, db, idx, "assessment",
				    "/member: "
				    "%s is not a member",
				    a.member)
			      : -1;
	keys[0] = vkey;
	if (member_note_verify(note, strlen(note), keys, 1, why, sizeof(why)) ==
	    -1)
		return refuse(rows, db, idx, "assessment", "%s", why);
	if (rows->last_revision(db, a.incident, a.member, &last) == -1)
		return -1;
	if (a.revision != last + 1)
		return refuse(rows, db, idx, "assessment",
		    "/revision: %s's "
		    "revision %lld of %s is %s; the next is %lld",
		    a.member, (long long)a.revision, a.incident,
		    a.revision <= last ? "recorded already (a replay)"
				       : "not the next",
		    (long long)last + 1);
	if (rows->get_state(db, a.incident, &state, &tier) == -1)
		return -1;
	if (!workflow_accepts_assessment(state))
		return refuse(rows, db, idx, "assessment",
		    "the incident is "
		    "%s: assessments are recorded before a ruling",
		    workflow_state_name(state));
	if (rows->insert_assessment(db, idx, &a, by, at, note) == -1 ||
	    rows->add_event(db, a.incident, idx, "assessment") == -1)
		return -1;
	/* The first assessment moves the incident to awaiting_assessment. */
	if (state != WORKFLOW_AWAITING_ASSESSMENT) {
		if (rows->set_state(db, a.incident, idx, at, state,
			WORKFLOW_AWAITING_ASSESSMENT, tier, NULL, NULL) == -1)
			return -1;
		state = WORKFLOW_AWAITING_ASSESSMENT;
	}
	if (applier_rule_on(rows, db, a.incident, &ruling) == -1)
		return -1;
	if (ruling != WORKFLOW_AWAITING_ASSESSMENT)
		return rows->set_state(db, a.incident, idx, at, state, ruling,
		    tier, NULL, NULL);
	return 0;
}

int
applier_task(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	const char *action = json_string_value(json_object_get(e, "action"));
	const char *by = json_string_value(json_object_get(e, "by"));
	int64_t task = json_integer_value(json_object_get(e, "task"));
	char why[APPLIER_REASON_LEN], inc[WORKFLOW_ID_LEN];
	struct applier_task t;
	int r, open = 0;

	if (workflow_check_task(e, why, sizeof(why)) == -1 || by == NULL)
		return refuse(rows, db, idx, "task", "%s",
		    by ? why : "/by: required");
	if (strcmp(action, "assign") == 0) {
		t.incident = json_string_value(json_object_get(e, "incident"));
		t.unit = json_string_value(json_object_get(e, "unit"));
		t.kind = json_string_value(json_object_get(e, "kind"));
		t.description =
		    json_string_value(json_object_get(e, "description"));
		t.by = by;
		t.due_ms = json_integer_value(json_object_get(e, "due_ms"));
		t.at_ms = json_integer_value(json_object_get(e, "at_ms"));
		if ((r = need_incident(rows, db, idx, "task", "/incident",
			 t.incident)) != 1)
			return r;
		if (rows->insert_task(db, idx, &t) == -1)
			return -1;
		return rows->add_event(db, t.incident, idx, "task");
	}
	if ((r = rows->find_task(db, task, inc, sizeof(inc), &open)) != 1)
		return r == 0 ? refuse(rows, db, idx, "task",
				    "/task: no task "
				    "was assigned at index %lld",
				    (long long)task)
			      : -1;
	if (!open)
		return refuse(rows, db, idx, "task",
		    "/task: task %lld is done "
		    "already",
		    (long long)task);
	if (rows->finish_task(db, task, idx, by,
		json_string_value(json_object_get(e, "note"))) == -1)
		return -1;
	return rows->add_event(db, inc, idx, "task_done");
}

int
applier_release(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	const char *id = json_string_value(json_object_get(e, "incident"));
	const char *party = json_string_value(json_object_get(e, "party"));
	char why[APPLIER_REASON_LEN];
	int r;

	if (workflow_check_release(e, why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "release", "%s", why);
	if ((r = need_incident(rows, db, idx, "release", "/incident", id)) != 1)
		return r;
	if (rows->insert_release(db, id, party, idx) == -1)
		return -1;
	return rows->add_event(db, id, idx, "release");
}

/* ---- products: reports and members' signatures of them ---------------- */

/*
 * Checks one note of report entry idx: readable, about report `report`
 * (NULL: any), by a member whose current key signed it, that member's
 * first — or, in a release (known not NULL), that very note recorded
 * already (*known = 1). 0 with *s, 1 refused (why), -1 error.
 */
static int
check_note(const struct applier_rows *rows, void *db, const char *note,
    const char *report, struct reportentry_signature *s, int *known, char *why,
    size_t whylen)
{
	const char *keys[1];
	/* rerr leaves room for its prefix in a reason (APPLIER_REASON_LEN). */
	char vkey[NOTE_VKEY_MAX], err[256], rerr[APPLIER_REASON_LEN - 24];
	int64_t x;
	int r;

	if (reportentry_signature_read(note, strlen(note), s, rerr,
		sizeof(rerr)) == -1) {
		snprintf(why, whylen, "a signature note: %s", rerr);
		return 1;
	}
	if (report != NULL && strcmp(s->report, report) != 0) {
		snprintf(why, whylen,
		    "/report: the note signs %.16s…, not %.16s…", s->report,
		    report);
		return 1;
	}
	if ((r = rows->member_vkey(db, s->member, vkey, sizeof(vkey))) == -1)
		return -1;
	if (r == 0) {
		snprintf(why, whylen,
		    "/member: %s is not a member of this center", s->member);
		return 1;
	}
	keys[0] = vkey;
	if (member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    -1) {
		snprintf(why, whylen, "%s", err);
		return 1;
	}
	if (known != NULL &&
	    (r = rows->find_signature(db, s->report, s->member, note, &x)) !=
		0) {
		*known = 1;
		return r == 1 ? 0 : -1;
	}
	if ((r = rows->find_signature(db, s->report, s->member, NULL, &x)) !=
	    0) {
		if (r == 1)
			snprintf(why, whylen,
			    "%s has signed or refused report %.16s… already, "
			    "at log index %lld (a replay)",
			    s->member, s->report, (long long)x);
		return r == 1 ? 1 : -1;
	}
	return 0;
}

/* After signatures of report id at idx: released, refused, or as is. */
static int
settle_report(const struct applier_rows *rows, void *db, int64_t idx,
    const char *id)
{
	struct member_rule rule = { 0, 0 };
	size_t nmembers = 0;
	int64_t need, signs, refusals;

	if (rows->rule(db, &rule, &nmembers) == -1 ||
	    rows->count_signatures(db, id, 0, &signs) == -1 ||
	    rows->count_signatures(db, id, 1, &refusals) == -1)
		return -1;
	need = member_rule_needed(&rule, (int64_t)nmembers);
	if (signs >= need)
		return rows->settle_report(db, id, "released", idx);
	if ((int64_t)nmembers - refusals < need)
		return rows->settle_report(db, id, "refused", idx);
	return 0;
}

static int
report_draft(const struct applier_rows *rows, void *db, int64_t idx,
    const struct reportentry *e, char *why, size_t whylen)
{
	char state[32], number[REPORT_NUMBER_LEN];
	int64_t x;
	int r;

	if ((r = rows->find_report(db, e->report, &x, state, sizeof(state),
		 number, sizeof(number))) != 0) {
		if (r == 1)
			snprintf(why, whylen,
			    "report %.16s… was drafted already, at log index "
			    "%lld",
			    e->report, (long long)x);
		return r;
	}
	if (rows->supersede_drafts(db, idx, e->kind, e->subject) == -1)
		return -1;
	return rows->insert_report(db, idx, e);
}

/* Signatures of entry idx: notes[0..n-1], all about one report. */
static int
report_notes(const struct applier_rows *rows, void *db, int64_t idx,
    const struct reportentry *e, char *why, size_t whylen)
{
	struct reportentry_signature s[REPORTENTRY_MAX_NOTES];
	int known[REPORTENTRY_MAX_NOTES] = { 0 };
	char state[32], number[REPORT_NUMBER_LEN];
	const char *report = e->report;
	int64_t x;
	size_t i, j;
	int r;

	for (i = 0; i < e->nnotes; i++) {
		if ((r = check_note(rows, db, e->notes[i], report, &s[i],
			 e->action == REPORTENTRY_RELEASE ? &known[i] : NULL,
			 why, whylen)) != 0)
			return r;
		report = s[i].report;
		for (j = 0; j < i; j++)
			if (strcmp(s[j].member, s[i].member) == 0) {
				snprintf(why, whylen,
				    "/notes/%zu: %s signs twice", i,
				    s[i].member);
				return 1;
			}
	}
	if ((r = rows->find_report(db, report, &x, state, sizeof(state), number,
		 sizeof(number))) != 1) {
		if (r == 0)
			snprintf(why, whylen, "no report %.16s… was drafted",
			    report);
		return r == 0 ? 1 : -1;
	}
	if (strcmp(state, "draft") != 0 && strcmp(state, "released") != 0) {
		snprintf(why, whylen,
		    "report %.16s… is %s: it takes no signatures", report,
		    state);
		return 1;
	}
	for (i = 0; i < e->nnotes; i++) {
		if (strcmp(s[i].number, number) != 0) {
			snprintf(why, whylen,
			    "/number: the note signs \"%s\", the report is "
			    "\"%s\"",
			    s[i].number, number);
			return 1;
		}
	}
	for (i = 0; i < e->nnotes; i++)
		if (!known[i] &&
		    rows->insert_signature(db, idx, &s[i], e->notes[i]) == -1)
			return -1;
	return settle_report(rows, db, idx, report);
}

int
applier_report(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *entry)
{
	struct reportentry e;
	char why[APPLIER_REASON_LEN];
	int r;

	if (rows->report_entry(db, idx) == -1)
		return -1;
	if (reportentry_read(entry, &e, why, sizeof(why)) == -1)
		r = 1;
	else if (e.action == REPORTENTRY_DRAFT)
		r = report_draft(rows, db, idx, &e, why, sizeof(why));
	else
		r = report_notes(rows, db, idx, &e, why, sizeof(why));
	return r == 1 ? refuse(rows, db, idx, "report", "%s", why) : r;
}

int
applier_source_status(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	struct source_status_entry st;
	char why[APPLIER_REASON_LEN];

	if (source_status_read(e, &st, why, sizeof(why)) == -1)
		return refuse(rows, db, idx, "source_status", "%s", why);
	return rows->insert_source_status(db, idx, &st);
}

/*
 * An alert rule's "add" or "disable" entry: the rules and their state, as
 * the event engine builds them from the log (alert/events.c): an add entry
 * it would not parse, or a disable of no rule, changes nothing.
 */
static int
applier_alert_rule(const struct applier_rows *rows, void *db, int64_t idx,
    const json_t *e)
{
	struct alert_rule r;
	const char *by = json_string_value(json_object_get(e, "by"));
	int64_t id;
	char *text;
	int rc;

	if (by == NULL)
		by = "";
	if (alert_rule_parse(e, idx, &r) == 0) {
		if ((text = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS)) ==
		    NULL)
			return -1;
		rc = rows->insert_alert_rule(db, idx, by,
		    json_integer_value(json_object_get(e, "at_ms")), text);
		free(text);
		return rc;
	}
	if (alert_rule_parse_disable(e, &id) == 0)
		return rows->disable_alert_rule(db, id, idx, by);
	return 0;
}

int
applier_owns(enum entry_type t)
{
	switch (t) {
	case ENTRY_GENESIS:
	case ENTRY_PRINCIPAL:
	case ENTRY_MEMBER:
	case ENTRY_EVIDENCE:
	case ENTRY_INCIDENT_STATE:
	case ENTRY_ASSESSMENT:
	case ENTRY_TASK:
	case ENTRY_RELEASE:
	case ENTRY_SOURCE_STATUS:
	case ENTRY_ALERT_RULE:
	case ENTRY_REPORT: return 1;
	default: return 0;
	}
}

int
applier_apply(const struct applier_rows *rows, void *db, int64_t idx,
    enum entry_type t, const json_t *entry)
{
	switch (t) {
	case ENTRY_GENESIS: return applier_genesis(rows, db, idx, entry);
	case ENTRY_PRINCIPAL: return applier_principal(rows, db, idx, entry);
	case ENTRY_MEMBER: return applier_member(rows, db, idx, entry);
	case ENTRY_EVIDENCE: return applier_evidence(rows, db, idx, entry);
	case ENTRY_INCIDENT_STATE: return applier_state(rows, db, idx, entry);
	case ENTRY_ASSESSMENT: return applier_assessment(rows, db, idx, entry);
	case ENTRY_TASK: return applier_task(rows, db, idx, entry);
	case ENTRY_RELEASE: return applier_release(rows, db, idx, entry);
	case ENTRY_SOURCE_STATUS:
		return applier_source_status(rows, db, idx, entry);
	case ENTRY_REPORT: return applier_report(rows, db, idx, entry);
	case ENTRY_ALERT_RULE: return applier_alert_rule(rows, db, idx, entry);
	default: return -1;
	}
}
