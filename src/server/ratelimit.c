/*
 * ratelimit: token buckets per key (see ratelimit.h). Tokens are kept
 * in thousandths so refills at any rate stay integer arithmetic.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"

struct slot {
	char key[RATELIMIT_KEY_LEN];
	int64_t milli; /* tokens x 1000 at `at` */
	int64_t at;    /* ms of the last update */
};

struct ratelimit {
	pthread_mutex_t mu;
	int64_t burst, per_minute;
	struct slot *slots;
	size_t used;
};

struct ratelimit *
ratelimit_new(int64_t burst, int64_t per_minute)
{
	struct ratelimit *rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL ||
	    (rl->slots = calloc(RATELIMIT_SLOTS, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return NULL;
	}
	pthread_mutex_init(&rl->mu, NULL);
	rl->burst = burst < 1 ? 1 : burst;
	rl->per_minute = per_minute < 1 ? 1 : per_minute;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->slots);
	free(rl);
}

/* Brings slot up to now: tokens refilled, capped at burst. */
static void
refill(const struct ratelimit *rl, struct slot *s, int64_t now)
{
	int64_t dt = now - s->at, add;

	if (dt <= 0)
		return;
	/* per_minute tokens per 60,000 ms: milli-tokens = dt * rate / 60. */
	add = dt > 3600000 ? rl->burst * 1000 : dt * rl->per_minute / 60;
	s->milli += add;
	if (s->milli > rl->burst * 1000)
		s->milli = rl->burst * 1000;
	s->at = now;
}

/* The slot of key, or NULL; with insert, a new full one (evicting). */
static struct slot *
find(struct ratelimit *rl, const char *key, int64_t now, int insert)
{
	struct slot *s, *oldest = NULL;
	size_t i;

	for (i = 0; i < rl->used; i++) {
		s = &rl->slots[i];
		if (strncmp(s->key, key, RATELIMIT_KEY_LEN - 1) == 0)
			return s;
		if (oldest == NULL || s->at < oldest->at)
			oldest = s;
	}
	if (!insert)
		return NULL;
	s = rl->used < RATELIMIT_SLOTS ? &rl->slots[rl->used++] : oldest;
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->milli = rl->burst * 1000;
	s->at = now;
	return s;
}

int64_t
ratelimit_check(struct ratelimit *rl, const char *key, int64_t now_ms)
{
	struct slot *s;
	int64_t wait = 0;

	pthread_mutex_lock(&rl->mu);
	if ((s = find(rl, key, now_ms, 0)) != NULL) {
		refill(rl, s, now_ms);
		if (s->milli < 1000) {
			/* ms until 1000 milli-tokens at per_minute/60 per ms */
			wait = ((1000 - s->milli) * 60 + rl->per_minute - 1) /
			    rl->per_minute;
			wait = (wait + 999) / 1000;
			if (wait < 1)
				wait = 1;
		}
	}
	pthread_mutex_unlock(&rl->mu);
	return wait;
}

void
ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms)
{
	struct slot *s;

	pthread_mutex_lock(&rl->mu);
	s = find(rl, key, now_ms, 1);
	refill(rl, s, now_ms);
	s->milli -= 1000;
	if (s->milli < 0)
		s->milli = 0;
	pthread_mutex_unlock(&rl->mu);
}

int64_t
ratelimit_take(struct ratelimit *rl, const char *key, int64_t n, int64_t now_ms)
{
	struct slot *s;
	int64_t need, wait = 0;

	if (n < 1)
		n = 1;
	if (n > rl->burst)
		n = rl->burst + 1; /* never fits; the wait is then a bound */
	need = n * 1000;
	pthread_mutex_lock(&rl->mu);
	s = find(rl, key, now_ms, 1);
	refill(rl, s, now_ms);
	if (s->milli >= need)
		s->milli -= need;
	else {
		/* ms until `need` milli-tokens at per_minute/60 per ms */
		wait = ((need - s->milli) * 60 + rl->per_minute - 1) /
		    rl->per_minute;
		wait = (wait + 999) / 1000;
		if (wait < 1)
			wait = 1;
	}
	pthread_mutex_unlock(&rl->mu);
	return wait;
}
