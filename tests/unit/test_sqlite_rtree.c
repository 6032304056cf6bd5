/*
 * test_sqlite_rtree: store/sqlite_rtree.c packs real SQLite R*Trees
 * (rtree_i32, 4 dimensions as the observations' tree, 3 and two auxiliary
 * columns as the incidents'): SQLite's own rtreecheck() accepts every
 * packed tree; the virtual table reads back exactly the rows packed; window
 * queries find what a scan of the boxes finds; empty, one row, one full
 * root, one more than that, and 100,000 rows (four levels); every non-root
 * node between a third of a node and the fill asked; inserts, deletes and
 * updates through the virtual table after a pack keep the tree sound; a
 * second pack replaces the first; misuse is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite_rtree.h"
#include "tap.h"

#define MAX_CELLS 51 /* node sizes 2044 and 1636 at 4 KiB pages */

static sqlite3 *db;
static size_t live_rows; /* rows case_live left */
static uint64_t prng = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(void)
{
	prng ^= prng << 13;
	prng ^= prng >> 7;
	prng ^= prng << 17;
	return (uint32_t)(prng >> 16);
}

/* A value in [lo, hi]. */
static int32_t
rnd_in(int32_t lo, int32_t hi)
{
	return (int32_t)(lo + (int64_t)(rnd() % ((uint64_t)hi - lo + 1)));
}

static int64_t
sql_int(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* rtreecheck(table) == 'ok'. */
static int
rtree_ok(const char *table)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	const char *t;
	int good = 0;

	snprintf(sql, sizeof(sql), "SELECT rtreecheck('%s')", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(st, 0);
		good = t != NULL && strcmp(t, "ok") == 0;
		if (!good)
			diag("rtreecheck(%s): %.300s", table, t ? t : "NULL");
	}
	sqlite3_finalize(st);
	return good;
}

/* Random boxes with distinct ids (in no order), as wide as extent at
 * most, within +-span; every 50th one the whole range (an unlocated
 * observation), every 7th one a point. */
static void
make_boxes(struct sqlite_rtree_box *b, size_t n, int ndims, int naux,
    int32_t span, int32_t extent)
{
	size_t i, j;
	struct sqlite_rtree_box t;
	int k;

	for (i = 0; i < n; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].id = (int64_t)i * 3 + 1 + (i % 2 ? INT64_C(1) << 40 : 0);
		for (k = 0; k < naux; k++)
			b[i].aux[k] = rnd() % 100 - 50;
		for (k = 0; k < ndims; k++) {
			b[i].c[2 * k] = rnd_in(-span, span - extent);
			b[i].c[2 * k + 1] = i % 7 == 0
			    ? b[i].c[2 * k]
			    : b[i].c[2 * k] + rnd_in(0, extent);
			if (i % 50 == 49) {
				b[i].c[2 * k] = -span;
				b[i].c[2 * k + 1] = span;
			}
		}
	}
	for (i = n; i > 1; i--) { /* shuffle */
		j = rnd() % i;
		t = b[i - 1];
		b[i - 1] = b[j];
		b[j] = t;
	}
}

static int
by_id(const void *a, const void *b)
{
	const struct sqlite_rtree_box *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Packs a copy of b[0..n-1] into table, in a transaction. */
static int
pack(const char *table, int ndims, int naux, const struct sqlite_rtree_box *b,
    size_t n, int fill)
{
	struct sqlite_rtree_box *copy = malloc((n ? n : 1) * sizeof(*b));
	int rc = -1;

	if (copy == NULL)
		return -1;
	memcpy(copy, b, n * sizeof(*b));
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
		rc = sqlite_rtree_pack(db, table, ndims, naux, copy, n, fill);
		sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
		    NULL);
	}
	free(copy);
	return rc;
}

/* The table's rows are b[0..n-1] (sorted by id here), each column. */
static int
rows_equal(const char *table, int ndims, int naux, struct sqlite_rtree_box *b,
    size_t n)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	size_t i = 0;
	int k, good = 1;

	qsort(b, n, sizeof(*b), by_id);
	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY 1", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (good && sqlite3_step(st) == SQLITE_ROW) {
		if (i >= n || sqlite3_column_int64(st, 0) != b[i].id)
			good = 0;
		for (k = 0; good && k < 2 * ndims; k++)
			good = sqlite3_column_int64(st, 1 + k) == b[i].c[k];
		for (k = 0; good && k < naux; k++)
			good = sqlite3_column_int64(st, 1 + 2 * ndims + k) ==
			    b[i].aux[k];
		if (!good)
			diag("%s: row %zu (id %lld) differs", table, i,
			    (long long)b[i].id);
		i++;
	}
	sqlite3_finalize(st);
	return good && i == n;
}

/* nq random windows: the virtual table's count = a scan's, each. */
static int
queries_equal(const char *table, int ndims, const struct sqlite_rtree_box *b,
    size_t n, int nq, int32_t span)
{
	static const char *const col[4][2] = { { "x0", "x1" }, { "y0", "y1" },
		{ "t0", "t1" }, { "c0", "c1" } };
	char sql[512];
	int32_t lo[4], hi[4];
	size_t i, want;
	int q, k, hit, len, good = 1;
	int64_t got;

	for (q = 0; good && q < nq; q++) {
		len = snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM \"%s\" WHERE 1", table);
		for (k = 0; k < ndims; k++) {
			lo[k] = rnd_in(-span, span);
			hi[k] = rnd_in(lo[k], span);
			if (q % 5 == 0 && k > 0) { /* a thin slab */
				hi[k] = lo[k];
			}
			len += snprintf(sql + len, sizeof(sql) - (size_t)len,
			    " AND %s <= %d AND %s >= %d", col[k][0], hi[k],
			    col[k][1], lo[k]);
		}
		got = sql_int(sql);
		for (want = 0, i = 0; i < n; i++) {
			for (hit = 1, k = 0; hit && k < ndims; k++)
				hit = b[i].c[2 * k] <= hi[k] &&
				    b[i].c[2 * k + 1] >= lo[k];
			want += (size_t)hit;
		}
		good = got == (int64_t)want;
		if (!good)
			diag("%s: query %d found %lld, a scan %zu", table, q,
			    (long long)got, want);
	}
	return good;
}

/* Every non-root node holds between a third of a node and max cells;
 * *nodes counts them (the root included). */
static int
node_fill(const char *table, int max, int64_t *nodes)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	const uint8_t *d;
	int cells, good = 1;

	*nodes = 0;
	snprintf(sql, sizeof(sql), "SELECT nodeno, data FROM \"%s_node\"",
	    table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		(*nodes)++;
		d = sqlite3_column_blob(st, 1);
		cells = d[2] << 8 | d[3];
		if (sqlite3_column_int64(st, 0) != 1 &&
		    (cells < MAX_CELLS / 3 || cells > max)) {
			diag("%s: node %lld holds %d cells", table,
			    (long long)sqlite3_column_int64(st, 0), cells);
			good = 0;
		}
	}
	sqlite3_finalize(st);
	return good;
}

static int64_t
depth_of(const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
	    "SELECT rtreedepth(data) FROM \"%s_node\" WHERE nodeno = 1", table);
	return sql_int(sql);
}

/* One table packed with n random boxes and checked every way. */
static void
case_pack(const char *table, int ndims, int naux, size_t n, int fill,
    int64_t want_depth)
{
	struct sqlite_rtree_box *b = calloc(n ? n : 1, sizeof(*b));
	int64_t nodes = 0;
	int per = MAX_CELLS * fill / 100, filled;

	make_boxes(b, n, ndims, naux, 1800000000, 20000000);
	ok(pack(table, ndims, naux, b, n, fill) == 0, "%s: %zu rows packed",
	    table, n);
	ok(rtree_ok(table), "%s, %zu rows: rtreecheck ok", table, n);
	ok(depth_of(table) == want_depth, "%s, %zu rows: depth %lld (%lld)",
	    table, n, (long long)want_depth, (long long)depth_of(table));
	filled = node_fill(table, n <= MAX_CELLS ? MAX_CELLS : per, &nodes);
	ok(filled,
	    "%s, %zu rows: %lld nodes, each below the root %d to %d cells",
	    table, n, (long long)nodes, MAX_CELLS / 3, per);
	ok(queries_equal(table, ndims, b, n, n > 10000 ? 40 : 100, 1800000000),
	    "%s, %zu rows: window queries find what a scan finds", table, n);
	ok(rows_equal(table, ndims, naux, b, n),
	    "%s, %zu rows: read back exactly", table, n);
	free(b);
}

/*
 * n rows packed, then through the virtual table: ins new rows, every 3rd
 * old one deleted, every 5th moved; rtreecheck and the rows after, and a
 * second pack of the result.
 */
static void
case_live(const char *table, int ndims, int naux, size_t n, size_t ins)
{
	struct sqlite_rtree_box *b = calloc(n + ins, sizeof(*b));
	char sql[256];
	sqlite3_stmt *st = NULL;
	size_t i, m = 0;
	int k, rc = 0;

	make_boxes(b, n + ins, ndims, naux, 900000000, 5000000);
	ok(pack(table, ndims, naux, b, n, 90) == 0 && rtree_ok(table),
	    "%s: %zu rows packed", table, n);
	/* Inserts (the rows n.. of b). */
	snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" VALUES(?%s%s%s%s)",
	    table, ndims == 4 ? ",?,?,?,?,?,?,?,?" : ",?,?,?,?,?,?",
	    naux > 0 ? ",?" : "", naux > 1 ? ",?" : "", "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (i = n; rc == 0 && i < n + ins; i++) {
		sqlite3_bind_int64(st, 1, b[i].id);
		for (k = 0; k < 2 * ndims; k++)
			sqlite3_bind_int64(st, 2 + k, b[i].c[k]);
		for (k = 0; k < naux; k++)
			sqlite3_bind_int64(st, 2 + 2 * ndims + k, b[i].aux[k]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	ok(rc == 0 && rtree_ok(table), "%s: %zu inserts after the pack", table,
	    ins);
	/* Deletes and moves of packed rows, in one transaction. */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE rowid = ?", table);
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	for (i = 0; rc == 0 && i < n; i += 3) {
		sqlite3_bind_int64(st, 1, b[i].id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
		b[i].id = -1;
	}
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql),
	    "UPDATE \"%s\" SET x0 = ?2, x1 = ?3, y0 = ?4, y1 = ?5 WHERE "
	    "rowid = ?1",
	    table);
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	for (i = 1; rc == 0 && i < n; i += 5) {
		if (b[i].id == -1)
			continue;
		b[i].c[0] = rnd_in(-900000000, 800000000);
		b[i].c[1] = b[i].c[0] + rnd_in(0, 100000000);
		b[i].c[2] = rnd_in(-900000000, 800000000);
		b[i].c[3] = b[i].c[2] + rnd_in(0, 100000000);
		sqlite3_bind_int64(st, 1, b[i].id);
		for (k = 0; k < 4; k++)
			sqlite3_bind_int64(st, 2 + k, b[i].c[k]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	for (i = 0; i < n + ins; i++)
		if (b[i].id != -1)
			b[m++] = b[i];
	ok(rc == 0 && rtree_ok(table),
	    "%s: deletes and updates after the pack: rtreecheck ok", table);
	ok(queries_equal(table, ndims, b, m, 100, 900000000) &&
		rows_equal(table, ndims, naux, b, m),
	    "%s: %zu rows after them, read back and found exactly", table, m);
	ok(pack(table, ndims, naux, b, m, 90) == 0 && rtree_ok(table) &&
		rows_equal(table, ndims, naux, b, m),
	    "%s: packed again over a live tree: replaced", table);
	live_rows = m;
	free(b);
}

int
main(void)
{
	char tmpl[] = "/tmp/truce-rtree.XXXXXX", path[256], *dir;
	struct sqlite_rtree_box one;

	dir = mkdtemp(tmpl);
	snprintf(path, sizeof(path), "%s/rtree.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
		"PRAGMA page_size = 4096; PRAGMA synchronous = OFF;"
		"CREATE VIRTUAL TABLE obs USING rtree_i32(id, x0, x1, y0, y1, "
		"t0, t1, c0, c1);"
		"CREATE VIRTUAL TABLE \"inc t\" USING rtree_i32(rid, x0, x1, "
		"y0, y1, t0, t1, +grp, +kind);",
		NULL, NULL, NULL) != SQLITE_OK) {
		printf("Bail out! %s\n", sqlite3_errmsg(db));
		return 1;
	}
	/* The format this module writes, as SQLite 3.x makes it. */
	ok(sql_int("SELECT length(data) FROM obs_node WHERE nodeno = 1") ==
		4 + 40 * MAX_CELLS,
	    "4 dimensions: 2044-byte nodes (4 + 51 cells of 40 bytes)");
	ok(sql_int("SELECT length(data) FROM \"inc t_node\" WHERE nodeno = "
		   "1") == 4 + 32 * MAX_CELLS,
	    "3 dimensions: 1636-byte nodes");

	case_pack("obs", 4, 0, 0, 90, 0);
	case_pack("obs", 4, 0, 1, 90, 0);
	case_pack("obs", 4, 0, MAX_CELLS, 90, 0);
	case_pack("obs", 4, 0, MAX_CELLS + 1, 90, 1);
	case_pack("obs", 4, 0, 46, 90, 0);
	case_pack("obs", 4, 0, 2000, 100, 1);
	/* 100,000 rows at 45 a node: 2,223 leaves, 50 nodes above them,
	 * the root. */
	case_pack("obs", 4, 0, 100000, 90, 2);
	case_pack("inc t", 3, 2, 0, 90, 0);
	case_pack("inc t", 3, 2, 1, 90, 0);
	case_pack("inc t", 3, 2, 5000, 90, 2);
	case_live("inc t", 3, 2, 3000, 500);
	case_live("obs", 4, 0, 20000, 2000);

	/* Misuse. */
	memset(&one, 0, sizeof(one));
	one.id = 1;
	ok(sqlite_rtree_pack(db, "obs", 4, 0, &one, 1, 90) == -1 &&
		rtree_ok("obs"),
	    "outside a transaction: refused, the tree untouched");
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	ok(sqlite_rtree_pack(db, "obs", 4, 0, &one, SQLITE_RTREE_MAX_BOXES + 1,
	       90) == -1,
	    "more rows than SQLITE_RTREE_MAX_BOXES: refused");
	ok(sqlite_rtree_pack(db, "obs", 4, 0, &one, 1, 40) == -1 &&
		sqlite_rtree_pack(db, "obs", 5, 0, &one, 1, 90) == -1,
	    "a fill under 50 %%, 5 dimensions: refused");
	ok(sqlite_rtree_pack(db, "nothing", 4, 0, &one, 1, 90) == -1,
	    "no such R*Tree: an error");
	/* A defensive connection keeps shadow tables read-only. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	ok(sqlite_rtree_pack(db, "obs", 4, 0, &one, 1, 90) == -1,
	    "shadow tables read-only (SQLITE_DBCONFIG_DEFENSIVE): an error");
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	ok(rtree_ok("obs") &&
		sql_int("SELECT count(*) FROM obs") == (int64_t)live_rows,
	    "and the tree is what it was");

	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
