/*
 * fetch: many GETs in flight with libcurl's multi interface (see fetch.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "audit/fetch.h"

struct transfer {
	CURL *easy;
	void *tag;
	uint8_t *buf;
	size_t len, cap, max;
	int over;
	char errbuf[CURL_ERROR_SIZE];
	char path[FETCH_URL_MAX];
	struct transfer *next; /* in the in-flight or the finished list */
};

struct fetch {
	CURLM *multi;
	struct curl_slist *headers;
	char base[FETCH_URL_MAX];
	char cacert[1024];	   /* TRUCE_CACERT: CAs for https://, or "" */
	size_t active;		   /* queued in the multi handle */
	struct transfer *inflight; /* those, to free them early */
	struct transfer *done, *done_tail; /* finished, not yet returned */
	size_t ndone;
};

/* A tag no caller passes: fetch_get's own transfer. */
static char own_tag;

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t n = size * nmemb, cap;
	uint8_t *nb;

	if (n > t->max - t->len) {
		t->over = 1;
		return 0; /* aborts the transfer */
	}
	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap : 16384;
		while (cap < t->len + n + 1)
			cap *= 2;
		if (cap > t->max + 1)
			cap = t->max + 1;
		if ((nb = realloc(t->buf, cap)) == NULL)
			return 0;
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, ptr, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return n;
}

static void
transfer_free(struct transfer *t)
{
	if (t == NULL)
		return;
	if (t->easy != NULL)
		curl_easy_cleanup(t->easy);
	free(t->buf);
	free(t);
}

struct fetch *
fetch_new(const char *base_url, const char *token, int max_connections,
    char *err, size_t errlen)
{
	struct fetch *f;
	char auth[600];
	const char *ca;
	size_t n = strlen(base_url);

	if (n == 0 || n >= sizeof(f->base) - 256) {
		snprintf(err, errlen, "URL: must be 1 to %zu bytes",
		    sizeof(f->base) - 257);
		return NULL;
	}
	if (strncmp(base_url, "http://", 7) != 0 &&
	    strncmp(base_url, "https://", 8) != 0) {
		snprintf(err, errlen,
		    "URL: '%.100s' is not http:// or "
		    "https://",
		    base_url);
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Without the trailing slash: paths start with one. */
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	memcpy(f->base, base_url, n);
	f->base[n] = '\0';
	if ((ca = getenv("TRUCE_CACERT")) != NULL &&
	    (size_t)snprintf(f->cacert, sizeof(f->cacert), "%s", ca) >=
		sizeof(f->cacert)) {
		snprintf(err, errlen, "TRUCE_CACERT: longer than %zu bytes",
		    sizeof(f->cacert) - 1);
		fetch_free(f);
		return NULL;
	}
	if ((f->multi = curl_multi_init()) == NULL)
		goto nomem;
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)max_connections);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)max_connections);
	if (token != NULL) {
		if ((size_t)snprintf(auth, sizeof(auth),
			"Authorization: Bearer %s", token) >= sizeof(auth)) {
			snprintf(err, errlen, "token: longer than %zu bytes",
			    sizeof(auth) - 23);
			fetch_free(f);
			return NULL;
		}
		if ((f->headers = curl_slist_append(NULL, auth)) == NULL)
			goto nomem;
	}
	return f;
nomem:
	snprintf(err, errlen, "out of memory");
	fetch_free(f);
	return NULL;
}

void
fetch_free(struct fetch *f)
{
	struct transfer *t, *next;

	if (f == NULL)
		return;
	for (t = f->inflight; t != NULL; t = next) {
		next = t->next;
		curl_multi_remove_handle(f->multi, t->easy);
		transfer_free(t);
	}
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	for (t = f->done; t != NULL; t = next) {
		next = t->next;
		transfer_free(t);
	}
	curl_slist_free_all(f->headers);
	free(f);
}

int
fetch_queue(struct fetch *f, const char *path, size_t max, void *tag, char *err,
    size_t errlen)
{
	struct transfer *t;
	char url[FETCH_URL_MAX + FETCH_URL_MAX];

	if (strlen(path) >= sizeof(t->path)) {
		snprintf(err, errlen, "path longer than %zu bytes",
		    sizeof(t->path) - 1);
		return -1;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->easy = curl_easy_init()) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->tag = tag;
	t->max = max;
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(url, sizeof(url), "%s%s", f->base, path);
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(t->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(t->easy, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "truce-audit");
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (f->cacert[0] != '\0')
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, f->cacert);
	if (f->headers != NULL)
		curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, (char *)t);
	if (curl_multi_add_handle(f->multi, t->easy) != CURLM_OK) {
		transfer_free(t);
		snprintf(err, errlen, "cannot queue GET %.200s", path);
		return -1;
	}
	f->active++;
	t->next = f->inflight;
	f->inflight = t;
	return 0;
}

static void
unlink_inflight(struct fetch *f, struct transfer *t)
{
	struct transfer **pp;

	for (pp = &f->inflight; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			return;
		}
}

/* Moves finished transfers from the multi handle to the done list. */
static void
collect(struct fetch *f)
{
	struct transfer *t;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&t);
		if (m->data.result != CURLE_OK) {
			if (t->over)
				snprintf(t->errbuf, sizeof(t->errbuf),
				    "answer over the limit of %zu bytes",
				    t->max);
			else if (t->errbuf[0] == '\0')
				snprintf(t->errbuf, sizeof(t->errbuf), "%s",
				    curl_easy_strerror(m->data.result));
			free(t->buf);
			t->buf = NULL;
			t->len = 0;
		} else if (t->buf == NULL && (t->buf = calloc(1, 1)) == NULL) {
			snprintf(t->errbuf, sizeof(t->errbuf), "out of memory");
		}
		curl_multi_remove_handle(f->multi, t->easy);
		f->active--;
		unlink_inflight(f, t);
		t->next = NULL;
		if (f->done_tail != NULL)
			f->done_tail->next = t;
		else
			f->done = t;
		f->done_tail = t;
		f->ndone++;
	}
}

/* Fills r from t (taking its body) and frees t. */
static void
reply_from(struct transfer *t, struct fetch_reply *r)
{
	long status = 0;

	memset(r, 0, sizeof(*r));
	r->tag = t->tag;
	if (t->buf != NULL)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	r->body = t->buf;
	r->len = t->len;
	t->buf = NULL;
	snprintf(r->error, sizeof(r->error), "%s", t->errbuf);
	snprintf(r->path, sizeof(r->path), "%s", t->path);
	transfer_free(t);
}

/* Takes the first finished transfer whose tag is tag (any when NULL). */
static struct transfer *
take(struct fetch *f, const void *tag)
{
	struct transfer *t, *prev = NULL;

	for (t = f->done; t != NULL; prev = t, t = t->next) {
		if (tag != NULL && t->tag != tag)
			continue;
		if (prev != NULL)
			prev->next = t->next;
		else
			f->done = t->next;
		if (f->done_tail == t)
			f->done_tail = prev;
		f->ndone--;
		return t;
	}
	return NULL;
}

/* Runs transfers until one tagged tag (any when NULL) is finished. */
static struct transfer *
wait_for(struct fetch *f, const void *tag)
{
	struct transfer *t;
	int running;

	for (;;) {
		if ((t = take(f, tag)) != NULL)
			return t;
		if (f->active == 0)
			return NULL;
		curl_multi_perform(f->multi, &running);
		collect(f);
		if ((t = take(f, tag)) != NULL)
			return t;
		curl_multi_poll(f->multi, NULL, 0, 1000, NULL);
	}
}

int
fetch_next(struct fetch *f, struct fetch_reply *r)
{
	struct transfer *t;

	if ((t = wait_for(f, NULL)) == NULL)
		return 0;
	reply_from(t, r);
	return 1;
}

int
fetch_get(struct fetch *f, const char *path, size_t max, struct fetch_reply *r)
{
	struct transfer *t;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	if (fetch_queue(f, path, max, &own_tag, r->error, sizeof(r->error)) ==
	    -1)
		return -1;
	if ((t = wait_for(f, &own_tag)) == NULL) {
		snprintf(r->error, sizeof(r->error), "transfer lost");
		return -1;
	}
	reply_from(t, r);
	return 0;
}
