/*
 * statedigest_time: the state digests of one store alone, as an audit
 * computes them from its replay (src/audit/audit.c's compare_state: each
 * kind in chunks of 4,096 log indexes over [0, SIZE), one connection),
 * with the CPU seconds each kind took and one SHA-256 over all the
 * chunks' digests and counts per kind, so two builds can be shown to give
 * the same bytes on the same store. With "scratch", the store is opened
 * as the audit's second connection opens its replay (STORE_SCRATCH |
 * STORE_READONLY: no mmap, a 256 MiB cache); else as a center's reader.
 * bench/RESULTS.md, "Cheaper state digests".
 *
 *   make build/release/truce
 *   cc -O2 -D_GNU_SOURCE -Isrc bench/ledger/statedigest_time.c \
 *       build/release/libtruce.a $(pkg-config --libs libmicrohttpd \
 *       jansson sqlite3 libsodium libcurl proj librsvg-2.0 cairo libpq) \
 *       -lpthread -lm -o /tmp/statedigest_time
 *   /tmp/statedigest_time STORE.db SIZE [ROUNDS [scratch]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/statedigest.h"
#include "store/store.h"

#define CHUNK 4096

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
	crypto_hash_sha256_state all;
	uint8_t d[STATEDIGEST_SIZE], sum[STATEDIGEST_SIZE];
	struct store *s;
	double t0, best[STATEDIGEST_NKINDS], total = 0, t;
	int64_t size, lo, hi, count, rows;
	int k, i, round, rounds, flags = STORE_READONLY;

	if (argc < 3) {
		fprintf(stderr,
		    "usage: statedigest_time STORE.db SIZE "
		    "[ROUNDS [scratch]]\n");
		return 2;
	}
	size = strtoll(argv[2], NULL, 10);
	rounds = argc > 3 ? atoi(argv[3]) : 3;
	if (argc > 4 && strcmp(argv[4], "scratch") == 0)
		flags |= STORE_SCRATCH;
	if (sodium_init() < 0 ||
	    (s = store_open("sqlite", argv[1], flags)) == NULL)
		return 1;
	for (k = 0; k < STATEDIGEST_NKINDS; k++) {
		best[k] = 1e30;
		for (round = 0; round < rounds; round++) {
			crypto_hash_sha256_init(&all);
			rows = 0;
			t0 = cpu_s();
			for (lo = 0; lo < size; lo += CHUNK) {
				hi = lo + CHUNK < size ? lo + CHUNK : size;
				if (statedigest_range(s, k, lo, hi, d,
					&count) == -1) {
					fprintf(stderr, "%s: failed\n",
					    statedigest_kind_name(k));
					return 1;
				}
				crypto_hash_sha256_update(&all, d, sizeof(d));
				crypto_hash_sha256_update(&all,
				    (const uint8_t *)&count, sizeof(count));
				rows += count;
			}
			t = cpu_s() - t0;
			if (t < best[k])
				best[k] = t;
		}
		crypto_hash_sha256_final(&all, sum);
		total += best[k];
		printf("%-12s %8lld rows %8.3f s  ", statedigest_kind_name(k),
		    (long long)rows, best[k]);
		for (i = 0; i < 8; i++)
			printf("%02x", sum[i]);
		printf("\n");
	}
	printf("%-12s %8s      %8.3f s (best of %d rounds each)\n", "all", "",
	    total, rounds);
	store_close(s);
	return 0;
}
