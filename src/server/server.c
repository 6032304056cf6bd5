/*
 * server: libmicrohttpd daemon, request lifecycle, authentication, the
 * route table and the response helpers (see server.h, request.h).
 *
 * Lifecycle of a request (libmicrohttpd's access-handler protocol): the
 * first call allocates struct request and checks route, token, role,
 * content type and declared length, answering at once when any fails; the
 * next calls collect the body up to max_body_bytes; the final call runs the
 * route. A write suspends the connection until the sequencer reports the
 * entries durable, then resumes it to queue the answer.
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
#include "record/observation.h"
#include "record/timefmt.h"
#include "server/request.h"
#include "server/server.h"
#include "store/store.h"

static enum MHD_Result health(struct request *r);

/* One table of what each role may do on each route (docs/api.md). */
#define READERS (ALLOW(ROLE_ADMIN) | ALLOW(ROLE_MONITOR) | ALLOW(ROLE_VIEWER))
#define WRITERS (ALLOW(ROLE_ADMIN) | ALLOW(ROLE_MONITOR))
static const struct route routes[] = {
	{ "GET", "/v1/health", health, 0, 0 },
	{ "POST", "/v1/observations", observations_post, WRITERS, 1 },
	{ "GET", "/v1/observations", observations_list, READERS, 0 },
	{ "GET", "/v1/observations/", observations_get, READERS, 0 },
	{ "GET", "/v1/observations/*", observations_receipt, READERS, 0 },
	{ "GET", "/v1/incidents", incidents_list, READERS, 0 },
	{ "GET", "/v1/incidents/", incidents_get, READERS, 0 },
	/* merge and split; an `analyst` role comes with the next issue */
	{ "POST", "/v1/incidents/*", incidents_post, ALLOW(ROLE_ADMIN), 1 },
	{ "GET", "/checkpoint", ledger_checkpoint, 0, 0 },
	{ "GET", "/v1/log/checkpoint", ledger_latest_checkpoint, 0, 0 },
	{ "GET", "/v1/log/key", ledger_key, 0, 0 },
	{ "GET", "/tile/entries/*", ledger_entries, READERS, 0 },
	{ "GET", "/tile/*", ledger_tile, 0, 0 },
	{ "GET", "/v1/log/proof/inclusion", ledger_inclusion, 0, 0 },
	{ "GET", "/v1/log/proof/consistency", ledger_consistency, 0, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

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

static const struct route *
find_route(struct request *r, int *method_mismatch)
{
	const struct route *rt;
	size_t n;

	*method_mismatch = 0;
	for (rt = routes; rt->path != NULL; rt++) {
		n = strlen(rt->path);
		if (rt->path[n - 1] == '*') {
			/* A prefix with any rest, slashes included. */
			if (strncmp(r->url, rt->path, n - 1) != 0 ||
			    strlen(r->url + n - 1) >= sizeof(r->arg))
				continue;
			if (strcmp(rt->method, r->method) != 0) {
				*method_mismatch = 1;
				continue;
			}
			snprintf(r->arg, sizeof(r->arg), "%s", r->url + n - 1);
			return rt;
		}
		if (rt->path[n - 1] == '/') {
			if (strncmp(r->url, rt->path, n) != 0 ||
			    r->url[n] == '\0' || strchr(r->url + n, '/'))
				continue;
			if (strlen(r->url + n) >= sizeof(r->arg))
				continue;
			if (strcmp(rt->method, r->method) != 0) {
				*method_mismatch = 1;
				continue;
			}
			snprintf(r->arg, sizeof(r->arg), "%s", r->url + n);
			return rt;
		}
		if (strcmp(r->url, rt->path) != 0)
			continue;
		if (strcmp(rt->method, r->method) != 0) {
			*method_mismatch = 1;
			continue;
		}
		return rt;
	}
	return NULL;
}

/* Checks route, token, role and body headers; queues an error or 0. */
static int
admit(struct request *r, enum MHD_Result *ret)
{
	const char *auth, *ctype, *clen;
	int mismatch, found;
	int64_t n;

	if ((r->route = find_route(r, &mismatch)) == NULL) {
		*ret = mismatch
		    ? http_problem(r, 405, "%s is not allowed on %.100s",
			  r->method, r->url)
		    : http_problem(r, 404, "no such resource: %.100s", r->url);
		return -1;
	}
	if (r->route->roles != 0) {
		auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_AUTHORIZATION);
		if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
			*ret = http_problem(r, 401, "a bearer token is "
			    "required (Authorization: Bearer <token>)");
			return -1;
		}
		found = tokens_check(r->srv->center->tokens, auth + 7, &r->who);
		if (found == -1) {
			*ret = http_problem(r, 503, "the token database is "
			    "unavailable; try again");
			return -1;
		}
		if (found == 0) {
			*ret = http_problem(r, 401, "the bearer token is not "
			    "valid");
			return -1;
		}
		if ((r->route->roles & ALLOW(r->who.role)) == 0) {
			*ret = http_problem(r, 403, "role '%s' may not %s "
			    "%.100s", tokens_role_name(r->who.role), r->method,
			    r->route->path);
			return -1;
		}
	}
	if (r->route->has_body) {
		ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_TYPE);
		if (ctype == NULL ||
		    strncasecmp(ctype, "application/json", 16) != 0 ||
		    (ctype[16] != '\0' && ctype[16] != ';')) {
			*ret = http_problem(r, 415, "the body must be "
			    "application/json, not %.64s",
			    ctype ? ctype : "(none)");
			return -1;
		}
		clen = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (clen != NULL &&
		    (num_parse_i64(clen, 0, INT64_MAX, &n, NULL, 0) == -1 ||
			n > r->srv->center->cfg.max_body_bytes)) {
			*ret = http_problem(r, 413, "the body is larger than "
			    "the limit of %lld bytes",
			    (long long)r->srv->center->cfg.max_body_bytes);
			return -1;
		}
	}
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
	size_t need, ncap;
	char *nb;

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
	if (*upload_data_size > 0) {
		need = r->body_len + *upload_data_size;
		if (r->body_too_large ||
		    need > (size_t)srv->center->cfg.max_body_bytes) {
			r->body_too_large = 1;
		} else {
			if (need + 1 > r->body_cap) {
				ncap = r->body_cap ? r->body_cap : 65536;
				while (ncap < need + 1)
					ncap *= 2;
				if ((nb = realloc(r->body, ncap)) == NULL)
					return MHD_NO;
				r->body = nb;
				r->body_cap = ncap;
			}
			memcpy(r->body + r->body_len, upload_data,
			    *upload_data_size);
			r->body_len = need;
			r->body[need] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->body_too_large) {
		r->finished = 1;
		return http_problem(r, 413, "the body is larger than the limit "
		    "of %lld bytes", (long long)srv->center->cfg.max_body_bytes);
	}
	if (r->seq_done) {
		r->seq_done = 0;
		r->finished = 1;
		return r->written != NULL ? r->written(r)
					  : observations_written(r);
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

struct server *
server_start(struct center *c, const char *listen, char *err, size_t errlen)
{
	struct server *s;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	char path[4096];

	if (parse_listen(listen, &sa, err, errlen) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->center = c;
	pthread_mutex_init(&s->mu, NULL);
	center_path(c->dir, "store.db", path, sizeof(path));
	if ((s->readers = store_pool_new(c->cfg.store, path,
		 (int)c->cfg.threads + 2)) == NULL) {
		snprintf(err, errlen, "cannot open the store's readers");
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
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
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
	store_pool_free(s->readers);
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
	store_pool_free(s->readers);
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

/* Sequencer thread: the entries are durable (or failed); wake r. */
static void
submit_done(struct seq_request *sr, int status, void *arg)
{
	struct request *r = arg;

	(void)sr;
	r->seq_status = status;
	r->seq_done = 1;
	MHD_resume_connection(r->conn);
}

enum MHD_Result
http_submit(struct request *r, enum MHD_Result (*written)(struct request *r))
{
	r->written = written;
	r->seq.items = r->items;
	r->seq.n = r->nitems;
	r->seq.done = submit_done;
	r->seq.arg = r;
	/* Suspend before submitting: submit_done may resume at once. */
	MHD_suspend_connection(r->conn);
	if (sequencer_submit(r->srv->center->seq, &r->seq) == -1)
		submit_done(&r->seq, -1, r);
	return MHD_YES;
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
