/*
 * fuzz_query: a request's query string (the part after "?") through the
 * server's one query parser (server/query.h) for each list of names a
 * route takes, split and percent-decoded as libmicrohttpd does before
 * (MHD_http_unescape, lengths kept, so a decoded NUL shows), and the
 * accepted values through the value parsers the routes share
 * (server/request.h: bbox, times, categories; common/num.h: limits and
 * sizes). The name lists are those of server.c's route table.
 *
 * Promises checked: an accepted parameter is one the route takes, its
 * value within QUERY_VALUE_MAX bytes and without NUL; a bbox that parses
 * has its minimum at or below its maximum, inside the world.
 */
#include <microhttpd.h>

#include "common/num.h"
#include "server/query.h"
#include "server/request.h"

#include "fuzz.h"

static const char *const P_OBSERVATIONS[] = { "bbox", "from", "to",
	"category", "source", "member", "limit", "cursor", NULL };
static const char *const P_OBS_POST[] = { "receipts", NULL };
static const char *const P_RANGE[] = { "from", "to", NULL };
static const char *const P_INCLUSION[] = { "index", "size", NULL };
static const char *const P_EVIDENCE[] = { "sha256", NULL };
static const char *const P_INCIDENTS[] = { "bbox", "from", "to",
	"category", "zone", "limit", "cursor", NULL };
static const char *const P_PAGE[] = { "limit", "cursor", NULL };
static const char *const *const lists[] = { P_OBSERVATIONS, P_OBS_POST,
	P_RANGE, P_INCLUSION, P_EVIDENCE, P_INCIDENTS, P_PAGE, NULL };

#define MAX_PAIRS 32

/* A decoded parameter: name and value point into the caller's copy. */
struct pair {
	char *name, *value;
	size_t name_len, value_len;
};

/* Splits and decodes s in place as libmicrohttpd does; returns the count. */
static size_t
split(char *s, struct pair *p)
{
	char *amp, *eq;
	size_t n = 0;

	while (s != NULL && n < MAX_PAIRS) {
		if ((amp = strchr(s, '&')) != NULL)
			*amp = '\0';
		p[n].name = s;
		p[n].value = NULL;
		p[n].value_len = 0;
		if ((eq = strchr(s, '=')) != NULL) {
			*eq = '\0';
			p[n].value = eq + 1;
			p[n].value_len = MHD_http_unescape(p[n].value);
		}
		p[n].name_len = MHD_http_unescape(p[n].name);
		n++;
		s = amp ? amp + 1 : NULL;
	}
	return n;
}

static void
values(const struct query *q)
{
	const char *cats[16], *v;
	char err[512], buf[1100];
	int64_t e7[4], ms, i64;
	size_t n;

	if ((v = query_get(q, "bbox")) != NULL &&
	    http_parse_bbox(v, e7, err, sizeof(err)) == 0) {
		FUZZ_CHECK(e7[0] <= e7[2] && e7[1] <= e7[3]);
		FUZZ_CHECK(e7[0] >= -1800000000LL && e7[2] <= 1800000000LL);
		FUZZ_CHECK(e7[1] >= -900000000LL && e7[3] <= 900000000LL);
	}
	if ((v = query_get(q, "from")) != NULL) {
		(void)http_parse_time("from", v, &ms, err, sizeof(err));
		(void)num_parse_i64(v, 0, INT64_MAX, &i64, err, sizeof(err));
	}
	if ((v = query_get(q, "to")) != NULL)
		(void)http_parse_time("to", v, &ms, err, sizeof(err));
	if ((v = query_get(q, "category")) != NULL &&
	    http_parse_categories(v, buf, sizeof(buf), cats, &n, err,
	    sizeof(err)) == 0)
		FUZZ_CHECK(n >= 1 && n <= 16);
	if ((v = query_get(q, "limit")) != NULL)
		(void)num_parse_i64(v, 1, 1000, &i64, err, sizeof(err));
	if ((v = query_get(q, "index")) != NULL)
		(void)num_parse_i64(v, 0, INT64_MAX, &i64, err, sizeof(err));
	if ((v = query_get(q, "size")) != NULL)
		(void)num_parse_double(v, 0, 1e18, (double *)e7, err,
		    sizeof(err));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pair p[MAX_PAIRS];
	struct query q;
	char *s, err[512];
	size_t n, i, l, k;
	int ok;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return 0;
	n = split(s, p);
	for (l = 0; lists[l] != NULL; l++) {
		query_init(&q, lists[l]);
		for (ok = 1, i = 0; i < n && ok; i++)
			ok = query_add(&q, p[i].name, p[i].name_len,
			    p[i].value, p[i].value_len, err, sizeof(err)) == 0;
		for (k = 0; lists[l][k] != NULL; k++)
			if (q.value[k] != NULL)
				FUZZ_CHECK(strlen(q.value[k]) <=
				    QUERY_VALUE_MAX);
		if (ok)
			values(&q);
	}
	free(s);
	return 0;
}
