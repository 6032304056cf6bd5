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

/* The members who signed (decision) report id, in name order. */
static json_t *
members_of(sqlite3 *db, const char *id, const char *decision)
{
	sqlite3_stmt *st = stmt(db,
	    "SELECT member FROM report_signature "
	    "WHERE report = ? AND decision = ? ORDER BY member",
	    "tt", id, decision);
	json_t *out;

	if (st == NULL)
		return NULL;
	out = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(out,
		    json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	return out;
}

#define REPORT_COLS                                                        \
	"id, idx, kind, number, subject, from_ms, to_ms, log_size, root, " \
	"by, at_ms, state, state_idx"

static json_t *
report_row(sqlite3 *db, sqlite3_stmt *st)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);

	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:{s:I,s:I},s:I,s:s,s:s,s:I,"
			 "s:s,s:I,s:o,s:o}",
	    "id", id, "index", (json_int_t)sqlite3_column_int64(st, 1), "kind",
	    sqlite3_column_text(st, 2), "number", sqlite3_column_text(st, 3),
	    "subject", sqlite3_column_text(st, 4), "period", "from_ms",
	    (json_int_t)sqlite3_column_int64(st, 5), "to_ms",
	    (json_int_t)sqlite3_column_int64(st, 6), "log_size",
	    (json_int_t)sqlite3_column_int64(st, 7), "root",
	    sqlite3_column_text(st, 8), "by", sqlite3_column_text(st, 9),
	    "at_ms", (json_int_t)sqlite3_column_int64(st, 10), "state",
	    sqlite3_column_text(st, 11), "state_index",
	    (json_int_t)sqlite3_column_int64(st, 12), "signed_by",
	    members_of(db, id, "sign"), "refused_by",
	    members_of(db, id, "refuse"));
}

json_t *
sqlite_reports_list(sqlite3 *db, const char *state, const char *kind)
{
	sqlite3_stmt *st;
	json_t *out, *row;
	int r;

	st = stmt(db,
	    "SELECT " REPORT_COLS " FROM report WHERE (?1 IS NULL "
	    "OR state = ?1) AND (?2 IS NULL OR kind = ?2) ORDER BY idx",
	    "tt", state, kind);
	if (st == NULL)
		return NULL;
	out = json_array();
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if ((row = report_row(db, st)) != NULL)
			json_array_append_new(out, row);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		json_decref(out);
		fail(db, "list reports");
		return NULL;
	}
	return out;
}

int
sqlite_reports_find(sqlite3 *db, const char *id, json_t **out)
{
	sqlite3_stmt *st;
	json_t *o = NULL, *sigs;
	int64_t need, nmembers;
	int r;

	if ((st = stmt(db, "SELECT " REPORT_COLS " FROM report WHERE id = ?",
		 "t", id)) == NULL)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		o = report_row(db, st);
	sqlite3_finalize(st);
	if (r == SQLITE_DONE)
		return 0;
	if (o == NULL)
		return fail(db, "find report");
	if (needed(db, &need, &nmembers) == -1 ||
	    (st = stmt(db,
		 "SELECT member, decision, reason, idx, "
		 "signed_at_ms, note FROM report_signature WHERE report = ? "
		 "ORDER BY member",
		 "t", id)) == NULL) {
		json_decref(o);
		return -1;
	}
	sigs = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(sigs,
		    json_pack("{s:s,s:s,s:s?,s:I,s:I,"
			      "s:s}",
			"member", sqlite3_column_text(st, 0), "decision",
			sqlite3_column_text(st, 1), "reason",
			sqlite3_column_text(st, 2), "index",
			(json_int_t)sqlite3_column_int64(st, 3), "signed_at_ms",
			(json_int_t)sqlite3_column_int64(st, 4), "note",
			sqlite3_column_text(st, 5)));
	sqlite3_finalize(st);
	json_object_set_new(o, "signatures", sigs);
	json_object_set_new(o, "needed", json_integer(need));
	*out = o;
	return 1;
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
