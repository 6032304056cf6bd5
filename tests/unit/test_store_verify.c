/*
 * The store's apply path for joint verification, on its own (the same
 * suite for every backend, STYLE.md rule 11): genesis members and rule,
 * principals, state moves and refusals, signed assessments (forged, wrong
 * key, wrong member, replayed), rulings under "all" and "2 of 3",
 * disputes keeping every view, tasks, releases, the history and the queue,
 * and a second store replaying the same entries to the same state.
 * Incidents are fusion's: six observations far apart make six of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/increcord.h"
#include "format/verform.h"
#include "fusion/fusion.h"
#include "record/canon.h"
#include "record/observation.h"
#include "store/store.h"
#include "verify/assessment.h"
#include "verify/principal.h"
#include "tap.h"

static struct note_signer *keys[3], *wrong;
static char vkeys[3][NOTE_VKEY_MAX];
static const char *names[3] = { "KZ", "RU", "TR" };

/* The entries applied to the first store, with their indexes, for the
 * replay at the end. */
static json_t *applied;
static struct store *first;

static int
apply(struct store *s, int64_t idx, json_t *e)
{
	int rc;

	if (s == first || first == NULL)
		json_array_append_new(applied, json_pack("{s:I,s:O}", "index",
		    (json_int_t)idx, "entry", e));
	rc = store_begin(s) == 0 && store_apply(s, idx, e, NULL, 0, NULL) ==
	    0 && store_commit(s, idx + 1) == 0 ? 0 : -1;
	if (rc == -1) {
		store_rollback(s);
		diag("entry %lld failed to apply", (long long)idx);
	}
	json_decref(e);
	return rc;
}

static char *
signed_assessment(struct note_signer *k, const char *incident,
    const char *member, int64_t rev, const char *verdict, const char *attr)
{
	char err[200], *text, *t, *note;
	size_t len, nlen;
	json_t *o = assessment_new(incident, member, rev, verdict, attr,
	    "moderate", "seen from OP-3", NULL, 0, 1800000000000LL, err,
	    sizeof(err));

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
	return note;
}

static json_t *
assessment_entry(char *note)
{
	json_t *e = json_pack("{s:s,s:i,s:s,s:s,s:I}", "type", "assessment",
	    "v", 1, "note", note, "by", "asr", "at_ms",
	    (json_int_t)1800000000001LL);

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

static const char *
state(struct store *s, const char *incident)
{
	static char buf[64];
	json_t *w = verform_workflow(s, incident);

	snprintf(buf, sizeof(buf), "%s", w ? json_string_value(
	    json_object_get(w, "state")) : "(error)");
	json_decref(w);
	return buf;
}

static int
refused(struct store *s, int64_t idx, const char *want)
{
	char reason[STORE_REASON_LEN];

	if (store_refusal(s, idx, reason, sizeof(reason)) != 1) {
		diag("entry %lld was not refused", (long long)idx);
		return 0;
	}
	if (strstr(reason, want) == NULL) {
		diag("refused for: %s", reason);
		return 0;
	}
	return 1;
}

/* The incidents fusion made of the six observations, in creation order. */
static char inc[7][64];
static struct fusion *engines[4];
static int nengines;

static int
collect_incident(void *ctx, int64_t cursor, const json_t *rec)
{
	int *n = ctx;

	(void)cursor;
	if (*n < 6)
		snprintf(inc[++*n], sizeof(inc[0]), "%s",
		    json_string_value(json_object_get(rec, "id")));
	return 0;
}

/*
 * A store with fusion attached, the genesis entry (rule; NULL: none, for a
 * replay) and six observations 100 km apart at indexes 1..6.
 */
static struct store *
new_store(const char *dir, const char *name, const char *rule)
{
	struct observation_error errs[4];
	struct store_incident_query q;
	char path[512], err[200], obs[512], id[OBSERVATION_ID_LEN + 1], *bytes;
	struct member_rule r;
	struct store *s;
	json_t *g, *members, *in, *e;
	size_t len, nerr;
	int i, n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s = store_open("sqlite", path, 0);
	engines[nengines] = fusion_new(NULL);
	store_set_fusion(s, engines[nengines++]);
	if (rule == NULL)
		return s;
	member_rule_parse(rule, 3, &r, err, sizeof(err));
	members = json_array();
	for (i = 0; i < 3; i++)
		json_array_append_new(members, json_pack("{s:s,s:s}", "name",
		    names[i], "vkey", vkeys[i]));
	g = json_pack("{s:s,s:i,s:o,s:o,s:[s,s],s:[]}", "type", "genesis", "v",
	    2, "members", members, "rule", member_rule_json(&r), "parties",
	    "AM", "AZ", "principals");
	apply(s, 0, g);
	for (i = 1; i <= 6; i++) {
		snprintf(obs, sizeof(obs), "{\"observed_at\":"
		    "\"2026-11-20T10:00:00Z\",\"source\":{\"type\":\"patrol\","
		    "\"member\":\"RU\"},\"category\":\"explosion\","
		    "\"location\":{\"lat\":%d.5,\"lon\":46.9}}", 30 + i);
		in = json_loads(obs, 0, NULL);
		e = observation_from_input(in, 1800000000000LL, errs, 4, &nerr);
		json_decref(in);
		observation_encode(e, &bytes, &len, id);
		if (first == NULL)
			json_array_append_new(applied, json_pack(
			    "{s:I,s:O,s:s,s:s}", "index", (json_int_t)i,
			    "entry", e, "bytes", bytes, "id", id));
		store_begin(s);
		store_apply(s, i, e, bytes, len, id);
		store_commit(s, i + 1);
		free(bytes);
		json_decref(e);
	}
	store_incident_query_init(&q);
	increcord_query(s, &q, collect_incident, &n);
	return s;
}

/* The rows a backend gives for verification (store.h), counted. */
struct rows_seen {
	int n;
	char last[64];
	int64_t index;
	int done;
};

static int
count_task(void *ctx, const struct store_task_row *row)
{
	struct rows_seen *r = ctx;

	r->n++;
	r->index = row->task;
	r->done = row->done;
	snprintf(r->last, sizeof(r->last), "%s", row->done ? row->done_by : "");
	return 0;
}

static int
count_state(void *ctx, const struct store_state_row *row)
{
	struct rows_seen *r = ctx;

	r->n++;
	r->index = row->since_index;
	snprintf(r->last, sizeof(r->last), "%s", row->incident);
	return 0;
}

static int
count_text(void *ctx, const char *text)
{
	struct rows_seen *r = ctx;

	r->n++;
	snprintf(r->last, sizeof(r->last), "%s", text);
	return 0;
}

/* What nested reads saw: rows of the outer read, and of the reads each of
 * its rows made of the same incident (a callback that reads again). */
struct nested_reads {
	struct store *s;
	const char *incident;
	int outer, inner, failed, stop_after;
};

static int
count_view(void *ctx, const struct store_assessment_row *row)
{
	struct nested_reads *nr = ctx;

	(void)row;
	nr->inner++;
	return 0;
}

static int
view_then_read_again(void *ctx, const struct store_assessment_row *row)
{
	struct nested_reads *nr = ctx;

	(void)row;
	nr->outer++;
	if (store_assessments(nr->s, nr->incident, 1, count_view, nr) == -1)
		nr->failed = 1;
	return nr->stop_after > 0 && nr->outer >= nr->stop_after;
}

int
main(void)
{
	char tmpl[] = "/tmp/truce-verify.XXXXXX", err[200], *dir;
	struct principal p;
	struct store *s, *s2;
	json_t *h, *w, *q, *t, *e;
	int64_t i, idx = 7;
	size_t k;

	dir = mkdtemp(tmpl);
	applied = json_array();
	for (k = 0; k < 3; k++) {
		keys[k] = note_signer_generate(names[k], NOTE_KEY_ED25519, err,
		    sizeof(err));
		note_signer_vkey(keys[k], vkeys[k], sizeof(vkeys[k]));
	}
	wrong = note_signer_generate("RU", NOTE_KEY_ED25519, err, sizeof(err));
	s = new_store(dir, "a.db", "2-of-3");
	first = s;
	ok(s != NULL, "a store with three members, rule 2 of 3");

	/* Moves. */
	is_str(state(s, inc[1]), "received", "an incident starts received");
	apply(s, idx, move(inc[1], "under_investigation", NULL));
	is_str(state(s, inc[1]), "under_investigation", "a legal move");
	idx++;
	apply(s, idx, move(inc[1], "closed", NULL));
	ok(refused(s, idx, "cannot move to closed"), "an illegal move is "
	    "refused on apply");
	is_str(state(s, inc[1]), "under_investigation", "and changes nothing");
	idx++;
	apply(s, idx, move(inc[1], "agreed_violation", NULL));
	ok(refused(s, idx, "ruling"), "a move to a ruling is refused");
	idx++;
	apply(s, idx, move("inc-000000000000000000000009", "under_investigation", NULL));
	ok(refused(s, idx, "no incident"), "an unknown incident is refused");
	idx++;
	apply(s, idx, move(inc[2], "duplicate", "inc-000000000000000000000009"));
	ok(refused(s, idx, "/duplicate_of"), "a duplicate of nothing");
	idx++;
	apply(s, idx, move(inc[2], "duplicate", inc[3]));
	is_str(state(s, inc[2]), "duplicate", "inc-2 duplicates inc-3");
	w = verform_workflow(s, inc[2]);
	is_str(json_string_value(json_object_get(w, "duplicate_of")), inc[3],
	    "linked to the incident it duplicates");
	json_decref(w);
	idx++;

	/* Assessments of inc-1 under 2 of 3. */
	apply(s, idx, assessment_entry(signed_assessment(keys[1], inc[1],
	    "RU", 1, "violation", "AM")));
	is_str(state(s, inc[1]), "awaiting_assessment",
	    "the first assessment: awaiting_assessment");
	idx++;
	apply(s, idx, assessment_entry(signed_assessment(keys[1], inc[1],
	    "RU", 1, "violation", "AM")));
	ok(refused(s, idx, "replay"), "the same revision again: a replay");
	idx++;
	apply(s, idx, assessment_entry(signed_assessment(wrong, inc[1], "RU",
	    2, "violation", "AM")));
	ok(refused(s, idx, "registered key of RU"), "signed by a key RU does "
	    "not have registered");
	idx++;
	apply(s, idx, assessment_entry(signed_assessment(keys[1], inc[1],
	    "TR", 1, "violation", "AM")));
	ok(refused(s, idx, "registered key of TR"), "RU's key signing as TR");
	idx++;
	e = assessment_entry(signed_assessment(keys[1], inc[1], "RU", 2,
	    "violation", "AM"));
	{
		char *note = strdup(json_string_value(json_object_get(e,
		    "note")));
		char *at = strstr(note, "seen from OP-3");

		at[10] = '4'; /* OP-4: the text no longer matches */
		json_object_set_new(e, "note", json_string(note));
		free(note);
	}
	apply(s, idx, e);
	ok(refused(s, idx, "forged"), "an altered note is forged");
	idx++;
	apply(s, idx, assessment_entry(signed_assessment(keys[2], inc[1],
	    "TR", 1, "no_violation", "unknown")));
	is_str(state(s, inc[1]), "awaiting_assessment", "RU and TR differ: "
	    "KZ decides under 2 of 3");
	idx++;
	apply(s, idx, assessment_entry(signed_assessment(keys[1], inc[1],
	    "RU", 2, "no_violation", "unknown")));
	is_str(state(s, inc[1]), "agreed_no_violation", "RU revises: RU and "
	    "TR agree, 2 of 3");
	w = verform_workflow(s, inc[1]);
	is_int(json_array_size(json_object_get(w, "assessments")), 2,
	    "each member's latest view");
	json_decref(w);
	w = verform_assessments(s, inc[1]);
	is_int(json_array_size(w), 3, "both revisions of RU stay on record");
	is_str(json_string_value(json_object_get(json_array_get(w, 0),
	    "verdict")), "violation", "with what RU said first");
	json_decref(w);
	idx++;
	apply(s, idx, assessment_entry(signed_assessment(keys[0], inc[1],
	    "KZ", 1, "violation", "AM")));
	ok(refused(s, idx, "before a ruling"), "no assessment after a ruling");
	idx++;

	/* A dispute on inc-4: three different verdicts. */
	apply(s, idx++, assessment_entry(signed_assessment(keys[0], inc[4],
	    "KZ", 1, "violation", "AM")));
	apply(s, idx++, assessment_entry(signed_assessment(keys[1], inc[4],
	    "RU", 1, "violation", "AZ")));
	is_str(state(s, inc[4]), "awaiting_assessment", "violation by AM vs "
	    "by AZ: not agreed");
	apply(s, idx++, assessment_entry(signed_assessment(keys[2], inc[4],
	    "TR", 1, "unverifiable", "unknown")));
	is_str(state(s, inc[4]), "disputed", "three views: disputed");
	w = verform_workflow(s, inc[4]);
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(w, "assessments"), 1), "attribution")), "AZ",
	    "every view kept side by side");
	json_decref(w);
	p.role = ROLE_ANALYST;
	snprintf(p.name, sizeof(p.name), "ana");
	q = verform_queue(s, &p);
	is_str(json_string_value(json_object_get(json_array_get(q, 0),
	    "incident")), inc[4], "the analyst's queue: the dispute");
	json_decref(q);
	e = move(inc[4], "escalated", NULL);
	apply(s, idx, e);
	ok(refused(s, idx, "/tier"), "an escalation names its tier");
	idx++;
	e = move(inc[4], "escalated", NULL);
	json_object_set_new(e, "tier", json_integer(1));
	json_object_set_new(e, "tier_name", json_string("duty_officers"));
	apply(s, idx++, e);
	is_str(state(s, inc[4]), "escalated", "escalated to tier 1");
	e = move(inc[4], "escalated", NULL);
	json_object_set_new(e, "tier", json_integer(3));
	apply(s, idx, e);
	ok(refused(s, idx, "next tier"), "tiers are climbed one at a time");
	idx++;
	apply(s, idx++, move(inc[4], "closed", NULL));
	is_str(state(s, inc[4]), "closed", "closed");

	/* Tasks and releases. */
	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}", "type",
	    "task", "v", 1, "action", "assign", "incident", inc[5], "unit",
	    "p12", "kind", "crater_analysis", "description", "measure it",
	    "due_ms", (json_int_t)1800000100000LL, "by", "ana", "at_ms",
	    (json_int_t)1800000000000LL);
	i = idx;
	apply(s, idx++, e);
	memset(&p, 0, sizeof(p));
	p.role = ROLE_MONITOR;
	snprintf(p.name, sizeof(p.name), "p12");
	q = verform_queue(s, &p);
	ok(json_array_size(q) == 1 && json_integer_value(json_object_get(
	    json_array_get(q, 0), "task")) == i, "the unit's queue: its task");
	json_decref(q);
	e = json_pack("{s:s,s:i,s:s,s:I,s:s,s:I}", "type", "task", "v", 1,
	    "action", "done", "task", (json_int_t)i, "by", "p12", "at_ms",
	    (json_int_t)1800000050000LL);
	apply(s, idx++, e);
	ok(verform_task(s, i, &t) == 1 && json_is_true(json_object_get(t,
	    "done")), "done");
	json_decref(t);
	e = json_pack("{s:s,s:i,s:s,s:I,s:s,s:I}", "type", "task", "v", 1,
	    "action", "done", "task", (json_int_t)i, "by", "p12", "at_ms",
	    (json_int_t)1800000050000LL);
	apply(s, idx, e);
	ok(refused(s, idx, "done already"), "done twice: refused");
	idx++;
	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:I}", "type", "release", "v",
	    1, "incident", inc[5], "party", "AM", "reason", "for comment",
	    "by", "ana", "at_ms", (json_int_t)1800000000000LL);
	apply(s, idx++, e);
	ok(store_released(s, inc[5], "AM") == 1 &&
	    store_released(s, inc[5], "AZ") == 0, "released to AM only");

	/* The same, as the rows a backend gives (store.h's contracts). */
	{
		struct store_task_filter tf;
		struct store_state_filter sf = { NULL, "closed", NULL };
		struct rows_seen r = { 0 };

		store_task_filter_init(&tf);
		tf.open_for = "p12";
		ok(store_tasks(s, &tf, count_task, &r) == 0 && r.n == 0,
		    "rows: p12 has no open task once it is done");
		memset(&r, 0, sizeof(r));
		store_task_filter_init(&tf);
		tf.incident = inc[5];
		ok(store_tasks(s, &tf, count_task, &r) == 0 && r.n == 1 &&
		    r.index == i && r.done && strcmp(r.last, "p12") == 0,
		    "rows: inc-5's task, done by p12");
		memset(&r, 0, sizeof(r));
		store_task_filter_init(&tf);
		tf.task = i + 1;
		ok(store_tasks(s, &tf, count_task, &r) == 0 && r.n == 0,
		    "rows: no task was assigned at another index");
		memset(&r, 0, sizeof(r));
		ok(store_incident_states(s, &sf, count_state, &r) == 0 &&
		    r.n == 1 && strcmp(r.last, inc[4]) == 0,
		    "rows: inc-4 is the one closed incident");
		memset(&r, 0, sizeof(r));
		sf.state = NULL;
		sf.incident = inc[5];
		ok(store_incident_states(s, &sf, count_state, &r) == 0 &&
		    r.n == 0, "rows: inc-5 has no state row while received");
		{
			const char *some[4] = { inc[5], inc[4], "nope", inc[1] };
			const char *many[STORE_STATES_MAX + 1];
			size_t m;

			memset(&r, 0, sizeof(r));
			ok(store_incident_states_of(s, some, 4, count_state,
			    &r) == 0 && r.n == 2, "rows: of a list, the two "
			    "incidents with a state");
			for (m = 0; m <= STORE_STATES_MAX; m++)
				many[m] = inc[4];
			memset(&r, 0, sizeof(r));
			ok(store_incident_states_of(s, many, STORE_STATES_MAX,
			    count_state, &r) == 0 && r.n == STORE_STATES_MAX,
			    "rows: a list of the most ids, one repeated");
			ok(store_incident_states_of(s, many,
			    STORE_STATES_MAX + 1, count_state, &r) == -1,
			    "rows: a longer list is refused");
			memset(&r, 0, sizeof(r));
			ok(store_incident_states_of(s, some, 0, count_state,
			    &r) == 0 && r.n == 0,
			    "rows: an empty list reads nothing");
		}
		memset(&r, 0, sizeof(r));
		ok(store_releases(s, inc[5], count_text, &r) == 0 &&
		    r.n == 1 && strcmp(r.last, "AM") == 0,
		    "rows: inc-5 released to AM");
	}

	/* The reads of one incident keep their statements prepared
	 * (store_sqlite.c): a row callback that reads the same rows again,
	 * and a read stopped after its first row, leave the next read
	 * whole. */
	{
		struct nested_reads nr = { s, inc[4], 0, 0, 0, 0 };

		ok(store_assessments(s, inc[4], 1, view_then_read_again,
		       &nr) == 0 &&
			nr.outer == 3 && nr.inner == 9 && !nr.failed,
		    "rows: each of inc-4's 3 views reads the 3 again (%d, %d)",
		    nr.outer, nr.inner);
		memset(&nr, 0, sizeof(nr));
		nr.s = s;
		nr.incident = inc[4];
		nr.stop_after = 1;
		ok(store_assessments(s, inc[4], 1, view_then_read_again,
		       &nr) == 0 &&
			nr.outer == 1 && nr.inner == 3,
		    "rows: a read stopped after its first row");
		nr.inner = 0;
		ok(store_assessments(s, inc[4], 1, count_view, &nr) == 0 &&
			nr.inner == 3,
		    "rows: the next read starts again from the first row");
		nr.inner = 0;
		ok(store_assessments(s, inc[1], 0, count_view, &nr) == 0 &&
			nr.inner == 3,
		    "rows: every revision of inc-1, then");
		nr.inner = 0;
		ok(store_assessments(s, inc[1], 1, count_view, &nr) == 0 &&
			nr.inner == 2,
		    "rows: its latest views, of another incident");
	}
	w = verform_views(s, inc[4]);
	t = verform_workflow(s, inc[4]);
	is_str(json_string_value(json_object_get(w, "state")), "closed",
	    "views: inc-4's state");
	ok(json_equal(json_object_get(w, "assessments"),
	       json_object_get(t, "assessments")) &&
		json_object_get(w, "tasks") == NULL &&
		json_object_get(w, "released_to") == NULL,
	    "views: the workflow's views without its tasks and releases");
	json_decref(w);
	json_decref(t);
	w = verform_views(s, inc[3]);
	ok(w != NULL &&
		strcmp(json_string_value(json_object_get(w, "state")),
		    "received") == 0 &&
		json_array_size(json_object_get(w, "assessments")) == 0,
	    "views: an incident nobody assessed is received");
	json_decref(w);

	/* History. */
	h = verform_history(s, inc[1]);
	ok(h != NULL && json_array_size(h) == 7, "inc-1's trail has 7 steps "
	    "(%zu)", json_array_size(h));
	is_str(json_string_value(json_object_get(json_array_get(h, 0), "kind")),
	    "observation", "beginning with the observation fusion placed");
	json_array_foreach(h, k, e)
		diag("  %lld %s %s -> %s", (long long)json_integer_value(
		    json_object_get(e, "index")), json_string_value(
		    json_object_get(e, "kind")), json_string_value(
		    json_object_get(e, "from")) ? json_string_value(
		    json_object_get(e, "from")) : "", json_string_value(
		    json_object_get(e, "to")) ? json_string_value(
		    json_object_get(e, "to")) : "");
	is_str(json_string_value(json_object_get(json_array_get(h, 6), "to")),
	    "agreed_no_violation", "ending with the ruling");
	ok(json_integer_value(json_object_get(json_array_get(h, 5), "index")) ==
	    json_integer_value(json_object_get(json_array_get(h, 6), "index")),
	    "at the index of the assessment that made it");
	json_decref(h);

	/* Under "all": two of three agreeing is not enough. */
	s2 = new_store(dir, "b.db", "all");
	apply(s2, 7, assessment_entry(signed_assessment(keys[0], inc[6],
	    "KZ", 1, "violation", "AM")));
	apply(s2, 8, assessment_entry(signed_assessment(keys[1], inc[6],
	    "RU", 1, "violation", "AM")));
	is_str(state(s2, inc[6]), "awaiting_assessment", "all: 2 of 3 is "
	    "not a ruling");
	memset(&p, 0, sizeof(p));
	p.role = ROLE_ASSESSOR;
	snprintf(p.name, sizeof(p.name), "tr-a");
	snprintf(p.member, sizeof(p.member), "TR");
	q = verform_queue(s2, &p);
	is_str(json_string_value(json_object_get(json_array_get(q, 0),
	    "incident")), inc[6], "TR's assessor's queue: inc-6 awaits TR");
	json_decref(q);
	{
		struct store_state_filter sf = { NULL, "awaiting_assessment",
			"TR" };
		struct rows_seen r = { 0 };

		ok(store_incident_states(s2, &sf, count_state, &r) == 0 &&
		    r.n == 1 && strcmp(r.last, inc[6]) == 0,
		    "rows: inc-6 awaits TR's assessment");
		memset(&r, 0, sizeof(r));
		sf.unassessed_by = "RU";
		ok(store_incident_states(s2, &sf, count_state, &r) == 0 &&
		    r.n == 0, "rows: RU has assessed inc-6");
	}
	apply(s2, 9, assessment_entry(signed_assessment(keys[2], inc[6],
	    "TR", 1, "violation", "AM")));
	is_str(state(s2, inc[6]), "agreed_violation", "all three agree");
	store_close(s2);

	/* Replaying the same entries gives the same state. */
	s2 = new_store(dir, "c.db", NULL);
	first = s2; /* stop recording */
	json_array_foreach(applied, k, t) {
		const char *b = json_string_value(json_object_get(t, "bytes"));

		store_begin(s2);
		store_apply(s2, json_integer_value(json_object_get(t, "index")),
		    json_object_get(t, "entry"), b, b ? strlen(b) : 0,
		    json_string_value(json_object_get(t, "id")));
		store_commit(s2, json_integer_value(json_object_get(t,
		    "index")) + 1);
	}
	for (i = 1; i <= 5; i++) {
		char *a, *b, *id = inc[i];

		w = verform_workflow(s, id);
		e = verform_workflow(s2, id);
		a = json_dumps(w, JSON_SORT_KEYS);
		b = json_dumps(e, JSON_SORT_KEYS);
		json_decref(w);
		json_decref(e);
		w = verform_history(s, id);
		e = verform_history(s2, id);
		ok(a != NULL && b != NULL && strcmp(a, b) == 0 &&
		    json_equal(w, e), "a replay gives %s the same state and "
		    "trail", id);
		free(a);
		free(b);
		json_decref(w);
		json_decref(e);
	}
	store_close(s2);
	store_close(s);
	json_decref(applied);
	for (k = 0; k < 3; k++)
		note_signer_free(keys[k]);
	for (k = 0; k < (size_t)nengines; k++)
		fusion_free(engines[k]);
	note_signer_free(wrong);
	return done_testing();
}
