/*
 * Unit test of store/applier: the joint-verification rules against an
 * in-memory implementation of its rows (no SQL), so that the rules are
 * held apart from any backend — genesis, principals added and revoked
 * (names and tokens never reused), evidence custody, a key change without
 * its note, state moves and their refusals, signed
 * assessments (forged, wrong key, not a member, replayed, after a ruling),
 * rulings under "2 of 3" and "all" (a dispute), tasks and releases, the
 * one "no incident" message every workflow entry shares, reports (drafts,
 * members' signatures and refusals, releases), and a failing
 * row operation that must surface as -1 without a refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "record/canon.h"
#include "record/source_status.h"
#include "report/reportentry.h"
#include "store/applier.h"
#include "tlog/note.h"
#include "verify/assessment.h"
#include "verify/member.h"
#include "verify/principal.h"
#include "verify/workflow.h"
#include "tap.h"

#define MAXROWS 64
#define A "inc-0123456789abcdef01234567"
#define B "inc-89abcdef0123456789abcdef"
#define NOPE "inc-000000000000000000000009"

/* The rows, as a backend would keep them. */
struct mem {
	const char *incidents[4];
	struct {
		char incident[WORKFLOW_ID_LEN];
		enum workflow_state state;
		int64_t tier;
	} states[MAXROWS];
	size_t nstates;
	struct {
		char incident[WORKFLOW_ID_LEN], kind[16];
		int64_t idx;
	} events[MAXROWS];
	size_t nevents;
	struct {
		const char *name;
		char vkey[NOTE_VKEY_MAX];
	} members[3];
	size_t nmembers;
	struct member_rule rule;
	struct {
		struct assessment a;
		int64_t idx;
	} assessments[MAXROWS];
	size_t nassessments;
	struct {
		char incident[WORKFLOW_ID_LEN];
		int64_t idx;
		int open;
	} tasks[MAXROWS];
	size_t ntasks;
	size_t nreleases;
	struct {
		int64_t idx;
		char reason[APPLIER_REASON_LEN];
	} refusals[MAXROWS];
	size_t nrefusals;
	struct {
		char unit[64], status[16], reason[64];
		int64_t idx, from_ms, to_ms;
	} statuses[MAXROWS];
	size_t nstatuses;
	struct {
		struct principal p;
		uint8_t hash[32];
		int active;
	} principals[MAXROWS];
	size_t nprincipals;
	char genesis_members[4][16];
	size_t ngenesis_members;
	char rule_text[64], parties[64];
	struct {
		uint8_t sha[32];
		int64_t size;
	} evidence[MAXROWS];
	size_t nevidence, ncustody;
	struct {
		char id[REPORT_ID_LEN + 1], state[16], number[64];
		char kind[64], subject[64];
		int64_t idx, state_idx;
	} reports[8];
	size_t nreports, nreport_entries;
	struct {
		char report[REPORT_ID_LEN + 1], member[MEMBER_NAME_LEN];
		char note[1024];
		int64_t idx;
		int refuse;
	} signatures[MAXROWS];
	size_t nsignatures;
	int fail_writes; /* every write fails (a full disk) */
};

static int
m_incident_exists(void *db, const char *id)
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < 4 && m->incidents[i] != NULL; i++)
		if (strcmp(m->incidents[i], id) == 0)
			return 1;
	return 0;
}

static int
m_get_state(void *db, const char *id, enum workflow_state *state, int64_t *tier)
{
	struct mem *m = db;
	size_t i;

	*state = WORKFLOW_RECEIVED;
	*tier = 0;
	for (i = 0; i < m->nstates; i++)
		if (strcmp(m->states[i].incident, id) == 0) {
			*state = m->states[i].state;
			*tier = m->states[i].tier;
		}
	return 0;
}

static int
m_add_event(void *db, const char *id, int64_t idx, const char *kind)
{
	struct mem *m = db;

	if (m->fail_writes || m->nevents == MAXROWS)
		return -1;
	snprintf(m->events[m->nevents].incident, WORKFLOW_ID_LEN, "%s", id);
	snprintf(m->events[m->nevents].kind, 16, "%s", kind);
	m->events[m->nevents++].idx = idx;
	return 0;
}

static int
m_set_state(void *db, const char *id, int64_t idx, int64_t at_ms,
    enum workflow_state from, enum workflow_state to, int64_t tier,
    const char *tier_name, const char *duplicate_of)
{
	struct mem *m = db;

	(void)at_ms, (void)from, (void)tier_name, (void)duplicate_of;
	if (m->fail_writes || m->nstates == MAXROWS)
		return -1;
	snprintf(m->states[m->nstates].incident, WORKFLOW_ID_LEN, "%s", id);
	m->states[m->nstates].state = to;
	m->states[m->nstates++].tier = tier;
	return m_add_event(db, id, idx, "state");
}

static int
m_member_vkey(void *db, const char *member, char *vkey, size_t len)
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < m->nmembers; i++)
		if (strcmp(m->members[i].name, member) == 0) {
			snprintf(vkey, len, "%s", m->members[i].vkey);
			return 1;
		}
	return 0;
}

static int
m_rule(void *db, struct member_rule *rule, size_t *nmembers)
{
	struct mem *m = db;

	*rule = m->rule;
	*nmembers = m->nmembers;
	return 0;
}

/* Each member's latest, in member order (members are kept sorted). */
static int
m_latest_views(void *db, const char *incident, applier_view_fn fn, void *arg)
{
	struct mem *m = db;
	const struct assessment *last;
	size_t i, k;

	for (k = 0; k < m->nmembers; k++) {
		last = NULL;
		for (i = 0; i < m->nassessments; i++)
			if (strcmp(m->assessments[i].a.incident, incident) ==
				0 &&
			    strcmp(m->assessments[i].a.member,
				m->members[k].name) == 0)
				last = &m->assessments[i].a;
		if (last != NULL &&
		    fn(arg, last->member, workflow_verdict_name(last->verdict),
			last->attribution) != 0)
			break;
	}
	return 0;
}

static int
m_last_revision(void *db, const char *incident, const char *member,
    int64_t *last)
{
	struct mem *m = db;
	size_t i;

	*last = 0;
	for (i = 0; i < m->nassessments; i++)
		if (strcmp(m->assessments[i].a.incident, incident) == 0 &&
		    strcmp(m->assessments[i].a.member, member) == 0 &&
		    m->assessments[i].a.revision > *last)
			*last = m->assessments[i].a.revision;
	return 0;
}

static int
m_insert_assessment(void *db, int64_t idx, const struct assessment *a,
    const char *by, int64_t at_ms, const char *note)
{
	struct mem *m = db;

	(void)by, (void)at_ms, (void)note;
	if (m->fail_writes || m->nassessments == MAXROWS)
		return -1;
	m->assessments[m->nassessments].a = *a;
	m->assessments[m->nassessments++].idx = idx;
	return 0;
}

static int
m_insert_task(void *db, int64_t idx, const struct applier_task *t)
{
	struct mem *m = db;

	if (m->fail_writes || m->ntasks == MAXROWS)
		return -1;
	snprintf(m->tasks[m->ntasks].incident, WORKFLOW_ID_LEN, "%s",
	    t->incident);
	m->tasks[m->ntasks].idx = idx;
	m->tasks[m->ntasks++].open = 1;
	return 0;
}

static int
m_find_task(void *db, int64_t task, char *incident, size_t len, int *open)
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < m->ntasks; i++)
		if (m->tasks[i].idx == task) {
			snprintf(incident, len, "%s", m->tasks[i].incident);
			*open = m->tasks[i].open;
			return 1;
		}
	return 0;
}

static int
m_finish_task(void *db, int64_t task, int64_t idx, const char *by,
    const char *note)
{
	struct mem *m = db;
	size_t i;

	(void)idx, (void)by, (void)note;
	if (m->fail_writes)
		return -1;
	for (i = 0; i < m->ntasks; i++)
		if (m->tasks[i].idx == task)
			m->tasks[i].open = 0;
	return 0;
}

static int
m_insert_release(void *db, const char *id, const char *party, int64_t idx)
{
	struct mem *m = db;

	(void)id, (void)party, (void)idx;
	if (m->fail_writes)
		return -1;
	m->nreleases++;
	return 0;
}

static int
m_find_principal(void *db, const char *name, struct principal *p)
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < m->nprincipals; i++)
		if (m->principals[i].active &&
		    strcmp(m->principals[i].p.name, name) == 0) {
			*p = m->principals[i].p;
			return 1;
		}
	return 0;
}

static int
m_token_known(void *db, const uint8_t hash[32])
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < m->nprincipals; i++)
		if (memcmp(m->principals[i].hash, hash, 32) == 0)
			return 1;
	return 0;
}

static int
m_insert_principal(void *db, int64_t idx, const struct principal *p,
    const uint8_t hash[32])
{
	struct mem *m = db;

	(void)idx;
	if (m->fail_writes || m->nprincipals == MAXROWS)
		return -1;
	m->principals[m->nprincipals].p = *p;
	memcpy(m->principals[m->nprincipals].hash, hash, 32);
	m->principals[m->nprincipals++].active = 1;
	return 0;
}

static int
m_revoke_principal(void *db, const char *name, int64_t idx)
{
	struct mem *m = db;
	size_t i;

	(void)idx;
	if (m->fail_writes)
		return -1;
	for (i = 0; i < m->nprincipals; i++)
		if (strcmp(m->principals[i].p.name, name) == 0)
			m->principals[i].active = 0;
	return 0;
}

static int
m_add_member(void *db, const char *name, const char *vkey, int64_t idx)
{
	struct mem *m = db;

	(void)vkey, (void)idx;
	if (m->fail_writes || m->ngenesis_members == 4)
		return -1;
	snprintf(m->genesis_members[m->ngenesis_members++], 16, "%s", name);
	return 0;
}

static int
m_set_center(void *db, const char *key, const char *text)
{
	struct mem *m = db;

	if (m->fail_writes)
		return -1;
	if (strcmp(key, "rule") == 0)
		snprintf(m->rule_text, sizeof(m->rule_text), "%s", text);
	else
		snprintf(m->parties, sizeof(m->parties), "%s", text);
	return 0;
}

static int
m_find_evidence(void *db, const char *sha256_hex, int64_t *size)
{
	struct mem *m = db;
	uint8_t sha[32];
	size_t i;

	sodium_hex2bin(sha, 32, sha256_hex, 64, NULL, NULL, NULL);
	for (i = 0; i < m->nevidence; i++)
		if (memcmp(m->evidence[i].sha, sha, 32) == 0) {
			*size = m->evidence[i].size;
			return 1;
		}
	return 0;
}

static int
m_insert_evidence(void *db, const uint8_t sha256[32], int64_t size,
    const char *media_type, int64_t idx)
{
	struct mem *m = db;

	(void)media_type, (void)idx;
	if (m->fail_writes || m->nevidence == MAXROWS)
		return -1;
	memcpy(m->evidence[m->nevidence].sha, sha256, 32);
	m->evidence[m->nevidence++].size = size;
	return 0;
}

static int
m_add_custody(void *db, int64_t idx, const uint8_t sha256[32],
    const char *action, const char *by, int64_t at_ms)
{
	struct mem *m = db;

	(void)idx, (void)sha256, (void)action, (void)by, (void)at_ms;
	if (m->fail_writes)
		return -1;
	m->ncustody++;
	return 0;
}

static int
m_insert_source_status(void *db, int64_t idx,
    const struct source_status_entry *st)
{
	struct mem *m = db;

	if (m->fail_writes || m->nstatuses == MAXROWS)
		return -1;
	snprintf(m->statuses[m->nstatuses].unit, 64, "%s", st->unit);
	snprintf(m->statuses[m->nstatuses].status, 16, "%s",
	    source_status_name(st->status));
	snprintf(m->statuses[m->nstatuses].reason, 64, "%s", st->reason);
	m->statuses[m->nstatuses].idx = idx;
	m->statuses[m->nstatuses].from_ms = st->from_ms;
	m->statuses[m->nstatuses++].to_ms = st->to_ms;
	return 0;
}

static int
m_refused(void *db, int64_t idx, const char *type, const char *reason)
{
	struct mem *m = db;

	(void)type;
	if (m->fail_writes || m->nrefusals == MAXROWS)
		return -1;
	m->refusals[m->nrefusals].idx = idx;
	snprintf(m->refusals[m->nrefusals++].reason, APPLIER_REASON_LEN, "%s",
	    reason);
	return 0;
}

static int
m_report_entry(void *db, int64_t idx)
{
	struct mem *m = db;

	(void)idx;
	if (m->fail_writes)
		return -1;
	m->nreport_entries++;
	return 0;
}

static int
m_find_report(void *db, const char *id, int64_t *idx, char *state, size_t len,
    char *number, size_t nlen)
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < m->nreports; i++)
		if (strcmp(m->reports[i].id, id) == 0) {
			*idx = m->reports[i].idx;
			snprintf(state, len, "%s", m->reports[i].state);
			snprintf(number, nlen, "%s", m->reports[i].number);
			return 1;
		}
	return 0;
}

static int
m_supersede_drafts(void *db, int64_t idx, const char *kind, const char *subject)
{
	struct mem *m = db;
	size_t i;

	if (m->fail_writes)
		return -1;
	for (i = 0; i < m->nreports; i++)
		if (strcmp(m->reports[i].kind, kind) == 0 &&
		    strcmp(m->reports[i].subject, subject) == 0 &&
		    strcmp(m->reports[i].state, "draft") == 0) {
			snprintf(m->reports[i].state,
			    sizeof(m->reports[i].state), "superseded");
			m->reports[i].state_idx = idx;
		}
	return 0;
}

static int
m_insert_report(void *db, int64_t idx, const struct reportentry *e)
{
	struct mem *m = db;

	if (m->fail_writes || m->nreports == 8)
		return -1;
	snprintf(m->reports[m->nreports].id, sizeof(m->reports[0].id), "%s",
	    e->report);
	snprintf(m->reports[m->nreports].state, sizeof(m->reports[0].state),
	    "draft");
	snprintf(m->reports[m->nreports].number, sizeof(m->reports[0].number),
	    "%s", e->number);
	snprintf(m->reports[m->nreports].kind, sizeof(m->reports[0].kind), "%s",
	    e->kind);
	snprintf(m->reports[m->nreports].subject, sizeof(m->reports[0].subject),
	    "%s", e->subject);
	m->reports[m->nreports].idx = m->reports[m->nreports].state_idx = idx;
	m->nreports++;
	return 0;
}

static int
m_find_signature(void *db, const char *report, const char *member,
    const char *note, int64_t *idx)
{
	struct mem *m = db;
	size_t i;

	for (i = 0; i < m->nsignatures; i++)
		if (strcmp(m->signatures[i].report, report) == 0 &&
		    strcmp(m->signatures[i].member, member) == 0 &&
		    (note == NULL ||
			strcmp(m->signatures[i].note, note) == 0)) {
			*idx = m->signatures[i].idx;
			return 1;
		}
	return 0;
}

static int
m_insert_signature(void *db, int64_t idx, const struct reportentry_signature *s,
    const char *note)
{
	struct mem *m = db;

	if (m->fail_writes || m->nsignatures == MAXROWS)
		return -1;
	snprintf(m->signatures[m->nsignatures].report,
	    sizeof(m->signatures[0].report), "%s", s->report);
	snprintf(m->signatures[m->nsignatures].member,
	    sizeof(m->signatures[0].member), "%s", s->member);
	snprintf(m->signatures[m->nsignatures].note,
	    sizeof(m->signatures[0].note), "%s", note);
	m->signatures[m->nsignatures].idx = idx;
	m->signatures[m->nsignatures++].refuse = s->refuse;
	return 0;
}

static int
m_count_signatures(void *db, const char *report, int refusals, int64_t *n)
{
	struct mem *m = db;
	size_t i;

	*n = 0;
	for (i = 0; i < m->nsignatures; i++)
		if (strcmp(m->signatures[i].report, report) == 0 &&
		    m->signatures[i].refuse == refusals)
			(*n)++;
	return 0;
}

static int
m_settle_report(void *db, const char *report, const char *state, int64_t idx)
{
	struct mem *m = db;
	size_t i;

	if (m->fail_writes)
		return -1;
	for (i = 0; i < m->nreports; i++)
		if (strcmp(m->reports[i].id, report) == 0 &&
		    strcmp(m->reports[i].state, "draft") == 0) {
			snprintf(m->reports[i].state,
			    sizeof(m->reports[i].state), "%s", state);
			m->reports[i].state_idx = idx;
		}
	return 0;
}

static const struct applier_rows rows = {
	.incident_exists = m_incident_exists,
	.get_state = m_get_state,
	.set_state = m_set_state,
	.add_event = m_add_event,
	.member_vkey = m_member_vkey,
	.rule = m_rule,
	.latest_views = m_latest_views,
	.last_revision = m_last_revision,
	.insert_assessment = m_insert_assessment,
	.insert_task = m_insert_task,
	.find_task = m_find_task,
	.finish_task = m_finish_task,
	.insert_release = m_insert_release,
	.find_principal = m_find_principal,
	.token_known = m_token_known,
	.insert_principal = m_insert_principal,
	.revoke_principal = m_revoke_principal,
	.add_member = m_add_member,
	.set_center = m_set_center,
	.find_evidence = m_find_evidence,
	.insert_evidence = m_insert_evidence,
	.add_custody = m_add_custody,
	.insert_source_status = m_insert_source_status,
	.refused = m_refused,
	.report_entry = m_report_entry,
	.find_report = m_find_report,
	.supersede_drafts = m_supersede_drafts,
	.insert_report = m_insert_report,
	.find_signature = m_find_signature,
	.insert_signature = m_insert_signature,
	.count_signatures = m_count_signatures,
	.settle_report = m_settle_report,
};

static struct note_signer *keys[3], *wrong;
static const char *names[3] = { "KZ", "RU", "TR" };

static const char *
state_of(struct mem *m, const char *id)
{
	enum workflow_state s;
	int64_t tier;

	m_get_state(m, id, &s, &tier);
	return workflow_state_name(s);
}

/* 1 if entry idx was refused for a reason containing want. */
static int
refused(struct mem *m, int64_t idx, const char *want)
{
	size_t i;

	for (i = 0; i < m->nrefusals; i++)
		if (m->refusals[i].idx == idx) {
			if (strstr(m->refusals[i].reason, want) != NULL)
				return 1;
			diag("refused for: %s", m->refusals[i].reason);
			return 0;
		}
	diag("entry %lld was not refused", (long long)idx);
	return 0;
}

static json_t *
assessment_entry(struct note_signer *k, const char *incident,
    const char *member, int64_t rev, const char *verdict)
{
	char err[200], *text, *t, *note;
	size_t len, nlen;
	json_t *o, *e;

	o = assessment_new(incident, member, rev, verdict,
	    strcmp(verdict, "violation") == 0 ? "TR" : "unknown", "moderate",
	    "seen from OP-3", NULL, 0, 1800000000000LL, err, sizeof(err));
	if (o == NULL) {
		diag("assessment_new: %s", err);
		return NULL;
	}
	canon_encode(o, &text, &len);
	json_decref(o);
	t = malloc(len + 2);
	memcpy(t, text, len);
	t[len] = '\n';
	t[len + 1] = '\0';
	note_sign(k, (const uint8_t *)t, len + 1, 0, &note, &nlen, err,
	    sizeof(err));
	free(t);
	free(text);
	e = json_pack("{s:s,s:i,s:s,s:s,s:I}", "type", "assessment", "v", 1,
	    "note", note, "by", "asr", "at_ms", (json_int_t)1800000000001LL);
	free(note);
	return e;
}

static json_t *
move(const char *incident, const char *to, const char *dup)
{
	json_t *e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:I}", "type",
	    "incident_state", "v", 1, "incident", incident, "to", to, "reason",
	    "triage", "by", "ana", "at_ms", (json_int_t)1800000000000LL);

	if (dup != NULL)
		json_object_set_new(e, "duplicate_of", json_string(dup));
	return e;
}

/* Applies e (taken) with fn at idx; returns what fn returned. */
static int
apply(int (*fn)(const struct applier_rows *, void *, int64_t, const json_t *),
    struct mem *m, int64_t idx, json_t *e)
{
	int rc = fn(&rows, m, idx, e);

	json_decref(e);
	return rc;
}

#define T1 "1111111111111111111111111111111111111111111111111111111111111111"
#define T2 "2222222222222222222222222222222222222222222222222222222222222222"
#define T3 "3333333333333333333333333333333333333333333333333333333333333333"

static json_t *
principal(const char *token_sha256, const char *name)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:I}", "type",
	    "principal", "v", 1, "action", "add", "name", name, "role",
	    "analyst", "token_sha256", token_sha256, "by", "root", "at_ms",
	    (json_int_t)1800000000000LL);
}

static json_t *
evidence(const char *action, const char *sha256)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:I,s:s,s:I}", "type",
	    "evidence", "v", 1, "action", action, "sha256", sha256, "by",
	    "root", "size", (json_int_t)5, "media_type", "image/png", "at_ms",
	    (json_int_t)1800000000000LL);
}

#define R1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define R2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define R3 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define ROOT "82lxjqpcrp8V9TXCA68NsW6w2WdiBfdl6PMNskik4YQ="

/* A draft entry of report id (a daily report of subject). */
static json_t *
draft(const char *id, const char *subject)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:{s:I,s:I},s:I,s:s,s:s,"
			 "s:s,s:I}",
	    "type", "report", "v", 1, "action", "draft", "report", id, "kind",
	    "daily", "number", "Daily Report 1/2026", "period", "from_ms",
	    (json_int_t)1795102200000LL, "to_ms", (json_int_t)1795188600000LL,
	    "log_size", (json_int_t)5, "root", ROOT, "subject", subject, "by",
	    "ana", "at_ms", (json_int_t)1800000000000LL);
}

/* Member k's signed note (signing, or refusing) of report id; caller
 * frees. */
static char *
report_note(struct note_signer *k, const char *member, const char *id,
    const char *number, int refuse)
{
	char err[200], *text = NULL, *note = NULL;
	size_t len, nlen;

	if (reportentry_signature_text(id, number, member, refuse,
		refuse ? "not what we saw" : NULL, 1800000000000LL, &text, &len,
		err, sizeof(err)) == -1 ||
	    note_sign(k, (const uint8_t *)text, len, 0, &note, &nlen, err,
		sizeof(err)) == -1)
		diag("report note: %s", err);
	free(text);
	return note;
}

/* A sign entry of member k's note. */
static json_t *
sign(struct note_signer *k, const char *member, const char *id, int refuse)
{
	char *note = report_note(k, member, id, "Daily Report 1/2026", refuse);
	json_t *e = reportentry_sign(note, "asr", 1800000000001LL);

	free(note);
	return e;
}

/* The state of report id in m, or "(none)". */
static const char *
report_state(struct mem *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nreports; i++)
		if (strcmp(m->reports[i].id, id) == 0)
			return m->reports[i].state;
	return "(none)";
}

static void
init(struct mem *m, const char *rule)
{
	char err[200];
	size_t k;

	memset(m, 0, sizeof(*m));
	m->incidents[0] = A;
	m->incidents[1] = B;
	for (k = 0; k < 3; k++) {
		m->members[k].name = names[k];
		note_signer_vkey(keys[k], m->members[k].vkey,
		    sizeof(m->members[k].vkey));
	}
	m->nmembers = 3;
	if (member_rule_parse(rule, 3, &m->rule, err, sizeof(err)) == -1)
		diag("rule %s: %s", rule, err);
}

int
main(void)
{
	char err[200];
	struct mem m;
	enum workflow_state ruling;
	json_t *e;
	size_t k, n;

	for (k = 0; k < 3; k++)
		keys[k] = note_signer_generate(names[k], NOTE_KEY_ED25519, err,
		    sizeof(err));
	wrong = note_signer_generate("RU", NOTE_KEY_ED25519, err, sizeof(err));

	/* Genesis, principals. */
	init(&m, "all");
	e = json_pack("{s:s,s:i,s:[{s:s,s:s},{s:s}],s:[s,s],s:[{s:s,s:s,"
		      "s:s}]}",
	    "type", "genesis", "v", 2, "members", "name", "KZ", "vkey",
	    "KZ+00000000+AAAA", "name", "RU", "parties", "AM", "AZ",
	    "principals", "name", "root", "role", "admin", "token_sha256", T1);
	is_int(apply(applier_genesis, &m, 0, e), 0, "a genesis applies");
	ok(m.ngenesis_members == 2 && strcmp(m.genesis_members[1], "RU") == 0,
	    "its members, a key or not");
	is_str(m.rule_text, "{\"kind\":\"all\"}", "no rule: all members");
	is_str(m.parties, "[\"AM\",\"AZ\"]", "its parties");
	ok(m.nprincipals == 1 && strcmp(m.principals[0].p.name, "root") == 0,
	    "its first principal");
	e = json_pack("{s:s,s:i,s:[],s:s}", "type", "genesis", "v", 2,
	    "members", "rule", "most");
	apply(applier_genesis, &m, 1, e);
	ok(refused(&m, 1, "/rule: not a ruling rule"),
	    "a rule it cannot "
	    "read");
	is_int(apply(applier_principal, &m, 2, principal(T2, "ana")), 0,
	    "a principal added");
	apply(applier_principal, &m, 3, principal(T3, "ana"));
	ok(refused(&m, 3, "/name: principal ana exists; revoke it first"),
	    "a name in use");
	apply(applier_principal, &m, 4, principal(T1, "bob"));
	ok(refused(&m, 4, "/token_sha256: this token was issued before"),
	    "a token issued before");
	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "principal", "v", 1,
	    "action", "revoke", "name", "ana", "by", "root", "at_ms",
	    (json_int_t)1800000000000LL);
	is_int(apply(applier_principal, &m, 5, json_deep_copy(e)), 0,
	    "a revocation");
	ok(!m.principals[1].active, "ana is revoked");
	apply(applier_principal, &m, 6, e);
	ok(refused(&m, 6, "/name: no active principal is named ana"),
	    "revoked twice");
	apply(applier_principal, &m, 7, principal(T2, "ana"));
	ok(refused(&m, 7, "this token was issued before"),
	    "a revoked principal's token is never issued again");
	is_int(apply(applier_principal, &m, 8, principal(T3, "ana")), 0,
	    "the name again, with a new token");
	e = json_pack("{s:s,s:i,s:s,s:I}", "type", "member", "v", 1, "by",
	    "root", "at_ms", (json_int_t)1800000000000LL);
	apply(applier_member, &m, 9, e);
	ok(refused(&m, 9, "/note: missing"), "a key change without its note");

	/* Evidence. */
	is_int(apply(applier_evidence, &m, 10, evidence("fetch", T1)), 0,
	    "a fetch of nothing is refused, not an error");
	ok(refused(&m, 10, "/sha256: no such evidence"), "no such evidence");
	is_int(apply(applier_evidence, &m, 11, evidence("upload", T1)), 0,
	    "an upload");
	is_int(apply(applier_evidence, &m, 12, evidence("fetch", T1)), 0,
	    "then a fetch");
	ok(m.nevidence == 1 && m.ncustody == 2, "one item, two custody steps");
	apply(applier_evidence, &m, 13, evidence("fetch", "ABCD"));
	ok(refused(&m, 13, "/sha256: not 64 lower-case hex digits"),
	    "a digest that is not one");
	apply(applier_evidence, &m, 14, evidence("delete", T1));
	ok(refused(&m, 14, "/action: must be upload or fetch"),
	    "an action it does not know");

	/* Moves. */
	init(&m, "2-of-3");
	is_str(state_of(&m, A), "received", "an incident starts received");
	is_int(apply(applier_state, &m, 1,
		   move(A, "under_investigation", NULL)),
	    0, "a move applies");
	is_str(state_of(&m, A), "under_investigation", "and moves it");
	ok(m.nevents == 1 && strcmp(m.events[0].kind, "state") == 0,
	    "with a state step in its trail");
	is_int(apply(applier_state, &m, 2,
		   move(NOPE, "under_investigation", NULL)),
	    0, "a move of no incident is refused, not an error");
	ok(refused(&m, 2, "/incident: no incident " NOPE), "no incident");
	apply(applier_state, &m, 3, move(B, "duplicate", NOPE));
	ok(refused(&m, 3, "/duplicate_of: no incident " NOPE),
	    "a duplicate of no incident");
	apply(applier_state, &m, 4, move(A, "agreed_violation", NULL));
	ok(refused(&m, 4, "rulings follow from the members"),
	    "a ruling is never a move");
	is_str(state_of(&m, A), "under_investigation",
	    "refusals change nothing");

	/* Assessments, rule 2 of 3. */
	n = m.nrefusals;
	is_int(apply(applier_assessment, &m, 5,
		   assessment_entry(keys[0], A, "KZ", 1, "violation")),
	    0, "KZ's assessment applies");
	ok(m.nrefusals == n && m.nassessments == 1, "and is stored");
	is_str(state_of(&m, A), "awaiting_assessment",
	    "one view of three: awaiting the others");
	apply(applier_assessment, &m, 6,
	    assessment_entry(keys[0], A, "KZ", 1, "violation"));
	ok(refused(&m, 6, "recorded already (a replay)"), "a replay");
	apply(applier_assessment, &m, 7,
	    assessment_entry(keys[0], A, "KZ", 3, "violation"));
	ok(refused(&m, 7, "is not the next; the next is 2"),
	    "a revision skipped");
	apply(applier_assessment, &m, 8,
	    assessment_entry(wrong, A, "RU", 1, "violation"));
	ok(refused(&m, 8, "not signed by the registered key of RU"),
	    "RU's name, another key");
	apply(applier_assessment, &m, 9,
	    assessment_entry(keys[1], A, "AM", 1, "violation"));
	ok(refused(&m, 9, "/member: AM is not a member"), "not a member");
	apply(applier_assessment, &m, 10,
	    assessment_entry(keys[1], NOPE, "RU", 1, "violation"));
	ok(refused(&m, 10, "/incident: no incident " NOPE),
	    "the same message for an assessment of no incident");
	e = assessment_entry(keys[1], A, "RU", 1, "violation");
	json_object_del(e, "by");
	apply(applier_assessment, &m, 11, e);
	ok(refused(&m, 11, "/note, /by: required"), "no /by");
	ok(applier_rule_on(&rows, &m, A, &ruling) == 0 &&
		ruling == WORKFLOW_AWAITING_ASSESSMENT,
	    "no ruling yet");
	is_int(apply(applier_assessment, &m, 12,
		   assessment_entry(keys[1], A, "RU", 1, "violation")),
	    0, "RU agrees");
	is_str(state_of(&m, A), "agreed_violation",
	    "two of three agree: a ruling");
	apply(applier_assessment, &m, 13,
	    assessment_entry(keys[2], A, "TR", 1, "no_violation"));
	ok(refused(&m, 13,
	       "the incident is agreed_violation: assessments "
	       "are recorded before a ruling"),
	    "no assessment after a ruling");

	/* Rule "all": three verdicts, a dispute. */
	init(&m, "all");
	apply(applier_assessment, &m, 1,
	    assessment_entry(keys[0], B, "KZ", 1, "violation"));
	apply(applier_assessment, &m, 2,
	    assessment_entry(keys[1], B, "RU", 1, "no_violation"));
	is_str(state_of(&m, B), "awaiting_assessment", "two views of three");
	apply(applier_assessment, &m, 3,
	    assessment_entry(keys[2], B, "TR", 1, "unverifiable"));
	is_str(state_of(&m, B), "disputed",
	    "every view, no agreement: "
	    "disputed");
	is_int(m.nrefusals, 0, "nothing refused");

	/* Tasks and releases. */
	init(&m, "all");
	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}", "type",
	    "task", "v", 1, "action", "assign", "incident", NOPE, "unit", "p12",
	    "kind", "crater_analysis", "description", "measure it", "due_ms",
	    (json_int_t)1800000100000LL, "by", "ana", "at_ms",
	    (json_int_t)1800000000000LL);
	apply(applier_task, &m, 1, json_deep_copy(e));
	ok(refused(&m, 1, "/incident: no incident " NOPE),
	    "a task on no incident: the same message");
	json_object_set_new(e, "incident", json_string(A));
	is_int(apply(applier_task, &m, 2, e), 0, "a task assigned");
	ok(m.ntasks == 1 && m.nevents == 1 &&
		strcmp(m.events[0].kind, "task") == 0,
	    "stored, in the trail");
	e = json_pack("{s:s,s:i,s:s,s:I,s:s,s:I}", "type", "task", "v", 1,
	    "action", "done", "task", (json_int_t)2, "by", "p12", "at_ms",
	    (json_int_t)1800000050000LL);
	is_int(apply(applier_task, &m, 3, json_deep_copy(e)), 0, "done");
	ok(m.tasks[0].open == 0 && strcmp(m.events[1].kind, "task_done") == 0,
	    "closed, in the trail");
	apply(applier_task, &m, 4, e);
	ok(refused(&m, 4, "/task: task 2 is done already"), "done twice");
	e = json_pack("{s:s,s:i,s:s,s:I,s:s,s:I}", "type", "task", "v", 1,
	    "action", "done", "task", (json_int_t)99, "by", "p12", "at_ms",
	    (json_int_t)1800000050000LL);
	apply(applier_task, &m, 5, e);
	ok(refused(&m, 5, "/task: no task was assigned at index 99"),
	    "no such task");
	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:I}", "type", "release", "v",
	    1, "incident", A, "party", "AM", "reason", "for comment", "by",
	    "ana", "at_ms", (json_int_t)1800000000000LL);
	is_int(apply(applier_release, &m, 6, json_deep_copy(e)), 0,
	    "a release");
	is_int(m.nreleases, 1, "stored");
	json_object_set_new(e, "incident", json_string(NOPE));
	apply(applier_release, &m, 7, e);
	ok(refused(&m, 7, "/incident: no incident " NOPE),
	    "a release of no incident: the same message");

	/* Which entries are the applier's, and the dispatch. */
	n = 0;
	for (k = 0; k < ENTRY_NTYPES; k++)
		n += (size_t)applier_owns((enum entry_type)k);
	is_int(n, 11, "the applier owns eleven entry types");
	ok(applier_owns(ENTRY_REPORT) && applier_owns(ENTRY_SOURCE_STATUS) &&
		applier_owns(ENTRY_ALERT_RULE) &&
		!applier_owns(ENTRY_ALERT_FAILED) &&
		!applier_owns(ENTRY_OBSERVATION) &&
		!applier_owns(ENTRY_INCIDENT_MERGE) &&
		!applier_owns(ENTRY_UNKNOWN),
	    "reports, sources' statuses and alert rules too; not failed "
	    "deliveries, observations, fusion's "
	    "decisions or unknown "
	    "types");
	init(&m, "all");
	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:I}", "type", "release", "v",
	    1, "incident", A, "party", "AM", "reason", "for comment", "by",
	    "ana", "at_ms", (json_int_t)1800000000000LL);
	ok(applier_apply(&rows, &m, 1, ENTRY_RELEASE, e) == 0 &&
		m.nreleases == 1,
	    "a release dispatched to its rules");
	is_int(applier_apply(&rows, &m, 2, ENTRY_OBSERVATION, e), -1,
	    "a type that is not the applier's: -1");
	json_decref(e);

	/* A source's status: stored as stated, or refused naming the
	 * field; built and read by record/source_status.c. */
	init(&m, "all");
	{
		struct source_status_entry st = { "camera", "RU", NULL, "cam-3",
			SOURCE_DOWN, "power cut", "cam-3", 1800000000000LL,
			1800003600000LL, 1800007200000LL };

		e = source_status_build(&st);
		ok(applier_apply(&rows, &m, 3, ENTRY_SOURCE_STATUS, e) == 0 &&
			m.nstatuses == 1 && m.statuses[0].idx == 3 &&
			strcmp(m.statuses[0].unit, "cam-3") == 0 &&
			strcmp(m.statuses[0].status, "down") == 0 &&
			strcmp(m.statuses[0].reason, "power cut") == 0 &&
			m.statuses[0].to_ms - m.statuses[0].from_ms == 3600000,
		    "a source's status is stored as the entry states it");
		json_object_set_new(e, "to_ms", json_integer(1800000000000LL));
		is_int(applier_apply(&rows, &m, 4, ENTRY_SOURCE_STATUS, e), 0,
		    "a period that does not end after it begins: refused");
		ok(refused(&m, 4, "/to_ms:") && m.nstatuses == 1,
		    "... naming the field, nothing stored");
		json_object_set_new(e, "to_ms", json_integer(1800003600000LL));
		json_object_set_new(e, "status", json_string("asleep"));
		apply(applier_source_status, &m, 5, e);
		ok(refused(&m, 5, "/status"), "an unknown status: refused");
	}

	/* Reports: drafts, members' signatures, releases, refusals. */
	init(&m, "2-of-3");
	is_int(apply(applier_report, &m, 1, draft(R1, "2026-11-20")), 0,
	    "a draft applies");
	is_str(report_state(&m, R1), "draft", "stored as a draft");
	apply(applier_report, &m, 2, draft(R1, "2026-11-20"));
	ok(refused(&m, 2, "was drafted already, at log index 1"),
	    "the same report twice: refused");
	apply(applier_report, &m, 3, sign(keys[1], "RU", R1, 0));
	ok(m.nsignatures == 1 && strcmp(report_state(&m, R1), "draft") == 0,
	    "one signature of 2 of 3: still a draft");
	apply(applier_report, &m, 4, sign(keys[1], "RU", R1, 0));
	ok(refused(&m, 4, "RU has signed or refused report"),
	    "a member signs once");
	apply(applier_report, &m, 5, sign(wrong, "RU", R1, 0));
	ok(m.nrefusals == 2 + 1 && m.nsignatures == 1,
	    "a note RU's key did not sign: refused");
	{
		char *n1 =
		    report_note(keys[1], "RU", R1, "Daily Report 1/2026", 0);
		char *n2 =
		    report_note(keys[2], "TR", R1, "Daily Report 1/2026", 0);
		const char *notes[2] = { n1, n2 };

		is_int(apply(applier_report, &m, 6,
			   reportentry_release(R1, "Daily Report 1/2026", notes,
			       2, "ana", 1800000000002LL)),
		    0, "a release applies");
		is_str(report_state(&m, R1), "released",
		    "2 of 3 signed: released");
		is_int(m.nsignatures, 2,
		    "the note recorded already is kept "
		    "once");
		free(n1);
		free(n2);
	}
	apply(applier_report, &m, 7, draft(R2, "2026-11-21"));
	apply(applier_report, &m, 8, draft(R3, "2026-11-21"));
	is_str(report_state(&m, R2), "superseded",
	    "a later draft of the same subject supersedes a draft");
	is_str(report_state(&m, R1), "released", "but not a released report");
	{
		char *nine =
		    report_note(keys[0], "KZ", R3, "Daily Report 9/2026", 0);

		apply(applier_report, &m, 9,
		    reportentry_sign(nine, "asr", 1800000000001LL));
		ok(refused(&m, 9,
		       "/number: the note signs \"Daily Report "
		       "9/2026\""),
		    "a note of another number: refused");
		free(nine);
	}
	apply(applier_report, &m, 10, sign(keys[0], "KZ", R2, 0));
	ok(refused(&m, 10, "is superseded: it takes no signatures"),
	    "a superseded report takes no signatures");
	apply(applier_report, &m, 11, sign(keys[0], "KZ", R3, 1));
	apply(applier_report, &m, 12, sign(keys[1], "RU", R3, 1));
	is_str(report_state(&m, R3), "refused",
	    "two of three refuse: 2 of 3 can no longer sign");
	is_int(m.nreport_entries, 12,
	    "every report entry is counted, "
	    "refused or not");

	/* A failing row is an error, never a refusal. */
	init(&m, "all");
	m.fail_writes = 1;
	is_int(apply(applier_assessment, &m, 1,
		   assessment_entry(keys[0], A, "KZ", 1, "violation")),
	    -1, "a failed write is -1");
	is_int(apply(applier_state, &m, 2, move(NOPE, "closed", NULL)), -1,
	    "a failed refusal is -1");
	is_int(m.nrefusals + m.nassessments + m.nstates, 0, "nothing kept");

	for (k = 0; k < 3; k++)
		note_signer_free(keys[k]);
	note_signer_free(wrong);
	return done_testing();
}
