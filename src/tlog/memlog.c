/*
 * memlog: stored Merkle hashes in a growing heap array (see memlog.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tlog/memlog.h"

struct memlog {
	uint8_t (*hash)[MERKLE_HASH_SIZE];
	int64_t nhash; /* stored hashes */
	int64_t cap;   /* room in hash */
	int64_t size;  /* records */
};

struct memlog *
memlog_new(void)
{
	return calloc(1, sizeof(struct memlog));
}

void
memlog_free(struct memlog *m)
{
	if (m == NULL)
		return;
	free(m->hash);
	free(m);
}

int64_t
memlog_size(const struct memlog *m)
{
	return m->size;
}

int
memlog_read(void *ctx, const int64_t *indexes, size_t n,
    uint8_t (*out)[MERKLE_HASH_SIZE])
{
	const struct memlog *m = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if (indexes[i] < 0 || indexes[i] >= m->nhash)
			return -1;
	for (i = 0; i < n; i++)
		memcpy(out[i], m->hash[indexes[i]], MERKLE_HASH_SIZE);
	return 0;
}

int
memlog_append(struct memlog *m, const uint8_t leaf_hash[MERKLE_HASH_SIZE])
{
	uint8_t add[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	uint8_t(*grown)[MERKLE_HASH_SIZE];
	size_t nadd = 0;
	int64_t cap;

	if (m->size >= MEMLOG_MAX_RECORDS)
		return -1;
	if (merkle_stored_hashes_for_record(m->size, leaf_hash, memlog_read, m,
		add, &nadd) == -1)
		return -1;
	if (m->nhash + (int64_t)nadd > m->cap) {
		cap = m->cap < 64 ? 128 : 2 * m->cap;
		grown = realloc(m->hash, (size_t)cap * MERKLE_HASH_SIZE);
		if (grown == NULL)
			return -1;
		m->hash = grown;
		m->cap = cap;
	}
	memcpy(m->hash[m->nhash], add, nadd * MERKLE_HASH_SIZE);
	m->nhash += (int64_t)nadd;
	m->size++;
	return 0;
}
