/*
 * The store suite: the same assertions run against every backend
 * (STYLE.md rule 11). Now: sqlite. Covers apply/commit/applied size,
 * lookup by id, and the query semantics (bbox edges inclusive, time-window
 * overlap, categories, source, member, cursor paging, unlocated forms).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

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

static int
collect(void *ctx, int64_t index, const char *entry, size_t len)
{
	struct rows *r = ctx;

	(void)entry;
	(void)len;
	r->idx[r->n++] = index;
	return 0;
}

static int
run(struct store *s, struct store_query *q, struct rows *r)
{
	r->n = 0;
	return store_query_observations(s, q, collect, r);
}

#define FMT \
    "{\"observed_at\":%s,\"source\":{\"type\":\"%s\",\"member\":\"%s\"}," \
    "\"category\":\"%s\",\"location\":%s}"

static void
suite(const char *kind, const char *target)
{
	struct store *s = store_open(kind, target, 0);
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
#define ADD(i, at, src, mem, cat, loc)                                        \
	do {                                                                 \
		snprintf(buf, sizeof(buf), FMT, at, src, mem, cat, loc);     \
		ok(add(s, i, buf) == 0, "%s: apply %d", kind, i);            \
	} while (0)
	ADD(1, "\"2026-11-20T10:00:00Z\"", "patrol", "RU", "explosion",
	    "{\"lat\":40.0,\"lon\":47.0}");
	ADD(2, "\"2026-11-20T10:30:00Z\"", "uav", "TR", "explosion",
	    "{\"lat\":39.5,\"lon\":46.5}");
	ADD(3, "{\"from\":\"2026-11-20T09:00:00Z\",\"to\":"
	       "\"2026-11-20T12:00:00Z\"}", "patrol", "TR", "muzzle_flash",
	    "{\"lat\":39.0,\"lon\":46.0}");
	ADD(4, "\"2026-11-21T10:00:00Z\"", "complaint", "RU", "explosion",
	    "{\"place\":\"Agdam\",\"bearing_deg\":90,\"distance_m\":3000}");
	ADD(5, "\"2026-11-20T10:00:00.001Z\"", "patrol", "RU",
	    "illumination_flare", "{\"lat\":-10.0,\"lon\":-170.0}");
	ok(store_commit(s, 6) == 0 && store_applied_size(s, &applied) == 0 &&
		applied == 6, "%s: commit records the applied size", kind);

	ok(store_find_observation(s, ids[2], &idx, &entry, &len) == 1 &&
		idx == 2 && len > 0 && entry[0] == '{', "%s: find by id", kind);
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
	ok(run(s, &q, &r) == 0 && r.n == 3, "%s: bbox edges are inclusive "
	    "(%d)", kind, r.n);
	q.max_lat_e7 = 399999999;
	ok(run(s, &q, &r) == 0 && r.n == 2, "%s: one unit below the edge "
	    "excludes it (%d)", kind, r.n);
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
	ok(run(s, &q, &r) == 0 && r.n == 5, "%s: the world bbox includes "
	    "unlocated observations", kind);
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
		store_commit(s, 0) == 0 && store_count_observations(s, &n) ==
		0 && n == 0, "%s: reset empties the store", kind);
	store_close(s);
}

int
main(void)
{
	char tmpl[] = "/tmp/truce-store.XXXXXX", path[256];

	snprintf(path, sizeof(path), "%s/store.db", mkdtemp(tmpl));
	suite("sqlite", path);
	{
		/* A store of another schema version is refused (rebuild). */
		sqlite3 *db;
		struct store *old;

		sqlite3_open(path, &db);
		sqlite3_exec(db, "UPDATE meta SET value = 1 WHERE key = "
				 "'schema_version'", NULL, NULL, NULL);
		sqlite3_close(db);
		old = store_open("sqlite", path, 0);
		ok(old == NULL, "a store of schema version 1 is refused");
		store_close(old);
	}
	ok(store_open("nosuch", path, 0) == NULL, "unknown backend refused");
	return done_testing();
}
