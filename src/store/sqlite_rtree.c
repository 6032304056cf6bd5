/*
 * sqlite_rtree: a SQLite R*Tree packed from known boxes (see
 * sqlite_rtree.h: Sort-Tile-Recursive, SQLite's shadow-table format).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "store/sqlite_rtree.h"

#define NODE_HEADER 4	    /* depth (root only), cell count */
#define MAX_NODE_SIZE 65472 /* page size (65536 at most) - 64 */

/* Sort-Tile-Recursive orders by each dimension's centre (min + max, no
 * halving needed to compare), ties by rowid: the same rows give the same
 * tree. */
static int
by_centre(const struct sqlite_rtree_box *a, const struct sqlite_rtree_box *b,
    int d)
{
	int64_t ka = (int64_t)a->c[2 * d] + a->c[2 * d + 1];
	int64_t kb = (int64_t)b->c[2 * d] + b->c[2 * d + 1];

	if (ka != kb)
		return ka < kb ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

#define BY_DIM(d)                                          \
	static int by_dim##d(const void *a, const void *b) \
	{                                                  \
		return by_centre(a, b, d);                 \
	}
BY_DIM(0)
BY_DIM(1)
BY_DIM(2)
BY_DIM(3)

static int (*const by_dim[SQLITE_RTREE_MAX_DIMS])(const void *,
    const void *) = { by_dim0, by_dim1, by_dim2, by_dim3 };

static int
by_id(const void *a, const void *b)
{
	const struct sqlite_rtree_box *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The least s with s^k >= pages (k >= 1): slabs per dimension. */
static size_t
slabs_for(size_t pages, int k)
{
	size_t s = 1, p;
	int i;

	if (k == 1)
		return pages;
	for (;; s++) {
		for (p = 1, i = 0; i < k && p < pages; i++)
			p *= s;
		if (p >= pages)
			return s;
	}
}

/*
 * STR (Leutenegger et al. 1997, generalised to d dimensions): sorted by
 * dimension dim, cut into slabs of whole nodes, each slab ordered the
 * same way by the next dimensions; the last dimension's order is final,
 * and runs of `per` boxes then make the nodes.
 */
static void
str_order(struct sqlite_rtree_box *b, size_t n, int dim, int ndims, size_t per)
{
	size_t pages, slab, i;

	qsort(b, n, sizeof(*b), by_dim[dim]);
	if (dim == ndims - 1 || n <= per)
		return;
	pages = (n + per - 1) / per;
	slab = slabs_for(pages, ndims - dim);
	slab = per * ((pages + slab - 1) / slab);
	for (i = 0; i < n; i += slab)
		str_order(b + i, n - i < slab ? n - i : slab, dim + 1, ndims,
		    per);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = (uint8_t)(u >> 24);
	p[1] = (uint8_t)(u >> 16);
	p[2] = (uint8_t)(u >> 8);
	p[3] = (uint8_t)u;
}

static void
put64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(u >> (56 - 8 * i));
}

struct pack {
	sqlite3 *db;
	const char *table;
	int ndims, naux;
	size_t node_size, cell_size, max_cells;
	sqlite3_stmt *node, *parent, *rowid;
	uint8_t *blob;
};

static int
fail(struct pack *p, const char *what)
{
	log_warnx("store: R*Tree %s: %s: %s", p->table, what,
	    sqlite3_errmsg(p->db));
	return -1;
}

static int
step(struct pack *p, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(p, what);

	sqlite3_reset(st);
	return rc;
}

/* Prepares fmt with the table's name (quoted) in each %w. */
static int
prep(struct pack *p, const char *fmt, sqlite3_stmt **st)
{
	char *sql = sqlite3_mprintf(fmt, p->table, p->table, p->table);
	int rc = 0;

	if (sql == NULL)
		return fail(p, "out of memory");
	if (sqlite3_prepare_v2(p->db, sql, -1, st, NULL) != SQLITE_OK)
		rc = fail(p, sql);
	sqlite3_free(sql);
	return rc;
}

/* Writes node nodeno (depth: the root's, else 0) holding b[0..n-1]; sets
 * each box's node, and *mbr to the node's bounding box. */
static int
write_node(struct pack *p, int64_t nodeno, int depth,
    struct sqlite_rtree_box *b, size_t n, struct sqlite_rtree_box *mbr)
{
	uint8_t *q = p->blob + NODE_HEADER;
	size_t i;
	int k;

	memset(p->blob, 0, p->node_size);
	put16(p->blob, (unsigned)depth);
	put16(p->blob + 2, (unsigned)n);
	memset(mbr, 0, sizeof(*mbr));
	mbr->id = nodeno;
	for (i = 0; i < n; i++) {
		put64(q, b[i].id);
		q += 8;
		for (k = 0; k < 2 * p->ndims; k++, q += 4)
			put32(q, b[i].c[k]);
		for (k = 0; k < p->ndims; k++) {
			if (i == 0 || b[i].c[2 * k] < mbr->c[2 * k])
				mbr->c[2 * k] = b[i].c[2 * k];
			if (i == 0 || b[i].c[2 * k + 1] > mbr->c[2 * k + 1])
				mbr->c[2 * k + 1] = b[i].c[2 * k + 1];
		}
		b[i].node = nodeno;
	}
	sqlite3_bind_int64(p->node, 1, nodeno);
	sqlite3_bind_blob(p->node, 2, p->blob, (int)p->node_size,
	    SQLITE_STATIC);
	return step(p, p->node, "write node");
}

/* The rows' leaves (%_rowid), in rowid order: appended to its B-tree. */
static int
write_rowids(struct pack *p, struct sqlite_rtree_box *b, size_t n)
{
	size_t i;
	int k;

	if (n > 1) /* b may be NULL when n is 0 */
		qsort(b, n, sizeof(*b), by_id);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(p->rowid, 1, b[i].id);
		sqlite3_bind_int64(p->rowid, 2, b[i].node);
		for (k = 0; k < p->naux; k++)
			sqlite3_bind_int64(p->rowid, 3 + k, b[i].aux[k]);
		if (step(p, p->rowid, "write rowid") == -1)
			return -1;
	}
	return 0;
}

/* The nodes' parents (%_parent). */
static int
write_parents(struct pack *p, const struct sqlite_rtree_box *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(p->parent, 1, b[i].id);
		sqlite3_bind_int64(p->parent, 2, b[i].node);
		if (step(p, p->parent, "write parent") == -1)
			return -1;
	}
	return 0;
}

/*
 * Packs one level of n entries into nodes numbered from *next on: its
 * nodes' boxes are returned (NULL on error), their count in *nup. Runs of
 * per entries; the last two runs are shared evenly when the last would
 * hold fewer than a third of a node (SQLite's own minimum, which its
 * deletes keep).
 */
static struct sqlite_rtree_box *
pack_level(struct pack *p, struct sqlite_rtree_box *b, size_t n, size_t per,
    int64_t *next, size_t *nup)
{
	struct sqlite_rtree_box *up;
	size_t nodes = (n + per - 1) / per, i, at, len, last, min;

	str_order(b, n, 0, p->ndims, per);
	if ((up = calloc(nodes, sizeof(*up))) == NULL) {
		log_warnx("store: R*Tree %s: out of memory (%zu nodes)",
		    p->table, nodes);
		return NULL;
	}
	min = p->max_cells / 3;
	last = n - (nodes - 1) * per;
	for (i = 0, at = 0; i < nodes; i++, at += len) {
		len = per;
		if (nodes >= 2 && last < min && i >= nodes - 2)
			len = i == nodes - 2 ? (per + last + 1) / 2 : n - at;
		else if (i == nodes - 1)
			len = n - at;
		if (write_node(p, (*next)++, 0, b + at, len, &up[i]) == -1) {
			free(up);
			return NULL;
		}
	}
	*nup = nodes;
	return up;
}

int
sqlite_rtree_pack(sqlite3 *db, const char *table, int ndims, int naux,
    struct sqlite_rtree_box *boxes, size_t n, int fill_pct)
{
	struct pack p;
	struct sqlite_rtree_box *level = boxes, *up = NULL, root;
	sqlite3_stmt *st = NULL;
	size_t count = n, nup = 0, per;
	int64_t next = 2;
	int depth = 0, rc = -1;
	char *sql;

	memset(&p, 0, sizeof(p));
	p.db = db;
	p.table = table;
	p.ndims = ndims;
	p.naux = naux;
	if (ndims < 1 || ndims > SQLITE_RTREE_MAX_DIMS || naux < 0 ||
	    naux > SQLITE_RTREE_MAX_AUX || fill_pct < 50 || fill_pct > 100) {
		log_warnx("store: R*Tree %s: %d dimensions (1 to %d), %d "
			  "auxiliary columns (0 to %d), fill %d %% (50 to "
			  "100): out of range",
		    table, ndims, SQLITE_RTREE_MAX_DIMS, naux,
		    SQLITE_RTREE_MAX_AUX, fill_pct);
		return -1;
	}
	if (n > SQLITE_RTREE_MAX_BOXES) {
		log_warnx("store: R*Tree %s: %zu rows to pack, more than the "
			  "limit of %zu",
		    table, n, SQLITE_RTREE_MAX_BOXES);
		return -1;
	}
	if (sqlite3_get_autocommit(db)) {
		log_warnx("store: R*Tree %s: packed outside a transaction",
		    table);
		return -1;
	}
	/* The node size is the root's length (rtree.c's getNodeSize). */
	if ((sql = sqlite3_mprintf("SELECT length(data) FROM \"%w_node\" "
				   "WHERE nodeno = 1",
		 table)) == NULL)
		return fail(&p, "out of memory");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_free(sql);
		sqlite3_finalize(st);
		return fail(&p, "read the root's size");
	}
	sqlite3_free(sql);
	p.node_size = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	p.cell_size = 8 + 8 * (size_t)ndims;
	if (p.node_size < NODE_HEADER + 3 * p.cell_size ||
	    p.node_size > MAX_NODE_SIZE) {
		log_warnx("store: R*Tree %s: its root is %zu bytes (%zu to %d "
			  "for %d dimensions)",
		    table, p.node_size, NODE_HEADER + 3 * p.cell_size,
		    MAX_NODE_SIZE, ndims);
		return -1;
	}
	p.max_cells = (p.node_size - NODE_HEADER) / p.cell_size;
	per = p.max_cells * (size_t)fill_pct / 100;
	if (per < 2)
		per = 2;
	if ((p.blob = malloc(p.node_size)) == NULL) {
		log_warnx("store: R*Tree %s: out of memory", table);
		return -1;
	}
	if ((sql = sqlite3_mprintf("DELETE FROM \"%w_node\"; DELETE FROM "
				   "\"%w_parent\"; DELETE FROM \"%w_rowid\";",
		 table, table, table)) == NULL) {
		fail(&p, "out of memory");
		goto done;
	}
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_free(sql);
		fail(&p, "empty the shadow tables");
		goto done;
	}
	sqlite3_free(sql);
	if (prep(&p, "INSERT INTO \"%w_node\" VALUES(?, ?)", &p.node) == -1 ||
	    prep(&p, "INSERT INTO \"%w_parent\" VALUES(?, ?)", &p.parent) ==
		-1 ||
	    prep(&p,
		naux == 0	? "INSERT INTO \"%w_rowid\" VALUES(?, ?)"
		    : naux == 1 ? "INSERT INTO \"%w_rowid\" VALUES(?, ?, ?)"
				: "INSERT INTO \"%w_rowid\" VALUES(?, ?, ?, ?)",
		&p.rowid) == -1)
		goto done;
	/* Levels from the leaves up, until one fits in the root. */
	while (count > p.max_cells) {
		if ((up = pack_level(&p, level, count, per, &next, &nup)) ==
		    NULL)
			goto done;
		if ((depth == 0 ? write_rowids(&p, level, count)
				: write_parents(&p, level, count)) == -1)
			goto done;
		if (level != boxes)
			free(level);
		level = up;
		up = NULL;
		count = nup;
		depth++;
	}
	if (write_node(&p, 1, depth, level, count, &root) == -1 ||
	    (depth == 0 ? write_rowids(&p, level, count)
			: write_parents(&p, level, count)) == -1)
		goto done;
	rc = 0;
done:
	if (level != boxes)
		free(level);
	free(up);
	sqlite3_finalize(p.node);
	sqlite3_finalize(p.parent);
	sqlite3_finalize(p.rowid);
	free(p.blob);
	return rc;
}
