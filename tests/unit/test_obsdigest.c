/*
 * obsdigest: the digest of a store's observations over a range of log
 * indexes (store/obsdigest.h), recomputed here byte by byte from its
 * definition: SHA-256 over uint64be(index) || SHA-256(entry) for each
 * observation with from <= index < to. Entries that are not observations
 * do not count; an empty range digests the empty string; a changed
 * observation, a missing one or one at another index changes the digest
 * of every range that covers it and of no other; spans over the limit and
 * reversed ranges are refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store/obsdigest.h"
#include "store/store.h"
#include "tap.h"

#define N 40

static char entry[N][400];

/* Entry i: an observation unless i is 0 (genesis-like) or a multiple of
 * 7 (a note), in canonical form. */
static void
make_entry(int i, int variant)
{
	if (i == 0 || i % 7 == 0)
		snprintf(entry[i], sizeof(entry[i]),
		    "{\"at_ms\":%d,\"text\":\"n%d\",\"type\":\"note\"}", i, i);
	else
		snprintf(entry[i], sizeof(entry[i]),
		    "{\"category\":\"explosion\",\"location\":{\"form\":"
		    "\"point\",\"lat_e7\":%d,\"lon_e7\":%d},\"observed_at\":"
		    "{\"from\":%d,\"to\":%d},\"source\":{\"member\":\"RU\","
		    "\"type\":\"patrol\",\"unit\":\"u%d\"},\"type\":"
		    "\"observation\",\"v\":1}", 395000000 + i, 465000000 + i,
		    1000 * i, 1000 * i + variant, i);
}

static struct store *
replay(int skip, int variant_at)
{
	struct store *s = store_open("sqlite", "", STORE_SCRATCH);
	char err[300];
	int i;

	if (s == NULL || store_begin(s) == -1)
		return NULL;
	for (i = 0; i < N; i++) {
		make_entry(i, i == variant_at);
		if (i == skip)
			continue;
		if (store_apply_entry(s, i, (const uint8_t *)entry[i],
			strlen(entry[i]), NULL, err, sizeof(err)) == -1) {
			diag("%s", err);
			store_close(s);
			return NULL;
		}
	}
	if (store_commit(s, N) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

/* The digest of [from, to) by its definition, from the entries. */
static int64_t
expect(int64_t from, int64_t to, uint8_t out[32], int skip)
{
	crypto_hash_sha256_state st;
	uint8_t rec[40];
	int64_t i, n = 0;
	int k;

	crypto_hash_sha256_init(&st);
	for (i = from; i < to && i < N; i++) {
		if (i == 0 || i % 7 == 0 || i == skip)
			continue;
		for (k = 0; k < 8; k++)
			rec[k] = (uint8_t)((uint64_t)i >> (56 - 8 * k));
		crypto_hash_sha256(rec + 8, (const uint8_t *)entry[i],
		    strlen(entry[i]));
		crypto_hash_sha256_update(&st, rec, sizeof(rec));
		n++;
	}
	crypto_hash_sha256_final(&st, out);
	return n;
}

int
main(void)
{
	struct store *s, *t;
	uint8_t got[32], want[32], other[32], empty[32];
	int64_t n, m;
	static const int64_t ranges[][2] = { { 0, N }, { 0, 1 }, { 1, 2 },
		{ 5, 23 }, { 14, 15 }, { 30, 1000 }, { 0, 1 << 20 } };
	size_t r;

	if (sodium_init() == -1)
		return 1;
	ok((s = replay(-1, -1)) != NULL, "a scratch store replays %d entries",
	    N);
	if (s == NULL)
		return done_testing();
	for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		m = expect(ranges[r][0], ranges[r][1], want, -1);
		ok(obsdigest_range(s, ranges[r][0], ranges[r][1], got, &n) == 0,
		    "digest of [%lld, %lld)", (long long)ranges[r][0],
		    (long long)ranges[r][1]);
		is_int(n, m, "  counts its %lld observations", (long long)m);
		is_mem(got, want, 32, "  is SHA-256 of index || id, in order");
	}
	crypto_hash_sha256(empty, (const uint8_t *)"", 0);
	ok(obsdigest_range(s, 7, 7, got, &n) == 0 && n == 0,
	    "an empty range: no observations");
	is_mem(got, empty, 32, "  digests the empty string");
	ok(obsdigest_range(s, 14, 15, got, &n) == 0 && n == 0,
	    "a range of a note only: no observations");
	n = -5;
	ok(obsdigest_range(s, 0, (1 << 20) + 1, got, &n) == -1 && n == -5,
	    "a span over OBSDIGEST_MAX_SPAN is refused, *count untouched");
	ok(obsdigest_range(s, 5, 4, got, &n) == -1, "to < from is refused");
	ok(obsdigest_range(s, -1, 4, got, &n) == -1, "from < 0 is refused");

	/* One observation missing, then one changed. */
	ok((t = replay(20, -1)) != NULL, "a replay without entry 20");
	if (t != NULL) {
		obsdigest_range(s, 0, N, want, &n);
		obsdigest_range(t, 0, N, got, &m);
		ok(memcmp(got, want, 32) != 0 && m == n - 1,
		    "  the whole digest differs, one fewer counted");
		obsdigest_range(s, 0, 20, want, &n);
		obsdigest_range(t, 0, 20, got, &m);
		is_mem(got, want, 32, "  [0, 20) is the same");
		obsdigest_range(s, 21, N, want, &n);
		obsdigest_range(t, 21, N, got, &m);
		is_mem(got, want, 32, "  [21, %d) is the same", N);
		expect(0, N, other, 20);
		obsdigest_range(t, 0, N, got, &m);
		is_mem(got, other, 32, "  and matches the definition");
		store_close(t);
	}
	ok((t = replay(-1, 33)) != NULL, "a replay with entry 33 changed");
	if (t != NULL) {
		obsdigest_range(s, 30, 34, want, &n);
		obsdigest_range(t, 30, 34, got, &m);
		ok(memcmp(got, want, 32) != 0 && m == n,
		    "  [30, 34) differs, same count");
		obsdigest_range(s, 34, N, want, &n);
		obsdigest_range(t, 34, N, got, &m);
		is_mem(got, want, 32, "  [34, %d) is the same", N);
		store_close(t);
	}
	store_close(s);
	return done_testing();
}
