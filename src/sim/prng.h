/*
 * prng: the simulator's deterministic pseudo-random numbers (the C
 * library's rand is banned, STYLE.md rule 8, and its sequence differs
 * between libcs).
 *
 * xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/), its
 * state filled from a 64-bit seed by splitmix64, as its authors advise.
 * Not for secrets: tokens and keys come from libsodium.
 */
#ifndef TRUCE_PRNG_H
#define TRUCE_PRNG_H

#include <stdint.h>

/* Held by value by the simulator: the whole state is four words. */
struct prng {
	uint64_t s[4];
};

/* Seeds p from seed; the same seed always gives the same sequence. */
void prng_seed(struct prng *p, uint64_t seed);

/* The next 64 random bits. */
uint64_t prng_next(struct prng *p);

/* A uniform double in [0, 1) with 53 random bits. */
double prng_uniform(struct prng *p);

/* A uniform integer in [0, n) without modulo bias; n must be >= 1. */
uint64_t prng_below(struct prng *p, uint64_t n);

/* A normal deviate with mean 0 and standard deviation 1 (Box-Muller). */
double prng_normal(struct prng *p);

/* A Poisson deviate with mean lambda (>= 0): Knuth's method below 30, a
 * rounded normal approximation above. */
uint64_t prng_poisson(struct prng *p, double lambda);

#endif
