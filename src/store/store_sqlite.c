/*
 * store_sqlite: the embedded store backend (SQLite 3: WAL, synchronous=FULL,
 * STRICT tables, and an R*Tree over longitude, latitude and time for the
 * bbox + time filter; see https://sqlite.org/rtree.html). Coordinates are
 * kept exactly as the log has them (1e-7 degrees) in an rtree_i32, so the
 * spatial filter never rounds; times enter the R*Tree in whole minutes
 * (widened outward) and are then checked exactly in milliseconds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sodium.h>

#include "common/log.h"
#include "record/observation.h"
#include "store/store.h"
#include "store/store_backend.h"

struct store {
	const struct store_ops *ops; /* first: see store_backend.h */
	sqlite3 *db;
	sqlite3_stmt *ins_obs, *ins_rtree, *find, *get_applied, *set_applied;
	char path[512];
};

#define WORLD_LON 1800000000
#define WORLD_LAT 900000000

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta("
    "  key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;"
    "INSERT OR IGNORE INTO meta VALUES('applied_size', 0);"
    "INSERT OR IGNORE INTO meta VALUES('schema_version', 2);"
    "CREATE TABLE IF NOT EXISTS observation("
    "  idx INTEGER PRIMARY KEY,"  /* log index */
    "  id BLOB NOT NULL UNIQUE,"  /* SHA-256 of the entry */
    "  t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  category TEXT NOT NULL, source_type TEXT NOT NULL, member TEXT,"
    "  lat_e7 INTEGER, lon_e7 INTEGER,"
    "  entry BLOB NOT NULL) STRICT;"
    /* The category is a 4th dimension: the common bbox + time + one
       category query then visits only its own rows (bench/RESULTS.md). */
    "CREATE VIRTUAL TABLE IF NOT EXISTS observation_rtree USING rtree_i32("
    "  idx, min_lon, max_lon, min_lat, max_lat, min_t, max_t, min_cat,"
    "  max_cat);";

#define SCHEMA_VERSION 2

static int
sq_fail(struct store *s, const char *what)
{
	log_warnx("store %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

static int
prep(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
		NULL) != SQLITE_OK)
		return sq_fail(s, "prepare");
	return 0;
}

static void sqlite_close(struct store *s);

/* Refuses a store written by another schema: it must be rebuilt. */
static int
check_version(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
		"'schema_version'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (v == SCHEMA_VERSION)
		rc = 0;
	else
		log_warnx("store %s has schema version %lld, this truce needs "
		    "%d: recreate it from the log with `truce rebuild`",
		    s->path, (long long)v, SCHEMA_VERSION);
	return rc;
}

static struct store *
sqlite_open(const char *target, int flags)
{
	struct store *s;
	char *err = NULL;
	int readonly = (flags & STORE_READONLY) != 0;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ops = &store_sqlite_ops;
	snprintf(s->path, sizeof(s->path), "%s", target);
	if (sqlite3_open_v2(target, &s->db,
		SQLITE_OPEN_READWRITE | (readonly ? 0 : SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		log_warnx("store %s: open: %s", target,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* A scratch store trades durability for speed: it is thrown away
	   after use, and its rollback journal stays in memory. */
	if (sqlite3_exec(s->db, (flags & STORE_SCRATCH) ?
		"PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
		"PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-262144;"
		"PRAGMA temp_store=MEMORY;" :
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		"PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
		"PRAGMA mmap_size=1073741824;",
		NULL, NULL, &err) != SQLITE_OK)
		goto fail_exec;
	if (!readonly &&
	    sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK)
		goto fail_exec;
	if (check_version(s) == -1)
		goto fail;
	if (prep(s, "INSERT INTO observation VALUES(?,?,?,?,?,?,?,?,?,?)",
		&s->ins_obs) == -1 ||
	    prep(s, "INSERT INTO observation_rtree VALUES(?,?,?,?,?,?,?,?,?)",
		&s->ins_rtree) == -1 ||
	    prep(s, "SELECT idx, entry FROM observation WHERE id = ?",
		&s->find) == -1 ||
	    prep(s, "SELECT value FROM meta WHERE key = 'applied_size'",
		&s->get_applied) == -1 ||
	    prep(s, "UPDATE meta SET value = ? WHERE key = 'applied_size'",
		&s->set_applied) == -1)
		goto fail;
	return s;
fail_exec:
	log_warnx("store %s: %s", target, err ? err : "error");
	sqlite3_free(err);
fail:
	sqlite_close(s);
	return NULL;
}

static void
sqlite_close(struct store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->ins_obs);
	sqlite3_finalize(s->ins_rtree);
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->get_applied);
	sqlite3_finalize(s->set_applied);
	sqlite3_close(s->db);
	free(s);
}

static int
exec(struct store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, sql);
	return 0;
}

static int
sqlite_begin(struct store *s)
{
	return exec(s, "BEGIN IMMEDIATE");
}

static int
sqlite_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return exec(s, "ROLLBACK");
}

static int
sqlite_commit(struct store *s, int64_t applied_size)
{
	sqlite3_bind_int64(s->set_applied, 1, applied_size);
	if (sqlite3_step(s->set_applied) != SQLITE_DONE) {
		sq_fail(s, "set applied size");
		sqlite3_reset(s->set_applied);
		sqlite_rollback(s);
		return -1;
	}
	sqlite3_reset(s->set_applied);
	if (exec(s, "COMMIT") == -1) {
		sqlite_rollback(s);
		return -1;
	}
	return 0;
}

static int
sqlite_applied_size(struct store *s, int64_t *size)
{
	int rc = -1;

	if (sqlite3_step(s->get_applied) == SQLITE_ROW) {
		*size = sqlite3_column_int64(s->get_applied, 0);
		rc = 0;
	} else
		sq_fail(s, "applied size");
	sqlite3_reset(s->get_applied);
	return rc;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
apply_observation(struct store *s, int64_t index, const json_t *e,
    const char *bytes, size_t len, const char *id)
{
	const json_t *at = json_object_get(e, "observed_at");
	const json_t *src = json_object_get(e, "source");
	const json_t *loc = json_object_get(e, "location");
	const char *form = json_string_value(json_object_get(loc, "form"));
	const char *member = json_string_value(json_object_get(src, "member"));
	int64_t from = json_integer_value(json_object_get(at, "from"));
	int64_t to = json_integer_value(json_object_get(at, "to"));
	int64_t lat = 0, lon = 0;
	int point = form != NULL && strcmp(form, "point") == 0;
	int cat = observation_category_code(
	    json_string_value(json_object_get(e, "category")));
	uint8_t bid[32];
	int rc = -1;

	if (sodium_hex2bin(bid, sizeof(bid), id, strlen(id), NULL, NULL,
		NULL) != 0)
		return -1;
	if (point) {
		lat = json_integer_value(json_object_get(loc, "lat_e7"));
		lon = json_integer_value(json_object_get(loc, "lon_e7"));
	}
	sqlite3_bind_int64(s->ins_obs, 1, index);
	sqlite3_bind_blob(s->ins_obs, 2, bid, sizeof(bid), SQLITE_STATIC);
	sqlite3_bind_int64(s->ins_obs, 3, from);
	sqlite3_bind_int64(s->ins_obs, 4, to);
	sqlite3_bind_text(s->ins_obs, 5,
	    json_string_value(json_object_get(e, "category")), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s->ins_obs, 6,
	    json_string_value(json_object_get(src, "type")), -1,
	    SQLITE_STATIC);
	if (member)
		sqlite3_bind_text(s->ins_obs, 7, member, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->ins_obs, 7);
	if (point) {
		sqlite3_bind_int64(s->ins_obs, 8, lat);
		sqlite3_bind_int64(s->ins_obs, 9, lon);
	} else {
		sqlite3_bind_null(s->ins_obs, 8);
		sqlite3_bind_null(s->ins_obs, 9);
	}
	sqlite3_bind_blob(s->ins_obs, 10, bytes, (int)len, SQLITE_STATIC);
	if (sqlite3_step(s->ins_obs) != SQLITE_DONE) {
		sq_fail(s, "insert observation");
		goto done;
	}
	/* Unlocated forms get the whole world: only a world bbox finds them. */
	sqlite3_bind_int64(s->ins_rtree, 1, index);
	sqlite3_bind_int64(s->ins_rtree, 2, point ? lon : -WORLD_LON);
	sqlite3_bind_int64(s->ins_rtree, 3, point ? lon : WORLD_LON);
	sqlite3_bind_int64(s->ins_rtree, 4, point ? lat : -WORLD_LAT);
	sqlite3_bind_int64(s->ins_rtree, 5, point ? lat : WORLD_LAT);
	sqlite3_bind_int64(s->ins_rtree, 6, floor_div(from, 60000));
	sqlite3_bind_int64(s->ins_rtree, 7, floor_div(to + 59999, 60000));
	sqlite3_bind_int64(s->ins_rtree, 8, cat);
	sqlite3_bind_int64(s->ins_rtree, 9, cat);
	if (sqlite3_step(s->ins_rtree) != SQLITE_DONE) {
		sq_fail(s, "insert rtree");
		goto done;
	}
	rc = 0;
done:
	sqlite3_reset(s->ins_obs);
	sqlite3_clear_bindings(s->ins_obs);
	sqlite3_reset(s->ins_rtree);
	return rc;
}

static int
sqlite_apply(struct store *s, int64_t index, const json_t *entry,
    const char *bytes, size_t len, const char *id)
{
	const char *type = json_string_value(json_object_get(entry, "type"));

	if (type != NULL && strcmp(type, "observation") == 0)
		return apply_observation(s, index, entry, bytes, len, id);
	return 0;
}

static int
sqlite_find_observation(struct store *s, const char *id, int64_t *index,
    char **entry, size_t *len)
{
	uint8_t bid[32];
	int rc = -1, r;
	const void *blob;
	int n;

	if (strlen(id) != 64 || sodium_hex2bin(bid, sizeof(bid), id, 64, NULL,
				    NULL, NULL) != 0)
		return 0;
	sqlite3_bind_blob(s->find, 1, bid, sizeof(bid), SQLITE_STATIC);
	r = sqlite3_step(s->find);
	if (r == SQLITE_DONE)
		rc = 0;
	else if (r == SQLITE_ROW) {
		*index = sqlite3_column_int64(s->find, 0);
		if (entry != NULL) {
			blob = sqlite3_column_blob(s->find, 1);
			n = sqlite3_column_bytes(s->find, 1);
			if ((*entry = malloc((size_t)n + 1)) == NULL)
				goto done;
			memcpy(*entry, blob, (size_t)n);
			(*entry)[n] = '\0';
			*len = (size_t)n;
		}
		rc = 1;
	} else
		sq_fail(s, "find observation");
done:
	sqlite3_reset(s->find);
	return rc;
}

static int64_t
clamp32(int64_t v)
{
	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
}

static int
sqlite_query(struct store *s, const struct store_query *q, store_row_fn fn,
    void *ctx)
{
	char sql[2048];
	size_t n = 0, i;
	sqlite3_stmt *st = NULL;
	int use_rtree = q->has_bbox || q->from_ms != INT64_MIN ||
	    q->to_ms != INT64_MAX;
	int p = 1, r, rc = -1, c, cmin = INT32_MAX, cmax = -1;

	/* The categories' codes span [cmin, cmax] in the R*Tree. */
	for (i = 0; i < q->ncategories; i++) {
		c = observation_category_code(q->categories[i]);
		cmin = c < cmin ? c : cmin;
		cmax = c > cmax ? c : cmax;
	}

#define ADD(...)                                                             \
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0,  \
	    __VA_ARGS__)
	if (use_rtree)
		ADD("SELECT o.idx, o.entry FROM observation_rtree r "
		    "JOIN observation o ON o.idx = r.idx WHERE "
		    "r.min_lon >= ? AND r.max_lon <= ? AND r.min_lat >= ? AND "
		    "r.max_lat <= ? AND r.max_t >= ? AND r.min_t <= ? AND "
		    "o.t_to >= ? AND o.t_from <= ? AND r.idx > ?%s",
		    q->ncategories > 0 ? " AND r.min_cat >= ? AND r.max_cat <= ?"
				       : "");
	else
		ADD("SELECT o.idx, o.entry FROM observation o WHERE o.idx > ?");
	if (q->ncategories > 0) {
		ADD(" AND o.category IN (");
		for (i = 0; i < q->ncategories; i++)
			ADD("%s?", i ? "," : "");
		ADD(")");
	}
	if (q->source_type)
		ADD(" AND o.source_type = ?");
	if (q->member)
		ADD(" AND o.member = ?");
	ADD(" ORDER BY o.idx LIMIT ?");
#undef ADD
	if (n >= sizeof(sql)) {
		log_warnx("store query too long");
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "prepare query");
	if (use_rtree) {
		if (q->has_bbox) {
			sqlite3_bind_int64(st, p++, q->min_lon_e7);
			sqlite3_bind_int64(st, p++, q->max_lon_e7);
			sqlite3_bind_int64(st, p++, q->min_lat_e7);
			sqlite3_bind_int64(st, p++, q->max_lat_e7);
		} else {
			sqlite3_bind_int64(st, p++, -WORLD_LON);
			sqlite3_bind_int64(st, p++, WORLD_LON);
			sqlite3_bind_int64(st, p++, -WORLD_LAT);
			sqlite3_bind_int64(st, p++, WORLD_LAT);
		}
		sqlite3_bind_int64(st, p++, q->from_ms == INT64_MIN ? INT32_MIN
		    : clamp32(floor_div(q->from_ms, 60000)));
		sqlite3_bind_int64(st, p++, q->to_ms == INT64_MAX ? INT32_MAX
		    : clamp32(floor_div(q->to_ms + 59999, 60000)));
		sqlite3_bind_int64(st, p++, q->from_ms);
		sqlite3_bind_int64(st, p++, q->to_ms);
		sqlite3_bind_int64(st, p++, q->after_index);
		if (q->ncategories > 0) {
			sqlite3_bind_int64(st, p++, cmin);
			sqlite3_bind_int64(st, p++, cmax);
		}
	} else
		sqlite3_bind_int64(st, p++, q->after_index);
	for (i = 0; i < q->ncategories; i++)
		sqlite3_bind_text(st, p++, q->categories[i], -1,
		    SQLITE_STATIC);
	if (q->source_type)
		sqlite3_bind_text(st, p++, q->source_type, -1, SQLITE_STATIC);
	if (q->member)
		sqlite3_bind_text(st, p++, q->member, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p++, q->limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_blob(st, 1),
			(size_t)sqlite3_column_bytes(st, 1)) != 0)
			break;
	if (r == SQLITE_ROW || r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "query");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_count(struct store *s, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM observation", -1,
		&st, NULL) != SQLITE_OK)
		return sq_fail(s, "count");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_reset(struct store *s)
{
	return exec(s, "DELETE FROM observation; DELETE FROM observation_rtree;"
		       "UPDATE meta SET value = 0 WHERE key = 'applied_size';");
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.applied_size = sqlite_applied_size,
	.apply = sqlite_apply,
	.find_observation = sqlite_find_observation,
	.query_observations = sqlite_query,
	.count_observations = sqlite_count,
	.reset = sqlite_reset,
};
