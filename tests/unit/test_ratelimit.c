/*
 * server/ratelimit: a token bucket per address: the burst, the refill
 * rate, Retry-After, addresses kept apart, and eviction when full.
 */
#include <stdio.h>

#include "server/ratelimit.h"
#include "tap.h"

int
main(void)
{
	struct ratelimit *rl = ratelimit_new(3, 6); /* 3, then 1 per 10 s */
	char key[32];
	int64_t t = 1000000, w;
	int i, all;

	ok(rl != NULL, "new");
	is_int(ratelimit_check(rl, "10.0.0.1", t), 0, "unknown address may");
	for (i = 0; i < 3; i++) {
		is_int(ratelimit_check(rl, "10.0.0.1", t), 0,
		    "attempt %d allowed", i + 1);
		ratelimit_fail(rl, "10.0.0.1", t);
	}
	w = ratelimit_check(rl, "10.0.0.1", t);
	is_int(w, 10, "after the burst: wait 10 s");
	is_int(ratelimit_check(rl, "10.0.0.2", t), 0,
	    "another address is not affected");
	is_int(ratelimit_check(rl, "10.0.0.1", t + 5000), 5,
	    "half way: 5 s left");
	is_int(ratelimit_check(rl, "10.0.0.1", t + 10000), 0,
	    "one attempt back after 10 s");
	ratelimit_fail(rl, "10.0.0.1", t + 10000);
	ok(ratelimit_check(rl, "10.0.0.1", t + 10001) > 0,
	    "and used up again");
	is_int(ratelimit_check(rl, "10.0.0.1", t + 3600000), 0,
	    "an hour later the bucket is full");
	for (i = 0; i < 3; i++)
		ratelimit_fail(rl, "10.0.0.1", t + 3600000);
	ok(ratelimit_check(rl, "10.0.0.1", t + 3600000) > 0,
	    "full means the burst, not more");
	/* Fill the table with other addresses: the oldest go first. */
	for (i = 0; i < RATELIMIT_SLOTS; i++) {
		snprintf(key, sizeof(key), "192.0.2.%d/%d", i % 256, i);
		ratelimit_fail(rl, key, t + 3600001 + i);
	}
	is_int(ratelimit_check(rl, "10.0.0.1", t + 3600000 + RATELIMIT_SLOTS +
	    1), 0, "the least recent address was forgotten when full");
	for (all = 1, i = RATELIMIT_SLOTS / 2; i < RATELIMIT_SLOTS; i++) {
		snprintf(key, sizeof(key), "192.0.2.%d/%d", i % 256, i);
		all &= ratelimit_check(rl, key, t + 3600001 + i) == 0;
	}
	ok(all, "recent addresses kept their (one-failure) buckets");
	ratelimit_free(rl);
	ratelimit_free(NULL);
	return done_testing();
}
