/*
 * noise.h: the unit tests' seeded random numbers, one copy for all: a
 * xorshift64* generator (rand() is banned and not reproducible) and
 * Gaussian noise by Box-Muller. Define NOISE_SEED before including it;
 * each test file then has its own reproducible sequence.
 */
#ifndef TRUCE_TEST_NOISE_H
#define TRUCE_TEST_NOISE_H

#include <math.h>
#include <stdint.h>

#ifndef NOISE_SEED
#error "define NOISE_SEED before including noise.h"
#endif

static uint64_t rng = NOISE_SEED;

/* Uniform in [0, 1). */
static double
uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) * 0x1p-53;
}

/* Standard normal. */
static inline double
gauss(void)
{
	double u1 = uniform(), u2 = uniform();

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

#endif
