/*
 * sqlite_reports: the SQLite store's tables of the center's products —
 * drafts, members' signatures and refusals, releases — and their apply
 * path (report/reportentry.h; docs/products.md). Kept apart from
 * store_sqlite.c, which calls it with its connection; internal to
 * src/store/.
 *
 * A report's state: draft → released (when the signatures meet the
 * genesis rule), or superseded (a later draft of the same subject), or
 * refused (refusals leave too few members to meet the rule).
 */
#ifndef TRUCE_SQLITE_REPORTS_H
#define TRUCE_SQLITE_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store/store.h"

/* The tables (CREATE ... IF NOT EXISTS), run where the schema is made. */
extern const char sqlite_reports_schema[];

/* The tables store_reset empties, NULL-terminated. */
extern const char *const sqlite_reports_tables[];

/*
 * Applies report entry idx (type "report") inside the caller's write
 * transaction: 0 applied, 1 refused (the reason in why; nothing changed
 * but the entry's mark), -1 on a database error. Signatures are verified
 * against the members' keys registered in the store at this point.
 */
int sqlite_reports_apply(sqlite3 *db, int64_t idx, const json_t *e, char *why,
    size_t whylen);

/* Calls fn for each report f selects, in drafting order. 0 or -1. */
int sqlite_reports_rows(sqlite3 *db, const struct store_report_filter *f,
    store_report_fn fn, void *ctx);

/* Calls fn for each signature of report, in member order. 0 or -1. */
int sqlite_reports_signatures(sqlite3 *db, const char *report,
    store_signature_fn fn, void *ctx);

/*
 * The log size a report computed now stands on: size less the report
 * entries at its end (they change nothing a report says), so drafting
 * twice in a row gives the same report. 0 or -1.
 */
int sqlite_reports_basis(sqlite3 *db, int64_t size, int64_t *basis);

#endif
