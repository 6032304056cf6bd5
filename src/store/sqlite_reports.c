/*
 * sqlite_reports: products' tables and apply path (see sqlite_reports.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "report/reportentry.h"
#include "store/sqlite_reports.h"
#include "verify/member.h"

const char sqlite_reports_schema[] =
    "CREATE TABLE IF NOT EXISTS report("
    "  id TEXT PRIMARY KEY, idx INTEGER NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL, number TEXT NOT NULL, subject TEXT NOT NULL,"
    "  from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,"
    "  log_size INTEGER NOT NULL, root TEXT NOT NULL, by TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL, state TEXT NOT NULL,"
    "  state_idx INTEGER NOT NULL) STRICT;"
    "CREATE INDEX IF NOT EXISTS report_subject ON report(kind, subject);"
    "CREATE TABLE IF NOT EXISTS report_signature("
    "  report TEXT NOT NULL, member TEXT NOT NULL, idx INTEGER NOT NULL,"
    "  decision TEXT NOT NULL, reason TEXT, signed_at_ms INTEGER NOT NULL,"
    "  note TEXT NOT NULL, PRIMARY KEY(report, member)) STRICT;"
    /* Every report entry, applied or refused (sqlite_reports_basis). */
    "CREATE TABLE IF NOT EXISTS report_entry(idx INTEGER PRIMARY KEY)"
    "  STRICT;";

const char *const sqlite_reports_tables[] = { "report", "report_signature",
	"report_entry", NULL };

static int
fail(sqlite3 *db, const char *what)
{
	log_warnx("store: reports: %s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* Prepares sql and binds fmt's arguments: i int64, t text (NULL: null). */
static sqlite3_stmt *
stmt(sqlite3 *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	const char *t;
	va_list ap;
	int i, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(db, sql);
		return NULL;
	}
	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		if (fmt[i] == 'i')
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else if ((t = va_arg(ap, const char *)) == NULL)
			rc = sqlite3_bind_null(st, i + 1);
		else
			rc = sqlite3_bind_text(st, i + 1, t, -1,
			    SQLITE_TRANSIENT);
	}
	va_end(ap);
	/* A text copy that could not be allocated leaves its parameter
	   NULL: a query for nothing, not an answer. */
	if (rc != SQLITE_OK) {
		fail(db, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Runs a statement without rows. 0 or -1. */
static int
done(sqlite3 *db, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "write");
	sqlite3_finalize(st);
	return rc;
}

/* One integer from a query: 1 and *v, 0 no row, -1 error. */
static int
one_int(sqlite3 *db, sqlite3_stmt *st, int64_t *v)
{
	int r;

	if (st == NULL)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 1;
	return r == SQLITE_DONE ? 0 : fail(db, "read");
}

int
sqlite_reports_entry(sqlite3 *db, int64_t idx)
{
	return done(db,
	    stmt(db, "INSERT OR IGNORE INTO report_entry VALUES(?)", "i", idx));
}

int
sqlite_reports_find(sqlite3 *db, const char *id, int64_t *idx, char *state,
    size_t len, char *number, size_t nlen)
{
	sqlite3_stmt *st = stmt(db,
	    "SELECT idx, state, number FROM report WHERE id = ?", "t", id);
	int r;

	if (st == NULL)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*idx = sqlite3_column_int64(st, 0);
		snprintf(state, len, "%s", sqlite3_column_text(st, 1));
		snprintf(number, nlen, "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 1;
	return r == SQLITE_DONE ? 0 : fail(db, "report state");
}

int
sqlite_reports_supersede(sqlite3 *db, int64_t idx, const char *kind,
    const char *subject)
{
	return done(db,
	    stmt(db,
		"UPDATE report SET state = 'superseded', state_idx = ? WHERE "
		"kind = ? AND subject = ? AND state = 'draft'",
		"itt", idx, kind, subject));
}

int
sqlite_reports_insert(sqlite3 *db, int64_t idx, const struct reportentry *e)
{
	return done(db,
	    stmt(db,
		"INSERT INTO report VALUES(?,?,?,?,?,?,?,?,"
		"?,?,?,'draft',?)",
		"titttiiittii", e->report, idx, e->kind, e->number, e->subject,
		e->from_ms, e->to_ms, e->log_size, e->root, e->by, e->at_ms,
		idx));
}

int
sqlite_reports_find_signature(sqlite3 *db, const char *report,
    const char *member, const char *note, int64_t *idx)
{
	if (note != NULL)
		return one_int(db,
		    stmt(db,
			"SELECT idx FROM report_signature WHERE report = ? "
			"AND member = ? AND note = ?",
			"ttt", report, member, note),
		    idx);
	return one_int(db,
	    stmt(db,
		"SELECT idx FROM report_signature WHERE report = ? AND "
		"member = ?",
		"tt", report, member),
	    idx);
}

int
sqlite_reports_insert_signature(sqlite3 *db, int64_t idx,
    const struct reportentry_signature *s, const char *note)
{
	return done(db,
	    stmt(db,
		"INSERT INTO report_signature VALUES(?,?,?,"
		"?,?,?,?)",
		"ttitsit", s->report, s->member, idx,
		s->refuse ? "refuse" : "sign", s->refuse ? s->reason : NULL,
		s->signed_at_ms, note));
}

int
sqlite_reports_count(sqlite3 *db, const char *report, int refusals, int64_t *n)
{
	return one_int(db,
		   stmt(db,
		       "SELECT count(*) FROM report_signature WHERE report = "
		       "? AND decision = ?",
		       "tt", report, refusals ? "refuse" : "sign"),
		   n) == 1
	    ? 0
	    : -1;
}

int
sqlite_reports_settle(sqlite3 *db, const char *report, const char *state,
    int64_t idx)
{
	return done(db,
	    stmt(db,
		"UPDATE report SET state = ?, state_idx = ? WHERE id = ? AND "
		"state = 'draft'",
		"tit", state, idx, report));
}

#define REPORT_COLS                                                        \
	"id, idx, kind, number, subject, from_ms, to_ms, log_size, root, " \
	"by, at_ms, state, state_idx"

int
sqlite_reports_rows(sqlite3 *db, const struct store_report_filter *f,
    store_report_fn fn, void *ctx)
{
	struct store_report_row row;
	sqlite3_stmt *st;
	int r;

	st = stmt(db,
	    "SELECT " REPORT_COLS " FROM report WHERE (?1 IS NULL "
	    "OR id = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR "
	    "kind = ?3) ORDER BY idx",
	    "ttt", f->id, f->state, f->kind);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = (const char *)sqlite3_column_text(st, 0);
		row.index = sqlite3_column_int64(st, 1);
		row.kind = (const char *)sqlite3_column_text(st, 2);
		row.number = (const char *)sqlite3_column_text(st, 3);
		row.subject = (const char *)sqlite3_column_text(st, 4);
		row.from_ms = sqlite3_column_int64(st, 5);
		row.to_ms = sqlite3_column_int64(st, 6);
		row.log_size = sqlite3_column_int64(st, 7);
		row.root = (const char *)sqlite3_column_text(st, 8);
		row.by = (const char *)sqlite3_column_text(st, 9);
		row.at_ms = sqlite3_column_int64(st, 10);
		row.state = (const char *)sqlite3_column_text(st, 11);
		row.state_index = sqlite3_column_int64(st, 12);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return fail(db, "list reports");
	return 0;
}

int
sqlite_reports_signatures(sqlite3 *db, const char *report,
    store_signature_fn fn, void *ctx)
{
	struct store_signature_row row;
	sqlite3_stmt *st;
	int r;

	st = stmt(db,
	    "SELECT member, decision, reason, idx, signed_at_ms, note FROM "
	    "report_signature WHERE report = ? ORDER BY member",
	    "t", report);
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row.member = (const char *)sqlite3_column_text(st, 0);
		row.decision = (const char *)sqlite3_column_text(st, 1);
		row.reason = (const char *)sqlite3_column_text(st, 2);
		row.index = sqlite3_column_int64(st, 3);
		row.signed_at_ms = sqlite3_column_int64(st, 4);
		row.note = (const char *)sqlite3_column_text(st, 5);
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return fail(db, "report signatures");
	return 0;
}

int
sqlite_reports_entries(sqlite3 *db, int64_t below, store_index_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int r;

	if ((st = stmt(db,
		 "SELECT idx FROM report_entry WHERE idx < ? ORDER "
		 "BY idx DESC",
		 "i", below)) == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    fn(ctx, sqlite3_column_int64(st, 0)) == 0)
		;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fail(db, "report entries");
	return 0;
}
