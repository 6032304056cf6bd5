/*
 * tile: the C2SP tlog-tiles encoding of the Merkle tree (c2sp.org/tlog-tiles,
 * tile height 8): tile and entry-bundle paths, which stored hashes
 * (tlog/merkle.h) make up a tile, which tiles a tree size publishes, reading
 * hashes back out of tile bytes on the client side (after Go's
 * golang.org/x/mod/sumdb/tlog TileForIndex, HashFromTile, NewTiles,
 * ReadTileData and TileHashReader), and entry bundles. Pure: the caller does
 * all fetching and storing.
 *
 * A tile at level L holds up to 256 consecutive hashes of Merkle level 8L;
 * tile N of level L covers leaves [N * 256^(L+1), (N + 1) * 256^(L+1)). A
 * tile of width W < 256 is partial (path suffix ".p/W"). An entry bundle is
 * the level-0 tile's leaves themselves: here it is a struct tile with level
 * TILE_LEVEL_ENTRIES (as Go uses L = -1 for data tiles).
 */
#ifndef TRUCE_TILE_H
#define TRUCE_TILE_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"

#define TILE_HEIGHT 8
#define TILE_WIDTH 256 /* hashes or entries in a full tile */
#define TILE_FULL_BYTES (TILE_WIDTH * MERKLE_HASH_SIZE) /* 8192 */
#define TILE_LEVEL_ENTRIES (-1)
#define TILE_MAX_LEVEL 63		    /* largest L a path may carry */
#define TILE_MAX_N (INT64_MAX / TILE_WIDTH) /* largest N a path may carry */
#define TILE_PATH_MAX 64		    /* longest path + NUL */
#define TILE_ENTRY_MAX 65535		    /* opaque TileLeaf<0..2^16-1> */

/* A tile's coordinates; callers hold these on the stack. */
struct tile {
	int level; /* 0..63, or TILE_LEVEL_ENTRIES for an entry bundle */
	int64_t n; /* index within the level, 0..TILE_MAX_N */
	int width; /* 1..256; 256 is a full tile */
};

/* One entry of a parsed bundle: points into the caller's bundle bytes. */
struct tile_entry {
	const uint8_t *data;
	size_t len;
};

/*
 * Writes the path encoding of tile index n ("x001/x234/067" for 1234067:
 * 3-digit groups, all but the last prefixed with x) and a NUL to buf.
 * Returns -1 if n is negative or buf (len bytes) is too small.
 */
int tile_index_format(int64_t n, char *buf, size_t len);

/*
 * Writes "tile/<L>/<N>[.p/<W>]" or, for an entry bundle,
 * "tile/entries/<N>[.p/<W>]" and a NUL to buf (TILE_PATH_MAX is enough).
 * Returns -1 for coordinates out of range or a buffer too small.
 */
int tile_path_format(const struct tile *t, char *buf, size_t len);

/*
 * Parses path[0..len-1] (no URL prefix, no leading slash) into *t. Strict:
 * L in 0..63 and W in 1..255 without leading zeros, N in canonical groups,
 * ".p/256" refused (that is the full tile); any path that does not format
 * back to itself is refused. Returns -1 (t untouched) on any error.
 */
int tile_path_parse(const char *path, size_t len, struct tile *t);

/*
 * The tiles of level `level` (>= 0) that a tree of tree_size leaves
 * publishes: *full complete tiles (N = 0 .. *full - 1) and, if *partial > 0,
 * one partial tile N = *full of width *partial (floor(size / 256^L) mod
 * 256). Entry bundles are those of level 0. Returns -1 for arguments out of
 * range.
 */
int tile_level_count(int64_t tree_size, int level, int64_t *full, int *partial);

/*
 * The published tile (level, n) of a tree of tree_size leaves, full or
 * partial, into *t. Returns -1 if that tile does not exist (yet).
 */
int tile_for_size(int level, int64_t n, int64_t tree_size, struct tile *t);

/*
 * Called by tile_new_tiles for each tile; returning -1 stops the walk.
 */
typedef int (*tile_visit_fn)(void *ctx, const struct tile *t);

/*
 * Calls visit for every hash tile a log must publish when it grows from
 * old_size to new_size leaves (Go's NewTiles, height 8): per level, the
 * tiles that became full and the new partial tile, level 0 first. The entry
 * bundles to publish are the level-0 tiles' (same N and width). Returns 0,
 * or -1 for bad sizes (old_size > new_size, out of range) or if visit
 * returned -1. Cost: one call per tile.
 */
int tile_new_tiles(int64_t old_size, int64_t new_size, tile_visit_fn visit,
    void *ctx);

/*
 * Stored hash indexes (tlog/merkle.h) of the t->width hashes of hash tile t,
 * in tile order, into indexes (room for TILE_WIDTH). Returns -1 for an
 * entry bundle or a tile beyond MERKLE_MAX_TREE_SIZE.
 */
int tile_hash_indexes(const struct tile *t, int64_t *indexes);

/*
 * Server side: the bytes of hash tile t (t->width * 32) into out (outlen
 * bytes, at least that), read through reader in one call. Returns -1 for a
 * bad tile, a short buffer or a failed read, with out untouched.
 */
int tile_read_data(const struct tile *t, merkle_read_fn reader, void *ctx,
    uint8_t *out, size_t outlen);

/*
 * The narrowest tile that holds the stored hash with this index (Go's
 * TileForIndex): its level L, index N and the width W it needs. Any tile
 * (L, N) of width >= W holds it. Returns -1 for a bad index.
 */
int tile_for_index(int64_t index, struct tile *t);

/*
 * Client side: the stored hash with this index, computed from the bytes of
 * hash tile t (data, exactly t->width * 32 bytes). Hashes below the tile's
 * level are rebuilt by hashing the tile's hashes (Go's HashFromTile).
 * Returns -1 if the tile does not hold that hash or len is wrong.
 */
int tile_hash_from_data(const struct tile *t, const uint8_t *data, size_t len,
    int64_t index, uint8_t out[MERKLE_HASH_SIZE]);

/*
 * Fetches tile t (always a published tile of the reader's tree size) for a
 * tile_hash_reader: sets *data and *len to its bytes, which must stay valid
 * until the next call. Returns 0, or -1 if the tile cannot be had (the
 * fetcher reports why). Callers should cache: a read may ask for the same
 * tile several times.
 */
typedef int (*tile_fetch_fn)(void *ctx, const struct tile *t,
    const uint8_t **data, size_t *len);

struct tile_hash_reader;

/*
 * A reader of stored hashes from the tiles of a tree of tree_size leaves
 * whose trusted root hash (from a verified checkpoint) is root, fetched
 * through fetch(ctx). Go's TileHashReader: before any hash is returned, the
 * tiles on the tree's right edge must hash to root, and every other tile
 * used must hash to its entry in its parent tile, up to an edge tile; so
 * every hash returned is authenticated by root. Returns NULL if out of
 * memory or tree_size is out of range. Free with tile_hash_reader_free.
 */
struct tile_hash_reader *tile_hash_reader_new(int64_t tree_size,
    const uint8_t root[MERKLE_HASH_SIZE], tile_fetch_fn fetch, void *ctx);

/* Frees r; tile_hash_reader_free(NULL) does nothing. */
void tile_hash_reader_free(struct tile_hash_reader *r);

/*
 * merkle_read_fn over a struct tile_hash_reader * (ctx): writes the stored
 * hashes with the given indexes (each < merkle_stored_hash_count(tree
 * size)) to out. Returns -1 if a fetch fails, a tile has the wrong length,
 * or tiles do not authenticate against the root (out may then hold some of
 * the hashes). Cost: up to 8 fetches per index, plus the right-edge tiles
 * on the first call.
 */
int tile_hash_reader_read(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[MERKLE_HASH_SIZE]);

/*
 * Splits an entry bundle (bundle[0..len-1]: entries as big-endian uint16
 * length || bytes, C2SP tlog-tiles) that must hold exactly width entries
 * (1..256) into entries[0..width-1], which point into bundle. Strict: a
 * truncated length or entry, fewer or more entries, or trailing bytes are
 * errors, described in err (errlen bytes). Returns 0 or -1.
 */
int tile_entries_parse(const uint8_t *bundle, size_t len, int width,
    struct tile_entry *entries, char *err, size_t errlen);

/*
 * Appends one entry (entrylen <= TILE_ENTRY_MAX bytes) to the bundle being
 * built in buf (cap bytes, *len used). Returns -1, buf unchanged, if the
 * entry is too long or does not fit.
 */
int tile_entries_append(uint8_t *buf, size_t cap, size_t *len,
    const uint8_t *entry, size_t entrylen);

#endif
