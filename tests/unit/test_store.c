/*
 * The store suite: the same assertions run against every backend
 * (STYLE.md rule 11): sqlite, and PostgreSQL when TRUCE_TEST_STORE names
 * a cluster (tests/integration/store_suite.t). Covers apply, commit,
 * applied size, lookup by id, and the query semantics (bbox edges
 * inclusive, time-window overlap, categories, source, member, cursor
 * paging, unlocated forms); and the incidents fusion keeps on the apply
 * path: records, complaint links, merge and split entries, the incident
 * filters (bbox, time, category, zone, cursor), the same incidents live
 * (many commits) and on replay (one), the same as the in-memory book, and
 * reset; and SQLite's bulk and scratch stores, whose secondary indexes and
 * R*Trees are built after the load.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "format/increcord.h"
#include "fusion/fusion.h"
#include "fusion/incident_set.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/polygon.h"
#include "record/canon.h"
#include "record/decision.h"
#include "record/observation.h"
#include "store/store.h"
#include "tap.h"

#define NOW 1795875600000LL

static char ids[64][OBSERVATION_ID_LEN + 1];

static int
add(struct store *s, int64_t index, const char *json)
{
	struct observation_error errs[4];
	json_t *in = json_loads(json, 0, NULL), *entry;
	size_t n, len;
	char *bytes;
	int rc = -1;

	entry = observation_from_input(in, NOW, errs, 4, &n);
	if (entry && observation_encode(entry, &bytes, &len, ids[index]) == 0) {
		rc = store_apply(s, index, entry, bytes, len, ids[index]);
		free(bytes);
	} else if (n > 0)
		diag("invalid: %s %s", errs[0].pointer, errs[0].message);
	json_decref(entry);
	json_decref(in);
	return rc;
}

struct rows {
	int64_t idx[64];
	int n;
};

/* Rows whose id is not the SHA-256 of their entry, and rows seen. */
static int bad_ids, rows_seen;

static int
collect(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct rows *r = ctx;
	uint8_t h[32];

	crypto_hash_sha256(h, (const uint8_t *)entry, len);
	if (id == NULL || memcmp(h, id, 32) != 0)
		bad_ids++;
	rows_seen++;
	r->idx[r->n++] = index;
	return 0;
}

static int
run(struct store *s, struct store_query *q, struct rows *r)
{
	r->n = 0;
	return store_query_observations(s, q, collect, r);
}

#define FMT                                                                   \
	"{\"observed_at\":%s,\"source\":{\"type\":\"%s\",\"member\":\"%s\"}," \
	"\"category\":\"%s\",\"location\":%s}"

/*
 * The store NAME of this run: DIR/NAME.db for SQLite; for PostgreSQL, DIR
 * is a cluster's URI ending in '/' (TRUCE_TEST_STORE) and the store is its
 * database NAME, fresh, which tests/integration/store_suite.t creates.
 */
static struct store *
open_store(const char *kind, const char *dir, const char *name)
{
	char spec[512];

	if (strcmp(kind, "sqlite") == 0) {
		snprintf(spec, sizeof(spec), "%s/%s.db", dir, name);
		return store_open(kind, spec, 0);
	}
	snprintf(spec, sizeof(spec), "%s%s", dir, name);
	return store_open(spec, spec, 0);
}

static void
suite(const char *kind, const char *dir)
{
	struct store *s = open_store(kind, dir, "store");
	struct store_query q;
	struct rows r;
	int64_t applied = -1, idx, n;
	char buf[512], *entry;
	size_t len;

	ok(s != NULL, "%s: opens", kind);
	if (s == NULL)
		return;
	ok(store_applied_size(s, &applied) == 0 && applied == 0,
	    "%s: a new store has applied nothing", kind);
	ok(store_begin(s) == 0, "%s: begin", kind);
#define ADD(i, at, src, mem, cat, loc)                                   \
	do {                                                             \
		snprintf(buf, sizeof(buf), FMT, at, src, mem, cat, loc); \
		ok(add(s, i, buf) == 0, "%s: apply %d", kind, i);        \
	} while (0)
	ADD(1, "\"2026-11-20T10:00:00Z\"", "patrol", "RU", "explosion",
	    "{\"lat\":40.0,\"lon\":47.0}");
	ADD(2, "\"2026-11-20T10:30:00Z\"", "uav", "TR", "explosion",
	    "{\"lat\":39.5,\"lon\":46.5}");
	ADD(3,
	    "{\"from\":\"2026-11-20T09:00:00Z\",\"to\":"
	    "\"2026-11-20T12:00:00Z\"}",
	    "patrol", "TR", "muzzle_flash", "{\"lat\":39.0,\"lon\":46.0}");
	ADD(4, "\"2026-11-21T10:00:00Z\"", "complaint", "RU", "explosion",
	    "{\"place\":\"Agdam\",\"bearing_deg\":90,\"distance_m\":3000}");
	ADD(5, "\"2026-11-20T10:00:00.001Z\"", "patrol", "RU",
	    "illumination_flare", "{\"lat\":-10.0,\"lon\":-170.0}");
	ok(store_commit(s, 6) == 0 && store_applied_size(s, &applied) == 0 &&
		applied == 6,
	    "%s: commit records the applied size", kind);

	ok(store_find_observation(s, ids[2], &idx, &entry, &len) == 1 &&
		idx == 2 && len > 0 && entry[0] == '{',
	    "%s: find by id", kind);
	free(entry);
	ok(store_find_observation(s, "00", &idx, NULL, NULL) == 0,
	    "%s: a malformed id is simply not found", kind);
	ok(store_count_observations(s, &n) == 0 && n == 5, "%s: count", kind);

	store_query_init(&q);
	ok(run(s, &q, &r) == 0 && r.n == 5 && r.idx[0] == 1 && r.idx[4] == 5,
	    "%s: no filter: all, in log order", kind);
	q.has_bbox = 1;
	q.min_lon_e7 = 460000000;
	q.max_lon_e7 = 470000000;
	q.min_lat_e7 = 390000000;
	q.max_lat_e7 = 400000000;
	ok(run(s, &q, &r) == 0 && r.n == 3,
	    "%s: bbox edges are inclusive "
	    "(%d)",
	    kind, r.n);
	q.max_lat_e7 = 399999999;
	ok(run(s, &q, &r) == 0 && r.n == 2,
	    "%s: one unit below the edge "
	    "excludes it (%d)",
	    kind, r.n);
	store_query_init(&q);
	q.from_ms = 1795168800000LL + 3600000; /* 2026-11-20T11:00Z */
	q.to_ms = q.from_ms + 1800000;
	ok(run(s, &q, &r) == 0 && r.n == 1 && r.idx[0] == 3,
	    "%s: time window matches overlapping intervals", kind);
	q.from_ms = 1795168800000LL; /* 10:00:00.000 */
	q.to_ms = 1795168800000LL;
	ok(run(s, &q, &r) == 0 && r.n == 2 && r.idx[0] == 1 && r.idx[1] == 3,
	    "%s: time is exact to the millisecond (%d)", kind, r.n);
	store_query_init(&q);
	q.categories[0] = "explosion";
	q.ncategories = 1;
	q.member = "RU";
	ok(run(s, &q, &r) == 0 && r.n == 2 && r.idx[0] == 1 && r.idx[1] == 4,
	    "%s: category + member", kind);
	store_query_init(&q);
	q.source_type = "patrol";
	q.after_index = 1;
	q.limit = 1;
	ok(run(s, &q, &r) == 0 && r.n == 1 && r.idx[0] == 3,
	    "%s: source + cursor + limit", kind);
	store_query_init(&q);
	q.has_bbox = 1;
	q.min_lon_e7 = -1800000000;
	q.max_lon_e7 = 1800000000;
	q.min_lat_e7 = -900000000;
	q.max_lat_e7 = 900000000;
	ok(run(s, &q, &r) == 0 && r.n == 5,
	    "%s: the world bbox includes "
	    "unlocated observations",
	    kind);
	/* Two categories whose codes span a third (muzzle_flash, idx 3). */
	q.categories[0] = "explosion";
	q.categories[1] = "illumination_flare";
	q.ncategories = 2;
	ok(run(s, &q, &r) == 0 && r.n == 4 && r.idx[0] == 1 && r.idx[1] == 2 &&
		r.idx[2] == 4 && r.idx[3] == 5,
	    "%s: bbox + categories whose codes are not adjacent (%d)", kind,
	    r.n);
	q.ncategories = 1;
	q.categories[0] = "muzzle_flash";
	ok(run(s, &q, &r) == 0 && r.n == 1 && r.idx[0] == 3,
	    "%s: bbox + one category", kind);

	ok(store_begin(s) == 0 && store_reset(s) == 0 &&
		store_commit(s, 0) == 0 &&
		store_count_observations(s, &n) == 0 && n == 0,
	    "%s: reset empties the store", kind);
	store_close(s);
}

/* ---- incidents ---------------------------------------------------- */

#define NENT 16
static json_t *ent[NENT]; /* the entries, log index = position + 1 */
static char eid[NENT][OBSERVATION_ID_LEN + 1];
static size_t nent;

/* Queues an observation (input form) as the next entry. */
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

/* Applies entries [from, to) in one transaction. */
/* Applies entries [from, to) in one transaction, committed when commit
 * is set and rolled back otherwise. 0 or -1. */
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

static int
apply_range(struct store *s, size_t from, size_t to)
{
	return apply_entries(s, from, to, 1);
}

struct dump {
	char *text;
	size_t len;
	int n;
	char ids[32][32];
};

/* What store_incident_tallies gave: rows, observed ones, counts, states. */
struct tallies {
	int n, observed, received;
	int64_t count, min_from;
};

/* The same from the incidents' records (increcord_query). */
static int
add_record(void *ctx, int64_t cursor, const json_t *incident)
{
	struct tallies *t = ctx;

	(void)cursor;
	t->n++;
	t->observed +=
	    strcmp(json_string_value(json_object_get(incident, "kind")),
		"observed") == 0;
	t->count += json_integer_value(json_object_get(incident, "count"));
	return 0;
}

static int
add_tally(void *ctx, const struct store_incident_tally *row)
{
	struct tallies *t = ctx;

	t->n++;
	t->observed += strcmp(row->kind, "observed") == 0;
	t->received += strcmp(row->state, "received") == 0;
	t->count += row->count;
	if (t->n == 1 || row->time_from_ms < t->min_from)
		t->min_from = row->time_from_ms;
	return 0;
}

static int
dump_row(void *ctx, int64_t cursor, const json_t *rec)
{
	struct dump *d = ctx;
	char *t = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS), *nt;
	size_t n = t ? strlen(t) : 0;

	(void)cursor;
	if (t == NULL || (nt = realloc(d->text, d->len + n + 2)) == NULL) {
		free(t);
		return 1;
	}
	d->text = nt;
	memcpy(d->text + d->len, t, n);
	d->len += n;
	d->text[d->len++] = '\n';
	d->text[d->len] = '\0';
	if (d->n < 32)
		snprintf(d->ids[d->n], sizeof(d->ids[0]), "%s",
		    json_string_value(json_object_get(rec, "id")));
	d->n++;
	free(t);
	return 0;
}

static int
run_incidents(struct store *s, struct store_incident_query *q, struct dump *d)
{
	free(d->text);
	memset(d, 0, sizeof(*d));
	return increcord_query(s, q, dump_row, d);
}

/*
 * A brief record (q.brief, for a map's listing) holds what the full record
 * rec of incident id says of its place, time, category, count, sources
 * and members, with its state, and nothing of its observations.
 */
static void
brief_matches(const char *kind, struct store *s, const json_t *rec,
    const char *id)
{
	static const char *const same[] = { "category", "located", "lat", "lon",
		"cov", "time_from_ms", "time_to_ms", "zone", "count",
		"source_types", "members", NULL };
	struct store_incident_query q;
	struct dump d;
	json_t *b = NULL;
	char *line, *next;
	size_t i;
	int n = 0, equal = 1;

	memset(&d, 0, sizeof(d));
	store_incident_query_init(&q);
	q.limit = 100;
	q.brief = 1;
	ok(run_incidents(s, &q, &d) == 0 && d.n == 5,
	    "%s: brief records: the same 5 incidents", kind);
	for (line = d.text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		json_decref(b);
		b = json_loads(line, 0, NULL);
		if (b != NULL && json_object_get(b, "observations") != NULL)
			n++;
		if (b != NULL &&
		    strcmp(json_string_value(json_object_get(b, "id")), id) ==
			0)
			break;
	}
	for (i = 0; b != NULL && rec != NULL && same[i] != NULL; i++)
		if (!json_equal(json_object_get(b, same[i]),
			json_object_get(rec, same[i]))) {
			diag("%s differs", same[i]);
			equal = 0;
		}
	ok(b != NULL && rec != NULL && equal && n == 0,
	    "%s: a brief record says what the full record says, without its "
	    "observations",
	    kind);
	ok(b != NULL &&
		strcmp(json_string_value(json_object_get(b, "state")),
		    "received") == 0,
	    "%s: ... and its state (received)", kind);
	json_decref(b);
	free(d.text);
}

#define OBS(t, type, unit, cat, cnt, loc)                                    \
	"{\"observed_at\":" t ",\"source\":{\"type\":\"" type "\","          \
	"\"member\":\"" unit "\",\"unit\":\"" unit "\"},\"category\":\"" cat \
	"\",\"count\":{\"value\":" cnt ",\"qualifier\":\"about\"},"          \
	"\"location\":" loc "}"

static void
incidents_suite(const char *kind, const char *dir)
{
	struct gazetteer *g = gazetteer_new();
	struct polygon_layer *zl = polygon_layer_new("areas");
	struct gazetteer_place tp;
	struct geodesy_point ring[4] = { { 39.9, 46.9 }, { 39.9, 47.1 },
		{ 40.1, 47.1 }, { 40.1, 46.9 } };
	const struct geodesy_point *rings[1] = { ring };
	size_t counts[1] = { 4 }, zone, i;
	const struct polygon_layer *zones[1] = { zl };
	struct fusion_geography geo;
	struct fusion *f;
	struct store *live, *replay, *resumed;
	struct store_incident_query q;
	struct dump a, b;
	struct incident_set *mem;
	char err[200], ia[40], ib[40], nid[40];
	json_t *rec = NULL, *in;
	struct decision_error derr[4];
	int64_t n = -1;
	size_t nerr;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&tp, 0, sizeof(tp));
	tp.name = "Agdam";
	tp.country = "AZ";
	tp.lat = 39.99;
	tp.lon = 46.93;
	tp.population = 40000;
	gazetteer_add(g, &tp, NULL, err, sizeof(err));
	polygon_layer_add_zone(zl, "Zone A", &zone, err, sizeof(err));
	polygon_layer_add_polygon(zl, zone, rings, counts, 1, err, sizeof(err));
	memset(&geo, 0, sizeof(geo));
	geo.gazetteer = g;
	geo.zones = zones;
	geo.nzones = 1;
	f = fusion_new(&geo);

	/* 0-2: one shelling seen three ways (2 and the patrol's place); 3: a
	 * shelling far away; 4: a complaint about the first; 5: one about
	 * nothing; 6: bursts at the first place. */
	nent = 0;
	queue_obs(OBS("\"2026-11-20T10:00:00Z\"", "observation_post", "OP-1",
	    "explosion", "10",
	    "{\"lat\":40.0,\"lon\":47.0,\"precision_m\":"
	    "1000}"));
	queue_obs(OBS("\"2026-11-20T10:01:00Z\"", "camera", "CAM-1",
	    "explosion", "10",
	    "{\"lat\":40.001,\"lon\":47.001,\"precision_m\":"
	    "500}"));
	queue_obs(
	    OBS("\"2026-11-20T10:02:00Z\"", "patrol", "P-1", "explosion", "12",
		"{\"place\":\"Agdam\",\"bearing_deg\":80,"
		"\"distance_m\":6000}"));
	queue_obs(OBS("\"2026-11-20T10:00:30Z\"", "observation_post", "OP-2",
	    "explosion", "3",
	    "{\"lat\":39.5,\"lon\":46.5,\"precision_m\":"
	    "1000}"));
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
	queue_obs(OBS("\"2026-11-20T10:00:00Z\"", "observation_post", "OP-3",
	    "burst_or_shot", "4", "{\"lat\":40.0,\"lon\":47.0}"));
	snprintf(ia, sizeof(ia), "inc-%.24s", eid[0]);
	snprintf(ib, sizeof(ib), "inc-%.24s", eid[3]);
	/* 7: merge the far shelling into the first; 8: split the camera's
	 * report off; 9: a report near the merged-away one, later. */
	in = json_pack("{s:s,s:s}", "with", ib, "reason", "same shelling");
	queue_entry(
	    decision_merge_from_input(ia, in, "alice", NOW, derr, 4, &nerr));
	json_decref(in);
	in = json_pack("{s:[s],s:s}", "observations", eid[1], "reason",
	    "another crater");
	queue_entry(
	    decision_split_from_input(ia, in, "alice", NOW, derr, 4, &nerr));
	json_decref(in);
	queue_obs(OBS("\"2026-11-20T10:01:30Z\"", "observation_post", "OP-4",
	    "explosion", "2",
	    "{\"lat\":39.5005,\"lon\":46.5005,"
	    "\"precision_m\":1000}"));
	for (i = 0; i < nent; i++)
		if (ent[i] == NULL)
			diag("entry %zu is missing", i);

	/* Live: one commit per entry, as the sequencer's batches. */
	live = open_store(kind, dir, "live");
	store_set_fusion(live, f);
	for (i = 0; i < nent; i++)
		if (apply_range(live, i, i + 1) == -1)
			break;
	ok(i == nent, "%s: %zu entries applied live, one commit each", kind,
	    nent);
	ok(store_count_incidents(live, &n) == 0 && n == 5,
	    "%s: 5 live incidents (the shelling, its split, bursts, 2 "
	    "complaints)",
	    kind);

	ok(increcord_find(live, ia, &rec) == 1, "%s: find the shelling", kind);
	ok(rec && json_array_size(json_object_get(rec, "observations")) == 4,
	    "%s: post, patrol (place resolved), merged post and the later "
	    "report",
	    kind);
	ok(rec && json_integer_value(json_object_get(rec, "count")) == 12 &&
		json_integer_value(
		    json_object_get(rec, "independent_sources")) == 4,
	    "%s: count 12 (the largest source), 4 sources", kind);
	ok(rec && json_array_size(json_object_get(rec, "complaints")) == 1 &&
		strcmp(json_string_value(
			   json_array_get(json_object_get(rec, "complaints"),
			       0)),
		    eid[4]) == 0,
	    "%s: the complaint about it is linked", kind);
	ok(rec && json_array_size(json_object_get(rec, "members")) == 4,
	    "%s: members whose monitors saw it", kind);
	ok(rec && json_array_size(json_object_get(rec, "decisions")) == 2 &&
		json_is_true(json_object_get(json_array_get(json_object_get(rec,
								"decisions"),
						 0),
		    "applied")),
	    "%s: the merge and the split are on its record", kind);
	ok(rec && json_is_true(json_object_get(rec, "pinned")) &&
		json_string_length(json_object_get(rec, "description")) > 0,
	    "%s: pinned by an analyst, worded (\"%s\")", kind,
	    rec ? json_string_value(json_object_get(rec, "description")) : "");
	brief_matches(kind, live, rec, ia);
	json_decref(rec);
	rec = NULL;
	ok(increcord_find(live, ib, &rec) == 1 && rec &&
		!json_is_true(json_object_get(rec, "live")) &&
		strcmp(json_string_value(json_object_get(rec, "merged_into")),
		    ia) == 0,
	    "%s: the merged-away incident says where it went", kind);
	json_decref(rec);
	rec = NULL;
	decision_is_incident_id(ia);
	snprintf(nid, sizeof(nid), "inc-%.24s", "");
	{
		char sid[ASSOCIATE_ID_LEN + 1];

		associate_split_id(ia, 9, sid);
		snprintf(nid, sizeof(nid), "%s", sid);
	}
	ok(increcord_find(live, nid, &rec) == 1 && rec &&
		json_array_size(json_object_get(rec, "observations")) == 1,
	    "%s: the split-off incident holds the camera's report", kind);
	json_decref(rec);
	rec = NULL;
	ok(increcord_find(live, "inc-000000000000000000000000", &rec) == 0 &&
		increcord_find(live, "nope", &rec) == 0,
	    "%s: unknown ids are not found", kind);

	/* Filters. */
	store_incident_query_init(&q);
	ok(run_incidents(live, &q, &a) == 0 && a.n == 5,
	    "%s: no filter: the 5 live incidents", kind);
	{
		struct tallies t = { 0, 0, 0, 0, 0 }, none = t, late = t,
			       want = t;
		int rc = store_incident_tallies(live, INT64_MIN, INT64_MAX,
		    NULL, add_tally, &t);

		store_incident_query_init(&q);
		increcord_query(live, &q, add_record, &want);
		ok(rc == 0 && t.n == 5 && t.observed == want.observed &&
			t.received == 5 && t.count == want.count,
		    "%s: tallies: a row per live incident, its kind, state "
		    "and count as its record says (%d rows, %d observed, "
		    "count %lld)",
		    kind, t.n, t.observed, (long long)t.count);
		ok(store_incident_tallies(live, t.min_from + 1, INT64_MAX, NULL,
		       add_tally, &late) == 0 &&
			late.n < 5 && late.n > 0,
		    "%s: tallies: only windows starting in the range", kind);
		ok(store_incident_tallies(live, INT64_MIN, INT64_MAX, "Side A",
		       add_tally, &none) == 0 &&
			none.n == 0,
		    "%s: tallies: only what was released to the party", kind);
	}
	q.categories[0] = "burst_or_shot";
	q.ncategories = 1;
	ok(run_incidents(live, &q, &a) == 0 && a.n == 1, "%s: category", kind);
	store_incident_query_init(&q);
	q.zone = "Zone A";
	ok(run_incidents(live, &q, &a) == 0 && a.n == 4,
	    "%s: zone: all but the merged shelling, whose centre moved out",
	    kind);
	store_incident_query_init(&q);
	q.has_bbox = 1;
	q.min_lon_e7 = 464000000;
	q.max_lon_e7 = 466000000;
	q.min_lat_e7 = 394000000;
	q.max_lat_e7 = 396000000;
	ok(run_incidents(live, &q, &a) == 0 && a.n == 0,
	    "%s: bbox around the merged-away place: nothing live there", kind);
	store_incident_query_init(&q);
	q.from_ms = 1795255200000LL; /* 2026-11-21T10:00Z */
	ok(run_incidents(live, &q, &a) == 0 && a.n == 1,
	    "%s: time: only the next day's complaint", kind);
	store_incident_query_init(&q);
	q.limit = 2;
	ok(run_incidents(live, &q, &a) == 0 && a.n == 2, "%s: limit", kind);
	store_incident_query_init(&q);
	q.after = 2; /* 2 is the merged-away one */
	ok(run_incidents(live, &q, &a) == 0 && a.n == 4,
	    "%s: cursor: those created after", kind);

	/* Replay: every entry in one transaction; the same records. */
	replay = open_store(kind, dir, "replay");
	store_set_fusion(replay, f);
	ok(apply_range(replay, 0, nent) == 0, "%s: replay in one go", kind);
	store_incident_query_init(&q);
	q.limit = 1000;
	run_incidents(live, &q, &a);
	run_incidents(replay, &q, &b);
	ok(a.text != NULL && b.text != NULL && strcmp(a.text, b.text) == 0,
	    "%s: live and replay give identical incidents, ids included", kind);

	/*
	 * Resumed: fusion's book is held in memory while applying and
	 * written behind; it must come back from the tables alone. Half the
	 * entries, then a new connection, then a transaction rolled back
	 * (the memory it changed is dropped), then the rest two at a time.
	 */
	resumed = open_store(kind, dir, "resumed");
	store_set_fusion(resumed, f);
	i = apply_range(resumed, 0, nent / 2);
	store_close(resumed);
	resumed = open_store(kind, dir, "resumed");
	store_set_fusion(resumed, f);
	ok(store_prepare_fusion(resumed) == 0,
	    "%s: fusion's book loads from the tables of a reopened store",
	    kind);
	if (i == 0)
		apply_entries(resumed, nent / 2, nent, 0);
	for (n = 0, i = nent / 2; i < nent && n == 0; i += 2)
		n = apply_range(resumed, i, i + 2 < nent ? i + 2 : nent);
	run_incidents(resumed, &q, &b);
	ok(n == 0 && a.text != NULL && b.text != NULL &&
		strcmp(a.text, b.text) == 0,
	    "%s: reopened midway, after a rollback: identical incidents", kind);
	store_close(resumed);

	/* The in-memory book places the observations alike. */
	mem = incident_set_new();
	for (i = 0; i < nent; i++)
		fusion_apply(f, &incident_set_ops, mem, (int64_t)i + 1, ent[i],
		    eid[i][0] ? eid[i] : NULL);
	for (i = 0, n = 0; i < nent; i++) {
		const char *m = incident_set_incident_of(mem, (int64_t)i + 1);

		if (m == NULL)
			continue;
		rec = NULL;
		if (increcord_find(replay, m, &rec) != 1)
			n++;
		json_decref(rec);
	}
	ok(n == 0, "%s: the in-memory book makes the same incidents", kind);
	incident_set_free(mem);

	ok(store_begin(replay) == 0 && store_reset(replay) == 0 &&
		store_commit(replay, 0) == 0 &&
		store_count_incidents(replay, &n) == 0 && n == 0,
	    "%s: reset empties the incidents", kind);
	store_close(live);
	store_close(replay);
	for (i = 0; i < nent; i++)
		json_decref(ent[i]);
	free(a.text);
	free(b.text);
	fusion_free(f);
	polygon_layer_free(zl);
	gazetteer_free(g);
}

/*
 * Words taken for many new incidents in one flush (on two threads, by
 * blocks: store/fusionbook.c) are the words each gets alone: NWORDS
 * observations far apart, applied one commit each into one store and in
 * one transaction into another, make the same incident records, words
 * and zones included.
 */
#define NWORDS 600
static void
words_suite(const char *kind, const char *dir)
{
	struct gazetteer *g = gazetteer_new();
	struct polygon_layer *zl = polygon_layer_new("areas");
	struct gazetteer_place tp;
	struct geodesy_point ring[4] = { { 39.9, 46.9 }, { 39.9, 47.1 },
		{ 40.1, 47.1 }, { 40.1, 46.9 } };
	const struct geodesy_point *rings[1] = { ring };
	size_t counts[1] = { 4 }, zone, k, n, len;
	const struct polygon_layer *zones[1] = { zl };
	struct observation_error errs[4];
	struct fusion_geography geo;
	struct fusion *f;
	struct store *one, *bulk;
	char path[512], err[200], json[512], nid[40];
	char(*wid)[OBSERVATION_ID_LEN + 1];
	json_t **e, *in, *ra, *rb;
	char *bytes;
	int same = 0, worded = 0, zoned = 0, applied = 0;

	memset(&tp, 0, sizeof(tp));
	tp.name = "Agdam";
	tp.country = "AZ";
	tp.lat = 39.99;
	tp.lon = 46.93;
	tp.population = 40000;
	gazetteer_add(g, &tp, NULL, err, sizeof(err));
	polygon_layer_add_zone(zl, "Zone A", &zone, err, sizeof(err));
	polygon_layer_add_polygon(zl, zone, rings, counts, 1, err, sizeof(err));
	memset(&geo, 0, sizeof(geo));
	geo.gazetteer = g;
	geo.zones = zones;
	geo.nzones = 1;
	f = fusion_new(&geo);
	e = calloc(NWORDS, sizeof(*e));
	wid = calloc(NWORDS, sizeof(*wid));
	/* An hour and 2-3 km apart: each its own incident; some in Zone A. */
	for (k = 0; k < NWORDS; k++) {
		snprintf(json, sizeof(json),
		    OBS("\"2026-%02zu-%02zuT%02zu:00:00Z\"", "observation_post",
			"OP-1", "explosion", "1",
			"{\"lat\":%.4f,\"lon\":%.4f,\"precision_m\":50}"),
		    1 + k / (24 * 28), 1 + k / 24 % 28, k % 24,
		    39.80 + (double)(k % 20) * 0.02,
		    46.80 + (double)(k / 20) * 0.03);
		in = json_loads(json, 0, NULL);
		e[k] = observation_from_input(in, NOW, errs, 4, &n);
		json_decref(in);
		if (e[k] != NULL &&
		    observation_encode(e[k], &bytes, &len, wid[k]) == 0)
			free(bytes);
	}
	snprintf(path, sizeof(path), "%s/words-one.db", dir);
	one = store_open(kind, path, 0);
	snprintf(path, sizeof(path), "%s/words-bulk.db", dir);
	bulk = store_open(kind, path, 0);
	store_set_fusion(one, f);
	store_set_fusion(bulk, f);
	if (store_begin(bulk) == -1)
		applied = -1;
	for (k = 0; k < NWORDS && applied == 0; k++) {
		if (e[k] == NULL || canon_encode(e[k], &bytes, &len) == -1) {
			applied = -1;
			break;
		}
		if (store_begin(one) == -1 ||
		    store_apply(one, (int64_t)k + 1, e[k], bytes, len,
			wid[k]) == -1 ||
		    store_commit(one, (int64_t)k + 2) == -1 ||
		    store_apply(bulk, (int64_t)k + 1, e[k], bytes, len,
			wid[k]) == -1)
			applied = -1;
		free(bytes);
	}
	if (applied == 0 && store_commit(bulk, NWORDS + 1) == -1)
		applied = -1;
	ok(applied == 0, "%s: %d observations applied one by one and at once",
	    kind, NWORDS);
	for (k = 0; k < NWORDS; k++) {
		snprintf(nid, sizeof(nid), "inc-%.24s", wid[k]);
		ra = rb = NULL;
		if (increcord_find(one, nid, &ra) == 1 &&
		    increcord_find(bulk, nid, &rb) == 1 && json_equal(ra, rb))
			same++;
		worded += ra != NULL &&
		    json_is_string(json_object_get(ra, "description"));
		zoned += ra != NULL &&
		    json_array_size(json_object_get(ra, "zones")) > 0;
		json_decref(ra);
		json_decref(rb);
	}
	ok(same == NWORDS,
	    "%s: the same %d incident records, words and zones (%d equal)",
	    kind, NWORDS, same);
	ok(worded == NWORDS && zoned > 0 && zoned < NWORDS,
	    "%s: every incident worded (%d), some in the zone (%d)", kind,
	    worded, zoned);
	store_close(one);
	store_close(bulk);
	for (k = 0; k < NWORDS; k++)
		json_decref(e[k]);
	free(e);
	free(wid);
	fusion_free(f);
	polygon_layer_free(zl);
	gazetteer_free(g);
}

/* The integer the first row of sql answers in the SQLite file path (-1:
 * none). */
static int64_t
sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
		SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Three located observations, applied and committed. */
static int
add_three(struct store *s)
{
	char buf[512];
	int i;

	if (store_begin(s) == -1)
		return -1;
	for (i = 1; i <= 3; i++) {
		snprintf(buf, sizeof(buf), FMT, "\"2026-11-20T10:00:00Z\"",
		    "patrol", "RU", "explosion",
		    i == 1	 ? "{\"lat\":40.0,\"lon\":47.0}"
			: i == 2 ? "{\"lat\":40.5,\"lon\":47.5}"
				 : "{\"lat\":40.55,\"lon\":47.55}");
		if (add(s, i, buf) == -1)
			return -1;
	}
	return store_commit(s, 4);
}

/* Observations from..to-1 (to <= 64) on a grid of places, applied and
 * committed. */
static int
add_grid(struct store *s, int from, int to)
{
	char buf[512], loc[64];
	int i;

	if (store_begin(s) == -1)
		return -1;
	for (i = from; i < to; i++) {
		snprintf(loc, sizeof(loc), "{\"lat\":%d.%d,\"lon\":%d.%d}",
		    41 + i % 7, i % 10, 46 + i / 7 % 5, i % 9);
		snprintf(buf, sizeof(buf), FMT, "\"2026-11-20T10:00:00Z\"",
		    "patrol", "RU", i % 3 ? "explosion" : "muzzle_flash", loc);
		if (add(s, i, buf) == -1)
			return -1;
	}
	return store_commit(s, to);
}

#define RTREES_OK                                            \
	"SELECT rtreecheck('observation_rtree') = 'ok' AND " \
	"rtreecheck('incident_rtree') = 'ok'"
#define OBS_BOXES "SELECT count(*) FROM observation_rtree"

#define COUNT_LATE                                                     \
	"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND " \
	"name IN ('fusion_obs_incident', 'incident_seed', "            \
	"'incident_time', 'incident_link_complaint', "                 \
	"'incident_event_by', 'source_status_time', 'task_incident')"
#define UNFINISHED "SELECT count(*) FROM meta WHERE key = 'bulk_unfinished'"

/*
 * A bulk store (truce rebuild) creates its late indexes and fills its
 * R*Tree when it is closed; one left unfinished is refused read-only and
 * finished by a writable open. A scratch store creates them at its first
 * commit.
 */
static void
bulk_suite(const char *dir)
{
	char path[512];
	struct store *s;
	struct store_query q;
	struct rows r;

	snprintf(path, sizeof(path), "%s/bulk.db", dir);
	s = store_open("sqlite", path, STORE_BULK);
	ok(s != NULL && add_three(s) == 0 && add_grid(s, 4, 56) == 0,
	    "bulk: 55 observations loaded");
	store_close(s);
	ok(sql_int(path, COUNT_LATE) == 7 && sql_int(path, OBS_BOXES) == 55 &&
		sql_int(path, UNFINISHED) == 0,
	    "bulk: closed with its seven late indexes and 55 boxes, "
	    "finished");
	ok(sql_int(path, RTREES_OK) == 1 &&
		sql_int(path,
		    "SELECT rtreedepth(data) FROM observation_rtree_node "
		    "WHERE nodeno = 1") == 1,
	    "bulk: its R*Trees packed, two levels, rtreecheck ok");
	/* Writable: a bulk store is left in rollback-journal mode, and the
	 * center's next open turns WAL on. */
	s = store_open("sqlite", path, 0);
	store_query_init(&q);
	q.has_bbox = 1;
	q.min_lat_e7 = 404000000;
	q.max_lat_e7 = 406000000;
	q.min_lon_e7 = 474000000;
	q.max_lon_e7 = 476000000;
	r.n = -1;
	ok(s != NULL && run(s, &q, &r) == 0 && r.n == 2 && r.idx[0] == 2 &&
		r.idx[1] == 3,
	    "bulk: the rebuilt store answers by area");
	store_close(s);
	/* As if its finish had failed. */
	sql_int(path, "DELETE FROM observation_rtree");
	sql_int(path, "DROP INDEX incident_seed");
	sql_int(path, "INSERT INTO meta VALUES('bulk_unfinished', 1)");
	ok(sql_int(path, OBS_BOXES) == 0 && sql_int(path, COUNT_LATE) == 6 &&
		sql_int(path, UNFINISHED) == 1,
	    "bulk: a store left unfinished (no boxes, an index missing)");
	s = store_open("sqlite", path, STORE_READONLY);
	ok(s == NULL, "bulk: an unfinished store is refused read-only");
	store_close(s);
	s = store_open("sqlite", path, 0);
	ok(s != NULL, "bulk: and opened writable");
	store_close(s);
	ok(sql_int(path, COUNT_LATE) == 7 && sql_int(path, OBS_BOXES) == 55 &&
		sql_int(path, UNFINISHED) == 0 && sql_int(path, RTREES_OK) == 1,
	    "bulk: which finished it");
	/* The apply path inserts into the packed tree as into any other. */
	s = store_open("sqlite", path, 0);
	ok(s != NULL && add_grid(s, 56, 64) == 0,
	    "bulk: 8 more observations applied live");
	r.n = -1;
	ok(s != NULL && run(s, &q, &r) == 0 && r.n == 2,
	    "bulk: the store still answers by area");
	store_close(s);
	ok(sql_int(path, OBS_BOXES) == 63 && sql_int(path, RTREES_OK) == 1,
	    "bulk: 63 boxes, rtreecheck ok");
	/* A pack that fails is undone and its rows inserted one by one: a
	 * trigger keeps the packer from emptying observation_rtree_node (it
	 * deletes the root, which SQLite's own inserts never do). */
	sql_int(path, "DELETE FROM observation_rtree");
	sql_int(path, "INSERT INTO meta VALUES('bulk_unfinished', 1)");
	sql_int(path,
	    "CREATE TRIGGER keep_root BEFORE DELETE ON observation_rtree_node "
	    "WHEN old.nodeno = 1 BEGIN SELECT RAISE(ABORT, 'kept'); END");
	s = store_open("sqlite", path, 0);
	ok(s != NULL, "bulk: finished by an open although its pack fails");
	store_close(s);
	ok(sql_int(path, OBS_BOXES) == 63 && sql_int(path, RTREES_OK) == 1 &&
		sql_int(path, UNFINISHED) == 0,
	    "bulk: its 63 boxes inserted row by row instead, rtreecheck ok");
	sql_int(path, "DROP TRIGGER keep_root");

	snprintf(path, sizeof(path), "%s/scratch.db", dir);
	s = store_open("sqlite", path, STORE_SCRATCH);
	ok(s != NULL && sql_int(path, COUNT_LATE) == 0,
	    "scratch: no late index while it loads");
	ok(s != NULL && add_three(s) == 0 && sql_int(path, COUNT_LATE) == 7,
	    "scratch: its first commit creates them");
	store_close(s);
}

int
main(void)
{
	char tmpl[] = "/tmp/truce-store.XXXXXX", path[256], *dir;
	const char *pg;

	dir = mkdtemp(tmpl);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	suite("sqlite", dir);
	incidents_suite("sqlite", dir);
	/* The same assertions on PostgreSQL (tests/integration/store_suite.t
	 * starts the cluster and creates the databases). */
	if ((pg = getenv("TRUCE_TEST_STORE")) != NULL &&
	    strncmp(pg, "postgresql://", 13) == 0) {
		suite("postgresql", pg);
		incidents_suite("postgresql", pg);
	}
	words_suite("sqlite", dir);
	{
		/* A store of another schema version is refused (rebuild). */
		sqlite3 *db;
		struct store *old;

		sqlite3_open(path, &db);
		sqlite3_exec(db,
		    "UPDATE meta SET value = 1 WHERE key = "
		    "'schema_version'",
		    NULL, NULL, NULL);
		sqlite3_close(db);
		old = store_open("sqlite", path, 0);
		ok(old == NULL,
		    "a store of schema version 1 is refused (rebuild)");
		store_close(old);
	}
	ok(store_open("nosuch", path, 0) == NULL, "unknown backend refused");
	bulk_suite(dir);
	{
		/* An audit's scratch store has no spatial index to search. */
		struct store *scr = store_open("sqlite", "", STORE_SCRATCH);
		struct store_query sq;
		struct rows sr = { 0 };

		store_query_init(&sq);
		sq.has_bbox = 1;
		ok(scr != NULL &&
			store_query_observations(scr, &sq, collect, &sr) == -1,
		    "a scratch store refuses a query by area");
		store_query_init(&sq);
		ok(scr != NULL &&
			store_query_observations(scr, &sq, collect, &sr) == 0,
		    "and answers one by index");
		store_close(scr);
	}
	ok(rows_seen > 0 && bad_ids == 0,
	    "every query row carries its id, the SHA-256 of its entry (%d "
	    "rows)",
	    rows_seen);
	return done_testing();
}
