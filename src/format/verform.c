/*
 * verform: joint verification's answers built from store rows (see
 * verform.h).
 */
#include <stdlib.h>
#include <string.h>

#include "format/verform.h"
#include "store/store.h"
#include "verify/member.h"
#include "verify/principal.h"

static int
member_row(void *ctx, const struct store_member_row *row)
{
	json_array_append_new(ctx,
	    json_pack("{s:s,s:s,s:I}", "name", row->name, "vkey", row->vkey,
		"since_index", (json_int_t)row->since_index));
	return 0;
}

/* The center's setting key parsed, or NULL when it has none. */
static json_t *
center_json(struct store *s, const char *key)
{
	char *text = NULL;
	json_t *v = NULL;

	if (store_center_value(s, key, &text) == 1)
		v = json_loads(text, 0, NULL);
	free(text);
	return v;
}

json_t *
verform_members(struct store *s)
{
	json_t *list = json_array(), *rule, *parties;

	if (list == NULL || store_members(s, member_row, list) == -1) {
		json_decref(list);
		return NULL;
	}
	if ((rule = center_json(s, "rule")) == NULL)
		rule = json_pack("{s:s}", "kind", "all");
	if ((parties = center_json(s, "parties")) == NULL)
		parties = json_array();
	return json_pack("{s:o,s:o,s:o}", "rule", rule, "parties", parties,
	    "members", list);
}

/* An assessment row as JSON: its note and, beside it, what it signed. */
static int
assessment_row(void *ctx, const struct store_assessment_row *row)
{
	char err[128];
	json_t *o, *a;

	o = json_pack("{s:I,s:s,s:I,s:s,s:I,s:s}", "index",
	    (json_int_t)row->index, "member", row->member, "revision",
	    (json_int_t)row->revision, "by", row->by, "at_ms",
	    (json_int_t)row->at_ms, "note", row->note);
	if (o != NULL &&
	    (a = member_note_json(row->note, strlen(row->note), err,
		 sizeof(err))) != NULL) {
		json_object_del(a, "type");
		json_object_del(a, "v");
		json_object_del(a, "member");
		json_object_del(a, "revision");
		json_object_del(a, "incident");
		json_object_update(o, a);
		json_decref(a);
	}
	json_array_append_new(ctx, o);
	return 0;
}

static json_t *
task_json(const struct store_task_row *row)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:b}", "task",
	    (json_int_t)row->task, "incident", row->incident, "unit", row->unit,
	    "kind", row->kind, "description", row->description, "due_ms",
	    (json_int_t)row->due_ms, "by", row->by, "at_ms",
	    (json_int_t)row->at_ms, "done", row->done);

	if (o != NULL && row->done) {
		json_object_set_new(o, "done_index",
		    json_integer(row->done_index));
		json_object_set_new(o, "done_by", json_string(row->done_by));
		if (row->note != NULL)
			json_object_set_new(o, "note", json_string(row->note));
	}
	return o;
}

static int
task_row(void *ctx, const struct store_task_row *row)
{
	json_array_append_new(ctx, task_json(row));
	return 0;
}

static int
text_row(void *ctx, const char *text)
{
	json_array_append_new(ctx, json_string(text));
	return 0;
}

static int
state_row(void *ctx, const struct store_state_row *row)
{
	json_t **o = ctx;

	*o = json_pack("{s:s,s:s,s:I,s:I,s:I}", "id", row->incident, "state",
	    row->state, "tier", (json_int_t)row->tier, "since_index",
	    (json_int_t)row->since_index, "since_ms",
	    (json_int_t)row->since_ms);
	if (*o != NULL && row->tier_name != NULL)
		json_object_set_new(*o, "tier_name",
		    json_string(row->tier_name));
	if (*o != NULL && row->duplicate_of != NULL)
		json_object_set_new(*o, "duplicate_of",
		    json_string(row->duplicate_of));
	return 1;
}

json_t *
verform_state(struct store *s, const char *id)
{
	struct store_state_filter f = { id, NULL, NULL };
	json_t *o = NULL;

	if (store_incident_states(s, &f, state_row, &o) == -1) {
		json_decref(o);
		return NULL;
	}
	if (o == NULL)
		o = json_pack("{s:s,s:s,s:i}", "id", id, "state", "received",
		    "tier", 0);
	return o;
}

json_t *
verform_views(struct store *s, const char *id)
{
	json_t *o = NULL, *latest = json_array();

	if (latest == NULL || (o = verform_state(s, id)) == NULL ||
	    store_assessments(s, id, 1, assessment_row, latest) == -1)
		goto fail;
	json_object_set_new(o, "assessments", latest);
	return o;
fail:
	json_decref(o);
	json_decref(latest);
	return NULL;
}

json_t *
verform_tasks(struct store *s, const char *id)
{
	struct store_task_filter tf;
	json_t *released = json_array(), *tasks = json_array();

	store_task_filter_init(&tf);
	tf.incident = id;
	if (released == NULL || tasks == NULL ||
	    store_releases(s, id, text_row, released) == -1 ||
	    store_tasks(s, &tf, task_row, tasks) == -1) {
		json_decref(released);
		json_decref(tasks);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:o}", "id", id, "released_to", released,
	    "tasks", tasks);
}

json_t *
verform_workflow(struct store *s, const char *id)
{
	json_t *o, *t;

	if ((o = verform_views(s, id)) == NULL)
		return NULL;
	if ((t = verform_tasks(s, id)) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set(o, "released_to", json_object_get(t, "released_to"));
	json_object_set(o, "tasks", json_object_get(t, "tasks"));
	json_decref(t);
	return o;
}

json_t *
verform_assessments(struct store *s, const char *id)
{
	json_t *list = json_array();

	if (list == NULL ||
	    store_assessments(s, id, 0, assessment_row, list) == -1) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int
event_row(void *ctx, const struct store_event_row *row)
{
	json_t *o = json_pack("{s:I,s:s}", "index", (json_int_t)row->index,
	    "kind", row->kind);

	if (o != NULL && row->from != NULL)
		json_object_set_new(o, "from", json_string(row->from));
	if (o != NULL && row->to != NULL)
		json_object_set_new(o, "to", json_string(row->to));
	json_array_append_new(ctx, o);
	return 0;
}

json_t *
verform_history(struct store *s, const char *id)
{
	json_t *list = json_array();

	if (list == NULL || store_history(s, id, event_row, list) == -1) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int
one_task(void *ctx, const struct store_task_row *row)
{
	json_t **o = ctx;

	*o = task_json(row);
	return 1;
}

int
verform_task(struct store *s, int64_t task, json_t **out)
{
	struct store_task_filter f;
	json_t *o = NULL;

	store_task_filter_init(&f);
	f.task = task;
	if (store_tasks(s, &f, one_task, &o) == -1)
		return -1;
	if (o == NULL)
		return 0;
	*out = o;
	return 1;
}

/* What waits: an item of the queue (kind set by the caller). */
struct waiting {
	json_t *list;
	const char *kind;
};

static int
waiting_row(void *ctx, const struct store_state_row *row)
{
	struct waiting *w = ctx;

	json_array_append_new(w->list,
	    json_pack("{s:s,s:s,s:I,s:I}", "kind", w->kind, "incident",
		row->incident, "since_index", (json_int_t)row->since_index,
		"since_ms", (json_int_t)row->since_ms));
	return 0;
}

static int
open_task_row(void *ctx, const struct store_task_row *row)
{
	json_array_append_new(ctx,
	    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:s}", "kind", "task",
		"incident", row->incident, "since_index", (json_int_t)row->task,
		"since_ms", (json_int_t)row->at_ms, "task",
		(json_int_t)row->task, "due_ms", (json_int_t)row->due_ms,
		"description", row->description));
	return 0;
}

static int
by_since(const void *a, const void *b)
{
	json_int_t x = json_integer_value(
	    json_object_get(*(json_t *const *)a, "since_index"));
	json_int_t y = json_integer_value(
	    json_object_get(*(json_t *const *)b, "since_index"));

	return x < y ? -1 : x > y;
}

json_t *
verform_queue(struct store *s, const struct principal *p)
{
	struct store_state_filter f = { NULL, NULL, NULL };
	struct store_task_filter tf;
	struct waiting w = { json_array(), NULL };
	json_t *q = NULL, **items = NULL;
	size_t i, n;

	if (w.list == NULL)
		goto done;
	if (p->role == ROLE_ASSESSOR) {
		/* Awaiting this member's assessment. */
		w.kind = "assess";
		f.state = "awaiting_assessment";
		f.unassessed_by = p->member;
	} else if (p->role == ROLE_ANALYST || p->role == ROLE_ADMIN) {
		/* Disputed incidents wait for an analyst to escalate them. */
		w.kind = "escalate";
		f.state = "disputed";
	}
	if (w.kind != NULL &&
	    store_incident_states(s, &f, waiting_row, &w) == -1)
		goto done;
	/* The caller's open tasks. */
	store_task_filter_init(&tf);
	tf.open_for = p->name;
	if (store_tasks(s, &tf, open_task_row, w.list) == -1)
		goto done;
	/* Oldest first: by the log index since when each item waits. */
	n = json_array_size(w.list);
	if ((items = calloc(n ? n : 1, sizeof(*items))) == NULL)
		goto done;
	for (i = 0; i < n; i++)
		items[i] = json_array_get(w.list, i);
	qsort(items, n, sizeof(*items), by_since);
	q = json_array();
	for (i = 0; i < n; i++)
		json_array_append(q, items[i]);
done:
	free(items);
	json_decref(w.list);
	return q;
}
