/*
 * pgnotify: the fan-out of bench/alerts through PostgreSQL LISTEN/NOTIFY,
 * the mechanism a team on PostgreSQL would reach for: one writer inserts
 * observations (jsonb rows) in batches at a paced rate, each insert
 * NOTIFYing its id in the same transaction (committed durably: the
 * defaults, synchronous_commit on); LISTENERS connections LISTEN and
 * record when each id arrives. Prints the latency from the writer's
 * acknowledged commit to each listener's receipt:
 *
 *   pgnotify CONNINFO RATE SECONDS BATCH LISTENERS
 *   what=pg-notify n=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. rate=..
 *
 * Bench code: built by bench/alerts/run.sh against libpq.
 */
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#define MAX_LISTENERS 64

static int64_t *ack_ns;	 /* by id */
static int64_t *recv_ns; /* by listener * nids + id */
static int64_t nids;
static volatile int writer_done;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static PGconn *
connect_or_die(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgnotify: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

static void
exec_or_die(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pgnotify: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

struct listen_arg {
	PGconn *c[MAX_LISTENERS];
	int n;
};

static void *
listener_main(void *p)
{
	struct listen_arg *a = p;
	struct pollfd pfd[MAX_LISTENERS];
	PGnotify *nf;
	int64_t t, id, idle_since = 0;
	int i;

	for (;;) {
		for (i = 0; i < a->n; i++) {
			pfd[i].fd = PQsocket(a->c[i]);
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)a->n, 100) == 0) {
			/* The writer is done and a second passed in silence. */
			if (writer_done && idle_since == 0)
				idle_since = mono_ns();
			if (idle_since && mono_ns() - idle_since > 1000000000)
				break;
			continue;
		}
		idle_since = 0;
		t = now_ns();
		for (i = 0; i < a->n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			PQconsumeInput(a->c[i]);
			while ((nf = PQnotifies(a->c[i])) != NULL) {
				id = strtoll(nf->extra, NULL, 10);
				if (id > 0 && id < nids &&
				    recv_ns[i * nids + id] == 0)
					recv_ns[i * nids + id] = t;
				PQfreemem(nf);
			}
		}
	}
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct listen_arg la;
	pthread_t lt;
	PGconn *w;
	PGresult *r;
	const char *params[1];
	char *buf;
	size_t off, cap;
	int64_t rate, seconds, batch, nb, k, b, id, t0, due, t, *lat, nlat = 0;
	int i, row;
	unsigned seed = 13;

	if (argc != 6) {
		fprintf(stderr,
		    "usage: pgnotify CONNINFO RATE SECONDS BATCH LISTENERS\n");
		return 2;
	}
	rate = strtoll(argv[2], NULL, 10);
	seconds = strtoll(argv[3], NULL, 10);
	batch = strtoll(argv[4], NULL, 10);
	la.n = (int)strtol(argv[5], NULL, 10);
	if (rate < 1 || seconds < 1 || batch < 1 || la.n < 1 ||
	    la.n > MAX_LISTENERS)
		return 2;
	nb = rate * seconds / batch;
	nids = nb * batch + 1;
	ack_ns = calloc((size_t)nids, sizeof(*ack_ns));
	recv_ns = calloc((size_t)nids * (size_t)la.n, sizeof(*recv_ns));
	cap = (size_t)batch * 400 + 16;
	buf = malloc(cap);
	if (ack_ns == NULL || recv_ns == NULL || buf == NULL)
		return 1;
	w = connect_or_die(argv[1]);
	exec_or_die(w, "DROP TABLE IF EXISTS obs");
	exec_or_die(w,
	    "CREATE TABLE obs (id bigserial PRIMARY KEY, entry jsonb NOT NULL)");
	for (i = 0; i < la.n; i++) {
		la.c[i] = connect_or_die(argv[1]);
		exec_or_die(la.c[i], "LISTEN obs");
	}
	if (pthread_create(&lt, NULL, listener_main, &la) != 0)
		return 1;
	t0 = mono_ns();
	for (k = 0; k < nb; k++) {
		due = t0 + k * batch * 1000000000 / rate;
		while ((t = mono_ns()) < due) {
			struct timespec ts = { 0, (long)(due - t) };

			nanosleep(&ts, NULL);
		}
		off = 0;
		buf[off++] = '[';
		for (b = 0; b < batch; b++)
			off += (size_t)snprintf(buf + off, cap - off,
			    "%s{\"observed_at\":\"2026-12-07T19:00:00Z\","
			    "\"source\":{\"type\":\"patrol\",\"member\":\"RU\","
			    "\"unit\":\"P-%u\"},\"category\":\"explosion\","
			    "\"location\":{\"lat\":%.6f,\"lon\":%.6f,"
			    "\"precision_m\":100}}",
			    b ? "," : "", rand_r(&seed),
			    39 + rand_r(&seed) / (double)RAND_MAX * 2,
			    46 + rand_r(&seed) / (double)RAND_MAX * 2);
		buf[off++] = ']';
		buf[off] = '\0';
		params[0] = buf;
		r = PQexecParams(w,
		    "WITH i AS (INSERT INTO obs (entry) SELECT e FROM "
		    "jsonb_array_elements($1::jsonb) e RETURNING id) "
		    "SELECT id, pg_notify('obs', id::text) FROM i",
		    1, NULL, params, NULL, NULL, 0);
		t = now_ns();
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "pgnotify: insert: %s",
			    PQerrorMessage(w));
			return 1;
		}
		for (row = 0; row < PQntuples(r); row++) {
			id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
			if (id > 0 && id < nids)
				ack_ns[id] = t;
		}
		PQclear(r);
	}
	t = mono_ns() - t0;
	writer_done = 1;
	pthread_join(lt, NULL);
	if ((lat = malloc((size_t)nids * (size_t)la.n * sizeof(*lat))) == NULL)
		return 1;
	for (i = 0; i < la.n; i++)
		for (id = 1; id < nids; id++)
			if (ack_ns[id] && recv_ns[i * nids + id])
				lat[nlat++] = recv_ns[i * nids + id] -
				    ack_ns[id];
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp64);
#define P(p) (nlat ? lat[(int64_t)((p) / 100.0 * (double)nlat) < nlat ? (int64_t)((p) / 100.0 * (double)nlat) : nlat - 1] / 1e6 : 0)
	printf("what=pg-notify n=%" PRId64 " expected=%" PRId64
	       " p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f "
	       "rate=%.0f\n",
	    nlat, (nids - 1) * la.n, P(50), P(90), P(99),
	    nlat ? lat[nlat - 1] / 1e6 : 0, (double)(nids - 1) * 1e9 / (double)t);
	for (i = 0; i < la.n; i++)
		PQfinish(la.c[i]);
	PQfinish(w);
	return 0;
}
