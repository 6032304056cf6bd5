/*
 * verification: the routes of joint verification on incidents
 * (docs/verification.md "Workflow", "Assessments", "Tasks", "Releases").
 *
 *   GET  /v1/incidents/{id}              state, tier, each member's latest
 *                                        assessment side by side, tasks,
 *                                        parties it was released to
 *   GET  /v1/incidents/{id}/history      the trail from the log: each step
 *                                        with its log index, the entry and
 *                                        its RFC 6962 leaf hash
 *   GET  /v1/incidents/{id}/assessments  every assessment, revisions too
 *   POST /v1/incidents/{id}/state        {"to","reason","duplicate_of"?}
 *   POST /v1/incidents/{id}/assessments  a member's signed note (text/plain)
 *   POST /v1/incidents/{id}/tasks        {"unit","kind","description","due"}
 *   POST /v1/tasks/{task}/done           {"note"?}
 *   POST /v1/incidents/{id}/release      {"party","reason"}
 *   GET  /v1/queue                       what waits for the caller
 *   POST /v1/sources/{id}/status         {"type","member"?,"organisation"?,
 *                                        "status","reason","from","to"}:
 *                                        a source was (not) operational
 *
 * Every write is one log entry; the checks here give clear answers before
 * anything is written, and the store's apply path (which decides, in log
 * order) has the last word: an entry it refuses is answered 409. A liaison
 * sees an incident only once it was released to its party; anything else
 * is answered 404, as if it did not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/center.h"
#include "common/num.h"
#include "format/verform.h"
#include "ledger/entrylog.h"
#include "record/source_status.h"
#include "record/timefmt.h"
#include "server/request.h"
#include "store/store.h"
#include "tlog/merkle.h"
#include "verify/assessment.h"
#include "verify/member.h"
#include "verify/workflow.h"

/* Whether r's principal may see incident id: 1, 0, or -1 on error. */
static int
may_see(struct request *r, const char *id)
{
	struct store *s;
	int found;

	s = store_pool_get(r->srv->readers);
	found = store_incident_exists(s, id);
	if (found == 1 && r->who.role == ROLE_LIAISON)
		found = store_released(s, id, r->who.party);
	store_pool_put(r->srv->readers, s);
	return found;
}

/*
 * Whether r's principal may see incident id: 1 yes, 0 answered 404, -1
 * answered 503. Sets *ret when it answered.
 */
static int
visible(struct request *r, const char *id, enum MHD_Result *ret)
{
	int found = may_see(r, id);

	if (found == -1) {
		*ret = http_problem(r, 503, "the store is unavailable");
		return -1;
	}
	if (found == 0) {
		*ret = http_problem(r, 404, "no incident has id %.80s", id);
		return 0;
	}
	return 1;
}

/* The incident's verification view, or NULL (answered). */
static json_t *
workflow_of(struct request *r, const char *id, enum MHD_Result *ret)
{
	struct store *s;
	json_t *w, *m;

	s = store_pool_get(r->srv->readers);
	w = verform_workflow(s, id);
	m = verform_members(s);
	store_pool_put(r->srv->readers, s);
	if (w == NULL || m == NULL) {
		json_decref(w);
		json_decref(m);
		*ret = http_problem(r, 503, "the store is unavailable");
		return NULL;
	}
	json_object_set(w, "rule", json_object_get(m, "rule"));
	json_decref(m);
	return w;
}

int
verification_may_see(struct request *r, const char *id)
{
	return may_see(r, id);
}

json_t *
verification_view(struct request *r, const char *id, enum MHD_Result *ret)
{
	json_t *w;

	if ((w = workflow_of(r, id, ret)) == NULL)
		return NULL;
	json_object_del(w, "id");
	return w;
}

enum MHD_Result
verification_assessments(struct request *r)
{
	enum MHD_Result ret;
	struct store *s;
	json_t *list;

	if (visible(r, r->arg, &ret) != 1)
		return ret;
	s = store_pool_get(r->srv->readers);
	list = verform_assessments(s, r->arg);
	store_pool_put(r->srv->readers, s);
	if (list == NULL)
		return http_problem(r, 503, "the store is unavailable");
	return http_json(r, 200,
	    json_pack("{s:s,s:o}", "id", r->arg, "assessments", list));
}

#define HISTORY_MAX_LIMIT 1000

/*
 * 1 if who may read log entry e in a history: all of it, but a liaison
 * not another party's complaint.
 */
static int
sees_entry(const struct principal *who, const json_t *e)
{
	const json_t *src = json_object_get(e, "source");
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *stype = json_string_value(json_object_get(src, "type"));

	if (type == NULL || strcmp(type, "observation") != 0 || stype == NULL ||
	    strcmp(stype, "complaint") != 0)
		return 1;
	return principal_sees_complaint(who,
	    json_string_value(json_object_get(src, "organisation")));
}

enum MHD_Result
verification_history(struct request *r)
{
	struct entrylog *log = r->srv->center->log;
	const char *lim = http_query(r, "limit"),
		   *cur = http_query(r, "cursor");
	char b64[MERKLE_BASE64_SIZE], err[160];
	uint8_t *bytes, leaf[MERKLE_HASH_SIZE];
	enum MHD_Result ret;
	struct store *s;
	json_t *all, *steps, *step, *entry;
	int64_t limit = HISTORY_MAX_LIMIT, from = 0, k;
	size_t len, n;

	if (lim != NULL &&
	    num_parse_i64(lim, 1, HISTORY_MAX_LIMIT, &limit, err,
		sizeof(err)) == -1)
		return http_problem(r, 400, "limit: %s", err);
	if (cur != NULL &&
	    num_parse_i64(cur, 0, INT64_MAX - 1, &from, err, sizeof(err)) == -1)
		return http_problem(r, 400,
		    "cursor: %s (use the `next` of the "
		    "previous page)",
		    err);
	if (visible(r, r->arg, &ret) != 1)
		return ret;
	s = store_pool_get(r->srv->readers);
	all = verform_history(s, r->arg);
	store_pool_put(r->srv->readers, s);
	if (all == NULL)
		return http_problem(r, 503, "the store is unavailable");
	/* A page of steps, each with the entry and its leaf hash. */
	steps = json_array();
	n = json_array_size(all);
	for (k = from; k < from + limit && (size_t)k < n; k++) {
		step = json_array_get(all, (size_t)k);
		if (entrylog_read(log,
			json_integer_value(json_object_get(step, "index")),
			&bytes, &len) == -1) {
			json_decref(steps);
			json_decref(all);
			return http_problem(r, 500,
			    "log entry %lld is "
			    "unreadable",
			    (long long)json_integer_value(
				json_object_get(step, "index")));
		}
		merkle_leaf_hash(bytes, len, leaf);
		merkle_hash_to_base64(leaf, b64);
		entry = json_loadb((const char *)bytes, len, 0, NULL);
		free(bytes);
		json_object_set_new(step, "leaf_hash", json_string(b64));
		if (entry != NULL && !sees_entry(&r->who, entry)) {
			/* Its bytes would give its id (their SHA-256). */
			json_decref(entry);
			entry = NULL;
			json_object_set_new(step, "withheld", json_true());
		}
		json_object_set_new(step, "entry", entry ? entry : json_null());
		json_array_append(steps, step);
	}
	json_decref(all);
	return http_json(r, 200,
	    json_pack("{s:s,s:I,s:o,s:o}", "id", r->arg, "log_size",
		(json_int_t)entrylog_size(log), "history", steps, "next",
		(size_t)k < n ? json_integer(k) : json_null()));
}

/* The index of the entry just written, in "index"; +fields of extra. */
static enum MHD_Result
written_json(struct request *r, unsigned status)
{
	json_t *answer = r->ctx;
	enum MHD_Result ret;
	int64_t index;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	json_object_set_new(answer, "index", json_integer(index));
	r->ctx = NULL;
	return http_json(r, status, answer);
}

static enum MHD_Result
written_200(struct request *r)
{
	return written_json(r, 200);
}

static enum MHD_Result
written_201(struct request *r)
{
	return written_json(r, 201);
}

static void
json_ctx_free(void *ctx)
{
	json_decref(ctx);
}

/* Submits entry; answer (owned) goes out with "index" once durable. */
static enum MHD_Result
submit(struct request *r, json_t *entry, json_t *answer, route_fn written)
{
	enum MHD_Result ret;

	r->ctx = answer;
	r->ctx_free = json_ctx_free;
	ret = http_submit(r, entry, written);
	json_decref(entry);
	return ret;
}

/*
 * Checks that body (an object) has only the fields in allowed; queues a
 * 422 naming the first other one and returns -1.
 */
static int
only_fields(struct request *r, const json_t *body, const char *const *allowed,
    enum MHD_Result *ret)
{
	const char *k;
	json_t *v;
	size_t i;
	int known;

	if (!json_is_object(body)) {
		*ret = http_problem(r, 400, "the body must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)body, k, v)
	{
		for (known = 0, i = 0; allowed[i] != NULL; i++)
			known |= strcmp(allowed[i], k) == 0;
		if (!known) {
			*ret = http_problem(r, 422, "/%.64s: unknown field", k);
			return -1;
		}
	}
	return 0;
}

enum MHD_Result
verification_state(struct request *r)
{
	static const char *const fields[] = { "to", "reason", "duplicate_of",
		NULL };
	char tiers[CONFIG_MAX_TIERS][CONFIG_NAME_LEN], err[400];
	const char *to_s, *reason, *dup;
	enum workflow_state from, to;
	enum MHD_Result ret;
	json_t *body, *w = NULL, *entry;
	int64_t tier;
	int ntiers, rc;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	if (only_fields(r, body, fields, &ret) == -1)
		goto done;
	to_s = json_string_value(json_object_get(body, "to"));
	reason = json_string_value(json_object_get(body, "reason"));
	dup = json_string_value(json_object_get(body, "duplicate_of"));
	if (workflow_state_parse(to_s, &to) == -1) {
		ret = http_problem(r, 422,
		    "/to: must be a state (received, "
		    "under_investigation, awaiting_assessment, escalated, "
		    "closed, duplicate, ...)");
		goto done;
	}
	if (workflow_check_reason(reason, "/reason", err, sizeof(err)) == -1) {
		ret = http_problem(r, 422, "%s", err);
		goto done;
	}
	if ((rc = visible(r, r->arg, &ret)) != 1)
		goto done;
	if ((w = workflow_of(r, r->arg, &ret)) == NULL)
		goto done;
	workflow_state_parse(json_string_value(json_object_get(w, "state")),
	    &from);
	tier = json_integer_value(json_object_get(w, "tier"));
	ntiers = config_tiers(&r->srv->center->cfg, tiers, err, sizeof(err));
	if (workflow_check_move(from, to, tier, ntiers < 0 ? 0 : ntiers, r->arg,
		dup, err, sizeof(err)) == -1) {
		ret = http_problem(r,
		    workflow_is_ruling(to) ||
			    strncmp(err, "/duplicate_of", 13) == 0
			? 422
			: 409,
		    "%s", err);
		goto done;
	}
	if (dup != NULL && (rc = may_see(r, dup)) != 1) {
		ret = http_problem(r, rc ? 503 : 422,
		    "/duplicate_of: no "
		    "incident has id %.80s",
		    dup);
		goto done;
	}
	entry = workflow_move_entry_new(r->arg, to, reason, dup, tier + 1,
	    to == WORKFLOW_ESCALATED ? tiers[tier] : NULL, r->who.name,
	    timefmt_now_ms());
	ret = submit(r, entry,
	    json_pack("{s:s,s:s,s:s}", "id", r->arg, "from",
		workflow_state_name(from), "to", workflow_state_name(to)),
	    written_200);
done:
	json_decref(w);
	json_decref(body);
	return ret;
}

/* After an assessment: its index and the incident's state now. */
static enum MHD_Result
assessed(struct request *r)
{
	json_t *answer = r->ctx, *w;
	enum MHD_Result ret;
	struct store *s;
	int64_t index;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	s = store_pool_get(r->srv->readers);
	w = verform_workflow(s,
	    json_string_value(json_object_get(answer, "incident")));
	store_pool_put(r->srv->readers, s);
	json_object_set_new(answer, "index", json_integer(index));
	json_object_set(answer, "state",
	    w ? json_object_get(w, "state") : json_null());
	json_decref(w);
	r->ctx = NULL;
	return http_json(r, 201, answer);
}

enum MHD_Result
verification_assess(struct request *r)
{
	struct assessment a;
	enum workflow_state state;
	enum MHD_Result ret;
	const char *keys[1], *vkey = NULL, *name;
	json_t *w = NULL, *members = NULL, *v, *entry;
	struct store *s;
	char err[400];
	int64_t last = 0;
	size_t i;

	if (r->body_len == 0)
		return http_problem(r, 400, "the body must be a signed note");
	if (assessment_read(r->body, r->body_len, &a, err, sizeof(err)) == -1)
		return http_problem(r, 422, "%s", err);
	if (strcmp(a.incident, r->arg) != 0)
		return http_problem(r, 422,
		    "/incident: the note assesses %s, "
		    "not %.80s",
		    a.incident, r->arg);
	if (strcmp(a.member, r->who.member) != 0)
		return http_problem(r, 403,
		    "/member: an assessor of %s may not "
		    "record an assessment of %s",
		    r->who.member, a.member);
	if (visible(r, r->arg, &ret) != 1)
		return ret;
	s = store_pool_get(r->srv->readers);
	members = verform_members(s);
	store_pool_put(r->srv->readers, s);
	if (members == NULL)
		return http_problem(r, 503, "the store is unavailable");
	json_array_foreach(json_object_get(members, "members"), i, v)
	{
		name = json_string_value(json_object_get(v, "name"));
		if (name != NULL && strcmp(name, a.member) == 0)
			vkey = json_string_value(json_object_get(v, "vkey"));
	}
	if (vkey == NULL) {
		ret = http_problem(r, 403,
		    "/member: %s is not a member of this "
		    "center",
		    a.member);
		goto done;
	}
	keys[0] = vkey;
	if (member_note_verify(r->body, r->body_len, keys, 1, err,
		sizeof(err)) == -1) {
		ret = http_problem(r, 403, "%s", err);
		goto done;
	}
	if ((w = workflow_of(r, r->arg, &ret)) == NULL)
		goto done;
	json_array_foreach(json_object_get(w, "assessments"), i,
	    v) if (strcmp(json_string_value(json_object_get(v, "member")),
		       a.member) == 0) last =
	    json_integer_value(json_object_get(v, "revision"));
	if (a.revision != last + 1) {
		ret = http_problem(r, 409,
		    "/revision: %s's revision %lld of %s "
		    "is %s; the next is %lld",
		    a.member, (long long)a.revision, a.incident,
		    a.revision <= last ? "recorded already (a "
					 "replay)"
				       : "not the next",
		    (long long)last + 1);
		goto done;
	}
	workflow_state_parse(json_string_value(json_object_get(w, "state")),
	    &state);
	if (!workflow_accepts_assessment(state)) {
		ret = http_problem(r, 409,
		    "the incident is %s: assessments are "
		    "recorded before a ruling",
		    workflow_state_name(state));
		goto done;
	}
	entry = assessment_entry_new(r->body, r->body_len, r->who.name,
	    timefmt_now_ms());
	ret = submit(r, entry,
	    json_pack("{s:s,s:s,s:I}", "incident", r->arg, "member", a.member,
		"revision", (json_int_t)a.revision),
	    assessed);
done:
	json_decref(w);
	json_decref(members);
	return ret;
}

enum MHD_Result
verification_task(struct request *r)
{
	static const char *const fields[] = { "unit", "kind", "description",
		"due", NULL };
	struct principal unit;
	enum MHD_Result ret;
	struct store *s;
	json_t *body, *entry;
	char err[300];
	const char *u, *due;
	int64_t due_ms;
	int found;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	if (only_fields(r, body, fields, &ret) == -1)
		goto done;
	u = json_string_value(json_object_get(body, "unit"));
	due = json_string_value(json_object_get(body, "due"));
	if (due == NULL ||
	    timefmt_parse(due, &due_ms, err, sizeof(err)) == -1) {
		ret = http_problem(r, 422,
		    "/due: an RFC 3339 time is required%s"
		    "%s",
		    due ? ": " : "", due ? err : "");
		goto done;
	}
	entry = workflow_assign_entry_new(r->arg, u,
	    json_string_value(json_object_get(body, "kind")),
	    json_object_get(body, "description"), due_ms, r->who.name,
	    timefmt_now_ms());
	if (entry == NULL ||
	    workflow_check_task(entry, err, sizeof(err)) == -1) {
		json_decref(entry);
		ret = http_problem(r, 422, "%s", entry ? err : "/: bad fields");
		goto done;
	}
	if (visible(r, r->arg, &ret) != 1) {
		json_decref(entry);
		goto done;
	}
	s = store_pool_get(r->srv->readers);
	found = store_find_principal(s, u, &unit);
	store_pool_put(r->srv->readers, s);
	if (found != 1) {
		json_decref(entry);
		ret = http_problem(r, found ? 503 : 422,
		    "/unit: no active "
		    "principal is named %.64s",
		    u);
		goto done;
	}
	ret = submit(r, entry,
	    json_pack("{s:s,s:s}", "incident", r->arg, "unit", u), written_201);
done:
	json_decref(body);
	return ret;
}

enum MHD_Result
verification_task_done(struct request *r)
{
	static const char *const fields[] = { "note", NULL };
	enum MHD_Result ret;
	struct store *s;
	json_t *body = NULL, *task = NULL, *entry;
	char err[300];
	int64_t t;
	int found;

	if (num_parse_i64(r->arg, 1, INT64_MAX, &t, NULL, 0) == -1)
		return http_problem(r, 404,
		    "no task %.40s (a task is known by "
		    "the log index of its assignment)",
		    r->arg);
	if (r->body_len > 0) {
		if ((body = http_body_json(r, &ret)) == NULL)
			return ret;
		if (only_fields(r, body, fields, &ret) == -1)
			goto done;
	}
	s = store_pool_get(r->srv->readers);
	found = verform_task(s, t, &task);
	store_pool_put(r->srv->readers, s);
	if (found != 1) {
		ret = http_problem(r, found ? 503 : 404,
		    "no task was assigned "
		    "at index %lld",
		    (long long)t);
		goto done;
	}
	if (r->who.role != ROLE_ADMIN && r->who.role != ROLE_ANALYST &&
	    strcmp(json_string_value(json_object_get(task, "unit")),
		r->who.name) != 0) {
		ret = http_problem(r, 403,
		    "task %lld is %s's; only it or an "
		    "analyst marks it done",
		    (long long)t,
		    json_string_value(json_object_get(task, "unit")));
		goto done;
	}
	if (json_is_true(json_object_get(task, "done"))) {
		ret = http_problem(r, 409, "task %lld is done already",
		    (long long)t);
		goto done;
	}
	entry = workflow_done_entry_new(t, json_object_get(body, "note"),
	    r->who.name, timefmt_now_ms());
	if (entry == NULL ||
	    workflow_check_task(entry, err, sizeof(err)) == -1) {
		json_decref(entry);
		ret = http_problem(r, 422, "%s", entry ? err : "/note: text");
		goto done;
	}
	ret = submit(r, entry,
	    json_pack("{s:I,s:b}", "task", (json_int_t)t, "done", 1),
	    written_200);
done:
	json_decref(task);
	json_decref(body);
	return ret;
}

enum MHD_Result
verification_release(struct request *r)
{
	static const char *const fields[] = { "party", "reason", NULL };
	enum MHD_Result ret;
	struct store *s;
	json_t *body, *entry, *m, *parties, *p;
	const char *party;
	char err[300];
	size_t i;
	int listed = 0;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	if (only_fields(r, body, fields, &ret) == -1)
		goto done;
	party = json_string_value(json_object_get(body, "party"));
	entry = workflow_release_entry_new(r->arg, party,
	    json_object_get(body, "reason"), r->who.name, timefmt_now_ms());
	if (entry == NULL ||
	    workflow_check_release(entry, err, sizeof(err)) == -1) {
		json_decref(entry);
		ret = http_problem(r, 422, "%s", entry ? err : "/: bad fields");
		goto done;
	}
	s = store_pool_get(r->srv->readers);
	m = verform_members(s);
	store_pool_put(r->srv->readers, s);
	parties = json_object_get(m, "parties");
	json_array_foreach(parties, i, p) listed |=
	    strcmp(json_string_value(p), party) == 0;
	if (m == NULL || (json_array_size(parties) > 0 && !listed)) {
		json_decref(entry);
		ret = http_problem(r, m ? 422 : 503,
		    "/party: '%.64s' is not one "
		    "of the center's parties",
		    party);
		json_decref(m);
		goto done;
	}
	json_decref(m);
	if (visible(r, r->arg, &ret) != 1) {
		json_decref(entry);
		goto done;
	}
	ret = submit(r, entry,
	    json_pack("{s:s,s:s}", "incident", r->arg, "party", party),
	    written_201);
done:
	json_decref(body);
	return ret;
}

enum MHD_Result
verification_queue(struct request *r)
{
	struct store *s;
	json_t *q;

	s = store_pool_get(r->srv->readers);
	q = verform_queue(s, &r->who);
	store_pool_put(r->srv->readers, s);
	if (q == NULL)
		return http_problem(r, 503, "the store is unavailable");
	return http_json(r, 200,
	    json_pack("{s:s,s:o}", "principal", r->who.name, "queue", q));
}

/* The sources a sensor speaks for (as in POST /v1/observations). */
static const char *const machine_types[] = { "acoustic_sensor", "camera",
	"radar", "uav", NULL };

enum MHD_Result
verification_source_status(struct request *r)
{
	struct source_status_entry st;
	enum MHD_Result ret;
	json_t *body, *entry;
	char err[400];
	size_t i;
	int machine = 0;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	if (source_status_from_input(body, r->arg, r->who.name,
		timefmt_now_ms(), &st, err, sizeof(err)) == -1) {
		ret = http_problem(r, 422, "%s", err);
		goto done;
	}
	/* A sensor speaks for itself only: the unit of its own name, a
	 * machine source, under its member when it has one. */
	if (r->who.role == ROLE_SENSOR) {
		for (i = 0; machine_types[i] != NULL; i++)
			machine |= strcmp(st.type, machine_types[i]) == 0;
		if (strcmp(st.unit, r->who.name) != 0 || !machine ||
		    (r->who.member[0] != '\0' &&
			(st.member == NULL ||
			    strcmp(st.member, r->who.member) != 0))) {
			ret = http_problem(r, 403,
			    "a sensor states its own status only: "
			    "unit %.64s, a machine source type "
			    "(acoustic_sensor, "
			    "camera, radar, uav)%s%.64s",
			    r->who.name, r->who.member[0] ? ", member " : "",
			    r->who.member);
			goto done;
		}
	}
	if ((entry = source_status_build(&st)) == NULL) {
		ret = http_problem(r, 500, "out of memory");
		goto done;
	}
	ret = submit(r, entry,
	    json_pack("{s:s,s:s,s:I,s:I}", "unit", st.unit, "status",
		source_status_name(st.status), "from_ms",
		(json_int_t)st.from_ms, "to_ms", (json_int_t)st.to_ms),
	    written_201);
done:
	json_decref(body);
	return ret;
}
