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

	/* Writes: n tokens at once, or none. 100 at once, 60 a minute. */
	rl = ratelimit_new(100, 60);
	ok(rl != NULL, "a write limiter");
	is_int(ratelimit_take(rl, "sensor-net", 80, t), 0,
	    "80 entries of a burst of 100 pass");
	is_int(ratelimit_take(rl, "sensor-net", 30, t), 10,
	    "30 more do not: 10 s until they fit");
	is_int(ratelimit_take(rl, "sensor-net", 20, t), 0,
	    "the refusal took nothing: 20 still fit");
	is_int(ratelimit_take(rl, "patrol-7", 100, t), 0,
	    "another principal has its own bucket");
	is_int(ratelimit_take(rl, "sensor-net", 1, t + 999), 1,
	    "empty: the next entry in 1 s");
	is_int(ratelimit_take(rl, "sensor-net", 1, t + 1000), 0,
	    "and it passes then");
	ok(ratelimit_take(rl, "sensor-net", 101, t + 3600000) > 0,
	    "more than the burst never fits, even with the bucket full");
	is_int(ratelimit_take(rl, "sensor-net", 100, t + 3600000), 0,
	    "the whole burst does");
	ratelimit_free(rl);
	ratelimit_free(NULL);
	return done_testing();
}
