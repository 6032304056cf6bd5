/*
 * idmap: the log's observation ids in memory, for deduplication on the
 * write path without a store lookup.
 *
 * An open-addressing table (linear probing, at most half full) from the
 * first 8 bytes of an observation id (SHA-256 of its canonical entry) to its
 * log index: 16 bytes a slot, so about 32 MiB per million observations. A
 * prefix is not the id, so a hit is only a candidate: the caller confirms it
 * against the log (idmap_find's confirm), which keeps an adversary who finds
 * a 64-bit prefix collision from having a new observation taken for an old
 * one (and so dropped). Not thread-safe: the sequencer thread owns it.
 */
#ifndef TRUCE_IDMAP_H
#define TRUCE_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

/* An empty map, or NULL when out of memory. */
struct idmap *idmap_new(void);

/* Frees m; NULL does nothing. */
void idmap_free(struct idmap *m);

/* Records that id is at log index (>= 0). 0, or -1 when out of memory. */
int idmap_put(struct idmap *m, const uint8_t id[32], int64_t index);

/*
 * Returns 1 if index holds id, 0 if it does not, -1 on error (the caller's
 * check against its source of truth).
 */
typedef int (*idmap_confirm_fn)(void *ctx, int64_t index, const uint8_t id[32]);

/*
 * The log index of id: each candidate whose prefix matches is confirmed
 * with confirm(ctx, index, id) until one holds. Returns the index, -1 when
 * id is not in the map, -2 when confirm failed.
 */
int64_t idmap_find(const struct idmap *m, const uint8_t id[32],
    idmap_confirm_fn confirm, void *ctx);

/* Number of ids in m. */
size_t idmap_count(const struct idmap *m);

#endif
