/*
 * tbench: the measuring tools of `make bench` (bench/run.sh drives them).
 *
 *   tbench fsync DIR SECONDS             fdatasync latency on DIR's disk
 *   tbench ingest URL TOKEN BATCH CLIENTS COUNT SECONDS
 *                                        POST observations 0..COUNT-1 of
 *                                        the query set (gen.h) over HTTP
 *                                        keep-alive, BATCH per request,
 *                                        from CLIENTS threads, stopping
 *                                        after SECONDS
 *   tbench jsonl START COUNT             the same observations as JSON lines
 *   tbench query-http URL TOKEN WARM N   GET /v1/observations, serially
 *   tbench query-sqlite DB WARM N each|once
 *                                        the server's SQL on store.db,
 *                                        prepared per query (as the server
 *                                        does) or once
 *   tbench query-pg CONNINFO WARM N plain|range
 *                                        the same query on PostGIS with a
 *                                        prepared statement
 *   tbench sqlite-raw SRC DST full|table ROWS
 *                                        insert SRC's first ROWS observation
 *                                        rows into a fresh DST in one
 *                                        transaction (full: with the R*Tree)
 *   tbench csv SRC                       SRC's rows as CSV for PostgreSQL
 *   tbench sqlite-exec DB SQL            run SQL on DB (64 MiB cache), timed
 *   tbench describe DATADIR REGION N     fusion_describe on the positions of
 *                                        observations 0..N-1 (gen.h), CPU
 *                                        time per call and a digest of the
 *                                        words (equal digests: equal words);
 *                                        and describe_point, the full
 *                                        description of `truce geo describe`
 *   tbench proofs LOGDIR SIZE SECONDS    inclusion proofs computed in this
 *                                        process on one core from a copy of
 *                                        a center's log (LOGDIR, unlocked),
 *                                        random index, tree size SIZE: the
 *                                        library's merkle_prove_inclusion +
 *                                        merkle_tree_hash + leaf (what the
 *                                        route did before it kept provers),
 *                                        then the route's own work without
 *                                        HTTP (a cached tlog/prover, the
 *                                        proof, the hashes in base64)
 *
 * Every measuring command prints one line of key=value pairs on stdout;
 * run.sh keeps them under bench/out/ and summarizes them. Latencies are
 * wall-clock (CLOCK_MONOTONIC) around the request or the query only.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "common/clock.h"
#include "fusion/fusion.h"
#include "geo/describe.h"
#include "geo/layers.h"
#include "ledger/entrylog.h"
#include "store/store.h"
#include "tlog/merkle.h"
#include "tlog/prover.h"

#include "gen.h"

#define QUERY_LIMIT 100	 /* features a user asks for */
#define OBS_JSON_MAX 1024 /* one generated observation, at most */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long long
arg_ll(const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		die("'%s' is not a number in %lld..%lld", s, lo, hi);
	return v;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n-1]. */
static double
pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return NAN;
	k = (size_t)ceil(p / 100.0 * (double)n);
	return v[k ? k - 1 : 0];
}

static void
print_latencies(const char *prefix, double *v, size_t n)
{
	double sum = 0;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf(" %sp50_ms=%.3f %sp90_ms=%.3f %sp99_ms=%.3f %smean_ms=%.3f",
	    prefix, pct(v, n, 50) * 1e3, prefix, pct(v, n, 90) * 1e3, prefix,
	    pct(v, n, 99) * 1e3, prefix, n ? sum / (double)n * 1e3 : NAN);
}

/* CPU seconds of the calling thread (steadier than wall time on a shared
 * machine: what another process takes does not count). */
static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- proofs ----------------------------------------------------------- */

static volatile uint64_t proofs_sink;

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Runs one way of proving for about seconds: 0 the library alone, 1 the
 * route's path. Prints NAME_n, NAME_per_s (wall) and NAME_per_cpu_s.
 */
static void
proofs_mode(struct entrylog *log, int64_t size, double seconds, int route,
    const char *name)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], root[32], leaf[32];
	char b64[MERKLE_BASE64_SIZE];
	struct prover p;
	uint64_t x = 0x9e3779b97f4a7c15ULL, n = 0, sink = 0;
	double t0 = clock_now_s(), c0 = thread_cpu_s(), t1, c1;
	int64_t index, li;
	size_t len, i;

	if (route && prover_init(&p, size, entrylog_read_hashes, log) == -1)
		die("prover_init %lld", (long long)size);
	do {
		for (i = 0; i < 1000; i++, n++) {
			index = (int64_t)(xorshift(&x) % (uint64_t)size);
			if (route) {
				if (prover_inclusion(&p, index,
					entrylog_read_hashes, log, leaf, proof,
					&len) == -1)
					die("prover_inclusion %lld",
					    (long long)index);
				prover_root(&p, root);
			} else {
				li = merkle_stored_hash_index(0, index);
				if (merkle_prove_inclusion(index, size,
					entrylog_read_hashes, log, proof,
					&len) == -1 ||
				    merkle_tree_hash(size,
					entrylog_read_hashes, log, root) ==
					-1 ||
				    entrylog_read_hashes(log, &li, 1,
					&leaf) == -1)
					die("prove %lld", (long long)index);
				continue;
			}
			merkle_hash_to_base64(leaf, b64);
			sink += (uint8_t)b64[7];
			merkle_hash_to_base64(root, b64);
			sink += (uint8_t)b64[7];
			for (; len > 0; len--) {
				merkle_hash_to_base64(proof[len - 1], b64);
				sink += (uint8_t)b64[7];
			}
		}
	} while (clock_now_s() - t0 < seconds);
	t1 = clock_now_s();
	c1 = thread_cpu_s();
	printf(" %s_n=%llu %s_per_s=%.0f %s_per_cpu_s=%.0f", name,
	    (unsigned long long)n, name, (double)n / (t1 - t0), name,
	    (double)n / (c1 - c0));
	proofs_sink = sink; /* the base64 work is not optimised away */
}

static int
cmd_proofs(int argc, char **argv)
{
	struct entrylog *log;
	int64_t size;
	double seconds;

	if (argc != 4)
		die("usage: tbench proofs LOGDIR SIZE SECONDS");
	if ((log = entrylog_open(argv[1], 0, NULL, 0)) == NULL)
		die("cannot open the log %s", argv[1]);
	size = arg_ll(argv[2], 1, entrylog_size(log));
	seconds = (double)arg_ll(argv[3], 1, 3600);
	printf("size=%lld", (long long)size);
	proofs_mode(log, size, seconds, 0, "library");
	proofs_mode(log, size, seconds, 1, "route");
	printf("\n");
	entrylog_close(log);
	return 0;
}

/* ---- fsync ------------------------------------------------------------ */

static void
fsync_mode(const char *path, double seconds, int append, const char *name)
{
	static char block[4096];
	size_t cap = 1 << 20, n = 0;
	double *lat = xmalloc(cap * sizeof(*lat)), t0, t, end;
	off_t off = 0;
	int fd;

	unlink(path);
	if ((fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600)) == -1)
		die("open %s: %s", path, strerror(errno));
	if (pwrite(fd, block, sizeof(block), 0) != sizeof(block) ||
	    fsync(fd) == -1)
		die("write %s: %s", path, strerror(errno));
	end = clock_now_s() + seconds;
	while ((t0 = clock_now_s()) < end && n < cap) {
		if (append)
			off += sizeof(block);
		if (pwrite(fd, block, sizeof(block), off) != sizeof(block) ||
		    fdatasync(fd) == -1)
			die("write %s: %s", path, strerror(errno));
		t = clock_now_s();
		lat[n++] = t - t0;
	}
	close(fd);
	unlink(path);
	printf(" %s_n=%zu", name, n);
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf(" %s_p50_us=%.0f %s_p99_us=%.0f %s_per_s=%.0f", name,
	    pct(lat, n, 50) * 1e6, name, pct(lat, n, 99) * 1e6, name,
	    (double)n / seconds);
	free(lat);
}

static int
cmd_fsync(int argc, char **argv)
{
	char path[4096];
	double seconds;

	if (argc != 3)
		die("usage: tbench fsync DIR SECONDS");
	seconds = (double)arg_ll(argv[2], 1, 600);
	snprintf(path, sizeof(path), "%s/tbench-fsync.tmp", argv[1]);
	printf("what=fsync block=4096");
	fsync_mode(path, seconds / 2, 0, "overwrite");
	fsync_mode(path, seconds / 2, 1, "append");
	printf("\n");
	return 0;
}

/* ---- HTTP ------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			die("out of memory");
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static CURL *
http_handle(const char *token, struct curl_slist **hdrs, struct buf *b)
{
	CURL *h;
	char auth[256];

	if ((h = curl_easy_init()) == NULL)
		die("curl_easy_init");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	*hdrs = curl_slist_append(NULL, auth);
	*hdrs = curl_slist_append(*hdrs, "Content-Type: application/json");
	*hdrs = curl_slist_append(*hdrs, "Expect:"); /* no 100-continue */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	return h;
}

struct ingest {
	const char *url, *token;
	char **body;
	size_t *len, *nobs;
	size_t nreq;
	double deadline, t_start;
	atomic_size_t next;
	atomic_size_t acked, dups, errors, requests;
	double *lat;		/* per request */
	pthread_barrier_t ready;
};

static void *
ingest_client(void *arg)
{
	struct ingest *g = arg;
	struct curl_slist *hdrs;
	struct buf b = { NULL, 0, 0 };
	CURL *h = http_handle(g->token, &hdrs, &b);
	char url[1024];
	long code;
	size_t k, d;
	double t0;
	const char *p;

	snprintf(url, sizeof(url), "%s/v1/observations", g->url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	pthread_barrier_wait(&g->ready);
	for (;;) {
		k = atomic_fetch_add(&g->next, 1);
		if (k >= g->nreq || clock_now_s() >= g->deadline)
			break;
		b.len = 0;
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, g->body[k]);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)g->len[k]);
		t0 = clock_now_s();
		if (curl_easy_perform(h) != CURLE_OK) {
			atomic_fetch_add(&g->errors, 1);
			continue;
		}
		g->lat[k] = clock_now_s() - t0;
		atomic_fetch_add(&g->requests, 1);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) { /* a single observation that existed */
			atomic_fetch_add(&g->dups, 1);
			continue;
		}
		if (code != 201) {
			if (atomic_fetch_add(&g->errors, 1) == 0)
				fprintf(stderr, "tbench: HTTP %ld: %.300s\n",
				    code, b.p ? b.p : "");
			continue;
		}
		d = 0;
		for (p = b.p; p && (p = strstr(p, "\"created\":false")); p++)
			d++;
		atomic_fetch_add(&g->dups, d);
		atomic_fetch_add(&g->acked, g->nobs[k] - d);
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(b.p);
	return NULL;
}

static int
cmd_ingest(int argc, char **argv)
{
	struct ingest g;
	size_t batch, clients, count, k, m, i, off, n;
	double seconds, t_end;
	pthread_t *th;
	struct gen_obs o;
	char *p;
	double *lat;

	if (argc != 7)
		die("usage: tbench ingest URL TOKEN BATCH CLIENTS COUNT "
		    "SECONDS");
	memset(&g, 0, sizeof(g));
	g.url = argv[1];
	g.token = argv[2];
	batch = (size_t)arg_ll(argv[3], 1, 10000);
	clients = (size_t)arg_ll(argv[4], 1, 256);
	count = (size_t)arg_ll(argv[5], 1, GEN_N);
	seconds = (double)arg_ll(argv[6], 1, 3600);
	/* Every body is built before the clock starts. */
	g.nreq = (count + batch - 1) / batch;
	g.body = xmalloc(g.nreq * sizeof(*g.body));
	g.len = xmalloc(g.nreq * sizeof(*g.len));
	g.nobs = xmalloc(g.nreq * sizeof(*g.nobs));
	g.lat = calloc(g.nreq, sizeof(*g.lat));
	for (k = 0; k < g.nreq; k++) {
		m = k + 1 < g.nreq ? batch : count - k * batch;
		p = xmalloc(m * OBS_JSON_MAX + 2);
		off = 0;
		if (batch > 1)
			p[off++] = '[';
		for (i = 0; i < m; i++) {
			gen_observation(k * batch + i, GEN_N, &o);
			if (i > 0)
				p[off++] = ',';
			if ((n = gen_json(&o, p + off, OBS_JSON_MAX)) == 0)
				die("observation too long");
			off += n;
		}
		if (batch > 1)
			p[off++] = ']';
		p[off] = '\0';
		g.body[k] = p;
		g.len[k] = off;
		g.nobs[k] = m;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	th = xmalloc(clients * sizeof(*th));
	pthread_barrier_init(&g.ready, NULL, (unsigned)clients + 1);
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, ingest_client, &g) != 0)
			die("pthread_create");
	g.t_start = clock_now_s();
	g.deadline = g.t_start + seconds;
	pthread_barrier_wait(&g.ready);
	g.t_start = clock_now_s();
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	t_end = clock_now_s();
	n = 0;
	lat = xmalloc(g.nreq * sizeof(*lat));
	for (k = 0; k < g.nreq; k++)
		if (g.lat[k] > 0)
			lat[n++] = g.lat[k];
	printf("what=ingest batch=%zu clients=%zu requests=%zu obs=%zu "
	       "seconds=%.3f obs_per_s=%.0f dups=%zu errors=%zu",
	    batch, clients, (size_t)g.requests, (size_t)g.acked,
	    t_end - g.t_start, (double)g.acked / (t_end - g.t_start),
	    (size_t)g.dups, (size_t)g.errors);
	print_latencies("req_", lat, n);
	printf("\n");
	for (k = 0; k < g.nreq; k++)
		free(g.body[k]);
	free(g.body);
	free(g.len);
	free(g.nobs);
	free(g.lat);
	free(lat);
	free(th);
	curl_global_cleanup();
	return g.errors || g.dups ? 1 : 0;
}

static int
cmd_jsonl(int argc, char **argv)
{
	struct gen_obs o;
	char line[OBS_JSON_MAX];
	size_t start, count, i;

	if (argc != 3)
		die("usage: tbench jsonl START COUNT");
	start = (size_t)arg_ll(argv[1], 0, GEN_N - 1);
	count = (size_t)arg_ll(argv[2], 1, GEN_N - start);
	for (i = start; i < start + count; i++) {
		gen_observation(i, GEN_N, &o);
		if (gen_json(&o, line, sizeof(line)) == 0)
			die("observation too long");
		puts(line);
	}
	return 0;
}

/* ---- queries ---------------------------------------------------------- */

/* What every query path reports, to check they all found the same rows. */
struct qresult {
	double *lat;
	uint64_t rows, idxsum;
};

/* With TBENCH_TRACE=FILE, one line per measured query: j rows idxsum. */
static void
trace_query(size_t j, uint64_t rows, uint64_t idxsum)
{
	static FILE *f;
	const char *path;

	if (f == NULL && (path = getenv("TBENCH_TRACE")) != NULL &&
	    (f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (f != NULL)
		fprintf(f, "%zu %" PRIu64 " %" PRIu64 "\n", j, rows, idxsum);
}

static void
print_query(const char *what, const char *mode, size_t n, struct qresult *r)
{
	printf("what=%s mode=%s queries=%zu rows=%" PRIu64 " idxsum=%" PRIu64,
	    what, mode, n, r->rows, r->idxsum);
	print_latencies("", r->lat, n);
	printf("\n");
}

static int
cmd_query_http(int argc, char **argv)
{
	struct curl_slist *hdrs;
	struct buf b = { NULL, 0, 0 };
	struct gen_query q;
	struct qresult r = { NULL, 0, 0 };
	CURL *h;
	char url[2048];
	size_t warm, n, j, nf, f;
	uint64_t idxsum;
	double t0, bytes = 0;
	long code;
	json_t *doc, *feats;
	json_error_t e;

	if (argc != 5)
		die("usage: tbench query-http URL TOKEN WARM N");
	warm = (size_t)arg_ll(argv[3], 0, 1000000);
	n = (size_t)arg_ll(argv[4], 1, 1000000);
	r.lat = xmalloc(n * sizeof(*r.lat));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = http_handle(argv[2], &hdrs, &b);
	for (j = 0; j < warm + n; j++) {
		/* Warm-up queries are others than the measured ones. */
		gen_query(j < warm ? 1000000 + j : j - warm, &q);
		snprintf(url, sizeof(url), "%s/v1/observations?bbox=%s&from=%s"
		    "&to=%s&category=%s&limit=%d", argv[1], q.bbox, q.from,
		    q.to, q.category, QUERY_LIMIT);
		curl_easy_setopt(h, CURLOPT_URL, url);
		b.len = 0;
		t0 = clock_now_s();
		if (curl_easy_perform(h) != CURLE_OK)
			die("GET %s failed", url);
		if (j < warm)
			continue;
		r.lat[j - warm] = clock_now_s() - t0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200)
			die("GET %s: HTTP %ld: %.300s", url, code, b.p);
		bytes += (double)b.len;
		if ((doc = json_loadb(b.p, b.len, 0, &e)) == NULL)
			die("GET %s: bad JSON: %s", url, e.text);
		feats = json_object_get(doc, "features");
		nf = json_array_size(feats);
		r.rows += nf;
		idxsum = 0;
		for (f = 0; f < nf; f++)
			idxsum += (uint64_t)json_integer_value(
			    json_object_get(json_object_get(json_array_get(
				feats, f), "properties"), "index"));
		r.idxsum += idxsum;
		trace_query(j - warm, nf, idxsum);
		json_decref(doc);
	}
	print_query("query", "http", n, &r);
	fprintf(stderr, "tbench: mean response %.0f bytes\n",
	    bytes / (double)n);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(b.p);
	free(r.lat);
	return 0;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The server's bbox parsing (src/server/observations.c parse_bbox). */
static void
bbox_e7(const char *bbox, int64_t e7[4])
{
	char tmp[96], *p = tmp, *c;
	double d;
	int i;

	snprintf(tmp, sizeof(tmp), "%s", bbox);
	for (i = 0; i < 4; i++) {
		c = strchr(p, ',');
		if (c)
			*c = '\0';
		d = strtod(p, NULL);
		e7[i] = (int64_t)(i < 2 ? floor(d * 1e7) : ceil(d * 1e7));
		p = c ? c + 1 : p;
	}
}

/*
 * The server's own query path: the same store_query_observations that
 * GET /v1/observations runs (linked from libtruce), so this measures the
 * store without HTTP and can never drift from the server's statement.
 */
struct store_rows {
	int rows;
	uint64_t idxsum;
};

static int
store_row(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct store_rows *r = ctx;

	(void)entry;
	(void)len;
	(void)id;
	if (r->rows == QUERY_LIMIT)
		return 1; /* the server's "there is a next page" */
	r->idxsum += (uint64_t)index;
	r->rows++;
	return 0;
}

static void
store_bind_query(struct store_query *sq, const struct gen_query *q)
{
	int64_t e7[4];

	store_query_init(sq);
	bbox_e7(q->bbox, e7);
	sq->has_bbox = 1;
	sq->min_lon_e7 = e7[0];
	sq->min_lat_e7 = e7[1];
	sq->max_lon_e7 = e7[2];
	sq->max_lat_e7 = e7[3];
	sq->from_ms = q->from_s * 1000;
	sq->to_ms = q->to_s * 1000;
	sq->categories[0] = q->category;
	sq->ncategories = 1;
	sq->limit = QUERY_LIMIT + 1;
}

/* The pre-4-D statement, kept only as a TBENCH_SQL-style variant. */
static const char server_sql[] =
    "SELECT o.idx, o.entry FROM observation_rtree r "
    "JOIN observation o ON o.idx = r.idx WHERE "
    "r.min_lon >= ? AND r.max_lon <= ? AND r.min_lat >= ? AND "
    "r.max_lat <= ? AND r.max_t >= ? AND r.min_t <= ? AND "
    "o.t_to >= ? AND o.t_from <= ? AND r.idx > ? AND o.category IN (?) "
    "ORDER BY o.idx LIMIT ?";

static void
sqlite_bind_query(sqlite3_stmt *st, const struct gen_query *q)
{
	int64_t e7[4], from_ms = q->from_s * 1000, to_ms = q->to_s * 1000;

	bbox_e7(q->bbox, e7);
	sqlite3_bind_int64(st, 1, e7[0]);
	sqlite3_bind_int64(st, 2, e7[2]);
	sqlite3_bind_int64(st, 3, e7[1]);
	sqlite3_bind_int64(st, 4, e7[3]);
	sqlite3_bind_int64(st, 5, floor_div(from_ms, 60000));
	sqlite3_bind_int64(st, 6, floor_div(to_ms + 59999, 60000));
	sqlite3_bind_int64(st, 7, from_ms);
	sqlite3_bind_int64(st, 8, to_ms);
	sqlite3_bind_int64(st, 9, -1);
	sqlite3_bind_text(st, 10, q->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, QUERY_LIMIT + 1);
}

static void
explain_sqlite(sqlite3 *db, const char *query)
{
	sqlite3_stmt *st;
	char sql[4096];

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", query);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("%s: %s", query, sqlite3_errmsg(db));
	fprintf(stderr, "tbench: plan of %s\n", query);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(stderr, "  %s\n", sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

static int
query_store(const char *path, size_t warm, size_t n)
{
	struct store *s;
	struct store_query sq;
	struct store_rows sr;
	struct gen_query q;
	struct qresult r = { NULL, 0, 0 };
	size_t j;
	double t0;

	r.lat = xmalloc(n * sizeof(*r.lat));
	if ((s = store_open("sqlite", path, STORE_READONLY)) == NULL)
		die("store_open %s failed", path);
	for (j = 0; j < warm + n; j++) {
		gen_query(j < warm ? 1000000 + j : j - warm, &q);
		store_bind_query(&sq, &q);
		sr.rows = 0;
		sr.idxsum = 0;
		t0 = clock_now_s();
		if (store_query_observations(s, &sq, store_row, &sr) == -1)
			die("store query failed");
		if (j < warm)
			continue;
		r.lat[j - warm] = clock_now_s() - t0;
		r.rows += (uint64_t)sr.rows;
		r.idxsum += sr.idxsum;
		trace_query(j - warm, (uint64_t)sr.rows, sr.idxsum);
	}
	/* Reported as the server's path on the store (bench/report.sh). */
	print_query("query", "sqlite-prepare-each", n, &r);
	store_close(s);
	free(r.lat);
	return 0;
}

static int
cmd_query_sqlite(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	struct gen_query q;
	struct qresult r = { NULL, 0, 0 };
	const char *sql, *pragmas, *mode;
	size_t warm, n, j;
	int each, rows, rc;
	uint64_t idxsum;
	double t0;
	volatile const void *blob;

	if (argc != 5)
		die("usage: tbench query-sqlite DB WARM N each|once|store");
	if (strcmp(argv[4], "store") == 0)
		return query_store(argv[1], (size_t)arg_ll(argv[2], 0, 1000000),
		    (size_t)arg_ll(argv[3], 1, 1000000));
	warm = (size_t)arg_ll(argv[2], 0, 1000000);
	n = (size_t)arg_ll(argv[3], 1, 1000000);
	each = strcmp(argv[4], "each") == 0;
	r.lat = xmalloc(n * sizeof(*r.lat));
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY |
		SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		die("open %s: %s", argv[1], sqlite3_errmsg(db));
	/* The pragmas of store_sqlite.c sqlite_open. */
	sqlite3_exec(db, "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
	    NULL, NULL, NULL);
	/*
	 * Variants of the store that run.sh measures against the server's own
	 * statement: more pragmas, or another statement with the same eleven
	 * parameters in the same order.
	 */
	if ((pragmas = getenv("TBENCH_PRAGMAS")) != NULL &&
	    sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
		die("%s: %s", pragmas, sqlite3_errmsg(db));
	if ((sql = getenv("TBENCH_SQL")) == NULL)
		sql = server_sql;
	mode = getenv("TBENCH_MODE");
	explain_sqlite(db, sql);
	for (j = 0; j < warm + n; j++) {
		gen_query(j < warm ? 1000000 + j : j - warm, &q);
		t0 = clock_now_s();
		if (st == NULL && sqlite3_prepare_v2(db, sql, -1, &st, NULL) !=
				      SQLITE_OK)
			die("prepare: %s", sqlite3_errmsg(db));
		sqlite_bind_query(st, &q);
		rows = 0;
		idxsum = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (rows == QUERY_LIMIT)
				break; /* the server's "there is a next page" */
			idxsum += (uint64_t)sqlite3_column_int64(st, 0);
			blob = sqlite3_column_blob(st, 1);
			(void)blob;
			rows++;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			die("query: %s", sqlite3_errmsg(db));
		if (each) {
			sqlite3_finalize(st);
			st = NULL;
		} else
			sqlite3_reset(st);
		if (j < warm)
			continue;
		r.lat[j - warm] = clock_now_s() - t0;
		r.rows += (uint64_t)rows;
		r.idxsum += idxsum;
		trace_query(j - warm, (uint64_t)rows, idxsum);
	}
	print_query("query", mode ? mode : each ? "sqlite-prepare-each" :
	    "sqlite-prepared-once", n, &r);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(r.lat);
	return 0;
}

/*
 * plain: the query as the issue words it, for a table with a GiST index on
 * geom and a b-tree on time. range: the same rows through a GiST index over
 * (geom, int8range(t_from, t_to)), PostGIS's analogue of truce's R*Tree.
 */
static const char pg_sql_plain[] =
    "SELECT idx, entry FROM observation WHERE "
    "ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND "
    "t_to >= $5 AND t_from <= $6 AND category = $7 ORDER BY idx LIMIT $8";
static const char pg_sql_range[] =
    "SELECT idx, entry FROM observation WHERE "
    "ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND "
    "trange && int8range($5, $6, '[]') AND category = $7 "
    "ORDER BY idx LIMIT $8";

/* Shows how PostgreSQL ran the prepared statement for the last params. */
static void
explain_pg(PGconn *c, const char *const *params)
{
	char sql[1024], *lit;
	size_t n;
	int i;
	PGresult *res;

	n = (size_t)snprintf(sql, sizeof(sql),
	    "EXPLAIN (ANALYZE, BUFFERS) EXECUTE q(");
	for (i = 0; i < 8; i++) {
		if ((lit = PQescapeLiteral(c, params[i], strlen(params[i]))) ==
		    NULL)
			return;
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s",
		    i ? ", " : "", lit);
		PQfreemem(lit);
		if (n >= sizeof(sql))
			return;
	}
	snprintf(sql + n, sizeof(sql) - n, ")");
	res = PQexec(c, sql);
	fprintf(stderr, "tbench: %s\n", sql);
	for (i = 0; i < PQntuples(res); i++)
		fprintf(stderr, "  %s\n", PQgetvalue(res, i, 0));
	PQclear(res);
}

static int
cmd_query_pg(int argc, char **argv)
{
	PGconn *c;
	PGresult *res;
	struct gen_query q;
	struct qresult r = { NULL, 0, 0 };
	size_t warm, n, j;
	int range, rows, i;
	char from[24], to[24], lim[16], tmp[96], *p, *comma;
	const char *params[8];
	uint64_t idxsum;
	double t0;

	if (argc != 5)
		die("usage: tbench query-pg CONNINFO WARM N plain|range");
	warm = (size_t)arg_ll(argv[2], 0, 1000000);
	n = (size_t)arg_ll(argv[3], 1, 1000000);
	range = strcmp(argv[4], "range") == 0;
	r.lat = xmalloc(n * sizeof(*r.lat));
	c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK)
		die("connect: %s", PQerrorMessage(c));
	res = PQprepare(c, "q", range ? pg_sql_range : pg_sql_plain, 8, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("prepare: %s", PQerrorMessage(c));
	PQclear(res);
	snprintf(lim, sizeof(lim), "%d", QUERY_LIMIT + 1);
	for (j = 0; j < warm + n; j++) {
		gen_query(j < warm ? 1000000 + j : j - warm, &q);
		snprintf(tmp, sizeof(tmp), "%s", q.bbox);
		/* The bbox's four decimals, split in place. */
		for (p = tmp, i = 0; i < 4; i++) {
			params[i] = p;
			if ((comma = strchr(p, ',')) == NULL)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		snprintf(from, sizeof(from), "%lld", (long long)q.from_s * 1000);
		snprintf(to, sizeof(to), "%lld", (long long)q.to_s * 1000);
		params[4] = from;
		params[5] = to;
		params[6] = q.category;
		params[7] = lim;
		t0 = clock_now_s();
		res = PQexecPrepared(c, "q", 8, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			die("query: %s", PQerrorMessage(c));
		rows = PQntuples(res);
		if (rows > QUERY_LIMIT)
			rows = QUERY_LIMIT;
		idxsum = 0;
		for (i = 0; i < rows; i++) {
			idxsum += (uint64_t)strtoull(PQgetvalue(res, i, 0),
			    NULL, 10);
			(void)PQgetvalue(res, i, 1);
		}
		PQclear(res);
		if (j < warm)
			continue;
		r.lat[j - warm] = clock_now_s() - t0;
		r.rows += (uint64_t)rows;
		r.idxsum += idxsum;
		trace_query(j - warm, (uint64_t)rows, idxsum);
	}
	print_query("query", range ? "postgis-range" : "postgis-plain", n, &r);
	explain_pg(c, params);
	PQfinish(c);
	free(r.lat);
	return 0;
}

/* ---- the store's raw speed -------------------------------------------- */

struct row {
	int64_t idx, t_from, t_to, lat, lon, rt[6];
	int lat_null, member_null;
	char category[32], source_type[24], member[16];
	uint8_t id[32];
	char *entry;
	int entry_len;
};

static const char raw_schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
    "CREATE TABLE observation("
    "  idx INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
    "  t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  category TEXT NOT NULL, source_type TEXT NOT NULL, member TEXT,"
    "  lat_e7 INTEGER, lon_e7 INTEGER, entry BLOB NOT NULL) STRICT;"
    "CREATE VIRTUAL TABLE observation_rtree USING rtree_i32("
    "  idx, min_lon, max_lon, min_lat, max_lat, min_t, max_t);";

static void
copy_text(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

/* Reads the first max observations of store.db at path, in log order. */
static struct row *
read_rows(const char *path, size_t max, size_t *nrows)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct row *rows = NULL, *w;
	size_t n = 0, cap = 0;
	int k;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		die("open %s: %s", path, sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, "SELECT o.idx, o.id, o.t_from, o.t_to, "
		"o.category, o.source_type, o.member, o.lat_e7, o.lon_e7, "
		"o.entry, r.min_lon, r.max_lon, r.min_lat, r.max_lat, "
		"r.min_t, r.max_t FROM observation o JOIN observation_rtree r "
		"ON r.idx = o.idx ORDER BY o.idx", -1, &st, NULL) != SQLITE_OK)
		die("select: %s", sqlite3_errmsg(db));
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((rows = realloc(rows, cap * sizeof(*rows))) == NULL)
				die("out of memory");
		}
		w = &rows[n++];
		w->idx = sqlite3_column_int64(st, 0);
		memcpy(w->id, sqlite3_column_blob(st, 1), 32);
		w->t_from = sqlite3_column_int64(st, 2);
		w->t_to = sqlite3_column_int64(st, 3);
		copy_text(w->category, sizeof(w->category),
		    sqlite3_column_text(st, 4));
		copy_text(w->source_type, sizeof(w->source_type),
		    sqlite3_column_text(st, 5));
		w->member_null = sqlite3_column_type(st, 6) == SQLITE_NULL;
		copy_text(w->member, sizeof(w->member),
		    sqlite3_column_text(st, 6));
		w->lat_null = sqlite3_column_type(st, 7) == SQLITE_NULL;
		w->lat = sqlite3_column_int64(st, 7);
		w->lon = sqlite3_column_int64(st, 8);
		w->entry_len = sqlite3_column_bytes(st, 9);
		w->entry = xmalloc((size_t)w->entry_len + 1);
		memcpy(w->entry, sqlite3_column_blob(st, 9),
		    (size_t)w->entry_len);
		w->entry[w->entry_len] = '\0';
		for (k = 0; k < 6; k++)
			w->rt[k] = sqlite3_column_int64(st, 10 + k);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	*nrows = n;
	return rows;
}

static int
cmd_sqlite_raw(int argc, char **argv)
{
	struct row *rows, *w;
	size_t n, i;
	sqlite3 *db;
	sqlite3_stmt *ins, *rt;
	char path[4096];
	char *err = NULL;
	int full, k;
	double t0, t1;

	if (argc != 5)
		die("usage: tbench sqlite-raw SRC DST full|table ROWS");
	full = strcmp(argv[3], "full") == 0;
	rows = read_rows(argv[1], (size_t)arg_ll(argv[4], 1, INT32_MAX), &n);
	unlink(argv[2]);
	snprintf(path, sizeof(path), "%s-wal", argv[2]);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", argv[2]);
	unlink(path);
	if (sqlite3_open(argv[2], &db) != SQLITE_OK ||
	    sqlite3_exec(db, raw_schema, NULL, NULL, &err) != SQLITE_OK)
		die("create %s: %s", argv[2], err ? err : sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, "INSERT INTO observation VALUES"
		"(?,?,?,?,?,?,?,?,?,?)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO observation_rtree VALUES"
		"(?,?,?,?,?,?,?)", -1, &rt, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));
	t0 = clock_now_s();
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (i = 0; i < n; i++) {
		w = &rows[i];
		sqlite3_bind_int64(ins, 1, w->idx);
		sqlite3_bind_blob(ins, 2, w->id, 32, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, w->t_from);
		sqlite3_bind_int64(ins, 4, w->t_to);
		sqlite3_bind_text(ins, 5, w->category, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, w->source_type, -1, SQLITE_STATIC);
		if (w->member_null)
			sqlite3_bind_null(ins, 7);
		else
			sqlite3_bind_text(ins, 7, w->member, -1,
			    SQLITE_STATIC);
		if (w->lat_null) {
			sqlite3_bind_null(ins, 8);
			sqlite3_bind_null(ins, 9);
		} else {
			sqlite3_bind_int64(ins, 8, w->lat);
			sqlite3_bind_int64(ins, 9, w->lon);
		}
		sqlite3_bind_blob(ins, 10, w->entry, w->entry_len,
		    SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins);
		if (!full)
			continue;
		sqlite3_bind_int64(rt, 1, w->idx);
		for (k = 0; k < 6; k++)
			sqlite3_bind_int64(rt, 2 + k, w->rt[k]);
		if (sqlite3_step(rt) != SQLITE_DONE)
			die("insert rtree: %s", sqlite3_errmsg(db));
		sqlite3_reset(rt);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK)
		die("commit: %s", err);
	t1 = clock_now_s();
	printf("what=sqlite-raw mode=%s rows=%zu seconds=%.3f rows_per_s=%.0f\n",
	    full ? "table+rtree" : "table-only", n, t1 - t0,
	    (double)n / (t1 - t0));
	sqlite3_finalize(ins);
	sqlite3_finalize(rt);
	sqlite3_close(db);
	for (i = 0; i < n; i++)
		free(rows[i].entry);
	free(rows);
	return 0;
}

/* Writes s as one CSV field (RFC 4180 quoting). */
static void
csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_deg(FILE *f, int64_t e7)
{
	int64_t v = e7 < 0 ? -e7 : e7;

	fprintf(f, "%s%lld.%07lld", e7 < 0 ? "-" : "", (long long)(v / 10000000),
	    (long long)(v % 10000000));
}

static int
cmd_csv(int argc, char **argv)
{
	struct row *rows, *w;
	size_t n, i;
	int k;

	if (argc != 2)
		die("usage: tbench csv SRC");
	rows = read_rows(argv[1], SIZE_MAX, &n);
	for (i = 0; i < n; i++) {
		w = &rows[i];
		fprintf(stdout, "%lld,\\x", (long long)w->idx);
		for (k = 0; k < 32; k++)
			fprintf(stdout, "%02x", w->id[k]);
		fprintf(stdout, ",%lld,%lld,%s,%s,%s,", (long long)w->t_from,
		    (long long)w->t_to, w->category, w->source_type,
		    w->member_null ? "" : w->member);
		if (!w->lat_null) {
			fputs("SRID=4326;POINT(", stdout);
			csv_deg(stdout, w->lon);
			fputc(' ', stdout);
			csv_deg(stdout, w->lat);
			fputc(')', stdout);
		}
		fputc(',', stdout);
		csv_field(stdout, w->entry);
		fputc('\n', stdout);
		free(w->entry);
	}
	free(rows);
	return ferror(stdout) ? 1 : 0;
}

static int
cmd_sqlite_exec(int argc, char **argv)
{
	sqlite3 *db;
	char *err = NULL;
	double t0;

	if (argc != 3)
		die("usage: tbench sqlite-exec DB SQL");
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die("open %s: %s", argv[1], sqlite3_errmsg(db));
	t0 = clock_now_s();
	if (sqlite3_exec(db, "PRAGMA cache_size=-65536", NULL, NULL, &err) !=
		SQLITE_OK ||
	    sqlite3_exec(db, argv[2], NULL, NULL, &err) != SQLITE_OK)
		die("%s: %s", argv[1], err);
	printf("what=sqlite-exec seconds=%.3f\n", clock_now_s() - t0);
	sqlite3_close(db);
	return 0;
}

/* ---- describe --------------------------------------------------------- */

/* FNV-1a, 64 bits, over n bytes. */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t
words_digest(uint64_t h, const struct fusion_words *w)
{
	size_t i;

	for (i = 0; i < w->nzones; i++) {
		h = fnv(h, w->zone_layer[i], strlen(w->zone_layer[i]) + 1);
		h = fnv(h, w->zone[i], strlen(w->zone[i]) + 1);
	}
	h = fnv(h, w->primary_zone, strlen(w->primary_zone) + 1);
	h = fnv(h, &w->has_line, sizeof(w->has_line));
	h = fnv(h, w->line, strlen(w->line) + 1);
	h = fnv(h, &w->line_m, sizeof(w->line_m));
	h = fnv(h, w->line_side, strlen(w->line_side) + 1);
	return fnv(h, w->text, strlen(w->text) + 1);
}

/*
 * Positions of the benchmark's observations (half around settlements near
 * the line, half uniform over the region), each moved by less than 1e-7°
 * so that they are arbitrary doubles like an incident's weighted mean.
 */
static int
cmd_describe(int argc, char **argv)
{
	struct fusion_geography geo;
	struct fusion_words w;
	struct describe_result *full;
	struct geodesy_point p;
	struct layers *layers;
	struct fusion *f;
	struct gen_obs o;
	double *lat, *lon, c0, c1, c2, t0, t1;
	uint64_t h = 14695981039346656037ULL;
	char err[512];
	size_t i, n, fails = 0;

	if (argc != 4)
		die("usage: tbench describe DATADIR REGION N");
	n = (size_t)arg_ll(argv[3], 1, GEN_N);
	if ((layers = layers_load_region(argv[1], argv[2], err,
		 sizeof(err))) == NULL)
		die("%s", err);
	memset(&geo, 0, sizeof(geo));
	geo.gazetteer = layers_gazetteer(layers);
	geo.zones = layers_zones(layers, &geo.nzones);
	geo.lines = layers_lines(layers, &geo.nlines);
	if ((f = fusion_new(&geo)) == NULL)
		die("out of memory");
	lat = xmalloc(n * sizeof(*lat));
	lon = xmalloc(n * sizeof(*lon));
	for (i = 0; i < n; i++) {
		gen_observation(i, GEN_N, &o);
		lat[i] = o.lat_e7 / 1e7 +
		    (double)((i * 2654435761u) % 1000) * 1e-10;
		lon[i] = o.lon_e7 / 1e7 +
		    (double)((i * 40503u) % 1000) * 1e-10;
	}
	t0 = clock_now_s();
	c0 = clock_cpu_s();
	for (i = 0; i < n; i++) {
		if (fusion_describe(f, lat[i], lon[i], &w) == -1)
			fails++;
		h = words_digest(h, &w);
	}
	c1 = clock_cpu_s();
	t1 = clock_now_s();
	full = xmalloc(sizeof(*full));
	for (i = 0; i < n; i++) {
		p.lat = lat[i];
		p.lon = lon[i];
		if (describe_point(geo.gazetteer, geo.zones, geo.nzones,
			geo.lines, geo.nlines, &p, full, err, sizeof(err)) == -1)
			fails++;
	}
	c2 = clock_cpu_s();
	printf("what=describe region=%s positions=%zu failed=%zu "
	       "cpu_us_per_describe=%.2f wall_us_per_describe=%.2f "
	       "cpu_us_per_describe_point=%.2f digest=%016" PRIx64 "\n",
	    argv[2], n, fails, (c1 - c0) / (double)n * 1e6,
	    (t1 - t0) / (double)n * 1e6, (c2 - c1) / (double)n * 1e6, h);
	free(full);
	free(lat);
	free(lon);
	fusion_free(f);
	layers_free(layers);
	return fails ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "fsync", cmd_fsync }, { "ingest", cmd_ingest },
		{ "jsonl", cmd_jsonl }, { "query-http", cmd_query_http },
		{ "query-sqlite", cmd_query_sqlite },
		{ "query-pg", cmd_query_pg }, { "sqlite-raw", cmd_sqlite_raw },
		{ "csv", cmd_csv }, { "sqlite-exec", cmd_sqlite_exec },
		{ "describe", cmd_describe },
		{ "proofs", cmd_proofs },
	};
	size_t i;

	if (argc < 2)
		die("usage: tbench COMMAND ... (see bench/tbench.c)");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	die("unknown command '%s'", argv[1]);
}
