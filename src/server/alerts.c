/*
 * alerts: the routes of the event stream and the alert rules
 * (docs/alerts.md, docs/api.md "Events and alerts").
 *
 *   GET    /v1/events                 text/event-stream of log entries the
 *                                     caller may see, from ?after= or
 *                                     Last-Event-ID; types=, bbox=, zone=,
 *                                     category= narrow it
 *   POST   /v1/alerts/rules           {"name","when","webhook"?} -> 201
 *   GET    /v1/alerts/rules           the rules (never a secret)
 *   DELETE /v1/alerts/rules/{id}      disables a rule (a log entry)
 *   GET    /v1/alerts/deliveries      ?rule=&state=&limit=
 *
 * A stream is a response whose content callback (events_stream_read)
 * suspends the connection when there is nothing to send: a held stream
 * takes no thread (alert/events.h).
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_rule.h"
#include "alert/events.h"
#include "center/center.h"
#include "common/num.h"
#include "ledger/entrylog.h"
#include "record/timefmt.h"
#include "server/request.h"
#include "store/store.h"

#define STREAM_BLOCK 16384 /* bytes libmicrohttpd asks for at once */
#define WAIT_MS 10000	   /* how long a read waits for the hub */
#define DELIVERIES_LIMIT 1000

static void
conn_suspend(void *arg)
{
	MHD_suspend_connection(arg);
}

static void
conn_resume(void *arg)
{
	MHD_resume_connection(arg);
}

/* 1 if the client of a suspended stream's connection has closed its end
   (or the socket failed): the hub then ends the stream (events.h). */
static int
conn_gone(void *arg)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd pfd;

	ci = MHD_get_connection_info(arg, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return 0;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 1)
		return 0;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n;

	(void)pos;
	n = events_stream_read(cls, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void
stream_free(void *cls)
{
	events_stream_free(cls);
}

/* Splits a comma list of names into list (at most max of 32 bytes). */
static int
names(const char *key, const char *v, char (*list)[32], size_t max, size_t *n,
    char *err, size_t errlen)
{
	size_t len;
	const char *p, *comma;

	*n = 0;
	for (p = v; p != NULL; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= 32 ||
		    strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789") < len) {
			snprintf(err, errlen,
			    "%s: '%.*s' is not a name (a-z, "
			    "0-9, _; at most 31 bytes)",
			    key, (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		if (*n == max) {
			snprintf(err, errlen, "%s: more than %zu names", key,
			    max);
			return -1;
		}
		memcpy(list[*n], p, len);
		list[(*n)++][len] = '\0';
	}
	return 0;
}

/* The stream's filter and start from the query and Last-Event-ID. */
static int
stream_args(struct request *r, struct events_filter *f, int64_t *after,
    char *err, size_t errlen)
{
	char cbuf[1024], nerr[160];
	const char *cats[STORE_MAX_CATEGORIES], *v;
	size_t n, i;

	memset(f, 0, sizeof(*f));
	*after = -2; /* from now on */
	if ((v = http_query(r, "types")) != NULL &&
	    names("types", v, f->types, EVENTS_MAX_TYPES, &f->ntypes, err,
		errlen) == -1)
		return -1;
	if ((v = http_query(r, "bbox")) != NULL) {
		if (http_parse_bbox(v, f->bbox, err, errlen) == -1)
			return -1;
		f->has_bbox = 1;
	}
	if ((v = http_query(r, "zone")) != NULL) {
		if (v[0] == '\0' || strlen(v) >= sizeof(f->zone)) {
			snprintf(err, errlen, "zone: must be 1 to %zu bytes",
			    sizeof(f->zone) - 1);
			return -1;
		}
		snprintf(f->zone, sizeof(f->zone), "%s", v);
	}
	if ((v = http_query(r, "category")) != NULL) {
		if (http_parse_categories(v, cbuf, sizeof(cbuf), cats, &n, err,
			errlen) == -1)
			return -1;
		for (i = 0; i < n; i++)
			snprintf(f->categories[i], sizeof(f->categories[i]),
			    "%s", cats[i]);
		f->ncategories = n;
	}
	if ((v = http_query(r, "after")) != NULL ||
	    (v = http_header(r, "Last-Event-ID")) != NULL) {
		if (num_parse_i64(v, -1, INT64_MAX - 1, after, nerr,
			sizeof(nerr)) == -1) {
			snprintf(err, errlen, "%s: %s (a log index)",
			    http_query(r, "after") ? "after" : "Last-Event-ID",
			    nerr);
			return -1;
		}
	}
	return 0;
}

enum MHD_Result
alerts_events(struct request *r)
{
	struct events *h = r->srv->events;
	struct events_filter f;
	struct events_stream *st;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char err[256];
	int64_t after;
	int status;

	if (h == NULL)
		return http_problem(r, 503, "the event stream is not running");
	if (stream_args(r, &f, &after, err, sizeof(err)) == -1)
		return http_problem(r, 400, "%s", err);
	if ((st = events_stream_new(h, &r->who, &f, after, conn_suspend,
		 conn_resume, conn_gone, r->conn, &status, err, sizeof(err))) ==
	    NULL)
		return http_problem(r, (unsigned)status, "%s", err);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
	    stream_read, st, stream_free);
	if (resp == NULL) {
		events_stream_free(st);
		return http_problem(r, 503, "out of memory");
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	http_reflects(r, resp);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Waits until the hub has seen every acknowledged entry; 503 if not. */
static int
caught_up(struct request *r, enum MHD_Result *ret)
{
	struct events *h = r->srv->events;

	if (h == NULL) {
		*ret = http_problem(r, 503, "alerts are not running");
		return -1;
	}
	if (events_wait(h, entrylog_size(r->srv->center->log), WAIT_MS) == -1) {
		*ret = http_problem(r, 503,
		    "the alert rules are catching up "
		    "with the log; try again");
		return -1;
	}
	return 0;
}

static void
json_ctx_free(void *ctx)
{
	json_decref(ctx);
}

/* A rule's entry is durable: 201 with its view. */
static enum MHD_Result
rule_written(struct request *r)
{
	struct alert_rule rule;
	enum MHD_Result ret;
	json_t *view;
	int64_t index;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	if (alert_rule_parse(r->ctx, index, &rule) == -1 ||
	    (view = alert_rule_view(&rule)) == NULL)
		return http_problem(r, 500,
		    "the rule entry cannot be read "
		    "back");
	json_object_set_new(view, "index", json_integer(index));
	(void)events_wait(r->srv->events, index + 1, WAIT_MS);
	return http_json(r, 201, view);
}

enum MHD_Result
alerts_rules_post(struct request *r)
{
	char secret[ALERT_RULE_SECRET_MAX + 1], err[320];
	enum MHD_Result ret;
	json_t *body, *entry;
	const char *sha;

	if (r->srv->events == NULL)
		return http_problem(r, 503, "alerts are not running");
	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	entry = alert_rule_from_input(body, r->who.name, timefmt_now_ms(),
	    secret, err, sizeof(err));
	json_decref(body);
	if (entry == NULL)
		return http_problem(r, 422, "%s", err);
	sha =
	    json_string_value(json_object_get(json_object_get(entry, "webhook"),
		"secret_sha256"));
	/* The secret is kept before the entry that names it exists. */
	if (sha != NULL &&
	    events_secret_put(r->srv->events, sha, secret) == -1) {
		json_decref(entry);
		return http_problem(r, 503,
		    "the webhook's secret could not be "
		    "kept; nothing was stored");
	}
	r->ctx = entry;
	r->ctx_free = json_ctx_free;
	return http_submit(r, entry, rule_written);
}

enum MHD_Result
alerts_rules_list(struct request *r)
{
	enum MHD_Result ret;
	json_t *rules;

	if (caught_up(r, &ret) == -1)
		return ret;
	if ((rules = events_rules(r->srv->events, 0)) == NULL)
		return http_problem(r, 503, "out of memory");
	return http_json(r, 200, json_pack("{s:o}", "rules", rules));
}

static enum MHD_Result
disable_written(struct request *r)
{
	enum MHD_Result ret;
	int64_t index;
	char id[ALERT_RULE_ID_MAX];

	if (http_written(r, &index, &ret) == -1)
		return ret;
	alert_rule_id(json_integer_value(json_object_get(r->ctx, "rule")), id);
	(void)events_wait(r->srv->events, index + 1, WAIT_MS);
	return http_json(r, 200,
	    json_pack("{s:s,s:b,s:I}", "id", id, "active", 0, "disabled_index",
		(json_int_t)index));
}

enum MHD_Result
alerts_rules_delete(struct request *r)
{
	enum MHD_Result ret;
	json_t *entry;
	int64_t id;

	if (alert_rule_parse_id(r->arg, &id) == -1)
		return http_problem(r, 404, "no alert rule has id %.64s",
		    r->arg);
	if (caught_up(r, &ret) == -1)
		return ret;
	if (!events_rule_active(r->srv->events, id))
		return http_problem(r, 404,
		    "no active alert rule has id "
		    "%.64s",
		    r->arg);
	if ((entry = alert_rule_disable_entry(id, r->who.name,
		 timefmt_now_ms())) == NULL)
		return http_problem(r, 503, "out of memory");
	r->ctx = entry;
	r->ctx_free = json_ctx_free;
	return http_submit(r, entry, disable_written);
}

enum MHD_Result
alerts_deliveries(struct request *r)
{
	const char *rule = http_query(r, "rule"),
		   *state = http_query(r, "state"),
		   *lim = http_query(r, "limit");
	enum MHD_Result ret;
	int64_t id = -1, limit = DELIVERIES_LIMIT;
	json_t *list;
	char err[160];

	if (rule != NULL && alert_rule_parse_id(rule, &id) == -1)
		return http_problem(r, 400,
		    "rule: must be a rule id "
		    "(rule-N)");
	if (state != NULL && strcmp(state, "pending") != 0 &&
	    strcmp(state, "delivered") != 0 && strcmp(state, "failed") != 0)
		return http_problem(r, 400,
		    "state: must be pending, "
		    "delivered or failed");
	if (lim != NULL &&
	    num_parse_i64(lim, 1, DELIVERIES_LIMIT, &limit, err, sizeof(err)) ==
		-1)
		return http_problem(r, 400, "limit: %s", err);
	if (caught_up(r, &ret) == -1)
		return ret;
	if ((list = events_deliveries(r->srv->events, id, state,
		 (size_t)limit)) == NULL)
		return http_problem(r, 503, "out of memory");
	return http_json(r, 200, json_pack("{s:o}", "deliveries", list));
}
