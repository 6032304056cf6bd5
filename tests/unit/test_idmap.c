/* Unit test of ledger/idmap: the sequencer's in-memory id index. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "ledger/idmap.h"
#include "tap.h"

#define N 20000

static uint8_t ids[N][32];
static int confirms;

/* The "log": index i holds ids[i]. */
static int
confirm(void *ctx, int64_t index, const uint8_t id[32])
{
	(void)ctx;
	confirms++;
	return index >= 0 && index < N && memcmp(ids[index], id, 32) == 0;
}

static int
refuse(void *ctx, int64_t index, const uint8_t id[32])
{
	(void)ctx;
	(void)index;
	(void)id;
	return -1;
}

int
main(void)
{
	struct idmap *m = idmap_new();
	uint8_t other[32], twin[32];
	int i, found = 0, missing = 0;

	if (sodium_init() < 0)
		return 1;
	ok(m != NULL, "a new map");
	for (i = 0; i < N; i++) {
		crypto_hash_sha256(ids[i], (const uint8_t *)&i, sizeof(i));
		if (i % 2 == 0 && idmap_put(m, ids[i], i) != 0)
			break;
	}
	is_int((long long)idmap_count(m), N / 2, "holds %d ids after growing",
	    N / 2);
	for (i = 0; i < N; i++) {
		int64_t at = idmap_find(m, ids[i], confirm, NULL);

		if (i % 2 == 0)
			found += at == i;
		else
			missing += at == -1;
	}
	is_int(found, N / 2, "every id put is found at its index");
	is_int(missing, N / 2, "no id that was not put is found");

	/* Same 8-byte prefix, another id: a candidate that does not hold. */
	memcpy(twin, ids[0], 32);
	twin[31] ^= 1;
	confirms = 0;
	is_int(idmap_find(m, twin, confirm, NULL), -1,
	    "a prefix twin is not taken for the id");
	ok(confirms >= 1, "the twin's candidate was checked (%d)", confirms);
	ok(idmap_put(m, twin, N + 5) == 0, "the twin can be put");
	memcpy(ids[0], twin, 32); /* the "log" now says index 0 holds twin */
	is_int(idmap_find(m, twin, confirm, NULL), 0,
	    "with two candidates the one that holds is returned");
	memset(other, 0xab, sizeof(other));
	is_int(idmap_find(m, ids[2], refuse, NULL), -2,
	    "a failing confirmation is reported as -2");
	ok(idmap_put(m, other, -1) == -1, "a negative index is refused");
	idmap_free(m);
	idmap_free(NULL);
	return done_testing();
}
