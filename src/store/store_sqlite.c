/*
 * store_sqlite: the embedded store backend (SQLite 3: WAL, synchronous=FULL,
 * STRICT tables, and an R*Tree over longitude, latitude and time for the
 * bbox + time filter; see https://sqlite.org/rtree.html). Coordinates are
 * kept exactly as the log has them (1e-7 degrees) in an rtree_i32, so the
 * spatial filter never rounds; times enter the R*Tree in whole minutes
 * (widened outward) and are then checked exactly in milliseconds. The
 * apply path inserts boxes one by one; a bulk store (`truce rebuild`)
 * packs both R*Trees at its end instead (store/sqlite_rtree.h).
 *
 * It also keeps what fusion makes on the apply path: the incidents, the
 * observations as fusion placed them, complaint links and analysts'
 * decisions live in the tables below, written by fusion's book
 * (store/fusionbook.h, above this backend) through the rows this file
 * provides (sqlite_fusion_rows), so `truce rebuild` recreates them. Live
 * incidents are found by area through an R*Tree of their search boxes
 * (associate_box, in 1e-7 degrees rounded outward) and windows.
 *
 * The rules of the center's entries are not here: store/applier.c decides
 * which genesis, principal, member, evidence, incident_state, assessment,
 * task, release, source_status and report entries apply and what they
 * change, through the rows this file provides (sqlite_rows;
 * docs/storage.md, "Layers"); the API's JSON is built from the rows it
 * reads in src/format/ (verform, increcord, reportform).
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <sodium.h>

#include "common/log.h"
#include "record/entry.h"
#include "record/evidence_entry.h"
#include "record/observation.h"
#include "record/source_status.h"
#include "fusion/associate.h"
#include "fusion/fusion.h"
#include "store/fusionbook.h"
#include "store/applier.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "store/sqlite_reports.h"
#include "store/sqlite_rtree.h"
#include "verify/assessment.h"
#include "verify/member.h"
#include "verify/principal.h"
#include "verify/workflow.h"

/* The statements of fusion's book, prepared once per connection. */
enum book_stmt {
	B_INS_FOBS,
	B_MOVE_FOBS,
	B_INS_INC,
	B_INS_INC_W,
	B_UPSERT_INC,
	B_UPSERT_INC_W,
	B_DEL_IRTREE,
	B_INS_IRTREE,
	B_DEL_LINKS,
	B_INS_LINK,
	B_INS_DECISION,
	B_DEL_ZONES,
	B_INS_ZONE,
	B_NSTMTS
};

/* The statements that read incident records (every connection). */
enum rec_stmt {
	R_INCIDENT,
	R_MEMBERS,
	R_STATES,
	R_LINKS,
	R_CORROBORATED,
	R_ZONES,
	R_DECISIONS,
	R_NSTMTS
};

/*
 * The reads of one incident's verification (every connection): a daily
 * report reads the state and the latest views of each of its ~2,000
 * incidents, and preparing these again for each was a third of its draft.
 */
enum wf_stmt {
	W_STATE,
	W_LATEST,
	W_ASSESSMENTS,
	W_RELEASES,
	W_TASKS,
	W_TASKS_OF,
	W_HISTORY,
	W_NSTMTS
};

struct store {
	struct store_head head; /* first: see store_backend.h */
	sqlite3 *db;
	sqlite3_stmt *ins_obs, *ins_rtree, *find, *get_applied, *set_applied;
	sqlite3_stmt *obs_incident; /* observation_incident: kept prepared */
	sqlite3_stmt *book[B_NSTMTS];
	sqlite3_stmt *rec[R_NSTMTS];
	sqlite3_stmt *wf[W_NSTMTS];
	int scratch; /* STORE_SCRATCH: no spatial index */
	int bulk;    /* STORE_BULK: late indexes and R*Trees still to build */
	int late;    /* STORE_SCRATCH: late indexes built at the next commit */
	char path[512];
};

#define WORLD_LON 1800000000
#define WORLD_LAT 900000000

/*
 * The schema's version: a store written by another version is refused and
 * recreated from the log by `truce rebuild` (it is an index; the log is
 * the truth). 7: alert rules; 6: no complaint R*Tree (never read), no index on an
 * incident's zone column nor incident_zone by zone (no query used them);
 * 5: principals, members, evidence and verification; 3:
 * category as the R*Tree's 4th dimension; 2: incidents.
 */
#define SCHEMA_VERSION 7

static const char *const tables[] = { "observation", "observation_rtree",
	"principal", "token", "refused", "member", "member_key", "center",
	"evidence", "custody", "incident_state", "assessment", "incident_event",
	"task", "release", "fusion_obs", "incident", "incident_rtree",
	"incident_zone", "incident_link", "incident_decision", "source_status",
	"alert_rule", NULL };

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta("
    "  key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;"
    "INSERT OR IGNORE INTO meta VALUES('applied_size', 0);"
    "INSERT OR IGNORE INTO meta VALUES('schema_version', 7);"
    "CREATE TABLE IF NOT EXISTS observation("
    "  idx INTEGER PRIMARY KEY," /* log index */
    "  id BLOB NOT NULL UNIQUE," /* SHA-256 of the entry */
    "  t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  category TEXT NOT NULL, source_type TEXT NOT NULL, member TEXT,"
    "  lat_e7 INTEGER, lon_e7 INTEGER,"
    "  entry BLOB NOT NULL, organisation TEXT) STRICT;"
    /* The category is a 4th dimension: the common bbox + time + one
       category query then visits only its own rows (bench/RESULTS.md). */
    "CREATE VIRTUAL TABLE IF NOT EXISTS observation_rtree USING rtree_i32("
    "  idx, min_lon, max_lon, min_lat, max_lat, min_t, max_t, min_cat,"
    "  max_cat);"
    /* Principals (verify/principal.h): tokens by their SHA-256 only. */
    "CREATE TABLE IF NOT EXISTS principal("
    "  name TEXT PRIMARY KEY, role TEXT NOT NULL, member TEXT NOT NULL,"
    "  party TEXT NOT NULL, active INTEGER NOT NULL,"
    "  added_idx INTEGER NOT NULL, revoked_idx INTEGER) STRICT;"
    "CREATE TABLE IF NOT EXISTS token("
    "  hash BLOB PRIMARY KEY, name TEXT NOT NULL, idx INTEGER NOT NULL)"
    "  STRICT;"
    "CREATE INDEX IF NOT EXISTS token_name ON token(name);"
    /* Entries the apply path refused, with why. */
    "CREATE TABLE IF NOT EXISTS refused("
    "  idx INTEGER PRIMARY KEY, type TEXT NOT NULL, reason TEXT NOT NULL)"
    "  STRICT;"
    /* Members and every key any member ever had. */
    "CREATE TABLE IF NOT EXISTS member("
    "  name TEXT PRIMARY KEY, vkey TEXT NOT NULL, since_idx INTEGER NOT NULL)"
    "  STRICT;"
    "CREATE TABLE IF NOT EXISTS member_key("
    "  vkey TEXT PRIMARY KEY, name TEXT NOT NULL, idx INTEGER NOT NULL)"
    "  STRICT;"
    /* The genesis settings replay needs: rule, parties (JSON text). */
    "CREATE TABLE IF NOT EXISTS center("
    "  key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    /* Evidence (content-addressed files) and its chain of custody. */
    "CREATE TABLE IF NOT EXISTS evidence("
    "  sha256 BLOB PRIMARY KEY, size INTEGER NOT NULL,"
    "  media_type TEXT NOT NULL, idx INTEGER NOT NULL) STRICT;"
    "CREATE TABLE IF NOT EXISTS custody("
    "  idx INTEGER PRIMARY KEY, sha256 BLOB NOT NULL, action TEXT NOT NULL,"
    "  by TEXT NOT NULL, at_ms INTEGER NOT NULL) STRICT;"
    "CREATE INDEX IF NOT EXISTS custody_item ON custody(sha256, idx);"
    /* Sources' statements that they were (not) operational
     * (record/source_status.h), as the log has them. */
    "CREATE TABLE IF NOT EXISTS source_status("
    "  idx INTEGER PRIMARY KEY, type TEXT NOT NULL, member TEXT,"
    "  organisation TEXT, unit TEXT NOT NULL, status TEXT NOT NULL,"
    "  reason TEXT NOT NULL, from_ms INTEGER NOT NULL,"
    "  to_ms INTEGER NOT NULL, by TEXT NOT NULL, at_ms INTEGER NOT NULL)"
    "  STRICT;"
    /* Alert rules and their state (alert/alert_rule.h), as the log has
     * them: the "add" entry's index, who, when, the entry's JSON. */
    "CREATE TABLE IF NOT EXISTS alert_rule("
    "  idx INTEGER PRIMARY KEY, by TEXT NOT NULL, at_ms INTEGER NOT NULL,"
    "  entry TEXT NOT NULL, disabled_idx INTEGER, disabled_by TEXT)"
    "  STRICT;"
    /* Joint verification (verify/workflow.h): an incident with no row is
     * `received`. */
    "CREATE TABLE IF NOT EXISTS incident_state("
    "  incident TEXT PRIMARY KEY, state TEXT NOT NULL, tier INTEGER NOT NULL,"
    "  tier_name TEXT, duplicate_of TEXT, since_idx INTEGER NOT NULL,"
    "  since_ms INTEGER NOT NULL) STRICT;"
    "CREATE TABLE IF NOT EXISTS assessment("
    "  idx INTEGER PRIMARY KEY, incident TEXT NOT NULL, member TEXT NOT NULL,"
    "  revision INTEGER NOT NULL, verdict TEXT NOT NULL,"
    "  attribution TEXT NOT NULL, confidence TEXT NOT NULL,"
    "  assessed_at_ms INTEGER NOT NULL, by TEXT NOT NULL, at_ms INTEGER NOT "
    "  NULL, note TEXT NOT NULL, UNIQUE(incident, member, revision)) STRICT;"
    /* Every step of an incident's trail, in log order (seq breaks ties
     * within one entry: an assessment and the ruling it makes). */
    "CREATE TABLE IF NOT EXISTS incident_event("
    "  seq INTEGER PRIMARY KEY, incident TEXT NOT NULL, idx INTEGER NOT NULL,"
    "  kind TEXT NOT NULL, from_state TEXT, to_state TEXT) STRICT;"
    "CREATE TABLE IF NOT EXISTS task("
    "  idx INTEGER PRIMARY KEY, incident TEXT NOT NULL, unit TEXT NOT NULL,"
    "  kind TEXT NOT NULL, description TEXT NOT NULL, due_ms INTEGER NOT "
    "  NULL, by TEXT NOT NULL, at_ms INTEGER NOT NULL, done_idx INTEGER,"
    "  done_by TEXT, done_note TEXT) STRICT;"
    "CREATE TABLE IF NOT EXISTS release("
    "  incident TEXT NOT NULL, party TEXT NOT NULL, idx INTEGER NOT NULL,"
    "  PRIMARY KEY(incident, party)) STRICT;"
    /* Fusion (docs/fusion.md): each observation as fusion placed it. */
    "CREATE TABLE IF NOT EXISTS fusion_obs("
    "  idx INTEGER PRIMARY KEY," /* the observation's log index */
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
    "CREATE TABLE IF NOT EXISTS incident("
    "  rid INTEGER PRIMARY KEY," /* creation order: the cursor */
    "  id TEXT NOT NULL UNIQUE,"
    "  seed_idx INTEGER NOT NULL, updated_idx INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL, grp INTEGER NOT NULL,"
    "  category INTEGER NOT NULL, located INTEGER NOT NULL,"
    "  lat REAL NOT NULL, lon REAL NOT NULL,"
    "  cee REAL NOT NULL, cen REAL NOT NULL, cnn REAL NOT NULL,"
    "  search_m REAL NOT NULL,"
    "  lat_e7 INTEGER, lon_e7 INTEGER," /* NULL when unlocated */
    "  t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  g_from INTEGER NOT NULL, g_to INTEGER NOT NULL,"
    "  count INTEGER NOT NULL, qualifier INTEGER NOT NULL,"
    "  nobs INTEGER NOT NULL, ncomplaints INTEGER NOT NULL,"
    "  nsources INTEGER NOT NULL, source_types INTEGER NOT NULL,"
    "  pinned INTEGER NOT NULL, live INTEGER NOT NULL, merged_into TEXT,"
    "  zone TEXT, description TEXT, line TEXT, line_m REAL,"
    "  line_side TEXT, described_lat REAL, described_lon REAL) STRICT;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS incident_rtree USING rtree_i32("
    "  rid, min_lon, max_lon, min_lat, max_lat, min_t, max_t, +grp, +kind);"
    "CREATE TABLE IF NOT EXISTS incident_zone("
    "  incident TEXT NOT NULL, ord INTEGER NOT NULL, layer TEXT NOT NULL,"
    "  zone TEXT NOT NULL, PRIMARY KEY(incident, ord)) STRICT, "
    "  WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS incident_link("
    "  incident TEXT NOT NULL, complaint_idx INTEGER NOT NULL,"
    "  PRIMARY KEY(incident, complaint_idx)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS incident_decision("
    "  idx INTEGER PRIMARY KEY, incident TEXT NOT NULL,"
    "  applied INTEGER NOT NULL, message TEXT NOT NULL) STRICT;";

/*
 * The secondary indexes no statement of the apply path reads (the API's
 * reads and the state digests do): a bulk store (truce rebuild) creates
 * them after its load, each in one sorted pass (the usual bulk-load order:
 * PostgreSQL's manual, "Populating a Database", 14.4.3). Every other open
 * creates them with the tables.
 */
static const char schema_late[] =
    "CREATE INDEX IF NOT EXISTS source_status_time ON "
    "  source_status(from_ms);"
    "CREATE INDEX IF NOT EXISTS incident_event_by ON "
    "  incident_event(incident, seq);"
    "CREATE INDEX IF NOT EXISTS fusion_obs_incident ON "
    "  fusion_obs(incident, idx);"
    "CREATE INDEX IF NOT EXISTS incident_time ON incident(g_from, g_to);"
    /* The keys of the state digests (store_state_keys): by seed index. */
    "CREATE INDEX IF NOT EXISTS incident_seed ON incident(seed_idx, id);"
    "CREATE INDEX IF NOT EXISTS incident_link_complaint ON "
    "  incident_link(complaint_idx);"
    /* An incident's tasks (W_TASKS_OF). */
    "CREATE INDEX IF NOT EXISTS task_incident ON task(incident, idx);";

/* Columns of an incident row, in row_incident's order. */
#define INC_COLS                                                        \
	"i.id, i.seed_idx, i.updated_idx, i.kind, i.grp, i.category, "  \
	"i.located, i.lat, i.lon, i.cee, i.cen, i.cnn, i.search_m, "    \
	"i.t_from, i.t_to, i.g_from, i.g_to, i.count, i.qualifier, "    \
	"i.nobs, i.ncomplaints, i.nsources, i.source_types, i.pinned, " \
	"i.live, i.merged_into"
/* Columns of a placed observation, in row_obs's order. */
#define FOBS_COLS                                                       \
	"f.idx, lower(hex(o.id)), f.t_from, f.t_to, f.w_from, f.w_to, " \
	"f.category, f.grp, f.source_type, f.source, f.count, "         \
	"f.qualifier, f.complaint, f.located, f.lat, f.lon, f.cee, "    \
	"f.cen, f.cnn, f.search_m"

static const char *const rec_sql[R_NSTMTS] = {
	[R_INCIDENT] = "SELECT " INC_COLS ", i.rid, i.zone, i.description, "
		       "i.line, i.line_m, i.line_side FROM incident i WHERE "
		       "i.id = ?",
	[R_MEMBERS] = "SELECT lower(hex(o.id)), f.complaint, f.note, "
		      "o.organisation, o.member FROM "
		      "fusion_obs f JOIN observation o ON o.idx = f.idx WHERE "
		      "f.incident = ? ORDER BY f.idx",
	[R_STATES] = "SELECT DISTINCT o.member FROM fusion_obs f JOIN "
		     "observation o ON o.idx = f.idx WHERE f.incident = ? AND "
		     "f.complaint = 0 AND o.member IS NOT NULL ORDER BY 1",
	[R_LINKS] = "SELECT lower(hex(o.id)), 1, NULL, o.organisation, NULL "
		    "FROM "
		    "incident_link l JOIN "
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

#define TASK_COLUMNS                                           \
	"idx, incident, unit, kind, description, due_ms, by, " \
	"at_ms, done_idx, done_by, done_note"

static const char *const wf_sql[W_NSTMTS] = {
	[W_STATE] = "SELECT incident, state, tier, tier_name, duplicate_of, "
		    "since_idx, since_ms FROM incident_state WHERE "
		    "incident = ?",
	[W_LATEST] = "SELECT a.idx, a.member, a.revision, a.by, a.at_ms, "
		     "a.note FROM assessment a WHERE a.incident = ? AND "
		     "a.revision = (SELECT max(revision) FROM assessment b "
		     "WHERE b.incident = a.incident AND b.member = a.member) "
		     "ORDER BY a.member",
	[W_ASSESSMENTS] = "SELECT idx, member, revision, by, at_ms, note "
			  "FROM assessment WHERE incident = ? ORDER BY idx",
	[W_RELEASES] = "SELECT party FROM release WHERE incident = ? ORDER "
		       "BY party",
	[W_TASKS] = "SELECT " TASK_COLUMNS " FROM task WHERE (?1 IS NULL OR "
		    "incident = ?1) AND (?2 < 0 OR idx = ?2) AND (?3 IS NULL "
		    "OR (unit = ?3 AND done_idx IS NULL)) ORDER BY idx",
	/* An incident's tasks (its record, its state digest row) by
	   task_incident, not a scan of every task. */
	[W_TASKS_OF] = "SELECT " TASK_COLUMNS " FROM task WHERE incident = ?1 "
		       "ORDER BY idx",
	/* Fusion's steps (the observations it placed here, the analysts'
	 * merges and splits) and verification's, in log order: kept
	 * prepared, as every state digest row asks it. */
	[W_HISTORY] = "SELECT idx, kind, from_state, to_state FROM ("
		      "SELECT idx, 'observation' AS kind, NULL AS from_state, "
		      "NULL AS to_state, 0 AS seq FROM fusion_obs WHERE "
		      "incident = ?1 UNION ALL SELECT idx, 'decision', NULL, "
		      "NULL, 0 FROM incident_decision WHERE incident = ?1 "
		      "UNION ALL SELECT idx, kind, from_state, to_state, seq "
		      "FROM incident_event WHERE incident = ?1) ORDER BY idx, "
		      "seq",
};

/* An incident's row, upserted: its summary, and with B_UPSERT_INC_W its
 * words (zone, description, line, where they were taken) too. */
#define UPSERT_INC                                                       \
	"INSERT INTO incident(id, seed_idx, updated_idx, kind, grp, "    \
	"category, located, lat, lon, cee, cen, cnn, search_m, lat_e7, " \
	"lon_e7, t_from, t_to, g_from, g_to, count, qualifier, nobs, "   \
	"ncomplaints, nsources, source_types, pinned, live, merged_into"
#define Q28 "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?"
#define UPSERT_SET                                                         \
	"ON CONFLICT(id) DO UPDATE SET seed_idx = excluded.seed_idx, "     \
	"updated_idx = excluded.updated_idx, kind = excluded.kind, "       \
	"grp = excluded.grp, category = excluded.category, "               \
	"located = excluded.located, lat = excluded.lat, "                 \
	"lon = excluded.lon, cee = excluded.cee, cen = excluded.cen, "     \
	"cnn = excluded.cnn, search_m = excluded.search_m, "               \
	"lat_e7 = excluded.lat_e7, lon_e7 = excluded.lon_e7, "             \
	"t_from = excluded.t_from, t_to = excluded.t_to, "                 \
	"g_from = excluded.g_from, g_to = excluded.g_to, "                 \
	"count = excluded.count, qualifier = excluded.qualifier, "         \
	"nobs = excluded.nobs, ncomplaints = excluded.ncomplaints, "       \
	"nsources = excluded.nsources, "                                   \
	"source_types = excluded.source_types, pinned = excluded.pinned, " \
	"live = excluded.live, merged_into = excluded.merged_into"
#define WORDS_COLS                                                    \
	"zone, description, line, line_m, line_side, described_lat, " \
	"described_lon"
#define WORDS_SET                                                    \
	"zone = excluded.zone, description = excluded.description, " \
	"line = excluded.line, line_m = excluded.line_m, "           \
	"line_side = excluded.line_side, "                           \
	"described_lat = excluded.described_lat, "                   \
	"described_lon = excluded.described_lon"

static const char *const book_sql[B_NSTMTS] = {
	[B_INS_FOBS] = "INSERT INTO fusion_obs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,"
		       "?,?,?,?,?,?,?,?,?)",
	[B_MOVE_FOBS] = "UPDATE fusion_obs SET incident = ? WHERE idx = ?",
	[B_INS_INC] = UPSERT_INC ") VALUES(" Q28 ")",
	[B_INS_INC_W] =
	    UPSERT_INC ", " WORDS_COLS ") VALUES(" Q28 ",?,?,?,?,?,?,?)",
	[B_UPSERT_INC] =
	    UPSERT_INC ") VALUES(" Q28 ") " UPSERT_SET " RETURNING rid",
	[B_UPSERT_INC_W] = UPSERT_INC ", " WORDS_COLS ") VALUES(" Q28
				      ",?,?,?,?,?,?,?) " UPSERT_SET
				      ", " WORDS_SET " RETURNING rid",
	[B_DEL_IRTREE] = "DELETE FROM incident_rtree WHERE rid = ?",
	[B_INS_IRTREE] = "INSERT INTO incident_rtree VALUES(?,?,?,?,?,?,?,?,?)",
	[B_DEL_LINKS] = "DELETE FROM incident_link WHERE incident = ?",
	[B_INS_LINK] = "INSERT OR IGNORE INTO incident_link VALUES(?,?)",
	[B_INS_DECISION] = "INSERT OR REPLACE INTO incident_decision "
			   "VALUES(?,?,?,?)",
	[B_DEL_ZONES] = "DELETE FROM incident_zone WHERE incident = ?",
	[B_INS_ZONE] = "INSERT INTO incident_zone VALUES(?,?,?,?)",
};

static int
sq_fail(struct store *s, const char *what)
{
	log_warnx("store %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

static atomic_uint_fast64_t nomem, damaged;

/* SQLite's error log: counts failed allocations and damage (store.h). */
static void
sqlite_log(void *arg, int code, const char *msg)
{
	(void)arg;
	(void)msg;
	if ((code & 0xff) == SQLITE_NOMEM)
		atomic_fetch_add(&nomem, 1);
	else if ((code & 0xff) == SQLITE_CORRUPT ||
	    (code & 0xff) == SQLITE_NOTADB)
		atomic_fetch_add(&damaged, 1);
}

void
store_nomem_install(void)
{
	if (sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL) != SQLITE_OK)
		log_warnx("SQLite's error log could not be set: its "
			  "allocation failures are not counted");
	/* Nothing reads SQLite's memory statistics; kept, they take a
	   process-wide mutex around every allocation of every connection
	   (a few % of the apply path, bench/RESULTS.md). */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		log_warnx("SQLite's memory statistics could not be turned "
			  "off");
}

uint64_t
store_nomem_failures(void)
{
	return (uint64_t)atomic_load(&nomem);
}

uint64_t
store_damage_seen(void)
{
	return (uint64_t)atomic_load(&damaged);
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

	if (sqlite3_prepare_v2(s->db,
		"SELECT value FROM meta WHERE key = "
		"'schema_version'",
		-1, &st, NULL) == SQLITE_OK &&
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

static int bulk_finish(struct store *s);

static const char bulk_mark[] =
    "INSERT OR REPLACE INTO meta VALUES('bulk_unfinished', 1);";

/*
 * A store a bulk load left unfinished (its finish failed or never ran):
 * finished now when writable, refused when read-only.
 */
static int
bulk_unfinished(struct store *s, int readonly)
{
	sqlite3_stmt *st = NULL;
	int pending = 0;

	if (sqlite3_prepare_v2(s->db,
		"SELECT 1 FROM meta WHERE key = 'bulk_unfinished'", -1, &st,
		NULL) != SQLITE_OK)
		return sq_fail(s, "read meta");
	pending = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!pending)
		return 0;
	if (readonly) {
		log_warnx("store %s: its bulk load was not finished (no "
			  "spatial index): open it once writable (truce "
			  "serve) or run `truce rebuild`",
		    s->path);
		return -1;
	}
	log_warnx("store %s: finishing its bulk load (indexes, R*Trees)",
	    s->path);
	return bulk_finish(s);
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
	s->head.ops = &store_sqlite_ops;
	s->head.name = s->path;
	snprintf(s->path, sizeof(s->path), "%s", target);
	s->scratch = (flags & STORE_SCRATCH) != 0;
	if (sqlite3_open_v2(target, &s->db,
		(readonly ? SQLITE_OPEN_READONLY
			  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		log_warnx("store %s: open: %s", target,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* A scratch store trades durability for speed: it is thrown away
	   after use, and its rollback journal stays in memory. Its pages are
	   16 KiB (set before the schema exists): fewer, fuller B-tree pages
	   cut an audit's bulk replay by about a tenth. Its locking is normal:
	   an audit replays in one transaction, then reads it from two
	   connections. */
	/* A bulk store (truce rebuild) is written the same way, in the
	   center's page size; its caller syncs the file once, after closing
	   it, and the center's next open turns WAL on. */
	if (sqlite3_exec(s->db,
		(flags & STORE_SCRATCH)
		    ? "PRAGMA page_size=16384;"
		      "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
		      "PRAGMA cache_size=-262144;"
		      "PRAGMA temp_store=MEMORY;"
		    : (flags & STORE_BULK)
		    ? "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
		      "PRAGMA locking_mode=EXCLUSIVE; PRAGMA "
		      "cache_size=-262144;"
		      "PRAGMA temp_store=MEMORY;"
		    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		      "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
		      "PRAGMA mmap_size=1073741824;",
		NULL, NULL, &err) != SQLITE_OK)
		goto fail_exec;
	/* A bulk store marks itself unfinished until bulk_finish has run:
	   a store whose finish failed is finished by its next writable
	   open, and refused by a read-only one. */
	s->bulk = (flags & STORE_BULK) != 0 && !readonly;
	/* A scratch store (an audit's replay: one transaction, then reads)
	   creates them in its first commit, so they are built after the
	   load, and kept up by any later one. */
	s->late = s->scratch && !readonly;
	if (!readonly &&
	    (sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK ||
		sqlite3_exec(s->db, sqlite_reports_schema, NULL, NULL, &err) !=
		    SQLITE_OK ||
		sqlite3_exec(s->db,
		    s->bulk	  ? bulk_mark
			: s->late ? ""
				  : schema_late,
		    NULL, NULL, &err) != SQLITE_OK))
		goto fail_exec;
	if (check_version(s) == -1)
		goto fail;
	if (prep(s, "INSERT INTO observation VALUES(?,?,?,?,?,?,?,?,?,?,?)",
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
	for (i = 0; i < W_NSTMTS; i++)
		if (prep(s, wf_sql[i], &s->wf[i]) == -1)
			goto fail;
	if (!s->bulk && bulk_unfinished(s, readonly) == -1)
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
	/* A bulk load ends here (struct store_ops has no other step after
	   the last commit); a failure leaves the store marked unfinished,
	   and its next writable open finishes it. */
	if (s->bulk && s->ins_obs != NULL && sqlite3_get_autocommit(s->db) &&
	    bulk_finish(s) == -1)
		log_warnx("store %s: its bulk load could not be finished: "
			  "the next open finishes it",
		    s->path);
	sqlite3_finalize(s->ins_obs);
	sqlite3_finalize(s->ins_rtree);
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->get_applied);
	sqlite3_finalize(s->set_applied);
	sqlite3_finalize(s->obs_incident);
	for (i = 0; i < B_NSTMTS; i++)
		sqlite3_finalize(s->book[i]);
	for (i = 0; i < R_NSTMTS; i++)
		sqlite3_finalize(s->rec[i]);
	for (i = 0; i < W_NSTMTS; i++)
		sqlite3_finalize(s->wf[i]);
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
	if (s->late) {
		if (exec(s, schema_late) == -1) {
			sqlite_rollback(s);
			return -1;
		}
		s->late = 0;
	}
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

static int64_t
clamp32(int64_t v)
{
	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
}

/*
 * An observation's box in observation_rtree's column order (lon, lat,
 * minutes, category code; each min, max): the one computation both the
 * apply path (insert_obs_box) and a bulk finish (fill_tree) use.
 * Unlocated observations get the whole world: only a world bbox finds
 * them. Minutes are widened outward and clamped to the rtree_i32 range.
 */
static void
obs_box(int located, int64_t lat_e7, int64_t lon_e7, int64_t from_ms,
    int64_t to_ms, int category_code, int32_t c[8])
{
	c[0] = (int32_t)(located ? lon_e7 : -WORLD_LON);
	c[1] = (int32_t)(located ? lon_e7 : WORLD_LON);
	c[2] = (int32_t)(located ? lat_e7 : -WORLD_LAT);
	c[3] = (int32_t)(located ? lat_e7 : WORLD_LAT);
	c[4] = (int32_t)clamp32(floor_div(from_ms, 60000));
	c[5] = (int32_t)clamp32(floor_div(to_ms + 59999, 60000));
	c[6] = category_code;
	c[7] = category_code;
}

/* Inserts a box (idx; c[0..2n-1]) through statement st, which binds the
 * rowid, then the coordinates. */
static int
insert_coords(struct store *s, sqlite3_stmt *st, int64_t idx, const int32_t *c,
    int n)
{
	int i, rc;

	sqlite3_bind_int64(st, 1, idx);
	for (i = 0; i < n; i++)
		sqlite3_bind_int64(st, 2 + i, c[i]);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "insert box");
	sqlite3_reset(st);
	return rc;
}

static int
insert_obs_box(struct store *s, int64_t idx, int located, int64_t lat_e7,
    int64_t lon_e7, int64_t from_ms, int64_t to_ms, int category_code)
{
	int32_t c[8];

	obs_box(located, lat_e7, lon_e7, from_ms, to_ms, category_code, c);
	return insert_coords(s, s->ins_rtree, idx, c, 8);
}

static int
sqlite_index_observation(struct store *s, const struct store_observation_row *o)
{
	int rc = -1;

	sqlite3_bind_int64(s->ins_obs, 1, o->index);
	sqlite3_bind_blob(s->ins_obs, 2, o->id, sizeof(o->id), SQLITE_STATIC);
	sqlite3_bind_int64(s->ins_obs, 3, o->from_ms);
	sqlite3_bind_int64(s->ins_obs, 4, o->to_ms);
	sqlite3_bind_text(s->ins_obs, 5, o->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_obs, 6, o->source_type, -1, SQLITE_STATIC);
	if (o->member)
		sqlite3_bind_text(s->ins_obs, 7, o->member, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->ins_obs, 7);
	if (o->located) {
		sqlite3_bind_int64(s->ins_obs, 8, o->lat_e7);
		sqlite3_bind_int64(s->ins_obs, 9, o->lon_e7);
	} else {
		sqlite3_bind_null(s->ins_obs, 8);
		sqlite3_bind_null(s->ins_obs, 9);
	}
	sqlite3_bind_blob(s->ins_obs, 10, o->entry, (int)o->len, SQLITE_STATIC);
	if (o->organisation)
		sqlite3_bind_text(s->ins_obs, 11, o->organisation, -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(s->ins_obs, 11);
	if (sqlite3_step(s->ins_obs) != SQLITE_DONE) {
		sq_fail(s, "insert observation");
		goto done;
	}
	/*
	 * A scratch store (an audit's replay) is compared by index and id,
	 * never searched by area: it skips the R*Tree, about half the cost of
	 * a row (bench/ledger/RESULTS.md). A bulk store fills it at the end
	 * (bulk_finish).
	 */
	if (s->scratch || s->bulk) {
		rc = 0;
		goto done;
	}
	rc = insert_obs_box(s, o->index, o->located, o->lat_e7, o->lon_e7,
	    o->from_ms, o->to_ms, o->category_code);
done:
	sqlite3_reset(s->ins_obs);
	sqlite3_clear_bindings(s->ins_obs);
	return rc;
}

/*
 * Prepares sql and binds its parameters from fmt: 'i' int64_t, 't' text
 * (NULL binds NULL), 'b' blob (pointer, then int length). NULL on error,
 * a failed bind included: a text or blob is copied, and a copy that could
 * not be allocated would leave its parameter NULL, a query for nothing
 * that answers "no such row" (a valid token read as unknown).
 */
static sqlite3_stmt *
bind(struct store *s, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st;
	const void *blob;
	const char *t;
	int i, n, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(s, sql);
		return NULL;
	}
	for (i = 1; fmt[i - 1] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i - 1]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 't':
			t = va_arg(ap, const char *);
			if (t == NULL)
				rc = sqlite3_bind_null(st, i);
			else
				rc = sqlite3_bind_text(st, i, t, -1,
				    SQLITE_TRANSIENT);
			break;
		case 'b':
			blob = va_arg(ap, const void *);
			n = va_arg(ap, int);
			rc =
			    sqlite3_bind_blob(st, i, blob, n, SQLITE_TRANSIENT);
			break;
		}
	}
	if (rc != SQLITE_OK) {
		sq_fail(s, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Runs a statement that returns no rows. 0 or -1. */
static int
run(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc = -1;

	va_start(ap, fmt);
	st = bind(s, sql, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, sql);
	sqlite3_finalize(st);
	return rc;
}

/* A prepared query with bound parameters, stepped by the caller. */
static sqlite3_stmt *
query(struct store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = bind(s, sql, fmt, ap);
	va_end(ap);
	return st;
}

static json_t *center_value(struct store *s, const char *key);
static int sqlite_members(struct store *s, store_member_fn fn, void *ctx);

/* Records that the apply path refused entry idx of type, and why. */
static int
refused(struct store *s, int64_t idx, const char *type, const char *reason)
{
	log_info("log entry %lld (%s) refused on apply: %s", (long long)idx,
	    type, reason);
	return run(s, "INSERT OR REPLACE INTO refused VALUES(?,?,?)", "itt",
	    idx, type, reason);
}

/* Inserts principal p from entry idx with token hash. 0 or -1. */
static int
insert_principal(struct store *s, int64_t idx, const struct principal *p,
    const uint8_t hash[32])
{
	if (run(s, "INSERT OR REPLACE INTO principal VALUES(?,?,?,?,1,?,NULL)",
		"tttti", p->name, principal_role_name(p->role), p->member,
		p->party, idx) == -1)
		return -1;
	return run(s, "INSERT INTO token VALUES(?,?,?)", "bti", hash, 32,
	    p->name, idx);
}

static int
token_known(struct store *s, const uint8_t hash[32])
{
	sqlite3_stmt *st =
	    query(s, "SELECT 1 FROM token WHERE hash = ?", "b", hash, 32);
	int r;

	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

/*
 * Whether incident id exists. Incidents are fusion's (DESIGN.md); until
 * its table exists every well-formed id is unknown.
 */
static int
sqlite_incident_exists(struct store *s, const char *id)
{
	sqlite3_stmt *st;
	int r;

	if (!workflow_is_incident_id(id))
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM incident WHERE id = ?", -1,
		&st, NULL) != SQLITE_OK)
		return sq_fail(s, "incident exists");
	/* Static: id outlives the step, and nothing to allocate. */
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 1;
	return r == SQLITE_DONE ? 0 : sq_fail(s, "incident exists");
}

/* The workflow state of incident id: received (tier 0) when no row. */
static int
get_state(struct store *s, const char *id, enum workflow_state *state,
    int64_t *tier)
{
	sqlite3_stmt *st = query(s,
	    "SELECT state, tier FROM incident_state "
	    "WHERE incident = ?",
	    "t", id);
	int r, rc = -1;

	if (st == NULL)
		return -1;
	*state = WORKFLOW_RECEIVED;
	*tier = 0;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (workflow_state_parse((const char *)sqlite3_column_text(st,
					     0),
			state) == 0) {
			*tier = sqlite3_column_int64(st, 1);
			rc = 0;
		}
	} else if (r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "get state");
	sqlite3_finalize(st);
	return rc;
}

/* Moves incident id from `from` to `to` at idx, and records the step. */
static int
set_state(struct store *s, const char *id, int64_t idx, int64_t at_ms,
    enum workflow_state from, enum workflow_state to, int64_t tier,
    const char *tier_name, const char *duplicate_of)
{
	if (run(s,
		"INSERT OR REPLACE INTO incident_state VALUES(?,?,?,?,?,?,"
		"?)",
		"ttittii", id, workflow_state_name(to), tier, tier_name,
		duplicate_of, idx, at_ms) == -1)
		return -1;
	return run(s,
	    "INSERT INTO incident_event(incident, idx, kind, "
	    "from_state, to_state) VALUES(?,?,'state',?,?)",
	    "titt", id, idx, workflow_state_name(from),
	    workflow_state_name(to));
}

/* Records a step of incident id's trail that changes no state. */
static int
add_event(struct store *s, const char *id, int64_t idx, const char *kind)
{
	return run(s,
	    "INSERT INTO incident_event(incident, idx, kind) "
	    "VALUES(?,?,?)",
	    "tit", id, idx, kind);
}

/*
 * The rows the applier (store/applier.h) reads and writes: no decision
 * here, only SQL.
 */
static int
row_incident_exists(void *db, const char *id)
{
	return sqlite_incident_exists(db, id);
}

static int
row_get_state(void *db, const char *id, enum workflow_state *state,
    int64_t *tier)
{
	return get_state(db, id, state, tier);
}

static int
row_set_state(void *db, const char *id, int64_t idx, int64_t at_ms,
    enum workflow_state from, enum workflow_state to, int64_t tier,
    const char *tier_name, const char *duplicate_of)
{
	return set_state(db, id, idx, at_ms, from, to, tier, tier_name,
	    duplicate_of);
}

static int
row_add_event(void *db, const char *id, int64_t idx, const char *kind)
{
	return add_event(db, id, idx, kind);
}

static int
row_member_vkey(void *db, const char *member, char *vkey, size_t len)
{
	struct store *s = db;
	sqlite3_stmt *st;
	int r;

	if ((st = query(s, "SELECT vkey FROM member WHERE name = ?", "t",
		 member)) == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		snprintf(vkey, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

static int
row_rule(void *db, struct member_rule *rule, size_t *nmembers)
{
	struct store *s = db;
	sqlite3_stmt *st;
	json_t *rj;

	if ((rj = center_value(s, "rule")) != NULL) {
		member_rule_from_json(rj, rule);
		json_decref(rj);
	}
	if ((st = query(s, "SELECT count(*) FROM member", "")) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		*nmembers = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
row_latest_views(void *db, const char *incident, applier_view_fn fn, void *arg)
{
	struct store *s = db;
	sqlite3_stmt *st;
	int r;

	st = query(s,
	    "SELECT a.member, a.verdict, a.attribution FROM "
	    "assessment a JOIN member m ON m.name = a.member WHERE "
	    "a.incident = ? AND a.revision = (SELECT max(revision) FROM "
	    "assessment b WHERE b.incident = a.incident AND b.member = "
	    "a.member) ORDER BY a.member",
	    "t", incident);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    fn(arg, (const char *)sqlite3_column_text(st, 0),
		(const char *)sqlite3_column_text(st, 1),
		(const char *)sqlite3_column_text(st, 2)) == 0)
		;
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "views");
	return 0;
}

static int
row_last_revision(void *db, const char *incident, const char *member,
    int64_t *last)
{
	struct store *s = db;
	sqlite3_stmt *st;

	if ((st = query(s,
		 "SELECT max(revision) FROM assessment WHERE "
		 "incident = ? AND member = ?",
		 "tt", incident, member)) == NULL)
		return -1;
	*last = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		*last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
row_insert_assessment(void *db, int64_t idx, const struct assessment *a,
    const char *by, int64_t at_ms, const char *note)
{
	return run(db, "INSERT INTO assessment VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	    "ittitttitit", idx, a->incident, a->member, a->revision,
	    workflow_verdict_name(a->verdict), a->attribution, a->confidence,
	    a->assessed_at_ms, by, at_ms, note);
}

static int
row_insert_task(void *db, int64_t idx, const struct applier_task *t)
{
	return run(db,
	    "INSERT INTO task VALUES(?,?,?,?,?,?,?,?,NULL,NULL,"
	    "NULL)",
	    "ittttiti", idx, t->incident, t->unit, t->kind, t->description,
	    t->due_ms, t->by, t->at_ms);
}

static int
row_find_task(void *db, int64_t task, char *incident, size_t len, int *open)
{
	struct store *s = db;
	sqlite3_stmt *st;
	int r;

	if ((st = query(s,
		 "SELECT incident, done_idx IS NULL FROM task WHERE "
		 "idx = ?",
		 "i", task)) == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		snprintf(incident, len, "%s", sqlite3_column_text(st, 0));
		*open = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

static int
row_finish_task(void *db, int64_t task, int64_t idx, const char *by,
    const char *note)
{
	return run(db,
	    "UPDATE task SET done_idx = ?, done_by = ?, done_note "
	    "= ? WHERE idx = ?",
	    "itti", idx, by, note, task);
}

static int
row_insert_release(void *db, const char *id, const char *party, int64_t idx)
{
	return run(db, "INSERT OR IGNORE INTO release VALUES(?,?,?)", "tti", id,
	    party, idx);
}

static int
row_find_principal(void *db, const char *name, struct principal *p)
{
	return store_find_principal(db, name, p);
}

static int
row_token_known(void *db, const uint8_t hash[32])
{
	return token_known(db, hash);
}

static int
row_insert_principal(void *db, int64_t idx, const struct principal *p,
    const uint8_t hash[32])
{
	return insert_principal(db, idx, p, hash);
}

static int
row_revoke_principal(void *db, const char *name, int64_t idx)
{
	if (run(db,
		"UPDATE principal SET active = 0, revoked_idx = ? WHERE "
		"name = ?",
		"it", idx, name) == -1)
		return -1;
	return run(db, "DELETE FROM token WHERE name = ?", "t", name);
}

static int
row_add_member(void *db, const char *name, const char *vkey, int64_t idx)
{
	if (run(db, "INSERT OR IGNORE INTO member VALUES(?,?,?)", "tti", name,
		vkey ? vkey : "", idx) == -1)
		return -1;
	if (vkey != NULL &&
	    run(db,
		"INSERT OR IGNORE INTO member_key "
		"VALUES(?,?,?)",
		"tti", vkey, name, idx) == -1)
		return -1;
	return 0;
}

static int
row_set_member_key(void *db, const char *member, const char *vkey, int64_t idx)
{
	if (run(db, "INSERT OR REPLACE INTO member VALUES(?,?,?)", "tti",
		member, vkey, idx) == -1)
		return -1;
	return run(db, "INSERT INTO member_key VALUES(?,?,?)", "tti", vkey,
	    member, idx);
}

/* The applier's member rows, from the member table. */
struct member_visit {
	applier_member_fn fn;
	void *ctx;
};

static int
member_visit(void *ctx, const struct store_member_row *row)
{
	struct member_visit *v = ctx;

	return v->fn(v->ctx, row->name, row->vkey);
}

static int
row_members(void *db, applier_member_fn fn, void *ctx)
{
	struct member_visit v = { fn, ctx };

	return sqlite_members(db, member_visit, &v);
}

static int
row_key_used(void *db, const char *vkey)
{
	return store_key_used(db, vkey);
}

static int
row_set_center(void *db, const char *key, const char *text)
{
	return run(db, "INSERT OR REPLACE INTO center VALUES(?, ?)", "tt", key,
	    text);
}

static int
row_find_evidence(void *db, const char *sha256_hex, int64_t *size)
{
	return store_find_evidence(db, sha256_hex, size, NULL, 0);
}

static int
row_insert_evidence(void *db, const uint8_t sha256[32], int64_t size,
    const char *media_type, int64_t idx)
{
	return run(db, "INSERT INTO evidence VALUES(?,?,?,?)", "biti", sha256,
	    32, size, media_type, idx);
}

static int
row_add_custody(void *db, int64_t idx, const uint8_t sha256[32],
    const char *action, const char *by, int64_t at_ms)
{
	return run(db, "INSERT INTO custody VALUES(?,?,?,?,?)", "ibtti", idx,
	    sha256, 32, action, by, at_ms);
}

static int
row_insert_source_status(void *db, int64_t idx,
    const struct source_status_entry *st)
{
	return run(db,
	    "INSERT INTO source_status VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	    "ittttttiiti", idx, st->type, st->member, st->organisation,
	    st->unit, source_status_name(st->status), st->reason, st->from_ms,
	    st->to_ms, st->by, st->at_ms);
}

static int
row_insert_alert_rule(void *db, int64_t idx, const char *by, int64_t at_ms,
    const char *entry)
{
	return run(db, "INSERT INTO alert_rule VALUES(?,?,?,?,NULL,NULL)",
	    "itit", idx, by, at_ms, entry);
}

static int
row_disable_alert_rule(void *db, int64_t rule, int64_t idx, const char *by)
{
	return run(db,
	    "UPDATE alert_rule SET disabled_idx = ?, disabled_by = ? WHERE "
	    "idx = ? AND disabled_idx IS NULL",
	    "iti", idx, by, rule);
}

static int
row_refused(void *db, int64_t idx, const char *type, const char *reason)
{
	return refused(db, idx, type, reason);
}

_Static_assert(APPLIER_REASON_LEN == STORE_REASON_LEN,
    "the applier's reasons fit the refused table's");

/* Products' rows (sqlite_reports.c), on this connection. */
static int
row_report_entry(void *db, int64_t idx)
{
	return sqlite_reports_entry(((struct store *)db)->db, idx);
}

static int
row_find_report(void *db, const char *id, int64_t *idx, char *state, size_t len,
    char *number, size_t nlen)
{
	return sqlite_reports_find(((struct store *)db)->db, id, idx, state,
	    len, number, nlen);
}

static int
row_supersede_drafts(void *db, int64_t idx, const char *kind,
    const char *subject)
{
	return sqlite_reports_supersede(((struct store *)db)->db, idx, kind,
	    subject);
}

static int
row_insert_report(void *db, int64_t idx, const struct reportentry *e)
{
	return sqlite_reports_insert(((struct store *)db)->db, idx, e);
}

static int
row_find_signature(void *db, const char *report, const char *member,
    const char *note, int64_t *idx)
{
	return sqlite_reports_find_signature(((struct store *)db)->db, report,
	    member, note, idx);
}

static int
row_insert_signature(void *db, int64_t idx,
    const struct reportentry_signature *s, const char *note)
{
	return sqlite_reports_insert_signature(((struct store *)db)->db, idx, s,
	    note);
}

static int
row_count_signatures(void *db, const char *report, int refusals, int64_t *n)
{
	return sqlite_reports_count(((struct store *)db)->db, report, refusals,
	    n);
}

static int
row_settle_report(void *db, const char *report, const char *state, int64_t idx)
{
	return sqlite_reports_settle(((struct store *)db)->db, report, state,
	    idx);
}

static const struct applier_rows sqlite_rows = {
	.incident_exists = row_incident_exists,
	.get_state = row_get_state,
	.set_state = row_set_state,
	.add_event = row_add_event,
	.member_vkey = row_member_vkey,
	.rule = row_rule,
	.latest_views = row_latest_views,
	.last_revision = row_last_revision,
	.insert_assessment = row_insert_assessment,
	.insert_task = row_insert_task,
	.find_task = row_find_task,
	.finish_task = row_finish_task,
	.insert_release = row_insert_release,
	.find_principal = row_find_principal,
	.token_known = row_token_known,
	.insert_principal = row_insert_principal,
	.revoke_principal = row_revoke_principal,
	.add_member = row_add_member,
	.set_member_key = row_set_member_key,
	.members = row_members,
	.key_used = row_key_used,
	.set_center = row_set_center,
	.find_evidence = row_find_evidence,
	.insert_evidence = row_insert_evidence,
	.add_custody = row_add_custody,
	.insert_source_status = row_insert_source_status,
	.insert_alert_rule = row_insert_alert_rule,
	.disable_alert_rule = row_disable_alert_rule,
	.refused = row_refused,
	.report_entry = row_report_entry,
	.find_report = row_find_report,
	.supersede_drafts = row_supersede_drafts,
	.insert_report = row_insert_report,
	.find_signature = row_find_signature,
	.insert_signature = row_insert_signature,
	.count_signatures = row_count_signatures,
	.settle_report = row_settle_report,
};

static int
sqlite_find_observation(struct store *s, const char *id, int64_t *index,
    char **entry, size_t *len)
{
	uint8_t bid[32];
	int rc = -1, r;
	const void *blob;
	int n;

	if (strlen(id) != 64 ||
	    sodium_hex2bin(bid, sizeof(bid), id, 64, NULL, NULL, NULL) != 0)
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

static int
sqlite_observation_ids(struct store *s, store_id_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(s->db, "SELECT id, idx FROM observation", -1,
		&st, NULL) != SQLITE_OK)
		return sq_fail(s, "list observation ids");
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_bytes(st, 0) == 32)
			fn(ctx, sqlite3_column_blob(st, 0),
			    sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return sq_fail(s, "list observation ids");
	return 0;
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

/*
 * An incident's box in incident_rtree's column order (lon, lat, minutes;
 * each min, max): the search box of lat, lon, r_m (associate_box, rounded
 * outward to 1e-7 degrees) and the window from..to in whole minutes,
 * widened outward. The one computation the apply path (insert_box) and a
 * bulk finish (fill_tree) use.
 */
static void
incident_box(double lat, double lon, double r_m, int64_t from, int64_t to,
    int32_t c[6])
{
	struct associate_query q;

	associate_box(lat, lon, r_m, &q);
	c[0] = (int32_t)clamp_e7(q.min_lon, 180, 0);
	c[1] = (int32_t)clamp_e7(q.max_lon, 180, 1);
	c[2] = (int32_t)clamp_e7(q.min_lat, 90, 0);
	c[3] = (int32_t)clamp_e7(q.max_lat, 90, 1);
	c[4] = (int32_t)clamp32(floor_div(from, 60000));
	c[5] = (int32_t)clamp32(floor_div(to, 60000) + (to % 60000 != 0));
}

/* Inserts an incident's R*Tree row (rid; its box; grp and kind). */
static int
insert_box(struct store *s, int64_t rid, double lat, double lon, double r_m,
    int64_t from, int64_t to, int64_t grp, int64_t kind)
{
	sqlite3_stmt *st = s->book[B_INS_IRTREE];
	int32_t c[6];

	incident_box(lat, lon, r_m, from, to, c);
	sqlite3_bind_int64(st, 8, grp);
	sqlite3_bind_int64(st, 9, kind);
	return insert_coords(s, st, rid, c, 6);
}

/*
 * A packed R*Tree's nodes are filled to 90 %, as a sorted GiST build
 * fills its pages (PostgreSQL's default fillfactor for GiST): the apply
 * path's next inserts into a node find room there instead of splitting
 * it (bench/RESULTS.md, "Packed R*Trees").
 */
#define PACK_FILL_PCT 90

/* The rows each R*Tree is filled from (0: observation_rtree, 1:
 * incident_rtree, only live located incidents), in key order. */
static const char *const box_rows[2] = {
	"SELECT idx, lat_e7 IS NOT NULL, lat_e7, lon_e7, t_from, t_to, "
	"category FROM observation ORDER BY idx",
	"SELECT rid, lat, lon, search_m, g_from, g_to, grp, kind FROM "
	"incident WHERE live AND located ORDER BY rid",
};

/* The box of the current row of box_rows[tree]. */
static void
row_box(sqlite3_stmt *st, int tree, struct sqlite_rtree_box *b)
{
	const char *cat;

	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(st, 0);
	if (tree == 0) {
		cat = (const char *)sqlite3_column_text(st, 6);
		obs_box(sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2),
		    sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
		    sqlite3_column_int64(st, 5),
		    observation_category_code(cat ? cat : ""), b->c);
		return;
	}
	incident_box(sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
	    sqlite3_column_double(st, 3), sqlite3_column_int64(st, 4),
	    sqlite3_column_int64(st, 5), b->c);
	b->aux[0] = sqlite3_column_int64(st, 6);
	b->aux[1] = sqlite3_column_int64(st, 7);
}

/* Inserts box b into R*Tree tree through the virtual table, as the apply
 * path does. */
static int
insert_row_box(struct store *s, int tree, const struct sqlite_rtree_box *b)
{
	sqlite3_stmt *st = s->book[B_INS_IRTREE];

	if (tree == 0)
		return insert_coords(s, s->ins_rtree, b->id, b->c, 8);
	sqlite3_bind_int64(st, 8, b->aux[0]);
	sqlite3_bind_int64(st, 9, b->aux[1]);
	return insert_coords(s, st, b->id, b->c, 6);
}

/* Doubles the boxes' room *cap (none yet: 4096), up to a pack's limit;
 * -1 when it cannot, said: the tree is then filled row by row. */
static int
grow_boxes(struct store *s, const char *tree, struct sqlite_rtree_box **b,
    size_t *cap)
{
	struct sqlite_rtree_box *nb;
	size_t want = *cap ? 2 * *cap : 4096;

	if (want > SQLITE_RTREE_MAX_BOXES)
		want = SQLITE_RTREE_MAX_BOXES;
	if (*cap == SQLITE_RTREE_MAX_BOXES) {
		log_warnx("store %s: %s: more than %zu rows (the limit of a "
			  "pack): inserted row by row",
		    s->path, tree, SQLITE_RTREE_MAX_BOXES);
		return -1;
	}
	if ((nb = realloc(*b, want * sizeof(**b))) == NULL) {
		log_warnx("store %s: %s: out of memory for %zu boxes: inserted "
			  "row by row",
		    s->path, tree, want);
		return -1;
	}
	*b = nb;
	*cap = want;
	return 0;
}

/*
 * Fills the empty R*Tree tree from its rows: packed (store/sqlite_rtree.h)
 * with up to SQLITE_RTREE_MAX_BOXES rows (64 bytes each in memory), row
 * by row through the virtual table beyond (as before packing existed),
 * without the memory for the boxes, or when the pack fails.
 */
static int
fill_tree(struct store *s, int tree)
{
	static const char *const name[2] = { "observation_rtree",
		"incident_rtree" };
	struct sqlite_rtree_box one, *b = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 0, i;
	int r, rc = -1, by_row = 0;

	if (prep(s, box_rows[tree], &st) == -1)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row_box(st, tree, &one);
		if (!by_row && n == cap &&
		    grow_boxes(s, name[tree], &b, &cap) == -1) {
			by_row = 1;
			for (i = 0; i < n; i++)
				if (insert_row_box(s, tree, &b[i]) == -1)
					goto done;
		}
		if (by_row) {
			if (insert_row_box(s, tree, &one) == -1)
				goto done;
			continue;
		}
		b[n++] = one;
	}
	if (r != SQLITE_DONE) {
		sq_fail(s, "read rows to box");
		goto done;
	}
	if (by_row) {
		rc = 0;
		goto done;
	}
	/* A pack that fails (memory, or shadow tables a defensive SQLite
	 * keeps read-only) is undone, and the rows inserted one by one. */
	if (exec(s, "SAVEPOINT pack") == -1)
		goto done;
	if (sqlite_rtree_pack(s->db, name[tree], tree == 0 ? 4 : 3,
		tree == 0 ? 0 : 2, b, n, PACK_FILL_PCT) == 0) {
		rc = exec(s, "RELEASE pack");
		goto done;
	}
	log_warnx("store %s: %s: not packed: inserted row by row", s->path,
	    name[tree]);
	if (exec(s, "ROLLBACK TO pack") == -1 || exec(s, "RELEASE pack") == -1)
		goto done;
	for (i = 0; i < n; i++)
		if (insert_row_box(s, tree, &b[i]) == -1)
			goto done;
	rc = 0;
done:
	sqlite3_finalize(st);
	free(b);
	return rc;
}

/*
 * Ends a bulk load in one transaction: the late indexes, then the R*Trees
 * filled from the rows with the boxes the apply path writes one by one
 * elsewhere (packed: fill_tree). A scratch store has no R*Tree contents.
 */
static int
bulk_finish(struct store *s)
{
	int rc = -1;

	if (exec(s, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (exec(s, schema_late) == -1)
		goto done;
	if (!s->scratch && (fill_tree(s, 0) == -1 || fill_tree(s, 1) == -1))
		goto done;
	if (exec(s, "DELETE FROM meta WHERE key = 'bulk_unfinished'") == 0)
		rc = exec(s, "COMMIT");
done:
	if (rc == -1)
		sqlite_rollback(s);
	else
		s->bulk = 0;
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
}

/* ---- fusion's rows: what its book (store/fusionbook.h) loads and writes
 * behind; the book above decides what and when. */

static int
sql_add_obs(void *db, const struct associate_obs *o, const char *incident)
{
	struct store *s = db;
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
	return rc;
}

static int
sql_move_obs(void *db, int64_t index, const char *incident)
{
	struct store *s = db;
	sqlite3_stmt *st = s->book[B_MOVE_FOBS];
	int rc;

	sqlite3_bind_text(st, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, index);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0
					     : sq_fail(s, "move observation");
	sqlite3_reset(st);
	return rc;
}

/*
 * Writes incident inc's row and its R*Tree box (the live, located
 * incidents: what GET /v1/incidents searches by area). With words->take,
 * its words too (cleared when words->w is NULL) and its zones replaced.
 */
static int
sql_put_incident(void *db, const struct associate_incident *inc, int stored,
    const struct fusionbook_words *words, int zoned)
{
	struct store *s = db;
	/* A new incident is inserted (its rid is then the last rowid); a
	 * stored one is upserted, which returns its rid. */
	sqlite3_stmt *st =
	    s->book[stored ? (words->take ? B_UPSERT_INC_W : B_UPSERT_INC)
			   : (words->take ? B_INS_INC_W : B_INS_INC)];
	const struct fusion_words *w = words->w;
	int64_t rid = 0;
	int rc = -1;
	size_t i;

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
	if (words->take) {
		for (i = 29; i <= 35; i++)
			sqlite3_bind_null(st, (int)i);
		if (w != NULL && w->primary_zone[0] != '\0')
			sqlite3_bind_text(st, 29, w->primary_zone, -1,
			    SQLITE_STATIC);
		if (w != NULL && w->text[0] != '\0')
			sqlite3_bind_text(st, 30, w->text, -1, SQLITE_STATIC);
		if (w != NULL && w->has_line) {
			sqlite3_bind_text(st, 31, w->line, -1, SQLITE_STATIC);
			sqlite3_bind_double(st, 32, w->line_m);
			sqlite3_bind_text(st, 33, w->line_side, -1,
			    SQLITE_STATIC);
		}
		if (w != NULL) {
			sqlite3_bind_double(st, 34, words->dlat);
			sqlite3_bind_double(st, 35, words->dlon);
		}
	}
	if (!stored) {
		if (sqlite3_step(st) == SQLITE_DONE) {
			rid = sqlite3_last_insert_rowid(s->db);
			rc = 0;
		} else
			sq_fail(s, "insert incident");
	} else if (sqlite3_step(st) == SQLITE_ROW) {
		rid = sqlite3_column_int64(st, 0);
		rc = 0;
	} else
		sq_fail(s, "upsert incident");
	while (rc == 0 && stored && sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc == -1)
		return -1;
	/* A scratch store (an audit's replay) is never searched by area: it
	 * has no incident boxes, as it has no observation R*Tree. A bulk
	 * store boxes its incidents at the end (bulk_finish). */
	if (s->scratch || s->bulk)
		goto words;
	if (stored) {
		st = s->book[B_DEL_IRTREE];
		sqlite3_bind_int64(st, 1, rid);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_fail(s, "delete incident box");
		sqlite3_reset(st);
	}
	if (rc == 0 && inc->live && inc->located)
		rc = insert_box(s, rid, inc->lat, inc->lon, inc->search_m,
		    inc->g_from, inc->g_to, inc->group, inc->kind);
words:
	if (rc == -1 || !words->take)
		return rc;
	if (zoned) {
		st = s->book[B_DEL_ZONES];
		sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_fail(s, "delete zones");
		sqlite3_reset(st);
	}
	st = s->book[B_INS_ZONE];
	for (i = 0; rc == 0 && w != NULL && i < w->nzones; i++) {
		sqlite3_bind_text(st, 1, inc->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_text(st, 3, w->zone_layer[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, w->zone[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_fail(s, "insert zone");
		sqlite3_reset(st);
	}
	return rc;
}

/* Replaces the complaints linked to incident by idx[0..n-1]. */
static int
sql_set_links(void *db, const char *incident, const int64_t *idx, size_t n)
{
	struct store *s = db;
	sqlite3_stmt *st = s->book[B_DEL_LINKS];
	size_t i;
	int rc;

	sqlite3_bind_text(st, 1, incident, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "delete links");
	sqlite3_reset(st);
	st = s->book[B_INS_LINK];
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_text(st, 1, incident, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, idx[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sq_fail(s, "insert link");
		sqlite3_reset(st);
	}
	return rc;
}

static int
sql_decided(void *db, int64_t index, const char *incident, int applied,
    const char *message)
{
	struct store *s = db;
	sqlite3_stmt *st = s->book[B_INS_DECISION];
	int rc;

	sqlite3_bind_int64(st, 1, index);
	sqlite3_bind_text(st, 2, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, applied);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	rc =
	    sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(s, "record decision");
	sqlite3_reset(st);
	return rc;
}

/* The committed rows: incidents in creation order (and where their words
 * were taken), then every placed observation in log order, then the
 * links. */
static int
sql_load(void *db, fusionbook_incident_fn inc_fn, fusionbook_obs_fn obs_fn,
    fusionbook_link_fn link_fn, void *ctx)
{
	static const char *const sql[3] = {
		"SELECT " INC_COLS ", i.described_lat, i.described_lon FROM "
		"incident i ORDER BY i.rid",
		"SELECT " FOBS_COLS ", f.incident FROM fusion_obs f JOIN "
		"observation o ON o.idx = f.idx ORDER BY f.idx",
		"SELECT incident, complaint_idx FROM incident_link",
	};
	struct store *s = db;
	struct associate_incident inc;
	struct associate_obs o;
	sqlite3_stmt *st = NULL;
	const char *id;
	int i, r = SQLITE_DONE, rc = -1;

	for (i = 0; i < 3; i++) {
		if (prep(s, sql[i], &st) == -1)
			goto done;
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			if (i == 0) {
				row_incident(st, &inc);
				if (inc_fn(ctx, &inc,
					sqlite3_column_type(st, 26) !=
					    SQLITE_NULL,
					sqlite3_column_double(st, 26),
					sqlite3_column_double(st, 27)) == -1)
					goto done;
				continue;
			}
			id = (const char *)sqlite3_column_text(st,
			    i == 1 ? 20 : 0);
			if (id == NULL)
				goto done;
			if (i == 1) {
				row_obs(st, &o);
				if (obs_fn(ctx, &o, id) == -1)
					goto done;
			} else if (link_fn(ctx, id,
				       sqlite3_column_int64(st, 1)) == -1)
				goto done;
		}
		if (r != SQLITE_DONE) {
			sq_fail(s, "load fusion's book");
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

static const struct fusionbook_rows sqlite_fusion_rows = {
	.load = sql_load,
	.add_obs = sql_add_obs,
	.move_obs = sql_move_obs,
	.put_incident = sql_put_incident,
	.set_links = sql_set_links,
	.decided = sql_decided,
};

/* ---- incident records: the rows an incident's JSON is built from ---- */

/* Column col of st as text; NULL for SQL NULL. */
static const char *
text_or_none(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
	    ? NULL
	    : (const char *)sqlite3_column_text(st, col);
}

/*
 * Reads the row of incident id and calls fn with it: 1 (fn's return in
 * *got), 0 when there is no such incident, -1 on error.
 */
static int
incident_read(struct store *s, const char *id, store_incident_fn fn, void *ctx,
    int *got)
{
	sqlite3_stmt *st = s->rec[R_INCIDENT];
	struct associate_incident inc;
	struct store_incident_row row;
	int r, rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		row_incident(st, &inc);
		row.inc = &inc;
		row.cursor = sqlite3_column_int64(st, 26);
		row.zone = text_or_none(st, 27);
		row.description = text_or_none(st, 28);
		row.line = text_or_none(st, 29);
		row.line_m = sqlite3_column_double(st, 30);
		row.line_side = text_or_none(st, 31);
		*got = fn(ctx, &row);
		rc = 1;
	} else if (r == SQLITE_DONE)
		rc = 0;
	else
		rc = sq_fail(s, "find incident");
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_find_incident(struct store *s, const char *id, store_incident_fn fn,
    void *ctx)
{
	int got;

	if (strlen(id) > 64)
		return 0;
	return incident_read(s, id, fn, ctx, &got);
}

/*
 * The member states of an incident's observations (R_STATES), gathered
 * while its parts are read (the same rows), so that a record costs one
 * query fewer. Complete only when every row was seen and there were at
 * most PART_STATES states, none longer than a member's name; else
 * R_STATES is asked.
 */
#define PART_STATES 16
struct part_states {
	char name[PART_STATES][MEMBER_NAME_LEN];
	size_t n;
	int complete;
};

static void
states_add(struct part_states *ps, const char *member)
{
	size_t i;

	if (!ps->complete || member == NULL)
		return;
	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->name[i], member) == 0)
			return;
	if (ps->n == PART_STATES || strlen(member) >= MEMBER_NAME_LEN) {
		ps->complete = 0;
		return;
	}
	memcpy(ps->name[ps->n++], member, strlen(member) + 1);
}

static int
by_state(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Calls v->part for each row of st (bound to id: id, complaint, note,
 * organisation, member), and gathers the observations' states into ps
 * (NULL: not). 0 or -1. */
static int
part_rows(struct store *s, sqlite3_stmt *st, const char *id, int linked,
    const struct store_incident_visit *v, void *ctx, struct part_states *ps)
{
	int r;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (ps != NULL && sqlite3_column_int(st, 1) == 0)
			states_add(ps, text_or_none(st, 4));
		if (v->part(ctx, (const char *)sqlite3_column_text(st, 0),
			sqlite3_column_int(st, 1), linked, text_or_none(st, 2),
			text_or_none(st, 3)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (ps != NULL && r != SQLITE_DONE)
		ps->complete = 0;
	return r == SQLITE_DONE || r == SQLITE_ROW
	    ? 0
	    : sq_fail(s, "incident members");
}

/* Calls fn with column 0 (text) of each row of st (bound to id). */
static int
text_rows(struct store *s, sqlite3_stmt *st, const char *id,
    int (*fn)(void *, const char *), void *ctx)
{
	int r;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    fn(ctx, (const char *)sqlite3_column_text(st, 0)) == 0)
		;
	sqlite3_reset(st);
	return r == SQLITE_DONE || r == SQLITE_ROW
	    ? 0
	    : sq_fail(s, "incident record");
}

static int
sqlite_incident_parts(struct store *s, const char *id,
    const struct store_incident_visit *v, void *ctx)
{
	struct part_states ps;
	sqlite3_stmt *st;
	size_t i;
	int r;

	ps.n = 0;
	ps.complete = v->part != NULL;
	if (v->part != NULL &&
	    (part_rows(s, s->rec[R_MEMBERS], id, 0, v, ctx, &ps) == -1 ||
		part_rows(s, s->rec[R_LINKS], id, 1, v, ctx, NULL) == -1))
		return -1;
	if (v->member != NULL && ps.complete) {
		/* R_STATES' order: SQLite's BINARY collation is memcmp. */
		qsort(ps.name, ps.n, sizeof(ps.name[0]), by_state);
		for (i = 0; i < ps.n && v->member(ctx, ps.name[i]) == 0; i++)
			;
	} else if (v->member != NULL &&
	    text_rows(s, s->rec[R_STATES], id, v->member, ctx) == -1)
		return -1;
	if (v->corroborates != NULL &&
	    text_rows(s, s->rec[R_CORROBORATED], id, v->corroborates, ctx) ==
		-1)
		return -1;
	if (v->zone != NULL) {
		st = s->rec[R_ZONES];
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		while ((r = sqlite3_step(st)) == SQLITE_ROW &&
		    v->zone(ctx, (const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1)) == 0)
			;
		sqlite3_reset(st);
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			return sq_fail(s, "incident zones");
	}
	if (v->decision != NULL) {
		st = s->rec[R_DECISIONS];
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		while ((r = sqlite3_step(st)) == SQLITE_ROW &&
		    v->decision(ctx, sqlite3_column_int64(st, 0),
			sqlite3_column_int(st, 1),
			(const char *)sqlite3_column_text(st, 2)) == 0)
			;
		sqlite3_reset(st);
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			return sq_fail(s, "incident decisions");
	}
	return 0;
}

/*
 * The columns of a brief row (store.h store_brief_incidents), after i.rid
 * and i.id: the state (NULL: none) and the members (as in R_STATES,
 * comma-separated: a member's name has no comma) read in the same
 * statement.
 */
#define BRIEF_COLS                                                         \
	", i.category, i.located, i.lat, i.lon, i.cee, i.cen, i.cnn, "     \
	"i.g_from, i.g_to, i.zone, i.count, i.source_types, "              \
	"(SELECT x.state FROM incident_state x WHERE x.incident = i.id), " \
	"(SELECT group_concat(m, ',') FROM (SELECT "                       \
	"DISTINCT o.member AS m FROM fusion_obs f JOIN observation o ON "  \
	"o.idx = f.idx WHERE f.incident = i.id AND f.complaint = 0 AND "   \
	"o.member IS NOT NULL ORDER BY 1))"

/* Calls fn with the brief row at st (BRIEF_COLS); fn's return. */
static int
brief_row(sqlite3_stmt *st, store_brief_fn fn, void *ctx)
{
	struct store_incident_brief row;

	row.id = (const char *)sqlite3_column_text(st, 1);
	row.cursor = sqlite3_column_int64(st, 0);
	row.category = sqlite3_column_int(st, 2);
	row.located = sqlite3_column_int(st, 3);
	row.lat = sqlite3_column_double(st, 4);
	row.lon = sqlite3_column_double(st, 5);
	row.cov[0] = sqlite3_column_double(st, 6);
	row.cov[1] = sqlite3_column_double(st, 7);
	row.cov[2] = sqlite3_column_double(st, 8);
	row.time_from_ms = sqlite3_column_int64(st, 9);
	row.time_to_ms = sqlite3_column_int64(st, 10);
	row.zone = text_or_none(st, 11);
	row.count = sqlite3_column_int64(st, 12);
	row.source_types = (uint32_t)sqlite3_column_int64(st, 13);
	row.state = text_or_none(st, 14);
	row.members = text_or_none(st, 15);
	return fn(ctx, &row);
}

/*
 * Runs q over the live incidents: with bfn, calls it with each brief row
 * (BRIEF_COLS, read in the same statement), else fn with each full row.
 */
static int
incident_query(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, store_brief_fn bfn, void *ctx)
{
	char sql[2048], id[ASSOCIATE_ID_LEN + 1];
	size_t n = 0, i;
	sqlite3_stmt *st = NULL;
	int p = 1, r, rc = -1, got, found;

#define ADD(...)                                                              \
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0, \
	    __VA_ARGS__)
	ADD("SELECT i.rid, i.id%s FROM ", bfn != NULL ? BRIEF_COLS : "");
	if (q->has_bbox)
		ADD("incident_rtree r JOIN incident i "
		    "ON i.rid = r.rid WHERE r.min_lon <= ? AND r.max_lon >= ? "
		    "AND r.min_lat <= ? AND r.max_lat >= ? AND i.lon_e7 "
		    "BETWEEN ? AND ? AND i.lat_e7 BETWEEN ? AND ? AND ");
	else
		ADD("incident i WHERE ");
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
	if (q->released_to != NULL)
		ADD(" AND EXISTS (SELECT 1 FROM release l WHERE "
		    "l.incident = i.id AND l.party = ?)");
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
		sqlite3_bind_int(st, p++, associate_category(q->categories[i]));
	if (q->zone != NULL)
		sqlite3_bind_text(st, p++, q->zone, -1, SQLITE_STATIC);
	if (q->released_to != NULL)
		sqlite3_bind_text(st, p++, q->released_to, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p++, q->limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(id, sizeof(id), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		if (bfn != NULL) {
			if ((got = brief_row(st, bfn, ctx)) != 0)
				break;
			continue;
		}
		if ((found = incident_read(s, id, fn, ctx, &got)) != 1) {
			if (found == 0)
				log_warnx("store: incident %s vanished", id);
			goto done;
		}
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
sqlite_query_incidents(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, void *ctx)
{
	return incident_query(s, q, fn, NULL, ctx);
}

static int
sqlite_brief_incidents(struct store *s, const struct store_incident_query *q,
    store_brief_fn fn, void *ctx)
{
	return incident_query(s, q, NULL, fn, ctx);
}

static int
sqlite_count_incidents(struct store *s, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db,
		"SELECT count(*) FROM incident WHERE "
		"live = 1",
		-1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "count incidents");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_incident_tallies(struct store *s, int64_t from_ms, int64_t to_ms,
    const char *released_to, store_tally_fn fn, void *ctx)
{
	struct store_incident_tally row;
	sqlite3_stmt *st;
	const char *name;
	int r, rc = -1;

	/* incident_time (g_from, g_to) serves the range; no order: a count
	   needs none, and sorting a year of rows costs more than reading. */
	if (sqlite3_prepare_v2(s->db,
		"SELECT i.kind, i.category, i.zone, "
		"coalesce(st.state, 'received'), i.g_from, i.count "
		"FROM incident i LEFT JOIN incident_state st "
		"ON st.incident = i.id WHERE i.g_from >= ? AND i.g_from < ? "
		"AND i.live = 1 AND (?3 IS NULL OR EXISTS (SELECT 1 FROM "
		"release l WHERE l.incident = i.id AND l.party = ?3))",
		-1, &st, NULL) != SQLITE_OK)
		return sq_fail(s, "prepare incident tallies");
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	if (released_to != NULL)
		sqlite3_bind_text(st, 3, released_to, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.kind = sqlite3_column_int(st, 0) == ASSOCIATE_OBSERVED
		    ? "observed"
		    : "complaint";
		name = associate_category_name(sqlite3_column_int(st, 1));
		row.category = name != NULL ? name : "other";
		row.zone = (const char *)sqlite3_column_text(st, 2);
		row.state = (const char *)sqlite3_column_text(st, 3);
		row.time_from_ms = sqlite3_column_int64(st, 4);
		row.count = sqlite3_column_int64(st, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	if (r == SQLITE_ROW || r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "incident tallies");
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
	int use_rtree =
	    q->has_bbox || q->from_ms != INT64_MIN || q->to_ms != INT64_MAX;
	int p = 1, r, rc = -1, c, cmin = INT32_MAX, cmax = -1;

	if (use_rtree && s->scratch) {
		log_warnx("a scratch store has no spatial index to query");
		return -1;
	}
	/* The categories' codes span [cmin, cmax] in the R*Tree. */
	for (i = 0; i < q->ncategories; i++) {
		c = observation_category_code(q->categories[i]);
		cmin = c < cmin ? c : cmin;
		cmax = c > cmax ? c : cmax;
	}

#define ADD(...)                                                              \
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0, \
	    __VA_ARGS__)
	if (use_rtree)
		ADD("SELECT o.idx, o.entry, o.id FROM observation_rtree r "
		    "JOIN observation o ON o.idx = r.idx WHERE "
		    "r.min_lon >= ? AND r.max_lon <= ? AND r.min_lat >= ? AND "
		    "r.max_lat <= ? AND r.max_t >= ? AND r.min_t <= ? AND "
		    "o.t_to >= ? AND o.t_from <= ? AND r.idx > ?%s",
		    q->ncategories > 0
			? " AND r.min_cat >= ? AND r.max_cat <= ?"
			: "");
	else
		ADD("SELECT o.idx, o.entry, o.id FROM observation o WHERE "
		    "o.idx > ?");
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
	if (q->organisation)
		ADD(" AND o.organisation = ?");
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
		sqlite3_bind_int64(st, p++,
		    q->from_ms == INT64_MIN
			? INT32_MIN
			: clamp32(floor_div(q->from_ms, 60000)));
		sqlite3_bind_int64(st, p++,
		    q->to_ms == INT64_MAX
			? INT32_MAX
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
		sqlite3_bind_text(st, p++, q->categories[i], -1, SQLITE_STATIC);
	if (q->source_type)
		sqlite3_bind_text(st, p++, q->source_type, -1, SQLITE_STATIC);
	if (q->member)
		sqlite3_bind_text(st, p++, q->member, -1, SQLITE_STATIC);
	if (q->organisation)
		sqlite3_bind_text(st, p++, q->organisation, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p++, q->limit);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_blob(st, 1),
			(size_t)sqlite3_column_bytes(st, 1),
			sqlite3_column_bytes(st, 2) == 32
			    ? sqlite3_column_blob(st, 2)
			    : NULL) != 0)
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
sqlite_refusal(struct store *s, int64_t index, char *reason, size_t len)
{
	sqlite3_stmt *st =
	    query(s, "SELECT reason FROM refused WHERE idx = ?", "i", index);
	int r, rc = -1;

	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		snprintf(reason, len, "%s", sqlite3_column_text(st, 0));
		rc = 1;
	} else if (r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "refusal");
	sqlite3_finalize(st);
	return rc;
}

/* Fills *p from columns name, role, member, party of st. */
static void
principal_row(sqlite3_stmt *st, struct principal *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", sqlite3_column_text(st, 0));
	p->role = principal_role((const char *)sqlite3_column_text(st, 1));
	snprintf(p->member, sizeof(p->member), "%s",
	    sqlite3_column_text(st, 2));
	snprintf(p->party, sizeof(p->party), "%s", sqlite3_column_text(st, 3));
}

static int
sqlite_find_token(struct store *s, const uint8_t hash[32], struct principal *p)
{
	sqlite3_stmt *st;
	const void *stored;
	int r, rc = -1;

	st = query(s,
	    "SELECT p.name, p.role, p.member, p.party, t.hash FROM "
	    "token t JOIN principal p ON p.name = t.name WHERE t.hash = ? AND "
	    "p.active = 1",
	    "b", hash, 32);
	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		rc = 0;
	else if (r == SQLITE_ROW) {
		/* Compare again in constant time, as tokens.c did. */
		stored = sqlite3_column_blob(st, 4);
		if (sqlite3_column_bytes(st, 4) != 32 ||
		    sodium_memcmp(stored, hash, 32) != 0)
			rc = 0;
		else {
			principal_row(st, p);
			rc = 1;
		}
	} else
		sq_fail(s, "find token");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_find_principal(struct store *s, const char *name, struct principal *p)
{
	sqlite3_stmt *st;
	int r, rc = -1;

	st = query(s,
	    "SELECT name, role, member, party FROM principal WHERE "
	    "name = ? AND active = 1",
	    "t", name);
	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		rc = 0;
	else if (r == SQLITE_ROW) {
		principal_row(st, p);
		rc = 1;
	} else
		sq_fail(s, "find principal");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_principals(struct store *s, store_principal_fn fn, void *ctx)
{
	struct store_principal_row row;
	sqlite3_stmt *st;
	int r;

	st = query(s,
	    "SELECT name, role, member, party, active, added_idx, "
	    "revoked_idx FROM principal ORDER BY name",
	    "");
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.name = (const char *)sqlite3_column_text(st, 0);
		row.role = (const char *)sqlite3_column_text(st, 1);
		row.member = sqlite3_column_bytes(st, 2) > 0
		    ? (const char *)sqlite3_column_text(st, 2)
		    : "";
		row.party = sqlite3_column_bytes(st, 3) > 0
		    ? (const char *)sqlite3_column_text(st, 3)
		    : "";
		row.active = sqlite3_column_int(st, 4);
		row.added_index = sqlite3_column_int64(st, 5);
		row.revoked_index = sqlite3_column_type(st, 6) == SQLITE_NULL
		    ? -1
		    : sqlite3_column_int64(st, 6);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "principals");
	return 0;
}

/* The JSON text stored under key in table center, parsed; NULL if none. */
static json_t *
center_value(struct store *s, const char *key)
{
	sqlite3_stmt *st =
	    query(s, "SELECT value FROM center WHERE key = ?", "t", key);
	json_t *v = NULL;

	if (st == NULL)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
	sqlite3_finalize(st);
	return v;
}

static int
sqlite_members(struct store *s, store_member_fn fn, void *ctx)
{
	struct store_member_row row;
	sqlite3_stmt *st;
	int r;

	st = query(s, "SELECT name, vkey, since_idx FROM member ORDER BY name",
	    "");
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.name = (const char *)sqlite3_column_text(st, 0);
		row.vkey = (const char *)sqlite3_column_text(st, 1);
		row.since_index = sqlite3_column_int64(st, 2);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "members");
	return 0;
}

static int
sqlite_center_value(struct store *s, const char *key, char **text)
{
	sqlite3_stmt *st =
	    query(s, "SELECT value FROM center WHERE key = ?", "t", key);
	int r, rc = -1;

	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if ((*text = strdup(
			 (const char *)sqlite3_column_text(st, 0))) != NULL)
			rc = 1;
	} else if (r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "center");
	sqlite3_finalize(st);
	return rc;
}

/* Steps st once: 1 a row, 0 none, -1 error; finalizes it. */
static int
exists(struct store *s, sqlite3_stmt *st)
{
	int r;

	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	return sq_fail(s, "lookup");
}

static int
sqlite_key_used(struct store *s, const char *vkey)
{
	return exists(s,
	    query(s, "SELECT 1 FROM member_key WHERE vkey = ?", "t", vkey));
}

static int
sqlite_find_evidence(struct store *s, const char *sha256_hex, int64_t *size,
    char *media_type, size_t len)
{
	sqlite3_stmt *st;
	uint8_t sha[32];
	int r, rc = -1;

	if (evidence_entry_sha256(sha256_hex, sha) == -1)
		return 0;
	st = query(s, "SELECT size, media_type FROM evidence WHERE sha256 = ?",
	    "b", sha, 32);
	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		rc = 0;
	else if (r == SQLITE_ROW) {
		*size = sqlite3_column_int64(st, 0);
		if (media_type != NULL)
			snprintf(media_type, len, "%s",
			    sqlite3_column_text(st, 1));
		rc = 1;
	} else
		sq_fail(s, "find evidence");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_custody(struct store *s, const char *sha256_hex, store_custody_fn fn,
    void *ctx)
{
	struct store_custody_row row;
	sqlite3_stmt *st;
	uint8_t sha[32];
	int r;

	if (evidence_entry_sha256(sha256_hex, sha) == -1)
		return 0;
	st = query(s,
	    "SELECT idx, action, by, at_ms FROM custody WHERE "
	    "sha256 = ? ORDER BY idx",
	    "b", sha, 32);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.index = sqlite3_column_int64(st, 0);
		row.action = (const char *)sqlite3_column_text(st, 1);
		row.by = (const char *)sqlite3_column_text(st, 2);
		row.at_ms = sqlite3_column_int64(st, 3);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "custody");
	return 0;
}

static int
sqlite_uploaded_by(struct store *s, const char *sha256_hex, const char *name)
{
	uint8_t sha[32];

	if (evidence_entry_sha256(sha256_hex, sha) == -1)
		return 0;
	return exists(s,
	    query(s,
		"SELECT 1 FROM custody WHERE sha256 = ? AND "
		"action = 'upload' AND by = ?",
		"bt", sha, 32, name));
}

/* Gives back a statement of wf_stmt: reset for the next read, or
 * finalized when it was a new one. */
static void
wf_done(struct store *s, sqlite3_stmt *st)
{
	int i;

	for (i = 0; i < W_NSTMTS; i++)
		if (st == s->wf[i]) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

/*
 * Statement which of wf_sql, with its parameters bound from fmt ('i'
 * int64_t, 't' text or NULL, copied): the connection's prepared one, or a
 * new one while that one is stepped further up the stack (a row callback
 * that reads the same rows again). Give it back with wf_done. NULL on
 * error.
 */
static sqlite3_stmt *
wf_stmt(struct store *s, enum wf_stmt which, const char *fmt, ...)
{
	sqlite3_stmt *st = s->wf[which];
	const char *t;
	va_list ap;
	int i, rc = SQLITE_OK;

	if (sqlite3_stmt_busy(st) &&
	    sqlite3_prepare_v2(s->db, wf_sql[which], -1, &st, NULL) !=
		SQLITE_OK) {
		sq_fail(s, wf_sql[which]);
		return NULL;
	}
	va_start(ap, fmt);
	for (i = 1; fmt[i - 1] != '\0' && rc == SQLITE_OK; i++) {
		if (fmt[i - 1] == 'i')
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		else if ((t = va_arg(ap, const char *)) == NULL)
			rc = sqlite3_bind_null(st, i);
		else
			rc = sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		sq_fail(s, wf_sql[which]);
		wf_done(s, st);
		return NULL;
	}
	return st;
}

/* The state row st is on (incident, state, tier, tier_name, duplicate_of,
 * since_idx, since_ms), its text valid until st moves. */
static void
row_state(sqlite3_stmt *st, struct store_state_row *row)
{
	row->incident = (const char *)sqlite3_column_text(st, 0);
	row->state = (const char *)sqlite3_column_text(st, 1);
	row->tier = sqlite3_column_int64(st, 2);
	row->tier_name = text_or_none(st, 3);
	row->duplicate_of = text_or_none(st, 4);
	row->since_index = sqlite3_column_int64(st, 5);
	row->since_ms = sqlite3_column_int64(st, 6);
}

static int
sqlite_incident_states(struct store *s, const struct store_state_filter *f,
    store_state_fn fn, void *ctx)
{
	struct store_state_row row;
	sqlite3_stmt *st;
	int r;

	if (f->incident != NULL)
		st = wf_stmt(s, W_STATE, "t", f->incident);
	else if (f->unassessed_by != NULL)
		st = query(s,
		    "SELECT incident, state, tier, tier_name, duplicate_of, "
		    "since_idx, since_ms FROM incident_state WHERE state = ? "
		    "AND NOT EXISTS (SELECT 1 FROM assessment a WHERE "
		    "a.incident = incident_state.incident AND a.member = ?)",
		    "tt", f->state, f->unassessed_by);
	else
		st = query(s,
		    "SELECT incident, state, tier, tier_name, duplicate_of, "
		    "since_idx, since_ms FROM incident_state WHERE state = ?",
		    "t", f->state);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row_state(st, &row);
		if (fn(ctx, &row) != 0)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		sq_fail(s, "incident states");
	if (f->incident != NULL)
		wf_done(s, st);
	else
		sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return -1;
	return 0;
}

/* One prepared lookup per id: local and cached, as fast as one statement
 * over the list would be (store_incident_states_of). */
static int
sqlite_incident_states_of(struct store *s, const char *const *ids, size_t n,
    store_state_fn fn, void *ctx)
{
	struct store_state_row row;
	sqlite3_stmt *st;
	size_t i;
	int r = SQLITE_DONE, stop = 0;

	for (i = 0; i < n && !stop; i++) {
		if ((st = wf_stmt(s, W_STATE, "t", ids[i])) == NULL)
			return -1;
		if ((r = sqlite3_step(st)) == SQLITE_ROW) {
			row_state(st, &row);
			stop = fn(ctx, &row) != 0;
		}
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			sq_fail(s, "incident states");
		wf_done(s, st);
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			return -1;
	}
	return 0;
}

static int
sqlite_assessments(struct store *s, const char *id, int latest,
    store_assessment_fn fn, void *ctx)
{
	struct store_assessment_row row;
	sqlite3_stmt *st;
	int r;

	st = wf_stmt(s, latest ? W_LATEST : W_ASSESSMENTS, "t", id);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.index = sqlite3_column_int64(st, 0);
		row.member = (const char *)sqlite3_column_text(st, 1);
		row.revision = sqlite3_column_int64(st, 2);
		row.by = (const char *)sqlite3_column_text(st, 3);
		row.at_ms = sqlite3_column_int64(st, 4);
		row.note = (const char *)sqlite3_column_text(st, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		sq_fail(s, "assessments");
	wf_done(s, st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return -1;
	return 0;
}

static int
sqlite_releases(struct store *s, const char *id, store_text_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int r;

	if ((st = wf_stmt(s, W_RELEASES, "t", id)) == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    fn(ctx, (const char *)sqlite3_column_text(st, 0)) == 0)
		;
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		sq_fail(s, "releases");
	wf_done(s, st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return -1;
	return 0;
}

static int
sqlite_tasks(struct store *s, const struct store_task_filter *f,
    store_task_fn fn, void *ctx)
{
	struct store_task_row row;
	sqlite3_stmt *st;
	int r;

	if (f->incident != NULL && f->task < 0 && f->open_for == NULL)
		st = wf_stmt(s, W_TASKS_OF, "t", f->incident);
	else
		st = wf_stmt(s, W_TASKS, "tit", f->incident, f->task,
		    f->open_for);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.task = sqlite3_column_int64(st, 0);
		row.incident = (const char *)sqlite3_column_text(st, 1);
		row.unit = (const char *)sqlite3_column_text(st, 2);
		row.kind = (const char *)sqlite3_column_text(st, 3);
		row.description = (const char *)sqlite3_column_text(st, 4);
		row.due_ms = sqlite3_column_int64(st, 5);
		row.by = (const char *)sqlite3_column_text(st, 6);
		row.at_ms = sqlite3_column_int64(st, 7);
		row.done = sqlite3_column_type(st, 8) != SQLITE_NULL;
		row.done_index = row.done ? sqlite3_column_int64(st, 8) : -1;
		row.done_by = text_or_none(st, 9);
		row.note = text_or_none(st, 10);
		if (fn(ctx, &row) != 0)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		sq_fail(s, "tasks");
	wf_done(s, st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return -1;
	return 0;
}

static int
sqlite_history(struct store *s, const char *id, store_event_fn fn, void *ctx)
{
	struct store_event_row row;
	sqlite3_stmt *st;
	int r;

	if ((st = wf_stmt(s, W_HISTORY, "t", id)) == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.index = sqlite3_column_int64(st, 0);
		row.kind = (const char *)sqlite3_column_text(st, 1);
		row.from = text_or_none(st, 2);
		row.to = text_or_none(st, 3);
		if (fn(ctx, &row) != 0)
			break;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		sq_fail(s, "history");
	wf_done(s, st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return -1;
	return 0;
}

static int
sqlite_released(struct store *s, const char *id, const char *party)
{
	return exists(s,
	    query(s,
		"SELECT 1 FROM release WHERE incident = ? "
		"AND party = ?",
		"tt", id, party));
}

static int
sqlite_observation_incident(struct store *s, int64_t index, char *incident,
    size_t len, int *created)
{
	sqlite3_stmt *st;
	int r, rc = -1;

	/* Kept prepared: the event follower asks this of every observation
	   (alert/events.c), and preparing it cost more than the answer. */
	if (s->obs_incident == NULL &&
	    prep(s,
		"SELECT f.incident, i.seed_idx FROM fusion_obs f LEFT JOIN "
		"incident i ON i.id = f.incident WHERE f.idx = ?",
		&s->obs_incident) == -1)
		return -1;
	st = s->obs_incident;
	sqlite3_bind_int64(st, 1, index);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		snprintf(incident, len, "%s", sqlite3_column_text(st, 0));
		*created = sqlite3_column_int64(st, 1) == index;
		rc = 1;
	} else if (r == SQLITE_DONE)
		rc = 0;
	else
		sq_fail(s, "observation_incident");
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_reset(struct store *s)
{
	char sql[128];
	size_t i;

	for (i = 0; tables[i] != NULL; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i]);
		if (exec(s, sql) == -1)
			return -1;
	}
	for (i = 0; sqlite_reports_tables[i] != NULL; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s",
		    sqlite_reports_tables[i]);
		if (exec(s, sql) == -1)
			return -1;
	}
	return exec(s, "UPDATE meta SET value = 0 WHERE key = 'applied_size'");
}

/* Products' reads (sqlite_reports.c) and the read snapshot they use. */
static int
sqlite_read_begin(struct store *s)
{
	return exec(s, "BEGIN DEFERRED");
}

static int
sqlite_read_end(struct store *s)
{
	return sqlite3_get_autocommit(s->db) ? 0 : exec(s, "COMMIT");
}

static int
sqlite_reports(struct store *s, const struct store_report_filter *f,
    store_report_fn fn, void *ctx)
{
	return sqlite_reports_rows(s->db, f, fn, ctx);
}

static int
sqlite_signatures(struct store *s, const char *report, store_signature_fn fn,
    void *ctx)
{
	return sqlite_reports_signatures(s->db, report, fn, ctx);
}

static int
sqlite_report_entries(struct store *s, int64_t below, store_index_fn fn,
    void *ctx)
{
	return sqlite_reports_entries(s->db, below, fn, ctx);
}

static int
sqlite_source_statuses(struct store *s, int64_t from_ms, int64_t to_ms,
    store_source_status_fn fn, void *ctx)
{
	struct store_source_status_row row;
	sqlite3_stmt *st;
	int r;

	st = query(s,
	    "SELECT type, member, organisation, unit, status, reason, "
	    "from_ms, to_ms, idx, by FROM source_status WHERE from_ms < ? AND "
	    "to_ms > ? AND from_ms > ? ORDER BY idx",
	    "iii", to_ms, from_ms, from_ms - SOURCE_STATUS_MAX_SPAN_MS);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.type = (const char *)sqlite3_column_text(st, 0);
		row.member = text_or_none(st, 1);
		row.organisation = text_or_none(st, 2);
		row.unit = (const char *)sqlite3_column_text(st, 3);
		row.status = (const char *)sqlite3_column_text(st, 4);
		row.reason = (const char *)sqlite3_column_text(st, 5);
		row.from_ms = sqlite3_column_int64(st, 6);
		row.to_ms = sqlite3_column_int64(st, 7);
		row.index = sqlite3_column_int64(st, 8);
		row.by = (const char *)sqlite3_column_text(st, 9);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "source statuses");
	return 0;
}

static int
sqlite_alert_rules(struct store *s, int64_t from, int64_t to,
    store_alert_rule_fn fn, void *ctx)
{
	struct store_alert_rule_row row;
	sqlite3_stmt *st;
	int r;

	st = query(s,
	    "SELECT idx, by, at_ms, entry, coalesce(disabled_idx, -1), "
	    "disabled_by FROM alert_rule WHERE idx >= ? AND idx < ? ORDER BY "
	    "idx",
	    "ii", from, to);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.index = sqlite3_column_int64(st, 0);
		row.by = (const char *)sqlite3_column_text(st, 1);
		row.at_ms = sqlite3_column_int64(st, 2);
		row.entry = (const char *)sqlite3_column_text(st, 3);
		row.disabled_index = sqlite3_column_int64(st, 4);
		row.disabled_by = text_or_none(st, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "alert rules");
	return 0;
}

/*
 * The keys of a state digest kind (store_state_keys): incidents by their
 * seed index, custody steps by their own.
 */
static int
sqlite_state_keys(struct store *s, enum store_key_kind kind, int64_t from,
    int64_t to, store_key_fn fn, void *ctx)
{
	static const char *const sql[STORE_KEYS_NKINDS] = {
		[STORE_KEYS_INCIDENTS] = "SELECT seed_idx, id FROM incident "
					 "WHERE seed_idx >= ?1 AND seed_idx < "
					 "?2 ORDER BY seed_idx, id",
		[STORE_KEYS_STATES] = "SELECT seed_idx, id FROM incident WHERE "
				      "seed_idx >= ?1 AND seed_idx < ?2 AND "
				      "(id IN (SELECT incident FROM "
				      "incident_state) OR id IN (SELECT "
				      "incident FROM incident_event)) ORDER "
				      "BY seed_idx, id",
		[STORE_KEYS_ASSESSMENTS] = "SELECT seed_idx, id FROM incident "
					   "WHERE seed_idx >= ?1 AND seed_idx "
					   "< ?2 AND id IN (SELECT incident "
					   "FROM assessment) ORDER BY "
					   "seed_idx, id",
		[STORE_KEYS_TASKS] = "SELECT seed_idx, id FROM incident WHERE "
				     "seed_idx >= ?1 AND seed_idx < ?2 AND (id "
				     "IN (SELECT incident FROM task) OR id IN "
				     "(SELECT incident FROM release)) ORDER BY "
				     "seed_idx, id",
		[STORE_KEYS_CUSTODY] = "SELECT idx, lower(hex(sha256)) FROM "
				       "custody WHERE idx >= ?1 AND idx < ?2 "
				       "ORDER BY idx",
	};
	sqlite3_stmt *st = NULL;
	int r = SQLITE_DONE;

	if ((int)kind < 0 || kind >= STORE_KEYS_NKINDS) {
		log_warnx("store: no state digest kind %d", (int)kind);
		return -1;
	}
	if ((st = query(s, sql[kind], "ii", from, to)) == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return sq_fail(s, "state keys");
	return 0;
}

/*
 * A chunk of incidents with their parts (store_state_incidents): the
 * incident rows of the range, and one statement per part table over the
 * same range, each in (seed index, id) order first and stepped beside the
 * incidents (a merge: every part row's incident is in the range). Column
 * 0 of a part's statement is its incident's id.
 *
 * Each statement walks incident_seed over the range and, for each
 * incident, its part table's index on the incident (fusion_obs_incident,
 * incident_link's and incident_zone's primary keys) in the order wanted:
 * i.rid completes the ORDER BY so that SQLite knows the outer loop yields
 * one row per (seed_idx, id) (incident_seed is not UNIQUE) and takes the
 * inner index's order as the rest of it, with no temporary B-tree
 * (EXPLAIN QUERY PLAN). The members and the corroborated incidents are
 * not queries of their own: CP_OBS reads each placed observation once,
 * with its member and the incidents its log index is linked to as a
 * complaint (a LEFT JOIN: one row per link, none lost without one), and
 * sqlite_state_incidents keeps them sorted and once each (struct
 * chunk_set), as sqlite_incident_parts' SELECT DISTINCT ... ORDER BY
 * would give them (BINARY collation: bytes, then length).
 */
enum { CP_OBS, CP_LINKS, CP_ZONES, CP_DECISIONS, CP_NKINDS };

#define CHUNK_WHERE "WHERE i.seed_idx >= ?1 AND i.seed_idx < ?2 "
#define CHUNK_ORDER "ORDER BY i.seed_idx, i.id, i.rid, "

static const char *const chunk_sql[CP_NKINDS] = {
	/* 0 incident, 1 observation id, 2 complaint, 3 note, 4
	   organisation, 5 member, 6 linked incident (NULL: none), 7 log
	   index, 8 NULL when there is no observation row. */
	[CP_OBS] =
	    "SELECT i.id, lower(hex(o.id)), f.complaint, f.note, "
	    "o.organisation, o.member, l.incident, f.idx, o.idx FROM "
	    "incident i JOIN fusion_obs f ON f.incident = i.id LEFT JOIN "
	    "observation o ON o.idx = f.idx LEFT JOIN incident_link l "
	    "ON l.complaint_idx = f.idx " CHUNK_WHERE CHUNK_ORDER "f.idx",
	[CP_LINKS] =
	    "SELECT i.id, lower(hex(o.id)), 1, NULL, o.organisation "
	    "FROM incident i JOIN incident_link l ON l.incident = "
	    "i.id JOIN observation o ON o.idx = l.complaint_idx " CHUNK_WHERE
		CHUNK_ORDER "l.complaint_idx",
	[CP_ZONES] =
	    "SELECT i.id, z.layer, z.zone FROM incident i JOIN "
	    "incident_zone z ON z.incident = i.id " CHUNK_WHERE CHUNK_ORDER
	    "z.ord",
	/* No index on incident_decision(incident): the analysts' decisions
	   are few, and one scan of them a chunk costs less than a search
	   an incident. */
	[CP_DECISIONS] = "SELECT i.id, d.idx, d.applied, d.message FROM "
			 "incident i JOIN incident_decision d ON d.incident = "
			 "i.id " CHUNK_WHERE CHUNK_ORDER "d.idx",
};

/* Whether v reads part kind k. */
static int
chunk_wanted(const struct store_incident_visit *v, int k)
{
	switch (k) {
	case CP_OBS:
		return v->part != NULL || v->member != NULL ||
		    v->corroborates != NULL;
	case CP_LINKS: return v->part != NULL;
	case CP_ZONES: return v->zone != NULL;
	default: return v->decision != NULL;
	}
}

/*
 * An incident's members or corroborated incidents as CP_OBS's rows name
 * them: distinct strings in BINARY order (memcmp, then the shorter
 * first), each kept NUL-terminated in buf at v[i].off. Emptied for each
 * incident, its memory reused over the chunk.
 */
struct chunk_set {
	struct {
		size_t off, len;
	} * v;
	size_t n, cap;
	char *buf;
	size_t used, size;
};

/* Adds the len bytes at p unless already held: 0, or -1 out of memory. */
static int
chunk_set_add(struct chunk_set *c, const char *p, size_t len)
{
	size_t lo = 0, hi = c->n, mid, need, cap;
	const char *q;
	void *nv;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		q = c->buf + c->v[mid].off;
		d = memcmp(q, p, c->v[mid].len < len ? c->v[mid].len : len);
		if (d == 0 && c->v[mid].len != len)
			d = c->v[mid].len < len ? -1 : 1;
		if (d == 0)
			return 0;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->n == c->cap) {
		cap = c->cap ? 2 * c->cap : 16;
		if ((nv = realloc(c->v, cap * sizeof(*c->v))) == NULL)
			return -1;
		c->v = nv;
		c->cap = cap;
	}
	need = c->used + len + 1;
	if (need > c->size) {
		for (cap = c->size ? c->size : 256; cap < need; cap *= 2)
			;
		if ((nv = realloc(c->buf, cap)) == NULL)
			return -1;
		c->buf = nv;
		c->size = cap;
	}
	memcpy(c->buf + c->used, p, len);
	c->buf[c->used + len] = '\0';
	memmove(&c->v[lo + 1], &c->v[lo], (c->n - lo) * sizeof(*c->v));
	c->v[lo].off = c->used;
	c->v[lo].len = len;
	c->n++;
	c->used = need;
	return 0;
}

/* Adds column col of st unless NULL: 0, or -1 out of memory. */
static int
chunk_set_column(struct chunk_set *c, sqlite3_stmt *st, int col)
{
	const char *p;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	if ((p = (const char *)sqlite3_column_text(st, col)) == NULL)
		return -1;
	return chunk_set_add(c, p, (size_t)sqlite3_column_bytes(st, col));
}

/* Calls fn (if any) with each string of c in order until one returns
 * non-zero, then empties c. */
static void
chunk_set_emit(struct chunk_set *c, int (*fn)(void *, const char *), void *ctx)
{
	size_t i;

	for (i = 0; fn != NULL && i < c->n; i++)
		if (fn(ctx, c->buf + c->v[i].off) != 0)
			break;
	c->n = 0;
	c->used = 0;
}

/* Calls v's callback of part kind k (not CP_OBS) with the row at st;
 * its return. */
static int
chunk_part(const struct store_incident_visit *v, int k, sqlite3_stmt *st,
    void *ctx)
{
	const char *a = (const char *)sqlite3_column_text(st, 1);

	switch (k) {
	case CP_LINKS: return v->part(ctx, a, 1, 1, NULL, text_or_none(st, 4));
	case CP_ZONES:
		return v->zone(ctx, a,
		    (const char *)sqlite3_column_text(st, 2));
	default:
		return v->decision(ctx, sqlite3_column_int64(st, 1),
		    sqlite3_column_int(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
	}
}

/*
 * Steps CP_OBS's rows of incident id: each placed observation (with an
 * observation row) to v->part in log order until it returns non-zero,
 * its member (not a complaint's) into members and its links into
 * corroborated. The next row's step result in *more; 0, or -1 out of
 * memory.
 */
static int
chunk_obs(const struct store_incident_visit *v, sqlite3_stmt *st,
    const char *id, int *more, struct chunk_set *members,
    struct chunk_set *corroborated, void *ctx)
{
	int64_t idx, last = 0;
	int stop = v->part == NULL, first = 1, complaint;

	for (; *more == SQLITE_ROW &&
	     strcmp((const char *)sqlite3_column_text(st, 0), id) == 0;
	     *more = sqlite3_step(st)) {
		idx = sqlite3_column_int64(st, 7);
		complaint = sqlite3_column_int(st, 2);
		/* A log index seen in the previous row: another link. */
		if ((first || idx != last) &&
		    sqlite3_column_type(st, 8) != SQLITE_NULL) {
			if (!stop)
				stop = v->part(ctx,
				    (const char *)sqlite3_column_text(st, 1),
				    complaint, 0, text_or_none(st, 3),
				    text_or_none(st, 4));
			if (v->member != NULL && !complaint &&
			    chunk_set_column(members, st, 5) == -1)
				return -1;
		}
		if (v->corroborates != NULL &&
		    chunk_set_column(corroborated, st, 6) == -1)
			return -1;
		first = 0;
		last = idx;
	}
	return 0;
}

static int
sqlite_state_incidents(struct store *s, int64_t from, int64_t to,
    store_incident_fn fn, const struct store_incident_visit *v, void *ctx)
{
	sqlite3_stmt *inc, *st[CP_NKINDS] = { NULL };
	struct chunk_set members = { 0 }, corroborated = { 0 };
	int more[CP_NKINDS], k, r, stop, rc = -1;
	struct associate_incident a;
	struct store_incident_row row;
	const char *id;

	inc = query(s,
	    "SELECT " INC_COLS ", i.rid, i.zone, i.description, i.line, "
	    "i.line_m, i.line_side FROM incident i " CHUNK_WHERE
	    "ORDER BY i.seed_idx, i.id",
	    "ii", from, to);
	if (inc == NULL)
		return -1;
	for (k = 0; k < CP_NKINDS; k++) {
		more[k] = SQLITE_DONE;
		if (!chunk_wanted(v, k))
			continue;
		if ((st[k] = query(s, chunk_sql[k], "ii", from, to)) == NULL)
			goto done;
		more[k] = sqlite3_step(st[k]);
	}
	while ((r = sqlite3_step(inc)) == SQLITE_ROW) {
		row_incident(inc, &a);
		row.inc = &a;
		row.cursor = sqlite3_column_int64(inc, 26);
		row.zone = text_or_none(inc, 27);
		row.description = text_or_none(inc, 28);
		row.line = text_or_none(inc, 29);
		row.line_m = sqlite3_column_double(inc, 30);
		row.line_side = text_or_none(inc, 31);
		if (fn(ctx, &row) != 0)
			break;
		id = (const char *)sqlite3_column_text(inc, 0);
		/* The callbacks in store_incident_visit's order: parts
		   (placed, then linked), members, corroborated incidents,
		   zones, decisions. */
		for (k = 0; k < CP_NKINDS; k++) {
			if (k == CP_OBS) {
				if (chunk_obs(v, st[k], id, &more[k], &members,
					&corroborated, ctx) == -1) {
					log_warnx("store %s: state incidents: "
						  "out of memory",
					    s->path);
					goto done;
				}
			} else
				for (stop = 0; more[k] == SQLITE_ROW &&
				     strcmp((const char *)
						sqlite3_column_text(st[k], 0),
					 id) == 0;
				     more[k] = sqlite3_step(st[k]))
					if (!stop)
						stop = chunk_part(v, k, st[k],
						    ctx);
			if (more[k] != SQLITE_ROW && more[k] != SQLITE_DONE) {
				sq_fail(s, "state incidents' parts");
				goto done;
			}
			if (k == CP_LINKS) {
				chunk_set_emit(&members, v->member, ctx);
				chunk_set_emit(&corroborated, v->corroborates,
				    ctx);
			}
		}
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		sq_fail(s, "state incidents");
		goto done;
	}
	rc = 0;
done:
	for (k = 0; k < CP_NKINDS; k++)
		sqlite3_finalize(st[k]);
	sqlite3_finalize(inc);
	free(members.v);
	free(members.buf);
	free(corroborated.v);
	free(corroborated.buf);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.applied_size = sqlite_applied_size,
	.index_observation = sqlite_index_observation,
	.rows = &sqlite_rows,
	.fusion_rows = &sqlite_fusion_rows,
	.find_observation = sqlite_find_observation,
	.query_observations = sqlite_query,
	.observation_ids = sqlite_observation_ids,
	.count_observations = sqlite_count,
	.reset = sqlite_reset,
	.refusal = sqlite_refusal,
	.find_token = sqlite_find_token,
	.find_principal = sqlite_find_principal,
	.principals = sqlite_principals,
	.members = sqlite_members,
	.center_value = sqlite_center_value,
	.key_used = sqlite_key_used,
	.find_evidence = sqlite_find_evidence,
	.custody = sqlite_custody,
	.uploaded_by = sqlite_uploaded_by,
	.incident_exists = sqlite_incident_exists,
	.incident_states = sqlite_incident_states,
	.incident_states_of = sqlite_incident_states_of,
	.assessments = sqlite_assessments,
	.releases = sqlite_releases,
	.tasks = sqlite_tasks,
	.history = sqlite_history,
	.released = sqlite_released,
	.find_incident = sqlite_find_incident,
	.query_incidents = sqlite_query_incidents,
	.brief_incidents = sqlite_brief_incidents,
	.incident_parts = sqlite_incident_parts,
	.count_incidents = sqlite_count_incidents,
	.incident_tallies = sqlite_incident_tallies,
	.read_begin = sqlite_read_begin,
	.read_end = sqlite_read_end,
	.reports = sqlite_reports,
	.signatures = sqlite_signatures,
	.report_entries = sqlite_report_entries,
	.observation_incident = sqlite_observation_incident,
	.source_statuses = sqlite_source_statuses,
	.state_keys = sqlite_state_keys,
	.state_incidents = sqlite_state_incidents,
	.alert_rules = sqlite_alert_rules,
};
