/*
 * store_sqlite: the embedded store backend (SQLite 3: WAL, synchronous=FULL,
 * STRICT tables, and an R*Tree over longitude, latitude and time for the
 * bbox + time filter; see https://sqlite.org/rtree.html). Coordinates are
 * kept exactly as the log has them (1e-7 degrees) in an rtree_i32, so the
 * spatial filter never rounds; times enter the R*Tree in whole minutes
 * (widened outward) and are then checked exactly in milliseconds.
 *
 * It is also fusion's book (fusion/associate.h) on the apply path: the
 * incidents, the observations as fusion placed them, complaint links and
 * analysts' decisions live in the tables below, filled by fusion_apply for
 * every entry applied — live or replayed — so `truce rebuild` recreates
 * them. Incidents and complaints are found through R*Trees of their search
 * boxes (associate_box, in 1e-7 degrees rounded outward) and windows.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sodium.h>

#include "common/log.h"
#include "record/observation.h"
#include "fusion/associate.h"
#include "fusion/fusion.h"
#include "store/store.h"
#include "store/store_backend.h"

/* The statements of fusion's book, prepared once per connection. */
enum book_stmt {
	B_INS_FOBS, B_MOVE_FOBS, B_MEMBERS, B_GET_INC, B_UPSERT_INC,
	B_DEL_IRTREE, B_INS_IRTREE, B_CANDIDATES, B_INS_CRTREE, B_COMPLAINTS,
	B_DEL_LINKS, B_INS_LINK, B_INS_DECISION, B_SET_WORDS, B_CLEAR_WORDS,
	B_DEL_ZONES, B_INS_ZONE, B_NSTMTS
};

/* The statements that read incident records (every connection). */
enum rec_stmt {
	R_INCIDENT, R_MEMBERS, R_STATES, R_LINKS, R_CORROBORATED, R_ZONES,
	R_DECISIONS, R_NSTMTS
};

struct store {
	const struct store_ops *ops; /* first: see store_backend.h */
	sqlite3 *db;
	sqlite3_stmt *ins_obs, *ins_rtree, *find, *get_applied, *set_applied;
	sqlite3_stmt *book[B_NSTMTS];
	sqlite3_stmt *rec[R_NSTMTS];
	struct fusion *fusion; /* NULL: observations are only indexed */
	char path[512];
};

#define WORLD_LON 1800000000
#define WORLD_LAT 900000000

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta("
    "  key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;"
    "INSERT OR IGNORE INTO meta VALUES('applied_size', 0);"
    "INSERT OR IGNORE INTO meta VALUES('schema_version', 3);"
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
    "  max_cat);"
    /* Fusion (docs/fusion.md): each observation as fusion placed it. */
    "CREATE TABLE IF NOT EXISTS fusion_obs("
    "  idx INTEGER PRIMARY KEY,"	    /* the observation's log index */
    "  incident TEXT NOT NULL,"
    "  complaint INTEGER NOT NULL, located INTEGER NOT NULL,"
    "  lat REAL NOT NULL, lon REAL NOT NULL,"
    "  cee REAL NOT NULL, cen REAL NOT NULL, cnn REAL NOT NULL,"
    "  search_m REAL NOT NULL,"
    "  t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  w_from INTEGER NOT NULL, w_to INTEGER NOT NULL,"
    "  category INTEGER NOT NULL, grp INTEGER NOT NULL,"
    "  source_type INTEGER NOT NULL, source INTEGER NOT NULL,"
    "  count INTEGER NOT NULL, qualifier INTEGER NOT NULL,"
    "  note TEXT NOT NULL) STRICT;"
    "CREATE INDEX IF NOT EXISTS fusion_obs_incident ON "
    "  fusion_obs(incident, idx);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaint_rtree USING rtree_i32("
    "  idx, min_lon, max_lon, min_lat, max_lat, min_t, max_t);"
    "CREATE TABLE IF NOT EXISTS incident("
    "  rid INTEGER PRIMARY KEY,"	    /* creation order: the cursor */
    "  id TEXT NOT NULL UNIQUE,"
    "  seed_idx INTEGER NOT NULL, updated_idx INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, grp INTEGER NOT NULL,"
    "  category INTEGER NOT NULL, located INTEGER NOT NULL,"
    "  lat REAL NOT NULL, lon REAL NOT NULL,"
    "  cee REAL NOT NULL, cen REAL NOT NULL, cnn REAL NOT NULL,"
    "  search_m REAL NOT NULL,"
    "  lat_e7 INTEGER, lon_e7 INTEGER,"   /* NULL when unlocated */
    "  t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  g_from INTEGER NOT NULL, g_to INTEGER NOT NULL,"
    "  count INTEGER NOT NULL, qualifier INTEGER NOT NULL,"
    "  nobs INTEGER NOT NULL, ncomplaints INTEGER NOT NULL,"
    "  nsources INTEGER NOT NULL, source_types INTEGER NOT NULL,"
    "  pinned INTEGER NOT NULL, live INTEGER NOT NULL, merged_into TEXT,"
    "  zone TEXT, description TEXT, line TEXT, line_m REAL,"
    "  line_side TEXT, described_lat REAL, described_lon REAL) STRICT;"
    "CREATE INDEX IF NOT EXISTS incident_time ON incident(g_from, g_to);"
    "CREATE INDEX IF NOT EXISTS incident_zone_col ON incident(zone);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS incident_rtree USING rtree_i32("
    "  rid, min_lon, max_lon, min_lat, max_lat, min_t, max_t, +grp, +kind);"
    "CREATE TABLE IF NOT EXISTS incident_zone("
    "  incident TEXT NOT NULL, ord INTEGER NOT NULL, layer TEXT NOT NULL,"
    "  zone TEXT NOT NULL, PRIMARY KEY(incident, ord)) STRICT, "
    "  WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS incident_zone_by_zone ON "
    "  incident_zone(zone, incident);"
    "CREATE TABLE IF NOT EXISTS incident_link("
    "  incident TEXT NOT NULL, complaint_idx INTEGER NOT NULL,"
    "  PRIMARY KEY(incident, complaint_idx)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS incident_link_complaint ON "
    "  incident_link(complaint_idx);"
    "CREATE TABLE IF NOT EXISTS incident_decision("
    "  idx INTEGER PRIMARY KEY, incident TEXT NOT NULL,"
    "  applied INTEGER NOT NULL, message TEXT NOT NULL) STRICT;";

/* Columns of an incident row, in row_incident's order. */
#define INC_COLS                                                         \
	"i.id, i.seed_idx, i.updated_idx, i.kind, i.grp, i.category, "   \
	"i.located, i.lat, i.lon, i.cee, i.cen, i.cnn, i.search_m, "     \
	"i.t_from, i.t_to, i.g_from, i.g_to, i.count, i.qualifier, "     \
	"i.nobs, i.ncomplaints, i.nsources, i.source_types, i.pinned, "  \
	"i.live, i.merged_into"
/* Columns of a placed observation, in row_obs's order. */
#define FOBS_COLS                                                        \
	"f.idx, lower(hex(o.id)), f.t_from, f.t_to, f.w_from, f.w_to, "  \
	"f.category, f.grp, f.source_type, f.source, f.count, "          \
	"f.qualifier, f.complaint, f.located, f.lat, f.lon, f.cee, "     \
	"f.cen, f.cnn, f.search_m"

static const char *const rec_sql[R_NSTMTS] = {
	[R_INCIDENT] = "SELECT " INC_COLS ", i.rid, i.zone, i.description, "
		       "i.line, i.line_m, i.line_side FROM incident i WHERE "
		       "i.id = ?",
	[R_MEMBERS] = "SELECT lower(hex(o.id)), f.complaint, f.note FROM "
		      "fusion_obs f JOIN observation o ON o.idx = f.idx WHERE "
		      "f.incident = ? ORDER BY f.idx",
	[R_STATES] = "SELECT DISTINCT o.member FROM fusion_obs f JOIN "
		     "observation o ON o.idx = f.idx WHERE f.incident = ? AND "
		     "f.complaint = 0 AND o.member IS NOT NULL ORDER BY 1",
	[R_LINKS] = "SELECT lower(hex(o.id)) FROM incident_link l JOIN "
		    "observation o ON o.idx = l.complaint_idx WHERE "
		    "l.incident = ? ORDER BY l.complaint_idx",
	[R_CORROBORATED] = "SELECT DISTINCT l.incident FROM incident_link l "
			   "JOIN fusion_obs f ON f.idx = l.complaint_idx "
			   "WHERE f.incident = ? ORDER BY 1",
	[R_ZONES] = "SELECT layer, zone FROM incident_zone WHERE incident = ? "
		    "ORDER BY ord",
	[R_DECISIONS] = "SELECT idx, applied, message FROM incident_decision "
			"WHERE incident = ? ORDER BY idx",
};

static const char *const book_sql[B_NSTMTS] = {
	[B_INS_FOBS] = "INSERT INTO fusion_obs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,"
		       "?,?,?,?,?,?,?,?,?)",
	[B_MOVE_FOBS] = "UPDATE fusion_obs SET incident = ? WHERE idx = ?",
	[B_MEMBERS] = "SELECT " FOBS_COLS ", f.note FROM fusion_obs f JOIN "
		      "observation o ON o.idx = f.idx WHERE f.incident = ? "
		      "ORDER BY f.idx",
	[B_GET_INC] = "SELECT " INC_COLS " FROM incident i WHERE i.id = ?",
	[B_UPSERT_INC] =
	    "INSERT INTO incident(id, seed_idx, updated_idx, kind, grp, "
	    "category, located, lat, lon, cee, cen, cnn, search_m, lat_e7, "
	    "lon_e7, t_from, t_to, g_from, g_to, count, qualifier, nobs, "
	    "ncomplaints, nsources, source_types, pinned, live, merged_into) "
	    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
	    "ON CONFLICT(id) DO UPDATE SET seed_idx = excluded.seed_idx, "
	    "updated_idx = excluded.updated_idx, kind = excluded.kind, "
	    "grp = excluded.grp, category = excluded.category, "
	    "located = excluded.located, lat = excluded.lat, "
	    "lon = excluded.lon, cee = excluded.cee, cen = excluded.cen, "
	    "cnn = excluded.cnn, search_m = excluded.search_m, "
	    "lat_e7 = excluded.lat_e7, lon_e7 = excluded.lon_e7, "
	    "t_from = excluded.t_from, t_to = excluded.t_to, "
	    "g_from = excluded.g_from, g_to = excluded.g_to, "
	    "count = excluded.count, qualifier = excluded.qualifier, "
	    "nobs = excluded.nobs, ncomplaints = excluded.ncomplaints, "
	    "nsources = excluded.nsources, "
	    "source_types = excluded.source_types, pinned = excluded.pinned, "
	    "live = excluded.live, merged_into = excluded.merged_into "
	    "RETURNING rid, described_lat, described_lon",
	[B_DEL_IRTREE] = "DELETE FROM incident_rtree WHERE rid = ?",
	[B_INS_IRTREE] = "INSERT INTO incident_rtree VALUES(?,?,?,?,?,?,?,?,?)",
	[B_CANDIDATES] = "SELECT " INC_COLS " FROM incident_rtree r JOIN "
			 "incident i ON i.rid = r.rid WHERE r.min_lon <= ? "
			 "AND r.max_lon >= ? AND r.min_lat <= ? AND "
			 "r.max_lat >= ? AND r.min_t <= ? AND r.max_t >= ? "
			 "AND r.grp = ? AND r.kind = ? ORDER BY r.rid",
	[B_INS_CRTREE] = "INSERT INTO complaint_rtree VALUES(?,?,?,?,?,?,?)",
	[B_COMPLAINTS] = "SELECT " FOBS_COLS ", f.note FROM complaint_rtree r "
			 "JOIN fusion_obs f ON f.idx = r.idx JOIN observation "
			 "o ON o.idx = f.idx WHERE r.min_lon <= ? AND "
			 "r.max_lon >= ? AND r.min_lat <= ? AND r.max_lat >= ? "
			 "AND r.min_t <= ? AND r.max_t >= ? ORDER BY r.idx",
	[B_DEL_LINKS] = "DELETE FROM incident_link WHERE incident = ?",
	[B_INS_LINK] = "INSERT OR IGNORE INTO incident_link VALUES(?,?)",
	[B_INS_DECISION] = "INSERT OR REPLACE INTO incident_decision "
			   "VALUES(?,?,?,?)",
	[B_SET_WORDS] = "UPDATE incident SET zone = ?, description = ?, "
			"line = ?, line_m = ?, line_side = ?, "
			"described_lat = ?, described_lon = ? WHERE rid = ?",
	[B_CLEAR_WORDS] = "UPDATE incident SET zone = NULL, description = "
			  "NULL, line = NULL, line_m = NULL, line_side = "
			  "NULL, described_lat = NULL, described_lon = NULL "
			  "WHERE rid = ?",
	[B_DEL_ZONES] = "DELETE FROM incident_zone WHERE incident = ?",
	[B_INS_ZONE] = "INSERT INTO incident_zone VALUES(?,?,?,?)",
};

/* 3: category as the R*Tree's 4th dimension; 2: incidents. */
#define SCHEMA_VERSION 3

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
	int i;
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
	for (i = 0; i < B_NSTMTS; i++)
		if (prep(s, book_sql[i], &s->book[i]) == -1)
			goto fail;
	for (i = 0; i < R_NSTMTS; i++)
		if (prep(s, rec_sql[i], &s->rec[i]) == -1)
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
	int i;

	if (s == NULL)
		return;
	sqlite3_finalize(s->ins_obs);
	sqlite3_finalize(s->ins_rtree);
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->get_applied);
	sqlite3_finalize(s->set_applied);
	for (i = 0; i < B_NSTMTS; i++)
		sqlite3_finalize(s->book[i]);
	for (i = 0; i < R_NSTMTS; i++)
		sqlite3_finalize(s->rec[i]);
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

static const struct associate_book_ops sqlite_book;

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
	/* Forms that carry coordinates themselves; the others are located
	 * by fusion (the incident tables). */
	int point = form != NULL && (strcmp(form, "point") == 0 ||
	    strcmp(form, "uav_frame") == 0);
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

	if (type != NULL && strcmp(type, "observation") == 0 &&
	    apply_observation(s, index, entry, bytes, len, id) == -1)
		return -1;
	/* Fusion, on the one path every entry takes, live or replayed. */
	if (s->fusion != NULL)
		return fusion_apply(s->fusion, &sqlite_book, s, index, entry,
		    id);
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

/* ---- fusion's book (fusion/associate.h) ---------------------------- */

static int64_t
clamp_e7(double deg, double limit, int up)
{
	double v = (up ? ceil(deg * 1e7) : floor(deg * 1e7));

	if (v > limit * 1e7)
		v = limit * 1e7;
	if (v < -limit * 1e7)
		v = -limit * 1e7;
	return (int64_t)v;
}

/* Binds a box (degrees, rounded outward to 1e-7) and a window (ms, to
 * whole minutes outward) as R*Tree bounds at parameters p..p+5, in the
 * order min_lon, max_lon, min_lat, max_lat, from, to of the statements
 * above (an overlap test: the statement compares min with max). */
static void
bind_overlap(sqlite3_stmt *st, int p, const struct associate_query *q)
{
	sqlite3_bind_int64(st, p, clamp_e7(q->max_lon, 180, 1));
	sqlite3_bind_int64(st, p + 1, clamp_e7(q->min_lon, 180, 0));
	sqlite3_bind_int64(st, p + 2, clamp_e7(q->max_lat, 90, 1));
	sqlite3_bind_int64(st, p + 3, clamp_e7(q->min_lat, 90, 0));
	sqlite3_bind_int64(st, p + 4,
	    clamp32(floor_div(q->to, 60000) + (q->to % 60000 != 0)));
	sqlite3_bind_int64(st, p + 5, clamp32(floor_div(q->from, 60000)));
}

/* Inserts an R*Tree row (idx; box of lat, lon, r_m; window from..to). */
static int
insert_box(struct store *s, sqlite3_stmt *st, int64_t idx, double lat,
    double lon, double r_m, int64_t from, int64_t to, int extra,
    int64_t grp, int64_t kind)
{
	struct associate_query q;
	int rc;

	associate_box(lat, lon, r_m, &q);
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_int64(st, 2, clamp_e7(q.min_lon, 180, 0));
	sqlite3_bind_int64(st, 3, clamp_e7(q.max_lon, 180, 1));
	sqlite3_bind_int64(st, 4, clamp_e7(q.min_lat, 90, 0));
	sqlite3_bind_int64(st, 5, clamp_e7(q.max_lat, 90, 1));
	sqlite3_bind_int64(st, 6, clamp32(floor_div(from, 60000)));
	sqlite3_bind_int64(st, 7,
	    clamp32(floor_div(to, 60000) + (to % 60000 != 0)));
	if (extra) {
		sqlite3_bind_int64(st, 8, grp);
		sqlite3_bind_int64(st, 9, kind);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "insert box");
	sqlite3_reset(st);
	return rc;
}

static void
row_incident(sqlite3_stmt *st, struct associate_incident *inc)
{
	const unsigned char *merged;

	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s",
	    (const char *)sqlite3_column_text(st, 0));
	inc->seed_index = sqlite3_column_int64(st, 1);
	inc->updated_index = sqlite3_column_int64(st, 2);
	inc->kind = sqlite3_column_int(st, 3);
	inc->group = sqlite3_column_int(st, 4);
	inc->category = sqlite3_column_int(st, 5);
	inc->located = sqlite3_column_int(st, 6);
	inc->lat = sqlite3_column_double(st, 7);
	inc->lon = sqlite3_column_double(st, 8);
	inc->cov[0] = sqlite3_column_double(st, 9);
	inc->cov[1] = sqlite3_column_double(st, 10);
	inc->cov[2] = sqlite3_column_double(st, 11);
	inc->search_m = sqlite3_column_double(st, 12);
	inc->t_from = sqlite3_column_int64(st, 13);
	inc->t_to = sqlite3_column_int64(st, 14);
	inc->g_from = sqlite3_column_int64(st, 15);
	inc->g_to = sqlite3_column_int64(st, 16);
	inc->count = sqlite3_column_int64(st, 17);
	inc->qualifier = sqlite3_column_int(st, 18);
	inc->nobs = sqlite3_column_int(st, 19);
	inc->ncomplaints = sqlite3_column_int(st, 20);
	inc->nsources = sqlite3_column_int(st, 21);
	inc->source_types = (unsigned)sqlite3_column_int64(st, 22);
	inc->pinned = sqlite3_column_int(st, 23);
	inc->live = sqlite3_column_int(st, 24);
	merged = sqlite3_column_text(st, 25);
	if (merged != NULL)
		snprintf(inc->merged_into, sizeof(inc->merged_into), "%s",
		    (const char *)merged);
}

static void
row_obs(sqlite3_stmt *st, struct associate_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->index = sqlite3_column_int64(st, 0);
	snprintf(o->id, sizeof(o->id), "%s",
	    (const char *)sqlite3_column_text(st, 1));
	o->t_from = sqlite3_column_int64(st, 2);
	o->t_to = sqlite3_column_int64(st, 3);
	o->w_from = sqlite3_column_int64(st, 4);
	o->w_to = sqlite3_column_int64(st, 5);
	o->category = sqlite3_column_int(st, 6);
	o->group = sqlite3_column_int(st, 7);
	o->source_type = sqlite3_column_int(st, 8);
	o->source = (uint64_t)sqlite3_column_int64(st, 9);
	o->count = sqlite3_column_int64(st, 10);
	o->qualifier = sqlite3_column_int(st, 11);
	o->complaint = sqlite3_column_int(st, 12);
	o->located = sqlite3_column_int(st, 13);
	o->lat = sqlite3_column_double(st, 14);
	o->lon = sqlite3_column_double(st, 15);
	o->cov[0] = sqlite3_column_double(st, 16);
	o->cov[1] = sqlite3_column_double(st, 17);
	o->cov[2] = sqlite3_column_double(st, 18);
	o->search_m = sqlite3_column_double(st, 19);
	o->note = (const char *)sqlite3_column_text(st, 20);
}

/* Steps st, calling fn on each row of placed observations. */
static int
each_obs(struct store *s, sqlite3_stmt *st, associate_obs_fn fn, void *arg)
{
	struct associate_obs o;
	int r;

	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row_obs(st, &o);
		if (fn(arg, &o) != 0) {
			r = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : sq_fail(s, "fusion observations");
}

static int
book_candidates(void *book, const struct associate_query *q,
    associate_incident_fn fn, void *arg)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_CANDIDATES];
	struct associate_incident inc;
	int r;

	bind_overlap(st, 1, q);
	sqlite3_bind_int(st, 7, q->group);
	sqlite3_bind_int(st, 8, q->kind);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row_incident(st, &inc);
		if (fn(arg, &inc) != 0) {
			r = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : sq_fail(s, "incident candidates");
}

static int
book_get(void *book, const char *id, struct associate_incident *out)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_GET_INC];
	int r, rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		row_incident(st, out);
		rc = 1;
	} else
		rc = r == SQLITE_DONE ? 0 : sq_fail(s, "get incident");
	sqlite3_reset(st);
	return rc;
}

static int
book_members(void *book, const char *id, associate_obs_fn fn, void *arg)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_MEMBERS];

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return each_obs(s, st, fn, arg);
}

static int
book_add_obs(void *book, const struct associate_obs *o, const char *incident)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_INS_FOBS];
	int rc;

	sqlite3_bind_int64(st, 1, o->index);
	sqlite3_bind_text(st, 2, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, o->complaint);
	sqlite3_bind_int(st, 4, o->located);
	sqlite3_bind_double(st, 5, o->lat);
	sqlite3_bind_double(st, 6, o->lon);
	sqlite3_bind_double(st, 7, o->cov[0]);
	sqlite3_bind_double(st, 8, o->cov[1]);
	sqlite3_bind_double(st, 9, o->cov[2]);
	sqlite3_bind_double(st, 10, o->search_m);
	sqlite3_bind_int64(st, 11, o->t_from);
	sqlite3_bind_int64(st, 12, o->t_to);
	sqlite3_bind_int64(st, 13, o->w_from);
	sqlite3_bind_int64(st, 14, o->w_to);
	sqlite3_bind_int(st, 15, o->category);
	sqlite3_bind_int(st, 16, o->group);
	sqlite3_bind_int(st, 17, o->source_type);
	sqlite3_bind_int64(st, 18, (int64_t)o->source);
	sqlite3_bind_int64(st, 19, o->count);
	sqlite3_bind_int(st, 20, o->qualifier);
	sqlite3_bind_text(st, 21, o->note ? o->note : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0
					     : sq_fail(s, "insert fusion_obs");
	sqlite3_reset(st);
	if (rc == 0 && o->complaint && o->located)
		rc = insert_box(s, s->book[B_INS_CRTREE], o->index, o->lat,
		    o->lon, o->search_m, o->w_from, o->w_to, 0, 0, 0);
	return rc;
}

static int
book_move_obs(void *book, int64_t index, const char *incident)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_MOVE_FOBS];
	int rc;

	sqlite3_bind_text(st, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, index);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0
					     : sq_fail(s, "move observation");
	sqlite3_reset(st);
	return rc;
}

/* Distance in metres between two nearby positions (local, for "has it
 * moved"; fusion's own distances are on the ellipsoid). */
static double
moved_m(double lat1, double lon1, double lat2, double lon2)
{
	double dn = (lat2 - lat1) * 111132.0;
	double de = (lon2 - lon1) * 111320.0 * cos(lat1 * 3.14159265358979 /
						  180);

	return sqrt(dn * dn + de * de);
}

/* Re-words the incident at rid when it moved more than STORE_REWORD_M
 * since it was last worded (or never was): zones, line, description. */
#define STORE_REWORD_M 10.0
static int
reword(struct store *s, int64_t rid, const struct associate_incident *inc,
    int described, double dlat, double dlon)
{
	struct fusion_words w;
	sqlite3_stmt *st;
	size_t i;
	int rc = -1;

	if (inc->located && described &&
	    moved_m(dlat, dlon, inc->lat, inc->lon) <= STORE_REWORD_M)
		return 0;
	if (!inc->located && !described)
		return 0;
	st = s->book[B_DEL_ZONES];
	sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sq_fail(s, "delete zones");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	if (!inc->located || fusion_describe(s->fusion, inc->lat, inc->lon,
				 &w) == -1) {
		st = s->book[B_CLEAR_WORDS];
		sqlite3_bind_int64(st, 1, rid);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0
						     : sq_fail(s, "words");
		sqlite3_reset(st);
		return rc;
	}
	st = s->book[B_SET_WORDS];
	if (w.primary_zone[0] != '\0')
		sqlite3_bind_text(st, 1, w.primary_zone, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	if (w.text[0] != '\0')
		sqlite3_bind_text(st, 2, w.text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (w.has_line) {
		sqlite3_bind_text(st, 3, w.line, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, w.line_m);
		sqlite3_bind_text(st, 5, w.line_side, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 3);
		sqlite3_bind_null(st, 4);
		sqlite3_bind_null(st, 5);
	}
	sqlite3_bind_double(st, 6, inc->lat);
	sqlite3_bind_double(st, 7, inc->lon);
	sqlite3_bind_int64(st, 8, rid);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "words");
	sqlite3_reset(st);
	st = s->book[B_INS_ZONE];
	for (i = 0; rc == 0 && i < w.nzones; i++) {
		sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_text(st, 3, w.zone_layer[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, w.zone[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_fail(s, "insert zone");
		sqlite3_reset(st);
	}
	return rc;
}

static int
book_put(void *book, const struct associate_incident *inc)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_UPSERT_INC];
	double dlat = 0, dlon = 0;
	int64_t rid = 0;
	int described = 0, rc = -1;

	sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, inc->seed_index);
	sqlite3_bind_int64(st, 3, inc->updated_index);
	sqlite3_bind_int(st, 4, inc->kind);
	sqlite3_bind_int(st, 5, inc->group);
	sqlite3_bind_int(st, 6, inc->category);
	sqlite3_bind_int(st, 7, inc->located);
	sqlite3_bind_double(st, 8, inc->lat);
	sqlite3_bind_double(st, 9, inc->lon);
	sqlite3_bind_double(st, 10, inc->cov[0]);
	sqlite3_bind_double(st, 11, inc->cov[1]);
	sqlite3_bind_double(st, 12, inc->cov[2]);
	sqlite3_bind_double(st, 13, inc->search_m);
	if (inc->located) {
		sqlite3_bind_int64(st, 14, llround(inc->lat * 1e7));
		sqlite3_bind_int64(st, 15, llround(inc->lon * 1e7));
	} else {
		sqlite3_bind_null(st, 14);
		sqlite3_bind_null(st, 15);
	}
	sqlite3_bind_int64(st, 16, inc->t_from);
	sqlite3_bind_int64(st, 17, inc->t_to);
	sqlite3_bind_int64(st, 18, inc->g_from);
	sqlite3_bind_int64(st, 19, inc->g_to);
	sqlite3_bind_int64(st, 20, inc->count);
	sqlite3_bind_int(st, 21, inc->qualifier);
	sqlite3_bind_int(st, 22, inc->nobs);
	sqlite3_bind_int(st, 23, inc->ncomplaints);
	sqlite3_bind_int(st, 24, inc->nsources);
	sqlite3_bind_int64(st, 25, (int64_t)inc->source_types);
	sqlite3_bind_int(st, 26, inc->pinned);
	sqlite3_bind_int(st, 27, inc->live);
	if (inc->merged_into[0] != '\0')
		sqlite3_bind_text(st, 28, inc->merged_into, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 28);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rid = sqlite3_column_int64(st, 0);
		described = sqlite3_column_type(st, 1) != SQLITE_NULL;
		dlat = sqlite3_column_double(st, 1);
		dlon = sqlite3_column_double(st, 2);
		rc = 0;
	} else
		sq_fail(s, "upsert incident");
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc == -1)
		return -1;
	/* The R*Tree holds the live, located incidents: the candidates. */
	st = s->book[B_DEL_IRTREE];
	sqlite3_bind_int64(st, 1, rid);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sq_fail(s, "delete incident box");
	sqlite3_reset(st);
	if (rc == 0 && inc->live && inc->located)
		rc = insert_box(s, s->book[B_INS_IRTREE], rid, inc->lat,
		    inc->lon, inc->search_m, inc->g_from, inc->g_to, 1,
		    inc->group, inc->kind);
	if (rc == 0 && s->fusion != NULL)
		rc = reword(s, rid, inc, described, dlat, dlon);
	return rc;
}

static int
book_complaints(void *book, const struct associate_query *q,
    associate_obs_fn fn, void *arg)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_COMPLAINTS];

	bind_overlap(st, 1, q);
	return each_obs(s, st, fn, arg);
}

static int
book_add_link(void *book, const char *incident, int64_t index)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_INS_LINK];
	int rc;

	sqlite3_bind_text(st, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, index);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "insert link");
	sqlite3_reset(st);
	return rc;
}

static int
book_set_links(void *book, const char *incident, const int64_t *idx,
    size_t n)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_DEL_LINKS];
	size_t i;
	int rc;

	sqlite3_bind_text(st, 1, incident, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "delete links");
	sqlite3_reset(st);
	for (i = 0; rc == 0 && i < n; i++)
		rc = book_add_link(book, incident, idx[i]);
	return rc;
}

static int
book_decided(void *book, int64_t index, const char *incident, int applied,
    const char *message)
{
	struct store *s = book;
	sqlite3_stmt *st = s->book[B_INS_DECISION];
	int rc;

	sqlite3_bind_int64(st, 1, index);
	sqlite3_bind_text(st, 2, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, applied);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0
					     : sq_fail(s, "record decision");
	sqlite3_reset(st);
	return rc;
}

static const struct associate_book_ops sqlite_book = {
	.candidates = book_candidates,
	.get = book_get,
	.members = book_members,
	.add_obs = book_add_obs,
	.move_obs = book_move_obs,
	.put = book_put,
	.complaints = book_complaints,
	.set_links = book_set_links,
	.add_link = book_add_link,
	.decided = book_decided,
};

static void
sqlite_set_fusion(struct store *s, struct fusion *f)
{
	s->fusion = f;
}

/* ---- incident records (the API's view, built from the tables) ------ */


/* Appends column 0 (text) of every row of st (bound to id) to arr. */
static int
rows_text(struct store *s, sqlite3_stmt *st, const char *id, json_t *arr)
{
	int r;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_string((const char *)
		    sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : sq_fail(s, "incident record");
}

static json_t *
text_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
	    ? json_null()
	    : json_string((const char *)sqlite3_column_text(st, col));
}

/* The record of incident id (see store.h); 1, 0 (no such), -1. */
static int
incident_record(struct store *s, const char *id, json_t **out)
{
	sqlite3_stmt *st = s->rec[R_INCIDENT];
	struct associate_incident inc;
	json_t *o = NULL, *obs, *comp, *notes, *arr, *types, *zones, *dec;
	const char *name;
	int r, rc = -1, t;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		return r == SQLITE_DONE ? 0 : sq_fail(s, "find incident");
	}
	row_incident(st, &inc);
	types = json_array();
	for (t = 0; t < 32; t++)
		if ((inc.source_types & (1u << t)) &&
		    (name = associate_source_type_name(t)) != NULL)
			json_array_append_new(types, json_string(name));
	name = associate_category_name(inc.category);
	o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:b,s:i,"
		      "s:o,s:b,s:b,s:I,s:I,s:I}",
	    "id", inc.id, "kind",
	    inc.kind == ASSOCIATE_OBSERVED ? "observed" : "complaint", "group",
	    associate_group_name(inc.group), "category",
	    name != NULL ? name : "other", "count", (json_int_t)inc.count,
	    "qualifier", associate_qualifier_name(inc.qualifier),
	    "time_from_ms", (json_int_t)inc.g_from, "time_to_ms",
	    (json_int_t)inc.g_to, "reported_from_ms", (json_int_t)inc.t_from,
	    "reported_to_ms", (json_int_t)inc.t_to, "located", inc.located,
	    "independent_sources", inc.nsources, "source_types", types,
	    "pinned", inc.pinned, "live", inc.live, "seed_index",
	    (json_int_t)inc.seed_index, "updated_index",
	    (json_int_t)inc.updated_index, "cursor",
	    (json_int_t)sqlite3_column_int64(st, 26));
	if (o == NULL)
		goto done;
	if (inc.located) {
		json_object_set_new(o, "lat", json_real(inc.lat));
		json_object_set_new(o, "lon", json_real(inc.lon));
		json_object_set_new(o, "cov", json_pack("[f,f,f]", inc.cov[0],
		    inc.cov[1], inc.cov[2]));
	}
	json_object_set_new(o, "merged_into", inc.merged_into[0]
	    ? json_string(inc.merged_into) : json_null());
	json_object_set_new(o, "zone", text_or_null(st, 27));
	json_object_set_new(o, "description", text_or_null(st, 28));
	json_object_set_new(o, "line", sqlite3_column_type(st, 29) ==
		SQLITE_NULL ? json_null() : json_pack("{s:s,s:f,s:o}", "name",
		(const char *)sqlite3_column_text(st, 29), "distance_m",
		sqlite3_column_double(st, 30), "side", text_or_null(st, 31)));
	sqlite3_reset(st);

	obs = json_array();
	comp = json_array();
	notes = json_array();
	json_object_set_new(o, "observations", obs);
	json_object_set_new(o, "complaints", comp);
	json_object_set_new(o, "notes", notes);
	st = s->rec[R_MEMBERS];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *oid = (const char *)sqlite3_column_text(st, 0);
		const char *note = (const char *)sqlite3_column_text(st, 2);

		json_array_append_new(sqlite3_column_int(st, 1) ? comp : obs,
		    json_string(oid));
		if (note != NULL && note[0] != '\0')
			json_array_append_new(notes, json_pack("{s:s,s:s}",
			    "observation", oid, "note", note));
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		sq_fail(s, "incident members");
		goto done;
	}
	if (rows_text(s, s->rec[R_LINKS], id, comp) == -1)
		goto done;
	arr = json_array();
	json_object_set_new(o, "members", arr);
	if (rows_text(s, s->rec[R_STATES], id, arr) == -1)
		goto done;
	arr = json_array();
	json_object_set_new(o, "corroborated_by", arr);
	if (inc.kind == ASSOCIATE_COMPLAINT &&
	    rows_text(s, s->rec[R_CORROBORATED], id, arr) == -1)
		goto done;
	zones = json_array();
	json_object_set_new(o, "zones", zones);
	st = s->rec[R_ZONES];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(zones, json_pack("{s:s,s:s}", "layer",
		    (const char *)sqlite3_column_text(st, 0), "zone",
		    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		sq_fail(s, "incident zones");
		goto done;
	}
	dec = json_array();
	json_object_set_new(o, "decisions", dec);
	st = s->rec[R_DECISIONS];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(dec, json_pack("{s:I,s:b,s:s}", "index",
		    (json_int_t)sqlite3_column_int64(st, 0), "applied",
		    sqlite3_column_int(st, 1), "message",
		    (const char *)sqlite3_column_text(st, 2)));
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		sq_fail(s, "incident decisions");
		goto done;
	}
	*out = o;
	o = NULL;
	rc = 1;
done:
	sqlite3_reset(s->rec[R_INCIDENT]);
	json_decref(o);
	return rc;
}

static int
sqlite_find_incident(struct store *s, const char *id, json_t **out)
{
	if (strlen(id) > 64)
		return 0;
	return incident_record(s, id, out);
}

static int
sqlite_query_incidents(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, void *ctx)
{
	char sql[2048], id[ASSOCIATE_ID_LEN + 1];
	size_t n = 0, i;
	sqlite3_stmt *st = NULL;
	json_t *rec;
	int p = 1, r, rc = -1, got;
	int64_t cursor;

#define ADD(...)                                                             \
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0,  \
	    __VA_ARGS__)
	if (q->has_bbox)
		ADD("SELECT i.rid, i.id FROM incident_rtree r JOIN incident i "
		    "ON i.rid = r.rid WHERE r.min_lon <= ? AND r.max_lon >= ? "
		    "AND r.min_lat <= ? AND r.max_lat >= ? AND i.lon_e7 "
		    "BETWEEN ? AND ? AND i.lat_e7 BETWEEN ? AND ? AND ");
	else
		ADD("SELECT i.rid, i.id FROM incident i WHERE ");
	ADD("i.live = 1 AND i.rid > ? AND i.g_to >= ? AND i.g_from <= ?");
	if (q->ncategories > 0) {
		ADD(" AND i.category IN (");
		for (i = 0; i < q->ncategories; i++)
			ADD("%s?", i ? "," : "");
		ADD(")");
	}
	if (q->zone != NULL)
		ADD(" AND EXISTS (SELECT 1 FROM incident_zone z WHERE "
		    "z.incident = i.id AND z.zone = ?)");
	ADD(" ORDER BY i.rid LIMIT ?");
#undef ADD
	if (n >= sizeof(sql)) {
		log_warnx("store incident query too long");
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "prepare incident query");
	if (q->has_bbox) {
		sqlite3_bind_int64(st, p++, q->max_lon_e7);
		sqlite3_bind_int64(st, p++, q->min_lon_e7);
		sqlite3_bind_int64(st, p++, q->max_lat_e7);
		sqlite3_bind_int64(st, p++, q->min_lat_e7);
		sqlite3_bind_int64(st, p++, q->min_lon_e7);
		sqlite3_bind_int64(st, p++, q->max_lon_e7);
		sqlite3_bind_int64(st, p++, q->min_lat_e7);
		sqlite3_bind_int64(st, p++, q->max_lat_e7);
	}
	sqlite3_bind_int64(st, p++, q->after);
	sqlite3_bind_int64(st, p++, q->from_ms);
	sqlite3_bind_int64(st, p++, q->to_ms);
	for (i = 0; i < q->ncategories; i++)
		sqlite3_bind_int(st, p++,
		    associate_category(q->categories[i]));
	if (q->zone != NULL)
		sqlite3_bind_text(st, p++, q->zone, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p++, q->limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		cursor = sqlite3_column_int64(st, 0);
		snprintf(id, sizeof(id), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		rec = NULL;
		if ((got = incident_record(s, id, &rec)) != 1) {
			if (got == 0)
				log_warnx("store: incident %s vanished", id);
			goto done;
		}
		got = fn(ctx, cursor, rec);
		json_decref(rec);
		if (got != 0)
			break;
	}
	if (r == SQLITE_ROW || r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "incident query");
done:
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_count_incidents(struct store *s, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM incident WHERE "
		"live = 1", -1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "count incidents");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
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
		       "DELETE FROM fusion_obs; DELETE FROM complaint_rtree;"
		       "DELETE FROM incident; DELETE FROM incident_rtree;"
		       "DELETE FROM incident_zone; DELETE FROM incident_link;"
		       "DELETE FROM incident_decision;"
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
	.set_fusion = sqlite_set_fusion,
	.find_incident = sqlite_find_incident,
	.query_incidents = sqlite_query_incidents,
	.count_incidents = sqlite_count_incidents,
};
