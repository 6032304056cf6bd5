/*
 * rtree_pack: N random 4-dimension points (the observations' tree: lon,
 * lat, minute, category over the gen.awk center's extent) into an empty
 * rtree_i32 table of a fresh SQLite file, in one transaction, either
 * packed (store/sqlite_rtree.c) or inserted row by row through the
 * virtual table as the apply path does; prints the CPU seconds of that
 * transaction and SQLite's rtreecheck(). bench/RESULTS.md, "Packed
 * R*Trees".
 *
 *   make build/release/truce
 *   cc -O2 -D_GNU_SOURCE -Isrc bench/ledger/rtree_pack.c \
 *       build/release/libtruce.a -lsqlite3 -lm -o /tmp/rtree_pack
 *   /tmp/rtree_pack FILE 1000000 packed|rows
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store/sqlite_rtree.h"

static double
cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct sqlite_rtree_box *b;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t x = 88172645463325252u;
	size_t n, i;
	double c0, c1;
	int rows, k, rc = 1;

	if (argc != 4 || (n = strtoul(argv[2], NULL, 10)) == 0 ||
	    n > SQLITE_RTREE_MAX_BOXES) {
		fprintf(stderr,
		    "usage: rtree_pack FILE N packed|rows "
		    "(N at most 4194304)\n");
		return 2;
	}
	rows = strcmp(argv[3], "rows") == 0;
	if ((b = calloc(n, sizeof(*b))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i].id = (int64_t)i + 1;
		b[i].c[0] = b[i].c[1] = 460000000 + (int32_t)(x % 10000000);
		b[i].c[2] = b[i].c[3] =
		    390000000 + (int32_t)((x >> 24) % 10000000);
		b[i].c[4] = b[i].c[5] =
		    28928160 + (int32_t)((x >> 40) % 213111);
		b[i].c[6] = b[i].c[7] = (int32_t)((x >> 50) % 12);
	}
	remove(argv[1]);
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db,
		"PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
		"PRAGMA cache_size=-262144;"
		"CREATE VIRTUAL TABLE t USING rtree_i32(idx, min_lon, max_lon, "
		"min_lat, max_lat, min_t, max_t, min_cat, max_cat);"
		"BEGIN",
		NULL, NULL, NULL) != SQLITE_OK)
		goto done;
	c0 = cpu_s();
	if (rows) {
		if (sqlite3_prepare_v2(db,
			"INSERT INTO t VALUES(?,?,?,?,?,?,?,?,?)", -1, &st,
			NULL) != SQLITE_OK)
			goto done;
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(st, 1, b[i].id);
			for (k = 0; k < 8; k++)
				sqlite3_bind_int(st, 2 + k, b[i].c[k]);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto done;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		st = NULL;
	} else if (sqlite_rtree_pack(db, "t", 4, 0, b, n, 90) == -1)
		goto done;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto done;
	c1 = cpu_s();
	if (sqlite3_prepare_v2(db, "SELECT rtreecheck('t')", -1, &st, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	printf("%s %zu boxes: %.2f s CPU (%.2f us a box), rtreecheck %.40s\n",
	    rows ? "row by row" : "packed", n, c1 - c0,
	    (c1 - c0) / (double)n * 1e6,
	    (const char *)sqlite3_column_text(st, 0));
	rc = 0;
done:
	if (rc != 0)
		fprintf(stderr, "rtree_pack: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(b);
	return rc;
}
