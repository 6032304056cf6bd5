/*
 * client: one libcurl easy handle reused for every request (so the
 * connection is kept alive), JSON in and out, RFC 9457 problem details
 * turned into one readable line. See client.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "common/log.h"

struct client {
	CURL *curl;
	char base[CLIENT_MAX_URL + 1];
	struct curl_slist *headers_get;	 /* Accept (+ Authorization) */
	struct curl_slist *headers_post; /* + Content-Type */
	struct curl_slist *headers_note; /* + Content-Type: text/plain */
	char *auth;			 /* "Authorization: Bearer ..." */
	long timeout_s;
	char cacert[1024]; /* CA file for https://, or "" */
	char errbuf[CURL_ERROR_SIZE];
};

/* --cacert of the command line, before TRUCE_CACERT (client_set_cacert). */
static const char *cacert_option;

void
client_set_cacert(const char *path)
{
	cacert_option = path;
}

/* A response body being received, capped at CLIENT_MAX_RESPONSE. */
struct body {
	char *data;
	size_t len;
	size_t cap;
	int too_big;
};

static int
check_server(const char *url)
{
	const char *p, *host;
	size_t n = strlen(url);

	if (n == 0 || n > CLIENT_MAX_URL) {
		log_warnx("--server: the URL must be 1 to %d bytes long",
		    CLIENT_MAX_URL);
		return -1;
	}
	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else {
		log_warnx("--server: '%.80s' is not an http:// or https:// "
			  "URL",
		    url);
		return -1;
	}
	for (p = url; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p)) {
			log_warnx("--server: the URL contains a space or a "
				  "control character");
			return -1;
		}
	/* Credentials in the URL would end up in messages: use --token. */
	for (p = host; *p != '\0' && *p != '/'; p++)
		if (*p == '@') {
			log_warnx("--server: user:password@ in the URL is not "
				  "accepted; pass the token with --token or "
				  "TRUCE_TOKEN");
			return -1;
		}
	if (*host == '\0' || *host == '/') {
		log_warnx("--server: '%.80s' has no host", url);
		return -1;
	}
	return 0;
}

static int
check_token(const char *token)
{
	const char *p;
	size_t n = strlen(token);

	if (n == 0 || n > CLIENT_MAX_TOKEN) {
		log_warnx("--token: the token must be 1 to %d bytes long",
		    CLIENT_MAX_TOKEN);
		return -1;
	}
	for (p = token; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p)) {
			/* Never echo the token, not even in part. */
			log_warnx("--token: the token contains a space or a "
				  "control character");
			return -1;
		}
	return 0;
}

struct client *
client_new(const char *server, const char *token, long timeout_s)
{
	struct client *c = NULL;
	size_t n, alen;
	struct curl_slist *t;
	const char *ca;

	if (server == NULL)
		server = getenv("TRUCE_SERVER");
	if (server == NULL || *server == '\0')
		server = CLIENT_DEFAULT_SERVER;
	if (token == NULL)
		token = getenv("TRUCE_TOKEN");
	if (token != NULL && *token == '\0')
		token = NULL;
	if (check_server(server) == -1)
		goto fail;
	if (token != NULL && check_token(token) == -1)
		goto fail;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("client_new");
		goto fail;
	}
	n = strlen(server);
	while (n > 0 && server[n - 1] == '/')
		n--;
	memcpy(c->base, server, n);
	c->base[n] = '\0';
	c->timeout_s = timeout_s;
	ca = cacert_option != NULL ? cacert_option : getenv("TRUCE_CACERT");
	if (ca != NULL &&
	    (size_t)snprintf(c->cacert, sizeof(c->cacert), "%s", ca) >=
		sizeof(c->cacert)) {
		log_warnx("--cacert: the path is longer than %zu bytes",
		    sizeof(c->cacert) - 1);
		goto fail;
	}
	if (ca != NULL && access(ca, R_OK) == -1) {
		log_warn("--cacert: %.200s", ca);
		goto fail;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		log_warnx("libcurl: cannot create a handle");
		goto fail;
	}
	t = curl_slist_append(NULL,
	    "Accept: application/json, "
	    "application/problem+json");
	if (t == NULL)
		goto nomem;
	c->headers_get = t;
	/* Without this curl would wait for a 100-continue on big bodies. */
	if ((t = curl_slist_append(NULL, "Expect:")) == NULL)
		goto nomem;
	c->headers_post = t;
	if (curl_slist_append(c->headers_post,
		"Accept: application/json, application/problem+json") == NULL ||
	    curl_slist_append(c->headers_post,
		"Content-Type: application/json") == NULL)
		goto nomem;
	if ((t = curl_slist_append(NULL, "Expect:")) == NULL)
		goto nomem;
	c->headers_note = t;
	if (curl_slist_append(c->headers_note,
		"Accept: application/json, application/problem+json") == NULL ||
	    curl_slist_append(c->headers_note,
		"Content-Type: text/plain; charset=utf-8") == NULL)
		goto nomem;
	if (token != NULL) {
		alen = strlen("Authorization: Bearer ") + strlen(token) + 1;
		if ((c->auth = malloc(alen)) == NULL)
			goto nomem;
		snprintf(c->auth, alen, "Authorization: Bearer %s", token);
		if (curl_slist_append(c->headers_get, c->auth) == NULL ||
		    curl_slist_append(c->headers_post, c->auth) == NULL ||
		    curl_slist_append(c->headers_note, c->auth) == NULL)
			goto nomem;
	}
	return c;
nomem:
	log_warnx("client_new: out of memory");
fail:
	client_free(c);
	return NULL;
}

static void
wipe_slist(struct curl_slist *l)
{
	for (; l != NULL; l = l->next)
		if (l->data != NULL)
			explicit_bzero(l->data, strlen(l->data));
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	wipe_slist(c->headers_get);
	wipe_slist(c->headers_post);
	wipe_slist(c->headers_note);
	curl_slist_free_all(c->headers_get);
	curl_slist_free_all(c->headers_post);
	curl_slist_free_all(c->headers_note);
	if (c->auth != NULL) {
		explicit_bzero(c->auth, strlen(c->auth));
		free(c->auth);
	}
	free(c);
}

const char *
client_server(const struct client *c)
{
	return c->base;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb, ncap;
	char *p;

	if (n > CLIENT_MAX_RESPONSE - b->len) {
		b->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 16384;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((p = realloc(b->data, ncap)) == NULL)
			return 0;
		b->data = p;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Is the Content-Type of the last response JSON (plain or problem)? */
static int
is_json_type(CURL *curl)
{
	char *ct = NULL;

	if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK ||
	    ct == NULL)
		return 0;
	return strncasecmp(ct, "application/json", 16) == 0 ||
	    strncasecmp(ct, "application/problem+json", 24) == 0;
}

/* A short printable excerpt of a non-JSON body, as {"detail": ...}. */
static json_t *
text_detail(const struct body *b)
{
	char snip[201];
	size_t i, n = 0;

	for (i = 0; i < b->len && n < sizeof(snip) - 1; i++) {
		unsigned char ch = (unsigned char)b->data[i];

		snip[n++] = (ch == '\n' || ch == '\r' || ch == '\t') ? ' '
		    : (ch < 0x20 || ch == 0x7f)			     ? '?'
								     : (char)ch;
	}
	while (n > 0 && snip[n - 1] == ' ')
		n--;
	snip[n] = '\0';
	return json_pack("{s:s}", "detail", snip);
}

static int
perform(struct client *c, const char *method, const char *path,
    const char *payload, size_t plen, struct curl_slist *post_headers,
    long *status, json_t **out)
{
	char url[CLIENT_MAX_URL + 8192];
	struct body b = { 0 };
	json_error_t jerr;
	json_t *j = NULL;
	long code = 0;
	CURLcode rc;
	int ret = -1;

	if (path[0] != '/' ||
	    (size_t)snprintf(url, sizeof(url), "%s%s", c->base, path) >=
		sizeof(url)) {
		log_warnx("request URL longer than %zu bytes", sizeof(url) - 1);
		goto out;
	}
	curl_easy_reset(c->curl);
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, c->timeout_s);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)CLIENT_MAX_RESPONSE);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "truce-cli/0");
	if (c->cacert[0] != '\0')
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cacert);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)plen);
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, post_headers);
	} else
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers_get);
	if (strcmp(method, "DELETE") == 0)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "DELETE");

	rc = curl_easy_perform(c->curl);
	if (b.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		log_warnx("%s %s%s: response larger than the %zu MiB limit",
		    method, c->base, path, CLIENT_MAX_RESPONSE >> 20);
		goto out;
	}
	if (rc != CURLE_OK) {
		log_warnx("%s %s%s: %s", method, c->base, path,
		    c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (b.len > 0 && is_json_type(c->curl)) {
		j = json_loadb(b.data, b.len, 0, &jerr);
		if (j == NULL && code >= 200 && code < 300) {
			log_warnx("%s %s%s: HTTP %ld with a bad JSON body: %s "
				  "(line %d)",
			    method, c->base, path, code, jerr.text, jerr.line);
			goto out;
		}
	} else if (b.len > 0 && code >= 200 && code < 300) {
		log_warnx("%s %s%s: HTTP %ld with a body that is not JSON",
		    method, c->base, path, code);
		goto out;
	}
	if (j == NULL && b.len > 0)
		j = text_detail(&b);
	*status = code;
	*out = j;
	j = NULL;
	ret = 0;
out:
	json_decref(j);
	free(b.data);
	return ret;
}

int
client_get(struct client *c, const char *path, long *status, json_t **body)
{
	return perform(c, "GET", path, NULL, 0, NULL, status, body);
}

int
client_delete(struct client *c, const char *path, long *status, json_t **body)
{
	return perform(c, "DELETE", path, NULL, 0, NULL, status, body);
}

/* Hands each chunk of a streamed answer to the caller's function. */
struct stream_ctx {
	client_chunk_fn fn;
	void *ctx;
	int stopped;
};

static size_t
on_stream(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct stream_ctx *sc = arg;

	if (sc->fn(sc->ctx, ptr, size * nmemb) != 0) {
		sc->stopped = 1;
		return 0;
	}
	return size * nmemb;
}

int
client_stream(struct client *c, const char *path, const char *accept,
    client_chunk_fn fn, void *ctx, long *status)
{
	struct curl_slist *h = NULL, *t;
	struct stream_ctx sc = { fn, ctx, 0 };
	char url[CLIENT_MAX_URL + 4096], acc[128];
	CURLcode rc;
	int ret = -1;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", c->base, path) >=
		sizeof(url) ||
	    (size_t)snprintf(acc, sizeof(acc), "Accept: %s", accept) >=
		sizeof(acc)) {
		log_warnx("%s: the URL is too long", path);
		return -1;
	}
	if ((h = curl_slist_append(NULL, acc)) == NULL ||
	    (c->auth != NULL && (t = curl_slist_append(h, c->auth)) == NULL))
		goto done;
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "truce-cli/0");
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sc);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && sc.stopped)) {
		log_warnx("GET %s: %s", url,
		    c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		goto done;
	}
	ret = sc.stopped ? 1 : 0;
done:
	curl_slist_free_all(h);
	return ret;
}

int
client_post(struct client *c, const char *path, const json_t *request,
    long *status, json_t **body)
{
	char *payload;
	int ret;

	payload = json_dumps(request, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (payload == NULL) {
		log_warnx("POST %s: cannot serialize the request", path);
		return -1;
	}
	ret = perform(c, "POST", path, payload, strlen(payload),
	    c->headers_post, status, body);
	free(payload);
	return ret;
}

int
client_post_note(struct client *c, const char *path, const char *note,
    size_t len, long *status, json_t **body)
{
	return perform(c, "POST", path, note, len, c->headers_note, status,
	    body);
}

char *
client_escape(struct client *c, const char *s)
{
	char *e, *dup = NULL;

	if ((e = curl_easy_escape(c->curl, s, 0)) != NULL) {
		dup = strdup(e);
		curl_free(e);
	}
	return dup;
}

static const char *
reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

void
client_problem(long status, const json_t *body, char *buf, size_t len)
{
	const char *title = NULL, *detail = NULL;
	json_t *v;

	if (len == 0)
		return;
	if (json_is_object(body)) {
		if ((v = json_object_get(body, "title")) && json_is_string(v))
			title = json_string_value(v);
		if ((v = json_object_get(body, "detail")) && json_is_string(v))
			detail = json_string_value(v);
	}
	if (title == NULL || *title == '\0')
		title = reason(status);
	if (detail != NULL && *detail != '\0')
		snprintf(buf, len, "HTTP %ld%s%.200s: %.800s", status,
		    *title ? " " : "", title, detail);
	else
		snprintf(buf, len, "HTTP %ld%s%.200s", status,
		    *title ? " " : "", title);
}

void
client_report(struct client *c, long status, const json_t *body)
{
	const json_t *e, *p, *m;
	char msg[1200];
	size_t i;

	client_problem(status, body, msg, sizeof(msg));
	log_warnx("%s: %s", client_server(c), msg);
	json_array_foreach(json_object_get(body, "errors"), i, e)
	{
		p = json_object_get(e, "pointer");
		m = json_object_get(e, "message");
		fprintf(stderr, "  %s: %s\n",
		    json_is_string(p) ? json_string_value(p) : "",
		    json_is_string(m) ? json_string_value(m) : "");
	}
}

int
client_features(struct client *c, const char *route, const char *filters,
    int64_t limit, client_feature_fn fn, void *ctx)
{
	char cursor[64] = "", num[32], path[8192], *ecursor = NULL;
	const char *next_s;
	json_t *body = NULL, *features, *next, *f;
	int64_t written = 0;
	long status;
	size_t i, pages = 0;
	int ret = -1;

	for (;;) {
		if (++pages > CLIENT_MAX_PAGES) {
			log_warnx("more than %d pages: stopping",
			    CLIENT_MAX_PAGES);
			goto out;
		}
		free(ecursor);
		ecursor = NULL;
		if (cursor[0] != '\0' &&
		    (ecursor = client_escape(c, cursor)) == NULL)
			goto out;
		if ((size_t)snprintf(path, sizeof(path),
			"%s?%s%slimit=%lld%s%s", route, filters,
			filters[0] ? "&" : "",
			(long long)(limit - written < CLIENT_PAGE_MAX
				? limit - written
				: CLIENT_PAGE_MAX),
			ecursor ? "&cursor=" : "",
			ecursor ? ecursor : "") >= sizeof(path)) {
			log_warnx("the query is longer than %zu bytes",
			    sizeof(path) - 1);
			goto out;
		}
		json_decref(body);
		body = NULL;
		if (client_get(c, path, &status, &body) == -1)
			goto out;
		if (status != 200) {
			client_report(c, status, body);
			goto out;
		}
		features = json_object_get(body, "features");
		if (!json_is_array(features)) {
			log_warnx("%s: the answer is not a FeatureCollection",
			    client_server(c));
			goto out;
		}
		json_array_foreach(features, i, f)
		{
			if (written >= limit)
				break;
			if (fn(ctx, f) == -1) {
				log_warnx("cannot write the output");
				goto out;
			}
			written++;
		}
		next = json_object_get(body, "next");
		if (written >= limit || next == NULL || json_is_null(next))
			break;
		/* An observation cursor is a log index, an incident's a
		   string (docs/api.md). */
		if (json_is_integer(next))
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(next));
		next_s = json_is_integer(next) ? num : json_string_value(next);
		if (next_s == NULL || strlen(next_s) >= sizeof(cursor) ||
		    strcmp(next_s, cursor) == 0) {
			log_warnx("%s: bad or repeated `next` cursor: stopping",
			    client_server(c));
			goto out;
		}
		snprintf(cursor, sizeof(cursor), "%s", next_s);
	}
	ret = 0;
out:
	free(ecursor);
	json_decref(body);
	return ret;
}

int
client_add_param(struct client *c, char *q, size_t qlen, const char *key,
    const char *value)
{
	char *e;
	size_t n = strlen(q);
	int ret = -1;

	if ((e = client_escape(c, value)) == NULL) {
		log_warnx("out of memory");
		goto out;
	}
	if ((size_t)snprintf(q + n, qlen - n, "%s%s=%s", n ? "&" : "", key,
		e) >= qlen - n) {
		log_warnx("the query string is longer than %zu bytes",
		    qlen - 1);
		goto out;
	}
	ret = 0;
out:
	free(e);
	return ret;
}

int
client_parse_format(const char *cmd, const char *val, enum client_format *out)
{
	static const char *const names[] = { "table", "jsonl", "geojson",
		"csv" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(val, names[i]) == 0) {
			*out = (enum client_format)i;
			return 0;
		}
	args_usage(cmd,
	    "--format: '%.32s' is not table, jsonl, geojson or "
	    "csv",
	    val);
	return -1;
}
