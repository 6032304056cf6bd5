/*
 * reportform: reports' JSON built from store rows (see reportform.h).
 */
#include <stdlib.h>
#include <string.h>

#include "format/reportform.h"
#include "store/store.h"
#include "verify/member.h"

/* The members who signed and who refused a report, in name order. */
struct decided {
	json_t *signed_by, *refused_by;
};

static int
on_decision(void *ctx, const struct store_signature_row *row)
{
	struct decided *d = ctx;

	if (strcmp(row->decision, "sign") == 0)
		json_array_append_new(d->signed_by, json_string(row->member));
	else if (strcmp(row->decision, "refuse") == 0)
		json_array_append_new(d->refused_by, json_string(row->member));
	return 0;
}

/* Report row as JSON (with who signed and refused it); NULL on error. */
static json_t *
report_json(struct store *s, const struct store_report_row *row)
{
	struct decided d = { json_array(), json_array() };

	if (d.signed_by == NULL || d.refused_by == NULL ||
	    store_signatures(s, row->id, on_decision, &d) == -1) {
		json_decref(d.signed_by);
		json_decref(d.refused_by);
		return NULL;
	}
	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:{s:I,s:I},s:I,s:s,s:s,s:I,"
			 "s:s,s:I,s:o,s:o}",
	    "id", row->id, "index", (json_int_t)row->index, "kind", row->kind,
	    "number", row->number, "subject", row->subject, "period", "from_ms",
	    (json_int_t)row->from_ms, "to_ms", (json_int_t)row->to_ms,
	    "log_size", (json_int_t)row->log_size, "root", row->root, "by",
	    row->by, "at_ms", (json_int_t)row->at_ms, "state", row->state,
	    "state_index", (json_int_t)row->state_index, "signed_by",
	    d.signed_by, "refused_by", d.refused_by);
}

/* A listing or a lookup in progress. */
struct gather {
	struct store *s;
	json_t *list; /* reportform_list's */
	json_t *one;  /* reportform_find's */
	int failed;
};

static int
on_report(void *ctx, const struct store_report_row *row)
{
	struct gather *g = ctx;
	json_t *o = report_json(g->s, row);

	if (g->list != NULL) {
		if (o != NULL)
			json_array_append_new(g->list, o);
		return 0;
	}
	if ((g->one = o) == NULL)
		g->failed = 1;
	return 1;
}

json_t *
reportform_list(struct store *s, const char *state, const char *kind)
{
	struct store_report_filter f = { NULL, state, kind };
	struct gather g = { s, json_array(), NULL, 0 };

	if (g.list == NULL || store_reports(s, &f, on_report, &g) == -1) {
		json_decref(g.list);
		return NULL;
	}
	return g.list;
}

static int
count_member(void *ctx, const struct store_member_row *row)
{
	(void)row;
	(*(int64_t *)ctx)++;
	return 0;
}

/* The signatures the center's rule needs of its current members. */
static int
needed(struct store *s, int64_t *need)
{
	struct member_rule rule = { 0, 0 };
	int64_t nmembers = 0;
	char *text = NULL;
	json_t *v = NULL;
	int r;

	if (store_members(s, count_member, &nmembers) == -1 ||
	    (r = store_center_value(s, "rule", &text)) == -1)
		return -1;
	if (r == 1)
		v = json_loads(text, 0, NULL);
	free(text);
	if (v == NULL || member_rule_from_json(v, &rule) == -1)
		rule.k = rule.n = 0;
	json_decref(v);
	*need = member_rule_needed(&rule, nmembers);
	return 0;
}

static int
on_signature(void *ctx, const struct store_signature_row *row)
{
	json_array_append_new(ctx,
	    json_pack("{s:s,s:s,s:s?,s:I,s:I,s:s}", "member", row->member,
		"decision", row->decision, "reason", row->reason, "index",
		(json_int_t)row->index, "signed_at_ms",
		(json_int_t)row->signed_at_ms, "note", row->note));
	return 0;
}

int
reportform_find(struct store *s, const char *id, json_t **out)
{
	struct store_report_filter f = { id, NULL, NULL };
	struct gather g = { s, NULL, NULL, 0 };
	json_t *sigs = NULL;
	int64_t need;

	if (store_reports(s, &f, on_report, &g) == -1 || g.failed)
		goto fail;
	if (g.one == NULL)
		return 0;
	if (needed(s, &need) == -1 || (sigs = json_array()) == NULL ||
	    store_signatures(s, id, on_signature, sigs) == -1)
		goto fail;
	json_object_set_new(g.one, "signatures", sigs);
	json_object_set_new(g.one, "needed", json_integer(need));
	*out = g.one;
	return 1;
fail:
	json_decref(sigs);
	json_decref(g.one);
	return -1;
}

/* The statements gathered so far. */
struct statuses {
	json_t *list;
	int failed;
};

/* Appends the statement row to the list; stops on error. */
static int
on_status(void *ctx, const struct store_source_status_row *row)
{
	const char *const text[] = { row->type, row->member, row->organisation,
		row->unit, row->status, row->reason };
	static const char *const keys[] = { "type", "member", "organisation",
		"unit", "status", "reason" };
	struct statuses *g = ctx;
	json_t *o;
	size_t k;

	o = json_pack("{s:I,s:I,s:I,s:s}", "from_ms", (json_int_t)row->from_ms,
	    "to_ms", (json_int_t)row->to_ms, "index", (json_int_t)row->index,
	    "by", row->by);
	for (k = 0; o != NULL && k < sizeof(keys) / sizeof(keys[0]); k++)
		if (text[k] != NULL &&
		    json_object_set_new(o, keys[k], json_string(text[k])) ==
			-1) {
			json_decref(o);
			o = NULL;
		}
	if (o == NULL || json_array_append_new(g->list, o) == -1)
		g->failed = 1;
	return g->failed;
}

json_t *
reportform_source_statuses(struct store *s, int64_t from_ms, int64_t to_ms)
{
	struct statuses g = { json_array(), 0 };

	if (g.list == NULL ||
	    store_source_statuses(s, from_ms, to_ms, on_status, &g) == -1 ||
	    g.failed) {
		json_decref(g.list);
		return NULL;
	}
	return g.list;
}
