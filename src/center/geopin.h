/*
 * geopin: which geography each part of a center's log was computed with,
 * and the refusal to replay a part with another (docs/geography.md, "The
 * geography is part of the record").
 *
 * A log names its geography in its genesis entry and in `geography`
 * entries (record/geography.h); each is in effect from the entry naming it
 * to the next. A process holds one copy of the data (geo/geodigest.h), so
 * replaying entries [from, to) — catch-up, `truce rebuild` — is allowed
 * only if every geography in effect over that range is the one it holds,
 * unless no entry it was in effect for is one fusion acts on (an
 * observation, a merge, a split: fusion/fusion.h), so that nothing was
 * worded with it.
 * A log whose genesis names none (older centers) is not checked up to its
 * first `geography` entry.
 *
 * Reads the log (entry bundles) once per scan: O(size) bytes.
 */
#ifndef TRUCE_GEOPIN_H
#define TRUCE_GEOPIN_H

#include <stddef.h>
#include <stdint.h>

#include "geo/geodigest.h"

#define GEOPIN_MAX_SPANS 4096 /* geographies one log may name */

struct entrylog;

/* One geography named by the log, in effect from index `from`. */
struct geopin_span {
	int64_t from;
	int fused; /* it words an entry fusion acts on (or may: the
			 * test is on the bytes, never too lenient) */
	char digest[GEODIGEST_HEX_LEN];
	char region[GEODIGEST_REGION_LEN];
};

struct geopin {
	size_t n;
	int64_t scanned; /* entries [0, scanned) are scanned */
	struct geopin_span span[GEOPIN_MAX_SPANS];
};

/*
 * Fills *p (caller-allocated: it is large) with the geographies entries
 * [0, size) of log name, in log order. -1 with a message naming the entry.
 */
int geopin_scan(struct entrylog *log, int64_t size, struct geopin *p, char *err,
    size_t errlen);

/*
 * Scans entries [p->scanned, size) of log into *p (filled by geopin_scan
 * up to p->scanned), so that a log that grows is scanned once: a new
 * geography entry adds a span, and the last span becomes fused when an
 * entry fusion acts on arrives. -1 with a message naming the entry (*p
 * then holds what was scanned before it).
 */
int geopin_scan_more(struct entrylog *log, int64_t size, struct geopin *p,
    char *err, size_t errlen);

/* The digest in effect after the last entry scanned; "" if none named. */
const char *geopin_last(const struct geopin *p);

/*
 * 0 if every geography in effect for an index of [from, to) is have's,
 * else -1 with a message naming the entries, the digest they were computed
 * with, the digest of the data in datadir, and `remedy` (what to do).
 */
int geopin_check(const struct geopin *p, int64_t from, int64_t to,
    const struct geodigest *have, const char *datadir, const char *remedy,
    char *err, size_t errlen);

#endif
