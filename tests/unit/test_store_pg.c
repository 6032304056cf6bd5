/*
 * The PostgreSQL + PostGIS backend (store/store_pg.c) against a real
 * cluster: TRUCE_TEST_PG_URL names a database of it (postgresql://
 * user@host:port/db, a superuser: the test creates and drops databases
 * beside it), or TRUCE_TEST_STORE the cluster (tests/lib/pg.sh's
 * postgresql://...:PORT/); neither set, the test is skipped. The same entries (observations
 * of every located and unlocated form, complaints, an analyst's merge and
 * split, fusion attached) are applied to a SQLite store and to PostgreSQL
 * stores, live (a commit per entry), replayed (one commit), resumed
 * (reopened, a transaction rolled back) and rebuilt (STORE_BULK: loaded
 * beside the store, closed unpublished, then published); every read the
 * API makes is
 * dumped and the dumps must be equal byte for byte. Then what is the
 * PostgreSQL backend's own: schema versions and migration at open,
 * read-only opens, scratch stores refused, rollback, reset, and a write
 * committed on one connection read on another.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "format/increcord.h"
#include "fusion/fusion.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/polygon.h"
#include "record/canon.h"
#include "record/decision.h"
#include "record/observation.h"
#include "store/store.h"
#include "tap.h"

#define NOW 1795875600000LL
#define NENT 24

static json_t *ent[NENT]; /* log index = position + 1 */
static char eid[NENT][OBSERVATION_ID_LEN + 1];
static size_t nent;
static char base[512];	    /* the cluster's URL up to a database name */
static char admin_url[600]; /* the database the test connects to */
/* The test's databases, named by its pid: runs may share a cluster. */
static char db_live[48], db_replay[48], db_resumed[48], db_schema[48];

/* The URL of database name on the test's cluster. */
static void
url_of(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", base, name);
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs sql on database db (NULL: the one TRUCE_TEST_PG_URL names): 0 when
 * it succeeds (a query: with a row), else -1. */
static int
admin(const char *db, const char *sql)
{
	char url[600];
	PGconn *c;
	PGresult *r;
	int rc;

	if (db != NULL)
		url_of(db, url, sizeof(url));
	c = PQconnectdb(db != NULL ? url : admin_url);
	if (PQstatus(c) != CONNECTION_OK) {
		diag("admin: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	r = PQexec(c, sql);
	/* A query answers 0 only with a row. */
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ||
		(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
	    ? 0
	    : -1;
	if (rc == -1)
		diag("admin: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return rc;
}

/* A fresh database name on the cluster. */
static int
fresh_db(const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	if (admin(NULL, sql) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	return admin(NULL, sql);
}

static void
drop_db(const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	admin(NULL, sql);
}

static void
queue_obs(const char *json)
{
	struct observation_error errs[4];
	json_t *in = json_loads(json, 0, NULL);
	size_t n, len;
	char *bytes;

	ent[nent] = observation_from_input(in, NOW, errs, 4, &n);
	if (ent[nent] == NULL)
		diag("invalid: %s %s", n ? errs[0].pointer : "",
		    n ? errs[0].message : "");
	else if (observation_encode(ent[nent], &bytes, &len, eid[nent]) == 0)
		free(bytes);
	json_decref(in);
	nent++;
}

static void
queue_entry(json_t *e)
{
	ent[nent] = e;
	eid[nent][0] = '\0';
	nent++;
}

/* Applies entries [from, to) in one transaction, committed or rolled
 * back. 0 or -1. */
static int
apply_entries(struct store *s, size_t from, size_t to, int commit)
{
	char *bytes;
	size_t i, len;
	int rc = 0;

	if (store_begin(s) == -1)
		return -1;
	for (i = from; i < to && rc == 0; i++) {
		if ((rc = canon_encode(ent[i], &bytes, &len)) == -1)
			break;
		rc = store_apply(s, (int64_t)i + 1, ent[i], bytes, len,
		    eid[i][0] ? eid[i] : NULL);
		free(bytes);
	}
	if (rc == -1 || !commit) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, (int64_t)to + 1);
}

#define OBS(t, type, unit, cat, cnt, loc)                                    \
	"{\"observed_at\":" t ",\"source\":{\"type\":\"" type "\","          \
	"\"member\":\"" unit "\",\"unit\":\"" unit "\"},\"category\":\"" cat \
	"\",\"count\":{\"value\":" cnt ",\"qualifier\":\"about\"},"          \
	"\"location\":" loc "}"

/* The entries: located, placed and unlocated observations, complaints,
 * a merge and a split. */
static void
make_entries(void)
{
	char ia[40], ib[40];
	struct decision_error derr[4];
	size_t nerr;
	json_t *in;

	queue_obs(OBS("\"2026-11-20T10:00:00Z\"", "observation_post", "RU",
	    "explosion", "10",
	    "{\"lat\":40.0,\"lon\":47.0,\"precision_m\":1000}"));
	queue_obs(OBS("\"2026-11-20T10:01:00Z\"", "camera", "TR", "explosion",
	    "10", "{\"lat\":40.001,\"lon\":47.001,\"precision_m\":500}"));
	queue_obs(OBS("\"2026-11-20T10:02:00Z\"", "patrol", "RU", "explosion",
	    "12",
	    "{\"place\":\"Agdam\",\"bearing_deg\":80,\"distance_m\":6000}"));
	queue_obs(OBS("\"2026-11-20T10:00:30Z\"", "observation_post", "TR",
	    "explosion", "3",
	    "{\"lat\":39.5,\"lon\":46.5,\"precision_m\":1000}"));
	queue_obs(
	    "{\"observed_at\":{\"from\":\"2026-11-20T09:30:00Z\",\"to\":"
	    "\"2026-11-20T11:00:00Z\"},\"source\":{\"type\":\"complaint\","
	    "\"organisation\":\"Side A\"},\"category\":\"explosion\","
	    "\"count\":{\"value\":40,\"qualifier\":\"at_least\"},"
	    "\"location\":{\"place\":\"Agdam\",\"bearing_deg\":80,"
	    "\"distance_m\":6000,\"distance_error_m\":3000}}");
	queue_obs(
	    "{\"observed_at\":{\"from\":\"2026-11-21T09:30:00Z\",\"to\":"
	    "\"2026-11-21T11:00:00Z\"},\"source\":{\"type\":\"complaint\","
	    "\"organisation\":\"Side B\"},\"category\":\"explosion\","
	    "\"location\":{\"place\":\"Agdam\",\"bearing_deg\":0,"
	    "\"distance_m\":1000}}");
	queue_obs(OBS("\"2026-11-20T10:00:00Z\"", "observation_post", "RU",
	    "burst_or_shot", "4", "{\"lat\":40.0,\"lon\":47.0}"));
	/* On the edges of the test's boxes, and far away. */
	queue_obs(OBS("\"2026-11-20T12:00:00Z\"", "observation_post", "TR",
	    "small_arms_fire", "1", "{\"lat\":40.5,\"lon\":47.5}"));
	queue_obs(OBS("\"2026-11-20T12:00:00.001Z\"", "camera", "RU",
	    "small_arms_fire", "2", "{\"lat\":-33.9,\"lon\":-70.6}"));
	queue_obs(OBS("{\"from\":\"2026-11-19T23:00:00Z\",\"to\":"
		      "\"2026-11-20T01:00:00Z\"}",
	    "patrol", "TR", "mine_or_uxo", "5",
	    "{\"place\":\"Agdam\",\"bearing_deg\":200,\"distance_m\":3000}"));
	snprintf(ia, sizeof(ia), "inc-%.24s", eid[0]);
	snprintf(ib, sizeof(ib), "inc-%.24s", eid[3]);
	in = json_pack("{s:s,s:s}", "with", ib, "reason", "same shelling");
	queue_entry(
	    decision_merge_from_input(ia, in, "alice", NOW, derr, 4, &nerr));
	json_decref(in);
	in = json_pack("{s:[s],s:s}", "observations", eid[1], "reason",
	    "another crater");
	queue_entry(
	    decision_split_from_input(ia, in, "alice", NOW, derr, 4, &nerr));
	json_decref(in);
	queue_obs(OBS("\"2026-11-20T10:01:30Z\"", "observation_post", "RU",
	    "explosion", "2",
	    "{\"lat\":39.5005,\"lon\":46.5005,"
	    "\"precision_m\":1000}"));
}

/* ---- the dump: every read, as text ---------------------------------- */

static int
dump_obs(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), id, 32);
	fprintf(ctx, "  obs %lld %s %zu %.*s\n", (long long)index,
	    id ? hex : "-", len, (int)len, entry);
	return 0;
}

static int
dump_inc(void *ctx, int64_t cursor, const json_t *rec)
{
	char *t = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);

	fprintf(ctx, "  inc %lld %s\n", (long long)cursor, t ? t : "?");
	free(t);
	return 0;
}

static int
dump_tally(void *ctx, const struct store_incident_tally *t)
{
	fprintf(ctx, "  tally %s %s %s %s %lld %lld\n", t->kind, t->category,
	    t->zone ? t->zone : "-", t->state, (long long)t->time_from_ms,
	    (long long)t->count);
	return 0;
}

static int
dump_key(void *ctx, int64_t index, const char *name)
{
	fprintf(ctx, "  key %lld %s\n", (long long)index, name);
	return 0;
}

static int
dump_event(void *ctx, const struct store_event_row *e)
{
	fprintf(ctx, "  event %lld %s %s %s\n", (long long)e->index, e->kind,
	    e->from ? e->from : "-", e->to ? e->to : "-");
	return 0;
}

struct idsum {
	int64_t n, sum;
};

static void
sum_id(void *ctx, const uint8_t id[32], int64_t index)
{
	struct idsum *s = ctx;

	s->n++;
	s->sum += index * id[0];
}

/* Counts an observation query's rows and sums their indexes (idsum). */
static int
count_obs(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct idsum *s = ctx;

	(void)entry;
	(void)len;
	(void)id;
	s->n++;
	s->sum += index;
	return 0;
}

/* An observation query: bbox (degrees * 1e7, or none), times, one
 * category, member, cursor, limit. */
static void
q_obs(FILE *f, struct store *s, int bbox, int64_t a, int64_t b, int64_t c,
    int64_t d, int64_t from, int64_t to, const char *cat, const char *member,
    int64_t after, int limit)
{
	struct store_query q;

	store_query_init(&q);
	if (bbox) {
		q.has_bbox = 1;
		q.min_lon_e7 = a;
		q.min_lat_e7 = b;
		q.max_lon_e7 = c;
		q.max_lat_e7 = d;
	}
	q.from_ms = from;
	q.to_ms = to;
	if (cat != NULL)
		q.categories[q.ncategories++] = cat;
	q.member = member;
	q.after_index = after;
	q.limit = limit;
	fprintf(f, "query %d %lld %lld %lld %lld %lld %lld %s %s %lld %d\n",
	    bbox, (long long)a, (long long)b, (long long)c, (long long)d,
	    (long long)from, (long long)to, cat ? cat : "-",
	    member ? member : "-", (long long)after, limit);
	if (store_query_observations(s, &q, dump_obs, f) == -1)
		fprintf(f, "  error\n");
}

static void
q_inc(FILE *f, struct store *s, int brief, int bbox, int64_t from, int64_t to,
    const char *cat, const char *zone, int64_t after, int limit)
{
	struct store_incident_query q;

	store_incident_query_init(&q);
	q.brief = brief;
	if (bbox) {
		q.has_bbox = 1;
		q.min_lon_e7 = 469000000;
		q.min_lat_e7 = 399000000;
		q.max_lon_e7 = 471000000;
		q.max_lat_e7 = 401000000;
	}
	q.from_ms = from;
	q.to_ms = to;
	if (cat != NULL)
		q.categories[q.ncategories++] = cat;
	q.zone = zone;
	q.after = after;
	q.limit = limit;
	fprintf(f, "incidents %d %d %lld %lld %s %s %lld %d\n", brief, bbox,
	    (long long)from, (long long)to, cat ? cat : "-", zone ? zone : "-",
	    (long long)after, limit);
	if (increcord_query(s, &q, dump_inc, f) == -1)
		fprintf(f, "  error\n");
}

static int
vis_part(void *ctx, const char *id, int complaint, int linked, const char *note,
    const char *org)
{
	fprintf(ctx, "    part %s %d %d %s %s\n", id, complaint, linked,
	    note ? note : "-", org ? org : "-");
	return 0;
}

static int
vis_text(void *ctx, const char *text)
{
	fprintf(ctx, "    text %s\n", text);
	return 0;
}

static int
vis_zone(void *ctx, const char *layer, const char *zone)
{
	fprintf(ctx, "    zone %s %s\n", layer, zone);
	return 0;
}

static int
vis_decision(void *ctx, int64_t index, int applied, const char *message)
{
	fprintf(ctx, "    decision %lld %d %s\n", (long long)index, applied,
	    message ? message : "-");
	return 0;
}

/* In a listing's callback (in_page): every incident's parts, the row's
 * own from the page's reads, the others' read one by one. */
struct in_page {
	FILE *f;
	const char *ids; /* one a line */
	struct store *s;
};

static int
in_page(void *ctx, const struct store_incident_row *row)
{
	struct store_incident_visit v = { vis_part, vis_text, vis_text,
		vis_zone, vis_decision };
	struct in_page *p = ctx;
	const char *line, *end;
	char id[80];

	fprintf(p->f, "  page row %s\n", row->inc->id);
	for (line = p->ids; line != NULL && *line != '\0'; line = end) {
		end = strchr(line, '\n');
		snprintf(id, sizeof(id), "%.*s",
		    (int)(end != NULL ? end - line : (long)strlen(line)), line);
		end = end != NULL ? end + 1 : NULL;
		fprintf(p->f, "   parts %s\n", id);
		if (store_incident_parts(p->s, id, &v, p->f) == -1)
			fprintf(p->f, "   error\n");
	}
	return 0;
}

/* Pages of one and of three rows: every incident's parts asked inside
 * the listing, on the page and off it. */
static void
dump_in_page(FILE *f, struct store *s, const char *ids)
{
	struct in_page p = { f, ids, s };
	struct store_incident_query q;

	store_incident_query_init(&q);
	q.limit = 1;
	fprintf(f, "in page 1\n");
	if (store_query_incidents(s, &q, in_page, &p) == -1)
		fprintf(f, "  error\n");
	q.after = 1;
	q.limit = 3;
	fprintf(f, "in page 3\n");
	if (store_query_incidents(s, &q, in_page, &p) == -1)
		fprintf(f, "  error\n");
}

static int
collect_id(void *ctx, int64_t index, const char *name)
{
	(void)index;
	fprintf(ctx, "%s\n", name);
	return 0;
}

/* Every read of s, as text (caller frees). */
static char *
dump_store(struct store *s)
{
	char *text = NULL, *ids = NULL, *line, *next, inc[64], *entry;
	size_t len = 0, idlen = 0, elen;
	FILE *f = open_memstream(&text, &len), *fi;
	int64_t n = -1, m = -1, idx;
	struct idsum sum = { 0, 0 };
	int k, created;
	size_t i;

	if (f == NULL)
		return NULL;
	store_count_observations(s, &n);
	store_count_incidents(s, &m);
	store_observation_ids(s, sum_id, &sum);
	fprintf(f, "counts %lld %lld ids %lld %lld\n", (long long)n,
	    (long long)m, (long long)sum.n, (long long)sum.sum);
	q_obs(f, s, 0, 0, 0, 0, 0, INT64_MIN, INT64_MAX, NULL, NULL, -1, 100);
	q_obs(f, s, 0, 0, 0, 0, 0, INT64_MIN, INT64_MAX, NULL, NULL, 3, 2);
	/* Edges inclusive; the world's box finds the unlocated forms. */
	q_obs(f, s, 1, 470000000, 400000000, 475000000, 405000000, INT64_MIN,
	    INT64_MAX, NULL, NULL, -1, 100);
	q_obs(f, s, 1, 470000001, 400000000, 475000000, 405000000, INT64_MIN,
	    INT64_MAX, NULL, NULL, -1, 100);
	q_obs(f, s, 1, -1800000000, -900000000, 1800000000, 900000000,
	    INT64_MIN, INT64_MAX, NULL, NULL, -1, 100);
	q_obs(f, s, 1, -1800000000, -900000000, 1799999999, 900000000,
	    INT64_MIN, INT64_MAX, NULL, NULL, -1, 100);
	/* Overlaps, to the millisecond. */
	q_obs(f, s, 0, 0, 0, 0, 0, 1795687200001LL, INT64_MAX, NULL, NULL, -1,
	    100);
	q_obs(f, s, 0, 0, 0, 0, 0, 1795687200000LL, 1795687200000LL, NULL, NULL,
	    -1, 100);
	q_obs(f, s, 0, 0, 0, 0, 0, INT64_MIN, 1795655000000LL, NULL, NULL, -1,
	    100);
	q_obs(f, s, 0, 0, 0, 0, 0, 1795690000000LL, 1795600000000LL, NULL, NULL,
	    -1, 100);
	q_obs(f, s, 1, 460000000, 390000000, 480000000, 410000000,
	    1795680000000LL, 1795690000000LL, "explosion", NULL, -1, 100);
	q_obs(f, s, 0, 0, 0, 0, 0, INT64_MIN, INT64_MAX, "small_arms_fire",
	    "RU", -1, 100);
	q_inc(f, s, 0, 0, INT64_MIN, INT64_MAX, NULL, NULL, -1, 1000);
	q_inc(f, s, 1, 0, INT64_MIN, INT64_MAX, NULL, NULL, -1, 1000);
	q_inc(f, s, 0, 1, INT64_MIN, INT64_MAX, NULL, NULL, -1, 1000);
	q_inc(f, s, 1, 0, 1795680000000LL, 1795684000000LL, "explosion", NULL,
	    -1, 1000);
	q_inc(f, s, 0, 0, INT64_MIN, INT64_MAX, NULL, "Zone A", -1, 1000);
	q_inc(f, s, 0, 0, INT64_MIN, INT64_MAX, NULL, NULL, 2, 2);
	fprintf(f, "tallies\n");
	store_incident_tallies(s, 0, INT64_MAX, NULL, dump_tally, f);
	for (k = 0; k < STORE_KEYS_NKINDS; k++) {
		fprintf(f, "keys %d\n", k);
		store_state_keys(s, k, 0, 1000, dump_key, f);
	}
	for (idx = 0; idx <= (int64_t)nent + 1; idx++) {
		k = store_observation_incident(s, idx, inc, sizeof(inc),
		    &created);
		fprintf(f, "placed %lld %d %s %d\n", (long long)idx, k,
		    k == 1 ? inc : "-", k == 1 ? created : 0);
	}
	for (i = 0; i < nent; i++) {
		if (eid[i][0] == '\0')
			continue;
		entry = NULL;
		k = store_find_observation(s, eid[i], &idx, &entry, &elen);
		fprintf(f, "find %s %d %lld %zu\n", eid[i], k,
		    (long long)(k == 1 ? idx : 0), k == 1 ? elen : 0);
		free(entry);
	}
	if ((fi = open_memstream(&ids, &idlen)) != NULL) {
		store_state_keys(s, STORE_KEYS_INCIDENTS, 0, 1000, collect_id,
		    fi);
		fclose(fi);
	}
	dump_in_page(f, s, ids);
	for (line = ids; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		fprintf(f, "history %s (exists %d)\n", line,
		    store_incident_exists(s, line));
		store_history(s, line, dump_event, f);
	}
	free(ids);
	fclose(f);
	return text;
}

/* ---- fusion's geography, as test_store.c's ---------------------------- */

static struct gazetteer *gaz;
static struct polygon_layer *zl;

static struct fusion *
make_fusion(void)
{
	struct gazetteer_place tp;
	struct geodesy_point ring[4] = { { 39.9, 46.9 }, { 39.9, 47.1 },
		{ 40.1, 47.1 }, { 40.1, 46.9 } };
	const struct geodesy_point *rings[1] = { ring };
	size_t counts[1] = { 4 }, zone;
	static const struct polygon_layer *zones[1];
	struct fusion_geography geo;
	char err[200];

	gaz = gazetteer_new();
	zl = polygon_layer_new("areas");
	memset(&tp, 0, sizeof(tp));
	tp.name = "Agdam";
	tp.country = "AZ";
	tp.lat = 39.99;
	tp.lon = 46.93;
	tp.population = 40000;
	gazetteer_add(gaz, &tp, NULL, err, sizeof(err));
	polygon_layer_add_zone(zl, "Zone A", &zone, err, sizeof(err));
	polygon_layer_add_polygon(zl, zone, rings, counts, 1, err, sizeof(err));
	zones[0] = zl;
	memset(&geo, 0, sizeof(geo));
	geo.gazetteer = gaz;
	geo.zones = zones;
	geo.nzones = 1;
	return fusion_new(&geo);
}

/* Diagnoses the first line where a and b differ. */
static void
first_difference(const char *a, const char *b)
{
	size_t i = 0, line = 0, start = 0;

	if (a == NULL || b == NULL)
		return;
	while (a[i] != '\0' && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	start = i - start > 80 ? i - 80 : start;
	diag("first difference on line %zu:", line + 1);
	diag("  sqlite:     %.160s", a + start);
	diag("  postgresql: %.160s", b + start);
}

static void
equivalence(const char *dir)
{
	struct fusion *f = make_fusion();
	struct store *sq, *live, *replay, *resumed, *ro;
	char path[512], url[600], sql[160], *want, *got;
	int64_t applied = -1;
	size_t i;

	make_entries();
	for (i = 0; i < nent; i++)
		if (ent[i] == NULL)
			diag("entry %zu is missing", i);

	snprintf(path, sizeof(path), "%s/store.db", dir);
	sq = store_open("sqlite", path, 0);
	store_set_fusion(sq, f);
	ok(sq != NULL && apply_entries(sq, 0, nent, 1) == 0,
	    "sqlite: %zu entries applied", nent);
	want = sq != NULL ? dump_store(sq) : NULL;
	ok(want != NULL && strstr(want, "inc ") != NULL &&
		strstr(want, "obs ") != NULL && strstr(want, "event ") != NULL,
	    "sqlite: the dump holds observations, incidents and trails (%zu "
	    "bytes)",
	    want ? strlen(want) : 0);

	/* Live: one commit per entry, through the store's URI as
	 * truce.conf names it. */
	url_of(db_live, url, sizeof(url));
	live = store_open(url, "ignored", 0);
	ok(live != NULL, "postgresql: opens by its URI");
	store_set_fusion(live, f);
	for (i = 0; live != NULL && i < nent; i++)
		if (apply_entries(live, i, i + 1, 1) == -1)
			break;
	if (live == NULL || store_applied_size(live, &applied) == -1)
		applied = -1;
	ok(i == nent && applied == (int64_t)nent + 1,
	    "postgresql: live, a commit per entry (applied %lld)",
	    (long long)applied);
	got = live != NULL ? dump_store(live) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0,
	    "postgresql (live) reads as sqlite does, byte for byte");
	if (want != NULL && got != NULL && strcmp(want, got) != 0)
		first_difference(want, got);

	/* A write that fails (an observation's id twice) fails its
	 * transaction, though writes are sent without waiting (pipelined):
	 * at the latest the commit says so, and nothing of it stays. */
	if (live != NULL && store_begin(live) == 0) {
		char *bytes;
		size_t blen;
		int r1 = -1, r2 = -1;
		int64_t nobs = -1;

		if (canon_encode(ent[0], &bytes, &blen) == 0) {
			r1 = store_apply(live, 1000, ent[0], bytes, blen,
			    eid[0]);
			free(bytes);
		}
		r2 = r1 == 0 ? store_commit(live, 1001) : -1;
		if (r2 == -1)
			store_rollback(live);
		applied = -1;
		store_applied_size(live, &applied);
		store_count_observations(live, &nobs);
		free(got);
		ok(r2 == -1 && applied == (int64_t)nent + 1 && nobs == 11,
		    "postgresql: a failed write fails its transaction (apply "
		    "%d, commit %d, applied %lld)",
		    r1, r2, (long long)applied);
		got = dump_store(live);
		ok(want != NULL && got != NULL && strcmp(want, got) == 0,
		    "... and leaves the store as it was");
		free(got);
		got = NULL;
	}

	/* The server closes the connection (a restart, an administrator):
	 * the next read connects again. */
	if (live != NULL) {
		int64_t nobs = -1;

		char kill[160];

		snprintf(kill, sizeof(kill),
		    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		    "WHERE datname = '%s'",
		    db_live);
		ok(admin(NULL, kill) == 0 &&
			store_count_observations(live, &nobs) == 0 &&
			nobs == 11,
		    "postgresql: a connection the server closed is opened "
		    "again");
		got = dump_store(live);
		ok(want != NULL && got != NULL && strcmp(want, got) == 0,
		    "... and reads the same (statements prepared again)");
		free(got);
		got = NULL;
	}

	/* More query shapes than a connection prepares (PG_MAX_SHAPES,
	 * 32): the rest run unprepared, with the same rows. */
	if (live != NULL) {
		struct store_query q;
		struct idsum first[3], got_sum;
		const char *member[3] = { NULL, "RU", "TR" };
		int k, m, same = 1, nshapes = 0;

		for (m = 0; m < 3; m++)
			for (k = 1; k <= STORE_MAX_CATEGORIES; k++) {
				store_query_init(&q);
				q.limit = 1000;
				q.member = member[m];
				for (q.ncategories = 0;
				     q.ncategories < (size_t)k; q.ncategories++)
					q.categories[q.ncategories] =
					    "explosion";
				got_sum.n = got_sum.sum = 0;
				if (store_query_observations(live, &q,
					count_obs, &got_sum) == -1)
					same = 0;
				if (k == 1)
					first[m] = got_sum;
				else if (got_sum.n != first[m].n ||
				    got_sum.sum != first[m].sum)
					same = 0;
				nshapes++;
			}
		ok(same && first[0].n > 0,
		    "postgresql: %d query shapes, past the 32 prepared: the "
		    "same rows (%lld observations)",
		    nshapes, (long long)first[0].n);
	}

	ok(admin(db_live,
	       "SELECT 1 FROM incident_layer WHERE category = 'explosion' AND "
	       "kind = 'observed' AND state = 'received' AND zone = 'Zone A' "
	       "AND time_from <= time_to") == 0,
	    "postgresql: incident_layer shows a located incident by names");

	/* A write committed on one connection is read on another. */
	ro = store_open("postgresql", url, STORE_READONLY);
	applied = -1;
	ok(ro != NULL && store_applied_size(ro, &applied) == 0 &&
		applied == (int64_t)nent + 1,
	    "postgresql: a read-only connection sees the committed size");
	free(got);
	got = ro != NULL ? dump_store(ro) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0,
	    "... and reads the same");
	store_close(ro);
	free(got);

	url_of(db_replay, url, sizeof(url));
	replay = store_open("postgresql", url, 0);
	store_set_fusion(replay, f);
	ok(replay != NULL && apply_entries(replay, 0, nent, 1) == 0,
	    "postgresql: replay in one transaction");
	got = replay != NULL ? dump_store(replay) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0,
	    "postgresql (replay) reads as sqlite does");
	if (want != NULL && got != NULL && strcmp(want, got) != 0)
		first_difference(want, got);
	free(got);

	/* Reset empties it; replayed again it reads the same. */
	ok(replay != NULL && store_begin(replay) == 0 &&
		store_reset(replay) == 0 && store_commit(replay, 0) == 0 &&
		store_applied_size(replay, &applied) == 0 && applied == 0,
	    "postgresql: reset");
	store_close(replay);
	replay = store_open("postgresql", url, 0);
	store_set_fusion(replay, f);
	ok(replay != NULL && apply_entries(replay, 0, nent, 1) == 0,
	    "postgresql: replay after reset");
	got = replay != NULL ? dump_store(replay) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0,
	    "... reads as sqlite does (cursors start again)");
	free(got);
	store_close(replay);

	/* A rebuild (STORE_BULK): loaded beside the store, which reads as
	 * before until store_bulk_publish swaps the new tables in; one
	 * closed before that leaves the store and nothing else. */
	snprintf(sql, sizeof(sql),
	    "SELECT 1 FROM truce_rebuild.meta WHERE key = 'applied_size' AND "
	    "value = %zu",
	    nent / 2 + 1);
	replay = store_open("postgresql", url, STORE_BULK);
	store_set_fusion(replay, f);
	ok(replay != NULL && apply_entries(replay, 0, nent / 2, 1) == 0 &&
		admin(db_replay, sql) == 0,
	    "postgresql: a rebuild loads half beside the store");
	store_close(replay);
	replay = store_open("postgresql", url, STORE_READONLY);
	got = replay != NULL ? dump_store(replay) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0 &&
		admin(db_replay,
		    "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_namespace "
		    "WHERE nspname LIKE 'truce\\_%')") == 0,
	    "... closed unpublished: the store as it was, the load dropped");
	free(got);
	store_close(replay);
	replay = store_open("postgresql", url, STORE_BULK);
	store_set_fusion(replay, f);
	ok(replay != NULL && apply_entries(replay, 0, nent, 1) == 0 &&
		store_bulk_publish(replay) == 0,
	    "postgresql: a rebuild loaded and published");
	store_close(replay);
	replay = store_open("postgresql", url, STORE_READONLY);
	got = replay != NULL ? dump_store(replay) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0 &&
		admin(db_replay,
		    "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_namespace "
		    "WHERE nspname LIKE 'truce\\_%')") == 0,
	    "... reads as sqlite does, the old tables dropped");
	if (want != NULL && got != NULL && strcmp(want, got) != 0)
		first_difference(want, got);
	free(got);
	store_close(replay);

	/* Resumed: half, reopened (fusion's book from the tables), a
	 * transaction rolled back, then the rest. */
	url_of(db_resumed, url, sizeof(url));
	resumed = store_open("postgresql", url, 0);
	store_set_fusion(resumed, f);
	ok(resumed != NULL && apply_entries(resumed, 0, nent / 2, 1) == 0,
	    "postgresql: half applied");
	store_close(resumed);
	resumed = store_open("postgresql", url, 0);
	store_set_fusion(resumed, f);
	ok(resumed != NULL && store_prepare_fusion(resumed) == 0,
	    "postgresql: fusion's book loads from the tables");
	ok(resumed != NULL && apply_entries(resumed, nent / 2, nent, 0) == 0 &&
		store_applied_size(resumed, &applied) == 0 &&
		applied == (int64_t)nent / 2 + 1,
	    "postgresql: a transaction rolled back changes nothing");
	ok(resumed != NULL && apply_entries(resumed, nent / 2, nent, 1) == 0,
	    "postgresql: the rest applied");
	got = resumed != NULL ? dump_store(resumed) : NULL;
	ok(want != NULL && got != NULL && strcmp(want, got) == 0,
	    "postgresql (resumed) reads as sqlite does");
	if (want != NULL && got != NULL && strcmp(want, got) != 0)
		first_difference(want, got);
	free(got);
	store_close(resumed);
	store_close(live);
	store_close(sq);
	free(want);
	fusion_free(f);
	polygon_layer_free(zl);
	gazetteer_free(gaz);
	for (i = 0; i < nent; i++)
		json_decref(ent[i]);
}

struct states_seen {
	int n;
	char text[200];
};

static int
seen_state(void *ctx, const struct store_state_row *row)
{
	struct states_seen *st = ctx;
	size_t used = strlen(st->text);

	st->n++;
	snprintf(st->text + used, sizeof(st->text) - used, "%s=%s ",
	    row->incident, row->state);
	return 0;
}

static void
schema(void)
{
	char url[600];
	struct store *s;

	url_of(db_schema, url, sizeof(url));
	s = store_open("postgresql", url, STORE_READONLY);
	ok(s == NULL, "read-only: a database without the schema is refused");
	s = store_open("postgresql", url, 0);
	ok(s != NULL, "a writer creates the schema (version 3)");
	store_close(s);
	ok(admin(db_schema,
	       "SELECT 1 FROM meta WHERE key = 'schema_version' AND value = "
	       "3") == 0,
	    "meta.schema_version is 3");
	s = store_open("postgresql", url, STORE_READONLY);
	ok(s != NULL, "read-only: a store of this version opens");
	store_close(s);
	ok(admin(db_schema,
	       "UPDATE meta SET value = 99 WHERE key = "
	       "'schema_version'") == 0 &&
		(s = store_open("postgresql", url, 0)) == NULL,
	    "a store of a newer schema version is refused");
	store_close(s);
	s = store_open("postgresql", url, STORE_READONLY);
	ok(s == NULL, "... also read-only");
	store_close(s);
	ok(admin(db_schema,
	       "UPDATE meta SET value = 3 WHERE key = "
	       "'schema_version'") == 0 &&
		(s = store_open("postgresql", url, 0)) != NULL,
	    "and opens again at its version");
	store_close(s);
	/* A store of version 1 (before the layers' views) is migrated in
	 * place by a writer, and only by a writer. */
	admin(db_schema,
	    "DROP VIEW incident_layer, observation_layer; DROP TABLE "
	    "incident_category, alert_rule; UPDATE meta SET value = 1 WHERE "
	    "key = 'schema_version'; UPDATE meta SET value = 5 WHERE key = "
	    "'applied_size'");
	s = store_open("postgresql", url, STORE_READONLY);
	ok(s == NULL, "read-only: a store of version 1 is refused");
	store_close(s);
	s = store_open("postgresql", url, 0);
	ok(s != NULL &&
		admin(db_schema,
		    "SELECT 1 FROM meta WHERE key = 'schema_version' AND "
		    "value = 3") == 0 &&
		admin(db_schema, "SELECT count(*) FROM incident_layer") == 0 &&
		admin(db_schema, "SELECT count(*) FROM alert_rule") == 0 &&
		admin(db_schema,
		    "SELECT 1 FROM meta WHERE key = 'applied_size' AND value "
		    "= 0") == 0,
	    "a writer migrates version 1 to 3 (the views made, the alert "
	    "rules' table, applied_size 0: the log is applied again)");
	store_close(s);
	ok(admin(db_schema,
	       "SELECT 1 FROM pg_indexes WHERE indexname = "
	       "'observation_cat_time_geom' AND indexdef LIKE '%gist "
	       "(category, trange, geom)%'") == 0,
	    "observations: GiST(category, trange, geom)");
	ok(admin(db_schema,
	       "SELECT count(*) FROM geometry_columns WHERE type = "
	       "'POINT' AND srid = 4326 AND f_table_name IN ('observation', "
	       "'incident') HAVING count(*) = 2") == 0,
	    "observation and incident are PostGIS layers (Point, 4326)");
	ok(admin(db_schema,
	       "SELECT count(*) FROM geometry_columns WHERE f_table_name IN "
	       "('observation_layer', 'incident_layer') HAVING count(*) = "
	       "2") == 0 &&
		admin(db_schema,
		    "SELECT 1 FROM incident_category WHERE code = 0 AND name = "
		    "'explosion'") == 0,
	    "the layers' views, with fusion's categories named");
	/* The state rows of a list of incidents: one statement, ids quoted
	 * into a text[] whatever they hold. */
	{
		const char *ids[4] = { "a\"b\\c", "nope", "d,e}", "a" };
		struct states_seen st = { 0, "" };

		ok(admin(db_schema,
		       "INSERT INTO incident_state(incident, state, tier, "
		       "since_idx, since_ms) VALUES ('a\"b\\c', 'closed', 0, "
		       "1, 2), ('d,e}', 'disputed', 1, 3, 4), ('x', "
		       "'closed', 0, 5, 6)") == 0 &&
			(s = store_open("postgresql", url, 0)) != NULL &&
			store_incident_states_of(s, ids, 4, seen_state, &st) ==
			    0,
		    "states of a list read");
		ok(st.n == 2 && strstr(st.text, "a\"b\\c=closed ") &&
			strstr(st.text, "d,e}=disputed "),
		    "... the two of the list with a state, ids whole (%s)",
		    st.text);
		store_close(s);
	}
	s = store_open("postgresql", url, STORE_SCRATCH);
	ok(s == NULL, "a scratch store is SQLite's only");
	store_close(s);
	s = store_open("postgresql://nobody@127.0.0.1:1/none", "", 0);
	ok(s == NULL, "an unreachable server: NULL, not a crash");
	ok(store_pg_uri("postgresql://u@h/d") && store_pg_uri("postgres://h") &&
		!store_pg_uri("sqlite") && !store_pg_uri("postgresql:/x"),
	    "URIs: postgresql:// and postgres://");
	ok(store_kind_is_file("sqlite") &&
		!store_kind_is_file("postgresql://u@h/d") &&
		!store_kind_is_file("postgresql"),
	    "SQLite's store is a file, PostgreSQL's is not");
}

int
main(void)
{
	const char *const dbs[] = { db_live, db_replay, db_resumed, db_schema,
		NULL };
	const char *url = getenv("TRUCE_TEST_PG_URL"), *slash;
	const char *cluster = getenv("TRUCE_TEST_STORE");
	char tmpl[] = "/tmp/truce-store-pg.XXXXXX", *dir;
	size_t i;

	/* TRUCE_TEST_PG_URL names a database; or TRUCE_TEST_STORE a cluster
	 * (tests/lib/pg.sh: postgresql://...:PORT/, no database). */
	if ((url == NULL || *url == '\0') && cluster != NULL &&
	    store_pg_uri(cluster) && strlen(cluster) < sizeof(base) &&
	    cluster[strlen(cluster) - 1] == '/') {
		snprintf(base, sizeof(base), "%s", cluster);
		snprintf(admin_url, sizeof(admin_url), "%spostgres", base);
	} else if (url == NULL || *url == '\0') {
		printf("1..0 # SKIP neither TRUCE_TEST_PG_URL nor "
		       "TRUCE_TEST_STORE names a PostgreSQL cluster\n");
		return 0;
	} else if ((slash = strrchr(url, '/')) == NULL ||
	    strchr(url, '?') != NULL ||
	    (size_t)(slash - url + 1) >= sizeof(base) ||
	    strlen(url) >= sizeof(admin_url)) {
		printf("1..0 # SKIP TRUCE_TEST_PG_URL is not "
		       "postgresql://user@host:port/db\n");
		return 0;
	} else {
		snprintf(base, sizeof(base), "%.*s", (int)(slash - url + 1),
		    url);
		snprintf(admin_url, sizeof(admin_url), "%s", url);
	}
	snprintf(db_live, sizeof(db_live), "truce_t%d_live", (int)getpid());
	snprintf(db_replay, sizeof(db_replay), "truce_t%d_replay",
	    (int)getpid());
	snprintf(db_resumed, sizeof(db_resumed), "truce_t%d_resumed",
	    (int)getpid());
	snprintf(db_schema, sizeof(db_schema), "truce_t%d_schema",
	    (int)getpid());
	for (i = 0; dbs[i] != NULL; i++)
		if (fresh_db(dbs[i]) == -1) {
			printf("Bail out! cannot create database %s\n", dbs[i]);
			return 1;
		}
	dir = mkdtemp(tmpl);
	schema();
	equivalence(dir);
	for (i = 0; dbs[i] != NULL; i++)
		drop_db(dbs[i]);
	return done_testing();
}
