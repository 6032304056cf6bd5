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
#include <sys/socket.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "center/center.h"
#include "common/log.h"
#include "common/num.h"
#include "ledger/entrylog.h"
#include "ledger/sequencer.h"
#include "record/canon.h"
#include "record/observation.h"
#include "record/timefmt.h"
#include "server/ratelimit.h"
#include "server/request.h"
#include "server/server.h"
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
#define EVERYONE (A(ADMIN) | A(MONITOR) | A(SENSOR) | A(LIAISON) |          \
    A(ANALYST) | A(ASSESSOR) | A(VIEWER))
#define READERS (A(ADMIN) | A(MONITOR) | A(LIAISON) | A(ANALYST) |          \
    A(ASSESSOR) | A(VIEWER))
#define SUBMITTERS (A(ADMIN) | A(MONITOR) | A(SENSOR) | A(LIAISON))
#define LOG_READERS (A(ADMIN) | A(MONITOR) | A(ANALYST) | A(ASSESSOR) |      \
    A(VIEWER))
static const struct route routes[] = {
	{ "GET", "/v1/health", health, 0, BODY_NONE, NULL },
	{ "GET", "/v1/me", principals_me, EVERYONE, BODY_NONE, NULL },
	{ "POST", "/v1/observations", observations_post, SUBMITTERS,
	    BODY_JSON, NULL },
	{ "GET", "/v1/observations", observations_list, READERS, BODY_NONE,
	    NULL },
	{ "GET", "/v1/observations/digest", digest_observations, LOG_READERS,
	    BODY_NONE, NULL },
	{ "GET", "/v1/observations/{id}", observations_get, READERS,
	    BODY_NONE, NULL },
	{ "GET", "/v1/observations/{id}/receipt", observations_receipt,
	    READERS, BODY_NONE, NULL },
	{ "GET", "/checkpoint", ledger_checkpoint, 0, BODY_NONE, NULL },
	{ "GET", "/v1/log/checkpoint", ledger_latest_checkpoint, 0, BODY_NONE,
	    NULL },
	{ "GET", "/v1/log/key", ledger_key, 0, BODY_NONE, NULL },
	{ "GET", "/tile/entries/*", ledger_entries, LOG_READERS, BODY_NONE,
	    NULL },
	{ "GET", "/tile/*", ledger_tile, 0, BODY_NONE, NULL },
	{ "GET", "/v1/log/proof/inclusion", ledger_inclusion, 0, BODY_NONE,
	    NULL },
	{ "GET", "/v1/log/proof/consistency", ledger_consistency, 0,
	    BODY_NONE, NULL },
	{ "GET", "/v1/principals", principals_list, A(ADMIN), BODY_NONE,
	    NULL },
	{ "POST", "/v1/principals", principals_post, A(ADMIN), BODY_JSON,
	    NULL },
	{ "DELETE", "/v1/principals/{name}", principals_delete, A(ADMIN),
	    BODY_NONE, NULL },
	{ "GET", "/v1/members", members_list, EVERYONE, BODY_NONE, NULL },
	{ "POST", "/v1/members", members_post, A(ADMIN) | A(ASSESSOR),
	    BODY_NOTE, NULL },
	{ "POST", "/v1/evidence", evidence_post, SUBMITTERS | A(ANALYST) |
	    A(ASSESSOR), BODY_STREAM, evidence_chunk },
	{ "GET", "/v1/evidence/{sha256}", evidence_get, READERS, BODY_NONE,
	    NULL },
	{ "GET", "/v1/evidence/{sha256}/custody", evidence_custody,
	    A(ADMIN) | A(ANALYST) | A(ASSESSOR) | A(VIEWER), BODY_NONE, NULL },
	{ "GET", "/v1/incidents", incidents_list, READERS, BODY_NONE, NULL },
	{ "GET", "/v1/incidents/{id}", incidents_get, READERS, BODY_NONE,
	    NULL },
	{ "POST", "/v1/incidents/{id}/merge", incidents_post,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL },
	{ "POST", "/v1/incidents/{id}/split", incidents_post,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL },
	{ "GET", "/v1/incidents/{id}/history", verification_history, READERS,
	    BODY_NONE, NULL },
	{ "GET", "/v1/incidents/{id}/assessments", verification_assessments,
	    READERS, BODY_NONE, NULL },
	{ "POST", "/v1/incidents/{id}/state", verification_state,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL },
	{ "POST", "/v1/incidents/{id}/assessments", verification_assess,
	    A(ASSESSOR), BODY_NOTE, NULL },
	{ "POST", "/v1/incidents/{id}/tasks", verification_task,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL },
	{ "POST", "/v1/tasks/{task}/done", verification_task_done,
	    A(ADMIN) | A(MONITOR) | A(ANALYST) | A(ASSESSOR), BODY_JSON, NULL },
	{ "POST", "/v1/incidents/{id}/release", verification_release,
	    A(ADMIN) | A(ANALYST), BODY_JSON, NULL },
	{ "GET", "/v1/queue", verification_queue, EVERYONE, BODY_NONE, NULL },
	{ "POST", "/v1/reports", reports_post, A(ADMIN) | A(ANALYST),
	    BODY_JSON, NULL },
	{ "GET", "/v1/reports", reports_list, READERS, BODY_NONE, NULL },
	{ "GET", "/v1/reports/{id}", reports_get, READERS, BODY_NONE, NULL },
	{ "POST", "/v1/reports/{id}/signatures", reports_sign, A(ASSESSOR),
	    BODY_NOTE, NULL },
	{ NULL, NULL, NULL, 0, BODY_NONE, NULL },
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

static enum MHD_Result
queue(struct request *r, unsigned int status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
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
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

json_t *
http_problem_new(unsigned int status, const char *detail)
{
	return json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank", "title",
	    reason(status), "status", (int)status, "detail", detail);
}

enum MHD_Result
http_problem_json(struct request *r, unsigned int status, json_t *problem)
{
	char *text;
	struct MHD_Response *resp;

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

/*
 * Checks the nesting depth of a JSON text before jansson parses it, so a
 * deep body is refused with a clear error instead of deep recursion.
 */
static int
json_depth_ok(const char *s, size_t n, int max, int *found)
{
	int depth = 0, in_str = 0, esc = 0;
	size_t i;

	*found = 0;
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
		if (ch == '"')
			in_str = 1;
		else if (ch == '[' || ch == '{') {
			if (++depth > max) {
				*found = depth;
				return 0;
			}
		} else if (ch == ']' || ch == '}')
			depth--;
	}
	return 1;
}

json_t *
http_body_json(struct request *r, enum MHD_Result *result)
{
	json_error_t e;
	json_t *v;
	int depth;
	int max = (int)r->srv->center->cfg.max_json_depth;

	if (r->body_len == 0) {
		*result = http_problem(r, 400, "the request body is empty");
		return NULL;
	}
	if (!json_depth_ok(r->body, r->body_len, max, &depth)) {
		*result = http_problem(r, 400,
		    "the JSON body nests deeper than the limit of %d", max);
		return NULL;
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

	return http_json(r, 200, json_pack("{s:s,s:s,s:I}", "status", "ok",
	    "origin", c->cfg.origin, "log_size",
	    (json_int_t)entrylog_size(c->log)));
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
	return NULL;
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
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, r->client, sizeof(r->client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, r->client, sizeof(r->client));
}

/* 429 with Retry-After: the address failed to authenticate too often. */
static enum MHD_Result
too_many(struct request *r, int64_t wait_s)
{
	char detail[160], after[32], *text;
	struct MHD_Response *resp;
	json_t *problem;

	snprintf(detail, sizeof(detail), "too many failed authentications "
	    "from this address; try again in %lld s", (long long)wait_s);
	snprintf(after, sizeof(after), "%lld", (long long)wait_s);
	problem = http_problem_new(429, detail);
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
	return queue(r, 429, resp);
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
	auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
		*ret = http_problem(r, 401, "a bearer token is required "
		    "(Authorization: Bearer <token>)");
		return -1;
	}
	if ((wait = ratelimit_check(srv->auth_failures, r->client, now)) > 0) {
		*ret = too_many(r, wait);
		return -1;
	}
	if (principal_token_hash(auth + 7, hash) == 0) {
		s = store_pool_get(srv->readers);
		found = store_find_token(s, hash, &r->who);
		store_pool_put(srv->readers, s);
	}
	if (found == -1) {
		*ret = http_problem(r, 503, "the principals' store is "
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
	case BODY_NOTE:
		return MEMBER_NOTE_MAX;
	case BODY_STREAM:
		return cfg->max_evidence_bytes;
	default:
		return cfg->max_body_bytes;
	}
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
	if (r->route->body == BODY_JSON && !ctype_is(ctype, "application/json")) {
		*ret = http_problem(r, 415, "the body must be application/json, "
		    "not %.64s", ctype ? ctype : "(none)");
		return -1;
	}
	if (r->route->body == BODY_NOTE) {
		cs = ctype ? strchr(ctype, ';') : NULL;
		if (!ctype_is(ctype, "text/plain") || (cs != NULL &&
		    strcasestr(cs, "charset=utf-8") == NULL)) {
			*ret = http_problem(r, 415, "the body must be a signed "
			    "note as text/plain; charset=utf-8, not %.64s",
			    ctype ? ctype : "(none)");
			return -1;
		}
	}
	clen = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && (num_parse_i64(clen, 0, INT64_MAX, &n, NULL, 0) ==
	    -1 || n > limit)) {
		*ret = http_problem(r, 413, "the body is larger than the limit "
		    "of %lld bytes", (long long)limit);
		return -1;
	}
	return 0;
}

/*
 * Read-your-writes: the store follows the log a little behind
 * (ledger/sequencer.h), so a request that reads the store first waits until
 * it holds every entry the log held when the request arrived. Public routes
 * read the log only. Submitting observations reads no state a write changes
 * but the principals, and a change of principals is answered only once the
 * store has applied it, so it need not wait (and ingest does not wait for
 * the store's indexing).
 */
static int
caught_up(struct request *r, enum MHD_Result *ret)
{
	struct center *c = r->srv->center;

	if (c->seq == NULL || r->route->roles == 0 ||
	    r->route->fn == observations_post)
		return 0;
	if (sequencer_wait_applied(c->seq, entrylog_size(c->log),
		STORE_WAIT_MS) == 0)
		return 0;
	*ret = http_problem(r, 503, "the store is more than %d ms behind the "
	    "log; try again", STORE_WAIT_MS);
	return -1;
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
	if (caught_up(r, ret) == -1)
		return -1;
	if (r->route->roles != 0) {
		if (authenticate(r, ret) == -1)
			return -1;
		if ((r->route->roles & ALLOW(r->who.role)) == 0) {
			*ret = http_problem(r, 403, "role '%s' may not %s "
			    "%.100s", principal_role_name(r->who.role),
			    r->method, r->route->path);
			return -1;
		}
	}
	if (r->route->body != BODY_NONE)
		return admit_body(r, ret);
	return 0;
}

const char *
http_query(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name);
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
	size_t len;

	r->items = calloc(1, sizeof(*r->items));
	r->bytes = calloc(1, sizeof(*r->bytes));
	r->entries = calloc(1, sizeof(*r->entries));
	if (r->items == NULL || r->bytes == NULL || r->entries == NULL)
		return http_problem(r, 503, "out of memory");
	r->nitems = 1;
	if (canon_encode(entry, &r->bytes[0], &len) == -1)
		return http_problem(r, 500, "the entry has no canonical form");
	if (len > ENTRYLOG_MAX_ENTRY)
		return http_problem(r, 413, "the entry is %zu bytes, over the "
		    "log's limit of %d", len, ENTRYLOG_MAX_ENTRY);
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
		*ret = http_problem(r, 503, "the log could not store the entry; "
		    "nothing was stored, try again");
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
		*ret = http_problem(r, 409, "log entry %lld was refused when "
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
		if (r->body_cap == 0 && (cl = http_header(r,
		    MHD_HTTP_HEADER_CONTENT_LENGTH)) != NULL &&
		    num_parse_i64(cl, 0, body_limit(r), &declared, NULL, 0) ==
		    0 && (size_t)declared >= need)
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

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *r = *con_cls;
	enum MHD_Result ret;
	size_t n;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->srv = srv;
		r->conn = conn;
		r->url = url;
		r->method = method;
		*con_cls = r;
		pthread_mutex_lock(&srv->mu);
		srv->inflight++;
		pthread_mutex_unlock(&srv->mu);
		if (admit(r, &ret) == -1) {
			r->finished = 1;
			return ret;
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
		if (r->body_too_large ||
		    (int64_t)(r->body_len + n) > body_limit(r)) {
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
		if (buffer_body(r, upload_data, n) == -1)
			return MHD_NO;
		return MHD_YES;
	}
	if (r->body_too_large) {
		r->finished = 1;
		return http_problem(r, 413, "the body is larger than the limit "
		    "of %lld bytes", (long long)body_limit(r));
	}
	if (r->seq_done) {
		r->seq_done = 0;
		r->finished = 1;
		return r->written(r);
	}
	if (r->seq.items != NULL)
		return MHD_YES; /* spurious call while suspended */
	ret = r->route->fn(r);
	if (r->seq.items == NULL)
		r->finished = 1;
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *r = *con_cls;

	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	observations_free(r);
	if (r->ctx_free != NULL)
		r->ctx_free(r->ctx);
	free(r->body);
	free(r);
	*con_cls = NULL;
	pthread_mutex_lock(&srv->mu);
	srv->inflight--;
	pthread_mutex_unlock(&srv->mu);
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

struct server *
server_start(struct center *c, const char *listen, char *err, size_t errlen)
{
	struct server *s;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	if (parse_listen(listen, &sa, err, errlen) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->center = c;
	s->readers = c->readers;
	pthread_mutex_init(&s->mu, NULL);
	if ((s->auth_failures = ratelimit_new(c->cfg.auth_fail_burst,
		 c->cfg.auth_fail_per_minute)) == NULL ||
	    (s->provers = ledger_provers_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->cfg.threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->cfg.max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)c->cfg.connection_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u,
	    MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errlen, "cannot listen on %s (in use, or not an "
		    "address of this machine?)", listen);
		goto fail;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : ntohs(sa.sin_port);
	return s;
fail:
	ratelimit_free(s->auth_failures);
	ledger_provers_free(s->provers);
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
	ratelimit_free(s->auth_failures);
	ledger_provers_free(s->provers);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

enum MHD_Result
http_bytes(struct request *r, unsigned int status, const void *data,
    size_t len, const char *ctype, const char *cache)
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
			snprintf(err, errlen, "bbox: must be minlon,minlat,"
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
		snprintf(err, errlen, "bbox: minimum above maximum (crossing "
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
			snprintf(err, errlen, "category: '%.40s' is not a "
			    "category", p);
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
