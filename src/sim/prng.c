/*
 * prng: splitmix64 seeding + xoshiro256**. See prng.h. The reference
 * vectors in tests/unit/test_prng.c pin the exact output.
 */
#include <math.h>
#include <stdint.h>

#include "sim/prng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
prng_seed(struct prng *p, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		p->s[i] = splitmix64(&x);
}

uint64_t
prng_next(struct prng *p)
{
	uint64_t *s = p->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
prng_uniform(struct prng *p)
{
	return (double)(prng_next(p) >> 11) * 0x1.0p-53;
}

uint64_t
prng_below(struct prng *p, uint64_t n)
{
	uint64_t x, limit;

	/* Reject the top partial range so that every value is as likely. */
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		x = prng_next(p);
	while (x >= limit);
	return x % n;
}

double
prng_normal(struct prng *p)
{
	double u1, u2;

	do
		u1 = prng_uniform(p);
	while (u1 <= 0.0);
	u2 = prng_uniform(p);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t
prng_poisson(struct prng *p, double lambda)
{
	double l, prod, x;
	uint64_t k = 0;

	if (lambda <= 0.0)
		return 0;
	if (lambda >= 30.0) {
		x = floor(lambda + sqrt(lambda) * prng_normal(p) + 0.5);
		return x < 0.0 ? 0 : (uint64_t)x;
	}
	l = exp(-lambda);
	prod = prng_uniform(p);
	while (prod > l) {
		k++;
		prod *= prng_uniform(p);
	}
	return k;
}
