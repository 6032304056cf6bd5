/*
 * obsdigest: the digest of a store's observations over a range of log
 * indexes (see obsdigest.h).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "store/obsdigest.h"
#include "store/store.h"

struct range {
	crypto_hash_sha256_state st;
	int64_t to;
	int64_t count;
};

static int
digest_row(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct range *r = ctx;
	uint8_t rec[8 + crypto_hash_sha256_BYTES];
	uint64_t v = (uint64_t)index;
	int i;

	(void)
	    id; /* the digest hashes the entry itself, whatever the column says */
	if (index >= r->to)
		return 1;
	for (i = 7; i >= 0; i--) {
		rec[i] = (uint8_t)v;
		v >>= 8;
	}
	crypto_hash_sha256(rec + 8, (const uint8_t *)entry, len);
	crypto_hash_sha256_update(&r->st, rec, sizeof(rec));
	r->count++;
	return 0;
}

int
obsdigest_range(struct store *s, int64_t from, int64_t to,
    uint8_t out[OBSDIGEST_SIZE], int64_t *count)
{
	struct store_query q;
	struct range r;

	if (from < 0 || to < from || to - from > OBSDIGEST_MAX_SPAN)
		return -1;
	crypto_hash_sha256_init(&r.st);
	r.to = to;
	r.count = 0;
	if (to > from) {
		/* Indexes are unique: at most to - from rows in the range. */
		store_query_init(&q);
		q.after_index = from - 1;
		q.limit = (int)(to - from);
		if (store_query_observations(s, &q, digest_row, &r) == -1)
			return -1;
	}
	crypto_hash_sha256_final(&r.st, out);
	*count = r.count;
	return 0;
}
