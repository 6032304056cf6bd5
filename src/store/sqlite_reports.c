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
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(db, sql);
		return NULL;
	}
	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else if ((t = va_arg(ap, const char *)) == NULL)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
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

/* The signatures the rule needs, and how many members there are. */
static int
needed(sqlite3 *db, int64_t *need, int64_t *nmembers)
{
	struct member_rule rule = { 0, 0 };
	sqlite3_stmt *st;
	json_t *v = NULL;
	int r;

	if (one_int(db, stmt(db, "SELECT count(*) FROM member", ""),
		nmembers) != 1)
		return -1;
	if ((st = stmt(db, "SELECT value FROM center WHERE key = 'rule'",
		 "")) == NULL)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		v = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fail(db, "rule");
	if (v == NULL || member_rule_from_json(v, &rule) == -1)
		rule.k = rule.n = 0;
	json_decref(v);
	*need = member_rule_needed(&rule, *nmembers);
	return 0;
}

/* The report's state into buf: 1, 0 no such report, -1. */
static int
report_state(sqlite3 *db, const char *id, char *buf, size_t len, char *number,
    size_t nlen)
{
	sqlite3_stmt *st = stmt(db,
	    "SELECT state, number FROM report WHERE "
	    "id = ?",
	    "t", id);
	int r;

	if (st == NULL)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
		snprintf(number, nlen, "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 1;
	return r == SQLITE_DONE ? 0 : fail(db, "report state");
}

/*
 * Checks one note of entry idx: readable, about report `report` (NULL:
 * any), by a member whose registered key signed it, that member's first
 * — or, in a release (known not NULL), that very note recorded already
 * (*known = 1). 0 with *s, 1 refused (why), -1 error.
 */
static int
check_note(sqlite3 *db, const char *note, const char *report,
    struct reportentry_signature *s, int *known, char *why, size_t whylen)
{
	const char *keys[1];
	sqlite3_stmt *st;
	char vkey[NOTE_VKEY_MAX], err[256];
	int64_t x;
	int r;

	if (reportentry_signature_read(note, strlen(note), s, err,
		sizeof(err)) == -1) {
		snprintf(why, whylen, "a signature note: %s", err);
		return 1;
	}
	if (report != NULL && strcmp(s->report, report) != 0) {
		snprintf(why, whylen,
		    "/report: the note signs %.16s…, not "
		    "%.16s…",
		    s->report, report);
		return 1;
	}
	if ((st = stmt(db, "SELECT vkey FROM member WHERE name = ?", "t",
		 s->member)) == NULL)
		return -1;
	vkey[0] = '\0';
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(vkey, sizeof(vkey), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fail(db, "member key");
	if (vkey[0] == '\0') {
		snprintf(why, whylen,
		    "/member: %s is not a member of this "
		    "center",
		    s->member);
		return 1;
	}
	keys[0] = vkey;
	if (member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    -1) {
		snprintf(why, whylen, "%s", err);
		return 1;
	}
	if (known != NULL &&
	    (r = one_int(db,
		 stmt(db,
		     "SELECT idx FROM "
		     "report_signature WHERE report = ? AND member = ? AND "
		     "note = ?",
		     "ttt", s->report, s->member, note),
		 &x)) != 0) {
		*known = 1;
		return r == 1 ? 0 : -1;
	}
	if ((r = one_int(db,
		 stmt(db,
		     "SELECT idx FROM report_signature WHERE "
		     "report = ? AND member = ?",
		     "tt", s->report, s->member),
		 &x)) != 0) {
		if (r == 1)
			snprintf(why, whylen,
			    "%s has signed or refused report "
			    "%.16s… already, at log index %lld (a replay)",
			    s->member, s->report, (long long)x);
		return r == 1 ? 1 : -1;
	}
	return 0;
}

static int
record(sqlite3 *db, int64_t idx, const struct reportentry_signature *s,
    const char *note)
{
	return done(db,
	    stmt(db,
		"INSERT INTO report_signature VALUES(?,?,?,"
		"?,?,?,?)",
		"ttitsit", s->report, s->member, idx,
		s->refuse ? "refuse" : "sign", s->refuse ? s->reason : NULL,
		s->signed_at_ms, note));
}

/* After signatures of report id at idx: released, refused, or as is. */
static int
settle(sqlite3 *db, int64_t idx, const char *id)
{
	int64_t need, nmembers, signs, refusals;

	if (needed(db, &need, &nmembers) == -1 ||
	    one_int(db,
		stmt(db,
		    "SELECT count(*) FROM report_signature WHERE "
		    "report = ? AND decision = 'sign'",
		    "t", id),
		&signs) != 1 ||
	    one_int(db,
		stmt(db,
		    "SELECT count(*) FROM report_signature WHERE "
		    "report = ? AND decision = 'refuse'",
		    "t", id),
		&refusals) != 1)
		return -1;
	if (signs >= need)
		return done(db,
		    stmt(db,
			"UPDATE report SET state = "
			"'released', state_idx = ? WHERE id = ? AND state = "
			"'draft'",
			"it", idx, id));
	if (nmembers - refusals < need)
		return done(db,
		    stmt(db,
			"UPDATE report SET state = 'refused', "
			"state_idx = ? WHERE id = ? AND state = 'draft'",
			"it", idx, id));
	return 0;
}

static int
apply_draft(sqlite3 *db, int64_t idx, const struct reportentry *e, char *why,
    size_t whylen)
{
	int64_t x;
	int r;

	if ((r = one_int(db,
		 stmt(db, "SELECT idx FROM report WHERE id = ?", "t",
		     e->report),
		 &x)) != 0) {
		if (r == 1)
			snprintf(why, whylen,
			    "report %.16s… was drafted "
			    "already, at log index %lld",
			    e->report, (long long)x);
		return r == 1 ? 1 : -1;
	}
	if (done(db,
		stmt(db,
		    "UPDATE report SET state = 'superseded', "
		    "state_idx = ? WHERE kind = ? AND subject = ? AND state = "
		    "'draft'",
		    "itt", idx, e->kind, e->subject)) == -1)
		return -1;
	return done(db,
	    stmt(db,
		"INSERT INTO report VALUES(?,?,?,?,?,?,?,?,"
		"?,?,?,'draft',?)",
		"titttiiittii", e->report, idx, e->kind, e->number, e->subject,
		e->from_ms, e->to_ms, e->log_size, e->root, e->by, e->at_ms,
		idx));
}

/* Signatures of entry idx: notes[0..n-1], all about one report. */
static int
apply_notes(sqlite3 *db, int64_t idx, const struct reportentry *e, char *why,
    size_t whylen)
{
	struct reportentry_signature s[REPORTENTRY_MAX_NOTES];
	int known[REPORTENTRY_MAX_NOTES] = { 0 };
	char state[32], number[REPORT_NUMBER_LEN];
	const char *report = e->report;
	size_t i, j;
	int r;

	for (i = 0; i < e->nnotes; i++) {
		if ((r = check_note(db, e->notes[i], report, &s[i],
			 e->action == REPORTENTRY_RELEASE ? &known[i] : NULL,
			 why, whylen)) != 0)
			return r;
		report = s[i].report;
		for (j = 0; j < i; j++)
			if (strcmp(s[j].member, s[i].member) == 0) {
				snprintf(why, whylen,
				    "/notes/%zu: %s signs "
				    "twice",
				    i, s[i].member);
				return 1;
			}
	}
	if ((r = report_state(db, report, state, sizeof(state), number,
		 sizeof(number))) != 1) {
		if (r == 0)
			snprintf(why, whylen, "no report %.16s… was drafted",
			    report);
		return r == 0 ? 1 : -1;
	}
	if (strcmp(state, "draft") != 0 && strcmp(state, "released") != 0) {
		snprintf(why, whylen,
		    "report %.16s… is %s: it takes no "
		    "signatures",
		    report, state);
		return 1;
	}
	for (i = 0; i < e->nnotes; i++) {
		if (strcmp(s[i].number, number) != 0) {
			snprintf(why, whylen,
			    "/number: the note signs \"%s\", "
			    "the report is \"%s\"",
			    s[i].number, number);
			return 1;
		}
	}
	for (i = 0; i < e->nnotes; i++)
		if (!known[i] && record(db, idx, &s[i], e->notes[i]) == -1)
			return -1;
	return settle(db, idx, report);
}

int
sqlite_reports_apply(sqlite3 *db, int64_t idx, const json_t *entry, char *why,
    size_t whylen)
{
	struct reportentry e;
	char err[256];

	if (done(db,
		stmt(db, "INSERT OR IGNORE INTO report_entry VALUES(?)", "i",
		    idx)) == -1)
		return -1;
	if (reportentry_read(entry, &e, err, sizeof(err)) == -1) {
		snprintf(why, whylen, "%s", err);
		return 1;
	}
	if (e.action == REPORTENTRY_DRAFT)
		return apply_draft(db, idx, &e, why, whylen);
	return apply_notes(db, idx, &e, why, whylen);
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
sqlite_reports_basis(sqlite3 *db, int64_t size, int64_t *basis)
{
	sqlite3_stmt *st;
	int64_t n = size;
	int r;

	if ((st = stmt(db,
		 "SELECT idx FROM report_entry WHERE idx < ? ORDER "
		 "BY idx DESC",
		 "i", size)) == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) == n - 1)
		n--;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fail(db, "report basis");
	*basis = n;
	return 0;
}
