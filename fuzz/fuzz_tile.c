/*
 * fuzz_tile: what a tlog-tiles client and server read (tlog/tile.h): a
 * tile path as the server's GET /tile/... route takes it, an entry bundle
 * as `truce audit` receives it, and hashes read out of tile bytes. The
 * first input byte picks the width of the bundle (1..256); the rest is
 * the path (up to the first NUL) and, after it, the bundle and tile bytes.
 *
 * Promises checked: a path that parses formats back to itself; a bundle
 * that parses has exactly its width of entries, in order, covering the
 * bytes with their length prefixes and nothing else.
 */
#include "tlog/tile.h"

#include "fuzz.h"

static void
path(const uint8_t *p, size_t len)
{
	struct tile t;
	char buf[TILE_PATH_MAX];

	if (tile_path_parse((const char *)p, len, &t) == -1)
		return;
	FUZZ_CHECK(tile_path_format(&t, buf, sizeof(buf)) == 0);
	FUZZ_CHECK(strlen(buf) == len && memcmp(buf, p, len) == 0);
	FUZZ_CHECK(t.width >= 1 && t.width <= TILE_WIDTH);
}

static void
bundle(const uint8_t *b, size_t len, int width)
{
	static struct tile_entry entries[TILE_WIDTH];
	char err[256];
	size_t used = 0;
	int i;

	if (tile_entries_parse(b, len, width, entries, err, sizeof(err)) == -1)
		return;
	for (i = 0; i < width; i++) {
		FUZZ_CHECK(entries[i].data == b + used + 2);
		FUZZ_CHECK(entries[i].len == ((size_t)b[used] << 8 |
		    b[used + 1]));
		used += 2 + entries[i].len;
	}
	FUZZ_CHECK(used == len);
}

/* Hashes of a tile whose coordinates come from the path's tile. */
static void
hashes(const uint8_t *p, size_t plen, const uint8_t *d, size_t len)
{
	uint8_t out[MERKLE_HASH_SIZE];
	struct tile t;
	int64_t index;

	if (tile_path_parse((const char *)p, plen, &t) == -1 ||
	    t.level == TILE_LEVEL_ENTRIES || len < 8)
		return;
	memcpy(&index, d, sizeof(index));
	(void)tile_hash_from_data(&t, d + 8, len - 8, index, out);
	if (tile_for_index(index, &t) == 0)
		FUZZ_CHECK(t.width >= 1 && t.width <= TILE_WIDTH);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul;
	size_t plen;

	if (size < 1)
		return 0;
	nul = memchr(data + 1, '\0', size - 1);
	plen = nul ? (size_t)(nul - data - 1) : size - 1;
	path(data + 1, plen);
	if (nul != NULL) {
		bundle(nul + 1, size - plen - 2, data[0] + 1);
		hashes(data + 1, plen, nul + 1, size - plen - 2);
	}
	return 0;
}
