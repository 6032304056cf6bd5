/*
 * statedigest: the digests of a store's derived state, kind by kind (see
 * statedigest.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alert/alert_rule.h"
#include "common/log.h"
#include "format/increcord.h"
#include "format/reportform.h"
#include "format/verform.h"
#include "record/canon.h"
#include "store/statedigest.h"
#include "store/store.h"

#define DIFF_VALUE_MAX 120 /* bytes of a value in a difference */
#define DIFF_PATH_MAX 256
/* Every period a source's status can state: far wider than the dates the
 * entry's RFC 3339 times can name, far from int64's ends (the store's
 * query subtracts SOURCE_STATUS_MAX_SPAN_MS from the lower one). */
#define SOURCES_EVER_FROM_MS (-(INT64_C(1) << 60))
#define SOURCES_EVER_TO_MS (INT64_C(1) << 60)

static const struct {
	const char *name, *noun;
	int keys; /* store_state_keys' kind; -1: none */
} kinds[STATEDIGEST_NKINDS] = {
	[STATEDIGEST_INCIDENTS] = { "incidents", "incident",
	    STORE_KEYS_INCIDENTS },
	[STATEDIGEST_STATES] = { "states", "incident", STORE_KEYS_STATES },
	[STATEDIGEST_ASSESSMENTS] = { "assessments", "incident",
	    STORE_KEYS_ASSESSMENTS },
	[STATEDIGEST_TASKS] = { "tasks", "incident", STORE_KEYS_TASKS },
	[STATEDIGEST_PRINCIPALS] = { "principals", "principal", -1 },
	[STATEDIGEST_MEMBERS] = { "members", "member", -1 },
	[STATEDIGEST_CUSTODY] = { "custody", "item", STORE_KEYS_CUSTODY },
	[STATEDIGEST_REPORTS] = { "reports", "report", -1 },
	[STATEDIGEST_SOURCES] = { "sources", "source", -1 },
	[STATEDIGEST_RULES] = { "rules", "rule", -1 },
};

int
statedigest_kind(const char *name)
{
	int k;

	for (k = 0; k < STATEDIGEST_NKINDS; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return k;
	return -1;
}

const char *
statedigest_kind_name(int k)
{
	return k >= 0 && k < STATEDIGEST_NKINDS ? kinds[k].name : NULL;
}

const char *
statedigest_row_noun(int k)
{
	return k >= 0 && k < STATEDIGEST_NKINDS ? kinds[k].noun : "row";
}

/* The integer statedigest_canonical makes of real d. */
static json_t *
canonical_real(double d)
{
	d *= 1e6;
	if (isnan(d))
		d = 0;
	if (d > (double)CANON_SAFE_INT)
		d = (double)CANON_SAFE_INT;
	if (d < -(double)CANON_SAFE_INT)
		d = -(double)CANON_SAFE_INT;
	return json_integer((json_int_t)llround(d));
}

json_t *
statedigest_canonical(const json_t *v)
{
	json_t *o, *c;
	const char *key;
	const json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_REAL: return canonical_real(json_real_value(v));
	case JSON_OBJECT:
		if ((o = json_object()) == NULL)
			return NULL;
		json_object_foreach((json_t *)v, key, x)
		{
			if ((c = statedigest_canonical(x)) == NULL ||
			    json_object_set_new(o, key, c) == -1) {
				json_decref(o);
				return NULL;
			}
		}
		return o;
	case JSON_ARRAY:
		if ((o = json_array()) == NULL)
			return NULL;
		for (i = 0; i < json_array_size(v); i++)
			if ((c = statedigest_canonical(json_array_get(v, i))) ==
				NULL ||
			    json_array_append_new(o, c) == -1) {
				json_decref(o);
				return NULL;
			}
		return o;
	default: return json_deep_copy(v);
	}
}

/* One row on its way out: its key, name and record. */
struct row {
	int64_t key;
	char *name;
	json_t *rec;
};

struct rows {
	struct row *v;
	size_t n, cap;
	int64_t from, to;
	int failed;
};

static int
rows_add(struct rows *r, int64_t key, const char *name, json_t *rec)
{
	struct row *v;
	size_t cap;

	if (key < r->from || key >= r->to) {
		json_decref(rec);
		return 0;
	}
	if (r->n == r->cap) {
		cap = r->cap ? 2 * r->cap : 64;
		if ((v = realloc(r->v, cap * sizeof(*v))) == NULL)
			goto fail;
		r->v = v;
		r->cap = cap;
	}
	if ((r->v[r->n].name = strdup(name)) == NULL)
		goto fail;
	r->v[r->n].key = key;
	r->v[r->n].rec = rec;
	r->n++;
	return 0;
fail:
	log_warnx("statedigest: out of memory");
	json_decref(rec);
	r->failed = 1;
	return 1;
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].name);
		json_decref(r->v[i].rec);
	}
	free(r->v);
}

static int
by_key(const void *x, const void *y)
{
	const struct row *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
add_key(void *ctx, int64_t key, const char *name)
{
	return rows_add(ctx, key, name, NULL);
}

/* The incidents' rows (increcord_chunk_canon) on their way to fn. */
struct incident_rows {
	int64_t from, to;
	statedigest_row_fn fn;
	void *ctx;
};

static int
incident_row(void *ctx, int64_t key, const char *id, const char *row,
    size_t len)
{
	struct incident_rows *r = ctx;

	if (key < r->from || key >= r->to)
		return 0;
	return r->fn(r->ctx, key, id, row, len);
}

/* The verification state and the trail of verification's steps (fusion's
 * own steps are the incident's: its observations and decisions). */
static json_t *
state_rec(struct store *s, const char *id)
{
	json_t *wf, *hist, *trail, *ev;
	const char *kind;
	size_t i;

	/* The state alone: verform_workflow's object without what the
	   assessments and tasks kinds hold, read without them. */
	if ((wf = verform_state(s, id)) == NULL)
		return NULL;
	if ((hist = verform_history(s, id)) == NULL) {
		json_decref(wf);
		return NULL;
	}
	trail = json_array();
	json_array_foreach(hist, i, ev)
	{
		kind = json_string_value(json_object_get(ev, "kind"));
		if (kind != NULL && strcmp(kind, "observation") != 0 &&
		    strcmp(kind, "decision") != 0)
			json_array_append(trail, ev);
	}
	json_decref(hist);
	json_object_set_new(wf, "trail", trail);
	return wf;
}

static json_t *
assessments_rec(struct store *s, const char *id)
{
	json_t *a = verform_assessments(s, id);

	return a == NULL ? NULL
			 : json_pack("{s:s,s:o}", "id", id, "assessments", a);
}

/* The releases and tasks: {"id", "tasks", "released_to"}. */
static json_t *
tasks_rec(struct store *s, const char *id)
{
	return verform_tasks(s, id);
}

struct custody_find {
	int64_t index;
	json_t *rec;
};

static int
custody_step(void *ctx, const struct store_custody_row *row)
{
	struct custody_find *c = ctx;

	if (row->index != c->index)
		return 0;
	c->rec = json_pack("{s:I,s:s,s:s,s:I}", "index", (json_int_t)row->index,
	    "action", row->action, "by", row->by, "at_ms",
	    (json_int_t)row->at_ms);
	return 1;
}

static json_t *
custody_rec(struct store *s, int64_t index, const char *item)
{
	struct custody_find c = { index, NULL };
	char media[256];
	int64_t size = 0;

	if (store_custody(s, item, custody_step, &c) == -1 || c.rec == NULL)
		return NULL;
	/* An item the store lost is a difference to show, not an error. */
	switch (store_find_evidence(s, item, &size, media, sizeof(media))) {
	case 1:
		json_object_set_new(c.rec, "size", json_integer(size));
		json_object_set_new(c.rec, "media_type", json_string(media));
		break;
	case 0:
		json_object_set_new(c.rec, "size", json_null());
		json_object_set_new(c.rec, "media_type", json_null());
		break;
	default: json_decref(c.rec); return NULL;
	}
	json_object_set_new(c.rec, "item", json_string(item));
	return c.rec;
}

static int
add_principal(void *ctx, const struct store_principal_row *p)
{
	return rows_add(ctx, p->added_index, p->name,
	    json_pack("{s:s,s:s,s:s,s:s,s:b,s:I,s:I}", "name", p->name, "role",
		p->role, "member", p->member, "party", p->party, "active",
		p->active, "added_index", (json_int_t)p->added_index,
		"revoked_index", (json_int_t)p->revoked_index));
}

/* Members, one row each at the index they joined, and the rule and
 * parties of the genesis as the row "(rule)" at index 0. */
static int
member_rows(struct store *s, struct rows *r)
{
	json_t *m = verform_members(s), *x;
	const char *name;
	size_t i;

	if (m == NULL)
		return -1;
	rows_add(r, 0, "(rule)",
	    json_pack("{s:O*,s:O*}", "rule", json_object_get(m, "rule"),
		"parties", json_object_get(m, "parties")));
	json_array_foreach(json_object_get(m, "members"), i, x)
	{
		name = json_string_value(json_object_get(x, "name"));
		if (name == NULL || r->failed)
			continue;
		rows_add(r,
		    json_integer_value(json_object_get(x, "since_index")), name,
		    json_incref(x));
	}
	json_decref(m);
	return r->failed ? -1 : 0;
}

static int
report_rows(struct store *s, struct rows *r)
{
	json_t *list = reportform_list(s, NULL, NULL), *x, *rec;
	const char *id;
	size_t i;
	int64_t key;

	if (list == NULL)
		return -1;
	json_array_foreach(list, i, x)
	{
		id = json_string_value(json_object_get(x, "id"));
		key = json_integer_value(json_object_get(x, "index"));
		if (id == NULL || key < r->from || key >= r->to)
			continue;
		rec = NULL;
		if (reportform_find(s, id, &rec) != 1) {
			r->failed = 1;
			break;
		}
		if (rows_add(r, key, id, rec) != 0)
			break;
	}
	json_decref(list);
	return r->failed ? -1 : 0;
}

/*
 * The sources' status statements, one row each at its log index, named by
 * the source's unit: the statement as the daily report's Sources section
 * lists it (reportform_source_statuses), whatever its period.
 */
static int
source_rows(struct store *s, struct rows *r)
{
	json_t *list, *x;
	const char *unit;
	size_t i;

	list = reportform_source_statuses(s, SOURCES_EVER_FROM_MS,
	    SOURCES_EVER_TO_MS);
	if (list == NULL)
		return -1;
	json_array_foreach(list, i, x)
	{
		unit = json_string_value(json_object_get(x, "unit"));
		if (unit == NULL || r->failed)
			continue;
		rows_add(r, json_integer_value(json_object_get(x, "index")),
		    unit, json_incref(x));
	}
	json_decref(list);
	return r->failed ? -1 : 0;
}

/*
 * The alert rules, one row each at the index of its "add" entry, named
 * "rule-N" as the API names it: the entry as the log has it, who added it
 * and when, and the entry that disabled it (null: enabled).
 */
static int
add_rule(void *ctx, const struct store_alert_rule_row *row)
{
	char name[ALERT_RULE_ID_MAX];
	json_t *entry;

	if ((entry = json_loads(row->entry, 0, NULL)) == NULL) {
		log_warnx("statedigest: rule %lld: its entry is no JSON",
		    (long long)row->index);
		((struct rows *)ctx)->failed = 1;
		return 1;
	}
	alert_rule_id(row->index, name);
	return rows_add(ctx, row->index, name,
	    json_pack("{s:s,s:s,s:I,s:o,s:o,s:o}", "id", name, "by", row->by,
		"at_ms", (json_int_t)row->at_ms, "entry", entry,
		"disabled_index",
		row->disabled_index >= 0 ? json_integer(row->disabled_index)
					 : json_null(),
		"disabled_by",
		row->disabled_by != NULL ? json_string(row->disabled_by)
					 : json_null()));
}

/* The record of the row r->v[i] of kind k, read by its key. */
static json_t *
keyed_rec(struct store *s, int k, const struct row *row)
{
	switch (k) {
	case STATEDIGEST_STATES: return state_rec(s, row->name);
	case STATEDIGEST_ASSESSMENTS: return assessments_rec(s, row->name);
	case STATEDIGEST_TASKS: return tasks_rec(s, row->name);
	case STATEDIGEST_CUSTODY: return custody_rec(s, row->key, row->name);
	default: return NULL;
	}
}

int
statedigest_rows(struct store *s, int k, int64_t from, int64_t to,
    statedigest_row_fn fn, void *ctx)
{
	struct incident_rows ir;
	struct rows r;
	json_t *canon;
	char *bytes;
	size_t i, len;
	int rc = -1, got;

	memset(&r, 0, sizeof(r));
	r.from = from;
	r.to = to;
	if (k < 0 || k >= STATEDIGEST_NKINDS || from < 0 || to < from)
		return -1;
	if (k == STATEDIGEST_INCIDENTS) {
		/* Read by chunk (one query per table, not several an
		   incident), each row written canonical as it comes, with
		   no JSON tree. */
		ir.from = from;
		ir.to = to;
		ir.fn = fn;
		ir.ctx = ctx;
		return increcord_chunk_canon(s, from, to, incident_row, &ir);
	} else if (kinds[k].keys != -1) {
		if (store_state_keys(s, (enum store_key_kind)kinds[k].keys,
			from, to, add_key, &r) == -1 ||
		    r.failed)
			goto done;
		for (i = 0; i < r.n; i++)
			if ((r.v[i].rec = keyed_rec(s, k, &r.v[i])) == NULL) {
				log_warnx("statedigest: %s %s: no record",
				    kinds[k].noun, r.v[i].name);
				goto done;
			}
	} else {
		if (k == STATEDIGEST_PRINCIPALS)
			got = store_principals(s, add_principal, &r);
		else if (k == STATEDIGEST_MEMBERS)
			got = member_rows(s, &r);
		else if (k == STATEDIGEST_SOURCES)
			got = source_rows(s, &r);
		else if (k == STATEDIGEST_RULES)
			got = store_alert_rules(s, from, to, add_rule, &r);
		else
			got = report_rows(s, &r);
		if (got == -1 || r.failed)
			goto done;
		if (r.n > 1)
			qsort(r.v, r.n, sizeof(*r.v), by_key);
	}
	for (i = 0; i < r.n; i++) {
		if (r.v[i].rec == NULL ||
		    (canon = statedigest_canonical(r.v[i].rec)) == NULL)
			goto done;
		got = canon_encode(canon, &bytes, &len);
		json_decref(canon);
		if (got == -1) {
			log_warnx("statedigest: %s %s: not canonical",
			    kinds[k].noun, r.v[i].name);
			goto done;
		}
		got = fn(ctx, r.v[i].key, r.v[i].name, bytes, len);
		free(bytes);
		if (got != 0)
			break;
	}
	rc = 0;
done:
	rows_free(&r);
	return rc;
}

struct range {
	crypto_hash_sha256_state st;
	int64_t count;
};

static int
digest_row(void *ctx, int64_t key, const char *name, const char *row,
    size_t len)
{
	struct range *r = ctx;
	uint8_t rec[8 + crypto_hash_sha256_BYTES];
	uint64_t v = (uint64_t)key;
	int i;

	(void)name; /* every row holds its name */
	for (i = 7; i >= 0; i--) {
		rec[i] = (uint8_t)v;
		v >>= 8;
	}
	crypto_hash_sha256(rec + 8, (const uint8_t *)row, len);
	crypto_hash_sha256_update(&r->st, rec, sizeof(rec));
	r->count++;
	return 0;
}

int
statedigest_range(struct store *s, int k, int64_t from, int64_t to,
    uint8_t out[STATEDIGEST_SIZE], int64_t *count)
{
	struct range r;

	if (from < 0 || to < from || to - from > STATEDIGEST_MAX_SPAN)
		return -1;
	crypto_hash_sha256_init(&r.st);
	r.count = 0;
	if (to > from && statedigest_rows(s, k, from, to, digest_row, &r) == -1)
		return -1;
	crypto_hash_sha256_final(&r.st, out);
	*count = r.count;
	return 0;
}

/* v as compact JSON cut to DIFF_VALUE_MAX bytes, or "nothing". */
static void
show(const json_t *v, char *out, size_t len)
{
	char *d;

	if (v == NULL) {
		snprintf(out, len, "nothing");
		return;
	}
	d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (d == NULL)
		snprintf(out, len, "?");
	else if (strlen(d) > DIFF_VALUE_MAX)
		snprintf(out, len, "%.*s...", DIFF_VALUE_MAX, d);
	else
		snprintf(out, len, "%s", d);
	free(d);
}

static int
by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int
diff_at(const json_t *a, const json_t *b, const char *path, char *out,
    size_t outlen)
{
	char va[DIFF_VALUE_MAX + 8], vb[DIFF_VALUE_MAX + 8];
	char sub[DIFF_PATH_MAX];
	const char **names = NULL, *key;
	const json_t *x;
	size_t i, n = 0, na, nb;
	int rc = 0;

	if (a != NULL && b != NULL && json_equal(a, b))
		return 0;
	if (json_is_object(a) && json_is_object(b)) {
		names = calloc(json_object_size(a) + json_object_size(b) + 1,
		    sizeof(*names));
		if (names == NULL)
			goto leaf;
		json_object_foreach((json_t *)a, key, x)
		{
			names[n++] = key;
		}
		json_object_foreach((json_t *)b, key, x)
		{
			if (json_object_get(a, key) == NULL)
				names[n++] = key;
		}
		qsort(names, n, sizeof(*names), by_name);
		for (i = 0; i < n && rc == 0; i++) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
			    path[0] ? "." : "", names[i]);
			rc = diff_at(json_object_get(a, names[i]),
			    json_object_get(b, names[i]), sub, out, outlen);
		}
		free(names);
		if (rc)
			return rc;
	} else if (json_is_array(a) && json_is_array(b)) {
		na = json_array_size(a);
		nb = json_array_size(b);
		for (i = 0; i < (na > nb ? na : nb) && rc == 0; i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			rc = diff_at(json_array_get(a, i), json_array_get(b, i),
			    sub, out, outlen);
		}
		if (rc)
			return rc;
	}
leaf:
	show(a, va, sizeof(va));
	show(b, vb, sizeof(vb));
	snprintf(out, outlen, "%s: the center has %s, the replay has %s",
	    path[0] ? path : "the row", va, vb);
	return 1;
}

int
statedigest_diff(const json_t *center, const json_t *replay, char *out,
    size_t outlen)
{
	return diff_at(center, replay, "", out, outlen);
}
