/*
 * ratelimit: a token bucket per key. Two uses: failed authentication per
 * client address (docs/verification.md "Principals"), and log entries
 * written per principal (docs/api.md "Write limits"). Each key starts with
 * `burst` tokens; tokens come back at `per_minute`. For failed
 * authentication every failed attempt takes one, and an address with no
 * token left is refused before its token is even looked at (429 with
 * Retry-After), so guessing tokens costs time. For writes a request takes
 * one token per entry it would append, or is refused whole.
 *
 * The table holds at most RATELIMIT_SLOTS keys; when it is full the key
 * seen least recently is forgotten (it could only have had more tokens
 * back by now). No I/O; the caller passes the clock. Thread-safe.
 */
#ifndef TRUCE_RATELIMIT_H
#define TRUCE_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_SLOTS 4096
#define RATELIMIT_KEY_LEN 64 /* address text with NUL */

struct ratelimit;

/* A new limiter: burst tokens per address, refilled at per_minute. */
struct ratelimit *ratelimit_new(int64_t burst, int64_t per_minute);

/* Frees rl; NULL does nothing. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Whether address key (text, truncated to RATELIMIT_KEY_LEN - 1) may try
 * to authenticate at now_ms: 0 yes; otherwise the seconds until it may
 * (at least 1), for Retry-After.
 */
int64_t ratelimit_check(struct ratelimit *rl, const char *key, int64_t now_ms);

/* Records one failed attempt by key at now_ms (takes one token). */
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms);

/*
 * Takes n tokens (n >= 1) from key at now_ms if it has them all: returns
 * 0. Otherwise takes none and returns the seconds until it will have them
 * (at least 1, for Retry-After); n above the burst never fits, and the
 * caller should say so instead of asking to retry.
 */
int64_t ratelimit_take(struct ratelimit *rl, const char *key, int64_t n,
    int64_t now_ms);

#endif
