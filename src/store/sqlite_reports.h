/*
 * sqlite_reports: the SQLite store's tables of the center's products —
 * drafts, members' signatures and refusals, releases (report/
 * reportentry.h; docs/products.md) — and their rows. Kept apart from
 * store_sqlite.c, which calls it with its connection; internal to
 * src/store/. The rules (a report's state: draft → released, superseded
 * or refused; whose signatures count) are store/applier.c's; the JSON is
 * format/reportform.c's.
 */
#ifndef TRUCE_SQLITE_REPORTS_H
#define TRUCE_SQLITE_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store/store.h"

struct reportentry;
struct reportentry_signature;

/* The tables (CREATE ... IF NOT EXISTS), run where the schema is made. */
extern const char sqlite_reports_schema[];

/* The tables store_reset empties, NULL-terminated. */
extern const char *const sqlite_reports_tables[];

/*
 * The rows store/applier.h's report rules read and write (struct
 * applier_rows: report_entry, find_report, supersede_drafts,
 * insert_report, find_signature, insert_signature, count_signatures,
 * settle_report), on connection db; same contracts.
 */
int sqlite_reports_entry(sqlite3 *db, int64_t idx);
int sqlite_reports_find(sqlite3 *db, const char *id, int64_t *idx, char *state,
    size_t len, char *number, size_t nlen);
int sqlite_reports_supersede(sqlite3 *db, int64_t idx, const char *kind,
    const char *subject);
int sqlite_reports_insert(sqlite3 *db, int64_t idx,
    const struct reportentry *e);
int sqlite_reports_find_signature(sqlite3 *db, const char *report,
    const char *member, const char *note, int64_t *idx);
int sqlite_reports_insert_signature(sqlite3 *db, int64_t idx,
    const struct reportentry_signature *s, const char *note);
int sqlite_reports_count(sqlite3 *db, const char *report, int refusals,
    int64_t *n);
int sqlite_reports_settle(sqlite3 *db, const char *report, const char *state,
    int64_t idx);

/* Calls fn for each report f selects, in drafting order. 0 or -1. */
int sqlite_reports_rows(sqlite3 *db, const struct store_report_filter *f,
    store_report_fn fn, void *ctx);

/* Calls fn for each signature of report, in member order. 0 or -1. */
int sqlite_reports_signatures(sqlite3 *db, const char *report,
    store_signature_fn fn, void *ctx);

/* Calls fn with every report entry's index below `below`, highest first
 * (store_report_entries). 0 or -1. */
int sqlite_reports_entries(sqlite3 *db, int64_t below, store_index_fn fn,
    void *ctx);

#endif
