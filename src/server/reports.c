/*
 * reports: the routes of the center's products (docs/products.md,
 * docs/api.md "Reports").
 *
 *   POST /v1/reports                  {"kind","date"|"from","to"|
 *                                     "incidents","narrative"}: drafts a
 *                                     report (analysts, admins)
 *   GET  /v1/reports?state=&kind=     the reports, drafting order
 *   GET  /v1/reports/{id}             one report: its record, the members'
 *                                     signatures and the report itself
 *   POST /v1/reports/{id}/signatures  a member's signed note signing or
 *                                     refusing it (assessors)
 *
 * A draft is computed here from one read snapshot (center/products.h),
 * its bytes kept by hash under DIR/reports, and its draft entry appended
 * (report/reportentry.h). Drafting what the log already says in a draft
 * (nothing the report reads has changed since) answers that draft again.
 * A signature is checked here (note, member, key, report, replay) before
 * it is logged; the store's apply path checks it again in log order. The
 * signature that meets the genesis rule goes into the log inside the
 * release entry. A liaison reads released reports only (others: 404).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/center.h"
#include "center/products.h"
#include "common/num.h"
#include "format/reportform.h"
#include "format/verform.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "record/observation.h"
#include "record/timefmt.h"
#include "report/render.h"
#include "report/reportentry.h"
#include "report/trend.h"
#include "server/request.h"
#include "store/store.h"
#include "verify/member.h"

static void
ctx_free(void *ctx)
{
	json_decref(ctx);
}

/* The answer of a draft: what the report is, and its state. */
static json_t *
draft_answer(const char *id, const json_t *rec)
{
	return json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id", id,
	    "sha256", id, "number", json_object_get(rec, "number"), "kind",
	    json_object_get(rec, "kind"), "period",
	    json_object_get(rec, "period"), "log_size",
	    json_object_get(rec, "log_size"), "root",
	    json_object_get(rec, "root"), "state",
	    json_object_get(rec, "state"), "index",
	    json_object_get(rec, "index"));
}

static enum MHD_Result
drafted(struct request *r)
{
	enum MHD_Result ret;
	struct store *s;
	json_t *rec = NULL, *answer;
	const char *id = json_string_value(r->ctx);
	int64_t index;
	int found;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	s = store_pool_get(r->srv->readers);
	found = reportform_find(s, id, &rec);
	store_pool_put(r->srv->readers, s);
	if (found != 1)
		return http_problem(r, 503, "the store is unavailable");
	answer = draft_answer(id, rec);
	json_decref(rec);
	return http_json(r, 201, answer);
}

enum MHD_Result
reports_post(struct request *r)
{
	struct products_report pr;
	struct report_request rq;
	enum MHD_Result ret;
	struct store *s;
	json_t *body, *rec = NULL, *entry;
	char err[512];
	int status, found;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	if (report_request_parse(body, &rq, err, sizeof(err)) == -1) {
		ret = http_problem(r, 422, "%s", err);
		goto done;
	}
	s = store_pool_get(r->srv->readers);
	if (products_compute(r->srv->center, s, &rq, &pr, &status, err,
		sizeof(err)) == -1) {
		store_pool_put(r->srv->readers, s);
		ret = http_problem(r, (unsigned)status, "%s", err);
		goto done;
	}
	found = reportform_find(s, pr.id, &rec);
	store_pool_put(r->srv->readers, s);
	if (found == -1) {
		ret = http_problem(r, 503, "the store is unavailable");
		goto clear;
	}
	if (found == 1) {
		/* Nothing it reads has changed: the same report, drafted. */
		ret = http_json(r, 200, draft_answer(pr.id, rec));
		goto clear;
	}
	if (products_keep(r->srv->center, pr.bytes, pr.len, pr.id, err,
		sizeof(err)) == -1) {
		ret = http_problem(r, 503, "the report could not be kept: %s",
		    err);
		goto clear;
	}
	entry = reportentry_draft(pr.report, pr.id, pr.subject, r->who.name,
	    timefmt_now_ms());
	if (entry == NULL) {
		ret = http_problem(r, 500, "the draft entry cannot be built");
		goto clear;
	}
	r->ctx = json_string(pr.id);
	r->ctx_free = ctx_free;
	ret = http_submit(r, entry, drafted);
	json_decref(entry);
clear:
	json_decref(rec);
	products_report_clear(&pr);
done:
	json_decref(body);
	return ret;
}

enum MHD_Result
reports_list(struct request *r)
{
	const char *state = http_query(r, "state"),
		   *kind = http_query(r, "kind");
	static const char *const states[] = { "draft", "released", "superseded",
		"refused", NULL };
	enum report_kind k;
	struct store *s;
	json_t *list;
	size_t i;
	int known;

	for (known = state == NULL, i = 0; !known && states[i] != NULL; i++)
		known = strcmp(state, states[i]) == 0;
	if (!known)
		return http_problem(r, 400,
		    "state: must be draft, released, "
		    "superseded or refused");
	if (kind != NULL && report_kind_parse(kind, &k) == -1)
		return http_problem(r, 400,
		    "kind: must be daily, spot or "
		    "summary");
	if (r->who.role == ROLE_LIAISON) {
		if (state != NULL && strcmp(state, "released") != 0)
			return http_json(r, 200,
			    json_pack("{s:[]}", "reports"));
		state = "released";
	}
	s = store_pool_get(r->srv->readers);
	list = reportform_list(s, state, kind);
	store_pool_put(r->srv->readers, s);
	if (list == NULL)
		return http_problem(r, 503, "the store is unavailable");
	return http_json(r, 200, json_pack("{s:o}", "reports", list));
}

/*
 * GET /v1/trends?days=&zone=&category=&format=: violations per report day
 * by category and zone (report/trend.h), as JSON or CSV.
 */
enum MHD_Result
reports_trends(struct request *r)
{
	const char *days = http_query(r, "days"),
		   *fmt = http_query(r, "format"),
		   *zone = http_query(r, "zone"),
		   *cat = http_query(r, "category");
	char err[300], *csv;
	int64_t n = 30;
	struct store *s;
	json_t *t;
	enum MHD_Result ret;

	if (days != NULL &&
	    num_parse_i64(days, 1, TREND_MAX_DAYS, &n, err, sizeof(err)) == -1)
		return http_problem(r, 400, "days: %s", err);
	if (fmt != NULL && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0)
		return http_problem(r, 400, "format: must be json or csv");
	if (cat != NULL && !observation_is_category(cat))
		return http_problem(r, 400,
		    "category: '%.64s' is not a category "
		    "of the observation model",
		    cat);
	s = store_pool_get(r->srv->readers);
	t = products_trend(r->srv->center, s, timefmt_now_ms(), (int)n, zone,
	    cat, r->who.role == ROLE_LIAISON ? r->who.party : NULL, err,
	    sizeof(err));
	store_pool_put(r->srv->readers, s);
	if (t == NULL)
		return http_problem(r, 503, "%s", err);
	if (fmt == NULL || strcmp(fmt, "json") == 0)
		return http_json(r, 200, t);
	csv = trend_csv(t);
	json_decref(t);
	if (csv == NULL)
		return http_problem(r, 503, "out of memory");
	ret = http_bytes(r, 200, csv, strlen(csv), "text/csv; charset=utf-8",
	    "no-store");
	free(csv);
	return ret;
}

/*
 * The release entry at index and its receipt (ledger_receipt) in the
 * joint checkpoint, or in the latest signed one while no joint one covers
 * it yet: {"index","entry","receipt"}, or null if it cannot be read.
 */
static json_t *
release_proof(struct request *r, int64_t index)
{
	struct center *c = r->srv->center;
	uint8_t *entry = NULL;
	json_t *receipt = NULL, *out = NULL;
	char *note;
	int64_t size;
	size_t len;

	if (entrylog_read(c->log, index, &entry, &len) == -1)
		return json_null();
	if ((note = checkpointer_joint(c->cp, &size)) != NULL && size > index)
		receipt = ledger_receipt(r->srv, index, note, size);
	if (receipt == NULL)
		receipt = ledger_receipt(r->srv, index, NULL, 0);
	if (receipt != NULL)
		out = json_pack("{s:I,s:s%,s:o}", "index", (json_int_t)index,
		    "entry", (const char *)entry, len, "receipt", receipt);
	free(note);
	free(entry);
	return out != NULL ? out : json_null();
}

/* The rendering a GET asks for: by suffix of the id, else by Accept. */
enum rendering { AS_JSON, AS_HTML, AS_SVG, AS_PDF, AS_PNG, AS_TREND };

static int
wanted(struct request *r, char *id, enum rendering *as)
{
	const char *accept = http_header(r, "Accept");
	char *dot = strchr(id, '.');

	*as = AS_JSON;
	if (dot != NULL) {
		if (strcmp(dot, ".html") == 0)
			*as = AS_HTML;
		else if (strcmp(dot, ".svg") == 0)
			*as = AS_SVG;
		else if (strcmp(dot, ".trend.svg") == 0)
			*as = AS_TREND;
		else if (strcmp(dot, ".pdf") == 0)
			*as = AS_PDF;
		else if (strcmp(dot, ".png") == 0)
			*as = AS_PNG;
		else if (strcmp(dot, ".json") != 0)
			return -1;
		*dot = '\0';
	} else if (accept != NULL && strstr(accept, "text/html") != NULL)
		*as = AS_HTML;
	else if (accept != NULL && strstr(accept, "image/svg+xml") != NULL)
		*as = AS_SVG;
	else if (accept != NULL && strstr(accept, "application/pdf") != NULL)
		*as = AS_PDF;
	else if (accept != NULL && strstr(accept, "image/png") != NULL)
		*as = AS_PNG;
	return 0;
}

enum MHD_Result
reports_get(struct request *r)
{
	struct render_out out = { NULL, 0 };
	struct products_geo geo;
	enum rendering as;
	enum MHD_Result ret;
	struct store *s;
	json_t *rec = NULL, *report = NULL, *env;
	char id[REQUEST_ARG_LEN], err[256], *bytes = NULL;
	const char *state;
	size_t len;
	int found;

	memset(&geo, 0, sizeof(geo));
	snprintf(id, sizeof(id), "%s", r->arg);
	if (wanted(r, id, &as) == -1)
		return http_problem(r, 404,
		    "a report is served as .json, "
		    ".html, .svg, .pdf or .png");
	if (!report_is_id(id))
		return http_problem(r, 404, "no report has id %.80s", id);
	s = store_pool_get(r->srv->readers);
	found = reportform_find(s, id, &rec);
	store_pool_put(r->srv->readers, s);
	if (found == -1)
		return http_problem(r, 503, "the store is unavailable");
	state = found ? json_string_value(json_object_get(rec, "state")) : "";
	if (found == 0 ||
	    (r->who.role == ROLE_LIAISON && strcmp(state, "released") != 0)) {
		ret = http_problem(r, 404, "no report has id %.80s", id);
		goto done;
	}
	if (products_read(r->srv->center, id, &bytes, &len, err, sizeof(err)) ==
	    -1) {
		ret = http_problem(r, 500, "report %.16s…: %s", id, err);
		goto done;
	}
	if ((report = json_loadb(bytes, len, 0, NULL)) == NULL) {
		ret = http_problem(r, 500,
		    "report %.16s…: its bytes are not "
		    "JSON",
		    id);
		goto done;
	}
	env = json_deep_copy(rec);
	json_object_set_new(env, "sha256", json_string(id));
	json_object_set(env, "report", report);
	if (as == AS_JSON) {
		/* A released report: the release entry and its proof in the
		   joint checkpoint, so that verify-report can check offline
		   that the release is in the log the members cosigned. */
		if (strcmp(state, "released") == 0)
			json_object_set_new(env, "release",
			    release_proof(r,
				json_integer_value(
				    json_object_get(rec, "state_index"))));
		ret = http_json(r, 200, env);
		goto done;
	}
	if (as == AS_TREND &&
	    !json_is_object(json_object_get(report, "trend"))) {
		json_decref(env);
		ret = http_problem(r, 404, "a spot report has no trend chart");
		goto done;
	}
	if (products_geo(r->srv->center->geo, &geo) == -1 ||
	    (as == AS_HTML	     ? render_html(env, &geo.geo, &out)
		    : as == AS_SVG   ? render_map_svg(report, &geo.geo, &out)
		    : as == AS_TREND ? render_trend_svg(report, &out)
		    : as == AS_PDF
		    ? products_pdf(env, &geo.geo, &out, err, sizeof(err))
		    : products_png(report, &geo.geo, &out, err, sizeof(err))) ==
		-1) {
		json_decref(env);
		ret = http_problem(r, 500, "the report cannot be rendered");
		goto done;
	}
	json_decref(env);
	ret = http_bytes(r, 200, out.data, out.len,
	    as == AS_HTML			 ? "text/html; charset=utf-8"
		: as == AS_SVG || as == AS_TREND ? "image/svg+xml"
		: as == AS_PDF			 ? "application/pdf"
						 : "image/png",
	    "no-store");
done:
	products_geo_clear(&geo);
	free(out.data);
	free(bytes);
	json_decref(report);
	json_decref(rec);
	return ret;
}

/* After a signature: the report's state now. */
static enum MHD_Result
signed_it(struct request *r)
{
	json_t *answer = r->ctx, *rec = NULL;
	enum MHD_Result ret;
	struct store *s;
	int64_t index;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	s = store_pool_get(r->srv->readers);
	reportform_find(s, json_string_value(json_object_get(answer, "report")),
	    &rec);
	store_pool_put(r->srv->readers, s);
	json_object_set_new(answer, "index", json_integer(index));
	json_object_set(answer, "state",
	    rec ? json_object_get(rec, "state") : json_null());
	json_object_set(answer, "signed_by",
	    rec ? json_object_get(rec, "signed_by") : json_null());
	json_decref(rec);
	r->ctx = NULL;
	return http_json(r, 201, answer);
}

enum MHD_Result
reports_sign(struct request *r)
{
	struct reportentry_signature sig;
	const char *notes[REPORTENTRY_MAX_NOTES], *keys[1], *vkey = NULL;
	const char *name, *state;
	enum MHD_Result ret;
	struct store *s;
	json_t *members = NULL, *rec = NULL, *v, *entry;
	char err[400];
	int64_t need, signs = 0;
	size_t i, n = 0;
	int found;

	if (r->body_len == 0)
		return http_problem(r, 400, "the body must be a signed note");
	if (reportentry_signature_read(r->body, r->body_len, &sig, err,
		sizeof(err)) == -1)
		return http_problem(r, 422, "%s", err);
	if (strcmp(sig.report, r->arg) != 0)
		return http_problem(r, 422,
		    "/report: the note signs report "
		    "%.16s…, not %.16s… (the hash was altered, or the note is "
		    "for another report)",
		    sig.report, r->arg);
	if (strcmp(sig.member, r->who.member) != 0)
		return http_problem(r, 403,
		    "/member: an assessor of %s may not "
		    "sign for %s",
		    r->who.member, sig.member);
	s = store_pool_get(r->srv->readers);
	members = verform_members(s);
	found = reportform_find(s, r->arg, &rec);
	store_pool_put(r->srv->readers, s);
	if (members == NULL || found == -1) {
		ret = http_problem(r, 503, "the store is unavailable");
		goto done;
	}
	if (found == 0) {
		ret = http_problem(r, 404, "no report has id %.80s", r->arg);
		goto done;
	}
	json_array_foreach(json_object_get(members, "members"), i, v)
	{
		name = json_string_value(json_object_get(v, "name"));
		if (name != NULL && strcmp(name, sig.member) == 0)
			vkey = json_string_value(json_object_get(v, "vkey"));
	}
	if (vkey == NULL) {
		ret = http_problem(r, 403,
		    "/member: %s is not a member of this "
		    "center",
		    sig.member);
		goto done;
	}
	keys[0] = vkey;
	if (member_note_verify(r->body, r->body_len, keys, 1, err,
		sizeof(err)) == -1) {
		ret = http_problem(r, 403, "%s", err);
		goto done;
	}
	if (strcmp(sig.number,
		json_string_value(json_object_get(rec, "number"))) != 0) {
		ret = http_problem(r, 422,
		    "/number: the note signs \"%s\"; the "
		    "report is \"%s\"",
		    sig.number,
		    json_string_value(json_object_get(rec, "number")));
		goto done;
	}
	state = json_string_value(json_object_get(rec, "state"));
	if (strcmp(state, "draft") != 0 && strcmp(state, "released") != 0) {
		ret = http_problem(r, 409,
		    "report %.16s… is %s: it takes no "
		    "signatures",
		    r->arg, state);
		goto done;
	}
	json_array_foreach(json_object_get(rec, "signatures"), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "member")),
			sig.member) == 0) {
			ret = http_problem(r, 409,
			    "%s has %s report %.16s… "
			    "already, at log index %lld (a replay)",
			    sig.member,
			    strcmp(json_string_value(
				       json_object_get(v, "decision")),
				"sign") == 0
				? "signed"
				: "refused",
			    r->arg,
			    (long long)json_integer_value(
				json_object_get(v, "index")));
			goto done;
		}
		if (strcmp(json_string_value(json_object_get(v, "decision")),
			"sign") == 0 &&
		    n < REPORTENTRY_MAX_NOTES - 1) {
			notes[n++] =
			    json_string_value(json_object_get(v, "note"));
			signs++;
		}
	}
	need = json_integer_value(json_object_get(rec, "needed"));
	notes[n++] = r->body;
	if (!sig.refuse && strcmp(state, "draft") == 0 && signs + 1 >= need)
		entry = reportentry_release(r->arg, sig.number, notes, n,
		    r->who.name, timefmt_now_ms());
	else
		entry =
		    reportentry_sign(r->body, r->who.name, timefmt_now_ms());
	if (entry == NULL) {
		ret = http_problem(r, 500, "the entry cannot be built");
		goto done;
	}
	r->ctx = json_pack("{s:s,s:s,s:s}", "report", r->arg, "member",
	    sig.member, "decision", sig.refuse ? "refuse" : "sign");
	r->ctx_free = ctx_free;
	ret = http_submit(r, entry, signed_it);
	json_decref(entry);
done:
	json_decref(members);
	json_decref(rec);
	return ret;
}
