/*
 * server: libmicrohttpd daemon, request lifecycle, authentication, the
 * route table and the response helpers (see server.h, request.h).
 *
 * Lifecycle of a request (libmicrohttpd's access-handler protocol): the
 * first call allocates struct request and checks route, token (against the
 * principals in the store, with failed attempts rate-limited per address),
 * role, content type and declared length, answering at once when any
 * fails; the next calls collect the body up to the route's limit (or hand
 * a streamed body to the route chunk by chunk); the final call runs the
 * route. A write suspends the connection until the sequencer reports the
 * entries durable and applied, then resumes it to queue the answer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "alert/events.h"
#include "center/center.h"
#include "center/follower.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/heap.h"
#include "common/jsonmem.h"
#include "common/log.h"
#include "common/num.h"
#include "ledger/checkpointer.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "record/canon.h"
#include "record/observation.h"
#include "record/timefmt.h"
#include "server/ratelimit.h"
#include "server/request.h"
#include "server/server.h"
#include "server/web.h"
#include "store/store.h"
#include "verify/member.h"

static enum MHD_Result health(struct request *r);

/* How long a reading request waits for the store to catch up, at most. */
#define STORE_WAIT_MS 30000

/*
 * THE table of what each role may do on each route (docs/verification.md
 * prints it; tests/integration/permissions.t requests every cell). A route
 * with no roles is public. Handlers narrow further by the principal's
 * member or party (a liaison reads only what concerns its party, an
 * assessor signs only for its member), never wider.
 */
#define A(role) ALLOW(ROLE_##role)
#define EVERYONE                                                       \
	(A(ADMIN) | A(MONITOR) | A(SENSOR) | A(LIAISON) | A(ANALYST) | \
	    A(ASSESSOR) | A(VIEWER))
#define READERS                                                          \
	(A(ADMIN) | A(MONITOR) | A(LIAISON) | A(ANALYST) | A(ASSESSOR) | \
	    A(VIEWER))
#define SUBMITTERS (A(ADMIN) | A(MONITOR) | A(SENSOR) | A(LIAISON))
#define LOG_READERS \
	(A(ADMIN) | A(MONITOR) | A(ANALYST) | A(ASSESSOR) | A(VIEWER))
/* The query parameters of the routes that take any (server/query.h). */
static const char *const P_OBSERVATIONS[] = { "bbox", "from", "to", "category",
	"source", "member", "limit", "cursor", "format", NULL };
static const char *const P_OBS_POST[] = { "receipts", NULL };
static const char *const P_RANGE[] = { "from", "to", NULL };
static const char *const P_STATE[] = { "kind", "from", "to", "size", "rows",
	NULL };
static const char *const P_INCLUSION[] = { "index", "size", NULL };
static const char *const P_EVIDENCE[] = { "sha256", NULL };
static const char *const P_INCIDENTS[] = { "bbox", "from", "to", "category",
	"zone", "limit", "cursor", "format", NULL };
static const char *const P_PAGE[] = { "limit", "cursor", NULL };
static const char *const P_REPORTS[] = { "state", "kind", NULL };
static const char *const P_TRENDS[] = { "days", "zone", "category", "format",
	NULL };
static const char *const P_EVENTS[] = { "types", "bbox", "zone", "category",
	"after", NULL };
static const char *const P_DELIVERIES[] = { "rule", "state", "limit", NULL };
static const struct route routes[] = {
	{ "GET", "/v1/health", health, 0, BODY_NONE, NULL, NULL },
	{ "GET", "/v1/me", principals_me, EVERYONE, BODY_NONE, NULL, NULL },
	{ "POST", "/v1/observations", observations_post, SUBMITTERS, BODY_JSON,
	    NULL, P_OBS_POST },
	{ "GET", "/v1/observations", observations_list, READERS, BODY_NONE,
	    NULL, P_OBSERVATIONS },
	{ "GET", "/v1/observations/digest", digest_observations, LOG_READERS,
	    BODY_NONE, NULL, P_RANGE },
	{ "GET", "/v1/state/digest", digest_state, LOG_READERS, BODY_NONE, NULL,
	    P_STATE },
	{ "GET", "/v1/observations/{id}", observations_get, READERS, BODY_NONE,
	    NULL, NULL },
	{ "GET", "/v1/observations/{id}/receipt", observations_receipt, READERS,
	    BODY_NONE, NULL, NULL },
	{ "GET", "/checkpoint", ledger_checkpoint, 0, BODY_NONE, NULL, NULL },
	{ "GET", "/v1/log/checkpoint", ledger_latest_checkpoint, 0, BODY_NONE,
	    NULL, NULL },
	{ "GET", "/v1/log/key", ledger_key, 0, BODY_NONE, NULL, NULL },
	{ "GET", "/tile/entries/*", ledger_entries, LOG_READERS, BODY_NONE,
	    NULL, NULL },
	{ "GET", "/tile/*", ledger_tile, 0, BODY_NONE, NULL, NULL },
	{ "GET", "/v1/log/proof/inclusion", ledger_inclusion, 0, BODY_NONE,
	    NULL, P_INCLUSION },
	{ "GET", "/v1/log/proof/consistency", ledger_consistency, 0, BODY_NONE,
	    NULL, P_RANGE },
	{ "GET", "/v1/principals", principals_list, A(ADMIN), BODY_NONE, NULL,
	    NULL },
	{ "POST", "/v1/principals", principals_post, A(ADMIN), BODY_JSON, NULL,
	    NULL },
	{ "DELETE", "/v1/principals/{name}", principals_delete, A(ADMIN),
	    BODY_NONE, NULL, NULL },
	{ "GET", "/v1/members", members_list, EVERYONE, BODY_NONE, NULL, NULL },
	{ "POST", "/v1/members", members_post, A(ADMIN) | A(ASSESSOR),
	    BODY_NOTE, NULL, NULL },
	{ "POST", "/v1/evidence", evidence_post,
	    SUBMITTERS | A(ANALYST) | A(ASSESSOR), BODY_STREAM, evidence_chunk,
	    P_EVIDENCE },
	{ "GET", "/v1/evidence/{sha256}", evidence_get, READERS, BODY_NONE,
	    NULL, NULL },
	{ "GET", "/v1/evidence/{sha256}/custody", evidence_custody,
	    A(ADMIN) | A(ANALYST) | A(ASSESSOR) | A(VIEWER), BODY_NONE, NULL,
	    NULL },
	{ "GET", "/v1/incidents", incidents_list, READERS, BODY_NONE, NULL,
	    P_INCIDENTS },
	{ "GET", "/v1/incidents/{id}", incidents_get, READERS, BODY_NONE, NULL,
	    NULL },
	{ "POST", "/v1/incidents/{id}/merge", incidents_post,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL, NULL },
	{ "POST", "/v1/incidents/{id}/split", incidents_post,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL, NULL },
	{ "GET", "/v1/incidents/{id}/history", verification_history, READERS,
	    BODY_NONE, NULL, P_PAGE },
	{ "GET", "/v1/incidents/{id}/assessments", verification_assessments,
	    READERS, BODY_NONE, NULL, NULL },
	{ "POST", "/v1/incidents/{id}/state", verification_state,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL, NULL },
	{ "POST", "/v1/incidents/{id}/assessments", verification_assess,
	    A(ASSESSOR), BODY_NOTE, NULL, NULL },
	{ "POST", "/v1/incidents/{id}/tasks", verification_task,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL, NULL },
	{ "POST", "/v1/tasks/{task}/done", verification_task_done,
	    A(ADMIN) | A(MONITOR) | A(ANALYST) | A(ASSESSOR), BODY_JSON, NULL,
	    NULL },
	{ "POST", "/v1/incidents/{id}/release", verification_release,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL, NULL },
	{ "GET", "/v1/queue", verification_queue, EVERYONE, BODY_NONE, NULL,
	    NULL },
	{ "POST", "/v1/sources/{id}/status", verification_source_status,
	    A(ADMIN) | A(SENSOR) | A(ANALYST), BODY_JSON, NULL, NULL },
	{ "POST", "/v1/reports", reports_post, A(ADMIN) | A(ANALYST), BODY_JSON,
	    NULL, NULL },
	{ "GET", "/v1/reports", reports_list, READERS, BODY_NONE, NULL,
	    P_REPORTS },
	{ "GET", "/v1/reports/{id}", reports_get, READERS, BODY_NONE, NULL,
	    NULL },
	{ "GET", "/v1/trends", reports_trends, READERS, BODY_NONE, NULL,
	    P_TRENDS },
	{ "POST", "/v1/reports/{id}/signatures", reports_sign, A(ASSESSOR),
	    BODY_NOTE, NULL, NULL },
	{ "GET", "/v1/events", alerts_events, READERS, BODY_NONE, NULL,
	    P_EVENTS },
	{ "POST", "/v1/alerts/rules", alerts_rules_post, A(ADMIN) | A(ANALYST),
	    BODY_JSON, NULL, NULL },
	{ "GET", "/v1/alerts/rules", alerts_rules_list, A(ADMIN) | A(ANALYST),
	    BODY_NONE, NULL, NULL },
	{ "DELETE", "/v1/alerts/rules/{id}", alerts_rules_delete,
	    A(ADMIN) | A(ANALYST), BODY_NONE, NULL, NULL },
	{ "GET", "/v1/alerts/deliveries", alerts_deliveries,
	    A(ADMIN) | A(ANALYST), BODY_NONE, NULL, P_DELIVERIES },
	{ "GET", "/v1/geo", web_geo, EVERYONE, BODY_NONE, NULL, NULL },
	{ "GET", "/v1/log/witnesses", web_witnesses, 0, BODY_NONE, NULL, NULL },
	{ NULL, NULL, NULL, 0, BODY_NONE, NULL, NULL },
};
#undef A

void
server_print_routes(FILE *f)
{
	const struct route *rt;
	int role, first;

	for (rt = routes; rt->path != NULL; rt++) {
		fprintf(f, "%s %s ", rt->method, rt->path);
		if (rt->roles == 0)
			fprintf(f, "public");
		for (first = 1, role = 1; role < ROLE_COUNT; role++)
			if (rt->roles & ALLOW(role)) {
				fprintf(f, "%s%s", first ? "" : ",",
				    principal_role_name((enum role)role));
				first = 0;
			}
		fprintf(f, "\n");
	}
}

struct MHD_Response *
http_json_response(json_t *body)
{
	char *text;
	struct MHD_Response *resp;

	text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(body);
	if (text == NULL)
		return NULL;
	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return resp;
}

int
http_json_whole(const struct request *r)
{
	if (jsonmem_failures() == r->json_failures)
		return 1;
	log_warnx("%s %s: out of memory while building JSON", r->method,
	    r->url);
	return 0;
}

void
http_reflects(const struct request *r, struct MHD_Response *resp)
{
	char size[24];

	if (r->log_size < 0)
		return;
	snprintf(size, sizeof(size), "%lld", (long long)r->log_size);
	MHD_add_response_header(resp, "X-Truce-Log-Size", size);
}

static enum MHD_Result
queue(struct request *r, unsigned int status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	if (!http_json_whole(r)) {
		/* Not sent: the caller answers 503 (answer_oom). */
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	if (r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	http_reflects(r, resp);
	MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
http_log_failed(struct request *r, const char *what)
{
	if (entrylog_nospace(r->srv->center->log))
		return http_problem(r, 507,
		    "the center's disk is full: nothing was stored (%s); try "
		    "again once space is freed",
		    what);
	return http_problem(r, 503,
	    "the log could not store the %s; nothing was stored, try again",
	    what);
}

enum MHD_Result
http_queue(struct request *r, unsigned int status, struct MHD_Response *resp)
{
	return queue(r, status, resp);
}

enum MHD_Result
http_json(struct request *r, unsigned int status, json_t *body)
{
	return queue(r, status, http_json_response(body));
}

static const char *
reason(unsigned int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return "Error";
	}
}

/*
 * The length of the UTF-8 character at s (n bytes left), or 0 if s does
 * not start one (RFC 3629: no overlong forms, surrogates or code points
 * above U+10FFFF), as jansson checks a string.
 */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

json_t *
http_problem_new(unsigned int status, const char *detail)
{
	const unsigned char *s = (const unsigned char *)detail;
	size_t n = strlen(detail), i = 0, k;
	char *clean;
	json_t *p;

	/*
	 * A detail quotes what the client sent (a path, a parameter) and
	 * "%.40s" may cut a character: any byte that is not part of a UTF-8
	 * character becomes '?', or jansson would refuse the string and the
	 * client would get no answer at all.
	 */
	if ((clean = malloc(n + 1)) == NULL)
		return NULL;
	while (i < n) {
		if ((k = utf8_char(s + i, n - i)) == 0) {
			clean[i++] = '?';
			continue;
		}
		memcpy(clean + i, s + i, k);
		i += k;
	}
	clean[n] = '\0';
	p = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank", "title",
	    reason(status), "status", (int)status, "detail", clean);
	free(clean);
	return p;
}

/* The application/problem+json response of problem (taken; NULL gives
 * NULL). */
static struct MHD_Response *
problem_response(json_t *problem)
{
	char *text;
	struct MHD_Response *resp;

	text = problem != NULL ? json_dumps(problem, JSON_COMPACT) : NULL;
	json_decref(problem);
	if (text == NULL)
		return NULL;
	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type",
	    "application/problem+json");
	return resp;
}

enum MHD_Result
http_problem_json(struct request *r, unsigned int status, json_t *problem)
{
	struct MHD_Response *resp;

	if ((resp = problem_response(problem)) == NULL)
		return MHD_NO;
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
		    "Bearer realm=\"truce\"");
	return queue(r, status, resp);
}

enum MHD_Result
http_problem(struct request *r, unsigned int status, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return http_problem_json(r, status, http_problem_new(status, detail));
}

/* What json_shape found. */
enum json_shape { JSON_SHAPE_OK, JSON_SHAPE_DEEP, JSON_SHAPE_MANY };

/*
 * Scans a JSON text before jansson parses it: its nesting depth, so that a
 * deep body is refused instead of recursing deeply, and how many values it
 * holds (keys, arrays and objects included), so that a body of many tiny
 * values is refused before it is built: a parsed value costs jansson
 * 40-100 bytes where its text may be two ("1,"), and 32 MiB of them took
 * 700 MB. Malformed text is left for the parser to name. Cost: one pass.
 */
static enum json_shape
json_shape(const char *s, size_t n, int64_t max_depth, int64_t max_values)
{
	int64_t depth = 0, values = 0;
	int in_str = 0, esc = 0, in_atom = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (ch == '\\')
				esc = 1;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		switch (ch) {
		case '"':
			in_str = 1;
			values++;
			break;
		case '[':
		case '{':
			if (++depth > max_depth)
				return JSON_SHAPE_DEEP;
			values++;
			in_atom = 0;
			break;
		case ']':
		case '}':
			depth--;
			in_atom = 0;
			break;
		case ',':
		case ':':
		case ' ':
		case '\t':
		case '\n':
		case '\r': in_atom = 0; break;
		default: /* a number or a literal: count its start */
			if (!in_atom)
				values++;
			in_atom = 1;
			break;
		}
		if (values > max_values)
			return JSON_SHAPE_MANY;
	}
	return JSON_SHAPE_OK;
}

json_t *
http_body_json(struct request *r, enum MHD_Result *result)
{
	const struct config *cfg = &r->srv->center->cfg;
	json_error_t e;
	json_t *v;

	if (r->body_len == 0) {
		*result = http_problem(r, 400, "the request body is empty");
		return NULL;
	}
	switch (json_shape(r->body, r->body_len, cfg->max_json_depth,
	    cfg->max_json_values)) {
	case JSON_SHAPE_DEEP:
		*result = http_problem(r, 400,
		    "the JSON body nests deeper "
		    "than the limit of %lld (max_json_depth)",
		    (long long)cfg->max_json_depth);
		return NULL;
	case JSON_SHAPE_MANY:
		*result = http_problem(r, 413,
		    "the JSON body holds more "
		    "values than the limit of %lld (max_json_values)",
		    (long long)cfg->max_json_values);
		return NULL;
	case JSON_SHAPE_OK: break;
	}
	v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (v == NULL) {
		*result = http_problem(r, 400,
		    "the body is not valid JSON: %s at line %d column %d",
		    e.text, e.line, e.column);
		return NULL;
	}
	return v;
}

static enum MHD_Result
health(struct request *r)
{
	struct center *c = r->srv->center;

	return http_json(r, 200,
	    json_pack("{s:s,s:s,s:I}", "status", "ok", "origin", c->cfg.origin,
		"log_size", (json_int_t)entrylog_size(c->log)));
}

/*
 * Matches url against pattern (see struct route), copying "{...}"
 * segments and a final "*" rest into args. 1 if it matches, else 0.
 */
static int
match(const char *pattern, const char *url, char args[2][REQUEST_ARG_LEN])
{
	const char *p = pattern, *u = url, *close;
	size_t n;
	int k = 0;

	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '\0') {
			if (k == 2 || strlen(u) >= REQUEST_ARG_LEN)
				return 0;
			snprintf(args[k], REQUEST_ARG_LEN, "%s", u);
			return 1;
		}
		if (*p == '{' && (close = strchr(p, '}')) != NULL) {
			n = strcspn(u, "/");
			if (k == 2 || n == 0 || n >= REQUEST_ARG_LEN)
				return 0;
			memcpy(args[k], u, n);
			args[k++][n] = '\0';
			p = close + 1;
			u += n;
			continue;
		}
		if (*p != *u)
			return 0;
		p++;
		u++;
	}
	return *u == '\0';
}

static const struct route *
find_route(struct request *r, int *method_mismatch)
{
	const struct route *rt;
	char args[2][REQUEST_ARG_LEN];

	*method_mismatch = 0;
	for (rt = routes; rt->path != NULL; rt++) {
		args[0][0] = args[1][0] = '\0';
		if (!match(rt->path, r->url, args))
			continue;
		if (strcmp(rt->method, r->method) != 0) {
			*method_mismatch = 1;
			continue;
		}
		memcpy(r->arg, args[0], sizeof(r->arg));
		memcpy(r->arg2, args[1], sizeof(r->arg2));
		return rt;
	}
	/* Anything else a browser GETs is the dashboard's (web.h). */
	return *method_mismatch ? NULL : web_route(r->method, r->url);
}

/* The client's address as text into r->client ("?" if unknown). */
static void
client_address(struct request *r)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(r->client, sizeof(r->client), "?");
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    r->client, sizeof(r->client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    r->client, sizeof(r->client));
}

/* A problem (429, 503) with Retry-After: wait_s seconds. */
static enum MHD_Result
problem_retry(struct request *r, unsigned int status, int64_t wait_s,
    const char *detail)
{
	char after[32], *text;
	struct MHD_Response *resp;
	json_t *problem;

	snprintf(after, sizeof(after), "%lld", (long long)wait_s);
	problem = http_problem_new(status, detail);
	text = json_dumps(problem, JSON_COMPACT);
	json_decref(problem);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	    "application/problem+json");
	MHD_add_response_header(resp, "Retry-After", after);
	return queue(r, status, resp);
}

/* 429 with Retry-After: the address failed to authenticate too often. */
static enum MHD_Result
too_many(struct request *r, int64_t wait_s)
{
	char detail[160];

	snprintf(detail, sizeof(detail),
	    "too many failed authentications "
	    "from this address; try again in %lld s",
	    (long long)wait_s);
	return problem_retry(r, 429, wait_s, detail);
}

int
http_admit_writes(struct request *r, size_t n, enum MHD_Result *ret)
{
	const struct config *cfg = &r->srv->center->cfg;
	char detail[320], why[160];
	int64_t wait, trouble;

	if (entrylog_failed(r->srv->center->log, why, sizeof(why))) {
		*ret = http_problem(r, 503,
		    "the log's disk failed (%s): the "
		    "center takes no more writes until it is restarted, since "
		    "what is on the disk is no longer known; reads go on",
		    why);
		return -1;
	}
	if (r->srv->center->seq != NULL &&
	    (trouble = sequencer_trouble(r->srv->center->seq)) >= 0) {
		snprintf(detail, sizeof(detail),
		    "the store cannot apply the "
		    "log from index %lld (the disk may be full: the server's "
		    "log says why); writes are refused until it can, reads "
		    "answer from what it holds",
		    (long long)trouble);
		*ret = problem_retry(r, 503, 5, detail);
		return -1;
	}
	if ((int64_t)n > cfg->write_burst) {
		*ret = http_problem(r, 413,
		    "this request writes %zu log "
		    "entries, over the per-principal limit write_burst of "
		    "%lld; send at most %lld at a time",
		    n, (long long)cfg->write_burst,
		    (long long)cfg->write_burst);
		return -1;
	}
	wait = ratelimit_take(r->srv->writes, r->who.name, (int64_t)n,
	    timefmt_now_ms());
	if (wait == 0)
		return 0;
	snprintf(detail, sizeof(detail),
	    "principal %s is over its write "
	    "limit (write_burst %lld entries, then write_per_minute %lld); "
	    "these %zu entries fit again in %lld s",
	    r->who.name, (long long)cfg->write_burst,
	    (long long)cfg->write_per_minute, n, (long long)wait);
	*ret = problem_retry(r, 429, wait, detail);
	return -1;
}

/*
 * Authenticates the bearer token: 0 with r->who filled, or -1 with the
 * answer queued (401, 429, 503). Every refusal of a presented token reads
 * the same, whatever the reason: it never tells whether a name exists.
 */
static int
authenticate(struct request *r, enum MHD_Result *ret)
{
	struct server *srv = r->srv;
	const char *auth;
	uint8_t hash[32];
	struct store *s;
	int64_t wait, now = timefmt_now_ms();
	int found = 0;

	/* Only failed authentications are counted by address: public
	   routes do not pay for formatting it. */
	client_address(r);
	/* The scheme is case-insensitive, then one or more spaces (RFC 9110
	   section 11.1, 11.4; RFC 6750 section 2.1). */
	auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncasecmp(auth, "Bearer", 6) != 0 ||
	    auth[6] != ' ' || auth[6 + strspn(auth + 6, " ")] == '\0') {
		*ret = http_problem(r, 401,
		    "a bearer token is required "
		    "(Authorization: Bearer <token>)");
		return -1;
	}
	auth += 6 + strspn(auth + 6, " ");
	if ((wait = ratelimit_check(srv->auth_failures, r->client, now)) > 0) {
		*ret = too_many(r, wait);
		return -1;
	}
	if (principal_token_hash(auth, hash) == 0) {
		s = store_pool_get(srv->readers);
		found = store_find_token(s, hash, &r->who);
		store_pool_put(srv->readers, s);
	}
	if (found == -1) {
		*ret = http_problem(r, 503,
		    "the principals' store is "
		    "unavailable; try again");
		return -1;
	}
	if (found == 0) {
		ratelimit_fail(srv->auth_failures, r->client, now);
		*ret = http_problem(r, 401, "the bearer token is not valid");
		return -1;
	}
	return 0;
}

/* The body limit of r's route. */
static int64_t
body_limit(const struct request *r)
{
	const struct config *cfg = &r->srv->center->cfg;

	switch (r->route->body) {
	case BODY_NOTE: return MEMBER_NOTE_MAX;
	case BODY_STREAM: return cfg->max_evidence_bytes;
	default: return cfg->max_body_bytes;
	}
}

/*
 * Large bodies: a JSON body above large_body_bytes holds one of the
 * server's max_large_bodies places from when it is known to be large (its
 * declared length, or its size while it arrives chunked) until the request
 * ends, so that the memory bodies and their parsed trees take is bounded
 * server-wide; without a place the request is answered 503. 0, or -1 when
 * every place is taken.
 */
static int
large_take(struct request *r)
{
	struct server *srv = r->srv;
	int taken = 0;

	pthread_mutex_lock(&srv->mu);
	if (srv->large < srv->center->cfg.max_large_bodies) {
		srv->large++;
		taken = 1;
	}
	pthread_mutex_unlock(&srv->mu);
	r->large = taken;
	return taken ? 0 : -1;
}

/* 503: every large-body place is taken. */
static enum MHD_Result
large_busy(struct request *r)
{
	char detail[256];
	const struct config *cfg = &r->srv->center->cfg;

	snprintf(detail, sizeof(detail),
	    "the server is taking the limit of "
	    "%lld bodies over %lld bytes at once (max_large_bodies); try "
	    "again shortly",
	    (long long)cfg->max_large_bodies, (long long)cfg->large_body_bytes);
	return problem_retry(r, 503, 1, detail);
}

/* 1 if ctype is type (case-insensitive) with nothing or parameters after. */
static int
ctype_is(const char *ctype, const char *type)
{
	size_t n = strlen(type);

	return ctype != NULL && strncasecmp(ctype, type, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* Checks the declared body: content type and length. 0 or -1 queued. */
static int
admit_body(struct request *r, enum MHD_Result *ret)
{
	const char *ctype, *clen, *cs;
	int64_t n, limit = body_limit(r);

	ctype = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (r->route->body == BODY_JSON &&
	    !ctype_is(ctype, "application/json")) {
		*ret = http_problem(r, 415,
		    "the body must be application/json, "
		    "not %.64s",
		    ctype ? ctype : "(none)");
		return -1;
	}
	if (r->route->body == BODY_NOTE) {
		cs = ctype ? strchr(ctype, ';') : NULL;
		if (!ctype_is(ctype, "text/plain") ||
		    (cs != NULL && strcasestr(cs, "charset=utf-8") == NULL)) {
			*ret = http_problem(r, 415,
			    "the body must be a signed "
			    "note as text/plain; charset=utf-8, not %.64s",
			    ctype ? ctype : "(none)");
			return -1;
		}
	}
	clen = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL &&
	    (num_parse_i64(clen, 0, INT64_MAX, &n, NULL, 0) == -1 ||
		n > limit)) {
		*ret = http_problem(r, 413,
		    "the body is larger than the limit "
		    "of %lld bytes",
		    (long long)limit);
		return -1;
	}
	if (clen != NULL && r->route->body == BODY_JSON &&
	    n > r->srv->center->cfg.large_body_bytes && large_take(r) == -1) {
		*ret = large_busy(r);
		return -1;
	}
	return 0;
}

/* 1 if r only reads (GET, HEAD): its answer says the log size it reflects. */
static int
is_read(const struct request *r)
{
	return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

/*
 * The applied size of the store as one read connection sees it: the size
 * a read answers from when the writer's store cannot keep up. -1 on error.
 */
static int64_t
store_size_now(struct server *srv)
{
	struct store *s;
	int64_t size = -1;

	s = store_pool_get(srv->readers);
	if (store_applied_size(s, &size) == -1)
		size = -1;
	store_pool_put(srv->readers, s);
	return size;
}

/*
 * Read-your-writes: the store follows the log a little behind
 * (ledger/sequencer.h), so a request that reads the store first waits until
 * it holds every entry the log held when the request arrived. Public routes
 * read the log only. Submitting observations reads no state a write changes
 * but the principals, and a change of principals is answered only once the
 * store has applied it, so it need not wait (and ingest does not wait for
 * the store's indexing). A read's answer then reflects at least that size
 * (X-Truce-Log-Size, set here and raised by reflect_min_size): on the
 * writer the log's size at arrival, which the store has applied once the
 * wait is over; on a read server the applied size its follower read last
 * (center/follower.h); on a member's mirror the size it serves.
 */
static int
caught_up(struct request *r, enum MHD_Result *ret)
{
	struct center *c = r->srv->center;
	char why[256], detail[400];
	int64_t size;

	if (c->follower != NULL) {
		if (r->route->fn != health &&
		    follower_trouble(c->follower, why, sizeof(why))) {
			snprintf(detail, sizeof(detail),
			    "this read server cannot follow the writer's "
			    "store: %s",
			    why);
			*ret = problem_retry(r, 503, 1, detail);
			return -1;
		}
		if (is_read(r))
			r->log_size = follower_size(c->follower);
		return 0;
	}
	if (c->seq == NULL) {
		/* A mirror serves what its joint checkpoint covers. */
		size = entrylog_size(c->log);
		if (c->cp != NULL && checkpointer_joint_size(c->cp) < size)
			size = checkpointer_joint_size(c->cp);
		if (is_read(r))
			r->log_size = size;
		return 0;
	}
	size = entrylog_size(c->log);
	if (is_read(r))
		r->log_size = size;
	if (r->route->roles == 0 || r->route->fn == observations_post)
		return 0;
	/* A store that cannot apply (a full disk) answers with what it has. */
	if (sequencer_trouble(c->seq) >= 0) {
		if (is_read(r))
			r->log_size = store_size_now(r->srv);
		return 0;
	}
	if (sequencer_wait_applied(c->seq, size, STORE_WAIT_MS) == 0)
		return 0;
	*ret = http_problem(r, 503,
	    "the store is more than %d ms behind the "
	    "log; try again",
	    STORE_WAIT_MS);
	return -1;
}

/*
 * ?min_size=N on a read (docs/api.md "Log size"): waits until the store
 * has applied at least N log entries, at most read_wait_max_ms, as a
 * client that wrote at the writer and reads at a read server asks to see
 * its write. 0 with r->log_size raised to what the answer reflects, or -1
 * with 400 (not a size) or 503 and Retry-After (not reached in time).
 */
static int
reflect_min_size(struct request *r, enum MHD_Result *ret)
{
	struct center *c = r->srv->center;
	int64_t want, bound = c->cfg.read_wait_max_ms, have;
	char detail[480], err[160];
	int reached;

	if (r->min_size == NULL)
		return 0;
	if (num_parse_i64(r->min_size, 0, INT64_MAX, &want, err, sizeof(err)) ==
	    -1) {
		*ret = http_problem(r, 400, "min_size: %s", err);
		return -1;
	}
	if (want <= r->log_size)
		return 0;
	if (c->follower != NULL) {
		reached = follower_wait(c->follower, want, bound) == 0;
		have = follower_size(c->follower);
	} else if (c->seq != NULL && sequencer_trouble(c->seq) < 0) {
		reached = sequencer_wait_applied(c->seq, want, (int)bound) == 0;
		have = reached ? want : store_size_now(r->srv);
	} else {
		/* A mirror, or a writer whose store cannot apply: no wait. */
		reached = 0;
		bound = 0;
		have = r->log_size;
	}
	if (reached) {
		r->log_size = want > have ? want : have;
		return 0;
	}
	r->log_size = have;
	if (bound == 0 && c->follower == NULL)
		snprintf(detail, sizeof(detail),
		    "min_size: this server holds %lld log entries, fewer than "
		    "the %lld asked, and does not wait for more (a mirror, or "
		    "a store that cannot apply: the server's log says why)",
		    (long long)have, (long long)want);
	else
		snprintf(detail, sizeof(detail),
		    "min_size: the store has applied %lld log entries, fewer "
		    "than the %lld asked, and did not reach them within %lld "
		    "ms (read_wait_max_ms); try again, or ask %s",
		    (long long)have, (long long)want, (long long)bound,
		    c->follower != NULL && c->cfg.writer[0] != '\0'
			? c->cfg.writer
			: "the writer");
	*ret = problem_retry(r, 503, 1, detail);
	return -1;
}

struct query_ctx {
	struct request *r;
	struct query *q;
	char err[320];
};

static enum MHD_Result
query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	struct query_ctx *qc = cls;

	(void)kind;
	/* Every read takes min_size (reflect_min_size), whatever its route. */
	if (is_read(qc->r) && key_size == 8 &&
	    memcmp(key, "min_size", 8) == 0) {
		if (qc->r->min_size != NULL) {
			snprintf(qc->err, sizeof(qc->err),
			    "query parameter 'min_size' is given twice");
			return MHD_NO;
		}
		if (value == NULL || strlen(value) != value_size) {
			snprintf(qc->err, sizeof(qc->err),
			    "query parameter 'min_size' needs a log size "
			    "(a decimal number)");
			return MHD_NO;
		}
		qc->r->min_size = value;
		return MHD_YES;
	}
	return query_add(qc->q, key, key_size, value, value_size, qc->err,
		   sizeof(qc->err)) == 0
	    ? MHD_YES
	    : MHD_NO;
}

/*
 * Checks the query string against the route's names (server/query.h):
 * 0, or -1 with a 400 naming the parameter queued. libmicrohttpd has
 * decoded it; the lengths it reports show a decoded NUL.
 */
static int
admit_query(struct request *r, enum MHD_Result *ret)
{
	struct query_ctx qc;

	query_init(&r->query, r->route->params);
	qc.r = r;
	qc.q = &r->query;
	qc.err[0] = '\0';
	MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, query_arg,
	    &qc);
	if (qc.err[0] == '\0')
		return 0;
	*ret = http_problem(r, 400, "%s", qc.err);
	return -1;
}

/* The headers that frame a request, counted (admit_framing). */
struct framing {
	unsigned host, content_length, transfer_encoding;
	const char *te; /* the (last) Transfer-Encoding */
};

static enum MHD_Result
count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		f->host++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		f->content_length++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		f->te = value;
	}
	return MHD_YES;
}

/*
 * Checks how the request is framed (RFC 9112 sections 3.2, 6.1 and 6.3),
 * where libmicrohttpd 0.9.7x is lenient and a proxy in front of the center
 * may read the same bytes as another request (smuggling): one Host in
 * HTTP/1.1; at most one Content-Length (libmicrohttpd reads the first);
 * not both Content-Length and Transfer-Encoding; no transfer coding but
 * chunked (libmicrohttpd would wait for the end of the connection). The
 * refusal closes the connection, since the next request's start is not
 * known. 0, or -1 with the answer queued.
 */
static int
admit_framing(struct request *r, const char *version, enum MHD_Result *ret)
{
	struct framing f = { 0, 0, 0, NULL };

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_framing, &f);
	r->close = 1;
	if (f.content_length > 1) {
		*ret = http_problem(r, 400,
		    "the request has %u Content-Length "
		    "headers; at most one is allowed",
		    f.content_length);
		return -1;
	}
	if (f.transfer_encoding > 0 && f.content_length > 0) {
		*ret = http_problem(r, 400,
		    "the request has both "
		    "Content-Length and Transfer-Encoding; its length would be "
		    "ambiguous");
		return -1;
	}
	if (f.transfer_encoding > 1 ||
	    (f.transfer_encoding == 1 && strcasecmp(f.te, "chunked") != 0)) {
		*ret = http_problem(r, 501,
		    "Transfer-Encoding '%.64s' is not "
		    "supported: only chunked, once",
		    f.te);
		return -1;
	}
	if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 && f.host != 1) {
		*ret = http_problem(r, 400,
		    "the request has %u Host headers; "
		    "HTTP/1.1 requires exactly one",
		    f.host);
		return -1;
	}
	r->close = 0;
	return 0;
}

/*
 * 405 to a write sent to a read server (truce serve --read-only): nothing
 * is changed, and the answer names the writer (`writer` in truce.conf).
 */
static enum MHD_Result
read_server_refuses(struct request *r)
{
	const char *writer = r->srv->center->cfg.writer;
	char detail[512];
	struct MHD_Response *resp;
	json_t *problem;

	snprintf(detail, sizeof(detail),
	    "%s is not allowed on %.100s: this is a read server (truce serve "
	    "--read-only) and changes nothing; send writes to the center's "
	    "writer%s%s",
	    r->method, r->url, writer[0] != '\0' ? " at " : "", writer);
	problem = http_problem_new(405, detail);
	if (problem != NULL && writer[0] != '\0')
		json_object_set_new(problem, "writer", json_string(writer));
	if ((resp = problem_response(problem)) == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	return queue(r, 405, resp);
}

/* Checks route, token, role and body headers; queues an error or 0. */
static int
admit(struct request *r, enum MHD_Result *ret)
{
	int mismatch;

	if ((r->route = find_route(r, &mismatch)) == NULL) {
		*ret = mismatch
		    ? http_problem(r, 405, "%s is not allowed on %.100s",
			  r->method, r->url)
		    : http_problem(r, 404, "no such resource: %.100s", r->url);
		return -1;
	}
	/* A read server changes nothing: every write goes to the writer. */
	if (r->srv->center->follower != NULL && !is_read(r)) {
		*ret = read_server_refuses(r);
		return -1;
	}
	/* A center opened without a sequencer (a member's mirror) only
	   reads. */
	if (r->srv->center->seq == NULL && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		*ret = http_problem(r, 405,
		    "%s is not allowed on %.100s: this server is a read-only "
		    "mirror",
		    r->method, r->url);
		return -1;
	}
	/* A read server streams events; alert rules and deliveries are the
	   writer's (its hub evaluates and delivers them). */
	if (r->srv->center->follower != NULL &&
	    strncmp(r->route->path, "/v1/alerts/", 11) == 0) {
		*ret = http_problem(r, 404,
		    "%.100s: alert rules and deliveries are the writer's, "
		    "not a read server's; ask %s",
		    r->url,
		    r->srv->center->cfg.writer[0] != '\0'
			? r->srv->center->cfg.writer
			: "the center's writer");
		return -1;
	}
	if (r->srv->events == NULL &&
	    (strcmp(r->route->path, "/v1/events") == 0 ||
		strncmp(r->route->path, "/v1/alerts/", 11) == 0)) {
		*ret = http_problem(r, 404,
		    "%.100s: a read-only mirror has no events or alerts",
		    r->url);
		return -1;
	}
	if (caught_up(r, ret) == -1)
		return -1;
	if (r->route->roles != 0) {
		if (authenticate(r, ret) == -1)
			return -1;
		if ((r->route->roles & ALLOW(r->who.role)) == 0) {
			*ret = http_problem(r, 403,
			    "role '%s' may not %s "
			    "%.100s",
			    principal_role_name(r->who.role), r->method,
			    r->route->path);
			return -1;
		}
	}
	if (admit_query(r, ret) == -1 || reflect_min_size(r, ret) == -1)
		return -1;
	if (r->route->body != BODY_NONE)
		return admit_body(r, ret);
	return 0;
}

const char *
http_query(struct request *r, const char *name)
{
	return query_get(&r->query, name);
}

const char *
http_header(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Sequencer thread: the entries are durable (or failed); wake r. */
static void
submitted(struct seq_request *sr, int status, void *arg)
{
	struct request *r = arg;

	(void)sr;
	r->seq_status = status;
	r->seq_done = 1;
	MHD_resume_connection(r->conn);
}

enum MHD_Result
http_submit(struct request *r, const json_t *entry, route_fn written)
{
	const char *writer = r->srv->center->cfg.writer;
	enum MHD_Result ret;
	size_t len;

	/* A read that records an entry (fetching evidence is a step of its
	   chain of custody) cannot be answered where nothing is written. */
	if (r->srv->center->seq == NULL)
		return http_problem(r, 421,
		    "%s %.100s records a log entry (a fetch of evidence is a "
		    "step of its chain of custody), and this server only "
		    "reads; ask the center's writer%s%s",
		    r->method, r->url, writer[0] != '\0' ? " at " : "", writer);
	if (http_admit_writes(r, 1, &ret) == -1)
		return ret;
	r->items = calloc(1, sizeof(*r->items));
	r->bytes = calloc(1, sizeof(*r->bytes));
	r->entries = calloc(1, sizeof(*r->entries));
	if (r->items == NULL || r->bytes == NULL || r->entries == NULL)
		return http_problem(r, 503, "out of memory");
	r->nitems = 1;
	if (!http_json_whole(r)) {
		/* The problem is judged whole on its own. */
		r->json_failures = jsonmem_failures();
		return http_problem(r, 503,
		    "out of memory while building the entry; nothing was "
		    "stored, try again");
	}
	if (canon_encode(entry, &r->bytes[0], &len) == -1)
		return http_problem(r, 500, "the entry has no canonical form");
	if (len > ENTRYLOG_MAX_ENTRY)
		return http_problem(r, 413,
		    "the entry is %zu bytes, over the "
		    "log's limit of %d",
		    len, ENTRYLOG_MAX_ENTRY);
	r->entries[0] = json_incref((json_t *)entry);
	r->items[0].bytes = r->bytes[0];
	r->items[0].len = len;
	r->items[0].entry = r->entries[0];
	r->written = written;
	r->seq.items = r->items;
	r->seq.n = 1;
	r->seq.done = submitted;
	r->seq.arg = r;
	/* Suspend before submitting: submitted() may resume at once. */
	MHD_suspend_connection(r->conn);
	if (sequencer_submit(r->srv->center->seq, &r->seq) == -1)
		submitted(&r->seq, -1, r);
	return MHD_YES;
}

int
http_written(struct request *r, int64_t *index, enum MHD_Result *ret)
{
	char reason[STORE_REASON_LEN];
	struct store *s;
	int refused;

	if (r->seq_status != 0) {
		*ret = http_log_failed(r, "entry");
		return -1;
	}
	s = store_pool_get(r->srv->readers);
	refused = store_refusal(s, r->items[0].index, reason, sizeof(reason));
	store_pool_put(r->srv->readers, s);
	if (refused == -1) {
		*ret = http_problem(r, 503, "the store is unavailable");
		return -1;
	}
	if (refused == 1) {
		*ret = http_problem(r, 409,
		    "log entry %lld was refused when "
		    "applied (another change came first): %s",
		    (long long)r->items[0].index, reason);
		return -1;
	}
	*index = r->items[0].index;
	return 0;
}

/* Adds a chunk of a buffered body (BODY_JSON, BODY_NOTE); 0 or -1. */
static int
buffer_body(struct request *r, const char *data, size_t len)
{
	size_t need = r->body_len + len, ncap;
	const char *cl;
	int64_t declared;
	char *nb;

	if (need + 1 > r->body_cap) {
		ncap = r->body_cap ? r->body_cap : 65536;
		/* The declared length (already checked against the limit in
		 * admit_body) sizes the buffer once: no copies as it grows. */
		if (r->body_cap == 0 &&
		    (cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH)) !=
			NULL &&
		    num_parse_i64(cl, 0, body_limit(r), &declared, NULL, 0) ==
			0 &&
		    (size_t)declared >= need)
			ncap = (size_t)declared + 1;
		while (ncap < need + 1)
			ncap *= 2;
		if ((nb = realloc(r->body, ncap)) == NULL)
			return -1;
		r->body = nb;
		r->body_cap = ncap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len = need;
	r->body[need] = '\0';
	return 0;
}

/*
 * Slow senders. libmicrohttpd's connection timeout counts idle time only,
 * so a client sending a header line every few seconds kept its connection,
 * and a place under max_connections, for as long as it liked: 600 of them
 * starved every other client. Each connection is therefore watched while
 * it owes the headers of a request: from when it opens, and again from
 * when a request of it ends (keep-alive), until its next request's headers
 * are complete (the first call of on_request). The reaper thread shuts
 * down the socket of one that has taken longer than header_timeout_s, and
 * libmicrohttpd, reading end of file, closes the connection. A watch is
 * freed when libmicrohttpd reports its connection closed, which it does
 * before closing the socket: under watch_mu the descriptor is still the
 * connection's.
 */
struct conn_watch {
	struct conn_watch *prev, *next; /* srv->watching, under watch_mu */
	int fd;
	int shut;		  /* under watch_mu */
	int over;		  /* opened past max_connections */
	_Atomic int waiting;	  /* owes a request's headers ... */
	_Atomic int64_t since_ms; /* ... since then (monotonic) */
};

/* How often the reaper looks, in milliseconds. */
#define REAPER_PERIOD_MS 250

static int64_t
monotonic_ms(void)
{
	return (int64_t)(clock_now_s() * 1000.0);
}

/* libmicrohttpd: a connection opened or closed; watches it meanwhile. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;
	struct conn_watch *w = *socket_context;
	const union MHD_ConnectionInfo *ci;
	int64_t n;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		n = atomic_fetch_add(&srv->connections, 1) + 1;
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		/* Unwatched without memory: the idle timeout still holds. */
		if (ci == NULL || (w = calloc(1, sizeof(*w))) == NULL)
			return;
		w->over = n > srv->center->cfg.max_connections;
		w->fd = ci->connect_fd;
		atomic_store(&w->since_ms, monotonic_ms());
		atomic_store(&w->waiting, 1);
		pthread_mutex_lock(&srv->watch_mu);
		if ((w->next = srv->watching) != NULL)
			w->next->prev = w;
		srv->watching = w;
		pthread_mutex_unlock(&srv->watch_mu);
		*socket_context = w;
		return;
	}
	atomic_fetch_sub(&srv->connections, 1);
	if (w == NULL)
		return;
	pthread_mutex_lock(&srv->watch_mu);
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		srv->watching = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&srv->watch_mu);
	free(w);
	*socket_context = NULL;
}

/* The watch of conn, or NULL. */
static struct conn_watch *
watch_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* The reaper thread: closes connections that owe headers for too long. */
static void *
reaper_main(void *arg)
{
	struct server *s = arg;
	struct conn_watch *w;
	struct timespec ts;
	int64_t now, limit = s->center->cfg.header_timeout_s * 1000;

	pthread_mutex_lock(&s->watch_mu);
	while (!s->reaper_stop) {
		now = monotonic_ms();
		for (w = s->watching; w != NULL; w = w->next)
			if (!w->shut && atomic_load(&w->waiting) &&
			    now - atomic_load(&w->since_ms) >= limit) {
				(void)shutdown(w->fd, SHUT_RDWR);
				w->shut = 1;
			}
		clock_deadline(&ts, REAPER_PERIOD_MS);
		(void)pthread_cond_timedwait(&s->watch_cv, &s->watch_mu, &ts);
	}
	pthread_mutex_unlock(&s->watch_mu);
	return NULL;
}

/*
 * The request of a connection whose struct request could not be
 * allocated: answered with srv->oom, its body discarded.
 */
static struct request unallocated;

#define OOM_DETAIL                                                         \
	"{\"type\":\"about:blank\",\"title\":\"Service Unavailable\","     \
	"\"status\":503,\"detail\":\"the center ran out of memory while "  \
	"answering this request; try again in a moment (a write may have " \
	"been stored: a query or its receipt tells)\"}"

/* Makes the 503 answered when memory runs out (answer_oom). */
static struct MHD_Response *
oom_response(void)
{
	static const char body[] = OOM_DETAIL;
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return NULL;
	if (MHD_add_response_header(resp, "Content-Type",
		"application/problem+json") == MHD_NO ||
	    MHD_add_response_header(resp, "Retry-After", "1") == MHD_NO ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		"close") == MHD_NO ||
	    MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP) ==
		MHD_NO ||
	    MHD_add_response_header(resp, "X-Content-Type-Options",
		"nosniff") == MHD_NO ||
	    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") ==
		MHD_NO) {
		MHD_destroy_response(resp);
		return NULL;
	}
	return resp;
}

/*
 * What a handler's MHD_NO becomes. Every MHD_NO of truce's handlers is an
 * answer that could not be made (an allocation failed: the problem's
 * JSON, its text, the response); libmicrohttpd would close the
 * connection unanswered. The answer made at start is queued instead, so
 * the client reads a 503 with Retry-After. If an answer was queued
 * already, libmicrohttpd refuses the second and nothing changes.
 */
static enum MHD_Result
answer_oom(struct server *srv, struct MHD_Connection *conn, enum MHD_Result ret)
{
	if (ret == MHD_YES || srv->oom == NULL)
		return ret;
	log_warnx("an answer could not be made (out of memory?): 503");
	return MHD_queue_response(conn, 503, srv->oom);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *r = *con_cls;
	enum MHD_Result ret;
	size_t n;

	if (r == &unallocated) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r != NULL)
		r->json_failures = jsonmem_failures();
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			*con_cls = &unallocated;
			return answer_oom(srv, conn, MHD_NO);
		}
		r->json_failures = jsonmem_failures();
		r->log_size = -1;
		r->srv = srv;
		r->conn = conn;
		r->url = url;
		r->method = method;
		if ((r->watch = watch_of(conn)) != NULL)
			atomic_store(&r->watch->waiting, 0);
		*con_cls = r;
		pthread_mutex_lock(&srv->mu);
		srv->inflight++;
		pthread_mutex_unlock(&srv->mu);
		if (r->watch != NULL && r->watch->over) {
			/* Past max_connections: a fast 503, then closed. */
			r->close = 1;
			r->finished = 1;
			return answer_oom(srv, conn,
			    problem_retry(r, 503, 1,
				"the center has its "
				"max_connections connections open; try again "
				"in a moment"));
		}
		if (admit_framing(r, version, &ret) == -1 ||
		    admit(r, &ret) == -1) {
			r->finished = 1;
			return answer_oom(srv, conn, ret);
		}
		return MHD_YES;
	}
	if (r->finished) {
		/* Already answered (refused early): discard any body. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if ((n = *upload_data_size) > 0) {
		*upload_data_size = 0;
		if (r->body_too_large || r->body_busy)
			return MHD_YES;
		if ((int64_t)(r->body_len + n) > body_limit(r)) {
			r->body_too_large = 1;
			return MHD_YES;
		}
		if (r->route->body == BODY_STREAM) {
			r->body_len += n; /* counted; the chunk keeps them */
			if (!r->chunk_failed &&
			    r->route->chunk(r, upload_data, n) == -1)
				r->chunk_failed = 1;
			return MHD_YES;
		}
		/* A chunked body is found large as it arrives. */
		if (r->route->body == BODY_JSON && !r->large &&
		    (int64_t)(r->body_len + n) >
			srv->center->cfg.large_body_bytes &&
		    large_take(r) == -1) {
			r->body_busy = 1;
			return MHD_YES;
		}
		if (buffer_body(r, upload_data, n) == -1) {
			/* Out of memory: the rest is discarded. */
			r->finished = 1;
			return answer_oom(srv, conn, MHD_NO);
		}
		return MHD_YES;
	}
	if (r->body_too_large) {
		r->finished = 1;
		return answer_oom(srv, conn,
		    http_problem(r, 413,
			"the body is larger than the limit "
			"of %lld bytes",
			(long long)body_limit(r)));
	}
	if (r->body_busy) {
		r->finished = 1;
		return answer_oom(srv, conn, large_busy(r));
	}
	if (r->seq_done) {
		r->seq_done = 0;
		r->finished = 1;
		return answer_oom(srv, conn, r->written(r));
	}
	if (r->seq.items != NULL)
		return MHD_YES; /* spurious call while suspended */
	ret = r->route->fn(r);
	if (r->seq.items == NULL)
		r->finished = 1;
	return answer_oom(srv, conn, ret);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *r = *con_cls;
	int large;

	(void)conn;
	(void)toe;
	if (r == &unallocated)
		*con_cls = NULL;
	if (r == NULL || r == &unallocated)
		return;
	/* A kept-alive connection owes the next request's headers. */
	if (r->watch != NULL) {
		atomic_store(&r->watch->since_ms, monotonic_ms());
		atomic_store(&r->watch->waiting, 1);
	}
	large = r->large;
	observations_free(r);
	if (r->ctx_free != NULL)
		r->ctx_free(r->ctx);
	free(r->body);
	free(r);
	*con_cls = NULL;
	pthread_mutex_lock(&srv->mu);
	srv->inflight--;
	srv->large -= large;
	pthread_mutex_unlock(&srv->mu);
	/* The body and its tree were many megabytes: give them back. */
	if (large)
		heap_release();
}

static int
parse_listen(const char *listen, struct sockaddr_in *sa, char *err,
    size_t errlen)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	int64_t port;

	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) ||
	    num_parse_i64(colon + 1, 0, 65535, &port, NULL, 0) == -1) {
		snprintf(err, errlen, "listen: '%.64s' is not HOST:PORT",
		    listen);
		return -1;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "listen: '%.64s' is not an IPv4 address",
		    host);
		return -1;
	}
	return 0;
}

/*
 * Each connection's memory pool in libmicrohttpd: the request line and
 * headers, the read buffer, the answer's headers. 32 KiB is MHD's own
 * default and holds far more headers than any client of ours sends
 * (bodies are gathered by on_request, not in the pool). It is also a
 * cost: MHD 0.9.7x zeroes the whole pool between two requests of a
 * kept-alive connection, and with 128 KiB that memset was 16-20% of the
 * CPU of a small answer (perf, GET /v1/health and proofs under wrk).
 */
#define CONNECTION_MEMORY (32 * 1024)

/*
 * How many connections libmicrohttpd accepts at all: CONNECTION_HEADROOM
 * times max_connections, within the process's file descriptors (raised
 * to their hard limit). At its own limit libmicrohttpd stops accepting and
 * the kernel's accept queue fills with connections nobody reads: 1,000
 * clients made the center deaf for 30 s after they left (issue 17). So
 * its limit is set above ours, and a connection past max_connections is
 * answered 503 at once and closed (on_request): a fast refusal, as nginx
 * and HAProxy give past their maxconn.
 */
#define CONNECTION_HEADROOM 4

#define TLS_FILE_MAX (1024 * 1024) /* a PEM certificate chain or key */

static unsigned int
accept_limit(int64_t max_connections)
{
	struct rlimit rl;
	uint64_t want = (uint64_t)max_connections * CONNECTION_HEADROOM;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		/* Leave room for the log, the store, the witnesses. */
		if (rl.rlim_cur != RLIM_INFINITY && want + 128 > rl.rlim_cur)
			want = rl.rlim_cur > 128 + (uint64_t)max_connections
			    ? rl.rlim_cur - 128
			    : (uint64_t)max_connections;
	}
	return want > 65536 ? 65536 : (unsigned int)want;
}

/* Stops and joins the reaper, if it was started. */
static void
reaper_stop(struct server *s)
{
	if (!s->reaper_started)
		return;
	pthread_mutex_lock(&s->watch_mu);
	s->reaper_stop = 1;
	pthread_cond_signal(&s->watch_cv);
	pthread_mutex_unlock(&s->watch_mu);
	pthread_join(s->reaper, NULL);
	s->reaper_started = 0;
}

struct server *
server_start(struct center *c, const char *listen, char *err, size_t errlen)
{
	struct server *s;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	size_t len;

	if (parse_listen(listen, &sa, err, errlen) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->center = c;
	s->readers = c->readers;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->watch_mu, NULL);
	pthread_cond_init(&s->watch_cv, NULL);
	if ((s->auth_failures = ratelimit_new(c->cfg.auth_fail_burst,
		 c->cfg.auth_fail_per_minute)) == NULL ||
	    (s->writes = ratelimit_new(c->cfg.write_burst,
		 c->cfg.write_per_minute)) == NULL ||
	    (s->provers = ledger_provers_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
		snprintf(err, errlen, "cannot start the connection reaper");
		goto fail;
	}
	s->reaper_started = 1;
	if ((s->oom = oom_response()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* A mirror has no event stream; a read server's streams only. */
	if ((c->seq != NULL || c->follower != NULL) &&
	    (s->events = events_start(c, err, errlen)) == NULL)
		goto fail;
	/* HTTPS with libmicrohttpd's GnuTLS when tls_cert is set. */
	if (c->cfg.tls_cert[0] != '\0') {
		if (file_read_all(c->cfg.tls_cert, TLS_FILE_MAX, &s->tls_cert,
			&len, err, errlen) == -1 ||
		    file_read_all(c->cfg.tls_key, TLS_FILE_MAX, &s->tls_key,
			&len, err, errlen) == -1)
			goto fail;
		tls[0].option = MHD_OPTION_HTTPS_MEM_CERT;
		tls[0].ptr_value = s->tls_cert;
		tls[1].option = MHD_OPTION_HTTPS_MEM_KEY;
		tls[1].ptr_value = s->tls_key;
		flags |= MHD_USE_TLS;
	}
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->cfg.threads,
	    MHD_OPTION_CONNECTION_LIMIT, accept_limit(c->cfg.max_connections),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)c->cfg.max_connections_per_address,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)c->cfg.connection_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errlen,
		    "cannot listen on %s (in use, or not an "
		    "address of this machine?%s)",
		    listen,
		    s->tls_cert ? " or tls_cert/tls_key not a PEM certificate "
				  "and its key"
				: "");
		goto fail;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : ntohs(sa.sin_port);
	return s;
fail:
	events_stop(s->events);
	reaper_stop(s);
	if (s->oom != NULL)
		MHD_destroy_response(s->oom);
	free(s->tls_cert);
	free(s->tls_key);
	ratelimit_free(s->auth_failures);
	ratelimit_free(s->writes);
	ledger_provers_free(s->provers);
	pthread_cond_destroy(&s->watch_cv);
	pthread_mutex_destroy(&s->watch_mu);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}

uint16_t
server_port(struct server *s)
{
	return s->port;
}

void
server_stop(struct server *s, int wait_ms)
{
	int n, waited = 0;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (s == NULL)
		return;
	/* Held streams end first: the daemon must hold none suspended. */
	events_close_streams(s->events);
	MHD_quiesce_daemon(s->daemon);
	for (;;) {
		pthread_mutex_lock(&s->mu);
		n = s->inflight;
		pthread_mutex_unlock(&s->mu);
		if (n == 0 || waited >= wait_ms)
			break;
		nanosleep(&ts, NULL);
		waited += 10;
	}
	MHD_stop_daemon(s->daemon);
	events_stop(s->events);
	reaper_stop(s);
	MHD_destroy_response(s->oom);
	free(s->tls_cert);
	if (s->tls_key != NULL)
		sodium_memzero(s->tls_key, strlen(s->tls_key));
	free(s->tls_key);
	ratelimit_free(s->auth_failures);
	ratelimit_free(s->writes);
	ledger_provers_free(s->provers);
	pthread_cond_destroy(&s->watch_cv);
	pthread_mutex_destroy(&s->watch_mu);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

enum MHD_Result
http_bytes(struct request *r, unsigned int status, const void *data, size_t len,
    const char *ctype, const char *cache)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)data,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	if (cache != NULL)
		MHD_add_response_header(resp, "Cache-Control", cache);
	return queue(r, status, resp);
}

int
http_parse_bbox(const char *v, int64_t e7[4], char *err, size_t errlen)
{
	double d[4];
	char buf[256], *p, *comma, nerr[128];
	int i;
	static const double lo[] = { -180, -90, -180, -90 };
	static const double hi[] = { 180, 90, 180, 90 };
	static const char *const names[] = { "minlon", "minlat", "maxlon",
		"maxlat" };

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "bbox: longer than %zu bytes",
		    sizeof(buf) - 1);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	p = buf;
	for (i = 0; i < 4; i++) {
		comma = strchr(p, ',');
		if ((comma == NULL) != (i == 3)) {
			snprintf(err, errlen,
			    "bbox: must be minlon,minlat,"
			    "maxlon,maxlat");
			return -1;
		}
		if (comma)
			*comma = '\0';
		if (num_parse_double(p, lo[i], hi[i], &d[i], nerr,
			sizeof(nerr)) == -1) {
			snprintf(err, errlen, "bbox: %s %s", names[i], nerr);
			return -1;
		}
		p = comma ? comma + 1 : NULL;
	}
	if (d[0] > d[2] || d[1] > d[3]) {
		snprintf(err, errlen,
		    "bbox: minimum above maximum (crossing "
		    "the antimeridian is not supported)");
		return -1;
	}
	e7[0] = (int64_t)floor(d[0] * 1e7);
	e7[1] = (int64_t)floor(d[1] * 1e7);
	e7[2] = (int64_t)ceil(d[2] * 1e7);
	e7[3] = (int64_t)ceil(d[3] * 1e7);
	return 0;
}

int
http_parse_time(const char *key, const char *value, int64_t *ms, char *err,
    size_t errlen)
{
	char terr[160];
	int64_t v;

	if (timefmt_parse(value, &v, terr, sizeof(terr)) == -1) {
		snprintf(err, errlen, "%s: %s", key, terr);
		return -1;
	}
	*ms = v;
	return 0;
}

int
http_parse_categories(const char *value, char *buf, size_t bufsize,
    const char **cats, size_t *n, char *err, size_t errlen)
{
	char *p, *comma;

	if (strlen(value) >= bufsize) {
		snprintf(err, errlen, "category: longer than %zu bytes",
		    bufsize - 1);
		return -1;
	}
	snprintf(buf, bufsize, "%s", value);
	*n = 0;
	for (p = buf; p != NULL; p = comma ? comma + 1 : NULL) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (!observation_is_category(p)) {
			snprintf(err, errlen,
			    "category: '%.40s' is not a "
			    "category",
			    p);
			return -1;
		}
		if (*n == STORE_MAX_CATEGORIES) {
			snprintf(err, errlen, "category: more than %d",
			    STORE_MAX_CATEGORIES);
			return -1;
		}
		cats[(*n)++] = p;
	}
	return 0;
}
