/*
 * store_pg: the PostgreSQL + PostGIS store backend (libpq; docs/storage.md,
 * "PostgreSQL + PostGIS backend"). The same rows as store_sqlite.c, read
 * and written with the same answers: row order, numbers and NULLs are the
 * SQLite backend's (an equivalence test compares every API answer).
 *
 * Observations and incidents carry a real geometry(Point, 4326) column
 * (generated from the exact 1e-7 degree integers), so a GIS client opens
 * them as layers; the observation query is served by GiST(category,
 * trange, geom) with btree_gist (bench/RESULTS.md found it the best
 * design). PostGIS compares boxes in single precision, so every spatial
 * filter is checked again on the exact integers, as the SQLite backend
 * does after its R*Tree.
 *
 * The schema is versioned (meta.schema_version) and migrated at open by a
 * writer (truce serve, truce rebuild), under an advisory lock; a store of
 * a newer version than this binary's is refused. Text columns sort by
 * byte (COLLATE "C"), as SQLite's BINARY collation does, whatever the
 * database's locale.
 *
 * Statements are prepared once per connection on first use (the hot paths:
 * indexing an observation, fusion's book; the API's built queries by
 * their shape, pg_prepared_shape); parameters are sent typed and
 * in binary (text as text), results read in binary. One struct store is
 * one connection. STORE_SCRATCH (an audit's replay) is SQLite's only.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "common/log.h"
#include "record/evidence_entry.h"
#include "record/observation.h"
#include "record/source_status.h"
#include "fusion/associate.h"
#include "fusion/fusion.h"
#include "report/reportentry.h"
#include "store/applier.h"
#include "store/fusionbook.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "verify/assessment.h"
#include "verify/member.h"
#include "verify/principal.h"
#include "verify/workflow.h"

/* Type OIDs (pg_type.h; fixed since PostgreSQL 7). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_FLOAT4 700
#define OID_FLOAT8 701

#define PG_MAX_PARAMS 48   /* an incident's upsert has 35 */
#define PG_MAX_STMTS 128   /* statements prepared per connection */
#define PG_MAX_SHAPES 32   /* built query shapes prepared per connection */
#define PG_NAME_LEN 160	   /* the store in messages */
#define PG_MAX_PENDING 512 /* writes sent before their results are read */

/*
 * The schema's version and its migrations: migration v brings a store of
 * version v - 1 to v. A new version appends one; a store of a version
 * above PG_SCHEMA_VERSION was written by a newer truce and is refused.
 */
#define PG_SCHEMA_VERSION 3

/* A text column compared and sorted byte by byte, as SQLite does. */
#define T "text COLLATE \"C\""

static const char migration_1[] =
    "CREATE EXTENSION IF NOT EXISTS postgis;"
    "CREATE EXTENSION IF NOT EXISTS btree_gist;"
    "CREATE TABLE observation("
    "  idx bigint PRIMARY KEY,"	  /* log index */
    "  id bytea NOT NULL UNIQUE," /* SHA-256 of the entry */
    "  t_from bigint NOT NULL, t_to bigint NOT NULL,"
    "  category " T " NOT NULL, source_type " T " NOT NULL, member " T ","
    "  lat_e7 bigint, lon_e7 bigint,"
    "  entry bytea NOT NULL, organisation " T ","
    "  trange int8range GENERATED ALWAYS AS "
    "    (int8range(t_from, t_to, '[]')) STORED,"
    "  geom geometry(Point, 4326) GENERATED ALWAYS AS (CASE WHEN lon_e7 "
    "    IS NOT NULL AND lat_e7 IS NOT NULL THEN ST_SetSRID(ST_MakePoint("
    "    lon_e7::float8 / 1e7::float8, lat_e7::float8 / 1e7::float8), "
    "    4326) END) STORED);"
    "CREATE INDEX observation_cat_time_geom ON observation USING "
    "  gist(category, trange, geom);"
    "CREATE TABLE principal("
    "  name " T " PRIMARY KEY, role " T " NOT NULL, member " T " NOT NULL,"
    "  party " T " NOT NULL, active bigint NOT NULL,"
    "  added_idx bigint NOT NULL, revoked_idx bigint);"
    "CREATE TABLE token("
    "  hash bytea PRIMARY KEY, name " T " NOT NULL, idx bigint NOT NULL);"
    "CREATE INDEX token_name ON token(name);"
    "CREATE TABLE refused("
    "  idx bigint PRIMARY KEY, type " T " NOT NULL, reason " T " NOT NULL);"
    "CREATE TABLE member("
    "  name " T " PRIMARY KEY, vkey " T " NOT NULL,"
    "  since_idx bigint NOT NULL);"
    "CREATE TABLE member_key("
    "  vkey " T " PRIMARY KEY, name " T " NOT NULL, idx bigint NOT NULL);"
    "CREATE TABLE center(key " T " PRIMARY KEY, value " T " NOT NULL);"
    "CREATE TABLE evidence("
    "  sha256 bytea PRIMARY KEY, size bigint NOT NULL,"
    "  media_type " T " NOT NULL, idx bigint NOT NULL);"
    "CREATE TABLE custody("
    "  idx bigint PRIMARY KEY, sha256 bytea NOT NULL, action " T " NOT NULL,"
    "  \"by\" " T " NOT NULL, at_ms bigint NOT NULL);"
    "CREATE INDEX custody_item ON custody(sha256, idx);"
    "CREATE TABLE source_status("
    "  idx bigint PRIMARY KEY, type " T " NOT NULL, member " T ","
    "  organisation " T ", unit " T " NOT NULL, status " T " NOT NULL,"
    "  reason " T " NOT NULL, from_ms bigint NOT NULL,"
    "  to_ms bigint NOT NULL, \"by\" " T " NOT NULL, at_ms bigint NOT NULL);"
    "CREATE INDEX source_status_time ON source_status(from_ms);"
    /* seq: the order rows were last written in (SQLite's rowid after
       INSERT OR REPLACE), which unordered reads follow. */
    "CREATE SEQUENCE incident_state_seq;"
    "CREATE TABLE incident_state("
    "  incident " T " PRIMARY KEY, state " T " NOT NULL,"
    "  tier bigint NOT NULL, tier_name " T ", duplicate_of " T ","
    "  since_idx bigint NOT NULL, since_ms bigint NOT NULL,"
    "  seq bigint NOT NULL DEFAULT nextval('incident_state_seq'));"
    "CREATE INDEX incident_state_by_state ON incident_state(state, seq);"
    "CREATE TABLE assessment("
    "  idx bigint PRIMARY KEY, incident " T " NOT NULL,"
    "  member " T " NOT NULL, revision bigint NOT NULL,"
    "  verdict " T " NOT NULL, attribution " T " NOT NULL,"
    "  confidence " T " NOT NULL, assessed_at_ms bigint NOT NULL,"
    "  \"by\" " T " NOT NULL, at_ms bigint NOT NULL, note " T " NOT NULL,"
    "  UNIQUE(incident, member, revision));"
    "CREATE TABLE incident_event("
    "  seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  incident " T " NOT NULL, idx bigint NOT NULL, kind " T " NOT NULL,"
    "  from_state " T ", to_state " T ");"
    "CREATE INDEX incident_event_by ON incident_event(incident, seq);"
    "CREATE TABLE task("
    "  idx bigint PRIMARY KEY, incident " T " NOT NULL, unit " T " NOT NULL,"
    "  kind " T " NOT NULL, description " T " NOT NULL,"
    "  due_ms bigint NOT NULL, \"by\" " T " NOT NULL,"
    "  at_ms bigint NOT NULL, done_idx bigint, done_by " T ","
    "  done_note " T ");"
    "CREATE INDEX task_incident ON task(incident, idx);"
    "CREATE TABLE release("
    "  incident " T " NOT NULL, party " T " NOT NULL, idx bigint NOT NULL,"
    "  PRIMARY KEY(incident, party));"
    "CREATE TABLE fusion_obs("
    "  idx bigint PRIMARY KEY, incident " T " NOT NULL,"
    "  complaint bigint NOT NULL, located bigint NOT NULL,"
    "  lat float8 NOT NULL, lon float8 NOT NULL,"
    "  cee float8 NOT NULL, cen float8 NOT NULL, cnn float8 NOT NULL,"
    "  search_m float8 NOT NULL,"
    "  t_from bigint NOT NULL, t_to bigint NOT NULL,"
    "  w_from bigint NOT NULL, w_to bigint NOT NULL,"
    "  category bigint NOT NULL, grp bigint NOT NULL,"
    "  source_type bigint NOT NULL, source bigint NOT NULL,"
    "  count bigint NOT NULL, qualifier bigint NOT NULL,"
    "  note " T " NOT NULL);"
    "CREATE INDEX fusion_obs_incident ON fusion_obs(incident, idx);"
    "CREATE TABLE incident("
    "  rid bigint PRIMARY KEY," /* creation order: the cursor */
    "  id " T " NOT NULL UNIQUE,"
    "  seed_idx bigint NOT NULL, updated_idx bigint NOT NULL,"
    "  kind bigint NOT NULL, grp bigint NOT NULL,"
    "  category bigint NOT NULL, located bigint NOT NULL,"
    "  lat float8 NOT NULL, lon float8 NOT NULL,"
    "  cee float8 NOT NULL, cen float8 NOT NULL, cnn float8 NOT NULL,"
    "  search_m float8 NOT NULL,"
    "  lat_e7 bigint, lon_e7 bigint," /* NULL when unlocated */
    "  t_from bigint NOT NULL, t_to bigint NOT NULL,"
    "  g_from bigint NOT NULL, g_to bigint NOT NULL,"
    "  count bigint NOT NULL, qualifier bigint NOT NULL,"
    "  nobs bigint NOT NULL, ncomplaints bigint NOT NULL,"
    "  nsources bigint NOT NULL, source_types bigint NOT NULL,"
    "  pinned bigint NOT NULL, live bigint NOT NULL, merged_into " T ","
    "  zone " T ", description " T ", line " T ", line_m float8,"
    "  line_side " T ", described_lat float8, described_lon float8,"
    "  geom geometry(Point, 4326) GENERATED ALWAYS AS (CASE WHEN "
    "    lon_e7 IS NOT NULL AND lat_e7 IS NOT NULL THEN ST_SetSRID("
    "    ST_MakePoint(lon, lat), 4326) END) STORED);"
    "CREATE INDEX incident_time ON incident(g_from, g_to);"
    "CREATE INDEX incident_zone_col ON incident(zone);"
    "CREATE INDEX incident_seed ON incident(seed_idx, id);"
    "CREATE INDEX incident_geom ON incident USING gist(geom);"
    "CREATE TABLE incident_zone("
    "  incident " T " NOT NULL, ord bigint NOT NULL, layer " T " NOT NULL,"
    "  zone " T " NOT NULL, PRIMARY KEY(incident, ord));"
    "CREATE INDEX incident_zone_by_zone ON incident_zone(zone, incident);"
    "CREATE TABLE incident_link("
    "  incident " T " NOT NULL, complaint_idx bigint NOT NULL,"
    "  PRIMARY KEY(incident, complaint_idx));"
    "CREATE INDEX incident_link_complaint ON incident_link(complaint_idx);"
    "CREATE TABLE incident_decision("
    "  idx bigint PRIMARY KEY, incident " T " NOT NULL,"
    "  applied bigint NOT NULL, message " T " NOT NULL);"
    "CREATE INDEX incident_decision_by ON incident_decision(incident, idx);"
    /* Products (docs/products.md), as sqlite_reports.c keeps them. */
    "CREATE TABLE report("
    "  id " T " PRIMARY KEY, idx bigint NOT NULL UNIQUE,"
    "  kind " T " NOT NULL, number " T " NOT NULL, subject " T " NOT NULL,"
    "  from_ms bigint NOT NULL, to_ms bigint NOT NULL,"
    "  log_size bigint NOT NULL, root " T " NOT NULL, \"by\" " T " NOT NULL,"
    "  at_ms bigint NOT NULL, state " T " NOT NULL,"
    "  state_idx bigint NOT NULL);"
    "CREATE INDEX report_subject ON report(kind, subject);"
    "CREATE TABLE report_signature("
    "  report " T " NOT NULL, member " T " NOT NULL, idx bigint NOT NULL,"
    "  decision " T " NOT NULL, reason " T ", signed_at_ms bigint NOT NULL,"
    "  note " T " NOT NULL, PRIMARY KEY(report, member));"
    "CREATE TABLE report_entry(idx bigint PRIMARY KEY);";

/* 2: for a GIS client: fusion's category codes named (refreshed at
 * every writer's open: refresh_names), and the two layers with names and
 * times. Views: nothing is stored twice. */
static const char migration_2[] =
    "CREATE TABLE incident_category(code bigint PRIMARY KEY, name " T
    " NOT NULL);"
    "CREATE VIEW incident_layer AS SELECT i.rid, i.id, c.name AS "
    "  category, CASE i.kind WHEN 0 THEN 'observed' ELSE 'complaint' END "
    "  AS kind, coalesce(st.state, 'received') AS state, i.count, i.zone,"
    "  i.description, i.nsources, i.ncomplaints, to_timestamp(i.t_from / "
    "  1000.0) AS time_from, to_timestamp(i.t_to / 1000.0) AS time_to,"
    "  i.geom FROM incident i LEFT JOIN incident_category c ON c.code = "
    "  i.category LEFT JOIN incident_state st ON st.incident = i.id WHERE "
    "  i.live = 1 AND i.geom IS NOT NULL;"
    "CREATE VIEW observation_layer AS SELECT idx, encode(id, 'hex') AS id,"
    "  category, source_type, member, organisation, to_timestamp(t_from / "
    "  1000.0) AS time_from, to_timestamp(t_to / 1000.0) AS time_to, geom "
    "  FROM observation WHERE geom IS NOT NULL;";

/*
 * 3: alert rules and their state (alert/alert_rule.h), as the log has
 * them. The rules already applied are in no row yet: every table is
 * emptied and applied_size set to 0, so that the center applies the log
 * again from its start when it opens the store (a rebuild in place).
 */
static const char migration_3[] =
    "CREATE TABLE IF NOT EXISTS alert_rule(idx bigint PRIMARY KEY, \"by\" " T
    " NOT NULL, at_ms bigint NOT NULL, entry " T
    " NOT NULL, disabled_idx bigint, disabled_by " T ");"
    "TRUNCATE observation, principal, token, refused, member, member_key, "
    "center, evidence, custody, source_status, incident_state, assessment, "
    "incident_event, task, release, fusion_obs, incident, incident_zone, "
    "incident_link, incident_decision, report, report_signature, "
    "report_entry RESTART IDENTITY;"
    "UPDATE meta SET value = 0 WHERE key = 'applied_size';";

static const char *const migrations[PG_SCHEMA_VERSION] = { migration_1,
	migration_2, migration_3 };

/* What store_reset empties (every table but meta). */
static const char reset_sql[] =
    "TRUNCATE observation, principal, token, refused, member, member_key, "
    "center, evidence, custody, source_status, incident_state, assessment, "
    "incident_event, task, release, fusion_obs, incident, incident_zone, "
    "incident_link, incident_decision, report, report_signature, "
    "report_entry, alert_rule RESTART IDENTITY;"
    "UPDATE meta SET value = 0 WHERE key = 'applied_size'";

/* Any number for the advisory lock that serializes migrations. */
#define PG_MIGRATE_LOCK "7245837"

struct pg_stmt {
	const char *sql; /* a static string: the cache's key */
	char name[16];
};

/* A query built from its filters (pg_query_observations, incident_query):
 * keyed by its text, which names the filters present, not their values. */
struct pg_shape {
	char *sql; /* owned */
	char name[16];
};

/* The kinds of an incident's parts, one statement each for a chunk or a
 * page of incidents (pg_state_incidents, incident_query). */
enum {
	CP_OBS,
	CP_LINKS,
	CP_MEMBERS,
	CP_CORROBORATES,
	CP_ZONES,
	CP_DECISIONS,
	CP_NKINDS
};

/*
 * The parts of a page of full incident rows (incident_query), read in one
 * statement per kind before the rows are handed out and served from here
 * by pg_incident_parts while they are. Row k of inc has its parts of kind
 * j at rows from[j][k] to to[j][k] (excluded) of part[j].
 */
struct pg_page {
	const PGresult *inc;
	PGresult *part[CP_NKINDS];
	int *from[CP_NKINDS], *to[CP_NKINDS];
};

struct store {
	struct store_head head; /* first: see store_backend.h */
	PGconn *conn;
	struct pg_page *page; /* a page being handed out, or NULL */
	struct pg_stmt stmts[PG_MAX_STMTS];
	int nstmts;
	struct pg_shape shapes[PG_MAX_SHAPES];
	int nshapes;
	int writing; /* inside a write transaction: writes are pipelined */
	int reading; /* inside a read snapshot (read_begin) */
	int piped;   /* in libpq's pipeline mode */
	int bulk; /* STORE_BULK: writing into PG_REBUILD, not yet published */
	char home[64]; /* with bulk: the schema the store is published to */
	char *late;    /* with bulk: the late indexes' CREATE statements */
	int npending;
	const char *pending[PG_MAX_PENDING]; /* their SQL, for messages */
	char name[PG_NAME_LEN];
};

/* Parameters being bound: typed, ints and doubles in binary. */
struct pg_params {
	int n;
	Oid types[PG_MAX_PARAMS];
	const char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS];
	int formats[PG_MAX_PARAMS];
	uint8_t bin[PG_MAX_PARAMS][8];
	int overflow;
};

static void
be64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *b, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

static struct pg_params *
pp_slot(struct pg_params *p)
{
	if (p->n >= PG_MAX_PARAMS) {
		p->overflow = 1;
		return NULL;
	}
	return p;
}

static void
pp_i64(struct pg_params *p, int64_t v)
{
	if (pp_slot(p) == NULL)
		return;
	be64(p->bin[p->n], (uint64_t)v);
	p->types[p->n] = OID_INT8;
	p->values[p->n] = (const char *)p->bin[p->n];
	p->lengths[p->n] = 8;
	p->formats[p->n] = 1;
	p->n++;
}

static void
pp_f64(struct pg_params *p, double v)
{
	uint64_t u;

	if (pp_slot(p) == NULL)
		return;
	/* SQLite keeps an integral REAL as an integer: -0.0 reads back as
	 * 0.0, and so it is stored here. */
	if (v == 0.0)
		v = 0.0;
	memcpy(&u, &v, sizeof(u));
	be64(p->bin[p->n], u);
	p->types[p->n] = OID_FLOAT8;
	p->values[p->n] = (const char *)p->bin[p->n];
	p->lengths[p->n] = 8;
	p->formats[p->n] = 1;
	p->n++;
}

/* A text parameter; NULL binds NULL. */
static void
pp_text(struct pg_params *p, const char *t)
{
	if (pp_slot(p) == NULL)
		return;
	p->types[p->n] = OID_TEXT;
	p->values[p->n] = t;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

/* A NULL of type oid. */
static void
pp_null(struct pg_params *p, Oid oid)
{
	if (pp_slot(p) == NULL)
		return;
	p->types[p->n] = oid;
	p->values[p->n] = NULL;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 1;
	p->n++;
}

static void
pp_blob(struct pg_params *p, const void *b, int len)
{
	if (pp_slot(p) == NULL)
		return;
	p->types[p->n] = OID_BYTEA;
	p->values[p->n] = b;
	p->lengths[p->n] = len;
	p->formats[p->n] = 1;
	p->n++;
}

/*
 * Fills p from fmt: 'i' int64_t, 'd' double, 't' text (NULL: NULL), 'b'
 * blob (pointer, then int length).
 */
static void
pp_fmt(struct pg_params *p, const char *fmt, va_list ap)
{
	const void *blob;
	int n;

	for (; *fmt != '\0'; fmt++) {
		switch (*fmt) {
		case 'i': pp_i64(p, va_arg(ap, int64_t)); break;
		case 'd': pp_f64(p, va_arg(ap, double)); break;
		case 't': pp_text(p, va_arg(ap, const char *)); break;
		case 'b':
			blob = va_arg(ap, const void *);
			n = va_arg(ap, int);
			pp_blob(p, blob, n);
			break;
		}
	}
}

static int
pg_fail(struct store *s, const char *what, const PGresult *r)
{
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(s->conn);
	log_warnx("store %s: %s: %.*s", s->name, what, (int)strcspn(msg, "\n"),
	    msg);
	return -1;
}

/* The prepared statement of sql (a static string), preparing it first
 * if this connection has not; NULL when the cache is full (the caller
 * runs it unprepared) or on error (*err set). */
static const char *
pg_prepared(struct store *s, const char *sql, const struct pg_params *p,
    int *err)
{
	struct pg_stmt *st;
	PGresult *r;
	int i;

	*err = 0;
	for (i = 0; i < s->nstmts; i++)
		if (s->stmts[i].sql == sql)
			return s->stmts[i].name;
	if (s->nstmts >= PG_MAX_STMTS)
		return NULL;
	st = &s->stmts[s->nstmts];
	snprintf(st->name, sizeof(st->name), "t%d", s->nstmts);
	r = PQprepare(s->conn, st->name, sql, p->n, p->types);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(s, "prepare", r);
		PQclear(r);
		*err = 1;
		return NULL;
	}
	PQclear(r);
	st->sql = sql;
	s->nstmts++;
	return st->name;
}

/*
 * The prepared statement of a built query (its shape: which filters it
 * has; the values are parameters), preparing it first if this connection
 * has not. The shapes are few (the API's filters), so the first
 * PG_MAX_SHAPES are kept and any further one runs unprepared (NULL, *err
 * 0): never evicted, so a statement's name stays valid on its connection.
 * NULL with *err set on error.
 */
static const char *
pg_prepared_shape(struct store *s, const char *sql, const struct pg_params *p,
    int *err)
{
	struct pg_shape *sh;
	PGresult *r;
	int i;

	*err = 0;
	for (i = 0; i < s->nshapes; i++)
		if (strcmp(s->shapes[i].sql, sql) == 0)
			return s->shapes[i].name;
	if (s->nshapes >= PG_MAX_SHAPES)
		return NULL;
	sh = &s->shapes[s->nshapes];
	if ((sh->sql = strdup(sql)) == NULL) {
		log_warn("store %s: query shape", s->name);
		*err = 1;
		return NULL;
	}
	snprintf(sh->name, sizeof(sh->name), "q%d", s->nshapes);
	r = PQprepare(s->conn, sh->name, sql, p->n, p->types);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(s, "prepare", r);
		PQclear(r);
		free(sh->sql);
		sh->sql = NULL;
		*err = 1;
		return NULL;
	}
	PQclear(r);
	s->nshapes++;
	return sh->name;
}

/* Forgets the prepared shapes (the connection that held them is gone). */
static void
pg_forget_shapes(struct store *s)
{
	int i;

	for (i = 0; i < s->nshapes; i++) {
		free(s->shapes[i].sql);
		s->shapes[i].sql = NULL;
	}
	s->nshapes = 0;
}

/* The session's settings, on every new connection. */
static const char session_sql[] =
    "SET client_min_messages = warning; SET TIME ZONE 'UTC'";

/*
 * A connection the server closed (its restart, an administrator) is
 * opened again, but only between transactions: inside a write
 * transaction or a read snapshot what it held is gone, and the caller
 * must see the failure (it rolls back). 0, or -1 when the connection is
 * lost and cannot be opened again now.
 */
static int
pg_alive(struct store *s)
{
	PGresult *r;
	int ok;

	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	if (s->writing || s->reading)
		return pg_fail(s, "connection lost inside a transaction", NULL);
	if (s->bulk) /* its search_path and its session lock are gone */
		return pg_fail(s, "connection lost during a rebuild", NULL);
	log_warnx("store %s: connection lost, connecting again", s->name);
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return pg_fail(s, "connect again", NULL);
	s->nstmts = 0; /* the server forgot the prepared statements */
	pg_forget_shapes(s);
	s->piped = 0;
	s->npending = 0;
	r = PQexec(s->conn, session_sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : pg_fail(s, "session settings", NULL);
}

/*
 * Reads the results of the writes sent in pipeline mode (pg_write) and
 * leaves it: the first that failed is logged with its statement, and the
 * transaction is then aborted (the caller rolls back). 0 or -1.
 */
static int
pg_drain(struct store *s)
{
	PGresult *r;
	ExecStatusType st;
	int rc = 0, k = 0, nulls = 0;

	if (!s->piped)
		return 0;
	if (PQpipelineSync(s->conn) != 1)
		rc = pg_fail(s, "pipeline sync", NULL);
	while (rc == 0 || PQstatus(s->conn) == CONNECTION_OK) {
		if ((r = PQgetResult(s->conn)) == NULL) {
			/* One NULL ends each statement's results. */
			if (++nulls > 2 || PQstatus(s->conn) != CONNECTION_OK) {
				rc =
				    rc == 0 ? pg_fail(s, "pipeline", NULL) : -1;
				break;
			}
			continue;
		}
		nulls = 0;
		st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (st == PGRES_FATAL_ERROR && rc == 0)
			rc = pg_fail(s,
			    k < s->npending ? s->pending[k] : "write", r);
		else if (st == PGRES_PIPELINE_ABORTED && rc == 0)
			rc = -1;
		k++;
		PQclear(r);
	}
	if (PQexitPipelineMode(s->conn) != 1 && rc == 0)
		rc = pg_fail(s, "leave pipeline mode", NULL);
	s->piped = 0;
	s->npending = 0;
	return rc;
}

/* How pg_run prepares sql. */
#define PG_UNPREPARED 0
#define PG_STATIC 1 /* sql is a static string: its address is the key */
#define PG_SHAPE 2  /* sql is a built query: its text is the key */

/*
 * Runs sql with p, results in binary, prepared as prepare says
 * (PG_UNPREPARED, PG_STATIC, PG_SHAPE). The result (tuples or command
 * done), or NULL on error (logged). Writes pipelined before are read
 * first: one of them failed, the result is NULL.
 */
static PGresult *
pg_run(struct store *s, const char *sql, int prepare, const struct pg_params *p)
{
	const char *name;
	PGresult *r;
	ExecStatusType st;
	int err = 0, attempt;

	if (p->overflow) {
		log_warnx("store %s: over %d parameters", s->name,
		    PG_MAX_PARAMS);
		return NULL;
	}
	/* libpq sees a closed connection on its next use: then once more,
	 * connected again (pg_alive), unless inside a transaction. */
	for (attempt = 0; attempt < 2; attempt++) {
		if (pg_drain(s) == -1 || pg_alive(s) == -1)
			return NULL;
		name = NULL;
		if (prepare == PG_STATIC)
			name = pg_prepared(s, sql, p, &err);
		else if (prepare == PG_SHAPE)
			name = pg_prepared_shape(s, sql, p, &err);
		if (name == NULL && err) {
			if (PQstatus(s->conn) == CONNECTION_OK)
				return NULL;
			continue;
		}
		if (name != NULL)
			r = PQexecPrepared(s->conn, name, p->n, p->values,
			    p->lengths, p->formats, 1);
		else
			r = PQexecParams(s->conn, sql, p->n, p->types,
			    p->values, p->lengths, p->formats, 1);
		st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			return r;
		pg_fail(s, sql, r);
		PQclear(r);
		if (PQstatus(s->conn) == CONNECTION_OK || s->writing ||
		    s->reading)
			return NULL;
	}
	return NULL;
}

/*
 * A write (no rows) inside a write transaction: sent in libpq's pipeline
 * mode without waiting for its result, which pg_drain reads before the
 * next read, commit or rollback — one round trip per batch of writes, not
 * per row. Outside a write transaction, run at once. A failure may thus
 * be reported by a later call of the same transaction: the caller rolls
 * back either way, as with SQLite. 0 or -1.
 */
static int
pg_write(struct store *s, const char *sql, const struct pg_params *p)
{
	const char *name = NULL;
	PGresult *r;
	int i;

	if (!s->writing || p->overflow) {
		if ((r = pg_run(s, sql, PG_STATIC, p)) == NULL)
			return -1;
		PQclear(r);
		return 0;
	}
	for (i = 0; i < s->nstmts && name == NULL; i++)
		if (s->stmts[i].sql == sql)
			name = s->stmts[i].name;
	if (name == NULL) {
		/* Prepared (or, the cache full, run) outside the pipeline. */
		if ((r = pg_run(s, sql, PG_STATIC, p)) == NULL)
			return -1;
		PQclear(r);
		return 0;
	}
	if (!s->piped) {
		if (PQenterPipelineMode(s->conn) != 1)
			return pg_fail(s, "enter pipeline mode", NULL);
		s->piped = 1;
	}
	if (PQsendQueryPrepared(s->conn, name, p->n, p->values, p->lengths,
		p->formats, 1) != 1) {
		pg_fail(s, sql, NULL);
		pg_drain(s);
		return -1;
	}
	s->pending[s->npending++] = sql;
	return s->npending == PG_MAX_PENDING ? pg_drain(s) : 0;
}

/* A prepared query with fmt's parameters (pp_fmt); NULL on error. */
static PGresult *
pg_query(struct store *s, const char *sql, const char *fmt, ...)
{
	struct pg_params p = { 0 };
	va_list ap;

	va_start(ap, fmt);
	pp_fmt(&p, fmt, ap);
	va_end(ap);
	return pg_run(s, sql, PG_STATIC, &p);
}

/* Runs a prepared statement without rows. 0 or -1. */
static int
pg_do(struct store *s, const char *sql, const char *fmt, ...)
{
	struct pg_params p = { 0 };
	va_list ap;

	va_start(ap, fmt);
	pp_fmt(&p, fmt, ap);
	va_end(ap);
	return pg_write(s, sql, &p);
}

/* Runs sql (one or more statements, no parameters). 0 or -1. */
static int
pg_exec(struct store *s, const char *sql)
{
	PGresult *r;
	ExecStatusType st;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (pg_drain(s) == -1 || pg_alive(s) == -1)
			return -1;
		r = PQexec(s->conn, sql);
		st = PQresultStatus(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			pg_fail(s, sql, r);
		PQclear(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			return 0;
		if (PQstatus(s->conn) == CONNECTION_OK || s->writing ||
		    s->reading)
			return -1;
	}
	return -1;
}

/* ---- columns of a binary result ---------------------------------- */

static int
col_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

/* An integer column (0 for NULL, as sqlite3_column_int64). */
static int64_t
col_i64(const PGresult *r, int row, int col)
{
	const uint8_t *b = (const uint8_t *)PQgetvalue(r, row, col);

	if (PQgetisnull(r, row, col))
		return 0;
	switch (PQftype(r, col)) {
	case OID_INT8: return (int64_t)get_be(b, 8);
	case OID_INT4: return (int32_t)(uint32_t)get_be(b, 4);
	case OID_INT2: return (int16_t)(uint16_t)get_be(b, 2);
	case OID_BOOL: return b[0] != 0;
	}
	return 0;
}

/* A float column (0.0 for NULL, as sqlite3_column_double). */
static double
col_f64(const PGresult *r, int row, int col)
{
	const uint8_t *b = (const uint8_t *)PQgetvalue(r, row, col);
	uint64_t u;
	uint32_t u4;
	double d;
	float f;

	if (PQgetisnull(r, row, col))
		return 0.0;
	switch (PQftype(r, col)) {
	case OID_FLOAT8:
		u = get_be(b, 8);
		memcpy(&d, &u, sizeof(d));
		return d;
	case OID_FLOAT4:
		u4 = (uint32_t)get_be(b, 4);
		memcpy(&f, &u4, sizeof(f));
		return (double)f;
	}
	return (double)col_i64(r, row, col);
}

/* A text column; NULL for NULL (as sqlite3_column_text). */
static const char *
col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int
col_int(const PGresult *r, int row, int col)
{
	return (int)col_i64(r, row, col);
}

/* ---- open, close, transactions ----------------------------------- */

/* Notices (IF NOT EXISTS ... skipping) are not the store's news. */
static void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void pg_close(struct store *s);

/* The schema version the store holds: 1 and *v, 0 when it has no meta
 * table, -1 on error. */
static int
read_version(struct store *s, int64_t *v)
{
	PGresult *r;
	int rc = -1;

	if ((r = pg_query(s,
		 "SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = "
		 "'meta' AND schemaname = current_schema()",
		 "")) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	PQclear(r);
	if (rc == 0)
		return 0;
	if ((r = pg_query(s,
		 "SELECT value FROM meta WHERE key = 'schema_version'", "")) ==
	    NULL)
		return -1;
	*v = PQntuples(r) > 0 ? col_i64(r, 0, 0) : -1;
	PQclear(r);
	return 1;
}

/* Names fusion's category codes as this binary does (incident_layer). */
static int
refresh_names(struct store *s)
{
	const char *name;
	int i;

	if (pg_exec(s, "DELETE FROM incident_category") == -1)
		return -1;
	for (i = 0; (name = associate_category_name(i)) != NULL; i++)
		if (pg_do(s, "INSERT INTO incident_category VALUES($1,$2)",
			"it", (int64_t)i, name) == -1)
			return -1;
	return 0;
}

/* Brings the schema to PG_SCHEMA_VERSION, each migration in the one
 * transaction with the version it reaches. 0 or -1. */
static int
migrate(struct store *s)
{
	int64_t v = 0;
	char sql[96];
	int i, r;

	if (pg_exec(s,
		"BEGIN; SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ");"
		"CREATE TABLE IF NOT EXISTS meta(key " T " PRIMARY KEY, "
		"value bigint NOT NULL);"
		"INSERT INTO meta VALUES('applied_size', 0), "
		"('schema_version', 0) ON CONFLICT DO NOTHING") == -1)
		goto fail;
	if ((r = read_version(s, &v)) != 1)
		goto fail;
	if (v > PG_SCHEMA_VERSION) {
		log_warnx("store %s has schema version %lld, newer than this "
			  "truce's %d: run the newer truce, or recreate the "
			  "store from the log with `truce rebuild`",
		    s->name, (long long)v, PG_SCHEMA_VERSION);
		goto fail;
	}
	for (i = (int)v; i < PG_SCHEMA_VERSION; i++) {
		if (pg_exec(s, migrations[i]) == -1) {
			log_warnx("store %s: migration to schema version %d "
				  "failed (PostGIS and btree_gist must be "
				  "installed on the server: Debian's "
				  "postgresql-15-postgis-3)",
			    s->name, i + 1);
			goto fail;
		}
		snprintf(sql, sizeof(sql),
		    "UPDATE meta SET value = %d WHERE key = 'schema_version'",
		    i + 1);
		if (pg_exec(s, sql) == -1)
			goto fail;
	}
	if (refresh_names(s) == -1)
		goto fail;
	return pg_exec(s, "COMMIT");
fail:
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pg_exec(s, "ROLLBACK");
	return -1;
}

/* A read-only store must already have this binary's schema. */
static int
check_version(struct store *s)
{
	int64_t v = -1;
	int r = read_version(s, &v);

	if (r == -1)
		return -1;
	if (r == 1 && v == PG_SCHEMA_VERSION)
		return 0;
	if (r == 0)
		log_warnx("store %s has no truce schema: open it once "
			  "writable (truce serve, truce rebuild)",
		    s->name);
	else
		log_warnx("store %s has schema version %lld, this truce needs "
			  "%d: open it once writable (truce serve, truce "
			  "rebuild) to migrate it",
		    s->name, (long long)v, PG_SCHEMA_VERSION);
	return -1;
}

int
store_pg_uri(const char *s)
{
	return s != NULL &&
	    (strncmp(s, "postgresql://", 13) == 0 ||
		strncmp(s, "postgres://", 11) == 0);
}

/* ---- a rebuild into fresh tables (STORE_BULK) --------------------- */

/* The schemas a rebuild loads into and moves the old store to. */
#define PG_REBUILD "truce_rebuild"
#define PG_OLD "truce_old"
/* Any number for the session lock that lets one rebuild run at a time. */
#define PG_REBUILD_LOCK "7245838"

/*
 * The indexes a rebuild creates after its rows (bulk_late): those the
 * replay never reads through (SQLite's schema_late, and the GiST and
 * listing indexes only the API's reads use). Primary keys and unique
 * constraints stay, since the apply path's upserts need them.
 */
#define LATE_INDEXES                                                         \
	"'source_status_time', 'incident_event_by', 'fusion_obs_incident', " \
	"'incident_time', 'incident_seed', 'incident_link_complaint', "      \
	"'incident_zone_col', 'incident_geom', "                             \
	"'observation_cat_time_geom', 'incident_zone_by_zone', "             \
	"'report_subject', 'custody_item'"

/*
 * Drops the late indexes of PG_REBUILD, keeping their definitions in
 * s->late (pg_get_indexdef, each ended by ';') for bulk_publish to
 * create once the rows are in: an index built over the rows in one go,
 * rather than kept up row by row (as SQLite's rebuild, bulk_finish).
 * 0 or -1.
 */
static int
bulk_late(struct store *s)
{
	PGresult *r;
	int rc = -1;

	r = PQexec(s->conn,
	    "SELECT string_agg(pg_get_indexdef(c.oid) || ';', ' ' ORDER BY "
	    "c.relname), 'DROP INDEX ' || string_agg(format('%I.%I', "
	    "n.nspname, c.relname), ', ') FROM pg_class c JOIN pg_namespace "
	    "n ON n.oid = c.relnamespace WHERE n.nspname = '" PG_REBUILD
	    "' AND c.relkind = 'i' AND c.relname IN (" LATE_INDEXES ")");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		pg_fail(s, "the late indexes", r);
	else if (PQgetisnull(r, 0, 0))
		rc = 0; /* none */
	else if ((s->late = strdup(PQgetvalue(r, 0, 0))) == NULL)
		log_warnx("store %s: out of memory for the late indexes",
		    s->name);
	else
		rc = pg_exec(s, PQgetvalue(r, 0, 1));
	PQclear(r);
	return rc;
}

/*
 * Readies s to load into fresh tables: takes the rebuild lock (another
 * rebuild running: refused), notes the schema the store lives in
 * (s->home), drops what a failed rebuild left, creates PG_REBUILD, puts
 * it first in the session's search_path and creates the schema there;
 * the store readers see is not touched. 0 or -1.
 */
static int
bulk_begin(struct store *s)
{
	PGresult *r;
	int rc = -1;

	if ((r = pg_query(s,
		 "SELECT pg_try_advisory_lock(" PG_REBUILD_LOCK
		 "), current_schema()",
		 "")) == NULL)
		return -1;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 1) ||
	    PQgetlength(r, 0, 1) >= (int)sizeof(s->home))
		pg_fail(s, "the schema the store lives in", NULL);
	else if (PQgetvalue(r, 0, 0)[0] != 1)
		log_warnx("store %s: another rebuild of this store is running",
		    s->name);
	else if (strcmp(col_text(r, 0, 1), PG_REBUILD) == 0 ||
	    strcmp(col_text(r, 0, 1), PG_OLD) == 0)
		log_warnx("store %s: its schema is named %s, which a rebuild "
			  "uses",
		    s->name, col_text(r, 0, 1));
	else {
		snprintf(s->home, sizeof(s->home), "%s", col_text(r, 0, 1));
		rc = 0;
	}
	PQclear(r);
	if (rc == -1)
		return -1;
	/* The session's statements were prepared for the old tables. */
	s->nstmts = 0;
	pg_forget_shapes(s);
	if (pg_exec(s,
		"DEALLOCATE ALL; DROP SCHEMA IF EXISTS " PG_REBUILD
		" CASCADE; DROP SCHEMA IF EXISTS " PG_OLD
		" CASCADE; CREATE SCHEMA " PG_REBUILD "; SELECT "
		"set_config('search_path', '" PG_REBUILD ", ' || "
		"current_setting('search_path'), false)") == -1 ||
	    migrate(s) == -1 || bulk_late(s) == -1)
		return -1;
	s->bulk = 1;
	return 0;
}

/* Runs the statement each row of r holds in its first column, in order,
 * until one fails; frees r. 0 or -1. */
static int
exec_each(struct store *s, PGresult *r)
{
	int k, n = PQntuples(r), rc = 0;

	for (k = 0; k < n && rc == 0; k++)
		rc = pg_exec(s, col_text(r, k, 0));
	PQclear(r);
	return rc;
}

/*
 * Moves the store's tables, views and sequences (those PG_REBUILD has,
 * by name) from schema `from` to `to`, inside the caller's transaction;
 * a sequence owned by a table moves with it. 0 or -1.
 */
static int
bulk_move(struct store *s, const char *from, const char *to)
{
	PGresult *r;

	if ((r = pg_query(s,
		 "SELECT format('ALTER %s %I.%I SET SCHEMA %I', CASE "
		 "c.relkind WHEN 'v' THEN 'VIEW' WHEN 'S' THEN 'SEQUENCE' "
		 "ELSE 'TABLE' END, n.nspname, c.relname, $2::text) FROM "
		 "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		 "WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'S') AND "
		 "c.relname IN (SELECT c2.relname FROM pg_class c2 JOIN "
		 "pg_namespace n2 ON n2.oid = c2.relnamespace WHERE "
		 "n2.nspname = '" PG_REBUILD "') AND NOT EXISTS (SELECT 1 "
		 "FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND "
		 "d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND "
		 "d.deptype IN ('a', 'i')) ORDER BY c.relkind = 'S', "
		 "c.relname",
		 "tt", from, to)) == NULL)
		return -1;
	return exec_each(s, r);
}

/*
 * Grants on each table, view and sequence of PG_REBUILD what was granted
 * on the one of that name in s->home (a read server's role, a GIS
 * client's), but its owner's own rights, inside the caller's transaction.
 * 0 or -1.
 */
static int
bulk_grants(struct store *s)
{
	PGresult *r;

	if ((r = pg_query(s,
		 "SELECT format('GRANT %s ON %s " PG_REBUILD ".%I TO %s%s', "
		 "a.privilege_type, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' "
		 "ELSE 'TABLE' END, c.relname, CASE WHEN a.grantee = 0 THEN "
		 "'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
		 "CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' "
		 "END) FROM pg_class c JOIN pg_namespace n ON n.oid = "
		 "c.relnamespace, aclexplode(c.relacl) a WHERE n.nspname = $1 "
		 "AND c.relkind IN ('r', 'v', 'S') AND a.grantee <> "
		 "c.relowner AND c.relname IN (SELECT c2.relname FROM "
		 "pg_class c2 JOIN pg_namespace n2 ON n2.oid = "
		 "c2.relnamespace WHERE n2.nspname = '" PG_REBUILD "')",
		 "t", s->home)) == NULL)
		return -1;
	return exec_each(s, r);
}

/*
 * The swap's and the drop's locks: each waits at most half the server's
 * deadlock_timeout, then the transaction gives up and is tried again
 * (PG_SWAP_TRIES times, further apart each time). A reader that holds
 * one of the tables while it waits for another the swap holds is then
 * never the victim PostgreSQL's deadlock detector picks (it looks only
 * after deadlock_timeout): the swap steps back first.
 */
#define PG_SWAP_TRIES 40
#define PG_SWAP_LOCK_TIMEOUT                                               \
	"SELECT set_config('lock_timeout', greatest(1, (extract(epoch "    \
	"FROM current_setting('deadlock_timeout')::interval) * 500)::int)" \
	"::text, true)"

/* Sleeps before try number attempt: 10 ms more each time, at most 200. */
static void
pg_backoff(int attempt)
{
	struct timespec ts;
	long ms = 10L * attempt < 200 ? 10L * attempt : 200;

	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Publishes what s loaded (store_bulk_publish): in one transaction, the
 * store's old tables locked (waiting for the readers inside one), their
 * grants given to the new ones, the old moved to PG_OLD and the new
 * ones to s->home; then PG_OLD dropped.
 * Readers see the old store until the commit and the new one after. A
 * lock not had within PG_SWAP_LOCK_TIMEOUT gives the swap up and it is
 * tried again, so that no reader is failed. 0 or -1 (the old store still
 * served).
 */
static int
pg_bulk_publish(struct store *s)
{
	PGresult *r;
	const char *lock;
	int attempt, rc = -1;

	if (!s->bulk)
		return 0;
	if (s->writing || pg_drain(s) == -1)
		return -1;
	/* The late indexes, over the rows, before anyone reads them. */
	if (s->late != NULL && pg_exec(s, s->late) == -1) {
		log_warnx("store %s: the rebuilt store's indexes could not be "
			  "made: the old one is still served",
		    s->name);
		return -1;
	}
	for (attempt = 0; attempt < PG_SWAP_TRIES && rc == -1; attempt++) {
		if (attempt > 0)
			pg_backoff(attempt);
		if (pg_exec(s,
			"BEGIN; " PG_SWAP_LOCK_TIMEOUT
			"; CREATE SCHEMA " PG_OLD) == -1)
			goto again;
		if ((r = pg_query(s,
			 "SELECT 'LOCK TABLE ' || string_agg(format('%I.%I', "
			 "n.nspname, c.relname), ', ' ORDER BY c.relname) || "
			 "' IN ACCESS EXCLUSIVE MODE' FROM pg_class c JOIN "
			 "pg_namespace n ON n.oid = c.relnamespace WHERE "
			 "n.nspname = $1 AND c.relkind = 'r' AND c.relname IN "
			 "(SELECT c2.relname FROM pg_class c2 JOIN "
			 "pg_namespace n2 ON n2.oid = c2.relnamespace WHERE "
			 "n2.nspname = '" PG_REBUILD "')",
			 "t", s->home)) == NULL)
			goto again;
		lock = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)
		    ? col_text(r, 0, 0)
		    : NULL;
		if ((lock != NULL && pg_exec(s, lock) == -1) ||
		    bulk_grants(s) == -1 ||
		    bulk_move(s, s->home, PG_OLD) == -1 ||
		    bulk_move(s, PG_REBUILD, s->home) == -1) {
			PQclear(r);
			goto again;
		}
		PQclear(r);
		if (pg_exec(s, "COMMIT") == 0) {
			rc = 0;
			break;
		}
again:
		if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
			pg_exec(s, "ROLLBACK");
		if (PQstatus(s->conn) != CONNECTION_OK)
			break;
	}
	if (rc == -1) {
		log_warnx("store %s: the rebuilt store could not be swapped "
			  "in: the old one is still served",
		    s->name);
		return -1;
	}
	s->bulk = 0;
	s->nstmts = 0;
	pg_forget_shapes(s);
	/* Dropping takes each old table in turn, waiting for its readers;
	   it gives up before a reader could be failed as a deadlock's
	   victim, and tries again. */
	for (attempt = 0; attempt < PG_SWAP_TRIES; attempt++) {
		if (attempt > 0)
			pg_backoff(attempt);
		if (pg_exec(s,
			"BEGIN; " PG_SWAP_LOCK_TIMEOUT "; DEALLOCATE ALL; "
			"DROP SCHEMA IF EXISTS " PG_OLD " CASCADE; DROP "
			"SCHEMA IF EXISTS " PG_REBUILD " CASCADE; COMMIT") == 0)
			break;
		if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
			pg_exec(s, "ROLLBACK");
	}
	pg_exec(s, "RESET search_path");
	if (attempt == PG_SWAP_TRIES)
		log_warnx("store %s: the old store (schema " PG_OLD
			  ") could not be dropped: the next rebuild drops it",
		    s->name);
	pg_exec(s, "SELECT pg_advisory_unlock(" PG_REBUILD_LOCK ")");
	return 0;
}

static struct store *
pg_open(const char *target, int flags)
{
	struct store *s;
	const char *msg;

	if ((flags & STORE_SCRATCH) != 0) {
		log_warnx("store: a scratch store (an audit's replay) is "
			  "SQLite's only: the PostgreSQL backend has none");
		return NULL;
	}
	if (strlen(target) > STORE_PG_URI_MAX) {
		log_warnx("store: the PostgreSQL URI is %zu bytes, over the "
			  "limit of %d",
		    strlen(target), STORE_PG_URI_MAX);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->head.ops = &store_pg_ops;
	s->head.name = s->name;
	snprintf(s->name, sizeof(s->name), "postgresql");
	s->conn = PQconnectdb(target);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		msg =
		    s->conn != NULL ? PQerrorMessage(s->conn) : "out of memory";
		log_warnx("store: cannot connect to PostgreSQL: %.*s",
		    (int)strcspn(msg, "\n"), msg);
		goto fail;
	}
	/* Named without its password: user@host:port/database. */
	snprintf(s->name, sizeof(s->name), "postgresql://%s@%s:%s/%s",
	    PQuser(s->conn), PQhost(s->conn), PQport(s->conn), PQdb(s->conn));
	PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	if (pg_exec(s, session_sql) == -1)
		goto fail;
	if ((flags & STORE_READONLY) ? check_version(s) : migrate(s))
		goto fail;
	if ((flags & (STORE_BULK | STORE_READONLY)) == STORE_BULK &&
	    bulk_begin(s) == -1)
		goto fail;
	return s;
fail:
	pg_close(s);
	return NULL;
}

static void
pg_close(struct store *s)
{
	if (s == NULL)
		return;
	/* A rebuild never published (it failed): its tables go, the old
	   store stays. */
	if (s->bulk && PQstatus(s->conn) == CONNECTION_OK) {
		if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
			pg_exec(s, "ROLLBACK");
		pg_exec(s, "DROP SCHEMA IF EXISTS " PG_REBUILD " CASCADE");
	}
	PQfinish(s->conn);
	free(s->late);
	pg_forget_shapes(s);
	free(s);
}

/* One writer at a time, as SQLite's BEGIN IMMEDIATE: the applied size's
 * row is locked until the commit. */
static int
pg_begin(struct store *s)
{
	PGresult *r;

	if (pg_exec(s, "BEGIN") == -1)
		return -1;
	if ((r = pg_query(s,
		 "SELECT value FROM meta WHERE key = 'applied_size' FOR "
		 "UPDATE",
		 "")) == NULL) {
		pg_exec(s, "ROLLBACK");
		return -1;
	}
	PQclear(r);
	s->writing = 1;
	return 0;
}

static int
pg_rollback(struct store *s)
{
	pg_drain(s); /* its failure is what is rolled back */
	s->writing = 0;
	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		return 0;
	return pg_exec(s, "ROLLBACK");
}

static int
pg_commit(struct store *s, int64_t applied_size)
{
	if (pg_do(s, "UPDATE meta SET value = $1 WHERE key = 'applied_size'",
		"i", applied_size) == -1 ||
	    pg_exec(s, "COMMIT") == -1) {
		pg_rollback(s);
		return -1;
	}
	s->writing = 0;
	return 0;
}

static int
pg_applied_size(struct store *s, int64_t *size)
{
	PGresult *r;
	int rc = -1;

	if ((r = pg_query(s,
		 "SELECT value FROM meta WHERE key = 'applied_size'", "")) ==
	    NULL)
		return -1;
	if (PQntuples(r) == 1) {
		*size = col_i64(r, 0, 0);
		rc = 0;
	} else
		pg_fail(s, "applied size", NULL);
	PQclear(r);
	return rc;
}

static int
pg_index_observation(struct store *s, const struct store_observation_row *o)
{
	struct pg_params p = { 0 };

	pp_i64(&p, o->index);
	pp_blob(&p, o->id, (int)sizeof(o->id));
	pp_i64(&p, o->from_ms);
	pp_i64(&p, o->to_ms);
	pp_text(&p, o->category);
	pp_text(&p, o->source_type);
	pp_text(&p, o->member);
	if (o->located) {
		pp_i64(&p, o->lat_e7);
		pp_i64(&p, o->lon_e7);
	} else {
		pp_null(&p, OID_INT8);
		pp_null(&p, OID_INT8);
	}
	pp_blob(&p, o->entry, (int)o->len);
	pp_text(&p, o->organisation);
	return pg_write(s,
	    "INSERT INTO observation(idx, id, t_from, t_to, category, "
	    "source_type, member, lat_e7, lon_e7, entry, organisation) "
	    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
	    &p);
}

/* ---- the applier's rows (store/applier.h): SQL only --------------- */

/* 1 if sql's first row exists, 0 if none, -1 on error. */
static int
one_row(struct store *s, PGresult *r)
{
	int n;

	(void)s;
	if (r == NULL)
		return -1;
	n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

static int
pg_incident_exists(struct store *s, const char *id)
{
	if (!workflow_is_incident_id(id))
		return 0;
	return one_row(s,
	    pg_query(s, "SELECT 1 FROM incident WHERE id = $1", "t", id));
}

static int
row_incident_exists(void *db, const char *id)
{
	return pg_incident_exists(db, id);
}

static int
row_get_state(void *db, const char *id, enum workflow_state *state,
    int64_t *tier)
{
	struct store *s = db;
	PGresult *r;
	int rc = -1;

	if ((r = pg_query(s,
		 "SELECT state, tier FROM incident_state WHERE incident = $1",
		 "t", id)) == NULL)
		return -1;
	*state = WORKFLOW_RECEIVED;
	*tier = 0;
	if (PQntuples(r) > 0) {
		if (workflow_state_parse(col_text(r, 0, 0), state) == 0) {
			*tier = col_i64(r, 0, 1);
			rc = 0;
		}
	} else
		rc = 0;
	PQclear(r);
	return rc;
}

static int
row_set_state(void *db, const char *id, int64_t idx, int64_t at_ms,
    enum workflow_state from, enum workflow_state to, int64_t tier,
    const char *tier_name, const char *duplicate_of)
{
	if (pg_do(db,
		"INSERT INTO incident_state VALUES($1,$2,$3,$4,$5,$6,$7) "
		"ON CONFLICT(incident) DO UPDATE SET state = excluded.state, "
		"tier = excluded.tier, tier_name = excluded.tier_name, "
		"duplicate_of = excluded.duplicate_of, since_idx = "
		"excluded.since_idx, since_ms = excluded.since_ms, seq = "
		"excluded.seq",
		"ttittii", id, workflow_state_name(to), tier, tier_name,
		duplicate_of, idx, at_ms) == -1)
		return -1;
	return pg_do(db,
	    "INSERT INTO incident_event(incident, idx, kind, from_state, "
	    "to_state) VALUES($1,$2,'state',$3,$4)",
	    "titt", id, idx, workflow_state_name(from),
	    workflow_state_name(to));
}

static int
row_add_event(void *db, const char *id, int64_t idx, const char *kind)
{
	return pg_do(db,
	    "INSERT INTO incident_event(incident, idx, kind) "
	    "VALUES($1,$2,$3)",
	    "tit", id, idx, kind);
}

static int
row_member_vkey(void *db, const char *member, char *vkey, size_t len)
{
	PGresult *r;
	int rc;

	if ((r = pg_query(db, "SELECT vkey FROM member WHERE name = $1", "t",
		 member)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc)
		snprintf(vkey, len, "%s", col_text(r, 0, 0));
	PQclear(r);
	return rc;
}

/* The JSON text stored under key in table center, parsed; NULL if none. */
static json_t *
center_value(struct store *s, const char *key)
{
	PGresult *r;
	json_t *v = NULL;

	if ((r = pg_query(s, "SELECT value FROM center WHERE key = $1", "t",
		 key)) == NULL)
		return NULL;
	if (PQntuples(r) > 0)
		v = json_loads(col_text(r, 0, 0), 0, NULL);
	PQclear(r);
	return v;
}

static int
row_rule(void *db, struct member_rule *rule, size_t *nmembers)
{
	struct store *s = db;
	PGresult *r;
	json_t *rj;

	if ((rj = center_value(s, "rule")) != NULL) {
		member_rule_from_json(rj, rule);
		json_decref(rj);
	}
	if ((r = pg_query(s, "SELECT count(*) FROM member", "")) == NULL)
		return -1;
	if (PQntuples(r) > 0)
		*nmembers = (size_t)col_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int
row_latest_views(void *db, const char *incident, applier_view_fn fn, void *arg)
{
	PGresult *r;
	int i, n;

	if ((r = pg_query(db,
		 "SELECT a.member, a.verdict, a.attribution FROM "
		 "assessment a JOIN member m ON m.name = a.member WHERE "
		 "a.incident = $1 AND a.revision = (SELECT max(revision) FROM "
		 "assessment b WHERE b.incident = a.incident AND b.member = "
		 "a.member) ORDER BY a.member",
		 "t", incident)) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		if (fn(arg, col_text(r, i, 0), col_text(r, i, 1),
			col_text(r, i, 2)) != 0)
			break;
	PQclear(r);
	return 0;
}

static int
row_last_revision(void *db, const char *incident, const char *member,
    int64_t *last)
{
	PGresult *r;

	if ((r = pg_query(db,
		 "SELECT max(revision) FROM assessment WHERE "
		 "incident = $1 AND member = $2",
		 "tt", incident, member)) == NULL)
		return -1;
	*last = PQntuples(r) > 0 ? col_i64(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}

static int
row_insert_assessment(void *db, int64_t idx, const struct assessment *a,
    const char *by, int64_t at_ms, const char *note)
{
	return pg_do(db,
	    "INSERT INTO assessment VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,"
	    "$11)",
	    "ittitttitit", idx, a->incident, a->member, a->revision,
	    workflow_verdict_name(a->verdict), a->attribution, a->confidence,
	    a->assessed_at_ms, by, at_ms, note);
}

static int
row_insert_task(void *db, int64_t idx, const struct applier_task *t)
{
	return pg_do(db,
	    "INSERT INTO task VALUES($1,$2,$3,$4,$5,$6,$7,$8,NULL,NULL,"
	    "NULL)",
	    "ittttiti", idx, t->incident, t->unit, t->kind, t->description,
	    t->due_ms, t->by, t->at_ms);
}

static int
row_find_task(void *db, int64_t task, char *incident, size_t len, int *open)
{
	PGresult *r;
	int rc;

	if ((r = pg_query(db,
		 "SELECT incident, done_idx IS NULL FROM task WHERE idx = $1",
		 "i", task)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc) {
		snprintf(incident, len, "%s", col_text(r, 0, 0));
		*open = col_int(r, 0, 1);
	}
	PQclear(r);
	return rc;
}

static int
row_finish_task(void *db, int64_t task, int64_t idx, const char *by,
    const char *note)
{
	return pg_do(db,
	    "UPDATE task SET done_idx = $1, done_by = $2, done_note = $3 "
	    "WHERE idx = $4",
	    "itti", idx, by, note, task);
}

static int
row_insert_release(void *db, const char *id, const char *party, int64_t idx)
{
	return pg_do(db,
	    "INSERT INTO release VALUES($1,$2,$3) ON CONFLICT DO NOTHING",
	    "tti", id, party, idx);
}

static int pg_find_principal(struct store *s, const char *name,
    struct principal *p);

static int
row_find_principal(void *db, const char *name, struct principal *p)
{
	return pg_find_principal(db, name, p);
}

static int
row_token_known(void *db, const uint8_t hash[32])
{
	return one_row(db,
	    pg_query(db, "SELECT 1 FROM token WHERE hash = $1", "b", hash, 32));
}

static int
row_insert_principal(void *db, int64_t idx, const struct principal *p,
    const uint8_t hash[32])
{
	if (pg_do(db,
		"INSERT INTO principal VALUES($1,$2,$3,$4,1,$5,NULL) ON "
		"CONFLICT(name) DO UPDATE SET role = excluded.role, member = "
		"excluded.member, party = excluded.party, active = 1, "
		"added_idx = excluded.added_idx, revoked_idx = NULL",
		"tttti", p->name, principal_role_name(p->role), p->member,
		p->party, idx) == -1)
		return -1;
	return pg_do(db, "INSERT INTO token VALUES($1,$2,$3)", "bti", hash, 32,
	    p->name, idx);
}

static int
row_revoke_principal(void *db, const char *name, int64_t idx)
{
	if (pg_do(db,
		"UPDATE principal SET active = 0, revoked_idx = $1 WHERE "
		"name = $2",
		"it", idx, name) == -1)
		return -1;
	return pg_do(db, "DELETE FROM token WHERE name = $1", "t", name);
}

static int
row_add_member(void *db, const char *name, const char *vkey, int64_t idx)
{
	if (pg_do(db,
		"INSERT INTO member VALUES($1,$2,$3) ON CONFLICT DO NOTHING",
		"tti", name, vkey ? vkey : "", idx) == -1)
		return -1;
	if (vkey != NULL &&
	    pg_do(db,
		"INSERT INTO member_key VALUES($1,$2,$3) ON CONFLICT DO "
		"NOTHING",
		"tti", vkey, name, idx) == -1)
		return -1;
	return 0;
}

static int
row_set_member_key(void *db, const char *member, const char *vkey, int64_t idx)
{
	if (pg_do(db,
		"INSERT INTO member VALUES($1,$2,$3) ON CONFLICT(name) DO "
		"UPDATE SET vkey = excluded.vkey, since_idx = "
		"excluded.since_idx",
		"tti", member, vkey, idx) == -1)
		return -1;
	return pg_do(db, "INSERT INTO member_key VALUES($1,$2,$3)", "tti", vkey,
	    member, idx);
}

static int pg_members(struct store *s, store_member_fn fn, void *ctx);

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

	return pg_members(db, member_visit, &v);
}

static int
pg_key_used(struct store *s, const char *vkey)
{
	return one_row(s,
	    pg_query(s, "SELECT 1 FROM member_key WHERE vkey = $1", "t", vkey));
}

static int
row_key_used(void *db, const char *vkey)
{
	return pg_key_used(db, vkey);
}

static int
row_set_center(void *db, const char *key, const char *text)
{
	return pg_do(db,
	    "INSERT INTO center VALUES($1,$2) ON CONFLICT(key) DO UPDATE SET "
	    "value = excluded.value",
	    "tt", key, text);
}

static int pg_find_evidence(struct store *s, const char *sha256_hex,
    int64_t *size, char *media_type, size_t len);

static int
row_find_evidence(void *db, const char *sha256_hex, int64_t *size)
{
	return pg_find_evidence(db, sha256_hex, size, NULL, 0);
}

static int
row_insert_evidence(void *db, const uint8_t sha256[32], int64_t size,
    const char *media_type, int64_t idx)
{
	return pg_do(db, "INSERT INTO evidence VALUES($1,$2,$3,$4)", "biti",
	    sha256, 32, size, media_type, idx);
}

static int
row_add_custody(void *db, int64_t idx, const uint8_t sha256[32],
    const char *action, const char *by, int64_t at_ms)
{
	return pg_do(db, "INSERT INTO custody VALUES($1,$2,$3,$4,$5)", "ibtti",
	    idx, sha256, 32, action, by, at_ms);
}

static int
row_insert_source_status(void *db, int64_t idx,
    const struct source_status_entry *st)
{
	return pg_do(db,
	    "INSERT INTO source_status VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,"
	    "$10,$11)",
	    "ittttttiiti", idx, st->type, st->member, st->organisation,
	    st->unit, source_status_name(st->status), st->reason, st->from_ms,
	    st->to_ms, st->by, st->at_ms);
}

static int
row_insert_alert_rule(void *db, int64_t idx, const char *by, int64_t at_ms,
    const char *entry)
{
	return pg_do(db, "INSERT INTO alert_rule VALUES($1,$2,$3,$4,NULL,NULL)",
	    "itit", idx, by, at_ms, entry);
}

static int
row_disable_alert_rule(void *db, int64_t rule, int64_t idx, const char *by)
{
	return pg_do(db,
	    "UPDATE alert_rule SET disabled_idx = $1, disabled_by = $2 WHERE "
	    "idx = $3 AND disabled_idx IS NULL",
	    "iti", idx, by, rule);
}

static int
row_refused(void *db, int64_t idx, const char *type, const char *reason)
{
	log_info("log entry %lld (%s) refused on apply: %s", (long long)idx,
	    type, reason);
	return pg_do(db,
	    "INSERT INTO refused VALUES($1,$2,$3) ON CONFLICT(idx) DO UPDATE "
	    "SET type = excluded.type, reason = excluded.reason",
	    "itt", idx, type, reason);
}

_Static_assert(APPLIER_REASON_LEN == STORE_REASON_LEN,
    "the applier's reasons fit the refused table's");

/* Products' rows (as sqlite_reports.c). */
static int
row_report_entry(void *db, int64_t idx)
{
	return pg_do(db,
	    "INSERT INTO report_entry VALUES($1) ON CONFLICT DO NOTHING", "i",
	    idx);
}

static int
row_find_report(void *db, const char *id, int64_t *idx, char *state, size_t len,
    char *number, size_t nlen)
{
	PGresult *r;
	int rc;

	if ((r = pg_query(db,
		 "SELECT idx, state, number FROM report WHERE id = $1", "t",
		 id)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc) {
		*idx = col_i64(r, 0, 0);
		snprintf(state, len, "%s", col_text(r, 0, 1));
		snprintf(number, nlen, "%s", col_text(r, 0, 2));
	}
	PQclear(r);
	return rc;
}

static int
row_supersede_drafts(void *db, int64_t idx, const char *kind,
    const char *subject)
{
	return pg_do(db,
	    "UPDATE report SET state = 'superseded', state_idx = $1 WHERE "
	    "kind = $2 AND subject = $3 AND state = 'draft'",
	    "itt", idx, kind, subject);
}

static int
row_insert_report(void *db, int64_t idx, const struct reportentry *e)
{
	return pg_do(db,
	    "INSERT INTO report VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,"
	    "'draft',$12)",
	    "titttiiittii", e->report, idx, e->kind, e->number, e->subject,
	    e->from_ms, e->to_ms, e->log_size, e->root, e->by, e->at_ms, idx);
}

/* One integer from r: 1 and *v, 0 no row, -1 error. */
static int
one_int(PGresult *r, int64_t *v)
{
	int rc;

	if (r == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc)
		*v = col_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

static int
row_find_signature(void *db, const char *report, const char *member,
    const char *note, int64_t *idx)
{
	if (note != NULL)
		return one_int(pg_query(db,
				   "SELECT idx FROM report_signature WHERE "
				   "report = $1 AND member = $2 AND note = $3",
				   "ttt", report, member, note),
		    idx);
	return one_int(pg_query(db,
			   "SELECT idx FROM report_signature WHERE report = "
			   "$1 AND member = $2",
			   "tt", report, member),
	    idx);
}

static int
row_insert_signature(void *db, int64_t idx,
    const struct reportentry_signature *sg, const char *note)
{
	return pg_do(db,
	    "INSERT INTO report_signature VALUES($1,$2,$3,$4,$5,$6,$7)",
	    "ttittit", sg->report, sg->member, idx,
	    sg->refuse ? "refuse" : "sign", sg->refuse ? sg->reason : NULL,
	    sg->signed_at_ms, note);
}

static int
row_count_signatures(void *db, const char *report, int refusals, int64_t *n)
{
	return one_int(pg_query(db,
			   "SELECT count(*) FROM report_signature WHERE "
			   "report = $1 AND decision = $2",
			   "tt", report, refusals ? "refuse" : "sign"),
		   n) == 1
	    ? 0
	    : -1;
}

static int
row_settle_report(void *db, const char *report, const char *state, int64_t idx)
{
	return pg_do(db,
	    "UPDATE report SET state = $1, state_idx = $2 WHERE id = $3 AND "
	    "state = 'draft'",
	    "tit", state, idx, report);
}

static const struct applier_rows pg_rows = {
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

/* ---- observations ------------------------------------------------- */

static int
pg_find_observation(struct store *s, const char *id, int64_t *index,
    char **entry, size_t *len)
{
	uint8_t bid[32];
	PGresult *r;
	int rc = -1, n;

	if (strlen(id) != 64 ||
	    sodium_hex2bin(bid, sizeof(bid), id, 64, NULL, NULL, NULL) != 0)
		return 0;
	if ((r = pg_query(s, "SELECT idx, entry FROM observation WHERE id = $1",
		 "b", bid, 32)) == NULL)
		return -1;
	if (PQntuples(r) == 0)
		rc = 0;
	else {
		*index = col_i64(r, 0, 0);
		if (entry != NULL) {
			n = PQgetlength(r, 0, 1);
			if ((*entry = malloc((size_t)n + 1)) == NULL)
				goto done;
			memcpy(*entry, PQgetvalue(r, 0, 1), (size_t)n);
			(*entry)[n] = '\0';
			*len = (size_t)n;
		}
		rc = 1;
	}
done:
	PQclear(r);
	return rc;
}

/*
 * Runs sql with p (NULL: none) row by row (libpq's single-row mode), so
 * that millions of rows are never held whole: fn is called with each
 * one-row result and must not use the connection. Non-zero from fn stops
 * (the rest is read and dropped); -1 from fn is an error. 0 or -1.
 */
static int
pg_each(struct store *s, const char *sql, const struct pg_params *p,
    int (*fn)(void *ctx, const PGresult *r), void *ctx)
{
	PGresult *r;
	ExecStatusType st;
	int rc = 0, stop = 0;

	if (p != NULL && p->overflow)
		return -1;
	if (pg_drain(s) == -1 || pg_alive(s) == -1)
		return -1;
	if (PQsendQueryParams(s->conn, sql, p != NULL ? p->n : 0,
		p != NULL ? p->types : NULL, p != NULL ? p->values : NULL,
		p != NULL ? p->lengths : NULL, p != NULL ? p->formats : NULL,
		1) != 1 ||
	    PQsetSingleRowMode(s->conn) != 1)
		return pg_fail(s, sql, NULL);
	while ((r = PQgetResult(s->conn)) != NULL) {
		st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE) {
			if (!stop && rc == 0 && (stop = fn(ctx, r)) == -1)
				rc = -1;
		} else if (st != PGRES_TUPLES_OK && rc == 0)
			rc = pg_fail(s, sql, r);
		PQclear(r);
	}
	return rc;
}

struct ids_visit {
	store_id_fn fn;
	void *ctx;
};

static int
ids_row(void *ctx, const PGresult *r)
{
	struct ids_visit *v = ctx;

	if (PQgetlength(r, 0, 0) == 32)
		v->fn(v->ctx, (const uint8_t *)PQgetvalue(r, 0, 0),
		    col_i64(r, 0, 1));
	return 0;
}

static int
pg_observation_ids(struct store *s, store_id_fn fn, void *ctx)
{
	struct ids_visit v = { fn, ctx };

	return pg_each(s, "SELECT id, idx FROM observation", NULL, ids_row, &v);
}

#define WORLD_LON 1800000000
#define WORLD_LAT 900000000

/*
 * The SQLite backend's answer, with PostGIS's index: an observation with
 * coordinates matches a bbox it lies in (exactly, on the 1e-7 integers);
 * one without matches only a bbox that covers the whole world (SQLite
 * gives it the world's box); times overlap [from, to] exactly.
 */
static int
pg_query_observations(struct store *s, const struct store_query *q,
    store_row_fn fn, void *ctx)
{
	char sql[2048];
	size_t n = 0, i;
	struct pg_params p = { 0 };
	PGresult *r;
	int use_index =
	    q->has_bbox || q->from_ms != INT64_MIN || q->to_ms != INT64_MAX;
	int world, k, rows;

#define ADD(...)                                                              \
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0, \
	    __VA_ARGS__)
	ADD("SELECT o.idx, o.entry, o.id FROM observation o WHERE o.idx > $%d",
	    p.n + 1);
	pp_i64(&p, q->after_index);
	if (q->has_bbox) {
		world = q->min_lon_e7 <= -WORLD_LON &&
		    q->max_lon_e7 >= WORLD_LON && q->min_lat_e7 <= -WORLD_LAT &&
		    q->max_lat_e7 >= WORLD_LAT;
		k = p.n + 1;
		ADD(" AND (%s(o.geom && ST_MakeEnvelope($%d::float8 / 1e7, "
		    "$%d::float8 / 1e7, $%d::float8 / 1e7, $%d::float8 / 1e7, "
		    "4326) AND o.lon_e7 BETWEEN $%d AND $%d AND o.lat_e7 "
		    "BETWEEN $%d AND $%d))",
		    world ? "o.lat_e7 IS NULL OR " : "", k, k + 1, k + 2, k + 3,
		    k, k + 2, k + 1, k + 3);
		pp_i64(&p, q->min_lon_e7);
		pp_i64(&p, q->min_lat_e7);
		pp_i64(&p, q->max_lon_e7);
		pp_i64(&p, q->max_lat_e7);
	}
	if (use_index && (q->from_ms != INT64_MIN || q->to_ms != INT64_MAX)) {
		k = p.n + 1;
		ADD(" AND o.t_to >= $%d AND o.t_from <= $%d", k, k + 1);
		pp_i64(&p, q->from_ms);
		pp_i64(&p, q->to_ms);
		/* The index's form of the same (a range cannot be empty). */
		if (q->from_ms <= q->to_ms) {
			k = p.n + 1;
			ADD(" AND o.trange && int8range($%d, $%d, '[]')", k,
			    k + 1);
			if (q->from_ms == INT64_MIN)
				pp_null(&p, OID_INT8);
			else
				pp_i64(&p, q->from_ms);
			if (q->to_ms == INT64_MAX)
				pp_null(&p, OID_INT8);
			else
				pp_i64(&p, q->to_ms);
		}
	}
	if (q->ncategories > 0) {
		ADD(" AND o.category IN (");
		for (i = 0; i < q->ncategories; i++) {
			ADD("%s$%d", i ? "," : "", p.n + 1);
			pp_text(&p, q->categories[i]);
		}
		ADD(")");
	}
	if (q->source_type) {
		ADD(" AND o.source_type = $%d", p.n + 1);
		pp_text(&p, q->source_type);
	}
	if (q->member) {
		ADD(" AND o.member = $%d", p.n + 1);
		pp_text(&p, q->member);
	}
	if (q->organisation) {
		ADD(" AND o.organisation = $%d", p.n + 1);
		pp_text(&p, q->organisation);
	}
	ADD(" ORDER BY o.idx LIMIT $%d", p.n + 1);
	pp_i64(&p, q->limit);
#undef ADD
	if (n >= sizeof(sql)) {
		log_warnx("store query too long");
		return -1;
	}
	if ((r = pg_run(s, sql, PG_SHAPE, &p)) == NULL)
		return -1;
	rows = PQntuples(r);
	for (k = 0; k < rows; k++)
		if (fn(ctx, col_i64(r, k, 0), PQgetvalue(r, k, 1),
			(size_t)PQgetlength(r, k, 1),
			PQgetlength(r, k, 2) == 32
			    ? (const uint8_t *)PQgetvalue(r, k, 2)
			    : NULL) != 0)
			break;
	PQclear(r);
	return 0;
}

/* One count(*). 0 or -1. */
static int
count_of(struct store *s, const char *sql, int64_t *n)
{
	return one_int(pg_query(s, sql, ""), n) == 1 ? 0 : -1;
}

static int
pg_count(struct store *s, int64_t *n)
{
	return count_of(s, "SELECT count(*) FROM observation", n);
}

/* ---- fusion's book (store/fusionbook.h) ---------------------------- */

/* Columns of an incident row, in row_incident's order. */
#define INC_COLS                                                        \
	"i.id, i.seed_idx, i.updated_idx, i.kind, i.grp, i.category, "  \
	"i.located, i.lat, i.lon, i.cee, i.cen, i.cnn, i.search_m, "    \
	"i.t_from, i.t_to, i.g_from, i.g_to, i.count, i.qualifier, "    \
	"i.nobs, i.ncomplaints, i.nsources, i.source_types, i.pinned, " \
	"i.live, i.merged_into"
/* Columns of a placed observation, in row_obs's order. */
#define FOBS_COLS                                                          \
	"f.idx, encode(o.id, 'hex'), f.t_from, f.t_to, f.w_from, f.w_to, " \
	"f.category, f.grp, f.source_type, f.source, f.count, "            \
	"f.qualifier, f.complaint, f.located, f.lat, f.lon, f.cee, "       \
	"f.cen, f.cnn, f.search_m"

static void
row_incident(const PGresult *r, int k, struct associate_incident *inc)
{
	const char *merged;

	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", PQgetvalue(r, k, 0));
	inc->seed_index = col_i64(r, k, 1);
	inc->updated_index = col_i64(r, k, 2);
	inc->kind = col_int(r, k, 3);
	inc->group = col_int(r, k, 4);
	inc->category = col_int(r, k, 5);
	inc->located = col_int(r, k, 6);
	inc->lat = col_f64(r, k, 7);
	inc->lon = col_f64(r, k, 8);
	inc->cov[0] = col_f64(r, k, 9);
	inc->cov[1] = col_f64(r, k, 10);
	inc->cov[2] = col_f64(r, k, 11);
	inc->search_m = col_f64(r, k, 12);
	inc->t_from = col_i64(r, k, 13);
	inc->t_to = col_i64(r, k, 14);
	inc->g_from = col_i64(r, k, 15);
	inc->g_to = col_i64(r, k, 16);
	inc->count = col_i64(r, k, 17);
	inc->qualifier = col_int(r, k, 18);
	inc->nobs = col_int(r, k, 19);
	inc->ncomplaints = col_int(r, k, 20);
	inc->nsources = col_int(r, k, 21);
	inc->source_types = (unsigned)col_i64(r, k, 22);
	inc->pinned = col_int(r, k, 23);
	inc->live = col_int(r, k, 24);
	if ((merged = col_text(r, k, 25)) != NULL)
		snprintf(inc->merged_into, sizeof(inc->merged_into), "%s",
		    merged);
}

static void
row_obs(const PGresult *r, int k, struct associate_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->index = col_i64(r, k, 0);
	snprintf(o->id, sizeof(o->id), "%s", PQgetvalue(r, k, 1));
	o->t_from = col_i64(r, k, 2);
	o->t_to = col_i64(r, k, 3);
	o->w_from = col_i64(r, k, 4);
	o->w_to = col_i64(r, k, 5);
	o->category = col_int(r, k, 6);
	o->group = col_int(r, k, 7);
	o->source_type = col_int(r, k, 8);
	o->source = (uint64_t)col_i64(r, k, 9);
	o->count = col_i64(r, k, 10);
	o->qualifier = col_int(r, k, 11);
	o->complaint = col_int(r, k, 12);
	o->located = col_int(r, k, 13);
	o->lat = col_f64(r, k, 14);
	o->lon = col_f64(r, k, 15);
	o->cov[0] = col_f64(r, k, 16);
	o->cov[1] = col_f64(r, k, 17);
	o->cov[2] = col_f64(r, k, 18);
	o->search_m = col_f64(r, k, 19);
}

/* A complaint's search box is not kept: the SQLite backend's R*Tree of
 * them is written but never read. */
static int
sql_add_obs(void *db, const struct associate_obs *o, const char *incident)
{
	struct pg_params p = { 0 };

	pp_i64(&p, o->index);
	pp_text(&p, incident);
	pp_i64(&p, o->complaint);
	pp_i64(&p, o->located);
	pp_f64(&p, o->lat);
	pp_f64(&p, o->lon);
	pp_f64(&p, o->cov[0]);
	pp_f64(&p, o->cov[1]);
	pp_f64(&p, o->cov[2]);
	pp_f64(&p, o->search_m);
	pp_i64(&p, o->t_from);
	pp_i64(&p, o->t_to);
	pp_i64(&p, o->w_from);
	pp_i64(&p, o->w_to);
	pp_i64(&p, o->category);
	pp_i64(&p, o->group);
	pp_i64(&p, o->source_type);
	pp_i64(&p, (int64_t)o->source);
	pp_i64(&p, o->count);
	pp_i64(&p, o->qualifier);
	pp_text(&p, o->note ? o->note : "");
	return pg_write(db,
	    "INSERT INTO fusion_obs VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,"
	    "$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)",
	    &p);
}

static int
sql_move_obs(void *db, int64_t index, const char *incident)
{
	return pg_do(db, "UPDATE fusion_obs SET incident = $1 WHERE idx = $2",
	    "ti", incident, index);
}

/* An incident's row, upserted: a new one takes the next place in creation
 * order (SQLite's rowid: the largest plus one, never a sequence's value
 * that an update would also consume); with words, those too. */
#define UPSERT_INC                                                         \
	"INSERT INTO incident(rid, id, seed_idx, updated_idx, kind, grp, " \
	"category, located, lat, lon, cee, cen, cnn, search_m, lat_e7, "   \
	"lon_e7, t_from, t_to, g_from, g_to, count, qualifier, nobs, "     \
	"ncomplaints, nsources, source_types, pinned, live, merged_into"
#define UPSERT_VALUES                                                       \
	"(SELECT coalesce(max(rid), 0) + 1 FROM incident), $1,$2,$3,$4,$5," \
	"$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,"  \
	"$23,$24,$25,$26,$27,$28"
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
#define WORDS_SET                                                    \
	"zone = excluded.zone, description = excluded.description, " \
	"line = excluded.line, line_m = excluded.line_m, "           \
	"line_side = excluded.line_side, "                           \
	"described_lat = excluded.described_lat, "                   \
	"described_lon = excluded.described_lon"

static const char upsert_inc[] =
    UPSERT_INC ") VALUES(" UPSERT_VALUES ") " UPSERT_SET;
static const char upsert_inc_words[] = UPSERT_INC
    ", zone, description, line, line_m, line_side, described_lat, "
    "described_lon) VALUES(" UPSERT_VALUES ",$29,$30,$31,$32,$33,$34,"
    "$35) " UPSERT_SET ", " WORDS_SET;

/*
 * Writes incident inc's row (its geometry follows from its columns). With
 * words->take, its words too (cleared when words->w is NULL) and its
 * zones replaced.
 */
static int
sql_put_incident(void *db, const struct associate_incident *inc, int stored,
    const struct fusionbook_words *words, int zoned)
{
	struct store *s = db;
	const struct fusion_words *w = words->w;
	struct pg_params p = { 0 };
	size_t i;

	(void)stored;
	pp_text(&p, inc->id);
	pp_i64(&p, inc->seed_index);
	pp_i64(&p, inc->updated_index);
	pp_i64(&p, inc->kind);
	pp_i64(&p, inc->group);
	pp_i64(&p, inc->category);
	pp_i64(&p, inc->located);
	pp_f64(&p, inc->lat);
	pp_f64(&p, inc->lon);
	pp_f64(&p, inc->cov[0]);
	pp_f64(&p, inc->cov[1]);
	pp_f64(&p, inc->cov[2]);
	pp_f64(&p, inc->search_m);
	if (inc->located) {
		pp_i64(&p, llround(inc->lat * 1e7));
		pp_i64(&p, llround(inc->lon * 1e7));
	} else {
		pp_null(&p, OID_INT8);
		pp_null(&p, OID_INT8);
	}
	pp_i64(&p, inc->t_from);
	pp_i64(&p, inc->t_to);
	pp_i64(&p, inc->g_from);
	pp_i64(&p, inc->g_to);
	pp_i64(&p, inc->count);
	pp_i64(&p, inc->qualifier);
	pp_i64(&p, inc->nobs);
	pp_i64(&p, inc->ncomplaints);
	pp_i64(&p, inc->nsources);
	pp_i64(&p, (int64_t)inc->source_types);
	pp_i64(&p, inc->pinned);
	pp_i64(&p, inc->live);
	pp_text(&p, inc->merged_into[0] != '\0' ? inc->merged_into : NULL);
	if (words->take) {
		pp_text(&p,
		    w != NULL && w->primary_zone[0] != '\0' ? w->primary_zone
							    : NULL);
		pp_text(&p, w != NULL && w->text[0] != '\0' ? w->text : NULL);
		if (w != NULL && w->has_line) {
			pp_text(&p, w->line);
			pp_f64(&p, w->line_m);
			pp_text(&p, w->line_side);
		} else {
			pp_null(&p, OID_TEXT);
			pp_null(&p, OID_FLOAT8);
			pp_null(&p, OID_TEXT);
		}
		if (w != NULL) {
			pp_f64(&p, words->dlat);
			pp_f64(&p, words->dlon);
		} else {
			pp_null(&p, OID_FLOAT8);
			pp_null(&p, OID_FLOAT8);
		}
	}
	if (pg_write(s, words->take ? upsert_inc_words : upsert_inc, &p) == -1)
		return -1;
	if (!words->take)
		return 0;
	if (zoned &&
	    pg_do(s, "DELETE FROM incident_zone WHERE incident = $1", "t",
		inc->id) == -1)
		return -1;
	for (i = 0; w != NULL && i < w->nzones; i++)
		if (pg_do(s, "INSERT INTO incident_zone VALUES($1,$2,$3,$4)",
			"titt", inc->id, (int64_t)i, w->zone_layer[i],
			w->zone[i]) == -1)
			return -1;
	return 0;
}

static int
sql_set_links(void *db, const char *incident, const int64_t *idx, size_t n)
{
	size_t i;

	if (pg_do(db, "DELETE FROM incident_link WHERE incident = $1", "t",
		incident) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (pg_do(db,
			"INSERT INTO incident_link VALUES($1,$2) ON CONFLICT "
			"DO NOTHING",
			"ti", incident, idx[i]) == -1)
			return -1;
	return 0;
}

static int
sql_decided(void *db, int64_t index, const char *incident, int applied,
    const char *message)
{
	return pg_do(db,
	    "INSERT INTO incident_decision VALUES($1,$2,$3,$4) ON "
	    "CONFLICT(idx) DO UPDATE SET incident = excluded.incident, "
	    "applied = excluded.applied, message = excluded.message",
	    "itit", index, incident, (int64_t)applied, message);
}

struct load_visit {
	fusionbook_incident_fn inc_fn;
	fusionbook_obs_fn obs_fn;
	fusionbook_link_fn link_fn;
	void *ctx;
};

static int
load_incident(void *ctx, const PGresult *r)
{
	struct load_visit *v = ctx;
	struct associate_incident inc;

	row_incident(r, 0, &inc);
	return v->inc_fn(v->ctx, &inc, !col_null(r, 0, 26), col_f64(r, 0, 26),
		   col_f64(r, 0, 27)) == -1
	    ? -1
	    : 0;
}

static int
load_obs(void *ctx, const PGresult *r)
{
	struct load_visit *v = ctx;
	struct associate_obs o;

	if (col_null(r, 0, 20))
		return -1;
	row_obs(r, 0, &o);
	return v->obs_fn(v->ctx, &o, PQgetvalue(r, 0, 20)) == -1 ? -1 : 0;
}

static int
load_link(void *ctx, const PGresult *r)
{
	struct load_visit *v = ctx;

	return v->link_fn(v->ctx, PQgetvalue(r, 0, 0), col_i64(r, 0, 1)) == -1
	    ? -1
	    : 0;
}

/* The committed rows: incidents in creation order, then every placed
 * observation in log order, then the links (in the order SQLite's
 * covering index incident_link_complaint gives them). A callback's -1 is an
 * error. */
static int
sql_load(void *db, fusionbook_incident_fn inc_fn, fusionbook_obs_fn obs_fn,
    fusionbook_link_fn link_fn, void *ctx)
{
	struct store *s = db;
	struct load_visit v = { inc_fn, obs_fn, link_fn, ctx };
	int (*const fn[3])(void *, const PGresult *) = { load_incident,
		load_obs, load_link };
	static const char *const sql[3] = {
		"SELECT " INC_COLS ", i.described_lat, i.described_lon FROM "
		"incident i ORDER BY i.rid",
		"SELECT " FOBS_COLS ", f.incident FROM fusion_obs f JOIN "
		"observation o ON o.idx = f.idx ORDER BY f.idx",
		"SELECT incident, complaint_idx FROM incident_link ORDER BY "
		"complaint_idx, incident",
	};
	int i;

	for (i = 0; i < 3; i++)
		if (pg_each(s, sql[i], NULL, fn[i], &v) == -1)
			return -1;
	return 0;
}

static const struct fusionbook_rows pg_fusion_rows = {
	.load = sql_load,
	.add_obs = sql_add_obs,
	.move_obs = sql_move_obs,
	.put_incident = sql_put_incident,
	.set_links = sql_set_links,
	.decided = sql_decided,
};

/* ---- incident records ---------------------------------------------- */

/* The columns after INC_COLS of a full incident row. */
#define INC_WORDS \
	", i.rid, i.zone, i.description, i.line, i.line_m, i.line_side"

/* Calls fn with the full incident row k of r (INC_COLS INC_WORDS). */
static int
incident_row(const PGresult *r, int k, store_incident_fn fn, void *ctx)
{
	struct associate_incident inc;
	struct store_incident_row row;

	row_incident(r, k, &inc);
	row.inc = &inc;
	row.cursor = col_i64(r, k, 26);
	row.zone = col_text(r, k, 27);
	row.description = col_text(r, k, 28);
	row.line = col_text(r, k, 29);
	row.line_m = col_f64(r, k, 30);
	row.line_side = col_text(r, k, 31);
	return fn(ctx, &row);
}

static int
pg_find_incident(struct store *s, const char *id, store_incident_fn fn,
    void *ctx)
{
	PGresult *r;
	int rc;

	if (strlen(id) > 64)
		return 0;
	if ((r = pg_query(s,
		 "SELECT " INC_COLS INC_WORDS
		 " FROM incident i WHERE i.id = $1",
		 "t", id)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc)
		incident_row(r, 0, fn, ctx);
	PQclear(r);
	return rc;
}

static int
part_rows(struct store *s, const char *sql, const char *id, int linked,
    const struct store_incident_visit *v, void *ctx)
{
	PGresult *r;
	int k, n;

	if ((r = pg_query(s, sql, "t", id)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++)
		if (v->part(ctx, col_text(r, k, 0), col_int(r, k, 1), linked,
			col_text(r, k, 2), col_text(r, k, 3)) != 0)
			break;
	PQclear(r);
	return 0;
}

static int
text_rows(struct store *s, const char *sql, const char *id,
    int (*fn)(void *, const char *), void *ctx)
{
	PGresult *r;
	int k, n;

	if ((r = pg_query(s, sql, "t", id)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++)
		if (fn(ctx, col_text(r, k, 0)) != 0)
			break;
	PQclear(r);
	return 0;
}

static int chunk_wanted(const struct store_incident_visit *v, int k);
static int chunk_part(const struct store_incident_visit *v, int k,
    const PGresult *r, int j, void *ctx);

/* A page's parts (struct pg_page): column 0 the incident's id, the rest
 * pg_incident_parts' columns, in its order within an incident. */
#define PAGE_IDS "= ANY($1::text[]) "
static const char *const page_sql[CP_NKINDS] = {
	[CP_OBS] = "SELECT f.incident, encode(o.id, 'hex'), f.complaint, "
		   "f.note, o.organisation FROM fusion_obs f JOIN "
		   "observation o ON o.idx = f.idx WHERE f.incident " PAGE_IDS
		   "ORDER BY f.incident, f.idx",
	[CP_LINKS] = "SELECT l.incident, encode(o.id, 'hex'), 1, NULL::text, "
		     "o.organisation FROM incident_link l JOIN observation o "
		     "ON o.idx = l.complaint_idx WHERE l.incident " PAGE_IDS
		     "ORDER BY l.incident, l.complaint_idx",
	[CP_MEMBERS] = "SELECT DISTINCT f.incident, o.member FROM fusion_obs "
		       "f JOIN observation o ON o.idx = f.idx WHERE "
		       "f.incident " PAGE_IDS "AND f.complaint = 0 AND "
		       "o.member IS NOT NULL ORDER BY 1, 2",
	[CP_CORROBORATES] =
	    "SELECT DISTINCT f.incident, l.incident FROM "
	    "incident_link l JOIN fusion_obs f ON f.idx = "
	    "l.complaint_idx WHERE f.incident " PAGE_IDS "ORDER BY 1, 2",
	[CP_ZONES] = "SELECT incident, layer, zone FROM incident_zone WHERE "
		     "incident " PAGE_IDS "ORDER BY incident, ord",
	[CP_DECISIONS] = "SELECT incident, idx, applied, message FROM "
			 "incident_decision WHERE incident " PAGE_IDS
			 "ORDER BY incident, idx",
};

static void
page_free(struct pg_page *pg)
{
	int k;

	for (k = 0; k < CP_NKINDS; k++) {
		PQclear(pg->part[k]);
		free(pg->from[k]);
		free(pg->to[k]);
	}
	memset(pg, 0, sizeof(*pg));
}

/*
 * ids[0..n-1] as a text[] literal, allocated: each quoted, '"' and '\\'
 * escaped, so at most twice its length and 3 an id. NULL when out of
 * memory.
 */
static char *
ids_literal(const char *const *ids, size_t n)
{
	const char *id;
	size_t k, size = 3;
	char *buf, *b;

	for (k = 0; k < n; k++)
		size += 2 * strlen(ids[k]) + 3;
	if ((buf = malloc(size)) == NULL)
		return NULL;
	b = buf;
	*b++ = '{';
	for (k = 0; k < n; k++) {
		if (k > 0)
			*b++ = ',';
		*b++ = '"';
		for (id = ids[k]; *id != '\0'; id++) {
			if (*id == '"' || *id == '\\')
				*b++ = '\\';
			*b++ = *id;
		}
		*b++ = '"';
	}
	*b++ = '}';
	*b = '\0';
	return buf;
}

/* The ids of inc's rows (column 0) as a text[] literal (ids_literal). */
static char *
page_ids(const PGresult *inc)
{
	int k, rows = PQntuples(inc);
	const char **ids;
	char *buf;

	if ((ids = calloc((size_t)rows + 1, sizeof(*ids))) == NULL)
		return NULL;
	for (k = 0; k < rows; k++)
		ids[k] = PQgetvalue(inc, k, 0);
	buf = ids_literal(ids, (size_t)rows);
	free(ids);
	return buf;
}

/*
 * Reads the parts of the incidents of inc (full rows, id in column 0) into
 * pg: one statement per kind, its rows grouped by incident, each group
 * found among inc's rows. 0 or -1.
 */
static int
page_read(struct store *s, const PGresult *inc, struct pg_page *pg)
{
	int k, j, i, n, rows = PQntuples(inc);
	const char *id;
	char *ids;

	memset(pg, 0, sizeof(*pg));
	pg->inc = inc;
	if ((ids = page_ids(inc)) == NULL)
		return -1;
	for (k = 0; k < CP_NKINDS; k++) {
		pg->from[k] = calloc((size_t)rows + 1, sizeof(int));
		pg->to[k] = calloc((size_t)rows + 1, sizeof(int));
		if (pg->from[k] == NULL || pg->to[k] == NULL ||
		    (pg->part[k] = pg_query(s, page_sql[k], "t", ids)) == NULL)
			goto fail;
		n = PQntuples(pg->part[k]);
		for (j = 0; j < n; j = pg->to[k][i]) {
			id = PQgetvalue(pg->part[k], j, 0);
			for (i = 0; i < rows; i++)
				if (strcmp(PQgetvalue(inc, i, 0), id) == 0)
					break;
			if (i == rows) /* not asked for: cannot be */
				goto fail;
			pg->from[k][i] = j;
			for (pg->to[k][i] = j + 1; pg->to[k][i] < n &&
			     strcmp(PQgetvalue(pg->part[k], pg->to[k][i], 0),
				 id) == 0;
			     pg->to[k][i]++)
				;
		}
	}
	free(ids);
	return 0;
fail:
	log_warnx("store %s: the parts of a page of incidents not read",
	    s->name);
	free(ids);
	page_free(pg);
	return -1;
}

/* Serves id's parts from the page being handed out: 1 if it is one of its
 * incidents, 0 if not. */
static int
page_parts(struct store *s, const char *id,
    const struct store_incident_visit *v, void *ctx)
{
	struct pg_page *pg = s->page;
	int i, j, k, rows;

	if (pg == NULL)
		return 0;
	rows = PQntuples(pg->inc);
	for (i = 0; i < rows; i++)
		if (strcmp(PQgetvalue(pg->inc, i, 0), id) == 0)
			break;
	if (i == rows)
		return 0;
	for (k = 0; k < CP_NKINDS; k++) {
		if (!chunk_wanted(v, k))
			continue;
		for (j = pg->from[k][i]; j < pg->to[k][i]; j++)
			if (chunk_part(v, k, pg->part[k], j, ctx) != 0)
				break;
	}
	return 1;
}

static int
pg_incident_parts(struct store *s, const char *id,
    const struct store_incident_visit *v, void *ctx)
{
	PGresult *r;
	int k, n;

	if (page_parts(s, id, v, ctx))
		return 0;

	if (v->part != NULL &&
	    (part_rows(s,
		 "SELECT encode(o.id, 'hex'), f.complaint, f.note, "
		 "o.organisation FROM fusion_obs f JOIN observation o ON "
		 "o.idx = f.idx WHERE f.incident = $1 ORDER BY f.idx",
		 id, 0, v, ctx) == -1 ||
		part_rows(s,
		    "SELECT encode(o.id, 'hex'), 1, NULL::text, "
		    "o.organisation FROM incident_link l JOIN observation o "
		    "ON o.idx = l.complaint_idx WHERE l.incident = $1 ORDER "
		    "BY l.complaint_idx",
		    id, 1, v, ctx) == -1))
		return -1;
	if (v->member != NULL &&
	    text_rows(s,
		"SELECT DISTINCT o.member FROM fusion_obs f JOIN observation "
		"o ON o.idx = f.idx WHERE f.incident = $1 AND f.complaint = 0 "
		"AND o.member IS NOT NULL ORDER BY 1",
		id, v->member, ctx) == -1)
		return -1;
	if (v->corroborates != NULL &&
	    text_rows(s,
		"SELECT DISTINCT l.incident FROM incident_link l JOIN "
		"fusion_obs f ON f.idx = l.complaint_idx WHERE f.incident = "
		"$1 ORDER BY 1",
		id, v->corroborates, ctx) == -1)
		return -1;
	if (v->zone != NULL) {
		if ((r = pg_query(s,
			 "SELECT layer, zone FROM incident_zone WHERE "
			 "incident = $1 ORDER BY ord",
			 "t", id)) == NULL)
			return -1;
		n = PQntuples(r);
		for (k = 0; k < n; k++)
			if (v->zone(ctx, col_text(r, k, 0),
				col_text(r, k, 1)) != 0)
				break;
		PQclear(r);
	}
	if (v->decision != NULL) {
		if ((r = pg_query(s,
			 "SELECT idx, applied, message FROM "
			 "incident_decision WHERE incident = $1 ORDER BY idx",
			 "t", id)) == NULL)
			return -1;
		n = PQntuples(r);
		for (k = 0; k < n; k++)
			if (v->decision(ctx, col_i64(r, k, 0), col_int(r, k, 1),
				col_text(r, k, 2)) != 0)
				break;
		PQclear(r);
	}
	return 0;
}

/* The columns of a brief row after i.rid and i.id (store_sqlite.c's). */
#define BRIEF_COLS                                                         \
	", i.category, i.located, i.lat, i.lon, i.cee, i.cen, i.cnn, "     \
	"i.g_from, i.g_to, i.zone, i.count, i.source_types, "              \
	"(SELECT x.state FROM incident_state x WHERE x.incident = i.id), " \
	"(SELECT string_agg(DISTINCT o.member, ',' ORDER BY o.member) "    \
	"FROM fusion_obs f JOIN observation o ON o.idx = f.idx WHERE "     \
	"f.incident = i.id AND f.complaint = 0 AND o.member IS NOT NULL)"

static int
brief_row(const PGresult *r, int k, store_brief_fn fn, void *ctx)
{
	struct store_incident_brief row;

	row.id = col_text(r, k, 1);
	row.cursor = col_i64(r, k, 0);
	row.category = col_int(r, k, 2);
	row.located = col_int(r, k, 3);
	row.lat = col_f64(r, k, 4);
	row.lon = col_f64(r, k, 5);
	row.cov[0] = col_f64(r, k, 6);
	row.cov[1] = col_f64(r, k, 7);
	row.cov[2] = col_f64(r, k, 8);
	row.time_from_ms = col_i64(r, k, 9);
	row.time_to_ms = col_i64(r, k, 10);
	row.zone = col_text(r, k, 11);
	row.count = col_i64(r, k, 12);
	row.source_types = (uint32_t)col_i64(r, k, 13);
	row.state = col_text(r, k, 14);
	row.members = col_text(r, k, 15);
	return fn(ctx, &row);
}

/*
 * Runs q over the live incidents: with bfn, calls it with each brief row,
 * else fn with each full row. A bbox selects the located incidents whose
 * position lies in it (exactly, on the 1e-7 integers), as SQLite's
 * search-box R*Tree and position check do.
 */
static int
incident_query(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, store_brief_fn bfn, void *ctx)
{
	char sql[2048];
	size_t n = 0, i;
	struct pg_params p = { 0 };
	struct pg_page page, *outer = NULL;
	PGresult *r;
	int k, rows;

#define ADD(...)                                                              \
	n += (size_t)snprintf(sql + n, n < sizeof(sql) ? sizeof(sql) - n : 0, \
	    __VA_ARGS__)
	if (bfn != NULL)
		ADD("SELECT i.rid, i.id" BRIEF_COLS " FROM incident i WHERE ");
	else
		ADD("SELECT " INC_COLS INC_WORDS " FROM incident i WHERE ");
	if (q->has_bbox) {
		k = p.n + 1;
		ADD("i.geom && ST_MakeEnvelope($%d::float8 / 1e7, $%d::float8 "
		    "/ 1e7, $%d::float8 / 1e7, $%d::float8 / 1e7, 4326) AND "
		    "i.lon_e7 BETWEEN $%d AND $%d AND i.lat_e7 BETWEEN $%d AND "
		    "$%d AND ",
		    k, k + 1, k + 2, k + 3, k, k + 2, k + 1, k + 3);
		pp_i64(&p, q->min_lon_e7);
		pp_i64(&p, q->min_lat_e7);
		pp_i64(&p, q->max_lon_e7);
		pp_i64(&p, q->max_lat_e7);
	}
	k = p.n + 1;
	ADD("i.live = 1 AND i.rid > $%d AND i.g_to >= $%d AND i.g_from <= $%d",
	    k, k + 1, k + 2);
	pp_i64(&p, q->after);
	pp_i64(&p, q->from_ms);
	pp_i64(&p, q->to_ms);
	if (q->ncategories > 0) {
		ADD(" AND i.category IN (");
		for (i = 0; i < q->ncategories; i++) {
			ADD("%s$%d", i ? "," : "", p.n + 1);
			pp_i64(&p, associate_category(q->categories[i]));
		}
		ADD(")");
	}
	if (q->zone != NULL) {
		ADD(" AND EXISTS (SELECT 1 FROM incident_zone z WHERE "
		    "z.incident = i.id AND z.zone = $%d)",
		    p.n + 1);
		pp_text(&p, q->zone);
	}
	if (q->released_to != NULL) {
		ADD(" AND EXISTS (SELECT 1 FROM release l WHERE "
		    "l.incident = i.id AND l.party = $%d)",
		    p.n + 1);
		pp_text(&p, q->released_to);
	}
	ADD(" ORDER BY i.rid LIMIT $%d", p.n + 1);
	pp_i64(&p, q->limit);
#undef ADD
	if (n >= sizeof(sql)) {
		log_warnx("store incident query too long");
		return -1;
	}
	if ((r = pg_run(s, sql, PG_SHAPE, &p)) == NULL)
		return -1;
	rows = PQntuples(r);
	/* fn builds each row's record with its parts (increcord.c): read
	 * them for the whole page now, served by pg_incident_parts. */
	if (bfn == NULL && rows > 0) {
		if (page_read(s, r, &page) == -1) {
			PQclear(r);
			return -1;
		}
		outer = s->page;
		s->page = &page;
	}
	for (k = 0; k < rows; k++)
		if ((bfn != NULL ? brief_row(r, k, bfn, ctx)
				 : incident_row(r, k, fn, ctx)) != 0)
			break;
	if (bfn == NULL && rows > 0) {
		s->page = outer;
		page_free(&page);
	}
	PQclear(r);
	return 0;
}

static int
pg_query_incidents(struct store *s, const struct store_incident_query *q,
    store_incident_fn fn, void *ctx)
{
	return incident_query(s, q, fn, NULL, ctx);
}

static int
pg_brief_incidents(struct store *s, const struct store_incident_query *q,
    store_brief_fn fn, void *ctx)
{
	return incident_query(s, q, NULL, fn, ctx);
}

static int
pg_count_incidents(struct store *s, int64_t *n)
{
	return count_of(s, "SELECT count(*) FROM incident WHERE live = 1", n);
}

struct tally_visit {
	store_tally_fn fn;
	void *ctx;
};

static int
tally_row(void *ctx, const PGresult *r)
{
	struct tally_visit *v = ctx;
	struct store_incident_tally row;
	const char *name;

	row.kind =
	    col_int(r, 0, 0) == ASSOCIATE_OBSERVED ? "observed" : "complaint";
	name = associate_category_name(col_int(r, 0, 1));
	row.category = name != NULL ? name : "other";
	row.zone = col_text(r, 0, 2);
	row.state = col_text(r, 0, 3);
	row.time_from_ms = col_i64(r, 0, 4);
	row.count = col_i64(r, 0, 5);
	return v->fn(v->ctx, &row) != 0; /* stops, not an error */
}

/* Streamed (a year's trend reads hundreds of thousands of rows): fn does
 * not use the store (store.h). */
static int
pg_incident_tallies(struct store *s, int64_t from_ms, int64_t to_ms,
    const char *released_to, store_tally_fn fn, void *ctx)
{
	struct tally_visit v = { fn, ctx };
	struct pg_params p = { 0 };

	pp_i64(&p, from_ms);
	pp_i64(&p, to_ms);
	pp_text(&p, released_to);
	/* In the order SQLite's incident_time index gives them. */
	return pg_each(s,
	    "SELECT i.kind, i.category, i.zone, "
	    "coalesce(st.state, 'received'), i.g_from, i.count "
	    "FROM incident i LEFT JOIN incident_state st "
	    "ON st.incident = i.id WHERE i.g_from >= $1 AND i.g_from < $2 "
	    "AND i.live = 1 AND ($3 IS NULL OR EXISTS (SELECT 1 FROM "
	    "release l WHERE l.incident = i.id AND l.party = $3)) "
	    "ORDER BY i.g_from, i.g_to, i.rid",
	    &p, tally_row, &v);
}

static int
pg_refusal(struct store *s, int64_t index, char *reason, size_t len)
{
	PGresult *r;
	int rc;

	if ((r = pg_query(s, "SELECT reason FROM refused WHERE idx = $1", "i",
		 index)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc)
		snprintf(reason, len, "%s", col_text(r, 0, 0));
	PQclear(r);
	return rc;
}

/* ---- principals, members, evidence -------------------------------- */

static void
principal_row(const PGresult *r, struct principal *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", PQgetvalue(r, 0, 0));
	p->role = principal_role(PQgetvalue(r, 0, 1));
	snprintf(p->member, sizeof(p->member), "%s", PQgetvalue(r, 0, 2));
	snprintf(p->party, sizeof(p->party), "%s", PQgetvalue(r, 0, 3));
}

static int
pg_find_token(struct store *s, const uint8_t hash[32], struct principal *p)
{
	PGresult *r;
	int rc = 0;

	if ((r = pg_query(s,
		 "SELECT p.name, p.role, p.member, p.party, t.hash FROM "
		 "token t JOIN principal p ON p.name = t.name WHERE t.hash = "
		 "$1 AND p.active = 1",
		 "b", hash, 32)) == NULL)
		return -1;
	/* Compare again in constant time, as tokens.c did. */
	if (PQntuples(r) > 0 && PQgetlength(r, 0, 4) == 32 &&
	    sodium_memcmp(PQgetvalue(r, 0, 4), hash, 32) == 0) {
		principal_row(r, p);
		rc = 1;
	}
	PQclear(r);
	return rc;
}

static int
pg_find_principal(struct store *s, const char *name, struct principal *p)
{
	PGresult *r;
	int rc;

	if ((r = pg_query(s,
		 "SELECT name, role, member, party FROM principal WHERE "
		 "name = $1 AND active = 1",
		 "t", name)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc)
		principal_row(r, p);
	PQclear(r);
	return rc;
}

static int
pg_principals(struct store *s, store_principal_fn fn, void *ctx)
{
	struct store_principal_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT name, role, member, party, active, added_idx, "
		 "revoked_idx FROM principal ORDER BY name",
		 "")) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.name = col_text(r, k, 0);
		row.role = col_text(r, k, 1);
		row.member = PQgetvalue(r, k, 2);
		row.party = PQgetvalue(r, k, 3);
		row.active = col_int(r, k, 4);
		row.added_index = col_i64(r, k, 5);
		row.revoked_index = col_null(r, k, 6) ? -1 : col_i64(r, k, 6);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_members(struct store *s, store_member_fn fn, void *ctx)
{
	struct store_member_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT name, vkey, since_idx FROM member ORDER BY name",
		 "")) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.name = col_text(r, k, 0);
		row.vkey = col_text(r, k, 1);
		row.since_index = col_i64(r, k, 2);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_center_value(struct store *s, const char *key, char **text)
{
	PGresult *r;
	int rc = 0;

	if ((r = pg_query(s, "SELECT value FROM center WHERE key = $1", "t",
		 key)) == NULL)
		return -1;
	if (PQntuples(r) > 0)
		rc = (*text = strdup(PQgetvalue(r, 0, 0))) != NULL ? 1 : -1;
	PQclear(r);
	return rc;
}

static int
pg_find_evidence(struct store *s, const char *sha256_hex, int64_t *size,
    char *media_type, size_t len)
{
	uint8_t sha[32];
	PGresult *r;
	int rc;

	if (evidence_entry_sha256(sha256_hex, sha) == -1)
		return 0;
	if ((r = pg_query(s,
		 "SELECT size, media_type FROM evidence WHERE sha256 = $1", "b",
		 sha, 32)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc) {
		*size = col_i64(r, 0, 0);
		if (media_type != NULL)
			snprintf(media_type, len, "%s", col_text(r, 0, 1));
	}
	PQclear(r);
	return rc;
}

static int
pg_custody(struct store *s, const char *sha256_hex, store_custody_fn fn,
    void *ctx)
{
	struct store_custody_row row;
	uint8_t sha[32];
	PGresult *r;
	int k, n;

	if (evidence_entry_sha256(sha256_hex, sha) == -1)
		return 0;
	if ((r = pg_query(s,
		 "SELECT idx, action, \"by\", at_ms FROM custody WHERE "
		 "sha256 = $1 ORDER BY idx",
		 "b", sha, 32)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.index = col_i64(r, k, 0);
		row.action = col_text(r, k, 1);
		row.by = col_text(r, k, 2);
		row.at_ms = col_i64(r, k, 3);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_uploaded_by(struct store *s, const char *sha256_hex, const char *name)
{
	uint8_t sha[32];

	if (evidence_entry_sha256(sha256_hex, sha) == -1)
		return 0;
	return one_row(s,
	    pg_query(s,
		"SELECT 1 FROM custody WHERE sha256 = $1 AND action = "
		"'upload' AND \"by\" = $2",
		"bt", sha, 32, name));
}

/* ---- joint verification ------------------------------------------- */

#define STATE_COLS                                                    \
	"incident, state, tier, tier_name, duplicate_of, since_idx, " \
	"since_ms"

/* Hands fn each row of r (STATE_COLS; NULL: the query failed) and frees
 * it. 0 or -1. */
static int
state_rows(PGresult *r, store_state_fn fn, void *ctx)
{
	struct store_state_row row;
	int k, n;

	if (r == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.incident = col_text(r, k, 0);
		row.state = col_text(r, k, 1);
		row.tier = col_i64(r, k, 2);
		row.tier_name = col_text(r, k, 3);
		row.duplicate_of = col_text(r, k, 4);
		row.since_index = col_i64(r, k, 5);
		row.since_ms = col_i64(r, k, 6);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_incident_states(struct store *s, const struct store_state_filter *f,
    store_state_fn fn, void *ctx)
{
	PGresult *r;

	/* Unordered in the API's contract; SQLite's scan gives them in the
	 * order they were last written (seq). */
	if (f->incident != NULL)
		r = pg_query(s,
		    "SELECT " STATE_COLS " FROM incident_state WHERE "
		    "incident = $1",
		    "t", f->incident);
	else if (f->unassessed_by != NULL)
		r = pg_query(s,
		    "SELECT " STATE_COLS " FROM incident_state WHERE state = "
		    "$1 AND NOT EXISTS (SELECT 1 FROM assessment a WHERE "
		    "a.incident = incident_state.incident AND a.member = $2) "
		    "ORDER BY seq",
		    "tt", f->state, f->unassessed_by);
	else
		r = pg_query(s,
		    "SELECT " STATE_COLS " FROM incident_state WHERE state = "
		    "$1 ORDER BY seq",
		    "t", f->state);
	return state_rows(r, fn, ctx);
}

/* One statement for the list (store_incident_states_of). */
static int
pg_incident_states_of(struct store *s, const char *const *ids, size_t n,
    store_state_fn fn, void *ctx)
{
	char *list = ids_literal(ids, n);
	int rc;

	if (list == NULL) {
		log_warnx("store %s: out of memory for %zu incidents' states",
		    s->name, n);
		return -1;
	}
	rc = state_rows(pg_query(s,
			    "SELECT " STATE_COLS " FROM incident_state WHERE "
			    "incident = ANY($1::text[])",
			    "t", list),
	    fn, ctx);
	free(list);
	return rc;
}

static int
pg_assessments(struct store *s, const char *id, int latest,
    store_assessment_fn fn, void *ctx)
{
	struct store_assessment_row row;
	PGresult *r;
	int k, n;

	if (latest)
		r = pg_query(s,
		    "SELECT a.idx, a.member, a.revision, a.\"by\", a.at_ms, "
		    "a.note FROM assessment a WHERE a.incident = $1 AND "
		    "a.revision = (SELECT max(revision) FROM assessment b "
		    "WHERE b.incident = a.incident AND b.member = a.member) "
		    "ORDER BY a.member",
		    "t", id);
	else
		r = pg_query(s,
		    "SELECT idx, member, revision, \"by\", at_ms, note FROM "
		    "assessment WHERE incident = $1 ORDER BY idx",
		    "t", id);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.index = col_i64(r, k, 0);
		row.member = col_text(r, k, 1);
		row.revision = col_i64(r, k, 2);
		row.by = col_text(r, k, 3);
		row.at_ms = col_i64(r, k, 4);
		row.note = col_text(r, k, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_releases(struct store *s, const char *id, store_text_fn fn, void *ctx)
{
	return text_rows(s,
	    "SELECT party FROM release WHERE incident = $1 ORDER BY party", id,
	    fn, ctx);
}

static int
pg_tasks(struct store *s, const struct store_task_filter *f, store_task_fn fn,
    void *ctx)
{
	struct store_task_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT idx, incident, unit, kind, description, due_ms, "
		 "\"by\", at_ms, done_idx, done_by, done_note FROM task WHERE "
		 "($1::text IS NULL OR incident = $1) AND ($2 < 0 OR idx = "
		 "$2) AND ($3::text IS NULL OR (unit = $3 AND done_idx IS "
		 "NULL)) ORDER BY idx",
		 "tit", f->incident, f->task, f->open_for)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.task = col_i64(r, k, 0);
		row.incident = col_text(r, k, 1);
		row.unit = col_text(r, k, 2);
		row.kind = col_text(r, k, 3);
		row.description = col_text(r, k, 4);
		row.due_ms = col_i64(r, k, 5);
		row.by = col_text(r, k, 6);
		row.at_ms = col_i64(r, k, 7);
		row.done = !col_null(r, k, 8);
		row.done_index = row.done ? col_i64(r, k, 8) : -1;
		row.done_by = col_text(r, k, 9);
		row.note = col_text(r, k, 10);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_history(struct store *s, const char *id, store_event_fn fn, void *ctx)
{
	struct store_event_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT idx, kind, from_state, to_state FROM ("
		 "SELECT idx, 'observation'::text AS kind, NULL::text AS "
		 "from_state, NULL::text AS to_state, 0::bigint AS seq FROM "
		 "fusion_obs WHERE incident = $1 UNION ALL SELECT idx, "
		 "'decision', NULL, NULL, 0 FROM incident_decision WHERE "
		 "incident = $1 UNION ALL SELECT idx, kind, from_state, "
		 "to_state, seq FROM incident_event WHERE incident = $1) h "
		 "ORDER BY idx, seq",
		 "t", id)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.index = col_i64(r, k, 0);
		row.kind = col_text(r, k, 1);
		row.from = col_text(r, k, 2);
		row.to = col_text(r, k, 3);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_released(struct store *s, const char *id, const char *party)
{
	return one_row(s,
	    pg_query(s,
		"SELECT 1 FROM release WHERE incident = $1 AND party = $2",
		"tt", id, party));
}

static int
pg_observation_incident(struct store *s, int64_t index, char *incident,
    size_t len, int *created)
{
	PGresult *r;
	int rc;

	if ((r = pg_query(s,
		 "SELECT f.incident, i.seed_idx FROM fusion_obs f LEFT JOIN "
		 "incident i ON i.id = f.incident WHERE f.idx = $1",
		 "i", index)) == NULL)
		return -1;
	rc = PQntuples(r) > 0;
	if (rc) {
		snprintf(incident, len, "%s", col_text(r, 0, 0));
		*created = col_i64(r, 0, 1) == index;
	}
	PQclear(r);
	return rc;
}

static int
pg_reset(struct store *s)
{
	return pg_exec(s, reset_sql);
}

/* ---- products ------------------------------------------------------ */

/* A read snapshot: one commit's view until read_end. */
static int
pg_read_begin(struct store *s)
{
	if (pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") == -1)
		return -1;
	s->reading = 1;
	return 0;
}

static int
pg_read_end(struct store *s)
{
	s->reading = 0;
	return PQtransactionStatus(s->conn) == PQTRANS_IDLE
	    ? 0
	    : pg_exec(s, "COMMIT");
}

static int
pg_reports(struct store *s, const struct store_report_filter *f,
    store_report_fn fn, void *ctx)
{
	struct store_report_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT id, idx, kind, number, subject, from_ms, to_ms, "
		 "log_size, root, \"by\", at_ms, state, state_idx FROM report "
		 "WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL "
		 "OR state = $2) AND ($3::text IS NULL OR kind = $3) ORDER BY "
		 "idx",
		 "ttt", f->id, f->state, f->kind)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.id = col_text(r, k, 0);
		row.index = col_i64(r, k, 1);
		row.kind = col_text(r, k, 2);
		row.number = col_text(r, k, 3);
		row.subject = col_text(r, k, 4);
		row.from_ms = col_i64(r, k, 5);
		row.to_ms = col_i64(r, k, 6);
		row.log_size = col_i64(r, k, 7);
		row.root = col_text(r, k, 8);
		row.by = col_text(r, k, 9);
		row.at_ms = col_i64(r, k, 10);
		row.state = col_text(r, k, 11);
		row.state_index = col_i64(r, k, 12);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_signatures(struct store *s, const char *report, store_signature_fn fn,
    void *ctx)
{
	struct store_signature_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT member, decision, reason, idx, signed_at_ms, note "
		 "FROM report_signature WHERE report = $1 ORDER BY member",
		 "t", report)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.member = col_text(r, k, 0);
		row.decision = col_text(r, k, 1);
		row.reason = col_text(r, k, 2);
		row.index = col_i64(r, k, 3);
		row.signed_at_ms = col_i64(r, k, 4);
		row.note = col_text(r, k, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_report_entries(struct store *s, int64_t below, store_index_fn fn, void *ctx)
{
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT idx FROM report_entry WHERE idx < $1 ORDER BY idx "
		 "DESC",
		 "i", below)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++)
		if (fn(ctx, col_i64(r, k, 0)) != 0)
			break;
	PQclear(r);
	return 0;
}

static int
pg_source_statuses(struct store *s, int64_t from_ms, int64_t to_ms,
    store_source_status_fn fn, void *ctx)
{
	struct store_source_status_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT type, member, organisation, unit, status, reason, "
		 "from_ms, to_ms, idx, \"by\" FROM source_status WHERE "
		 "from_ms < $1 AND to_ms > $2 AND from_ms > $3 ORDER BY idx",
		 "iii", to_ms, from_ms, from_ms - SOURCE_STATUS_MAX_SPAN_MS)) ==
	    NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.type = col_text(r, k, 0);
		row.member = col_text(r, k, 1);
		row.organisation = col_text(r, k, 2);
		row.unit = col_text(r, k, 3);
		row.status = col_text(r, k, 4);
		row.reason = col_text(r, k, 5);
		row.from_ms = col_i64(r, k, 6);
		row.to_ms = col_i64(r, k, 7);
		row.index = col_i64(r, k, 8);
		row.by = col_text(r, k, 9);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_alert_rules(struct store *s, int64_t from, int64_t to,
    store_alert_rule_fn fn, void *ctx)
{
	struct store_alert_rule_row row;
	PGresult *r;
	int k, n;

	if ((r = pg_query(s,
		 "SELECT idx, \"by\", at_ms, entry, coalesce(disabled_idx, "
		 "-1), disabled_by FROM alert_rule WHERE idx >= $1 AND idx < "
		 "$2 ORDER BY idx",
		 "ii", from, to)) == NULL)
		return -1;
	n = PQntuples(r);
	for (k = 0; k < n; k++) {
		row.index = col_i64(r, k, 0);
		row.by = col_text(r, k, 1);
		row.at_ms = col_i64(r, k, 2);
		row.entry = col_text(r, k, 3);
		row.disabled_index = col_i64(r, k, 4);
		row.disabled_by = col_text(r, k, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(r);
	return 0;
}

struct key_visit {
	store_key_fn fn;
	void *ctx;
};

static int
key_row(void *ctx, const PGresult *r)
{
	struct key_visit *v = ctx;

	return v->fn(v->ctx, col_i64(r, 0, 0), col_text(r, 0, 1)) != 0;
}

/* Streamed (up to 2^20 keys a call): fn does not use the store. */
static int
pg_state_keys(struct store *s, enum store_key_kind kind, int64_t from,
    int64_t to, store_key_fn fn, void *ctx)
{
	static const char *const sql[STORE_KEYS_NKINDS] = {
		[STORE_KEYS_INCIDENTS] = "SELECT seed_idx, id FROM incident "
					 "WHERE seed_idx >= $1 AND seed_idx < "
					 "$2 ORDER BY seed_idx, id",
		[STORE_KEYS_STATES] = "SELECT seed_idx, id FROM incident WHERE "
				      "seed_idx >= $1 AND seed_idx < $2 AND "
				      "(id IN (SELECT incident FROM "
				      "incident_state) OR id IN (SELECT "
				      "incident FROM incident_event)) ORDER "
				      "BY seed_idx, id",
		[STORE_KEYS_ASSESSMENTS] = "SELECT seed_idx, id FROM incident "
					   "WHERE seed_idx >= $1 AND seed_idx "
					   "< $2 AND id IN (SELECT incident "
					   "FROM assessment) ORDER BY "
					   "seed_idx, id",
		[STORE_KEYS_TASKS] = "SELECT seed_idx, id FROM incident WHERE "
				     "seed_idx >= $1 AND seed_idx < $2 AND (id "
				     "IN (SELECT incident FROM task) OR id IN "
				     "(SELECT incident FROM release)) ORDER BY "
				     "seed_idx, id",
		[STORE_KEYS_CUSTODY] = "SELECT idx, encode(sha256, 'hex') FROM "
				       "custody WHERE idx >= $1 AND idx < $2 "
				       "ORDER BY idx",
	};
	struct key_visit v = { fn, ctx };
	struct pg_params p = { 0 };

	if ((int)kind < 0 || kind >= STORE_KEYS_NKINDS) {
		log_warnx("store: no state digest kind %d", (int)kind);
		return -1;
	}
	pp_i64(&p, from);
	pp_i64(&p, to);
	return pg_each(s, sql[kind], &p, key_row, &v);
}

/*
 * A chunk of incidents with their parts (store_state_incidents): the
 * incident rows of the range, and one query per kind of part over the same
 * range, each ordered by (seed index, id) first and walked beside the
 * incidents (a merge: every part row's incident is in the range). Column
 * 0 of a part's rows is its incident's id; the rest are
 * pg_incident_parts' columns.
 */
#define CHUNK_WHERE "WHERE i.seed_idx >= $1 AND i.seed_idx < $2 "
#define CHUNK_ORDER "ORDER BY i.seed_idx, i.id, "

static const char *const chunk_sql[CP_NKINDS] = {
	[CP_OBS] =
	    "SELECT i.id, encode(o.id, 'hex'), f.complaint, f.note, "
	    "o.organisation FROM incident i JOIN fusion_obs f ON "
	    "f.incident = i.id JOIN observation o ON o.idx = f.idx " CHUNK_WHERE
		CHUNK_ORDER "f.idx",
	[CP_LINKS] =
	    "SELECT i.id, encode(o.id, 'hex'), 1, NULL::text, "
	    "o.organisation FROM incident i JOIN incident_link l ON "
	    "l.incident = i.id JOIN observation o ON o.idx = "
	    "l.complaint_idx " CHUNK_WHERE CHUNK_ORDER "l.complaint_idx",
	[CP_MEMBERS] =
	    "SELECT DISTINCT i.id, o.member, i.seed_idx FROM "
	    "incident i JOIN fusion_obs f ON f.incident = i.id "
	    "JOIN observation o ON o.idx = f.idx " CHUNK_WHERE
	    "AND f.complaint = 0 AND o.member IS NOT NULL " CHUNK_ORDER
	    "o.member",
	[CP_CORROBORATES] = "SELECT DISTINCT i.id, l.incident, i.seed_idx "
			    "FROM incident i JOIN fusion_obs f ON f.incident "
			    "= i.id JOIN incident_link l ON l.complaint_idx = "
			    "f.idx " CHUNK_WHERE CHUNK_ORDER "l.incident",
	[CP_ZONES] =
	    "SELECT i.id, z.layer, z.zone FROM incident i JOIN "
	    "incident_zone z ON z.incident = i.id " CHUNK_WHERE CHUNK_ORDER
	    "z.ord",
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
	case CP_LINKS: return v->part != NULL;
	case CP_MEMBERS: return v->member != NULL;
	case CP_CORROBORATES: return v->corroborates != NULL;
	case CP_ZONES: return v->zone != NULL;
	default: return v->decision != NULL;
	}
}

/* Calls v's callback of part kind k with row j of r; its return. */
static int
chunk_part(const struct store_incident_visit *v, int k, const PGresult *r,
    int j, void *ctx)
{
	const char *a = col_text(r, j, 1);

	switch (k) {
	case CP_OBS:
	case CP_LINKS:
		return v->part(ctx, a, col_int(r, j, 2), k == CP_LINKS,
		    col_text(r, j, 3), col_text(r, j, 4));
	case CP_MEMBERS: return v->member(ctx, a);
	case CP_CORROBORATES: return v->corroborates(ctx, a);
	case CP_ZONES: return v->zone(ctx, a, col_text(r, j, 2));
	default:
		return v->decision(ctx, col_i64(r, j, 1), col_int(r, j, 2),
		    col_text(r, j, 3));
	}
}

static int
pg_state_incidents(struct store *s, int64_t from, int64_t to,
    store_incident_fn fn, const struct store_incident_visit *v, void *ctx)
{
	PGresult *inc, *part[CP_NKINDS] = { NULL };
	int at[CP_NKINDS] = { 0 }, n[CP_NKINDS] = { 0 };
	int i, ni, k, stop, rc = -1;
	const char *id;

	if ((inc = pg_query(s,
		 "SELECT " INC_COLS INC_WORDS " FROM incident i " CHUNK_WHERE
		 "ORDER BY i.seed_idx, i.id",
		 "ii", from, to)) == NULL)
		return -1;
	for (k = 0; k < CP_NKINDS; k++) {
		if (!chunk_wanted(v, k))
			continue;
		if ((part[k] = pg_query(s, chunk_sql[k], "ii", from, to)) ==
		    NULL)
			goto done;
		n[k] = PQntuples(part[k]);
	}
	ni = PQntuples(inc);
	for (i = 0; i < ni; i++) {
		if (incident_row(inc, i, fn, ctx) != 0)
			break;
		id = col_text(inc, i, 0);
		for (k = 0; k < CP_NKINDS; k++)
			for (stop = 0; at[k] < n[k] &&
			     strcmp(col_text(part[k], at[k], 0), id) == 0;
			     at[k]++)
				if (!stop)
					stop = chunk_part(v, k, part[k], at[k],
					    ctx);
	}
	rc = 0;
done:
	for (k = 0; k < CP_NKINDS; k++)
		PQclear(part[k]);
	PQclear(inc);
	return rc;
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.bulk_publish = pg_bulk_publish,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.applied_size = pg_applied_size,
	.index_observation = pg_index_observation,
	.rows = &pg_rows,
	.fusion_rows = &pg_fusion_rows,
	.find_observation = pg_find_observation,
	.query_observations = pg_query_observations,
	.observation_ids = pg_observation_ids,
	.count_observations = pg_count,
	.reset = pg_reset,
	.refusal = pg_refusal,
	.find_token = pg_find_token,
	.find_principal = pg_find_principal,
	.principals = pg_principals,
	.members = pg_members,
	.center_value = pg_center_value,
	.key_used = pg_key_used,
	.find_evidence = pg_find_evidence,
	.custody = pg_custody,
	.uploaded_by = pg_uploaded_by,
	.incident_exists = pg_incident_exists,
	.incident_states = pg_incident_states,
	.incident_states_of = pg_incident_states_of,
	.assessments = pg_assessments,
	.releases = pg_releases,
	.tasks = pg_tasks,
	.history = pg_history,
	.released = pg_released,
	.find_incident = pg_find_incident,
	.query_incidents = pg_query_incidents,
	.brief_incidents = pg_brief_incidents,
	.incident_parts = pg_incident_parts,
	.count_incidents = pg_count_incidents,
	.incident_tallies = pg_incident_tallies,
	.read_begin = pg_read_begin,
	.read_end = pg_read_end,
	.reports = pg_reports,
	.signatures = pg_signatures,
	.report_entries = pg_report_entries,
	.observation_incident = pg_observation_incident,
	.source_statuses = pg_source_statuses,
	.state_keys = pg_state_keys,
	.state_incidents = pg_state_incidents,
	.alert_rules = pg_alert_rules,
};
