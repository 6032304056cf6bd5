/*
 * Unit test of tlog/tile beyond tlog_tiles.json: a log publishes its tiles
 * for several tree sizes (tile_new_tiles + tile_read_data), a client reads
 * hashes back through tile_hash_reader and gets the same tree hashes and
 * proofs as the log; a tampered tile is caught; entry bundles round-trip
 * and malformed ones are refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/memlog.h"
#include "tlog/merkle.h"
#include "tlog/tile.h"
#include "tap.h"

#define H MERKLE_HASH_SIZE
#define MAX_TILES 4096

/* The published tiles, as a static web server would hold them. */
struct store {
	struct tile t[MAX_TILES];
	uint8_t *data[MAX_TILES];
	size_t len[MAX_TILES];
	size_t n;
	struct memlog *log;
	int fetches;
	int corrupt; /* flip a byte of every fetched tile at this level + 1 */
	uint8_t scratch[TILE_FULL_BYTES];
};

static int
publish(void *ctx, const struct tile *t)
{
	struct store *s = ctx;
	size_t i, len = (size_t)t->width * H;

	for (i = 0; i < s->n; i++)
		if (s->t[i].level == t->level && s->t[i].n == t->n &&
		    s->t[i].width == t->width)
			return 0;
	if (s->n >= MAX_TILES || (s->data[s->n] = malloc(len)) == NULL)
		return -1;
	if (tile_read_data(t, memlog_read, s->log, s->data[s->n], len) == -1) {
		free(s->data[s->n]);
		return -1;
	}
	s->t[s->n] = *t;
	s->len[s->n++] = len;
	return 0;
}

static int
fetch(void *ctx, const struct tile *t, const uint8_t **data, size_t *len)
{
	struct store *s = ctx;
	size_t i;

	s->fetches++;
	for (i = 0; i < s->n; i++)
		if (s->t[i].level == t->level && s->t[i].n == t->n &&
		    s->t[i].width == t->width) {
			*data = s->data[i];
			*len = s->len[i];
			if (s->corrupt == t->level + 1) {
				memcpy(s->scratch, s->data[i], s->len[i]);
				s->scratch[s->len[i] - 1] ^= 0x40;
				*data = s->scratch;
			}
			return 0;
		}
	return -1;
}

static void
test_reader(void)
{
	static struct store s;
	static const int64_t sizes[] = { 1, 255, 256, 257, 511, 4000, 65536,
		70000 };
	struct tile_hash_reader *r;
	uint8_t leaf[H], root[H], got[H];
	uint8_t p1[MERKLE_MAX_PROOF][H], p2[MERKLE_MAX_PROOF][H];
	size_t l1, l2, k, i;
	int64_t size, prev = 0, j;
	uint32_t x;
	int bad = 0;

	s.log = memlog_new();
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size = sizes[k];
		for (x = (uint32_t)prev; x < (uint32_t)size; x++) {
			merkle_leaf_hash((const uint8_t *)&x, sizeof(x), leaf);
			memlog_append(s.log, leaf);
		}
		ok(tile_new_tiles(prev, size, publish, &s) == 0,
		    "publish tiles for %lld -> %lld", (long long)prev,
		    (long long)size);
		prev = size;

		merkle_tree_hash(size, memlog_read, s.log, root);
		r = tile_hash_reader_new(size, root, fetch, &s);
		ok(r != NULL && merkle_tree_hash(size, tile_hash_reader_read, r,
				    got) == 0 &&
			memcmp(got, root, H) == 0,
		    "size %lld: tree hash from tiles", (long long)size);
		bad = 0;
		for (j = 0; j < size; j += 1 + size / 97) {
			if (merkle_prove_inclusion(j, size, memlog_read, s.log,
				p1, &l1) == -1 ||
			    merkle_prove_inclusion(j, size,
				tile_hash_reader_read, r, p2, &l2) == -1 ||
			    l1 != l2 || memcmp(p1, p2, l1 * H) != 0)
				bad++;
			if (j > 0 &&
			    (merkle_prove_consistency(j, size, memlog_read,
				 s.log, p1, &l1) == -1 ||
				merkle_prove_consistency(j, size,
				    tile_hash_reader_read, r, p2, &l2) == -1 ||
				l1 != l2 || memcmp(p1, p2, l1 * H) != 0))
				bad++;
		}
		is_int(bad, 0, "size %lld: proofs from tiles = proofs from the log",
		    (long long)size);
		tile_hash_reader_free(r);
	}

	/* A wrong root, or a tampered tile at any level, is caught. */
	size = 70000;
	merkle_tree_hash(size, memlog_read, s.log, root);
	root[0] ^= 1;
	r = tile_hash_reader_new(size, root, fetch, &s);
	is_int(merkle_tree_hash(size, tile_hash_reader_read, r, got), -1,
	    "tiles do not authenticate against a wrong root");
	tile_hash_reader_free(r);
	root[0] ^= 1;
	for (s.corrupt = 1; s.corrupt <= 3; s.corrupt++) {
		r = tile_hash_reader_new(size, root, fetch, &s);
		bad = 0;
		for (j = 0; j < size; j += 1111)
			if (merkle_prove_inclusion(j, size,
				tile_hash_reader_read, r, p2, &l2) == 0)
				bad++;
		is_int(bad, 0, "tampered level-%d tiles are refused",
		    s.corrupt - 1);
		tile_hash_reader_free(r);
	}
	s.corrupt = 0;
	r = tile_hash_reader_new(size, root, fetch, &s);
	is_int(tile_hash_reader_read(r,
		   &(int64_t) { merkle_stored_hash_count(size) }, 1, &got),
	    -1, "an index beyond the tree is refused");
	tile_hash_reader_free(r);
	r = tile_hash_reader_new(0, root, fetch, &s);
	is_int(merkle_tree_hash(0, tile_hash_reader_read, r, got), 0,
	    "empty tree: no tiles needed");
	is_int(tile_hash_reader_read(r, &(int64_t) { 0 }, 1, &got), -1,
	    "empty tree: no hash to read");
	tile_hash_reader_free(r);

	for (i = 0; i < s.n; i++)
		free(s.data[i]);
	memlog_free(s.log);
}

static int
count_tiles(void *ctx, const struct tile *t)
{
	(void)t;
	(*(int *)ctx)++;
	return 0;
}

static void
test_coordinates(void)
{
	struct tile t;
	char buf[TILE_PATH_MAX];
	int n = 0;
	static const char *bad[] = { "tile/0/001.p/", "tile/0/001.p/01",
		"tile/0/x000/001", "tile/0/01", "tile/0/0001", "tile/-1/000",
		"tile/0/001/", "/tile/0/001", "tile/entries/x001",
		"tile/data/000", "tile/0/001.q/3", "tile/0/001.p/1x",
		"tile/0/x99999999999999999/000", "tile/1/000.p/0", "tile//000" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(tile_path_parse(bad[i], strlen(bad[i]), &t), -1,
		    "path %s refused", bad[i]);
	ok(tile_path_parse("tile/entries/x001/x234/067.p/7", 30, &t) == 0 &&
		t.level == TILE_LEVEL_ENTRIES && t.n == 1234067 && t.width == 7,
	    "entry bundle path parses");
	is_int(tile_path_parse("tile/0/000\0", 11, &t), -1,
	    "embedded NUL refused");
	t.level = 0;
	t.n = 5;
	t.width = 0;
	is_int(tile_path_format(&t, buf, sizeof(buf)), -1, "width 0 refused");
	t.width = 256;
	is_int(tile_path_format(&t, buf, 10), -1, "short buffer refused");

	ok(tile_new_tiles(0, 70000, count_tiles, &n) == 0 && n == 273 + 1 + 1 + 1 + 1,
	    "70000 leaves publish 277 hash tiles (got %d)", n);
	n = 0;
	ok(tile_new_tiles(70000, 70001, count_tiles, &n) == 0 && n == 1,
	    "one more leaf republishes one partial tile (got %d)", n);
	n = 0;
	ok(tile_new_tiles(65535, 65536, count_tiles, &n) == 0 && n == 3,
	    "65536 completes a level-0 and a level-1 tile, adds level 2");
	is_int(tile_new_tiles(5, 4, count_tiles, &n), -1, "shrinking refused");

	ok(tile_for_index(merkle_stored_hash_index(8, 3), &t) == 0 &&
		t.level == 1 && t.n == 0 && t.width == 4,
	    "level-8 hash 3 sits in tile 1/0 width 4");
	ok(tile_for_index(merkle_stored_hash_index(3, 40), &t) == 0 &&
		t.level == 0 && t.n == 1 && t.width == 8 * 9,
	    "level-3 hash 40 needs 72 leaf hashes of tile 0/1");
	ok(tile_for_size(0, 273, 70000, &t) == 0 && t.width == 112,
	    "tile 0/273 of 70000 is partial, 112 wide");
	is_int(tile_for_size(0, 274, 70000, &t), -1, "tile 0/274 of 70000 does not exist");
}

static void
test_bundles(void)
{
	uint8_t buf[600], big[TILE_ENTRY_MAX + 1];
	struct tile_entry e[TILE_WIDTH];
	char err[128];
	size_t len = 0;

	memset(big, 'a', sizeof(big));
	ok(tile_entries_append(buf, sizeof(buf), &len,
	       (const uint8_t *)"hello", 5) == 0 &&
		tile_entries_append(buf, sizeof(buf), &len, NULL, 0) == 0 &&
		tile_entries_append(buf, sizeof(buf), &len, big, 300) == 0 &&
		len == 7 + 2 + 302,
	    "three entries appended");
	ok(tile_entries_parse(buf, len, 3, e, err, sizeof(err)) == 0 &&
		e[0].len == 5 && memcmp(e[0].data, "hello", 5) == 0 &&
		e[1].len == 0 && e[2].len == 300 && e[2].data == buf + 11,
	    "bundle splits into its entries");
	is_int(tile_entries_parse(buf, len, 2, e, err, sizeof(err)), -1,
	    "more entries than the width: %s", err);
	is_int(tile_entries_parse(buf, len, 4, e, err, sizeof(err)), -1,
	    "fewer entries than the width: %s", err);
	is_int(tile_entries_parse(buf, len - 1, 3, e, err, sizeof(err)), -1,
	    "truncated entry: %s", err);
	is_int(tile_entries_parse(buf, 1, 1, e, err, sizeof(err)), -1,
	    "truncated length: %s", err);
	is_int(tile_entries_parse(buf, len, 0, e, err, sizeof(err)), -1,
	    "width 0: %s", err);
	is_int(tile_entries_append(buf, sizeof(buf), &len, big, sizeof(big)),
	    -1, "an entry of 65536 bytes does not fit a uint16 length");
	is_int(tile_entries_append(buf, sizeof(buf), &len, big, 400), -1,
	    "an entry that does not fit the buffer is refused");
	is_int(len, 311, "a refused append leaves the bundle alone");
}

int
main(void)
{
	if (sodium_init() == -1)
		return 1;
	test_coordinates();
	test_bundles();
	test_reader();
	return done_testing();
}
