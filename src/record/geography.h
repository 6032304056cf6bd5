/*
 * geography: the geography a center computes incidents from, as log
 * entries — the one place their JSON is spelled (docs/geography.md, "The
 * geography is part of the record").
 *
 * The genesis entry carries it as its "geography" member, and whenever a
 * center starts with data of another digest (geo/geodigest.h) it appends a
 * `geography` entry (canonical, record/canon.h):
 *
 *   {"at_ms":T,"by":"@local","digest":"<64 hex>","files":[{"path":"geo/…",
 *    "sha256":"<64 hex>"},…],"previous":"<64 hex>" or "","region":"karabakh",
 *    "type":"geography","v":1}
 *
 * The geography a log names is in effect from the entry that names it
 * (index 0 for the genesis) up to the next that names one. A genesis
 * without the member (older centers) names none.
 *
 * Pure: no I/O; the caller passes the clock.
 */
#ifndef TRUCE_GEOGRAPHY_H
#define TRUCE_GEOGRAPHY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct geodigest;

/*
 * The "geography" member of a genesis entry: {"digest","files","region"}.
 * New reference (caller decrefs), NULL if out of memory.
 */
json_t *geography_json(const struct geodigest *g);

/*
 * The `geography` entry for g, replacing the geography previous (hex
 * digest, or "" if the log named none), recorded by `by` at at_ms. New
 * reference, NULL if out of memory.
 */
json_t *geography_entry(const struct geodigest *g, const char *previous,
    const char *by, int64_t at_ms);

/*
 * 0 if the entry's bytes cannot name a geography (no "geography" string in
 * them: a cheap filter before parsing), else 1.
 */
int geography_maybe(const uint8_t *bytes, size_t len);

/*
 * 1 if the entry's bytes may be one fusion words with the geography (an
 * observation, an incident merge or split: fusion_acts_on), else 0. A test
 * on the bytes, never too lenient: a nested "type" may answer 1.
 */
int geography_fused(const uint8_t *bytes, size_t len);

/*
 * Whether the parsed entry names a geography: 1 with *digest and *region
 * (borrowed from entry) for a genesis with the member or a `geography`
 * entry; 0 for any other entry; -1 (with err) if it names one malformed.
 */
int geography_read(const json_t *entry, const char **digest,
    const char **region, char *err, size_t errlen);

#endif
