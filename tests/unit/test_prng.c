/*
 * Unit test of sim/prng: xoshiro256** seeded by splitmix64. The expected
 * words come from an independent Python transcription of the reference C
 * code (prng.di.unimi.it), so a change in the generator — which would
 * change every simulated data set — cannot pass unnoticed.
 */
#include <stdint.h>

#include "sim/prng.h"
#include "tap.h"

int
main(void)
{
	struct prng p, q;
	uint64_t counts[10] = { 0 };
	double sum = 0, x;
	int i, inrange = 1, fair = 1;

	prng_seed(&p, 0);
	ok(prng_next(&p) == 0x99ec5f36cb75f2b4ULL, "seed 0, word 1");
	ok(prng_next(&p) == 0xbf6e1f784956452aULL, "seed 0, word 2");
	ok(prng_next(&p) == 0x1a5f849d4933e6e0ULL, "seed 0, word 3");
	prng_seed(&p, 42);
	ok(prng_next(&p) == 0x15780b2e0c2ec716ULL, "seed 42, word 1");
	ok(prng_next(&p) == 0x6104d9866d113a7eULL, "seed 42, word 2");
	ok(prng_next(&p) == 0xae17533239e499a1ULL, "seed 42, word 3");

	prng_seed(&p, 7);
	prng_seed(&q, 7);
	for (i = 0; i < 1000; i++)
		if (prng_next(&p) != prng_next(&q))
			break;
	is_int(i, 1000, "same seed, same sequence");

	prng_seed(&p, 1);
	for (i = 0; i < 100000; i++) {
		x = prng_uniform(&p);
		if (x < 0 || x >= 1)
			inrange = 0;
		sum += x;
		counts[prng_below(&p, 10)]++;
	}
	ok(inrange, "uniform stays in [0, 1)");
	ok(sum / 100000 > 0.49 && sum / 100000 < 0.51, "uniform mean 0.5");
	for (i = 0; i < 10; i++)
		if (counts[i] < 9500 || counts[i] > 10500)
			fair = 0;
	ok(fair, "below(10) hits each value about as often");
	ok(prng_below(&p, 1) == 0, "below(1) is 0");

	sum = 0;
	for (i = 0; i < 20000; i++)
		sum += (double)prng_poisson(&p, 4.0);
	ok(sum / 20000 > 3.9 && sum / 20000 < 4.1, "poisson(4) mean 4 (%.3f)",
	    sum / 20000);
	sum = 0;
	for (i = 0; i < 20000; i++)
		sum += (double)prng_poisson(&p, 100.0);
	ok(sum / 20000 > 99 && sum / 20000 < 101, "poisson(100) mean 100");
	is_int(prng_poisson(&p, 0), 0, "poisson(0) is 0");
	return done_testing();
}
