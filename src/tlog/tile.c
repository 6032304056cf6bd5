/*
 * tile: C2SP tlog-tiles paths, tile contents and the authenticating tile
 * hash reader (see tile.h; after golang.org/x/mod/sumdb/tlog/tile.go).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/tile.h"

/* Hash tiles that can exist in a tree of at most 2^62 leaves: L <= 7. */
#define TILE_MAX_HASH_LEVEL 7

struct tile_hash_reader {
	int64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	tile_fetch_fn fetch;
	void *ctx;
	int edge_ok; /* the right-edge hashes below matched root */
	size_t nedge;
	int64_t edge[MERKLE_MAX_PROOF]; /* stored indexes of MTH(D[0:size]) */
	uint8_t edge_hash[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
};

int
tile_index_format(int64_t n, char *buf, size_t len)
{
	char tmp[TILE_PATH_MAX], part[8];
	size_t used;
	int w;

	if (n < 0 || len == 0)
		return -1;
	w = snprintf(tmp, sizeof(tmp), "%03d", (int)(n % 1000));
	used = (size_t)w;
	while (n >= 1000) {
		n /= 1000;
		w = snprintf(part, sizeof(part), "x%03d/", (int)(n % 1000));
		if (used + (size_t)w >= sizeof(tmp))
			return -1;
		memmove(tmp + w, tmp, used + 1);
		memcpy(tmp, part, (size_t)w);
		used += (size_t)w;
	}
	if (used >= len)
		return -1;
	memcpy(buf, tmp, used + 1);
	return 0;
}

static int
tile_coords_ok(const struct tile *t)
{
	return t->level >= TILE_LEVEL_ENTRIES && t->level <= TILE_MAX_LEVEL &&
	    t->n >= 0 && t->n <= TILE_MAX_N && t->width >= 1 &&
	    t->width <= TILE_WIDTH;
}

int
tile_path_format(const struct tile *t, char *buf, size_t len)
{
	char idx[TILE_PATH_MAX], lvl[16], wid[16];
	int w;

	if (!tile_coords_ok(t) ||
	    tile_index_format(t->n, idx, sizeof(idx)) == -1)
		return -1;
	if (t->level == TILE_LEVEL_ENTRIES)
		snprintf(lvl, sizeof(lvl), "entries");
	else
		snprintf(lvl, sizeof(lvl), "%d", t->level);
	wid[0] = '\0';
	if (t->width < TILE_WIDTH)
		snprintf(wid, sizeof(wid), ".p/%d", t->width);
	w = snprintf(buf, len, "tile/%s/%s%s", lvl, idx, wid);
	if (w < 0 || (size_t)w >= len)
		return -1;
	return 0;
}

/* Parses 1-3 decimal digits at *p into *v (any leading zeros allowed). */
static int
parse_small(const char **p, int maxdigits, int *v)
{
	int d = 0;

	*v = 0;
	while (**p >= '0' && **p <= '9' && d < maxdigits) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		d++;
	}
	return d > 0 ? 0 : -1;
}

int
tile_path_parse(const char *path, size_t len, struct tile *t)
{
	char buf[TILE_PATH_MAX], canon[TILE_PATH_MAX];
	const char *p;
	struct tile x;
	int v, d;

	if (path == NULL || len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, path, len);
	buf[len] = '\0';
	if (strlen(buf) != len || strncmp(buf, "tile/", 5) != 0)
		return -1;
	p = buf + 5;
	if (strncmp(p, "entries/", 8) == 0) {
		x.level = TILE_LEVEL_ENTRIES;
		p += 8;
	} else {
		if (parse_small(&p, 2, &v) == -1 || v > TILE_MAX_LEVEL ||
		    *p++ != '/')
			return -1;
		x.level = v;
	}
	x.n = 0;
	for (;;) {
		int more = *p == 'x';

		if (more)
			p++;
		for (d = 0, v = 0; d < 3; d++, p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (x.n > (TILE_MAX_N - v) / 1000)
			return -1;
		x.n = x.n * 1000 + v;
		if (!more)
			break;
		if (*p++ != '/')
			return -1;
	}
	x.width = TILE_WIDTH;
	if (*p == '.') {
		if (strncmp(p, ".p/", 3) != 0)
			return -1;
		p += 3;
		if (parse_small(&p, 3, &v) == -1 || v < 1 || v >= TILE_WIDTH)
			return -1;
		x.width = v;
	}
	if (*p != '\0')
		return -1;
	/* Leading zeros, "x000/" groups and the like do not round-trip. */
	if (tile_path_format(&x, canon, sizeof(canon)) == -1 ||
	    strcmp(canon, buf) != 0)
		return -1;
	*t = x;
	return 0;
}

/* size >> (8 * level), defined for every level. */
static int64_t
level_shift(int64_t size, int level)
{
	return level * TILE_HEIGHT >= 63 ? 0 : size >> (level * TILE_HEIGHT);
}

int
tile_level_count(int64_t tree_size, int level, int64_t *full, int *partial)
{
	int64_t v;

	if (tree_size < 0 || tree_size > MERKLE_MAX_TREE_SIZE || level < 0 ||
	    level > TILE_MAX_LEVEL)
		return -1;
	v = level_shift(tree_size, level);
	*full = v / TILE_WIDTH;
	*partial = (int)(v % TILE_WIDTH);
	return 0;
}

int
tile_for_size(int level, int64_t n, int64_t tree_size, struct tile *t)
{
	int64_t v;

	if (tree_size < 0 || tree_size > MERKLE_MAX_TREE_SIZE || level < 0 ||
	    level > TILE_MAX_LEVEL || n < 0 || n > TILE_MAX_N)
		return -1;
	v = level_shift(tree_size, level);
	if (n * TILE_WIDTH >= v)
		return -1;
	t->level = level;
	t->n = n;
	t->width = v - n * TILE_WIDTH >= TILE_WIDTH ? TILE_WIDTH
						    : (int)(v - n * TILE_WIDTH);
	return 0;
}

int
tile_new_tiles(int64_t old_size, int64_t new_size, tile_visit_fn visit,
    void *ctx)
{
	struct tile t;
	int64_t oldn, newn, n;
	int level;

	if (old_size < 0 || new_size < old_size ||
	    new_size > MERKLE_MAX_TREE_SIZE)
		return -1;
	for (level = 0; level_shift(new_size, level) > 0; level++) {
		oldn = level_shift(old_size, level);
		newn = level_shift(new_size, level);
		if (oldn == newn)
			continue;
		t.level = level;
		for (n = oldn / TILE_WIDTH; n < newn / TILE_WIDTH; n++) {
			t.n = n;
			t.width = TILE_WIDTH;
			if (visit(ctx, &t) == -1)
				return -1;
		}
		t.n = newn / TILE_WIDTH;
		t.width = (int)(newn % TILE_WIDTH);
		if (t.width > 0 && visit(ctx, &t) == -1)
			return -1;
	}
	return 0;
}

/* A hash tile whose hashes all lie inside a tree of 2^62 leaves. */
static int
hash_tile_ok(const struct tile *t)
{
	int shift = t->level * TILE_HEIGHT;

	if (!tile_coords_ok(t) || t->level < 0 ||
	    t->level > TILE_MAX_HASH_LEVEL)
		return 0;
	/* (n * 256 + width) << shift <= 2^62 */
	return t->n * TILE_WIDTH + t->width <= (MERKLE_MAX_TREE_SIZE >> shift);
}

int
tile_hash_indexes(const struct tile *t, int64_t *indexes)
{
	int i;

	if (!hash_tile_ok(t))
		return -1;
	for (i = 0; i < t->width; i++) {
		indexes[i] = merkle_stored_hash_index(t->level * TILE_HEIGHT,
		    t->n * TILE_WIDTH + i);
		if (indexes[i] < 0)
			return -1;
	}
	return 0;
}

int
tile_read_data(const struct tile *t, merkle_read_fn reader, void *ctx,
    uint8_t *out, size_t outlen)
{
	int64_t indexes[TILE_WIDTH];
	uint8_t h[TILE_WIDTH][MERKLE_HASH_SIZE];

	if (tile_hash_indexes(t, indexes) == -1 ||
	    outlen < (size_t)t->width * MERKLE_HASH_SIZE ||
	    reader(ctx, indexes, (size_t)t->width, h) == -1)
		return -1;
	memcpy(out, h, (size_t)t->width * MERKLE_HASH_SIZE);
	return 0;
}

/* tile_for_index, also giving the byte range of the hashes it needs. */
static int
locate(int64_t index, struct tile *t, size_t *start, size_t *end)
{
	int64_t n, inside;
	int level, lw;

	if (merkle_split_stored_hash_index(index, &level, &n) == -1)
		return -1;
	t->level = level / TILE_HEIGHT;
	lw = level - t->level * TILE_HEIGHT; /* level within the tile */
	t->n = (n << lw) >> TILE_HEIGHT;
	inside = n - ((t->n << TILE_HEIGHT) >> lw);
	t->width = (int)((inside + 1) << lw);
	*start = (size_t)(inside << lw) * MERKLE_HASH_SIZE;
	*end = (size_t)((inside + 1) << lw) * MERKLE_HASH_SIZE;
	return 0;
}

int
tile_for_index(int64_t index, struct tile *t)
{
	size_t start, end;

	return locate(index, t, &start, &end);
}

/* MTH of the 2^k consecutive hashes in data (len = 2^k * 32). */
static void
tile_subtree_hash(const uint8_t *data, size_t len,
    uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t l[MERKLE_HASH_SIZE], r[MERKLE_HASH_SIZE];

	if (len == MERKLE_HASH_SIZE) {
		memcpy(out, data, MERKLE_HASH_SIZE);
		return;
	}
	tile_subtree_hash(data, len / 2, l);
	tile_subtree_hash(data + len / 2, len / 2, r);
	merkle_node_hash(l, r, out);
}

int
tile_hash_from_data(const struct tile *t, const uint8_t *data, size_t len,
    int64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
	struct tile need;
	size_t start, end;

	if (!hash_tile_ok(t) || len != (size_t)t->width * MERKLE_HASH_SIZE ||
	    locate(index, &need, &start, &end) == -1)
		return -1;
	if (need.level != t->level || need.n != t->n || need.width > t->width)
		return -1;
	tile_subtree_hash(data + start, end - start, out);
	return 0;
}

struct tile_hash_reader *
tile_hash_reader_new(int64_t tree_size, const uint8_t root[MERKLE_HASH_SIZE],
    tile_fetch_fn fetch, void *ctx)
{
	struct tile_hash_reader *r;
	int64_t lo = 0;
	int bit;

	if (tree_size < 0 || tree_size > MERKLE_MAX_TREE_SIZE)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->size = tree_size;
	memcpy(r->root, root, MERKLE_HASH_SIZE);
	r->fetch = fetch;
	r->ctx = ctx;
	/* MTH(D[0:size]) is made of one complete subtree per bit of size. */
	for (bit = 62; bit >= 0; bit--) {
		if ((tree_size & (INT64_C(1) << bit)) == 0)
			continue;
		r->edge[r->nedge++] = merkle_stored_hash_index(bit, lo >> bit);
		lo += INT64_C(1) << bit;
	}
	return r;
}

void
tile_hash_reader_free(struct tile_hash_reader *r)
{
	free(r);
}

/* Fetches the published tile holding index and reads that hash from it. */
static int
fetch_hash(struct tile_hash_reader *r, int64_t index, struct tile *t,
    const uint8_t **data, size_t *len, uint8_t out[MERKLE_HASH_SIZE])
{
	struct tile need;

	if (tile_for_index(index, &need) == -1 ||
	    tile_for_size(need.level, need.n, r->size, t) == -1 ||
	    r->fetch(r->ctx, t, data, len) == -1)
		return -1;
	return tile_hash_from_data(t, *data, *len, index, out);
}

/* The right-edge tiles must rebuild the trusted root. */
static int
check_edge(struct tile_hash_reader *r)
{
	struct tile t;
	const uint8_t *data;
	size_t len, i;
	uint8_t h[MERKLE_HASH_SIZE];

	if (r->nedge == 0) {
		merkle_empty_root(h);
		return memcmp(h, r->root, MERKLE_HASH_SIZE) == 0 ? 0 : -1;
	}
	for (i = 0; i < r->nedge; i++)
		if (fetch_hash(r, r->edge[i], &t, &data, &len,
			r->edge_hash[i]) == -1)
			return -1;
	memcpy(h, r->edge_hash[r->nedge - 1], MERKLE_HASH_SIZE);
	for (i = r->nedge - 1; i > 0; i--)
		merkle_node_hash(r->edge_hash[i - 1], h, h);
	if (memcmp(h, r->root, MERKLE_HASH_SIZE) != 0)
		return -1;
	r->edge_ok = 1;
	return 0;
}

/*
 * Authenticates tile t (its bytes in data): a partial tile is a right-edge
 * tile, whose edge hashes must be the authenticated ones; a full tile must
 * hash to its entry in the parent tile, which is authenticated in turn.
 */
static int
authenticate(struct tile_hash_reader *r, struct tile t, const uint8_t *data,
    size_t len)
{
	struct tile parent, at;
	uint8_t h[MERKLE_HASH_SIZE], want[MERKLE_HASH_SIZE];
	int64_t idx;
	size_t i;
	int level;

	for (level = t.level; level <= TILE_MAX_HASH_LEVEL; level++) {
		if (t.width < TILE_WIDTH) {
			for (i = 0; i < r->nedge; i++) {
				if (tile_for_index(r->edge[i], &at) == -1)
					return -1;
				if (at.level != t.level)
					continue;
				if (tile_hash_from_data(&t, data, len,
					r->edge[i], h) == -1 ||
				    memcmp(h, r->edge_hash[i],
					MERKLE_HASH_SIZE) != 0)
					return -1;
			}
			return 0;
		}
		tile_subtree_hash(data, len, h);
		idx =
		    merkle_stored_hash_index((t.level + 1) * TILE_HEIGHT, t.n);
		if (idx < 0 ||
		    fetch_hash(r, idx, &parent, &data, &len, want) == -1 ||
		    memcmp(h, want, MERKLE_HASH_SIZE) != 0)
			return -1;
		t = parent;
	}
	return -1;
}

int
tile_hash_reader_read(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[MERKLE_HASH_SIZE])
{
	struct tile_hash_reader *r = ctx;
	struct tile t;
	const uint8_t *data;
	size_t len, i;
	int64_t limit;

	if (!r->edge_ok && check_edge(r) == -1)
		return -1;
	limit = merkle_stored_hash_count(r->size);
	for (i = 0; i < n; i++) {
		if (indexes[i] < 0 || indexes[i] >= limit)
			return -1;
		if (fetch_hash(r, indexes[i], &t, &data, &len, out[i]) == -1 ||
		    authenticate(r, t, data, len) == -1)
			return -1;
	}
	return 0;
}

int
tile_entries_parse(const uint8_t *bundle, size_t len, int width,
    struct tile_entry *entries, char *err, size_t errlen)
{
	size_t pos = 0, elen;
	int i;

	if (width < 1 || width > TILE_WIDTH) {
		snprintf(err, errlen, "bundle width %d outside 1..%d", width,
		    TILE_WIDTH);
		return -1;
	}
	for (i = 0; i < width; i++) {
		if (len - pos < 2) {
			snprintf(err, errlen,
			    "bundle ends inside the length of entry %d of %d",
			    i, width);
			return -1;
		}
		elen = (size_t)bundle[pos] << 8 | bundle[pos + 1];
		pos += 2;
		if (len - pos < elen) {
			snprintf(err, errlen,
			    "entry %d claims %zu bytes, bundle has %zu left", i,
			    elen, len - pos);
			return -1;
		}
		entries[i].data = bundle + pos;
		entries[i].len = elen;
		pos += elen;
	}
	if (pos != len) {
		snprintf(err, errlen,
		    "%zu bytes after the %d entries the bundle should hold",
		    len - pos, width);
		return -1;
	}
	return 0;
}

int
tile_entries_append(uint8_t *buf, size_t cap, size_t *len, const uint8_t *entry,
    size_t entrylen)
{
	if (entrylen > TILE_ENTRY_MAX || *len > cap || cap - *len < 2 ||
	    cap - *len - 2 < entrylen)
		return -1;
	buf[*len] = (uint8_t)(entrylen >> 8);
	buf[*len + 1] = (uint8_t)entrylen;
	if (entrylen > 0)
		memcpy(buf + *len + 2, entry, entrylen);
	*len += 2 + entrylen;
	return 0;
}
