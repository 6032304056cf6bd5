/*
 * idmap: observation id prefixes -> log indexes (see idmap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ledger/idmap.h"

#define INITIAL_SLOTS 1024

struct slot {
	uint64_t key;
	int64_t index; /* -1: empty */
};

struct idmap {
	struct slot *slot;
	size_t cap, count; /* cap is a power of two */
};

static uint64_t
key_of(const uint8_t id[32])
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return k;
}

/* The ids are SHA-256 outputs, but a mix keeps a chosen prefix from
 * clustering the probe sequences (splitmix64's finaliser). */
static size_t
home(const struct idmap *m, uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k & (m->cap - 1);
}

static struct slot *
slots_new(size_t cap)
{
	struct slot *s;
	size_t i;

	if ((s = malloc(cap * sizeof(*s))) == NULL)
		return NULL;
	for (i = 0; i < cap; i++)
		s[i].index = -1;
	return s;
}

struct idmap *
idmap_new(void)
{
	struct idmap *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->cap = INITIAL_SLOTS;
	if ((m->slot = slots_new(m->cap)) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
idmap_free(struct idmap *m)
{
	if (m == NULL)
		return;
	free(m->slot);
	free(m);
}

static void
place(struct idmap *m, uint64_t key, int64_t index)
{
	size_t i = home(m, key);

	while (m->slot[i].index != -1)
		i = (i + 1) & (m->cap - 1);
	m->slot[i].key = key;
	m->slot[i].index = index;
}

static int
grow(struct idmap *m)
{
	struct slot *old = m->slot;
	size_t oldcap = m->cap, i;

	if ((m->slot = slots_new(oldcap * 2)) == NULL) {
		m->slot = old;
		return -1;
	}
	m->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++)
		if (old[i].index != -1)
			place(m, old[i].key, old[i].index);
	free(old);
	return 0;
}

int
idmap_put(struct idmap *m, const uint8_t id[32], int64_t index)
{
	if (index < 0)
		return -1;
	if ((m->count + 1) * 2 > m->cap && grow(m) == -1)
		return -1;
	place(m, key_of(id), index);
	m->count++;
	return 0;
}

int64_t
idmap_find(const struct idmap *m, const uint8_t id[32],
    idmap_confirm_fn confirm, void *ctx)
{
	uint64_t key = key_of(id);
	size_t i = home(m, key);
	int r;

	for (; m->slot[i].index != -1; i = (i + 1) & (m->cap - 1)) {
		if (m->slot[i].key != key)
			continue;
		if ((r = confirm(ctx, m->slot[i].index, id)) == -1)
			return -2;
		if (r == 1)
			return m->slot[i].index;
	}
	return -1;
}

size_t
idmap_count(const struct idmap *m)
{
	return m->count;
}
