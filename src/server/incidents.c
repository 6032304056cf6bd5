/*
 * incidents: the routes of /v1/incidents (docs/api.md, docs/fusion.md).
 *
 *   GET  /v1/incidents?bbox=&from=&to=&category=&zone=&limit=&cursor=
 *        a GeoJSON FeatureCollection (RFC 7946) of the live incidents in
 *        the order they were created, with a `next` cursor: new incidents
 *        only ever come after it, so paging sees each once
 *   GET  /v1/incidents?format=map&...
 *        the same incidents as rows of only what a map draws (id,
 *        position, category, state, time, zone, count, sources, members,
 *        ellipse), up to LIST_MAP_MAX_LIMIT a page
 *   GET  /v1/incidents/{id}            one incident as a Feature (an
 *                                      incident merged away says where to)
 *                                      with its joint verification in the
 *                                      properties (server/verification.c)
 *   POST /v1/incidents/{id}/merge      {"with": ID, "reason": ...}
 *   POST /v1/incidents/{id}/split      {"observations": [ids], "reason"}
 *
 * A merge or split is checked against the store, then appended to the log
 * as a decision entry (record/decision.h) through the sequencer like an
 * observation; fusion applies it on the apply path, and the answer, sent
 * once it is durable, shows the incident as it now is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/center.h"
#include "common/num.h"
#include "format/incform.h"
#include "format/increcord.h"
#include "format/verform.h"
#include "fusion/associate.h"
#include "fusion/fusion.h"
#include "ledger/entrylog.h"
#include "locate/ellipsoid.h"
#include "record/canon.h"
#include "record/decision.h"
#include "record/observation.h"
#include "record/timefmt.h"
#include "server/export.h"
#include "server/request.h"
#include "store/store.h"

#define LIST_MAX_LIMIT 1000
#define LIST_DEFAULT_LIMIT 100
/* format=map: a row is about 180 bytes, so a page of 25,000 is 4.5 MB. */
#define LIST_MAP_MAX_LIMIT 25000
#define MAX_ERRORS 16

static json_t *
time_json(const json_t *rec, const char *key)
{
	char buf[TIMEFMT_LEN];

	timefmt_format(json_integer_value(json_object_get(rec, key)), buf);
	return json_string(buf);
}

/* 1 if who may see complaint id of rec (its complaint_parties). */
static int
sees_complaint(const struct principal *who, const json_t *rec, const char *id)
{
	return principal_sees_complaint(who,
	    json_string_value(
		json_object_get(json_object_get(rec, "complaint_parties"),
		    id)));
}

/*
 * Drops from the properties p what who may not see of rec: the ids of
 * another party's complaints (and their notes), for a liaison.
 */
static void
for_principal(json_t *p, const json_t *rec, const struct principal *who)
{
	json_t *comp = json_object_get(json_object_get(p, "corroboration"),
		   "complaints"),
	       *notes = json_object_get(p, "notes");
	const char *id;
	size_t i;

	if (who->role != ROLE_LIAISON)
		return;
	for (i = json_array_size(comp); i-- > 0;)
		if (!sees_complaint(who, rec,
			json_string_value(json_array_get(comp, i))))
			json_array_remove(comp, i);
	for (i = json_array_size(notes); i-- > 0;) {
		id = json_string_value(
		    json_object_get(json_array_get(notes, i), "observation"));
		if (json_object_get(json_object_get(rec, "complaint_parties"),
			id) != NULL &&
		    !sees_complaint(who, rec, id))
			json_array_remove(notes, i);
	}
}

/*
 * The GeoJSON Feature of an incident record (increcord_find), as who
 * may see it.
 */
static json_t *
feature(const json_t *rec, const struct principal *who)
{
	struct ellipsoid_ellipse el;
	const json_t *cov = json_object_get(rec, "cov");
	json_t *p, *geom = json_null(), *f;
	double c[3];
	size_t i;
	int complaint = strcmp(json_string_value(json_object_get(rec, "kind")),
			    "complaint") == 0;

	p = json_pack("{s:O,s:O,s:O,s:{s:O,s:O},s:{s:o,s:o},s:{s:o,s:o},"
		      "s:O,s:O,s:O,s:O,s:O,s:{s:O,s:O,s:O,s:O},s:O,s:O,"
		      "s:O,s:O,s:O}",
	    "kind", json_object_get(rec, "kind"), "category",
	    json_object_get(rec, "category"), "group",
	    json_object_get(rec, "group"), "count", "value",
	    json_object_get(rec, "count"), "qualifier",
	    json_object_get(rec, "qualifier"), "time_window", "from",
	    time_json(rec, "time_from_ms"), "to", time_json(rec, "time_to_ms"),
	    "reported", "from", time_json(rec, "reported_from_ms"), "to",
	    time_json(rec, "reported_to_ms"), "zone",
	    json_object_get(rec, "zone"), "zones",
	    json_object_get(rec, "zones"), "description",
	    json_object_get(rec, "description"), "line",
	    json_object_get(rec, "line"), "observations",
	    json_object_get(rec, "observations"), "corroboration",
	    "independent_sources", json_object_get(rec, "independent_sources"),
	    "source_types", json_object_get(rec, "source_types"), "members",
	    json_object_get(rec, "members"), "complaints",
	    json_object_get(rec, "complaints"), "corroborated_by",
	    json_object_get(rec, "corroborated_by"), "notes",
	    json_object_get(rec, "notes"), "decisions",
	    json_object_get(rec, "decisions"), "merged_into",
	    json_object_get(rec, "merged_into"), "seed_index",
	    json_object_get(rec, "seed_index"));
	if (p == NULL)
		return NULL;
	for_principal(p, rec, who);
	json_object_set(p, "updated_index",
	    json_object_get(rec, "updated_index"));
	json_object_set(p, "pinned", json_object_get(rec, "pinned"));
	/* A complaint nothing the center saw matches stays uncorroborated. */
	json_object_set_new(p, "uncorroborated",
	    json_boolean(complaint &&
		json_array_size(json_object_get(rec, "corroborated_by")) == 0));
	if (json_is_true(json_object_get(rec, "located"))) {
		json_decref(geom);
		geom = json_pack("{s:s,s:[O,O]}", "type", "Point",
		    "coordinates", json_object_get(rec, "lon"),
		    json_object_get(rec, "lat"));
		json_object_set_new(p, "position",
		    json_pack("{s:O,s:O}", "lat", json_object_get(rec, "lat"),
			"lon", json_object_get(rec, "lon")));
		for (i = 0; i < 3; i++)
			c[i] = json_real_value(json_array_get(cov, i));
		if (ellipsoid_ellipse95(c, &el) == 0)
			json_object_set_new(p, "ellipse",
			    json_pack("{s:f,s:f,s:f}", "semi_major_m",
				el.semi_major_m, "semi_minor_m",
				el.semi_minor_m, "orientation_deg",
				el.orientation_deg));
	} else {
		json_object_set_new(p, "position", json_null());
		json_object_set_new(p, "ellipse", json_null());
	}
	f = json_pack("{s:s,s:O,s:o,s:o}", "type", "Feature", "id",
	    json_object_get(rec, "id"), "geometry", geom, "properties", p);
	return f;
}

/* Finds incident id through a reader: 1 (rec set), 0, -1. */
static int
find(struct request *r, const char *id, json_t **rec)
{
	struct store *s;
	int found;

	if (!decision_is_incident_id(id))
		return 0;
	s = store_pool_get(r->srv->readers);
	found = increcord_find(s, id, rec);
	store_pool_put(r->srv->readers, s);
	return found;
}

enum MHD_Result
incidents_get(struct request *r)
{
	json_t *rec = NULL, *f, *w;
	enum MHD_Result ret;
	int found = find(r, r->arg, &rec);

	/* A liaison sees an incident once it is released to its party. */
	if (found == 1 && r->who.role == ROLE_LIAISON &&
	    (found = verification_may_see(r, r->arg)) != 1)
		json_decref(rec);
	if (found == -1)
		return http_problem(r, 503, "the store is unavailable");
	if (found == 0)
		return http_problem(r, 404, "no incident has id %.80s", r->arg);
	f = feature(rec, &r->who);
	json_decref(rec);
	if (f == NULL)
		return http_problem(r, 500, "incident %.40s is unreadable",
		    r->arg);
	/* Joint verification: state, rule, each member's view. */
	if ((w = verification_view(r, r->arg, &ret)) == NULL) {
		json_decref(f);
		return ret;
	}
	json_object_update(json_object_get(f, "properties"), w);
	json_decref(w);
	return http_json(r, 200, f);
}

struct list_ctx {
	const struct principal *who;
	json_t *features;
	int64_t last;
	int rows, limit, failed, map;
};

/* The names of a format=map row's cells, in order (docs/api.md). */
static const char *const map_fields[] = { "id", "lon", "lat", "category",
	"state", "from_ms", "to_ms", "zone", "count", "source_types", "members",
	"ellipse", NULL };

/*
 * The format=map row of a brief incident record (format/increcord.h
 * increcord_query): what a map draws and filters on. lon, lat and
 * ellipse
 * ([semi_major_m, semi_minor_m, orientation_deg], whole numbers) are null
 * when unlocated. NULL on error.
 */
static json_t *
map_row(const json_t *rec)
{
	struct ellipsoid_ellipse el;
	const json_t *cov = json_object_get(rec, "cov");
	json_t *row, *ellipse = json_null();
	double c[3];
	size_t i;
	int located = json_is_true(json_object_get(rec, "located"));

	if (located) {
		for (i = 0; i < 3; i++)
			c[i] = json_real_value(json_array_get(cov, i));
		if (ellipsoid_ellipse95(c, &el) == 0)
			ellipse = json_pack("[I,I,I]",
			    (json_int_t)(el.semi_major_m + 0.5),
			    (json_int_t)(el.semi_minor_m + 0.5),
			    (json_int_t)(el.orientation_deg + 0.5));
	}
	row = json_pack("[O,O,O,O,O,O,O,O,O,O,O,o]", json_object_get(rec, "id"),
	    located ? json_object_get(rec, "lon") : json_null(),
	    located ? json_object_get(rec, "lat") : json_null(),
	    json_object_get(rec, "category"), json_object_get(rec, "state"),
	    json_object_get(rec, "time_from_ms"),
	    json_object_get(rec, "time_to_ms"), json_object_get(rec, "zone"),
	    json_object_get(rec, "count"), json_object_get(rec, "source_types"),
	    json_object_get(rec, "members"), ellipse);
	return row;
}

static int
list_row(void *arg, int64_t cursor, const json_t *rec)
{
	struct list_ctx *c = arg;
	json_t *f;

	if (c->rows == c->limit) {
		c->rows++; /* there is a next page */
		return 1;
	}
	if ((f = c->map ? map_row(rec) : feature(rec, c->who)) == NULL) {
		c->failed = 1;
		return 1;
	}
	json_array_append_new(c->features, f);
	c->last = cursor;
	c->rows++;
	return 0;
}

/* Sets the state of a listed incident (ctx: id -> its properties). */
static int
list_state_row(void *ctx, const struct store_state_row *row)
{
	json_t *p = json_object_get(ctx, row->incident);

	if (p != NULL)
		json_object_set_new(p, "state", json_string(row->state));
	return 0;
}

/*
 * Adds each listed incident's verification state ("state", as in
 * GET /v1/incidents/{id}: "received" until it has a state row) to its
 * properties, so that a map can colour incidents by state without a
 * request per incident: one read of the store for the page
 * (store_incident_states_of). 0, or -1 on a store error.
 */
static int
list_states(struct store *s, json_t *features)
{
	const char **ids = NULL;
	json_t *f, *p, *byid = json_object();
	size_t i, n = json_array_size(features);
	int rc = -1;

	if (byid == NULL || (ids = calloc(n + 1, sizeof(*ids))) == NULL)
		goto done;
	json_array_foreach(features, i, f)
	{
		ids[i] = json_string_value(json_object_get(f, "id"));
		p = json_object_get(f, "properties");
		if (ids[i] == NULL || p == NULL ||
		    json_object_set(byid, ids[i], p) == -1 ||
		    json_object_set_new(p, "state", json_string("received")) ==
			-1)
			goto done;
	}
	rc = store_incident_states_of(s, ids, n, list_state_row, byid);
done:
	free(ids);
	json_decref(byid);
	return rc;
}

struct arg_ctx {
	struct store_incident_query *q;
	char err[300];
	char cats[512];
	char zone[FUSION_ZONE_LEN];
	int64_t limit;
	int map; /* format=map: the limit goes to LIST_MAP_MAX_LIMIT */
};

/* Reads parameter key (one the route takes) into a; the error in a->err. */
static void
list_arg(struct arg_ctx *a, const char *key, const char *value)
{
	struct store_incident_query *q = a->q;
	char terr[160];
	int64_t e7[4];

	if (strcmp(key, "bbox") == 0) {
		if (http_parse_bbox(value, e7, a->err, sizeof(a->err)) == 0) {
			q->has_bbox = 1;
			q->min_lon_e7 = e7[0];
			q->min_lat_e7 = e7[1];
			q->max_lon_e7 = e7[2];
			q->max_lat_e7 = e7[3];
		}
	} else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
		http_parse_time(key, value,
		    key[0] == 'f' ? &q->from_ms : &q->to_ms, a->err,
		    sizeof(a->err));
	} else if (strcmp(key, "category") == 0) {
		http_parse_categories(value, a->cats, sizeof(a->cats),
		    q->categories, &q->ncategories, a->err, sizeof(a->err));
	} else if (strcmp(key, "zone") == 0) {
		if (strlen(value) == 0 || strlen(value) >= sizeof(a->zone))
			snprintf(a->err, sizeof(a->err),
			    "zone: must be 1 to "
			    "%zu bytes",
			    sizeof(a->zone) - 1);
		else {
			snprintf(a->zone, sizeof(a->zone), "%s", value);
			q->zone = a->zone;
		}
	} else if (strcmp(key, "limit") == 0) {
		if (num_parse_i64(value, 1,
			a->map ? LIST_MAP_MAX_LIMIT : LIST_MAX_LIMIT, &a->limit,
			terr, sizeof(terr)) == -1)
			snprintf(a->err, sizeof(a->err), "limit: %s", terr);
	} else if (strcmp(key, "cursor") == 0) {
		if (num_parse_i64(value, 0, INT64_MAX - 1, &q->after, terr,
			sizeof(terr)) == -1)
			snprintf(a->err, sizeof(a->err),
			    "cursor: %s (use the "
			    "`next` value of the previous page)",
			    terr);
	}
}

/* An export of the incident listing (server/export.h). */
struct inc_export {
	struct server *srv;
	struct principal who;
	struct store_incident_query q;
	struct arg_ctx a; /* q's strings live here */
	enum export_format f;
	int64_t last;
	int rows, header_sent;
};

#define EXPORT_PAGE 500

/* export_page_fn: the next EXPORT_PAGE incidents, as list_row makes them
 * (the liaison's view included), with their states. */
static int
export_page(void *ctx, struct obsfeature_text *out, int *done)
{
	struct inc_export *e = ctx;
	struct list_ctx c;
	struct store *s;
	const json_t *f, *p, *g;
	char *text, desc[600];
	size_t i;
	int rc, bad = 0;

	memset(&c, 0, sizeof(c));
	c.who = &e->who;
	c.limit = EXPORT_PAGE;
	c.last = e->last;
	if ((c.features = json_array()) == NULL)
		return -1;
	e->q.limit = EXPORT_PAGE + 1;
	s = store_pool_get(e->srv->readers);
	rc = increcord_query(s, &e->q, list_row, &c);
	if (rc == 0 && !c.failed && list_states(s, c.features) == -1)
		c.failed = 1;
	store_pool_put(e->srv->readers, s);
	if (rc == -1 || c.failed) {
		json_decref(c.features);
		return -1;
	}
	if (e->f == EXPORT_CSV && !e->header_sent) {
		if ((text = incform_csv_header()) == NULL ||
		    obsfeature_text_add(out, text, strlen(text)) == -1)
			bad = 1;
		free(text);
		e->header_sent = 1;
	}
	json_array_foreach(c.features, i, f)
	{
		p = json_object_get(f, "properties");
		g = json_object_get(f, "geometry");
		if (e->f == EXPORT_GEOJSON) {
			text = json_dumps(f,
			    JSON_COMPACT | JSON_REAL_PRECISION(15));
			bad |= text == NULL ||
			    (e->rows > 0 &&
				obsfeature_text_add(out, ",", 1) == -1) ||
			    obsfeature_text_add(out, text, strlen(text)) == -1;
			free(text);
		} else if (e->f == EXPORT_CSV) {
			text = incform_csv_line(f);
			bad |= text == NULL ||
			    obsfeature_text_add(out, text, strlen(text)) == -1;
			free(text);
		} else if (json_is_object(g)) {
			snprintf(desc, sizeof(desc), "%s, %s, %s",
			    json_string_value(json_object_get(p, "category"))
				? json_string_value(
				      json_object_get(p, "category"))
				: "",
			    json_string_value(json_object_get(p, "state"))
				? json_string_value(json_object_get(p, "state"))
				: "",
			    json_string_value(json_object_get(p, "description"))
				? json_string_value(
				      json_object_get(p, "description"))
				: "");
			bad |= export_kml_placemark(out,
				   json_string_value(json_object_get(f, "id")),
				   desc,
				   json_number_value(
				       json_array_get(json_object_get(g,
							  "coordinates"),
					   0)),
				   json_number_value(
				       json_array_get(json_object_get(g,
							  "coordinates"),
					   1))) == -1;
		}
		e->rows++;
	}
	json_decref(c.features);
	if (bad)
		return -1;
	e->last = c.last;
	e->q.after = c.last;
	*done = c.rows <= EXPORT_PAGE;
	return 0;
}

enum MHD_Result
incidents_list(struct request *r)
{
	struct inc_export *e;
	struct store_incident_query *q;
	struct arg_ctx *a;
	struct list_ctx c;
	struct store *s;
	const char *const *k, *v, *fmt = http_query(r, "format");
	enum export_format ef = EXPORT_GEOJSON;
	enum MHD_Result ret;
	json_t *fields;
	char next[32];
	size_t i;
	int rc, map = 0;

	if (fmt != NULL && strcmp(fmt, "map") == 0) {
		fmt = NULL; /* a page, not an export */
		map = 1;
	} else if (fmt != NULL && export_format_parse(fmt, &ef) == -1)
		return http_problem(r, 400,
		    "format: must be csv, geojson, kml "
		    "or map (without it, a page of JSON)");
	/* On the heap: an export's filter outlives this call. */
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return http_problem(r, 503, "out of memory");
	q = &e->q;
	a = &e->a;
	store_incident_query_init(q);
	if (r->who.role == ROLE_LIAISON)
		q->released_to = r->who.party;
	a->q = q;
	a->map = map;
	a->limit = map ? LIST_MAP_MAX_LIMIT : LIST_DEFAULT_LIMIT;
	for (k = r->route->params; *k != NULL && a->err[0] == '\0'; k++)
		if ((v = http_query(r, *k)) != NULL)
			list_arg(a, *k, v);
	if (a->err[0] != '\0') {
		ret = http_problem(r, 400, "%s", a->err);
		free(e);
		return ret;
	}
	if (q->from_ms != INT64_MIN && q->to_ms != INT64_MAX &&
	    q->to_ms < q->from_ms) {
		free(e);
		return http_problem(r, 400, "to: is before from");
	}
	if (fmt != NULL) {
		e->srv = r->srv;
		e->who = r->who;
		if (e->who.role == ROLE_LIAISON)
			q->released_to = e->who.party;
		e->f = ef;
		e->last = q->after;
		return export_stream(r, ef, "incidents",
		    entrylog_size(r->srv->center->log), export_page, e, free);
	}
	q->limit = (int)a->limit + 1;
	memset(&c, 0, sizeof(c));
	c.who = &r->who;
	c.features = json_array();
	c.limit = (int)a->limit;
	c.last = 0;
	c.map = map;
	q->brief = map; /* the state comes with each brief record */
	s = store_pool_get(r->srv->readers);
	rc = increcord_query(s, q, list_row, &c);
	if (rc == 0 && !c.failed && !map && list_states(s, c.features) == -1)
		c.failed = 1;
	store_pool_put(r->srv->readers, s);
	free(e);
	if (rc == -1 || c.failed) {
		json_decref(c.features);
		return http_problem(r, 503,
		    "the store could not run the "
		    "query");
	}
	snprintf(next, sizeof(next), "%lld", (long long)c.last);
	if (map) {
		fields = json_array();
		for (i = 0; map_fields[i] != NULL; i++)
			json_array_append_new(fields,
			    json_string(map_fields[i]));
		return http_json(r, 200,
		    json_pack("{s:s,s:o,s:o,s:o}", "type", "IncidentMap",
			"fields", fields, "incidents", c.features, "next",
			c.rows > c.limit ? json_string(next) : json_null()));
	}
	return http_json(r, 200,
	    json_pack("{s:s,s:o,s:o}", "type", "FeatureCollection", "features",
		c.features, "next",
		c.rows > c.limit ? json_string(next) : json_null()));
}

/* A 422 (or other) problem with errors [{pointer, message}]. */
static enum MHD_Result
problem_errors(struct request *r, unsigned int status, const char *detail,
    const struct decision_error *errs, size_t n)
{
	json_t *p = http_problem_new(status, detail), *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list,
		    json_pack("{s:s,s:s}", "pointer", errs[i].pointer,
			"message", errs[i].message));
	json_object_set_new(p, "errors", list);
	return http_problem_json(r, status, p);
}

/* A one-error problem naming pointer. */
static enum MHD_Result
problem_at(struct request *r, unsigned int status, const char *pointer,
    const char *message)
{
	struct decision_error e;

	snprintf(e.pointer, sizeof(e.pointer), "%s", pointer);
	snprintf(e.message, sizeof(e.message), "%s", message);
	return problem_errors(r, status, message, &e, 1);
}

static int
in_array(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i,
	    v) if (strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

/* Checks a merge or split (entry, made from body) against the store;
 * queues an answer and returns -1, or returns 0. */
static int
check_against_store(struct request *r, const char *id, const json_t *entry,
    const json_t *body, int split, enum MHD_Result *ret)
{
	json_t *a = NULL, *b = NULL;
	const json_t *list, *v, *mine;
	const char *with;
	char msg[256], p[64];
	size_t i, n;
	int found, rc = -1;

	if ((found = find(r, id, &a)) != 1) {
		*ret = found == -1 ? http_problem(r, 503,
					 "the store is "
					 "unavailable")
				   : http_problem(r, 404,
					 "no incident has id "
					 "%.40s",
					 id);
		goto done;
	}
	if (!json_is_true(json_object_get(a, "live"))) {
		snprintf(msg, sizeof(msg),
		    "incident %s was merged into %s; "
		    "act on that one",
		    id, json_string_value(json_object_get(a, "merged_into")));
		*ret = problem_at(r, 409, "/incident", msg);
		goto done;
	}
	if (!split) {
		with = json_string_value(json_object_get(entry, "with"));
		if ((found = find(r, with, &b)) == -1) {
			*ret = http_problem(r, 503, "the store is unavailable");
			goto done;
		}
		if (found == 0) {
			snprintf(msg, sizeof(msg), "no incident has id %s",
			    with);
			*ret = problem_at(r, 422, "/with", msg);
			goto done;
		}
		if (!json_is_true(json_object_get(b, "live"))) {
			snprintf(msg, sizeof(msg),
			    "incident %s was merged into "
			    "%s already",
			    with,
			    json_string_value(
				json_object_get(b, "merged_into")));
			*ret = problem_at(r, 409, "/with", msg);
			goto done;
		}
		rc = 0;
		goto done;
	}
	/* The body's list, in the order given, for the pointers. */
	list = json_object_get(body, "observations");
	mine = json_object_get(a, "observations");
	n = json_array_size(list);
	json_array_foreach(list, i, v)
	{
		if (!in_array(mine, json_string_value(v))) {
			snprintf(p, sizeof(p), "/observations/%zu", i);
			snprintf(msg, sizeof(msg),
			    "observation %.16s… is not "
			    "one of incident %s's observations (complaints are "
			    "linked, not split)",
			    json_string_value(v), id);
			*ret = problem_at(r, 422, p, msg);
			goto done;
		}
	}
	if (n >= json_array_size(mine)) {
		snprintf(msg, sizeof(msg),
		    "a split must leave at least one "
		    "observation in %s",
		    id);
		*ret = problem_at(r, 422, "/observations", msg);
		goto done;
	}
	rc = 0;
done:
	json_decref(a);
	json_decref(b);
	return rc;
}

/* Answers a decision once durable: the incident as it now is. */
static enum MHD_Result
decision_written(struct request *r)
{
	const json_t *entry = r->entries[0], *d;
	const char *id = json_string_value(json_object_get(entry, "incident"));
	char nid[ASSOCIATE_ID_LEN + 1];
	json_t *rec = NULL, *body, *receipt;
	int64_t index = r->items[0].index;
	int split, found, applied = 0;
	const char *message = "";
	size_t i;

	if (r->seq_status != 0)
		return http_log_failed(r, "decision");
	split = strcmp(json_string_value(json_object_get(entry, "type")),
		    "incident_split") == 0;
	if ((found = find(r, id, &rec)) != 1)
		return http_problem(r, 503,
		    "the decision is in the log at "
		    "index %lld but incident %s cannot be read",
		    (long long)index, id);
	json_array_foreach(json_object_get(rec, "decisions"), i,
	    d) if (json_integer_value(json_object_get(d, "index")) == index)
	{
		applied = json_is_true(json_object_get(d, "applied"));
		message = json_string_value(json_object_get(d, "message"));
	}
	if (!applied) {
		/* Another decision came first (its own log entry stays). */
		body = http_problem_new(409, message);
		json_object_set_new(body, "index", json_integer(index));
		json_decref(rec);
		return http_problem_json(r, 409, body);
	}
	body = json_pack("{s:I,s:s,s:o}", "index", (json_int_t)index, "message",
	    message, "incident", feature(rec, &r->who));
	json_decref(rec);
	if (split) {
		associate_split_id(id, index, nid);
		json_object_set_new(body, "new_incident", json_string(nid));
	}
	if ((receipt = ledger_receipt(r->srv, index, NULL, 0)) != NULL)
		json_object_set_new(body, "receipt", receipt);
	return http_json(r, 200, body);
}

enum MHD_Result
incidents_post(struct request *r)
{
	struct decision_error errs[MAX_ERRORS];
	const char *id = r->arg, *action = strrchr(r->url, '/') + 1;
	enum MHD_Result ret;
	json_t *body, *entry = NULL;
	size_t nerr = 0;
	int split;

	/* The routes are .../{id}/merge and .../{id}/split. */
	if (!decision_is_incident_id(id))
		return http_problem(r, 404, "no incident has id %.40s", id);
	split = action[0] == 's';
	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	entry = split ? decision_split_from_input(id, body, r->who.name,
			    timefmt_now_ms(), errs, MAX_ERRORS, &nerr)
		      : decision_merge_from_input(id, body, r->who.name,
			    timefmt_now_ms(), errs, MAX_ERRORS, &nerr);
	if (entry == NULL) {
		json_decref(body);
		if (nerr == 1 && strcmp(errs[0].pointer, "/incident") == 0)
			return http_problem(r, 404, "no incident has id %.40s",
			    id);
		return problem_errors(r, 422,
		    split ? "the split is invalid; "
			    "nothing was stored"
			  : "the merge is invalid; nothing was "
			    "stored",
		    errs, nerr);
	}
	if (check_against_store(r, id, entry, body, split, &ret) == -1) {
		json_decref(body);
		json_decref(entry);
		return ret;
	}
	json_decref(body);
	ret = http_submit(r, entry, decision_written);
	json_decref(entry);
	return ret;
}
