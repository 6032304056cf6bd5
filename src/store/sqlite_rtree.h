/*
 * sqlite_rtree: the bulk load of a SQLite R*Tree whose rows are all known
 * in advance (the store's bulk finish, `truce rebuild`). SQLite has no such
 * path: its rtree module inserts one row at a time (ChooseLeaf, then split
 * or reinsert), 8-10 us a row whatever the order (bench/RESULTS.md, "Bulk
 * load"). This module packs the tree instead, the way a sorted GiST build
 * (PostGIS) or a packed R-tree does: Sort-Tile-Recursive (Leutenegger,
 * Lopez and Edgington, "STR: a simple and efficient algorithm for R-tree
 * packing", ICDE 1997) at each level, leaves first, and writes the
 * virtual table's three shadow tables directly, in the format SQLite's
 * ext/rtree/rtree.c defines (stable since 3.8; checked on 3.40.1):
 *
 *   %_node(nodeno INTEGER PRIMARY KEY, data)   one blob per node, all of
 *       the root's length (page size - 64 at creation, or 4 + 51 cells if
 *       smaller): 2-byte big-endian depth (meaningful in the root, node 1;
 *       0 elsewhere), 2-byte cell count, then the cells: an 8-byte
 *       big-endian rowid (leaf) or child node number, then 2 coordinates
 *       per dimension (min, max), 4 bytes each, big-endian int32 for
 *       rtree_i32 (this module writes rtree_i32 only); zero padding.
 *   %_parent(nodeno INTEGER PRIMARY KEY, parentnode)   every non-root
 *       node's parent.
 *   %_rowid(rowid INTEGER PRIMARY KEY, nodeno, a0, a1, ...)   every row's
 *       leaf, then its auxiliary (+name) columns.
 *
 * The result is an ordinary R*Tree: SQLite's own rtreecheck() accepts it,
 * and later inserts, deletes and updates through the virtual table split
 * and condense its nodes as in any other. Each non-root node is filled to
 * fill_pct of its capacity (the last two of a level shared so that none
 * holds fewer than the module's minimum, a third); the root holds what is
 * left.
 *
 * Memory: the caller's array of boxes (64 bytes each) is sorted in place,
 * plus the C library's sort buffer of the same size and the upper levels
 * (1/fill of the level below): about 140 MB for 1,000,000 boxes at most,
 * bounded by SQLITE_RTREE_MAX_BOXES. Cost: a few sorts of the boxes (one
 * per dimension and level, O(n log n)) and one B-tree append per node and
 * per row. Uses the caller's connection; no other thread may use it.
 */
#ifndef TRUCE_SQLITE_RTREE_H
#define TRUCE_SQLITE_RTREE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define SQLITE_RTREE_MAX_DIMS 4 /* the store's trees have 3 and 4 */
#define SQLITE_RTREE_MAX_AUX 2	/* auxiliary columns */
/* Boxes one pack may hold in memory: 4,194,304 x 64 bytes = 256 MiB (and
 * as much again for the sort). A caller with more inserts row by row. */
#define SQLITE_RTREE_MAX_BOXES ((size_t)1 << 22)

/* One row of the tree: its rowid, its auxiliary columns' values, and its
 * box in the table's column order (min0, max0, min1, max1, ...). */
struct sqlite_rtree_box {
	int64_t id;
	int64_t node; /* set by sqlite_rtree_pack: the node that holds it */
	int64_t aux[SQLITE_RTREE_MAX_AUX];
	int32_t c[2 * SQLITE_RTREE_MAX_DIMS];
};

/*
 * Replaces every row of the rtree_i32 virtual table `table` of db (ndims
 * dimensions, naux auxiliary columns, both as it was created with) by
 * boxes[0..n-1], packed with each non-root node fill_pct % full (50 to
 * 100). boxes is reordered (the caller keeps ownership); ids must be
 * distinct and every min <= its max. The caller holds a write transaction
 * in which the virtual table itself has not been used yet (its node cache
 * would be stale), and commits or rolls back; on error the shadow tables
 * are half written and the transaction must be rolled back. n must not
 * exceed SQLITE_RTREE_MAX_BOXES. 0, or -1 with the error logged (naming
 * the table and what failed).
 */
int sqlite_rtree_pack(sqlite3 *db, const char *table, int ndims, int naux,
    struct sqlite_rtree_box *boxes, size_t n, int fill_pct);

#endif
