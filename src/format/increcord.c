/*
 * increcord: incident records built from store rows (see increcord.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format/increcord.h"
#include "fusion/associate.h"
#include "record/canon.h"
#include "store/store.h"

/* The lists of a record, filled by the store's visit of its parts. */
struct parts {
	json_t *obs, *comp, *parties, *notes, *members, *corroborated, *zones,
	    *decisions;
	int complaint; /* only a complaint corroborates other incidents */
};

static int
on_part(void *ctx, const char *id, int complaint, int linked, const char *note,
    const char *organisation)
{
	struct parts *p = ctx;

	if (complaint) {
		json_array_append_new(p->comp, json_string(id));
		json_object_set_new(p->parties, id,
		    organisation != NULL ? json_string(organisation)
					 : json_null());
	} else
		json_array_append_new(p->obs, json_string(id));
	if (!linked && note != NULL && note[0] != '\0')
		json_array_append_new(p->notes,
		    json_pack("{s:s,s:s}", "observation", id, "note", note));
	return 0;
}

static int
on_member(void *ctx, const char *member)
{
	json_array_append_new(((struct parts *)ctx)->members,
	    json_string(member));
	return 0;
}

static int
on_corroborates(void *ctx, const char *incident)
{
	if (!((struct parts *)ctx)->complaint)
		return 0;
	json_array_append_new(((struct parts *)ctx)->corroborated,
	    json_string(incident));
	return 0;
}

static int
on_zone(void *ctx, const char *layer, const char *zone)
{
	json_array_append_new(((struct parts *)ctx)->zones,
	    json_pack("{s:s,s:s}", "layer", layer, "zone", zone));
	return 0;
}

static int
on_decision(void *ctx, int64_t index, int applied, const char *message)
{
	json_array_append_new(((struct parts *)ctx)->decisions,
	    json_pack("{s:I,s:b,s:s}", "index", (json_int_t)index, "applied",
		applied, "message", message));
	return 0;
}

static json_t *
text_or_null(const char *text)
{
	return text != NULL ? json_string(text) : json_null();
}

/* Appends a new list to o under key; the list, or NULL. */
static json_t *
list(json_t *o, const char *key, json_t *(*make)(void))
{
	json_t *l = make();

	return json_object_set_new(o, key, l) == 0 ? l : NULL;
}

/* The record of row (see increcord.h) without its parts, whose lists p
 * is set to; NULL on error. */
static json_t *
record_head(const struct store_incident_row *row, struct parts *p)
{
	const struct associate_incident *inc = row->inc;
	json_t *o, *types;
	const char *name;
	int t;

	types = json_array();
	for (t = 0; t < 32; t++)
		if ((inc->source_types & (1u << t)) &&
		    (name = associate_source_type_name(t)) != NULL)
			json_array_append_new(types, json_string(name));
	name = associate_category_name(inc->category);
	o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:b,s:i,"
		      "s:o,s:b,s:b,s:I,s:I,s:I}",
	    "id", inc->id, "kind",
	    inc->kind == ASSOCIATE_OBSERVED ? "observed" : "complaint", "group",
	    associate_group_name(inc->group), "category",
	    name != NULL ? name : "other", "count", (json_int_t)inc->count,
	    "qualifier", associate_qualifier_name(inc->qualifier),
	    "time_from_ms", (json_int_t)inc->g_from, "time_to_ms",
	    (json_int_t)inc->g_to, "reported_from_ms", (json_int_t)inc->t_from,
	    "reported_to_ms", (json_int_t)inc->t_to, "located", inc->located,
	    "independent_sources", inc->nsources, "source_types", types,
	    "pinned", inc->pinned, "live", inc->live, "seed_index",
	    (json_int_t)inc->seed_index, "updated_index",
	    (json_int_t)inc->updated_index, "cursor", (json_int_t)row->cursor);
	if (o == NULL)
		return NULL;
	if (inc->located) {
		json_object_set_new(o, "lat", json_real(inc->lat));
		json_object_set_new(o, "lon", json_real(inc->lon));
		json_object_set_new(o, "cov",
		    json_pack("[f,f,f]", inc->cov[0], inc->cov[1],
			inc->cov[2]));
	}
	json_object_set_new(o, "merged_into",
	    inc->merged_into[0] ? json_string(inc->merged_into) : json_null());
	json_object_set_new(o, "zone", text_or_null(row->zone));
	json_object_set_new(o, "description", text_or_null(row->description));
	json_object_set_new(o, "line",
	    row->line == NULL
		? json_null()
		: json_pack("{s:s,s:f,s:o}", "name", row->line, "distance_m",
		      row->line_m, "side", text_or_null(row->line_side)));
	p->obs = list(o, "observations", json_array);
	p->comp = list(o, "complaints", json_array);
	p->parties = list(o, "complaint_parties", json_object);
	p->notes = list(o, "notes", json_array);
	p->members = list(o, "members", json_array);
	p->corroborated = list(o, "corroborated_by", json_array);
	p->zones = list(o, "zones", json_array);
	p->decisions = list(o, "decisions", json_array);
	p->complaint = inc->kind == ASSOCIATE_COMPLAINT;
	if (p->obs == NULL || p->comp == NULL || p->parties == NULL ||
	    p->notes == NULL || p->members == NULL || p->corroborated == NULL ||
	    p->zones == NULL || p->decisions == NULL) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The record of row (see increcord.h); NULL on error. */
static json_t *
record_of(struct store *s, const struct store_incident_row *row)
{
	struct store_incident_visit v = { on_part, on_member, NULL, on_zone,
		on_decision };
	struct parts p;
	json_t *o;

	if ((o = record_head(row, &p)) == NULL)
		return NULL;
	/* Only a complaint corroborates other incidents. */
	if (p.complaint)
		v.corroborates = on_corroborates;
	if (store_incident_parts(s, row->inc->id, &v, &p) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The members of a state digest's incident row (increcord_chunk_canon), in
 * canonical (byte-wise) key order: the record without "cursor" and
 * "complaint_parties".
 */
enum {
	K_CATEGORY,
	K_COMPLAINTS,
	K_CORROBORATED_BY,
	K_COUNT,
	K_COV,
	K_DECISIONS,
	K_DESCRIPTION,
	K_GROUP,
	K_ID,
	K_INDEPENDENT_SOURCES,
	K_KIND,
	K_LAT,
	K_LINE,
	K_LIVE,
	K_LOCATED,
	K_LON,
	K_MEMBERS,
	K_MERGED_INTO,
	K_NOTES,
	K_OBSERVATIONS,
	K_PINNED,
	K_QUALIFIER,
	K_REPORTED_FROM_MS,
	K_REPORTED_TO_MS,
	K_SEED_INDEX,
	K_SOURCE_TYPES,
	K_TIME_FROM_MS,
	K_TIME_TO_MS,
	K_UPDATED_INDEX,
	K_ZONE,
	K_ZONES,
	K_N
};

/* Each member's key as the row writes it, with its quotes and colon. */
#define KEY(name)                                 \
	{                                         \
		"\"" name "\":", sizeof(name) + 2 \
	}
static const struct {
	const char *text;
	size_t len;
} canon_key[K_N] = { KEY("category"), KEY("complaints"), KEY("corroborated_by"),
	KEY("count"), KEY("cov"), KEY("decisions"), KEY("description"),
	KEY("group"), KEY("id"), KEY("independent_sources"), KEY("kind"),
	KEY("lat"), KEY("line"), KEY("live"), KEY("located"), KEY("lon"),
	KEY("members"), KEY("merged_into"), KEY("notes"), KEY("observations"),
	KEY("pinned"), KEY("qualifier"), KEY("reported_from_ms"),
	KEY("reported_to_ms"), KEY("seed_index"), KEY("source_types"),
	KEY("time_from_ms"), KEY("time_to_ms"), KEY("updated_index"),
	KEY("zone"), KEY("zones") };
#undef KEY

/* A chunk written as canonical rows: each member's value (a list's
 * items, without brackets) in its own buffer, joined in key order when
 * the next incident starts. */
struct canon_chunk {
	struct canon_buf seg[K_N], out;
	char id[ASSOCIATE_ID_LEN + 1];
	int64_t key;
	int open, located, complaint, failed, stopped;
	increcord_canon_fn fn;
	void *ctx;
};

static int
is_list(int k)
{
	return k == K_COMPLAINTS || k == K_CORROBORATED_BY ||
	    k == K_DECISIONS || k == K_MEMBERS || k == K_NOTES ||
	    k == K_OBSERVATIONS || k == K_ZONES;
}

#define PUTS(b, lit) canon_put((b), (lit), sizeof(lit) - 1)

static void
put_text(struct canon_buf *b, const char *text)
{
	if (text == NULL)
		PUTS(b, "null");
	else
		canon_put_string(b, text, strlen(text));
}

static void
put_bool(struct canon_buf *b, int v)
{
	if (v)
		PUTS(b, "true");
	else
		PUTS(b, "false");
}

/* Real d as statedigest_canonical writes it: micro-units, rounded,
 * clamped to the safe range, NaN as 0. */
static void
put_micro(struct canon_buf *b, double d)
{
	d *= 1e6;
	if (isnan(d))
		d = 0;
	if (d > (double)CANON_SAFE_INT)
		d = (double)CANON_SAFE_INT;
	if (d < -(double)CANON_SAFE_INT)
		d = -(double)CANON_SAFE_INT;
	canon_put_int(b, (json_int_t)llround(d));
}

/* Starts an item of list k: a comma unless it is the first. */
static struct canon_buf *
item(struct canon_chunk *c, int k)
{
	if (c->seg[k].len > 0)
		PUTS(&c->seg[k], ",");
	return &c->seg[k];
}

static int
cc_part(void *ctx, const char *id, int complaint, int linked, const char *note,
    const char *organisation)
{
	struct canon_chunk *c = ctx;
	struct canon_buf *b;

	(void)organisation; /* complaint_parties: never in a digest */
	put_text(item(c, complaint ? K_COMPLAINTS : K_OBSERVATIONS), id);
	if (!linked && note != NULL && note[0] != '\0') {
		b = item(c, K_NOTES);
		PUTS(b, "{\"note\":");
		put_text(b, note);
		PUTS(b, ",\"observation\":");
		put_text(b, id);
		PUTS(b, "}");
	}
	return 0;
}

static int
cc_member(void *ctx, const char *member)
{
	put_text(item(ctx, K_MEMBERS), member);
	return 0;
}

static int
cc_corroborates(void *ctx, const char *incident)
{
	struct canon_chunk *c = ctx;

	if (c->complaint)
		put_text(item(c, K_CORROBORATED_BY), incident);
	return 0;
}

static int
cc_zone(void *ctx, const char *layer, const char *zone)
{
	struct canon_buf *b = item(ctx, K_ZONES);

	PUTS(b, "{\"layer\":");
	put_text(b, layer);
	PUTS(b, ",\"zone\":");
	put_text(b, zone);
	PUTS(b, "}");
	return 0;
}

static int
cc_decision(void *ctx, int64_t index, int applied, const char *message)
{
	struct canon_chunk *c = ctx;
	struct canon_buf *b = item(c, K_DECISIONS);

	PUTS(b, "{\"applied\":");
	put_bool(b, applied);
	PUTS(b, ",\"index\":");
	if (canon_put_int(b, index) == -1)
		c->failed = 1;
	PUTS(b, ",\"message\":");
	put_text(b, message);
	PUTS(b, "}");
	return c->failed;
}

/* Copies n bytes at s to d (room made by cc_flush); the byte after. */
static char *
put_raw(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

/* Joins the finished row and hands it to fn: its length summed first,
 * the buffer grown once, each piece copied once. fn's return, or 1 on
 * error (c->failed set). */
static int
cc_flush(struct canon_chunk *c)
{
	struct canon_buf *o = &c->out;
	size_t need = 2, cap;
	char *d, *np;
	int k, first = 1;

	if (!c->open)
		return 0;
	c->open = 0;
	for (k = 0; k < K_N; k++) {
		if (c->seg[k].failed) {
			c->failed = 1;
			return 1;
		}
		if (!c->located && (k == K_LAT || k == K_LON || k == K_COV))
			continue;
		need +=
		    1 + canon_key[k].len + c->seg[k].len + (is_list(k) ? 2 : 0);
	}
	if (need + 1 > o->cap) {
		for (cap = o->cap ? o->cap : 1024; cap < need + 1; cap *= 2)
			;
		if ((np = realloc(o->p, cap)) == NULL) {
			c->failed = 1;
			return 1;
		}
		o->p = np;
		o->cap = cap;
	}
	d = o->p;
	*d++ = '{';
	for (k = 0; k < K_N; k++) {
		if (!c->located && (k == K_LAT || k == K_LON || k == K_COV))
			continue;
		if (!first)
			*d++ = ',';
		first = 0;
		d = put_raw(d, canon_key[k].text, canon_key[k].len);
		if (is_list(k))
			*d++ = '[';
		if (c->seg[k].len > 0)
			d = put_raw(d, c->seg[k].p, c->seg[k].len);
		if (is_list(k))
			*d++ = ']';
	}
	*d++ = '}';
	*d = '\0';
	o->len = (size_t)(d - o->p);
	return c->stopped = c->fn(c->ctx, c->key, c->id, o->p, o->len);
}

static int
cc_row(void *ctx, const struct store_incident_row *row)
{
	struct canon_chunk *c = ctx;
	const struct associate_incident *inc = row->inc;
	struct canon_buf *b;
	const char *name, *group, *qualifier;
	int k, t, n = 0, bad = 0;

	if (c->failed || cc_flush(c) != 0)
		return 1;
	for (k = 0; k < K_N; k++)
		c->seg[k].len = 0;
	group = associate_group_name(inc->group);
	qualifier = associate_qualifier_name(inc->qualifier);
	if (group == NULL || qualifier == NULL) {
		c->failed = 1;
		return 1;
	}
	name = associate_category_name(inc->category);
	put_text(&c->seg[K_CATEGORY], name != NULL ? name : "other");
	bad |= canon_put_int(&c->seg[K_COUNT], inc->count);
	if (inc->located) {
		b = &c->seg[K_COV];
		PUTS(b, "[");
		put_micro(b, inc->cov[0]);
		PUTS(b, ",");
		put_micro(b, inc->cov[1]);
		PUTS(b, ",");
		put_micro(b, inc->cov[2]);
		PUTS(b, "]");
		put_micro(&c->seg[K_LAT], inc->lat);
		put_micro(&c->seg[K_LON], inc->lon);
	}
	put_text(&c->seg[K_DESCRIPTION], row->description);
	put_text(&c->seg[K_GROUP], group);
	put_text(&c->seg[K_ID], inc->id);
	bad |= canon_put_int(&c->seg[K_INDEPENDENT_SOURCES], inc->nsources);
	put_text(&c->seg[K_KIND],
	    inc->kind == ASSOCIATE_OBSERVED ? "observed" : "complaint");
	b = &c->seg[K_LINE];
	if (row->line == NULL)
		PUTS(b, "null");
	else {
		PUTS(b, "{\"distance_m\":");
		put_micro(b, row->line_m);
		PUTS(b, ",\"name\":");
		put_text(b, row->line);
		PUTS(b, ",\"side\":");
		put_text(b, row->line_side);
		PUTS(b, "}");
	}
	put_bool(&c->seg[K_LIVE], inc->live);
	put_bool(&c->seg[K_LOCATED], inc->located);
	put_text(&c->seg[K_MERGED_INTO],
	    inc->merged_into[0] ? inc->merged_into : NULL);
	put_bool(&c->seg[K_PINNED], inc->pinned);
	put_text(&c->seg[K_QUALIFIER], qualifier);
	bad |= canon_put_int(&c->seg[K_REPORTED_FROM_MS], inc->t_from);
	bad |= canon_put_int(&c->seg[K_REPORTED_TO_MS], inc->t_to);
	bad |= canon_put_int(&c->seg[K_SEED_INDEX], inc->seed_index);
	b = &c->seg[K_SOURCE_TYPES];
	PUTS(b, "[");
	for (t = 0; t < 32; t++)
		if ((inc->source_types & (1u << t)) &&
		    (name = associate_source_type_name(t)) != NULL) {
			if (n++ > 0)
				PUTS(b, ",");
			put_text(b, name);
		}
	PUTS(b, "]");
	bad |= canon_put_int(&c->seg[K_TIME_FROM_MS], inc->g_from);
	bad |= canon_put_int(&c->seg[K_TIME_TO_MS], inc->g_to);
	bad |= canon_put_int(&c->seg[K_UPDATED_INDEX], inc->updated_index);
	put_text(&c->seg[K_ZONE], row->zone);
	if (bad) {
		c->failed = 1;
		return 1;
	}
	memcpy(c->id, inc->id, sizeof(c->id));
	c->key = inc->seed_index;
	c->located = inc->located != 0;
	c->complaint = inc->kind == ASSOCIATE_COMPLAINT;
	c->open = 1;
	return 0;
}

int
increcord_chunk_canon(struct store *s, int64_t from, int64_t to,
    increcord_canon_fn fn, void *ctx)
{
	struct store_incident_visit v = { cc_part, cc_member, cc_corroborates,
		cc_zone, cc_decision };
	struct canon_chunk *c;
	int k, rc = -1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->fn = fn;
	c->ctx = ctx;
	if (store_state_incidents(s, from, to, cc_row, &v, c) == -1 ||
	    c->failed)
		goto done;
	if (!c->stopped && (cc_flush(c) != 0 && c->failed))
		goto done;
	rc = 0;
done:
	for (k = 0; k < K_N; k++)
		free(c->seg[k].p);
	free(c->out.p);
	free(c);
	return rc;
}

/* A lookup or a query in progress. */
struct build {
	struct store *s;
	json_t *rec;	 /* increcord_find's */
	increcord_fn fn; /* increcord_query's, and its ctx */
	void *ctx;
	int failed;
};

static int
found_row(void *ctx, const struct store_incident_row *row)
{
	struct build *b = ctx;

	if ((b->rec = record_of(b->s, row)) == NULL)
		b->failed = 1;
	return 0;
}

int
increcord_find(struct store *s, const char *id, json_t **out)
{
	struct build b = { s, NULL, NULL, NULL, 0 };
	int r = store_find_incident(s, id, found_row, &b);

	if (r == 1 && b.failed)
		r = -1;
	if (r == 1)
		*out = b.rec;
	else
		json_decref(b.rec);
	return r;
}

static int
query_row(void *ctx, const struct store_incident_row *row)
{
	struct build *b = ctx;
	json_t *rec;
	int got;

	if ((rec = record_of(b->s, row)) == NULL) {
		b->failed = 1;
		return 1;
	}
	got = b->fn(b->ctx, row->cursor, rec);
	json_decref(rec);
	return got;
}

/* The brief record of row (see increcord.h); NULL on error. */
static json_t *
brief_of(const struct store_incident_brief *row)
{
	const char *name, *members = row->members;
	json_t *o, *types, *list;
	char m[64];
	size_t k, len;
	int t;

	types = json_array();
	for (t = 0; types != NULL && t < 32; t++)
		if ((row->source_types & (1u << t)) &&
		    (name = associate_source_type_name(t)) != NULL)
			json_array_append_new(types, json_string(name));
	list = json_array();
	while (list != NULL && members != NULL && *members != '\0') {
		len = strcspn(members, ",");
		k = len < sizeof(m) ? len : sizeof(m) - 1;
		memcpy(m, members, k);
		m[k] = '\0';
		json_array_append_new(list, json_string(m));
		members += len + (members[len] == ',');
	}
	name = associate_category_name(row->category);
	o = json_pack("{s:s,s:s,s:b,s:I,s:I,s:o,s:I,s:o,s:o,s:s}", "id",
	    row->id, "category", name != NULL ? name : "other", "located",
	    row->located, "time_from_ms", (json_int_t)row->time_from_ms,
	    "time_to_ms", (json_int_t)row->time_to_ms, "zone",
	    text_or_null(row->zone), "count", (json_int_t)row->count,
	    "source_types", types, "members", list, "state",
	    row->state != NULL ? row->state : "received");
	if (o != NULL && row->located) {
		json_object_set_new(o, "lat", json_real(row->lat));
		json_object_set_new(o, "lon", json_real(row->lon));
		json_object_set_new(o, "cov",
		    json_pack("[f,f,f]", row->cov[0], row->cov[1],
			row->cov[2]));
	}
	return o;
}

static int
brief_row(void *ctx, const struct store_incident_brief *row)
{
	struct build *b = ctx;
	json_t *rec;
	int got;

	if ((rec = brief_of(row)) == NULL) {
		b->failed = 1;
		return 1;
	}
	got = b->fn(b->ctx, row->cursor, rec);
	json_decref(rec);
	return got;
}

int
increcord_query(struct store *s, const struct store_incident_query *q,
    increcord_fn fn, void *ctx)
{
	struct build b = { s, NULL, fn, ctx, 0 };
	int rc;

	rc = q->brief ? store_brief_incidents(s, q, brief_row, &b)
		      : store_query_incidents(s, q, query_row, &b);
	if (rc == -1 || b.failed)
		return -1;
	return 0;
}
