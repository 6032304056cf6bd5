/*
 * observations: the routes of /v1/observations (docs/api.md).
 *
 *   POST /v1/observations       one object or an array (all or nothing)
 *   GET  /v1/observations/{id}  one observation as a GeoJSON Feature
 *   GET  /v1/observations/{id}/receipt
 *   GET  /v1/observations?...   a GeoJSON FeatureCollection (RFC 7946) of
 *                               the matches in log order, with a `next`
 *                               cursor: the last index of the page, so
 *                               paging sees every match exactly once even
 *                               while writes go on (new entries only ever
 *                               get higher indexes).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/center.h"
#include "common/log.h"
#include "common/num.h"
#include "format/obsfeature.h"
#include "format/obsform.h"
#include "format/verform.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "record/observation.h"
#include "record/timefmt.h"
#include "server/export.h"
#include "server/request.h"
#include "store/store.h"

#define MAX_ERRORS_REPORTED 1000 /* per 422 answer */
#define MAX_ERRORS_PER_ITEM 16
#define LIST_MAX_LIMIT 1000
#define LIST_DEFAULT_LIMIT 100

void
observations_free(struct request *r)
{
	size_t i;

	for (i = 0; i < r->nitems; i++) {
		if (r->bytes)
			free(r->bytes[i]);
		if (r->entries)
			json_decref(r->entries[i]);
	}
	free(r->bytes);
	free(r->entries);
	free(r->items);
	free(r->ids);
	r->ids = NULL;
	r->bytes = NULL;
	r->entries = NULL;
	r->items = NULL;
	r->nitems = 0;
}

/* Sequencer thread: the entries are durable (or failed); wake the request. */
static void
write_done(struct seq_request *sr, int status, void *arg)
{
	struct request *r = arg;

	(void)sr;
	r->seq_status = status;
	r->seq_done = 1;
	MHD_resume_connection(r->conn);
}

static int
want_receipts(struct request *r)
{
	const char *v = http_query(r, "receipts");

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/*
 * The answer to a batch without proofs, written as text: for batches of
 * thousands, building and dumping a JSON object per item cost more than
 * everything else the answer needs. The bytes are those jansson would
 * write for the same object (compact, members in this order).
 */
static enum MHD_Result
batch_answer(struct request *r, char *note)
{
	enum MHD_Result ret;
	char *buf, *quoted = NULL;
	json_t *js;
	size_t i, cap, n;

	if (note != NULL) {
		js = json_string(note);
		quoted = json_dumps(js, JSON_ENCODE_ANY);
		json_decref(js);
		free(note);
		if (quoted == NULL)
			return http_problem(r, 503, "out of memory");
	}
	/* {"id":"<64>","index":<20>,"created":false}, per item */
	cap = 64 + r->nitems * (OBSERVATION_ID_LEN + 64) +
	    (quoted ? strlen(quoted) : 0);
	if ((buf = malloc(cap)) == NULL) {
		free(quoted);
		return http_problem(r, 503, "out of memory");
	}
	n = (size_t)snprintf(buf, cap, "{\"results\":[");
	for (i = 0; i < r->nitems && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n,
		    "%s{\"id\":\"%s\","
		    "\"index\":%lld,\"created\":%s}",
		    i ? "," : "", r->items[i].id, (long long)r->items[i].index,
		    r->items[i].created ? "true" : "false");
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "]%s%s}",
		    quoted ? ",\"checkpoint\":" : "", quoted ? quoted : "");
	if (n >= cap) { /* cannot happen: cap counts every byte */
		free(buf);
		free(quoted);
		return http_problem(r, 500, "the answer outgrew its buffer");
	}
	ret = http_bytes(r, 201, buf, n, "application/json", "no-store");
	free(buf);
	free(quoted);
	return ret;
}

enum MHD_Result
observations_written(struct request *r)
{
	json_t *body, *results, *res, *receipt = NULL;
	int64_t size;
	char *note;
	size_t i;
	int proofs;

	if (r->seq_status != 0)
		return http_log_failed(r, "observations");
	if (r->single) {
		body = json_pack("{s:s,s:I}", "id", r->items[0].id, "index",
		    (json_int_t)r->items[0].index);
		if ((receipt = ledger_receipt(r->srv, r->items[0].index, NULL,
			 0)) != NULL)
			json_object_set_new(body, "receipt", receipt);
		return http_json(r, r->items[0].created ? 201 : 200, body);
	}
	proofs = want_receipts(r);
	note = checkpointer_latest(r->srv->center->cp, &size);
	if (!proofs)
		return batch_answer(r, note);
	results = json_array();
	for (i = 0; i < r->nitems; i++) {
		res = json_pack("{s:s,s:I,s:b}", "id", r->items[i].id, "index",
		    (json_int_t)r->items[i].index, "created",
		    r->items[i].created);
		if (proofs && note != NULL &&
		    (receipt = ledger_receipt(r->srv, r->items[i].index, note,
			 size)) != NULL)
			json_object_set_new(res, "inclusion_proof",
			    json_incref(
				json_object_get(receipt, "inclusion_proof")));
		json_decref(receipt);
		receipt = NULL;
		json_array_append_new(results, res);
	}
	body = json_pack("{s:o}", "results", results);
	if (note != NULL)
		json_object_set_new(body, "checkpoint", json_string(note));
	free(note);
	return http_json(r, 201, body);
}

static void
add_errors(json_t *list, const struct observation_error *errs, size_t n,
    long index)
{
	size_t i;
	json_t *e;

	for (i = 0; i < n && json_array_size(list) < MAX_ERRORS_REPORTED; i++) {
		e = json_pack("{s:s,s:s}", "pointer", errs[i].pointer,
		    "message", errs[i].message);
		if (index >= 0)
			json_object_set_new(e, "index", json_integer(index));
		json_array_append_new(list, e);
	}
}

static const char *const machine_sources[] = { "acoustic_sensor", "camera",
	"radar", "uav", NULL };

/*
 * What r's principal may not submit among its valid entries (see the top
 * of this file): adds one error per item to errors, returns how many.
 */
static size_t
forbidden(struct request *r, json_t *errors)
{
	struct observation_error e;
	const struct principal *p = &r->who;
	const json_t *src;
	const char *type, *member, *org, *alleged;
	size_t i, k, bad = 0;
	int ok;

	for (i = 0; i < r->nitems; i++) {
		src = json_object_get(r->entries[i], "source");
		type = json_string_value(json_object_get(src, "type"));
		member = json_string_value(json_object_get(src, "member"));
		org = json_string_value(json_object_get(src, "organisation"));
		alleged = json_string_value(
		    json_object_get(r->entries[i], "alleged_by"));
		e.pointer[0] = '\0';
		if (p->role == ROLE_LIAISON) {
			if (strcmp(type, "complaint") != 0)
				snprintf(e.pointer, sizeof(e.pointer),
				    "/source/type");
			else if (member != NULL)
				snprintf(e.pointer, sizeof(e.pointer),
				    "/source/member");
			else if (org == NULL || strcmp(org, p->party) != 0)
				snprintf(e.pointer, sizeof(e.pointer),
				    "/source/organisation");
			snprintf(e.message, sizeof(e.message),
			    "a liaison "
			    "files complaints for its party: source.type "
			    "\"complaint\", source.organisation \"%s\", no "
			    "member",
			    p->party);
			/* Its party's complaint, in its party's name. */
			if (e.pointer[0] == '\0' && alleged != NULL &&
			    strcmp(alleged, p->party) != 0) {
				snprintf(e.pointer, sizeof(e.pointer),
				    "/alleged_by");
				snprintf(e.message, sizeof(e.message),
				    "a "
				    "liaison of party %.64s files in its own "
				    "party's name only, not '%.64s'",
				    p->party, alleged);
			}
		} else if (p->role == ROLE_SENSOR) {
			for (ok = 0, k = 0; machine_sources[k] != NULL; k++)
				ok |= strcmp(type, machine_sources[k]) == 0;
			if (!ok) {
				snprintf(e.pointer, sizeof(e.pointer),
				    "/source/type");
				snprintf(e.message, sizeof(e.message),
				    "a "
				    "sensor submits machine detections: "
				    "acoustic_sensor, camera, radar or uav");
			}
		}
		if (e.pointer[0] == '\0' && p->member[0] != '\0' &&
		    (p->role == ROLE_MONITOR || p->role == ROLE_SENSOR) &&
		    (member == NULL || strcmp(member, p->member) != 0)) {
			snprintf(e.pointer, sizeof(e.pointer),
			    "/source/member");
			snprintf(e.message, sizeof(e.message),
			    "a %s of member "
			    "%s submits as member %s only",
			    principal_role_name(p->role), p->member, p->member);
		}
		if (e.pointer[0] != '\0') {
			add_errors(errors, &e, 1, r->single ? -1 : (long)i);
			bad++;
		}
	}
	return bad;
}

/*
 * Checks that entry's alleged_by, when it has one, names one of parties
 * (the genesis entry's; any name when it lists none): 0, or -1 with the
 * error in e.
 */
static int
alleged_by_party(const json_t *entry, const json_t *parties,
    struct observation_error *e)
{
	const char *by =
	    json_string_value(json_object_get(entry, "alleged_by"));
	const json_t *v;
	size_t i, at = 0;
	char list[160];
	int n;

	if (by == NULL || json_array_size(parties) == 0)
		return 0;
	list[0] = '\0';
	json_array_foreach(parties, i, v)
	{
		if (strcmp(json_string_value(v), by) == 0)
			return 0;
		n = snprintf(list + at, sizeof(list) - at, "%s%s",
		    i ? ", " : "", json_string_value(v));
		if (n > 0 && (size_t)n < sizeof(list) - at)
			at += (size_t)n;
	}
	snprintf(e->pointer, sizeof(e->pointer), "/alleged_by");
	snprintf(e->message, sizeof(e->message),
	    "'%.48s' is not one of the "
	    "center's parties (%.96s): alleged_by names the party that "
	    "files the complaint",
	    by, list);
	return -1;
}

/* The genesis entry's parties (a new reference), or NULL on error. */
static json_t *
center_parties(struct request *r)
{
	struct store *s;
	json_t *m, *parties;

	s = store_pool_get(r->srv->readers);
	m = verform_members(s);
	store_pool_put(r->srv->readers, s);
	if (m == NULL)
		return NULL;
	parties = json_incref(json_object_get(m, "parties"));
	json_decref(m);
	return parties != NULL ? parties : json_array();
}

/*
 * 1 if r's principal may see the observation entry (bytes of len): every
 * reader may, a liaison only its own party's complaints.
 */
static int
may_see(const struct request *r, const char *bytes, size_t len)
{
	json_t *e;
	const json_t *src;
	const char *type, *org;
	int ok;

	if (r->who.role != ROLE_LIAISON)
		return 1;
	if ((e = json_loadb(bytes, len, 0, NULL)) == NULL)
		return 0;
	src = json_object_get(e, "source");
	type = json_string_value(json_object_get(src, "type"));
	org = json_string_value(json_object_get(src, "organisation"));
	ok = type != NULL && strcmp(type, "complaint") == 0 && org != NULL &&
	    strcmp(org, r->who.party) == 0;
	json_decref(e);
	return ok;
}

enum MHD_Result
observations_post(struct request *r)
{
	struct observation_error errs[MAX_ERRORS_PER_ITEM];
	enum MHD_Result ret;
	json_t *body, *item, *errors = NULL, *problem, *parties = NULL;
	size_t n, i, nerr, bad = 0, len;
	int64_t now = timefmt_now_ms();
	int64_t max_batch = r->srv->center->cfg.max_batch;
	char *ids;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	r->single = json_is_object(body);
	if (!r->single && !json_is_array(body)) {
		json_decref(body);
		return http_problem(r, 400,
		    "the body must be an observation "
		    "object or an array of them");
	}
	n = r->single ? 1 : json_array_size(body);
	if (n == 0 || (int64_t)n > max_batch) {
		json_decref(body);
		return http_problem(r, n ? 413 : 400,
		    "an array must hold 1 "
		    "to %lld observations, not %zu",
		    (long long)max_batch, n);
	}
	if (http_admit_writes(r, n, &ret) == -1) {
		json_decref(body);
		return ret;
	}
	r->items = calloc(n, sizeof(*r->items));
	r->bytes = calloc(n, sizeof(*r->bytes));
	r->entries = calloc(n, sizeof(*r->entries));
	r->ids = ids = calloc(n, OBSERVATION_ID_LEN + 1);
	if (r->items == NULL || r->bytes == NULL || r->entries == NULL ||
	    ids == NULL) {
		json_decref(body);
		return http_problem(r, 503, "out of memory");
	}
	r->nitems = n;
	errors = json_array();
	for (i = 0; i < n; i++) {
		item = r->single ? body : json_array_get(body, i);
		r->entries[i] = observation_from_input(item, now, errs,
		    MAX_ERRORS_PER_ITEM, &nerr);
		if (r->entries[i] == NULL) {
			add_errors(errors, errs, nerr,
			    r->single ? -1 : (long)i);
			bad++;
			continue;
		}
		if (json_object_get(r->entries[i], "alleged_by") != NULL &&
		    parties == NULL && (parties = center_parties(r)) == NULL) {
			json_decref(body);
			json_decref(errors);
			return http_problem(r, 503, "the store is unavailable");
		}
		if (alleged_by_party(r->entries[i], parties, errs) == -1) {
			add_errors(errors, errs, 1, r->single ? -1 : (long)i);
			bad++;
			continue;
		}
		if (observation_encode(r->entries[i], &r->bytes[i], &len,
			ids + i * (OBSERVATION_ID_LEN + 1)) == -1) {
			snprintf(errs[0].pointer, sizeof(errs[0].pointer), "%s",
			    "");
			snprintf(errs[0].message, sizeof(errs[0].message),
			    "the observation's canonical form is over the "
			    "limit of %d bytes",
			    OBSERVATION_MAX_ENTRY);
			add_errors(errors, errs, 1, r->single ? -1 : (long)i);
			bad++;
			continue;
		}
		r->items[i].bytes = r->bytes[i];
		r->items[i].len = len;
		r->items[i].entry = r->entries[i];
		r->items[i].id = ids + i * (OBSERVATION_ID_LEN + 1);
	}
	json_decref(body);
	json_decref(parties);
	if (bad == 0 && (bad = forbidden(r, errors)) > 0) {
		observations_free(r);
		problem = http_problem_new(403, "");
		json_object_set_new(problem, "detail",
		    json_sprintf("role '%s' may not submit %zu of these %zu "
				 "observations; "
				 "nothing was stored",
			principal_role_name(r->who.role), bad, n));
		json_object_set_new(problem, "errors", errors);
		return http_problem_json(r, 403, problem);
	}
	if (bad > 0) {
		observations_free(r);
		problem = http_problem_new(422, "");
		json_object_set_new(problem, "detail",
		    json_sprintf("%zu of %zu observations are invalid; nothing "
				 "was stored",
			bad, n));
		json_object_set_new(problem, "errors", errors);
		return http_problem_json(r, 422, problem);
	}
	json_decref(errors);
	r->written = observations_written;
	r->seq.items = r->items;
	r->seq.n = n;
	r->seq.done = write_done;
	r->seq.arg = r;
	/* Suspend before submitting: write_done may resume at once. */
	MHD_suspend_connection(r->conn);
	if (sequencer_submit(r->srv->center->seq, &r->seq) == -1)
		write_done(&r->seq, -1, r);
	return MHD_YES;
}

/*
 * Queues t's JSON text (taking the buffer) as http_json would queue the
 * same document.
 */
static enum MHD_Result
json_text(struct request *r, unsigned int status, struct obsfeature_text *t)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!http_json_whole(r)) {
		free(t->p);
		t->p = NULL;
		return MHD_NO; /* answered 503 (server.c) */
	}
	resp = MHD_create_response_from_buffer(t->len, t->p,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(t->p);
		t->p = NULL;
		return MHD_NO;
	}
	t->p = NULL;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	http_reflects(r, resp);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
observations_get(struct request *r)
{
	struct store *s;
	int64_t index;
	char *entry = NULL;
	size_t len;
	int found, rc;
	struct obsfeature_text t = { NULL, 0, 0 };

	s = store_pool_get(r->srv->readers);
	found = store_find_observation(s, r->arg, &index, &entry, &len);
	store_pool_put(r->srv->readers, s);
	if (found == -1)
		return http_problem(r, 503, "the store is unavailable");
	if (found == 1 && !may_see(r, entry, len))
		found = 0;
	if (found == 0) {
		free(entry);
		return http_problem(r, 404, "no observation has id %.80s",
		    r->arg);
	}
	rc = obsfeature_append(&t, index, entry, len, NULL);
	free(entry);
	if (rc == -1) {
		free(t.p);
		return http_problem(r, 500, "observation %lld is unreadable",
		    (long long)index);
	}
	return json_text(r, 200, &t);
}

/* A page is written as text: what jansson would dump of the collection. */
#define PAGE_HEAD "{\"type\":\"FeatureCollection\",\"features\":["

struct list_ctx {
	struct obsfeature_text text;
	int64_t last;
	int rows, limit, failed;
};

static int
list_row(void *arg, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct list_ctx *c = arg;

	if (c->rows == c->limit) {
		c->rows++; /* there is a next page */
		return 1;
	}
	if ((c->rows > 0 && obsfeature_text_add(&c->text, ",", 1) == -1) ||
	    obsfeature_append(&c->text, index, entry, len, id) == -1) {
		c->failed = 1;
		return 1;
	}
	c->last = index;
	c->rows++;
	return 0;
}

struct arg_ctx {
	struct store_query *q;
	char err[300];
	char cats[512];
	char source[64], member[64];
	int64_t limit;
};

static int
parse_bbox(const char *v, struct store_query *q, char *err, size_t errlen)
{
	int64_t e7[4];

	if (http_parse_bbox(v, e7, err, errlen) == -1)
		return -1;
	q->has_bbox = 1;
	q->min_lon_e7 = e7[0];
	q->min_lat_e7 = e7[1];
	q->max_lon_e7 = e7[2];
	q->max_lat_e7 = e7[3];
	return 0;
}

/* Reads parameter key (one the route takes) into a; the error in a->err. */
static void
list_arg(struct arg_ctx *a, const char *key, const char *value)
{
	struct store_query *q = a->q;
	char terr[160];

	if (strcmp(key, "bbox") == 0) {
		parse_bbox(value, q, a->err, sizeof(a->err));
	} else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
		http_parse_time(key, value,
		    key[0] == 'f' ? &q->from_ms : &q->to_ms, a->err,
		    sizeof(a->err));
	} else if (strcmp(key, "category") == 0) {
		http_parse_categories(value, a->cats, sizeof(a->cats),
		    q->categories, &q->ncategories, a->err, sizeof(a->err));
	} else if (strcmp(key, "source") == 0) {
		if (!observation_is_source_type(value))
			snprintf(a->err, sizeof(a->err),
			    "source: '%.40s' is "
			    "not a source type",
			    value);
		else {
			snprintf(a->source, sizeof(a->source), "%s", value);
			q->source_type = a->source;
		}
	} else if (strcmp(key, "member") == 0) {
		if (strlen(value) == 0 || strlen(value) >= sizeof(a->member))
			snprintf(a->err, sizeof(a->err),
			    "member: must be 1 "
			    "to %zu bytes",
			    sizeof(a->member) - 1);
		else {
			snprintf(a->member, sizeof(a->member), "%s", value);
			q->member = a->member;
		}
	} else if (strcmp(key, "limit") == 0) {
		if (num_parse_i64(value, 1, LIST_MAX_LIMIT, &a->limit, terr,
			sizeof(terr)) == -1)
			snprintf(a->err, sizeof(a->err), "limit: %s", terr);
	} else if (strcmp(key, "cursor") == 0) {
		if (num_parse_i64(value, 0, INT64_MAX - 1, &q->after_index,
			terr, sizeof(terr)) == -1)
			snprintf(a->err, sizeof(a->err),
			    "cursor: %s (use the "
			    "`next` value of the previous page)",
			    terr);
	}
}

/* An export of the listing (server/export.h): its filter and cursor. */
struct obs_export {
	struct server *srv;
	struct store_query q;
	struct arg_ctx a; /* q's strings live here */
	enum export_format f;
	int64_t stop; /* the log's size when it began */
	int64_t last;
	int rows, page_rows, header_sent, failed;
	struct obsfeature_text *out;
};

#define EXPORT_PAGE 500

/* A store row into the export's format. */
static int
export_row(void *arg, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct obs_export *e = arg;
	json_t *f = NULL, *p, *src;
	char *line = NULL, dropped[128], desc[400];
	int rc = 0;

	if (index >= e->stop)
		return 1;
	e->last = index;
	e->page_rows++;
	if (e->f == EXPORT_GEOJSON) {
		rc = (e->rows > 0 &&
			 obsfeature_text_add(e->out, ",", 1) == -1) ||
		    obsfeature_append(e->out, index, entry, len, id) == -1;
		goto done;
	}
	if ((f = obsfeature_json(index, entry, len)) == NULL)
		goto done; /* not an observation: nothing to export */
	if (e->f == EXPORT_CSV) {
		rc = (line = obsform_csv_line(f, dropped, sizeof(dropped))) ==
			NULL ||
		    obsfeature_text_add(e->out, line, strlen(line)) == -1;
		goto done;
	}
	p = json_object_get(f, "properties");
	src = json_object_get(p, "source");
	snprintf(desc, sizeof(desc), "%s, %s, log index %lld",
	    json_string_value(json_object_get(p, "category"))
		? json_string_value(json_object_get(p, "category"))
		: "",
	    json_string_value(json_object_get(src, "type"))
		? json_string_value(json_object_get(src, "type"))
		: "",
	    (long long)index);
	rc = export_kml_placemark(e->out,
		 json_string_value(json_object_get(f, "id")), desc,
		 json_number_value(
		     json_array_get(json_object_get(json_object_get(f,
							"geometry"),
					"coordinates"),
			 0)),
		 json_number_value(
		     json_array_get(json_object_get(json_object_get(f,
							"geometry"),
					"coordinates"),
			 1))) == -1;
done:
	free(line);
	json_decref(f);
	if (rc) {
		e->failed = 1;
		return 1;
	}
	e->rows++;
	return 0;
}

/* export_page_fn: the next EXPORT_PAGE observations. */
static int
export_page(void *ctx, struct obsfeature_text *out, int *done)
{
	struct obs_export *e = ctx;
	struct store *s;
	char *h;
	int rc;

	e->out = out;
	if (e->f == EXPORT_CSV && !e->header_sent) {
		if ((h = obsform_csv_header()) == NULL ||
		    obsfeature_text_add(out, h, strlen(h)) == -1) {
			free(h);
			return -1;
		}
		free(h);
		e->header_sent = 1;
	}
	e->page_rows = 0;
	e->q.limit = EXPORT_PAGE;
	s = store_pool_get(e->srv->readers);
	rc = store_query_observations(s, &e->q, export_row, e);
	store_pool_put(e->srv->readers, s);
	if (rc == -1 || e->failed)
		return -1;
	e->q.after_index = e->last;
	*done = e->page_rows < EXPORT_PAGE || e->last >= e->stop - 1;
	return 0;
}

enum MHD_Result
observations_list(struct request *r)
{
	struct obs_export *e;
	struct store_query *qp;
	struct arg_ctx *ap;
	struct list_ctx c;
	struct store *s;
	const char *const *k, *v, *fmt = http_query(r, "format");
	enum export_format ef = EXPORT_GEOJSON;
	enum MHD_Result ret;
	char tail[48];
	int rc, n;

	if (fmt != NULL && export_format_parse(fmt, &ef) == -1)
		return http_problem(r, 400,
		    "format: must be csv, geojson or "
		    "kml (without it, a page of JSON)");
	/* On the heap: an export's filter outlives this call. */
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return http_problem(r, 503, "out of memory");
	qp = &e->q;
	ap = &e->a;
	store_query_init(qp);
	ap->q = qp;
	ap->limit = LIST_DEFAULT_LIMIT;
	for (k = r->route->params; *k != NULL && ap->err[0] == '\0'; k++)
		if ((v = http_query(r, *k)) != NULL)
			list_arg(ap, *k, v);
	if (ap->err[0] != '\0') {
		ret = http_problem(r, 400, "%s", ap->err);
		free(e);
		return ret;
	}
	if (qp->from_ms != INT64_MIN && qp->to_ms != INT64_MAX &&
	    qp->to_ms < qp->from_ms) {
		free(e);
		return http_problem(r, 400, "to: is before from");
	}
	if (r->who.role == ROLE_LIAISON) {
		/* Its party's complaints only: an empty page for the rest. */
		if (qp->source_type != NULL &&
		    strcmp(qp->source_type, "complaint") != 0)
			qp->organisation = "";
		else
			qp->organisation = r->who.party;
		qp->source_type = "complaint";
	}
	if (fmt != NULL) {
		e->srv = r->srv;
		e->f = ef;
		e->stop = entrylog_size(r->srv->center->log);
		e->last = qp->after_index;
		return export_stream(r, ef, "observations", e->stop,
		    export_page, e, free);
	}
	qp->limit = (int)ap->limit + 1;
	memset(&c, 0, sizeof(c));
	c.limit = (int)ap->limit;
	c.last = -1;
	if (obsfeature_text_add(&c.text, PAGE_HEAD, strlen(PAGE_HEAD)) == -1) {
		free(e);
		return http_problem(r, 503, "out of memory");
	}
	s = store_pool_get(r->srv->readers);
	rc = store_query_observations(s, qp, list_row, &c);
	store_pool_put(r->srv->readers, s);
	free(e);
	if (c.rows > c.limit)
		n = snprintf(tail, sizeof(tail), "],\"next\":\"%lld\"}",
		    (long long)c.last);
	else
		n = snprintf(tail, sizeof(tail), "],\"next\":null}");
	if (rc == -1 || c.failed || n < 0 || (size_t)n >= sizeof(tail) ||
	    obsfeature_text_add(&c.text, tail, (size_t)n) == -1) {
		free(c.text.p);
		return http_problem(r, 503,
		    "the store could not run the "
		    "query");
	}
	return json_text(r, 200, &c.text);
}

enum MHD_Result
observations_receipt(struct request *r)
{
	struct store *s;
	int64_t index;
	char *entry = NULL;
	size_t len;
	int found;
	json_t *receipt;

	s = store_pool_get(r->srv->readers);
	found = store_find_observation(s, r->arg, &index, &entry, &len);
	store_pool_put(r->srv->readers, s);
	if (found == -1)
		return http_problem(r, 503, "the store is unavailable");
	if (found == 1 && !may_see(r, entry, len))
		found = 0;
	free(entry);
	if (found == 0)
		return http_problem(r, 404, "no observation has id %.80s",
		    r->arg);
	if ((receipt = ledger_receipt(r->srv, index, NULL, 0)) == NULL)
		return http_problem(r, 503,
		    "no checkpoint covers index %lld "
		    "yet",
		    (long long)index);
	json_object_set_new(receipt, "id", json_string(r->arg));
	return http_json(r, 200, receipt);
}
